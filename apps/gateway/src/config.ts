// Gateway configuration, from the environment.
import {
  commonEnv,
  loadConfig,
  modelFlagSetEnv,
  port,
  positiveInt,
  restLimitsEnv,
  optionalSite,
  siteTelemetryEnv,
} from '@aviary/contracts';
import { z } from 'zod';

const schema = z.object({
  ...commonEnv,
  ...modelFlagSetEnv,
  AVIARY_HTTP_PORT: port(8080),
  AVIARY_GRPC_PORT: port(8081),
  /** Largest batch input uploaded to POST /v1/batch/jobs, in bytes; past it 413 and nothing stored. */
  AVIARY_BATCH_UPLOAD_LIMIT: positiveInt(1024 * 1024 * 1024),
  /** How long the gateway waits for the preprocessor or an inference replica before answering 504. */
  AVIARY_REQUEST_TIMEOUT_MS: positiveInt(5000),
  /** Most records that concurrent predict requests for one version share in a single downstream call. */
  AVIARY_PREDICT_MAX_BATCH: positiveInt(64),
  /** Most shadow copies of predict requests in flight to candidates; past it a copy is dropped and counted. */
  AVIARY_SHADOW_MAX_IN_FLIGHT: positiveInt(32),
  /** Most rows that concurrent OIP infer requests for one version share in a single inference call. */
  AVIARY_INFER_MAX_BATCH: positiveInt(64),
  /** Request limits (RequestLimits in @aviary/contracts): a request past one is answered 400/413 naming it. */
  ...restLimitsEnv,
  /** OFREP requests a second per client address (bursts of as many); past it 429 with Retry-After. 0: no limit. */
  AVIARY_OFREP_RATE_LIMIT: z.coerce.number().min(0).default(0),
  /** The leaf site this gateway serves (its telemetry subjects); unset: no site telemetry. */
  AVIARY_SITE: optionalSite,
  ...siteTelemetryEnv,
});

export type GatewayConfig = z.infer<typeof schema>;
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
export const loadGatewayConfig = () => loadConfig(schema);
