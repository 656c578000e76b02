// The preprocessor's calls to inference. Versions asked together (a rollout's arms) go in one infer-versions
// message; a version the replica that took it does not hold, or every version when no replica serves that subject
// (inference from before it, during a rolling upgrade), is asked on its own subject, as a lone version always is.
import { AviaryError, decodeVersionParts, encodeVersionParts, subjects } from '@aviary/contracts';
import { NatsRpc, NoResponders } from '@aviary/messaging';
import { Inject, Injectable } from '@nestjs/common';
import { PREPROCESSOR_CONFIG, PreprocessorConfig } from './config';

export interface InferCall {
  version: string;
  /** The version's input tensors, encoded (encodeTensors). */
  inputs: Uint8Array;
}

@Injectable()
export class VersionInference {
  constructor(
    private readonly rpc: NatsRpc,
    @Inject(PREPROCESSOR_CONFIG) private readonly config: Pick<PreprocessorConfig, 'AVIARY_REQUEST_TIMEOUT_MS'>,
  ) {}

  /** One reply (a tensor envelope) per call, in order, each settling on its own: a version's failure is its own. */
  inferAll(model: string, calls: readonly InferCall[]): Promise<Uint8Array>[] {
    if (calls.length === 1) return [this.infer(model, calls[0])];
    const shared = this.request(
      subjects.inferVersions(model),
      encodeVersionParts(calls.map((c) => ({ version: c.version, body: c.inputs }))),
    ).then((reply) => {
      const parts = decodeVersionParts(reply);
      if (parts.length !== calls.length)
        throw new AviaryError(`inference answered ${parts.length} versions for ${calls.length}`, 'INTERNAL');
      return parts;
    });
    return calls.map((call, i) =>
      shared.then(
        (parts) => {
          const part = parts[i];
          if ('body' in part) return part.body;
          if ('error' in part)
            throw versionFault(model, call.version, new AviaryError(part.error.message, part.error.code));
          return this.infer(model, call);
        },
        (failure: unknown) => {
          if (failure instanceof NoResponders) return this.infer(model, call);
          throw versionFault(model, call.version, failure);
        },
      ),
    );
  }

  /** One version on its own subject, which only replicas with it warm serve (no-responders: UNAVAILABLE at once). */
  infer(model: string, { version, inputs }: InferCall): Promise<Uint8Array> {
    return this.request(subjects.infer(model, version), inputs).catch((failure: unknown) => {
      throw versionFault(model, version, failure);
    });
  }

  private request(subject: string, body: Uint8Array): Promise<Uint8Array> {
    return this.rpc.request(subject, body, { timeoutMs: this.config.AVIARY_REQUEST_TIMEOUT_MS });
  }
}

/**
 * The records passed the version's own feature spec, so a model that rejects the tensors built from them is the
 * version's fault (a server error, which rollout analysis counts), not the caller's.
 */
function versionFault(model: string, version: string, failure: unknown): unknown {
  return failure instanceof AviaryError && failure.code === 'INVALID_ARGUMENT'
    ? new AviaryError(`${model} version ${version} failed on valid records: ${failure.message}`, 'INTERNAL')
    : failure;
}
