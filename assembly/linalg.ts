// The singular value decomposition (torch.linalg.svd / svdvals and the norms built on them):
// one-sided Jacobi (Hestenes) in float64, with a fixed cyclic sweep order, so the result (signs of
// the singular vectors included) is the same bits on every platform. float32 inputs are widened by
// the caller and narrowed after.

import { ld, st } from "./math";

// A rotation is skipped once the pair's cosine is below this: columns orthogonal to f64 precision.
const TOL: f64 = 1e-15;
const MAX_SWEEPS: i32 = 80;

/** The dot product of two length-n rows of f64 (fixed order). */
// @ts-ignore: decorator
@inline function dotRow(a: usize, b: usize, n: i32): f64 {
  let acc: f64 = 0;
  for (let k = 0; k < n; k++) acc += ld<f64>(a, k) * ld<f64>(b, k);
  return acc;
}

/** Rows a, b (length n) become c a - s b and s a + c b. */
// @ts-ignore: decorator
@inline function rotate(a: usize, b: usize, n: i32, c: f64, s: f64): void {
  for (let k = 0; k < n; k++) {
    let x = ld<f64>(a, k);
    let y = ld<f64>(b, k);
    st<f64>(a, k, c * x - s * y);
    st<f64>(b, k, s * x + c * y);
  }
}

/**
 * Row `slot` of x (rows of length p) becomes a unit vector orthogonal to rows [0, slot) and to the
 * rows listed in `keep` after it: the standard basis vector with the largest residual (the lowest
 * index among ties), orthogonalised twice (modified Gram-Schmidt).
 */
function complete(x: usize, p: i32, slot: i32, others: usize, nothers: i32, tmp: usize): void {
  let best: f64 = -1;
  let bestK = 0;
  for (let k = 0; k < p; k++) {
    // residual of e_k: 1 - sum over the basis of (row_k)^2
    let r: f64 = 1;
    for (let j = 0; j < nothers; j++) {
      let row = x + (<usize>ld<i32>(others, j) * <usize>p << 3);
      let v = ld<f64>(row, k);
      r -= v * v;
    }
    if (r > best + 1e-12) {
      best = r;
      bestK = k;
    }
  }
  for (let k = 0; k < p; k++) st<f64>(tmp, k, k == bestK ? 1.0 : 0.0);
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < nothers; j++) {
      let row = x + (<usize>ld<i32>(others, j) * <usize>p << 3);
      let d = dotRow(tmp, row, p);
      for (let k = 0; k < p; k++) st<f64>(tmp, k, ld<f64>(tmp, k) - d * ld<f64>(row, k));
    }
  }
  let nrm = Math.sqrt(dotRow(tmp, tmp, p));
  let dst = x + (<usize>slot * <usize>p << 3);
  for (let k = 0; k < p; k++) st<f64>(dst, k, ld<f64>(tmp, k) / nrm);
}

/**
 * The SVD of `batch` contiguous [m, n] float64 matrices at `a`: singular values (descending) to
 * `s` ([batch, q], q = min(m, n)), and with `mode` 1 (reduced) or 2 (full), U to `u` ([batch, m, m or q])
 * and Vh to `vh` ([batch, n or q, n]); `mode` 0 gives the values only. `work` holds (p * p + q * q + 2 q + 2 p)
 * f64, p = max(m, n). Singular vectors of zero singular values (and the extra ones of full
 * matrices) complete the basis deterministically.
 */
