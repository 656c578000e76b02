// The model routes of the REST API — OIP (/v2 health, metadata, infer) and predict (/v1/models/{m}/predict) —
// served straight from Node's HTTP server, in front of any framework: on Node 20 Fastify's request pipeline costs
// about 0.08 ms of CPU per request over plain `http` (measured with an empty handler), more than everything else a
// predict costs. The gateway and the edge agent both serve these, each through its own ModelDoor, so request,
// response and error shapes cannot drift apart.
import {
  binaryOutputsOf,
  checkBytesElements,
  checkRecordCount,
  checkTensorElements,
  encodeInferResponse,
  InferCommand,
  InferResult,
  INFERENCE_HEADER,
  invalid,
  oipInferRequestSchema,
  OipInferResponse,
  parseOrThrow,
  predictRequestSchema,
  PredictResponse,
  RequestContext,
  RequestLimits,
  requestContext,
  splitBinaryBody,
  TARGETING_KEY_HEADER,
  TensorMetadata,
  tensorsFromRequest,
} from '@aviary/contracts';
import { context } from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeBody, readBody } from './http-body';
import { RequestTelemetry, TelemetryScope } from './request-telemetry';
import type { RestFailure } from './rest-failure';
import { Answer, sendAnswer, sendJson } from './send';

/** What GET /v2 answers, on every door. */
export const SERVER_METADATA = { name: 'aviary', version: '0.1.0', extensions: ['binary_tensor_data'] };

export interface ModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
  /** E.g. the class labels of a probability output rewritten from a ZipMap. */
  parameters?: Record<string, unknown>;
}

/** What serves the model routes: the gateway over NATS, the edge agent in-process. */
export interface ModelDoor {
  /** An unknown model or explicit version is NOT_FOUND: checked before the body is decoded, as on Triton and KServe. */
  check(model: string, version?: string): void;
  predict(
    model: string,
    instances: unknown[],
    version: string | undefined,
    context: RequestContext,
    /** The request's headers by lower-case name, for flags whose rules read one (`$header.<name>`). */
    header: (name: string) => string | undefined,
  ): Promise<PredictResponse>;
  infer(command: InferCommand): Promise<InferResult>;
  serverReady(): Promise<{ ready: boolean; reason?: string }>;
  modelMetadata(model: string, version?: string): ModelMetadata;
  modelReady(model: string, version?: string): Promise<boolean>;
}

export interface ModelRoutesOptions {
  door: ModelDoor;
  limits: RequestLimits & { AVIARY_MAX_BODY_BYTES: number };
  telemetry: TelemetryScope;
  failureOf(thrown: unknown, traceId: string): RestFailure;
}

interface RouteMatch {
  route: string;
  model?: string;
  version?: string;
  run(call: RouteCall): Promise<Answer | Reply>;
  /** POST routes read a body; `bytes` also takes the binary tensor data extension. */
  body?: 'json' | 'bytes';
}

interface RouteCall {
  model: string;
  version?: string;
  body: unknown;
  headers: IncomingMessage['headers'];
}

/** An answer with a status other than 200 (OIP readiness). */
interface Reply {
  status: number;
  body: unknown;
}

const TARGETING_KEY = TARGETING_KEY_HEADER.toLowerCase();
const PREDICT = /^\/v1\/models\/([^/]+)(?:\/versions\/([^/]+))?\/predict$/;
const INFER = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?\/infer$/;
const MODEL = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/ready)?$/;

export class ModelRoutes {
  private readonly door: ModelDoor;

  constructor(private readonly options: ModelRoutesOptions) {
    this.door = options.door;
  }

  /** Serves the request and answers true when it is one of the model routes; false leaves it to the caller. */
  handle(request: IncomingMessage, response: ServerResponse, path: string): boolean {
    const match = request.method === 'POST' ? this.matchPost(path) : request.method === 'GET' && this.matchGet(path);
    if (!match) return false;
    void this.serve(match, request, response);
    return true;
  }

