// The matrix-product family: operands' ranks, inner sizes and dtypes.
// These reproduce the checks (and their order) of PyTorch 1.13's mm / mv / bmm / dot / addmm /
// matmul / linear from shapes, strides and dtypes alone, so no kernel runs on operands it would
// read out of bounds, and the message is the one PyTorch gives for the same call.
import type { Tensor } from '../tensor.js';
import type { DType } from '../dtype.js';
import { broadcastShapes, fmtShape } from '../shape.js';
import { SCALAR_NAME } from './names.js';

function sameDtype(a: DType, b: DType, kernel: string): void {
  if (a === 'bool') throw new Error(`"${kernel}" not implemented for 'Bool'`);
  if (a !== b) throw new Error(`expected scalar type ${SCALAR_NAME[a]} but found ${SCALAR_NAME[b]}`);
}

/** What the checks read of an operand: a Tensor, or the shape a Tensor would have after a view. */
interface Meta {
  readonly _shape: readonly number[];
  readonly dtype: DType;
}

/** PyTorch's mm/mv/bmm kernels return zeros before checking dtypes when an operand is empty. */
function emptyProduct(a: Meta, b: Meta): boolean {
  return a._shape.includes(0) || b._shape.includes(0);
}

function mmMeta(a: Meta, b: Meta): void {
  const as = a._shape;
  const bs = b._shape;
  if (as.length !== 2) throw new Error('self must be a matrix');
  if (bs.length !== 2) throw new Error('mat2 must be a matrix');
  if (as[1] !== bs[0]) throw new Error(`mat1 and mat2 shapes cannot be multiplied (${as[0]}x${as[1]} and ${bs[0]}x${bs[1]})`);
  if (!emptyProduct(a, b)) sameDtype(a.dtype, b.dtype, 'addmm_impl_cpu_');
}

function mvMeta(a: Meta, v: Meta): void {
  const as = a._shape;
  const vs = v._shape;
  // mv sizes its result from the matrix's dim 0 before anything else.
  if (as.length === 0) throw new Error('Dimension specified as 0 but tensor has no dimensions');
  if (as.length !== 2 || vs.length !== 1) throw new Error(`vector + matrix @ vector expected, got 1, ${as.length}, ${vs.length}`);
  if (as[1] !== vs[0]) throw new Error(`size mismatch, got ${as[0]}, ${as[0]}x${as[1]},${vs[0]}`);
  if (!emptyProduct(a, v)) sameDtype(a.dtype, v.dtype, 'addmv_impl_cpu');
}

function bmmMeta(a: Meta, b: Meta): void {
  const as = a._shape;
  const bs = b._shape;
  if (as.length !== 3) throw new Error('batch1 must be a 3D tensor');
  if (bs.length !== 3) throw new Error('batch2 must be a 3D tensor');
  if (bs[0] !== as[0] || bs[1] !== as[2]) {
    throw new Error(`Expected size for first two dimensions of batch2 tensor to be: [${as[0]}, ${as[2]}] but got: [${bs[0]}, ${bs[1]}].`);
  }
  if (!emptyProduct(a, b)) sameDtype(a.dtype, b.dtype, 'bmm');
}

function dotMeta(a: Meta, b: Meta): void {
  const as = a._shape;
  const bs = b._shape;
  if (as.length !== 1 || bs.length !== 1) throw new Error(`1D tensors expected, but got ${as.length}D and ${bs.length}D tensors`);
  if (a.dtype !== b.dtype) {
    throw new Error(`dot : expected both vectors to have same dtype, but found ${SCALAR_NAME[a.dtype]} and ${SCALAR_NAME[b.dtype]}`);
  }
  if (as[0] !== bs[0]) {
    throw new Error(
      `inconsistent tensor size, expected tensor [${as[0]}] and src [${bs[0]}] to have the same number of elements, but got ${as[0]} and ${bs[0]} elements respectively`,
    );
  }
  if (a.dtype === 'bool') throw new Error(`"dot" not implemented for 'Bool'`);
}

