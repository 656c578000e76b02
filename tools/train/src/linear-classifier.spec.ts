import { predictProbabilities, trainLinearClassifier } from './linear-classifier';
import { syntheticSet } from './testing/synthetic-data';

const options = { epochs: 30, batchSize: 16, learningRate: 0.05, l2: 1e-4, seed: 3 };

describe('trainLinearClassifier', () => {
  it('learns a separable binary problem as logistic regression with class 0 as reference', () => {
    const data = syntheticSet(400, 2, 1);
    const model = trainLinearClassifier(data, options);
    expect(Array.from(model.weights.filter((_, i) => i % 2 === 0))).toEqual([0, 0]);
    expect(model.bias[0]).toBe(0);
    const probabilities = predictProbabilities(model, new Float32Array([1, 1, -1, -1]));
    expect(probabilities[1]).toBeGreaterThan(0.9);
    expect(probabilities[3]).toBeLessThan(0.1);
  });

  it('learns three classes, with rows of probabilities summing to 1', () => {
    const model = trainLinearClassifier(syntheticSet(600, 3, 2), options);
    const probabilities = predictProbabilities(model, new Float32Array([1.5, 0, -1.5, 1.5, -1.5, -1.5]));
    for (let row = 0; row < 3; row++) {
      const p = Array.from(probabilities.subarray(row * 3, row * 3 + 3));
      expect(p.reduce((a, b) => a + b)).toBeCloseTo(1, 12);
      expect(p.indexOf(Math.max(...p))).toBe(row);
    }
  });

  it('is deterministic: the same data and seed give bit-identical parameters, another seed does not', () => {
    const data = syntheticSet(300, 3, 5);
    const first = trainLinearClassifier(data, options);
    expect(trainLinearClassifier(data, options)).toEqual(first);
    expect(trainLinearClassifier(data, { ...options, seed: 4 }).weights).not.toEqual(first.weights);
  });
});
