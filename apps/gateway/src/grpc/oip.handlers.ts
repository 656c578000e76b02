// Open Inference Protocol over gRPC: each KServe V2 method decoded, handed to the use cases REST shares, encoded.
import {
  inferCommandFrom,
  InferParameter,
  inferResponseFrom,
  invalid,
  ModelInferRequest,
  ModelInferResponse,
  ModelMetadataResponse,
  ModelRequest,
  RequestLimits,
  requestContext,
  TARGETING_KEY_HEADER,
  TensorMetadata,
  TensorMetadataMessage,
} from '@aviary/contracts';
import { HeaderLookup } from '@aviary/flags-engine';
import { InferenceService } from '../inference.service';

export type OipUseCases = Pick<
  InferenceService,
  'serverMetadata' | 'serverReady' | 'modelMetadata' | 'modelReady' | 'knows' | 'check' | 'infer'
>;

export class OipGrpcHandlers {
  constructor(
    private readonly inference: OipUseCases,
    private readonly limits: RequestLimits,
  ) {}

  serverLive(): { live: boolean } {
    return { live: true };
  }

  async serverReady(): Promise<{ ready: boolean }> {
    return { ready: (await this.inference.serverReady()).ready };
  }

  /** An unknown model or version is NOT_FOUND; a known one that no replica serves is simply not ready. */
  async modelReady(request: ModelRequest): Promise<{ ready: boolean }> {
    return { ready: await this.inference.modelReady(modelName(request), request.version || undefined) };
  }

  serverMetadata(): { name: string; version: string; extensions: string[] } {
    return this.inference.serverMetadata();
  }

  /** The same metadata REST answers, parameters included (ModelMetadataResponse field 6, as MLServer numbers it). */
  modelMetadata(request: ModelRequest): ModelMetadataResponse {
    const { parameters = {}, ...metadata } = this.inference.modelMetadata(
      modelName(request),
      request.version || undefined,
    );
    return {
      ...metadata,
      inputs: metadata.inputs.map(tensorMetadata),
      outputs: metadata.outputs.map(tensorMetadata),
      parameters: Object.fromEntries(Object.entries(parameters).map(([key, value]) => [key, inferParameter(value)])),
    };
  }

  /** `metadata` reads the call's metadata: aviary-targeting-key and any the model's flags name are their context. */
  async modelInfer(request: ModelInferRequest, metadata: HeaderLookup): Promise<ModelInferResponse> {
    if (!request.model_name) throw invalid('model_name is required');
    this.inference.check(request.model_name, request.model_version || undefined);
    const { command, raw } = inferCommandFrom(request, this.limits);
    const context = requestContext(undefined, metadata(TARGETING_KEY_HEADER.toLowerCase()));
    return inferResponseFrom(await this.inference.infer({ ...command, context, header: metadata }), { raw });
  }
}

function modelName(request: ModelRequest): string {
  if (!request.name) throw invalid('name is required: the model to ask about');
  return request.name;
}

const tensorMetadata = (t: TensorMetadata): TensorMetadataMessage => ({
  name: t.name,
  datatype: t.datatype,
  shape: t.shape,
});

/**
 * InferParameter holds a bool, an int64 or a string: any other value (a list such as "classes", a fraction, an
 * object) travels as string_param holding its JSON text, for the client to parse.
 */
function inferParameter(value: unknown): InferParameter {
  if (typeof value === 'boolean') return { bool_param: value };
  if (typeof value === 'string') return { string_param: value };
  if (Number.isSafeInteger(value)) return { int64_param: String(value) };
  return { string_param: JSON.stringify(value) };
}
