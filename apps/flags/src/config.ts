// Flags service configuration, from the environment.
import { commonEnv, loadConfig, port } from '@aviary/contracts';
import { z } from 'zod';

const schema = z.object({ ...commonEnv, AVIARY_HTTP_PORT: port(9103) });

export type FlagsConfig = z.infer<typeof schema>;
export const loadFlagsConfig = () => loadConfig(schema);
