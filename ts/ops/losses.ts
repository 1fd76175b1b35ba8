// Losses: mse, nll, cross entropy, binary cross entropy with logits. Each takes `reduction`
// ('mean' | 'sum' | 'none') positionally; nn.functional's forms take it in an options object.
import type { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import type { DType } from '../dtype.js';
import { noGrad } from '../grad_mode.js';
import { withTemps } from '../scope.js';
import { contiguousStrides, sameShape } from '../shape.js';
import * as K from './internal.js';
import * as V from '../validate.js';
import { floatDtype, operand, promote } from './operands.js';
import { sub } from './binary.js';
import { zerosLike } from './creation.js';
import { logSoftmax } from './nn_functional.js';
import { type OpSpec, defineOp } from './registry.js';

// The options objects of nn.functional's losses and of the loss modules (../validate.ts checks keys and kinds).
const LOSS_UNSUPPORTED: readonly string[] = ['weight', 'sizeAverage', 'reduce', 'ignoreIndex', 'labelSmoothing', 'posWeight'];
const lossOpts = (entry: string): V.OptionSpec => V.optionSpec(entry, { reduction: 'reduction' }, LOSS_UNSUPPORTED);
/** Modules take any reduction value, as PyTorch's do: it is refused when the loss is computed. */
export const moduleLossOpts = (entry: string): V.OptionSpec => V.optionSpec(entry, { reduction: 'any' }, LOSS_UNSUPPORTED);

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
 * nll_loss over log-probabilities [N, C] (target [N]) or [C] (0-d target), no weights. The target
 * entries are picked (gathered by flat position), never multiplied by a one-hot: a -inf or NaN in
 * another class must not reach the loss or the gradient, as in PyTorch.
 */
export function nllLoss(logp: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  lossArgs('nllLoss', logp, target, reduction);
  V.nllOperands(logp, target);
  return withTemps(() => nllLossImpl(logp, target, reduction));
}

function nllLossImpl(logp: Tensor, target: Tensor, reduction: Reduction): Tensor {
  const C = logp._shape[logp.ndim - 1];
  const t = target.toArray() as BigInt64Array;
  const pos = new BigInt64Array(t.length);
  for (let i = 0; i < t.length; i++) {
    const v = t[i];
    if (v < 0n || v >= BigInt(C)) throw new RangeError(`Target ${v} is out of bounds.`);
    pos[i] = BigInt(i * C) + v;
  }
  const idx = K.fromTyped(pos, [pos.length], 'int64');
  const lc = K.contiguousOf(logp);
  const flat = lc._view([lc.numel()], [1], lc._offset);
  const picked = reshaped(K.indexSelectK(flat, 0, idx), target._shape);
  flat.dispose();
  if (lc !== logp) lc.dispose();
  const n = picked.numel();
  const negl = K.unary('neg', picked);
  picked.dispose();
  const out = reduceLoss(negl, reduction);
  if (out !== negl) negl.dispose();
  return record(
    'NllLossBackward0',
    out,
    [logp],
    () => [logp, idx, target],
    (g, [s, ix, tg]) => [nllLossBackward(g, s, ix, tg, reduction, n)],
  );
}

/**
 * nll_loss_backward: zeros of self's shape with -g (divided by the batch size for 'mean') written
 * at the target entries. self is an argument with zero derivative (see thresholdBackward).
 */
function nllLossBackward(g: Tensor, self: Tensor, idx: Tensor, target: Tensor, reduction: Reduction, n: number): Tensor {
  const out = noGrad(() =>
    withTemps(() => {
      const scaled = neg(reduction === 'mean' ? g.div(n) : g);
      const src = K.contiguousCopy(scaled.expand(target._shape));
      const flat = src._view([src.numel()], [1], 0);
      return reshaped(K.indexAddK(flat, 0, idx, [self.numel()]), self._shape);
    }),
  );
  return record(
    'NllLossBackwardBackward0',
    out,
    [g, self],
    () => [self],
    (gg, _s, need) => [need[0] ? nllLoss(gg, target, reduction) : null, need[1] ? zerosLike(gg) : null],
  );
}

export function crossEntropy(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  lossArgs('crossEntropy', input, target, reduction);
  V.crossEntropyOperands(input, target);
  const classDim = input.ndim === 1 ? 0 : 1;
  return withTemps(() => nllLoss(logSoftmax(input, classDim), target, reduction));
}

/**
 * binary_cross_entropy_with_logits as PyTorch 1.13 composes it:
 * (1 - t).mul_(x).add_(m).add_(log(exp(-m) + exp(-x - m))), m = max(-x, 0). The loss is built in
 * place on (1 - t), so it has the target's dtype (each step computed in the promoted dtype and
 * rounded to it); log(...) is stable for large |x|.
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  lossArgs('binaryCrossEntropyWithLogits', input, target, reduction);
  V.bceOperands(input, target);
  // (1 - t) x + m + log(exp(-m) + exp(-x - m)), m = max(-x, 0): stable for large |x|.
  const tdtype = floatDtype(target.dtype);
  const l = noGrad(() =>
    withTemps(() => {
      const inPlace = (t: Tensor): Tensor => (t.dtype === tdtype ? t : K.castTo(t, tdtype));
      const m = neg(input).clamp(0);
      const e = neg(m).exp().add(neg(input).sub(m).exp()).log();
      const base = inPlace(sub(1, target));
      return inPlace(inPlace(inPlace(base.mul(input)).add(m)).add(e));
    }),
  );
  const n = l.numel();
  const out = reduceLoss(l, reduction);
  if (out !== l) l.dispose();
  return record(
    'BinaryCrossEntropyWithLogitsBackward0',
    out,
    [input, target],
    () => [input, target],
    (g, [x, tg], need) => {
      // PyTorch: (sigmoid(x) - t) * g and -x * g, each divided by numel for 'mean'.
      const scale = (t: Tensor): Tensor => (reduction === 'mean' ? t.div(n) : t);
      return [need[0] ? scale(x.sigmoid().sub(tg).mul(g)) : null, need[1] ? scale(neg(x).mul(g)) : null];
    },
  );
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
    nodes: ['NllLossBackward0'],
    kernels: ['index_select_b4', 'index_select_b8', 'index_add_f32', 'index_add_f64', 'neg'],
    dtype: 'same',
    saves: 'self, the picked positions and target',
    functional: { nllLoss: functionalLoss('nllLoss', nllLoss) },
    test: {
      grad: 'twice',
      samples: REDUCTIONS.map((r) => ({ args: [{ shape: [3, 4] }, { ints: [0, 3, 1] }, r] })),
    },
  }),
  crossEntropy: defineOp({
    ...LOSS,
    name: 'crossEntropy',
    py: 'cross_entropy',
    fn: crossEntropy,
    doc: 'log_softmax then nll_loss over class dim 1 (or 0 for a vector).',
    nodes: ['LogSoftmaxBackward0', 'NllLossBackward0'],
    kernels: ['log_softmax', 'index_select_b8'],
    dtype: 'same',
    saves: 'as log_softmax and nll_loss',
    functional: { crossEntropy: functionalLoss('crossEntropy', crossEntropy) },
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [3, 4] }, { ints: [0, 3, 1] }] },
        { args: [{ shape: [4] }, { ints: [2], shape: [] }], note: 'one sample' },
      ],
    },
  }),
  binaryCrossEntropyWithLogits: defineOp({
    ...LOSS,
    name: 'binaryCrossEntropyWithLogits',
    py: 'binary_cross_entropy_with_logits',
    fn: binaryCrossEntropyWithLogits,
    doc: 'Binary cross entropy of sigmoid(input), computed stably from logits.',
    nodes: ['BinaryCrossEntropyWithLogitsBackward0'],
    kernels: ['exp', 'log', 'clamp', 'mul', 'add', 'sub'],
    dtype: 'promote',
    saves: 'input and target',
    functional: { binaryCrossEntropyWithLogits: functionalLoss('binaryCrossEntropyWithLogits', binaryCrossEntropyWithLogits) },
    test: {
      grad: 'twice',
      samples: REDUCTIONS.map((r) => ({ args: [{ shape: [2, 3] }, { shape: [2, 3], domain: [0, 1] }, r] })),
    },
  }),
} as const;
