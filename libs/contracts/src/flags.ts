// Flag evaluation over NATS (subjects.flagsEvaluate).
import { z } from 'zod';

export const DEFAULT_FLAG_SET = 'default';

export const flagSetNameSchema = z.string().regex(/^[A-Za-z0-9_-]+$/, 'a flag set name is letters, digits, _ and -');

/** OpenFeature's evaluation context: `targetingKey` plus any attributes. */
export const evaluationContextSchema = z.record(z.string(), z.unknown());
export type RequestContext = z.infer<typeof evaluationContextSchema>;

/** Names a request's targeting key when its body carries no `context` (or to add one to OIP infer). */
export const TARGETING_KEY_HEADER = 'Aviary-Targeting-Key';

/** A model's version flag: its string variants name versions; it picks the version of unversioned requests. */
export const modelVersionFlag = (model: string) => `model.${model}`;
/** A model's kill switch: off for a request's context, the model answers 503 (or its flag's `fallbackVersion`). */
export const modelEnabledFlag = (model: string) => `model.${model}.enabled`;

/** The flag set that holds the model flags (version flags, kill switches, feature toggles) the services read. */
export const modelFlagSetEnv = { AVIARY_MODEL_FLAG_SET: flagSetNameSchema.default(DEFAULT_FLAG_SET) };

export const flagEvaluationRequestSchema = z.object({
  flagSet: flagSetNameSchema.default(DEFAULT_FLAG_SET),
  flag: z.string().min(1),
  type: z.enum(['boolean', 'string', 'number', 'object']).optional(),
  context: evaluationContextSchema.default({}),
});

export type FlagEvaluationRequest = z.input<typeof flagEvaluationRequestSchema>;

/** A request's evaluation context: the body's, with the targeting key from the header when the body names none. */
export function requestContext(
  context: RequestContext | undefined,
  targetingKeyHeader: string | string[] | undefined,
): RequestContext {
  const targetingKey = Array.isArray(targetingKeyHeader) ? targetingKeyHeader[0] : targetingKeyHeader;
  if (targetingKey === undefined || context?.targetingKey !== undefined) return context ?? EMPTY_CONTEXT;
  return { ...context, targetingKey };
}

const EMPTY_CONTEXT: RequestContext = Object.freeze({});
