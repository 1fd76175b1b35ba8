// Reductions over dims: sum, mean, amax/amin, logsumexp, var/std (fixed summation order: see
// docs/design.md).
import type { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { isFloating } from '../dtype.js';
import { fmtShape, normDim } from '../shape.js';
import * as K from './internal.js';
import * as V from '../validate.js';
import { floatInput } from './operands.js';
import { compare, where } from './binary.js';
import { type OpSpec, defineOp } from './registry.js';
import {
  AMAX_OPTS,
  AMIN_OPTS,
  LOGSUMEXP_OPTS,
  MEAN_OPTS,
  type ReduceDims,
  type ReduceOpts,
  type ReduceSpec,
  STD_OPTS,
  SUM_OPTS,
  VAR_OPTS,
  type VarOpts,
  keepShape,
  parseReduce,
  parseVar,
  reducedCount,
} from './reduction_args.js';

export type { ReduceDims, ReduceOpts, VarOpts } from './reduction_args.js';

export function sum(x: Tensor, dim?: ReduceDims | ReduceOpts | null, keepdim?: boolean): Tensor {
  const spec = parseReduce(x, dim, keepdim, SUM_OPTS);
  const isInt = !isFloating(x.dtype);
  let y: Tensor;
  if (isInt) {
    const a = K.castTo(x, 'float64');
    const s64 = K.reduce('sum', a, spec.dims, spec.keepdim);
    y = K.castTo(s64, 'int64');
    a.dispose();
    s64.dispose();
  } else y = K.reduce('sum', x, spec.dims, spec.keepdim);
  const shape = x._shape;
  return record(
    spec.all ? 'SumBackward0' : 'SumBackward1',
    y,
    [x],
    () => [],
    (g) => [keepShape(g, shape, spec).expand(shape)],
  );
}

export function mean(x: Tensor, dim?: ReduceDims | ReduceOpts | null, keepdim?: boolean): Tensor {
  const spec = parseReduce(x, dim, keepdim, MEAN_OPTS);
  if (!isFloating(x.dtype)) {
    throw new Error(
      `mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${x.dtype === 'int64' ? 'Long' : 'Bool'}`,
    );
  }
  const y = K.reduce('mean', x, spec.dims, spec.keepdim);
  const shape = x._shape;
  const n = reducedCount(x, spec);
  // PyTorch 1.13's MeanBackward1 saves self (its formula reads self's numel) though the gradient
  // does not use it: a second backward, or an in-place change of self, raises as there.
  return record(
    spec.all ? 'MeanBackward0' : 'MeanBackward1',
    y,
    [x],
    () => (spec.all ? [] : [x]),
    (g) => [
      // Divide the reduced gradient, then broadcast it as a view: nothing input-sized is written.
      keepShape(g, shape, spec).div(n).expand(shape),
    ],
  );
}

/** amax/amin have no identity: PyTorch refuses to reduce zero elements (naming the dim as given). */
function checkNonEmptyReduction(name: string, x: Tensor, spec: ReduceSpec): void {
  if (x.numel() !== 0) return;
  if (spec.all || spec.given.length === 0) {
    throw new Error(
      `${name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.`,
    );
  }
  for (const d of spec.given) {
    if (x._shape[normDim(d, x.ndim)] === 0) throw new Error(`${name}(): Expected reduction dim ${d} to have non-zero size.`);
  }
}

function defineExtremum(kind: 'max' | 'min', node: string, opts: V.OptionSpec) {
  return (x: Tensor, dim?: ReduceDims | ReduceOpts | null, keepdim?: boolean): Tensor => {
    const spec = parseReduce(x, dim, keepdim, opts);
    checkNonEmptyReduction(kind === 'max' ? 'amax' : 'amin', x, spec);
    const a = floatInput(x);
    const y = K.reduce(kind, a, spec.dims, spec.keepdim);
    return record(
      node,
      y,
      [a],
      () => [a, y],
      (g, [s, r]) => {
        // Ties share the gradient evenly, as PyTorch's amax/amin backward.
        const mask = compare('eq', s, keepShape(r, s._shape, spec)).to(g.dtype);
        const count = spec.all ? mask.sum() : mask.sum(spec.dims, true);
        return [keepShape(g, s._shape, spec).mul(mask).div(count)];
      },
    );
  };
}
export const amax = defineExtremum('max', 'AmaxBackward0', AMAX_OPTS);
export const amin = defineExtremum('min', 'AminBackward0', AMIN_OPTS);

export function logsumexp(x: Tensor, dim: ReduceDims | ReduceOpts, keepdim?: boolean): Tensor {
  const spec = parseReduce(x, dim, keepdim, LOGSUMEXP_OPTS);
  if (!spec.all && spec.given.length === 0 && !spec.keepdim && x.numel() > 0 && x.ndim > 0) {
    // PyTorch 1.13 reduces a non-empty input over dim=[] with keepdim into a 0-d output and fails
    // (its own bug, kept: a program that runs here must run there).
    throw new Error(`output with shape [] doesn't match the broadcast shape ${fmtShape(x._shape.map(() => 1))}`);
  }
  const a = floatInput(x);
  const y = K.reduce('logsumexp', a, spec.dims, spec.keepdim);
  return record(
    'LogsumexpBackward0',
    y,
    [a],
    () => [a, y],
    (g, [s, r]) => [keepShape(g, s._shape, spec).mul(s.sub(keepShape(r, s._shape, spec)).exp())],
  );
}

/** The variance both var and std start from, with what their rules need. */
function varianceOf(
  x: Tensor,
  dim: ReduceDims | VarOpts | null | undefined,
  unbiased: boolean | VarOpts | undefined,
  keepdim: boolean | undefined,
  opts: V.OptionSpec,
) {
  const { spec, correction } = parseVar(x, dim, unbiased, keepdim, opts);
  V.floatInput(x, 'var');
  const a = floatInput(x);
  const v = K.reduce('var', a, spec.dims, spec.keepdim, correction);
  return { spec, a, v, correction };
}

/**
 * PyTorch 1.13's var_backward: (2 / dof) * g * (x - mean), dof = n - correction, with the mean
 * taken differentiably. Reducing everything (no dim, or a 0-d input) with dof == 0 gives g * inf
 * as is, a 0-d gradient, which is what PyTorch returns (and then refuses for inputs of shape [1],
 * [0], [1, 1]... in the engine's shape check).
 */
function varGrad(g: Tensor, s: Tensor, spec: ReduceSpec, correction: number): Tensor {
  if (spec.all || s.ndim === 0) {
    const dof = s.numel() - correction;
    if (dof === 0) return g.mul(Infinity);
    return g.mul(2 / dof).mul(s.sub(s.mean()));
  }
  // PyTorch counts n over the dims given, and an empty list counts 1 (though it reduces every
  // dim): its gradient for dim=[] is n times the true one, or inf when unbiased. Kept.
  const dof = (spec.given.length === 0 ? 1 : reducedCount(s, spec)) - correction;
  return keepShape(g, s._shape, spec)
    .mul(2 / dof)
    .mul(s.sub(s.mean(spec.dims, true)));
}

export function var_(x: Tensor, dim?: ReduceDims | VarOpts | null, unbiased?: boolean | VarOpts, keepdim?: boolean): Tensor {
  const { spec, a, v, correction } = varianceOf(x, dim, unbiased, keepdim, VAR_OPTS);
  return record(
    'VarBackward0',
    v,
    [a],
    () => [a],
    (g, [s]) => [varGrad(g, s, spec, correction)],
  );
}

export function std(x: Tensor, dim?: ReduceDims | VarOpts | null, unbiased?: boolean | VarOpts, keepdim?: boolean): Tensor {
  const { spec, a, v, correction } = varianceOf(x, dim, unbiased, keepdim, STD_OPTS);
  const y = K.unary('sqrt', v);
  v.dispose();
  // PyTorch's std_backward: var_backward of g / (2 std), that factor set to 0 where std is 0 (so a
  // constant input gets 0, not 0/0).
  return record(
    'StdBackward0',
    y,
    [a],
    () => [a, y],
    (g, [s, r]) => {
      const gv = where(compare('eq', r, 0), K.full([], 0, g.dtype), g.div(r.mul(2)));
      return [varGrad(gv, s, spec, correction)];
    },
  );
}

// ---- entries -----------------------------------------------------------------------------------

const REDUCE = {
  kind: 'reduction',
  golden: { args: [['T']], kwargs: ['dim', 'keepdim'] },
} as const satisfies Partial<OpSpec>;
/** Generated samples: all dims, one dim, dims with keepdim, a 0-d input. */
const reduceSamples = (domain?: readonly [number, number]) =>
  [
    { args: [{ shape: [2, 3], domain }] },
    { args: [{ shape: [3, 4], domain }, 1] },
    { args: [{ shape: [2, 3, 2], domain }, [0, 2], true], note: 'dims, keepdim' },
    { args: [{ shape: [], domain }], note: '0-d' },
  ] as const;

export const REDUCTION_OPS = {
  sum: defineOp({
    ...REDUCE,
    name: 'sum',
    py: 'sum',
    fn: sum,
    doc: 'Sum over all elements or the given dims (int64 for integer inputs).',
    nodes: ['SumBackward0', 'SumBackward1'],
    kernels: ['sum'],
    dtype: 'same',
    saves: 'nothing',
    methods: { sum: true },
    test: { grad: 'twice', samples: reduceSamples() },
  }),
  mean: defineOp({
    ...REDUCE,
    name: 'mean',
    py: 'mean',
    fn: mean,
    doc: 'Mean over all elements or the given dims (float inputs only).',
    nodes: ['MeanBackward0', 'MeanBackward1'],
    kernels: ['mean'],
    dtype: 'same',
    saves: 'self, over dims (as PyTorch 1.13)',
    methods: { mean: true },
    test: { grad: 'twice', samples: reduceSamples() },
  }),
  amax: defineOp({
    ...REDUCE,
    name: 'amax',
    py: 'amax',
    fn: amax,
    doc: 'Maximum over dims (ties share the gradient evenly).',
    nodes: ['AmaxBackward0'],
    kernels: ['max'],
    dtype: 'float',
    saves: 'self and result',
    methods: { amax: true },
    test: { grad: 'twice', distinct: true, samples: reduceSamples() },
  }),
  amin: defineOp({
    ...REDUCE,
    name: 'amin',
    py: 'amin',
    fn: amin,
    doc: 'Minimum over dims (ties share the gradient evenly).',
    nodes: ['AminBackward0'],
    kernels: ['min'],
    dtype: 'float',
    saves: 'self and result',
    methods: { amin: true },
    test: { grad: 'twice', distinct: true, samples: reduceSamples() },
  }),
  logsumexp: defineOp({
    ...REDUCE,
    name: 'logsumexp',
    py: 'logsumexp',
    fn: logsumexp,
    doc: 'log(sum(exp(x))) over dims, computed stably.',
    nodes: ['LogsumexpBackward0'],
    kernels: ['logsumexp'],
    dtype: 'float',
    saves: 'self and result',
    methods: { logsumexp: true },
    test: { grad: 'twice', samples: [{ args: [{ shape: [3, 4] }, 1] }, { args: [{ shape: [2, 3] }, [0, 1], true] }] },
  }),
  var: defineOp({
    ...REDUCE,
    name: 'var',
    py: 'var',
    fn: var_,
    doc: 'Variance over dims (unbiased by default; `correction` as PyTorch).',
    nodes: ['VarBackward0'],
    kernels: ['var'],
    dtype: 'float',
    saves: 'self',
    methods: { var: true },
    golden: { args: [['T']], kwargs: ['dim', 'unbiased', 'keepdim'] },
    test: {
      grad: 'twice',
      samples: [{ args: [{ shape: [3, 4] }, 1] }, { args: [{ shape: [3, 4] }, { options: { unbiased: false } }], note: 'biased, all' }],
    },
  }),
  std: defineOp({
    ...REDUCE,
    name: 'std',
    py: 'std',
    fn: std,
    doc: 'Standard deviation over dims (gradient 0 where it is 0).',
    nodes: ['StdBackward0'],
    kernels: ['var', 'sqrt'],
    dtype: 'float',
    saves: 'self and result',
    methods: { std: true },
    golden: { args: [['T']], kwargs: ['dim', 'unbiased', 'keepdim'] },
    test: { grad: 'twice', samples: [{ args: [{ shape: [3, 4] }, 0, true, true] }, { args: [{ shape: [2, 3] }] }] },
  }),
} as const;
