// The machine's SIMD128 mul+add peak, for the benchmark: twelve independent f32x4 chains of
// a = a*m + c (no FMA), so each iteration does 96 flops with no dependency stalls. Twelve is what
// hides a mul then an add (3 + 3 cycles) at two of each per cycle, and all that fits in x64's 16
// vector registers with m and c: measured best of short calls, 12 chains give 45-46 GFLOP/s here
// (the best GEMM shapes reach 45), 10 give 40, 14 and 16 spill and fall to 25-29.

export function simd_peak_f32(iters: i32): f32 {
  let m = f32x4.splat(0.9999999);
  let c = f32x4.splat(1e-7);
  let a0 = f32x4.splat(1.0);
  let a1 = f32x4.splat(1.1);
  let a2 = f32x4.splat(1.2);
  let a3 = f32x4.splat(1.3);
  let a4 = f32x4.splat(1.4);
  let a5 = f32x4.splat(1.5);
  let a6 = f32x4.splat(1.6);
  let a7 = f32x4.splat(1.7);
  let a8 = f32x4.splat(1.8);
  let a9 = f32x4.splat(1.9);
  let a10 = f32x4.splat(2.0);
  let a11 = f32x4.splat(2.1);
  for (let i = 0; i < iters; i++) {
    a0 = f32x4.add(f32x4.mul(a0, m), c);
    a1 = f32x4.add(f32x4.mul(a1, m), c);
    a2 = f32x4.add(f32x4.mul(a2, m), c);
    a3 = f32x4.add(f32x4.mul(a3, m), c);
    a4 = f32x4.add(f32x4.mul(a4, m), c);
    a5 = f32x4.add(f32x4.mul(a5, m), c);
    a6 = f32x4.add(f32x4.mul(a6, m), c);
    a7 = f32x4.add(f32x4.mul(a7, m), c);
    a8 = f32x4.add(f32x4.mul(a8, m), c);
    a9 = f32x4.add(f32x4.mul(a9, m), c);
    a10 = f32x4.add(f32x4.mul(a10, m), c);
    a11 = f32x4.add(f32x4.mul(a11, m), c);
  }
  let s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  s = f32x4.add(s, f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}

/** memory.copy of n bytes: the practical bandwidth limit the kernels are measured against. */
export function copy_bytes(dst: usize, src: usize, n: usize): void {
  memory.copy(dst, src, n);
}
