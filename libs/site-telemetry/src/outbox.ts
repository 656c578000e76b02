// The messages a site's service has yet to hand to its NATS server: prediction records batched into JSON Lines
// messages, and summaries. Bounded in records: while the server does not take them, the oldest are dropped and
// counted, so a site without its NATS keeps serving in bounded memory.
import type { PredictionLogRecord } from '@aviary/contracts';

export type TelemetryKind = 'predictions' | 'metrics' | 'events';

export interface OutgoingMessage {
  kind: TelemetryKind;
  data: string;
  /** Nats-Msg-Id: a retried message is stored once by the site's stream. */
  id: string;
  /** Records it holds: prediction records, or 1 for a summary or an event. */
  records: number;
}

export interface OutboxOptions {
  /** Prefix of every message id, unique per process (site and instance), followed by a sequence number. */
  idPrefix: string;
  /** Records one prediction-log message holds at most. */
  batchRecords: number;
  /** Records held at most, open batch and queued messages together. */
  capacity: number;
}

export class TelemetryOutbox {
  private open: PredictionLogRecord[] = [];
  private readonly queue: OutgoingMessage[] = [];
  private held = 0;
  private seq = 0;
  /** Records dropped since the outbox was made. */
  dropped = 0;
  /** The head is being published: it stays until shift(), and is never dropped meanwhile. */
  inFlight = false;

  constructor(private readonly options: OutboxOptions) {}

  /** Appends a record; answers true when that filled a batch (a message is ready). */
  add(record: PredictionLogRecord): boolean {
    this.open.push(record);
    this.held++;
    this.bound();
    if (this.open.length < this.options.batchRecords) return false;
    this.seal();
    return true;
  }

  /** Turns the records gathered so far into one message. */
  seal(): void {
    if (this.open.length === 0) return;
    const records = this.open;
    this.open = [];
    this.queue.push({
      kind: 'predictions',
      data: records.map((r) => JSON.stringify(r)).join('\n') + '\n',
      id: this.nextId(),
      records: records.length,
    });
  }

  enqueue(kind: TelemetryKind, data: string): void {
    this.queue.push({ kind, data, id: this.nextId(), records: 1 });
    this.held++;
    this.bound();
  }

  head(): OutgoingMessage | undefined {
    return this.queue[0];
  }

  /** The head was published. */
  shift(): void {
    const message = this.queue.shift();
    this.inFlight = false;
    if (message) this.held -= message.records;
  }

  /** Records waiting, in the open batch and in queued messages. */
  get size(): number {
    return this.held;
  }

  private nextId(): string {
    return `${this.options.idPrefix}.${++this.seq}`;
  }

  /** Drops the oldest queued messages (never the one in flight), then the oldest open records, down to capacity. */
  private bound(): void {
    const oldest = this.inFlight ? 1 : 0;
    while (this.held > this.options.capacity && this.queue.length > oldest) {
      const [message] = this.queue.splice(oldest, 1);
      this.held -= message.records;
      this.dropped += message.records;
    }
    const excess = Math.min(this.held - this.options.capacity, this.open.length);
    if (excess > 0) {
      this.open.splice(0, excess);
      this.held -= excess;
      this.dropped += excess;
    }
  }
}
