// Webhooks on rollout events: the leader POSTs each history entry, as JSON, to the webhooks that want it. Deliveries
// wait in a bounded queue, one ordered lane per URL (a dead endpoint delays only its own events), each POST bounded
// by a timeout and retried a bounded number of times with exponential backoff; a full queue refuses the event, and the
// caller hands it again later. The event's seq is in the Idempotency-Key header, since a retry after a lost answer
// delivers the same event twice.
import type { HistoryEntry, RolloutPhase, RolloutStatus } from './rollout-machine';
import type { Webhook } from './rollout-document';

export const WEBHOOK_EVENT_FILTERS = [
  'applied',
  'step',
  'measurement',
  'phase',
  'command',
  'Progressing',
  'Paused',
  'Healthy',
  'Degraded',
] as const satisfies readonly (HistoryEntry['kind'] | RolloutPhase)[];

/** The JSON body of one POST. */
export interface WebhookEvent {
  model: string;
  candidate: string;
  seq: number;
  kind: HistoryEntry['kind'];
  message: string;
  phase: RolloutPhase;
  step: number;
  at: string;
}

/** A webhook wants every event without `events`; else those of a listed kind, and phase changes to a listed phase. */
export function webhookWants(hook: Pick<Webhook, 'events'>, event: Pick<WebhookEvent, 'kind' | 'phase'>): boolean {
  if (!hook.events) return true;
  const filters: readonly string[] = hook.events;
  return filters.includes(event.kind) || (event.kind === 'phase' && filters.includes(event.phase));
}

/** One HTTP POST; answers the status code, or throws on a network error or timeout. */
export type WebhookPost = (request: {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}) => Promise<number>;

export interface WebhookQueueOptions {
  post: WebhookPost;
  /** Most deliveries waiting or in flight, over every URL. */
  capacity: number;
  timeoutMs: number;
  /** Attempts after the first. */
  retries: number;
  /** The first retry waits this long, each next one twice as long. */
  backoffMs: number;
  sleep?: (ms: number) => Promise<void>;
  onDelivered?: (delivery: { url: string; event: WebhookEvent }) => void;
  /** A delivery given up: retries spent, or refused with a 4xx. */
  onLoss?: (loss: { url: string; event: WebhookEvent; reason: string }) => void;
}

interface Delivery {
  hook: Webhook;
  event: WebhookEvent;
}

export class WebhookQueue {
  readonly counts = { delivered: 0, refused: 0, failed: 0 };
  private readonly lanes = new Map<string, Delivery[]>();
  private readonly workers = new Set<Promise<void>>();
  private size = 0;
  private closed = false;

  constructor(private readonly options: WebhookQueueOptions) {}

  /**
   * Queues the event when the webhook wants it; never waits. False when the queue is full or closed: nothing was
   * queued, and the caller hands the event again later (after it, nothing else for that URL, to keep its order).
   */
  enqueue(hook: Webhook, event: WebhookEvent): boolean {
    if (!webhookWants(hook, event)) return true;
    if (this.closed || this.size >= this.options.capacity) {
      this.counts.refused++;
      return false;
    }
    this.size++;
    const lane = this.lanes.get(hook.url);
    if (lane) {
      lane.push({ hook, event });
      return true;
    }
    this.lanes.set(hook.url, [{ hook, event }]);
    const worker = this.drain(hook.url).finally(() => this.workers.delete(worker));
    this.workers.add(worker);
    return true;
  }

  /** Deliveries waiting or in flight. */
  get pending(): number {
    return this.size;
  }

  /** Takes no more events and waits for the queued ones (each is bounded by its retries). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers);
  }

  private async drain(url: string): Promise<void> {
    const lane = this.lanes.get(url)!;
    while (lane.length) {
      await this.deliver(lane[0]);
      lane.shift();
      this.size--;
    }
    this.lanes.delete(url);
  }

  private async deliver({ hook, event }: Delivery): Promise<void> {
    const { post, timeoutMs, retries, backoffMs, sleep = pause } = this.options;
    const headers = {
      ...hook.headers,
      'content-type': 'application/json',
      'idempotency-key': `${event.model}-${event.seq}`,
    };
    const body = JSON.stringify(event);
    let reason = '';
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep(backoffMs * 2 ** (attempt - 1));
      try {
        const status = await post({ url: hook.url, headers, body, timeoutMs });
        if (status >= 200 && status < 300) {
          this.counts.delivered++;
          this.options.onDelivered?.({ url: hook.url, event });
          return;
        }
        reason = `HTTP ${status}`;
        // The endpoint refused the event itself: sending it again would not help (408 and 429 are worth a retry).
        if (status >= 400 && status < 500 && status !== 408 && status !== 429) break;
      } catch (e) {
        reason = (e as Error).message;
      }
    }
    this.counts.failed++;
    this.options.onLoss?.({ url: hook.url, event, reason });
  }
}

/**
 * Hands a URL's events (in seq order, all after `handed`) to the queue until it refuses one; answers the seq up to
 * which the URL is now handed, so the next call starts at the refused event and nothing after it is lost or reordered.
 */
export function handEvents(
  queue: WebhookQueue,
  hook: Webhook,
  events: readonly WebhookEvent[],
  handed: number,
): number {
  for (const event of events) {
    if (!queue.enqueue(hook, event)) return handed;
    handed = event.seq;
  }
  return handed;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The POST over fetch, bounded by the timeout. */
export const fetchWebhookPost: WebhookPost = async ({ url, headers, body, timeoutMs }) => {
  const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
  await response.body?.cancel();
  return response.status;
};

/** The status's history entries after seq `after`, as webhook events. */
export function webhookEvents(status: RolloutStatus, after: number): WebhookEvent[] {
  return status.history
    .filter((e) => e.seq > after)
    .map(({ seq, kind, message, phase, step, at }) => ({
      model: status.model,
      candidate: status.candidate,
      seq,
      kind,
      message,
      phase,
      step,
      at,
    }));
}
