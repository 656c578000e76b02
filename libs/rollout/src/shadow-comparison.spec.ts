import {
  inShadowSample,
  pairOf,
  populationStabilityIndex,
  scoreBin,
  shadowReport,
  ShadowTally,
} from './shadow-comparison';

const binary = (label: string, late: number) => ({
  label,
  probability: late,
  probabilities: { 'on-time': 1 - late, late },
});
const BOUNDS = [0.001, 0.01, 0.1];

describe('pairOf', () => {
  it('compares a binary classifier on the probability of the positive class, whatever label each predicted', () => {
    expect(pairOf(binary('late', 0.7), binary('on-time', 0.4))).toEqual({
      stableLabel: 'late',
      candidateLabel: 'on-time',
      scores: { kind: 'probability', stable: 0.7, candidate: 0.4 },
    });
  });

  it('compares a multi-class classifier on the probability each side gives the label stable predicted', () => {
    const stable = { label: 'Adelie', probability: 0.8, probabilities: { Adelie: 0.8, Gentoo: 0.1, Chinstrap: 0.1 } };
    const candidate = {
      label: 'Gentoo',
      probability: 0.6,
      probabilities: { Adelie: 0.3, Gentoo: 0.6, Chinstrap: 0.1 },
    };
    expect(pairOf(stable, candidate).scores).toEqual({ kind: 'probability', stable: 0.8, candidate: 0.3 });
  });

  it('compares a regressor on its value and has no labels', () => {
    expect(pairOf({ value: 21.5 }, { value: 23 })).toEqual({ scores: { kind: 'value', stable: 21.5, candidate: 23 } });
  });

  it('has no scores when a side is not a prediction', () => {
    expect(pairOf(binary('late', 0.7), null)).toEqual({ stableLabel: 'late' });
  });
});

describe('scoreBin', () => {
  it('puts probabilities in tenths, 1 in the top one', () => {
    expect([0, 0.05, 0.1, 0.55, 0.99, 1].map((p) => scoreBin('probability', p))).toEqual([
      '0',
      '0',
      '1',
      '5',
      '9',
      '9',
    ]);
  });

  it('puts regression values in ten log-spaced bins per decade, signed, the same on every replica', () => {
    expect(scoreBin('value', 20)).toBe('+13'); // log10(20) = 1.30
    expect(scoreBin('value', 24)).toBe('+13');
    expect(scoreBin('value', 26)).toBe('+14');
    expect(scoreBin('value', -20)).toBe('-13');
    expect(scoreBin('value', 0)).toBe('0');
  });
});

describe('populationStabilityIndex', () => {
  it('is 0 for the same distribution and grows with the shift', () => {
    const base = { '0': 50, '1': 30, '2': 20 };
    expect(populationStabilityIndex(base, { '0': 5, '1': 3, '2': 2 })).toBeCloseTo(0, 10);
    const small = populationStabilityIndex(base, { '0': 45, '1': 33, '2': 22 })!;
    const large = populationStabilityIndex(base, { '0': 20, '1': 30, '2': 50 })!;
    expect(small).toBeGreaterThan(0);
    expect(small).toBeLessThan(0.1);
    expect(large).toBeGreaterThan(0.25);
  });

  it('matches the formula on a worked example', () => {
    // (0.25 - 0.5)·ln(0.25/0.5) + (0.75 - 0.5)·ln(0.75/0.5)
    const expected = -0.25 * Math.log(0.5) + 0.25 * Math.log(1.5);
    expect(populationStabilityIndex({ a: 1, b: 1 }, { a: 1, b: 3 })).toBeCloseTo(expected, 12);
  });

  it('stays finite when one side never filled a bin', () => {
    const psi = populationStabilityIndex({ a: 10 }, { a: 5, b: 5 })!;
    expect(Number.isFinite(psi)).toBe(true);
    expect(psi).toBeGreaterThan(1);
  });

  it('has no value while either side is empty', () => {
    expect(populationStabilityIndex({}, { a: 1 })).toBeNull();
    expect(populationStabilityIndex({ a: 1 }, { a: 0 })).toBeNull();
  });
});

