// Elementwise kernels: creation, casts, unary (contiguous) and binary / ternary (strided with
// broadcasting).
//
// Each kind of kernel is one generic @inline loop over T (f32/f64) and an operation type OP.
// OP is a tiny @final class used only as a type parameter: its @inline methods `s` (scalar) and,
// when the operation has an exact SIMD instruction, `v` (v128) are inlined into the loop, and
// `isDefined(op.v)` selects the SIMD body at compile time. So every exported kernel contains a
// single loop with no switch on the operation and no indirect calls.

import { ld, st, boff, lanes, texp, tlog, tsin, tcos, ttanh, tpow, tsigmoid, tsign, vsigmoid } from "./math";
import { meta, odoStart, odoOff, odoNext } from "./memory";
import { unary } from "./unary_loop";
import { binary } from "./binary_loop";
import { expf4, expf4Any, expf4Fast, expd2Any } from "./vexp";
import { UNeg, UAbs, USqrt, URelu, BAdd, BSub, BMul, BDiv, BMax, BMin } from "./elementwise_ops";

// ---------------------------------------------------------------------------------------------
// Creation
// ---------------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function fillT<T>(out: usize, n: i32, value: f64): void {
  let v = <T>value;
  let L = lanes<T>();
  let vv = v128.splat<T>(v);
  let i = 0;
  for (; i + L <= n; i += L) v128.store(out + boff<T>(i), vv);
  for (; i < n; i++) st<T>(out, i, v);
}
export function fill_f32(out: usize, n: i32, v: f64): void { fillT<f32>(out, n, v); }
export function fill_f64(out: usize, n: i32, v: f64): void { fillT<f64>(out, n, v); }

// @ts-ignore: decorator
@inline function arangeT<T>(out: usize, n: i32, start: f64, step: f64): void {
  for (let i = 0; i < n; i++) st<T>(out, i, <T>(start + <f64>i * step));
}
export function arange_f32(out: usize, n: i32, start: f64, step: f64): void { arangeT<f32>(out, n, start, step); }
export function arange_f64(out: usize, n: i32, start: f64, step: f64): void { arangeT<f64>(out, n, start, step); }

/** PyTorch's linspace: the first half counts up from start, the second half down from end. The
 *  step is rounded to T like PyTorch's; each value is then formed as `start + step*i` with one
 *  rounding to T (PyTorch's vectorised CPU kernel fuses that multiply-add), which f64 reproduces
 *  for f32 (the product of a 24-bit step and a small index is exact in f64). */
// @ts-ignore: decorator
@inline function linspaceT<T>(out: usize, n: i32, start: f64, end: f64): void {
  if (n <= 0) return;
  let s = <f64><T>start;
  let e = <f64><T>end;
  if (n == 1) {
    st<T>(out, 0, <T>s);
    return;
  }
  let step = <f64>(<T>(<T>e - <T>s) / <T>(n - 1));
  let half = n / 2;
  for (let i = 0; i < n; i++) {
    let v = i < half ? s + step * <f64>i : e - step * <f64>(n - 1 - i);
    st<T>(out, i, <T>v);
  }
}
export function linspace_f32(out: usize, n: i32, start: f64, end: f64): void { linspaceT<f32>(out, n, start, end); }
export function linspace_f64(out: usize, n: i32, start: f64, end: f64): void { linspaceT<f64>(out, n, start, end); }

// ---------------------------------------------------------------------------------------------
// Casts: cast_SRC_DST(out, x, n)
// ---------------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function castT<S, D>(out: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) st<D>(out, i, <D>ld<S>(x, i));
}
// @ts-ignore: decorator
@inline function castToBool<S>(out: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) st<u8>(out, i, <u8>(ld<S>(x, i) != <S>0)); // NaN -> 1
}
export function cast_f32_f64(out: usize, x: usize, n: i32): void { castT<f32, f64>(out, x, n); }
export function cast_f64_f32(out: usize, x: usize, n: i32): void { castT<f64, f32>(out, x, n); }
export function cast_i64_f32(out: usize, x: usize, n: i32): void { castT<i64, f32>(out, x, n); }
export function cast_i64_f64(out: usize, x: usize, n: i32): void { castT<i64, f64>(out, x, n); }
export function cast_u8_f32(out: usize, x: usize, n: i32): void { castT<u8, f32>(out, x, n); }
export function cast_u8_f64(out: usize, x: usize, n: i32): void { castT<u8, f64>(out, x, n); }
// truncation toward zero (saturating: NaN -> 0, out of range -> i64 min/max)
export function cast_f32_i64(out: usize, x: usize, n: i32): void { castT<f32, i64>(out, x, n); }
export function cast_f64_i64(out: usize, x: usize, n: i32): void { castT<f64, i64>(out, x, n); }
export function cast_f32_u8(out: usize, x: usize, n: i32): void { castToBool<f32>(out, x, n); }
export function cast_f64_u8(out: usize, x: usize, n: i32): void { castToBool<f64>(out, x, n); }

