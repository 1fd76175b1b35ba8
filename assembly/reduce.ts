// Reductions over the middle axis of a contiguous x viewed as [outer, n, inner] -> out [outer, inner]
// (softmax / log_softmax: out has x's shape).
//
// Summation order (fixed, identical on every platform; f32 inputs are promoted to f64 and all
// sums accumulate in f64, rounded to T once at the end):
//  * inner == 1 (contiguous runs): four lane accumulators, lane j sums the elements whose index
//    within the run is = j (mod 4), in increasing index order; the lanes are combined as
//    (l0 + l1) + (l2 + l3); then the remaining n % 4 elements are added in increasing order.
//  * inner > 1: every output element is the plain sequential sum over k = 0..n-1 starting from +0
//    (SIMD runs across adjacent output columns, row by row, with the partial sums kept in an f64
//    buffer, which does not change the per-element order).
//  * mean = sum / n (in f64, then rounded to T).
//  * var: two passes in f64 with sequential order over k: mean, then sum of squared deviations,
//    divided by max(0, n - correction) as PyTorch does (so no elements, or one with correction 1,
//    give 0/0 = NaN).
//  * logsumexp / softmax / log_softmax: per output column, sequential over k: m = max, then
//    sum of exp(x - m) (exp computed in T, accumulated in f64).
// max/min propagate NaN (wasm min/max semantics); with n == 0 they give -inf / +inf. A result of
// zero takes the sign of the first zero of its run: PyTorch keeps the earlier of tied values
// (so a row -0, +0 gives -0 for both amax and amin), which wasm's min/max (-0 < +0) do not.

import { ld, st, boff, lanes, texp, tlog } from "./math";
import { expf4, expf4Any, expf4Fast, expd2, expd2Any, expd2Fast } from "./vexp";

// ------------------------------------------------------------------------------ sum / mean

/** Sum of a contiguous run of n elements, in f64, in the documented order (4 lanes). Two f64x2
 *  accumulators hold lanes (0, 1) and (2, 3); the loop is unrolled by 4 groups, which keeps each
 *  lane's additions in increasing index order. */
// @ts-ignore: decorator
@inline function runSum<T>(p: usize, n: i32): f64 {
  let acc0 = f64x2.splat(0);
  let acc1 = f64x2.splat(0);
  let i = 0;
  if (sizeof<T>() == 4) {
    // 64-bit loads of element pairs, promoted (cheaper than a shuffle of a full load)
    for (; i + 16 <= n; i += 16) {
      let q = p + boff<T>(i);
      acc0 = f64x2.add(acc0, f64x2.promote_low_f32x4(v128.load64_zero(q)));
      acc1 = f64x2.add(acc1, f64x2.promote_low_f32x4(v128.load64_zero(q, 8)));
      acc0 = f64x2.add(acc0, f64x2.promote_low_f32x4(v128.load64_zero(q, 16)));
      acc1 = f64x2.add(acc1, f64x2.promote_low_f32x4(v128.load64_zero(q, 24)));
      acc0 = f64x2.add(acc0, f64x2.promote_low_f32x4(v128.load64_zero(q, 32)));
      acc1 = f64x2.add(acc1, f64x2.promote_low_f32x4(v128.load64_zero(q, 40)));
      acc0 = f64x2.add(acc0, f64x2.promote_low_f32x4(v128.load64_zero(q, 48)));
      acc1 = f64x2.add(acc1, f64x2.promote_low_f32x4(v128.load64_zero(q, 56)));
    }
    for (; i + 4 <= n; i += 4) {
      let q = p + boff<T>(i);
      acc0 = f64x2.add(acc0, f64x2.promote_low_f32x4(v128.load64_zero(q)));
      acc1 = f64x2.add(acc1, f64x2.promote_low_f32x4(v128.load64_zero(q, 8)));
    }
  } else {
    for (; i + 4 <= n; i += 4) {
      acc0 = f64x2.add(acc0, v128.load(p + boff<T>(i)));
      acc1 = f64x2.add(acc1, v128.load(p + boff<T>(i), 16));
    }
  }
  let s = (f64x2.extract_lane(acc0, 0) + f64x2.extract_lane(acc0, 1)) +
          (f64x2.extract_lane(acc1, 0) + f64x2.extract_lane(acc1, 1));
  for (; i < n; i++) s += <f64>ld<T>(p, i);
  return s;
}

/** Column partial sums (f64) for up to COLBUF_N columns of a wide [n, inner] block. */
// @ts-ignore: decorator
@inline const COLBUF_N: i32 = 512;
const COLBUF: usize = memory.data(COLBUF_N * 8, 16);

/** Column sums of a [n, inner] block (row stride = inner) into out[0..inner), each sequential in
 *  k from +0, accumulated in f64 (divided by n when `mean`), rounded to T. */
