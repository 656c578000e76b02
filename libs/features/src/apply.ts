// Replays a FeatureSpec on raw records: the one code path that turns records into model inputs, online and in batch.
import { invalid, Tensor, TensorMetadata } from '@aviary/contracts';
import { compileEncoder, Encoder, encoderWidth } from './encoders';
import { RecordReader } from './record-reader';
import type { FeatureSpec } from './spec';

/** A spec with its lookups built once; reuse it for every request. */
export interface CompiledFeatureSpec {
  readonly spec: FeatureSpec;
  /** Number of columns D of the output tensor. */
  readonly width: number;
  /** Validates every record strictly and returns the model's input tensor, FP32 [N, D]. */
  apply(records: readonly unknown[]): Tensor[];
}

export function compileFeatureSpec(spec: FeatureSpec): CompiledFeatureSpec {
  const reader = new RecordReader(spec.inputs, { rejectUnknown: true });
  const inputIndex = new Map(spec.inputs.map((input, i) => [input.name, i]));
  let width = 0;
  const encoders: Encoder[] = spec.transforms.map((t) => {
    const index = inputIndex.get(t.input) as number;
    const placement = { inputIndex: index, input: spec.inputs[index], column: width };
    width += encoderWidth(t, spec.inputs[index]);
    return compileEncoder(t, placement);
  });
  const encoderCount = encoders.length;

  return {
    spec,
    width,
    apply(records) {
      if (!Array.isArray(records) || records.length === 0)
        throw invalid('records must be a non-empty array of objects');
      const rows = records.length;
      const out = new Float32Array(rows * width);
      for (let row = 0; row < rows; row++) {
        reader.read(records[row], row);
        const base = row * width;
        for (let e = 0; e < encoderCount; e++) encoders[e](reader.values, out, base);
      }
      return [{ name: spec.output.name, datatype: 'FP32', shape: [rows, width], data: out }];
    },
  };
}

const compiled = new WeakMap<FeatureSpec, CompiledFeatureSpec>();

/** compileFeatureSpec + apply, compiling each spec object once (cached while the spec object lives). */
export function applyFeatureSpec(spec: FeatureSpec, records: readonly unknown[]): Tensor[] {
  let pipeline = compiled.get(spec);
  if (!pipeline) {
    pipeline = compileFeatureSpec(spec);
    compiled.set(spec, pipeline);
  }
  return pipeline.apply(records);
}

/** The model inputs a spec produces, for checking a spec against a model's declared inputs. */
export function featureTensorMetadata(spec: FeatureSpec): TensorMetadata[] {
  return [{ name: spec.output.name, datatype: 'FP32', shape: [-1, spec.featureNames.length] }];
}
