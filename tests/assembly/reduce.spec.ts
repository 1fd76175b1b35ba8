import {
  sum_f32, sum_f64, mean_f32, mean_f64, max_f32, max_f64, min_f32, min_f64,
  logsumexp_f32, logsumexp_f64, softmax_f32, softmax_f64,
  log_softmax_f32, log_softmax_f64, exp_sum_f32, softmax_div_f32, free,
} from "../../assembly/index";
import {
  allocT, get, set, setAll, fillRand, same, close, inv, isF32, mexp, mlog, mmax, SIZES, red, varK, nextRand, reseed,
} from "./helpers";

// Every check is a generic function of the element type T, run for f32 and for f64.

// Reference sums implementing the documented order, accumulated in f64 for both dtypes.
/** inner == 1: 4 lane accumulators (index mod 4), combined (l0+l1)+(l2+l3), then the tail. */
function refRun<T>(x: usize, base: i32, n: i32): f64 {
  let l0: f64 = 0, l1: f64 = 0, l2: f64 = 0, l3: f64 = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    l0 += <f64>get<T>(x, base + i); l1 += <f64>get<T>(x, base + i + 1);
    l2 += <f64>get<T>(x, base + i + 2); l3 += <f64>get<T>(x, base + i + 3);
  }
  let s = (l0 + l1) + (l2 + l3);
  for (; i < n; i++) s += <f64>get<T>(x, base + i);
  return s;
}
/** inner > 1: sequential over k, in f64. */
function refCol<T>(x: usize, o: i32, n: i32, inner: i32, j: i32): f64 {
  let s: f64 = 0;
  for (let k = 0; k < n; k++) s += <f64>get<T>(x, (o * n + k) * inner + j);
  return s;
}
/** The documented order for the given inner. */
function refSum<T>(x: usize, o: i32, n: i32, inner: i32, j: i32): f64 {
  return inner == 1 ? refRun<T>(x, o * n, n) : refCol<T>(x, o, n, inner, j);
}

const INNERS: StaticArray<i32> = [1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 64, 515];

/** Mismatches of sum and mean on one (outer, n, inner), against the documented order. */
function sumMean<T>(outer: i32, n: i32, inner: i32): i32 {
  let bad = 0;
  let total = outer * n * inner;
  let x = allocT<T>(total + 1);
  let o = allocT<T>(outer * inner);
  fillRand<T>(x, total, -10, 10);
  red<T>(sum_f32, sum_f64)(o, x, outer, n, inner);
  for (let a = 0; a < outer; a++) for (let j = 0; j < inner; j++) {
    if (!same<T>(get<T>(o, a * inner + j), <T>refSum<T>(x, a, n, inner, j))) bad++;
  }
  red<T>(mean_f32, mean_f64)(o, x, outer, n, inner);
  for (let a = 0; a < outer; a++) for (let j = 0; j < inner; j++) {
    if (!same<T>(get<T>(o, a * inner + j), <T>(refSum<T>(x, a, n, inner, j) / <f64>n))) bad++;
  }
  free(x); free(o);
  return bad;
}
function sumMeanRuns<T>(): i32 {
  let bad = 0;
  let LONG: StaticArray<i32> = [31, 32, 47, 48, 63, 64, 100, 1000, 4099];
  for (let s = 0; s < SIZES.length; s++) bad += sumMean<T>(3, SIZES[s], 1);
  for (let s = 0; s < LONG.length; s++) bad += sumMean<T>(3, LONG[s], 1);
  return bad;
}
function sumMeanColumns<T>(): i32 {
  let bad = 0;
  for (let t = 0; t < INNERS.length; t++) for (let s = 0; s < 6; s++) bad += sumMean<T>(2, SIZES[s], INNERS[t]);
  return bad;
}
function emptySumMean<T>(): void {
  let x = allocT<T>(1), o = allocT<T>(4);
  red<T>(sum_f32, sum_f64)(o, x, 2, 0, 2);
  for (let i = 0; i < 4; i++) expect(get<T>(o, i)).toBe(<T>0);
  red<T>(mean_f32, mean_f64)(o, x, 2, 0, 1);
  expect(isNaN(get<T>(o, 0))).toBe(true);
  free(x); free(o);
}

