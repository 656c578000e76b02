// Where each webhook's deliveries stand: per rollout and URL, the highest event seq settled (delivered, or given up
// after its retries). The leader keeps it in KV, so a replica that takes over resends what the previous leader had
// queued but not settled (at least once: receivers dedupe by the Idempotency-Key) instead of losing it.
import { z } from 'zod';

export const webhookCursorsSchema = z.record(z.string(), z.record(z.string(), z.number().int().nonnegative()));
/** model → webhook URL → the highest settled event seq. */
export type WebhookCursorDoc = z.infer<typeof webhookCursorsSchema>;

export class WebhookCursors {
  private changed = false;

  constructor(private readonly doc: WebhookCursorDoc = {}) {}

  /**
   * The seq after which `url` still wants the rollout's events, if it was ever recorded. A cursor past the rollout's
   * last seq belongs to an older rollout of that model (its bucket was wiped): it does not count.
   */
  after(model: string, url: string, lastSeq: number): number | undefined {
    const seq = this.doc[model]?.[url];
    return seq !== undefined && seq <= lastSeq ? seq : undefined;
  }

  /**
   * The first time a leader hands a URL the rollout's events: everything up to `seq` counts as settled (it was
   * written before any leader kept a cursor for them), so the next leader resends from there, not from its own start.
   */
  begin(model: string, url: string, seq: number): void {
    if (this.doc[model]?.[url] === undefined) this.settle(model, url, seq);
  }

  settle(model: string, url: string, seq: number): void {
    const cursors = (this.doc[model] ??= {});
    if ((cursors[url] ?? -1) >= seq) return;
    cursors[url] = seq;
    this.changed = true;
  }

  /** Stores the document if anything settled since the last flush; a failed write is tried again by the next. */
  async flush(write: (doc: WebhookCursorDoc) => Promise<void>): Promise<void> {
    if (!this.changed) return;
    this.changed = false;
    try {
      await write(structuredClone(this.doc));
    } catch (e) {
      this.changed = true;
      throw e;
    }
  }
}
