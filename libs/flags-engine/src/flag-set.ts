// A flagd flag set, evaluated by OpenFeature's own flagd evaluator so targeting (fractional, sem_ver,
// starts_with, $evaluators) behaves exactly as in flagd. A set is parsed whole or rejected whole.
import { AviaryError, invalid } from '@aviary/contracts';
import { FlagdCore, MemoryStorage } from '@openfeature/flagd-core';
import type { EvaluationContext, FlagValue, JsonValue, Logger, ResolutionDetails } from '@openfeature/core';

export type FlagType = 'boolean' | 'string' | 'number' | 'object';

export interface FlagEvaluation {
  key: string;
  value: FlagValue;
  variant?: string;
  reason: string;
}

const silent: Logger = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

export class FlagSet {
  private constructor(
    private readonly core: FlagdCore,
    readonly source: string,
  ) {}

  /**
   * Parses a flagd flag-definition document; a document flagd would refuse rejects the whole set with the reason.
   * As flagd does, a flag that only breaks flagd's JSON schema (an unknown targeting operator, say) still loads and
   * answers PARSE_ERROR when evaluated: flagd's conformance testbed relies on it.
   */
  static parse(source: string): FlagSet {
    const storage = new MemoryStorage(silent);
    try {
      const flags = (JSON.parse(source) as { flags?: unknown } | null)?.flags;
      if (!flags || typeof flags !== 'object' || Array.isArray(flags)) throw new Error('"flags" must be an object');
      storage.setConfigurations(source, false);
    } catch (e) {
      const cause = (e as Error & { cause?: Error }).cause?.message;
      throw invalid(`invalid flag set: ${(e as Error).message}${cause ? `: ${cause}` : ''}`);
    }
    for (const [key, flag] of storage.getFlags()) {
      const types = new Set([...flag.variants.values()].map(typeOf));
      if (types.size > 1) throw invalid(`invalid flag set: flag "${key}" has variants of mixed types (${[...types]})`);
    }
    return new FlagSet(new FlagdCore(storage, silent), source);
  }

  has(key: string): boolean {
    return this.core.getFlag(key) !== undefined;
  }

  keys(): string[] {
    return [...this.core.getFlags().keys()];
  }

  /** The keys added, removed or redefined since `previous`, by flagd-core's hash of each flag ($ref resolved). */
  changedSince(previous: FlagSet | undefined): string[] {
    const before = previous?.core.getFlags() ?? new Map();
    const after = this.core.getFlags();
    const changed = [...after].filter(([key, flag]) => before.get(key)?.hash !== flag.hash).map(([key]) => key);
    return [...changed, ...[...before.keys()].filter((key) => !after.has(key))];
  }

  evaluate(key: string, context: EvaluationContext = {}, type?: FlagType): FlagEvaluation {
    if (!this.core.getFlag(key)) throw new AviaryError(`flag "${key}" is not defined`, 'NOT_FOUND');
    const result = this.resolve(key, context, type);
    if (result.errorCode) throw invalid(`flag "${key}": ${result.errorMessage ?? result.errorCode}`);
    return { key, value: result.value, variant: result.variant, reason: result.reason ?? 'UNKNOWN' };
  }

  /**
   * flagd-core's own resolution, errors included (FLAG_NOT_FOUND, PARSE_ERROR, GENERAL...). Without a type the flag's
   * is inferred from its variants; a result without a variant means "the caller's default", whatever value it holds.
   */
  resolve(key: string, context: EvaluationContext = {}, type?: FlagType): ResolutionDetails<FlagValue> {
    const flag = this.core.getFlag(key);
    const resolvedType =
      type ??
      (flag ? typeOf(flag.variants.get(flag.defaultVariant ?? '') ?? [...flag.variants.values()][0]) : 'object');
    return this.core.resolve(resolvedType, key, defaultFor(resolvedType), context, silent);
  }
}

function typeOf(value: JsonValue | undefined): FlagType {
  const t = typeof value;
  return t === 'boolean' || t === 'string' || t === 'number' ? t : 'object';
}

function defaultFor(type: FlagType): FlagValue {
  return { boolean: false, string: '', number: 0, object: {} }[type];
}
