// Edge agent configuration, from the environment.
import {
  commonEnv,
  loadConfig,
  modelFlagSetEnv,
  port,
  positiveInt,
  restLimitsEnv,
  siteName,
  siteTelemetryEnv,
} from '@aviary/contracts';
import { z } from 'zod';

const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** A duration such as "2m", "90s" or "500ms" (a bare number is milliseconds), in milliseconds. */
const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
      if (match) return Number(match[1]) * UNITS[(match[2] ?? 'ms') as keyof typeof UNITS];
      ctx.addIssue({ code: 'custom', message: `expected a duration such as 2m, 90s or 500ms, got "${text}"` });
      return z.NEVER;
    });

const emptyAsUnset = (value: unknown) => (value === '' ? undefined : value);

const schema = z.object({
  ...commonEnv,
  ...modelFlagSetEnv,
  ...restLimitsEnv,
  AVIARY_HTTP_PORT: port(8080),
  /** Serve fully offline from this bundle directory (`aviary edge bundle`); unset: from the local NATS's buckets. */
  AVIARY_EDGE_BUNDLE: z.preprocess(emptyAsUnset, z.string().optional()),
  /** This site's name in its telemetry subjects (subjects.telemetry): the site's JetStream domain, by default. */
  AVIARY_SITE: siteName.default('edge'),
  /** Prediction logs and summaries of the site (on a leaf only; a bundle has no NATS to publish them on). */
  ...siteTelemetryEnv,
  /** Folder of `<model>.jsonl` smoke records (a "label" field is the expected class) a new version must pass. */
  AVIARY_EDGE_SMOKE_DIR: z.preprocess(emptyAsUnset, z.string().optional()),
  /** Share of a model's labelled smoke records a new version must predict right to be switched to. */
  AVIARY_EDGE_SMOKE_MIN_ACCURACY: z.coerce.number().min(0).max(1).default(0),
  /** How long a switched-to version is watched, e.g. 2m; it is switched back if it fails too often meanwhile. */
  AVIARY_EDGE_PROBATION: duration('2m'),
  /** Server errors / requests above this in probation switch back to the version before. */
  AVIARY_EDGE_ROLLBACK_ERROR_RATE: z.coerce.number().min(0).max(1).default(0.05),
  /** Requests a probation needs before its error rate counts. */
  AVIARY_EDGE_ROLLBACK_MIN_REQUESTS: positiveInt(20),
  /** Most records that concurrent predict requests for one version share in a single ONNX Runtime run. */
  AVIARY_PREDICT_MAX_BATCH: positiveInt(64),
});

export type EdgeConfig = z.infer<typeof schema>;
export const loadEdgeConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(schema, env);
