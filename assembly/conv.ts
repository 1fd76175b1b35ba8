// Convolution and pooling over [N, C, H, W] (contiguous operands). Convolution is im2col (below)
// followed by the packed GEMM of ./matmul.ts; its adjoint col2im scatter-adds the columns back.
// Pooling has its own forward and adjoint kernels.
//
// Geometry is read from the metadata area (META, i32):
//   0 N, 1 C, 2 H, 3 W, 4 kH, 5 kW, 6 sH, 7 sW, 8 pH, 9 pW, 10 dH, 11 dW, 12 oH, 13 oW, 14 flag
// (flag: avg_pool2d's count_include_pad).
//
// Stride-1 columns (the common case) move whole runs of a row: im2col copies each run between its
// zero-padded ends, col2im adds it back with v128 adds (each element still receives its terms one
// by one, in the order below).
//
// Determinism: every scatter-add (col2im, the pools' adjoints) visits its sources in one fixed
// order (n, c, kernel offset, output position ascending); every sum starts from +0 in window order.

import { ld, st, boff, lanes } from "./math";
import { meta } from "./memory";

/** n elements of T at d set to +0. */
// @ts-ignore: decorator
@inline function zeroRow<T>(d: usize, n: i32): void {
  let L = lanes<T>();
  let z = v128.splat<T>(<T>0);
  let i = 0;
  for (; i + L <= n; i += L) v128.store(d + boff<T>(i), z);
  for (; i < n; i++) st<T>(d, i, <T>0);
}

/** n elements of T from s to d (the ranges do not overlap). */
// @ts-ignore: decorator
@inline function copyRow<T>(d: usize, s: usize, n: i32): void {
  let L = lanes<T>();
  let i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    let a = v128.load(s + boff<T>(i));
    let b = v128.load(s + boff<T>(i), 16);
    v128.store(d + boff<T>(i), a);
    v128.store(d + boff<T>(i), b, 16);
  }
  for (; i + L <= n; i += L) v128.store(d + boff<T>(i), v128.load(s + boff<T>(i)));
  for (; i < n; i++) st<T>(d, i, ld<T>(s, i));
}

/** d[i] += s[i] for i < n (each element one rounded add). */
// @ts-ignore: decorator
@inline function addRow<T>(d: usize, s: usize, n: i32): void {
  let L = lanes<T>();
  let i = 0;
  for (; i + L <= n; i += L) v128.store(d + boff<T>(i), v128.add<T>(v128.load(d + boff<T>(i)), v128.load(s + boff<T>(i))));
  for (; i < n; i++) st<T>(d, i, ld<T>(d, i) + ld<T>(s, i));
}

/** cols [N, C*kH*kW, oH*oW] of x [N, C, H, W]; zero where the window reads padding. */
// @ts-ignore: decorator
@inline function im2colT<T>(out: usize, x: usize): void {
  let N = meta(0), C = meta(1), H = meta(2), W = meta(3), kH = meta(4), kW = meta(5);
  let sH = meta(6), sW = meta(7), pH = meta(8), pW = meta(9), dH = meta(10), dW = meta(11);
  let oH = meta(12), oW = meta(13);
  let o = 0;
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      let plane = x + boff<T>((n * C + c) * H * W);
      for (let ki = 0; ki < kH; ki++) {
        for (let kj = 0; kj < kW; kj++) {
          // Output columns oj whose input column oj*sW - pW + kj*dW is inside [0, W).
          let lo = 0, hi = oW;
          if (sW == 1) {
            lo = min<i32>(max<i32>(pW - kj * dW, 0), oW);
            hi = max<i32>(min<i32>(W + pW - kj * dW, oW), lo);
          }
          for (let oi = 0; oi < oH; oi++) {
            let ih = oi * sH - pH + ki * dH;
            if (ih < 0 || ih >= H) {
              zeroRow<T>(out + boff<T>(o), oW);
            } else if (sW == 1) {
              // stride 1: zeros, one contiguous run of the input row, zeros
              let d = out + boff<T>(o);
              zeroRow<T>(d, lo);
              copyRow<T>(d + boff<T>(lo), plane + boff<T>(ih * W + lo - pW + kj * dW), hi - lo);
              zeroRow<T>(d + boff<T>(hi), oW - hi);
            } else {
              let row = plane + boff<T>(ih * W);
              let iw = kj * dW - pW;
              for (let oj = 0; oj < oW; oj++) {
                st<T>(out, o + oj, iw >= 0 && iw < W ? ld<T>(row, iw) : <T>0);
                iw += sW;
              }
            }
            o += oW;
          }
        }
      }
    }
  }
}

