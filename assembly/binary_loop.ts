// The one binary loop, shared by elementwise.ts and xlogy.ts (kept out of the module's exports:
// index.ts re-exports those files whole).

import { ld, st, boff, lanes } from "./math";
import { meta, odoStart, odoOff, odoNext } from "./memory";

/** The one binary loop: T inputs, R output, OP operation. */
// @ts-ignore: decorator
@inline export function binary<T, R, OP>(out: usize, a: usize, b: usize, ndim: i32): void {
  let op = changetype<OP>(0);
  if (ndim <= 0) {
    store<R>(out, <R>op.s<T>(load<T>(a), load<T>(b)));
    return;
  }
  let last = ndim - 1;
  let outer = odoStart(ndim, 2);
  let n = meta(last);
  if (outer <= 0 || n <= 0) return;
  let sa = meta(ndim + last);
  let sb = meta(2 * ndim + last);
  let op_ = out;
  let L = lanes<T>();
  for (let o = 0; o < outer; o++) {
    let pa = a + boff<T>(odoOff(0));
    let pb = b + boff<T>(odoOff(1));
    let i = 0;
    if (sa == 0 && sb == 0) {
      // Both operands broadcast along the row (e.g. a gradient expanded from a reduction): one
      // value, stored 16 bytes at a time.
      let v = <R>op.s<T>(load<T>(pa), load<T>(pb));
      let vv = v128.splat<R>(v);
      let LR = <i32>(16 / sizeof<R>());
      for (; i + LR <= n; i += LR) v128.store(op_ + (<usize>i * sizeof<R>()), vv);
      for (; i < n; i++) st<R>(op_, i, v);
    } else if (isDefined(op.v)) {
      if (sa == 1 && sb == 1) {
        for (; i + L <= n; i += L) {
          v128.store(op_ + boff<T>(i), op.v<T>(v128.load(pa + boff<T>(i)), v128.load(pb + boff<T>(i))));
        }
        for (; i < n; i++) st<R>(op_, i, <R>op.s<T>(ld<T>(pa, i), ld<T>(pb, i)));
      } else if (sa == 1 && sb == 0) {
        let bs = load<T>(pb);
        let bv = v128.splat<T>(bs);
        for (; i + L <= n; i += L) {
          v128.store(op_ + boff<T>(i), op.v<T>(v128.load(pa + boff<T>(i)), bv));
        }
        for (; i < n; i++) st<R>(op_, i, <R>op.s<T>(ld<T>(pa, i), bs));
      } else if (sa == 0 && sb == 1) {
        let as = load<T>(pa);
        let av = v128.splat<T>(as);
        for (; i + L <= n; i += L) {
          v128.store(op_ + boff<T>(i), op.v<T>(av, v128.load(pb + boff<T>(i))));
        }
        for (; i < n; i++) st<R>(op_, i, <R>op.s<T>(as, ld<T>(pb, i)));
      } else {
        for (; i < n; i++) st<R>(op_, i, <R>op.s<T>(ld<T>(pa, i * sa), ld<T>(pb, i * sb)));
      }
    } else {
      if (sa == 1 && sb == 1) {
        for (; i < n; i++) st<R>(op_, i, <R>op.s<T>(ld<T>(pa, i), ld<T>(pb, i)));
      } else {
        for (; i < n; i++) st<R>(op_, i, <R>op.s<T>(ld<T>(pa, i * sa), ld<T>(pb, i * sb)));
      }
    }
    op_ += <usize>n * sizeof<R>();
    odoNext(ndim, 2);
  }
}
