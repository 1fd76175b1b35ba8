// Neural-network functions that are not losses: softmax, log_softmax, linear, leaky_relu.
import type { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { isGradEnabled, noGrad } from '../grad_mode.js';
import { withTemps } from '../scope.js';
import { normDim } from '../shape.js';
import * as K from './internal.js';
import * as V from '../validate.js';
import { floatDtype, floatInput } from './operands.js';
import { compare, where } from './binary.js';
import { zerosLike } from './creation.js';
import { view } from './views.js';
import { addmm, matmul } from './linalg.js';
import { inplace } from './inplace.js';
import { defineOp } from './registry.js';

const SOFTMAX_OPTS = V.optionSpec('softmax', { dim: 'int' }, ['dtype']);
const LOG_SOFTMAX_OPTS = V.optionSpec('logSoftmax', { dim: 'int' }, ['dtype']);

/** softmax's dim, given as a number or as `{ dim }` (nn.functional's form). */
function softmaxDim(dim: unknown, spec: V.OptionSpec): number {
  if (V.isOptions(dim)) {
    V.options(spec, dim);
    dim = dim.dim;
  }
  V.int(dim, spec.entry, 'dim', 1);
  return dim;
}

/** softmax / log_softmax along `dim`: the kernel, then a node whose rule reads the result. */
function softmaxLike(
  x: Tensor,
  dim: number,
  kind: 'softmax' | 'log_softmax',
  node: string,
  rule: (g: Tensor, y: Tensor, d: number) => Tensor,
): Tensor {
  const entry = kind === 'softmax' ? 'softmax' : 'logSoftmax';
  V.tensor(x, entry, 'input', 1);
  V.int(dim, entry, 'dim', 1);
  V.softmaxInput(x, dim, kind === 'log_softmax');
  const a = floatInput(x);
  const d = normDim(dim, a.ndim);
  const y = K.softmaxK(kind, a, d);
  return record(
    node,
    y,
    [a],
    () => [y],
    (g, [s]) => [rule(g, s, d)],
  );
}

/** Whether a softmax gradient can take the fused kernel: not differentiated further (the kernel
 *  records no graph), over the last dim, with g of the result's dtype. */
function fusedGrad(g: Tensor, s: Tensor, d: number): boolean {
  return !isGradEnabled() && s.ndim > 0 && d === s.ndim - 1 && g.dtype === s.dtype && s.isContiguous();
}

export function softmax(x: Tensor, dim: number): Tensor {
  return softmaxLike(x, dim, 'softmax', 'SoftmaxBackward0', (g, s, d) =>
    fusedGrad(g, s, d) ? K.softmaxBackwardK('softmax', g, s) : s.mul(g.sub(g.mul(s).sum(d, true))),
  );
}

export function logSoftmax(x: Tensor, dim: number): Tensor {
  return softmaxLike(x, dim, 'log_softmax', 'LogSoftmaxBackward0', (g, s, d) =>
    fusedGrad(g, s, d) ? K.softmaxBackwardK('log_softmax', g, s) : g.sub(s.exp().mul(g.sum(d, true))),
  );
}

/** F.linear(x, W, b) = x W^T + b, composed as PyTorch 1.13's at::linear (addmm for 2-D input). */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  V.tensor(x, 'linear', 'input', 1);
  V.tensor(weight, 'linear', 'weight', 2);
  V.optTensor(bias, 'linear', 'bias', 3);
  V.linearOperands(x, weight, bias);
  return withTemps(() => linearImpl(x, weight, bias));
}

function linearImpl(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const wt = weight.t();
  if (x.ndim === 2 && bias) return addmm(bias, x, wt);
  if (bias && V.linearUsesAddmm(x, bias)) {
    const [b0, b1, k] = x._shape;
    return view(addmm(bias, x.view([b0 * b1, k]), wt), [b0, b1, weight._shape[0]]);
  }
  const y = matmul(x, wt);
  // PyTorch adds the bias in place (output.add_(bias)): the result keeps the product's dtype.
  return bias ? inplace(y, 'add', bias) : y;
}

/** leaky_relu's gradient: g where x > 0, else g * slope (NaN takes the slope). */
function leakyReluBackward(g: Tensor, x: Tensor, slope: number): Tensor {
  const out = noGrad(() => where(compare('gt', x, 0), g, g.mul(slope)));
  return record(
    'LeakyReluBackwardBackward0',
    out,
    [g, x],
    () => [x],
    (gg, [xs], n) => [n[0] ? leakyReluBackward(gg, xs, slope) : null, n[1] ? zerosLike(gg) : null],
  );
}

