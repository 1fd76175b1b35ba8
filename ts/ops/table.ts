// The op table: every differentiable op is defined here once, its forward (a kernel call) beside
// its backward rule, PyTorch's node name and what it saves. Rules are written with these same ops,
// so gradients of gradients work; broadcast reduction of gradients happens in the engine.
import { Tensor } from '../tensor.js';
import type { ReduceDims, ReduceOpts, VarOpts } from '../tensor.js';
import { record } from '../autograd.js';
import { DType, isFloating, resultType } from '../dtype.js';
import { isGradEnabled, noGrad } from '../grad_mode.js';
import {
  broadcastShapes,
  contiguousStrides,
  fmtShape,
  isContiguous,
  normDim,
  numelOf,
  sameShape,
  Shape,
} from '../shape.js';
import * as K from './internal.js';
import { getCore } from '../core/wasm.js';
import { withTemps } from '../scope.js';

export type Scalar = number | boolean;
export type NestedNumbers = number | boolean | bigint | readonly NestedNumbers[];
export type TypedData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Int16Array;
export type TensorLike = Tensor | NestedNumbers | TypedData;

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

// ---- creation ------------------------------------------------------------------------------------

function inferShape(data: NestedNumbers): number[] {
  const shape: number[] = [];
  let cur: NestedNumbers = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0] as NestedNumbers;
  }
  return shape;
}

function flattenInto(data: NestedNumbers, shape: number[], depth: number, out: (number | boolean | bigint)[]): void {
  if (depth === shape.length) {
    if (Array.isArray(data)) throw new TypeError('asgrad: tensor(): ragged nested sequence');
    out.push(data as number | boolean | bigint);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[depth]) {
    throw new TypeError(
      `expected sequence of length ${shape[depth]} at dim ${depth} (got ${Array.isArray(data) ? data.length : 'a scalar'})`,
    );
  }
  for (const d of data as readonly NestedNumbers[]) flattenInto(d, shape, depth + 1, out);
}

function typedFor(values: ArrayLike<number | boolean | bigint>, dtype: DType): Float32Array | Float64Array | BigInt64Array | Uint8Array {
  const n = values.length;
  switch (dtype) {
    case 'float32': {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = Number(values[i]);
      return a;
    }
    case 'float64': {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) a[i] = Number(values[i]);
      return a;
    }
    case 'int64': {
      const a = new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        a[i] = typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
      }
      return a;
    }
    default: {
      const a = new Uint8Array(n);
      for (let i = 0; i < n; i++) a[i] = values[i] ? 1 : 0;
      return a;
    }
  }
}

/** Float arrays keep their precision; integer arrays (there is no uint8/int32 dtype) give int64. */
function dtypeOfTyped(d: TypedData): DType {
  if (d instanceof Float32Array) return 'float32';
  if (d instanceof Float64Array) return 'float64';
  return 'int64';
}

/** torch.tensor(data, { dtype, requiresGrad }): copies nested arrays, numbers or typed arrays. */
export function tensor(data: TensorLike, opts: TensorOptions = {}): Tensor {
  let t: Tensor;
  if (data instanceof Tensor) {
    t = noGrad(() => K.contiguousCopy(data));
    if (opts.dtype && opts.dtype !== t.dtype) t = K.castTo(t, opts.dtype);
  } else if (ArrayBuffer.isView(data)) {
    const typed = data as TypedData;
    const dtype = opts.dtype ?? dtypeOfTyped(typed);
    t = K.fromTyped(typedFor(typed as ArrayLike<number | bigint>, dtype), [typed.length], dtype);
  } else {
    const shape = inferShape(data);
    const flat: (number | boolean | bigint)[] = [];
    flattenInto(data, shape, 0, flat);
    let dtype = opts.dtype;
    if (!dtype) {
      // JavaScript has no integer literal (1.0 === 1), so numbers give the default float dtype;
      // bigints give int64 and booleans bool.
      if (flat.length && flat.every((v) => typeof v === 'boolean')) dtype = 'bool';
      else if (flat.length && flat.every((v) => typeof v === 'bigint')) dtype = 'int64';
      else dtype = 'float32';
    }
    t = K.fromTyped(typedFor(flat, dtype), shape, dtype);
  }
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

/** torch.from_numpy's counterpart: a typed array, optionally reshaped (the values are copied). */
export function fromArray(data: TypedData, shape?: readonly number[], opts: TensorOptions = {}): Tensor {
  const t = tensor(data, opts);
  return shape ? t.reshape(shape as number[]) : t;
}

export type ShapeArgs = (number | readonly number[] | TensorOptions)[];

function parseShapeArgs(args: ShapeArgs): { shape: number[]; opts: TensorOptions } {
  let opts: TensorOptions = {};
  const dims: number[] = [];
  for (const a of args) {
    if (typeof a === 'number') dims.push(a);
    else if (Array.isArray(a)) dims.push(...(a as number[]));
    else opts = a as TensorOptions;
  }
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`Trying to create tensor with negative dimension ${d}: ${fmtShape(dims)}`);
  }
  return { shape: dims, opts };
}

