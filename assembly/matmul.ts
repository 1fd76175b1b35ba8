// Batched matrix multiply: out[bt, i, j] = sum_k A(bt, i, k) * B(bt, k, j), out contiguous
// [batch, M, N]; A and B addressed through element strides (batch stride may be 0).
//
// Determinism: every output element is accumulated from +0 in increasing k order, each product
// rounded and then added (no FMA), so the result equals the plain scalar triple loop bit for bit
// whatever the blocking. K is split into (nearly) equal chunks of at most KC (576 = 3 x 192, not
// 256 + 256 + 64); the first chunk starts its accumulators at
// +0, every later chunk reloads them from `out` (where the previous chunk stored the exact partial
// sum in T) and continues in increasing k. Chunks are never summed separately.
//
// Implementation (Goto/BLIS style, single thread):
//   for each batch, K chunk (KC), column block (NC):
//     pack B(k chunk, column block) from any strides into micro-panels of NR = 2 v128 columns
//     (8 f32 / 4 f64), each kc x NR contiguous, zero padded on the right;
//     for each row block (MC):
//       pack A(row block, k chunk) from any strides into micro-panels of MR rows, each kc x MR
//       contiguous (k major), zero padded at the bottom;
//       for each B micro-panel (kept in L1), for each A micro-panel (streamed from L2):
//         micro-kernel: MR x NR accumulators in v128 locals, per k one load per B vector and one
//         load32/64_splat per A row, then mul and add (separately rounded).
//   Edge tiles (fewer than MR rows or NR columns) run the same kernel on a staging tile and copy
//   only the valid part, so the padded rows/columns are computed but never stored.
// Transposed operands (G·Bᵀ: b_rs = 1; Aᵀ·G: a_rs = 1) are read through their strides by the
// packing loops directly; nothing is materialised. In f32, the packings that gather across rows
// (Bᵀ into row panels, row-major A into k-major panels) move 4 x 4 blocks transposed in registers. If the scratch area cannot be allocated, a
// scalar triple loop (same order, same bits) is used.

import { ld, st, boff, lanes } from "./math";
import { scratch } from "./memory";

/** Rows per micro-kernel (the kernel below is written for 4). */
// @ts-ignore: decorator
@inline const MR: i32 = 4;
/** K chunk (elements). */
// @ts-ignore: decorator
@inline const KC: i32 = 256;
/** Row block (a multiple of MR). */
// @ts-ignore: decorator
@inline const MC: i32 = 120;
/** Bytes of packed B per column block (bounds NC = NCB / (KC * sizeof<T>)). */
// @ts-ignore: decorator
@inline const NCB: i32 = 512 * 1024;

/** Staging tile for partial (edge) tiles: MR rows x 32 bytes. */
const TILE: usize = memory.data(256, 16);

/** Splat of element r (0..7, a constant after inlining) at p, as an immediate-offset load. */
// @ts-ignore: decorator
@inline function splatAt<T>(p: usize, r: i32): v128 {
  if (sizeof<T>() == 4) {
    if (r == 0) return v128.load32_splat(p);
    if (r == 1) return v128.load32_splat(p, 4);
    if (r == 2) return v128.load32_splat(p, 8);
    if (r == 3) return v128.load32_splat(p, 12);
    if (r == 4) return v128.load32_splat(p, 16);
    if (r == 5) return v128.load32_splat(p, 20);
    if (r == 6) return v128.load32_splat(p, 24);
    return v128.load32_splat(p, 28);
  }
  if (r == 0) return v128.load64_splat(p);
  if (r == 1) return v128.load64_splat(p, 8);
  if (r == 2) return v128.load64_splat(p, 16);
  if (r == 3) return v128.load64_splat(p, 24);
  if (r == 4) return v128.load64_splat(p, 32);
  if (r == 5) return v128.load64_splat(p, 40);
  if (r == 6) return v128.load64_splat(p, 48);
  return v128.load64_splat(p, 56);
}

