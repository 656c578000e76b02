// The hot REST routes — predict, OIP infer and OFREP — served straight from Node's HTTP server, in front of Fastify.
// On Node 20 Fastify's request pipeline costs about 0.08 ms of CPU per request over plain `http` (measured with
// an empty handler), more than everything else the gateway does for a predict; every other route stays on
// Fastify/Nest. Telemetry, error shapes and limits are the same as Fastify's routes have.
import {
  binaryOutputsOf,
  checkBytesElements,
  checkRecordCount,
  checkTensorElements,
  encodeInferResponse,
  INFERENCE_HEADER,
  invalid,
  oipInferRequestSchema,
  OipInferResponse,
  parseOrThrow,
  predictRequestSchema,
  requestContext,
  splitBinaryBody,
  TARGETING_KEY_HEADER,
  tensorsFromRequest,
} from '@aviary/contracts';
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
import { decodeBody, readBody } from './http-body';
import { Ofrep, OFREP_PATH, OfrepAnswer, ofrepFailureOf } from './ofrep';
import { RequestTelemetry } from './request-telemetry';

interface RouteMatch {
  route: string;
  model: string;
  version?: string;
  acceptsBytes: boolean;
  run(call: DirectCall): Promise<Answer>;
}

interface DirectCall {
  model: string;
  version?: string;
  body: unknown;
  headers: IncomingMessage['headers'];
}

interface Answer {
  body: unknown;
  /** Set for the binary tensor data extension: the body is then raw bytes. */
  headerLength?: number;
}

const TARGETING_KEY = TARGETING_KEY_HEADER.toLowerCase();
const OFREP_KEY = /^\/ofrep\/v1\/evaluate\/flags\/([^/]+)$/;
const PREDICT = /^\/v1\/models\/([^/]+)(?:\/versions\/([^/]+))?\/predict$/;
const INFER = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?\/infer$/;

@Injectable()
export class DirectRoutes {
  private readonly isModel = (name: string) => this.catalog.has(name);

