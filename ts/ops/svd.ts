// torch.linalg.svd / svdvals / matrix_norm: the singular value decomposition (one-sided Jacobi in
// the core, float64 inside, a fixed sweep order: the same bits everywhere) and the matrix norms
// built on it, recorded as PyTorch 1.13 records them (LinalgSvdBackward0 behind a PermuteBackward0
// for the norms). The backward is PyTorch's svd_backward written with differentiable ops, so
// gradients of gradients work.
import type { Tensor } from '../tensor.js';
import { record, recordMulti } from '../autograd.js';
import { noGrad } from '../grad_mode.js';
import { isFloating } from '../dtype.js';
import { withTemps } from '../scope.js';
import { normDim } from '../shape.js';
import * as K from './internal.js';
import * as V from '../validate.js';
import { compare } from './compare.js';
import { arange } from './creation.js';
import { permute, unsqueeze } from './views.js';
import { type OpSpec, defineOp } from './registry.js';

/** torch.linalg.svd's result: (U, S, Vh), also as `.U` / `.S` / `.Vh`. */
export type SvdResult = readonly [Tensor, Tensor, Tensor] & { readonly U: Tensor; readonly S: Tensor; readonly Vh: Tensor };

function svdResult(u: Tensor, s: Tensor, vh: Tensor): SvdResult {
  const out = [u, s, vh] as unknown as { U: Tensor; S: Tensor; Vh: Tensor };
  out.U = u;
  out.S = s;
  out.Vh = vh;
  return out as unknown as SvdResult;
}

/** PyTorch's checks of linalg.svd's input (also under the names of the ops built on it). */
function checkMatrix(a: Tensor, entry: string): void {
  if (a.ndim < 2) throw new Error(`${entry}: The input tensor A must have at least 2 dimensions.`);
  if (!isFloating(a.dtype)) throw new Error(`${entry}: Expected a floating point or complex tensor as input. Got ${V.scalarName(a.dtype)}`);
}

const mT = (t: Tensor): Tensor => t.transpose(-2, -1);

/** The k x k identity in `like`'s dtype (no gradient). */
function eye(k: number, like: Tensor): Tensor {
  const r = arange(k);
  return compare('eq', r.unsqueeze(1), r.unsqueeze(0)).to(like.dtype);
}

/**
 * PyTorch 1.13's svd_backward (real case) for A = U diag(S) Vh with gradients gU, gS, gVh of the
 * reduced factors (null where none arrived); written with differentiable ops.
 */
function svdBackward(gU: Tensor | null, gS: Tensor | null, gVh: Tensor | null, U: Tensor, S: Tensor, Vh: Tensor): Tensor {
  const m = U._shape[U.ndim - 2];
  const n = Vh._shape[Vh.ndim - 1];
  if (!gU && !gVh) {
    const g = gS as Tensor;
    // The svdvals case: U diag(gS) Vh.
    return m >= n ? U.matmul(g.unsqueeze(-1).mul(Vh)) : U.mul(g.unsqueeze(-2)).matmul(Vh);
  }
  const k = S._shape[S.ndim - 1];
  const I = eye(k, S);
  const skew = (t: Tensor): Tensor => t.sub(mT(t));
  const S2 = S.mul(S);
  // E_ij = s_j^2 - s_i^2, with ones on the diagonal (where the skew terms are zero).
  const E = S2.unsqueeze(-2).sub(S2.unsqueeze(-1)).add(I);
  const UhgU = gU ? skew(mT(U).matmul(gU)) : null;
  const VhgV = gVh ? skew(Vh.matmul(mT(gVh))) : null;
  let gA: Tensor;
  if (UhgU && VhgV) gA = UhgU.mul(S.unsqueeze(-2)).add(S.unsqueeze(-1).mul(VhgV)).div(E);
  else if (UhgU) gA = UhgU.div(E).mul(S.unsqueeze(-2));
  else gA = S.unsqueeze(-1).mul((VhgV as Tensor).div(E));
  if (gS) gA = gA.add(I.mul(gS.unsqueeze(-2)));
  if (m > n && gU) {
    const gUSinv = gU.div(S.unsqueeze(-2));
    gA = U.matmul(gA)
      .add(gUSinv)
      .sub(U.matmul(mT(U).matmul(gUSinv)));
    return gA.matmul(Vh);
  }
  if (m < n && gVh) {
    const SinvgVh = gVh.div(S.unsqueeze(-1));
    gA = gA
      .matmul(Vh)
      .add(SinvgVh)
      .sub(SinvgVh.matmul(mT(Vh)).matmul(Vh));
    return U.matmul(gA);
  }
  return m >= n ? U.matmul(gA.matmul(Vh)) : U.matmul(gA).matmul(Vh);
}