function finish(t: Tensor, opts: TensorOptions): Tensor {
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

export function full(shape: readonly number[], value: number, opts: TensorOptions = {}): Tensor {
  return finish(K.full(shape, value, opts.dtype ?? 'float32'), opts);
}
export function zeros(...args: ShapeArgs): Tensor {
  const { shape, opts } = parseShapeArgs(args);
  return finish(K.full(shape, 0, opts.dtype ?? 'float32'), opts);
}
export function ones(...args: ShapeArgs): Tensor {
  const { shape, opts } = parseShapeArgs(args);
  return finish(K.full(shape, 1, opts.dtype ?? 'float32'), opts);
}
export function empty(...args: ShapeArgs): Tensor {
  return zeros(...args);
}
export function rand(...args: ShapeArgs): Tensor {
  const { shape, opts } = parseShapeArgs(args);
  return finish(K.randomK('rand', shape, opts.dtype ?? 'float32'), opts);
}
export function randn(...args: ShapeArgs): Tensor {
  const { shape, opts } = parseShapeArgs(args);
  return finish(K.randomK('randn', shape, opts.dtype ?? 'float32'), opts);
}
function likeOpts(t: Tensor, opts: TensorOptions): TensorOptions {
  return { dtype: opts.dtype ?? t.dtype, requiresGrad: opts.requiresGrad };
}
export const zerosLike = (t: Tensor, opts: TensorOptions = {}): Tensor => zeros(t._shape, likeOpts(t, opts));
export const onesLike = (t: Tensor, opts: TensorOptions = {}): Tensor => ones(t._shape, likeOpts(t, opts));
export const fullLike = (t: Tensor, v: number, opts: TensorOptions = {}): Tensor => full(t._shape, v, likeOpts(t, opts));
export const randLike = (t: Tensor, opts: TensorOptions = {}): Tensor => rand(t._shape, likeOpts(t, opts));
export const randnLike = (t: Tensor, opts: TensorOptions = {}): Tensor => randn(t._shape, likeOpts(t, opts));

/** torch.arange(end) / arange(start, end, step?); integer arguments give int64 like PyTorch. */
export function arange(a: number, b?: number | TensorOptions, c?: number | TensorOptions, d?: TensorOptions): Tensor {
  const nums = [a, b, c].filter((x): x is number => typeof x === 'number');
  const opts = ([b, c, d].find((x) => typeof x === 'object') ?? {}) as TensorOptions;
  const [start, end, step] = nums.length === 1 ? [0, nums[0], 1] : nums.length === 2 ? [nums[0], nums[1], 1] : nums;
  if (step === 0) throw new RangeError('step must be nonzero');
  const n = Math.max(0, Math.ceil((end - start) / step));
  const dtype = opts.dtype ?? (nums.every(Number.isInteger) ? 'int64' : 'float32');
  return finish(K.rangeK('arange', n, start, step, dtype), opts);
}

export function linspace(start: number, end: number, steps: number, opts: TensorOptions = {}): Tensor {
  if (steps < 0) throw new RangeError('number of steps must be non-negative');
  return finish(K.rangeK('linspace', steps, start, end, opts.dtype ?? 'float32'), opts);
}

export function manualSeed(seed: number | bigint): void {
  const s = BigInt.asUintN(64, BigInt(seed));
  getCore().rng_seed(Number(s & 0xffffffffn), Number(s >> 32n));
}

// ---- operands ------------------------------------------------------------------------------------

type Operand = Tensor | Scalar;

function isScalar(x: unknown): x is Scalar {
  return typeof x === 'number' || typeof x === 'boolean';
}

function asTensorOperand(x: TensorLike | Scalar): Operand {
  if (x instanceof Tensor || isScalar(x)) return x;
  return tensor(x);
}

/** PyTorch's type promotion for a list of operands (tensors and Python scalars). */
function promote(ops: Operand[]): DType {
  // The common case: float tensors of one dtype, or one with a number.
  const [p, q] = ops;
  if (ops.length === 2 && p instanceof Tensor && (p.dtype === 'float32' || p.dtype === 'float64')) {
    if (typeof q === 'number' || (q instanceof Tensor && q.dtype === p.dtype)) return p.dtype;
  }
  const dims: DType[] = [];
  const zero: DType[] = [];
  const scal: ('int' | 'float' | 'bool')[] = [];
  for (const o of ops) {
    if (o instanceof Tensor) (o.ndim ? dims : zero).push(o.dtype);
    else scal.push(typeof o === 'boolean' ? 'bool' : Number.isInteger(o) ? 'int' : 'float');
  }
  return resultType(dims, zero, scal);
}

/** A tensor of `dtype` for an operand: scalars become 0-d tensors, tensors are cast (differentiably). */
function operand(o: Operand, dtype: DType): Tensor {
  if (o instanceof Tensor) return o.dtype === dtype ? o : toDtype(o, dtype);
  return scalarTensor(typeof o === 'boolean' ? (o ? 1 : 0) : o, dtype);
}

// Python scalars in ops (`x.mul(2)`) become 0-d tensors; the common ones are made once and shared.
// They are internal: no scope tracks them and no user can modify them in place.
const scalarCache: Record<DType, Map<number, Tensor>> = {
  float32: new Map(),
  float64: new Map(),
  int64: new Map(),
  bool: new Map(),
};
const SCALAR_CACHE_SIZE = 256;

function scalarTensor(v: number, dtype: DType): Tensor {
  const cache = scalarCache[dtype];
  // -0 and NaN are not cached (Map keys equate -0 with 0; NaN payloads are not kept anyway).
  const cacheable = v === v && !Object.is(v, -0);
  let t = cacheable ? cache.get(v) : undefined;
  if (t && !t.isDisposed) return t;
  t = K.scalarConstant(v, dtype);
  if (!cacheable) return t;
  if (cache.size >= SCALAR_CACHE_SIZE) {
    const [oldest, old] = cache.entries().next().value as [number, Tensor];
    old.dispose();
    cache.delete(oldest);
  }
  cache.set(v, t);
  return t;
}

/** Whether an operand needs a tensor made for it (a cast), which must then be released. */
function needsTemp(o: Operand, dtype: DType): boolean {
  return o instanceof Tensor && o.dtype !== dtype;
}

function floatDtype(d: DType): DType {
  return isFloating(d) ? d : 'float32';
}

// ---- dtype conversion ----------------------------------------------------------------------------

export function toDtype(x: Tensor, dtype: DType): Tensor {
  const y = K.castTo(x, dtype);
  if (!isFloating(dtype)) return y;
  const from = x.dtype;
  return record('ToCopyBackward0', y, [x], () => [], (g) => [toDtype(g, from)]);
}

/**
 * The .grad a backward with createGraph stores: a fresh contiguous copy of the incoming gradient
 * (which may be an expanded or shared tensor that a later in-place accumulation must not write
 * through), recorded as PyTorch records it: CopyBackwards for a leaf (AccumulateGrad), CloneBackward0
 * for a retained gradient.
 */
export function gradCopy(g: Tensor, leaf: boolean): Tensor {
  return record(leaf ? 'CopyBackwards' : 'CloneBackward0', K.contiguousCopy(g), [g], () => [], (gg) => [gg]);
}

// ---- elementwise binary --------------------------------------------------------------------------

type BinaryRule = (g: Tensor, a: Tensor, b: Tensor, needs: readonly boolean[], out: Tensor) => (Tensor | null)[];
/**
 * Which inputs (and, third, whether the output) a rule reads, given which inputs require grad
 * (PyTorch saves only what it needs).
 */
type SavePlan = (aNeeds: boolean, bNeeds: boolean) => [boolean, boolean] | [boolean, boolean, boolean];

const NOTHING: SavePlan = () => [false, false];
const CROSS: SavePlan = (ra, rb) => [rb, ra];
const BOTH: SavePlan = (ra, rb) => [ra || rb, ra || rb];

/**
 * A broadcasting binary op: `kname` is its kernel, `node` PyTorch's node name, `plan` what the rule
 * reads. Integer operands compute in float64 and come back as int64.
 */
function defineBinary(kname: string, node: string, plan: SavePlan, rule: BinaryRule, alwaysFloat = false) {
  const apply = (ox: Operand, oy: Operand, dtype: DType, cdtype: DType): Tensor => {
    const a = operand(ox, cdtype);
    const b = operand(oy, cdtype);
    let out = K.binary(kname, a, b);
    if (cdtype !== dtype) out = K.castTo(out, dtype);
    const [sa, sb, so = false] = plan(a.requiresGrad, b.requiresGrad);
    const none = null as unknown as Tensor;
    return record(
      node,
      out,
      [a, b],
      () => [...(sa ? [a] : []), ...(sb ? [b] : []), ...(so ? [out] : [])],
      // Unsaved tensors are never read by the rule (it only computes the gradients it needs).
      (g, s, needs) => rule(g, sa ? s[0] : none, sb ? s[sa ? 1 : 0] : none, needs, so ? s[s.length - 1] : none),
    );
  };
  return (x: TensorLike | Scalar, y: TensorLike | Scalar): Tensor => {
    const ox = asTensorOperand(x);
    const oy = asTensorOperand(y);
    let dtype = promote([ox, oy]);
    if (alwaysFloat) dtype = floatDtype(dtype);
    const cdtype = isFloating(dtype) ? dtype : 'float64';
    // Only casts (or a nested-array operand) create handles to release: skip the scope otherwise.
    if (needsTemp(ox, cdtype) || needsTemp(oy, cdtype) || cdtype !== dtype || ox !== x || oy !== y) {
      return withTemps(() => apply(ox, oy, dtype, cdtype));
    }
    return apply(ox, oy, dtype, cdtype);
  };
}

const addK = defineBinary('add', 'AddBackward0', NOTHING, (g) => [g, g]);
const subK = defineBinary('sub', 'SubBackward0', NOTHING, (g, _a, _b, n) => [g, n[1] ? neg(g) : null]);
export const mul = defineBinary('mul', 'MulBackward0', CROSS, (g, a, b, n) => {
  // x * x: both gradients go to x; g·x + g·x is exactly 2·(g·x), one pass fewer.
  if (n[0] && n[1] && a._origin !== null && a._origin === b._origin) return [g.mul(b).mul(2), null];
  return [n[0] ? g.mul(b) : null, n[1] ? g.mul(a) : null];
});
export const div = defineBinary(
  'div',
  'DivBackward0',
  (ra, rb) => [rb, ra || rb],
  // PyTorch's formulas: grad / other and -grad * ((self / other) / other) (so 0/0 and inf/inf give
  // NaN where a squared denominator would not).
  (g, a, b, n) => [n[0] ? g.div(b) : null, n[1] ? neg(g).mul(a.div(b).div(b)) : null],
  true,
);
export const maximum = defineBinary('maximum', 'MaximumBackward0', BOTH, (g, a, b, n) => minmaxGrad(g, a, b, n, 'gt'));
export const minimum = defineBinary('minimum', 'MinimumBackward0', BOTH, (g, a, b, n) => minmaxGrad(g, a, b, n, 'lt'));

/**
 * Gradient of maximum/minimum as PyTorch 1.13 writes it: where(a == b, g / 2, g), zeroed where the
 * operand loses. A NaN compares false both ways, so both operands get the whole gradient there.
 */
function minmaxGrad(g: Tensor, a: Tensor, b: Tensor, n: readonly boolean[], cmp: 'gt' | 'lt'): (Tensor | null)[] {
  const shared = where(compare('eq', a, b), g.div(2), g);
  const zero = K.full([], 0, g.dtype);
  const lose: CompareOp = cmp === 'gt' ? 'lt' : 'gt';
  return [
    n[0] ? where(compare(lose, a, b), zero, shared) : null,
    n[1] ? where(compare(lose, b, a), zero, shared) : null,
  ];
}

export function add(x: TensorLike | Scalar, y: TensorLike | Scalar, alpha?: number): Tensor {
  return addK(x, alpha === undefined || alpha === 1 ? y : mul(y as TensorLike, alpha));
}
export function sub(x: TensorLike | Scalar, y: TensorLike | Scalar, alpha?: number): Tensor {
  return subK(x, alpha === undefined || alpha === 1 ? y : mul(y as TensorLike, alpha));
}

export function pow(x: TensorLike | Scalar, e: TensorLike | Scalar): Tensor {
  return withTemps(() => powImpl(x, e));
}

function powImpl(x: TensorLike | Scalar, e: TensorLike | Scalar): Tensor {
  if (isScalar(e) && !isScalar(x)) {
    const xt = asTensorOperand(x) as Tensor;
    const dtype = promote([xt, e]);
    const a = operand(xt, floatDtype(dtype));
    const ev = Number(e);
    let out = K.unary('pows', a, ev);
    if (!isFloating(dtype)) out = K.castTo(out, dtype);
    return record('PowBackward0', out, [a], () => [a], (g, [s]) => [
      ev === 0 ? zerosLike(s) : g.mul(pow(s, ev - 1).mul(ev)),
    ]);
  }
  if (isScalar(x)) {
    const et = asTensorOperand(e) as Tensor;
    const b = operand(et, floatDtype(promote([x, et])));
    const base = Number(x);
    const out = K.unary('rpows', b, base);
    // PyTorch: grad * (result * log(base)), log taken in double and rounded to the dtype; for
    // base 0, 0 where the exponent is >= 0 (the derivative's limit) instead of 0 * -inf.
    const ln = K.castTo(K.unary('log', K.full([], base, 'float64')), b.dtype);
    // Saves the exponent too, as PyTorch does whatever the base (an in-place change is caught).
    return record('PowBackward2', out, [b], () => [out, ln, b], (g, [y, l, e]) => {
      const d = y.mul(l);
      return [g.mul(base === 0 ? where(compare('ge', e, 0), K.full([], 0, d.dtype), d) : d)];
    });
  }
  return powTT(x, e);
}

// PowBackward1 saves self, exponent and its result (PyTorch saves all three whichever input needs
// a gradient); the exponent's gradient reads the result, so under createGraph it goes through this
// node, as in PyTorch.
const POW_SAVES: SavePlan = () => [true, true, true];
const powTT = defineBinary('pow', 'PowBackward1', POW_SAVES, (g, a, b, n, y) => {
  // PyTorch's pow_backward_self / pow_backward_exponent: the zero cases are selected with where, so
  // they stay 0 whatever the other factor (inf, NaN) is.
  const out: (Tensor | null)[] = [null, null];
  if (n[0]) {
    const zero = K.full([], 0, g.dtype);
    out[0] = where(compare('eq', b, 0), zero, g.mul(b.mul(pow(a, b.sub(1)))));
  }
  if (n[1]) {
    const d = y.mul(a.log());
    const cond = logicalAnd(compare('eq', a, 0), compare('ge', b, 0));
    out[1] = g.mul(where(cond, K.full([], 0, d.dtype), d));
  }
  return out;
});

export type CompareOp = 'gt' | 'lt' | 'ge' | 'le' | 'eq' | 'ne';

/** Elementwise comparison → bool tensor (never differentiable). */
export function compare(op: CompareOp, x: TensorLike | Scalar, y: TensorLike | Scalar): Tensor {
  return withTemps(() => {
    const ox = asTensorOperand(x);
    const oy = asTensorOperand(y);
    const dtype = promote([ox, oy]);
    const cd = isFloating(dtype) ? dtype : 'float64';
    return K.binary(op, noGrad(() => operand(ox, cd)), noGrad(() => operand(oy, cd)), 'bool');
  });
}

export function logicalAnd(a: Tensor, b: Tensor): Tensor {
  return K.binary('logical_and', a.to('bool'), b.to('bool'), 'bool', 'logical_and_u8');
}
export function logicalOr(a: Tensor, b: Tensor): Tensor {
  return K.binary('logical_or', a.to('bool'), b.to('bool'), 'bool', 'logical_or_u8');
}

export function where(cond: Tensor, x: TensorLike | Scalar, y: TensorLike | Scalar): Tensor {
  return withTemps(() => whereImpl(cond, x, y));
}

function whereImpl(cond: Tensor, x: TensorLike | Scalar, y: TensorLike | Scalar): Tensor {
  const ox = asTensorOperand(x);
  const oy = asTensorOperand(y);
  const dtype = promote([ox, oy]);
  const cd = isFloating(dtype) ? dtype : 'float64';
  const a = operand(ox, cd);
  const b = operand(oy, cd);
  const c = cond.dtype === 'bool' ? cond : cond.to('bool');
  let out = K.whereK(c, a, b);
  if (cd !== dtype) out = K.castTo(out, dtype);
  return record('WhereBackward0', out, [a, b], () => [c], (g, [cs], n) => {
    const zero = K.full([], 0, g.dtype);
    return [n[0] ? where(cs, g, zero) : null, n[1] ? where(cs, zero, g) : null];
  });
}

// ---- elementwise unary ---------------------------------------------------------------------------

type UnaryRule = (g: Tensor, saved: Tensor) => Tensor;

/** A unary float op whose rule reads its input (`save: 'input'`) or its result (`'output'`). */
function defineUnary(kname: string, node: string, save: 'input' | 'output' | 'none', rule: UnaryRule) {
  return (x: Tensor): Tensor => {
    const a = floatDtype(x.dtype) === x.dtype ? x : K.castTo(x, 'float32');
    const y = K.unary(kname, a);
    return record(node, y, [a], () => (save === 'input' ? [a] : save === 'output' ? [y] : []), (g, s) => [
      rule(g, s[0] ?? a),
    ]);
  };
}

export const neg = defineUnary('neg', 'NegBackward0', 'none', (g) => neg(g));
export const exp = defineUnary('exp', 'ExpBackward0', 'output', (g, y) => g.mul(y));
export const log = defineUnary('log', 'LogBackward0', 'input', (g, x) => g.div(x));
export const sqrt = defineUnary('sqrt', 'SqrtBackward0', 'output', (g, y) => g.div(y.mul(2)));
export const abs = defineUnary('abs', 'AbsBackward0', 'input', (g, x) => g.mul(sign(x)));
export const sin = defineUnary('sin', 'SinBackward0', 'input', (g, x) => g.mul(cos(x)));
export const cos = defineUnary('cos', 'CosBackward0', 'input', (g, x) => g.mul(neg(sin(x))));
export const tanh = defineUnary('tanh', 'TanhBackward0', 'output', (g, y) => g.mul(sub(1, y.mul(y))));
export const sigmoid = defineUnary('sigmoid', 'SigmoidBackward0', 'output', (g, y) => g.mul(y).mul(sub(1, y)));
export const relu = defineUnary('relu', 'ReluBackward0', 'output', (g, y) => thresholdBackward(g, y));
export const reciprocal = defineUnary('reciprocal', 'ReciprocalBackward0', 'output', (g, y) =>
  neg(g).mul(y.mul(y)),
);
export const sign = defineUnary('sign', 'SignBackward0', 'none', (g) => zerosLike(g));

// ---- backward formulas that are ops of their own ------------------------------------------------
// PyTorch computes these gradients with one op that also takes the forward's input or result as a
// differentiable argument whose derivative is zero. So under createGraph the gradient requires grad
// whenever that tensor does (even for a constant upstream gradient), and a second backward sends it
// zeros, not nothing. Each is recorded under PyTorch's node name for it.

/** relu's gradient, threshold_backward(g, y, 0): g where y > 0 (NaN included: y <= 0 fails), else 0. */
function thresholdBackward(g: Tensor, y: Tensor): Tensor {
  const out = noGrad(() => where(compare('le', y, 0), K.full([], 0, g.dtype), g));
  return record('ThresholdBackwardBackward0', out, [g, y], () => [y], (gg, [ys], n) => [
    n[0] ? thresholdBackward(gg, ys) : null,
    n[1] ? zerosLike(gg) : null,
  ]);
}

/** leaky_relu's gradient: g where x > 0, else g * slope (NaN takes the slope). */
function leakyReluBackward(g: Tensor, x: Tensor, slope: number): Tensor {
  const out = noGrad(() => where(compare('gt', x, 0), g, g.mul(slope)));
  return record('LeakyReluBackwardBackward0', out, [g, x], () => [x], (gg, [xs], n) => [
    n[0] ? leakyReluBackward(gg, xs, slope) : null,
    n[1] ? zerosLike(gg) : null,
  ]);
}

export function square(x: Tensor): Tensor {
  return pow(x, 2);
}

export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  const a = floatDtype(x.dtype) === x.dtype ? x : K.castTo(x, 'float32');
  const y = K.unary('leaky_relu', a, negativeSlope);
  return record('LeakyReluBackward0', y, [a], () => [a], (g, [s]) => [leakyReluBackward(g, s, negativeSlope)]);
}

