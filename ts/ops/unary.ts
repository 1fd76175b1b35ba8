// Unary elementwise ops. Most are one `unaryOp` entry: the kernel family, PyTorch's node, what the
// rule reads, and the rule written with differentiable ops (so higher orders work).
import type { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { noGrad } from '../grad_mode.js';
import type { FloatKernel } from '../core/wasm.js';
import * as K from './internal.js';
import * as V from '../validate.js';
import { floatDtype } from './operands.js';
import { compare, logicalAnd, pow, sub, where } from './binary.js';
import { zerosLike } from './creation.js';
import { type Domain, type OpTest, defineOp } from './registry.js';

/**
 * A unary op's backward from the upstream gradient and what the entry saves. Written inline in an
 * entry, it states its return type (`: Tensor`): the entry's type must not depend on the body
 * (Tensor's methods are derived from the entries).
 */
type UnaryRule = (g: Tensor, saved: Tensor) => Tensor;

/** A unary float op whose rule reads its input (`save: 'input'`) or its result (`'output'`). */
function defineUnary(kname: FloatKernel, node: string, save: 'input' | 'output' | 'none', rule: UnaryRule): (x: Tensor) => Tensor {
  return (x: Tensor): Tensor => {
    V.tensor(x, kname, 'input', 1);
    const a = floatDtype(x.dtype) === x.dtype ? x : K.castTo(x, 'float32');
    const y = K.unary(kname, a);
    return record(
      node,
      y,
      [a],
      () => (save === 'input' ? [a] : save === 'output' ? [y] : []),
      (g, s) => [rule(g, s[0] ?? a)],
    );
  };
}

/**
 * A unary entry from its parts. `backward` receives the upstream gradient and what `save` names
 * (the input or the result). Adding such an op is this entry plus its kernel in assembly/.
 */
export function unaryOp<const N extends string>(s: {
  name: N;
  py?: string;
  kernel: FloatKernel;
  node: string;
  save: 'input' | 'output' | 'none';
  backward: UnaryRule;
  doc: string;
  /** Where generated samples draw values (default [-1.5, 1.5]), and where the derivative jumps. */
  domain?: Domain;
  kinks?: readonly number[];
  grad?: OpTest['grad'];
  /** Also an nn.functional function. */
  functional?: boolean;
}) {
  return defineOp({
    name: s.name,
    py: s.py ?? s.name,
    kind: 'elementwise',
    signature: 'unary',
    fn: defineUnary(s.kernel, s.node, s.save, s.backward),
    doc: s.doc,
    nodes: [s.node],
    kernels: [s.kernel],
    dtype: 'float',
    saves: s.save === 'none' ? 'nothing' : s.save,
    methods: { [s.name]: true } as { [K in N]: true },
    functional: (s.functional ? { [s.name]: true } : {}) as { [K in N]: true },
    golden: { args: [['T']] },
    test: { grad: s.grad ?? 'twice', domain: s.domain, kinks: s.kinks },
  });
}

// ---- backward formulas that are ops of their own ------------------------------------------------
// PyTorch computes these gradients with one op that also takes the forward's input or result as a
// differentiable argument whose derivative is zero. So under createGraph the gradient requires grad
// whenever that tensor does (even for a constant upstream gradient), and a second backward sends it
// zeros, not nothing. Each is recorded under PyTorch's node name for it.

/** relu's gradient, threshold_backward(g, y, 0): g where y > 0 (NaN included: y <= 0 fails), else 0. */
function thresholdBackward(g: Tensor, y: Tensor): Tensor {
  const out = K.thresholdBackwardK(g, y) ?? noGrad(() => where(compare('le', y, 0), K.full([], 0, g.dtype), g));
  return record(
    'ThresholdBackwardBackward0',
    out,
    [g, y],
    () => [y],
    (gg, [ys], n) => [n[0] ? thresholdBackward(gg, ys) : null, n[1] ? zerosLike(gg) : null],
  );
}

export function square(x: Tensor): Tensor {
  V.tensor(x, 'square', 'input', 1);
  return pow(x, 2);
}

export function clamp(x: Tensor, min?: number | null | { min?: number | null; max?: number | null }, max?: number | null): Tensor {
  V.tensor(x, 'clamp', 'input', 1);
  if (V.isOptions(min)) {
    V.options(CLAMP_OPTS, min);
    ({ min, max } = min);
  } else {
    V.optNumber(min, 'clamp', 'min', 1);
    V.optNumber(max, 'clamp', 'max', 2);
  }
  const lo = min ?? null;
  const hi = max ?? null;
  if (lo === null && hi === null) throw new Error("torch.clamp: At least one of 'min' or 'max' must not be None");
  const a = floatDtype(x.dtype) === x.dtype ? x : K.castTo(x, 'float32');
  const y = K.unary('clamp', a, lo ?? -Infinity, hi ?? Infinity);
  return record(
    'ClampBackward1',
    y,
    [a],
    () => [a],
    (g, [s]) => {
      let mask: Tensor | null = null;
      if (lo !== null) mask = compare('ge', s, lo);
      if (hi !== null) mask = mask ? logicalAnd(mask, compare('le', s, hi)) : compare('le', s, hi);
      return [where(mask as Tensor, g, 0)];
    },
  );
}

const CLAMP_OPTS = V.optionSpec('clamp', { min: 'optNumber', max: 'optNumber' });

export const UNARY_OPS = {
  neg: unaryOp({ name: 'neg', kernel: 'neg', node: 'NegBackward0', save: 'none', backward: (g): Tensor => g.neg(), doc: '-x.' }),
  exp: unaryOp({ name: 'exp', kernel: 'exp', node: 'ExpBackward0', save: 'output', backward: (g, y): Tensor => g.mul(y), doc: 'e ** x.' }),
  expm1: unaryOp({
    name: 'expm1',
    kernel: 'expm1',
    node: 'Expm1Backward0',
    save: 'output',
    backward: (g, y): Tensor => g.mul(y.add(1)),
    doc: 'e ** x - 1, accurate for small x.',
  }),
  log: unaryOp({
    name: 'log',
    kernel: 'log',
    node: 'LogBackward0',
    save: 'input',
    backward: (g, x): Tensor => g.div(x),
    doc: 'Natural logarithm.',
    domain: [0.5, 2],
  }),
  log1p: unaryOp({
    name: 'log1p',
    kernel: 'log1p',
    node: 'Log1PBackward0',
    save: 'input',
    backward: (g, x): Tensor => g.div(x.add(1)),
    doc: 'log(1 + x), accurate for small x.',
    domain: [-0.5, 2],
  }),
  sqrt: unaryOp({
    name: 'sqrt',
    kernel: 'sqrt',
    node: 'SqrtBackward0',
    save: 'output',
    backward: (g, y): Tensor => g.div(y.mul(2)),
    doc: 'Square root.',
    domain: [0.5, 2],
  }),
  abs: unaryOp({
    name: 'abs',
    kernel: 'abs',
    node: 'AbsBackward0',
    save: 'input',
    backward: (g, x): Tensor => g.mul(x.sign()),
    doc: '|x| (gradient sign(x): 0 at 0).',
    kinks: [0],
  }),
  sin: unaryOp({
    name: 'sin',
    kernel: 'sin',
    node: 'SinBackward0',
    save: 'input',
    backward: (g, x): Tensor => g.mul(x.cos()),
    doc: 'Sine.',
  }),
  cos: unaryOp({
    name: 'cos',
    kernel: 'cos',
    node: 'CosBackward0',
    save: 'input',
    backward: (g, x): Tensor => g.mul(x.sin().neg()),
    doc: 'Cosine.',
  }),
  tanh: unaryOp({
    name: 'tanh',
    kernel: 'tanh',
    node: 'TanhBackward0',
    save: 'output',
    backward: (g, y): Tensor => g.mul(sub(1, y.mul(y))),
    doc: 'Hyperbolic tangent.',
    functional: true,
  }),
  sigmoid: unaryOp({
    name: 'sigmoid',
    kernel: 'sigmoid',
    node: 'SigmoidBackward0',
    save: 'output',
    backward: (g, y): Tensor => g.mul(y).mul(sub(1, y)),
    doc: '1 / (1 + e ** -x).',
    functional: true,
  }),
  relu: unaryOp({
    name: 'relu',
    kernel: 'relu',
    node: 'ReluBackward0',
    save: 'output',
    backward: (g, y): Tensor => thresholdBackward(g, y),
    doc: 'max(x, 0) (gradient 0 at 0).',
    kinks: [0],
    functional: true,
  }),
  // Entry order is the order tests/pytorch/gen.py draws unary ops in (via tests/pytorch/ops.json):
  // moving an entry changes what its committed seed regenerates.
  square: defineOp({
    name: 'square',
    py: 'square',
    kind: 'elementwise',
    fn: square,
    doc: 'x ** 2 (PowBackward0, as PyTorch computes it).',
    nodes: ['PowBackward0'],
    kernels: ['pows'],
    dtype: 'promote',
    saves: 'self',
    methods: { square: true },
    golden: { args: [['T']] },
    test: { grad: 'twice' },
  }),
  reciprocal: unaryOp({
    name: 'reciprocal',
    kernel: 'reciprocal',
    node: 'ReciprocalBackward0',
    save: 'output',
    backward: (g, y): Tensor => g.neg().mul(y.mul(y)),
    doc: '1 / x.',
    domain: [0.5, 2],
  }),
  sign: unaryOp({
    name: 'sign',
    kernel: 'sign',
    node: 'SignBackward0',
    save: 'none',
    backward: (g): Tensor => zerosLike(g),
    doc: '-1, 0 or 1 (0 for NaN); gradient zero.',
    kinks: [0],
  }),
  clamp: defineOp({
    name: 'clamp',
    py: 'clamp',
    kind: 'elementwise',
    fn: clamp,
    doc: 'x limited to [min, max] (either may be absent); gradient 0 outside.',
    nodes: ['ClampBackward1'],
    kernels: ['clamp'],
    dtype: 'float',
    saves: 'self',
    methods: { clamp: true, clip: true },
    aliases: { clip: true },
    golden: { args: [['T']], kwargs: ['min', 'max'] },
    test: {
      grad: 'twice',
      kinks: [-0.5, 0.7],
      samples: [{ args: [{ shape: [8] }, -0.5, 0.7] }, { args: [{ shape: [2, 3] }, { options: { min: -0.5 } }], note: 'min only' }],
    },
  }),
} as const;
