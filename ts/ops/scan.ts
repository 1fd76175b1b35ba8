// Scans and selections along a dim: prod, cumsum, norm (vector norm), gather, masked_fill, max/min
// with their indices, argmax/argmin. Kernels in assembly/scan.ts; backward formulas as PyTorch
// 1.13's derivatives.yaml, written with differentiable ops.
import type { Tensor } from '../tensor.js';
import { isTensor } from '../brand.js';
import { record } from '../autograd.js';
import { isFloating } from '../dtype.js';
import { normDim, type Shape } from '../shape.js';
import { withTemps } from '../scope.js';
import * as K from './internal.js';
import { gatherK, indexCheckK, scanK, scatterAddK } from './kernels/scan.js';
import * as V from '../validate.js';
import { compare, where } from './compare.js';
import { type OpSpec, defineOp } from './registry.js';

export interface DimOpts {
  dim?: number;
  keepdim?: boolean;
}
export interface NormOpts extends DimOpts {
  p?: number;
}

const dimOpts = (entry: string): V.OptionSpec => V.optionSpec(entry, { dim: 'int', keepdim: 'bool' }, ['dtype', 'out']);
const PROD_OPTS = dimOpts('prod');
const MAX_OPTS = dimOpts('max');
const MIN_OPTS = dimOpts('min');
const ARGMAX_OPTS = dimOpts('argmax');
const ARGMIN_OPTS = dimOpts('argmin');
const NORM_OPTS = V.optionSpec('norm', { p: 'number', dim: 'int', keepdim: 'bool' }, ['dtype', 'out']);

interface DimSpec {
  /** The normalised dim, or null for all elements. */
  dim: number | null;
  keepdim: boolean;
}

/** (x, dim | options, keepdim): one optional dim, checked and wrapped. */
function parseDim(x: Tensor, dim: number | DimOpts | null | undefined, keepdim: boolean | undefined, spec: V.OptionSpec): DimSpec {
  const entry = spec.entry;
  V.tensor(x, entry, 'input', 1);
  let d: number | null | undefined;
  let kd = false;
  if (V.isOptions(dim)) {
    if (keepdim !== undefined) throw new TypeError(`${entry}(): keepdim given both in the options object and as an argument`);
    V.options(spec, dim);
    d = (dim as DimOpts).dim;
    kd = (dim as DimOpts).keepdim ?? false;
  } else {
    V.optInt(dim, entry, 'dim', 2);
    d = dim;
    if (keepdim !== undefined) {
      V.bool(keepdim, entry, 'keepdim', 3);
      kd = keepdim;
    }
  }
  if (d === undefined || d === null) return { dim: null, keepdim: kd };
  return { dim: normDim(d, x.ndim), keepdim: kd };
}

/** The reduced shape over `s.dim` (everything when null: a 0-d result, or all ones with keepdim). */
function reducedShape(shape: Shape, s: DimSpec): number[] {
  if (s.dim === null) return s.keepdim ? shape.map(() => 1) : [];
  if (shape.length === 0) return [];
  return s.keepdim ? shape.map((v, i) => (i === s.dim ? 1 : v)) : shape.filter((_, i) => i !== s.dim);
}

/** A gradient of the reduced shape, reshaped to broadcast against the input. */
function unreduce(g: Tensor, shape: Shape, s: DimSpec): Tensor {
  if (s.keepdim || shape.length === 0) return g;
  if (s.dim === null) return g.reshape(shape.map(() => 1));
  return g.unsqueeze(s.dim);
}

/** Integer and bool inputs compute in float64 (exact up to 2 ** 53). */
function asFloat(x: Tensor): Tensor {
  return isFloating(x.dtype) ? x : K.castTo(x, 'float64');
}

/** The input's rank-1 form for a 0-d input (dim 0 or -1 of a scalar is the scalar itself). */
const atLeast1d = (x: Tensor): Tensor => (x.ndim === 0 ? x.reshape([1]) : x);

// ---- prod ---------------------------------------------------------------------------------------

/** For each element along `d`, the product of the others (differentiable; used where x has zeros). */
function prodOthers(x: Tensor, d: number): Tensor {
  const n = x._shape[d];
  const big = x._shape.slice();
  big.splice(d, 0, n);
  const ids = K.rangeK('arange', n, 0, 1, 'float64');
  const mask = compare('eq', ids.reshape([n, 1]), ids.reshape([1, n])).reshape([n, n, ...x._shape.slice(d + 1).map(() => 1)]);
  return where(mask, 1, x.unsqueeze(d).expand(big)).prod(d + 1);
}