export function clamp(
  x: Tensor,
  min?: number | null | { min?: number | null; max?: number | null },
  max?: number | null,
): Tensor {
  if (min !== null && typeof min === 'object') ({ min, max } = min);
  const lo = min ?? null;
  const hi = max ?? null;
  if (lo === null && hi === null) throw new Error("torch.clamp: At least one of 'min' or 'max' must not be None");
  const a = floatDtype(x.dtype) === x.dtype ? x : K.castTo(x, 'float32');
  const y = K.unary('clamp', a, lo ?? -Infinity, hi ?? Infinity);
  return record('ClampBackward1', y, [a], () => [a], (g, [s]) => {
    let mask: Tensor | null = null;
    if (lo !== null) mask = compare('ge', s, lo);
    if (hi !== null) mask = mask ? logicalAnd(mask, compare('le', s, hi)) : compare('le', s, hi);
    return [where(mask as Tensor, g, 0)];
  });
}

// ---- reductions ----------------------------------------------------------------------------------

interface ReduceSpec {
  dims: number[];
  keepdim: boolean;
  all: boolean;
  /** The dims as the caller gave them (PyTorch's empty-reduction messages quote them). */
  given: number[];
}

function parseReduce(x: Tensor, dim: ReduceDims | ReduceOpts | null | undefined, keepdim?: boolean): ReduceSpec {
  let d: ReduceDims | null | undefined = dim as ReduceDims | null | undefined;
  let kd = keepdim ?? false;
  if (dim !== null && typeof dim === 'object' && !Array.isArray(dim)) {
    const o = dim as ReduceOpts;
    d = o.dim;
    kd = o.keepdim ?? kd;
  }
  if (d === undefined || d === null) return { dims: [], keepdim: false, all: true, given: [] };
  const list = typeof d === 'number' ? [d] : [...d];
  // Every dim is wrapped (range-checked) first, then repeats are refused, as PyTorch's dim bitset.
  const wrapped = list.map((v) => normDim(v, x.ndim));
  const seen = new Set<number>();
  for (const w of wrapped) {
    if (seen.has(w)) throw new Error(`dim ${w} appears multiple times in the list of dims`);
    seen.add(w);
  }
  // dim=[] reduces every dim, like no dim, but PyTorch still records the dim overload (…Backward1).
  const dims = list.length === 0 ? x._shape.map((_, i) => i) : wrapped.sort((p, q) => p - q);
  if (x.ndim === 0) return { dims: [], keepdim: kd, all: false, given: list };
  return { dims, keepdim: kd, all: false, given: list };
}

