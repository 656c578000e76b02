// Micro-batching: requests that arrive in the same event-loop turn share one downstream call. Small tabular
// models cost about the same for 32 rows as for 1, and each NATS hop has a fixed cost, so under load this is
// the main throughput lever; with a single request in flight it adds no wait (the batch closes on setImmediate).
import { AviaryError } from '@aviary/contracts';

export interface BatchLimit<I> {
  /** A batch never weighs more than this, except one item that does on its own (it runs alone). */
  max: number;
  weigh(item: I): number;
}

export interface MicroBatcherOptions<I> {
  /** E.g. records, bytes: a batch closes before an item that would take any of them past its max. */
  limits: readonly BatchLimit<I>[];
  /** Items with different keys never share a batch (e.g. tensors that cannot be concatenated); one key by default. */
  keyOf?(item: I): string;
}

/** Thrown by a batch's run when its items cannot be served together after all: the batcher then runs each alone. */
export class IncompatibleBatchError extends AviaryError {
  constructor(message: string) {
    super(message, 'INTERNAL');
  }
}

interface Pending<I, O> {
  item: I;
  resolve(output: O): void;
  reject(error: unknown): void;
}

interface OpenBatch<I, O> {
  pending: Pending<I, O>[];
  /** What the batch weighs so far, one figure per limit. */
  weights: number[];
}

export class MicroBatcher<I, O> {
  private readonly open = new Map<string, OpenBatch<I, O>>();
  private flushScheduled = false;

  /** `run` answers one output per item, in order. */
  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly options: MicroBatcherOptions<I>,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      const { limits, keyOf } = this.options;
      const key = keyOf?.(item) ?? '';
      const weights = limits.map((l) => l.weigh(item));
      const current = this.open.get(key);
      if (current?.weights.some((w, i) => w + weights[i] > limits[i].max)) this.close(key, current);
      const batch = this.open.get(key) ?? this.start(key);
      batch.pending.push({ item, resolve, reject });
      weights.forEach((w, i) => (batch.weights[i] += w));
      if (batch.weights.some((w, i) => w >= limits[i].max)) this.close(key, batch);
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private start(key: string): OpenBatch<I, O> {
    const batch = { pending: [], weights: this.options.limits.map(() => 0) };
    this.open.set(key, batch);
    return batch;
  }

  private flush(): void {
    this.flushScheduled = false;
    for (const [key, batch] of this.open) this.close(key, batch);
  }

  private close(key: string, batch: OpenBatch<I, O>): void {
    this.open.delete(key);
    void this.execute(batch.pending);
  }

  private async execute(batch: Pending<I, O>[]): Promise<void> {
    try {
      const outputs = await this.run(batch.map((p) => p.item));
      if (outputs.length !== batch.length) {
        throw new AviaryError(`a batch of ${batch.length} items produced ${outputs.length} outputs`, 'INTERNAL');
      }
      batch.forEach((p, i) => p.resolve(outputs[i]));
    } catch (error) {
      // One item must not fail its neighbours: rerun each alone, so each gets its own answer or error.
      if (batch.length > 1 && mayPassAlone(error)) {
        await Promise.all(batch.map((p) => this.execute([p])));
      } else {
        for (const p of batch) p.reject(error);
      }
    }
  }
}

/** Errors one item can cause (a bad input, a batch too big for one message) or that say the items do not go together. */
export const mayPassAlone = (error: unknown) =>
  error instanceof IncompatibleBatchError ||
  (error instanceof AviaryError && (error.code === 'INVALID_ARGUMENT' || error.code === 'PAYLOAD_TOO_LARGE'));