/** x [N, C, H, W] = zeros, then += every column entry at the position it was read from (col2im). */
// @ts-ignore: decorator
@inline function col2imT<T>(out: usize, col: usize): void {
  let N = meta(0), C = meta(1), H = meta(2), W = meta(3), kH = meta(4), kW = meta(5);
  let sH = meta(6), sW = meta(7), pH = meta(8), pW = meta(9), dH = meta(10), dW = meta(11);
  let oH = meta(12), oW = meta(13);
  let total = N * C * H * W;
  zeroRow<T>(out, total);
  let o = 0;
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      let plane = out + boff<T>((n * C + c) * H * W);
      for (let ki = 0; ki < kH; ki++) {
        for (let kj = 0; kj < kW; kj++) {
          let lo = 0, hi = oW;
          if (sW == 1) {
            lo = min<i32>(max<i32>(pW - kj * dW, 0), oW);
            hi = max<i32>(min<i32>(W + pW - kj * dW, oW), lo);
          }
          for (let oi = 0; oi < oH; oi++) {
            let ih = oi * sH - pH + ki * dH;
            if (ih >= 0 && ih < H && sW == 1) {
              // stride 1: one contiguous run (each element still receives its terms in the same order)
              addRow<T>(plane + boff<T>(ih * W + lo - pW + kj * dW), col + boff<T>(o + lo), hi - lo);
            } else if (ih >= 0 && ih < H) {
              let row = plane + boff<T>(ih * W);
              let iw = kj * dW - pW;
              for (let oj = 0; oj < oW; oj++) {
                if (iw >= 0 && iw < W) st<T>(row, iw, ld<T>(row, iw) + ld<T>(col, o + oj));
                iw += sW;
              }
            }
            o += oW;
          }
        }
      }
    }
  }
}

/** max_pool2d: out [N*C, oH, oW] and int64 indices (h * W + w within the plane); padding is -inf,
 *  NaN wins (PyTorch's rule: val > max || isnan(val)). */
// @ts-ignore: decorator
@inline function maxPoolT<T>(out: usize, idx: usize, x: usize): void {
  let P = meta(0) * meta(1), H = meta(2), W = meta(3), kH = meta(4), kW = meta(5);
  let sH = meta(6), sW = meta(7), pH = meta(8), pW = meta(9), dH = meta(10), dW = meta(11);
  let oH = meta(12), oW = meta(13);
  let o = 0;
  for (let p = 0; p < P; p++) {
    let plane = x + boff<T>(p * H * W);
    for (let oi = 0; oi < oH; oi++) {
      let hs = oi * sH - pH;
      let he = min<i32>(hs + (kH - 1) * dH + 1, H);
      while (hs < 0) hs += dH;
      for (let oj = 0; oj < oW; oj++) {
        let ws = oj * sW - pW;
        let we = min<i32>(ws + (kW - 1) * dW + 1, W);
        while (ws < 0) ws += dW;
        let best: T = <T>(-Infinity);
        let bi = hs * W + ws;
        for (let h = hs; h < he; h += dH) {
          for (let w = ws; w < we; w += dW) {
            let v = ld<T>(plane, h * W + w);
            if (v > best || v != v) {
              best = v;
              bi = h * W + w;
            }
          }
        }
        st<T>(out, o, best);
        st<i64>(idx, o, <i64>bi);
        o++;
      }
    }
  }
}

