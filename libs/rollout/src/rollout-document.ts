// The Rollout document: which candidate version of a model to deliver and how (canary steps, analysis, match rules),
// validated whole by one zod schema so every problem is listed at once with its path. JSON only for now (no YAML
// parser is a dependency of the workspace).
import { AviaryError, durationMs, modelNameSchema, modelVersionSchema } from '@aviary/contracts';
import { z } from 'zod';
import { conditionProblems } from './condition';

/** A problem of a rejected document (or of its apply), with the JSON path it is at. */
export interface RolloutProblem {
  path: string;
  message: string;
}

/** A document rejected whole: every problem found. */
export class RolloutRejected extends AviaryError {
  constructor(readonly problems: RolloutProblem[]) {
    super(
      `invalid rollout: ${problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ')}`,
      'INVALID_ARGUMENT',
    );
  }
}

/** The one duration syntax of every document and variable ("500ms", "30s", "5m", "1h", "7d", or seconds). */
export { durationMs };

const duration = z
  .union([z.string(), z.number()])
  .refine(
    (v) => durationMs(v) !== undefined,
    'a duration is a number of seconds or text like "500ms", "30s", "5m", "1h"',
  );

const condition = z.string().superRefine((source, ctx) => {
  for (const message of conditionProblems(source)) ctx.addIssue({ code: 'custom', message });
});

export const BUILTIN_METRICS = [
  'success-rate',
  'error-rate',
  'latency-p50',
  'latency-p95',
  'latency-p99',
  'request-count',
  'psi',
] as const;
export type BuiltinMetricName = (typeof BUILTIN_METRICS)[number];

const builtinProvider = z.strictObject({
  metric: z.enum(BUILTIN_METRICS),
  /** Whose series: the candidate's (default) or stable's. `psi` always compares the candidate with stable. */
  version: z.enum(['candidate', 'stable']).default('candidate'),
});

const limit = z.number().int().min(0);

const metricSchema = z
  .strictObject({
    name: z.string().min(1),
    /** "builtin" takes the built-in metric the name says; `{builtin: {metric}}` names it; prometheus runs PromQL. */
    provider: z.union([
      z.literal('builtin'),
      z.strictObject({ builtin: builtinProvider }),
      z.strictObject({ prometheus: z.strictObject({ address: z.url(), query: z.string().min(1) }) }),
    ]),
    interval: duration.optional(),
    count: z.number().int().positive().optional(),
    initialDelay: duration.optional(),
    successCondition: condition.optional(),
    failureCondition: condition.optional(),
    failureLimit: limit.default(0),
    inconclusiveLimit: limit.default(0),
    consecutiveErrorLimit: limit.default(4),
    dryRun: z.boolean().default(false),
  })
  .superRefine((m, ctx) => {
    if (m.provider === 'builtin' && !(BUILTIN_METRICS as readonly string[]).includes(m.name))
      ctx.addIssue({
        code: 'custom',
        path: ['name'],
        message: `with provider "builtin" the name is the metric, one of ${BUILTIN_METRICS.join(', ')}; got "${m.name}"`,
      });
    if (!m.successCondition && !m.failureCondition)
      ctx.addIssue({ code: 'custom', message: 'a metric needs a successCondition, a failureCondition or both' });
    if (m.provider !== 'builtin' && !('builtin' in m.provider)) {
      if (m.count !== undefined && m.count > 1 && m.interval === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['interval'],
          message: 'a count above 1 needs an interval between measurements',
        });
    } else if (m.interval === undefined)
      // A built-in measurement is what happened during its interval: without one it would always be empty.
      ctx.addIssue({
        code: 'custom',
        path: ['interval'],
        message: 'a built-in metric needs an interval (the window each measurement covers)',
      });
  });

const analysisSchema = z
  .strictObject({
    /** Names of the document's `analysisTemplates`, whose metrics run together with `metrics`. */
    templates: z.array(z.string().min(1)).optional(),
    metrics: z.array(metricSchema).optional(),
  })
  .refine((a) => (a.templates?.length ?? 0) + (a.metrics?.length ?? 0) > 0, 'an analysis needs templates or metrics');

const stepSchema = z.union([
  z.strictObject({ setWeight: z.number().int().min(0).max(100) }),
  z.strictObject({ pause: z.strictObject({ duration: duration.optional() }) }),
  z.strictObject({ analysis: analysisSchema }),
]);

/** Requests whose evaluation context attribute equals one of the values go to the candidate whatever the weight. */
const matchSchema = z.strictObject({
  attribute: z.string().min(1),
  values: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1),
});

export const rolloutDocumentSchema = z.strictObject({
  model: modelNameSchema,
  candidate: modelVersionSchema,
  analysisTemplates: z.record(z.string(), z.strictObject({ metrics: z.array(metricSchema).min(1) })).optional(),
  strategy: z.strictObject({
    canary: z.strictObject({
      steps: z.array(stepSchema).min(1),
      /** Background analysis: runs from the first step until the rollout ends. */
      analysis: analysisSchema.optional(),
      match: z.array(matchSchema).optional(),
    }),
  }),
});

export type RolloutDocument = z.infer<typeof rolloutDocumentSchema>;
export type AnalysisMetricDocument = z.infer<typeof metricSchema>;

/** A metric as the controller runs it: templates resolved, the provider and every duration made explicit. */
export interface AnalysisMetric {
  name: string;
  provider:
    | { builtin: { metric: BuiltinMetricName; version: 'candidate' | 'stable' } }
    | { prometheus: { address: string; query: string } };
  intervalMs: number;
  /** Undefined: measure until the rollout ends (background analysis only). */
  count?: number;
  initialDelayMs: number;
  successCondition?: string;
  failureCondition?: string;
  failureLimit: number;
  inconclusiveLimit: number;
  consecutiveErrorLimit: number;
  dryRun: boolean;
}

