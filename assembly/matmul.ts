// Batched matrix multiply: out[bt, i, j] = sum_k A(bt, i, k) * B(bt, k, j), out contiguous
// [batch, M, N]; A and B addressed through element strides (batch stride may be 0).
//
// Determinism: every output element is accumulated from 0 in increasing k order, each product
// rounded and then added (no FMA), so the result equals the plain scalar triple loop bit for bit
// whatever the blocking.
//
// Implementation: B(bt) is packed (from any strides) into a scratch area as column panels of
// width W = 2 v128 (8 f32 / 4 f64 columns), each panel K x W contiguous and zero padded on the
// right; packing happens once when B's batch stride is 0. A register-blocked micro-kernel then
// computes 4 rows x W columns (8 v128 accumulators) over the whole K range, reading A(i, k)
// through its strides and splatting it. Leftover rows use a 1-row kernel; the zero-padded panel
// columns are computed but not stored. If the scratch area cannot be allocated, a scalar triple
// loop (same order, same bits) is used.

import { ld, st, boff, lanes } from "./math";
import { scratch } from "./memory";

/** Staging area for partial (right-edge) panel stores: 4 rows x 2 v128. */
const EDGE: usize = memory.data(128, 16);

// @ts-ignore: decorator
@inline function packB<T>(dst: usize, b: usize, K: i32, N: i32, rs: i32, cs: i32): void {
  let W = 2 * lanes<T>();
  let npan = (N + W - 1) / W;
  for (let p = 0; p < npan; p++) {
    let j0 = p * W;
    let jw = min<i32>(W, N - j0);
    let panel = dst + boff<T>(p * K * W);
    for (let k = 0; k < K; k++) {
      let row = panel + boff<T>(k * W);
      let src = b + boff<T>(k * rs + j0 * cs);
      let c = 0;
      if (cs == 1) {
        for (; c < jw; c++) st<T>(row, c, ld<T>(src, c));
      } else {
        for (; c < jw; c++) st<T>(row, c, ld<T>(src, c * cs));
      }
      for (; c < W; c++) st<T>(row, c, <T>0);
    }
  }
}

// @ts-ignore: decorator
@inline function storeRow<T>(dst: usize, jw: i32, full: bool, c0: v128, c1: v128): void {
  if (full) {
    v128.store(dst, c0);
    v128.store(dst, c1, 16);
  } else {
    v128.store(EDGE, c0);
    v128.store(EDGE, c1, 16);
    for (let c = 0; c < jw; c++) st<T>(dst, c, ld<T>(EDGE, c));
  }
}