describe("sum / mean", () => {
  test("inner == 1, f32 and f64, all tail lengths, exact documented order", () => {
    expect(sumMeanRuns<f32>()).toBe(0);
    expect(sumMeanRuns<f64>()).toBe(0);
  });
  test("inner > 1, f32 and f64: sequential per column", () => {
    expect(sumMeanColumns<f32>()).toBe(0);
    expect(sumMeanColumns<f64>()).toBe(0);
  });
  test("f32 sums accumulate in f64 (long sum stays accurate)", () => {
    let n = 100000;
    let x = allocT<f32>(n);
    for (let i = 0; i < n; i++) set<f32>(x, i, 0.1);
    let o = allocT<f32>(1);
    sum_f32(o, x, 1, n, 1);
    expect(get<f32>(o, 0)).toBe(<f32>(<f64><f32>0.1 * 100000.0));
    free(x); free(o);
  });
  test("n == 0: sum is 0, mean is NaN", () => { emptySumMean<f32>(); emptySumMean<f64>(); });
});

/** max and min over every (inner, n) against a scalar scan; NaN anywhere in a run gives NaN. */
function maxMin<T>(): i32 {
  let bad = 0;
  for (let t = 0; t < INNERS.length; t++) {
    let inner = INNERS[t];
    for (let s = 0; s < SIZES.length; s++) {
      let n = SIZES[s];
      let outer = 2;
      let total = outer * n * inner;
      let x = allocT<T>(total + 1), a = allocT<T>(outer * inner), b = allocT<T>(outer * inner);
      fillRand<T>(x, total, -10, 10);
      if (total > 5) set<T>(x, 5, <T>NaN);
      red<T>(max_f32, max_f64)(a, x, outer, n, inner);
      red<T>(min_f32, min_f64)(b, x, outer, n, inner);
      for (let o = 0; o < outer; o++) for (let j = 0; j < inner; j++) {
        let mx: T = <T>-Infinity, mn: T = <T>Infinity;
        let nan = false;
        for (let k = 0; k < n; k++) {
          let v = get<T>(x, (o * n + k) * inner + j);
          if (isNaN(v)) nan = true;
          if (v > mx) mx = v;
          if (v < mn) mn = v;
        }
        if (nan) { mx = <T>NaN; mn = <T>NaN; }
        let q = o * inner + j;
        if (!same<T>(get<T>(a, q), mx)) bad++;
        if (!same<T>(get<T>(b, q), mn)) bad++;
      }
      free(x); free(a); free(b);
    }
  }
  return bad;
}

/** A zero result has the sign of the first zero of its run (PyTorch keeps the earlier tie). */
function tiedZeros<T>(): void {
  // rows (-0, +0, +0, 1), (+0, -0, -0, 1), as runs (inner 1) and as columns (inner 2)
  let x = allocT<T>(8), o = allocT<T>(2);
  setAll<T>(x, [-0.0, 0.0, 0.0, 1, 0.0, -0.0, -0.0, 1]);
  red<T>(min_f32, min_f64)(o, x, 2, 4, 1);
  expect(inv<T>(get<T>(o, 0))).toBe(-Infinity);
  expect(inv<T>(get<T>(o, 1))).toBe(Infinity);
  // as columns: x viewed [4, 2]: column 0 = (-0, +0, +0, -0), column 1 = (+0, 1, -0, 1)
  red<T>(max_f32, max_f64)(o, x, 1, 4, 2);
  expect(inv<T>(get<T>(o, 0))).toBe(-Infinity);
  expect(get<T>(o, 1)).toBe(<T>1);
  red<T>(min_f32, min_f64)(o, x, 1, 4, 2);
  expect(inv<T>(get<T>(o, 0))).toBe(-Infinity);
  expect(inv<T>(get<T>(o, 1))).toBe(Infinity);
  // the run (+0, -0)
  let y = allocT<T>(2), q = allocT<T>(1);
  setAll<T>(y, [0.0, -0.0]);
  red<T>(max_f32, max_f64)(q, y, 1, 2, 1);
  expect(inv<T>(get<T>(q, 0))).toBe(Infinity);
  red<T>(min_f32, min_f64)(q, y, 1, 2, 1);
  expect(inv<T>(get<T>(q, 0))).toBe(Infinity);
  free(x); free(o); free(y); free(q);
}

