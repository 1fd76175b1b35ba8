// More losses: l1, smooth_l1, huber, binary_cross_entropy and kl_div (with logits: ./losses_logits.ts). Each
// records PyTorch 1.13's nodes: l1_loss and kl_div are compositions of differentiable ops there
// (and here), smooth_l1, huber and binary_cross_entropy have nodes of their own whose gradient is
// written with differentiable ops (so gradgradcheck works).
import type { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { noGrad } from '../grad_mode.js';
import { withTemps } from '../scope.js';
import { broadcastShapes, sameShape } from '../shape.js';
import * as V from '../validate.js';
import { compare, logicalAnd, where } from './binary.js';
import { xlogy } from './xlogy.js';
import type { Reduction } from './losses.js';
import { type OpSpec, type PySignature, defineOp } from './registry.js';

/** A loss's reduction. @inline */
export type Red = Reduction;

/** Applies a loss reduction with differentiable ops (MeanBackward0 / SumBackward0 as PyTorch). */
export function reduce(l: Tensor, reduction: Red): Tensor {
  return reduction === 'none' ? l : reduction === 'sum' ? l.sum() : l.mean();
}

/** The scale of an elementwise loss's gradient: 1 / numel for 'mean'. */
const scaleOf = (reduction: Red, n: number): number => (reduction === 'mean' ? 1 / n : 1);

export function pairArgs(entry: string, input: unknown, target: unknown, reduction: unknown): asserts input is Tensor {
  V.tensor(input, entry, 'input', 1);
  V.tensor(target, entry, 'target', 2);
  V.reduction(reduction);
}

/** l1_loss: |input - target| reduced, recorded as PyTorch composes it (Sub, Abs, Mean/Sum). */
export function l1Loss(input: Tensor, target: Tensor, reduction: Red = 'mean'): Tensor {
  pairArgs('l1Loss', input, target, reduction);
  return withTemps(() => reduce(input.sub(target).abs(), reduction));
}

/**
 * A loss of d = input - target with a node of its own: `value(d)` the elementwise loss, `slope(d)`
 * its derivative (written with differentiable ops, for the double backward).
 */
function ownNodeLoss(
  node: string,
  input: Tensor,
  target: Tensor,
  reduction: Red,
  value: (d: Tensor) => Tensor,
  slope: (d: Tensor) => Tensor,
): Tensor {
  return withTemps(() => {
    // PyTorch broadcasts the operands first (torch.broadcast_tensors), so the node sees one shape.
    if (!sameShape(input._shape, target._shape)) {
      const shape = broadcastShapes(input._shape, target._shape);
      [input, target] = [input.expand(shape), target.expand(shape)];
    }
    const l = noGrad(() => value(input.sub(target)));
    const n = l.numel();
    const out = noGrad(() => reduce(l, reduction));
    return record(
      node,
      out,
      [input, target],
      () => [input, target],
      (g, [x, t], need) => {
        const gx = slope(x.sub(t)).mul(g).mul(scaleOf(reduction, n));
        return [need[0] ? gx : null, need[1] ? gx.neg() : null];
      },
    );
  });
}

/** smooth_l1_loss: 0.5 d^2 / beta where |d| < beta, else |d| - beta / 2 (beta 0: |d|). */
export function smoothL1Loss(input: Tensor, target: Tensor, reduction: Red = 'mean', beta = 1): Tensor {
  pairArgs('smoothL1Loss', input, target, reduction);
  V.number(beta, 'smoothL1Loss', 'beta');
  if (beta < 0) throw new Error('smooth_l1_loss does not support negative values for beta.');
  if (beta === 0) {
    // PyTorch's kernel: |d| (its own node still); its gradient is -1 at d = 0 (d <= -beta first).
    const slope = (d: Tensor): Tensor => where(compare('eq', d, 0), -1, d.sign());
    return ownNodeLoss('SmoothL1LossBackward0', input, target, reduction, (d) => d.abs(), slope);
  }
  return ownNodeLoss(
    'SmoothL1LossBackward0',
    input,
    target,
    reduction,
    (d) => {
      const z = d.abs();
      return where(compare('lt', z, beta), z.mul(z).mul(0.5).div(beta), z.sub(0.5 * beta));
    },
    (d) => where(compare('lt', d.abs(), beta), d.div(beta), d.sign()),
  );
}

/** huber_loss: 0.5 d^2 where |d| < delta, else delta (|d| - delta / 2). */
export function huberLoss(input: Tensor, target: Tensor, reduction: Red = 'mean', delta = 1): Tensor {
  pairArgs('huberLoss', input, target, reduction);
  V.number(delta, 'huberLoss', 'delta');
  if (!(delta > 0)) throw new Error('huber_loss does not support non-positive values for delta.');
  return ownNodeLoss(
    'HuberLossBackward0',
    input,
    target,
    reduction,
    (d) => {
      const z = d.abs();
      return where(compare('lt', z, delta), z.mul(z).mul(0.5), z.sub(0.5 * delta).mul(delta));
    },
    (d) => where(compare('lt', d.abs(), delta), d, d.sign().mul(delta)),
  );
}

const torchSize = (s: readonly number[]): string => `torch.Size([${s.join(', ')}])`;

/**
 * binary_cross_entropy over probabilities: -w (t log x + (1 - t) log(1 - x)), each log clamped
 * at -100 as PyTorch's kernel does; `weight` broadcasts to the target's shape.
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, reduction: Red = 'mean', weight?: Tensor | null): Tensor {
  pairArgs('binaryCrossEntropy', input, target, reduction);
  V.optTensor(weight, 'binaryCrossEntropy', 'weight', 3);
  if (!sameShape(input._shape, target._shape)) {
    throw new V.ValueError(
      `Using a target size (${torchSize(target._shape)}) that is different to the input size (${torchSize(input._shape)}) is deprecated. Please ensure they have the same size.`,
    );
  }
  if (input.dtype !== 'float32' && input.dtype !== 'float64')
    throw new Error(`"binary_cross_entropy" not implemented for '${V.scalarName(input.dtype)}'`);
  if (target.dtype !== input.dtype) throw new Error(`Found dtype ${V.scalarName(target.dtype)} but expected ${V.scalarName(input.dtype)}`);
  if (weight) {
    broadcastShapes(target._shape, weight._shape);
    if (weight.dtype !== input.dtype)
      throw new Error(`Found dtype ${V.scalarName(weight.dtype)} but expected ${V.scalarName(input.dtype)}`);
  }
  return withTemps(() => {
    const w = weight ? weight.detach().expand(target._shape) : null;
    const l = noGrad(() => {
      const inRange = logicalAnd(compare('ge', input, 0), compare('le', input, 1));
      if (where(inRange, 0, 1).sum().item() > 0) throw new Error('all elements of input should be between 0 and 1');
      // (t - 1) max(log1p(-x), -100) - t max(log(x), -100), times the weight.
      const v = target
        .sub(1)
        .mul(input.neg().log1p().clamp(-100))
        .sub(target.mul(input.log().clamp(-100)));
      return w ? v.mul(w) : v;
    });
    const n = l.numel();
    const out = noGrad(() => reduce(l, reduction));
    return record(
      'BinaryCrossEntropyBackward0',
      out,
      [input, target],
      () => (weight ? [input, target, weight] : [input, target]),
      (g, [x, t, wt], need) => {
        const s = scaleOf(reduction, n);
        const wg = (v: Tensor): Tensor => (wt ? v.mul(wt.detach()) : v).mul(g).mul(s);
        // PyTorch: g w (x - t) / max((1 - x) x, 1e-12), and for the target -logit(x) g w.
        const gx = need[0] ? wg(x.sub(t).div(x.neg().add(1).mul(x).clamp(1e-12))) : null;
        const gt = need[1] ? wg(x.neg().log1p().sub(x.log())) : null;
        return [gx, gt];
      },
    );
  });
}

/** `kl_div`'s reduction: a Reduction or PyTorch's `'batchmean'`. */
export type KlReduction = Red | 'batchmean';

/**
 * kl_div as PyTorch 1.13 composes it: xlogy(t, t) - t * input, or exp(t) * (t - input) with
 * `logTarget`; 'batchmean' is the sum divided by the batch size (input.size(0)).
 */
export function klDiv(input: Tensor, target: Tensor, reduction: KlReduction = 'mean', logTarget = false): Tensor {
  V.tensor(input, 'klDiv', 'input', 1);
  V.tensor(target, 'klDiv', 'target', 2);
  if (reduction !== 'batchmean') V.reduction(reduction);
  V.bool(logTarget, 'klDiv', 'logTarget');
  broadcastShapes(input._shape, target._shape);
  return withTemps(() => {
    let l: Tensor;
    if (logTarget) l = target.exp().mul(target.sub(input));
    else l = xlogy(target, target).sub(target.mul(input));
    if (reduction === 'batchmean') return input.ndim === 0 ? l.sum() : l.sum().div(input._shape[0]);
    return reduce(l, reduction);
  });
}

// ---- entries -----------------------------------------------------------------------------------

export const REDUCTIONS = ['mean', 'sum', 'none'] as const;
export const RED = { reduction: 'reduction' } as const;

/** nn.functional's form: (input, target, { reduction, ...extra }), the extras passed positionally in `keys` order. */
export function functional<O extends Record<string, unknown>>(
  entry: string,
  kinds: Record<string, V.OptKind>,
  keys: readonly (keyof O & string)[],
  // biome-ignore lint/suspicious/noExplicitAny: the loss's trailing parameters, in `keys` order.
  fn: (input: Tensor, target: Tensor, reduction: any, ...rest: any[]) => Tensor,
): (input: Tensor, target: Tensor, opts?: O) => Tensor {
  const spec = V.optionSpec(entry, kinds);
  return (input: Tensor, target: Tensor, opts?: O): Tensor => {
    V.options(spec, opts);
    return fn(input, target, opts?.reduction, ...keys.map((k) => opts?.[k]));
  };
}

export const l1LossF = functional<{ reduction?: Red }>('l1Loss', RED, [], l1Loss);
export const smoothL1LossF = functional<{ reduction?: Red; beta?: number }>(
  'smoothL1Loss',
  { ...RED, beta: 'number' },
  ['beta'],
  smoothL1Loss,
);
export const huberLossF = functional<{ reduction?: Red; delta?: number }>('huberLoss', { ...RED, delta: 'number' }, ['delta'], huberLoss);
export const binaryCrossEntropyF = functional<{ reduction?: Red; weight?: Tensor | null }>(
  'binaryCrossEntropy',
  { ...RED, weight: 'optTensor' },
  ['weight'],
  binaryCrossEntropy,
);
export const klDivF = functional<{ reduction?: KlReduction; logTarget?: boolean }>(
  'klDiv',
  { reduction: 'any', logTarget: 'bool' },
  ['logTarget'],
  klDiv,
);

export const LOSS = { kind: 'loss', torch: false } as const satisfies Partial<OpSpec>;
export const golden = (kwargs: readonly string[], weight = false): PySignature =>
  weight
    ? {
        args: [
          ['T', 'T'],
          ['T', 'T', 'T'],
        ],
        kwargs,
        via: 'functional',
        tensorKwargs: ['weight'],
      }
    : { args: [['T', 'T']], kwargs, via: 'functional' };

export const LOSS_MORE_OPS = {
  l1Loss: defineOp({
    ...LOSS,
    name: 'l1Loss',
    py: 'l1_loss',
    fn: l1Loss,
    doc: 'Mean absolute error (sub, abs, then the reduction, as PyTorch composes it).',
    nodes: ['SubBackward0', 'AbsBackward0', 'MeanBackward0', 'SumBackward0'],
    kernels: ['sub', 'abs', 'sum', 'mean'],
    dtype: 'promote',
    saves: 'as sub, abs and the reduction',
    golden: golden(['reduction']),
    functional: { l1Loss: l1LossF },
    test: { grad: 'twice', samples: REDUCTIONS.map((r) => ({ args: [{ shape: [2, 3] }, { shape: [2, 3] }, r] })) },
  }),
  smoothL1Loss: defineOp({
    ...LOSS,
    name: 'smoothL1Loss',
    py: 'smooth_l1_loss',
    fn: smoothL1Loss,
    doc: 'Smooth L1: quadratic below beta, linear above.',
    nodes: ['SmoothL1LossBackward0', 'ExpandBackward0'],
    kernels: ['sub', 'abs', 'mul', 'where', 'sum', 'mean'],
    dtype: 'promote',
    saves: 'input and target',
    golden: golden(['reduction', 'beta']),
    functional: { smoothL1Loss: smoothL1LossF },
    test: {
      grad: 'twice',
      samples: [
        ...REDUCTIONS.map((r) => ({ args: [{ shape: [2, 3] }, { shape: [2, 3] }, r, 0.5] })),
        { args: [{ shape: [2, 3] }, { shape: [3] }, 'sum', 2], note: 'broadcast target' },
        { args: [{ shape: [2, 3] }, { shape: [2, 3] }, 'mean', 0], note: 'beta 0' },
      ],
    },
  }),
  huberLoss: defineOp({
    ...LOSS,
    name: 'huberLoss',
    py: 'huber_loss',
    fn: huberLoss,
    doc: 'Huber loss: quadratic below delta, linear (slope delta) above.',
    nodes: ['HuberLossBackward0', 'ExpandBackward0'],
    kernels: ['sub', 'abs', 'mul', 'where', 'sum', 'mean'],
    dtype: 'promote',
    saves: 'input and target',
    golden: golden(['reduction', 'delta']),
    functional: { huberLoss: huberLossF },
    test: { grad: 'twice', samples: REDUCTIONS.map((r) => ({ args: [{ shape: [2, 3] }, { shape: [2, 3] }, r, 0.5] })) },
  }),
  binaryCrossEntropy: defineOp({
    ...LOSS,
    name: 'binaryCrossEntropy',
    py: 'binary_cross_entropy',
    fn: binaryCrossEntropy,
    doc: 'Binary cross entropy of probabilities (logs clamped at -100); weight broadcasts.',
    nodes: ['BinaryCrossEntropyBackward0'],
    kernels: ['log', 'log1p', 'clamp', 'mul', 'sub', 'sum', 'mean'],
    dtype: 'same',
    saves: 'input, target (and the weight)',
    golden: golden(['reduction'], true),
    functional: { binaryCrossEntropy: binaryCrossEntropyF },
    test: {
      grad: 'twice',
      samples: [
        ...REDUCTIONS.map((r) => ({
          args: [{ shape: [2, 3], domain: [0.1, 0.9] as const }, { shape: [2, 3], domain: [0, 1] as const }, r],
        })),
        {
          args: [
            { shape: [2, 3], domain: [0.1, 0.9] as const },
            { shape: [2, 3], domain: [0, 1] as const },
            'mean',
            { shape: [3], grad: false },
          ],
          note: 'weight broadcast',
        },
      ],
    },
  }),
  klDiv: defineOp({
    ...LOSS,
    name: 'klDiv',
    py: 'kl_div',
    fn: klDiv,
    doc: "Kullback-Leibler divergence of log-probabilities from a target ('batchmean' too; logTarget).",
    // xlogy(t, t) (XlogyBackward0) is recorded when the target requires grad.
    nodes: ['SubBackward0', 'MulBackward0', 'MeanBackward0', 'SumBackward0', 'DivBackward0', 'ExpBackward0', 'XlogyBackward0'],
    kernels: ['xlogy', 'exp', 'mul', 'sub', 'sum', 'mean', 'div'],
    dtype: 'promote',
    saves: 'as its composition',
    golden: { args: [['T', 'T']], kwargs: ['reduction', 'log_target'], via: 'functional' },
    functional: { klDiv: klDivF },
    test: {
      grad: 'twice',
      samples: [
        ...[...REDUCTIONS, 'batchmean'].map((r) => ({ args: [{ shape: [2, 3] }, { shape: [2, 3], domain: [0.1, 1] as const }, r] })),
        { args: [{ shape: [2, 3] }, { shape: [2, 3] }, 'batchmean', true], note: 'log target' },
      ],
    },
  }),
} as const;
