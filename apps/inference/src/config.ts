// Inference service configuration, from the environment.
import { commonEnv, loadConfig, port } from '@aviary/contracts';
import { hostname } from 'node:os';
import { z } from 'zod';

const schema = z.object({
  ...commonEnv,
  AVIARY_HTTP_PORT: port(9102),
  /** Names this replica in `aviary models list`. */
  AVIARY_REPLICA_ID: z.string().min(1).default(`${hostname()}-${process.pid}`),
});

export type InferenceConfig = z.infer<typeof schema>;
export const INFERENCE_CONFIG = Symbol('INFERENCE_CONFIG');
export const loadInferenceConfig = () => loadConfig(schema);
