import { ShadowPairSummary, ShadowSummary } from '@aviary/contracts';
import { parseRolloutDocument, ShadowMetricName } from './rollout-document';
import { advance, dueMeasurements, startRollout } from './rollout-machine';
import { ShadowTally } from './shadow-comparison';
import { ShadowMetricProvider } from './shadow-metrics';

const BOUNDS = [0.005, 0.01, 0.05];
const target = { model: 'flight-delay', stable: '1', candidate: '2' };
/** A binary classifier's prediction, as the preprocessor answers it. */
const p = (probability: number) => ({
  label: probability >= 0.5 ? 'late' : 'on time',
  probability,
  probabilities: { late: probability, 'on time': 1 - probability },
});

/** A fake fleet of gateway replicas, each with its own tally, answering as subjects.shadowMetrics does. */
function fleet(replicas = 2) {
  let tallies = Array.from({ length: replicas }, () => new ShadowTally('1', '2', BOUNDS));
  return {
    tallies: () => tallies,
    restart: (i: number) => (tallies[i] = new ShadowTally('1', '2', BOUNDS)),
    source: async (): Promise<ShadowSummary[]> =>
      tallies.map((t) => ({ model: 'flight-delay', pairs: [t.snapshot()] })),
    silent: () => (tallies = []),
  };
}

/** The due reading of one metric of a shadow rollout's first analysis. */
function dueFor(metric: ShadowMetricName) {
  const spec = parseRolloutDocument({
    model: 'flight-delay',
    candidate: '2',
    strategy: {
      shadow: {
        percent: 100,
        steps: [
          {
            analysis: {
              metrics: [
                { name: metric, provider: 'builtin', interval: '1s', count: 1, successCondition: 'result >= 0' },
              ],
            },
          },
        ],
      },
    },
  });
  const started = advance(spec, startRollout(spec, '1', new Date(0)), [], new Date(0)).status;
  const [due] = dueMeasurements(spec, started, new Date(0));
  return due;
}

async function measure(
  metric: ShadowMetricName,
  provider: ShadowMetricProvider,
  between: () => void,
): Promise<unknown> {
  const due = dueFor(metric);
  const primed = await provider.read(target, due);
  between();
  return (await provider.read(target, { ...due, prime: false, baseline: primed.reading })).result;
}

describe('the built-in shadow metrics', () => {
  it('measure the interval only, summed over the replicas', async () => {
    const f = fleet();
    const [a, b] = f.tallies();
    a.answered([p(0.9)], [p(0.1)], 0.001); // before the interval: a disagreement
    const provider = new ShadowMetricProvider(f.source);
    const during = () => {
      a.answered([p(0.9), p(0.2)], [p(0.8), p(0.3)], 0.002);
      b.answered([p(0.1), p(0.6)], [p(0.1), p(0.4)], 0.02);
    };
    expect(await measure('shadow-agreement', provider, during)).toEqual({ value: 3 / 4 });
  });

  it('read the mean absolute score difference, the error rate and the candidate p95 of the interval', async () => {
    const f = fleet(1);
    const [a] = f.tallies();
    a.answered([p(0.5)], [p(0.9)], 0.001);
    const provider = new ShadowMetricProvider(f.source);
    const diff = (await measure('shadow-score-diff', provider, () =>
      a.answered([p(0.9), p(0.2)], [p(0.8), p(0.5)], 0.002),
    )) as {
      value: number;
    };
    expect(diff.value).toBeCloseTo((0.1 + 0.3) / 2);
    expect(
      await measure('shadow-error-rate', provider, () => (a.failed(0.04), a.answered([p(1)], [p(1)], 0.001))),
    ).toEqual({
      value: 0.5,
    });
    const p95 = (await measure('shadow-latency-p95', provider, () => a.answered([p(1)], [p(1)], 0.03))) as {
      value: number;
    };
    expect(p95.value).toBeGreaterThan(10);
    expect(p95.value).toBeLessThanOrEqual(50);
  });

  it('compute the PSI of the interval’s score histograms, not of everything since the start', async () => {
    const f = fleet(1);
    const [a] = f.tallies();
    // Before the interval: far apart.
    for (let i = 0; i < 50; i++) a.answered([p(0.05)], [p(0.95)], 0.001);
    const provider = new ShadowMetricProvider(f.source);
    const same = () => {
      for (let i = 0; i < 20; i++) a.answered([p(0.05 + (i % 10) / 10)], [p(0.05 + (i % 10) / 10)], 0.001);
    };
    expect(await measure('shadow-psi', provider, same)).toEqual({ value: 0 });
    const cumulative = a.psi()!;
    expect(cumulative).toBeGreaterThan(1);
  });

  it('are inconclusive without data: nothing mirrored, no gateway, a restarted tally — never success or failure', async () => {
    const idle = fleet();
    const provider = new ShadowMetricProvider(idle.source);
    expect(await measure('shadow-agreement', provider, () => undefined)).toEqual({
      inconclusive: 'no mirrored request of candidate 2 against stable 1 was answered during the interval',
    });

    const restarting = fleet(1);
    restarting.tallies()[0].answered([p(0.9)], [p(0.9)], 0.001);
    expect(
      await measure('shadow-agreement', new ShadowMetricProvider(restarting.source), () => restarting.restart(0)),
    ).toEqual({
      inconclusive: "a gateway's shadow tally of candidate 2 against stable 1 restarted during the interval",
    });

    const gone = fleet(1);
    expect(await measure('shadow-psi', new ShadowMetricProvider(gone.source), () => gone.silent())).toEqual({
      inconclusive: 'no gateway replica answered for its shadow tallies',
    });

    const regressor = fleet(1);
    const value = (v: number) => ({ value: v });
    expect(
      await measure('shadow-agreement', new ShadowMetricProvider(regressor.source), () =>
        regressor.tallies()[0].answered([value(1)], [value(2)], 0.001),
      ),
    ).toEqual({
      inconclusive: 'no record pairs with a label on both sides of candidate 2 against stable 1 during the interval',
    });
  });

  it('answer an error when the gather fails, keeping the previous reading', async () => {
    const due = dueFor('shadow-agreement');
    const failing = new ShadowMetricProvider(async () => {
      throw new Error('NATS is down');
    });
    const baseline = { stable: '1' } as ShadowPairSummary;
    expect(await failing.read(target, { ...due, prime: false, baseline })).toEqual({
      reading: baseline,
      result: { error: 'NATS is down' },
    });
  });
});