export function svd_jacobi_f64(a: usize, u: usize, s: usize, vh: usize, batch: i32, m: i32, n: i32, mode: i32, work: usize): void {
  let full = mode == 2;
  let tall = m >= n;
  let p = tall ? m : n;
  let q = tall ? n : m;
  let w = work; // q (later up to p) rows of length p: the columns of A (tall) or of A^T
  let jr = w + (<usize>p * <usize>p << 3); // q rows of length q: the accumulated rotations
  let sig = jr + (<usize>q * <usize>q << 3); // q
  let order = sig + (<usize>q << 3); // q i32 (room for q f64)
  let others = order + (<usize>q << 3); // up to p i32 (room for p f64)
  let tmp = others + (<usize>p << 3); // p
  let mn = <usize>m * <usize>n;
  let ucols = full ? m : q;
  let vrows = full ? n : q;
  for (let b = 0; b < batch; b++) {
    let ab = a + (<usize>b * mn << 3);
    for (let j = 0; j < q; j++) {
      let row = w + (<usize>j * <usize>p << 3);
      for (let k = 0; k < p; k++) st<f64>(row, k, tall ? ld<f64>(ab, k * n + j) : ld<f64>(ab, j * n + k));
      let jrow = jr + (<usize>j * <usize>q << 3);
      for (let k = 0; k < q; k++) st<f64>(jrow, k, k == j ? 1.0 : 0.0);
    }
    for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
      let rotated = false;
      for (let i = 0; i < q - 1; i++) {
        let wi = w + (<usize>i * <usize>p << 3);
        for (let j = i + 1; j < q; j++) {
          let wj = w + (<usize>j * <usize>p << 3);
          let alpha = dotRow(wi, wi, p);
          let beta = dotRow(wj, wj, p);
          let gamma = dotRow(wi, wj, p);
          if (gamma == 0 || Math.abs(gamma) <= TOL * Math.sqrt(alpha * beta)) continue;
          rotated = true;
          let zeta = (beta - alpha) / (2 * gamma);
          let t = (zeta >= 0 ? 1.0 : -1.0) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
          let c = 1 / Math.sqrt(1 + t * t);
          let sn = c * t;
          rotate(wi, wj, p, c, sn);
          rotate(jr + (<usize>i * <usize>q << 3), jr + (<usize>j * <usize>q << 3), q, c, sn);
        }
      }
      if (!rotated) break;
    }
    // The singular values, and their order: descending, ties by position.
    for (let j = 0; j < q; j++) {
      let row = w + (<usize>j * <usize>p << 3);
      st<f64>(sig, j, Math.sqrt(dotRow(row, row, p)));
      st<i32>(order, j, j);
    }
    for (let i = 1; i < q; i++) {
      let oi = ld<i32>(order, i);
      let v = ld<f64>(sig, oi);
      let k = i - 1;
      while (k >= 0 && ld<f64>(sig, ld<i32>(order, k)) < v) {
        st<i32>(order, k + 1, ld<i32>(order, k));
        k--;
      }
      st<i32>(order, k + 1, oi);
    }
    let sb = s + (<usize>b * <usize>q << 3);
    for (let j = 0; j < q; j++) st<f64>(sb, j, ld<f64>(sig, ld<i32>(order, j)));
    if (mode == 0) continue;
    // Normalise the columns of nonzero singular values; count the vectors that are kept.
    let smax = q > 0 ? ld<f64>(sig, ld<i32>(order, 0)) : 0.0;
    let zeroBelow = smax * <f64>p * 2.220446049250313e-16;
    let nkept = 0;
    for (let j = 0; j < q; j++) {
      let oj = ld<i32>(order, j);
      let sv = ld<f64>(sig, oj);
      if (sv > zeroBelow && sv > 0) {
        let row = w + (<usize>oj * <usize>p << 3);
        for (let k = 0; k < p; k++) st<f64>(row, k, ld<f64>(row, k) / sv);
        st<i32>(others, nkept, oj);
        nkept++;
      }
    }
    // Rows of zero singular values, then rows q..p-1 (full matrices), complete the basis.
    let need = full ? p : q;
    for (let j = 0; j < need; j++) {
      let oj = j < q ? ld<i32>(order, j) : j;
      if (j < q) {
        let sv = ld<f64>(sig, oj);
        if (sv > zeroBelow && sv > 0) continue;
      }
      complete(w, p, oj, others, nkept, tmp);
      st<i32>(others, nkept, oj);
      nkept++;
    }
    // Write U and Vh: tall, A = X S J^T (U = X, Vh = J^T); wide, A = J S X^T (U = J, Vh = X^T).
    let ub = u + (<usize>b * <usize>m * <usize>ucols << 3);
    let vb = vh + (<usize>b * <usize>vrows * <usize>n << 3);
    let xcount = tall ? ucols : vrows;
    for (let j = 0; j < xcount; j++) {
      let oj = j < q ? ld<i32>(order, j) : j;
      let row = w + (<usize>oj * <usize>p << 3);
      for (let k = 0; k < p; k++) {
        if (tall) st<f64>(ub, k * ucols + j, ld<f64>(row, k));
        else st<f64>(vb, j * n + k, ld<f64>(row, k));
      }
    }
    for (let j = 0; j < q; j++) {
      let oj = ld<i32>(order, j);
      let jrow = jr + (<usize>oj * <usize>q << 3);
      for (let k = 0; k < q; k++) {
        if (tall) st<f64>(vb, j * n + k, ld<f64>(jrow, k));
        else st<f64>(ub, k * ucols + j, ld<f64>(jrow, k));
      }
    }
  }
}