// @ts-ignore: decorator
@inline function colSum<T>(out: usize, p: usize, n: i32, inner: i32, mean: bool): void {
  let fn = <f64>n;
  let j = 0;
  if (inner >= 16) {
    // row by row over blocks of up to COLBUF_N columns, partial sums in COLBUF (L1)
    for (let j0 = 0; j0 < inner; j0 += COLBUF_N) {
      let cw = min<i32>(COLBUF_N, inner - j0);
      let c = 0;
      for (; c + 2 <= cw; c += 2) v128.store(COLBUF + (<usize>c << 3), f64x2.splat(0));
      for (; c < cw; c++) store<f64>(COLBUF + (<usize>c << 3), 0);
      for (let k = 0; k < n; k++) {
        let row = p + boff<T>(k * inner + j0);
        c = 0;
        if (sizeof<T>() == 4) {
          for (; c + 4 <= cw; c += 4) {
            let r = row + boff<T>(c);
            let q = COLBUF + (<usize>c << 3);
            v128.store(q, f64x2.add(v128.load(q), f64x2.promote_low_f32x4(v128.load64_zero(r))));
            v128.store(q, f64x2.add(v128.load(q, 16), f64x2.promote_low_f32x4(v128.load64_zero(r, 8))), 16);
          }
        } else {
          for (; c + 4 <= cw; c += 4) {
            let q = COLBUF + (<usize>c << 3);
            let r = row + boff<T>(c);
            v128.store(q, f64x2.add(v128.load(q), v128.load(r)));
            v128.store(q, f64x2.add(v128.load(q, 16), v128.load(r, 16)), 16);
          }
        }
        for (; c < cw; c++) {
          let q = COLBUF + (<usize>c << 3);
          store<f64>(q, load<f64>(q) + <f64>ld<T>(row, c));
        }
      }
      for (c = 0; c < cw; c++) {
        let s = load<f64>(COLBUF + (<usize>c << 3));
        if (mean) s /= fn;
        st<T>(out, j0 + c, <T>s);
      }
    }
    return;
  }
  for (; j + 8 <= inner; j += 8) {
    let a0 = f64x2.splat(0);
    let a1 = f64x2.splat(0);
    let a2 = f64x2.splat(0);
    let a3 = f64x2.splat(0);
    let q = p + boff<T>(j);
    let rs = boff<T>(inner);
    for (let k = 0; k < n; k++) {
      if (sizeof<T>() == 4) {
        let v = v128.load(q);
        let w = v128.load(q, 16);
        a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v));
        a1 = f64x2.add(a1, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
        a2 = f64x2.add(a2, f64x2.promote_low_f32x4(w));
        a3 = f64x2.add(a3, f64x2.promote_low_f32x4(v128.shuffle<f32>(w, w, 2, 3, 0, 1)));
      } else {
        a0 = f64x2.add(a0, v128.load(q));
        a1 = f64x2.add(a1, v128.load(q, 16));
        a2 = f64x2.add(a2, v128.load(q, 32));
        a3 = f64x2.add(a3, v128.load(q, 48));
      }
      q += rs;
    }
    if (mean) {
      let d = f64x2.splat(fn);
      a0 = f64x2.div(a0, d);
      a1 = f64x2.div(a1, d);
      a2 = f64x2.div(a2, d);
      a3 = f64x2.div(a3, d);
    }
    st<T>(out, j + 0, <T>f64x2.extract_lane(a0, 0));
    st<T>(out, j + 1, <T>f64x2.extract_lane(a0, 1));
    st<T>(out, j + 2, <T>f64x2.extract_lane(a1, 0));
    st<T>(out, j + 3, <T>f64x2.extract_lane(a1, 1));
    st<T>(out, j + 4, <T>f64x2.extract_lane(a2, 0));
    st<T>(out, j + 5, <T>f64x2.extract_lane(a2, 1));
    st<T>(out, j + 6, <T>f64x2.extract_lane(a3, 0));
    st<T>(out, j + 7, <T>f64x2.extract_lane(a3, 1));
  }
  for (; j < inner; j++) {
    let s: f64 = 0;
    for (let k = 0; k < n; k++) s += <f64>ld<T>(p, k * inner + j);
    if (mean) s /= fn;
    st<T>(out, j, <T>s);
  }
}

// @ts-ignore: decorator
@inline function sumT<T>(out: usize, x: usize, outer: i32, n: i32, inner: i32, mean: bool): void {
  if (n < 0) n = 0;
  if (inner == 1) {
    for (let o = 0; o < outer; o++) {
      let s = runSum<T>(x + boff<T>(o * n), n);
      if (mean) s /= <f64>n;
      st<T>(out, o, <T>s);
    }
  } else {
    for (let o = 0; o < outer; o++) {
      colSum<T>(out + boff<T>(o * inner), x + boff<T>(o * n * inner), n, inner, mean);
    }
  }
}
export function sum_f32(out: usize, x: usize, outer: i32, n: i32, inner: i32): void { sumT<f32>(out, x, outer, n, inner, false); }
export function sum_f64(out: usize, x: usize, outer: i32, n: i32, inner: i32): void { sumT<f64>(out, x, outer, n, inner, false); }
export function mean_f32(out: usize, x: usize, outer: i32, n: i32, inner: i32): void { sumT<f32>(out, x, outer, n, inner, true); }
export function mean_f64(out: usize, x: usize, outer: i32, n: i32, inner: i32): void { sumT<f64>(out, x, outer, n, inner, true); }

// ------------------------------------------------------------------------------ max / min

@final class RMax {
  // @ts-ignore: decorator
  @inline init<T>(): T { return <T>-Infinity; }
  // @ts-ignore: decorator
  @inline s<T>(a: T, b: T): T { return max<T>(a, b); }
  // @ts-ignore: decorator
  @inline v<T>(a: v128, b: v128): v128 { return v128.max<T>(a, b); }
}
@final class RMin {
  // @ts-ignore: decorator
  @inline init<T>(): T { return <T>Infinity; }
  // @ts-ignore: decorator
  @inline s<T>(a: T, b: T): T { return min<T>(a, b); }
  // @ts-ignore: decorator
  @inline v<T>(a: v128, b: v128): v128 { return v128.min<T>(a, b); }
}

