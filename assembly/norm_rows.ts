// layer_norm's forward over contiguous rows of n elements, fused: the same operations, in the same
// order and precision, as the composed ops it replaces (mean, x - mean, squares, mean, + eps,
// sqrt, reciprocal, * rstd, * weight, + bias; see ts/ops/norms.ts), so the bits are unchanged:
//  * mean = T(runSum(x) / n) and var = T(runSum((x - mean)^2) / n) with the documented 4-lane
//    order of reduce.ts's sums (lanes j mod 4, combined (l0 + l1) + (l2 + l3), then the tail);
//  * rstd = 1 / sqrt(var + T(eps)) in T; y = ((x - mean) * rstd) * w + b in T (w, b optional: 0).
// Three passes over the row (it stays in L1 for the usual sizes), one write.

import { ld, st, boff } from "./math";

/** Sum in f64 of a row's (x - mean)^2 (or of x when !dev), in reduce.ts's runSum order. */
// @ts-ignore: decorator
@inline function rowSum<T>(p: usize, n: i32, mean: T, dev: bool): f64 {
  let acc0 = f64x2.splat(0);
  let acc1 = f64x2.splat(0);
  let i = 0;
  if (sizeof<T>() == 4) {
    let mv = f32x4.splat(<f32>mean);
    for (; i + 4 <= n; i += 4) {
      let v = v128.load(p + boff<T>(i));
      if (dev) {
        v = f32x4.sub(v, mv);
        v = f32x4.mul(v, v);
      }
      acc0 = f64x2.add(acc0, f64x2.promote_low_f32x4(v));
      acc1 = f64x2.add(acc1, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
    }
  } else {
    let mv = f64x2.splat(<f64>mean);
    for (; i + 4 <= n; i += 4) {
      let v = v128.load(p + boff<T>(i));
      let w = v128.load(p + boff<T>(i), 16);
      if (dev) {
        v = f64x2.sub(v, mv);
        v = f64x2.mul(v, v);
        w = f64x2.sub(w, mv);
        w = f64x2.mul(w, w);
      }
      acc0 = f64x2.add(acc0, v);
      acc1 = f64x2.add(acc1, w);
    }
  }
  let s = (f64x2.extract_lane(acc0, 0) + f64x2.extract_lane(acc0, 1)) +
          (f64x2.extract_lane(acc1, 0) + f64x2.extract_lane(acc1, 1));
  for (; i < n; i++) {
    let v = ld<T>(p, i);
    if (dev) {
      v = v - mean;
      v = v * v;
    }
    s += <f64>v;
  }
  return s;
}

// @ts-ignore: decorator
@inline function layerNormRowsT<T>(out: usize, x: usize, w: usize, b: usize, outer: i32, n: i32, eps: f64): void {
  let fn = <f64>n;
  let te = <T>eps;
  for (let o = 0; o < outer; o++) {
    let p = x + boff<T>(o * n);
    let q = out + boff<T>(o * n);
    let mean = <T>(rowSum<T>(p, n, <T>0, false) / fn);
    let vr = <T>(rowSum<T>(p, n, mean, true) / fn);
    let rstd = <T>1 / sqrt<T>(vr + te);
    let i = 0;
    let mv = v128.splat<T>(mean);
    let rv = v128.splat<T>(rstd);
    for (; i + 16 / sizeof<T>() <= n; i += 16 / sizeof<T>()) {
      let y = v128.mul<T>(v128.sub<T>(v128.load(p + boff<T>(i)), mv), rv);
      if (w) y = v128.mul<T>(y, v128.load(w + boff<T>(i)));
      if (b) y = v128.add<T>(y, v128.load(b + boff<T>(i)));
      v128.store(q + boff<T>(i), y);
    }
    for (; i < n; i++) {
      let y = (ld<T>(p, i) - mean) * rstd;
      if (w) y = y * ld<T>(w, i);
      if (b) y = y + ld<T>(b, i);
      st<T>(q, i, y);
    }
  }
}
export function layer_norm_rows_f32(out: usize, x: usize, w: usize, b: usize, outer: i32, n: i32, eps: f64): void { layerNormRowsT<f32>(out, x, w, b, outer, n, eps); }
export function layer_norm_rows_f64(out: usize, x: usize, w: usize, b: usize, outer: i32, n: i32, eps: f64): void { layerNormRowsT<f64>(out, x, w, b, outer, n, eps); }
