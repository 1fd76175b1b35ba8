import {
  sum_f32, sum_f64, mean_f32, mean_f64, max_f32, max_f64, min_f32, min_f64,
  logsumexp_f32, logsumexp_f64, var_f32, var_f64, softmax_f32, softmax_f64,
  log_softmax_f32, log_softmax_f64, free,
} from "../../assembly/index";
import { allocN, getF32, setF32, getF64, setF64, fillRandF32, fillRandF64, same32, same64, close, SIZES } from "./helpers";

// Reference sums implementing the documented order.
/** inner == 1: 4 lane accumulators (index mod 4), combined (l0+l1)+(l2+l3), then the tail. */
function refRun64(x: usize, base: i32, n: i32, isF32: bool): f64 {
  let l0: f64 = 0, l1: f64 = 0, l2: f64 = 0, l3: f64 = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    if (isF32) {
      l0 += <f64>getF32(x, base + i); l1 += <f64>getF32(x, base + i + 1);
      l2 += <f64>getF32(x, base + i + 2); l3 += <f64>getF32(x, base + i + 3);
    } else {
      l0 += getF64(x, base + i); l1 += getF64(x, base + i + 1);
      l2 += getF64(x, base + i + 2); l3 += getF64(x, base + i + 3);
    }
  }
  let s = (l0 + l1) + (l2 + l3);
  for (; i < n; i++) s += isF32 ? <f64>getF32(x, base + i) : getF64(x, base + i);
  return s;
}
/** inner > 1: sequential over k, in f64. */
function refCol64(x: usize, o: i32, n: i32, inner: i32, j: i32, isF32: bool): f64 {
  let s: f64 = 0;
  for (let k = 0; k < n; k++) {
    let idx = (o * n + k) * inner + j;
    s += isF32 ? <f64>getF32(x, idx) : getF64(x, idx);
  }
  return s;
}

const INNERS: StaticArray<i32> = [1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 64, 515];

describe("sum / mean", () => {
  test("inner == 1, f32 and f64, all tail lengths, exact documented order", () => {
    let bad = 0;
    let LONG: StaticArray<i32> = [31, 32, 47, 48, 63, 64, 100, 1000, 4099];
    for (let s = 0; s < SIZES.length + LONG.length; s++) {
      let n = s < SIZES.length ? SIZES[s] : LONG[s - SIZES.length];
      let outer = 3;
      let x32 = allocN(outer * n + 1, 4), x64 = allocN(outer * n + 1, 8);
      let o32 = allocN(outer, 4), o64 = allocN(outer, 8);
      fillRandF32(x32, outer * n, -10, 10);
      fillRandF64(x64, outer * n, -10, 10);
      sum_f32(o32, x32, outer, n, 1);
      sum_f64(o64, x64, outer, n, 1);
      for (let o = 0; o < outer; o++) {
        if (!same32(getF32(o32, o), <f32>refRun64(x32, o * n, n, true))) bad++;
        if (!same64(getF64(o64, o), refRun64(x64, o * n, n, false))) bad++;
      }
      mean_f32(o32, x32, outer, n, 1);
      mean_f64(o64, x64, outer, n, 1);
      for (let o = 0; o < outer; o++) {
        if (!same32(getF32(o32, o), <f32>(refRun64(x32, o * n, n, true) / <f64>n))) bad++;
        if (!same64(getF64(o64, o), refRun64(x64, o * n, n, false) / <f64>n)) bad++;
      }
      free(x32); free(x64); free(o32); free(o64);
    }
    expect(bad).toBe(0);
  });
  test("inner > 1, f32 and f64: sequential per column", () => {
    let bad = 0;
    for (let t = 0; t < INNERS.length; t++) {
      let inner = INNERS[t];
      for (let s = 0; s < 6; s++) {
        let n = SIZES[s];
        let outer = 2;
        let total = outer * n * inner;
        let x32 = allocN(total + 1, 4), x64 = allocN(total + 1, 8);
        let o32 = allocN(outer * inner, 4), o64 = allocN(outer * inner, 8);
        fillRandF32(x32, total, -10, 10);
        fillRandF64(x64, total, -10, 10);
        sum_f32(o32, x32, outer, n, inner);
        sum_f64(o64, x64, outer, n, inner);
        for (let o = 0; o < outer; o++) for (let j = 0; j < inner; j++) {
          let e32 = refCol64(x32, o, n, inner, j, true);
          let e64 = refCol64(x64, o, n, inner, j, false);
          if (inner == 1) { e32 = refRun64(x32, o * n, n, true); e64 = refRun64(x64, o * n, n, false); }
          if (!same32(getF32(o32, o * inner + j), <f32>e32)) bad++;
          if (!same64(getF64(o64, o * inner + j), e64)) bad++;
        }
        mean_f64(o64, x64, outer, n, inner);
        mean_f32(o32, x32, outer, n, inner);
        for (let o = 0; o < outer; o++) for (let j = 0; j < inner; j++) {
          let e32 = inner == 1 ? refRun64(x32, o * n, n, true) : refCol64(x32, o, n, inner, j, true);
          let e64 = inner == 1 ? refRun64(x64, o * n, n, false) : refCol64(x64, o, n, inner, j, false);
          if (!same64(getF64(o64, o * inner + j), e64 / <f64>n)) bad++;
          if (!same32(getF32(o32, o * inner + j), <f32>(e32 / <f64>n))) bad++;
        }
        free(x32); free(x64); free(o32); free(o64);
      }
    }
    expect(bad).toBe(0);
  });
  test("f32 sums accumulate in f64 (long sum stays accurate)", () => {
    let n = 100000;
    let x = allocN(n, 4);
    for (let i = 0; i < n; i++) setF32(x, i, 0.1);
    let o = allocN(1, 4);
    sum_f32(o, x, 1, n, 1);
    expect(getF32(o, 0)).toBe(<f32>(<f64><f32>0.1 * 100000.0));
    free(x); free(o);
  });
  test("n == 0: sum is 0, mean is NaN", () => {
    let x = allocN(1, 8), o = allocN(4, 8);
    sum_f64(o, x, 2, 0, 2);
    for (let i = 0; i < 4; i++) expect(getF64(o, i)).toBe(0);
    mean_f64(o, x, 2, 0, 1);
    expect(isNaN(getF64(o, 0))).toBe(true);
    free(x); free(o);
  });
});

