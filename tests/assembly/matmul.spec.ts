import { matmul_f32, matmul_f64, free, allocated_bytes } from "../../assembly/index";
import { allocT, get, set, setAll, fillRand, same, isF32 } from "./helpers";

/** The matmul kernel for T. */
function mm<T>(out: usize, a: usize, b: usize, batch: i32, M: i32, K: i32, N: i32,
               abs_: i32, ars: i32, acs: i32, bbs: i32, brs: i32, bcs: i32): void {
  if (isF32<T>()) matmul_f32(out, a, b, batch, M, K, N, abs_, ars, acs, bbs, brs, bcs);
  else matmul_f64(out, a, b, batch, M, K, N, abs_, ars, acs, bbs, brs, bcs);
}

/** Plain scalar triple loop in T: sum from 0 in increasing k, product rounded then added. */
function ref<T>(out: usize, a: usize, b: usize, batch: i32, M: i32, K: i32, N: i32,
                abs_: i32, ars: i32, acs: i32, bbs: i32, brs: i32, bcs: i32): void {
  for (let bt = 0; bt < batch; bt++) for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s: T = 0;
    for (let k = 0; k < K; k++) {
      let p: T = get<T>(a, bt * abs_ + i * ars + k * acs) * get<T>(b, bt * bbs + k * brs + j * bcs);
      s = s + p;
    }
    set<T>(out, (bt * M + i) * N + j, s);
  }
}

/** One configuration in T; A and B layouts: transposed or not, batch broadcast. */
function checkT<T>(batch: i32, M: i32, K: i32, N: i32, transA: bool, transB: bool, bcastA: bool, bcastB: bool): i32 {
  let ars = transA ? 1 : K, acs = transA ? M : 1;
  let brs = transB ? 1 : N, bcs = transB ? K : 1;
  let abs_ = bcastA ? 0 : M * K, bbs = bcastB ? 0 : K * N;
  let na = (bcastA ? 1 : batch) * M * K + 1, nb = (bcastB ? 1 : batch) * K * N + 1;
  let nout = batch * M * N;
  let bad = 0;
  let a = allocT<T>(na), b = allocT<T>(nb), o = allocT<T>(nout + 1), e = allocT<T>(nout + 1);
  fillRand<T>(a, na, -2, 2);
  fillRand<T>(b, nb, -2, 2);
  set<T>(o, nout, <T>4242);
  mm<T>(o, a, b, batch, M, K, N, abs_, ars, acs, bbs, brs, bcs);
  ref<T>(e, a, b, batch, M, K, N, abs_, ars, acs, bbs, brs, bcs);
  for (let i = 0; i < nout; i++) if (!same<T>(get<T>(o, i), get<T>(e, i))) bad++;
  if (get<T>(o, nout) != <T>4242) bad++;
  free(a); free(b); free(o); free(e);
  return bad;
}
/** One configuration for both dtypes. */
function check(batch: i32, M: i32, K: i32, N: i32, transA: bool, transB: bool, bcastA: bool, bcastB: bool): i32 {
  return checkT<f32>(batch, M, K, N, transA, transB, bcastA, bcastB) +
    checkT<f64>(batch, M, K, N, transA, transB, bcastA, bcastB);
}

