import { AviaryError } from './errors';
import { elementSize } from './datatypes';
import { DATATYPES, elementCount, isDatatype } from './tensor';
import { allocate, fromRawBytes, toRawBytes } from './typed-arrays';

describe('tensor datatypes', () => {
  it('knows each Open Inference Protocol datatype and nothing else', () => {
    for (const datatype of DATATYPES) expect(isDatatype(datatype)).toBe(true);
    expect(isDatatype('fp32')).toBe(false);
    expect(isDatatype('FLOAT')).toBe(false);
    expect(isDatatype(7)).toBe(false);
  });

  it('counts elements of a shape, a scalar having one and a zero dimension none', () => {
    expect(elementCount([2, 3, 4])).toBe(24);
    expect(elementCount([])).toBe(1);
    expect(elementCount([5, 0])).toBe(0);
  });

  it('allocates typed arrays whose element size matches elementSize', () => {
    for (const datatype of DATATYPES) {
      if (datatype === 'BYTES') continue;
      const array = allocate(datatype, 3);
      expect(array.length).toBe(3);
      expect(array.BYTES_PER_ELEMENT).toBe(elementSize(datatype));
    }
  });
});

describe('toRawBytes / fromRawBytes', () => {
  it('reads back little-endian bytes into a fresh, aligned typed array', () => {
    const raw = toRawBytes('INT32', Int32Array.from([1, -2, 300]));
    expect(Array.from(raw.subarray(0, 4))).toEqual([1, 0, 0, 0]);
    // An odd offset cannot back an Int32Array directly; fromRawBytes must copy.
    const shifted = new Uint8Array(raw.length + 1);
    shifted.set(raw, 1);
    const back = fromRawBytes('INT32', [3], shifted.subarray(1), 'tensor "x"') as Int32Array;
    expect(Array.from(back)).toEqual([1, -2, 300]);
    expect(back.byteOffset).toBe(0);
  });

  it('does not share memory with the bytes it was read from', () => {
    const raw = toRawBytes('FP32', Float32Array.from([1, 2]));
    const back = fromRawBytes('FP32', [2], raw, 'tensor "x"') as Float32Array;
    raw.fill(0);
    expect(Array.from(back)).toEqual([1, 2]);
  });

  it('rejects bytes that do not fit the shape, saying how many were needed', () => {
    try {
      fromRawBytes('FP64', [2, 2], new Uint8Array(24), 'tensor "x"');
      throw new Error('expected a rejection');
    } catch (e) {
      expect(e).toBeInstanceOf(AviaryError);
      expect((e as AviaryError).code).toBe('INVALID_ARGUMENT');
      expect((e as AviaryError).message).toBe('tensor "x": shape [2,2] of FP64 needs 32 bytes, got 24');
    }
  });

  it('reads BYTES as length-prefixed strings', () => {
    expect(fromRawBytes('BYTES', [2], toRawBytes('BYTES', ['a', 'ü']), 'tensor "s"')).toEqual(['a', 'ü']);
  });
});
