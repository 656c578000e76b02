// One flag resolved from whatever set a caller reads, as every door answers it (OFREP, the OpenFeature provider):
// flagd-core's own result, or why there is no set to read.
import { ErrorCode, EvaluationContext, FlagValue, ResolutionDetails } from '@openfeature/core';
import { FlagSet, FlagType } from './flag-set';

/** Where the answer comes from: the set a request names, or why there is none to read. */
export type FlagSetLookup = { set: FlagSet } | { missing: string } | { broken: string };

/**
 * A set that does not exist answers FLAG_NOT_FOUND, one that never had a valid revision PARSE_ERROR. A result
 * without a variant (an error, a disabled flag, a rule that picks none) holds `defaultValue`: the caller's default.
 */
export function resolveFlag<T extends FlagValue>(input: {
  lookup: FlagSetLookup;
  key: string;
  context: EvaluationContext;
  type?: FlagType;
  defaultValue?: T;
}): ResolutionDetails<T> {
  const { lookup, key, context, type, defaultValue } = input;
  const value = defaultValue as T;
  if ('missing' in lookup)
    return { value, reason: 'ERROR', errorCode: ErrorCode.FLAG_NOT_FOUND, errorMessage: lookup.missing };
  if ('broken' in lookup)
    return { value, reason: 'ERROR', errorCode: ErrorCode.PARSE_ERROR, errorMessage: lookup.broken };
  const result = lookup.set.resolve(key, context, type) as ResolutionDetails<T>;
  return result.variant === undefined ? { ...result, value } : result;
}