/** Reshapes a reduced gradient so it broadcasts against the input (re-inserting reduced dims). */
function keepShape(g: Tensor, inShape: Shape, spec: ReduceSpec): Tensor {
  if (spec.keepdim || spec.all) return spec.all && g.ndim !== inShape.length ? g.reshape(inShape.map(() => 1)) : g;
  const shape = inShape.map((d, i) => (spec.dims.includes(i) ? 1 : d));
  return g.reshape(shape);
}

function reducedCount(x: Tensor, spec: ReduceSpec): number {
  if (spec.all || spec.dims.length === 0) return x.numel();
  return numelOf(spec.dims.map((i) => x._shape[i]));
}

function floatInput(x: Tensor): Tensor {
  return isFloating(x.dtype) ? x : K.castTo(x, 'float32');
}

export function sum(x: Tensor, dim?: ReduceDims | ReduceOpts | null, keepdim?: boolean): Tensor {
  const spec = parseReduce(x, dim, keepdim);
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
  return record(spec.all ? 'SumBackward0' : 'SumBackward1', y, [x], () => [], (g) => [
    keepShape(g, shape, spec).expand(shape),
  ]);
}

export function mean(x: Tensor, dim?: ReduceDims | ReduceOpts | null, keepdim?: boolean): Tensor {
  if (!isFloating(x.dtype)) {
    throw new Error(
      `mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${x.dtype === 'int64' ? 'Long' : 'Bool'}`,
    );
  }
  const spec = parseReduce(x, dim, keepdim);
  const y = K.reduce('mean', x, spec.dims, spec.keepdim);
  const shape = x._shape;
  const n = reducedCount(x, spec);
  // PyTorch 1.13's MeanBackward1 saves self (its formula reads self's numel) though the gradient
  // does not use it: a second backward, or an in-place change of self, raises as there.
  return record(spec.all ? 'MeanBackward0' : 'MeanBackward1', y, [x], () => (spec.all ? [] : [x]), (g) => [
    // Divide the reduced gradient, then broadcast it as a view: nothing input-sized is written.
    keepShape(g, shape, spec).div(n).expand(shape),
  ]);
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

function defineExtremum(kind: 'max' | 'min', node: string) {
  return (x: Tensor, dim?: ReduceDims | ReduceOpts | null, keepdim?: boolean): Tensor => {
    const spec = parseReduce(x, dim, keepdim);
    checkNonEmptyReduction(kind === 'max' ? 'amax' : 'amin', x, spec);
    const a = floatInput(x);
    const y = K.reduce(kind, a, spec.dims, spec.keepdim);
    return record(node, y, [a], () => [a, y], (g, [s, r]) => {
      // Ties share the gradient evenly, as PyTorch's amax/amin backward.
      const mask = compare('eq', s, keepShape(r, s._shape, spec)).to(g.dtype);
      const count = spec.all ? mask.sum() : mask.sum(spec.dims, true);
      return [keepShape(g, s._shape, spec).mul(mask).div(count)];
    });
  };
}
export const amax = defineExtremum('max', 'AmaxBackward0');
export const amin = defineExtremum('min', 'AminBackward0');

export function logsumexp(x: Tensor, dim: ReduceDims | ReduceOpts, keepdim?: boolean): Tensor {
  const spec = parseReduce(x, dim, keepdim);
  if (!spec.all && spec.given.length === 0 && !spec.keepdim && x.numel() > 0 && x.ndim > 0) {
    // PyTorch 1.13 reduces a non-empty input over dim=[] with keepdim into a 0-d output and fails
    // (its own bug, kept: a program that runs here must run there).
    throw new Error(`output with shape [] doesn't match the broadcast shape ${fmtShape(x._shape.map(() => 1))}`);
  }
  const a = floatInput(x);
  const y = K.reduce('logsumexp', a, spec.dims, spec.keepdim);
  return record('LogsumexpBackward0', y, [a], () => [a, y], (g, [s, r]) => [
    keepShape(g, s._shape, spec).mul(s.sub(keepShape(r, s._shape, spec)).exp()),
  ]);
}

function parseVar(
  x: Tensor,
  dim: ReduceDims | VarOpts | null | undefined,
  unbiased: boolean | VarOpts | undefined,
  keepdim: boolean | undefined,
): { spec: ReduceSpec; correction: number } {
  let o: VarOpts = {};
  if (dim !== null && typeof dim === 'object' && !Array.isArray(dim)) o = dim as VarOpts;
  else {
    if (typeof unbiased === 'object') o = { ...unbiased };
    else if (typeof unbiased === 'boolean') o.unbiased = unbiased;
    o.dim = (dim ?? undefined) as ReduceDims | undefined;
    if (keepdim !== undefined) o.keepdim = keepdim;
  }
  const correction = o.correction ?? (o.unbiased === false ? 0 : 1);
  return { spec: parseReduce(x, o.dim, o.keepdim), correction };
}

/** The variance both var and std start from, with what their rules need. */
function varianceOf(x: Tensor, dim?: ReduceDims | VarOpts | null, unbiased?: boolean | VarOpts, keepdim?: boolean) {
  const { spec, correction } = parseVar(x, dim, unbiased, keepdim);
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
  return keepShape(g, s._shape, spec).mul(2 / dof).mul(s.sub(s.mean(spec.dims, true)));
}

export function var_(
  x: Tensor,
  dim?: ReduceDims | VarOpts | null,
  unbiased?: boolean | VarOpts,
  keepdim?: boolean,
): Tensor {
  const { spec, a, v, correction } = varianceOf(x, dim, unbiased, keepdim);
  return record('VarBackward0', v, [a], () => [a], (g, [s]) => [varGrad(g, s, spec, correction)]);
}

export function std(
  x: Tensor,
  dim?: ReduceDims | VarOpts | null,
  unbiased?: boolean | VarOpts,
  keepdim?: boolean,
): Tensor {
  const { spec, a, v, correction } = varianceOf(x, dim, unbiased, keepdim);
  const y = K.unary('sqrt', v);
  v.dispose();
  // PyTorch's std_backward: var_backward of g / (2 std), that factor set to 0 where std is 0 (so a
  // constant input gets 0, not 0/0).
  return record('StdBackward0', y, [a], () => [a, y], (g, [s, r]) => {
    const gv = where(compare('eq', r, 0), K.full([], 0, g.dtype), g.div(r.mul(2)));
    return [varGrad(gv, s, spec, correction)];
  });
}

// ---- views and shape ops -------------------------------------------------------------------------

/** Strides that let `shape` view memory laid out as (oldShape, oldStrides), or null (PyTorch's computeStride). */
function viewStrides(oldShape: Shape, oldStrides: readonly number[], shape: Shape): number[] | null {
  if (numelOf(oldShape) === 0) return contiguousStrides(shape);
  // One element (sizes already checked): any shape of ones views it.
  if (oldShape.length === 0) return shape.map(() => 1);
  const newStrides = new Array<number>(shape.length).fill(0);
  let viewD = shape.length - 1;
  let chunkBase = oldStrides.length ? oldStrides[oldStrides.length - 1] : 1;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = oldShape.length - 1; d >= 0; d--) {
    tensorNumel *= oldShape[d];
    if (d === 0 || (oldShape[d - 1] !== 1 && oldStrides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || shape[viewD] === 1)) {
        newStrides[viewD] = viewNumel * chunkBase;
        viewNumel *= shape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = oldStrides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return newStrides;
}

function inferSize(shape: readonly number[], numel: number): number[] {
  const out = shape.slice();
  const neg = out.indexOf(-1);
  const known = numelOf(out.filter((d) => d !== -1));
  if (neg >= 0) {
    if (out.indexOf(-1, neg + 1) >= 0) throw new Error('only one dimension can be inferred');
    if (known === 0 || numel % known !== 0) throw new Error(`shape '${fmtShape(shape)}' is invalid for input of size ${numel}`);
    out[neg] = numel / known;
  } else if (known !== numel) {
    throw new Error(`shape '${fmtShape(shape)}' is invalid for input of size ${numel}`);
  }
  return out;
}

export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const sh = inferSize(shape, x.numel());
  const inShape = x._shape;
  const st = viewStrides(x._shape, x._strides, sh);
  if (st) {
    const y = x._view(sh, st, x._offset);
    return record('ReshapeAliasBackward0', y, [x], () => [], (g) => [g.reshape(inShape)]);
  }
  const y = noGrad(() => K.contiguousCopy(x));
  const v = y._view(sh, contiguousStrides(sh), 0);
  y.dispose();
  return record('UnsafeViewBackward0', v, [x], () => [], (g) => [g.reshape(inShape)]);
}

export function view(x: Tensor, shape: readonly number[]): Tensor {
  const sh = inferSize(shape, x.numel());
  const st = viewStrides(x._shape, x._strides, sh);
  if (!st) {
    throw new Error(
      "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.",
    );
  }
  const inShape = x._shape;
  return record('ViewBackward0', x._view(sh, st, x._offset), [x], () => [], (g) => [g.reshape(inShape)]);
}

/** Reinterprets a fresh contiguous result under a new shape (PyTorch's _unsafe_view). */
function unsafeView(x: Tensor, shape: readonly number[]): Tensor {
  const inShape = x._shape;
  const y = x._view(shape, contiguousStrides(shape), x._offset);
  return record('UnsafeViewBackward0', y, [x], () => [], (g) => [g.reshape(inShape)]);
}

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  const s = normDim(startDim, x.ndim);
  const e = normDim(endDim, x.ndim);
  if (x.ndim === 0) return reshape(x, [1]);
  if (s > e) throw new Error('flatten() has invalid args: start_dim cannot come after end_dim');
  if (s === e) return x;
  const shape = [...x._shape.slice(0, s), numelOf(x._shape.slice(s, e + 1)), ...x._shape.slice(e + 1)];
  return reshape(x, shape);
}

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const nd = x.ndim;
  const d0 = normDim(dim0, nd);
  const d1 = normDim(dim1, nd);
  const shape = x._shape.slice();
  const st = x._strides.slice();
  if (nd > 0) {
    [shape[d0], shape[d1]] = [shape[d1], shape[d0]];
    [st[d0], st[d1]] = [st[d1], st[d0]];
  }
  return record('TransposeBackward0', x._view(shape, st, x._offset), [x], () => [], (g) => [g.transpose(d0, d1)]);
}