/** f32: the 4 x 4 block whose row r is the 4 floats at s + r * ss, stored transposed: row r of the
 *  result (the r-th float of every source row) at d + r * ds. */
// @ts-ignore: decorator
@inline function transpose4(d: usize, ds: usize, s: usize, ss: usize): void {
  let r0 = v128.load(s);
  let r1 = v128.load(s + ss);
  let r2 = v128.load(s + 2 * ss);
  let r3 = v128.load(s + 3 * ss);
  let t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  let t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  let t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  let t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(d, v128.shuffle<i64>(t0, t1, 0, 2));
  v128.store(d + ds, v128.shuffle<i64>(t0, t1, 1, 3));
  v128.store(d + 2 * ds, v128.shuffle<i64>(t2, t3, 0, 2));
  v128.store(d + 3 * ds, v128.shuffle<i64>(t2, t3, 1, 3));
}

/** Packs B(k0 .. k0+kc, j0 .. j0+nc) (b already offset to (k0, j0)) into micro-panels. */
// @ts-ignore: decorator
@inline function packB<T>(dst: usize, b: usize, kc: i32, nc: i32, rs: i32, cs: i32): void {
  let W = 2 * lanes<T>();
  let L = lanes<T>();
  for (let j = 0; j < nc; j += W) {
    let jw = min<i32>(W, nc - j);
    let panel = dst + boff<T>(j * kc); // panel p = j / W starts at p * kc * W
    let src = b + boff<T>(j * cs);
    if (cs == 1 && jw == W) {
      for (let k = 0; k < kc; k++) {
        let s = src + boff<T>(k * rs);
        let d = panel + boff<T>(k * W);
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s + boff<T>(L)), 16);
      }
    } else if (cs == 1) {
      for (let k = 0; k < kc; k++) {
        let s = src + boff<T>(k * rs);
        let d = panel + boff<T>(k * W);
        let c = 0;
        for (; c < jw; c++) st<T>(d, c, ld<T>(s, c));
        for (; c < W; c++) st<T>(d, c, <T>0);
      }
    } else if (sizeof<T>() == 4 && rs == 1 && jw == W) {
      // Bᵀ (f32): runs of 4 k of 4 columns at a time, transposed in registers
      let cb: usize = boff<T>(cs);
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        let sp = src + boff<T>(k);
        let d = panel + boff<T>(k * W);
        transpose4(d, 32, sp, cb);
        transpose4(d + 16, 32, sp + 4 * cb, cb);
      }
      for (; k < kc; k++) {
        let d = panel + boff<T>(k * W);
        for (let c = 0; c < W; c++) st<T>(d, c, ld<T>(src + <usize>c * cb, k));
      }
    } else {
      // column by column: contiguous reads when rs == 1 (Bᵀ)
      let c = 0;
      for (; c < jw; c++) {
        let s = src + boff<T>(c * cs);
        let d = panel + boff<T>(c);
        for (let k = 0; k < kc; k++) st<T>(d, k * W, ld<T>(s, k * rs));
      }
      for (; c < W; c++) {
        let d = panel + boff<T>(c);
        for (let k = 0; k < kc; k++) st<T>(d, k * W, <T>0);
      }
    }
  }
}

