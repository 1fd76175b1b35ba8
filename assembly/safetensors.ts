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

// The writer's conversions, rounding to nearest, ties to even, as PyTorch 1.13's x.half() and
// x.bfloat16() do; NaN as PyTorch writes it (F16: sign | 0x7e00; BF16: 0xffff, what its
// vectorised CPU cast gives every NaN).

// @ts-ignore: decorator
@inline function toHalf(u: u32): u32 {
  const sign = (u >> 16) & 0x8000;
  const a = u & 0x7fffffff;
  if (a > 0x7f800000) return sign | 0x7e00;
  // from halfway between 65504 (the largest half) and 65536 on, the result is infinite (ties: 65504 is odd)
  if (a >= 0x477ff000) return sign | 0x7c00;
  if (a >= 0x38800000) {
    // normal half: rebias the exponent (127 -> 15), keep 10 of the 23 mantissa bits, round the rest
    const r = a - 0x38000000;
    let h = r >> 13;
    const rest = r & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (h & 1) != 0)) h++;
    return sign | h;
  }
  // subnormal half (or zero): |x| * 2^24 is exact; f32.nearest rounds it to an integer, ties to even
  // (0x400 is the smallest normal half, encoded by the same bits)
  return sign | <u32>nearest<f32>(reinterpret<f32>(a) * <f32>16777216.0);
}

/** out[i] = the IEEE half of the float32 x[i] (x n f32, out n little-endian u16). */
export function f32_to_f16(out: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<u16>(out + (<usize>i << 1), <u16>toHalf(load<u32>(x + (<usize>i << 2))));
}

/** out[i] = the bfloat16 of the float32 x[i]: its top 16 bits, rounded to nearest even. */
export function f32_to_bf16(out: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const u = load<u32>(x + (<usize>i << 2));
    const b: u32 = (u & 0x7fffffff) > 0x7f800000 ? 0xffff : (u + 0x7fff + ((u >> 16) & 1)) >> 16;
    store<u16>(out + (<usize>i << 1), <u16>b);
  }
}