/** PyTorch's prod_backward: grad * result / input, or the product of the others when input has a zero. */
function prodGrad(g: Tensor, x: Tensor, y: Tensor, s: DimSpec): Tensor {
  if (x.ndim === 0) return g;
  const gu = unreduce(g, x._shape, s);
  const zeros = compare('eq', x, 0).to('float64').sum().item() > 0;
  if (!zeros) return gu.mul(unreduce(y, x._shape, s).div(x));
  if (s.dim === null) return gu.mul(prodOthers(x.reshape([-1]), 0).reshape(x._shape));
  return gu.mul(prodOthers(x, s.dim));
}

export function prod(x: Tensor, dim?: number | DimOpts | null, keepdim?: boolean): Tensor {
  const s = parseDim(x, dim, keepdim, PROD_OPTS);
  const a = asFloat(x);
  let y = scanK('prod', a, s.dim, reducedShape(x._shape, s));
  if (a !== x) {
    const yf = y;
    y = K.castTo(yf, 'int64');
    yf.dispose();
    a.dispose();
    return y;
  }
  return record(
    s.dim === null ? 'ProdBackward0' : 'ProdBackward1',
    y,
    [x],
    () => [x, y],
    (g, [sx, sy]) => [prodGrad(g, sx, sy, s)],
  );
}

// ---- cumsum -------------------------------------------------------------------------------------

export function cumsum(x: Tensor, dim: number | { dim: number }): Tensor {
  V.tensor(x, 'cumsum', 'input', 1);
  const dd = V.isOptions(dim) ? (dim as { dim: number }).dim : dim;
  V.int(dd, 'cumsum', 'dim', 2);
  const d = normDim(dd, x.ndim);
  const a = asFloat(x);
  const y = scanK('cumsum', atLeast1d(a), d, x._shape);
  if (a !== x) {
    const yi = K.castTo(y, 'int64');
    y.dispose();
    a.dispose();
    return yi;
  }
  // cumsum_backward: the reversed cumulative sum, here sum(g) - cumsum(g) + g along dim.
  return record(
    'CumsumBackward0',
    y,
    [x],
    () => [],
    (g) => [x.ndim === 0 ? g : g.sum(d, true).sub(g.cumsum(d)).add(g)],
  );
}

// ---- norm ---------------------------------------------------------------------------------------

export function norm(x: Tensor, p?: number | NormOpts | null, dim?: number | null, keepdim?: boolean): Tensor {
  V.tensor(x, 'norm', 'input', 1);
  let o: NormOpts;
  if (V.isOptions(p)) {
    V.options(NORM_OPTS, p);
    o = p as NormOpts;
  } else {
    V.optNumber(p, 'norm', 'p', 2);
    o = { p: p ?? undefined, dim: dim ?? undefined, keepdim };
  }
  const ord = o.p ?? 2;
  if (!isFloating(x.dtype)) {
    throw new Error(`norm(): input dtype should be either floating point or complex. Got ${V.scalarName(x.dtype)} instead.`);
  }
  const s = parseDim(x, o.dim ?? null, o.dim === undefined ? undefined : o.keepdim, NORM_OPTS);
  const dims = s.dim === null ? [] : [s.dim];
  const y = withTemps(() => {
    if (ord === 2) return K.unary('sqrt', K.reduce('sum', K.binary('mul', x, x), dims, s.keepdim));
    if (ord === 0) return K.reduce('sum', K.castTo(compare('ne', x, 0), x.dtype), dims, s.keepdim);
    const ax = K.unary('abs', x);
    if (ord === 1) return K.reduce('sum', ax, dims, s.keepdim);
    if (ord === Infinity || ord === -Infinity) return K.reduce(ord > 0 ? 'max' : 'min', ax, dims, s.keepdim);
    const sp = K.reduce('sum', K.binary('pow', ax, K.full([], ord, x.dtype)), dims, s.keepdim);
    return K.binary('pow', sp, K.full([], 1 / ord, x.dtype));
  });
  return record(
    'NormBackward1',
    y,
    [x],
    () => [x, y],
    (g, [sx, sy]) => {
      const gu = unreduce(g, sx._shape, s);
      const r = unreduce(sy, sx._shape, s);
      const atZero = compare('eq', r, 0);
      if (ord === 0) return [null]; // PyTorch returns an undefined gradient (x.grad stays null)
      if (ord === 1) return [sx.sign().mul(gu)];
      if (ord === 2) return [sx.mul(where(atZero, 0, gu.div(r)))];
      const ax = sx.abs();
      if (ord !== Infinity && ord !== -Infinity) {
        // PyTorch's norm_backward for a general p (three ranges of p).
        if (ord < 1)
          return [
            sx
              .sign()
              .mul(where(compare('eq', sx, 0), 0, ax.pow(ord - 1)))
              .mul(gu)
              .mul(r.pow(1 - ord)),
          ];
        const scale = where(atZero, 0, gu.div(r.pow(ord - 1)));
        return [(ord < 2 ? sx.sign().mul(ax.pow(ord - 1)) : sx.mul(ax.pow(ord - 2))).mul(scale)];
      }
      // Derivative of amax(abs(x)): split evenly among the elements at the max (or NaN).
      const mask = compare('eq', ax, r).to(g.dtype);
      const count = s.dim === null ? mask.sum() : mask.sum(s.dim, true);
      return [sx.sign().mul(gu.div(count).mul(mask))];
    },
  );
}

