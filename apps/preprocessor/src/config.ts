// Preprocessor configuration, from the environment.
import { commonEnv, loadConfig, port } from '@aviary/contracts';
import { z } from 'zod';

const schema = z.object({ ...commonEnv, AVIARY_HTTP_PORT: port(9101) });

export type PreprocessorConfig = z.infer<typeof schema>;
export const loadPreprocessorConfig = () => loadConfig(schema);
