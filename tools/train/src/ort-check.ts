// Proves an exported model serves what was trained: ONNX Runtime runs the ONNX bytes on the held-out features, and
// its outputs, read through the feature spec exactly as serving reads them, must match the trainer's own answers.
import { Tensor } from '@aviary/contracts';
import {
  ClassifierPredictionSpec,
  ClassPrediction,
  classPredictions,
  FeatureSpec,
  valuePredictions,
} from '@aviary/features';
import { ModelSession } from '@aviary/inference-engine';

export interface OrtCheck {
  onnx: Uint8Array;
  spec: FeatureSpec;
  /** Row-major [N, D], as applyFeatureSpec produced them. */
  features: Float32Array;
  /** The trainer's own answers for the same rows: class probabilities row-major [N, C], or values [N]. */
  expected: Float64Array;
  tolerance: number;
}

/**
 * Returns the largest absolute difference (probability, or value); throws when it exceeds the tolerance or a label
 * disagrees.
 */
export async function checkOnnxRuntimeAgrees({ onnx, spec, features, expected, tolerance }: OrtCheck): Promise<number> {
  const width = spec.featureNames.length;
  const session = await ModelSession.load(onnx);
  let outputs: Tensor[];
  try {
    outputs = await session.run([
      { name: spec.output.name, datatype: 'FP32', shape: [features.length / width, width], data: features },
    ]);
  } finally {
    await session.release();
  }
  const worst =
    spec.prediction.task === 'regression'
      ? valuePredictions(spec.prediction, outputs).reduce(
          (most, { value }, row) => Math.max(most, Math.abs(value - expected[row])),
          0,
        )
      : worstClassDifference(spec.prediction, classPredictions(spec.prediction, outputs), expected, tolerance);
  if (!(worst <= tolerance))
    throw new Error(`ONNX Runtime and the trainer disagree by up to ${worst} (tolerance ${tolerance})`);
  return worst;
}

function worstClassDifference(
  { classes }: ClassifierPredictionSpec,
  predictions: readonly ClassPrediction[],
  expected: Float64Array,
  tolerance: number,
): number {
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
  return worst;
}