// @ts-ignore: decorator
@inline function gemmPacked<T>(out: usize, a: usize, pk: usize, M: i32, K: i32, N: i32, a_rs: i32, a_cs: i32): void {
  let W = 2 * lanes<T>();
  let npan = (N + W - 1) / W;
  let acs = boff<T>(a_cs);
  let kstride: usize = <usize>W * sizeof<T>();
  for (let p = 0; p < npan; p++) {
    let j0 = p * W;
    let jw = min<i32>(W, N - j0);
    let full = jw == W;
    let panel = pk + boff<T>(p * K * W);
    let i = 0;
    for (; i + 4 <= M; i += 4) {
      let c00 = v128.splat<T>(<T>0), c01 = c00, c10 = c00, c11 = c00;
      let c20 = c00, c21 = c00, c30 = c00, c31 = c00;
      let pa0 = a + boff<T>(i * a_rs);
      let pa1 = pa0 + boff<T>(a_rs);
      let pa2 = pa1 + boff<T>(a_rs);
      let pa3 = pa2 + boff<T>(a_rs);
      let pb = panel;
      for (let k = 0; k < K; k++) {
        let b0 = v128.load(pb);
        let b1 = v128.load(pb, 16);
        let a0 = v128.splat<T>(load<T>(pa0));
        let a1 = v128.splat<T>(load<T>(pa1));
        let a2 = v128.splat<T>(load<T>(pa2));
        let a3 = v128.splat<T>(load<T>(pa3));
        c00 = v128.add<T>(c00, v128.mul<T>(a0, b0));
        c01 = v128.add<T>(c01, v128.mul<T>(a0, b1));
        c10 = v128.add<T>(c10, v128.mul<T>(a1, b0));
        c11 = v128.add<T>(c11, v128.mul<T>(a1, b1));
        c20 = v128.add<T>(c20, v128.mul<T>(a2, b0));
        c21 = v128.add<T>(c21, v128.mul<T>(a2, b1));
        c30 = v128.add<T>(c30, v128.mul<T>(a3, b0));
        c31 = v128.add<T>(c31, v128.mul<T>(a3, b1));
        pa0 += acs;
        pa1 += acs;
        pa2 += acs;
        pa3 += acs;
        pb += kstride;
      }
      let o = out + boff<T>(i * N + j0);
      storeRow<T>(o, jw, full, c00, c01);
      storeRow<T>(o + boff<T>(N), jw, full, c10, c11);
      storeRow<T>(o + boff<T>(2 * N), jw, full, c20, c21);
      storeRow<T>(o + boff<T>(3 * N), jw, full, c30, c31);
    }
    for (; i < M; i++) {
      let c0 = v128.splat<T>(<T>0), c1 = c0;
      let pa0 = a + boff<T>(i * a_rs);
      let pb = panel;
      for (let k = 0; k < K; k++) {
        let a0 = v128.splat<T>(load<T>(pa0));
        c0 = v128.add<T>(c0, v128.mul<T>(a0, v128.load(pb)));
        c1 = v128.add<T>(c1, v128.mul<T>(a0, v128.load(pb, 16)));
        pa0 += acs;
        pb += kstride;
      }
      storeRow<T>(out + boff<T>(i * N + j0), jw, full, c0, c1);
    }
  }
}

// @ts-ignore: decorator
@inline function matmulT<T>(
  out: usize, a: usize, b: usize, batch: i32, M: i32, K: i32, N: i32,
  a_bs: i32, a_rs: i32, a_cs: i32, b_bs: i32, b_rs: i32, b_cs: i32
): void {
  if (batch <= 0 || M <= 0 || N <= 0) return;
  let mn = M * N;
  if (K <= 0) {
    let total = batch * mn;
    for (let i = 0; i < total; i++) st<T>(out, i, <T>0);
    return;
  }
  let W = 2 * lanes<T>();
  let npan = (N + W - 1) / W;
  let bytes: u64 = <u64>npan * <u64>K * <u64>W * sizeof<T>();
  let pk: usize = bytes <= 0xFFFF_0000 ? scratch(<usize>bytes) : 0;
  if (pk == 0) {
    // scalar fallback, identical order
    for (let bt = 0; bt < batch; bt++) {
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let s: T = <T>0;
          for (let k = 0; k < K; k++) {
            s += ld<T>(a, bt * a_bs + i * a_rs + k * a_cs) * ld<T>(b, bt * b_bs + k * b_rs + j * b_cs);
          }
          st<T>(out, bt * mn + i * N + j, s);
        }
      }
    }
    return;
  }
  for (let bt = 0; bt < batch; bt++) {
    if (bt == 0 || b_bs != 0) packB<T>(pk, b + boff<T>(bt * b_bs), K, N, b_rs, b_cs);
    gemmPacked<T>(out + boff<T>(bt * mn), a + boff<T>(bt * a_bs), pk, M, K, N, a_rs, a_cs);
  }
}

export function matmul_f32(
  out: usize, a: usize, b: usize, batch: i32, M: i32, K: i32, N: i32,
  a_bs: i32, a_rs: i32, a_cs: i32, b_bs: i32, b_rs: i32, b_cs: i32
): void {
  matmulT<f32>(out, a, b, batch, M, K, N, a_bs, a_rs, a_cs, b_bs, b_rs, b_cs);
}
export function matmul_f64(
  out: usize, a: usize, b: usize, batch: i32, M: i32, K: i32, N: i32,
  a_bs: i32, a_rs: i32, a_cs: i32, b_bs: i32, b_rs: i32, b_cs: i32
): void {
  matmulT<f64>(out, a, b, batch, M, K, N, a_bs, a_rs, a_cs, b_bs, b_rs, b_cs);
}
