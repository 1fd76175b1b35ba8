// Scalar helpers shared by the kernels: typed loads/stores by element index and the generic
// transcendental functions. Everything dispatches at compile time on T (f32 -> Mathf, f64 -> Math),
// so each exported kernel contains a single, branch-free (on dtype) loop. Math/Mathf are
// AssemblyScript's own (musl-derived) implementations compiled into the module: deterministic.

import { expf4Any, expd2Any } from "./vexp";

// @ts-ignore: decorator
@inline export function ld<T>(p: usize, i: i32): T {
  return load<T>(p + (<usize>i << alignof<T>()));
}

// @ts-ignore: decorator
@inline export function st<T>(p: usize, i: i32, v: T): void {
  store<T>(p + (<usize>i << alignof<T>()), v);
}

/** Byte offset of element index i (i may be a large or negative element offset). */
// @ts-ignore: decorator
@inline export function boff<T>(i: i32): usize {
  return <usize>i << alignof<T>();
}

/** Lanes of T in a v128. */
// @ts-ignore: decorator
@inline export function lanes<T>(): i32 {
  return 16 / sizeof<T>();
}

// @ts-ignore: decorator
@inline export function texp<T>(x: T): T {
  if (sizeof<T>() == 4) return <T>Mathf.exp(<f32>x);
  return <T>Math.exp(<f64>x);
}

// @ts-ignore: decorator
@inline export function tlog<T>(x: T): T {
  if (sizeof<T>() == 4) return <T>Mathf.log(<f32>x);
  return <T>Math.log(<f64>x);
}

// @ts-ignore: decorator
@inline export function tsin<T>(x: T): T {
  if (sizeof<T>() == 4) return <T>Mathf.sin(<f32>x);
  return <T>Math.sin(<f64>x);
}

// @ts-ignore: decorator
@inline export function tcos<T>(x: T): T {
  if (sizeof<T>() == 4) return <T>Mathf.cos(<f32>x);
  return <T>Math.cos(<f64>x);
}

// @ts-ignore: decorator
@inline export function ttanh<T>(x: T): T {
  if (sizeof<T>() == 4) return <T>Mathf.tanh(<f32>x);
  return <T>Math.tanh(<f64>x);
}

/** C's pow (what PyTorch computes), not JavaScript's: pow(1, y) = 1 and pow(x, 0) = 1 even for NaN,
 *  and pow(-1, +-inf) = 1 (JavaScript's Math.pow, which Math/Mathf follow, gives NaN there). */
// @ts-ignore: decorator
@inline export function tpow<T>(x: T, y: T): T {
  if (x == <T>1 || y == <T>0) return <T>1;
  if (x == <T>-1 && abs<T>(y) == <T>Infinity) return <T>1;
  if (sizeof<T>() == 4) return <T>Mathf.pow(<f32>x, <f32>y);
  return <T>Math.pow(<f64>x, <f64>y);
}

/** Numerically stable logistic function. */
// @ts-ignore: decorator
@inline export function tsigmoid<T>(x: T): T {
  if (x < <T>0) {
    let e = texp<T>(x);
    return e / (<T>1 + e);
  }
  return <T>1 / (<T>1 + texp<T>(-x));
}

/** exp of each lane of a T vector (f32: four lanes, f64: two), the scalar exp's bits in each
 *  (vexp.ts; groups with a lane outside the fast range take the scalar exp). */
// @ts-ignore: decorator
@inline export function vexpAny<T>(v: v128): v128 {
  if (sizeof<T>() == 4) return expf4Any(v);
  return expd2Any(v);
}

/** tsigmoid of each lane, the same operations: e = exp(x < 0 ? x : -x), then
 *  (x < 0 ? e : 1) / (1 + e). */
// @ts-ignore: decorator
@inline export function vsigmoid<T>(x: v128): v128 {
  let neg = v128.lt<T>(x, v128.splat<T>(<T>0));
  let e = vexpAny<T>(v128.bitselect(x, v128.neg<T>(x), neg));
  return v128.div<T>(v128.bitselect(e, v128.splat<T>(<T>1), neg), v128.add<T>(v128.splat<T>(<T>1), e));
}

/** sign: 1, -1, and 0 for +-0 and for NaN (PyTorch 1.13's sign(NaN) is 0). */
// @ts-ignore: decorator
@inline export function tsign<T>(x: T): T {
  return x > <T>0 ? <T>1 : (x < <T>0 ? <T>-1 : <T>0);
}
