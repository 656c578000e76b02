// `npm start` configuration, from the environment. The services' common variables are checked here too, so a bad
// LOG_LEVEL stops the stack before it starts anything, in the same one message as the stack's own variables.
import { commonEnv, loadConfig, natsUrl, port } from '@aviary/contracts';
import { z } from 'zod';

const schema = z.object({
  ...commonEnv,
  /** Unset: the stack starts its own nats-server. */
  NATS_URL: natsUrl.optional(),
  AVIARY_NATS_PORT: port(4222),
  AVIARY_DATA_DIR: z.string().min(1).default('data'),
  AVIARY_HTTP_PORT: port(8080),
  AVIARY_GRPC_PORT: port(8081),
});

export type StackConfig = z.infer<typeof schema>;
export const loadStackConfig = () => loadConfig(schema);
