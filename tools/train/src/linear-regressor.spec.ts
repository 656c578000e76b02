import { mulberry32 } from '@aviary/evaluation';
import { predictValues, RegressionSet, trainLinearRegressor } from './linear-regressor';

/** y = 2a − 3b + 1 on seeded points, plus `noise` uniform in ±noise/2. */
function plane(rows: number, noise: number, seed = 1): RegressionSet {
  const random = mulberry32(seed);
  const features = new Float32Array(rows * 2);
  const targets = new Float64Array(rows);
  for (let row = 0; row < rows; row++) {
    const [a, b] = [Math.fround(random() * 4 - 2), Math.fround(random() * 4 - 2)];
    features.set([a, b], row * 2);
    targets[row] = 2 * a - 3 * b + 1 + (random() - 0.5) * noise;
  }
  return { features, targets, inputs: 2 };
}

describe('trainLinearRegressor', () => {
  it('recovers the weights and bias of a noise-free plane', () => {
    const model = trainLinearRegressor(plane(50, 0), { l2: 0 });
    expect(Array.from(model.weights)).toEqual([expect.closeTo(2, 5), expect.closeTo(-3, 5)]);
    expect(model.bias).toBeCloseTo(1, 5);
    expect(Array.from(predictValues(model, new Float32Array([1, 1, 0, 0])))).toEqual([
      expect.closeTo(0, 5),
      expect.closeTo(1, 5),
    ]);
  });

  it('shrinks the weights towards zero as l2 grows, never the bias', () => {
    const data = plane(200, 0.5);
    const [light, heavy] = [trainLinearRegressor(data, { l2: 1e-4 }), trainLinearRegressor(data, { l2: 10 })];
    expect(Math.abs(heavy.weights[0])).toBeLessThan(Math.abs(light.weights[0]) / 5);
    expect(heavy.bias).toBeCloseTo(light.bias, 0);
  });

  it('is deterministic and says when the problem has no unique solution', () => {
    const data = plane(100, 1);
    expect(trainLinearRegressor(data, { l2: 1e-3 })).toEqual(trainLinearRegressor(data, { l2: 1e-3 }));
    const constantColumn = { features: new Float32Array([0, 1, 0, 2, 0, 3]), targets: new Float64Array(3), inputs: 2 };
    expect(() => trainLinearRegressor(constantColumn, { l2: 0 })).toThrow(
      'the normal equations are singular at column 0; raise l2',
    );
  });
});
