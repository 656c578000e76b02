import { mulberry32 } from '@aviary/evaluation';
import { trainTestSplit } from './split';

describe('trainTestSplit', () => {
  it('holds out the requested share, covering every row exactly once', () => {
    const { train, test } = trainTestSplit(1000, { seed: 1, testFraction: 0.2 });
    expect(test).toHaveLength(200);
    expect(train).toHaveLength(800);
    expect([...train, ...test].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('gives the same rows for the same seed and different rows for another seed', () => {
    expect(trainTestSplit(500, { seed: 42, testFraction: 0.2 })).toEqual(
      trainTestSplit(500, { seed: 42, testFraction: 0.2 }),
    );
    expect(trainTestSplit(500, { seed: 43, testFraction: 0.2 }).test).not.toEqual(
      trainTestSplit(500, { seed: 42, testFraction: 0.2 }).test,
    );
  });
});

describe('mulberry32', () => {
  it('is a fixed sequence in [0, 1) for a seed', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const values = Array.from({ length: 1000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
  });
});
