// nn.init's kernels (assembly/init.ts, rng.ts's randperm_i64) against plain scalar checks:
// erf(erfinv(x)) = x and its edges; the Householder QR reproduces A = Q R with Q^T Q = I and the
// sign-fixed R diagonal positive; randperm gives permutations.
import {
  erfinv_f32, erfinv_f64, erf64, householder_qr_f32, householder_qr_f64, householder_q_f32, householder_q_f64,
  randperm_i64, rng_seed, free,
} from "../../assembly/index";
import { allocN, allocT, get, set, isF32, fillRand, reseed } from "./helpers";

function erfinvK<T>(): (o: usize, x: usize, n: i32) => void { return isF32<T>() ? erfinv_f32 : erfinv_f64; }

function erfinvRoundTrip<T>(): void {
  let n = 2001;
  let x = allocT<T>(n), y = allocT<T>(n);
  for (let i = 0; i < n; i++) set<T>(x, i, <T>(-0.999 + 1.998 * <f64>i / <f64>(n - 1)));
  erfinvK<T>()(y, x, n);
  let worst: f64 = 0;
  for (let i = 0; i < n; i++) {
    let e = Math.abs(erf64(<f64>get<T>(y, i)) - <f64>get<T>(x, i));
    if (e > worst) worst = e;
  }
  expect(worst < (isF32<T>() ? 2e-7 : 4e-16)).toBe(true);
  // in place, and the edges: +-0, +-1 -> +-inf, |x| > 1 and NaN -> NaN
  set<T>(x, 0, <T>0); set<T>(x, 1, <T>-0.0); set<T>(x, 2, <T>1); set<T>(x, 3, <T>-1); set<T>(x, 4, <T>1.5); set<T>(x, 5, <T>NaN);
  erfinvK<T>()(x, x, 6);
  expect(get<T>(x, 0) == <T>0 && 1 / <f64>get<T>(x, 0) > 0).toBe(true);
  expect(get<T>(x, 1) == <T>0 && 1 / <f64>get<T>(x, 1) < 0).toBe(true);
  expect(<f64>get<T>(x, 2)).toBe(Infinity);
  expect(<f64>get<T>(x, 3)).toBe(-Infinity);
  expect(isNaN(get<T>(x, 4))).toBe(true);
  expect(isNaN(get<T>(x, 5))).toBe(true);
  free(x); free(y);
}

function qrCheck<T>(m: i32, n: i32): void {
  let a = allocT<T>(m * n), orig = allocT<T>(m * n), tau = allocT<T>(n), q = allocT<T>(m * n);
  reseed(<u32>(m * 31 + n));
  fillRand<T>(orig, m * n, -1, 1);
  for (let i = 0; i < m * n; i++) set<T>(a, i, get<T>(orig, i));
  if (isF32<T>()) { householder_qr_f32(a, tau, m, n); householder_q_f32(q, a, tau, m, n, 1); }
  else { householder_qr_f64(a, tau, m, n); householder_q_f64(q, a, tau, m, n, 1); }
  let tol: f64 = isF32<T>() ? 1e-5 : 1e-13;
  let worst: f64 = 0;
  // Q^T Q = I
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s: f64 = 0;
    for (let k = 0; k < m; k++) s += <f64>get<T>(q, k * n + i) * <f64>get<T>(q, k * n + j);
    let e = Math.abs(s - (i == j ? 1.0 : 0.0));
    if (e > worst) worst = e;
  }
  // A = Q R' with R' = diag(sign) R, i.e. |R| rows: R'[i][j] = |R[i][i]|/R[i][i] * R[i][j]
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s: f64 = 0;
    for (let k = 0; k <= j; k++) {
      let rkk = <f64>get<T>(a, k * n + k);
      let sg: f64 = rkk < 0 ? -1.0 : 1.0;
      s += <f64>get<T>(q, i * n + k) * sg * <f64>get<T>(a, k * n + j);
    }
    let e = Math.abs(s - <f64>get<T>(orig, i * n + j));
    if (e > worst) worst = e;
  }
  expect(worst < tol).toBe(true);
  free(a); free(orig); free(tau); free(q);
}

describe("nn.init kernels", () => {
  test("erfinv inverts erf, f32 and f64, with PyTorch's edges", () => {
    erfinvRoundTrip<f32>();
    erfinvRoundTrip<f64>();
  });
  test("Householder QR: Q^T Q = I and A = Q R (sign-fixed), square, tall, 1 column, 1x1", () => {
    qrCheck<f64>(5, 5); qrCheck<f64>(9, 4); qrCheck<f64>(7, 1); qrCheck<f64>(1, 1); qrCheck<f64>(16, 13);
    qrCheck<f32>(5, 5); qrCheck<f32>(9, 4); qrCheck<f32>(7, 1); qrCheck<f32>(1, 1);
  });
  test("a zero column gives tau 0 and a zeroed Q column under the sign fix", () => {
    let a = allocT<f64>(6), tau = allocT<f64>(2), q = allocT<f64>(6);
    for (let i = 0; i < 3; i++) { set<f64>(a, i * 2, 0); set<f64>(a, i * 2 + 1, <f64>(i + 1)); }
    householder_qr_f64(a, tau, 3, 2);
    householder_q_f64(q, a, tau, 3, 2, 1);
    expect(get<f64>(tau, 0)).toBe(0);
    for (let i = 0; i < 3; i++) expect(get<f64>(q, i * 2)).toBe(0);
    free(a); free(tau); free(q);
  });
  test("randperm_i64: count permutations of 0..n-1, seeded", () => {
    let n = 37, count = 5;
    let p = allocN(n * count, 8), r = allocN(n * count, 8);
    rng_seed(3, 0);
    randperm_i64(p, n, count);
    rng_seed(3, 0);
    randperm_i64(r, n, count);
    let identical = 0;
    for (let c = 0; c < count; c++) {
      let seen = new StaticArray<i32>(n);
      let fixed = 0;
      for (let i = 0; i < n; i++) {
        let v = <i32>load<i64>(p + <usize>((c * n + i) * 8));
        expect(v >= 0 && v < n).toBe(true);
        seen[v]++;
        if (v == i) fixed++;
        if (load<i64>(p + <usize>((c * n + i) * 8)) == load<i64>(r + <usize>((c * n + i) * 8))) identical++;
      }
      for (let i = 0; i < n; i++) expect(seen[i]).toBe(1);
      expect(fixed < n).toBe(true);
    }
    expect(identical).toBe(n * count);
    randperm_i64(p, 0, 3); // nothing to write
    free(p); free(r);
  });
});
