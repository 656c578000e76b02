// Multinomial logistic (softmax) regression with L2, trained by mini-batch Adam on a seeded shuffle. A binary model
// pins class 0's logit to zero, which makes it exactly logistic regression: softmax([0, z]) = [1 - σ(z), σ(z)].
import { mulberry32, shuffleInPlace } from '@aviary/evaluation';

/** A trained model as it is exported: float32 parameters, logits = x · weights + bias. */
export interface LinearClassifier {
  /** Feature count D. */
  inputs: number;
  /** Class count C. */
  classes: number;
  /** Row-major [D, C]. */
  weights: Float32Array;
  bias: Float32Array;
}

export interface TrainingOptions {
  epochs: number;
  batchSize: number;
  /** Peak Adam step size; it decays to zero along a cosine over the run. */
  learningRate: number;
  /** L2 penalty on the weights (not the bias), added to the mean log-loss as l2/2 · |W|². */
  l2: number;
  /** Seeds the per-epoch shuffles. */
  seed: number;
}

export interface TrainingSet {
  /** Row-major [N, D]. */
  features: Float32Array;
  /** Class index per row. */
  labels: Int32Array;
  inputs: number;
  classes: number;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

export function trainLinearClassifier(data: TrainingSet, options: TrainingOptions): LinearClassifier {
  const { features: x, labels: y, inputs: d, classes: c } = data;
  const rows = y.length;
  // Binary: class 0 is the reference class whose parameters stay zero.
  const firstFree = c === 2 ? 1 : 0;
  const params = new Float64Array(d * c + c);
  const biasAt = d * c;
  const grad = new Float64Array(params.length);
  const m = new Float64Array(params.length);
  const v = new Float64Array(params.length);
  const logits = new Float64Array(c);
  const order = Array.from({ length: rows }, (_, i) => i);
  const random = mulberry32(options.seed);
  const totalSteps = options.epochs * Math.ceil(rows / options.batchSize);
  let step = 0;

  for (let epoch = 0; epoch < options.epochs; epoch++) {
    shuffleInPlace(order, random);
    for (let start = 0; start < rows; start += options.batchSize) {
      const end = Math.min(rows, start + options.batchSize);
      grad.fill(0);
      for (let b = start; b < end; b++) {
        const row = order[b];
        const xo = row * d;
        softmaxRow(params, x, xo, d, c, biasAt, logits);
        for (let k = firstFree; k < c; k++) {
          const g = logits[k] - (y[row] === k ? 1 : 0);
          if (g === 0) continue;
          for (let j = 0; j < d; j++) grad[j * c + k] += x[xo + j] * g;
          grad[biasAt + k] += g;
        }
      }
      const scale = 1 / (end - start);
      step++;
      const rate = 0.5 * options.learningRate * (1 + Math.cos((Math.PI * (step - 1)) / totalSteps));
      const correction1 = 1 - BETA1 ** step;
      const correction2 = 1 - BETA2 ** step;
      for (let p = 0; p < params.length; p++) {
        const k = p < biasAt ? p % c : p - biasAt;
        if (k < firstFree) continue;
        const g = grad[p] * scale + (p < biasAt ? options.l2 * params[p] : 0);
        m[p] = BETA1 * m[p] + (1 - BETA1) * g;
        v[p] = BETA2 * v[p] + (1 - BETA2) * g * g;
        params[p] -= (rate * (m[p] / correction1)) / (Math.sqrt(v[p] / correction2) + EPSILON);
      }
    }
  }
  // The exported model is float32; round here so every metric is computed on exactly what ships.
  return {
    inputs: d,
    classes: c,
    weights: Float32Array.from(params.subarray(0, biasAt)),
    bias: Float32Array.from(params.subarray(biasAt)),
  };
}

/** Class probabilities, row-major [N, C], computed in float64 from the float32 parameters. */
export function predictProbabilities(model: LinearClassifier, features: Float32Array): Float64Array {
  const { inputs: d, classes: c } = model;
  const rows = features.length / d;
  const params = new Float64Array(d * c + c);
  params.set(model.weights);
  params.set(model.bias, d * c);
  const out = new Float64Array(rows * c);
  const probabilities = new Float64Array(c);
  for (let row = 0; row < rows; row++) {
    softmaxRow(params, features, row * d, d, c, d * c, probabilities);
    out.set(probabilities, row * c);
  }
  return out;
}

/** Writes softmax(x_row · W + b) into `out`; params hold W row-major [D, C] then b. */
function softmaxRow(
  params: Float64Array,
  x: Float32Array,
  xo: number,
  d: number,
  c: number,
  biasAt: number,
  out: Float64Array,
): void {
  let max = -Infinity;
  for (let k = 0; k < c; k++) {
    let z = params[biasAt + k];
    for (let j = 0; j < d; j++) z += x[xo + j] * params[j * c + k];
    out[k] = z;
    if (z > max) max = z;
  }
  let sum = 0;
  for (let k = 0; k < c; k++) {
    out[k] = Math.exp(out[k] - max);
    sum += out[k];
  }
  for (let k = 0; k < c; k++) out[k] /= sum;
}
