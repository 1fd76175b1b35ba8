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

/** layer_norm's input gradient over contiguous rows of n, fused, with the bits of the composed
 *  rule (ts/ops/norms.ts, every op rounded to T, means as T(runSum / n)):
 *    xhat = (x - mean) * rstd (recomputed as the forward does), gg = g * w (w optional),
 *    gx = rstd * ((gg - T(runSum(gg) / n)) - xhat * T(runSum(T(gg * xhat)) / n)).
 *  Three passes over the row: x's statistics (two), then gg's two sums, then the result. */
// @ts-ignore: decorator
@inline function layerNormBackwardT<T>(out: usize, g: usize, x: usize, w: usize, outer: i32, n: i32, eps: f64): void {
  let fn = <f64>n;
  let te = <T>eps;
  for (let o = 0; o < outer; o++) {
    let p = x + boff<T>(o * n);
    let gp = g + boff<T>(o * n);
    let q = out + boff<T>(o * n);
    let mean = <T>(rowSum<T>(p, n, <T>0, false) / fn);
    let vr = <T>(rowSum<T>(p, n, mean, true) / fn);
    let rstd = <T>1 / sqrt<T>(vr + te);
    // runSum's order for both sums: lanes i mod 4 in two f64x2 accumulators each, then the tail
    let a0 = f64x2.splat(0);
    let a1 = f64x2.splat(0);
    let b0 = f64x2.splat(0);
    let b1 = f64x2.splat(0);
    let i = 0;
    let mv = v128.splat<T>(mean);
    let rv = v128.splat<T>(rstd);
    if (sizeof<T>() == 4) {
      for (; i + 4 <= n; i += 4) {
        let gg = v128.load(gp + boff<T>(i));
        if (w) gg = f32x4.mul(gg, v128.load(w + boff<T>(i)));
        let xh = f32x4.mul(f32x4.sub(v128.load(p + boff<T>(i)), mv), rv);
        let t = f32x4.mul(gg, xh);
        a0 = f64x2.add(a0, f64x2.promote_low_f32x4(gg));
        a1 = f64x2.add(a1, f64x2.promote_low_f32x4(v128.shuffle<f32>(gg, gg, 2, 3, 0, 1)));
        b0 = f64x2.add(b0, f64x2.promote_low_f32x4(t));
        b1 = f64x2.add(b1, f64x2.promote_low_f32x4(v128.shuffle<f32>(t, t, 2, 3, 0, 1)));
      }
    } else {
      for (; i + 4 <= n; i += 4) {
        let g0 = v128.load(gp + boff<T>(i));
        let g1 = v128.load(gp + boff<T>(i), 16);
        if (w) {
          g0 = f64x2.mul(g0, v128.load(w + boff<T>(i)));
          g1 = f64x2.mul(g1, v128.load(w + boff<T>(i), 16));
        }
        let x0 = f64x2.mul(f64x2.sub(v128.load(p + boff<T>(i)), mv), rv);
        let x1 = f64x2.mul(f64x2.sub(v128.load(p + boff<T>(i), 16), mv), rv);
        a0 = f64x2.add(a0, g0);
        a1 = f64x2.add(a1, g1);
        b0 = f64x2.add(b0, f64x2.mul(g0, x0));
        b1 = f64x2.add(b1, f64x2.mul(g1, x1));
      }
    }
    let s1 = (f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1)) +
             (f64x2.extract_lane(a1, 0) + f64x2.extract_lane(a1, 1));
    let s2 = (f64x2.extract_lane(b0, 0) + f64x2.extract_lane(b0, 1)) +
             (f64x2.extract_lane(b1, 0) + f64x2.extract_lane(b1, 1));
    for (; i < n; i++) {
      let gg = ld<T>(gp, i);
      if (w) gg = gg * ld<T>(w, i);
      let xh = (ld<T>(p, i) - mean) * rstd;
      s1 += <f64>gg;
      s2 += <f64>(gg * xh);
    }
    let m1 = <T>(s1 / fn);
    let m2 = <T>(s2 / fn);
    let m1v = v128.splat<T>(m1);
    let m2v = v128.splat<T>(m2);
    i = 0;
    for (; i + 16 / sizeof<T>() <= n; i += 16 / sizeof<T>()) {
      let gg = v128.load(gp + boff<T>(i));
      if (w) gg = v128.mul<T>(gg, v128.load(w + boff<T>(i)));
      let xh = v128.mul<T>(v128.sub<T>(v128.load(p + boff<T>(i)), mv), rv);
      let r = v128.mul<T>(rv, v128.sub<T>(v128.sub<T>(gg, m1v), v128.mul<T>(xh, m2v)));
      v128.store(q + boff<T>(i), r);
    }
    for (; i < n; i++) {
      let gg = ld<T>(gp, i);
      if (w) gg = gg * ld<T>(w, i);
      let xh = (ld<T>(p, i) - mean) * rstd;
      st<T>(q, i, rstd * ((gg - m1) - xh * m2));
    }
  }
}
export function layer_norm_rows_backward_f32(out: usize, g: usize, x: usize, w: usize, outer: i32, n: i32, eps: f64): void { layerNormBackwardT<f32>(out, g, x, w, outer, n, eps); }
export function layer_norm_rows_backward_f64(out: usize, g: usize, x: usize, w: usize, outer: i32, n: i32, eps: f64): void { layerNormBackwardT<f64>(out, g, x, w, outer, n, eps); }
