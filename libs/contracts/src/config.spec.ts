import { z } from 'zod';
import { commonEnv, ConfigError, loadConfig, optionalSite, port, positiveInt, siteTelemetryEnv } from './config';

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
      OTEL_BSP_SCHEDULE_DELAY: 1000,
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

  it('takes NATS server URLs, comma-separated, with or without a scheme', () => {
    const config = loadConfig(schema, { NATS_URL: 'nats://a:4222, tls://b:4443,c:4222,ws://d' });
    expect(config.NATS_URL).toBe('nats://a:4222, tls://b:4443,c:4222,ws://d');
  });

  it.each(['', 'http://a:4222', 'nats://a:port', 'nats://a:4222,', 'nats://'])(
    'refuses NATS_URL=%j, saying what it expects',
    (value) => {
      expect(configError({ NATS_URL: value })).toContain(
        'NATS_URL: expected NATS server URL(s), comma-separated, e.g. nats://127.0.0.1:4222',
      );
    },
  );

  it('reads the OTEL variables Aviary uses itself: the OTLP endpoint as a URL, the batch delay as a number', () => {
    const config = loadConfig(schema, {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_SERVICE_NAME: 'edge-gateway',
    });
    expect(config).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318',
      OTEL_BSP_SCHEDULE_DELAY: 200,
      OTEL_SERVICE_NAME: 'edge-gateway',
    });
  });

  it('counts an empty OTLP endpoint or service name as unset, as compose and kustomize write them', () => {
    const config = loadConfig(schema, { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_SERVICE_NAME: '' });
    expect(config.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(config.OTEL_SERVICE_NAME).toBeUndefined();
  });

  it('refuses an OTLP endpoint that is not an http(s) URL and a batch delay that is not a whole number', () => {
    const message = configError({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'otel-collector:4318',
      OTEL_BSP_SCHEDULE_DELAY: 'soon',
    });
    expect(message).toContain('OTEL_EXPORTER_OTLP_ENDPOINT: expected an http(s) URL');
    expect(message).toContain('OTEL_BSP_SCHEDULE_DELAY: ');
  });

  it('refuses a log level pino does not have', () => {
    expect(configError({ LOG_LEVEL: 'verbose' })).toMatch(/^ {2}LOG_LEVEL: /m);
  });
});

describe('site telemetry variables', () => {
  const site = z.object({ AVIARY_SITE: optionalSite, ...siteTelemetryEnv });

  it('defaults to no site, every request logged without payloads, summaries every 10 s', () => {
    expect(loadConfig(site, { AVIARY_SITE: '' })).toEqual({
      AVIARY_SITE: undefined,
      AVIARY_PREDICTION_LOG_SAMPLE: 1,
      AVIARY_PREDICTION_LOG_PAYLOADS: false,
      AVIARY_TELEMETRY_SUMMARY_INTERVAL: 10_000,
      AVIARY_TELEMETRY_BUFFER: 20_000,
    });
  });

  it('refuses a bad site name, sample, payload switch and interval, listing each', () => {
    expect(() =>
      loadConfig(site, {
        AVIARY_SITE: 'edge.1',
        AVIARY_PREDICTION_LOG_SAMPLE: '1.5',
        AVIARY_PREDICTION_LOG_PAYLOADS: 'yes',
        AVIARY_TELEMETRY_SUMMARY_INTERVAL: '10',
      }),
    ).toThrow(
      new RegExp(
        [
          'AVIARY_SITE: a NATS subject token',
          'AVIARY_PREDICTION_LOG_SAMPLE: .*1',
          'AVIARY_PREDICTION_LOG_PAYLOADS: expected "true" or "false"',
          'AVIARY_TELEMETRY_SUMMARY_INTERVAL: expected a duration',
        ].join('[^]*'),
      ),
    );
  });
});
