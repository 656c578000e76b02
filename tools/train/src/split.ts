// Seeded train/test split by row index: the same seed gives the same held-out rows for every model on a dataset.
import { mulberry32, shuffleInPlace } from '@aviary/evaluation';

export interface SplitOptions {
  seed: number;
  /** Share of rows held out for testing, e.g. 0.2. */
  testFraction: number;
}

export interface Split {
  /** Row indices in ascending order. */
  train: number[];
  test: number[];
}

export function trainTestSplit(rows: number, { seed, testFraction }: SplitOptions): Split {
  const order = Array.from({ length: rows }, (_, i) => i);
  shuffleInPlace(order, mulberry32(seed));
  const testCount = Math.round(rows * testFraction);
  const ascending = (a: number, b: number) => a - b;
  return { test: order.slice(0, testCount).sort(ascending), train: order.slice(testCount).sort(ascending) };
}