/** out [N*C, H*W] = zeros, then out[p, idx[p, o]] += g[p, o] in o order (max_pool2d's adjoint). */
// @ts-ignore: decorator
@inline function maxPoolBackT<T>(out: usize, g: usize, idx: usize): void {
  let P = meta(0) * meta(1), HW = meta(2) * meta(3), L = meta(12) * meta(13);
  let total = P * HW;
  for (let i = 0; i < total; i++) st<T>(out, i, <T>0);
  for (let p = 0; p < P; p++) {
    let d = out + boff<T>(p * HW);
    for (let o = 0; o < L; o++) {
      let i = <i32>ld<i64>(idx, p * L + o);
      st<T>(d, i, ld<T>(d, i) + ld<T>(g, p * L + o));
    }
  }
}

/** out[p, o] = x[p, idx[p, o]] (the adjoint of maxPoolBackT: max_pool2d with fixed indices). */
// @ts-ignore: decorator
@inline function maxPoolGatherT<T>(out: usize, x: usize, idx: usize): void {
  let P = meta(0) * meta(1), HW = meta(2) * meta(3), L = meta(12) * meta(13);
  for (let p = 0; p < P; p++) {
    for (let o = 0; o < L; o++) {
      st<T>(out, p * L + o, ld<T>(x, p * HW + <i32>ld<i64>(idx, p * L + o)));
    }
  }
}

/** avg_pool2d's divisor for the window at (oi, oj) (PyTorch's: padded window clipped to H + pH). */
// @ts-ignore: decorator
@inline function avgDivisor(oi: i32, oj: i32): i32 {
  let H = meta(2), W = meta(3), kH = meta(4), kW = meta(5), sH = meta(6), sW = meta(7), pH = meta(8), pW = meta(9);
  let hs = oi * sH - pH, ws = oj * sW - pW;
  let he = min<i32>(hs + kH, H + pH), we = min<i32>(ws + kW, W + pW);
  if (meta(14) != 0) return (he - hs) * (we - ws);
  return (min<i32>(he, H) - max<i32>(hs, 0)) * (min<i32>(we, W) - max<i32>(ws, 0));
}

/** avg_pool2d (adjoint = 1): out[p, oi, oj] = sum of the window / divisor. With adjoint, out
 *  [N*C, H, W] = zeros then += g[p, oi, oj] / divisor over each window, in (oi, oj, h, w) order. */
// @ts-ignore: decorator
@inline function avgPoolT<T>(out: usize, x: usize, adjoint: bool): void {
  let P = meta(0) * meta(1), H = meta(2), W = meta(3), kH = meta(4), kW = meta(5);
  let sH = meta(6), sW = meta(7), pH = meta(8), pW = meta(9), oH = meta(12), oW = meta(13);
  if (adjoint) {
    let total = P * H * W;
    for (let i = 0; i < total; i++) st<T>(out, i, <T>0);
  }
  let o = 0;
  for (let p = 0; p < P; p++) {
    let plane = (adjoint ? out : x) + boff<T>(p * H * W);
    for (let oi = 0; oi < oH; oi++) {
      let hs = max<i32>(oi * sH - pH, 0), he = min<i32>(oi * sH - pH + kH, H);
      for (let oj = 0; oj < oW; oj++) {
        let ws = max<i32>(oj * sW - pW, 0), we = min<i32>(oj * sW - pW + kW, W);
        let div = <T>avgDivisor(oi, oj);
        if (adjoint) {
          let v = ld<T>(x, o) / div;
          for (let h = hs; h < he; h++) {
            for (let w = ws; w < we; w++) st<T>(plane, h * W + w, ld<T>(plane, h * W + w) + v);
          }
        } else {
          let s: T = <T>0;
          for (let h = hs; h < he; h++) {
            for (let w = ws; w < we; w++) s += ld<T>(plane, h * W + w);
          }
          st<T>(out, o, s / div);
        }
        o++;
      }
    }
  }
}

