// Flag evaluation over NATS (subjects.flagsEvaluate).
import { z } from 'zod';

export const DEFAULT_FLAG_SET = 'default';

export const flagSetNameSchema = z.string().regex(/^[A-Za-z0-9_-]+$/, 'a flag set name is letters, digits, _ and -');

/** OpenFeature's evaluation context: `targetingKey` plus any attributes. */
export const evaluationContextSchema = z.record(z.string(), z.unknown());
export type RequestContext = z.infer<typeof evaluationContextSchema>;

/** Names a request's targeting key when its body carries no `context` (or to add one to OIP infer). */
export const TARGETING_KEY_HEADER = 'Aviary-Targeting-Key';

/** Where the gateway puts the request headers flag rules name (`{var: "$header.x-canary"}`, lower-case names). */
export const HEADER_CONTEXT_KEY = '$header';

/** The flag set the rollout controller alone writes (the traffic of active rollouts); operators cannot apply it. */
export const ROLLOUT_FLAG_SET = 'rollouts';

/** A model's version flag: its string variants name versions; it picks the version of unversioned requests. */
export const modelVersionFlag = (model: string) => `model.${model}`;
/** A model's kill switch: off for a request's context, the model answers 503 (or its flag's `fallbackVersion`). */
export const modelEnabledFlag = (model: string) => `model.${model}.enabled`;
/** A model's shadow flag: its object variant (shadowSettingsSchema) mirrors a share of traffic to a candidate. */
export const modelShadowFlag = (model: string) => `model.${model}.shadow`;

/** The flag set that holds the model flags (version flags, kill switches, feature toggles) the services read. */
export const modelFlagSetEnv = { AVIARY_MODEL_FLAG_SET: flagSetNameSchema.default(DEFAULT_FLAG_SET) };

export const flagEvaluationRequestSchema = z.object({
  flagSet: flagSetNameSchema.default(DEFAULT_FLAG_SET),
  /** One flag; without it, every flag of the set for the context (as OFREP's bulk evaluation answers them). */
  flag: z.string().min(1).optional(),
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

/** A field of a flag an admin diff reports as changed. */
export const FLAG_FIELDS = ['state', 'variants', 'defaultVariant', 'targeting', 'metadata'] as const;
export type FlagField = (typeof FLAG_FIELDS)[number];

export const flagChangeSchema = z.discriminatedUnion('change', [
  z.object({ flag: z.string(), change: z.literal('added') }),
  z.object({ flag: z.string(), change: z.literal('removed') }),
  z.object({ flag: z.string(), change: z.literal('changed'), fields: z.array(z.enum(FLAG_FIELDS)) }),
]);
export type FlagChange = z.infer<typeof flagChangeSchema>;

/** One accepted change of a flag set, on AVIARY_EVENTS (eventSubjects.flags): the set's full history is these. */
export const flagSetEventSchema = z.object({
  time: z.string(),
  kind: z.enum(['flags.applied', 'flags.rolledBack', 'flags.deleted']),
  set: flagSetNameSchema,
  /** The aviary_flags KV revision the change wrote. */
  revision: z.number().int().positive(),
  previousRevision: z.number().int().positive().nullable(),
  /** Keys of the flags added, removed or changed. */
  flags: z.array(z.string()),
  diff: z.array(flagChangeSchema),
  /** The set's full flagd source after the change (empty when deleted). */
  document: z.string(),
  /** Whether flagd's lenient loading was asked for (schema-only problems then make a flag answer PARSE_ERROR). */
  lenient: z.boolean(),
  /** For rollbacks: the revision whose document was re-applied. */
  rolledBackTo: z.number().int().positive().optional(),
  /** Who made the change; null until the security issue adds identities. */
  actor: z.string().nullable(),
});
export type FlagSetEvent = z.infer<typeof flagSetEventSchema>;

/** The body of a flag-set rollback on the admin API: the revision whose document to re-apply. */
export const flagSetRollbackSchema = z.object({ to: z.number().int().positive() });
