// Boolean-mask kernels: the flat positions of a mask's true entries (masked_select and index_put_
// with a mask pick and write at those positions), and the write itself.

import { ld, boff } from "./math";

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