// @ts-ignore: decorator
@inline function extremeT<T, OP>(out: usize, x: usize, outer: i32, n: i32, inner: i32): void {
  let op = changetype<OP>(0);
  let init: T = op.init<T>();
  let L = lanes<T>();
  if (n < 0) n = 0;
  if (inner == 1) {
    for (let o = 0; o < outer; o++) {
      let p = x + boff<T>(o * n);
      let acc = v128.splat<T>(init);
      let acc1 = acc, acc2 = acc, acc3 = acc;
      let i = 0;
      // four independent chains (max/min are exact, associative and commutative on values)
      for (; i + 4 * L <= n; i += 4 * L) {
        let q = p + boff<T>(i);
        acc = op.v<T>(acc, v128.load(q));
        acc1 = op.v<T>(acc1, v128.load(q, 16));
        acc2 = op.v<T>(acc2, v128.load(q, 32));
        acc3 = op.v<T>(acc3, v128.load(q, 48));
      }
      acc = op.v<T>(op.v<T>(acc, acc1), op.v<T>(acc2, acc3));
      for (; i + L <= n; i += L) acc = op.v<T>(acc, v128.load(p + boff<T>(i)));
      let r = init;
      if (sizeof<T>() == 4) {
        let a = v128.extract_lane<T>(acc, 0);
        let b = v128.extract_lane<T>(acc, 1);
        let c = v128.extract_lane<T>(acc, 2);
        let d = v128.extract_lane<T>(acc, 3);
        r = op.s<T>(op.s<T>(a, b), op.s<T>(c, d));
      } else {
        r = op.s<T>(v128.extract_lane<T>(acc, 0), v128.extract_lane<T>(acc, 1));
      }
      for (; i < n; i++) r = op.s<T>(r, ld<T>(p, i));
      if (r == <T>0) r = firstZero<T>(p, n, 1, r);
      st<T>(out, o, r);
    }
  } else {
    for (let o = 0; o < outer; o++) {
      let po = out + boff<T>(o * inner);
      let px = x + boff<T>(o * n * inner);
      let j = 0;
      for (; j + L <= inner; j += L) v128.store(po + boff<T>(j), v128.splat<T>(init));
      for (; j < inner; j++) st<T>(po, j, init);
      for (let k = 0; k < n; k++) {
        let row = px + boff<T>(k * inner);
        j = 0;
        for (; j + L <= inner; j += L) {
          v128.store(po + boff<T>(j), op.v<T>(v128.load(po + boff<T>(j)), v128.load(row + boff<T>(j))));
        }
        for (; j < inner; j++) st<T>(po, j, op.s<T>(ld<T>(po, j), ld<T>(row, j)));
      }
      for (j = 0; j < inner; j++) {
        let r = ld<T>(po, j);
        if (r == <T>0) st<T>(po, j, firstZero<T>(px + boff<T>(j), n, inner, r));
      }
    }
  }
}

/** The first element equal to zero (+0 or -0) of a strided run, or r if none. */
// @ts-ignore: decorator
@inline function firstZero<T>(p: usize, n: i32, stride: i32, r: T): T {
  for (let k = 0; k < n; k++) {
    let v = ld<T>(p, k * stride);
    if (v == <T>0) return v;
  }
  return r;
}
export function max_f32(out: usize, x: usize, outer: i32, n: i32, inner: i32): void { extremeT<f32, RMax>(out, x, outer, n, inner); }
export function max_f64(out: usize, x: usize, outer: i32, n: i32, inner: i32): void { extremeT<f64, RMax>(out, x, outer, n, inner); }
export function min_f32(out: usize, x: usize, outer: i32, n: i32, inner: i32): void { extremeT<f32, RMin>(out, x, outer, n, inner); }
export function min_f64(out: usize, x: usize, outer: i32, n: i32, inner: i32): void { extremeT<f64, RMin>(out, x, outer, n, inner); }

// ------------------------------------------------------------------------------ column helpers
// p points at element (o, 0, i); element k is at p + k*inner (element units).

// @ts-ignore: decorator
@inline function colMax<T>(p: usize, n: i32, inner: i32): T {
  let m: T = <T>-Infinity;
  for (let k = 0; k < n; k++) m = max<T>(m, ld<T>(p, k * inner));
  return m;
}

// @ts-ignore: decorator
@inline function logsumexpT<T>(out: usize, x: usize, outer: i32, n: i32, inner: i32): void {
  if (n < 0) n = 0;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let p = x + boff<T>(o * n * inner + i);
      let m = colMax<T>(p, n, inner);
      let shift: T = (m == <T>Infinity || m == <T>-Infinity) ? <T>0 : m;
      let s: f64 = 0;
      for (let k = 0; k < n; k++) s += <f64>texp<T>(ld<T>(p, k * inner) - shift);
      st<T>(out, o * inner + i, shift + tlog<T>(<T>s));
    }
  }
}
export function logsumexp_f32(out: usize, x: usize, outer: i32, n: i32, inner: i32): void { logsumexpT<f32>(out, x, outer, n, inner); }
export function logsumexp_f64(out: usize, x: usize, outer: i32, n: i32, inner: i32): void { logsumexpT<f64>(out, x, outer, n, inner); }

// @ts-ignore: decorator
@inline function varT<T>(out: usize, x: usize, outer: i32, n: i32, inner: i32, correction: f64): void {
  if (n < 0) n = 0;
  let fn = <f64>n;
  let dof = max<f64>(0, fn - correction);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let p = x + boff<T>(o * n * inner + i);
      let s: f64 = 0;
      for (let k = 0; k < n; k++) s += <f64>ld<T>(p, k * inner);
      let mean = s / fn;
      let ss: f64 = 0;
      for (let k = 0; k < n; k++) {
        let d = <f64>ld<T>(p, k * inner) - mean;
        ss += d * d;
      }
      st<T>(out, o * inner + i, <T>(ss / dof));
    }
  }
}
export function var_f32(out: usize, x: usize, outer: i32, n: i32, inner: i32, correction: f64): void { varT<f32>(out, x, outer, n, inner, correction); }
export function var_f64(out: usize, x: usize, outer: i32, n: i32, inner: i32, correction: f64): void { varT<f64>(out, x, outer, n, inner, correction); }

/** Max of a contiguous run (wasm max is commutative and associative, NaN and signed zeros
 *  included, so the lane order gives the sequential result). */