// ---------------------------------------------------------------------------------------------
// Unary (contiguous, out may equal x). p/q are the scalar parameters converted to T (and their
// splats pv/qv for the SIMD body).
// ---------------------------------------------------------------------------------------------

@final class URecip {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T { return <T>1 / x; }
  // @ts-ignore: decorator
  @inline v<T>(x: v128, pv: v128, qv: v128): v128 { return v128.div<T>(v128.splat<T>(<T>1), x); }
}
@final class USquare {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T { return x * x; }
  // @ts-ignore: decorator
  @inline v<T>(x: v128, pv: v128, qv: v128): v128 { return v128.mul<T>(x, x); }
}
@final class UScale {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T { return x * p; }
  // @ts-ignore: decorator
  @inline v<T>(x: v128, pv: v128, qv: v128): v128 { return v128.mul<T>(x, pv); }
}
/** clamp as PyTorch: r = x < lo ? lo : x, then r > hi ? hi : r. NaN stays NaN, a bound replaces
 *  only values strictly beyond it (clamp(-0, 0, 1) = -0), and lo > hi gives hi. */
@final class UClamp {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T {
    let r = x < p ? p : x;
    return r > q ? q : r;
  }
  // @ts-ignore: decorator
  @inline v<T>(x: v128, pv: v128, qv: v128): v128 {
    let r = v128.bitselect(pv, x, v128.lt<T>(x, pv));
    return v128.bitselect(qv, r, v128.gt<T>(r, qv));
  }
}
/** leaky_relu: x > 0 ? x : x * slope. */
@final class ULeaky {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T { return x > <T>0 ? x : x * p; }
  // @ts-ignore: decorator
  @inline v<T>(x: v128, pv: v128, qv: v128): v128 {
    return v128.bitselect(x, v128.mul<T>(x, pv), v128.gt<T>(x, v128.splat<T>(<T>0)));
  }
}
@final class UCopy {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T { return x; }
  // @ts-ignore: decorator
  @inline v<T>(x: v128, pv: v128, qv: v128): v128 { return x; }
}
@final class UOne {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T { return <T>1; }
  // @ts-ignore: decorator
  @inline v<T>(x: v128, pv: v128, qv: v128): v128 { return v128.splat<T>(<T>1); }
}
@final class UCube {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T { return x * x * x; }
  // @ts-ignore: decorator
  @inline v<T>(x: v128, pv: v128, qv: v128): v128 { return v128.mul<T>(v128.mul<T>(x, x), x); }
}
@final class URsqrt {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T { return <T>1 / sqrt<T>(x); }
  // @ts-ignore: decorator
  @inline v<T>(x: v128, pv: v128, qv: v128): v128 { return v128.div<T>(v128.splat<T>(<T>1), v128.sqrt<T>(x)); }
}
@final class URecipSquare {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T { return <T>1 / (x * x); }
  // @ts-ignore: decorator
  @inline v<T>(x: v128, pv: v128, qv: v128): v128 { return v128.div<T>(v128.splat<T>(<T>1), v128.mul<T>(x, x)); }
}
@final class UExp {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T { return texp<T>(x); }
}
@final class ULog {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T { return tlog<T>(x); }
}
@final class USin {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T { return tsin<T>(x); }
}
@final class UCos {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T { return tcos<T>(x); }
}
@final class UTanh {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T { return ttanh<T>(x); }
}
@final class USigmoid {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T { return tsigmoid<T>(x); }
  // @ts-ignore: decorator
  @inline v<T>(x: v128, pv: v128, qv: v128): v128 { return vsigmoid<T>(x); }
}
@final class USign {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T { return tsign<T>(x); }
}
@final class ULog1p {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T { return sizeof<T>() == 4 ? <T>Mathf.log1p(<f32>x) : <T>Math.log1p(<f64>x); }
}
@final class UExpm1 {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T { return sizeof<T>() == 4 ? <T>Mathf.expm1(<f32>x) : <T>Math.expm1(<f64>x); }
}
/** x ** p */
@final class UPow {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T { return tpow<T>(x, p); }
}
/** p ** x */
@final class URPow {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T { return tpow<T>(p, x); }
}

