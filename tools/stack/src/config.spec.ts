import { ConfigError } from '@aviary/contracts';
import { loadStackConfig } from './config';

const withEnv = <T>(env: NodeJS.ProcessEnv, run: () => T): T => {
  const before = process.env;
  process.env = env;
  try {
    return run();
  } finally {
    process.env = before;
  }
};

describe('loadStackConfig', () => {
  it('starts its own nats-server when NATS_URL is unset, on the ports the README names', () => {
    const config = withEnv({}, loadStackConfig);
    expect(config.NATS_URL).toBeUndefined();
    expect(config).toMatchObject({
      AVIARY_NATS_PORT: 4222,
      AVIARY_DATA_DIR: 'data',
      AVIARY_HTTP_PORT: 8080,
      AVIARY_GRPC_PORT: 8081,
      AVIARY_HOST: '0.0.0.0',
    });
  });

  it("names the services' bad variables with its own in one message", () => {
    const error = withEnv({ LOG_LEVEL: 'verbose', AVIARY_HTTP_PORT: 'abc' }, () => {
      try {
        loadStackConfig();
      } catch (e) {
        return e;
      }
    });
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(
      /LOG_LEVEL: [\s\S]*AVIARY_HTTP_PORT: |AVIARY_HTTP_PORT: [\s\S]*LOG_LEVEL: /,
    );
  });
});
