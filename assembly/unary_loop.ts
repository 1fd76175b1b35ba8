// The one unary loop, shared by elementwise.ts and activations.ts (kept out of the module's
// exports: index.ts re-exports those files whole).

import { ld, st, boff, lanes } from "./math";

/** The one unary loop: v128 body (when OP has one) + scalar tail. */
// @ts-ignore: decorator
@inline export function unary<T, OP>(out: usize, x: usize, n: i32, p0: f64, p1: f64): void {
  let op = changetype<OP>(0);
  let p = <T>p0;
  let q = <T>p1;
  let i = 0;
  if (isDefined(op.v)) {
    let L = lanes<T>();
    let pv = v128.splat<T>(p);
    let qv = v128.splat<T>(q);
    for (; i + 2 * L <= n; i += 2 * L) {
      let a = v128.load(x + boff<T>(i));
      let b = v128.load(x + boff<T>(i), 16);
      v128.store(out + boff<T>(i), op.v<T>(a, pv, qv));
      v128.store(out + boff<T>(i), op.v<T>(b, pv, qv), 16);
    }
    for (; i + L <= n; i += L) {
      v128.store(out + boff<T>(i), op.v<T>(v128.load(x + boff<T>(i)), pv, qv));
    }
  }
  for (; i < n; i++) st<T>(out, i, op.s<T>(ld<T>(x, i), p, q));
}
