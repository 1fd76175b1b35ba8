import { matmul_f32, matmul_f64, free, allocated_bytes } from "../../assembly/index";
import { allocN, getF32, setF32, getF64, setF64, fillRandF32, fillRandF64, same32, same64 } from "./helpers";

/** Plain scalar triple loop: sum from 0 in increasing k, product rounded then added. */
function ref32(out: usize, a: usize, b: usize, batch: i32, M: i32, K: i32, N: i32,
               abs_: i32, ars: i32, acs: i32, bbs: i32, brs: i32, bcs: i32): void {
  for (let bt = 0; bt < batch; bt++) for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s: f32 = 0;
    for (let k = 0; k < K; k++) {
      let p: f32 = getF32(a, bt * abs_ + i * ars + k * acs) * getF32(b, bt * bbs + k * brs + j * bcs);
      s = s + p;
    }
    setF32(out, (bt * M + i) * N + j, s);
  }
}
function ref64(out: usize, a: usize, b: usize, batch: i32, M: i32, K: i32, N: i32,
               abs_: i32, ars: i32, acs: i32, bbs: i32, brs: i32, bcs: i32): void {
  for (let bt = 0; bt < batch; bt++) for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s: f64 = 0;
    for (let k = 0; k < K; k++) {
      let p: f64 = getF64(a, bt * abs_ + i * ars + k * acs) * getF64(b, bt * bbs + k * brs + j * bcs);
      s = s + p;
    }
    setF64(out, (bt * M + i) * N + j, s);
  }
}

/** Runs one configuration for both dtypes; A and B layouts: transposed or not, batch broadcast. */
function check(batch: i32, M: i32, K: i32, N: i32, transA: bool, transB: bool, bcastA: bool, bcastB: bool): i32 {
  let ars = transA ? 1 : K, acs = transA ? M : 1;
  let brs = transB ? 1 : N, bcs = transB ? K : 1;
  let abs_ = bcastA ? 0 : M * K, bbs = bcastB ? 0 : K * N;
  let na = (bcastA ? 1 : batch) * M * K + 1, nb = (bcastB ? 1 : batch) * K * N + 1;
  let nout = batch * M * N;
  let bad = 0;
  // f32
  let a = allocN(na, 4), b = allocN(nb, 4), o = allocN(nout + 1, 4), e = allocN(nout + 1, 4);
  fillRandF32(a, na, -2, 2);
  fillRandF32(b, nb, -2, 2);
  setF32(o, nout, 4242);
  matmul_f32(o, a, b, batch, M, K, N, abs_, ars, acs, bbs, brs, bcs);
  ref32(e, a, b, batch, M, K, N, abs_, ars, acs, bbs, brs, bcs);
  for (let i = 0; i < nout; i++) if (!same32(getF32(o, i), getF32(e, i))) bad++;
  if (getF32(o, nout) != 4242) bad++;
  free(a); free(b); free(o); free(e);
  // f64
  a = allocN(na, 8); b = allocN(nb, 8); o = allocN(nout + 1, 8); e = allocN(nout + 1, 8);
  fillRandF64(a, na, -2, 2);
  fillRandF64(b, nb, -2, 2);
  setF64(o, nout, 4242);
  matmul_f64(o, a, b, batch, M, K, N, abs_, ars, acs, bbs, brs, bcs);
  ref64(e, a, b, batch, M, K, N, abs_, ars, acs, bbs, brs, bcs);
  for (let i = 0; i < nout; i++) if (!same64(getF64(o, i), getF64(e, i))) bad++;
  if (getF64(o, nout) != 4242) bad++;
  free(a); free(b); free(o); free(e);
  return bad;
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
  test("signed zeros, infinities and NaN (padding never leaks; sums start from +0)", () => {
    let bad = 0;
    // A = -1, B = +0: every product is -0 and 0 + (-0) = +0
    let a = allocN(6 * 5, 4), b = allocN(5 * 7, 4), o = allocN(6 * 7, 4), e = allocN(6 * 7, 4);
    for (let i = 0; i < 30; i++) setF32(a, i, -1);
    for (let i = 0; i < 35; i++) setF32(b, i, 0);
    matmul_f32(o, a, b, 1, 6, 5, 7, 0, 5, 1, 0, 7, 1);
    for (let i = 0; i < 42; i++) if (reinterpret<u32>(getF32(o, i)) != 0) bad++;
    // specials scattered through A and B
    fillRandF32(a, 30, -2, 2);
    fillRandF32(b, 35, -2, 2);
    setF32(a, 3, Infinity); setF32(a, 17, -0.0); setF32(b, 6, NaN); setF32(b, 20, -Infinity);
    setF32(b, 34, Infinity);
    matmul_f32(o, a, b, 1, 6, 5, 7, 0, 5, 1, 0, 7, 1);
    ref32(e, a, b, 1, 6, 5, 7, 0, 5, 1, 0, 7, 1);
    for (let i = 0; i < 42; i++) if (!same32(getF32(o, i), getF32(e, i))) bad++;
    free(a); free(b); free(o); free(e);
    expect(bad).toBe(0);
  });
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
  test("K == 0 gives zeros; M == 0 / N == 0 write nothing", () => {
    let o = allocN(7, 8), a = allocN(1, 8), b = allocN(1, 8);
    for (let i = 0; i < 7; i++) setF64(o, i, 9);
    matmul_f64(o, a, b, 1, 2, 0, 3, 0, 0, 1, 0, 3, 1);
    for (let i = 0; i < 6; i++) expect(getF64(o, i)).toBe(0);
    expect(getF64(o, 6)).toBe(9);
    setF64(o, 0, 5);
    matmul_f64(o, a, b, 1, 0, 3, 3, 0, 3, 1, 0, 3, 1);
    matmul_f64(o, a, b, 1, 3, 3, 0, 0, 3, 1, 0, 3, 1);
    expect(getF64(o, 0)).toBe(5);
    free(o); free(a); free(b);
  });
  test("a known product", () => {
    // [[1,2,3],[4,5,6]] @ [[7,8],[9,10],[11,12]] = [[58,64],[139,154]]
    let a = allocN(6, 4), b = allocN(6, 4), o = allocN(4, 4);
    for (let i = 0; i < 6; i++) { setF32(a, i, <f32>(i + 1)); setF32(b, i, <f32>(i + 7)); }
    matmul_f32(o, a, b, 1, 2, 3, 2, 0, 3, 1, 0, 2, 1);
    expect(getF32(o, 0)).toBe(58);
    expect(getF32(o, 1)).toBe(64);
    expect(getF32(o, 2)).toBe(139);
    expect(getF32(o, 3)).toBe(154);
    free(a); free(b); free(o);
  });
  test("scratch is reused: repeated calls do not grow allocated_bytes", () => {
    let a = allocN(64 * 64, 4), b = allocN(64 * 64, 4), o = allocN(64 * 64, 4);
    matmul_f32(o, a, b, 1, 64, 64, 64, 0, 64, 1, 0, 64, 1);
    let after = allocated_bytes();
    for (let r = 0; r < 3; r++) matmul_f32(o, a, b, 1, 64, 64, 64, 0, 64, 1, 0, 64, 1);
    matmul_f32(o, a, b, 1, 8, 8, 8, 0, 8, 1, 0, 8, 1);
    expect(allocated_bytes()).toBe(after);
    free(a); free(b); free(o);
  });
});
