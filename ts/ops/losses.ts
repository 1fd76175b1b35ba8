// Losses: mse, nll, cross entropy (binary cross entropy with logits is in ./losses_more.ts). Each takes `reduction`
// ('mean' | 'sum' | 'none') positionally; nn.functional's forms take it in an options object.
import type { Tensor } from '../tensor.js';
import { AutogradError, record } from '../autograd.js';
import type { DType } from '../dtype.js';
import { isGradEnabled, noGrad } from '../grad_mode.js';
import { withTemps } from '../scope.js';
import { contiguousStrides, sameShape } from '../shape.js';
import * as K from './internal.js';
import * as V from '../validate.js';
import { operand, promote } from './operands.js';
import { compare, mulScalar, where } from './binary.js';
import { indexPut_, maskedSelect } from './masked.js';
import { zerosLike } from './creation.js';
import { logSoftmax } from './nn_functional.js';
import { type OpSpec, defineOp } from './registry.js';

// The options objects of nn.functional's losses (../validate.ts checks keys and kinds).
const LOSS_UNSUPPORTED: readonly string[] = ['weight', 'sizeAverage', 'reduce', 'ignoreIndex', 'labelSmoothing', 'posWeight'];
const lossOpts = (entry: string): V.OptionSpec => V.optionSpec(entry, { reduction: 'reduction' }, LOSS_UNSUPPORTED);

/** A loss's options object: its reduction. */
export function lossReduction(opts: { reduction?: Reduction } | undefined, spec: V.OptionSpec): Reduction | undefined {
  V.options(spec, opts);
  return opts?.reduction;
}

const neg = (t: Tensor): Tensor => t.neg();

/** nn.functional's form of a loss: (input, target, { reduction }). */
export function functionalLoss(
  entry: string,
  loss: (input: Tensor, target: Tensor, reduction?: Reduction) => Tensor,
): (input: Tensor, target: Tensor, opts?: { reduction?: Reduction }) => Tensor {
  const spec = lossOpts(entry);
  return (input: Tensor, target: Tensor, opts?: { reduction?: Reduction }): Tensor => loss(input, target, lossReduction(opts, spec));
}

/** A loss's `reduction`, as PyTorch: `'mean'` (default), `'sum'` or `'none'`. */
export type Reduction = 'mean' | 'sum' | 'none';

/** A loss's operands and reduction, checked before anything is computed. */
function lossArgs(entry: string, input: unknown, target: unknown, reduction: unknown): void {
  V.tensor(input, entry, 'input', 1);
  V.tensor(target, entry, 'target', 2);
  V.reduction(reduction);
}

/** Applies `reduction` to elementwise losses. */
function reduceLoss(l: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return l;
  return K.reduce(reduction, l, [], false);
}

/** PyTorch's legacy scalar type names, as its dtype messages print them. */
function scalarTypeName(d: DType): string {
  return { float32: 'Float', float64: 'Double', int64: 'Long', bool: 'Bool' }[d];
}

/**
 * mse_loss: the loss has the promoted dtype of input and target (PyTorch broadcasts them first).
 * Its backward kernel does not promote: with two dtypes, PyTorch raises when the gradient is
 * computed ("Found dtype Double but expected Float", naming the operand whose gradient it computes
 * first), and so do we.
 */
export function mseLoss(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  lossArgs('mseLoss', input, target, reduction);
  V.mseOperands(input, target);
  return withTemps(() => {
    const dtype = promote([input, target]);
    const l = noGrad(() => {
      const d = K.binary('sub', operand(input, dtype), operand(target, dtype));
      const sq = K.binary('mul', d, d);
      d.dispose();
      return sq;
    });
    const n = l.numel();
    const out = reduceLoss(l, reduction);
    if (out !== l) l.dispose();
    return record(
      'MseLossBackward0',
      out,
      [input, target],
      () => [input, target],
      (g, [x, tg], need) => {
        if (x.dtype !== tg.dtype) {
          const [self, other] = need[0] ? [x, tg] : [tg, x];
          throw new Error(`Found dtype ${scalarTypeName(other.dtype)} but expected ${scalarTypeName(self.dtype)}`);
        }
        // mse_loss_backward: norm * (x - t) * g, norm = 2 / numel for 'mean', else 2.
        const norm = reduction === 'mean' ? 2 / n : 2;
        const gx = x.sub(tg).mul(norm).mul(g);
        return [need[0] ? gx : null, need[1] ? neg(gx) : null];
      },
    );
  });
}