describe("max / min", () => {
  test("inner == 1 and inner > 1, both dtypes, NaN propagates", () => {
    let bad = 0;
    for (let t = 0; t < INNERS.length; t++) {
      let inner = INNERS[t];
      for (let s = 0; s < SIZES.length; s++) {
        let n = SIZES[s];
        let outer = 2;
        let total = outer * n * inner;
        let x32 = allocN(total + 1, 4), x64 = allocN(total + 1, 8);
        let a32 = allocN(outer * inner, 4), a64 = allocN(outer * inner, 8);
        let b32 = allocN(outer * inner, 4), b64 = allocN(outer * inner, 8);
        fillRandF32(x32, total, -10, 10);
        fillRandF64(x64, total, -10, 10);
        if (total > 5) { setF32(x32, 5, NaN); setF64(x64, 5, NaN); }
        max_f32(a32, x32, outer, n, inner); min_f32(b32, x32, outer, n, inner);
        max_f64(a64, x64, outer, n, inner); min_f64(b64, x64, outer, n, inner);
        for (let o = 0; o < outer; o++) for (let j = 0; j < inner; j++) {
          let mx32: f32 = -Infinity, mn32: f32 = Infinity, mx64: f64 = -Infinity, mn64: f64 = Infinity;
          let nan = false;
          for (let k = 0; k < n; k++) {
            let idx = (o * n + k) * inner + j;
            let v = getF32(x32, idx), w = getF64(x64, idx);
            if (isNaN(v)) nan = true;
            if (v > mx32) mx32 = v;
            if (v < mn32) mn32 = v;
            if (w > mx64) mx64 = w;
            if (w < mn64) mn64 = w;
          }
          if (nan) { mx32 = NaN; mn32 = NaN; mx64 = NaN; mn64 = NaN; }
          let q = o * inner + j;
          if (!same32(getF32(a32, q), mx32)) bad++;
          if (!same32(getF32(b32, q), mn32)) bad++;
          if (!same64(getF64(a64, q), mx64)) bad++;
          if (!same64(getF64(b64, q), mn64)) bad++;
        }
        free(x32); free(x64); free(a32); free(a64); free(b32); free(b64);
      }
    }
    expect(bad).toBe(0);
  });
});

