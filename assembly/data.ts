// Byte conversions of the data sets (ts/data/): IDX files store images and labels as unsigned
// bytes, which become float32 pixels and int64 labels here, in the core, like every value.

/** out[i] (float32) = f32(x[i]) / divisor: torchvision's ToTensor (`img.float().div(255)`), rounded as a float32 division. */
export function u8_to_f32_div(out: usize, x: usize, n: i32, divisor: f32): void {
  for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>load<u8>(x + <usize>i) / divisor);
}

/** out[i] (int64) = x[i] (an unsigned byte). */
export function u8_to_i64(out: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<i64>(out + (<usize>i << 3), <i64>load<u8>(x + <usize>i));
}