/** A fresh contiguous result reinterpreted under another shape of the same numel (t is consumed). */
function reshaped(t: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(t._shape, shape)) return t;
  const r = t._view(shape, contiguousStrides(shape), 0);
  t.dispose();
  // The sole handle on the storage now: a tensor of its own, not a view of the released t.
  r._base = null;
  return r;
}

/**
 * nll_loss over log-probabilities [N, C] (target [N]), [C] (0-d target) or [N, C, d1, ...]
 * (target [N, d1, ...]), with class weights and an ignored class. The target entries are picked
 * (gathered by flat position), never multiplied by a one-hot: a -inf or NaN in another class must
 * not reach the loss or the gradient, as in PyTorch. 'mean' divides by the total weight of the
 * targets not ignored.
 */
export function nllLoss(logp: Tensor, target: Tensor, reduction: Reduction = 'mean', weight?: Tensor | null, ignoreIndex = -100): Tensor {
  lossArgs('nllLoss', logp, target, reduction);
  V.optTensor(weight, 'nllLoss', 'weight', 3);
  V.int(ignoreIndex, 'nllLoss', 'ignoreIndex');
  V.nllOperands(logp, target, weight);
  if (weight?.requiresGrad && isGradEnabled()) {
    const fn = logp.ndim <= 2 ? 'nll_loss_forward' : 'nll_loss2d_forward';
    throw new AutogradError(
      `The function '${fn}' is not differentiable with respect to argument 'weight'. This input cannot have requires_grad True.`,
    );
  }
  return withTemps(() => {
    const d = logp.ndim;
    // PyTorch's nll_loss_nd: 3-D and > 4-D inputs go through nll_loss2d as [N, C, 1, -1] views.
    if (d === 3 || d > 4) {
      const [n, c] = logp._shape;
      const x4 = logp.contiguous().view([n, c, 1, -1]);
      const out = nllLossImpl(x4, target.contiguous().view([n, 1, -1]), reduction, weight ?? null, ignoreIndex);
      return reduction === 'none' ? out.view([n, ...logp._shape.slice(2)]) : out;
    }
    return nllLossImpl(logp, target, reduction, weight ?? null, ignoreIndex);
  });
}

/** The picked flat positions of self, and each target's weight (0 where ignored), of a class target. */
interface Picks {
  readonly idx: Tensor;
  readonly w: Tensor;
}

function picks(logp: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number): Picks {
  const C = logp.ndim === 1 ? logp._shape[0] : logp._shape[1];
  const D = logp._shape.slice(2).reduce((a, b) => a * b, 1);
  const t = K.contiguousOf(target).toArray() as BigInt64Array;
  const pos = new BigInt64Array(t.length);
  const cls = new BigInt64Array(t.length);
  const keep = new Uint8Array(t.length);
  const ignore = BigInt(ignoreIndex);
  for (let i = 0; i < t.length; i++) {
    const v = t[i];
    const ignored = v === ignore;
    if (!ignored && (v < 0n || v >= BigInt(C))) throw new RangeError(`Target ${v} is out of bounds.`);
    const c = ignored ? 0n : v;
    const n = (i - (i % D)) / D;
    pos[i] = BigInt(n * C * D + (i - n * D)) + c * BigInt(D);
    cls[i] = c;
    keep[i] = ignored ? 0 : 1;
  }
  const idx = K.fromTyped(pos, [pos.length], 'int64');
  const mask = K.fromTyped(keep, target._shape, 'bool');
  const w = noGrad(() => {
    const ones = K.full(target._shape, 1, logp.dtype);
    const per = weight
      ? reshaped(K.indexSelectK(K.contiguousOf(weight.detach()).view([-1]), 0, K.fromTyped(cls, [cls.length], 'int64')), target._shape)
      : ones;
    return where(mask, per, 0);
  });
  return { idx, w };
}

