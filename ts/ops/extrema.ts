// max/min along a dim with their int64 indices, the overall max/min, and argmax/argmin. Kernels in
// assembly/scan.ts; backward formulas as PyTorch 1.13's (value_selecting_reduction_backward),
// written with differentiable ops.
import type { Tensor } from '../tensor.js';
import { isTensor } from '../brand.js';
import { record } from '../autograd.js';
import * as K from './internal.js';
import { gatherK, scanK } from './kernels/scan.js';
import type * as V from '../validate.js';
import { compare } from './compare.js';
import { type OpSpec, defineOp } from './registry.js';
import { type DimOpts, type DimSpec, asFloat, atLeast1d, dimOpts, parseDim, reducedShape, scatterAdd } from './scan.js';

const MAX_OPTS = dimOpts('max');
const MIN_OPTS = dimOpts('min');
const ARGMAX_OPTS = dimOpts('argmax');
const ARGMIN_OPTS = dimOpts('argmin');

// ---- max/min, argmax/argmin ---------------------------------------------------------------------

/** max/min's result with a dim: the values and their int64 indices (also as `.values` / `.indices`). */
export type ValuesIndices = readonly [Tensor, Tensor] & { readonly values: Tensor; readonly indices: Tensor };

function valuesIndices(values: Tensor, indices: Tensor): ValuesIndices {
  const out = [values, indices] as unknown as { values: Tensor; indices: Tensor };
  out.values = values;
  out.indices = indices;
  return Object.freeze(out) as unknown as ValuesIndices;
}

function checkNonEmpty(name: string, x: Tensor, s: DimSpec, needDim: string): void {
  if (x.numel() !== 0) return;
  if (s.dim === null) throw new Error(`${name}(): Expected reduction dim to be specified for input.numel() == 0.${needDim}`);
  if (x.ndim > 0 && x._shape[s.dim] === 0) throw new Error(`${name}(): Expected reduction dim ${s.dim} to have non-zero size.`);
}

function argReduce(kind: 'argmax' | 'argmin', x: Tensor, s: DimSpec): Tensor {
  const a = asFloat(x);
  const out = scanK(kind, atLeast1d(a), s.dim === null ? null : s.dim, reducedShape(x._shape, s));
  if (a !== x) a.dispose();
  return out;
}

function defineArg(kind: 'argmax' | 'argmin', spec: V.OptionSpec) {
  return (x: Tensor, dim?: number | DimOpts | null, keepdim?: boolean): Tensor => {
    const s = parseDim(x, dim, keepdim, spec);
    checkNonEmpty(kind, x, s, '');
    return argReduce(kind, x, s);
  };
}
export const argmax = defineArg('argmax', ARGMAX_OPTS);
export const argmin = defineArg('argmin', ARGMIN_OPTS);

function defineMax(kind: 'max' | 'min', spec: V.OptionSpec) {
  const arg = kind === 'max' ? 'argmax' : 'argmin';
  const node = kind === 'max' ? 'MaxBackward' : 'MinBackward';
  function extremum(x: Tensor, other: Tensor): Tensor;
  function extremum(x: Tensor): Tensor;
  function extremum(x: Tensor, dim: number | DimOpts, keepdim?: boolean): ValuesIndices;
  function extremum(x: Tensor, dim?: number | DimOpts | Tensor | null, keepdim?: boolean): Tensor | ValuesIndices {
    // torch.max(a, b) is torch.maximum(a, b).
    if (isTensor(dim)) return kind === 'max' ? x.maximum(dim) : x.minimum(dim);
    const s = parseDim(x, dim, keepdim, spec);
    checkNonEmpty(kind, x, s, " Specify the reduction dim with the 'dim' argument.");
    if (s.dim === null) {
      // The overall extremum: ties share the gradient evenly (evenly_distribute_backward).
      const a = asFloat(x);
      const yf = K.reduce(kind, a, [], false);
      if (a !== x) {
        a.dispose();
        const yi = K.castTo(yf, x.dtype);
        yf.dispose();
        return yi;
      }
      return record(
        `${node}1`,
        yf,
        [x],
        () => [x, yf],
        (g, [sx, r]) => {
          const mask = compare('eq', sx, r).to(g.dtype);
          return [mask.mul(g.div(mask.sum()))];
        },
      );
    }
    const d = s.dim;
    const indices = argReduce(arg, x, s);
    const xr = atLeast1d(x);
    const idx = s.keepdim || x.ndim === 0 ? indices : indices.unsqueeze(d);
    const a = asFloat(xr);
    let values = gatherK(a, x.ndim === 0 ? 0 : d, atLeast1d(idx)).reshape(indices._shape);
    if (a !== xr) {
      a.dispose();
      const vf = values;
      values = K.castTo(vf, x.dtype);
      vf.dispose();
      return valuesIndices(values, indices);
    }
    const xShape = xr._shape;
    // value_selecting_reduction_backward: the gradient goes to the selected index.
    values = record(
      `${node}0`,
      values,
      [x],
      () => [indices],
      (g, [i]) => {
        const gi = atLeast1d(s.keepdim || x.ndim === 0 ? g : g.unsqueeze(d));
        const ii = atLeast1d(s.keepdim || x.ndim === 0 ? i : i.unsqueeze(d));
        return [scatterAdd(gi, x.ndim === 0 ? 0 : d, ii, xShape).reshape(x._shape)];
      },
    );
    return valuesIndices(values, indices);
  }
  return extremum;
}
export const max = defineMax('max', MAX_OPTS);
export const min = defineMax('min', MIN_OPTS);

