// Process lifecycle shared by every service: tracing before Nest, Fastify HTTP, graceful SIGTERM/SIGINT.
// Nest's core and its Fastify adapter load when a service starts, not when this library is imported: the edge agent
// uses the library without Nest, and those two cost it about a second of cold start on a busy 2-core machine.
import type { DynamicModule, Type } from '@nestjs/common';
import type { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError } from '@aviary/contracts';
import { LevelWithSilent } from 'pino';
import { createLogger, Logger, setLogLevel } from './logger';
import { initMetrics } from './metrics';
import { startTracing, TracingConfig } from './tracing';

export interface ServiceDefinition {
  /** The app's validated configuration; its LOG_LEVEL and OTEL_* variables set up logging and tracing. */
  config: TracingConfig & { LOG_LEVEL: LevelWithSilent };
  module: Type<unknown> | DynamicModule;
  port: number;
  host: string;
  /** Fastify options, e.g. bodyLimit for the gateway. */
  fastify?: ConstructorParameters<typeof FastifyAdapter>[0];
  /** Runs after the app is created and before it listens (extra servers, hooks). */
  configure?: (app: NestFastifyApplication, log: Logger) => Promise<void> | void;
}

/**
 * Starts a service; `define` reads its configuration, so a bad variable ends the process with one clear
 * message instead of a stack trace.
 */
export function runService(name: string, define: () => ServiceDefinition): void {
  const log = createLogger(name);
  start(name, define, log).catch((e: Error) => {
    if (e instanceof ConfigError) log.fatal(`${name} failed to start: ${e.message}`);
    else log.fatal({ err: e }, `${name} failed to start`);
    process.exit(1);
  });
}

async function start(name: string, define: () => ServiceDefinition, log: Logger): Promise<void> {
  const definition = { name, ...define() };
  setLogLevel(definition.config.LOG_LEVEL);
  const tracing = startTracing(name, definition.config);
  initMetrics(name);
  const [{ NestFactory }, { FastifyAdapter }] = await Promise.all([
    import('@nestjs/core'),
    import('@nestjs/platform-fastify'),
  ]);
  const app = await NestFactory.create<NestFastifyApplication>(
    definition.module,
    new FastifyAdapter(definition.fastify),
    {
      logger: ['error', 'warn'],
    },
  );
  await definition.configure?.(app, log);
  await app.listen(definition.port, definition.host);
  log.info({ port: definition.port, host: definition.host }, `${definition.name} listening`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, `${definition.name} draining`);
    // app.close() runs the shutdown hooks: NATS subscriptions drain and in-flight requests finish first.
    await app.close().catch((e: Error) => log.error({ err: e }, 'shutdown failed'));
    await tracing.shutdown().catch(() => undefined);
    log.info(`${definition.name} stopped`);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
