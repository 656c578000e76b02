// Preprocessor configuration, from the environment.
import { commonEnv, loadConfig, modelFlagSetEnv, port, positiveInt } from '@aviary/contracts';
import { z } from 'zod';

const schema = z.object({
  ...commonEnv,
  ...modelFlagSetEnv,
  AVIARY_HTTP_PORT: port(9101),
  /** How long the preprocessor waits for an inference replica before answering DEADLINE_EXCEEDED. */
  AVIARY_REQUEST_TIMEOUT_MS: positiveInt(5000),
});

export type PreprocessorConfig = z.infer<typeof schema>;
export const PREPROCESSOR_CONFIG = Symbol('PREPROCESSOR_CONFIG');
export const loadPreprocessorConfig = () => loadConfig(schema);