/** PyTorch's expand of `from` to `to` (addmm's bias), as shape arithmetic: its errors, verbatim. */
function expandable(from: Meta, to: readonly number[]): void {
  const fs = from._shape;
  if (to.length < fs.length) {
    throw new Error(
      `expand(torch.${SCALAR_NAME[from.dtype]}Tensor{${fmtShape(fs)}}, size=${fmtShape(to)}): the number of sizes provided (${to.length}) must be greater or equal to the number of dimensions in the tensor (${fs.length})`,
    );
  }
  const lead = to.length - fs.length;
  for (let i = fs.length - 1; i >= 0; i--) {
    const want = to[lead + i];
    if (fs[i] !== want && fs[i] !== 1) {
      throw new Error(
        `The expanded size of the tensor (${want}) must match the existing size (${fs[i]}) at non-singleton dimension ${lead + i}.  Target sizes: ${fmtShape(to)}.  Tensor sizes: ${fmtShape(fs)}`,
      );
    }
  }
}

function addmmMeta(self: Meta, m1: Meta, m2: Meta): void {
  const s1 = m1._shape;
  const s2 = m2._shape;
  if (self.dtype !== m2.dtype) throw new Error('self and mat2 must have the same dtype');
  if (m1.dtype !== m2.dtype) throw new Error('mat1 and mat2 must have the same dtype');
  if (s1.length !== 2) throw new Error(`mat1 must be a matrix, got ${s1.length}-D tensor`);
  if (s2.length !== 2) throw new Error(`mat2 must be a matrix, got ${s2.length}-D tensor`);
  if (s1[1] !== s2[0]) throw new Error(`mat1 and mat2 shapes cannot be multiplied (${s1[0]}x${s1[1]} and ${s2[0]}x${s2[1]})`);
  expandable(self, [s1[0], s2[1]]);
  if (m1.dtype === 'bool') throw new Error(`"addmm_impl_cpu_" not implemented for 'Bool'`);
}

/** torch.mm(a, b). */
export const mmOperands: (a: Tensor, b: Tensor) => void = mmMeta;
/** torch.mv(a, v). */
export const mvOperands: (a: Tensor, v: Tensor) => void = mvMeta;
/** torch.bmm(a, b). */
export const bmmOperands: (a: Tensor, b: Tensor) => void = bmmMeta;
/** torch.dot(a, b). */
export const dotOperands: (a: Tensor, b: Tensor) => void = dotMeta;
/** torch.addmm(self, mat1, mat2). */
export const addmmOperands: (self: Tensor, m1: Tensor, m2: Tensor) => void = addmmMeta;

const meta = (shape: readonly number[], dtype: DType): Meta => ({ _shape: shape, dtype });
const prod = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);
/** The operand with its last two dims swapped (`.mT`, or `.t()` of a matrix). */
const transposed = (m: Meta): Meta => {
  const s = m._shape.slice();
  const n = s.length;
  if (n >= 2) [s[n - 2], s[n - 1]] = [s[n - 1], s[n - 2]];
  return meta(s, m.dtype);
};

/** PyTorch 1.13's should_fold: a >=3-D operand against a 1-D/2-D one is folded into one mm/mv. */
function shouldFold(t: Tensor, otherDim: number): boolean {
  const d = t.ndim;
  if (d < 3 || (otherDim !== 1 && otherDim !== 2)) return false;
  // A [b, n, m] operand whose last two dims are transposed goes through bmm instead.
  const st = t._strides;
  const sh = t._shape;
  return !(d === 3 && otherDim === 2 && st[2] !== 1 && st[0] === sh[1] * sh[2]);
}

/** torch.matmul's operand checks, following its dispatch (dot / mv / mm / folded / batched). */
export function matmulOperands(a: Tensor, b: Tensor): void {
  matmulMeta(a, b, shouldFold(a, b.ndim) || shouldFold(b, a.ndim));
}

