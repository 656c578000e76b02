import { Tensor, TensorMetadata } from '@aviary/contracts';
import { applyFeatureSpec, parseFeatureSpec, tensorsToRecords } from '@aviary/features';
import { ModelSession } from '@aviary/inference-engine';
import { rejection, workspaceRoot } from '@aviary/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateVersion, parseJsonLines, Scorer, specLessRegression } from './evaluate';

const bundle = (name: string, version: string) => join(workspaceRoot(), 'models', name, version);

async function load(name: string, version: string) {
  const dir = bundle(name, version);
  return {
    scorer: await ModelSession.load(readFileSync(join(dir, 'model.onnx'))),
    spec: parseFeatureSpec(JSON.parse(readFileSync(join(dir, 'feature-spec.json'), 'utf8'))),
    records: parseJsonLines(readFileSync(join(dir, 'holdout.jsonl'), 'utf8'), 'holdout.jsonl'),
    reported: JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')).test,
  };
}

describe('evaluateVersion with a classifier spec', () => {
  it('reproduces the held-out metrics the trainer reported, through the served spec and ONNX Runtime', async () => {
    const { scorer, spec, records, reported } = await load('flight-delay', '2');
    const { rows, metrics } = await evaluateVersion({ scorer, spec, records });
    expect(rows).toBe(4000);
    expect(metrics).toMatchObject({
      auc: expect.closeTo(reported.auc, 4),
      accuracy: expect.closeTo(reported.accuracy, 4),
    });
  });

  it('scores multiclass models with accuracy and macro-F1', async () => {
    const { scorer, spec, records, reported } = await load('penguin-species', '1');
    const { metrics } = await evaluateVersion({ scorer, spec, records });
    expect(metrics).toMatchObject({ accuracy: reported.accuracy, macroF1: expect.closeTo(reported.macroF1, 6) });
  });

  it('names a row whose label is not one of the classes', async () => {
    const { scorer, spec, records } = await load('flight-delay', '1');
    const bad = [records[0], { ...(records[1] as object), label: 'cancelled' }];
    expect((await rejection(evaluateVersion({ scorer, spec, records: bad }))).message).toBe(
      'evaluation row 1: "label" is "cancelled", expected one of on-time, late',
    );
  });

  it('reads JSON Lines and names a broken line', () => {
    expect(parseJsonLines('{"a":1}\n\n{"a":2}\n', 'eval.jsonl')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(rejection(() => parseJsonLines('{"a":1}\n{oops', 'eval.jsonl')).message).toBe(
      'eval.jsonl line 2 is not JSON',
    );
  });
});

/** A stand-in model: one FP32 input [N, 1]; `answer` maps each row's value to its outputs. */
function fakeScorer(
  outputs: TensorMetadata[],
  answer: (x: number) => Record<string, number | number[]>,
  input = 'x',
): Scorer & { batches: number[] } {
  const batches: number[] = [];
  return {
    batches,
    inputs: [{ name: input, datatype: 'FP32', shape: [-1, 1] }],
    outputs,
    async run(inputs, outputNames = outputs.map((o) => o.name)) {
      const xs = Array.from(inputs[0].data as Float32Array);
      batches.push(xs.length);
      return outputNames.map((name): Tensor => {
        const meta = outputs.find((o) => o.name === name) as TensorMetadata;
        const values = xs.flatMap((x) => answer(x)[name]);
        const data = meta.datatype === 'INT64' ? BigInt64Array.from(values.map(BigInt)) : new Float32Array(values);
        return { name, datatype: meta.datatype, shape: [xs.length, ...meta.shape.slice(1)], data };
      });
    },
  };
}

describe('evaluateVersion with a regression spec', () => {
  const spec = parseFeatureSpec({
    specVersion: 1,
    inputs: [{ name: 'x', type: 'number', required: true }],
    transforms: [{ kind: 'numeric', input: 'x', log1p: false, impute: 0, mean: 0, std: 1 }],
    output: { name: 'features', datatype: 'FP32' },
    featureNames: ['x'],
    prediction: { task: 'regression', valueOutput: 'value' },
  });
  // The model answers 2x; labels 1, 2, 3, 6 against predictions 2, 2, 1, 6 as in the regressionMetrics spec.
  const doubling = () =>
    fakeScorer([{ name: 'value', datatype: 'FP32', shape: [-1, 1] }], (x) => ({ value: 2 * x }), 'features');
  const records = [
    { x: 1, label: 1 },
    { x: 1, label: 2 },
    { x: 0.5, label: 3 },
    { x: 3, label: 6 },
  ];

  it('reproduces the held-out RMSE, MAE and R² the trainer reported for car-mpg, through ONNX Runtime', async () => {
    const { scorer, spec: served, records, reported } = await load('car-mpg', '1');
    const { rows, metrics } = await evaluateVersion({ scorer, spec: served, records });
    expect(rows).toBe(80);
    expect(metrics).toMatchObject({
      rmse: expect.closeTo(reported.rmse, 5),
      mae: expect.closeTo(reported.mae, 5),
      r2: expect.closeTo(reported.r2, 5),
    });
  });

  it('reports RMSE, MAE, R² and the mean baseline through the spec and the value output', async () => {
    expect(await evaluateVersion({ scorer: doubling(), spec, records })).toEqual({
      rows: 4,
      metrics: { rmse: Math.sqrt(5 / 4), mae: 3 / 4, r2: 1 - 5 / 14, meanBaselineRmse: Math.sqrt(14 / 4) },
    });
  });

  it('scores a large set in batches and names the row of a label that is not a number', async () => {
    const scorer = doubling();
    const many = Array.from({ length: 2500 }, (_, i) => ({ x: i, label: 2 * i }));
    expect((await evaluateVersion({ scorer, spec, records: many })).metrics).toMatchObject({ rmse: 0, r2: 1 });
    expect(scorer.batches).toEqual([1024, 1024, 452]);
    const bad = [...many.slice(0, 1500), { x: 1, label: '31.5' }];
    expect((await rejection(evaluateVersion({ scorer, spec, records: bad }))).message).toBe(
      'evaluation row 1500: "label" is "31.5", expected a number',
    );
    expect((await rejection(evaluateVersion({ scorer, spec, records: [{ x: 1 }] }))).message).toBe(
      'evaluation row 0: "label" is undefined, expected a number',
    );
  });

  it('names the row of a bad input counted over the whole set, not within a batch', async () => {
    const many = Array.from({ length: 1500 }, (_, i) => ({ x: i === 1200 ? 'far' : i, label: 0 }));
    expect((await rejection(evaluateVersion({ scorer: doubling(), spec, records: many }))).message).toBe(
      'input "x" must be a number, got "far" (row 1200)',
    );
  });
});

describe('evaluateVersion without a feature spec', () => {
  // A threshold classifier over x: class index 1 when x > 0, with probability 0.75 for the class it picks.
  const outputs: TensorMetadata[] = [
    { name: 'output_label', datatype: 'INT64', shape: [-1] },
    { name: 'output_probability', datatype: 'FP32', shape: [-1, 2] },
  ];
  const threshold = fakeScorer(outputs, (x) => ({
    output_label: x > 0 ? 1 : 0,
    output_probability: x > 0 ? [0.25, 0.75] : [0.75, 0.25],
  }));
  const rewrites = [{ output: 'output_probability', from: 'ZipMap' as const, classLabels: [0, 1] }];
  // Keys are the model's input names; the last row's label is deliberately wrong.
  const records = [
    { x: [-1], label: 0 },
    { x: [2], label: 1 },
    { x: [3], label: '1' },
    { x: [-4], label: 1 },
  ];

  it('compares the label output with the label and, with classes from the ZipMap rewrite, adds log-loss and AUC', async () => {
    const { rows, metrics } = await evaluateVersion({ scorer: threshold, rewrites, records });
    expect(rows).toBe(4);
    expect(metrics).toEqual({
      accuracy: 0.75,
      logLoss: expect.closeTo(-(3 * Math.log(0.75) + Math.log(0.25)) / 4, 12),
      // Positive scores 0.75, 0.75, 0.25 against one negative at 0.25: 2 wins and a tie out of 3 pairs.
      auc: 2.5 / 3,
    });
  });

  it('gives accuracy only when the probability columns have no class labels', async () => {
    const { metrics } = await evaluateVersion({ scorer: threshold, records });
    expect(metrics).toEqual({ accuracy: 0.75 });
  });

  it('names what is wrong: a label outside the classes, an unknown input, no label output', async () => {
    const outside = [...records, { x: [1], label: 2 }];
    expect((await rejection(evaluateVersion({ scorer: threshold, rewrites, records: outside }))).message).toBe(
      'evaluation row 4: "label" is 2, expected one of 0, 1',
    );
    const unknown = [{ x: [1], y: 2, label: 1 }];
    expect((await rejection(evaluateVersion({ scorer: threshold, records: unknown }))).message).toBe(
      'unknown input "y" (row 0); expected: x',
    );
    const scores = fakeScorer([{ name: 'scores', datatype: 'FP32', shape: [-1, 2] }], (x) => ({ scores: [x, -x] }));
    expect((await rejection(evaluateVersion({ scorer: scores, records }))).message).toBe(
      'evaluating a model without a feature spec needs exactly one label output (integer or string, one per row) for a classifier, or a single FP32 or FP64 output with one value per row for a regressor; it returns "scores" FP32 [-1,2]',
    );
  });
});

describe('specLessRegression: when a model pushed without a feature spec is scored as a regressor', () => {
  const value = (datatype: TensorMetadata['datatype'], shape: number[]): TensorMetadata => ({
    name: 'variable',
    datatype,
    shape,
  });

  it('takes a model whose only output is FP32 or FP64 with one value per row, [N] or [N, 1], for a regressor', () => {
    for (const output of [value('FP32', [-1, 1]), value('FP32', [-1]), value('FP64', [-1, 1]), value('FP32', [5, 1])])
      expect(specLessRegression([output])).toEqual({ task: 'regression', valueOutput: 'variable' });
  });

  it('takes anything else for a classifier: a label output, several outputs, several values per row, class labels', () => {
    expect(specLessRegression([value('INT64', [-1])])).toBeUndefined();
    expect(specLessRegression([value('BYTES', [-1, 1])])).toBeUndefined();
    expect(specLessRegression([value('FP32', [-1, 2])])).toBeUndefined();
    expect(specLessRegression([value('FP16', [-1, 1])])).toBeUndefined();
    expect(specLessRegression([value('FP32', [-1, 1]), { ...value('FP32', [-1, 1]), name: 'other' }])).toBeUndefined();
    const rewrites = [{ output: 'variable', from: 'ZipMap' as const, classLabels: ['only'] }];
    expect(specLessRegression([value('FP32', [-1, 1])], rewrites)).toBeUndefined();
  });
});

describe('evaluateVersion of a regressor without a feature spec', () => {
  // The model answers 2x; labels 1, 2, 3, 6 against predictions 2, 2, 1, 6, as in the regression spec above.
  const doubling = () =>
    fakeScorer([{ name: 'variable', datatype: 'FP32', shape: [-1, 1] }], (x) => ({ variable: 2 * x }));
  const records = [
    { x: [1], label: 1 },
    { x: [1], label: 2 },
    { x: [0.5], label: 3 },
    { x: [3], label: 6 },
  ];

  it('reports RMSE, MAE, R² and the mean baseline from its one output, records keyed by its inputs', async () => {
    expect(await evaluateVersion({ scorer: doubling(), records })).toEqual({
      rows: 4,
      metrics: { rmse: Math.sqrt(5 / 4), mae: 3 / 4, r2: 1 - 5 / 14, meanBaselineRmse: Math.sqrt(14 / 4) },
    });
  });

  it('names a label that is not a number and an input the model does not have', async () => {
    expect(
      (await rejection(evaluateVersion({ scorer: doubling(), records: [{ x: [1], label: 'high' }] }))).message,
    ).toBe('evaluation row 0: "label" is "high", expected a number');
    expect((await rejection(evaluateVersion({ scorer: doubling(), records: [{ y: [1], label: 1 }] }))).message).toBe(
      'unknown input "y" (row 0); expected: x',
    );
  });

  it('scores the car-mpg graph pushed alone, on its features, as through its spec, through ONNX Runtime', async () => {
    const { scorer, spec, records, reported } = await load('car-mpg', '1');
    const cars = records as Record<string, unknown>[];
    // The records the graph alone reads: {"features": [10 numbers], "label": mpg}.
    const features = tensorsToRecords(
      applyFeatureSpec(
        spec,
        cars.map(({ label: _label, ...car }) => car),
      ),
    );
    const labelled = features.map((row, i) => ({ ...row, label: cars[i].label }));
    const { rows, metrics } = await evaluateVersion({ scorer, records: labelled });
    expect(rows).toBe(80);
    expect(metrics).toMatchObject({ rmse: expect.closeTo(reported.rmse, 5), r2: expect.closeTo(reported.r2, 5) });
  });
});