export function t(x: Tensor): Tensor {
  if (x.ndim > 2) throw new Error(`t() expects a tensor with <= 2 dimensions, but self is ${x.ndim}D`);
  const shape = x._shape.slice().reverse();
  const st = x._strides.slice().reverse();
  return record('TBackward0', x._view(shape, st, x._offset), [x], () => [], (g) => [g.t()]);
}

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.ndim) {
    throw new Error(
      `permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${x.ndim} is not equal to len(dims) = ${dims.length}`,
    );
  }
  const p = dims.map((d) => normDim(d, x.ndim));
  if (new Set(p).size !== p.length) throw new Error('permute(): duplicate dims are not allowed.');
  const inv = new Array<number>(p.length);
  p.forEach((d, i) => (inv[d] = i));
  const y = x._view(p.map((d) => x._shape[d]), p.map((d) => x._strides[d]), x._offset);
  return record('PermuteBackward0', y, [x], () => [], (g) => [g.permute(inv)]);
}

export function squeeze(x: Tensor, dim?: number, node = dim === undefined ? 'SqueezeBackward0' : 'SqueezeBackward1'): Tensor {
  const inShape = x._shape;
  let keep: number[];
  if (dim === undefined) keep = x._shape.map((_, i) => i).filter((i) => x._shape[i] !== 1);
  else {
    const d = normDim(dim, x.ndim);
    keep = x._shape.map((_, i) => i).filter((i) => i !== d || x._shape[i] !== 1);
  }
  const y = x._view(keep.map((i) => x._shape[i]), keep.map((i) => x._strides[i]), x._offset);
  return record(node, y, [x], () => [], (g) => [g.reshape(inShape)]);
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normDim(dim, x.ndim + 1);
  const shape = x._shape.slice();
  const st = x._strides.slice();
  const s = d < x.ndim ? x._strides[d] * x._shape[d] : 1;
  shape.splice(d, 0, 1);
  st.splice(d, 0, s);
  return record('UnsqueezeBackward0', x._view(shape, st, x._offset), [x], () => [], (g) => [g.squeeze(d)]);
}

