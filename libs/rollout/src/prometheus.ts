// Analysis measurements from a Prometheus server (`provider: prometheus`): one PromQL instant query per measurement.
// An empty vector or NaN is no data — inconclusive, never a success or a failure (unlike Flagger and Argo Rollouts,
// where an empty result fails or halts the canary); an HTTP failure, a timeout or a query error is an error.
import { z } from 'zod';

/** One measurement of a metric: a value, no data (with why), or an error (with what went wrong). */
export type QueryResult =
  | {
      /** A scalar, or the value of a one-element vector; a longer vector's values in the order Prometheus gave. */
      value: number | number[];
      /** The vector's series with their labels, when the result was a vector. */
      series?: { labels: Record<string, string>; value: number }[];
    }
  | { noData: true; reason: string }
  | { error: string };

/** A PromQL instant query's answer as analysis reads it: no data is its own outcome, never a number. */
export interface QuerySource {
  measure(query: string, at: Date): Promise<QueryResult>;
}

export interface PrometheusOptions {
  /** The server's base URL, e.g. http://prometheus:9090. */
  address: string;
  /** Bounds the whole HTTP exchange; also sent to Prometheus as the query's own timeout. */
  timeoutMs?: number;
  /** Extra request headers (e.g. authorization for a hosted Prometheus). */
  headers?: Record<string, string>;
}

const DEFAULT_TIMEOUT_MS = 5000;

// The instant query response (https://prometheus.io/docs/prometheus/latest/querying/api/): samples are [time, "v"].
const sample = z.tuple([z.number(), z.string()]);
const responseSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.discriminatedUnion('resultType', [
      z.object({ resultType: z.literal('scalar'), result: sample }),
      z.object({ resultType: z.literal('string'), result: sample }),
      z.object({
        resultType: z.literal('vector'),
        result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: sample })),
      }),
      z.object({ resultType: z.literal('matrix'), result: z.array(z.unknown()) }),
    ]),
  }),
  z.object({ status: z.literal('error'), errorType: z.string().optional(), error: z.string().optional() }),
]);

export class PrometheusProvider implements QuerySource {
  private readonly endpoint: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: PrometheusOptions) {
    this.endpoint = `${options.address.replace(/\/+$/, '')}/api/v1/query`;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async measure(query: string, at: Date): Promise<QueryResult> {
    const body = new URLSearchParams({
      query,
      time: String(at.getTime() / 1000),
      timeout: `${this.timeoutMs}ms`,
    });
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...this.options.headers },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (e) {
      const failure = e as Error;
      return failure.name === 'TimeoutError'
        ? { error: `prometheus at ${this.options.address} did not answer within ${this.timeoutMs} ms` }
        : { error: `prometheus at ${this.options.address} is unreachable: ${causeOf(failure)}` };
    }
    return measurementOf(response.status, text);
  }
}

/** A Prometheus instant-query answer (HTTP status and body) read as a measurement. */
export function measurementOf(status: number, text: string): QueryResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { error: `prometheus answered HTTP ${status} with a body that is not JSON: ${text.slice(0, 200)}` };
  }
  const parsed = responseSchema.safeParse(json);
  if (!parsed.success) return { error: `prometheus answered HTTP ${status} in an unexpected shape` };
  const answer = parsed.data;
  if (answer.status === 'error')
    return {
      error: `prometheus answered HTTP ${status}: ${answer.errorType ?? 'error'}: ${answer.error ?? ''}`.trim(),
    };
  const { data } = answer;
  switch (data.resultType) {
    case 'scalar': {
      const value = Number(data.result[1]);
      return Number.isFinite(value) ? { value } : { noData: true, reason: `the query's value is ${data.result[1]}` };
    }
    case 'string':
      return { error: 'the query returned a string, not a number' };
    case 'matrix':
      return {
        error: 'the query returned a range vector; an analysis needs an instant value (wrap it, e.g. in rate())',
      };
    case 'vector': {
      if (data.result.length === 0) return { noData: true, reason: 'the query returned an empty vector' };
      // A series that is NaN (0/0: a ratio over no traffic) says nothing; the others still do.
      const series = data.result
        .map(({ metric, value }) => ({ labels: metric, value: Number(value[1]) }))
        .filter(({ value }) => Number.isFinite(value));
      if (series.length === 0)
        return { noData: true, reason: `every series of the query is NaN or infinite (${data.result.length} series)` };
      return { value: series.length === 1 ? series[0].value : series.map((s) => s.value), series };
    }
  }
}

/** fetch's own message is "fetch failed"; the reason (ECONNREFUSED, a DNS failure) is in its cause. */
function causeOf(error: Error): string {
  const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? error.message;
}
