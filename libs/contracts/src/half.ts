// IEEE 754 half-precision conversion: FP16 tensors travel as raw 16-bit words but appear as numbers in JSON.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function floatToHalf(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow to Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow to signed zero
    const full = mant | 0x800000;
    const shift = 14 - e; // bits dropped to land in the subnormal range
    const half = 1 << (shift - 1);
    const rest = full & ((1 << shift) - 1);
    let bits = full >>> shift;
    if (rest > half || (rest === half && bits & 1)) bits += 1; // round half to even, as ONNX Runtime and numpy do
    return sign | bits;
  }
  const rounded = mant + 0xfff + ((mant >>> 13) & 1); // round half to even
  if (rounded & 0x800000) {
    mant = 0;
    e += 1;
    if (e >= 0x1f) return sign | 0x7c00;
  } else {
    mant = rounded;
  }
  return sign | (e << 10) | (mant >>> 13);
}

export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
