// Products: mm, addmm, dot, mv, bmm and matmul's dispatch among them (PyTorch 1.13's folding). The
// core multiplies in one fixed order (docs/design.md), so results are the same bits everywhere.
import type { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import type { DType } from '../dtype.js';
import { noGrad } from '../grad_mode.js';
import { withTemps } from '../scope.js';
import { broadcastShapes, numelOf, sameShape } from '../shape.js';
import * as K from './internal.js';
import * as V from '../validate.js';
import { squeeze, unsafeView } from './views.js';
import { type OpSpec, defineOp } from './registry.js';

function as3(x: Tensor, b: number, m: number, k: number): Tensor {
  const st = x.ndim === 3 ? x._strides : x.ndim === 2 ? [0, x._strides[0], x._strides[1]] : [0, 0, x._strides[0] ?? 1];
  return x._view([b, m, k], st, x._offset);
}

/**
 * Records a product of inputs[i] and inputs[i + 1] whose node keeps each factor only for the other's
 * gradient, as PyTorch's matmul-family nodes do (so writing a factor not kept is no error later).
 */
function recordCross(
  name: string,
  out: Tensor,
  inputs: readonly Tensor[],
  i: number,
  rule: (g: Tensor, a: Tensor, b: Tensor, needs: readonly boolean[]) => (Tensor | null)[],
): Tensor {
  const a = inputs[i];
  const b = inputs[i + 1];
  let keepA = false;
  let keepB = false;
  return record(
    name,
    out,
    inputs,
    (n) => {
      keepA = n[i + 1];
      keepB = n[i];
      return keepA && keepB ? [a, b] : keepA ? [a] : keepB ? [b] : [];
    },
    // Unkept factors are never read (their gradient partner is not computed).
    (g, s, n) => rule(g, keepA ? s[0] : (null as unknown as Tensor), keepB ? s[keepA ? 1 : 0] : (null as unknown as Tensor), n),
  );
}

/**
 * An int64 product (operands already checked): the core multiplies floats, so it is computed in
 * float64 and cast back (exact while every partial sum stays below 2^53). Integer tensors never
 * require grad, so nothing is recorded.
 */
function viaFloat64(f: (...xs: Tensor[]) => Tensor, ...xs: Tensor[]): Tensor {
  return withTemps(() => noGrad(() => K.castTo(f(...xs.map((x) => K.castTo(x, 'float64'))), 'int64')));
}

/**
 * A product with an empty operand (M, K, N or the batch is 0): PyTorch 1.13 returns zeros without
 * checking the dtypes (mm in self's, mv in vec's, bmm in mat2's, as its kernels allocate).
 */
function emptyProduct(shape: readonly number[], dtype: DType): Tensor {
  return K.full(shape, 0, dtype);
}

/** [M,K] @ [K,N] through the core; transposed views are read in place. */
function mmRaw(a: Tensor, b: Tensor): Tensor {
  const a3 = as3(a, 1, a._shape[0], a._shape[1]);
  const b3 = as3(b, 1, b._shape[0], b._shape[1]);
  const y = K.matmul3(a3, b3);
  a3.dispose();
  b3.dispose();
  const r = y._view([a._shape[0], b._shape[1]], [b._shape[1], 1], 0);
  y.dispose();
  return r;
}

/** A matrix stored column by column (PyTorch's test in mm_mat1/mat2_backward: strides[0] == 1, strides[1] == sizes[0]). */
function colMajor(x: Tensor): boolean {
  return x._strides[0] === 1 && x._strides[1] === x._shape[0];
}

/**
 * The gradient of mm's first factor, in the factor's own layout as PyTorch's mm_mat1_backward makes
 * it: a column-major factor gets (mat2 @ gᵀ)ᵀ, so accumulating it into a column-major `.grad` reads
 * memory in order. Same bits either way: each element is the same products summed in increasing k.
 */
function mat1Grad(g: Tensor, mat2: Tensor, col: boolean): Tensor {
  return col ? mat2.mm(g.t()).t() : g.mm(mat2.t());
}

/**
 * The gradient of mm's second factor (PyTorch's mm_mat2_backward): (gᵀ @ mat1)ᵀ for a column-major
 * factor, such as Linear's `weight.t()`, whose gradient then reaches the weight row-major.
 */
function mat2Grad(g: Tensor, mat1: Tensor, col: boolean): Tensor {
  return col ? g.t().mm(mat1).t() : mat1.t().mm(g);
}

export function mm(a: Tensor, b: Tensor): Tensor {
  V.tensor(a, 'mm', 'input', 1);
  V.tensor(b, 'mm', 'mat2', 1);
  V.mmOperands(a, b);
  if (a.dtype === 'int64') return viaFloat64(mm, a, b);
  const y = a.dtype === b.dtype ? mmRaw(a, b) : emptyProduct([a._shape[0], b._shape[1]], a.dtype);
  const aCol = colMajor(a);
  const bCol = colMajor(b);
  return recordCross('MmBackward0', y, [a, b], 0, (g, sa, sb, n) => [
    n[0] ? mat1Grad(g, sb, aCol) : null,
    n[1] ? mat2Grad(g, sa, bCol) : null,
  ]);
}

export function addmm(bias: Tensor, a: Tensor, b: Tensor): Tensor {
  V.tensor(bias, 'addmm', 'input', 1);
  V.tensor(a, 'addmm', 'mat1', 1);
  V.tensor(b, 'addmm', 'mat2', 2);
  V.addmmOperands(bias, a, b);
  if (a.dtype === 'int64') return viaFloat64(addmm, bias, a, b);
  const y = mmRaw(a, b);
  const out = noGrad(() => y.add(bias));
  y.dispose();
  const aCol = colMajor(a);
  const bCol = colMajor(b);
  return recordCross('AddmmBackward0', out, [bias, a, b], 1, (g, sa, sb, n) => [
    n[0] ? g : null,
    n[1] ? mat1Grad(g, sb, aCol) : null,
    n[2] ? mat2Grad(g, sa, bCol) : null,
  ]);
}

export function dot(a: Tensor, b: Tensor): Tensor {
  V.tensor(a, 'dot', 'input', 1);
  V.tensor(b, 'dot', 'tensor', 1);
  V.dotOperands(a, b);
  if (a.dtype === 'int64') return viaFloat64(dot, a, b);
  const a3 = as3(a, 1, 1, a._shape[0]);
  const b3 = b._view([1, b._shape[0], 1], [0, b._strides[0], 1], b._offset);
  const y = K.matmul3(a3, b3);
  a3.dispose();
  b3.dispose();
  const r = y._view([], [], 0);
  y.dispose();
  return recordCross('DotBackward0', r, [a, b], 0, (g, sa, sb, n) => [n[0] ? sb.mul(g) : null, n[1] ? sa.mul(g) : null]);
}

export function mv(a: Tensor, v: Tensor): Tensor {
  V.tensor(a, 'mv', 'input', 1);
  V.tensor(v, 'mv', 'vec', 1);
  V.mvOperands(a, v);
  if (a.dtype === 'int64') return viaFloat64(mv, a, v);
  let r: Tensor;
  if (a.dtype !== v.dtype) r = emptyProduct([a._shape[0]], v.dtype);
  else {
    const v2 = v._view([v._shape[0], 1], [v._strides[0], 1], v._offset);
    const y = mmRaw(a, v2);
    v2.dispose();
    r = y._view([a._shape[0]], [1], 0);
    y.dispose();
  }
  return recordCross('MvBackward0', r, [a, v], 0, (g, sa, sv, n) => [
    n[0] ? g.unsqueeze(1).mul(sv.unsqueeze(0)) : null,
    n[1] ? mv(sa.t(), g) : null,
  ]);
}

export function bmm(a: Tensor, b: Tensor): Tensor {
  V.tensor(a, 'bmm', 'input', 1);
  V.tensor(b, 'bmm', 'mat2', 1);
  V.bmmOperands(a, b);
  if (a.dtype === 'int64') return viaFloat64(bmm, a, b);
  const y = a.dtype === b.dtype ? K.matmul3(a, b) : emptyProduct([a._shape[0], a._shape[1], b._shape[2]], b.dtype);
  return recordCross('BmmBackward0', y, [a, b], 0, (g, sa, sb, n) => [
    n[0] ? bmm(g, sb.transpose(1, 2)) : null,
    n[1] ? bmm(sa.transpose(1, 2), g) : null,
  ]);
}

/** torch.matmul: dispatches to dot / mv / mm / folded mm / broadcast bmm as PyTorch 1.13 does. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  V.tensor(a, 'matmul', 'input', 1);
  V.tensor(b, 'matmul', 'other', 1);
  V.matmulOperands(a, b);
  return withTemps(() => matmulImpl(a, b));
}

/**
 * Whether matmul folds `t`'s batch dims into one mm (PyTorch 1.13's should_fold): not for a 3-D
 * operand against a matrix whose last two dims are transposed behind a slowest first dim.
 */
function shouldFold(t: Tensor, otherDim: number): boolean {
  const [s, st] = [t._shape, t._strides];
  if (t.ndim === 3 && otherDim === 2 && st[2] !== 1 && st[0] === s[1] * s[2]) return false;
  return true;
}

function matmulImpl(a: Tensor, b: Tensor): Tensor {
  const da = a.ndim;
  const db = b.ndim;
  if (da === 0 || db === 0) throw new Error(`both arguments to matmul need to be at least 1D, but they are ${da}D and ${db}D`);
  if (da === 1 && db === 1) return dot(a, b);
  if (da === 2 && db === 1) return mv(a, b);
  // PyTorch 1.13 squeezes in place here, which records SqueezeBackward3.
  if (da === 1 && db === 2) return squeeze(mm(a.unsqueeze(0), b), 0, 'SqueezeBackward3');
  if (da === 2 && db === 2) return mm(a, b);
  if (da >= 3 && (db === 1 || db === 2) && shouldFold(a, db)) {
    const k = a._shape[da - 1];
    const outShape = [...a._shape.slice(0, -1), ...(db === 2 ? [b._shape[1]] : [])];
    // Explicit rows, not -1: a zero-size batch (or k = 0) leaves -1 undetermined.
    const a2 = a.contiguous().reshape([numelOf(a._shape.slice(0, -1)), k]);
    const b2 = db === 1 ? b.unsqueeze(-1) : b;
    return unsafeView(a2.mm(b2), outShape);
  }
  if (db >= 3 && (da === 1 || da === 2) && shouldFold(b, da)) {
    // PyTorch folds b's batch into mm here too, through b^T: a @ b = (b^T a^T)^T, made contiguous.
    const t1 = b.transpose(-1, -2);
    const t2 = da === 2 ? a.t() : a;
    const s1 = t1._shape;
    const outShape = s1.slice(0, -1);
    const t1f = t1.reshape([numelOf(outShape), s1[s1.length - 1]]);
    if (da === 1) return unsafeView(mv(t1f, t2), outShape);
    outShape.push(t2._shape[1]);
    return unsafeView(mm(t1f, t2), outShape).transpose(-1, -2).contiguous();
  }
  // Batched: broadcast the batch dims, fold them into one, bmm, unfold.
  const a3d = da === 1 ? a.unsqueeze(0) : a;
  const b3d = db === 1 ? b.unsqueeze(-1) : b;
  const batchA = a3d._shape.slice(0, -2);
  const batchB = b3d._shape.slice(0, -2);
  const batch = broadcastShapes(batchA, batchB);
  const [m, k] = a3d._shape.slice(-2);
  const [, n] = b3d._shape.slice(-2);
  const B = numelOf(batch);
  const ea = sameShape(batchA, batch) ? a3d : a3d.expand([...batch, m, k]);
  const eb = sameShape(batchB, batch) ? b3d : b3d.expand([...batch, k, n]);
  const ra = ea.ndim === 3 ? ea : ea.reshape([B, m, k]);
  const rb = eb.ndim === 3 ? eb : eb.reshape([B, k, n]);
  const outShape = [...batch];
  if (da > 1) outShape.push(m);
  if (db > 1) outShape.push(n);
  return unsafeView(bmm(ra, rb), outShape);
}

// ---- entries -----------------------------------------------------------------------------------

const PRODUCT = { kind: 'linalg', kernels: ['matmul_f32', 'matmul_f64'], dtype: 'same' } as const satisfies Partial<OpSpec>;
const EACH_FOR_OTHER = "each factor, for the other's gradient";

export const LINALG_OPS = {
  matmul: defineOp({
    ...PRODUCT,
    name: 'matmul',
    py: 'matmul',
    fn: matmul,
    doc: 'Matrix product with broadcasting, dispatched to dot / mv / mm / bmm as PyTorch 1.13.',
    // With the views its dispatch makes (vector @ matrix unsqueezes, folding reshapes, a broadcast
    // batch expands), as PyTorch 1.13's matmul records them.
    nodes: [
      'DotBackward0',
      'MvBackward0',
      'MmBackward0',
      'BmmBackward0',
      'SqueezeBackward3',
      'UnsafeViewBackward0',
      'UnsqueezeBackward0',
      'ReshapeAliasBackward0',
      'ExpandBackward0',
    ],
    saves: 'as the product it dispatches to',
    methods: { matmul: true },
    golden: { args: [['T', 'T']] },
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [4] }, { shape: [4] }], note: 'dot' },
        { args: [{ shape: [2, 3] }, { shape: [3] }], note: 'mv' },
        { args: [{ shape: [3] }, { shape: [3, 2] }], note: 'vector @ matrix' },
        { args: [{ shape: [2, 3] }, { shape: [3, 4] }], note: 'mm' },
        { args: [{ shape: [2, 2, 3] }, { shape: [2, 3, 2] }], note: 'bmm' },
        { args: [{ shape: [2, 3, 4] }, { shape: [4, 2] }], note: 'folded' },
        { args: [{ shape: [2, 1, 2, 3] }, { shape: [3, 3, 2] }], note: 'broadcast batch' },
      ],
    },
  }),
  mm: defineOp({
    ...PRODUCT,
    name: 'mm',
    py: 'mm',
    fn: mm,
    doc: 'Matrix product [M, K] @ [K, N].',
    nodes: ['MmBackward0'],
    saves: EACH_FOR_OTHER,
    methods: { mm: true },
    test: { grad: 'twice', samples: [{ args: [{ shape: [2, 3] }, { shape: [3, 4] }] }] },
  }),
  addmm: defineOp({
    ...PRODUCT,
    name: 'addmm',
    py: 'addmm',
    fn: addmm,
    doc: 'bias + mat1 @ mat2.',
    nodes: ['AddmmBackward0'],
    saves: EACH_FOR_OTHER,
    test: { grad: 'twice', samples: [{ args: [{ shape: [4] }, { shape: [2, 3] }, { shape: [3, 4] }] }] },
  }),
  dot: defineOp({
    ...PRODUCT,
    name: 'dot',
    py: 'dot',
    fn: dot,
    doc: 'Inner product of two vectors.',
    nodes: ['DotBackward0'],
    saves: EACH_FOR_OTHER,
    methods: { dot: true },
    test: { grad: 'twice', samples: [{ args: [{ shape: [5] }, { shape: [5] }] }] },
  }),
  mv: defineOp({
    ...PRODUCT,
    name: 'mv',
    py: 'mv',
    fn: mv,
    doc: 'Matrix-vector product.',
    nodes: ['MvBackward0'],
    saves: EACH_FOR_OTHER,
    methods: { mv: true },
    test: { grad: 'twice', samples: [{ args: [{ shape: [2, 3] }, { shape: [3] }] }] },
  }),
  bmm: defineOp({
    ...PRODUCT,
    name: 'bmm',
    py: 'bmm',
    fn: bmm,
    doc: 'Batched matrix product [B, M, K] @ [B, K, N].',
    nodes: ['BmmBackward0'],
    saves: EACH_FOR_OTHER,
    methods: { bmm: true },
    test: { grad: 'twice', samples: [{ args: [{ shape: [2, 2, 3] }, { shape: [2, 3, 2] }] }] },
  }),
} as const;
