// Boolean-mask kernels: the flat positions of a mask's true entries (masked_select and index_put_
// with a mask pick and write at those positions), and the write itself.

import { ld, st, boff } from "./math";

/** out (int64) gets the positions of mask's (contiguous bool, n entries) true entries, ascending; returns their count. */
export function mask_positions(out: usize, mask: usize, n: i32): i32 {
  let c = 0;
  for (let i = 0; i < n; i++) {
    if (load<u8>(mask + <usize>i) != 0) {
      store<i64>(out + (<usize>c << 3), <i64>i);
      c++;
    }
  }
  return c;
}

/** out viewed as [rows, inner]: row idx[j] becomes src's row j (contiguous [nidx, inner]), j ascending. */
// @ts-ignore: decorator
@inline function indexPutT<E>(out: usize, src: usize, idx: usize, nidx: i32, inner: i32): void {
  if (inner <= 0) return;
  let runBytes = <usize>inner * sizeof<E>();
  for (let j = 0; j < nidx; j++) {
    let r = <i32>ld<i64>(idx, j);
    let dst = out + boff<E>(r * inner);
    let s = src + boff<E>(j * inner);
    if (inner == 1) store<E>(dst, load<E>(s));
    else memory.copy(dst, s, runBytes);
  }
}
export function index_put_b1(out: usize, src: usize, idx: usize, nidx: i32, inner: i32): void { indexPutT<u8>(out, src, idx, nidx, inner); }
export function index_put_b4(out: usize, src: usize, idx: usize, nidx: i32, inner: i32): void { indexPutT<u32>(out, src, idx, nidx, inner); }
export function index_put_b8(out: usize, src: usize, idx: usize, nidx: i32, inner: i32): void { indexPutT<u64>(out, src, idx, nidx, inner); }

/**
 * One step of the row-major position of advanced indices: pos[e] = pos[e] * size + idx[e] (idx
 * wrapped once when negative), e ascending over n; returns -1, or the first e whose index is out of
 * [-size, size) (nothing after it written).
 */
export function index_linear_step(pos: usize, idx: usize, n: i32, dimSize: i32): i32 {
  let size = <i64>dimSize;
  for (let e = 0; e < n; e++) {
    let v = ld<i64>(idx, e);
    if (v < 0) v += size;
    if (v < 0 || v >= size) return e;
    st<i64>(pos, e, ld<i64>(pos, e) * size + v);
  }
  return -1;
}

/** out viewed as [rows, inner]: row idx[j] += src's row j, j ascending (index_put_ with accumulate: duplicates sum in order). */
// @ts-ignore: decorator
@inline function indexAccumulateT<T>(out: usize, src: usize, idx: usize, nidx: i32, inner: i32): void {
  for (let j = 0; j < nidx; j++) {
    let d = out + boff<T>(<i32>ld<i64>(idx, j) * inner);
    let s = src + boff<T>(j * inner);
    for (let i = 0; i < inner; i++) st<T>(d, i, ld<T>(d, i) + ld<T>(s, i));
  }
}
export function index_accumulate_f32(out: usize, src: usize, idx: usize, nidx: i32, inner: i32): void { indexAccumulateT<f32>(out, src, idx, nidx, inner); }
export function index_accumulate_f64(out: usize, src: usize, idx: usize, nidx: i32, inner: i32): void { indexAccumulateT<f64>(out, src, idx, nidx, inner); }
