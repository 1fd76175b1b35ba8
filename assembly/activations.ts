// Activation kernels (gelu, silu, elu, softplus, hardtanh) and erf, on the shared unary loop of
// elementwise.ts. erf is computed here in float64 (no host Math.erf exists and wasm has none), so
// every host gives the same bits; float32 rounds the float64 value once.

import { unary } from "./unary_loop";
import { texp, ttanh, vexpAny } from "./math";

// ---- erf ---------------------------------------------------------------------------------------
// Four ranges of |x|, each a rational approximation (the classic minimax coefficients of the
// fdlibm family): a series in x^2 near 0, one in |x| - 1 around 1, and two in 1/x^2 for the tail
// written as 1 - exp(-x^2 - 0.5625 + R/S) / |x|. The tail's exp(-x^2) is split exactly: z is |x|
// with its low 32 bits cleared, so z*z is exact and (z - x)(z + x) carries the rest.

// near 0: x + x * P(x^2) / Q(x^2)
const EFX: f64 = 1.28379167095512586316e-01;
const P0: f64 = 1.28379167095512558561e-01, P1: f64 = -3.25042107247001499370e-01, P2: f64 = -2.84817495755985104766e-02;
const P3: f64 = -5.77027029648944159157e-03, P4: f64 = -2.37630166566501626084e-05;
const Q1: f64 = 3.97917223959155352819e-01, Q2: f64 = 6.50222499887672944485e-02, Q3: f64 = 5.08130628187576562776e-03;
const Q4: f64 = 1.32494738004321644526e-04, Q5: f64 = -3.96022827877536812320e-06;
// around 1: erx + A(s) / B(s), s = |x| - 1
const ERX: f64 = 8.45062911510467529297e-01;
const A0: f64 = -2.36211856075265944077e-03, A1: f64 = 4.14856118683748331666e-01, A2: f64 = -3.72207876035701323847e-01;
const A3: f64 = 3.18346619901161753674e-01, A4: f64 = -1.10894694282396677476e-01, A5: f64 = 3.54783043256182359371e-02;
const A6: f64 = -2.16637559486879084300e-03;
const B1: f64 = 1.06420880400844228286e-01, B2: f64 = 5.40397917702171048937e-01, B3: f64 = 7.18286544141962662868e-02;
const B4: f64 = 1.26171219808761642112e-01, B5: f64 = 1.36370839120290507362e-02, B6: f64 = 1.19844998467991074170e-02;
// 1.25 <= |x| < 1/0.35
const C0: f64 = -9.86494403484714822705e-03, C1: f64 = -6.93858572707181764372e-01, C2: f64 = -1.05586262253232909814e+01;
const C3: f64 = -6.23753324503260060396e+01, C4: f64 = -1.62396669462573470355e+02, C5: f64 = -1.84605092906711035994e+02;
const C6: f64 = -8.12874355063065934246e+01, C7: f64 = -9.81432934416914548592e+00;
const D1: f64 = 1.96512716674392571292e+01, D2: f64 = 1.37657754143519042600e+02, D3: f64 = 4.34565877475229228821e+02;
const D4: f64 = 6.45387271733267880336e+02, D5: f64 = 4.29008140027567833386e+02, D6: f64 = 1.08635005541779435134e+02;
const D7: f64 = 6.57024977031928170135e+00, D8: f64 = -6.04244152148580987438e-02;
// 1/0.35 <= |x| < 6
const E0: f64 = -9.86494292470009928597e-03, E1: f64 = -7.99283237680523006574e-01, E2: f64 = -1.77579549177547519889e+01;
const E3: f64 = -1.60636384855821916062e+02, E4: f64 = -6.37566443368389627722e+02, E5: f64 = -1.02509513161107724954e+03;
const E6: f64 = -4.83519191608651397019e+02;
const F1: f64 = 3.03380607434824582924e+01, F2: f64 = 3.25792512996573918826e+02, F3: f64 = 1.53672958608443695994e+03;
const F4: f64 = 3.19985821950859553908e+03, F5: f64 = 2.55305040643316442583e+03, F6: f64 = 4.74528541206955367215e+02;
const F7: f64 = -2.24409524465858183362e+01;

/** erf(x) in float64, within 1 ulp; erf(+-0) = +-0, erf(+-inf) = +-1, erf(NaN) = NaN. */
export function erf64(x: f64): f64 {
  if (isNaN(x)) return x;
  let a = abs(x);
  let sg: f64 = x < 0 ? -1.0 : 1.0;
  if (a < 0.84375) {
    if (a < 3.725290298461914e-9) return x + EFX * x;
    let z = x * x;
    let p = P0 + z * (P1 + z * (P2 + z * (P3 + z * P4)));
    let q = 1.0 + z * (Q1 + z * (Q2 + z * (Q3 + z * (Q4 + z * Q5))));
    return x + x * (p / q);
  }
  if (a < 1.25) {
    let s = a - 1.0;
    let p = A0 + s * (A1 + s * (A2 + s * (A3 + s * (A4 + s * (A5 + s * A6)))));
    let q = 1.0 + s * (B1 + s * (B2 + s * (B3 + s * (B4 + s * (B5 + s * B6)))));
    return sg * (ERX + p / q);
  }
  if (a >= 6.0) return sg;
  let s = 1.0 / (a * a);
  let r: f64, q: f64;
  if (a < 1.0 / 0.35) {
    r = C0 + s * (C1 + s * (C2 + s * (C3 + s * (C4 + s * (C5 + s * (C6 + s * C7))))));
    q = 1.0 + s * (D1 + s * (D2 + s * (D3 + s * (D4 + s * (D5 + s * (D6 + s * (D7 + s * D8)))))));
  } else {
    r = E0 + s * (E1 + s * (E2 + s * (E3 + s * (E4 + s * (E5 + s * E6)))));
    q = 1.0 + s * (F1 + s * (F2 + s * (F3 + s * (F4 + s * (F5 + s * (F6 + s * F7))))));
  }
  let z = reinterpret<f64>(reinterpret<u64>(a) & 0xffffffff00000000);
  let e = Math.exp(-z * z - 0.5625) * Math.exp((z - a) * (z + a) + r / q);
  return sg * (1.0 - e / a);
}

