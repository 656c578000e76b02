// Linear least squares with a small L2 (ridge) penalty, solved in closed form: the normal equations in float64,
// by Gaussian elimination with partial pivoting. No randomness, so the same rows always give the same parameters.

/** A trained model as it is exported: float32 parameters, value = x · weights + bias. */
export interface LinearRegressor {
  /** Feature count D. */
  inputs: number;
  /** [D]. */
  weights: Float32Array;
  bias: number;
}

export interface RidgeOptions {
  /** L2 penalty on the weights (not the bias), added to the mean squared error as l2 · |w|². */
  l2: number;
}

export interface RegressionSet {
  /** Row-major [N, D]. */
  features: Float32Array;
  targets: Float64Array;
  inputs: number;
}

export function trainLinearRegressor(data: RegressionSet, options: RidgeOptions): LinearRegressor {
  const { features: x, targets: y, inputs: d } = data;
  const rows = y.length;
  // Unknowns: w[0..d-1], then the bias; system (XᵀX/n + l2·I) w + (Xᵀ1/n) b = Xᵀy/n and (1ᵀX/n) w + b = mean(y).
  const size = d + 1;
  const a = new Float64Array(size * size);
  const rhs = new Float64Array(size);
  const row = new Float64Array(size);
  row[d] = 1;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < d; j++) row[j] = x[r * d + j];
    for (let i = 0; i < size; i++) {
      rhs[i] += (row[i] * y[r]) / rows;
      for (let j = 0; j < size; j++) a[i * size + j] += (row[i] * row[j]) / rows;
    }
  }
  for (let j = 0; j < d; j++) a[j * size + j] += options.l2;
  const solution = solve(a, rhs, size);
  // The exported model is float32; round here so every metric is computed on exactly what ships.
  return { inputs: d, weights: Float32Array.from(solution.subarray(0, d)), bias: Math.fround(solution[d]) };
}

/** Predicted values [N], computed in float64 from the float32 parameters. */
export function predictValues(model: LinearRegressor, features: Float32Array): Float64Array {
  const { inputs: d, weights, bias } = model;
  const out = new Float64Array(features.length / d);
  for (let r = 0; r < out.length; r++) {
    let value = bias;
    for (let j = 0; j < d; j++) value += features[r * d + j] * weights[j];
    out[r] = value;
  }
  return out;
}

/** Solves the n×n system a·x = b in place (both are overwritten). */
function solve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]) > Math.abs(a[pivot * n + col])) pivot = r;
    if (Math.abs(a[pivot * n + col]) < 1e-12)
      throw new Error(`the normal equations are singular at column ${col}; raise l2`);
    if (pivot !== col) {
      for (let j = 0; j < n; j++) [a[col * n + j], a[pivot * n + j]] = [a[pivot * n + j], a[col * n + j]];
      [b[col], b[pivot]] = [b[pivot], b[col]];
    }
    for (let r = col + 1; r < n; r++) {
      const factor = a[r * n + col] / a[col * n + col];
      if (factor === 0) continue;
      for (let j = col; j < n; j++) a[r * n + j] -= factor * a[col * n + j];
      b[r] -= factor * b[col];
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let sum = b[r];
    for (let j = r + 1; j < n; j++) sum -= a[r * n + j] * x[j];
    x[r] = sum / a[r * n + r];
  }
  return x;
}
