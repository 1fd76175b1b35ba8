// Shared helpers for the as-pect specs (not a spec itself). One set for every element type: a check
// is written once as a generic function `check<T>` and run as `check<f32>()` and `check<f64>()`.
import {
  alloc, free, meta_ptr, clamp_f32, clamp_f64, leaky_relu_f32, leaky_relu_f64, pows_f32, pows_f64,
  rpows_f32, rpows_f64, scale_f32, scale_f64, var_f32, var_f64,
} from "../../assembly/index";

// ---- element type ------------------------------------------------------------------------------

/** True when T is f32 (the kernels come in _f32 / _f64 pairs; this picks the member of a pair). */
export function isF32<T>(): bool {
  return isFloat<T>() && sizeof<T>() == 4;
}

/** Bytes of one T, as the i32 the allocation helpers take. */
export function bytesOf<T>(): i32 {
  return <i32>sizeof<T>();
}

// ---- kernels for T: the member of an _f32 / _f64 pair ------------------------------------------

/** Unary: (out, x, n). */
export type Un = (o: usize, x: usize, n: i32) => void;
/** Binary, strided (META holds shape and strides): (out, a, b, ndim). */
export type Bin = (o: usize, a: usize, b: usize, nd: i32) => void;
/** Reduction over the middle axis of [outer, n, inner]: (out, x, outer, n, inner). */
export type Red = (o: usize, x: usize, outer: i32, n: i32, inner: i32) => void;

export function un<T>(k32: Un, k64: Un): Un { return isF32<T>() ? k32 : k64; }
export function bin<T>(k32: Bin, k64: Bin): Bin { return isF32<T>() ? k32 : k64; }
export function red<T>(k32: Red, k64: Red): Red { return isF32<T>() ? k32 : k64; }

// the kernels that take parameters, for T
export function clampK<T>(o: usize, x: usize, n: i32, lo: f64, hi: f64): void {
  if (isF32<T>()) clamp_f32(o, x, n, lo, hi); else clamp_f64(o, x, n, lo, hi);
}
export function leakyK<T>(o: usize, x: usize, n: i32, slope: f64): void {
  if (isF32<T>()) leaky_relu_f32(o, x, n, slope); else leaky_relu_f64(o, x, n, slope);
}
export function scaleK<T>(o: usize, x: usize, n: i32, s: f64): void {
  if (isF32<T>()) scale_f32(o, x, n, s); else scale_f64(o, x, n, s);
}
export function powsK<T>(o: usize, x: usize, n: i32, e: f64): void {
  if (isF32<T>()) pows_f32(o, x, n, e); else pows_f64(o, x, n, e);
}
export function rpowsK<T>(o: usize, x: usize, n: i32, base: f64): void {
  if (isF32<T>()) rpows_f32(o, x, n, base); else rpows_f64(o, x, n, base);
}
export function varK<T>(o: usize, x: usize, outer: i32, n: i32, inner: i32, correction: f64): void {
  if (isF32<T>()) var_f32(o, x, outer, n, inner, correction); else var_f64(o, x, outer, n, inner, correction);
}

// ---- memory ------------------------------------------------------------------------------------

export function allocN(n: i32, bytesPer: i32): usize {
  let p = alloc(<u32>(n * bytesPer));
  assert(p != 0, "alloc failed");
  return p;
}
/** A block of n elements of T. */
export function allocT<T>(n: i32): usize {
  return allocN(n, bytesOf<T>());
}

/** Element i of a T array at p. */
export function get<T>(p: usize, i: i32): T {
  return load<T>(p + <usize>i * sizeof<T>());
}
export function set<T>(p: usize, i: i32, v: T): void {
  store<T>(p + <usize>i * sizeof<T>(), v);
}
/** Writes vals (converted to T) at p[0..). */
export function setAll<T>(p: usize, vals: StaticArray<f64>): void {
  for (let i = 0; i < vals.length; i++) set<T>(p, i, <T>vals[i]);
}

/** Writes the i32 values into META[0..). */
export function setMeta(vals: StaticArray<i32>): void {
  let m = meta_ptr();
  for (let i = 0; i < vals.length; i++) set<i32>(m, i, vals[i]);
}

// ---- deterministic data ------------------------------------------------------------------------

let lcg: u32 = 12345;
export function reseed(s: u32): void {
  lcg = s;
}
/** Deterministic test data in [lo, hi). */
export function nextRand(lo: f64, hi: f64): f64 {
  lcg = lcg * 1664525 + 1013904223;
  return lo + (hi - lo) * (<f64>(lcg >>> 8) / 16777216.0);
}
/** n values in [lo, hi), each drawn in f64 and rounded once to T. */
export function fillRand<T>(p: usize, n: i32, lo: f64, hi: f64): void {
  for (let i = 0; i < n; i++) set<T>(p, i, <T>nextRand(lo, hi));
}