function nllLossImpl(logp: Tensor, target: Tensor, reduction: Reduction, weight: Tensor | null, ignoreIndex: number): Tensor {
  const { idx, w } = picks(logp, target, weight, ignoreIndex);
  const lc = K.contiguousOf(logp);
  const flat = lc._view([lc.numel()], [1], lc._offset);
  const picked = reshaped(K.indexSelectK(flat, 0, idx), target._shape);
  flat.dispose();
  if (lc !== logp) lc.dispose();
  const plain = weight === null && ignoreIndex === -100;
  // Ignored entries give 0 (not 0 * a -inf picked value).
  const negl = noGrad(() => (plain ? neg(picked) : where(compare('ne', w, 0), neg(picked.mul(w)), 0)));
  const total = noGrad(() => w.sum());
  const out = noGrad(() => (reduction === 'none' ? negl : reduction === 'sum' ? negl.sum() : plain ? negl.mean() : negl.sum().div(total)));
  const node = logp.ndim <= 2 ? 'NllLossBackward0' : 'NllLoss2DBackward0';
  return record(
    node,
    out,
    [logp],
    () => [logp, idx, w, total, target],
    (g, [s, ix, wt, tot, tg]) => [nllLossBackward(node, g, s, ix, wt, tot, tg, reduction, weight, ignoreIndex)],
  );
}

/**
 * nll_loss_backward: zeros of self's shape with -g w (divided by the total weight for 'mean')
 * written at the target entries. self is an argument with zero derivative (see thresholdBackward).
 */
function nllLossBackward(
  node: string,
  g: Tensor,
  self: Tensor,
  idx: Tensor,
  w: Tensor,
  total: Tensor,
  target: Tensor,
  reduction: Reduction,
  weight: Tensor | null,
  ignoreIndex: number,
): Tensor {
  const out = noGrad(() =>
    withTemps(() => {
      const scaled = neg(reduction === 'mean' ? g.div(total) : g).mul(w);
      const src = K.contiguousCopy(scaled.expand(target._shape));
      const flat = src._view([src.numel()], [1], 0);
      return reshaped(K.indexAddK(flat, 0, idx, [self.numel()]), self._shape);
    }),
  );
  return record(
    node.replace('Backward0', 'BackwardBackward0'),
    out,
    [g, self],
    () => [target],
    (gg, [tg], need) => [need[0] ? nllLossImpl(gg, tg, reduction, weight, ignoreIndex) : null, need[1] ? zerosLike(gg) : null],
  );
}

/**
 * cross_entropy over class indices: log_softmax over the class dim (1, or 0 for a vector) then
 * nll_loss; with label smoothing, PyTorch 1.13's composition
 * (1 - ls) nll + ls / C * (smoothed term, ignored targets zeroed, reduced like nll).
 */
