// A flagd flag set, evaluated by OpenFeature's own flagd evaluator so targeting (fractional, sem_ver,
// starts_with, $evaluators) behaves exactly as in flagd. A set is parsed whole or rejected whole.
import { AviaryError, invalid } from '@aviary/contracts';
import { FlagdCore, MemoryStorage } from '@openfeature/flagd-core';
import type { EvaluationContext, FlagValue, JsonValue, Logger } from '@openfeature/core';

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

  /** Parses a flagd flag-definition document; any invalid flag rejects the whole set with flagd's reason. */
  static parse(source: string): FlagSet {
    const storage = new MemoryStorage(silent);
    try {
      JSON.parse(source);
      // Strict: checked against flagd's JSON schema, so a set flagd would refuse is refused here too.
      storage.setConfigurations(source, true);
    } catch (e) {
      const cause = (e as Error & { cause?: Error }).cause?.message;
      throw invalid(`invalid flag set: ${(e as Error).message}${cause ? `: ${cause}` : ''}`);
    }
    return new FlagSet(new FlagdCore(storage, silent), source);
  }

  keys(): string[] {
    return [...this.core.getFlags().keys()];
  }

  evaluate(key: string, context: EvaluationContext = {}, type?: FlagType): FlagEvaluation {
    const flag = this.core.getFlag(key);
    if (!flag) throw new AviaryError(`flag "${key}" is not defined`, 'NOT_FOUND');
    const resolvedType = type ?? typeOf(flag.variants.get(flag.defaultVariant ?? '') ?? [...flag.variants.values()][0]);
    const result = this.core.resolve(resolvedType, key, defaultFor(resolvedType), context, silent);
    if (result.errorCode) throw invalid(`flag "${key}": ${result.errorMessage ?? result.errorCode}`);
    return { key, value: result.value, variant: result.variant, reason: result.reason ?? 'UNKNOWN' };
  }
}

function typeOf(value: JsonValue | undefined): FlagType {
  const t = typeof value;
  return t === 'boolean' || t === 'string' || t === 'number' ? t : 'object';
}

function defaultFor(type: FlagType): FlagValue {
  return { boolean: false, string: '', number: 0, object: {} }[type];
}
