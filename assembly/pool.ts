// Pooling over [N, C, H, W] (contiguous operands): max_pool2d (values + int64 indices), its
// scatter and gather; avg_pool2d and adaptive_avg_pool2d with their adjoints; adaptive_max_pool2d
// (values + indices: its adjoints are max_pool2d's scatter and gather).
//
// Geometry is read from the metadata area (META, i32), as in ./conv.ts:
//   0 N, 1 C, 2 H, 3 W, 4 kH, 5 kW, 6 sH, 7 sW, 8 pH, 9 pW, 10 dH, 11 dW, 12 oH, 13 oW, 14 flag,
//   15 divisor
// (flag: avg_pool2d's count_include_pad; divisor: its divisor_override, 0 when none). ceil_mode
// only changes oH/oW: a last window reaching past the input is clipped as padding is.
//
// Determinism: every scatter-add (the pools' adjoints) visits its sources in one fixed order
// (n, c, output position ascending); every sum starts from +0 in window order.

import { ld, st, boff } from "./math";
import { meta } from "./memory";

/** max_pool2d: out [N*C, oH, oW] and int64 indices (h * W + w within the plane); padding is -inf,
 *  NaN wins (PyTorch's rule: val > max || isnan(val)). */
// @ts-ignore: decorator
@inline function maxPoolT<T>(out: usize, idx: usize, x: usize, P: i32): void {
  let H = meta(2), W = meta(3), kH = meta(4), kW = meta(5);
  let sH = meta(6), sW = meta(7), pH = meta(8), pW = meta(9), dH = meta(10), dW = meta(11);
  let oH = meta(12), oW = meta(13);
  if (kH == 2 && kW == 2 && sH == 2 && sW == 2 && pH == 0 && pW == 0 && dH == 1 && dW == 1 && 2 * oH <= H && 2 * oW <= W) {
    maxPool2x2T<T>(out, idx, x, P, H, W, oH, oW);
    return;
  }
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

/** max_pool2d with 2x2 windows, stride 2, no padding or dilation, every window inside the input:
 *  the same scan as maxPoolT (window order (0,0), (0,1), (1,0), (1,1), from -inf) unrolled. */
// @ts-ignore: decorator
@inline function maxPool2x2T<T>(out: usize, idx: usize, x: usize, P: i32, H: i32, W: i32, oH: i32, oW: i32): void {
  let o = 0;
  for (let p = 0; p < P; p++) {
    let plane = x + boff<T>(p * H * W);
    for (let oi = 0; oi < oH; oi++) {
      let r0 = 2 * oi * W;
      let r1 = r0 + W;
      let ro = out + boff<T>(o);
      let ri = idx + (<usize>o << 3);
      let oj = 0;
      if (sizeof<T>() == 4) {
        // four windows at once: lanes = output columns; the same scan per lane
        let ninf = f32x4.splat(-Infinity);
        let lane = i32x4(0, 2, 4, 6);
        for (; oj + 4 <= oW; oj += 4) {
          let c = 2 * oj;
          let p0 = plane + boff<T>(r0 + c);
          let p1 = plane + boff<T>(r1 + c);
          let u = v128.load(p0);
          let u2 = v128.load(p0, 16);
          let l = v128.load(p1);
          let l2 = v128.load(p1, 16);
          let i0 = i32x4.add(i32x4.splat(r0 + c), lane);
          let i1 = i32x4.add(i32x4.splat(r1 + c), lane);
          let one = i32x4.splat(1);
          let best = ninf;
          let bi = i0;
          let v = v128.shuffle<f32>(u, u2, 0, 2, 4, 6);
          let m = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
          best = v128.bitselect(v, best, m);
          v = v128.shuffle<f32>(u, u2, 1, 3, 5, 7);
          m = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
          best = v128.bitselect(v, best, m);
          bi = v128.bitselect(i32x4.add(i0, one), bi, m);
          v = v128.shuffle<f32>(l, l2, 0, 2, 4, 6);
          m = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
          best = v128.bitselect(v, best, m);
          bi = v128.bitselect(i1, bi, m);
          v = v128.shuffle<f32>(l, l2, 1, 3, 5, 7);
          m = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
          best = v128.bitselect(v, best, m);
          bi = v128.bitselect(i32x4.add(i1, one), bi, m);
          v128.store(ro + boff<T>(oj), best);
          v128.store(ri + (<usize>oj << 3), i64x2.extend_low_i32x4_s(bi));
          v128.store(ri + (<usize>oj << 3), i64x2.extend_high_i32x4_s(bi), 16);
        }
      }
      for (; oj < oW; oj++) {
        let c = 2 * oj;
        // branch-free: the maxima of random data defeat branch prediction
        let best: T = <T>(-Infinity);
        let bi = r0 + c;
        let v = ld<T>(plane, r0 + c);
        let m = (v > best) | (v != v);
        best = select<T>(v, best, m);
        bi = select<i32>(r0 + c, bi, m);
        v = ld<T>(plane, r0 + c + 1);
        m = (v > best) | (v != v);
        best = select<T>(v, best, m);
        bi = select<i32>(r0 + c + 1, bi, m);
        v = ld<T>(plane, r1 + c);
        m = (v > best) | (v != v);
        best = select<T>(v, best, m);
        bi = select<i32>(r1 + c, bi, m);
        v = ld<T>(plane, r1 + c + 1);
        m = (v > best) | (v != v);
        best = select<T>(v, best, m);
        bi = select<i32>(r1 + c + 1, bi, m);
        st<T>(ro, oj, best);
        store<i64>(ri + (<usize>oj << 3), <i64>bi);
      }
      o += oW;
    }
  }
}

/** out [N*C, H*W] = zeros, then out[p, idx[p, o]] += g[p, o] in o order (max_pool2d's adjoint). */
// @ts-ignore: decorator
@inline function maxPoolBackT<T>(out: usize, g: usize, idx: usize, P: i32): void {
  let HW = meta(2) * meta(3), L = meta(12) * meta(13);
  memory.fill(out, 0, boff<T>(P * HW));
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
  if (meta(15) != 0) return meta(15);
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

/** adaptive_max_pool2d: out [N*C, oH, oW] and int64 indices (h * W + w within the plane); windows
 *  as adaptive_avg_pool2d's; NaN wins (PyTorch's rule: val > max || isnan(val)). */
// @ts-ignore: decorator
@inline function adaptiveMaxT<T>(out: usize, idx: usize, x: usize): void {
  let P = meta(0) * meta(1), H = meta(2), W = meta(3), oH = meta(12), oW = meta(13);
  let o = 0;
  for (let p = 0; p < P; p++) {
    let plane = x + boff<T>(p * H * W);
    for (let oi = 0; oi < oH; oi++) {
      let hs = (oi * H) / oH, he = ((oi + 1) * H + oH - 1) / oH;
      for (let oj = 0; oj < oW; oj++) {
        let ws = (oj * W) / oW, we = ((oj + 1) * W + oW - 1) / oW;
        let best: T = <T>(-Infinity);
        let bi = hs * W + ws;
        for (let h = hs; h < he; h++) {
          for (let w = ws; w < we; w++) {
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

/** max_unpool2d: out [N*C, oH*oW] = zeros, then out[p, idx[p, i]] = x[p, i] in i order (a repeated
 *  index keeps the last value); the input planes are [H, W] (meta 2, 3), the output's [oH, oW].
 *  Every index is checked first: with one outside [0, oH*oW), nothing is written and the position
 *  of the last such index is returned (PyTorch reports the last it met); else -1. */
// @ts-ignore: decorator
@inline function maxUnpoolT<T>(out: usize, x: usize, idx: usize): i32 {
  let P = meta(0) * meta(1), L = meta(2) * meta(3), O = meta(12) * meta(13);
  let n = P * L;
  let bad = -1;
  for (let i = 0; i < n; i++) {
    let v = ld<i64>(idx, i);
    if (v < 0 || v >= <i64>O) bad = i;
  }
  if (bad >= 0) return bad;
  let total = P * O;
  for (let i = 0; i < total; i++) st<T>(out, i, <T>0);
  for (let p = 0; p < P; p++) {
    for (let i = 0; i < L; i++) st<T>(out, p * O + <i32>ld<i64>(idx, p * L + i), ld<T>(x, p * L + i));
  }
  return -1;
}

export function max_pool2d_f32(out: usize, idx: usize, x: usize): void { maxPoolT<f32>(out, idx, x, meta(0) * meta(1)); }
export function max_pool2d_f64(out: usize, idx: usize, x: usize): void { maxPoolT<f64>(out, idx, x, meta(0) * meta(1)); }
export function max_pool2d_back_f32(out: usize, g: usize, idx: usize): void { maxPoolBackT<f32>(out, g, idx, meta(0) * meta(1)); }
export function max_pool2d_back_f64(out: usize, g: usize, idx: usize): void { maxPoolBackT<f64>(out, g, idx, meta(0) * meta(1)); }
// P whole planes of the geometry in META (the operands' addresses at the first of them): a thread
// pool's part (ts/core/threads.ts). Planes are independent, so any split gives the same bits.
export function max_pool2d_part_f32(out: usize, idx: usize, x: usize, P: i32): void { maxPoolT<f32>(out, idx, x, P); }
export function max_pool2d_part_f64(out: usize, idx: usize, x: usize, P: i32): void { maxPoolT<f64>(out, idx, x, P); }
export function max_pool2d_back_part_f32(out: usize, g: usize, idx: usize, P: i32): void { maxPoolBackT<f32>(out, g, idx, P); }
export function max_pool2d_back_part_f64(out: usize, g: usize, idx: usize, P: i32): void { maxPoolBackT<f64>(out, g, idx, P); }
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
export function adaptive_max_pool2d_f32(out: usize, idx: usize, x: usize): void { adaptiveMaxT<f32>(out, idx, x); }
export function adaptive_max_pool2d_f64(out: usize, idx: usize, x: usize): void { adaptiveMaxT<f64>(out, idx, x); }
export function max_unpool2d_f32(out: usize, x: usize, idx: usize): i32 { return maxUnpoolT<f32>(out, x, idx); }
export function max_unpool2d_f64(out: usize, x: usize, idx: usize): i32 { return maxUnpoolT<f64>(out, x, idx); }