/** Puts NaN, +-0 and +-inf at a few positions (those below n). */
export function specials<T>(x: usize, n: i32): void {
  if (n > 1) set<T>(x, 1, <T>NaN);
  if (n > 2) set<T>(x, 2, <T>-0.0);
  if (n > 5) set<T>(x, 5, <T>Infinity);
  if (n > 6) set<T>(x, 6, <T>-Infinity);
  if (n > 8) set<T>(x, 8, <T>0.0);
}

/** A value written just past an output to catch writes beyond it (one per dtype, as before). */
export function guardValue<T>(): T {
  return isF32<T>() ? <T>12345.5 : <T>-9876.25;
}

/** The tail-length sizes used for SIMD kernels. */
export const SIZES: StaticArray<i32> = [0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33];

// ---- comparison --------------------------------------------------------------------------------

/** Same value bit for bit (any NaN equals any NaN). */
export function same<T>(a: T, b: T): bool {
  if (isNaN(a) && isNaN(b)) return true;
  if (sizeof<T>() == 4) return reinterpret<u32>(a) == reinterpret<u32>(b);
  return reinterpret<u64>(a) == reinterpret<u64>(b);
}

/** Relative/absolute closeness. */
export function close(a: f64, b: f64, rtol: f64, atol: f64): bool {
  if (isNaN(a) || isNaN(b)) return isNaN(a) && isNaN(b);
  if (a == b) return true;
  return Math.abs(a - b) <= atol + rtol * Math.abs(b);
}

/** 1 / x as f64: -Infinity for -0, +Infinity for +0 (tells the zeros apart). */
export function inv<T>(x: T): f64 {
  return <f64>(<T>1 / x);
}

// ---- the module's math for T: Mathf for f32, Math for f64 (what the kernels use, bit for bit) ----

export function mexp<T>(x: T): T {
  return isF32<T>() ? <T>Mathf.exp(<f32>x) : <T>Math.exp(<f64>x);
}
export function mlog<T>(x: T): T {
  return isF32<T>() ? <T>Mathf.log(<f32>x) : <T>Math.log(<f64>x);
}
export function msqrt<T>(x: T): T {
  return isF32<T>() ? <T>Mathf.sqrt(<f32>x) : <T>Math.sqrt(<f64>x);
}
export function msin<T>(x: T): T {
  return isF32<T>() ? <T>Mathf.sin(<f32>x) : <T>Math.sin(<f64>x);
}
export function mcos<T>(x: T): T {
  return isF32<T>() ? <T>Mathf.cos(<f32>x) : <T>Math.cos(<f64>x);
}
export function mtanh<T>(x: T): T {
  return isF32<T>() ? <T>Mathf.tanh(<f32>x) : <T>Math.tanh(<f64>x);
}
export function mpow<T>(x: T, y: T): T {
  return isF32<T>() ? <T>Mathf.pow(<f32>x, <f32>y) : <T>Math.pow(<f64>x, <f64>y);
}
export function mmax<T>(x: T, y: T): T {
  return isF32<T>() ? <T>Mathf.max(<f32>x, <f32>y) : <T>Math.max(<f64>x, <f64>y);
}

// ---- unary kernels ---------------------------------------------------------------------------

/** Number of mismatches of the case's kernel vs its reference over all SIZES, out-of-place and in
 *  place. A case C has k<T>(out, x, n) (the kernel for T) and r<T>(x) (the scalar reference). */
export function unary<T, C>(c: C, lo: f64, hi: f64): i32 {
  let bad = 0;
  for (let s = 0; s < SIZES.length; s++) {
    let n = SIZES[s];
    let x = allocT<T>(n + 1);
    let out = allocT<T>(n + 1);
    fillRand<T>(x, n, lo, hi);
    specials<T>(x, n);
    set<T>(out, n, guardValue<T>());
    c.k<T>(out, x, n);
    for (let i = 0; i < n; i++) if (!same<T>(get<T>(out, i), c.r<T>(get<T>(x, i)))) bad++;
    if (!same<T>(get<T>(out, n), guardValue<T>())) bad++;
    // in place
    for (let i = 0; i < n; i++) set<T>(out, i, get<T>(x, i));
    c.k<T>(out, out, n);
    for (let i = 0; i < n; i++) if (!same<T>(get<T>(out, i), c.r<T>(get<T>(x, i)))) bad++;
    free(x); free(out);
  }
  return bad;
}
/** The unary check for f32 and for f64. */
export function unaryBoth<C>(c: C, lo: f64, hi: f64): void {
  expect(unary<f32, C>(c, lo, hi)).toBe(0);
  expect(unary<f64, C>(c, lo, hi)).toBe(0);
}