export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  V.tensor(x, 'leakyRelu', 'input', 1);
  V.number(negativeSlope, 'leakyRelu', 'negative_slope', 2);
  V.floatInput(x, 'leaky_relu');
  const a = floatDtype(x.dtype) === x.dtype ? x : K.castTo(x, 'float32');
  const y = K.unary('leaky_relu', a, negativeSlope);
  return record(
    'LeakyReluBackward0',
    y,
    [a],
    () => [a],
    (g, [s]) => [leakyReluBackward(g, s, negativeSlope)],
  );
}

// ---- entries -----------------------------------------------------------------------------------

export const NN_OPS = {
  softmax: defineOp({
    name: 'softmax',
    py: 'softmax',
    kind: 'nn',
    fn: softmax,
    doc: 'exp(x) / sum(exp(x)) along a dim, computed stably.',
    nodes: ['SoftmaxBackward0'],
    kernels: ['softmax', 'softmax_backward'],
    dtype: 'float',
    saves: 'result',
    methods: { softmax: true },
    functional: { softmax: (x: Tensor, dim: number | { dim: number }): Tensor => softmax(x, softmaxDim(dim, SOFTMAX_OPTS)) },
    golden: { args: [['T']], kwargs: ['dim'], via: 'functional' },
    test: { grad: 'twice', samples: [{ args: [{ shape: [3, 4] }, 1] }, { args: [{ shape: [3, 4] }, 0] }] },
  }),
  logSoftmax: defineOp({
    name: 'logSoftmax',
    py: 'log_softmax',
    kind: 'nn',
    fn: logSoftmax,
    doc: 'x - logsumexp(x) along a dim.',
    nodes: ['LogSoftmaxBackward0'],
    kernels: ['log_softmax', 'log_softmax_backward'],
    dtype: 'float',
    saves: 'result',
    methods: { logSoftmax: true },
    functional: {
      logSoftmax: (x: Tensor, dim: number | { dim: number }): Tensor => logSoftmax(x, softmaxDim(dim, LOG_SOFTMAX_OPTS)),
    },
    golden: { args: [['T']], kwargs: ['dim'], via: 'functional' },
    test: { grad: 'twice', samples: [{ args: [{ shape: [3, 4] }, 1] }] },
  }),
  linear: defineOp({
    name: 'linear',
    py: 'linear',
    kind: 'nn',
    fn: linear,
    doc: 'x @ W^T + b, composed as PyTorch 1.13 (addmm for a matrix input).',
    // Through matmul for inputs that are not matrices (its dispatch's nodes included).
    nodes: [
      'AddmmBackward0',
      'MmBackward0',
      'TBackward0',
      'ViewBackward0',
      'AddBackward0',
      'UnsafeViewBackward0',
      'SqueezeBackward3',
      'UnsqueezeBackward0',
      'BmmBackward0',
      'ExpandBackward0',
      'ReshapeAliasBackward0',
    ],
    kernels: ['matmul_f32', 'matmul_f64'],
    dtype: 'same',
    saves: 'as addmm / matmul',
    torch: false,
    functional: { linear: true },
    golden: {
      args: [
        ['T', 'T'],
        ['T', 'T', 'T'],
      ],
      via: 'functional',
    },
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [2, 3] }, { shape: [4, 3] }, { shape: [4] }] },
        { args: [{ shape: [2, 2, 3] }, { shape: [4, 3] }, { shape: [4] }], note: 'batched' },
        { args: [{ shape: [3] }, { shape: [4, 3] }], note: 'no bias' },
      ],
    },
  }),
  leakyRelu: defineOp({
    name: 'leakyRelu',
    py: 'leaky_relu',
    kind: 'nn',
    fn: leakyRelu,
    doc: 'x where x > 0, else negativeSlope * x.',
    nodes: ['LeakyReluBackward0'],
    kernels: ['leaky_relu'],
    dtype: 'float',
    saves: 'self',
    torch: false,
    functional: { leakyRelu: true },
    golden: { args: [['T']], kwargs: ['negative_slope'], kwPositional: true, via: 'functional' },
    test: { grad: 'twice', kinks: [0], samples: [{ args: [{ shape: [6] }, 0.2] }] },
  }),
} as const;