// @ts-ignore: decorator
@inline function runMax<T>(p: usize, n: i32): T {
  let k = 0;
  let m: T = <T>-Infinity;
  if (sizeof<T>() == 4) {
    if (n >= 4) {
      let v = v128.load(p);
      k = 4;
      // Four independent chains: wasm's vector max is a long dependent sequence, one chain would
      // be latency-bound.
      if (n >= 16) {
        let v1 = v128.load(p, 16);
        let v2 = v128.load(p, 32);
        let v3 = v128.load(p, 48);
        for (k = 16; k + 16 <= n; k += 16) {
          let q = p + boff<T>(k);
          v = f32x4.max(v, v128.load(q));
          v1 = f32x4.max(v1, v128.load(q, 16));
          v2 = f32x4.max(v2, v128.load(q, 32));
          v3 = f32x4.max(v3, v128.load(q, 48));
        }
        v = f32x4.max(f32x4.max(v, v1), f32x4.max(v2, v3));
      }
      for (; k + 4 <= n; k += 4) v = f32x4.max(v, v128.load(p + boff<T>(k)));
      m = <T>max<f32>(max<f32>(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max<f32>(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
    }
  } else {
    if (n >= 2) {
      let v = v128.load(p);
      k = 2;
      if (n >= 8) {
        let v1 = v128.load(p, 16);
        let v2 = v128.load(p, 32);
        let v3 = v128.load(p, 48);
        for (k = 8; k + 8 <= n; k += 8) {
          let q = p + boff<T>(k);
          v = f64x2.max(v, v128.load(q));
          v1 = f64x2.max(v1, v128.load(q, 16));
          v2 = f64x2.max(v2, v128.load(q, 32));
          v3 = f64x2.max(v3, v128.load(q, 48));
        }
        v = f64x2.max(f64x2.max(v, v1), f64x2.max(v2, v3));
      }
      for (; k + 2 <= n; k += 2) v = f64x2.max(v, v128.load(p + boff<T>(k)));
      m = <T>max<f64>(f64x2.extract_lane(v, 0), f64x2.extract_lane(v, 1));
    }
  }
  for (; k < n; k++) m = max<T>(m, ld<T>(p, k));
  return m;
}

/** runMax with the pseudo-max (one x86 instruction, where wasm's max is eight: NaN and signed
 *  zeros). It differs from runMax only in a row with a NaN, which makes the sum of exps NaN:
 *  callers then redo the row with runMax (for the NaN's bits). A max of -0 where runMax gives +0
 *  changes no output: only x = -0 gets another d = x - m (+0 for -0), exp(d) = 1 either way, and
 *  log_softmax's d - lse has lse >= log 2 (two zeros in the row), so the result is -lse. */
// @ts-ignore: decorator
@inline function runPMax<T>(p: usize, n: i32): T {
  let k = 0;
  let m: T = <T>-Infinity;
  let L = 16 / sizeof<T>();
  if (n >= 4 * L) {
    let v = v128.load(p);
    let v1 = v128.load(p, 16);
    let v2 = v128.load(p, 32);
    let v3 = v128.load(p, 48);
    for (k = 4 * L; k + 4 * L <= n; k += 4 * L) {
      let q = p + boff<T>(k);
      v = v128.pmax<T>(v, v128.load(q));
      v1 = v128.pmax<T>(v1, v128.load(q, 16));
      v2 = v128.pmax<T>(v2, v128.load(q, 32));
      v3 = v128.pmax<T>(v3, v128.load(q, 48));
    }
    v = v128.pmax<T>(v128.pmax<T>(v, v1), v128.pmax<T>(v2, v3));
    for (; k + L <= n; k += L) v = v128.pmax<T>(v, v128.load(p + boff<T>(k)));
    if (sizeof<T>() == 4) {
      m = <T>max<f32>(max<f32>(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max<f32>(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
    } else {
      m = <T>max<f64>(f64x2.extract_lane(v, 0), f64x2.extract_lane(v, 1));
    }
  }
  for (; k < n; k++) m = max<T>(m, ld<T>(p, k));
  return m;
}

/** The smallest exp for which the f64 sum of a row's n exps (each in [0, 1]) is exact. Every f32
 *  e >= 2^E is a multiple of 2^(E - 23); n such values (n < 2^c) and all their partial sums are
 *  multiples of 2^(E - 23) below 2^c, exactly representable in f64's 53 bits when c - E + 23 <= 53.
 *  So with every e >= 2^(c - 30) no addition rounds, and any order gives the sequential sum's bits. */
// @ts-ignore: decorator
@inline function exactExpFloor(n: i32): f32 {
  let c = 32 - <i32>clz<u32>(<u32>n);
  return reinterpret<f32>((127 + c - 30) << 23);
}

/** The documented sequential f64 sum of exp(x - m) over a contiguous f32 row (the fallback of
 *  softmaxRowF32 when its lane sums may have rounded). */
// @ts-ignore: decorator
@inline function seqExpSumF32(p: usize, n: i32, m: f32): f64 {
  let s: f64 = 0;
  let mv = f32x4.splat(m);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    let e = expf4Any(f32x4.sub(v128.load(p + (<usize>k << 2)), mv));
    s += <f64>f32x4.extract_lane(e, 0);
    s += <f64>f32x4.extract_lane(e, 1);
    s += <f64>f32x4.extract_lane(e, 2);
    s += <f64>f32x4.extract_lane(e, 3);
  }
  for (; k < n; k++) s += <f64>Mathf.exp(load<f32>(p + (<usize>k << 2)) - m);
  return s;
}

/** The sequential f64 sum of exp(x - m) over a contiguous f32 row (x <= m), with the exps
 *  stored at q when `keep` (exp by expf4Any: the scalar exp's bits in every lane). The sum runs in
 *  four independent f64x2 accumulators, which gives the sequential sum's bits exactly whenever no
 *  addition can round (exactExpFloor); otherwise it is redone in order. */
// @ts-ignore: decorator
@inline function expSumF32(q: usize, p: usize, n: i32, m: f32, keep: bool): f64 {
  let mv = f32x4.splat(m);
  let a0 = f64x2.splat(0);
  let a1 = f64x2.splat(0);
  let a2 = f64x2.splat(0);
  let a3 = f64x2.splat(0);
  let lo = f32x4.splat(1);
  let k = 0;
  // The hot loop calls nothing (a call would make the engine spill the accumulators): it stops at
  // the first group with a lane outside expf4's range, which the next loop finishes.
  for (; k + 8 <= n; k += 8) {
    let off = <usize>k << 2;
    let d0 = f32x4.sub(v128.load(p + off), mv);
    let d1 = f32x4.sub(v128.load(p + off, 16), mv);
    if (!expf4Fast(i32x4.max_u(v128.and(d0, i32x4.splat(0x7fffffff)), v128.and(d1, i32x4.splat(0x7fffffff))))) break;
    let e0 = expf4(d0);
    let e1 = expf4(d1);
    if (keep) {
      v128.store(q + off, e0);
      v128.store(q + off, e1, 16);
    }
    lo = f32x4.pmin(lo, f32x4.pmin(e0, e1));
    a0 = f64x2.add(a0, f64x2.promote_low_f32x4(e0));
    a1 = f64x2.add(a1, f64x2.promote_low_f32x4(v128.shuffle<f32>(e0, e0, 2, 3, 0, 1)));
    a2 = f64x2.add(a2, f64x2.promote_low_f32x4(e1));
    a3 = f64x2.add(a3, f64x2.promote_low_f32x4(v128.shuffle<f32>(e1, e1, 2, 3, 0, 1)));
  }
  for (; k + 4 <= n; k += 4) {
    let off = <usize>k << 2;
    let e0 = expf4Any(f32x4.sub(v128.load(p + off), mv));
    if (keep) v128.store(q + off, e0);
    lo = f32x4.pmin(lo, e0);
    a0 = f64x2.add(a0, f64x2.promote_low_f32x4(e0));
    a1 = f64x2.add(a1, f64x2.promote_low_f32x4(v128.shuffle<f32>(e0, e0, 2, 3, 0, 1)));
  }
  a0 = f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3));
  let s = f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1);
  let mn = min<f32>(min<f32>(f32x4.extract_lane(lo, 0), f32x4.extract_lane(lo, 1)), min<f32>(f32x4.extract_lane(lo, 2), f32x4.extract_lane(lo, 3)));
  for (; k < n; k++) {
    let e = Mathf.exp(load<f32>(p + (<usize>k << 2)) - m);
    if (keep) store<f32>(q + (<usize>k << 2), e);
    mn = min<f32>(mn, e);
    s += <f64>e;
  }
  // A NaN exp (lost by pmin) makes s NaN: in order then too (the NaN's bits may depend on it).
  if (!(mn >= exactExpFloor(n)) || isNaN(s)) {
    if (!keep) return seqExpSumF32(p, n, m);
    s = 0;
    for (k = 0; k < n; k++) s += <f64>load<f32>(q + (<usize>k << 2));
  }
  return s;
}

/** expSumF32 (keeping the exps at q), exported for the as-pect spec, which compares its bits
 *  with the sequential sum's over rows that do and do not take the fallback. */
export function exp_sum_f32(q: usize, p: usize, n: i32, m: f32): f64 { return expSumF32(q, p, n, m, true); }

/** softmax / log_softmax of one contiguous f32 row: the bits of the generic path. */
// @ts-ignore: decorator
@inline function softmaxRowF32(q: usize, p: usize, n: i32, isLog: bool): void {
  let m = runPMax<f32>(p, n);
  let s = expSumF32(q, p, n, m, !isLog);
  if (isNaN(s)) {
    let mx = runMax<f32>(p, n);
    if (reinterpret<u32>(mx) != reinterpret<u32>(m)) {
      m = mx;
      s = expSumF32(q, p, n, m, !isLog);
    }
  }
  let mv = f32x4.splat(m);
  let k = 0;
  if (isLog) {
    let lse = Mathf.log(<f32>s);
    let lv = f32x4.splat(lse);
    for (; k + 4 <= n; k += 4) {
      let off = <usize>k << 2;
      v128.store(q + off, f32x4.sub(f32x4.sub(v128.load(p + off), mv), lv));
    }
    for (; k < n; k++) store<f32>(q + (<usize>k << 2), (load<f32>(p + (<usize>k << 2)) - m) - lse);
  } else divRowF32(q, n, s);
}

/** divRowF32's i32x4 constants: low-29-bit mask, the midpoint 2^28, 9, bits of f32's smallest
 *  normal + 1. */
const DIV_K: usize = memory.data<u32>([
  0x1fffffff, 0x1fffffff, 0x1fffffff, 0x1fffffff, 0x10000000, 0x10000000, 0x10000000, 0x10000000,
  9, 9, 9, 9, 0x00800001, 0x00800001, 0x00800001, 0x00800001,
], 16);

/** Divides the n f32 exps at q by their f64 sum s, rounding each quotient to f32: q[k] =
 *  f32(f64(q[k]) / s), computed as the product by r = 1/s where that gives the same bits.
 *  Proof: p = RN(e RN(1/s)) = (e/s)(1 + d), |d| <= 2^-52 + 2^-106, so p and w = RN(e/s) are
 *  less than 3 f64 ulps of p apart. Rounding to f32 changes only at the midpoints between f32
 *  neighbours, which are 2^29 ulps apart (low 29 mantissa bits 0x10000000). If p's low 29 bits
 *  are more than 8 from 0x10000000 and p's f32 is normal, p and w lie between the same two
 *  midpoints and round alike; groups with a lane too close (or subnormal in f32) divide. */
// @ts-ignore: decorator
@inline function divRowF32(q: usize, n: i32, s: f64): void {
  let k = 0;
  let sv = f64x2.splat(s);
  // s >= 1 (exp(0) = 1 is a term) unless the row has NaN or infinities: then divide throughout
  if (s >= 1 && s < Infinity) {
    let rv = f64x2.splat(1 / s);
    // Loaded, not v128.const: V8 would rebuild each constant at every use inside the loop.
    let m29 = v128.load(DIV_K);
    let mid = v128.load(DIV_K, 16);
    let near = v128.load(DIV_K, 32);
    let minNormal = v128.load(DIV_K, 48);
    for (; k + 4 <= n; k += 4) {
      let off = <usize>k << 2;
      let v = v128.load(q + off);
      let lo = f64x2.promote_low_f32x4(v);
      let hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
      let pl = f64x2.mul(lo, rv);
      let ph = f64x2.mul(hi, rv);
      let r = v128.shuffle<f32>(f32x4.demote_f64x2_zero(pl), f32x4.demote_f64x2_zero(ph), 0, 1, 4, 5);
      let low = v128.and(v128.shuffle<i32>(pl, ph, 0, 2, 4, 6), m29);
      let risky = v128.or(i32x4.lt_s(i32x4.abs(i32x4.sub(low, mid)), near), i32x4.lt_s(r, minNormal));
      if (v128.any_true(risky)) {
        let l = f32x4.demote_f64x2_zero(f64x2.div(lo, sv));
        let h = f32x4.demote_f64x2_zero(f64x2.div(hi, sv));
        r = v128.shuffle<f32>(l, h, 0, 1, 4, 5);
        // the same value, but now a loop variable: V8 would otherwise recompute 1 / s at every
        // group (it sinks the division into the loop)
        rv = f64x2.splat(1 / s);
      }
      v128.store(q + off, r);
    }
  }
  for (; k + 4 <= n; k += 4) {
    let off = <usize>k << 2;
    let v = v128.load(q + off);
    let l = f32x4.demote_f64x2_zero(f64x2.div(f64x2.promote_low_f32x4(v), sv));
    let h = f32x4.demote_f64x2_zero(f64x2.div(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)), sv));
    v128.store(q + off, v128.shuffle<f32>(l, h, 0, 1, 4, 5));
  }
  for (; k < n; k++) store<f32>(q + (<usize>k << 2), <f32>(<f64>load<f32>(q + (<usize>k << 2)) / s));
}

