// Shared helpers for the as-pect specs (not a spec itself).
import { alloc } from "../../assembly/index";

export function allocN(n: i32, bytesPer: i32): usize {
  let p = alloc(<u32>(n * bytesPer));
  assert(p != 0, "alloc failed");
  return p;
}

export function getF32(p: usize, i: i32): f32 { return load<f32>(p + (<usize>i << 2)); }
export function setF32(p: usize, i: i32, v: f32): void { store<f32>(p + (<usize>i << 2), v); }
export function getF64(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 3)); }
export function setF64(p: usize, i: i32, v: f64): void { store<f64>(p + (<usize>i << 3), v); }
export function getU8(p: usize, i: i32): u8 { return load<u8>(p + <usize>i); }
export function setU8(p: usize, i: i32, v: u8): void { store<u8>(p + <usize>i, v); }
export function getI64(p: usize, i: i32): i64 { return load<i64>(p + (<usize>i << 3)); }
export function setI64(p: usize, i: i32, v: i64): void { store<i64>(p + (<usize>i << 3), v); }
export function getI32(p: usize, i: i32): i32 { return load<i32>(p + (<usize>i << 2)); }
export function setI32(p: usize, i: i32, v: i32): void { store<i32>(p + (<usize>i << 2), v); }

let lcg: u32 = 12345;
export function reseed(s: u32): void { lcg = s; }
/** Deterministic test data in [lo, hi). */
export function nextRand(lo: f64, hi: f64): f64 {
  lcg = lcg * 1664525 + 1013904223;
  return lo + (hi - lo) * (<f64>(lcg >>> 8) / 16777216.0);
}

export function fillRandF32(p: usize, n: i32, lo: f64, hi: f64): void {
  for (let i = 0; i < n; i++) setF32(p, i, <f32>nextRand(lo, hi));
}
export function fillRandF64(p: usize, n: i32, lo: f64, hi: f64): void {
  for (let i = 0; i < n; i++) setF64(p, i, nextRand(lo, hi));
}

/** Same value bit for bit (any NaN equals any NaN). */
export function same32(a: f32, b: f32): bool {
  return reinterpret<u32>(a) == reinterpret<u32>(b) || (isNaN(a) && isNaN(b));
}
export function same64(a: f64, b: f64): bool {
  return reinterpret<u64>(a) == reinterpret<u64>(b) || (isNaN(a) && isNaN(b));
}

/** Relative/absolute closeness. */
export function close(a: f64, b: f64, rtol: f64, atol: f64): bool {
  if (isNaN(a) || isNaN(b)) return isNaN(a) && isNaN(b);
  if (a == b) return true;
  return Math.abs(a - b) <= atol + rtol * Math.abs(b);
}

import { meta_ptr } from "../../assembly/index";
/** Writes the i32 values into META[0..). */
export function setMeta(vals: StaticArray<i32>): void {
  let m = meta_ptr();
  for (let i = 0; i < vals.length; i++) setI32(m, i, vals[i]);
}

/** The tail-length sizes used for SIMD kernels. */
export const SIZES: StaticArray<i32> = [0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33];
