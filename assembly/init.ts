// Kernels of torch.nn.init: erfinv (trunc_normal_), the Householder QR and its Q (orthogonal_).
// Everything is computed in float64 and stored in T once, so float32 and float64 follow the same
// arithmetic; the order of every sum is fixed (increasing row index).

import { ld, st } from "./math";
import { erf64 } from "./activations";

// ---- erfinv ------------------------------------------------------------------------------------
// A closed-form first guess, refined by Halley steps on f(y) = erf(y) - x, whose derivatives are
// f' = 2/sqrt(pi) exp(-y^2) and f'' = -2y f': the step is f / (f' + y f).
// The guess: with L = log(1 - x^2) and c = 0.147, y0 = sign(x) sqrt(sqrt(h^2 - L/c) - h),
// h = 2/(pi c) + L/2 (relative error below 2e-3 over (-1, 1)); three steps bring it to the
// precision of erf64. erfinv(+-1) = +-inf, erfinv(+-0) = +-0, |x| > 1 or NaN gives NaN.

const TWO_OVER_SQRT_PI: f64 = 1.1283791670955126;
const WINITZKI_A: f64 = 0.147;
const TWO_OVER_PI_A: f64 = 2.0 / (3.141592653589793 * 0.147);

/** erfinv(x) in float64. */
function erfinv64(x: f64): f64 {
  if (isNaN(x)) return x;
  let a = abs(x);
  if (a > 1.0) return NaN;
  if (a == 1.0) return x > 0 ? Infinity : -Infinity;
  if (x == 0.0) return x;
  let l = Math.log((1.0 - a) * (1.0 + a));
  let h = TWO_OVER_PI_A + 0.5 * l;
  let y = Math.sqrt(Math.sqrt(h * h - l / WINITZKI_A) - h);
  if (x < 0) y = -y;
  for (let k = 0; k < 3; k++) {
    let f = erf64(y) - x;
    let d = TWO_OVER_SQRT_PI * Math.exp(-y * y);
    let den = d + y * f;
    if (den == 0.0 || !isFinite(den)) break;
    y -= f / den;
  }
  return y;
}

// @ts-ignore: decorator
@inline function erfinvT<T>(out: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) st<T>(out, i, <T>erfinv64(<f64>ld<T>(x, i)));
}
/** out[i] = erfinv(x[i]) over n contiguous elements (out may be x). */
export function erfinv_f32(out: usize, x: usize, n: i32): void { erfinvT<f32>(out, x, n); }
export function erfinv_f64(out: usize, x: usize, n: i32): void { erfinvT<f64>(out, x, n); }

// ---- Householder QR ----------------------------------------------------------------------------
// a: a contiguous row-major m x n matrix with m >= n, factorised in place as LAPACK's geqrf does:
// R on and above the diagonal, the Householder vectors v_k (v_k[k] = 1 implied) below it, and
// tau[k] so that H_k = I - tau_k v_k v_k^T and A = H_0 H_1 ... H_{n-1} R. For each column k:
// norm = ||a[k:, k]||, beta = -sign(a[k,k]) norm (so no cancellation), v = a[k:, k] / (a[k,k] - beta),
// tau = (beta - a[k,k]) / beta; a zero column gives tau = 0 (H = I) and R[k,k] = 0.

// @ts-ignore: decorator
@inline function qrT<T>(a: usize, tau: usize, m: i32, n: i32): void {
  for (let k = 0; k < n; k++) {
    let ss: f64 = 0;
    for (let i = k; i < m; i++) {
      let v = <f64>ld<T>(a, i * n + k);
      ss += v * v;
    }
    let norm = Math.sqrt(ss);
    let alpha = <f64>ld<T>(a, k * n + k);
    if (norm == 0.0) {
      st<T>(tau, k, <T>0);
      continue;
    }
    let beta = alpha >= 0 ? -norm : norm;
    let scale = 1.0 / (alpha - beta);
    let t = (beta - alpha) / beta;
    st<T>(tau, k, <T>t);
    st<T>(a, k * n + k, <T>beta);
    for (let i = k + 1; i < m; i++) st<T>(a, i * n + k, <T>(<f64>ld<T>(a, i * n + k) * scale));
    // apply H_k to the remaining columns, reading v as stored (so R and Q agree in T)
    let tk = <f64>ld<T>(tau, k);
    for (let j = k + 1; j < n; j++) {
      let s = <f64>ld<T>(a, k * n + j);
      for (let i = k + 1; i < m; i++) s += <f64>ld<T>(a, i * n + k) * <f64>ld<T>(a, i * n + j);
      s *= tk;
      st<T>(a, k * n + j, <T>(<f64>ld<T>(a, k * n + j) - s));
      for (let i = k + 1; i < m; i++) st<T>(a, i * n + j, <T>(<f64>ld<T>(a, i * n + j) - s * <f64>ld<T>(a, i * n + k)));
    }
  }
}
/** In-place Householder QR of the contiguous m x n matrix a (m >= n); tau: n elements. */
export function householder_qr_f32(a: usize, tau: usize, m: i32, n: i32): void { qrT<f32>(a, tau, m, n); }
export function householder_qr_f64(a: usize, tau: usize, m: i32, n: i32): void { qrT<f64>(a, tau, m, n); }

// q (m x n, contiguous) = H_0 ... H_{n-1} applied to the first n columns of the identity,
// accumulated from the last reflector back (columns j < k are still e_j at step k, which H_k leaves
// alone). With signfix != 0 each column j is then multiplied by sign(R[j, j]) (0 for a zero R[j, j]),
// PyTorch's orthogonal_ correction that makes R's diagonal positive and Q Haar-distributed.

// @ts-ignore: decorator
@inline function qT<T>(q: usize, a: usize, tau: usize, m: i32, n: i32, signfix: i32): void {
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) st<T>(q, i * n + j, <T>(i == j ? 1 : 0));
  for (let k = n - 1; k >= 0; k--) {
    let tk = <f64>ld<T>(tau, k);
    if (tk == 0.0) continue;
    for (let j = k; j < n; j++) {
      let s = <f64>ld<T>(q, k * n + j);
      for (let i = k + 1; i < m; i++) s += <f64>ld<T>(a, i * n + k) * <f64>ld<T>(q, i * n + j);
      s *= tk;
      st<T>(q, k * n + j, <T>(<f64>ld<T>(q, k * n + j) - s));
      for (let i = k + 1; i < m; i++) st<T>(q, i * n + j, <T>(<f64>ld<T>(q, i * n + j) - s * <f64>ld<T>(a, i * n + k)));
    }
  }
  if (signfix == 0) return;
  for (let j = 0; j < n; j++) {
    let r = <f64>ld<T>(a, j * n + j);
    if (r > 0) continue;
    let sg: f64 = r < 0 ? -1.0 : 0.0;
    for (let i = 0; i < m; i++) st<T>(q, i * n + j, <T>(<f64>ld<T>(q, i * n + j) * sg));
  }
}
/** q = the m x n Q of householder_qr's (a, tau), times sign(diag R) column-wise when signfix != 0. */
export function householder_q_f32(q: usize, a: usize, tau: usize, m: i32, n: i32, signfix: i32): void { qT<f32>(q, a, tau, m, n, signfix); }
export function householder_q_f64(q: usize, a: usize, tau: usize, m: i32, n: i32, signfix: i32): void { qT<f64>(q, a, tau, m, n, signfix); }
