// A flagd flag set, evaluated by OpenFeature's own flagd evaluator so targeting (fractional, sem_ver,
// starts_with, $evaluators) behaves exactly as in flagd. A set is parsed whole or rejected whole.
import { AviaryError, invalid } from '@aviary/contracts';
import { findFlagSetProblems, FlagSetProblem, formatProblem, ValidationOptions } from './flag-set-validation';
import { FlagdCore, MemoryStorage } from '@openfeature/flagd-core';
import type { EvaluationContext, FlagValue, JsonValue, Logger, ResolutionDetails } from '@openfeature/core';

export type FlagType = 'boolean' | 'string' | 'number' | 'object';

export interface FlagEvaluation {
  key: string;
  value: FlagValue;
  variant?: string;
  reason: string;
}

/** A set rejected whole: every problem found, each with its flag and JSON pointer. */
export class FlagSetRejected extends AviaryError {
  constructor(readonly problems: FlagSetProblem[]) {
    super(`invalid flag set: ${problems.map(formatProblem).join('; ')}`, 'INVALID_ARGUMENT');
  }
}

export type FlagSetValidation = { ok: true; set: FlagSet } | { ok: false; problems: FlagSetProblem[] };

/** Every problem of a set, or the set: strict unless `lenient` (see FlagSet.parse). */
export function validateFlagSet(source: string, { lenient = false }: ValidationOptions = {}): FlagSetValidation {
  try {
    return { ok: true, set: FlagSet.parse(source, { lenient }) };
  } catch (e) {
    if (e instanceof FlagSetRejected) return { ok: false, problems: e.problems };
    throw e;
  }
}

const silent: Logger = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

export class FlagSet {
  /** Each flag's type, from its variants: computed once, as every untyped resolution needs it. */
  private readonly types = new Map<string, FlagType>();

  private constructor(
    private readonly core: FlagdCore,
    readonly source: string,
  ) {
    for (const [key, flag] of core.getFlags())
      this.types.set(key, typeOf(flag.variants.get(flag.defaultVariant ?? '') ?? [...flag.variants.values()][0]));
  }

  /**
   * Parses a flagd flag-definition document; a document flagd would refuse rejects the whole set, listing every
   * problem. Lenient by default, as flagd loads: a flag that only breaks flagd's JSON schema (an unknown targeting
   * operator, say) still loads and answers PARSE_ERROR when evaluated (flagd's conformance testbed relies on it).
   * Strict (`lenient: false`) is what `flags apply` asks for unless told otherwise.
   */
  static parse(source: string, { lenient = true }: ValidationOptions = {}): FlagSet {
    const problems = findFlagSetProblems(source, { lenient });
    if (problems.length) throw new FlagSetRejected(problems);
    const storage = new MemoryStorage(silent);
    storage.setConfigurations(source, false);
    return new FlagSet(new FlagdCore(storage, silent), source);
  }

  has(key: string): boolean {
    return this.types.has(key);
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
    const resolvedType = type ?? this.types.get(key) ?? 'object';
    return this.core.resolve(resolvedType, key, DEFAULTS[resolvedType], context, silent);
  }
}

function typeOf(value: JsonValue | undefined): FlagType {
  const t = typeof value;
  return t === 'boolean' || t === 'string' || t === 'number' ? t : 'object';
}

/** flagd-core's result carries the default only when no variant is picked, which callers read as theirs. */
const DEFAULTS: Record<FlagType, FlagValue> = { boolean: false, string: '', number: 0, object: Object.freeze({}) };
