import { AviaryError, Tensor } from '@aviary/contracts';
import { fitFeatureSpec } from './fit';
import { interpretOutputs } from './predictions';
import { flightRows, flightsDefinition } from './testing/flights-fixture';

const binary = fitFeatureSpec(flightsDefinition, flightRows);
const multiclass = fitFeatureSpec(
  {
    ...flightsDefinition,
    prediction: {
      task: 'multiclass',
      classes: ['Adelie', 'Chinstrap', 'Gentoo'],
      labelOutput: 'label',
      probabilityOutput: 'probabilities',
    },
  },
  flightRows,
);

const regression = fitFeatureSpec(
  { ...flightsDefinition, prediction: { task: 'regression', valueOutput: 'minutes' } },
  flightRows,
);

const probabilities = (rows: number[][]): Tensor => ({
  name: 'probabilities',
  datatype: 'FP32',
  shape: [rows.length, rows[0].length],
  data: new Float32Array(rows.flat()),
});
const labels = (values: number[]): Tensor => ({
  name: 'label',
  datatype: 'INT64',
  shape: [values.length],
  data: BigInt64Array.from(values.map(BigInt)),
});

function internalError(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(AviaryError);
    expect((e as AviaryError).code).toBe('INTERNAL');
    return (e as Error).message;
  }
  throw new Error('expected interpretOutputs to throw');
}

describe('interpretOutputs', () => {
  it('reports the positive-class probability of a binary model', () => {
    const predictions = interpretOutputs(binary, [
      labels([0, 1]),
      probabilities([
        [0.75, 0.25],
        [0.25, 0.75],
      ]),
    ]);
    expect(predictions).toEqual([
      { label: 'on-time', probability: 0.25, probabilities: { 'on-time': 0.75, late: 0.25 } },
      { label: 'late', probability: 0.75, probabilities: { 'on-time': 0.25, late: 0.75 } },
    ]);
  });

  it('reports the probability of the predicted label of a multiclass model', () => {
    const [prediction] = interpretOutputs(multiclass, [probabilities([[0.125, 0.25, 0.625]]), labels([2])]);
    expect(prediction).toEqual({
      label: 'Gentoo',
      probability: 0.625,
      probabilities: { Adelie: 0.125, Chinstrap: 0.25, Gentoo: 0.625 },
    });
  });

  it('accepts labels given as class names', () => {
    const names: Tensor = { name: 'label', datatype: 'BYTES', shape: [1], data: ['Chinstrap'] };
    expect(interpretOutputs(multiclass, [probabilities([[0.25, 0.5, 0.25]]), names])[0]).toMatchObject({
      label: 'Chinstrap',
    });
  });

  it.each<[string, Tensor[], string]>([
    ['a missing output', [labels([0])], 'the model has no output "probabilities"; got: label'],
    [
      'the wrong number of classes',
      [labels([0]), probabilities([[0.2, 0.3, 0.5]])],
      'output "probabilities" must be FP32 or FP64 [N, 2], got FP32 [1, 3]',
    ],
    [
      'labels for another batch size',
      [labels([0, 1]), probabilities([[0.5, 0.5]])],
      'output "label" must hold one label per row [1], got [2]',
    ],
    [
      'a class index out of range',
      [labels([2]), probabilities([[0.5, 0.5]])],
      'output "label" holds class index 2, expected 0..1',
    ],
    [
      'float labels',
      [{ name: 'label', datatype: 'FP32', shape: [1], data: new Float32Array([1]) }, probabilities([[0.5, 0.5]])],
      'output "label" must be an integer class index or BYTES class name, got FP32',
    ],
  ])('throws INTERNAL for %s', (_case, outputs, message) => {
    expect(internalError(() => interpretOutputs(binary, outputs))).toBe(
      `model outputs do not match the feature spec: ${message}`,
    );
  });
});

describe('interpretOutputs for a regression spec', () => {
  const values = (datatype: 'FP32' | 'FP64', shape: number[], data: number[]): Tensor => ({
    name: 'minutes',
    datatype,
    shape,
    data: datatype === 'FP32' ? new Float32Array(data) : new Float64Array(data),
  });

  it.each([
    ['FP32 [N]', values('FP32', [2], [12.5, -3])],
    ['FP32 [N, 1]', values('FP32', [2, 1], [12.5, -3])],
    ['FP64 [N, 1]', values('FP64', [2, 1], [12.5, -3])],
  ])('gives one value per record from %s', (_case, output) => {
    expect(interpretOutputs(regression, [output])).toEqual([{ value: 12.5 }, { value: -3 }]);
  });

  it.each<[string, Tensor[], string]>([
    ['a missing output', [labels([0])], 'the model has no output "minutes"; got: label'],
    [
      'several values per record',
      [values('FP32', [1, 2], [1, 2])],
      'output "minutes" must be FP32 or FP64 [N] or [N, 1], got FP32 [1, 2]',
    ],
    [
      'integer values',
      [{ name: 'minutes', datatype: 'INT64', shape: [1], data: BigInt64Array.from([1n]) }],
      'output "minutes" must be FP32 or FP64 [N] or [N, 1], got INT64 [1]',
    ],
  ])('throws INTERNAL for %s', (_case, outputs, message) => {
    expect(internalError(() => interpretOutputs(regression, outputs))).toBe(
      `model outputs do not match the feature spec: ${message}`,
    );
  });
});
