// Data movement: general strided copy, index_select, index_add, one_hot.

import { ld, st, boff } from "./math";
import { meta, odoStart, odoOff, odoNext } from "./memory";

/** Strided -> strided copy of elements of type E (1, 4 or 8 bytes).
 *  META = shape, out strides, x strides (3*ndim ints, element units). When the innermost dim has
 *  stride 1 on both sides the run is copied with memory.copy. */
// @ts-ignore: decorator
@inline function copyT<E>(out: usize, x: usize, ndim: i32): void {
  if (ndim <= 0) {
    store<E>(out, load<E>(x));
    return;
  }
  let last = ndim - 1;
  let outer = odoStart(ndim, 2);
  let n = meta(last);
  if (outer <= 0 || n <= 0) return;
  let so = meta(ndim + last);
  let sx = meta(2 * ndim + last);
  let runBytes = <usize>n * sizeof<E>();
  for (let o = 0; o < outer; o++) {
    let po = out + boff<E>(odoOff(0));
    let px = x + boff<E>(odoOff(1));
    if (so == 1 && sx == 1) {
      memory.copy(po, px, runBytes);
    } else if (so == 1) {
      for (let i = 0; i < n; i++) st<E>(po, i, ld<E>(px, i * sx));
    } else {
      for (let i = 0; i < n; i++) st<E>(po, i * so, ld<E>(px, i * sx));
    }
    odoNext(ndim, 2);
  }
}
export function copy_b1(out: usize, x: usize, ndim: i32): void { copyT<u8>(out, x, ndim); }
export function copy_b4(out: usize, x: usize, ndim: i32): void { copyT<u32>(out, x, ndim); }
export function copy_b8(out: usize, x: usize, ndim: i32): void { copyT<u64>(out, x, ndim); }

/** out[o, j, i] = x[o, idx[j], i]; x contiguous [outer, dimsize, inner], out [outer, nidx, inner]. */
// @ts-ignore: decorator
@inline function indexSelectT<E>(out: usize, x: usize, idx: usize, outer: i32, nidx: i32, inner: i32, dimsize: i32): void {
  if (inner <= 0) return;
  let runBytes = <usize>inner * sizeof<E>();
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < nidx; j++) {
      let r = <i32>ld<i64>(idx, j);
      let src = x + boff<E>((o * dimsize + r) * inner);
      let dst = out + boff<E>((o * nidx + j) * inner);
      if (inner == 1) store<E>(dst, load<E>(src));
      else memory.copy(dst, src, runBytes);
    }
  }
}
export function index_select_b1(out: usize, x: usize, idx: usize, outer: i32, nidx: i32, inner: i32, dimsize: i32): void {
  indexSelectT<u8>(out, x, idx, outer, nidx, inner, dimsize);
}
export function index_select_b4(out: usize, x: usize, idx: usize, outer: i32, nidx: i32, inner: i32, dimsize: i32): void {
  indexSelectT<u32>(out, x, idx, outer, nidx, inner, dimsize);
}
export function index_select_b8(out: usize, x: usize, idx: usize, outer: i32, nidx: i32, inner: i32, dimsize: i32): void {
  indexSelectT<u64>(out, x, idx, outer, nidx, inner, dimsize);
}

/** out[o, idx[j], i] += src[o, j, i] with j ascending (deterministic order per element). */
// @ts-ignore: decorator
@inline function indexAddT<T>(out: usize, src: usize, idx: usize, outer: i32, nidx: i32, inner: i32, dimsize: i32): void {
  let L = 16 / sizeof<T>();
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < nidx; j++) {
      let r = <i32>ld<i64>(idx, j);
      let d = out + boff<T>((o * dimsize + r) * inner);
      let s = src + boff<T>((o * nidx + j) * inner);
      let i = 0;
      for (; i + L <= inner; i += L) {
        v128.store(d + boff<T>(i), v128.add<T>(v128.load(d + boff<T>(i)), v128.load(s + boff<T>(i))));
      }
      for (; i < inner; i++) st<T>(d, i, ld<T>(d, i) + ld<T>(s, i));
    }
  }
}
export function index_add_f32(out: usize, src: usize, idx: usize, outer: i32, nidx: i32, inner: i32, dimsize: i32): void {
  indexAddT<f32>(out, src, idx, outer, nidx, inner, dimsize);
}
export function index_add_f64(out: usize, src: usize, idx: usize, outer: i32, nidx: i32, inner: i32, dimsize: i32): void {
  indexAddT<f64>(out, src, idx, outer, nidx, inner, dimsize);
}

/** out contiguous [n, c]: 1 where column == idx[i], else 0. */
// @ts-ignore: decorator
@inline function oneHotT<T>(out: usize, idx: usize, n: i32, c: i32): void {
  let total = n * c;
  for (let i = 0; i < total; i++) st<T>(out, i, <T>0);
  for (let i = 0; i < n; i++) {
    let v = ld<i64>(idx, i);
    if (v >= 0 && v < <i64>c) st<T>(out, i * c + <i32>v, <T>1);
  }
}
export function one_hot_f32(out: usize, idx: usize, n: i32, c: i32): void { oneHotT<f32>(out, idx, n, c); }
export function one_hot_f64(out: usize, idx: usize, n: i32, c: i32): void { oneHotT<f64>(out, idx, n, c); }
