// Rollout controller configuration, from the environment.
import { commonEnv, loadConfig, port, positiveInt } from '@aviary/contracts';
import { z } from 'zod';

const schema = z.object({
  ...commonEnv,
  AVIARY_HTTP_PORT: port(9104),
  /** How often the leader reconciles every rollout (and renews its lease). */
  AVIARY_ROLLOUT_TICK_MS: positiveInt(1000),
  /** How long a leader lease that stopped being renewed stands before another replica takes over. */
  AVIARY_ROLLOUT_LEASE_MS: positiveInt(3000),
});

export type RolloutControllerConfig = z.infer<typeof schema>;
export const ROLLOUT_CONTROLLER_CONFIG = Symbol('ROLLOUT_CONTROLLER_CONFIG');
export const loadRolloutControllerConfig = () => loadConfig(schema);
