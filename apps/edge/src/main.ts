// edge: the single-process edge agent. Preprocessing, flags and ONNX Runtime in-process behind the gateway's REST
// API, from a bundle directory (offline) or the local leaf nats-server's mirrored buckets, with health-gated
// updates. No Nest: the agent has no module graph worth its start-up cost (see README, "Edge agent").
import { AviaryError, ConfigError } from '@aviary/contracts';
import { NO_PREDICTION_LOG, SiteTelemetry } from '@aviary/site-telemetry';
import { createLogger, initMetrics, setLogLevel, startTracing } from '@aviary/telemetry/core';
import { openBundle } from './bundle-source';
import { loadEdgeConfig } from './config';
import { EdgeDoor } from './edge-door';
import { EdgeVersions } from './edge-versions';
import { edgeServer } from './server';
import { smokeRecordsIn } from './smoke-records';

const log = createLogger('edge');

async function main(): Promise<void> {
  const config = loadEdgeConfig();
  setLogLevel(config.LOG_LEVEL);
  const tracing = startTracing('edge', config);
  initMetrics('edge');
  // The NATS client loads only for a site that has one: a bundle's cold start skips it.
  const source = config.AVIARY_EDGE_BUNDLE
    ? openBundle(config.AVIARY_EDGE_BUNDLE, log)
    : await (await import('./leaf-source')).openLeaf({ natsUrl: config.NATS_URL, site: config.AVIARY_SITE, log });
  const siteTelemetry = source.telemetry
    ? new SiteTelemetry({
        site: config.AVIARY_SITE,
        publish: source.telemetry,
        log,
        sample: config.AVIARY_PREDICTION_LOG_SAMPLE,
        payloads: config.AVIARY_PREDICTION_LOG_PAYLOADS,
        summaryIntervalMs: config.AVIARY_TELEMETRY_SUMMARY_INTERVAL,
        capacity: config.AVIARY_TELEMETRY_BUFFER,
      })
    : undefined;
  const versions = new EdgeVersions({
    source,
    log,
    policy: {
      durationMs: config.AVIARY_EDGE_PROBATION,
      maxErrorRate: config.AVIARY_EDGE_ROLLBACK_ERROR_RATE,
      minRequests: config.AVIARY_EDGE_ROLLBACK_MIN_REQUESTS,
    },
    minAccuracy: config.AVIARY_EDGE_SMOKE_MIN_ACCURACY,
    smokeRecords: smokeRecordsIn(config.AVIARY_EDGE_SMOKE_DIR),
    report: siteTelemetry ? (event) => siteTelemetry.report(event) : undefined,
  });
  const door = new EdgeDoor(source, versions, config, siteTelemetry ?? NO_PREDICTION_LOG);
  const server = edgeServer({ door, versions, config, log });
  // Listening first: /health/live answers while the versions load, /health/ready once they have.
  await new Promise<void>((resolve) => server.listen(config.AVIARY_HTTP_PORT, config.AVIARY_HOST, resolve));
  log.info(
    { port: config.AVIARY_HTTP_PORT, host: config.AVIARY_HOST, from: config.AVIARY_EDGE_BUNDLE ?? config.NATS_URL },
    'edge listening',
  );
  await versions.start();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'edge draining');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
    await siteTelemetry?.close();
    await source.close();
    await versions.close();
    await tracing.shutdown().catch(() => undefined);
    log.info('edge stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((e: Error) => {
  // A bad variable or a refused bundle: the message says what is wrong; a stack would only hide it.
  if (e instanceof ConfigError || e instanceof AviaryError) log.fatal(`edge failed to start: ${e.message}`);
  else log.fatal({ err: e }, `edge failed to start: ${e.message}`);
  process.exit(1);
});