export function neg_f32(out: usize, x: usize, n: i32): void { unary<f32, UNeg>(out, x, n, 0, 0); }
export function neg_f64(out: usize, x: usize, n: i32): void { unary<f64, UNeg>(out, x, n, 0, 0); }
/** exp over f32 four lanes at a time with expf4Any: the scalar Mathf.exp's bits in every lane. */
export function exp_f32(out: usize, x: usize, n: i32): void {
  let i = 0;
  // eight lanes a step with one range test (the loop calls nothing, so nothing spills); a step
  // with a lane outside expf4's range goes through expf4Any
  for (; i + 8 <= n; i += 8) {
    let a = v128.load(x + (<usize>i << 2));
    let b = v128.load(x + (<usize>i << 2), 16);
    if (expf4Fast(i32x4.max_u(v128.and(a, i32x4.splat(0x7fffffff)), v128.and(b, i32x4.splat(0x7fffffff))))) {
      v128.store(out + (<usize>i << 2), expf4(a));
      v128.store(out + (<usize>i << 2), expf4(b), 16);
    } else {
      v128.store(out + (<usize>i << 2), expf4Any(a));
      v128.store(out + (<usize>i << 2), expf4Any(b), 16);
    }
  }
  for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), expf4Any(v128.load(x + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(out + (<usize>i << 2), Mathf.exp(load<f32>(x + (<usize>i << 2))));
}
/** exp over f64 two lanes at a time with expd2Any: the scalar Math.exp's bits in every lane. */
export function exp_f64(out: usize, x: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) v128.store(out + (<usize>i << 3), expd2Any(v128.load(x + (<usize>i << 3))));
  for (; i < n; i++) store<f64>(out + (<usize>i << 3), Math.exp(load<f64>(x + (<usize>i << 3))));
}
export function log_f32(out: usize, x: usize, n: i32): void { unary<f32, ULog>(out, x, n, 0, 0); }
export function log_f64(out: usize, x: usize, n: i32): void { unary<f64, ULog>(out, x, n, 0, 0); }
export function sqrt_f32(out: usize, x: usize, n: i32): void { unary<f32, USqrt>(out, x, n, 0, 0); }
export function sqrt_f64(out: usize, x: usize, n: i32): void { unary<f64, USqrt>(out, x, n, 0, 0); }
export function abs_f32(out: usize, x: usize, n: i32): void { unary<f32, UAbs>(out, x, n, 0, 0); }
export function abs_f64(out: usize, x: usize, n: i32): void { unary<f64, UAbs>(out, x, n, 0, 0); }
export function sin_f32(out: usize, x: usize, n: i32): void { unary<f32, USin>(out, x, n, 0, 0); }
export function sin_f64(out: usize, x: usize, n: i32): void { unary<f64, USin>(out, x, n, 0, 0); }
export function cos_f32(out: usize, x: usize, n: i32): void { unary<f32, UCos>(out, x, n, 0, 0); }
export function cos_f64(out: usize, x: usize, n: i32): void { unary<f64, UCos>(out, x, n, 0, 0); }
export function tanh_f32(out: usize, x: usize, n: i32): void { unary<f32, UTanh>(out, x, n, 0, 0); }
export function tanh_f64(out: usize, x: usize, n: i32): void { unary<f64, UTanh>(out, x, n, 0, 0); }
export function sigmoid_f32(out: usize, x: usize, n: i32): void { unary<f32, USigmoid>(out, x, n, 0, 0); }
export function sigmoid_f64(out: usize, x: usize, n: i32): void { unary<f64, USigmoid>(out, x, n, 0, 0); }
export function relu_f32(out: usize, x: usize, n: i32): void { unary<f32, URelu>(out, x, n, 0, 0); }
export function relu_f64(out: usize, x: usize, n: i32): void { unary<f64, URelu>(out, x, n, 0, 0); }
export function reciprocal_f32(out: usize, x: usize, n: i32): void { unary<f32, URecip>(out, x, n, 0, 0); }
export function reciprocal_f64(out: usize, x: usize, n: i32): void { unary<f64, URecip>(out, x, n, 0, 0); }
export function square_f32(out: usize, x: usize, n: i32): void { unary<f32, USquare>(out, x, n, 0, 0); }
export function square_f64(out: usize, x: usize, n: i32): void { unary<f64, USquare>(out, x, n, 0, 0); }
export function sign_f32(out: usize, x: usize, n: i32): void { unary<f32, USign>(out, x, n, 0, 0); }
export function sign_f64(out: usize, x: usize, n: i32): void { unary<f64, USign>(out, x, n, 0, 0); }
export function log1p_f32(out: usize, x: usize, n: i32): void { unary<f32, ULog1p>(out, x, n, 0, 0); }
export function log1p_f64(out: usize, x: usize, n: i32): void { unary<f64, ULog1p>(out, x, n, 0, 0); }
export function expm1_f32(out: usize, x: usize, n: i32): void { unary<f32, UExpm1>(out, x, n, 0, 0); }
export function expm1_f64(out: usize, x: usize, n: i32): void { unary<f64, UExpm1>(out, x, n, 0, 0); }
export function clamp_f32(out: usize, x: usize, n: i32, lo: f64, hi: f64): void { unary<f32, UClamp>(out, x, n, lo, hi); }
export function clamp_f64(out: usize, x: usize, n: i32, lo: f64, hi: f64): void { unary<f64, UClamp>(out, x, n, lo, hi); }
export function leaky_relu_f32(out: usize, x: usize, n: i32, slope: f64): void { unary<f32, ULeaky>(out, x, n, slope, 0); }
export function leaky_relu_f64(out: usize, x: usize, n: i32, slope: f64): void { unary<f64, ULeaky>(out, x, n, slope, 0); }
export function scale_f32(out: usize, x: usize, n: i32, s: f64): void { unary<f32, UScale>(out, x, n, s, 0); }
export function scale_f64(out: usize, x: usize, n: i32, s: f64): void { unary<f64, UScale>(out, x, n, s, 0); }
export function rpows_f32(out: usize, x: usize, n: i32, base: f64): void { unary<f32, URPow>(out, x, n, base, 0); }
export function rpows_f64(out: usize, x: usize, n: i32, base: f64): void { unary<f64, URPow>(out, x, n, base, 0); }

