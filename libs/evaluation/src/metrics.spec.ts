import {
  argmaxRows,
  binaryMetrics,
  logLoss,
  METRIC_NAMES,
  multiclassMetrics,
  regressionMetrics,
  rocAuc,
} from './metrics';

describe('rocAuc', () => {
  it('matches the textbook example (scikit-learn roc_auc_score([0,0,1,1], [0.1,0.4,0.35,0.8]) = 0.75)', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBeCloseTo(0.75, 12);
  });

  it('is 1 for a perfect ranking, 0 for a reversed one and counts ties as half', () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [false, false, true, true])).toBe(1);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [false, false, true, true])).toBe(0);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [false, true, false, true])).toBe(0.5);
    // Pairs: (0.3+ vs 0.3-) tie = 0.5, (0.3+ vs 0.1-) = 1, (0.7+ vs both) = 2 → 3.5 / 4.
    expect(rocAuc([0.1, 0.3, 0.3, 0.7], [false, false, true, true])).toBe(0.875);
  });

  it('refuses a set with a single class', () => {
    expect(() => rocAuc([0.1, 0.2], [true, true])).toThrow('at least one positive and one negative');
  });
});

describe('logLoss and argmaxRows', () => {
  it('averages the negative log probability of the true class, clipping zeros', () => {
    expect(logLoss([0.5, 0.5, 0.2, 0.8], [0, 1], 2)).toBeCloseTo((Math.log(2) - Math.log(0.8)) / 2, 12);
    expect(logLoss([1, 0], [1], 2)).toBeCloseTo(-Math.log(1e-15), 9);
  });

  it('picks the lowest index on a tie, as ONNX ArgMax does', () => {
    expect(Array.from(argmaxRows([0.5, 0.5, 0.2, 0.8, 0.1, 0.6, 0.3], 1).slice(0, 2))).toEqual([0, 0]);
    expect(Array.from(argmaxRows([0.4, 0.4, 0.2, 0.1, 0.3, 0.6], 3))).toEqual([0, 2]);
  });
});

describe('binaryMetrics', () => {
  it('reports AUC, accuracy, log-loss, the positive rates and the majority baseline', () => {
    const probabilities = [0.9, 0.1, 0.6, 0.4, 0.3, 0.7, 0.2, 0.8];
    expect(binaryMetrics(probabilities, [1, 0, 1, 1])).toEqual({
      auc: 2 / 3,
      accuracy: 0.75,
      logLoss: expect.closeTo(-(Math.log(0.1) + Math.log(0.6) + Math.log(0.7) + Math.log(0.8)) / 4, 12),
      positiveRate: 0.75,
      predictedPositiveRate: 0.5,
      majorityAccuracy: 0.75,
    });
  });
});

describe('multiclassMetrics', () => {
  it('reports accuracy, macro-F1 and the confusion matrix', () => {
    const probabilities = [0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.8];
    const metrics = multiclassMetrics(probabilities, [0, 1, 2, 2], 3);
    expect(metrics.confusion).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 1, 1],
    ]);
    expect(metrics.accuracy).toBe(0.75);
    // F1 per class: 1, 2·1/(1+2) = 2/3, 2·1/(2+1) = 2/3.
    expect(metrics.macroF1).toBeCloseTo((1 + 2 / 3 + 2 / 3) / 3, 12);
    expect(metrics.majorityAccuracy).toBe(0.5);
  });
});

describe('regressionMetrics', () => {
  // actual 1, 2, 3, 6 (mean 3); predicted 2, 2, 1, 6 → errors 1, 0, -2, 0.
  const predicted = [2, 2, 1, 6];
  const actual = [1, 2, 3, 6];

  it('reports RMSE, MAE, R² and the RMSE of always answering the mean', () => {
    expect(regressionMetrics(predicted, actual)).toEqual({
      rmse: Math.sqrt(5 / 4),
      mae: 3 / 4,
      // SST = 4 + 1 + 0 + 9 = 14, SSE = 5.
      r2: 1 - 5 / 14,
      meanBaselineRmse: Math.sqrt(14 / 4),
    });
  });

  it('measures the baseline against the constant it is given (the training mean), R² against the rows’ own mean', () => {
    const metrics = regressionMetrics(predicted, actual, 2);
    // (2-1)² + 0 + (2-3)² + (2-6)² = 18.
    expect(metrics.meanBaselineRmse).toBe(Math.sqrt(18 / 4));
    expect(metrics.r2).toBe(1 - 5 / 14);
  });

  it('gives R² 1 for a perfect fit of constant targets and refuses mismatched lengths', () => {
    expect(regressionMetrics([5, 5], [5, 5]).r2).toBe(1);
    expect(() => regressionMetrics([1], [1, 2])).toThrow('need as many predictions as rows, got 1 for 2');
  });
});

describe('METRIC_NAMES', () => {
  it('lists every figure the metric functions report', () => {
    const reported = [
      binaryMetrics([0.9, 0.1, 0.2, 0.8], [0, 1]),
      multiclassMetrics([0.8, 0.1, 0.1, 0.1, 0.8, 0.1], [0, 1], 3),
      regressionMetrics([1, 2], [1, 3]),
    ].flatMap((m) =>
      Object.entries(m)
        .filter(([, v]) => typeof v === 'number')
        .map(([k]) => k),
    );
    expect([...new Set(reported)].sort()).toEqual([...METRIC_NAMES].sort());
  });
});
