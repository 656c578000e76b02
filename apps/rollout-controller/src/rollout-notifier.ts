// The leader's webhooks: each tick it hands every rollout's new history entries (applied, steps, measurements,
// phases, commands — whoever wrote them) to a bounded WebhookQueue, which POSTs them off the reconcile loop.
import { fetchWebhookPost, RolloutSpec, RolloutStatus, webhookEvents, WebhookQueue } from '@aviary/rollout';
import { counter, createLogger } from '@aviary/telemetry';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ROLLOUT_CONTROLLER_CONFIG, RolloutControllerConfig } from './config';

const deliveries = counter(
  'aviary_rollout_webhook_deliveries_total',
  'Rollout events POSTed to webhooks by outcome: delivered, failed (retries spent or refused), dropped (queue full)',
  ['outcome'],
);

@Injectable()
export class RolloutNotifier implements OnApplicationShutdown {
  private readonly log = createLogger('rollout-controller');
  private readonly queue: WebhookQueue;
  /** model → the last seq handed to the queue, since this replica leads. */
  private readonly notified = new Map<string, number>();
  private leadingSince = 0;

  constructor(@Inject(ROLLOUT_CONTROLLER_CONFIG) private readonly config: RolloutControllerConfig) {
    this.queue = new WebhookQueue({
      post: fetchWebhookPost,
      capacity: config.AVIARY_WEBHOOK_QUEUE,
      timeoutMs: config.AVIARY_WEBHOOK_TIMEOUT_MS,
      retries: config.AVIARY_WEBHOOK_RETRIES,
      backoffMs: 250,
      onDelivered: () => deliveries.inc({ outcome: 'delivered' }),
      onLoss: ({ url, event, reason, dropped }) => {
        deliveries.inc({ outcome: dropped ? 'dropped' : 'failed' });
        this.log.warn(`webhook ${url}: event ${event.model} #${event.seq} not delivered: ${reason}`);
      },
    });
  }

  /** This replica just took the lead: entries written from now on are its to send (the previous leader sent older). */
  leading(now: Date): void {
    this.notified.clear();
    this.leadingSince = now.getTime();
  }

  /** Queues the rollout's entries not yet handed over; never waits for a delivery. */
  observe(spec: RolloutSpec, status: RolloutStatus): void {
    const hooks = [...this.config.AVIARY_ROLLOUT_WEBHOOKS, ...spec.webhooks];
    const after = this.notified.get(status.model);
    const events = webhookEvents(status, after ?? 0).filter(
      (e) => after !== undefined || Date.parse(e.at) >= this.leadingSince,
    );
    this.notified.set(status.model, status.seq);
    if (hooks.length) for (const event of events) this.queue.enqueue(hooks, event);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