// ---- gather, masked_fill ------------------------------------------------------------------------

/** zeros(shape).scatter_add(dim, index, src), differentiable in src (its adjoint is gather). */
function scatterAdd(src: Tensor, dim: number, index: Tensor, shape: Shape): Tensor {
  const out = scatterAddK(src, dim, index, shape);
  return record(
    'ScatterAddBackward0',
    out,
    [src],
    () => [index],
    (g, [i]) => [gather(g, dim, i)],
  );
}

export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  V.tensor(x, 'gather', 'input', 1);
  V.int(dim, 'gather', 'dim', 2);
  V.tensor(index, 'gather', 'index', 3);
  const d = normDim(dim, x.ndim);
  if (index.dtype !== 'int64') throw new Error('gather(): Expected dtype int64 for index');
  const xr = atLeast1d(x);
  const ir = atLeast1d(index);
  if (xr.ndim !== ir.ndim) throw new Error('Index tensor must have the same number of dimensions as input tensor');
  for (let i = 0; i < xr.ndim; i++) {
    if (i !== d && ir._shape[i] > xr._shape[i]) {
      throw new Error(
        `Size does not match at dimension ${i} expected index [${ir._shape.join(', ')}] to be smaller than self [${xr._shape.join(', ')}] apart from dimension ${d}`,
      );
    }
  }
  const bad = indexCheckK(ir, xr._shape[d]);
  if (bad >= 0) {
    const v = ir.reshape([-1]).narrow(0, bad, 1).item();
    throw new Error(`index ${v} is out of bounds for dimension ${d} with size ${xr._shape[d]}`);
  }
  const a = asFloat(xr);
  let y = gatherK(a, d, ir).reshape(index._shape);
  if (a !== xr) {
    y = K.castTo(y, x.dtype);
    return y;
  }
  const xShape = xr._shape;
  return record(
    'GatherBackward0',
    y,
    [x],
    () => [index],
    (g, [i]) => [scatterAdd(atLeast1d(g), d, atLeast1d(i), xShape).reshape(x._shape)],
  );
}

export function maskedFill(x: Tensor, mask: Tensor, value: number | Tensor): Tensor {
  V.tensor(x, 'masked_fill', 'input', 1);
  V.tensor(mask, 'masked_fill', 'mask', 2);
  // PyTorch 1.13 takes an integer mask as its truth values (and reads a float one's bytes: refused).
  if (isFloating(mask.dtype))
    throw new Error(`masked_fill_ only supports boolean masks, but got mask with dtype ${V.scalarName(mask.dtype)}`);
  if (typeof value !== 'number') {
    V.tensor(value, 'masked_fill', 'value', 3);
    if (value.ndim !== 0) {
      throw new Error(`masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ${value.ndim} dimension(s).`);
    }
  }
  const v = typeof value === 'number' ? K.full([], value, x.dtype) : K.castTo(value, x.dtype);
  const m = mask.dtype === 'bool' ? mask : compare('ne', mask, 0);
  const y = K.whereK(m, v, x);
  v.dispose();
  return record(
    'MaskedFillBackward0',
    y,
    [x],
    () => [m],
    (g, [sm]) => [where(sm, 0, g)],
  );
}

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