/** Packs A(i0 .. i0+mc, k0 .. k0+kc) (a already offset to (i0, k0)) into MR-row micro-panels. */
// @ts-ignore: decorator
@inline function packA<T>(dst: usize, a: usize, mc: i32, kc: i32, rs: i32, cs: i32): void {
  for (let i = 0; i < mc; i += MR) {
    let mr = min<i32>(MR, mc - i);
    let panel = dst + boff<T>(i * kc); // panel starts at (i / MR) * kc * MR
    let src = a + boff<T>(i * rs);
    if (mr == MR && rs == 1) {
      // Aᵀ: the MR values of one k are contiguous
      for (let k = 0; k < kc; k++) {
        let s = src + boff<T>(k * cs);
        let d = panel + boff<T>(k * MR);
        v128.store(d, v128.load(s));
        if (sizeof<T>() == 8) v128.store(d, v128.load(s, 16), 16);
      }
    } else if (sizeof<T>() == 4 && mr == MR && cs == 1) {
      // A (f32, rows contiguous): runs of 4 k of the 4 rows, transposed in registers
      let rb: usize = boff<T>(rs);
      let k = 0;
      for (; k + 4 <= kc; k += 4) transpose4(panel + boff<T>(k * MR), 16, src + boff<T>(k), rb);
      for (; k < kc; k++) {
        let d = panel + boff<T>(k * MR);
        for (let r = 0; r < MR; r++) st<T>(d, r, ld<T>(src + <usize>r * rb, k));
      }
    } else {
      let r = 0;
      for (; r < mr; r++) {
        let s = src + boff<T>(r * rs);
        let d = panel + boff<T>(r);
        if (cs == 1) {
          for (let k = 0; k < kc; k++) st<T>(d, k * MR, ld<T>(s, k));
        } else {
          for (let k = 0; k < kc; k++) st<T>(d, k * MR, ld<T>(s, k * cs));
        }
      }
      for (; r < MR; r++) {
        let d = panel + boff<T>(r);
        for (let k = 0; k < kc; k++) st<T>(d, k * MR, <T>0);
      }
    }
  }
}

/** MR x (2 v128) tile: c (row stride ldc bytes) = (first ? +0 : c) + sum over kc of A panel x B
 *  panel, in increasing k. */
// @ts-ignore: decorator
@inline function kernel<T>(c: usize, ldc: usize, pa: usize, pb: usize, kc: i32, first: bool): void {
  let z = v128.splat<T>(<T>0);
  let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
  if (!first) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
    c10 = v128.load(c + ldc); c11 = v128.load(c + ldc, 16);
    c20 = v128.load(c + 2 * ldc); c21 = v128.load(c + 2 * ldc, 16);
    c30 = v128.load(c + 3 * ldc); c31 = v128.load(c + 3 * ldc, 16);
  }
  let S: usize = sizeof<T>(); // A(i + r, k) is at pa + (k * MR + r) * S
  for (let k = 0; k < kc; k++) {
    let b0 = v128.load(pb);
    let b1 = v128.load(pb, 16);
    let a = splatAt<T>(pa, 0);
    c00 = v128.add<T>(c00, v128.mul<T>(a, b0));
    c01 = v128.add<T>(c01, v128.mul<T>(a, b1));
    a = splatAt<T>(pa, 1);
    c10 = v128.add<T>(c10, v128.mul<T>(a, b0));
    c11 = v128.add<T>(c11, v128.mul<T>(a, b1));
    a = splatAt<T>(pa, 2);
    c20 = v128.add<T>(c20, v128.mul<T>(a, b0));
    c21 = v128.add<T>(c21, v128.mul<T>(a, b1));
    a = splatAt<T>(pa, 3);
    c30 = v128.add<T>(c30, v128.mul<T>(a, b0));
    c31 = v128.add<T>(c31, v128.mul<T>(a, b1));
    pa += 4 * S;
    pb += 32;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
}

/** out (row stride N) tile block [mc x nc] += packed A block x packed B block. */
// @ts-ignore: decorator
@inline function macroKernel<T>(out: usize, N: i32, pA: usize, pB: usize, mc: i32, nc: i32, kc: i32, first: bool, tile: usize): void {
  let W = 2 * lanes<T>();
  let ldo: usize = boff<T>(N);
  let TILE = tile;
  for (let j = 0; j < nc; j += W) {
    let nr = min<i32>(W, nc - j);
    let pb = pB + boff<T>(j * kc);
    for (let i = 0; i < mc; i += MR) {
      let mr = min<i32>(MR, mc - i);
      let pa = pA + boff<T>(i * kc);
      let o = out + boff<T>(i * N + j);
      if (mr == MR && nr == W) {
        kernel<T>(o, ldo, pa, pb, kc, first);
      } else {
        // staging tile, row stride 32 bytes
        if (!first) {
          for (let r = 0; r < mr; r++) {
            for (let cc = 0; cc < nr; cc++) st<T>(TILE + <usize>(r << 5), cc, ld<T>(o + <usize>r * ldo, cc));
          }
        }
        kernel<T>(TILE, 32, pa, pb, kc, first);
        for (let r = 0; r < mr; r++) {
          for (let cc = 0; cc < nr; cc++) st<T>(o + <usize>r * ldo, cc, ld<T>(TILE + <usize>(r << 5), cc));
        }
      }
    }
  }
}