/** The k leading columns of U and rows of Vh (full matrices' extra vectors get no gradient, as in PyTorch). */
function reduced(U: Tensor, Vh: Tensor, k: number): [Tensor, Tensor] {
  const u = U._shape[U.ndim - 1] === k ? U : U.narrow(-1, 0, k);
  const vh = Vh._shape[Vh.ndim - 2] === k ? Vh : Vh.narrow(-2, 0, k);
  return [u, vh];
}

const SVD_OPTS = V.optionSpec('linalg.svd', { fullMatrices: 'bool' });

/** torch.linalg.svd(A, { fullMatrices = true }): U, S (descending), Vh with A = U diag(S) Vh, batched over leading dims. */
export function linalgSvd(a: Tensor, opts?: { fullMatrices?: boolean }): SvdResult {
  V.tensor(a, 'linalg.svd', 'A', 1);
  V.options(SVD_OPTS, opts);
  checkMatrix(a, 'linalg.svd');
  const full = opts?.fullMatrices ?? true;
  const { u, s, vh } = K.svdK(a, true, full);
  const U = u as Tensor;
  const Vh = vh as Tensor;
  const k = s._shape[s.ndim - 1];
  const [U2, S2, Vh2] = recordMulti(
    'LinalgSvdBackward0',
    [U, s, Vh],
    [a],
    () => [U, s, Vh],
    (gs, [su, ss, svh]) => {
      const [gU, gS, gVh] = gs;
      const [ur, vhr] = reduced(su, svh, k);
      const gUr = gU && full ? reduced(gU, svh, k)[0] : gU;
      const gVhr = gVh && full ? reduced(su, gVh, k)[1] : gVh;
      return [svdBackward(gUr, gS ?? (gUr || gVhr ? null : K.full(ss._shape, 0, ss.dtype)), gVhr, ur, ss, vhr)];
    },
  );
  return svdResult(U2, S2, Vh2);
}

/**
 * The singular values of A, recorded as LinalgSvdBackward0 with the reduced U and Vh as its hidden
 * outputs (as PyTorch computes them when A requires grad): the rule reads them as outputs of the
 * node, so a gradient of the gradient flows through them too.
 */
function svdvalsImpl(a: Tensor): Tensor {
  return withTemps(() => {
    const { u, s, vh } = K.svdK(a, true, false);
    const U = u as Tensor;
    const Vh = vh as Tensor;
    return recordMulti(
      'LinalgSvdBackward0',
      [U, s, Vh],
      [a],
      () => [U, s, Vh],
      (gs, [su, ss, svh]) => [svdBackward(gs[0], gs[1] ?? (gs[0] || gs[2] ? null : K.full(ss._shape, 0, ss.dtype)), gs[2], su, ss, svh)],
    )[1];
  });
}

/** torch.linalg.svdvals(A): the singular values, descending, batched over leading dims. */
export function linalgSvdvals(a: Tensor): Tensor {
  V.tensor(a, 'linalg.svdvals', 'A', 1);
  checkMatrix(a, 'linalg.svd');
  return svdvalsImpl(a);
}

/**
 * A matrix norm over dims (d0, d1) as PyTorch 1.13 computes it from the singular values: A with
 * those dims moved last (PermuteBackward0), svdvals, then sum ('nuc'), amax (2) or amin (-2) over
 * them; with keepdim, the two dims are put back as ones (`unsqueezeNode` names that step's node).
 */