/** x ** e as PyTorch 1.13 computes it for a scalar exponent (compared as a double): e = 0 -> 1,
 *  1 -> x, 0.5 -> sqrt(x), -0.5 -> 1/sqrt(x), -1 -> 1/x, 2 -> x*x, 3 -> x*x*x, -2 -> 1/(x*x), else
 *  C's pow. The shortcuts are not pow at the edges, and PyTorch's values follow them:
 *  (-inf) ** 0.5 = NaN, (-0) ** 0.5 = -0, (-0) ** -0.5 = -inf. */
// @ts-ignore: decorator
@inline function pows<T>(out: usize, x: usize, n: i32, e: f64): void {
  if (e == 0) unary<T, UOne>(out, x, n, 0, 0);
  else if (e == 1) unary<T, UCopy>(out, x, n, 0, 0);
  else if (e == 0.5) unary<T, USqrt>(out, x, n, 0, 0);
  else if (e == -0.5) unary<T, URsqrt>(out, x, n, 0, 0);
  else if (e == -1) unary<T, URecip>(out, x, n, 0, 0);
  else if (e == 2) unary<T, USquare>(out, x, n, 0, 0);
  else if (e == 3) unary<T, UCube>(out, x, n, 0, 0);
  else if (e == -2) unary<T, URecipSquare>(out, x, n, 0, 0);
  else unary<T, UPow>(out, x, n, e, 0);
}
export function pows_f32(out: usize, x: usize, n: i32, e: f64): void { pows<f32>(out, x, n, e); }
export function pows_f64(out: usize, x: usize, n: i32, e: f64): void { pows<f64>(out, x, n, e); }

export function logical_not_u8(out: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) st<u8>(out, i, <u8>(ld<u8>(x, i) == 0));
}

// ---------------------------------------------------------------------------------------------
// Binary, strided with broadcasting.
// META[0..ndim) = shape, META[ndim..2ndim) = a strides, META[2ndim..3ndim) = b strides
// (element units). out is contiguous row-major. An odometer walks the outer ndim-1 dims; the
// last dim runs a specialised inner loop chosen by its strides.
// ---------------------------------------------------------------------------------------------