// @ts-ignore: decorator
@inline function matmulT<T>(
  out: usize, a: usize, b: usize, batch: i32, M: i32, K: i32, N: i32,
  a_bs: i32, a_rs: i32, a_cs: i32, b_bs: i32, b_rs: i32, b_cs: i32,
  o_bs: i32, o_rs: i32, given: usize
): void {
  if (batch <= 0 || M <= 0 || N <= 0) return;
  if (K <= 0) {
    for (let bt = 0; bt < batch; bt++) {
      for (let i = 0; i < M; i++) {
        let row = out + boff<T>(bt * o_bs + i * o_rs);
        for (let j = 0; j < N; j++) st<T>(row, j, <T>0);
      }
    }
    return;
  }
  let W = 2 * lanes<T>();
  // K in chunks of (nearly) equal length, at most KC; columns in blocks of equal width (a multiple
  // of W) whose packed B fits NCB. (Any chunking gives the same bits: see the header.)
  let kChunks = (K + KC - 1) / KC;
  let kcMax = (K + kChunks - 1) / kChunks;
  let ncCap = max<i32>(W, NCB / (kcMax * sizeof<T>()) / W * W);
  let nBlocks = (N + ncCap - 1) / ncCap;
  let NC = min<i32>(ncCap, ((N + nBlocks - 1) / nBlocks + W - 1) / W * W);
  let ncMax = min<i32>((N + W - 1) / W * W, NC);
  let mcMax = min<i32>((M + MR - 1) / MR * MR, MC);
  let bBytes: u64 = <u64>kcMax * <u64>ncMax * sizeof<T>();
  let aBytes: u64 = <u64>kcMax * <u64>mcMax * sizeof<T>();
  // A caller-supplied block (a helper thread's share: see ts/core/threads.ts) starts with its own
  // staging tile; otherwise the instance's scratch arena and static tile.
  let tile = TILE;
  let pk: usize = 0;
  if (given != 0) {
    tile = given;
    pk = given + 256;
  } else {
    pk = scratch(<usize>(bBytes + aBytes));
  }
  if (pk == 0) {
    // scalar fallback, identical order
    for (let bt = 0; bt < batch; bt++) {
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let s: T = <T>0;
          for (let k = 0; k < K; k++) {
            s += ld<T>(a, bt * a_bs + i * a_rs + k * a_cs) * ld<T>(b, bt * b_bs + k * b_rs + j * b_cs);
          }
          st<T>(out, bt * o_bs + i * o_rs + j, s);
        }
      }
    }
    return;
  }
  let pB = pk;
  let pA = pk + <usize>bBytes;
  // B packed once for all batches when it is broadcast and fits one block
  let bOnce = b_bs == 0 && kChunks == 1 && N <= NC;
  // A packed once per batch (once in all when broadcast) when it fits one block
  let aOnce = M <= MC && kChunks == 1;
  for (let bt = 0; bt < batch; bt++) {
    let ob = out + boff<T>(bt * o_bs);
    let ab = a + boff<T>(bt * a_bs);
    let bb = b + boff<T>(bt * b_bs);
    for (let k0 = 0; k0 < K; k0 += kcMax) {
      let kc = min<i32>(kcMax, K - k0);
      let first = k0 == 0;
      for (let j0 = 0; j0 < N; j0 += NC) {
        let nc = min<i32>(NC, N - j0);
        if (!bOnce || bt == 0) packB<T>(pB, bb + boff<T>(k0 * b_rs + j0 * b_cs), kc, nc, b_rs, b_cs);
        for (let i0 = 0; i0 < M; i0 += MC) {
          let mc = min<i32>(MC, M - i0);
          if (!aOnce || (j0 == 0 && (bt == 0 || a_bs != 0))) packA<T>(pA, ab + boff<T>(i0 * a_rs + k0 * a_cs), mc, kc, a_rs, a_cs);
          macroKernel<T>(ob + boff<T>(i0 * o_rs + j0), o_rs, pA, pB, mc, nc, kc, first, tile);
        }
      }
    }
  }
}