export function crossEntropy(
  input: Tensor,
  target: Tensor,
  reduction: Reduction = 'mean',
  weight?: Tensor | null,
  ignoreIndex = -100,
  labelSmoothing = 0,
): Tensor {
  lossArgs('crossEntropy', input, target, reduction);
  V.optTensor(weight, 'crossEntropy', 'weight', 3);
  V.int(ignoreIndex, 'crossEntropy', 'ignoreIndex');
  V.number(labelSmoothing, 'crossEntropy', 'labelSmoothing');
  V.crossEntropyOperands(input, target, weight);
  if (labelSmoothing > 1) throw new Error(`label_smoothing must be between 0.0 and 1.0. Got: ${labelSmoothing}`);
  const classDim = input.ndim === 1 ? 0 : 1;
  return withTemps(() => {
    const logp = logSoftmax(input, classDim);
    const nll = nllLoss(logp, target, reduction, weight, ignoreIndex);
    if (!(labelSmoothing > 0)) return nll;
    // cross_entropy_loss_label_smoothing of ATen (LossNLL.cpp), node for node.
    const C = input._shape[classDim];
    const ignoreMask = compare('eq', target, ignoreIndex);
    const wv = weight ? weight.view(input.ndim > 1 ? input._shape.map((d, i) => (i === 1 ? d : 1)) : [-1]) : null;
    const smooth = neg((wv ? logp.mul(wv) : logp).sum(classDim));
    // smooth_loss.index_put_({ignore_mask}, 0.0): a 0-d one goes through a view (CopySlices).
    if (smooth.ndim === 0) indexPut_(smooth.unsqueeze(0), [ignoreMask.unsqueeze(0)], 0);
    else indexPut_(smooth, [ignoreMask], 0);
    let ret: Tensor;
    if (reduction === 'none') ret = smooth;
    else if (reduction === 'sum') ret = smooth.sum();
    else if (weight) {
      // Divided by the total weight of the targets not ignored.
      const x4 = input.ndim === 3 || input.ndim > 4 ? input.contiguous().view([input._shape[0], C, 1, -1]) : input;
      const t4 = x4 === input ? target : target.contiguous().view([input._shape[0], 1, -1]);
      const total = noGrad(() => picks(x4, t4, weight, ignoreIndex).w.sum());
      ret = smooth.sum().div(total);
    } else ret = maskedSelect(smooth, compare('ne', target, ignoreIndex)).mean();
    return mulScalar(nll, 1 - labelSmoothing).add(mulScalar(ret, labelSmoothing / C));
  });
}

/** Keyword arguments of `nll_loss` / `cross_entropy`: PyTorch's `reduction`, `weight`, `ignore_index` (camelCase). */
export type NllOpts = { reduction?: Reduction; weight?: Tensor | null; ignoreIndex?: number };
const NLL_OPTS = V.optionSpec('nllLoss', { reduction: 'reduction', weight: 'optTensor', ignoreIndex: 'int' }, ['sizeAverage', 'reduce']);
const CE_OPTS = V.optionSpec(
  'crossEntropy',
  { reduction: 'reduction', weight: 'optTensor', ignoreIndex: 'int', labelSmoothing: 'number' },
  ['sizeAverage', 'reduce'],
);

/** nn.functional.nllLoss(input, target, { reduction, weight, ignoreIndex }). */
export function nllLossF(input: Tensor, target: Tensor, opts?: NllOpts): Tensor {
  V.options(NLL_OPTS, opts);
  return nllLoss(input, target, opts?.reduction, opts?.weight, opts?.ignoreIndex);
}

/** nn.functional.crossEntropy(input, target, { reduction, weight, ignoreIndex, labelSmoothing }). */
export function crossEntropyF(input: Tensor, target: Tensor, opts?: NllOpts & { labelSmoothing?: number }): Tensor {
  V.options(CE_OPTS, opts);
  return crossEntropy(input, target, opts?.reduction, opts?.weight, opts?.ignoreIndex, opts?.labelSmoothing);
}

// ---- entries -----------------------------------------------------------------------------------

const LOSS = {
  kind: 'loss',
  torch: false,
  golden: { args: [['T', 'T']], kwargs: ['reduction'], via: 'functional' },
} as const satisfies Partial<OpSpec>;
const REDUCTIONS = ['mean', 'sum', 'none'] as const;