export function svdNorm(a: Tensor, ord: 'nuc' | 2 | -2, d0: number, d1: number, keepdim: boolean, unsqueezeNode: string): Tensor {
  checkMatrix(a, 'linalg.svd');
  const nd = a.ndim;
  const rest = Array.from({ length: nd }, (_, i) => i).filter((i) => i !== d0 && i !== d1);
  const perm = [...rest, d0, d1];
  const sv = svdvalsImpl(permute(a, perm));
  const r = ord === 'nuc' ? sv.sum(-1, keepdim) : ord === 2 ? sv.amax(-1, keepdim) : sv.amin(-1, keepdim);
  if (!keepdim) return r;
  // The values sit at [...rest, 1] and one more trailing 1 completes the permuted shape; the inverse
  // permutation then puts both ones at d0 and d1.
  const inv = new Array<number>(nd);
  for (let i = 0; i < nd; i++) inv[perm[i]] = i;
  return permute(unsqueeze(r, -1, unsqueezeNode), inv);
}

/** linalg.vector_norm(a, 1, dim): one LinalgVectorNormBackward0 node, gradient sign(a) * g. */
function l1Norms(a: Tensor, dim: number, keepdim: boolean): Tensor {
  const y = noGrad(() => a.abs().sum(dim, keepdim));
  return record(
    'LinalgVectorNormBackward0',
    y,
    [a],
    () => [a],
    (g, [sa]) => [sa.sign().mul(keepdim ? g : g.unsqueeze(dim))],
  );
}

/**
 * linalg.vector_norm(A, 2, (d0, d1)) as PyTorch 1.13's 'fro': one LinalgVectorNormBackward0 node
 * whose gradient is g * (A / norm) with 0 where the norm is 0 (not the NaN of sqrt's derivative).
 */
function froNorm(a: Tensor, d0: number, d1: number, keepdim: boolean): Tensor {
  const y = noGrad(() => a.mul(a).sum([d0, d1], keepdim).sqrt());
  const [lo, hi] = d0 < d1 ? [d0, d1] : [d1, d0];
  const unreduce = (t: Tensor): Tensor => (keepdim ? t : t.unsqueeze(lo).unsqueeze(hi));
  return record(
    'LinalgVectorNormBackward0',
    y,
    [a],
    () => [a, y],
    (g, [sa, sy]) => {
      const r = unreduce(sy);
      return [unreduce(g).mul(sa.div(r).maskedFill(compare('eq', r, 0), 0))];
    },
  );
}

const MATRIX_NORM_OPTS = V.optionSpec('linalg.matrix_norm', { dim: 'dims', keepdim: 'bool' });

/** torch.linalg.matrix_norm(A, ord = 'fro', { dim = [-2, -1], keepdim = false }): 'fro', 'nuc', ±1, ±2 and ±inf. */
export function linalgMatrixNorm(
  a: Tensor,
  ord: 'fro' | 'nuc' | number = 'fro',
  opts?: { dim?: readonly number[]; keepdim?: boolean },
): Tensor {
  V.tensor(a, 'linalg.matrix_norm', 'A', 1);
  if (typeof ord !== 'string') V.number(ord, 'linalg.matrix_norm', 'ord', 2);
  V.options(MATRIX_NORM_OPTS, opts);
  if (a.ndim < 2) throw new Error('linalg.matrix_norm: The input tensor A must have at least 2 dimensions.');
  if (!isFloating(a.dtype)) {
    throw new Error(`linalg.matrix_norm: Expected a floating point or complex tensor as input. Got ${V.scalarName(a.dtype)}`);
  }
  const dim = opts?.dim ?? [-2, -1];
  if (!Array.isArray(dim)) throw new TypeError(`linalg.matrix_norm(): argument 'dim' must be tuple of ints, not ${V.typeName(dim)}`);
  const keepdim = opts?.keepdim ?? false;
  if (dim.length !== 2) throw new Error(`linalg.matrix_norm: dim must be a 2-tuple. Got ${dim.join(' ')}`);
  const d0 = normDim(dim[0], a.ndim);
  const d1 = normDim(dim[1], a.ndim);
  if (d0 === d1) throw new Error(`linalg.matrix_norm: dims must be different. Got (${dim[0]}, ${dim[1]})`);
  if (ord === 'fro') return froNorm(a, d0, d1, keepdim);
  if (ord !== 'nuc' && ord !== 2 && ord !== -2) {
    if (ord === 1 || ord === -1 || ord === Infinity || ord === -Infinity) {
      // PyTorch 1.13: the 1-norms along one dim (rows for ±1, columns for ±inf), then their max or
      // min along the other; without keepdim the second dim moves down when the first was before it.
      const [along, across] = ord === 1 || ord === -1 ? [d0, d1] : [d1, d0];
      const norms = l1Norms(a, along, keepdim);
      const rest = !keepdim && along < across ? across - 1 : across;
      return ord > 0 ? norms.amax(rest, keepdim) : norms.amin(rest, keepdim);
    }
    throw new Error(`linalg.matrix_norm: Order ${ord} not supported.`);
  }
  return svdNorm(a, ord, d0, d1, keepdim, 'UnsqueezeBackward0');
}