  private matchPost(path: string): RouteMatch | undefined {
    const predict = PREDICT.exec(path);
    if (predict) {
      return {
        route: predict[2] === undefined ? '/v1/models/:model/predict' : '/v1/models/:model/versions/:version/predict',
        model: predict[1],
        version: predict[2],
        body: 'json',
        run: (call) => this.predict(call),
      };
    }
    const infer = INFER.exec(path);
    if (infer) {
      return {
        route: infer[2] === undefined ? '/v2/models/:model/infer' : '/v2/models/:model/versions/:version/infer',
        model: infer[1],
        version: infer[2],
        body: 'bytes',
        run: (call) => this.infer(call),
      };
    }
    return undefined;
  }

  private matchGet(path: string): RouteMatch | undefined {
    if (path === '/v2') return { route: '/v2', run: async () => ({ body: SERVER_METADATA }) };
    if (path === '/v2/health/live') return { route: '/v2/health/live', run: async () => ({ body: { live: true } }) };
    if (path === '/v2/health/ready') {
      return {
        route: '/v2/health/ready',
        run: async () => {
          const result = await this.door.serverReady();
          return result.ready ? { body: { ready: true } } : { status: 503, body: { error: result.reason } };
        },
      };
    }
    const model = MODEL.exec(path);
    if (!model) return undefined;
    const [, name, version, ready] = model;
    const route = `/v2/models/:model${version === undefined ? '' : '/versions/:version'}${ready ?? ''}`;
    return {
      route,
      model: name,
      version,
      run: async (call) => {
        if (!ready) return { body: this.door.modelMetadata(call.model, call.version) };
        // OIP carries readiness in the status code too: 4xx (as Triton answers, 400) for a known model not ready.
        const isReady = await this.door.modelReady(call.model, call.version);
        return { status: isReady ? 200 : 400, body: { name: call.model, ready: isReady } };
      },
    };
  }

  private async serve(match: RouteMatch, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const telemetry = new RequestTelemetry(
      {
        method: request.method ?? '',
        route: match.route,
        path: request.url ?? '',
        headers: request.headers,
        model: match.model,
      },
      this.options.telemetry,
    );
    let status = 200;
    try {
      const answer = await context.with(telemetry.context, async () => {
        const bytes = match.body && (await readBody(request, this.options.limits.AVIARY_MAX_BODY_BYTES));
        const model = match.model === undefined ? '' : decodeSegment(match.model);
        const version = match.version === undefined ? undefined : decodeSegment(match.version);
        if (bytes) this.door.check(model, version);
        const body =
          bytes && decodeBody(request.headers['content-type'], bytes, match.body === 'bytes', this.options.limits);
        return match.run({ model, version, body, headers: request.headers });
      });
      if ('status' in answer) {
        status = answer.status;
        sendJson(response, status, answer.body);
      } else sendAnswer(response, answer);
    } catch (thrown) {
      const failure = this.options.failureOf(thrown, telemetry.traceId);
      status = failure.status;
      telemetry.failed(failure);
      sendJson(response, status, { error: failure.message });
    } finally {
      telemetry.finish(status);
    }
  }

  private async predict(call: RouteCall): Promise<Answer> {
    const request = parseOrThrow(predictRequestSchema, call.body, 'predict request');
    checkRecordCount(request.instances.length, this.options.limits);
    const context = requestContext(request.context, call.headers[TARGETING_KEY]);
    const header = (name: string) => firstHeader(call.headers[name]);
    return { body: await this.door.predict(call.model, request.instances, call.version, context, header) };
  }

  /** JSON, or the binary tensor data extension when the body arrives as application/octet-stream. */
  private async infer(call: RouteCall): Promise<Answer> {
    const limits = this.options.limits;
    const headerLength = call.headers[INFERENCE_HEADER.toLowerCase()];
    const { json, tail } = Buffer.isBuffer(call.body)
      ? splitBinaryBody(call.body, firstHeader(headerLength), limits)
      : { json: call.body, tail: undefined };
    const request = parseOrThrow(oipInferRequestSchema, json, 'inference request');
    checkTensorElements(
      request.inputs.map((i) => i.shape),
      limits,
    );
    const inputs = tensorsFromRequest(request, tail);
    checkBytesElements(inputs, limits);
    const result = await this.door.infer({
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

/** The path of a request URL, without its query. */
export function pathOf(url: string | undefined): string {
  const path = url ?? '';
  const query = path.indexOf('?');
  return query < 0 ? path : path.slice(0, query);
}

export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalid(`"${segment}" in the URL is not valid percent-encoding`);
  }
}

const firstHeader = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
