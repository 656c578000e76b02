// Flag evaluation over NATS (subjects.flagsEvaluate).
import { z } from 'zod';

export const DEFAULT_FLAG_SET = 'default';

export const flagEvaluationRequestSchema = z.object({
  flagSet: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default(DEFAULT_FLAG_SET),
  flag: z.string().min(1),
  type: z.enum(['boolean', 'string', 'number', 'object']).optional(),
  context: z.record(z.string(), z.unknown()).default({}),
});

export type FlagEvaluationRequest = z.input<typeof flagEvaluationRequestSchema>;
