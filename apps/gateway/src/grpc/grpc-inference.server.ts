// The gateway's gRPC door: KServe V2 GRPCInferenceService on AVIARY_HOST:AVIARY_GRPC_PORT.
import { invalid, ModelInferRequest, ModelRequest, SERVICE_NAME } from '@aviary/contracts';
import { createLogger } from '@aviary/telemetry';
import {
  handleUnaryCall,
  Metadata,
  Server,
  ServerCredentials,
  ServiceDefinition,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Server as HttpServer } from 'node:http';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';
import { InferenceService } from '../inference.service';
import { observeCall } from './call-telemetry';
import { GrpcFailure } from './grpc-status';
import { loadInferenceProto } from './inference-proto';
import { OipGrpcHandlers, OipUseCases } from './oip.handlers';

const log = createLogger('gateway');

/** In-flight calls get the request timeout plus a margin to finish before they are cut. */
const SHUTDOWN_MARGIN_MS = 1000;

@Injectable()
export class GrpcInferenceServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly handlers: OipGrpcHandlers;
  private server?: Server;
  private starting?: Promise<number>;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(InferenceService) private readonly inference: OipUseCases,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.handlers = new OipGrpcHandlers(inference, config);
  }

  onApplicationBootstrap(): void {
    // Opens with the REST port, once every provider has bootstrapped: until then the model catalog is
    // still loading and a call could not resolve its model. Bootstrap hooks of one module run concurrently.
    const http = this.adapterHost.httpAdapter.getHttpServer() as HttpServer;
    http.once('listening', () => {
      this.start().catch((error: Error) => {
        // Same outcome as any start-up failure (runService): a gateway without its gRPC door must not look healthy.
        log.fatal({ err: error }, `gateway failed to start its gRPC server: ${error.message}`);
        process.exit(1);
      });
    });
  }

  /** Binds and serves; resolves with the bound port (useful with AVIARY_GRPC_PORT=0). */
  start(): Promise<number> {
    this.starting ??= this.bind();
    return this.starting;
  }

  /** Stops taking calls, lets in-flight ones finish (bounded), then closes; runs while NATS is still up. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  async stop(): Promise<void> {
    if (!this.starting) return;
    await this.starting.catch(() => undefined);
    const server = this.server;
    this.server = undefined;
    this.starting = undefined;
    if (!server) return;
    const graceMs = this.config.AVIARY_REQUEST_TIMEOUT_MS + SHUTDOWN_MARGIN_MS;
    await new Promise<void>((resolve) => {
      const deadline = setTimeout(() => {
        log.warn({ graceMs }, 'gRPC calls still running at shutdown; cancelling them');
        server.forceShutdown();
        resolve();
      }, graceMs);
      server.tryShutdown(() => {
        clearTimeout(deadline);
        resolve();
      });
    });
  }

  private async bind(): Promise<number> {
    const { AVIARY_HOST: host, AVIARY_GRPC_PORT: requested, AVIARY_MAX_BODY_BYTES: maxBytes } = this.config;
    const server = new Server({ 'grpc.max_receive_message_length': maxBytes });
    server.addService(
      withTolerantDecoding(loadInferenceProto()[SERVICE_NAME] as ServiceDefinition),
      this.implementation(),
    );
    const address = host.includes(':') ? `[${host}]:${requested}` : `${host}:${requested}`;
    try {
      const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync(address, ServerCredentials.createInsecure(), (error, bound) =>
          error ? reject(error) : resolve(bound),
        ),
      );
      this.server = server;
      log.info({ host, port }, 'gRPC listening');
      return port;
    } catch (error) {
      server.forceShutdown();
      throw new Error(`cannot listen on ${address} (AVIARY_HOST, AVIARY_GRPC_PORT): ${(error as Error).message}`);
    }
  }

  private implementation(): UntypedServiceImplementation {
    const h = this.handlers;
    const noModel = () => '';
    // A metric label only for registered models: a made-up name in a call must not mint a new metric series.
    const label = (name: string) => (this.inference.knows(name) ? name : '');
    return {
      ServerLive: unary('ServerLive', noModel, () => h.serverLive()),
      ServerReady: unary('ServerReady', noModel, () => h.serverReady()),
      ModelReady: unary(
        'ModelReady',
        (r: ModelRequest) => label(r.name),
        (r) => h.modelReady(r),
      ),
      ServerMetadata: unary('ServerMetadata', noModel, () => h.serverMetadata()),
      ModelMetadata: unary(
        'ModelMetadata',
        (r: ModelRequest) => label(r.name),
        (r) => h.modelMetadata(r),
      ),
      ModelInfer: unary(
        'ModelInfer',
        (r: ModelInferRequest) => label(r.model_name),
        (r, metadata) => h.modelInfer(r, (name) => metadataText(metadata, name)),
      ),
    };
  }
}

function unary<Request>(
  method: string,
  modelOf: (request: Request) => string,
  handle: (request: Request, metadata: Metadata) => unknown,
): handleUnaryCall<Request, unknown> {
  return (call, callback) => {
    const undecodable = UNDECODABLE in (call.request as object);
    const model = undecodable ? '' : modelOf(call.request);
    const observed = { service: SERVICE_NAME, method, model, metadata: call.metadata };
    void observeCall(observed, () => {
      if (undecodable) throw invalid(`the ${method} request is not a valid protobuf message of its type`);
      return handle(call.request, call.metadata);
    }).then(
      (response) => callback(null, response),
      (failure: GrpcFailure) => callback(failure),
    );
  };
}

const UNDECODABLE = Symbol('undecodable');

function metadataText(metadata: Metadata, key: string): string | undefined {
  const [value] = metadata.get(key.toLowerCase());
  return typeof value === 'string' ? value : undefined;
}

/**
 * grpc-js answers a request that does not decode with INTERNAL, as if the server had failed: each method's decoder
 * here hands the handler a marker instead, so the caller gets INVALID_ARGUMENT. The decoder's own message stays out
 * of it: protobufjs can fail with a TypeError of its internals.
 */
function withTolerantDecoding(service: ServiceDefinition): ServiceDefinition {
  return Object.fromEntries(
    Object.entries(service).map(([name, method]) => [
      name,
      {
        ...method,
        requestDeserialize: (bytes: Buffer): unknown => {
          try {
            return method.requestDeserialize(bytes);
          } catch {
            return { [UNDECODABLE]: true };
          }
        },
      },
    ]),
  );
}
