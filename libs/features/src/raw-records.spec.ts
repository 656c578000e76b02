import { TensorMetadata } from '@aviary/contracts';
import { rejection } from '@aviary/testing';
import { recordsToTensors, tensorsToRecords } from './raw-records';

const titanic: TensorMetadata[] = [
  { name: 'pclass', datatype: 'INT64', shape: [-1, 1] },
  { name: 'sex', datatype: 'BYTES', shape: [-1, 1] },
  { name: 'age', datatype: 'FP32', shape: [-1, 1] },
];
const iris: TensorMetadata[] = [{ name: 'float_input', datatype: 'FP32', shape: [-1, 4] }];

describe('recordsToTensors', () => {
  it('types each column by the model input it names, one row per record', () => {
    const [pclass, sex, age] = recordsToTensors(titanic, [
      { pclass: 1, sex: 'female', age: 29 },
      { pclass: 3, sex: 'mâle', age: 2.5 },
    ]);
    expect(pclass).toEqual({ name: 'pclass', datatype: 'INT64', shape: [2, 1], data: new BigInt64Array([1n, 3n]) });
    expect(sex).toEqual({ name: 'sex', datatype: 'BYTES', shape: [2, 1], data: ['female', 'mâle'] });
    expect(Array.from(age.data as Float32Array)).toEqual([29, 2.5]);
  });

  it('takes an array for an input with several columns', () => {
    const [input] = recordsToTensors(iris, [{ float_input: [5.1, 3.5, 1.4, 0.2] }]);
    expect(input.shape).toEqual([1, 4]);
    expect(Array.from(input.data as Float32Array)).toEqual([5.1, 3.5, 1.4, 0.2].map(Math.fround));
  });

  it('names missing and unknown keys, wrong types and wrong widths with their row', () => {
    expect(
      rejection(() =>
        recordsToTensors(titanic, [
          { pclass: 1, sex: 'x', age: 1 },
          { pclass: 1, sex: 'x' },
        ]),
      ).message,
    ).toBe('missing input "age" (row 1)');
    expect(rejection(() => recordsToTensors(titanic, [{ pclass: 1, sex: 'x', age: 1, deck: 'B' }])).message).toBe(
      'unknown input "deck" (row 0); expected: pclass, sex, age',
    );
    expect(
      rejection(() =>
        recordsToTensors(titanic, [
          { pclass: 1, sex: 'x', age: 1 },
          { pclass: 1, sex: 'x', age: 'old' },
        ]),
      ).message,
    ).toBe('input "age" must be a number, got "old" (row 1)');
    expect(rejection(() => recordsToTensors(titanic, [{ pclass: 1.5, sex: 'x', age: 1 }])).message).toBe(
      'input "pclass" must be an integer, got 1.5 (row 0)',
    );
    expect(rejection(() => recordsToTensors(titanic, [{ pclass: 1, sex: 7, age: 1 }])).message).toBe(
      'input "sex" must be a string, got 7 (row 0)',
    );
    expect(rejection(() => recordsToTensors(iris, [{ float_input: [1, 2, 3] }])).message).toBe(
      'input "float_input" needs 4 values (shape [4]), got [1,2,3] (row 0)',
    );
    expect(rejection(() => recordsToTensors(iris, ['a'])).code).toBe('INVALID_ARGUMENT');
  });
});

describe('tensorsToRecords', () => {
  it('splits every output by row, scalars for [N] outputs and arrays for [N, k]', () => {
    const records = tensorsToRecords([
      { name: 'label', datatype: 'INT64', shape: [2], data: new BigInt64Array([0n, 2n]) },
      { name: 'probabilities', datatype: 'FP32', shape: [2, 2], data: new Float32Array([0.25, 0.75, 0.5, 0.5]) },
    ]);
    expect(records).toEqual([
      { label: 0, probabilities: [0.25, 0.75] },
      { label: 2, probabilities: [0.5, 0.5] },
    ]);
  });
});
