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
import { meta, scratch } from "./memory";
import { matmul_part_f32, matmul_part_f64 } from "./matmul";

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

/** n (>= lanes) elements of T from s to d: whole vectors, the last one overlapping the one before. */
// @ts-ignore: decorator
@inline function copyRowV<T>(d: usize, s: usize, n: i32): void {
  let L = lanes<T>();
  let i = 0;
  for (; i + L <= n; i += L) v128.store(d + boff<T>(i), v128.load(s + boff<T>(i)));
  if (i < n) v128.store(d + boff<T>(n - L), v128.load(s + boff<T>(n - L)));
}

/**
 * im2col for stride 1 and dilation 1 with rows of at least one vector: each plane is first copied
 * into a zero-bordered (H + 2pH) x (W + 2pW) scratch plane, so that every column row is one plain
 * run of oW elements (no padding cases, whole vectors). Same values, same order as below. False
 * when the scratch plane cannot be allocated (the caller then takes the general loop).
 */
// @ts-ignore: decorator
@inline function im2colPadded<T>(out: usize, x: usize, N: i32, C: i32, H: i32, W: i32, kH: i32, kW: i32, pH: i32, pW: i32, oH: i32, oW: i32, given: usize): bool {
  let Hp = H + 2 * pH, Wp = W + 2 * pW;
  let padded = pH != 0 || pW != 0;
  let buf: usize = 0;
  if (padded) {
    buf = given != 0 ? given : scratch(<usize>Hp * <usize>Wp * sizeof<T>());
    if (buf == 0) return false;
    zeroRow<T>(buf, Hp * Wp);
  }
  let o = 0;
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      let plane = x + boff<T>((n * C + c) * H * W);
      let src = plane;
      if (padded) {
        // the border stays zero: only the interior is rewritten for each plane
        for (let r = 0; r < H; r++) copyRow<T>(buf + boff<T>((r + pH) * Wp + pW), plane + boff<T>(r * W), W);
        src = buf;
      }
      for (let ki = 0; ki < kH; ki++) {
        for (let kj = 0; kj < kW; kj++) {
          for (let oi = 0; oi < oH; oi++) {
            copyRowV<T>(out + boff<T>(o), src + boff<T>((oi + ki) * Wp + kj), oW);
            o += oW;
          }
        }
      }
    }
  }
  return true;
}

/**
 * cols [N, C*kH*kW, oH*oW] of x [N, C, H, W]; zero where the window reads padding. `given`: a
 * block of at least im2col_part_scratch bytes for the padded plane (a helper thread's, which must
 * not allocate), or 0 for the instance's scratch arena.
 */
// @ts-ignore: decorator
@inline function im2colT<T>(out: usize, x: usize, given: usize): void {
  let N = meta(0), C = meta(1), H = meta(2), W = meta(3), kH = meta(4), kW = meta(5);
  let sH = meta(6), sW = meta(7), pH = meta(8), pW = meta(9), dH = meta(10), dW = meta(11);
  let oH = meta(12), oW = meta(13);
  if (sH == 1 && sW == 1 && dH == 1 && dW == 1 && oW >= lanes<T>() && oH > 0 && oH == H + 2 * pH - kH + 1 && oW == W + 2 * pW - kW + 1) {
    if (im2colPadded<T>(out, x, N, C, H, W, kH, kW, pH, pW, oH, oW, given)) return;
  }
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

export function im2col_f32(out: usize, x: usize): void { im2colT<f32>(out, x, 0); }
export function im2col_f64(out: usize, x: usize): void { im2colT<f64>(out, x, 0); }
export function col2im_f32(out: usize, col: usize): void { col2imT<f32>(out, col); }
export function col2im_f64(out: usize, col: usize): void { col2imT<f64>(out, col); }


// Samples [n0, n1) of a groups-1 convolution's per-sample products, for one thread of the pool
// (ts/core/threads.ts splits the batch: whole samples, so every sample's columns and product are
// exactly those of the one-thread loop in ts/ops/kernels/conv.ts, and the bits do not depend on the
// number of threads). The geometry in META is one sample's (N = 1). `cols` is this thread's
// [C*kH*kW, oH*oW] buffer; `pk` its scratch block (padded plane, then packing: used one after the
// other), 0 on the owner (its scratch arena). kind 0: out[n] [cout, L] = w [cout, CK] @ cols(x[n]);
// kind 1: out[n] [cout, CK] = gy[n] [cout, L] @ cols(x[n])ᵀ (the weight gradient's terms);
// kind 2: cols = wᵀ [CK, cout] @ gy[n], then out[n] [C, H, W] = col2im(cols) (the input gradient).
// @ts-ignore: decorator
@inline function convPartT<T>(kind: i32, n0: i32, n1: i32, out: usize, x: usize, w: usize, cols: usize, cout: i32, pk: usize): void {
  let ck = meta(1) * meta(4) * meta(5);
  let l = meta(12) * meta(13);
  let plane = meta(1) * meta(2) * meta(3);
  for (let n = n0; n < n1; n++) {
    if (kind == 0) {
      im2colT<T>(cols, x + boff<T>(n * plane), pk);
      if (sizeof<T>() == 4) matmul_part_f32(out + boff<T>(n * cout * l), w, cols, 1, cout, ck, l, 0, ck, 1, 0, l, 1, cout * l, l, pk);
      else matmul_part_f64(out + boff<T>(n * cout * l), w, cols, 1, cout, ck, l, 0, ck, 1, 0, l, 1, cout * l, l, pk);
    } else if (kind == 1) {
      // x: the input, w: gy
      im2colT<T>(cols, x + boff<T>(n * plane), pk);
      let g = w + boff<T>(n * cout * l);
      if (sizeof<T>() == 4) matmul_part_f32(out + boff<T>(n * cout * ck), g, cols, 1, cout, l, ck, 0, l, 1, 0, 1, l, cout * ck, ck, pk);
      else matmul_part_f64(out + boff<T>(n * cout * ck), g, cols, 1, cout, l, ck, 0, l, 1, 0, 1, l, cout * ck, ck, pk);
    } else {
      // x: gy, w: the weight
      let g = x + boff<T>(n * cout * l);
      if (sizeof<T>() == 4) matmul_part_f32(cols, w, g, 1, ck, cout, l, 0, 1, ck, 0, l, 1, ck * l, l, pk);
      else matmul_part_f64(cols, w, g, 1, ck, cout, l, 0, 1, ck, 0, l, 1, ck * l, l, pk);
      col2imT<T>(out + boff<T>(n * plane), cols);
    }
  }
}

export function conv_part_f32(kind: i32, n0: i32, n1: i32, out: usize, x: usize, w: usize, cols: usize, cout: i32, pk: usize): void {
  convPartT<f32>(kind, n0, n1, out, x, w, cols, cout, pk);
}
export function conv_part_f64(kind: i32, n0: i32, n1: i32, out: usize, x: usize, w: usize, cols: usize, cout: i32, pk: usize): void {
  convPartT<f64>(kind, n0, n1, out, x, w, cols, cout, pk);
}

/** Bytes of im2col's padded plane for the geometry in META (elements of `es` bytes). */
export function im2col_part_scratch(es: i32): f64 {
  return <f64>(meta(2) + 2 * meta(8)) * <f64>(meta(3) + 2 * meta(9)) * <f64>es;
}
