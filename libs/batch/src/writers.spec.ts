import { ClassColumns, classPredictions, PredictionSpec, valuePredictions } from '@aviary/features';
import { ColumnBatch } from './rows';
import { csvField, outputWriter } from './writers';

const classifier: PredictionSpec = {
  task: 'binary',
  classes: ['on-time', 'late'],
  labelOutput: 'label',
  probabilityOutput: 'p',
};
const probabilities = new Float32Array([0.25, 0.75, 0.9, 0.1]);
const outputs = [
  { name: 'label', datatype: 'INT64' as const, shape: [2], data: new BigInt64Array([1n, 0n]) },
  { name: 'p', datatype: 'FP32' as const, shape: [2, 2], data: probabilities },
];
const columns: ClassColumns = {
  task: 'binary',
  classes: classifier.classes,
  labels: new Int32Array([1, 0]),
  probabilities,
};
const batch: ColumnBatch = {
  rows: [7, 8, 9],
  columns: new Map([
    ['origin', ['SEA', 'S,F', 'ORD']],
    ['distance', [3, 4, 5]],
  ]),
  unreadable: [],
};
const scored = new Int32Array([0, 2]);

describe('output writers', () => {
  it('writes JSON Lines with the row number, the kept columns and the prediction the online path gives', () => {
    const writer = outputWriter('jsonl', ['origin', 'id'], classifier);
    expect(writer.header).toBe('');
    const online = classPredictions(classifier, outputs);
    expect(writer.lines(batch, scored, columns)).toBe(
      `${JSON.stringify({ row: 7, origin: 'SEA', id: null, prediction: online[0] })}\n` +
        `${JSON.stringify({ row: 9, origin: 'ORD', id: null, prediction: online[1] })}\n`,
    );
  });

  it('lists probabilities in the order JSON.stringify gives an object built class by class', () => {
    const numbered: PredictionSpec = { ...classifier, task: 'multiclass', classes: ['b', '2', 'a', '1'] };
    const p = new Float32Array([0.1, 0.6, 0.2, Number.NaN]);
    const four = [
      { name: 'label', datatype: 'INT64' as const, shape: [1], data: new BigInt64Array([1n]) },
      { name: 'p', datatype: 'FP32' as const, shape: [1, 4], data: p },
    ];
    const line = outputWriter('jsonl', [], numbered).lines({ ...batch, rows: [1] }, new Int32Array([0]), {
      task: 'multiclass',
      classes: numbered.classes,
      labels: new Int32Array([1]),
      probabilities: p,
    });
    expect(line).toBe(`${JSON.stringify({ row: 1, prediction: classPredictions(numbered, four)[0] })}\n`);
  });

  it('writes a regressor as {"value": …}', () => {
    const regression: PredictionSpec = { task: 'regression', valueOutput: 'v' };
    const values = new Float32Array([1.5, -0.1]);
    const online = valuePredictions(regression, [{ name: 'v', datatype: 'FP32', shape: [2], data: values }]);
    expect(outputWriter('jsonl', ['distance'], regression).lines(batch, scored, { task: 'regression', values })).toBe(
      `${JSON.stringify({ row: 7, distance: 3, prediction: online[0] })}\n` +
        `${JSON.stringify({ row: 9, distance: 5, prediction: online[1] })}\n`,
    );
  });

  it('writes CSV with a header and the prediction flattened to label and probability', () => {
    const writer = outputWriter('csv', ['origin'], classifier);
    expect(writer.header).toBe('row,origin,label,probability\n');
    expect(writer.lines(batch, new Int32Array([1]), { ...columns, labels: new Int32Array([1]) })).toBe(
      '8,"S,F",late,0.75\n',
    );
  });

  it('quotes CSV fields only when they need it', () => {
    expect([csvField('a"b'), csvField(null), csvField(1.5), csvField('x\ny')]).toEqual(['"a""b"', '', '1.5', '"x\ny"']);
  });
});
