import { DATATYPE_FACTS, inIntegerRange } from './datatypes';
import { DATATYPES } from './tensor';

describe('datatype facts', () => {
  it('bounds each integer datatype by its width, exactly up to 64 bits', () => {
    expect(inIntegerRange('INT8', -128)).toBe(true);
    expect(inIntegerRange('INT8', 128)).toBe(false);
    expect(inIntegerRange('UINT16', 65535)).toBe(true);
    expect(inIntegerRange('UINT16', -1)).toBe(false);
    expect(inIntegerRange('INT64', -(2n ** 63n))).toBe(true);
    expect(inIntegerRange('INT64', 2n ** 63n)).toBe(false);
    expect(inIntegerRange('UINT64', 2n ** 64n - 1n)).toBe(true);
    expect(inIntegerRange('UINT64', 2n ** 64n)).toBe(false);
  });

  it('gives BOOL and the floating-point datatypes no integer range', () => {
    for (const datatype of ['BOOL', 'FP16', 'FP32', 'FP64'] as const) {
      expect(DATATYPE_FACTS[datatype].range).toBeNull();
      expect(inIntegerRange(datatype, 1e300)).toBe(true);
    }
  });

  it('names a distinct ONNX Runtime type for every datatype', () => {
    const names = DATATYPES.map((datatype) => DATATYPE_FACTS[datatype].ort);
    expect(new Set(names).size).toBe(DATATYPES.length);
  });

  it('sends every datatype but FP16 in a typed gRPC contents field', () => {
    const without = DATATYPES.filter((datatype) => DATATYPE_FACTS[datatype].grpcContents === null);
    expect(without).toEqual(['FP16']);
  });
});
