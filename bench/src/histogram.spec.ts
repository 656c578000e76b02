import { LatencyRecorder, percentile } from './histogram';

describe('percentile', () => {
  const oneToHundred = Float64Array.from({ length: 100 }, (_, i) => i + 1);

  it('returns the smallest sample with at least p % of the samples at or below it (nearest rank)', () => {
    expect(percentile(oneToHundred, 50)).toBe(50);
    expect(percentile(oneToHundred, 90)).toBe(90);
    expect(percentile(oneToHundred, 99)).toBe(99);
    expect(percentile(oneToHundred, 99.5)).toBe(100);
  });

  it('gives the minimum at p0 and the maximum at p100', () => {
    expect(percentile(oneToHundred, 0)).toBe(1);
    expect(percentile(oneToHundred, 100)).toBe(100);
  });

  it('never interpolates: with few samples p99 is the slowest one, not a value between samples', () => {
    expect(percentile([1, 2, 3, 1000], 99)).toBe(1000);
    expect(percentile([1, 2, 3, 1000], 50)).toBe(2);
  });

  it('is NaN without samples and rejects a percentile outside 0..100', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow('percentile must be within 0..100, got 101');
  });
});

describe('LatencyRecorder', () => {
  it('summarises samples recorded in any order', () => {
    const recorder = new LatencyRecorder();
    for (const ms of [5, 1, 4, 2, 3]) recorder.record(ms);

    expect(recorder.summary()).toEqual({ count: 5, min: 1, mean: 3, p50: 3, p90: 5, p99: 5, max: 5 });
  });

  it('keeps every sample while it grows past its initial buffer', () => {
    const recorder = new LatencyRecorder();
    for (let i = 10_000; i >= 1; i--) recorder.record(i);

    const summary = recorder.summary();
    expect(summary.count).toBe(10_000);
    expect(summary.p99).toBe(9_900);
    expect(summary.max).toBe(10_000);
  });

  it('stops storing at its capacity and counts what it dropped', () => {
    const recorder = new LatencyRecorder(3);
    for (const ms of [1, 2, 3, 4, 5]) recorder.record(ms);

    expect(recorder.count).toBe(3);
    expect(recorder.droppedCount).toBe(2);
    expect(recorder.summary().max).toBe(3);
  });
});