/** Signed zeros, infinities and NaN (padding never leaks; sums start from +0). */
function specialValues<T>(): void {
  let bad = 0;
  // A = -1, B = +0: every product is -0 and 0 + (-0) = +0
  let a = allocT<T>(6 * 5), b = allocT<T>(5 * 7), o = allocT<T>(6 * 7), e = allocT<T>(6 * 7);
  for (let i = 0; i < 30; i++) set<T>(a, i, <T>-1);
  for (let i = 0; i < 35; i++) set<T>(b, i, <T>0);
  mm<T>(o, a, b, 1, 6, 5, 7, 0, 5, 1, 0, 7, 1);
  for (let i = 0; i < 42; i++) if (!same<T>(get<T>(o, i), <T>0)) bad++; // +0 bit for bit
  // specials scattered through A and B
  fillRand<T>(a, 30, -2, 2);
  fillRand<T>(b, 35, -2, 2);
  set<T>(a, 3, <T>Infinity); set<T>(a, 17, <T>-0.0); set<T>(b, 6, <T>NaN); set<T>(b, 20, <T>-Infinity);
  set<T>(b, 34, <T>Infinity);
  mm<T>(o, a, b, 1, 6, 5, 7, 0, 5, 1, 0, 7, 1);
  ref<T>(e, a, b, 1, 6, 5, 7, 0, 5, 1, 0, 7, 1);
  for (let i = 0; i < 42; i++) if (!same<T>(get<T>(o, i), get<T>(e, i))) bad++;
  free(a); free(b); free(o); free(e);
  expect(bad).toBe(0);
}
function emptyDims<T>(): void {
  let o = allocT<T>(7), a = allocT<T>(1), b = allocT<T>(1);
  for (let i = 0; i < 7; i++) set<T>(o, i, <T>9);
  mm<T>(o, a, b, 1, 2, 0, 3, 0, 0, 1, 0, 3, 1);
  for (let i = 0; i < 6; i++) expect(get<T>(o, i)).toBe(<T>0);
  expect(get<T>(o, 6)).toBe(<T>9);
  set<T>(o, 0, <T>5);
  mm<T>(o, a, b, 1, 0, 3, 3, 0, 3, 1, 0, 3, 1);
  mm<T>(o, a, b, 1, 3, 3, 0, 0, 3, 1, 0, 3, 1);
  expect(get<T>(o, 0)).toBe(<T>5);
  free(o); free(a); free(b);
}
function knownProduct<T>(): void {
  // [[1,2,3],[4,5,6]] @ [[7,8],[9,10],[11,12]] = [[58,64],[139,154]]
  let a = allocT<T>(6), b = allocT<T>(6), o = allocT<T>(4);
  setAll<T>(a, [1, 2, 3, 4, 5, 6]);
  setAll<T>(b, [7, 8, 9, 10, 11, 12]);
  mm<T>(o, a, b, 1, 2, 3, 2, 0, 3, 1, 0, 2, 1);
  expect(get<T>(o, 0)).toBe(<T>58);
  expect(get<T>(o, 1)).toBe(<T>64);
  expect(get<T>(o, 2)).toBe(<T>139);
  expect(get<T>(o, 3)).toBe(<T>154);
  free(a); free(b); free(o);
}
function scratchReused<T>(): void {
  let a = allocT<T>(64 * 64), b = allocT<T>(64 * 64), o = allocT<T>(64 * 64);
  mm<T>(o, a, b, 1, 64, 64, 64, 0, 64, 1, 0, 64, 1);
  let after = allocated_bytes();
  for (let r = 0; r < 3; r++) mm<T>(o, a, b, 1, 64, 64, 64, 0, 64, 1, 0, 64, 1);
  mm<T>(o, a, b, 1, 8, 8, 8, 0, 8, 1, 0, 8, 1);
  expect(allocated_bytes()).toBe(after);
  free(a); free(b); free(o);
}

