import { Tensor } from '@aviary/contracts';
import { IncompatibleBatchError } from './micro-batcher';
import { batchesAlongRows, batchKey, concatRows, rowsOf, splitRows, tensorBytes } from './tensor-batch';

/** A request of `rows` rows in the shape of the titanic pipeline: a BYTES column, an FP32 column and an INT64 one. */
function passengers(rows: number, first: number): Tensor[] {
  const ids = Array.from({ length: rows }, (_, i) => first + i);
  return [
    { name: 'sex', datatype: 'BYTES', shape: [rows, 1], data: ids.map((i) => `passenger ${i} é`) },
    { name: 'fare', datatype: 'FP64', shape: [rows, 2], data: Float64Array.from(ids.flatMap((i) => [i + 0.5, -i])) },
    { name: 'pclass', datatype: 'INT64', shape: [rows, 1], data: BigInt64Array.from(ids.map((i) => BigInt(i) << 40n)) },
  ];
}

describe('batchesAlongRows', () => {
  const rowWise = {
    inputs: [{ name: 'features', datatype: 'FP32' as const, shape: [-1, 3] }],
    outputs: [
      { name: 'label', datatype: 'INT64' as const, shape: [-1] },
      { name: 'probabilities', datatype: 'FP32' as const, shape: [-1, 2] },
    ],
  };

  it('batches a model whose every input and output has a first dimension of any size', () => {
    expect(batchesAlongRows(rowWise)).toBe(true);
  });

  it.each([
    [
      'an input of one fixed row',
      { ...rowWise, inputs: [{ name: 'features', datatype: 'FP32' as const, shape: [1, 3] }] },
    ],
    ['a scalar output', { ...rowWise, outputs: [{ name: 'mean', datatype: 'FP32' as const, shape: [] }] }],
    [
      'an output of fixed size',
      { ...rowWise, outputs: [...rowWise.outputs, { name: 'classes', datatype: 'INT64' as const, shape: [2] }] },
    ],
  ])('never batches a model with %s', (_case, signature) => {
    expect(batchesAlongRows(signature)).toBe(false);
  });
});

describe('rowsOf', () => {
  it('answers the first dimension every input shares', () => {
    expect(rowsOf(passengers(3, 0))).toBe(3);
  });

  it('answers undefined when the inputs disagree or one has no dimension', () => {
    const [sex, fare] = passengers(3, 0);
    expect(rowsOf([sex, { ...fare, shape: [2, 2] }])).toBeUndefined();
    expect(rowsOf([sex, { ...fare, shape: [] }])).toBeUndefined();
  });
});

describe('batchKey', () => {
  it('is the same for requests that differ only in their rows and values', () => {
    expect(batchKey(passengers(1, 0), ['label'])).toBe(batchKey(passengers(5, 9), ['label']));
  });

  it.each<[string, (inputs: Tensor[]) => Tensor[], string[] | undefined]>([
    [
      'another datatype',
      ([a, b, c]) => [a, { ...b, datatype: 'FP32', data: new Float32Array(b.data.length) }, c],
      undefined,
    ],
    ['other trailing dims', ([a, b, c]) => [a, { ...b, shape: [b.shape[0] * 2, 1] }, c], undefined],
    ['another input order', ([a, b, c]) => [b, a, c], undefined],
    ['another outputs filter', (inputs) => inputs, ['probabilities']],
  ])('differs for a request with %s', (_case, change, outputs) => {
    expect(batchKey(change(passengers(2, 0)), outputs)).not.toBe(batchKey(passengers(2, 0)));
  });
});

describe('concatRows and splitRows', () => {
  const requests = [passengers(1, 0), passengers(3, 1), passengers(5, 4)];

  it('concatenates every input along dimension 0, BYTES, FP64 and INT64 alike', () => {
    expect(concatRows(requests)).toEqual(passengers(9, 0));
  });

  it("splits outputs back into each request's rows, as each would get them alone", () => {
    // An identity model: its outputs are its inputs, so each request must get back exactly what it sent.
    expect(splitRows(concatRows(requests), [1, 3, 5])).toEqual(requests);
  });

  it('splits an output of one dimension (a label per row)', () => {
    const labels: Tensor = {
      name: 'label',
      datatype: 'INT64',
      shape: [4],
      data: BigInt64Array.from([7n, 8n, 9n, 10n]),
    };
    expect(splitRows([labels], [3, 1]).map(([t]) => [t.shape, Array.from(t.data as BigInt64Array)])).toEqual([
      [[3], [7n, 8n, 9n]],
      [[1], [10n]],
    ]);
  });

  it('refuses to concatenate requests whose inputs do not line up', () => {
    const [sex, fare, pclass] = passengers(2, 0);
    expect(() => concatRows([passengers(1, 0), [sex, { ...fare, datatype: 'FP32' }, pclass]])).toThrow(
      IncompatibleBatchError,
    );
  });

  it('refuses to split an output whose first dimension is not the rows of the batch', () => {
    const mean: Tensor = { name: 'mean', datatype: 'FP32', shape: [1], data: new Float32Array([0.5]) };
    expect(() => splitRows([mean], [1, 3])).toThrow(
      new IncompatibleBatchError('output "mean" has shape [1] for 4 input rows; expected 4 rows along dimension 0'),
    );
  });
});

describe('tensorBytes', () => {
  it('counts fixed-size elements by their bytes and BYTES elements as a length and their UTF-8', () => {
    const [sex, fare, pclass] = passengers(1, 0);
    expect(tensorBytes([fare, pclass])).toBe(2 * 8 + 8);
    expect(tensorBytes([sex])).toBe(4 + Buffer.byteLength('passenger 0 é'));
  });
});
