// Scans and selections along one axis of a contiguous x viewed as [outer, n, inner]: cumsum, prod,
// arg-reductions (argmax/argmin with their values), gather and scatter-add.
//
// Order (fixed): every output element is computed sequentially over k = 0..n-1.
//  * cumsum: running sum from +0 in f64 (PyTorch's CPU accumulation type), each prefix rounded to T.
//  * prod: running product from 1 in f64, rounded to T once.
//  * argmax/argmin: the first index of the extreme value; a NaN is the extreme (its first index).
//  * scatter_add: out starts at +0; src elements are added in increasing (o, j, i) order.
// Index kernels read int64 indices; the caller has checked them with index_check.

import { ld, st } from "./math";

// @ts-ignore: decorator
@inline function cumsumT<T>(out: usize, x: usize, outer: i32, n: i32, inner: i32): void {
  for (let o = 0; o < outer; o++) {
    let base = o * n * inner;
    for (let i = 0; i < inner; i++) {
      let s: f64 = 0;
      for (let k = 0; k < n; k++) {
        let at = base + k * inner + i;
        s += <f64>ld<T>(x, at);
        st<T>(out, at, <T>s);
      }
    }
  }
}
export function cumsum_f32(out: usize, x: usize, outer: i32, n: i32, inner: i32): void { cumsumT<f32>(out, x, outer, n, inner); }
export function cumsum_f64(out: usize, x: usize, outer: i32, n: i32, inner: i32): void { cumsumT<f64>(out, x, outer, n, inner); }

// @ts-ignore: decorator
@inline function prodT<T>(out: usize, x: usize, outer: i32, n: i32, inner: i32): void {
  for (let o = 0; o < outer; o++) {
    let base = o * n * inner;
    for (let i = 0; i < inner; i++) {
      let p: f64 = 1;
      for (let k = 0; k < n; k++) p *= <f64>ld<T>(x, base + k * inner + i);
      st<T>(out, o * inner + i, <T>p);
    }
  }
}
export function prod_f32(out: usize, x: usize, outer: i32, n: i32, inner: i32): void { prodT<f32>(out, x, outer, n, inner); }
export function prod_f64(out: usize, x: usize, outer: i32, n: i32, inner: i32): void { prodT<f64>(out, x, outer, n, inner); }

/** idx[o, i] (int64) = first k of the max (isMax) / min of x[o, :, i]; NaN wins. n > 0. */
// @ts-ignore: decorator
@inline function argT<T>(idx: usize, x: usize, outer: i32, n: i32, inner: i32, isMax: bool): void {
  for (let o = 0; o < outer; o++) {
    let base = o * n * inner;
    for (let i = 0; i < inner; i++) {
      let best = ld<T>(x, base + i);
      let bk = 0;
      if (best == best) {
        for (let k = 1; k < n; k++) {
          let v = ld<T>(x, base + k * inner + i);
          if (v != v) { bk = k; break; }
          if (isMax ? v > best : v < best) { best = v; bk = k; }
        }
      }
      st<i64>(idx, o * inner + i, <i64>bk);
    }
  }
}
export function argmax_f32(idx: usize, x: usize, outer: i32, n: i32, inner: i32): void { argT<f32>(idx, x, outer, n, inner, true); }
export function argmax_f64(idx: usize, x: usize, outer: i32, n: i32, inner: i32): void { argT<f64>(idx, x, outer, n, inner, true); }
export function argmin_f32(idx: usize, x: usize, outer: i32, n: i32, inner: i32): void { argT<f32>(idx, x, outer, n, inner, false); }
export function argmin_f64(idx: usize, x: usize, outer: i32, n: i32, inner: i32): void { argT<f64>(idx, x, outer, n, inner, false); }

/** The position of the first of `count` int64 indices outside [0, size), or -1. */
export function index_check(idx: usize, count: i32, size: i32): i32 {
  for (let j = 0; j < count; j++) {
    let v = ld<i64>(idx, j);
    if (v < 0 || v >= <i64>size) return j;
  }
  return -1;
}

/** out[o, j, i] = x[o, idx[o, j, i], i]; x [outer, n, inner], idx and out [outer, m, inner]. */
// @ts-ignore: decorator
@inline function gatherT<T>(out: usize, x: usize, idx: usize, outer: i32, n: i32, m: i32, inner: i32): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      let at = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) {
        let r = <i32>ld<i64>(idx, at + i);
        if (r < 0) r += n;
        st<T>(out, at + i, ld<T>(x, (o * n + r) * inner + i));
      }
    }
  }
}
export function gather_f32(out: usize, x: usize, idx: usize, outer: i32, n: i32, m: i32, inner: i32): void { gatherT<f32>(out, x, idx, outer, n, m, inner); }
export function gather_f64(out: usize, x: usize, idx: usize, outer: i32, n: i32, m: i32, inner: i32): void { gatherT<f64>(out, x, idx, outer, n, m, inner); }

/** out [outer, n, inner] = 0, then out[o, idx[o, j, i], i] += src[o, j, i] in increasing (o, j, i). */
// @ts-ignore: decorator
@inline function scatterAddT<T>(out: usize, src: usize, idx: usize, outer: i32, n: i32, m: i32, inner: i32): void {
  memory.fill(out, 0, <usize>outer * <usize>n * <usize>inner * sizeof<T>());
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      let at = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) {
        let r = <i32>ld<i64>(idx, at + i);
        if (r < 0) r += n;
        let d = (o * n + r) * inner + i;
        st<T>(out, d, ld<T>(out, d) + ld<T>(src, at + i));
      }
    }
  }
}
export function scatter_add_f32(out: usize, src: usize, idx: usize, outer: i32, n: i32, m: i32, inner: i32): void { scatterAddT<f32>(out, src, idx, outer, n, m, inner); }
export function scatter_add_f64(out: usize, src: usize, idx: usize, outer: i32, n: i32, m: i32, inner: i32): void { scatterAddT<f64>(out, src, idx, outer, n, m, inner); }