@final class BPow {
  // @ts-ignore: decorator
  @inline s<T>(a: T, b: T): T { return tpow<T>(a, b); }
}
@final class BAtan2 {
  // @ts-ignore: decorator
  @inline s<T>(a: T, b: T): T { return sizeof<T>() == 4 ? <T>Mathf.atan2(<f32>a, <f32>b) : <T>Math.atan2(<f64>a, <f64>b); }
}
@final class BGt {
  // @ts-ignore: decorator
  @inline s<T>(a: T, b: T): u8 { return <u8>(a > b); }
}
@final class BLt {
  // @ts-ignore: decorator
  @inline s<T>(a: T, b: T): u8 { return <u8>(a < b); }
}
@final class BGe {
  // @ts-ignore: decorator
  @inline s<T>(a: T, b: T): u8 { return <u8>(a >= b); }
}
@final class BLe {
  // @ts-ignore: decorator
  @inline s<T>(a: T, b: T): u8 { return <u8>(a <= b); }
}
@final class BEq {
  // @ts-ignore: decorator
  @inline s<T>(a: T, b: T): u8 { return <u8>(a == b); }
}
@final class BNe {
  // @ts-ignore: decorator
  @inline s<T>(a: T, b: T): u8 { return <u8>(a != b); }
}
@final class BAnd {
  // @ts-ignore: decorator
  @inline s<T>(a: T, b: T): u8 { return <u8>((a != <T>0) & (b != <T>0)); }
}
@final class BOr {
  // @ts-ignore: decorator
  @inline s<T>(a: T, b: T): u8 { return <u8>((a != <T>0) | (b != <T>0)); }
}



export function add_f32(out: usize, a: usize, b: usize, ndim: i32): void { binary<f32, f32, BAdd>(out, a, b, ndim); }
export function add_f64(out: usize, a: usize, b: usize, ndim: i32): void { binary<f64, f64, BAdd>(out, a, b, ndim); }
export function sub_f32(out: usize, a: usize, b: usize, ndim: i32): void { binary<f32, f32, BSub>(out, a, b, ndim); }
export function sub_f64(out: usize, a: usize, b: usize, ndim: i32): void { binary<f64, f64, BSub>(out, a, b, ndim); }
export function mul_f32(out: usize, a: usize, b: usize, ndim: i32): void { binary<f32, f32, BMul>(out, a, b, ndim); }
export function mul_f64(out: usize, a: usize, b: usize, ndim: i32): void { binary<f64, f64, BMul>(out, a, b, ndim); }
export function div_f32(out: usize, a: usize, b: usize, ndim: i32): void { binary<f32, f32, BDiv>(out, a, b, ndim); }
export function div_f64(out: usize, a: usize, b: usize, ndim: i32): void { binary<f64, f64, BDiv>(out, a, b, ndim); }
export function pow_f32(out: usize, a: usize, b: usize, ndim: i32): void { binary<f32, f32, BPow>(out, a, b, ndim); }
export function pow_f64(out: usize, a: usize, b: usize, ndim: i32): void { binary<f64, f64, BPow>(out, a, b, ndim); }
export function maximum_f32(out: usize, a: usize, b: usize, ndim: i32): void { binary<f32, f32, BMax>(out, a, b, ndim); }
export function maximum_f64(out: usize, a: usize, b: usize, ndim: i32): void { binary<f64, f64, BMax>(out, a, b, ndim); }
export function minimum_f32(out: usize, a: usize, b: usize, ndim: i32): void { binary<f32, f32, BMin>(out, a, b, ndim); }
export function minimum_f64(out: usize, a: usize, b: usize, ndim: i32): void { binary<f64, f64, BMin>(out, a, b, ndim); }
export function atan2_f32(out: usize, a: usize, b: usize, ndim: i32): void { binary<f32, f32, BAtan2>(out, a, b, ndim); }
export function atan2_f64(out: usize, a: usize, b: usize, ndim: i32): void { binary<f64, f64, BAtan2>(out, a, b, ndim); }

