// Figures over repeated rounds: one round on a shared machine says little, so the bench reports the median and the
// range, and compares Aviary with its peer and the baseline round by round (both measured back to back).

export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** Median (mean of the middle two for an even count) and range; undefined when there is no value. */
export function spread(values: readonly number[]): Spread | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}

/** `numerators[i] / denominators[i]` for every round that has both (and a non-zero denominator). */
export function perRoundRatios(
  numerators: readonly (number | undefined)[],
  denominators: readonly (number | undefined)[],
): (number | undefined)[] {
  return numerators.map((n, i) => {
    const d = denominators[i];
    return n === undefined || d === undefined || d === 0 ? undefined : n / d;
  });
}

/** Index of the round whose value is the median (the lower middle for an even count), to show that round's detail. */
export function medianRoundIndex(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('no rounds');
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  return order[(values.length - 1) >> 1].index;
}
