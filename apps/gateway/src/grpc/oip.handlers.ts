// Open Inference Protocol over gRPC: each KServe V2 method decoded, handed to the use cases REST shares, encoded.
import { AviaryError, invalid, TensorMetadata } from '@aviary/contracts';
import { InferenceService } from '../inference.service';
import { inferCommandFrom, inferResponseFrom } from './infer-messages';
import {
  ModelInferRequest,
  ModelInferResponse,
  ModelMetadataResponse,
  ModelRequest,
  TensorMetadataMessage,
} from './inference-proto';

export type OipUseCases = Pick<
  InferenceService,
  'serverMetadata' | 'serverReady' | 'modelMetadata' | 'modelReady' | 'infer'
>;

export class OipGrpcHandlers {
  constructor(private readonly inference: OipUseCases) {}

  serverLive(): { live: boolean } {
    return { live: true };
  }

  async serverReady(): Promise<{ ready: boolean }> {
    return { ready: (await this.inference.serverReady()).ready };
  }

  /** An unknown model or version is NOT_FOUND; a known one with no ready replica is simply not ready. */
  async modelReady(request: ModelRequest): Promise<{ ready: boolean }> {
    try {
      return { ready: await this.inference.modelReady(modelName(request), request.version || undefined) };
    } catch (error) {
      if (error instanceof AviaryError && error.code === 'UNAVAILABLE') return { ready: false };
      throw error;
    }
  }

  serverMetadata(): { name: string; version: string; extensions: string[] } {
    return this.inference.serverMetadata();
  }

  modelMetadata(request: ModelRequest): ModelMetadataResponse {
    const metadata = this.inference.modelMetadata(modelName(request), request.version || undefined);
    return { ...metadata, inputs: metadata.inputs.map(tensorMetadata), outputs: metadata.outputs.map(tensorMetadata) };
  }

  async modelInfer(request: ModelInferRequest): Promise<ModelInferResponse> {
    const { command, raw } = inferCommandFrom(request);
    return inferResponseFrom(await this.inference.infer(command), { raw });
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