describe("max / min", () => {
  test("inner == 1 and inner > 1, both dtypes, NaN propagates", () => { expect(maxMin<f32>()).toBe(0); expect(maxMin<f64>()).toBe(0); });
});

describe("max / min of tied zeros", () => {
  test("a zero result has the sign of the first zero of its run (PyTorch keeps the earlier tie)", () => {
    tiedZeros<f32>();
    tiedZeros<f64>();
  });
});

/** logsumexp = m + log(sum exp(x - m)) with the shift m = max in T, the sum in f64. */
function logsumexpShifted<T>(): void {
  let outer = 2, n = 9, inner = 3;
  let total = outer * n * inner;
  let x = allocT<T>(total), o = allocT<T>(outer * inner);
  fillRand<T>(x, total, -5, 5);
  set<T>(x, 0, <T>800); // large values must not overflow
  red<T>(logsumexp_f32, logsumexp_f64)(o, x, outer, n, inner);
  let bad = 0;
  for (let a = 0; a < outer; a++) for (let j = 0; j < inner; j++) {
    let m: T = <T>-Infinity;
    for (let k = 0; k < n; k++) m = mmax<T>(m, get<T>(x, (a * n + k) * inner + j));
    let s: f64 = 0;
    for (let k = 0; k < n; k++) s += <f64>mexp<T>(get<T>(x, (a * n + k) * inner + j) - m);
    if (!same<T>(get<T>(o, a * inner + j), m + mlog<T>(<T>s))) bad++;
  }
  expect(bad).toBe(0);
  expect(get<T>(o, 0)).toBe(<T>800);
  free(x); free(o);
}
function logsumexpInfinities<T>(): void {
  let y = allocT<T>(3), r = allocT<T>(1);
  let k = red<T>(logsumexp_f32, logsumexp_f64);
  setAll<T>(y, [-Infinity, -Infinity, -Infinity]);
  k(r, y, 1, 3, 1);
  expect(get<T>(r, 0)).toBe(<T>-Infinity);
  set<T>(y, 1, <T>Infinity);
  k(r, y, 1, 3, 1);
  expect(get<T>(r, 0)).toBe(<T>Infinity);
  setAll<T>(y, [1, 2, 3]);
  k(r, y, 1, 3, 1);
  expect(close(<f64>get<T>(r, 0), Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)), 1e-6, 0)).toBe(true);
  free(y); free(r);
}

