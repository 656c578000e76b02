import { Tensor } from '@aviary/contracts';
import { rejection } from '@aviary/testing';
import { checkInferRequest, ModelSignature } from './model-signature';

// The flight-delay demo model's signature (version 1).
const signature: ModelSignature = {
  inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 3] }],
  outputs: [
    { name: 'label', datatype: 'INT64', shape: [-1] },
    { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] },
  ],
};

const features = (shape: number[], datatype: 'FP32' | 'FP64' = 'FP32', count = shape.reduce((n, d) => n * d, 1)) =>
  ({
    name: 'features',
    datatype,
    shape,
    data: datatype === 'FP32' ? new Float32Array(count) : new Float64Array(count),
  }) as Tensor;

/** The message of the INVALID_ARGUMENT the check throws. */
function refusal(check: () => unknown): string {
  const error = rejection(check);
  expect(error.code).toBe('INVALID_ARGUMENT');
  return error.message;
}

describe('checkInferRequest', () => {
  it('answers every output, in the order the model declares, when none are named', () => {
    expect(checkInferRequest(signature, [features([2, 3])])).toEqual(['label', 'probabilities']);
    expect(checkInferRequest(signature, [features([2, 3])], [])).toEqual(['label', 'probabilities']);
  });

  it('answers only the outputs asked for, in the order asked', () => {
    expect(checkInferRequest(signature, [features([1, 3])], ['probabilities', 'label'])).toEqual([
      'probabilities',
      'label',
    ]);
  });

  it('rejects an input of the wrong datatype, naming the datatype it expects', () => {
    expect(refusal(() => checkInferRequest(signature, [features([1, 3], 'FP64')]))).toBe(
      'input "features" must be FP32, got FP64',
    );
  });

  it.each<[string, number[]]>([
    ['too few columns', [1, 2]],
    ['no batch dimension', [3]],
    ['an extra dimension', [1, 3, 1]],
  ])('rejects an input with %s, showing the shape it expects', (_case, shape) => {
    expect(refusal(() => checkInferRequest(signature, [features(shape)]))).toBe(
      `input "features" has shape [${shape.join(',')}]; the model expects [-1,3] (-1 = any size)`,
    );
  });

  it('rejects data whose length does not match its shape', () => {
    expect(refusal(() => checkInferRequest(signature, [features([2, 3], 'FP32', 3)]))).toBe(
      'input "features": shape [2,3] needs 6 elements, got 3',
    );
  });

  it('rejects a request without the input the model takes', () => {
    expect(refusal(() => checkInferRequest(signature, []))).toBe(
      'missing input "features"; the model takes "features" FP32 [-1,3]',
    );
  });

  it('rejects an input the model does not take', () => {
    const extra: Tensor = { name: 'distance', datatype: 'FP32', shape: [1], data: new Float32Array(1) };
    expect(refusal(() => checkInferRequest(signature, [features([1, 3]), extra]))).toBe(
      'unexpected input "distance"; the model takes "features" FP32 [-1,3]',
    );
  });

  it('rejects the same input given twice', () => {
    expect(refusal(() => checkInferRequest(signature, [features([1, 3]), features([1, 3])]))).toBe(
      'input "features" is given twice',
    );
  });

  it('rejects an output the model does not have, listing the ones it has', () => {
    expect(refusal(() => checkInferRequest(signature, [features([1, 3])], ['score']))).toBe(
      'unknown output "score"; the model returns label, probabilities',
    );
  });
});