/** divRowF32, exported for the as-pect spec (quotients next to f32 midpoints take the division). */
export function softmax_div_f32(q: usize, n: i32, s: f64): void { divRowF32(q, n, s); }

/** The sequential f64 sum of exp(x - m) over a contiguous f64 row, with the exps stored at q when
 *  `keep`; the exps two lanes at a time (expd2: Math.exp's bits in each lane). */
// @ts-ignore: decorator
@inline function expSumF64(q: usize, p: usize, n: i32, m: f64, keep: bool): f64 {
  let s: f64 = 0;
  let k = 0;
  let mv = f64x2.splat(m);
  for (; k + 2 <= n; k += 2) {
    let off = <usize>k << 3;
    let d = f64x2.sub(v128.load(p + off), mv);
    let e = expd2Fast(d) ? expd2(d) : expd2Any(d);
    if (keep) v128.store(q + off, e);
    s += f64x2.extract_lane(e, 0);
    s += f64x2.extract_lane(e, 1);
  }
  for (; k < n; k++) {
    let e = Math.exp(load<f64>(p + (<usize>k << 3)) - m);
    if (keep) store<f64>(q + (<usize>k << 3), e);
    s += e;
  }
  return s;
}

/** softmax / log_softmax of one contiguous f64 row, sequential f64 sum of the scalar exps. */
// @ts-ignore: decorator
@inline function softmaxRowF64(q: usize, p: usize, n: i32, isLog: bool): void {
  let m = runPMax<f64>(p, n);
  let s = expSumF64(q, p, n, m, !isLog);
  if (isNaN(s)) {
    let mx = runMax<f64>(p, n);
    if (reinterpret<u64>(mx) != reinterpret<u64>(m)) {
      m = mx;
      s = expSumF64(q, p, n, m, !isLog);
    }
  }
  let mv = f64x2.splat(m);
  let k = 0;
  if (isLog) {
    let lse = Math.log(s);
    let lv = f64x2.splat(lse);
    for (; k + 2 <= n; k += 2) {
      let off = <usize>k << 3;
      v128.store(q + off, f64x2.sub(f64x2.sub(v128.load(p + off), mv), lv));
    }
    for (; k < n; k++) store<f64>(q + (<usize>k << 3), (load<f64>(p + (<usize>k << 3)) - m) - lse);
  } else {
    let sv = f64x2.splat(s);
    for (; k + 2 <= n; k += 2) v128.store(q + (<usize>k << 3), f64x2.div(v128.load(q + (<usize>k << 3)), sv));
    for (; k < n; k++) store<f64>(q + (<usize>k << 3), load<f64>(q + (<usize>k << 3)) / s);
  }
}

