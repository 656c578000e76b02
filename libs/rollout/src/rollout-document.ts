// The Rollout document: which candidate version of a model to deliver and how (canary steps or blue/green, analysis,
// match rules), written in YAML or JSON and validated whole by one zod schema so every problem is listed at once
// with its path.
import { AviaryError, durationMs, modelNameSchema, modelVersionSchema } from '@aviary/contracts';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { conditionProblems } from './condition';
import { WEBHOOK_EVENT_FILTERS } from './webhooks';

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

/** Built-in metrics read from the gateways' shadow tallies (shadow-metrics.ts), not their per-version series. */
export const SHADOW_METRICS = [
  'shadow-agreement',
  'shadow-score-diff',
  'shadow-psi',
  'shadow-error-rate',
  'shadow-latency-p95',
] as const;
export type ShadowMetricName = (typeof SHADOW_METRICS)[number];

export const isShadowMetric = (name: string): name is ShadowMetricName =>
  (SHADOW_METRICS as readonly string[]).includes(name);

export const BUILTIN_METRICS = [
  'success-rate',
  'error-rate',
  'latency-p50',
  'latency-p95',
  'latency-p99',
  'request-count',
  'psi',
  ...SHADOW_METRICS,
] as const;
export type BuiltinMetricName = (typeof BUILTIN_METRICS)[number];

const builtinProvider = z.strictObject({
  metric: z.enum(BUILTIN_METRICS),
  /**
   * Whose series: the candidate's (default) or stable's. `psi` and the shadow metrics always compare the candidate
   * with stable.
   */
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

const pauseStep = z.strictObject({ pause: z.strictObject({ duration: duration.optional() }) });
const analysisStep = z.strictObject({ analysis: analysisSchema });
const stepSchema = z.union([z.strictObject({ setWeight: z.number().int().min(0).max(100) }), pauseStep, analysisStep]);

/** Header names as the flag's `$header.<name>` var reads them: a dot or other punctuation would split the path. */
const HEADER_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * Requests whose evaluation context attribute, or request header (REST) / metadata (gRPC), equals one of the values
 * go to the candidate whatever the weight.
 */
const matchSchema = z
  .strictObject({
    attribute: z.string().min(1).optional(),
    header: z.string().regex(HEADER_NAME, 'a header name is letters, digits, "-" and "_", like "X-Canary"').optional(),
    values: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1),
  })
  .superRefine((m, ctx) => {
    if ((m.attribute === undefined) === (m.header === undefined))
      ctx.addIssue({ code: 'custom', message: 'a match rule names exactly one of attribute or header' });
    if (m.header !== undefined)
      m.values.forEach((v, i) => {
        if (typeof v !== 'string')
          ctx.addIssue({ code: 'custom', path: ['values', i], message: `a header value is text, got ${String(v)}` });
      });
  });

const canarySchema = z.strictObject({
  steps: z.array(stepSchema).min(1),
  /** Background analysis: runs from the first step until the rollout ends. */
  analysis: analysisSchema.optional(),
  match: z.array(matchSchema).optional(),
  /** Also mirror this share of stable's requests to the candidate while the canary runs (for shadow metrics). */
  shadow: z.strictObject({ percent: z.number().min(1).max(100) }).optional(),
});

/** Argo Rollouts' blueGreen: the candidate takes only preview traffic until promoted, then all of it at once. */
const blueGreenSchema = z.strictObject({
  preview: z.strictObject({ match: z.array(matchSchema).min(1) }).optional(),
  autoPromotionSeconds: z.number().int().min(0).optional(),
  prePromotionAnalysis: analysisSchema.optional(),
  postPromotionAnalysis: analysisSchema.optional(),
  /** How long after promotion the previous version stays the instant-rollback target (`aviary rollout undo`). */
  scaleDownDelaySeconds: z.number().int().min(0).default(30),
});

/** The candidate only shadows: it takes no traffic, a share of stable's requests is mirrored to it and compared. */
const shadowStrategySchema = z.strictObject({
  percent: z.number().min(1).max(100),
  /** Pauses and analyses of the shadow figures; a shadow rollout never sets a weight. */
  steps: z.array(z.union([pauseStep, analysisStep])).min(1),
  /** When the steps pass: `manual` (default) pauses until `aviary rollout promote`; `auto` serves the candidate. */
  promote: z.enum(['manual', 'auto']).default('manual'),
});

/** Where the leader POSTs the rollout's history events (with the controller's AVIARY_ROLLOUT_WEBHOOKS). */
export const webhookSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  /** History kinds (applied, step, measurement, phase, command) or phases (Progressing, Paused, Healthy, Degraded). */
  events: z.array(z.enum(WEBHOOK_EVENT_FILTERS)).min(1).optional(),
  headers: z.record(z.string(), z.string()).optional(),
});
export type Webhook = z.infer<typeof webhookSchema>;

const STRATEGIES = ['canary', 'blueGreen', 'shadow'] as const;