// ---- entries ------------------------------------------------------------------------------------

const MAX_SAMPLES = [
  { args: [{ shape: [3, 4] }, 1] },
  { args: [{ shape: [2, 3, 4] }, -1, true], note: 'keepdim' },
  { args: [{ shape: [3, 4] }], note: 'overall' },
  { args: [{ shape: [3, 4] }, { shape: [4] }], note: 'with a tensor' },
] as const;
export const EXTREMA_OPS = {
  max: defineOp({
    name: 'max',
    py: 'max',
    kind: 'reduction',
    fn: max,
    doc: 'The maximum; with a dim, [values, int64 indices] (also `.values` / `.indices`); with a tensor, maximum.',
    nodes: ['MaxBackward0', 'MaxBackward1', 'MaximumBackward0'],
    kernels: ['argmax', 'gather', 'scatter_add', 'max'],
    dtype: 'same',
    saves: 'indices (with a dim), else self and result',
    methods: { max: true },
    golden: { args: [['T']], kwargs: ['dim', 'keepdim'], kwPositional: true },
    test: { grad: 'twice', samples: MAX_SAMPLES },
  }),
  min: defineOp({
    name: 'min',
    py: 'min',
    kind: 'reduction',
    fn: min,
    doc: 'The minimum; with a dim, [values, int64 indices] (also `.values` / `.indices`); with a tensor, minimum.',
    nodes: ['MinBackward0', 'MinBackward1', 'MinimumBackward0'],
    kernels: ['argmin', 'gather', 'scatter_add', 'min'],
    dtype: 'same',
    saves: 'indices (with a dim), else self and result',
    methods: { min: true },
    golden: { args: [['T']], kwargs: ['dim', 'keepdim'], kwPositional: true },
    test: { grad: 'twice', samples: MAX_SAMPLES },
  }),
  argmax: defineOp({
    name: 'argmax',
    py: 'argmax',
    kind: 'reduction',
    fn: argmax,
    doc: 'int64 index of the maximum (of the flattened input without a dim; first of ties).',
    nodes: [],
    kernels: ['argmax'],
    dtype: 'int64',
    saves: 'nothing',
    methods: { argmax: true },
    golden: { args: [['T']], kwargs: ['dim', 'keepdim'], kwPositional: true },
    test: { grad: { no: 'integer result' }, samples: [{ args: [{ shape: [3, 4] }, 1] }, { args: [{ shape: [2, 3] }] }] },
  }),
  argmin: defineOp({
    name: 'argmin',
    py: 'argmin',
    kind: 'reduction',
    fn: argmin,
    doc: 'int64 index of the minimum (of the flattened input without a dim; first of ties).',
    nodes: [],
    kernels: ['argmin'],
    dtype: 'int64',
    saves: 'nothing',
    methods: { argmin: true },
    golden: { args: [['T']], kwargs: ['dim', 'keepdim'], kwPositional: true },
    test: { grad: { no: 'integer result' }, samples: [{ args: [{ shape: [3, 4] }, 1, true] }, { args: [{ shape: [2, 3] }] }] },
  }),
} as const satisfies Record<string, OpSpec>;
