// Micro-batching: requests that arrive in the same event-loop turn share one downstream call. Small tabular
// models cost about the same for 32 rows as for 1, and each NATS hop has a fixed cost, so under load this is
// the main throughput lever; with a single request in flight it adds no wait (the batch closes on setImmediate).
import { AviaryError } from '@aviary/contracts';

export interface MicroBatcherOptions {
  /** A batch closes early once its items weigh this much (e.g. records). */
  maxWeight: number;
  /** Weight of one item; 1 by default. */
  weigh?: (item: unknown) => number;
}

interface Pending<I, O> {
  item: I;
  resolve(output: O): void;
  reject(error: unknown): void;
}

export class MicroBatcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private weight = 0;
  private scheduled?: NodeJS.Immediate;

  /** `run` answers one output per item, in order. */
  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly options: MicroBatcherOptions,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.weight += this.options.weigh?.(item) ?? 1;
      if (this.weight >= this.options.maxWeight) this.flush();
      else this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const batch = this.queue;
    this.queue = [];
    this.weight = 0;
    if (batch.length) void this.execute(batch);
  }

  private async execute(batch: Pending<I, O>[]): Promise<void> {
    try {
      const outputs = await this.run(batch.map((p) => p.item));
      if (outputs.length !== batch.length) {
        throw new AviaryError(`a batch of ${batch.length} items produced ${outputs.length} outputs`, 'INTERNAL');
      }
      batch.forEach((p, i) => p.resolve(outputs[i]));
    } catch (error) {
      // One bad item must not fail its neighbours: rerun each alone, so each gets its own answer or error.
      if (batch.length > 1 && error instanceof AviaryError && error.code === 'INVALID_ARGUMENT') {
        await Promise.all(batch.map((p) => this.execute([p])));
      } else {
        for (const p of batch) p.reject(error);
      }
    }
  }
}