export function gt_f32(out: usize, a: usize, b: usize, ndim: i32): void { binary<f32, u8, BGt>(out, a, b, ndim); }
export function gt_f64(out: usize, a: usize, b: usize, ndim: i32): void { binary<f64, u8, BGt>(out, a, b, ndim); }
export function lt_f32(out: usize, a: usize, b: usize, ndim: i32): void { binary<f32, u8, BLt>(out, a, b, ndim); }
export function lt_f64(out: usize, a: usize, b: usize, ndim: i32): void { binary<f64, u8, BLt>(out, a, b, ndim); }
export function ge_f32(out: usize, a: usize, b: usize, ndim: i32): void { binary<f32, u8, BGe>(out, a, b, ndim); }
export function ge_f64(out: usize, a: usize, b: usize, ndim: i32): void { binary<f64, u8, BGe>(out, a, b, ndim); }
export function le_f32(out: usize, a: usize, b: usize, ndim: i32): void { binary<f32, u8, BLe>(out, a, b, ndim); }
export function le_f64(out: usize, a: usize, b: usize, ndim: i32): void { binary<f64, u8, BLe>(out, a, b, ndim); }
export function eq_f32(out: usize, a: usize, b: usize, ndim: i32): void { binary<f32, u8, BEq>(out, a, b, ndim); }
export function eq_f64(out: usize, a: usize, b: usize, ndim: i32): void { binary<f64, u8, BEq>(out, a, b, ndim); }
export function ne_f32(out: usize, a: usize, b: usize, ndim: i32): void { binary<f32, u8, BNe>(out, a, b, ndim); }
export function ne_f64(out: usize, a: usize, b: usize, ndim: i32): void { binary<f64, u8, BNe>(out, a, b, ndim); }
export function logical_and_u8(out: usize, a: usize, b: usize, ndim: i32): void { binary<u8, u8, BAnd>(out, a, b, ndim); }
export function logical_or_u8(out: usize, a: usize, b: usize, ndim: i32): void { binary<u8, u8, BOr>(out, a, b, ndim); }

// ---------------------------------------------------------------------------------------------
// where: out = cond ? a : b. META = shape, cond strides, a strides, b strides (4*ndim ints).
// ---------------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function whereT<T>(out: usize, cond: usize, a: usize, b: usize, ndim: i32): void {
  if (ndim <= 0) {
    store<T>(out, load<u8>(cond) != 0 ? load<T>(a) : load<T>(b));
    return;
  }
  let last = ndim - 1;
  let outer = odoStart(ndim, 3);
  let n = meta(last);
  if (outer <= 0 || n <= 0) return;
  let sc = meta(ndim + last);
  let sa = meta(2 * ndim + last);
  let sb = meta(3 * ndim + last);
  let op_ = out;
  for (let o = 0; o < outer; o++) {
    let pc = cond + <usize>odoOff(0);
    let pa = a + boff<T>(odoOff(1));
    let pb = b + boff<T>(odoOff(2));
    for (let i = 0; i < n; i++) {
      st<T>(op_, i, ld<u8>(pc, i * sc) != 0 ? ld<T>(pa, i * sa) : ld<T>(pb, i * sb));
    }
    op_ += <usize>n * sizeof<T>();
    odoNext(ndim, 3);
  }
}
export function where_f32(out: usize, cond: usize, a: usize, b: usize, ndim: i32): void { whereT<f32>(out, cond, a, b, ndim); }

// relu's gradient (threshold_backward(g, y, 0)) over n contiguous elements: y <= 0 ? +0 : g. The
// bits of `where(y <= 0, 0, g)`: the same comparison (NaN fails it and keeps g) and g's own bits
// otherwise, in one pass and no mask in memory.
// @ts-ignore: decorator
@inline function thresholdBackT<T>(out: usize, g: usize, y: usize, n: i32): void {
  let L = lanes<T>();
  let z = v128.splat<T>(<T>0);
  let i = 0;
  for (; i + L <= n; i += L) {
    let o = boff<T>(i);
    v128.store(out + o, v128.andnot(v128.load(g + o), v128.le<T>(v128.load(y + o), z)));
  }
  for (; i < n; i++) st<T>(out, i, ld<T>(y, i) <= <T>0 ? <T>0 : ld<T>(g, i));
}
export function threshold_backward_f32(out: usize, g: usize, y: usize, n: i32): void { thresholdBackT<f32>(out, g, y, n); }
export function threshold_backward_f64(out: usize, g: usize, y: usize, n: i32): void { thresholdBackT<f64>(out, g, y, n); }
export function where_f64(out: usize, cond: usize, a: usize, b: usize, ndim: i32): void { whereT<f64>(out, cond, a, b, ndim); }