export const rolloutDocumentSchema = z.strictObject({
  model: modelNameSchema,
  candidate: modelVersionSchema,
  analysisTemplates: z.record(z.string(), z.strictObject({ metrics: z.array(metricSchema).min(1) })).optional(),
  strategy: z
    .strictObject({
      canary: canarySchema.optional(),
      blueGreen: blueGreenSchema.optional(),
      shadow: shadowStrategySchema.optional(),
    })
    .refine(
      (s) => STRATEGIES.filter((name) => s[name] !== undefined).length === 1,
      `a strategy is exactly one of ${STRATEGIES.join(', ')}`,
    ),
  notifications: z.strictObject({ webhooks: z.array(webhookSchema).min(1) }).optional(),
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

/** `label` names what a blue/green step is for in the history and the status view. */
export type RolloutStep =
  | { kind: 'setWeight'; weight: number }
  | { kind: 'pause'; durationMs?: number; label?: string }
  | { kind: 'analysis'; metrics: AnalysisMetric[]; label?: string }
  /** Blue/green's promotion: all traffic and the serving pointer move to the candidate at once. */
  | { kind: 'switch' };

/** A request goes to the candidate when this context attribute or header equals one of the values. */
export type MatchRule =
  { attribute: string; values: (string | number | boolean)[] } | { header: string; values: string[] };

/** A valid document, resolved for the state machine. */
export interface RolloutSpec {
  model: string;
  candidate: string;
  /** Blue/green too runs as steps: pre-promotion analysis, the wait, the switch, post-promotion analysis. */
  steps: RolloutStep[];
  background: AnalysisMetric[];
  /** Canary `match`, or blue/green `preview.match`. */
  match: MatchRule[];
  /** `shadow`: the candidate takes no traffic (no version flag), only mirrored requests. */
  strategy: (typeof STRATEGIES)[number];
  /** Set for a blue/green rollout. */
  blueGreen?: { scaleDownDelayMs: number; autoPromotionMs?: number };
  /** The share of stable's requests mirrored to the candidate while the rollout is active. */
  shadow?: { percent: number };
  webhooks: Webhook[];
  /** The document as applied, kept to show and to re-apply. */
  document: RolloutDocument;
}

/** Parses and resolves a document; throws RolloutRejected listing every problem. */
export function parseRolloutDocument(source: string | unknown): RolloutSpec {
  const value = typeof source === 'string' ? parseRolloutText(source) : source;
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
  const { canary, blueGreen, shadow } = document.strategy;
  const resolveSteps = (steps: z.infer<typeof stepSchema>[], path: string) =>
    steps.map((step, i): RolloutStep => {
      if ('setWeight' in step) return { kind: 'setWeight', weight: step.setWeight };
      if ('pause' in step)
        return step.pause.duration === undefined
          ? { kind: 'pause' }
          : { kind: 'pause', durationMs: durationMs(step.pause.duration) };
      return { kind: 'analysis', metrics: resolve(step.analysis, `${path}.${i}.analysis`, false) };
    });
  const common = {
    model: document.model,
    candidate: document.candidate,
    webhooks: document.notifications?.webhooks ?? [],
    document,
  };
  if (blueGreen) {
    const at = 'strategy.blueGreen';
    const pre =
      blueGreen.prePromotionAnalysis && resolve(blueGreen.prePromotionAnalysis, `${at}.prePromotionAnalysis`, false);
    const post =
      blueGreen.postPromotionAnalysis && resolve(blueGreen.postPromotionAnalysis, `${at}.postPromotionAnalysis`, false);
    if (problems.length) throw new RolloutRejected(problems);
    const autoPromotionMs =
      blueGreen.autoPromotionSeconds === undefined ? undefined : blueGreen.autoPromotionSeconds * 1000;
    const steps: RolloutStep[] = [
      ...(pre ? [{ kind: 'analysis' as const, metrics: pre, label: 'pre-promotion analysis' }] : []),
      autoPromotionMs === undefined
        ? { kind: 'pause', label: 'waiting for promotion' }
        : { kind: 'pause', durationMs: autoPromotionMs, label: 'auto-promotion' },
      { kind: 'switch' },
      ...(post ? [{ kind: 'analysis' as const, metrics: post, label: 'post-promotion analysis' }] : []),
    ];
    return {
      ...common,
      strategy: 'blueGreen',
      steps,
      background: [],
      match: blueGreen.preview?.match.map(matchRule) ?? [],
      blueGreen: {
        scaleDownDelayMs: blueGreen.scaleDownDelaySeconds * 1000,
        ...(autoPromotionMs !== undefined && { autoPromotionMs }),
      },
    };
  }
  if (shadow) {
    const steps = resolveSteps(shadow.steps, 'strategy.shadow.steps');
    if (problems.length) throw new RolloutRejected(problems);
    return {
      ...common,
      strategy: 'shadow',
      // A manual promotion is an indefinite pause after the last step: `aviary rollout promote` ends it.
      steps: shadow.promote === 'manual' ? [...steps, { kind: 'pause' }] : steps,
      background: [],
      match: [],
      shadow: { percent: shadow.percent },
    };
  }
  const steps = resolveSteps(canary!.steps, 'strategy.canary.steps');
  const background = canary!.analysis ? resolve(canary!.analysis, 'strategy.canary.analysis', true) : [];
  if (problems.length) throw new RolloutRejected(problems);
  return {
    ...common,
    strategy: 'canary',
    steps,
    background,
    match: canary!.match?.map(matchRule) ?? [],
    ...(canary!.shadow && { shadow: canary!.shadow }),
  };
}

/**
 * A document's text as a value: JSON when it opens with "{" or "[" (JSON.parse says more about broken JSON than a
 * YAML parser, which would read `"candidate": }` as null), YAML otherwise. Throws RolloutRejected.
 */
export function parseRolloutText(source: string): unknown {
  if (/^\s*[{[]/.test(source))
    try {
      return JSON.parse(source);
    } catch (e) {
      throw new RolloutRejected([{ path: '', message: `not JSON: ${(e as Error).message}` }]);
    }
  const yaml = parseDocument(source, { prettyErrors: true });
  if (yaml.errors.length)
    throw new RolloutRejected(
      yaml.errors.map((error) => ({ path: '', message: `not YAML: ${error.message.split('\n')[0]}` })),
    );
  return yaml.toJS();
}

function matchRule(m: z.infer<typeof matchSchema>): MatchRule {
  return m.header === undefined
    ? { attribute: m.attribute!, values: m.values }
    : { header: m.header.toLowerCase(), values: m.values as string[] };
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