describe("matmul (bit-exact vs the scalar triple loop)", () => {
  test("all sizes 1..9 for M, K, N", () => {
    let bad = 0;
    for (let M = 1; M <= 9; M++) for (let K = 1; K <= 9; K++) for (let N = 1; N <= 9; N++) {
      bad += check(1, M, K, N, false, false, false, false);
    }
    expect(bad).toBe(0);
  });
  test("transposed strides on A and/or B", () => {
    let bad = 0;
    for (let M = 1; M <= 9; M += 2) for (let K = 1; K <= 9; K += 3) for (let N = 1; N <= 9; N += 2) {
      bad += check(1, M, K, N, true, false, false, false);
      bad += check(1, M, K, N, false, true, false, false);
      bad += check(1, M, K, N, true, true, false, false);
    }
    expect(bad).toBe(0);
  });
  test("batched, with batch broadcast of A or B", () => {
    let bad = 0;
    bad += check(3, 5, 4, 7, false, false, false, false);
    bad += check(3, 5, 4, 7, false, false, true, false);
    bad += check(3, 5, 4, 7, false, true, false, true);
    bad += check(4, 9, 3, 10, true, false, false, true);
    bad += check(2, 1, 6, 1, false, false, false, false);
    expect(bad).toBe(0);
  });
  test("all sizes 1..17 (odd edges) for the three forms A·B, G·Bᵀ, Aᵀ·G", () => {
    let bad = 0;
    for (let M = 1; M <= 17; M++) for (let K = 1; K <= 17; K += (K < 5 ? 1 : 3)) for (let N = 1; N <= 17; N++) {
      bad += check(1, M, K, N, false, false, false, false);
      bad += check(1, M, K, N, false, true, false, false);
      bad += check(1, M, K, N, true, false, false, false);
    }
    expect(bad).toBe(0);
  });
  test("K chunk boundaries (partial sums carried through out in order)", () => {
    let bad = 0;
    let ks: StaticArray<i32> = [255, 256, 257, 511, 512, 513, 600];
    for (let t = 0; t < ks.length; t++) {
      let K = ks[t];
      bad += check(1, 7, K, 11, false, false, false, false);
      bad += check(1, 5, K, 9, false, true, false, false);
      bad += check(1, 6, K, 10, true, false, false, false);
      bad += check(2, 3, K, 5, true, true, false, true);
    }
    expect(bad).toBe(0);
  });
  test("row blocks and column blocks (M beyond the row block, N beyond the column block)", () => {
    let bad = 0;
    bad += check(1, 250, 7, 9, false, false, false, false);
    bad += check(1, 121, 3, 10, true, false, false, false);
    bad += check(1, 5, 3, 515, false, false, false, false);   // f32 column block is 512
    bad += check(1, 6, 5, 259, false, true, false, false);    // f64 column block is 256
    bad += check(1, 9, 260, 530, true, true, false, false);   // all of them at once
    bad += check(1, 123, 258, 13, false, false, false, false);
    expect(bad).toBe(0);
  });
  test("batch broadcast with blocks packed once and repacked", () => {
    let bad = 0;
    bad += check(3, 7, 5, 9, false, false, true, false);   // A broadcast, packed once
    bad += check(3, 7, 5, 9, false, false, false, true);   // B broadcast, packed once
    bad += check(3, 7, 5, 9, true, true, true, true);
    bad += check(2, 130, 5, 9, false, false, true, false); // A broadcast but several row blocks
    bad += check(2, 5, 300, 9, false, true, false, true);  // B broadcast but several K chunks
    bad += check(3, 1, 1, 1, false, false, true, true);
    expect(bad).toBe(0);
  });
  test("signed zeros, infinities and NaN (padding never leaks; sums start from +0)", () => { specialValues<f32>(); specialValues<f64>(); });
  test("M, N or K equal to 1", () => {
    let bad = 0;
    bad += check(1, 1, 1, 1, false, false, false, false);
    bad += check(1, 1, 37, 1, false, true, false, false);
    bad += check(1, 1, 300, 19, true, false, false, false);
    bad += check(1, 19, 1, 23, false, false, false, false);
    bad += check(1, 23, 300, 1, false, true, false, false);
    expect(bad).toBe(0);
  });
  test("larger sizes (several panels and row blocks)", () => {
    let bad = 0;
    bad += check(1, 33, 65, 47, false, false, false, false);
    bad += check(2, 17, 31, 40, true, true, false, false);
    expect(bad).toBe(0);
  });
  test("K == 0 gives zeros; M == 0 / N == 0 write nothing", () => { emptyDims<f32>(); emptyDims<f64>(); });
  test("a known product", () => { knownProduct<f32>(); knownProduct<f64>(); });
  test("scratch is reused: repeated calls do not grow allocated_bytes", () => { scratchReused<f32>(); scratchReused<f64>(); });
});
