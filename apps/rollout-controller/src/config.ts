// Rollout controller configuration, from the environment.
import { commonEnv, loadConfig, port, positiveInt } from '@aviary/contracts';
import { webhookSchema } from '@aviary/rollout';
import { z } from 'zod';

/** A JSON array of webhooks, as a rollout document's `notifications.webhooks` lists them; empty or unset: none. */
const webhooks = z.preprocess((value) => {
  if (value === undefined || value === '') return [];
  try {
    return JSON.parse(String(value));
  } catch {
    return value; // not JSON: the array schema below says what was expected
  }
}, z.array(webhookSchema));

const schema = z.object({
  ...commonEnv,
  AVIARY_HTTP_PORT: port(9104),
  /** How often the leader reconciles every rollout (and renews its lease). */
  AVIARY_ROLLOUT_TICK_MS: positiveInt(1000),
  /** How long a leader lease that stopped being renewed stands before another replica takes over. */
  AVIARY_ROLLOUT_LEASE_MS: positiveInt(3000),
  /** Webhooks for every rollout's events, besides those a document lists. */
  AVIARY_ROLLOUT_WEBHOOKS: webhooks,
  /** Each webhook POST's timeout. */
  AVIARY_WEBHOOK_TIMEOUT_MS: positiveInt(2000),
  /** Retries of a failed POST (backoff from 250 ms, doubling), after which the delivery is given up and logged. */
  AVIARY_WEBHOOK_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  /** Most webhook deliveries queued on the leader; past it a URL's next events wait a tick (counted, logged). */
  AVIARY_WEBHOOK_QUEUE: positiveInt(1000),
});

export type RolloutControllerConfig = z.infer<typeof schema>;
export const ROLLOUT_CONTROLLER_CONFIG = Symbol('ROLLOUT_CONTROLLER_CONFIG');
export const loadRolloutControllerConfig = () => loadConfig(schema);