describe('ShadowTally and shadowReport', () => {
  it('sums the replicas into agreement, mean score difference, PSI, latency and error figures', () => {
    const a = new ShadowTally('1', '2', BOUNDS, new Date('2026-01-02T00:00:00Z'));
    const b = new ShadowTally('1', '2', BOUNDS, new Date('2026-01-01T00:00:00Z'));
    a.sent();
    const first = a.answered(
      [binary('late', 0.7), binary('on-time', 0.2)],
      [binary('late', 0.9), binary('late', 0.6)],
      0.005,
    );
    expect(first).toEqual({ records: 2, agreements: 1, absScoreDiffs: [expect.closeTo(0.2), expect.closeTo(0.4)] });
    b.sent();
    b.answered([binary('on-time', 0.1)], [binary('on-time', 0.1)], 0.0005);
    b.sent();
    b.failed(0.05);
    b.dropped();

    const [row] = shadowReport([{ pairs: [a.snapshot()] }, { pairs: [b.snapshot()] }]);
    expect(row).toMatchObject({
      stable: '1',
      candidate: '2',
      since: '2026-01-01T00:00:00.000Z',
      sent: 3,
      answered: 2,
      errors: 1,
      dropped: 1,
      records: 3,
      scoreKind: 'probability',
    });
    expect(row.errorRate).toBeCloseTo(1 / 3);
    expect(row.agreementRate).toBeCloseTo(2 / 3);
    expect(row.meanAbsScoreDiff).toBeCloseTo(0.6 / 3);
    // Stable's scores fill bins 7, 2, 1; the candidate's 9, 6, 1.
    expect(row.psi).toBeCloseTo(populationStabilityIndex({ '7': 1, '2': 1, '1': 1 }, { '9': 1, '6': 1, '1': 1 })!);
    expect(row.latencyMs!.p50).toBeGreaterThan(1);
    expect(row.latencyMs!.p50).toBeLessThanOrEqual(10);
    expect(row.latencyMs!.p99).toBeGreaterThan(10);
  });

  it('reports each (stable, candidate) pair on its own, and no rates before any answer', () => {
    const one = new ShadowTally('1', '2', BOUNDS);
    const other = new ShadowTally('1', '3', BOUNDS);
    other.dropped();
    one.answered([{ value: 20 }], [{ value: 30 }], 0.002);
    const rows = shadowReport([{ pairs: [other.snapshot(), one.snapshot()] }]);
    expect(rows.map((r) => r.candidate)).toEqual(['2', '3']);
    expect(rows[0]).toMatchObject({ agreementRate: null, meanAbsScoreDiff: 10, scoreKind: 'value' });
    expect(rows[1]).toMatchObject({ errorRate: null, records: 0, psi: null, latencyMs: null, dropped: 1 });
  });

  it('keeps a snapshot apart from later comparisons', () => {
    const tally = new ShadowTally('1', '2', BOUNDS);
    tally.answered([binary('late', 0.7)], [binary('late', 0.7)], 0.001);
    const before = tally.snapshot();
    tally.answered([binary('late', 0.7)], [binary('late', 0.7)], 0.001);
    expect(before.stableBins).toEqual({ '7': 1 });
    expect(tally.psi()).toBeCloseTo(0, 10);
  });
});

describe('inShadowSample', () => {
  it('mirrors the same targeting key every time, and about the share asked of many keys', () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
    const picked = keys.filter((k) => inShadowSample(10, k));
    expect(picked.length).toBeGreaterThan(800);
    expect(picked.length).toBeLessThan(1200);
    expect(picked.every((k) => inShadowSample(10, k))).toBe(true);
    expect(keys.filter((k) => inShadowSample(20, k)).length).toBeGreaterThan(picked.length);
  });

  it('spreads keys that differ only in their last characters', () => {
    const keys = Array.from({ length: 100 }, (_, i) => `user-${i}`);
    const picked = keys.filter((k) => inShadowSample(30, k)).length;
    expect(picked).toBeGreaterThan(15);
    expect(picked).toBeLessThan(45);
    expect(
      Array.from({ length: 10 }, (_, i) => `user-${i}`).filter((k) => inShadowSample(50, k)).length,
    ).toBeGreaterThan(1);
  });

  it('draws at random without a targeting key, and never or always at 0 and 100', () => {
    expect(inShadowSample(50, undefined, () => 0.4)).toBe(true);
    expect(inShadowSample(50, undefined, () => 0.6)).toBe(false);
    expect(inShadowSample(0, 'k', () => 0)).toBe(false);
    expect(inShadowSample(100, 'k', () => 0.99)).toBe(true);
  });
});
