// Rollout events on AVIARY_EVENTS (eventSubjects.rollouts): every transition, step and measurement of a rollout.
import { z } from 'zod';

export const rolloutEventSchema = z.object({
  time: z.string(),
  kind: z.enum(['rollout.applied', 'rollout.step', 'rollout.measurement', 'rollout.phase', 'rollout.command']),
  model: z.string(),
  stable: z.string(),
  candidate: z.string(),
  /** The rollout's history sequence: increases by one per event over the rollout's life. */
  seq: z.number().int().positive(),
  phase: z.enum(['Progressing', 'Paused', 'Healthy', 'Degraded']),
  step: z.number().int().min(0),
  message: z.string(),
});
export type RolloutEvent = z.infer<typeof rolloutEventSchema>;

/** A command on the admin API (`POST /v1/admin/rollouts/:model/:command`). */
export const ROLLOUT_COMMANDS = ['promote', 'promote-full', 'pause', 'resume', 'abort', 'retry', 'undo'] as const;