export const SVD_OPS = {
  linalgSvd: defineOp({
    name: 'linalgSvd',
    py: 'linalg.svd',
    kind: 'linalg',
    fn: linalgSvd,
    doc: 'torch.linalg.svd: U, S, Vh of each matrix (one-sided Jacobi in float64, deterministic signs); fullMatrices (default true).',
    nodes: ['LinalgSvdBackward0'],
    kernels: ['svd_jacobi_f64'],
    dtype: 'same',
    saves: 'U, S, Vh',
    torch: false,
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [4, 3] }, { options: { fullMatrices: false } }], note: 'tall, reduced' },
        { args: [{ shape: [2, 3, 4] }, { options: { fullMatrices: false } }], note: 'wide, batched' },
      ],
    },
  }),
  linalgSvdvals: defineOp({
    name: 'linalgSvdvals',
    py: 'linalg.svdvals',
    kind: 'linalg',
    fn: linalgSvdvals,
    doc: 'torch.linalg.svdvals: the singular values of each matrix, descending.',
    nodes: ['LinalgSvdBackward0'],
    kernels: ['svd_jacobi_f64'],
    dtype: 'same',
    saves: 'U, S, Vh',
    torch: false,
    test: {
      grad: 'twice',
      samples: [{ args: [{ shape: [3, 4] }] }, { args: [{ shape: [2, 4, 2] }], note: 'batched, tall' }],
    },
  }),
  linalgMatrixNorm: defineOp({
    name: 'linalgMatrixNorm',
    py: 'linalg.matrix_norm',
    kind: 'linalg',
    fn: linalgMatrixNorm,
    doc: "torch.linalg.matrix_norm: 'fro', 'nuc' (sum of singular values), 2 / -2 (largest / smallest singular value), 1 / -1 and inf / -inf (max / min column or row sum of |A|) over two dims.",
    nodes: [
      'SumBackward1',
      'AmaxBackward0',
      'AminBackward0',
      'LinalgSvdBackward0',
      'LinalgVectorNormBackward0',
      'PermuteBackward0',
      'UnsqueezeBackward0',
    ],
    kernels: ['svd_jacobi_f64'],
    dtype: 'same',
    saves: 'U, S, Vh',
    torch: false,
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [3, 4] }, 'nuc'] },
        { args: [{ shape: [2, 3, 4] }, 'fro', { options: { dim: [2, 0] } }], note: 'fro over dims (2, 0)' },
        { args: [{ shape: [2, 3, 4] }, 2, { options: { dim: [2, 0], keepdim: true } }], note: 'ord 2, dims, keepdim' },
        { args: [{ shape: [3, 4] }, -2], note: 'ord -2' },
        { args: [{ shape: [2, 3, 4] }, 1], note: 'ord 1, batched' },
        { args: [{ shape: [3, 4] }, -Infinity, { options: { dim: [1, 0], keepdim: true } }], note: 'ord -inf, dims swapped, keepdim' },
      ],
    },
  }),
} as const satisfies Record<string, OpSpec>;
