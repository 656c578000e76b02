import { WebhookCursors, webhookCursorsSchema } from './webhook-cursors';

describe('webhook cursors', () => {
  it('keeps the highest settled seq per rollout and URL, and stores it only when something settled', async () => {
    const stored: unknown[] = [];
    const write = async (doc: unknown) => void stored.push(doc);
    const cursors = new WebhookCursors();
    expect(cursors.after('m', 'http://a', 10)).toBeUndefined();
    cursors.settle('m', 'http://a', 4);
    cursors.settle('m', 'http://a', 3); // settled out of order (a retried event): the cursor never goes back
    cursors.settle('m', 'http://b', 2);
    expect(cursors.after('m', 'http://a', 10)).toBe(4);
    await cursors.flush(write);
    await cursors.flush(write);
    cursors.settle('m', 'http://a', 4);
    await cursors.flush(write);
    expect(stored).toEqual([{ m: { 'http://a': 4, 'http://b': 2 } }]);
  });

  it('writes again after a failed write', async () => {
    const cursors = new WebhookCursors();
    cursors.settle('m', 'http://a', 1);
    await expect(cursors.flush(async () => Promise.reject(new Error('no quorum')))).rejects.toThrow('no quorum');
    const stored: unknown[] = [];
    await cursors.flush(async (doc) => void stored.push(doc));
    expect(stored).toEqual([{ m: { 'http://a': 1 } }]);
  });

  it('begins a cursor once: a later begin does not move it', () => {
    const cursors = new WebhookCursors();
    cursors.begin('m', 'http://a', 2);
    cursors.begin('m', 'http://a', 7);
    expect(cursors.after('m', 'http://a', 10)).toBe(2);
  });

  it('ignores a cursor past the rollout’s last seq (an older rollout of that model)', () => {
    const cursors = new WebhookCursors({ m: { 'http://a': 9 } });
    expect(cursors.after('m', 'http://a', 5)).toBeUndefined();
    expect(cursors.after('m', 'http://a', 9)).toBe(9);
  });

  it('validates a stored document', () => {
    expect(webhookCursorsSchema.safeParse({ m: { 'http://a': -1 } }).success).toBe(false);
    expect(webhookCursorsSchema.safeParse({ m: { 'http://a': 3 } }).success).toBe(true);
  });
});