  constructor(
    private readonly predictions: PredictService,
    private readonly inference: InferenceService,
    private readonly catalog: ModelCatalog,
    private readonly router: ModelRouter,
    private readonly ofrep: Ofrep,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** Serves the request and answers true when it is one of the direct routes; false leaves it to Fastify. */
  handle(request: IncomingMessage, response: ServerResponse): boolean {
    if (request.method !== 'POST') return false;
    const url = request.url ?? '';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    if (path.startsWith(OFREP_PATH)) {
      const key = path.length === OFREP_PATH.length ? undefined : OFREP_KEY.exec(path)?.[1];
      if (key === undefined && path.length !== OFREP_PATH.length) return false;
      void this.serveOfrep(key, request, response);
      return true;
    }
    const match = this.match(path);
    if (!match) return false;
    void this.serve(match, request, response);
    return true;
  }

  private match(path: string): RouteMatch | undefined {
    const predict = PREDICT.exec(path);
    if (predict) {
      return {
        route: predict[2] === undefined ? '/v1/models/:model/predict' : '/v1/models/:model/versions/:version/predict',
        model: predict[1],
        version: predict[2],
        acceptsBytes: false,
        run: (call) => this.predict(call),
      };
    }
    const infer = INFER.exec(path);
    if (infer) {
      return {
        route: infer[2] === undefined ? '/v2/models/:model/infer' : '/v2/models/:model/versions/:version/infer',
        model: infer[1],
        version: infer[2],
        acceptsBytes: true,
        run: (call) => this.infer(call),
      };
    }
    return undefined;
  }

  private async serve(match: RouteMatch, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const telemetry = new RequestTelemetry(
      { method: 'POST', route: match.route, path: request.url ?? '', headers: request.headers, model: match.model },
      this.isModel,
    );
    let status = 200;
    try {
      const answer = await context.with(telemetry.context, async () => {
        const bytes = await readBody(request, this.config.AVIARY_MAX_BODY_BYTES);
        const model = decodeSegment(match.model);
        const version = match.version === undefined ? undefined : decodeSegment(match.version);
        // The model and version before the body's content: an unknown one is NOT_FOUND whatever the body holds,
        // as on Triton and KServe.
        this.router.check(model, version);
        const body = decodeBody(request.headers['content-type'], bytes, match.acceptsBytes, this.config);
        return match.run({ model, version, body, headers: request.headers });
      });
      sendAnswer(response, answer);
    } catch (thrown) {
      const failure = restFailureOf(thrown, telemetry.traceId);
      status = failure.status;
      telemetry.failed(failure);
      sendJson(response, status, { error: failure.message });
    } finally {
      telemetry.finish(status);
    }
  }

  /** OFREP answers in its own shape whatever goes wrong, errors of the body included. */
  private async serveOfrep(key: string | undefined, request: IncomingMessage, response: ServerResponse) {
    const route = key === undefined ? OFREP_PATH : `${OFREP_PATH}/:key`;
    const telemetry = new RequestTelemetry(
      { method: 'POST', route, path: request.url ?? '', headers: request.headers },
      this.isModel,
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

  private async predict(call: DirectCall): Promise<Answer> {
    const request = parseOrThrow(predictRequestSchema, call.body, 'predict request');
    checkRecordCount(request.instances.length, this.config);
    const context = this.router.contextOf(requestContext(request.context, call.headers[TARGETING_KEY]), (name) =>
      firstHeader(call.headers[name]),
    );
    return { body: await this.predictions.predict(call.model, request.instances, call.version, context) };
  }

  /** JSON, or the binary tensor data extension when the body arrives as application/octet-stream. */
  private async infer(call: DirectCall): Promise<Answer> {
    const headerLength = call.headers[INFERENCE_HEADER.toLowerCase()];
    const { json, tail } = Buffer.isBuffer(call.body)
      ? splitBinaryBody(call.body, Array.isArray(headerLength) ? headerLength[0] : headerLength, this.config)
      : { json: call.body, tail: undefined };
    const request = parseOrThrow(oipInferRequestSchema, json, 'inference request');
    checkTensorElements(
      request.inputs.map((i) => i.shape),
      this.config,
    );
    const inputs = tensorsFromRequest(request, tail);
    checkBytesElements(inputs, this.config);
    const result = await this.inference.infer({
      model: call.model,
      version: call.version,
      id: request.id,
      inputs,
      outputs: request.outputs?.map((o) => o.name),
      context: requestContext(undefined, call.headers[TARGETING_KEY]),
      header: (name) => firstHeader(call.headers[name]),
    });
    const head = {
      model_name: result.model,
      model_version: result.version,
      ...(result.id !== undefined && { id: result.id }),
      ...(result.variant !== undefined && { parameters: { variant: result.variant } }),
    };
    const encoded = encodeInferResponse<OipInferResponse>(head, result.outputs, binaryOutputsOf(request));
    return 'headerLength' in encoded ? { body: encoded.body, headerLength: encoded.headerLength } : { body: encoded };
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

const firstHeader = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalid(`"${segment}" in the URL is not valid percent-encoding`);
  }
}

function sendAnswer(response: ServerResponse, answer: Answer): void {
  if (answer.headerLength === undefined) return sendJson(response, 200, answer.body);
  const bytes = answer.body as Buffer;
  response.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': bytes.length,
    [INFERENCE_HEADER]: answer.headerLength,
  });
  response.end(bytes);
}

function sendOfrep(response: ServerResponse, { status, body, headers }: OfrepAnswer): void {
  if (body !== undefined) return sendJson(response, status, body, headers);
  response.writeHead(status, headers);
  response.end();
}

function sendJson(response: ServerResponse, status: number, value: unknown, headers?: Record<string, string>): void {
  const text = JSON.stringify(value);
  response.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}