/** var: two passes in f64 (mean, then squared deviations), divided by n - correction. */
function varTwoPass<T>(correction: i32): i32 {
  let outer = 2, n = 7, inner = 2;
  let total = outer * n * inner;
  let x = allocT<T>(total), o = allocT<T>(outer * inner);
  fillRand<T>(x, total, -3, 3);
  varK<T>(o, x, outer, n, inner, <f64>correction);
  let bad = 0;
  for (let a = 0; a < outer; a++) for (let j = 0; j < inner; j++) {
    let s: f64 = 0;
    for (let k = 0; k < n; k++) s += <f64>get<T>(x, (a * n + k) * inner + j);
    let mean = s / <f64>n;
    let ss: f64 = 0;
    for (let k = 0; k < n; k++) {
      let d = <f64>get<T>(x, (a * n + k) * inner + j) - mean;
      ss += d * d;
    }
    if (!same<T>(get<T>(o, a * inner + j), <T>(ss / <f64>(n - correction)))) bad++;
  }
  free(x); free(o);
  return bad;
}
function varConstant<T>(): void {
  // constant input has zero variance
  let c = allocT<T>(5), r = allocT<T>(1);
  for (let i = 0; i < 5; i++) set<T>(c, i, <T>0.1);
  varK<T>(r, c, 1, 5, 1, 1);
  expect(get<T>(r, 0)).toBe(<T>0);
  free(c); free(r);
}
function varTooFew<T>(): void {
  let c = allocT<T>(2), r = allocT<T>(2);
  setAll<T>(c, [1.5, 2.5]);
  varK<T>(r, c, 2, 1, 1, 1); // one element, unbiased
  expect(isNaN(get<T>(r, 0)) && isNaN(get<T>(r, 1))).toBe(true);
  varK<T>(r, c, 2, 0, 1, 0); // none, biased
  expect(isNaN(get<T>(r, 0)) && isNaN(get<T>(r, 1))).toBe(true);
  varK<T>(r, c, 2, 0, 1, 1); // none, unbiased
  expect(isNaN(get<T>(r, 0)) && isNaN(get<T>(r, 1))).toBe(true);
  // one element, biased: 0
  varK<T>(r, c, 2, 1, 1, 0);
  expect(get<T>(r, 0)).toBe(<T>0);
  free(c); free(r);
}

/** softmax = exp(x - m) / s, m = max in T, exp in T, s = sum in f64, divided in f64. */
function softmaxCheck<T>(): i32 {
  let bad = 0;
  for (let t = 0; t < 3; t++) {
    let inner = t == 0 ? 1 : (t == 1 ? 3 : 8);
    let outer = 2, n = 5;
    let total = outer * n * inner;
    let x = allocT<T>(total), o = allocT<T>(total);
    fillRand<T>(x, total, -4, 4);
    set<T>(x, 0, <T>1000);
    red<T>(softmax_f32, softmax_f64)(o, x, outer, n, inner);
    for (let a = 0; a < outer; a++) for (let j = 0; j < inner; j++) {
      let m: T = <T>-Infinity;
      for (let k = 0; k < n; k++) m = mmax<T>(m, get<T>(x, (a * n + k) * inner + j));
      let s: f64 = 0, tot: f64 = 0;
      for (let k = 0; k < n; k++) s += <f64>mexp<T>(get<T>(x, (a * n + k) * inner + j) - m);
      for (let k = 0; k < n; k++) {
        let idx = (a * n + k) * inner + j;
        if (!same<T>(get<T>(o, idx), <T>(<f64>mexp<T>(get<T>(x, idx) - m) / s))) bad++;
        tot += <f64>get<T>(o, idx);
      }
      // rows sum to 1 (to the dtype's precision)
      if (!close(tot, 1, isF32<T>() ? 1e-6 : 1e-12, 0)) bad++;
    }
    free(x); free(o);
  }
  return bad;
}

/** log_softmax = (x - max) - log(sum exp(x - max)), referenced in f64 from the T inputs: bit-exact
 *  for f64, within 1e-5 for f32; out of place and in place. */
