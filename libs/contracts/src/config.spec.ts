import { z } from 'zod';
import { commonEnv, ConfigError, loadConfig, port, positiveInt } from './config';

const schema = z.object({ ...commonEnv, AVIARY_HTTP_PORT: port(8080), AVIARY_BATCH: positiveInt(16) });

function configError(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(schema, env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('fills in defaults that work locally when nothing is set', () => {
    expect(loadConfig(schema, {})).toEqual({
      NATS_URL: 'nats://127.0.0.1:4222',
      AVIARY_HOST: '0.0.0.0',
      LOG_LEVEL: 'info',
      AVIARY_HTTP_PORT: 8080,
      AVIARY_BATCH: 16,
    });
  });

  it('coerces numeric variables from their string form', () => {
    const config = loadConfig(schema, { AVIARY_HTTP_PORT: '9000', AVIARY_BATCH: '4', LOG_LEVEL: 'debug' });
    expect(config.AVIARY_HTTP_PORT).toBe(9000);
    expect(config.AVIARY_BATCH).toBe(4);
    expect(config.LOG_LEVEL).toBe('debug');
  });

  it('lists every bad variable in one message, each on its own line', () => {
    const message = configError({ AVIARY_HTTP_PORT: '70000', AVIARY_BATCH: '0', LOG_LEVEL: 'loud', NATS_URL: '' });
    const lines = message.split('\n');
    expect(lines[0]).toBe('invalid configuration:');
    expect(
      lines
        .slice(1)
        .map((l) => l.trim().split(':')[0])
        .sort(),
    ).toEqual(['AVIARY_BATCH', 'AVIARY_HTTP_PORT', 'LOG_LEVEL', 'NATS_URL']);
  });

  it('rejects a port that is not a whole number', () => {
    expect(configError({ AVIARY_HTTP_PORT: 'eighty' })).toContain('AVIARY_HTTP_PORT: ');
    expect(configError({ AVIARY_HTTP_PORT: '80.5' })).toContain('AVIARY_HTTP_PORT: ');
  });
});