export function matmul_f32(
  out: usize, a: usize, b: usize, batch: i32, M: i32, K: i32, N: i32,
  a_bs: i32, a_rs: i32, a_cs: i32, b_bs: i32, b_rs: i32, b_cs: i32
): void {
  matmulT<f32>(out, a, b, batch, M, K, N, a_bs, a_rs, a_cs, b_bs, b_rs, b_cs, M * N, N, 0);
}
export function matmul_f64(
  out: usize, a: usize, b: usize, batch: i32, M: i32, K: i32, N: i32,
  a_bs: i32, a_rs: i32, a_cs: i32, b_bs: i32, b_rs: i32, b_cs: i32
): void {
  matmulT<f64>(out, a, b, batch, M, K, N, a_bs, a_rs, a_cs, b_bs, b_rs, b_cs, M * N, N, 0);
}

// A part of a product for one thread of the pool (ts/core/threads.ts): the same loops over a block
// of batches, rows or columns of the output, whose batch and row strides (o_bs, o_rs) are the whole
// output's, with the packing scratch (and the staging tile in its first 256 bytes) handed in by the
// owner instance, since a helper instance must not allocate. Every output element still gets its
// sum from +0 in increasing k, so any split gives the bits of the whole product.
export function matmul_part_f32(
  out: usize, a: usize, b: usize, batch: i32, M: i32, K: i32, N: i32,
  a_bs: i32, a_rs: i32, a_cs: i32, b_bs: i32, b_rs: i32, b_cs: i32, o_bs: i32, o_rs: i32, pk: usize
): void {
  matmulT<f32>(out, a, b, batch, M, K, N, a_bs, a_rs, a_cs, b_bs, b_rs, b_cs, o_bs, o_rs, pk);
}
export function matmul_part_f64(
  out: usize, a: usize, b: usize, batch: i32, M: i32, K: i32, N: i32,
  a_bs: i32, a_rs: i32, a_cs: i32, b_bs: i32, b_rs: i32, b_cs: i32, o_bs: i32, o_rs: i32, pk: usize
): void {
  matmulT<f64>(out, a, b, batch, M, K, N, a_bs, a_rs, a_cs, b_bs, b_rs, b_cs, o_bs, o_rs, pk);
}

/** Bytes of the scratch block matmul_part needs for an M x K x N part with elements of `es` bytes. */
export function matmul_part_scratch(M: i32, K: i32, N: i32, es: i32): f64 {
  if (M <= 0 || N <= 0 || K <= 0) return 256;
  let W = es == 4 ? 8 : 4;
  let kChunks = (K + KC - 1) / KC;
  let kcMax = (K + kChunks - 1) / kChunks;
  let ncCap = max<i32>(W, NCB / (kcMax * es) / W * W);
  let nBlocks = (N + ncCap - 1) / ncCap;
  let NC = min<i32>(ncCap, ((N + nBlocks - 1) / nBlocks + W - 1) / W * W);
  let ncMax = min<i32>((N + W - 1) / W * W, NC);
  let mcMax = min<i32>((M + MR - 1) / MR * MR, MC);
  return 256.0 + <f64>kcMax * <f64>(ncMax + mcMax) * <f64>es;
}
