// OpenFeature's Remote Evaluation Protocol (OFREP, service/openapi.yaml 0.3.0) answers, computed from a flag set: what
// a flagd-core resolution becomes on the wire, and the bulk answer's ETag. The HTTP status of each code is the door's.
import type { EvaluationContext, FlagValue } from '@openfeature/core';
import { createHash } from 'node:crypto';
import { FlagSet } from './flag-set';
import { FlagSetLookup, resolveFlag } from './flag-resolution';

export type OfrepErrorCode = 'FLAG_NOT_FOUND' | 'PARSE_ERROR' | 'TARGETING_KEY_MISSING' | 'INVALID_CONTEXT' | 'GENERAL';

export interface OfrepSuccess {
  key: string;
  /** Absent when the caller's default applies: a disabled flag, or no variant picked (flagd's "code default"). */
  value?: FlagValue;
  reason: string;
  variant?: string;
  metadata: Record<string, unknown>;
}

export interface OfrepFailure {
  key: string;
  errorCode: OfrepErrorCode;
  errorDetails: string;
}

export type OfrepEvaluation = OfrepSuccess | OfrepFailure;

export const isOfrepFailure = (answer: OfrepEvaluation): answer is OfrepFailure => 'errorCode' in answer;

/** The OFREP request body's `context`; anything but an object (or nothing) is INVALID_CONTEXT. */
export function ofrepContextOf(body: unknown): { context: EvaluationContext } | { failure: OfrepFailure } {
  const invalidContext = (errorDetails: string) => ({
    failure: { key: '', errorCode: 'INVALID_CONTEXT' as const, errorDetails },
  });
  if (body === undefined || body === null) return { context: {} };
  if (typeof body !== 'object' || Array.isArray(body)) return invalidContext('the request body must be a JSON object');
  const context = (body as { context?: unknown }).context;
  if (context === undefined || context === null) return { context: {} };
  if (typeof context !== 'object' || Array.isArray(context))
    return invalidContext(`"context" must be an object, got ${Array.isArray(context) ? 'an array' : typeof context}`);
  return { context: context as EvaluationContext };
}

export function evaluateOfrepFlag(lookup: FlagSetLookup, key: string, context: EvaluationContext): OfrepEvaluation {
  const result = resolveFlag({ lookup, key, context });
  if (result.errorCode) {
    const errorDetails = result.errorMessage ?? `flag "${key}" could not be evaluated`;
    return { key, errorCode: ofrepCodeOf(result.errorCode), errorDetails };
  }
  const reason = result.reason ?? 'UNKNOWN';
  // flagd-core's metadata object, read-only here: the answer is serialised, never changed.
  const metadata = result.flagMetadata ?? {};
  if (result.variant === undefined) return { key, reason, metadata };
  return { key, value: result.value, reason, variant: result.variant, metadata };
}

/** Every flag of the set for one context, each with its own value or error. */
export function evaluateOfrepFlags(set: FlagSet, context: EvaluationContext): OfrepEvaluation[] {
  return set.keys().map((key) => evaluateOfrepFlag({ set }, key, context));
}

/** A bulk request's failure as a whole, when there is no set to read: OFREP's bulk error has no FLAG_NOT_FOUND. */
export function bulkFailureOf(lookup: { missing: string } | { broken: string }): Omit<OfrepFailure, 'key'> {
  return 'missing' in lookup
    ? { errorCode: 'GENERAL', errorDetails: lookup.missing }
    : { errorCode: 'PARSE_ERROR', errorDetails: lookup.broken };
}

/** Changes exactly when the answer can: another set, another revision of it, or another context. */
export function bulkEtag(input: { flagSet: string; revision: number; context: EvaluationContext }): string {
  const hash = createHash('sha256')
    .update(`${input.flagSet}\n${input.revision}\n${canonicalJson(input.context)}`)
    .digest('base64url');
  return `"${hash}"`;
}

// flagd-core's codes beyond OFREP's (TYPE_MISMATCH cannot happen: the type comes from the flag itself) are GENERAL.
function ofrepCodeOf(code: string): OfrepErrorCode {
  switch (code) {
    case 'FLAG_NOT_FOUND':
    case 'PARSE_ERROR':
    case 'TARGETING_KEY_MISSING':
    case 'INVALID_CONTEXT':
      return code;
    default:
      return 'GENERAL';
  }
}

/** JSON with object keys sorted, so two equal contexts hash alike whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}