export type RolloutStep =
  | { kind: 'setWeight'; weight: number }
  | { kind: 'pause'; durationMs?: number }
  | { kind: 'analysis'; metrics: AnalysisMetric[] };

/** A valid document, resolved for the state machine. */
export interface RolloutSpec {
  model: string;
  candidate: string;
  steps: RolloutStep[];
  background: AnalysisMetric[];
  match: { attribute: string; values: (string | number | boolean)[] }[];
  /** The document as applied, kept to show and to re-apply. */
  document: RolloutDocument;
}

/** Parses and resolves a document; throws RolloutRejected listing every problem. */
export function parseRolloutDocument(source: string | unknown): RolloutSpec {
  let value = source;
  if (typeof source === 'string')
    try {
      value = JSON.parse(source);
    } catch (e) {
      throw new RolloutRejected([{ path: '', message: `not JSON: ${(e as Error).message}` }]);
    }
  const parsed = rolloutDocumentSchema.safeParse(value);
  if (!parsed.success)
    throw new RolloutRejected(parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  const document = parsed.data;
  const problems: RolloutProblem[] = [];
  const resolve = (analysis: z.infer<typeof analysisSchema>, path: string, background: boolean): AnalysisMetric[] => {
    const metrics: AnalysisMetricDocument[] = [...(analysis.metrics ?? [])];
    (analysis.templates ?? []).forEach((name, i) => {
      const template = document.analysisTemplates?.[name];
      if (template) metrics.push(...template.metrics);
      else
        problems.push({
          path: `${path}.templates.${i}`,
          message: `no analysis template "${name}" in analysisTemplates`,
        });
    });
    const names = new Set<string>();
    return metrics.map((m) => {
      if (names.has(m.name)) problems.push({ path, message: `two metrics are named "${m.name}"` });
      names.add(m.name);
      if (!background && m.interval !== undefined && m.count === undefined)
        problems.push({
          path,
          message: `metric "${m.name}" has an interval but no count: a step analysis would never finish`,
        });
      return resolveMetric(m);
    });
  };
  const canary = document.strategy.canary;
  const steps = canary.steps.map((step, i): RolloutStep => {
    if ('setWeight' in step) return { kind: 'setWeight', weight: step.setWeight };
    if ('pause' in step)
      return step.pause.duration === undefined
        ? { kind: 'pause' }
        : { kind: 'pause', durationMs: durationMs(step.pause.duration) };
    return { kind: 'analysis', metrics: resolve(step.analysis, `strategy.canary.steps.${i}.analysis`, false) };
  });
  const background = canary.analysis ? resolve(canary.analysis, 'strategy.canary.analysis', true) : [];
  if (problems.length) throw new RolloutRejected(problems);
  return {
    model: document.model,
    candidate: document.candidate,
    steps,
    background,
    match: canary.match ?? [],
    document,
  };
}

function resolveMetric(m: AnalysisMetricDocument): AnalysisMetric {
  const provider: AnalysisMetric['provider'] =
    m.provider === 'builtin' ? { builtin: { metric: m.name as BuiltinMetricName, version: 'candidate' } } : m.provider;
  // One measurement when neither interval nor count is given, as Argo does.
  const count = m.count ?? (m.interval === undefined ? 1 : undefined);
  return {
    name: m.name,
    provider,
    intervalMs: m.interval === undefined ? 0 : durationMs(m.interval)!,
    ...(count !== undefined && { count }),
    initialDelayMs: m.initialDelay === undefined ? 0 : durationMs(m.initialDelay)!,
    ...(m.successCondition !== undefined && { successCondition: m.successCondition }),
    ...(m.failureCondition !== undefined && { failureCondition: m.failureCondition }),
    failureLimit: m.failureLimit,
    inconclusiveLimit: m.inconclusiveLimit,
    consecutiveErrorLimit: m.consecutiveErrorLimit,
    dryRun: m.dryRun,
  };
}

/** A model's version as the registry and replicas see it, for the checks an apply makes. */
export interface CandidateFacts {
  /** Versions of the model that exist, with their state (versionStates). */
  versions: { version: string; state: string }[];
  /** The serving pointer's version: the rollout's stable. */
  servingVersion?: string;
}

/** The checks against the registry at apply: the model exists, the candidate is warm, and it is not stable. */
export function candidateProblems(
  spec: Pick<RolloutSpec, 'model' | 'candidate'>,
  facts: CandidateFacts | undefined,
): RolloutProblem[] {
  if (!facts || facts.versions.length === 0)
    return [{ path: 'model', message: `no model "${spec.model}" is registered` }];
  const problems: RolloutProblem[] = [];
  const candidate = facts.versions.find((v) => v.version === spec.candidate);
  if (!candidate) problems.push({ path: 'candidate', message: `${spec.model} has no version "${spec.candidate}"` });
  else if (candidate.state !== 'ready' && candidate.state !== 'serving')
    problems.push({
      path: 'candidate',
      message: `${spec.model} version ${spec.candidate} is ${candidate.state}, not ready on any inference replica`,
    });
  if (facts.servingVersion === undefined)
    problems.push({
      path: 'model',
      message: `${spec.model} has no serving version to be the stable side (aviary models serve)`,
    });
  else if (facts.servingVersion === spec.candidate)
    problems.push({
      path: 'candidate',
      message: `version ${spec.candidate} already serves ${spec.model}: the candidate must differ from stable`,
    });
  return problems;
}
