// The edge agent's HTTP server: the shared model routes (OIP and predict, as the gateway answers them), the agent's
// update status, and health and metrics. Plain Node HTTP, no framework: the agent's whole request path is in-process.
import { restFailureOf, ModelRoutes, pathOf, sendJson } from '@aviary/rest-door';
import { Logger, metricsRegistry } from '@aviary/telemetry/core';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { EdgeConfig } from './config';
import { EdgeDoor } from './edge-door';
import { EdgeVersions } from './edge-versions';

export function edgeServer(options: {
  door: EdgeDoor;
  versions: EdgeVersions;
  config: EdgeConfig;
  log: Logger;
}): Server {
  const { door, versions, config, log } = options;
  const routes = new ModelRoutes({
    door,
    limits: config,
    telemetry: { isModel: (name) => door.knows(name), log },
    failureOf: (thrown, traceId) => restFailureOf(thrown, traceId, 'edge agent'),
  });
  const server = createServer((request, response) => {
    const path = pathOf(request.url);
    if (routes.handle(request, response, path)) return;
    void answerOther(request, response, path).catch((e: Error) => {
      log.error({ err: e, path }, 'unexpected error');
      sendJson(response, 500, { error: 'internal error; see the edge agent log' });
    });
  });
  // As Fastify sets it on the gateway: longer than clients pool idle sockets (undici: 4 s), so none closes under a
  // request.
  server.keepAliveTimeout = 72_000;

  async function answerOther(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
    if (request.method !== 'GET') return sendJson(response, 404, { error: `no route ${request.method} ${path}` });
    switch (path) {
      case '/health/live':
        return sendJson(response, 200, { live: true });
      case '/health/ready': {
        const ready = versions.ready();
        return ready.ready
          ? sendJson(response, 200, { ready: true })
          : sendJson(response, 503, { error: ready.reason ?? 'not ready' });
      }
      case '/metrics':
        response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        response.end(await metricsRegistry.metrics());
        return;
      case '/v1/edge/status':
        return sendJson(response, 200, versions.status());
      default:
        return sendJson(response, 404, { error: `no route GET ${path}` });
    }
  }
  return server;
}