export function expand(x: Tensor, sizes: readonly number[]): Tensor {
  if (sizes.length < x.ndim) {
    throw new Error(
      `expand(${x.dtype === 'float32' ? 'torch.FloatTensor' : 'torch.Tensor'}{${fmtShape(x._shape)}}, size=${fmtShape(sizes)}): the number of sizes provided (${sizes.length}) must be greater or equal to the number of dimensions in the tensor (${x.ndim})`,
    );
  }
  const lead = sizes.length - x.ndim;
  const shape: number[] = [];
  const st: number[] = [];
  for (let i = 0; i < sizes.length; i++) {
    const j = i - lead;
    const cur = j >= 0 ? x._shape[j] : 1;
    let want = sizes[i];
    if (want === -1) {
      if (j < 0) throw new Error('The expanded size of the tensor (-1) isn\'t allowed in a leading, non-existing dimension 0');
      want = cur;
    }
    if (cur !== want && cur !== 1) {
      throw new Error(
        `The expanded size of the tensor (${want}) must match the existing size (${cur}) at non-singleton dimension ${i}.  Target sizes: ${fmtShape(sizes)}.  Tensor sizes: ${fmtShape(x._shape)}`,
      );
    }
    shape.push(want);
    st.push(j >= 0 && cur === want ? x._strides[j] : 0);
  }
  // The rule returns g as is: the engine sums it down to x's shape.
  return record('ExpandBackward0', x._view(shape, st, x._offset), [x], () => [], (g) => [g]);
}

export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  if (x.ndim === 0) throw new Error('narrow() cannot be applied to a 0-dim tensor.');
  const d = normDim(dim, x.ndim);
  const size = x._shape[d];
  const s = start < 0 ? start + size : start;
  if (s < 0 || s > size) throw new RangeError(`start (${start}) is out of bounds for dimension ${d} of size ${size}`);
  if (length < 0 || s + length > size) {
    throw new RangeError(`start (${start}) + length (${length}) exceeds dimension size (${size}).`);
  }
  const shape = x._shape.slice();
  shape[d] = length;
  const inShape = x._shape;
  const y = x._view(shape, x._strides, x._offset + s * x._strides[d]);
  return record('SliceBackward0', y, [x], () => [], (g) => [sliceScatter(g, inShape, d, s)]);
}

/** zeros(shape) with `src` written at [start, start+len) along dim: narrow's adjoint. */
function sliceScatter(src: Tensor, shape: Shape, dim: number, start: number): Tensor {
  const out = K.full(shape, 0, src.dtype);
  const dst = out._view(src._shape, out._strides, start * out._strides[dim]);
  K.copyInto(dst, src);
  dst.dispose();
  return record('SliceBackwardBackward0', out, [src], () => [], (g) => [g.narrow(dim, start, src._shape[dim])]);
}

export function select(x: Tensor, dim: number, index: number): Tensor {
  if (x.ndim === 0) throw new RangeError('select() cannot be applied to a 0-dim tensor.');
  const d = normDim(dim, x.ndim);
  const size = x._shape[d];
  const i = index < 0 ? index + size : index;
  if (i < 0 || i >= size) throw new RangeError(`select(): index ${index} out of range for tensor of size ${fmtShape(x._shape)} at dimension ${d}`);
  const shape = x._shape.filter((_, k) => k !== d);
  const st = x._strides.filter((_, k) => k !== d);
  const inShape = x._shape;
  const y = x._view(shape, st, x._offset + i * x._strides[d]);
  return record('SelectBackward0', y, [x], () => [], (g) => [sliceScatter(g.unsqueeze(d), inShape, d, i)]);
}

/** A 1-D tensor of no elements: cat skips it whatever its rank and dim (PyTorch's legacy rule). */
function legacyEmpty(x: Tensor): boolean {
  return x.ndim === 1 && x._shape[0] === 0;
}

export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  tensors.forEach((x, i) => {
    if (x.ndim === 0) throw new Error(`zero-dimensional tensor (at position ${i}) cannot be concatenated`);
  });
  if (tensors.length === 0) return zeros(0);
  const ts = tensors.filter((x) => !legacyEmpty(x));
  let out: Tensor;
  let d = 0;
  if (ts.length === 0) out = K.full([0], 0, promote([...tensors]));
  else {
    const ref = ts[0];
    d = normDim(dim, ref.ndim);
    const shape = ref._shape.slice();
    shape[d] = 0;
    for (const x of ts) {
      if (x.ndim !== ref.ndim || x._shape.some((s, i) => i !== d && s !== ref._shape[i])) {
        throw new Error(
          `Sizes of tensors must match except in dimension ${d}. Expected size ${ref._shape.find((_, i) => i !== d)} but got size ${x._shape.find((s, i) => i !== d && s !== ref._shape[i])} for tensor number ${ts.indexOf(x)} in the list.`,
        );
      }
      shape[d] += x._shape[d];
    }
    out = K.empty(shape, promote(ts));
    let off = 0;
    for (const x of ts) {
      const dst = out._view(x._shape, out._strides, off * out._strides[d]);
      K.copyInto(dst, x);
      dst.dispose();
      off += x._shape[d];
    }
  }
  // Skipped tensors are inputs all the same (PyTorch's CatBackward0 gives them zeros of shape [0]),
  // so gradients still reach what computed them.
  const parts = tensors.map((x) => (legacyEmpty(x) ? -1 : x._shape[d]));
  return record('CatBackward0', out, tensors, () => [], (g, _s, n) => {
    let o = 0;
    return parts.map((len, i) => {
      if (len < 0) return n[i] ? K.full([0], 0, g.dtype) : null;
      const r = n[i] ? g.narrow(d, o, len) : null;
      o += len;
      return r;
    });
  });
}

export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new Error('stack expects a non-empty TensorList');
  const ref = tensors[0];
  for (const [i, x] of tensors.entries()) {
    if (!sameShape(x._shape, ref._shape)) {
      throw new Error(`stack expects each tensor to be equal size, but got ${fmtShape(ref._shape)} at entry 0 and ${fmtShape(x._shape)} at entry ${i}`);
    }
  }
  const d = normDim(dim, ref.ndim + 1);
  const parts = noGrad(() => tensors.map((x) => x.unsqueeze(d)));
  const out = noGrad(() => cat(parts, d));
  for (const p of parts) p.dispose();
  return record('StackBackward0', out, tensors, () => [], (g, _s, n) =>
    tensors.map((_, i) => (n[i] ? g.select(d, i) : null)),
  );
}

export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  if (index.dtype !== 'int64') throw new Error('index_select(): Expected dtype int64 for index');
  if (index.ndim > 1) throw new Error('index_select(): Index is supposed to be a vector');
  const d = normDim(dim, x.ndim);
  const size = x.ndim ? x._shape[d] : 1;
  for (const v of index.toArray() as BigInt64Array) {
    if (v < 0n || v >= BigInt(size)) throw new RangeError(`index out of range in self`);
  }
  if (x.ndim === 0) {
    // PyTorch 1.13 returns the 0-d value itself whatever the number of (zero) indices; its backward
    // (index_add into a 0-d zeros) accepts only one index.
    const count = index.numel();
    return record('IndexSelectBackward0', K.contiguousCopy(x), [x], () => [], (g) => {
      if (count !== 1) throw new RangeError('Dimension specified as 0 but tensor has no dimensions');
      return [g];
    });
  }
  const y = K.indexSelectK(x, d, index);
  const inShape = x._shape;
  return record('IndexSelectBackward0', y, [x], () => [index], (g, [idx]) => [indexAdd(g, d, idx, inShape)]);
}

/** zeros(shape).index_add(dim, index, src): index_select's adjoint (repeated indices accumulate). */
function indexAdd(src: Tensor, dim: number, index: Tensor, shape: Shape): Tensor {
  const out = K.indexAddK(src, dim, index, shape);
  return record('IndexAddBackward0', out, [src], () => [index], (g, [idx]) => [indexSelect(g, dim, idx)]);
}

export function contiguous(x: Tensor): Tensor {
  return clone(x);
}

export function clone(x: Tensor): Tensor {
  return record('CloneBackward0', K.contiguousCopy(x), [x], () => [], (g) => [g]);
}

// ---- linear algebra ------------------------------------------------------------------------------

function as3(x: Tensor, b: number, m: number, k: number): Tensor {
  const st = x.ndim === 3 ? x._strides : x.ndim === 2 ? [0, x._strides[0], x._strides[1]] : [0, 0, x._strides[0] ?? 1];
  return x._view([b, m, k], st, x._offset);
}