function logSoftmaxCheck<T>(): i32 {
  let bad = 0;
  for (let t = 0; t < 2; t++) {
    let inner = t == 0 ? 1 : 4;
    let outer = 3, n = 6;
    let total = outer * n * inner;
    let x = allocT<T>(total), o = allocT<T>(total), y = allocT<T>(total);
    fillRand<T>(x, total, -4, 4);
    for (let i = 0; i < total; i++) set<T>(y, i, get<T>(x, i));
    let k = red<T>(log_softmax_f32, log_softmax_f64);
    k(o, x, outer, n, inner);
    k(y, y, outer, n, inner);
    for (let a = 0; a < outer; a++) for (let j = 0; j < inner; j++) {
      let m: f64 = -Infinity;
      for (let k = 0; k < n; k++) m = Math.max(m, <f64>get<T>(x, (a * n + k) * inner + j));
      let s: f64 = 0;
      for (let k = 0; k < n; k++) s += Math.exp(<f64>get<T>(x, (a * n + k) * inner + j) - m);
      let lse = Math.log(s);
      for (let k = 0; k < n; k++) {
        let idx = (a * n + k) * inner + j;
        let e = (<f64>get<T>(x, idx) - m) - lse;
        if (isF32<T>()) {
          if (!close(<f64>get<T>(o, idx), e, 1e-5, 1e-5)) bad++;
          if (!close(<f64>get<T>(y, idx), e, 1e-5, 1e-5)) bad++;
        } else {
          if (!same<T>(get<T>(o, idx), <T>e)) bad++;
          if (!same<T>(get<T>(y, idx), <T>e)) bad++;
        }
      }
    }
    free(x); free(o); free(y);
  }
  return bad;
}

/** softmax and log_softmax against the scalar definition, bit for bit (in place too), over row
 *  lengths around the SIMD groups, column counts around the lane groups, and value spreads whose
 *  exps all keep the lane sums exact (spread 2) or do not (spread 60: the sequential fallback). */
function softmaxBits<T>(): i32 {
  let bad = 0;
  let ns: StaticArray<i32> = [1, 3, 4, 7, 8, 9, 17, 64, 301, 1030];
  let inners: StaticArray<i32> = [1, 2, 3, 4, 5, 9];
  let spreads: StaticArray<f64> = [2, 60];
  for (let a = 0; a < ns.length; a++) for (let b = 0; b < inners.length; b++) for (let c = 0; c < 2; c++) {
    let n = ns[a], inner = inners[b], outer = 2;
    if (n * inner > 3000) continue;
    let total = outer * n * inner;
    let x = allocT<T>(total), o = allocT<T>(total), y = allocT<T>(total);
    fillRand<T>(x, total, -spreads[c], spreads[c]);
    for (let isLog = 0; isLog < 2; isLog++) {
      for (let i = 0; i < total; i++) set<T>(y, i, get<T>(x, i));
      let k = isLog ? red<T>(log_softmax_f32, log_softmax_f64) : red<T>(softmax_f32, softmax_f64);
      k(o, x, outer, n, inner);
      k(y, y, outer, n, inner);
      for (let r = 0; r < outer; r++) for (let j = 0; j < inner; j++) {
        let m: T = <T>-Infinity;
        for (let q = 0; q < n; q++) m = mmax<T>(m, get<T>(x, (r * n + q) * inner + j));
        let s: f64 = 0;
        for (let q = 0; q < n; q++) s += <f64>mexp<T>(get<T>(x, (r * n + q) * inner + j) - m);
        let lse = mlog<T>(<T>s);
        for (let q = 0; q < n; q++) {
          let idx = (r * n + q) * inner + j;
          let xv = get<T>(x, idx);
          let want: T = isLog ? (xv - m) - lse : <T>(<f64>mexp<T>(xv - m) / s);
          if (!same<T>(get<T>(o, idx), want)) bad++;
          if (!same<T>(get<T>(y, idx), want)) bad++;
        }
      }
    }
    free(x); free(o); free(y);
  }
  return bad;
}

/** softmax's f32 sum of exps against the sequential f64 sum, bit for bit: rows whose exps keep the
 *  lane sums exact (spread 2) and rows that need the in-order fallback (spread 40: tiny exps). */
