// Environment configuration: each app declares a zod schema; start-up fails once, listing every bad variable.
import { z } from 'zod';
import { siteName } from './site-telemetry';

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "500ms", "30s", "5m", "1h", "7d", or a number of seconds; answers milliseconds (undefined when unreadable). */
export function durationMs(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value);
  return match ? Number(match[1]) * UNITS[match[2]] : undefined;
}

/** A duration variable ("30s", "7d"), in milliseconds. */
export const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const ms = durationMs(value);
      if (ms === undefined)
        ctx.addIssue({ code: 'custom', message: `expected a duration such as "30s", "12h", "7d", got "${value}"` });
      return ms ?? 0;
    });

const NATS_SCHEMES = ['nats:', 'tls:', 'ws:', 'wss:'];

/** One server as the nats client takes it: a URL of one of its schemes, or host[:port]. */
function isNatsServer(server: string): boolean {
  try {
    const url = new URL(server.includes('://') ? server : `nats://${server}`);
    return NATS_SCHEMES.includes(url.protocol) && url.hostname !== '';
  } catch {
    return false;
  }
}

/** NATS server(s), comma-separated. */
export const natsUrl = z.string().refine((value) => value.split(',').every((server) => isNatsServer(server.trim())), {
  message: 'expected NATS server URL(s), comma-separated, e.g. nats://127.0.0.1:4222',
});

/** An optional variable; empty counts as unset, as compose and kustomize write an unset one. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

/** Variables every service reads. */
export const commonEnv = {
  NATS_URL: natsUrl.default('nats://127.0.0.1:4222'),
  AVIARY_HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** OTLP/HTTP endpoint; unset, no spans are exported. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optional(z.url({ protocol: /^https?$/, message: 'expected an http(s) URL' })),
  /** Delay between span export batches, in ms. */
  OTEL_BSP_SCHEDULE_DELAY: z.coerce.number().int().min(0).default(1000),
  OTEL_SERVICE_NAME: optional(z.string()),
};

/** A REST door's body size and request limits (RequestLimits): the gateway's and the edge agent's. */
export const restLimitsEnv = {
  AVIARY_MAX_BODY_BYTES: positiveInt(10 * 1024 * 1024),
  AVIARY_MAX_JSON_DEPTH: positiveInt(32),
  AVIARY_MAX_PREDICT_RECORDS: positiveInt(10_000),
  AVIARY_MAX_TENSOR_ELEMENTS: positiveInt(4 * 1024 * 1024),
  // Above NATS's default max_payload (1 MiB), which bounds a whole request unless raised.
  AVIARY_MAX_STRING_BYTES: positiveInt(4 * 1024 * 1024),
};

/** "true" or "false" (unset: `fallback`); anything else is an error rather than a silent false. */
export const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false'], { message: 'expected "true" or "false"' })
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true');

/**
 * Site telemetry (libs/site-telemetry): prediction logs and metric summaries a leaf site's services publish on
 * subjects.telemetry(AVIARY_SITE, kind). The gateway records nothing without AVIARY_SITE.
 */
export const siteTelemetryEnv = {
  /** Share of prediction requests logged, 0..1. */
  AVIARY_PREDICTION_LOG_SAMPLE: z.coerce.number().min(0).max(1).default(1),
  /** Log each request's inputs and outputs too (bigger messages; the site's data leaves the site). */
  AVIARY_PREDICTION_LOG_PAYLOADS: flag(false),
  /** How often each model version's summary (requests, errors, latency quantiles) is published. */
  AVIARY_TELEMETRY_SUMMARY_INTERVAL: duration('10s').refine((ms) => ms >= 100, 'expected at least 100ms'),
  /** Records held while the site's own NATS does not take them; past it the oldest are dropped and counted. */
  AVIARY_TELEMETRY_BUFFER: positiveInt(20_000),
};

/** The leaf site a service runs at, named as in its telemetry subjects; empty counts as unset. */
export const optionalSite = optional(siteName);

export class ConfigError extends Error {}

export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}
