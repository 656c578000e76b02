// The leader's webhooks: each tick it hands every rollout's new history entries (applied, steps, measurements,
// phases, commands — whoever wrote them) to a bounded WebhookQueue, which POSTs them off the reconcile loop. What
// each URL has settled is kept in KV (WebhookCursors), so the next leader resends what this one had not.
import {
  fetchWebhookPost,
  handEvents,
  RolloutSpec,
  RolloutStatus,
  RolloutStore,
  WebhookCursors,
  webhookEvents,
  WebhookQueue,
} from '@aviary/rollout';
import { counter, createLogger } from '@aviary/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import { ROLLOUT_CONTROLLER_CONFIG, RolloutControllerConfig } from './config';

const deliveries = counter(
  'aviary_rollout_webhook_deliveries_total',
  'Rollout webhook deliveries by outcome: delivered, failed (retries spent or refused), deferred (queue full: a URL waits a tick)',
  ['outcome'],
);

@Injectable()
export class RolloutNotifier {
  private readonly log = createLogger('rollout-controller');
  private readonly queue: WebhookQueue;
  /** model → webhook URL → the last seq handed to the queue, since this replica leads. */
  private readonly handed = new Map<string, Map<string, number>>();
  private leadingSince = 0;
  private cursors = new WebhookCursors();

  constructor(@Inject(ROLLOUT_CONTROLLER_CONFIG) private readonly config: RolloutControllerConfig) {
    this.queue = new WebhookQueue({
      post: fetchWebhookPost,
      capacity: config.AVIARY_WEBHOOK_QUEUE,
      timeoutMs: config.AVIARY_WEBHOOK_TIMEOUT_MS,
      retries: config.AVIARY_WEBHOOK_RETRIES,
      backoffMs: 250,
      onDelivered: ({ url, event }) => {
        deliveries.inc({ outcome: 'delivered' });
        this.cursors.settle(event.model, url, event.seq);
      },
      onLoss: ({ url, event, reason }) => {
        deliveries.inc({ outcome: 'failed' });
        this.log.warn(`webhook ${url}: event ${event.model} #${event.seq} not delivered: ${reason}`);
        this.cursors.settle(event.model, url, event.seq);
      },
    });
  }

  /**
   * This replica just took the lead: for each URL it sends what the stored cursors say is not settled yet; a URL
   * without a cursor for a rollout gets the entries written from now on (the previous leader sent older ones).
   */
  async leading(now: Date, store: RolloutStore): Promise<void> {
    this.handed.clear();
    this.leadingSince = now.getTime();
    this.cursors = await store.webhookCursors().catch((e: Error) => {
      this.log.warn(`reading the webhook cursors failed (webhooks start from now): ${e.message}`);
      return new WebhookCursors();
    });
  }

  /**
   * Queues the rollout's entries not yet handed over; never waits for a delivery. A URL's first cursor for the
   * rollout is stored before any of its events is sent, so a leader dying right after sending cannot lose them. A
   * full queue leaves the rest of a URL's events for the next tick: none is skipped, so none settles past them.
   */
  async observe(spec: RolloutSpec, status: RolloutStatus, store: RolloutStore): Promise<void> {
    const hooks = [...this.config.AVIARY_ROLLOUT_WEBHOOKS, ...spec.webhooks];
    let handedByUrl = this.handed.get(status.model);
    if (!handedByUrl) this.handed.set(status.model, (handedByUrl = new Map()));
    let begun = false;
    const planned = hooks.map((hook) => {
      const after = handedByUrl.get(hook.url) ?? this.cursors.after(status.model, hook.url, status.seq);
      const events = webhookEvents(status, after ?? 0).filter(
        (e) => after !== undefined || Date.parse(e.at) >= this.leadingSince,
      );
      if (after === undefined) {
        this.cursors.begin(status.model, hook.url, events.length ? events[0].seq - 1 : status.seq);
        begun = true;
      }
      return { hook, events };
    });
    if (begun) await this.flush(store);
    for (const { hook, events } of planned) {
      if (!events.length) {
        handedByUrl.set(hook.url, status.seq);
        continue;
      }
      const upTo = handEvents(this.queue, hook, events, events[0].seq - 1);
      handedByUrl.set(hook.url, upTo);
      if (upTo < events[events.length - 1].seq) {
        deliveries.inc({ outcome: 'deferred' });
        this.log.warn(`webhook ${hook.url}: the queue is full; ${status.model} events after #${upTo} wait`);
      }
    }
  }

  /** Stores the cursors if deliveries settled since the last call (each leading tick). */
  async flush(store: RolloutStore): Promise<void> {
    await this.cursors.flush((doc) => store.writeWebhookCursors(doc));
  }

  /** On shutdown: waits for the queued deliveries (each bounded by its retries), then stores where they ended. */
  async close(store: RolloutStore | undefined, leading: boolean): Promise<void> {
    await this.queue.close();
    if (store && leading) await this.flush(store);
  }
}