// @ts-ignore: decorator
@inline function terf<T>(x: T): T { return <T>erf64(<f64>x); }

@final class UErf {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T { return terf<T>(x); }
}
/** gelu, 'none': x/2 (1 + erf(x / sqrt 2)). */
@final class UGelu {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T { return x * <T>0.5 * (<T>1 + terf<T>(x * <T>0.70710678118654752440)); }
}
/** gelu, 'tanh': x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
@final class UGeluTanh {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T {
    let inner = <T>0.79788456080286535588 * (x + <T>0.044715 * x * x * x);
    return <T>0.5 * x * (<T>1 + ttanh<T>(inner));
  }
}
/** silu: x / (1 + exp(-x)). */
@final class USilu {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T { return x / (<T>1 + texp<T>(-x)); }
  // @ts-ignore: decorator
  @inline v<T>(x: v128, pv: v128, qv: v128): v128 {
    return v128.div<T>(x, v128.add<T>(v128.splat<T>(<T>1), vexpAny<T>(v128.neg<T>(x))));
  }
}
/** elu: x > 0 ? x : alpha (exp(x) - 1), alpha = p (exp - 1 as PyTorch 1.13: elu(-0) = +0). */
@final class UElu {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T {
    if (x > <T>0) return x;
    return p * (texp<T>(x) - <T>1);
  }
  // @ts-ignore: decorator
  @inline v<T>(x: v128, pv: v128, qv: v128): v128 {
    let y = v128.mul<T>(pv, v128.sub<T>(vexpAny<T>(x), v128.splat<T>(<T>1)));
    return v128.bitselect(x, y, v128.gt<T>(x, v128.splat<T>(<T>0)));
  }
}
/** softplus: beta x > threshold ? x : log1p(exp(beta x)) / beta, beta = p, threshold = q. */
@final class USoftplus {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T {
    let bx = x * p;
    if (bx > q) return x;
    let e = texp<T>(bx);
    return (sizeof<T>() == 4 ? <T>Mathf.log1p(<f32>e) : <T>Math.log1p(<f64>e)) / p;
  }
}
/** hardtanh: min(max(x, p), q); NaN stays NaN. */
@final class UHardtanh {
  // @ts-ignore: decorator
  @inline s<T>(x: T, p: T, q: T): T {
    if (x < p) return p;
    if (x > q) return q;
    return x;
  }
}

export function erf_f32(out: usize, x: usize, n: i32): void { unary<f32, UErf>(out, x, n, 0, 0); }
export function erf_f64(out: usize, x: usize, n: i32): void { unary<f64, UErf>(out, x, n, 0, 0); }
export function gelu_f32(out: usize, x: usize, n: i32): void { unary<f32, UGelu>(out, x, n, 0, 0); }
export function gelu_f64(out: usize, x: usize, n: i32): void { unary<f64, UGelu>(out, x, n, 0, 0); }
export function gelu_tanh_f32(out: usize, x: usize, n: i32): void { unary<f32, UGeluTanh>(out, x, n, 0, 0); }
export function gelu_tanh_f64(out: usize, x: usize, n: i32): void { unary<f64, UGeluTanh>(out, x, n, 0, 0); }
export function silu_f32(out: usize, x: usize, n: i32): void { unary<f32, USilu>(out, x, n, 0, 0); }
export function silu_f64(out: usize, x: usize, n: i32): void { unary<f64, USilu>(out, x, n, 0, 0); }
export function elu_f32(out: usize, x: usize, n: i32, alpha: f64): void { unary<f32, UElu>(out, x, n, alpha, 0); }
export function elu_f64(out: usize, x: usize, n: i32, alpha: f64): void { unary<f64, UElu>(out, x, n, alpha, 0); }
export function softplus_f32(out: usize, x: usize, n: i32, beta: f64, threshold: f64): void { unary<f32, USoftplus>(out, x, n, beta, threshold); }
export function softplus_f64(out: usize, x: usize, n: i32, beta: f64, threshold: f64): void { unary<f64, USoftplus>(out, x, n, beta, threshold); }
export function hardtanh_f32(out: usize, x: usize, n: i32, lo: f64, hi: f64): void { unary<f32, UHardtanh>(out, x, n, lo, hi); }
export function hardtanh_f64(out: usize, x: usize, n: i32, lo: f64, hi: f64): void { unary<f64, UHardtanh>(out, x, n, lo, hi); }
