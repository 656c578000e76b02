// Proves an exported model serves what was trained: ONNX Runtime runs the ONNX bytes on the held-out features, and
// its outputs, read through the feature spec exactly as serving reads them, must match the trainer's probabilities.
import { Tensor } from '@aviary/contracts';
import { FeatureSpec, interpretOutputs } from '@aviary/features';
import * as ort from 'onnxruntime-node';

export interface OrtCheck {
  onnx: Uint8Array;
  spec: FeatureSpec;
  /** Row-major [N, D], as applyFeatureSpec produced them. */
  features: Float32Array;
  /** The trainer's own probabilities for the same rows, row-major [N, C]. */
  expected: Float64Array;
  tolerance: number;
}

/** Returns the largest absolute probability difference; throws when it exceeds the tolerance or a label disagrees. */
export async function checkOnnxRuntimeAgrees({ onnx, spec, features, expected, tolerance }: OrtCheck): Promise<number> {
  const { classes, labelOutput, probabilityOutput } = spec.prediction;
  const width = spec.featureNames.length;
  const rows = features.length / width;
  const session = await ort.InferenceSession.create(onnx);
  let results: ort.InferenceSession.OnnxValueMapType;
  try {
    results = await session.run({ [spec.output.name]: new ort.Tensor('float32', features, [rows, width]) });
  } finally {
    await session.release();
  }
  const outputs: Tensor[] = [
    {
      name: probabilityOutput,
      datatype: 'FP32',
      shape: [...results[probabilityOutput].dims],
      data: results[probabilityOutput].data as Float32Array,
    },
    {
      name: labelOutput,
      datatype: 'INT64',
      shape: [...results[labelOutput].dims],
      data: results[labelOutput].data as BigInt64Array,
    },
  ];
  const predictions = interpretOutputs(spec, outputs);
  let worst = 0;
  predictions.forEach((prediction, row) => {
    const own = expected.subarray(row * classes.length, (row + 1) * classes.length);
    classes.forEach((name, k) => {
      worst = Math.max(worst, Math.abs(prediction.probabilities[name] - own[k]));
    });
    const ownBest = own.indexOf(Math.max(...own));
    const runnerUp = Math.max(...own.filter((_, k) => k !== ownBest));
    // Only a near-tie may flip the label between float32 and float64 arithmetic.
    if (prediction.label !== classes[ownBest] && own[ownBest] - runnerUp > tolerance) {
      throw new Error(`row ${row}: ONNX Runtime predicts "${prediction.label}", the trainer "${classes[ownBest]}"`);
    }
  });
  if (!(worst <= tolerance))
    throw new Error(`ONNX Runtime and the trainer disagree by up to ${worst} (tolerance ${tolerance})`);
  return worst;
}
