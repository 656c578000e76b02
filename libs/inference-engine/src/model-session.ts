// One loaded model version: an ONNX Runtime session plus the OIP view of its inputs and outputs.
import { allocate, AviaryError, elementCount, invalid, Tensor, TensorData, TensorMetadata } from '@aviary/contracts';
import type * as ort from 'onnxruntime-node';
import { datatypeFromOrt, ortTypeFor } from './datatypes';
import { checkInferRequest, ModelSignature } from './model-signature';

export interface SessionOptions {
  /** Threads for one inference; 1 keeps small models fast and leaves cores to other requests. */
  intraOpThreads?: number;
}

export class ModelSession implements ModelSignature {
  private constructor(
    private readonly runtime: typeof ort,
    private readonly session: ort.InferenceSession,
    readonly inputs: TensorMetadata[],
    readonly outputs: TensorMetadata[],
  ) {}

  /** Loads ONNX bytes; anything ONNX Runtime refuses becomes INVALID_ARGUMENT with its reason. */
  static async load(onnx: Uint8Array, options: SessionOptions = {}): Promise<ModelSession> {
    // The native runtime is loaded with the first session, not at import: the gateway imports this library for its
    // batching and tensor checks only.
    const runtime = await import('onnxruntime-node');
    let session: ort.InferenceSession;
    try {
      session = await runtime.InferenceSession.create(onnx, {
        intraOpNumThreads: options.intraOpThreads ?? 1,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
      });
    } catch (e) {
      throw invalid(`not a loadable ONNX model: ${(e as Error).message}`);
    }
    const inputs = session.inputMetadata.map((m) => tensorMetadataOf(m, 'input'));
    // Non-tensor outputs (e.g. scikit-learn's ZipMap) cannot be returned by onnxruntime-node; they are left out.
    const outputs = session.outputMetadata.filter((m) => m.isTensor).map((m) => tensorMetadataOf(m, 'output'));
    if (outputs.length === 0) throw invalid('the model has no tensor outputs that ONNX Runtime can return');
    return new ModelSession(runtime, session, inputs, outputs);
  }

  /** Runs the model; inputs are checked against the model's names, datatypes and shapes first. */
  async run(inputs: readonly Tensor[], outputNames?: readonly string[]): Promise<Tensor[]> {
    const wanted = checkInferRequest(this, inputs, outputNames);
    const feeds: Record<string, ort.Tensor> = {};
    for (const tensor of inputs) {
      feeds[tensor.name] = new this.runtime.Tensor(
        ortTypeFor(tensor.datatype) as 'float32',
        tensor.data as Float32Array,
        tensor.shape,
      );
    }
    let results: ort.InferenceSession.OnnxValueMapType;
    try {
      results = await this.session.run(feeds, wanted);
    } catch (e) {
      // ORT rejects values the shape check cannot see (e.g. an index out of range inside the graph).
      throw invalid(`the model rejected the inputs: ${(e as Error).message}`);
    }
    return wanted.map((name) => fromOrt(name, results[name] as ort.Tensor));
  }

  /** Runs once on zeros (dynamic dimensions set to 1) so the first real request does not pay for lazy init. */
  async warmUp(): Promise<void> {
    const inputs = this.inputs.map((m) => zeros(m));
    await this.run(inputs);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

function tensorMetadataOf(m: ort.InferenceSession.ValueMetadata, kind: string): TensorMetadata {
  if (!m.isTensor) throw invalid(`${kind} "${m.name}" is not a tensor; only tensor inputs are supported`);
  const datatype = datatypeFromOrt(m.type);
  if (!datatype)
    throw invalid(`${kind} "${m.name}" has element type ${m.type}, which the Open Inference Protocol cannot carry`);
  return { name: m.name, datatype, shape: m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)) };
}

function fromOrt(name: string, value: ort.Tensor): Tensor {
  const datatype = datatypeFromOrt(value.type);
  if (!datatype)
    throw new AviaryError(`output "${name}" has element type ${value.type}, which OIP cannot carry`, 'INTERNAL');
  return { name, datatype, shape: [...value.dims], data: value.data as TensorData };
}

function zeros(m: TensorMetadata): Tensor {
  const shape = m.shape.map((d) => (d < 0 ? 1 : d));
  const count = elementCount(shape);
  const data = m.datatype === 'BYTES' ? new Array<string>(count).fill('') : allocate(m.datatype, count);
  return { name: m.name, datatype: m.datatype, shape, data };
}