function checkFloatPair(a: Tensor, b: Tensor, op: string): void {
  if (a.dtype !== b.dtype) {
    throw new Error(`expected scalar type ${a.dtype === 'float64' ? 'Double' : 'Float'} but found ${b.dtype === 'float64' ? 'Double' : 'Float'}`);
  }
  if (!isFloating(a.dtype)) throw new Error(`${op}: only floating point tensors are supported`);
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

export function mm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 2 || b.ndim !== 2) throw new Error(`self must be a matrix`);
  if (a._shape[1] !== b._shape[0]) {
    throw new Error(`mat1 and mat2 shapes cannot be multiplied (${a._shape[0]}x${a._shape[1]} and ${b._shape[0]}x${b._shape[1]})`);
  }
  checkFloatPair(a, b, 'mm');
  return record('MmBackward0', mmRaw(a, b), [a, b], () => [a, b], (g, [sa, sb], n) => [
    n[0] ? g.mm(sb.t()) : null,
    n[1] ? sa.t().mm(g) : null,
  ]);
}

export function addmm(bias: Tensor, a: Tensor, b: Tensor): Tensor {
  const y = mmRaw(a, b);
  const out = noGrad(() => y.add(bias));
  y.dispose();
  return record('AddmmBackward0', out, [bias, a, b], () => [a, b], (g, [sa, sb], n) => [
    n[0] ? g : null,
    n[1] ? g.mm(sb.t()) : null,
    n[2] ? sa.t().mm(g) : null,
  ]);
}

export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) throw new Error(`1D tensors expected, but got ${a.ndim}D and ${b.ndim}D tensors`);
  if (a._shape[0] !== b._shape[0]) {
    throw new Error(`inconsistent tensor size, expected tensor [${a._shape[0]}] and src [${b._shape[0]}] to have the same number of elements, but got ${a._shape[0]} and ${b._shape[0]} elements respectively`);
  }
  checkFloatPair(a, b, 'dot');
  const a3 = as3(a, 1, 1, a._shape[0]);
  const b3 = b._view([1, b._shape[0], 1], [0, b._strides[0], 1], b._offset);
  const y = K.matmul3(a3, b3);
  a3.dispose();
  b3.dispose();
  const r = y._view([], [], 0);
  y.dispose();
  return record('DotBackward0', r, [a, b], () => [a, b], (g, [sa, sb], n) => [
    n[0] ? sb.mul(g) : null,
    n[1] ? sa.mul(g) : null,
  ]);
}

export function mv(a: Tensor, v: Tensor): Tensor {
  if (a.ndim !== 2 || v.ndim !== 1) throw new Error('vector + matrix @ vector expected');
  if (a._shape[1] !== v._shape[0]) {
    throw new Error(`size mismatch, got input (${a._shape[0]}), mat (${a._shape[0]}x${a._shape[1]}), vec (${v._shape[0]})`);
  }
  checkFloatPair(a, v, 'mv');
  const v2 = v._view([v._shape[0], 1], [v._strides[0], 1], v._offset);
  const y = mmRaw(a, v2);
  v2.dispose();
  const r = y._view([a._shape[0]], [1], 0);
  y.dispose();
  return record('MvBackward0', r, [a, v], () => [a, v], (g, [sa, sv], n) => [
    n[0] ? g.unsqueeze(1).mul(sv.unsqueeze(0)) : null,
    n[1] ? mv(sa.t(), g) : null,
  ]);
}

export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 3 || b.ndim !== 3) throw new Error('batch1 must be a 3D tensor');
  if (a._shape[0] !== b._shape[0] || a._shape[2] !== b._shape[1]) {
    throw new Error(`Expected size for first two dimensions of batch2 tensor to be: [${a._shape[0]}, ${a._shape[2]}] but got: [${b._shape[0]}, ${b._shape[1]}].`);
  }
  checkFloatPair(a, b, 'bmm');
  return record('BmmBackward0', K.matmul3(a, b), [a, b], () => [a, b], (g, [sa, sb], n) => [
    n[0] ? bmm(g, sb.transpose(1, 2)) : null,
    n[1] ? bmm(sa.transpose(1, 2), g) : null,
  ]);
}

/** torch.matmul: dispatches to dot / mv / mm / folded mm / broadcast bmm as PyTorch 1.13 does. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  return withTemps(() => matmulImpl(a, b));
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
  if (da >= 3 && (db === 1 || db === 2)) {
    const k = a._shape[da - 1];
    const outShape = [...a._shape.slice(0, -1), ...(db === 2 ? [b._shape[1]] : [])];
    // The folded size is computed, not inferred (-1 is ambiguous for a zero-size batch).
    const a2 = a.contiguous().reshape([numelOf(a._shape.slice(0, -1)), k]);
    const b2 = db === 1 ? b.unsqueeze(-1) : b;
    return unsafeView(a2.mm(b2), outShape);
  }
  // Batched: broadcast the batch dims, fold them into one, bmm, unfold.
  const a3d = da === 1 ? a.unsqueeze(0) : a;
  const b3d = db === 1 ? b.unsqueeze(-1) : b;
  const batchA = a3d._shape.slice(0, -2);
  const batchB = b3d._shape.slice(0, -2);
  const nb = Math.max(batchA.length, batchB.length);
  const batch: number[] = [];
  for (let i = 0; i < nb; i++) {
    const x = batchA[batchA.length - nb + i] ?? 1;
    const y = batchB[batchB.length - nb + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) {
      throw new Error(`The size of tensor a (${x}) must match the size of tensor b (${y}) at non-singleton dimension ${i}`);
    }
    batch.push(x === 1 ? y : x);
  }
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

// ---- nn ------------------------------------------------------------------------------------------

export function softmax(x: Tensor, dim: number): Tensor {
  const a = floatInput(x);
  const d = normDim(dim, a.ndim);
  const y = K.softmaxK('softmax', a, d);
  return record('SoftmaxBackward0', y, [a], () => [y], (g, [s]) => [
    s.mul(g.sub(g.mul(s).sum(d, true))),
  ]);
}

export function logSoftmax(x: Tensor, dim: number): Tensor {
  const a = floatInput(x);
  const d = normDim(dim, a.ndim);
  const y = K.softmaxK('log_softmax', a, d);
  return record('LogSoftmaxBackward0', y, [a], () => [y], (g, [s]) => [
    g.sub(s.exp().mul(g.sum(d, true))),
  ]);
}

export type Reduction = 'mean' | 'sum' | 'none';

function checkReduction(r: string): Reduction {
  if (r !== 'mean' && r !== 'sum' && r !== 'none') throw new Error(`${r} is not a valid value for reduction`);
  return r;
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
  checkReduction(reduction);
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
    return record('MseLossBackward0', out, [input, target], () => [input, target], (g, [x, tg], need) => {
      if (x.dtype !== tg.dtype) {
        const [self, other] = need[0] ? [x, tg] : [tg, x];
        throw new Error(`Found dtype ${scalarTypeName(other.dtype)} but expected ${scalarTypeName(self.dtype)}`);
      }
      // mse_loss_backward: norm * (x - t) * g, norm = 2 / numel for 'mean', else 2.
      const norm = reduction === 'mean' ? 2 / n : 2;
      const gx = x.sub(tg).mul(norm).mul(g);
      return [need[0] ? gx : null, need[1] ? neg(gx) : null];
    });
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
  return withTemps(() => nllLossImpl(logp, target, reduction));
}

function nllLossImpl(logp: Tensor, target: Tensor, reduction: Reduction): Tensor {
  checkReduction(reduction);
  if (target.dtype !== 'int64') throw new Error(`expected scalar type Long but found ${target.dtype === 'float64' ? 'Double' : 'Float'}`);
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
  return record('NllLossBackward0', out, [logp], () => [logp, idx, target], (g, [s, ix, tg]) => [
    nllLossBackward(g, s, ix, tg, reduction, n),
  ]);
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
  return record('NllLossBackwardBackward0', out, [g, self], () => [self], (gg, _s, need) => [
    need[0] ? nllLoss(gg, target, reduction) : null,
    need[1] ? zerosLike(gg) : null,
  ]);
}

export function crossEntropy(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  const classDim = input.ndim === 1 ? 0 : 1;
  if (input.ndim > 2) throw new Error('asgrad: cross_entropy supports [N, C] or [C] inputs');
  return withTemps(() => nllLoss(logSoftmax(input, classDim), target, reduction));
}

/**
 * binary_cross_entropy_with_logits as PyTorch 1.13 composes it:
 * (1 - t).mul_(x).add_(m).add_(log(exp(-m) + exp(-x - m))), m = max(-x, 0). The loss is built in
 * place on (1 - t), so it has the target's dtype (each step computed in the promoted dtype and
 * rounded to it); log(...) is stable for large |x|.
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  checkReduction(reduction);
  if (!sameShape(input._shape, target._shape)) {
    throw new Error(`Target size (${new Array(...target._shape).length ? `torch.Size([${target._shape.join(', ')}])` : 'torch.Size([])'}) must be the same as input size (torch.Size([${input._shape.join(', ')}]))`);
  }
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
  return record('BinaryCrossEntropyWithLogitsBackward0', out, [input, target], () => [input, target], (g, [x, tg], need) => {
    // PyTorch: (sigmoid(x) - t) * g and -x * g, each divided by numel for 'mean'.
    const scale = (t: Tensor): Tensor => (reduction === 'mean' ? t.div(n) : t);
    return [need[0] ? scale(x.sigmoid().sub(tg).mul(g)) : null, need[1] ? scale(neg(x).mul(g)) : null];
  });
}

/** F.linear(x, W, b) = x W^T + b, composed as PyTorch 1.13's at::linear (addmm for 2-D input). */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return withTemps(() => linearImpl(x, weight, bias));
}

