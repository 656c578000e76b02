import { PrometheusMetricProvider } from './metric-provider';
import type { QueryResult } from './prometheus';
import type { AnalysisMetric } from './rollout-document';
import type { DueMeasurement } from './rollout-machine';

const target = { model: 'flight-delay', stable: '1', candidate: '2' };
const due = (prime = false): DueMeasurement => ({
  step: 1,
  runStartedAt: '2026-12-02T00:00:00Z',
  prime,
  metric: {
    name: 'p99',
    provider: { prometheus: { address: 'http://prometheus:9090', query: 'histogram_quantile(0.99, x)' } },
  } as unknown as AnalysisMetric,
});

describe('PrometheusMetricProvider', () => {
  const answering = (answer: QueryResult) => {
    const asked: string[] = [];
    const provider = new PrometheusMetricProvider((address) => ({
      measure: async (query) => {
        asked.push(`${address} ${query}`);
        return answer;
      },
    }));
    return { provider, asked };
  };

  it('reads a number as the measurement, asking the metric’s server its query', async () => {
    const { provider, asked } = answering({ value: 0.012 });
    expect(await provider.read(target, due())).toEqual({ result: { value: 0.012 } });
    expect(asked).toEqual(['http://prometheus:9090 histogram_quantile(0.99, x)']);
  });

  it('makes no data inconclusive, never a number, and a failure an error', async () => {
    expect(await answering({ noData: true, reason: 'empty vector' }).provider.read(target, due())).toEqual({
      result: { inconclusive: 'empty vector' },
    });
    expect(await answering({ error: 'HTTP 503' }).provider.read(target, due())).toEqual({
      result: { error: 'HTTP 503' },
    });
    const several = await answering({ value: [1, 2] }).provider.read(target, due());
    expect(several).toEqual({ result: { error: expect.stringMatching(/2 series/) } });
  });

  it('needs no priming reading: PromQL takes its own window', async () => {
    const { provider, asked } = answering({ value: 1 });
    expect(await provider.read(target, due(true))).toEqual({});
    expect(asked).toEqual([]);
  });
});