function expSumBits(): i32 {
  let bad = 0;
  let ns: StaticArray<i32> = [1, 5, 8, 13, 64, 257, 1024, 1031];
  let spreads: StaticArray<f64> = [2, 40];
  for (let a = 0; a < ns.length; a++) for (let c = 0; c < 2; c++) for (let t = 0; t < 4; t++) {
    let n = ns[a];
    let x = allocT<f32>(n), e = allocT<f32>(n);
    fillRand<f32>(x, n, -spreads[c], 0);
    let m: f32 = -Infinity;
    for (let k = 0; k < n; k++) m = Mathf.max(m, get<f32>(x, k));
    let s: f64 = 0;
    for (let k = 0; k < n; k++) s += <f64>Mathf.exp(get<f32>(x, k) - m);
    let got = exp_sum_f32(e, x, n, m);
    if (reinterpret<u64>(got) != reinterpret<u64>(s)) bad++;
    for (let k = 0; k < n; k++) if (!same<f32>(get<f32>(e, k), Mathf.exp(get<f32>(x, k) - m))) bad++;
    free(x); free(e);
  }
  return bad;
}

/** The scalar definition of softmax / log_softmax over one contiguous row at x, compared bit for
 *  bit (any NaN equals any NaN) with the kernel's row at o. */
function rowMismatches<T>(x: usize, o: usize, n: i32, isLog: bool): i32 {
  let m: T = <T>-Infinity;
  for (let q = 0; q < n; q++) m = mmax<T>(m, get<T>(x, q));
  let s: f64 = 0;
  for (let q = 0; q < n; q++) s += <f64>mexp<T>(get<T>(x, q) - m);
  let lse = mlog<T>(<T>s);
  let bad = 0;
  for (let q = 0; q < n; q++) {
    let xv = get<T>(x, q);
    let want: T = isLog ? (xv - m) - lse : <T>(<f64>mexp<T>(xv - m) / s);
    if (!same<T>(get<T>(o, q), want)) bad++;
  }
  return bad;
}

/** Rows whose max is a zero of either sign (the pseudo-max may pick the other zero), rows with a
 *  NaN (redone with the exact max), infinities, and all -inf. */
function softmaxSpecialBits<T>(): i32 {
  let bad = 0;
  let ns: StaticArray<i32> = [4, 8, 16, 33, 64, 1030];
  for (let a = 0; a < ns.length; a++) for (let c = 0; c < 8; c++) {
    let n = ns[a];
    let x = allocT<T>(n), o = allocT<T>(n);
    fillRand<T>(x, n, -3, 0);
    let j = (c * 7 + 3) % n;
    if (c == 0) { for (let i = 0; i < n; i++) set<T>(x, i, <T>-0.0); set<T>(x, j, <T>0); }
    if (c == 1) { for (let i = 0; i < n; i++) set<T>(x, i, <T>0); set<T>(x, j, <T>-0.0); }
      // the other exps underflow to 0, so log_softmax's lse is 0 and the zero's sign shows; the
    // zeros 16 apart share a lane of the pseudo-max
    if (c == 2) { for (let i = 0; i < n; i++) set<T>(x, i, <T>-200); set<T>(x, j, <T>-0.0); set<T>(x, (j + 16) % n, <T>0); }
    if (c == 3) { for (let i = 0; i < n; i++) set<T>(x, i, <T>-200); set<T>(x, j, <T>0); set<T>(x, (j + 16) % n, <T>-0.0); }
    if (c == 4) set<T>(x, j, <T>NaN);
    if (c == 5) set<T>(x, j, <T>Infinity);
    if (c == 6) for (let i = 0; i < n; i++) set<T>(x, i, <T>-Infinity);
    if (c == 7) { set<T>(x, j, <T>-Infinity); set<T>(x, (j + 2) % n, <T>-200); }
    for (let isLog = 0; isLog < 2; isLog++) {
      let k = isLog ? red<T>(log_softmax_f32, log_softmax_f64) : red<T>(softmax_f32, softmax_f64);
      k(o, x, 1, n, 1);
      bad += rowMismatches<T>(x, o, n, isLog != 0);
    }
    free(x); free(o);
  }
  return bad;
}

/** softmax's f32 division by the row sum (product by the reciprocal where provably the same):
 *  random quotients, and quotients built next to the midpoints between f32 neighbours, where the
 *  product may round the other way and the kernel must divide. */
