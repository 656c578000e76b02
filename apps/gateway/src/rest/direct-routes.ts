// The hot REST routes — predict, OIP (libs/rest-door's ModelRoutes, shared with the edge agent) and OFREP — served
// straight from Node's HTTP server, in front of Fastify; every other route stays on Fastify/Nest. Telemetry, error
// shapes and limits are the same as Fastify's routes have.
import {
  ModelRoutes,
  pathOf,
  RequestTelemetry,
  sendJson,
  decodeBody,
  readBody,
  decodeSegment,
} from '@aviary/rest-door';
import { createLogger } from '@aviary/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import { context } from '@opentelemetry/api';
import { FastifyServerFactory, FastifyServerOptions } from 'fastify';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';
import { InferenceService } from '../inference.service';
import { ModelCatalog } from '../model-catalog';
import { ModelRouter } from '../model-router';
import { PredictService } from '../predict.service';
import { restFailureOf } from './error.filter';
import { Ofrep, OFREP_PATH, OfrepAnswer, ofrepFailureOf } from './ofrep';

const OFREP_KEY = /^\/ofrep\/v1\/evaluate\/flags\/([^/]+)$/;

@Injectable()
export class DirectRoutes {
  private readonly telemetry = { isModel: (name: string) => this.catalog.has(name), log: createLogger('gateway') };
  private readonly models: ModelRoutes;

  constructor(
    predictions: PredictService,
    inference: InferenceService,
    router: ModelRouter,
    private readonly catalog: ModelCatalog,
    private readonly ofrep: Ofrep,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.models = new ModelRoutes({
      door: {
        check: (model, version) => inference.check(model, version),
        predict: (model, instances, version, flagContext, header) =>
          predictions.predict(model, instances, version, router.contextOf(flagContext, header)),
        infer: (command) => inference.infer(command),
        serverReady: () => inference.serverReady(),
        modelMetadata: (model, version) => inference.modelMetadata(model, version),
        modelReady: (model, version) => inference.modelReady(model, version),
      },
      limits: config,
      telemetry: this.telemetry,
      failureOf: restFailureOf,
    });
  }

  /** Serves the request and answers true when it is one of the direct routes; false leaves it to Fastify. */
  handle(request: IncomingMessage, response: ServerResponse): boolean {
    const path = pathOf(request.url);
    if (request.method === 'POST' && path.startsWith(OFREP_PATH)) {
      const key = path.length === OFREP_PATH.length ? undefined : OFREP_KEY.exec(path)?.[1];
      if (key === undefined && path.length !== OFREP_PATH.length) return false;
      void this.serveOfrep(key, request, response);
      return true;
    }
    return this.models.handle(request, response, path);
  }

  /** OFREP answers in its own shape whatever goes wrong, errors of the body included. */
  private async serveOfrep(key: string | undefined, request: IncomingMessage, response: ServerResponse) {
    const route = key === undefined ? OFREP_PATH : `${OFREP_PATH}/:key`;
    const telemetry = new RequestTelemetry(
      { method: 'POST', route, path: request.url ?? '', headers: request.headers },
      this.telemetry,
    );
    let status = 200;
    try {
      const answer = await context.with(telemetry.context, async () => {
        const bytes = await readBody(request, this.config.AVIARY_MAX_BODY_BYTES);
        // No body at all is an empty context, as OFREP's request body is optional.
        const body = bytes.length ? decodeBody(request.headers['content-type'], bytes, false, this.config) : undefined;
        const flag = key === undefined ? undefined : decodeSegment(key);
        return this.ofrep.answer({
          key: flag,
          body,
          headers: request.headers,
          client: request.socket.remoteAddress ?? '',
        });
      });
      status = answer.status;
      sendOfrep(response, answer);
    } catch (thrown) {
      const failure = restFailureOf(thrown, telemetry.traceId);
      status = failure.status;
      telemetry.failed(failure);
      sendJson(response, status, ofrepFailureOf(failure, key ?? ''));
    } finally {
      telemetry.finish(status);
    }
  }
}

/** A Fastify serverFactory: the direct routes answer first (once Nest has built them), Fastify the rest. */
export function serverWithDirectRoutes(routes: () => DirectRoutes | undefined): FastifyServerFactory {
  return (fastify, rawOptions) => {
    const options = rawOptions as ServerTimeouts; // Fastify passes its own options, defaults filled in
    const server = createServer((request, response) => {
      if (!routes()?.handle(request, response)) fastify(request, response);
    });
    // What Fastify sets on a server it creates itself and skips for a factory's. Without it Node's 5 s keep-alive
    // applies, which clients pooling for about as long (undici: 4 s) race: a reused socket closes under a request.
    server.keepAliveTimeout = options.keepAliveTimeout ?? server.keepAliveTimeout;
    server.requestTimeout = options.requestTimeout ?? server.requestTimeout;
    if (options.connectionTimeout) server.setTimeout(options.connectionTimeout);
    if (options.maxRequestsPerSocket) server.maxRequestsPerSocket = options.maxRequestsPerSocket;
    return server;
  };
}

type ServerTimeouts = Pick<
  FastifyServerOptions,
  'keepAliveTimeout' | 'requestTimeout' | 'connectionTimeout' | 'maxRequestsPerSocket'
>;

function sendOfrep(response: ServerResponse, { status, body, headers }: OfrepAnswer): void {
  if (body !== undefined) return sendJson(response, status, body, headers);
  response.writeHead(status, headers);
  response.end();
}