export const SCAN_OPS = {
  prod: defineOp({
    name: 'prod',
    py: 'prod',
    kind: 'reduction',
    fn: prod,
    doc: 'Product of all elements or along one dim (int64 for integer inputs).',
    nodes: ['ProdBackward0', 'ProdBackward1'],
    kernels: ['prod'],
    dtype: 'same',
    saves: 'self and result',
    methods: { prod: true },
    golden: { args: [['T']], kwargs: ['dim', 'keepdim'] },
    test: {
      grad: 'twice',
      domain: [0.5, 1.5],
      samples: [
        { args: [{ shape: [3, 4], domain: [0.5, 1.5] }] },
        { args: [{ shape: [3, 4], domain: [0.5, 1.5] }, 1] },
        { args: [{ shape: [2, 3, 2], domain: [0.5, 1.5] }, 0, true], note: 'keepdim' },
      ],
    },
  }),
  cumsum: defineOp({
    name: 'cumsum',
    py: 'cumsum',
    // Not 'reduction': it keeps the shape and needs its dim (no generated all-dims samples).
    kind: 'movement',
    fn: cumsum,
    doc: 'Cumulative sum along a dim (accumulated in float64).',
    nodes: ['CumsumBackward0'],
    kernels: ['cumsum'],
    dtype: 'same',
    saves: 'nothing',
    methods: { cumsum: true },
    golden: { args: [['T']], kwargs: ['dim'], kwPositional: true },
    test: {
      grad: 'twice',
      samples: [{ args: [{ shape: [3, 4] }, 0] }, { args: [{ shape: [2, 3, 4] }, -1] }, { args: [{ shape: [] }, 0], note: '0-d' }],
    },
  }),
  norm: defineOp({
    name: 'norm',
    py: 'norm',
    kind: 'reduction',
    fn: norm,
    doc: 'Vector norm (any p, inf, -inf, 0) of all elements or along one dim.',
    nodes: ['NormBackward1'],
    kernels: ['sqrt', 'abs', 'sum', 'max', 'min', 'mul', 'pow'],
    dtype: 'same',
    saves: 'self and result',
    methods: { norm: true },
    golden: { args: [['T']], kwargs: ['p', 'dim', 'keepdim'], kwPositional: true },
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [3, 4] }] },
        { args: [{ shape: [3, 4] }, 2, 1] },
        { args: [{ shape: [2, 3, 4] }, 1, 0, true], note: 'p=1' },
        { args: [{ shape: [3, 4] }, Infinity, 1], note: 'p=inf' },
        { args: [{ shape: [3, 4] }, 3, 1], note: 'p=3' },
        { args: [{ shape: [3, 4], domain: [0.5, 1.5] }, 1.5], note: 'p=1.5' },
        { args: [{ shape: [3, 4], domain: [0.5, 1.5] }, 0.5, 0], note: 'p=0.5' },
      ],
    },
  }),
  gather: defineOp({
    name: 'gather',
    py: 'gather',
    kind: 'indexing',
    fn: gather,
    doc: 'Values along a dim at int64 indices (repeated indices accumulate in the gradient).',
    nodes: ['GatherBackward0'],
    kernels: ['gather', 'scatter_add', 'index_check'],
    dtype: 'same',
    saves: 'index',
    methods: { gather: true },
    golden: { args: [['T', 'I', 'T']] },
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [3, 4] }, 0, { ints: [0, 2, 1, 0, 2, 2, 0, 1], shape: [2, 4] }] },
        { args: [{ shape: [3, 4] }, 1, { ints: [0, 0, 3, 1, 2, 2], shape: [3, 2] }], note: 'repeats' },
        { args: [{ shape: [3, 4] }, -1, { ints: [1, 3], shape: [2, 1] }], note: 'smaller index' },
      ],
    },
  }),
  maskedFill: defineOp({
    name: 'maskedFill',
    py: 'masked_fill',
    kind: 'indexing',
    fn: maskedFill,
    doc: 'x with `value` where the (broadcast) bool mask is true.',
    nodes: ['MaskedFillBackward0'],
    kernels: ['where'],
    dtype: 'same',
    saves: 'mask',
    methods: { maskedFill: true },
    golden: { args: [['T', 'T', 'F']] },
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [3] }, { bools: [true, false, true] }, 0.5] },
        { args: [{ shape: [2, 3] }, { bools: [false, true, false] }, -2], note: 'broadcast mask' },
      ],
    },
  }),
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