function matmulMeta(a: Meta, b: Meta, fold: boolean): void {
  const as = a._shape;
  const bs = b._shape;
  const da = as.length;
  const db = bs.length;
  if (da === 0 || db === 0) throw new Error(`both arguments to matmul need to be at least 1D, but they are ${da}D and ${db}D`);
  if (da <= 2 && db <= 2) {
    if (da === 1 && db === 1) dotMeta(a, b);
    else if (db === 1) mvMeta(a, b);
    else mmMeta(da === 1 ? meta([1, as[0]], a.dtype) : a, b);
    return;
  }
  if (fold) {
    const transpose = db > da;
    const t1 = transpose ? transposed(b) : a;
    const t2 = !transpose ? b : da === 2 ? transposed(a) : a;
    const s1 = t1._shape;
    const folded = meta([prod(s1.slice(0, -1)), s1[s1.length - 1]], t1.dtype);
    if (t2._shape.length === 1) mvMeta(folded, t2);
    else mmMeta(folded, t2);
    return;
  }
  // Batched: broadcast the batch dims, then one bmm over their product.
  const batch = broadcastShapes(as.slice(0, da > 2 ? da - 2 : 0), bs.slice(0, db > 2 ? db - 2 : 0));
  const B = prod(batch);
  const n = da > 1 ? as[da - 2] : 1;
  const m2 = db > 1 ? bs[db - 2] : bs[0];
  const p = db > 1 ? bs[db - 1] : 1;
  bmmMeta(meta([B, n, as[da - 1]], a.dtype), meta([B, m2, p], b.dtype));
}

/** The shape of matmul(a, b) for operands that passed the checks. */
export function matmulShape(as: readonly number[], bs: readonly number[]): number[] {
  const da = as.length;
  const db = bs.length;
  const out = broadcastShapes(as.slice(0, da > 2 ? da - 2 : 0), bs.slice(0, db > 2 ? db - 2 : 0));
  if (da > 1) out.push(as[da - 2]);
  if (db > 1) out.push(bs[db - 1]);
  return out;
}

/**
 * Whether PyTorch 1.13's at::linear takes the fused addmm path: a bias and a 2-D input, or a
 * contiguous 3-D one (flattened to 2-D). A tensor with no elements counts as contiguous, as in
 * PyTorch.
 */
export function linearUsesAddmm(x: Tensor, bias: Tensor | null | undefined): boolean {
  if (!bias) return false;
  return x.ndim === 2 || (x.ndim === 3 && (x.numel() === 0 || x.isContiguous()));
}

/**
 * F.linear's operand checks, following PyTorch 1.13's at::linear: weight.t() (<= 2-D), then
 * addmm for 2-D input with bias (or contiguous 3-D input, flattened), else matmul followed by an
 * in-place add of the bias (whose broadcast must not grow the result).
 */
export function linearOperands(x: Tensor, w: Tensor, bias: Tensor | null | undefined): void {
  if (w.ndim > 2) throw new Error(`t() expects a tensor with <= 2 dimensions, but self is ${w.ndim}D`);
  const wt = transposed(w);
  if (bias && linearUsesAddmm(x, bias)) {
    const m1 = x.ndim === 2 ? x : meta([x._shape[0] * x._shape[1], x._shape[2]], x.dtype);
    addmmMeta(bias, m1, wt);
    return;
  }
  // matmul(x, w.t()): w.t() is a transposed view, so it never takes the bmm-instead-of-fold path.
  matmulMeta(x, wt, shouldFold(x, wt._shape.length) || (wt._shape.length >= 3 && x.ndim <= 2));
  if (!bias) return;
  // add_ of the bias into the result.
  broadcastInto(matmulShape(x._shape, wt._shape), bias._shape);
}

/**
 * An in-place write of a `src`-shaped value into an `out`-shaped tensor (copy_, add_ ...): the
 * shapes must broadcast, and to `out`'s own shape (PyTorch 1.13's two messages).
 */
export function broadcastInto(out: readonly number[], src: readonly number[]): void {
  if (out.length === src.length && out.every((d, i) => d === src[i])) return;
  const bs = broadcastShapes(out, src);
  if (bs.length !== out.length || bs.some((d, i) => d !== out[i])) {
    throw new Error(`output with shape ${fmtShape(out)} doesn't match the broadcast shape ${fmtShape(bs)}`);
  }
}