describe("max / min of tied zeros", () => {
  test("a zero result has the sign of the first zero of its run (PyTorch keeps the earlier tie)", () => {
    // rows (-0, +0, +0, 1), (+0, -0, -0, 1) and (+0, -0), as runs (inner 1) and as columns (inner 2)
    let x = allocN(8, 8), o = allocN(2, 8);
    setF64(x, 0, -0.0); setF64(x, 1, 0.0); setF64(x, 2, 0.0); setF64(x, 3, 1);
    setF64(x, 4, 0.0); setF64(x, 5, -0.0); setF64(x, 6, -0.0); setF64(x, 7, 1);
    min_f64(o, x, 2, 4, 1);
    expect(1 / getF64(o, 0)).toBe(-Infinity);
    expect(1 / getF64(o, 1)).toBe(Infinity);
    // as columns: x viewed [4, 2]: column 0 = (-0, +0, +0, -0), column 1 = (+0, 1, -0, 1)
    max_f64(o, x, 1, 4, 2);
    expect(1 / getF64(o, 0)).toBe(-Infinity);
    expect(getF64(o, 1)).toBe(1);
    min_f64(o, x, 1, 4, 2);
    expect(1 / getF64(o, 0)).toBe(-Infinity);
    expect(1 / getF64(o, 1)).toBe(Infinity);
    let y = allocN(2, 4), q = allocN(1, 4);
    setF32(y, 0, 0.0); setF32(y, 1, -0.0);
    max_f32(q, y, 1, 2, 1);
    expect(<f64>(<f32>1 / getF32(q, 0))).toBe(Infinity);
    min_f32(q, y, 1, 2, 1);
    expect(<f64>(<f32>1 / getF32(q, 0))).toBe(Infinity);
    free(x); free(o); free(y); free(q);
  });
});

