import {
  benchContexts,
  checkEnginesAgree,
  engines,
  ENGINES,
  FRACTIONAL_FLAG,
  measureEvaluations,
  measureInterleaved,
  STATIC_FLAG,
} from './flag-evaluation';

describe('in-process flag evaluation, three ways', () => {
  const all = engines();
  const contexts = benchContexts(2000);

  it('picks the same variant through flagd-core, FlagSet.resolve and the OFREP mapping for every context', () => {
    expect(() => checkEnginesAgree(all, STATIC_FLAG, contexts)).not.toThrow();
    expect(() => checkEnginesAgree(all, FRACTIONAL_FLAG, contexts)).not.toThrow();
  });

  it('splits the fractional flag about 50/50 among standard users and sends beta users to v2', () => {
    const standard = contexts.filter((c) => c.tier === 'standard');
    const v1 = standard.filter((c) => all['flagd-core'](FRACTIONAL_FLAG, c) === 'v1').length;
    expect(v1 / standard.length).toBeGreaterThan(0.45);
    expect(v1 / standard.length).toBeLessThan(0.55);
    expect(contexts.filter((c) => c.tier === 'beta').every((c) => all['flagd-core'](FRACTIONAL_FLAG, c) === 'v2')).toBe(
      true,
    );
  });

  it('gives every context its own targeting key', () => {
    expect(new Set(contexts.map((c) => c.targetingKey)).size).toBe(contexts.length);
  });

  it('refuses to measure an engine that answers differently from flagd-core', () => {
    const wrong = { ...all, 'FlagSet.resolve': () => 'v1' };
    expect(() => checkEnginesAgree(wrong, FRACTIONAL_FLAG, contexts)).toThrow(/FlagSet.resolve answered v1/);
  });

  it('counts evaluations in whole batches over the duration, cycling through the contexts', () => {
    for (const name of ENGINES) {
      const rate = measureEvaluations({
        evaluate: all[name],
        key: FRACTIONAL_FLAG,
        contexts,
        durationMs: 20,
        firstVariant: 'v1',
      });
      expect(rate.evaluations % 1000).toBe(0);
      expect(rate.perSecond).toBeGreaterThan(0);
      expect(rate.firstVariant).toBeGreaterThan(0);
      expect(rate.firstVariant).toBeLessThan(rate.evaluations);
    }
  });
});

describe('interleaved measurement', () => {
  it('gives every engine its share of the time and a rate of its own', () => {
    const all = engines();
    const rates = measureInterleaved({
      engines: all,
      key: STATIC_FLAG,
      contexts: benchContexts(100),
      durationMs: 60,
      sliceMs: 5,
      firstVariant: 'on',
    });
    for (const name of ENGINES) {
      expect(rates[name].evaluations).toBeGreaterThan(0);
      expect(rates[name].firstVariant).toBe(rates[name].evaluations);
      expect(rates[name].perSecond).toBeGreaterThan(0);
    }
  });
});