/** Per-column state of softmax over a middle axis, for blocks of up to COLBUF_N columns: the max
 *  (T), the f64 sum of exps, and log's result (T) or, for f32 softmax, the f64 reciprocal of the sum. */
const SM_MAX: usize = memory.data(COLBUF_N * 8, 16);
const SM_SUM: usize = memory.data(COLBUF_N * 8, 16);
const SM_LSE: usize = memory.data(COLBUF_N * 8, 16);

/** softmax / log_softmax of a [n, inner] block (row stride `inner`) over k, for inner >= 4: the
 *  columns' operations are the one-column path's, in its order (max, then the f64 sum sequential
 *  over k), but run row by row across blocks of columns, so that memory is read contiguously and
 *  a vector holds four f32 or two f64 columns (exp by expf4Any / expd2Any: the scalar exp's bits
 *  in every lane). */
// @ts-ignore: decorator
@inline function softmaxColsT<T>(q: usize, p: usize, n: i32, inner: i32, isLog: bool): void {
  const L = 16 / sizeof<T>();
  for (let j0 = 0; j0 < inner; j0 += COLBUF_N) {
    let cw = min<i32>(COLBUF_N, inner - j0);
    let c = 0;
    for (c = 0; c < cw; c++) {
      st<T>(SM_MAX, c, <T>-Infinity);
      store<f64>(SM_SUM + (<usize>c << 3), 0);
    }
    for (let k = 0; k < n; k++) {
      let row = p + boff<T>(k * inner + j0);
      c = 0;
      for (; c + L <= cw; c += L) v128.store(SM_MAX + boff<T>(c), v128.max<T>(v128.load(SM_MAX + boff<T>(c)), v128.load(row + boff<T>(c))));
      for (; c < cw; c++) st<T>(SM_MAX, c, max<T>(ld<T>(SM_MAX, c), ld<T>(row, c)));
    }
    for (let k = 0; k < n; k++) {
      let off = boff<T>(k * inner + j0);
      let row = p + off;
      let orow = q + off;
      c = 0;
      if (sizeof<T>() == 4) {
        for (; c + 4 <= cw; c += 4) {
          let e = expf4Any(f32x4.sub(v128.load(row + boff<T>(c)), v128.load(SM_MAX + boff<T>(c))));
          if (!isLog) v128.store(orow + boff<T>(c), e);
          let sp = SM_SUM + (<usize>c << 3);
          v128.store(sp, f64x2.add(v128.load(sp), f64x2.promote_low_f32x4(e)));
          v128.store(sp, f64x2.add(v128.load(sp, 16), f64x2.promote_low_f32x4(v128.shuffle<f32>(e, e, 2, 3, 0, 1))), 16);
        }
      } else {
        for (; c + 2 <= cw; c += 2) {
          let d = f64x2.sub(v128.load(row + boff<T>(c)), v128.load(SM_MAX + boff<T>(c)));
          let e = expd2Fast(d) ? expd2(d) : expd2Any(d);
          if (!isLog) v128.store(orow + boff<T>(c), e);
          let sp = SM_SUM + (<usize>c << 3);
          v128.store(sp, f64x2.add(v128.load(sp), e));
        }
      }
      for (; c < cw; c++) {
        let e = texp<T>(ld<T>(row, c) - ld<T>(SM_MAX, c));
        if (!isLog) st<T>(orow, c, e);
        let sp = SM_SUM + (<usize>c << 3);
        store<f64>(sp, load<f64>(sp) + <f64>e);
      }
    }
    // log_softmax: SM_LSE holds log(sum) (T); f32 softmax: 1 / sum (f64) when every column's sum
    // is >= 1 and finite (divRowF32's product by the reciprocal, with its proof and checks)
    let recip = false;
    if (isLog) {
      for (c = 0; c < cw; c++) st<T>(SM_LSE, c, tlog<T>(<T>load<f64>(SM_SUM + (<usize>c << 3))));
    } else if (sizeof<T>() == 4) {
      recip = true;
      for (c = 0; c < cw; c++) {
        let s = load<f64>(SM_SUM + (<usize>c << 3));
        if (!(s >= 1 && s < Infinity)) recip = false;
        store<f64>(SM_LSE + (<usize>c << 3), 1 / s);
      }
    }
    for (let k = 0; k < n; k++) {
      let off = boff<T>(k * inner + j0);
      let row = p + off;
      let orow = q + off;
      c = 0;
      if (isLog) {
        for (; c + L <= cw; c += L) {
          let d = v128.sub<T>(v128.load(row + boff<T>(c)), v128.load(SM_MAX + boff<T>(c)));
          v128.store(orow + boff<T>(c), v128.sub<T>(d, v128.load(SM_LSE + boff<T>(c))));
        }
      } else if (sizeof<T>() == 4) {
        if (recip) {
          for (; c + 4 <= cw; c += 4) {
            let v = v128.load(orow + boff<T>(c));
            let lo = f64x2.promote_low_f32x4(v);
            let hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
            let rp = SM_LSE + (<usize>c << 3);
            let pl = f64x2.mul(lo, v128.load(rp));
            let ph = f64x2.mul(hi, v128.load(rp, 16));
            let r = v128.shuffle<f32>(f32x4.demote_f64x2_zero(pl), f32x4.demote_f64x2_zero(ph), 0, 1, 4, 5);
            let low = v128.and(v128.shuffle<i32>(pl, ph, 0, 2, 4, 6), v128.load(DIV_K));
            let near = i32x4.lt_s(i32x4.abs(i32x4.sub(low, v128.load(DIV_K, 16))), v128.load(DIV_K, 32));
            if (v128.any_true(v128.or(near, i32x4.lt_s(r, v128.load(DIV_K, 48))))) {
              let sp = SM_SUM + (<usize>c << 3);
              let l = f32x4.demote_f64x2_zero(f64x2.div(lo, v128.load(sp)));
              let h = f32x4.demote_f64x2_zero(f64x2.div(hi, v128.load(sp, 16)));
              r = v128.shuffle<f32>(l, h, 0, 1, 4, 5);
            }
            v128.store(orow + boff<T>(c), r);
          }
        }
        for (; c + 4 <= cw; c += 4) {
          let v = v128.load(orow + boff<T>(c));
          let sp = SM_SUM + (<usize>c << 3);
          let l = f32x4.demote_f64x2_zero(f64x2.div(f64x2.promote_low_f32x4(v), v128.load(sp)));
          let h = f32x4.demote_f64x2_zero(f64x2.div(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)), v128.load(sp, 16)));
          v128.store(orow + boff<T>(c), v128.shuffle<f32>(l, h, 0, 1, 4, 5));
        }
      } else {
        for (; c + 2 <= cw; c += 2) {
          v128.store(orow + boff<T>(c), f64x2.div(v128.load(orow + boff<T>(c)), v128.load(SM_SUM + (<usize>c << 3))));
        }
      }
      for (; c < cw; c++) {
        if (isLog) st<T>(orow, c, (ld<T>(row, c) - ld<T>(SM_MAX, c)) - ld<T>(SM_LSE, c));
        else st<T>(orow, c, <T>(<f64>ld<T>(orow, c) / load<f64>(SM_SUM + (<usize>c << 3))));
      }
    }
  }
}

