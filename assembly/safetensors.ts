// Byte conversions of the safetensors reader (ts/safetensors.ts): half-precision storage formats
// widened to float32, and bytes read as bool. F32 / F64 / I64 need none: safetensors is
// little-endian, as WebAssembly memory is, so those are plain byte copies done on the JS side.
// Each conversion is exact (every F16 and BF16 value is a float32 value).

// f16 -> f32 by bits: sign, 5-bit exponent (bias 15), 10-bit mantissa. Infinities and NaNs keep
// their payload; subnormals become normal float32 values (mantissa * 2^-24, exact).
// @ts-ignore: decorator
@inline function halfBits(h: u32): u32 {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp == 0x1f) return sign | 0x7f800000 | (mant << 13);
  if (exp == 0) {
    if (mant == 0) return sign;
    return sign | reinterpret<u32>(<f32>mant * <f32>5.9604644775390625e-8);
  }
  return sign | ((exp + 112) << 23) | (mant << 13);
}

/** out[i] (float32) = the IEEE half x[i]; x is n little-endian u16, out n f32. */
export function f16_to_f32(out: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    store<u32>(out + (<usize>i << 2), halfBits(<u32>load<u16>(x + (<usize>i << 1))));
  }
}

/** out[i] (float32) = the bfloat16 x[i] (its bits are a float32's top 16 bits). */
export function bf16_to_f32(out: usize, x: usize, n: i32): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const v = v128.load(x + (<usize>i << 1));
    v128.store(out + (<usize>i << 2), i32x4.shl(i32x4.extend_low_i16x8_u(v), 16));
    v128.store(out + (<usize>i << 2) + 16, i32x4.shl(i32x4.extend_high_i16x8_u(v), 16));
  }
  for (; i < n; i++) store<u32>(out + (<usize>i << 2), <u32>load<u16>(x + (<usize>i << 1)) << 16);
}

/** out[i] = x[i] != 0 (a bool tensor holds 0 or 1 in each byte, whatever byte the file had). */
export function bool_from_u8(out: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<u8>(out + <usize>i, load<u8>(x + <usize>i) != 0 ? 1 : 0);
}