export const LOSS_OPS = {
  mseLoss: defineOp({
    ...LOSS,
    name: 'mseLoss',
    py: 'mse_loss',
    fn: mseLoss,
    doc: 'Mean squared error.',
    nodes: ['MseLossBackward0'],
    kernels: ['sub', 'mul', 'sum', 'mean'],
    dtype: 'promote',
    saves: 'input and target',
    functional: { mseLoss: functionalLoss('mseLoss', mseLoss) },
    test: { grad: 'twice', samples: REDUCTIONS.map((r) => ({ args: [{ shape: [2, 3] }, { shape: [2, 3] }, r] })) },
  }),
  nllLoss: defineOp({
    ...LOSS,
    name: 'nllLoss',
    py: 'nll_loss',
    fn: nllLoss,
    doc: 'Negative log-likelihood of class indices, from log-probabilities [N, C] or [C].',
    nodes: ['NllLossBackward0', 'NllLoss2DBackward0', 'ViewBackward0', 'CloneBackward0'],
    kernels: ['index_select_b4', 'index_select_b8', 'index_add_f32', 'index_add_f64', 'neg'],
    dtype: 'same',
    saves: 'self, the picked positions and target',
    golden: {
      ...LOSS.golden,
      args: [
        ['T', 'T'],
        ['T', 'T', 'T'],
      ],
      kwargs: ['reduction', 'ignore_index'],
      tensorKwargs: ['weight'],
    },
    functional: { nllLoss: nllLossF },
    test: {
      grad: 'twice',
      samples: [
        ...REDUCTIONS.map((r) => ({ args: [{ shape: [3, 4] }, { ints: [0, 3, 1] }, r] })),
        ...REDUCTIONS.map((r) => ({
          args: [{ shape: [3, 4] }, { ints: [0, 3, 1] }, r, { shape: [4], grad: false as const }, 1],
          note: 'weight, ignored class',
        })),
        {
          args: [{ shape: [2, 4, 3] }, { ints: [0, 3, 1, 2, 2, 0], shape: [2, 3] }, 'mean', { shape: [4], grad: false as const }],
          note: 'K-dim',
        },
        { args: [{ shape: [2, 4, 3] }, { ints: [0, 3, 1, 2, 2, 0], shape: [2, 3] }, 'none', null, 2], note: 'K-dim, none' },
        { args: [{ shape: [2, 3, 2, 2] }, { ints: [0, 2, 1, 2, 2, 0, 1, 1], shape: [2, 2, 2] }, 'sum'], note: '4-D' },
      ],
    },
  }),
  crossEntropy: defineOp({
    ...LOSS,
    name: 'crossEntropy',
    py: 'cross_entropy',
    fn: crossEntropy,
    doc: 'log_softmax then nll_loss over class dim 1 (or 0 for a vector).',
    // Label smoothing adds PyTorch 1.13's composition (cross_entropy_loss_label_smoothing).
    nodes: [
      'LogSoftmaxBackward0',
      'NllLossBackward0',
      'NllLoss2DBackward0',
      'ViewBackward0',
      'CloneBackward0',
      'AddBackward0',
      'MulBackward1',
      'MulBackward0',
      'MeanBackward0',
      'MaskedSelectBackward0',
      'IndexPutBackward0',
      'CopySlices',
      'NegBackward0',
      'SumBackward1',
      'SumBackward0',
      'DivBackward0',
      'UnsqueezeBackward0',
    ],
    kernels: ['log_softmax', 'log_softmax_backward', 'index_select_b8', 'mask_positions', 'index_put_b4', 'index_put_b8'],
    dtype: 'same',
    saves: 'as log_softmax and nll_loss',
    golden: {
      ...LOSS.golden,
      args: [
        ['T', 'T'],
        ['T', 'T', 'T'],
      ],
      kwargs: ['reduction', 'ignore_index', 'label_smoothing'],
      tensorKwargs: ['weight'],
    },
    functional: { crossEntropy: crossEntropyF },
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [3, 4] }, { ints: [0, 3, 1] }] },
        { args: [{ shape: [4] }, { ints: [2], shape: [] }], note: 'one sample' },
        {
          args: [{ shape: [3, 4] }, { ints: [0, 3, 1] }, 'mean', { shape: [4], grad: false as const }, 1, 0.1],
          note: 'weight, ignore, smoothing',
        },
        { args: [{ shape: [3, 4] }, { ints: [0, 3, 1] }, 'none', null, -100, 0.2], note: 'smoothing, none' },
        {
          args: [{ shape: [2, 4, 3] }, { ints: [0, 3, 1, 2, 2, 0], shape: [2, 3] }, 'sum', { shape: [4], grad: false as const }, -100, 0.1],
          note: 'K-dim',
        },
        { args: [{ shape: [2, 3, 2, 2] }, { ints: [0, 2, 1, 2, 2, 0, 1, 1], shape: [2, 2, 2] }, 'mean', null, 1, 0.1], note: '4-D' },
      ],
    },
  }),
} as const;