// @ts-ignore: decorator
@inline function softmaxT<T>(out: usize, x: usize, outer: i32, n: i32, inner: i32, isLog: bool): void {
  if (n <= 0) return;
  if (inner == 1) {
    for (let o = 0; o < outer; o++) {
      if (sizeof<T>() == 4) softmaxRowF32(out + boff<T>(o * n), x + boff<T>(o * n), n, isLog);
      else softmaxRowF64(out + boff<T>(o * n), x + boff<T>(o * n), n, isLog);
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    let i = 0;
    if (inner >= 4) {
      softmaxColsT<T>(out + boff<T>(o * n * inner), x + boff<T>(o * n * inner), n, inner, isLog);
      i = inner;
    }
    for (; i < inner; i++) {
      let off = o * n * inner + i;
      let p = x + boff<T>(off);
      let q = out + boff<T>(off);
      let m = colMax<T>(p, n, inner);
      let s: f64 = 0;
      if (isLog) {
        for (let k = 0; k < n; k++) s += <f64>texp<T>(ld<T>(p, k * inner) - m);
        let lse = tlog<T>(<T>s);
        for (let k = 0; k < n; k++) st<T>(q, k * inner, (ld<T>(p, k * inner) - m) - lse);
      } else {
        for (let k = 0; k < n; k++) {
          let e = texp<T>(ld<T>(p, k * inner) - m);
          st<T>(q, k * inner, e);
          s += <f64>e;
        }
        for (let k = 0; k < n; k++) st<T>(q, k * inner, <T>(<f64>ld<T>(q, k * inner) / s));
      }
    }
  }
}
export function softmax_f32(out: usize, x: usize, outer: i32, n: i32, inner: i32): void { softmaxT<f32>(out, x, outer, n, inner, false); }
export function softmax_f64(out: usize, x: usize, outer: i32, n: i32, inner: i32): void { softmaxT<f64>(out, x, outer, n, inner, false); }
export function log_softmax_f32(out: usize, x: usize, outer: i32, n: i32, inner: i32): void { softmaxT<f32>(out, x, outer, n, inner, true); }
export function log_softmax_f64(out: usize, x: usize, outer: i32, n: i32, inner: i32): void { softmaxT<f64>(out, x, outer, n, inner, true); }

// ------------------------------------------------------------------------------ softmax gradients

/** The gradients of softmax and log_softmax over contiguous rows of n, fused, with the bits of
 *  the composed rules they replace (ts/ops/nn_functional.ts), which round every op to T and sum
 *  in runSum's documented order:
 *   softmax:     out = s * (g - T(runSum(T(g * s))))
 *   log_softmax: out = g - exp(s) * T(runSum(g))      (exp in T; lanes by expf4Any / expd2Any) */
// @ts-ignore: decorator
@inline function softmaxBackwardT<T>(out: usize, g: usize, y: usize, outer: i32, n: i32, isLog: bool): void {
  for (let o = 0; o < outer; o++) {
    let gp = g + boff<T>(o * n);
    let yp = y + boff<T>(o * n);
    let q = out + boff<T>(o * n);
    // runSum's order: lanes i mod 4 in two f64x2 accumulators, (l0 + l1) + (l2 + l3), then the tail
    let acc0 = f64x2.splat(0);
    let acc1 = f64x2.splat(0);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      if (sizeof<T>() == 4) {
        let v = v128.load(gp + boff<T>(i));
        if (!isLog) v = f32x4.mul(v, v128.load(yp + boff<T>(i)));
        acc0 = f64x2.add(acc0, f64x2.promote_low_f32x4(v));
        acc1 = f64x2.add(acc1, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
      } else {
        let v = v128.load(gp + boff<T>(i));
        let w = v128.load(gp + boff<T>(i), 16);
        if (!isLog) {
          v = f64x2.mul(v, v128.load(yp + boff<T>(i)));
          w = f64x2.mul(w, v128.load(yp + boff<T>(i), 16));
        }
        acc0 = f64x2.add(acc0, v);
        acc1 = f64x2.add(acc1, w);
      }
    }
    let s = (f64x2.extract_lane(acc0, 0) + f64x2.extract_lane(acc0, 1)) +
            (f64x2.extract_lane(acc1, 0) + f64x2.extract_lane(acc1, 1));
    for (; i < n; i++) s += <f64>(isLog ? ld<T>(gp, i) : ld<T>(gp, i) * ld<T>(yp, i));
    let S = <T>s;
    let sv = v128.splat<T>(S);
    i = 0;
    if (sizeof<T>() == 4) {
      for (; i + 4 <= n; i += 4) {
        let gv = v128.load(gp + boff<T>(i));
        let yv = v128.load(yp + boff<T>(i));
        let r = isLog ? f32x4.sub(gv, f32x4.mul(expf4Any(yv), sv)) : f32x4.mul(yv, f32x4.sub(gv, sv));
        v128.store(q + boff<T>(i), r);
      }
    } else {
      for (; i + 2 <= n; i += 2) {
        let gv = v128.load(gp + boff<T>(i));
        let yv = v128.load(yp + boff<T>(i));
        let r: v128;
        if (isLog) {
          let ev = expd2Any(yv);
          r = f64x2.sub(gv, f64x2.mul(ev, sv));
        } else r = f64x2.mul(yv, f64x2.sub(gv, sv));
        v128.store(q + boff<T>(i), r);
      }
    }
    for (; i < n; i++) {
      let gv = ld<T>(gp, i);
      let yv = ld<T>(yp, i);
      st<T>(q, i, isLog ? gv - texp<T>(yv) * S : yv * (gv - S));
    }
  }
}
export function softmax_backward_f32(out: usize, g: usize, y: usize, outer: i32, n: i32): void { softmaxBackwardT<f32>(out, g, y, outer, n, false); }
export function softmax_backward_f64(out: usize, g: usize, y: usize, outer: i32, n: i32): void { softmaxBackwardT<f64>(out, g, y, outer, n, false); }
export function log_softmax_backward_f32(out: usize, g: usize, y: usize, outer: i32, n: i32): void { softmaxBackwardT<f32>(out, g, y, outer, n, true); }
export function log_softmax_backward_f64(out: usize, g: usize, y: usize, outer: i32, n: i32): void { softmaxBackwardT<f64>(out, g, y, outer, n, true); }