let nearMidpoints = 0;
function softmaxDivBits(): i32 {
  let bad = 0;
  let n = 8;
  let q = allocT<f32>(n), e = allocT<f32>(n);
  reseed(3);
  nearMidpoints = 0;
  for (let t = 0; t < 200000; t++) {
    for (let i = 0; i < n; i++) set<f32>(e, i, <f32>nextRand(0, 1));
    let s: f64;
    if (t & 1) {
      s = nextRand(1, 2000);
    } else {
      // a midpoint w between f32 neighbours below e, and s = e / w: e / s is within an ulp of w
      let ev = <f64>get<f32>(e, t % n);
      let w = ev * nextRand(0.0005, 1);
      w = reinterpret<f64>((reinterpret<u64>(w) & ~(<u64>0x1fffffff)) | 0x10000000);
      s = ev / w;
      if (!(s >= 1)) s = 1;
      let p = ev * (1 / s);
      let low = <i64>(reinterpret<u64>(p) & 0x1fffffff) - 0x10000000;
      if (low >= -8 && low <= 8) nearMidpoints++;
    }
    for (let i = 0; i < n; i++) set<f32>(q, i, get<f32>(e, i));
    softmax_div_f32(q, n, s);
    for (let i = 0; i < n; i++) {
      if (reinterpret<u32>(get<f32>(q, i)) != reinterpret<u32>(<f32>(<f64>get<f32>(e, i) / s))) bad++;
    }
  }
  // sums that are not >= 1 and finite take the division throughout
  for (let i = 0; i < n; i++) set<f32>(q, i, get<f32>(e, i));
  softmax_div_f32(q, n, NaN);
  for (let i = 0; i < n; i++) if (!isNaN(get<f32>(q, i))) bad++;
  free(q); free(e);
  return bad;
}

describe("logsumexp / var / softmax / log_softmax", () => {
  test("logsumexp matches the shifted formula; handles -inf rows and large values", () => {
    logsumexpShifted<f32>();
    logsumexpShifted<f64>();
    logsumexpInfinities<f32>();
    logsumexpInfinities<f64>();
  });
  test("var: two-pass with correction, both dtypes", () => {
    expect(varTwoPass<f64>(1)).toBe(0);
    expect(varTwoPass<f32>(0)).toBe(0);
    expect(varTwoPass<f64>(0)).toBe(0);
    expect(varTwoPass<f32>(1)).toBe(0);
    varConstant<f32>();
    varConstant<f64>();
  });
  test("var divides by max(0, n - correction): one element unbiased, or none, is NaN (PyTorch)", () => {
    varTooFew<f32>();
    varTooFew<f64>();
  });
  test("softmax rows sum to 1 and match exp(x - max) / sum (inner 1 and > 1)", () => {
    expect(softmaxCheck<f32>()).toBe(0);
    expect(softmaxCheck<f64>()).toBe(0);
  });
  test("log_softmax = x - max - log(sum exp(x - max)); in place allowed", () => {
    expect(logSoftmaxCheck<f32>()).toBe(0);
    expect(logSoftmaxCheck<f64>()).toBe(0);
  });
  test("softmax / log_softmax: the scalar definition's bits over lengths, column counts and spreads", () => {
    expect(softmaxBits<f32>()).toBe(0);
    expect(softmaxBits<f64>()).toBe(0);
  });
  test("softmax's f32 sum of exps has the sequential sum's bits (fast lanes and fallback)", () => {
    expect(expSumBits()).toBe(0);
  });
  test("softmax / log_softmax rows: max of either zero, NaN, infinities, all -inf", () => {
    expect(softmaxSpecialBits<f32>()).toBe(0);
    expect(softmaxSpecialBits<f64>()).toBe(0);
  });
  test("softmax's f32 division by the sum: the quotient's bits, next to f32 midpoints too", () => {
    expect(softmaxDivBits()).toBe(0);
    expect(nearMidpoints).toBeGreaterThan(100);
  });
});