function linearImpl(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const wt = weight.t();
  if (x.ndim === 2 && bias) return addmm(bias, x, wt);
  if (x.ndim === 3 && bias && x.isContiguous()) {
    const [b0, b1, k] = x._shape;
    return view(addmm(bias, x.view([b0 * b1, k]), wt), [b0, b1, weight._shape[0]]);
  }
  const y = matmul(x, wt);
  return bias ? addKeepingDtype(y, bias) : y;
}

/**
 * y + b in y's dtype: PyTorch's linear adds the bias in place (output.add_(bias)) on its fresh
 * matmul output, so a bias of another dtype does not promote the result. The output is internal,
 * so an out-of-place add recorded as AddBackward0 is the same thing.
 */
function addKeepingDtype(y: Tensor, b: Tensor): Tensor {
  if (b.dtype === y.dtype) return add(y, b);
  const out = noGrad(() => K.castTo(add(y, b), y.dtype));
  return record('AddBackward0', out, [y, b], () => [], (g) => [g, g]);
}

// ---- in place ------------------------------------------------------------------------------------

function checkInplace(self: Tensor): void {
  self._check('in-place op');
  if (!isGradEnabled()) return;
  if (self.isLeaf && self.requiresGrad && !self._base) {
    throw new Error('a leaf Variable that requires grad is being used in an in-place operation.');
  }
  const base = self._base;
  if (base && base.isLeaf && base.requiresGrad) {
    throw new Error('a view of a leaf Variable that requires grad is being used in an in-place operation.');
  }
}

/** Where a view sits in its base's (contiguous) memory. */
interface Region {
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
}

function regionOf(view: Tensor, base: Tensor): Region {
  return { shape: view._shape, strides: view._strides, offset: view._offset - base._offset };
}

/** A contiguous base-shaped copy of `g` with the region set to `src` (zeros when null). */
function withRegion(g: Tensor | null, baseShape: Shape, r: Region, src: Tensor | null): Tensor {
  const out = g ? K.contiguousCopy(g) : K.full(baseShape, 0, (src as Tensor).dtype);
  const dst = out._view(r.shape, r.strides, r.offset);
  if (src) K.copyInto(dst, src);
  else K.copyInto(dst, K.full([], 0, out.dtype));
  dst.dispose();
  return out;
}

/** The region of a base-shaped gradient, as a contiguous tensor. */
function regionOfGrad(g: Tensor, r: Region): Tensor {
  const gc = K.contiguousOf(g);
  const v = gc._view(r.shape, r.strides, r.offset);
  const out = K.contiguousCopy(v);
  v.dispose();
  return out;
}

/**
 * Gives `self` the history of the value an in-place op wrote into it (`value`, or a constant when
 * null). When `self` is a view, its base's history becomes PyTorch's CopySlices (the base with the
 * view's region replaced) and the view is re-derived from the base, so gradients reach whatever
 * computed the base as well as the new value.
 */
function commitInplace(self: Tensor, value: Tensor | null, constantNode: string): void {
  if (!isGradEnabled()) return;
  const base = self._base;
  const valueTracked = value !== null && value.requiresGrad;
  if (!base || !base._storage || !base.isContiguous()) {
    const fn = valueTracked ? (value as Tensor).gradFn : null;
    if (fn) self._setGradFn(fn);
    else if (self.requiresGrad && !valueTracked) {
      const old = self._aliasForSave();
      record(constantNode, self, [old], () => [], (g) => [zerosLike(g)]);
      old.dispose();
    }
    return;
  }
  if (!base.requiresGrad && !valueTracked) return;
  const r = regionOf(self, base);
  const baseShape = base._shape;
  const old = base._aliasForSave();
  const inputs = valueTracked ? [old, value as Tensor] : [old];
  record('CopySlices', base, inputs, () => [], (g, _s, n) => [
    n[0] ? withRegion(g, baseShape, r, null) : null,
    inputs.length > 1 && n[1] ? regionOfGrad(g, r) : null,
  ]);
  old.dispose();
  if (base.requiresGrad) {
    record('AsStridedBackward0', self, [base], () => [], (g) => [withRegion(null, baseShape, r, g)]);
  }
}

const inplaceOps = { add, sub, mul, div } as const;

/** self.op_(other): computes in the core into self's storage, bumps the version, takes the new history. */
export function inplace<T extends Tensor>(self: T, op: keyof typeof inplaceOps, other: TensorLike | Scalar, alpha?: number): T {
  checkInplace(self);
  return withTemps(() => inplaceImpl(self, op, other, alpha));
}

/** An in-place result must fit self: PyTorch broadcasts self with other and requires self's shape. */
function checkInplaceBroadcast(self: Tensor, other: Operand): void {
  if (!(other instanceof Tensor)) return;
  const shape = broadcastShapes(self._shape, other._shape);
  if (!sameShape(shape, self._shape)) {
    throw new Error(`output with shape ${fmtShape(self._shape)} doesn't match the broadcast shape ${fmtShape(shape)}`);
  }
}

function inplaceImpl<T extends Tensor>(self: T, op: keyof typeof inplaceOps, other: TensorLike | Scalar, alpha?: number): T {
  const o = asTensorOperand(other);
  checkInplaceBroadcast(self, o);
  const tracking = isGradEnabled() && (self.requiresGrad || (o instanceof Tensor && o.requiresGrad));
  const rdtype = promote([self, o]);
  if (rdtype !== self.dtype && !(isFloating(self.dtype) || !isFloating(rdtype))) {
    throw new Error(`result type ${rdtype === 'float64' ? 'Double' : 'Float'} can't be cast to the desired output type ${self.dtype === 'int64' ? 'Long' : 'Bool'}`);
  }
  if (!tracking && isFloating(self.dtype) && self.isContiguous()) {
    let b = operand(o, self.dtype);
    if (alpha !== undefined && alpha !== 1) b = K.binary('mul', b, K.full([], alpha, self.dtype));
    K.binaryInto(op, self, b);
  } else {
    const fn = op === 'add' || op === 'sub' ? (x: Tensor) => inplaceOps[op](x, o as TensorLike, alpha) : (x: Tensor) => inplaceOps[op](x, o as TensorLike);
    const r = fn(self);
    noGrad(() => K.copyInto(self, r));
    commitInplace(self, r, 'CopyBackwards');
  }
  self._storage.version++;
  return self;
}

export function fill_<T extends Tensor>(self: T, value: number): T {
  checkInplace(self);
  const src = K.full([], value, self.dtype);
  K.copyInto(self, src);
  src.dispose();
  commitInplace(self, null, 'FillBackward0');
  self._storage.version++;
  return self;
}

export function copy_<T extends Tensor>(self: T, src: TensorLike): T {
  checkInplace(self);
  const s = src instanceof Tensor ? src : tensor(src);
  K.copyInto(self, s);
  // The value written, as an op of `src` (broadcast and cast like the copy).
  const value = isGradEnabled() && s.requiresGrad ? s.expand(self._shape).to(self.dtype) : null;
  commitInplace(self, value, 'CopyBackwards');
  self._storage.version++;
  return self;
}

export { isContiguous };
