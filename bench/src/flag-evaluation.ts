// In-process flag evaluation, three ways over the same flags and contexts: raw flagd-core (the baseline a flagd
// in-process provider pays), Aviary's FlagSet.resolve (what the gateway calls) and the OFREP mapping on top of it.
import { evaluateOfrepFlag, FlagSet, isOfrepFailure } from '@aviary/flags-engine';
import type { EvaluationContext } from '@openfeature/core';
import { FlagdCore, MemoryStorage } from '@openfeature/flagd-core';

/** A static boolean, and a string flag whose targeting reads an attribute, then splits 50/50 by targeting key. */
export const BENCH_FLAGS = {
  flags: {
    'static-flag': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
    'fractional-flag': {
      state: 'ENABLED',
      variants: { v1: 'v1', v2: 'v2' },
      defaultVariant: 'v1',
      targeting: {
        if: [
          { '==': [{ var: 'tier' }, 'beta'] },
          'v2',
          {
            fractional: [
              ['v1', 50],
              ['v2', 50],
            ],
          },
        ],
      },
    },
  },
};

export const STATIC_FLAG = 'static-flag';
export const FRACTIONAL_FLAG = 'fractional-flag';

export type EngineName = 'flagd-core' | 'FlagSet.resolve' | 'evaluateOfrepFlag';
export const ENGINES: readonly EngineName[] = ['flagd-core', 'FlagSet.resolve', 'evaluateOfrepFlag'];

/** One evaluation of `key` for `context`, answering the variant it picked (undefined on error or caller's default). */
export type Evaluate = (key: string, context: EvaluationContext) => string | undefined;

const silent = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

export function engines(source: string = JSON.stringify(BENCH_FLAGS)): Record<EngineName, Evaluate> {
  const storage = new MemoryStorage(silent);
  storage.setConfigurations(source, false);
  const core = new FlagdCore(storage, silent);
  const set = FlagSet.parse(source);
  return {
    // The typed call an OpenFeature provider makes: the caller knows the flag's type.
    'flagd-core': (key, context) =>
      key === STATIC_FLAG
        ? core.resolveBooleanEvaluation(key, false, context, silent).variant
        : core.resolveStringEvaluation(key, '', context, silent).variant,
    'FlagSet.resolve': (key, context) => set.resolve(key, context).variant,
    evaluateOfrepFlag: (key, context) => {
      const answer = evaluateOfrepFlag({ set }, key, context);
      return isOfrepFailure(answer) ? undefined : answer.variant;
    },
  };
}

/** Varied contexts (one in ten a beta user), precomputed so the loop measures evaluation, not building contexts. */
export function benchContexts(count: number): EvaluationContext[] {
  return Array.from({ length: count }, (_, i) => ({
    targetingKey: `user-${i.toString(36)}-${(i * 2654435761) % 1000003}`,
    tier: i % 10 === 0 ? 'beta' : 'standard',
  }));
}

/** Fails unless every engine picks the same variant for every context: a faster wrong answer is no figure. */
export function checkEnginesAgree(
  all: Record<EngineName, Evaluate>,
  key: string,
  contexts: readonly EvaluationContext[],
): void {
  for (const context of contexts) {
    const expected = all['flagd-core'](key, context);
    if (expected === undefined) throw new Error(`flagd-core did not resolve "${key}" for ${JSON.stringify(context)}`);
    for (const name of ENGINES) {
      const actual = all[name](key, context);
      if (actual !== expected)
        throw new Error(
          `${name} answered ${actual} for "${key}" and ${JSON.stringify(context)}, flagd-core ${expected}`,
        );
    }
  }
}

export interface EvaluationRate {
  evaluations: number;
  perSecond: number;
  /** Evaluations that picked the first variant of the flag: read, so the work cannot be optimised away. */
  firstVariant: number;
}

/** Evaluates in a tight loop for `durationMs`, cycling through `contexts`, the clock read once per batch. */
export function measureEvaluations(options: {
  evaluate: Evaluate;
  key: string;
  contexts: readonly EvaluationContext[];
  durationMs: number;
  firstVariant: string;
}): EvaluationRate {
  const { evaluate, key, contexts, firstVariant } = options;
  const batch = 1000;
  let evaluations = 0;
  let first = 0;
  let next = 0;
  const start = performance.now();
  const end = start + options.durationMs;
  let now = start;
  while (now < end) {
    for (let i = 0; i < batch; i++) {
      if (evaluate(key, contexts[next]) === firstVariant) first++;
      next = next + 1 === contexts.length ? 0 : next + 1;
    }
    evaluations += batch;
    now = performance.now();
  }
  return { evaluations, perSecond: (evaluations * 1000) / (now - start), firstVariant: first };
}

/**
 * Each engine in turn for `sliceMs` at a time until `durationMs` has passed, rates summed per engine: on a shared
 * machine the load drifts within seconds, and slices spread that drift over every engine alike.
 */
export function measureInterleaved(options: {
  engines: Record<EngineName, Evaluate>;
  key: string;
  contexts: readonly EvaluationContext[];
  durationMs: number;
  sliceMs: number;
  firstVariant: string;
}): Record<EngineName, EvaluationRate> {
  const totals = Object.fromEntries(ENGINES.map((name) => [name, { evaluations: 0, ms: 0, firstVariant: 0 }]));
  const end = performance.now() + options.durationMs;
  for (let turn = 0; performance.now() < end; turn++) {
    const name = ENGINES[turn % ENGINES.length];
    const slice = measureEvaluations({ ...options, evaluate: options.engines[name], durationMs: options.sliceMs });
    const total = totals[name];
    total.evaluations += slice.evaluations;
    total.ms += (slice.evaluations * 1000) / slice.perSecond;
    total.firstVariant += slice.firstVariant;
  }
  return Object.fromEntries(
    ENGINES.map((name) => {
      const { evaluations, ms, firstVariant } = totals[name];
      return [name, { evaluations, perSecond: ms > 0 ? (evaluations * 1000) / ms : 0, firstVariant }];
    }),
  ) as Record<EngineName, EvaluationRate>;
}
