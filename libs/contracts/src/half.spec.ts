import { floatToHalf, halfToFloat } from './half';

describe('floatToHalf / halfToFloat', () => {
  it.each<[string, number, number]>([
    ['one', 1, 0x3c00],
    ['minus two', -2, 0xc000],
    ['zero', 0, 0x0000],
    ['one half', 0.5, 0x3800],
    ['the largest finite half, 65504', 65504, 0x7bff],
    ['the smallest normal half, 2^-14', 2 ** -14, 0x0400],
    ['the smallest subnormal half, 2^-24', 2 ** -24, 0x0001],
    ['the largest subnormal half', 1023 * 2 ** -24, 0x03ff],
    ['positive infinity', Infinity, 0x7c00],
    ['negative infinity', -Infinity, 0xfc00],
  ])('encodes %s exactly and decodes it back', (_case, value, bits) => {
    expect(floatToHalf(value)).toBe(bits);
    expect(halfToFloat(bits)).toBe(value);
  });

  it('keeps the sign of negative zero', () => {
    expect(floatToHalf(-0)).toBe(0x8000);
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
  });

  it('encodes NaN as a NaN half and decodes any NaN half as NaN', () => {
    const bits = floatToHalf(NaN);
    expect(bits & 0x7c00).toBe(0x7c00);
    expect(bits & 0x03ff).not.toBe(0);
    expect(halfToFloat(bits)).toBeNaN();
    expect(halfToFloat(0x7c01)).toBeNaN();
  });

  it('overflows values beyond the half range to infinity of the same sign', () => {
    expect(halfToFloat(floatToHalf(70000))).toBe(Infinity);
    expect(halfToFloat(floatToHalf(-1e10))).toBe(-Infinity);
  });

  it('rounds to the nearest half: 65519 stays finite, 65520 overflows', () => {
    expect(halfToFloat(floatToHalf(65519))).toBe(65504);
    expect(halfToFloat(floatToHalf(65520))).toBe(Infinity);
  });

  it('underflows values far below the smallest subnormal to zero of the same sign', () => {
    expect(floatToHalf(2 ** -30)).toBe(0x0000);
    expect(floatToHalf(-(2 ** -30))).toBe(0x8000);
  });

  it('rounds a value between two halves to the nearer one', () => {
    // 1 + 2^-10 is the half after 1; a quarter step above it is nearer to it than to the next one.
    expect(halfToFloat(floatToHalf(1 + 2 ** -10 + 2 ** -12))).toBe(1 + 2 ** -10);
    expect(halfToFloat(floatToHalf(1 + 2 ** -10 - 2 ** -12))).toBe(1 + 2 ** -10);
    // Subnormals: 2.7 steps of 2^-24 round to 3 steps.
    expect(floatToHalf(2.7 * 2 ** -24)).toBe(3);
  });

  it('carries a mantissa that rounds up into the next exponent', () => {
    // The largest float32 below 2 rounds to 2 in half precision.
    expect(floatToHalf(2 - 2 ** -23)).toBe(0x4000);
    // Likewise from the largest subnormal region into the smallest normal.
    expect(floatToHalf(1023.9 * 2 ** -24)).toBe(0x0400);
  });

  it('rounds exact ties to even, as IEEE 754, numpy and ONNX Runtime do', () => {
    // 1 + 2^-11 lies exactly between 1 (even mantissa) and 1 + 2^-10 (odd mantissa).
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00);
    // 1 + 3 * 2^-11 lies between 1 + 2^-10 (odd) and 1 + 2^-9 (even).
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
    // 2^-25 lies exactly between 0 (even) and the smallest subnormal (odd).
    expect(floatToHalf(2 ** -25)).toBe(0x0000);
  });

  it('round-trips every finite half bit pattern', () => {
    const mismatches: number[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      const exp = (bits >>> 10) & 0x1f;
      if (exp === 0x1f) continue;
      if (floatToHalf(halfToFloat(bits)) !== bits) mismatches.push(bits);
    }
    expect(mismatches).toEqual([]);
  });
});
