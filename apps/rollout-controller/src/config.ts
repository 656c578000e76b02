// Rollout controller configuration, from the environment.
import { commonEnv, loadConfig, port } from '@aviary/contracts';
import { z } from 'zod';

const schema = z.object({ ...commonEnv, AVIARY_HTTP_PORT: port(9104) });

export type RolloutControllerConfig = z.infer<typeof schema>;
export const loadRolloutControllerConfig = () => loadConfig(schema);
