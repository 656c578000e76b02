import { VersionSummaries } from './version-summaries';

describe('VersionSummaries', () => {
  it('summarises each version of the interval: requests, errors and latency quantiles in ms', () => {
    const summaries = new VersionSummaries('edge', Date.parse('2026-01-01T00:00:00Z'));
    for (let i = 0; i < 100; i++) summaries.observe('m', '1', 1.5, i < 4);
    summaries.observe('m', '2', 200, false);
    const taken = summaries.take(Date.parse('2026-01-01T00:00:10Z'));
    expect(taken).toEqual([
      {
        site: 'edge',
        model: 'm',
        version: '1',
        from: '2026-01-01T00:00:00.000Z',
        to: '2026-01-01T00:00:10.000Z',
        requests: 100,
        errors: 4,
        // All in the 1-2 ms bucket: interpolated within it.
        latencyMs: { p50: 1.5, p95: 1.95, p99: 1.99 },
      },
      expect.objectContaining({ version: '2', requests: 1, errors: 0 }),
    ]);
    // 200 ms falls in the 100-250 ms bucket.
    const p50 = taken[1].latencyMs?.p50 ?? 0;
    expect(p50 > 100 && p50 <= 250).toBe(true);
  });

  it('starts a new interval after each take', () => {
    const summaries = new VersionSummaries('edge', 0);
    summaries.observe('m', '1', 1, false);
    summaries.take(10_000);
    expect(summaries.take(20_000)).toEqual([]);
    summaries.observe('m', '1', 1, false);
    expect(summaries.take(30_000)).toEqual([
      expect.objectContaining({ from: new Date(20_000).toISOString(), requests: 1 }),
    ]);
  });
});
