// Inference service configuration, from the environment.
import { commonEnv, loadConfig, port } from '@aviary/contracts';
import { hostname } from 'node:os';
import { z } from 'zod';
import { parseFaultInjection } from './fault-injection';

const schema = z.object({
  ...commonEnv,
  AVIARY_HTTP_PORT: port(9102),
  /** Names this replica in `aviary models list`. */
  AVIARY_REPLICA_ID: z.string().min(1).default(`${hostname()}-${process.pid}`),
  /** Faults to inject into chosen versions (fault-injection.ts has the format); unset, none. Never in production. */
  AVIARY_FAULT_INJECTION: z
    .string()
    .default('')
    .transform((value, ctx) => {
      try {
        return parseFaultInjection(value);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
        return z.NEVER;
      }
    }),
});

export type InferenceConfig = z.infer<typeof schema>;
export const INFERENCE_CONFIG = Symbol('INFERENCE_CONFIG');
export const loadInferenceConfig = () => loadConfig(schema);