describe("logsumexp / var / softmax / log_softmax", () => {
  test("logsumexp matches the shifted formula; handles -inf rows and large values", () => {
    let outer = 2, n = 9, inner = 3;
    let total = outer * n * inner;
    let x = allocN(total, 8), o = allocN(outer * inner, 8);
    fillRandF64(x, total, -5, 5);
    setF64(x, 0, 800); // large values must not overflow
    logsumexp_f64(o, x, outer, n, inner);
    let bad = 0;
    for (let a = 0; a < outer; a++) for (let j = 0; j < inner; j++) {
      let m: f64 = -Infinity;
      for (let k = 0; k < n; k++) m = Math.max(m, getF64(x, (a * n + k) * inner + j));
      let s: f64 = 0;
      for (let k = 0; k < n; k++) s += Math.exp(getF64(x, (a * n + k) * inner + j) - m);
      if (!same64(getF64(o, a * inner + j), m + Math.log(s))) bad++;
    }
    expect(bad).toBe(0);
    expect(getF64(o, 0)).toBe(800);
    let y = allocN(3, 4), r = allocN(1, 4);
    setF32(y, 0, -Infinity); setF32(y, 1, -Infinity); setF32(y, 2, -Infinity);
    logsumexp_f32(r, y, 1, 3, 1);
    expect(getF32(r, 0)).toBe(-Infinity);
    setF32(y, 1, Infinity);
    logsumexp_f32(r, y, 1, 3, 1);
    expect(getF32(r, 0)).toBe(Infinity);
    setF32(y, 0, 1); setF32(y, 1, 2); setF32(y, 2, 3);
    logsumexp_f32(r, y, 1, 3, 1);
    expect(close(<f64>getF32(r, 0), Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)), 1e-6, 0)).toBe(true);
    free(x); free(o); free(y); free(r);
  });
  test("var: two-pass with correction, both dtypes", () => {
    let outer = 2, n = 7, inner = 2;
    let total = outer * n * inner;
    let x = allocN(total, 8), o = allocN(outer * inner, 8);
    let x32 = allocN(total, 4), o32 = allocN(outer * inner, 4);
    fillRandF64(x, total, -3, 3);
    for (let i = 0; i < total; i++) setF32(x32, i, <f32>getF64(x, i));
    var_f64(o, x, outer, n, inner, 1);
    var_f32(o32, x32, outer, n, inner, 0);
    let bad = 0;
    for (let a = 0; a < outer; a++) for (let j = 0; j < inner; j++) {
      let s: f64 = 0, s32: f64 = 0;
      for (let k = 0; k < n; k++) { s += getF64(x, (a * n + k) * inner + j); s32 += <f64>getF32(x32, (a * n + k) * inner + j); }
      let mean = s / <f64>n, mean32 = s32 / <f64>n;
      let ss: f64 = 0, ss32: f64 = 0;
      for (let k = 0; k < n; k++) {
        let d = getF64(x, (a * n + k) * inner + j) - mean;
        let d32 = <f64>getF32(x32, (a * n + k) * inner + j) - mean32;
        ss += d * d; ss32 += d32 * d32;
      }
      if (!same64(getF64(o, a * inner + j), ss / <f64>(n - 1))) bad++;
      if (!same32(getF32(o32, a * inner + j), <f32>(ss32 / <f64>n))) bad++;
    }
    expect(bad).toBe(0);
    // constant input has zero variance
    let c = allocN(5, 8), r = allocN(1, 8);
    for (let i = 0; i < 5; i++) setF64(c, i, 0.1);
    var_f64(r, c, 1, 5, 1, 1);
    expect(getF64(r, 0)).toBe(0);
    free(x); free(o); free(x32); free(o32); free(c); free(r);
  });
  test("var divides by max(0, n - correction): one element unbiased, or none, is NaN (PyTorch)", () => {
    let c = allocN(2, 8), r = allocN(2, 8);
    let c32 = allocN(2, 4), r32 = allocN(2, 4);
    setF64(c, 0, 1.5); setF64(c, 1, 2.5);
    setF32(c32, 0, 1.5); setF32(c32, 1, 2.5);
    var_f64(r, c, 2, 1, 1, 1);
    var_f32(r32, c32, 2, 1, 1, 1);
    expect(isNaN(getF64(r, 0)) && isNaN(getF64(r, 1))).toBe(true);
    expect(isNaN(getF32(r32, 0)) && isNaN(getF32(r32, 1))).toBe(true);
    var_f64(r, c, 2, 0, 1, 0);
    var_f32(r32, c32, 2, 0, 1, 1);
    expect(isNaN(getF64(r, 0)) && isNaN(getF64(r, 1))).toBe(true);
    expect(isNaN(getF32(r32, 0)) && isNaN(getF32(r32, 1))).toBe(true);
    // one element, biased: 0
    var_f64(r, c, 2, 1, 1, 0);
    expect(getF64(r, 0)).toBe(0);
    free(c); free(r); free(c32); free(r32);
  });
  test("softmax rows sum to 1 and match exp(x - max) / sum (inner 1 and > 1)", () => {
    let bad = 0;
    for (let t = 0; t < 3; t++) {
      let inner = t == 0 ? 1 : (t == 1 ? 3 : 8);
      let outer = 2, n = 5;
      let total = outer * n * inner;
      let x = allocN(total, 8), o = allocN(total, 8);
      let x32 = allocN(total, 4), o32 = allocN(total, 4);
      fillRandF64(x, total, -4, 4);
      setF64(x, 0, 1000);
      for (let i = 0; i < total; i++) setF32(x32, i, <f32>getF64(x, i));
      softmax_f64(o, x, outer, n, inner);
      softmax_f32(o32, x32, outer, n, inner);
      for (let a = 0; a < outer; a++) for (let j = 0; j < inner; j++) {
        let m: f64 = -Infinity, m32: f32 = -Infinity;
        for (let k = 0; k < n; k++) {
          m = Math.max(m, getF64(x, (a * n + k) * inner + j));
          m32 = Mathf.max(m32, getF32(x32, (a * n + k) * inner + j));
        }
        let s: f64 = 0, s32: f64 = 0, tot: f64 = 0;
        for (let k = 0; k < n; k++) {
          s += Math.exp(getF64(x, (a * n + k) * inner + j) - m);
          s32 += <f64>Mathf.exp(getF32(x32, (a * n + k) * inner + j) - m32);
        }
        for (let k = 0; k < n; k++) {
          let idx = (a * n + k) * inner + j;
          if (!same64(getF64(o, idx), Math.exp(getF64(x, idx) - m) / s)) bad++;
          if (!same32(getF32(o32, idx), <f32>(<f64>Mathf.exp(getF32(x32, idx) - m32) / s32))) bad++;
          tot += getF64(o, idx);
        }
        if (!close(tot, 1, 1e-12, 0)) bad++;
      }
      free(x); free(o); free(x32); free(o32);
    }
    expect(bad).toBe(0);
  });
  test("log_softmax = x - max - log(sum exp(x - max)); in place allowed", () => {
    let bad = 0;
    for (let t = 0; t < 2; t++) {
      let inner = t == 0 ? 1 : 4;
      let outer = 3, n = 6;
      let total = outer * n * inner;
      let x = allocN(total, 8), o = allocN(total, 8), y = allocN(total, 4);
      fillRandF64(x, total, -4, 4);
      for (let i = 0; i < total; i++) setF32(y, i, <f32>getF64(x, i));
      log_softmax_f64(o, x, outer, n, inner);
      for (let a = 0; a < outer; a++) for (let j = 0; j < inner; j++) {
        let m: f64 = -Infinity;
        for (let k = 0; k < n; k++) m = Math.max(m, getF64(x, (a * n + k) * inner + j));
        let s: f64 = 0;
        for (let k = 0; k < n; k++) s += Math.exp(getF64(x, (a * n + k) * inner + j) - m);
        let lse = Math.log(s);
        for (let k = 0; k < n; k++) {
          let idx = (a * n + k) * inner + j;
          if (!same64(getF64(o, idx), (getF64(x, idx) - m) - lse)) bad++;
        }
      }
      log_softmax_f32(y, y, outer, n, inner);
      for (let i = 0; i < total; i++) if (!close(<f64>getF32(y, i), getF64(o, i), 1e-5, 1e-5)) bad++;
      free(x); free(o); free(y);
    }
    expect(bad).toBe(0);
  });
});
