// Scans and selections along a dim: prod, cumsum, norm (vector norm), gather, masked_fill (max/min
// and argmax/argmin are in ./extrema.ts). Kernels in assembly/scan.ts; backward formulas as PyTorch
// 1.13's derivatives.yaml, written with differentiable ops.
import type { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { isFloating } from '../dtype.js';
import { normDim, type Shape } from '../shape.js';
import { withTemps } from '../scope.js';
import * as K from './internal.js';
import { gatherK, indexCheckK, scanK, scatterAddK } from './kernels/scan.js';
import * as V from '../validate.js';
import { compare, where } from './compare.js';
import { type OpSpec, defineOp } from './registry.js';
import { svdNorm } from './svd.js';

/** Keyword arguments with PyTorch's `dim` and `keepdim` (argmax, argmin). */
export interface DimOpts {
  /** The dimension to reduce (PyTorch's `dim`). */
  dim?: number;
  /** Keep reduced dimensions with size 1 (PyTorch's `keepdim`). */
  keepdim?: boolean;
}
/** Keyword arguments of `norm`: PyTorch's `p`, `dim`, `keepdim`. */
export interface NormOpts {
  /** A number (vector norm), 'fro' (Frobenius) or 'nuc' (nuclear: the sum of the singular values). */
  p?: number | 'fro' | 'nuc';
  /** The dimension(s) to reduce (PyTorch's `dim`; negative counts from the end). */
  dim?: number | readonly number[];
  /** Keep reduced dimensions with size 1 (PyTorch's `keepdim`). */
  keepdim?: boolean;
}

export const dimOpts = (entry: string): V.OptionSpec => V.optionSpec(entry, { dim: 'int', keepdim: 'bool' }, ['dtype', 'out']);
const PROD_OPTS = dimOpts('prod');
const NORM_OPTS = V.optionSpec('norm', { p: 'any', dim: 'any', keepdim: 'bool' }, ['dtype', 'out']);
const NORM_DIM_OPTS = V.optionSpec('norm', { dim: 'int', keepdim: 'bool' }, ['dtype', 'out']);

export interface DimSpec {
  /** The normalised dim, or null for all elements. */
  dim: number | null;
  keepdim: boolean;
}

/** (x, dim | options, keepdim): one optional dim, checked and wrapped. */
export function parseDim(x: Tensor, dim: number | DimOpts | null | undefined, keepdim: boolean | undefined, spec: V.OptionSpec): DimSpec {
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
export function reducedShape(shape: Shape, s: DimSpec): number[] {
  if (s.dim === null) return s.keepdim ? shape.map(() => 1) : [];
  if (shape.length === 0) return [];
  return s.keepdim ? shape.map((v, i) => (i === s.dim ? 1 : v)) : shape.filter((_, i) => i !== s.dim);
}

/** A gradient of the reduced shape, reshaped to broadcast against the input. */
export function unreduce(g: Tensor, shape: Shape, s: DimSpec): Tensor {
  if (s.keepdim || shape.length === 0) return g;
  if (s.dim === null) return g.reshape(shape.map(() => 1));
  return g.unsqueeze(s.dim);
}

/** Integer and bool inputs compute in float64 (exact up to 2 ** 53). */
export function asFloat(x: Tensor): Tensor {
  return isFloating(x.dtype) ? x : K.castTo(x, 'float64');
}

/** The input's rank-1 form for a 0-d input (dim 0 or -1 of a scalar is the scalar itself). */
export const atLeast1d = (x: Tensor): Tensor => (x.ndim === 0 ? x.reshape([1]) : x);

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

/** The dims of a dim argument given as a list (PyTorch's IntArrayRef), normalised. */
function dimList(x: Tensor, dims: readonly number[]): number[] {
  for (const d of dims) V.int(d, 'norm', 'dim', 3);
  return dims.map((d) => normDim(d, x.ndim));
}

/** torch.norm(x, p = 'fro', dim, keepdim): PyTorch 1.13's torch.norm dispatch over p and dim. */
export function norm(
  x: Tensor,
  p?: number | 'fro' | 'nuc' | NormOpts | null,
  dim?: number | readonly number[] | null,
  keepdim?: boolean,
): Tensor {
  V.tensor(x, 'norm', 'input', 1);
  let o: NormOpts;
  if (V.isOptions(p)) {
    V.options(NORM_OPTS, p);
    o = p as NormOpts;
  } else {
    if (typeof p !== 'string') V.optNumber(p, 'norm', 'p', 2);
    o = { p: p ?? undefined, dim: dim ?? undefined, keepdim };
  }
  if (o.p !== undefined && o.p !== null && typeof o.p !== 'number' && typeof o.p !== 'string') {
    throw new TypeError(`norm(): argument 'p' must be Number or str, not ${V.typeName(o.p)}`);
  }
  // p's default is 'fro' (a dim list of two: sqrt(sum(x * x))); p = null is 2.
  if (typeof o.p === 'string' || (o.p === undefined && Array.isArray(o.dim))) return stringNorm(x, o.p ?? 'fro', o.dim, o.keepdim ?? false);
  const ord = o.p ?? 2;
  if (!isFloating(x.dtype)) {
    throw new Error(`norm(): input dtype should be either floating point or complex. Got ${V.scalarName(x.dtype)} instead.`);
  }
  let d1 = o.dim;
  if (Array.isArray(d1)) {
    if (d1.length !== 1) throw new Error('asgrad: norm() with a numeric p reduces over one dim or all of them (a dim list of one)');
    d1 = d1[0] as number;
  }
  const s = parseDim(x, (d1 as number | undefined) ?? null, o.keepdim, NORM_DIM_OPTS);
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
      if (ord !== Infinity && ord !== -Infinity) {
        const ax = sx.abs();
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
      // Derivative of amax(abs(x)): split evenly among the elements at the max (or NaN). The mask
      // has no gradient: |x| by the kernel, recording no node (whose saved x would outlive the rule).
      const mask = compare('eq', K.unary('abs', sx), r).to(g.dtype);
      const count = s.dim === null ? mask.sum() : mask.sum(s.dim, true);
      return [sx.sign().mul(gu.div(count).mul(mask))];
    },
  );
}

/** p = 'fro' (Frobenius: the 2-norm of all elements or over one dim; over two dims sqrt(sum(x * x))) or 'nuc'. */
function stringNorm(x: Tensor, p: string, dim: number | readonly number[] | undefined, keepdim: boolean): Tensor {
  if (p !== 'fro' && p !== 'nuc') throw new Error(`only valid string values are 'fro' and 'nuc', found ${p}`);
  const dims = dim === undefined ? undefined : typeof dim === 'number' ? [dim] : [...dim];
  if (p === 'fro') {
    if (dims === undefined || dims.length <= 1) {
      return dims?.length ? norm(x, { p: 2, dim: dims[0], keepdim }) : norm(x, 2, null, keepdim);
    }
    if (dims.length > 2) throw new Error(`Expected at most 2 dimensions, but got ${dims.length} dimensions instead.`);
    const [a, b] = dimList(x, dims);
    if (a === b) throw new Error(`Expected dims to be different, got [${dims.join(', ')}] instead`);
    if (!isFloating(x.dtype)) {
      throw new Error(`norm(): input dtype should be either floating point or complex. Got ${V.scalarName(x.dtype)} instead.`);
    }
    return x.mul(x).sum([a, b], keepdim).sqrt();
  }
  // The nuclear norm: the sum of the singular values (linalg.svd), as PyTorch 1.13's matrix_norm.
  if (dims === undefined) {
    if (x.ndim !== 2) {
      throw new Error(`Expected a tensor with 2 dimensions, but got a tensor with ${x.ndim} dimension${x.ndim === 1 ? '' : 's'} instead.`);
    }
    return svdNorm(x, 'nuc', 0, 1, keepdim, 'UnsqueezeBackward1');
  }
  if (dims.length !== 2) throw new Error("nuclear norm requires a 'dim' argument of size 2");
  const [a, b] = dimList(x, dims);
  if (a === b) throw new Error('duplicate or invalid dimensions');
  return svdNorm(x, 'nuc', a, b, keepdim, 'UnsqueezeBackward1');
}

// ---- gather, masked_fill ------------------------------------------------------------------------

/** zeros(shape).scatter_add(dim, index, src), differentiable in src (its adjoint is gather). */
export function scatterAdd(src: Tensor, dim: number, index: Tensor, shape: Shape): Tensor {
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

// ---- entries ------------------------------------------------------------------------------------

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
    doc: "Vector norm (any p, inf, -inf, 0) of all elements or along one dim; p='fro' or 'nuc' (sum of singular values) over two dims.",
    nodes: [
      'NormBackward1',
      'SqrtBackward0',
      'SumBackward1',
      'MulBackward0',
      'LinalgSvdBackward0',
      'PermuteBackward0',
      'UnsqueezeBackward1',
    ],
    kernels: ['sqrt', 'abs', 'sum', 'max', 'min', 'mul', 'pow', 'svd_jacobi_f64'],
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
        { args: [{ shape: [2, 3, 4] }, 'fro', [0, 2]], note: "p='fro' over two dims" },
        { args: [{ shape: [2, 3, 4] }, 'fro', [-1, 1], true], note: "p='fro' over two dims, keepdim" },
        { args: [{ shape: [3, 4] }, 'fro', 1], note: "p='fro' over one dim" },
        { args: [{ shape: [3, 4] }, 'nuc'], note: "p='nuc'" },
        { args: [{ shape: [2, 3, 4] }, 'nuc', [2, 0], true], note: "p='nuc' over two dims, keepdim" },
        { args: [{ shape: [3, 4] }, 2, null, true], note: 'all dims, keepdim' },
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
} as const satisfies Record<string, OpSpec>;
