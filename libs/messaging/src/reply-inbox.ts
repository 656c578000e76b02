// Request/reply multiplexed over one wildcard inbox subscription. nats.js's own request() builds a "cancelled"
// NatsError for every reply it resolves (measured ~4 % of the gateway's CPU under load); this keeps one pending
// entry and one timer per request and nothing else.
// While the connection is down, requests fail at once with UNAVAILABLE instead of waiting in nats.js's reconnect
// buffer until their deadline, and the ones in flight when it dropped fail too: their replies are lost.
import { AviaryError } from '@aviary/contracts';
import { createInbox, Events, Msg, MsgHdrs, NatsConnection, Subscription } from 'nats';
import { natsFailure } from './nats-failure';

interface Pending {
  subject: string;
  resolve(reply: Msg): void;
  reject(error: AviaryError): void;
  timer: NodeJS.Timeout;
}

/** NATS answers a request nobody subscribes to with an empty 503 status message (no-responders). */
const NO_RESPONDERS = 503;

/** Nobody serves the subject: UNAVAILABLE, and a type of its own for callers that can ask differently. */
export class NoResponders extends AviaryError {
  constructor(readonly subject: string) {
    super(`no replica serves ${subject}`, 'UNAVAILABLE');
  }
}

export class ReplyInbox {
  private readonly prefix = `${createInbox()}.`;
  private readonly pending = new Map<string, Pending>();
  private subscription?: Subscription;
  private next = 0;
  private disconnected = false;

  constructor(private readonly connection: NatsConnection) {
    void this.followStatus();
  }

  /** False from a disconnect until nats.js has reconnected (and for good once the connection is closed). */
  get connected(): boolean {
    return !this.disconnected && !this.connection.isClosed();
  }

  /** Publishes with a reply subject of this inbox; a NATS failure the caller can act on becomes a typed AviaryError. */
  request(subject: string, data: Uint8Array, options: { headers: MsgHdrs; timeoutMs: number }): Promise<Msg> {
    const token = (this.next++).toString(36);
    return new Promise<Msg>((resolve, reject) => {
      if (!this.connected) {
        reject(new AviaryError(`NATS connection is down (reconnecting); cannot call ${subject}`, 'UNAVAILABLE'));
        return;
      }
      try {
        this.subscription ??= this.open();
        this.connection.publish(subject, data, { reply: this.prefix + token, headers: options.headers });
      } catch (error) {
        reject(natsFailure(error, `the message for ${subject}`) ?? error);
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(new AviaryError(`no reply on ${subject} within ${options.timeoutMs} ms`, 'DEADLINE_EXCEEDED'));
      }, options.timeoutMs);
      this.pending.set(token, { subject, resolve, reject, timer });
    });
  }

  private open(): Subscription {
    const subscription = this.connection.subscribe(`${this.prefix}*`, {
      callback: (err, msg) => {
        if (err) return;
        const token = msg.subject.slice(this.prefix.length);
        const waiting = this.pending.get(token);
        if (!waiting) return; // a late reply to a request that already timed out
        this.pending.delete(token);
        clearTimeout(waiting.timer);
        if (msg.data.length === 0 && msg.headers?.code === NO_RESPONDERS)
          waiting.reject(new NoResponders(waiting.subject));
        else waiting.resolve(msg);
      },
    });
    // Whatever still waits when the connection or the inbox closes will never be answered.
    void subscription.closed.then(() => this.failAll());
    return subscription;
  }

  private async followStatus(): Promise<void> {
    for await (const status of this.connection.status()) {
      if (status.type === Events.Disconnect) {
        this.disconnected = true;
        this.failPending();
      } else if (status.type === Events.Reconnect) this.disconnected = false;
    }
  }

  private failPending(): void {
    for (const [token, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new AviaryError(`NATS connection lost while calling ${waiting.subject}`, 'UNAVAILABLE'));
      this.pending.delete(token);
    }
  }

  private failAll(): void {
    this.failPending();
    this.subscription = undefined;
  }
}