/** adaptive_avg_pool2d (adjoint as avgPoolT): window rows floor(i*H/oH) .. ceil((i+1)*H/oH). */
// @ts-ignore: decorator
@inline function adaptiveAvgT<T>(out: usize, x: usize, adjoint: bool): void {
  let P = meta(0) * meta(1), H = meta(2), W = meta(3), oH = meta(12), oW = meta(13);
  if (adjoint) {
    let total = P * H * W;
    for (let i = 0; i < total; i++) st<T>(out, i, <T>0);
  }
  let o = 0;
  for (let p = 0; p < P; p++) {
    let plane = (adjoint ? out : x) + boff<T>(p * H * W);
    for (let oi = 0; oi < oH; oi++) {
      let hs = (oi * H) / oH, he = ((oi + 1) * H + oH - 1) / oH;
      for (let oj = 0; oj < oW; oj++) {
        let ws = (oj * W) / oW, we = ((oj + 1) * W + oW - 1) / oW;
        let div = <T>((he - hs) * (we - ws));
        if (adjoint) {
          let v = ld<T>(x, o) / div;
          for (let h = hs; h < he; h++) {
            for (let w = ws; w < we; w++) st<T>(plane, h * W + w, ld<T>(plane, h * W + w) + v);
          }
        } else {
          let s: T = <T>0;
          for (let h = hs; h < he; h++) {
            for (let w = ws; w < we; w++) s += ld<T>(plane, h * W + w);
          }
          st<T>(out, o, s / div);
        }
        o++;
      }
    }
  }
}

export function im2col_f32(out: usize, x: usize): void { im2colT<f32>(out, x); }
export function im2col_f64(out: usize, x: usize): void { im2colT<f64>(out, x); }
export function col2im_f32(out: usize, col: usize): void { col2imT<f32>(out, col); }
export function col2im_f64(out: usize, col: usize): void { col2imT<f64>(out, col); }
export function max_pool2d_f32(out: usize, idx: usize, x: usize): void { maxPoolT<f32>(out, idx, x); }
export function max_pool2d_f64(out: usize, idx: usize, x: usize): void { maxPoolT<f64>(out, idx, x); }
export function max_pool2d_back_f32(out: usize, g: usize, idx: usize): void { maxPoolBackT<f32>(out, g, idx); }
export function max_pool2d_back_f64(out: usize, g: usize, idx: usize): void { maxPoolBackT<f64>(out, g, idx); }
export function max_pool2d_gather_f32(out: usize, x: usize, idx: usize): void { maxPoolGatherT<f32>(out, x, idx); }
export function max_pool2d_gather_f64(out: usize, x: usize, idx: usize): void { maxPoolGatherT<f64>(out, x, idx); }
export function avg_pool2d_f32(out: usize, x: usize): void { avgPoolT<f32>(out, x, false); }
export function avg_pool2d_f64(out: usize, x: usize): void { avgPoolT<f64>(out, x, false); }
export function avg_pool2d_back_f32(out: usize, g: usize): void { avgPoolT<f32>(out, g, true); }
export function avg_pool2d_back_f64(out: usize, g: usize): void { avgPoolT<f64>(out, g, true); }
export function adaptive_avg_pool2d_f32(out: usize, x: usize): void { adaptiveAvgT<f32>(out, x, false); }
export function adaptive_avg_pool2d_f64(out: usize, x: usize): void { adaptiveAvgT<f64>(out, x, false); }
export function adaptive_avg_pool2d_back_f32(out: usize, g: usize): void { adaptiveAvgT<f32>(out, g, true); }
export function adaptive_avg_pool2d_back_f64(out: usize, g: usize): void { adaptiveAvgT<f64>(out, g, true); }
