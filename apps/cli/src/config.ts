// CLI configuration, from the environment (flags such as --nats override it).
import { commonEnv, loadConfig } from '@aviary/contracts';
import { z } from 'zod';

const schema = z.object({ NATS_URL: commonEnv.NATS_URL });

export type CliConfig = z.infer<typeof schema>;
export const loadCliConfig = () => loadConfig(schema);
