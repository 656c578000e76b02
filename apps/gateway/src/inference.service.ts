// Open Inference Protocol use cases, shared by the REST and gRPC doors: they differ only in encoding.
import { ModelManifest, Tensor, TensorMetadata } from '@aviary/contracts';
import { Injectable } from '@nestjs/common';
import { ModelCatalog } from './model-catalog';
import { ModelServices } from './model-services';

export const SERVER_NAME = 'aviary';
export const SERVER_VERSION = '0.1.0';

export interface ModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
  /** E.g. the class labels of a probability output rewritten from a ZipMap. */
  parameters?: Record<string, unknown>;
}

export interface InferCommand {
  model: string;
  version?: string;
  id?: string;
  inputs: Tensor[];
  outputs?: string[];
}

export interface InferResult {
  model: string;
  version: string;
  id?: string;
  outputs: Tensor[];
}

@Injectable()
export class InferenceService {
  constructor(
    private readonly catalog: ModelCatalog,
    private readonly services: ModelServices,
  ) {}

  serverMetadata() {
    return { name: SERVER_NAME, version: SERVER_VERSION, extensions: ['binary_tensor_data'] };
  }

  /** Ready when the services the gateway calls answer: the preprocessor and at least one inference replica. */
  async serverReady(): Promise<{ ready: boolean; reason?: string }> {
    const [preprocessor, inference] = await Promise.all([
      this.services.serviceAnswers('preprocessor'),
      this.services.serviceAnswers('inference'),
    ]);
    const missing = [!preprocessor && 'preprocessor', !inference && 'inference'].filter(Boolean);
    return missing.length ? { ready: false, reason: `no answer from ${missing.join(' and ')}` } : { ready: true };
  }

  modelMetadata(model: string, version?: string): ModelMetadata {
    const manifest = this.catalog.resolve(model, version);
    return {
      name: manifest.name,
      versions: version === undefined ? this.catalog.versions(model) : [manifest.version],
      platform: manifest.platform,
      inputs: manifest.inputs,
      outputs: manifest.outputs,
      ...(manifest.parameters && { parameters: manifest.parameters }),
    };
  }

  async modelReady(model: string, version?: string): Promise<boolean> {
    const manifest = this.catalog.resolve(model, version);
    return this.services.versionReady(manifest.name, manifest.version);
  }

  async infer(command: InferCommand): Promise<InferResult> {
    const manifest: ModelManifest = this.catalog.resolve(command.model, command.version);
    const outputs = await this.services.infer(manifest.name, manifest.version, command.inputs, command.outputs);
    return { model: manifest.name, version: manifest.version, id: command.id, outputs };
  }
}
