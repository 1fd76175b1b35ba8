// The op table: every differentiable op is defined here once, its forward (a kernel call) beside
// its backward rule, PyTorch's node name and what it saves. Rules are written with these same ops,
// so gradients of gradients work; broadcast reduction of gradients happens in the engine.
import { Tensor } from '../tensor.js';
import type { ReduceDims, ReduceOpts, VarOpts } from '../tensor.js';
import { record, Node, AutogradError } from '../autograd.js';
import type { BackwardRule } from '../autograd.js';
import { type DType, isFloating, resultType } from '../dtype.js';
import { isGradEnabled, noGrad } from '../grad_mode.js';
import { broadcastShapes, contiguousStrides, fmtShape, isContiguous, normDim, numelOf, sameShape, type Shape } from '../shape.js';
import * as K from './internal.js';
import * as V from '../validate.js';
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

// Each creation entry's options (checked by ../validate.ts: unknown keys and value kinds).
const creationOpts = (entry: string): V.OptionSpec =>
  V.optionSpec(entry, { dtype: 'dtype', requiresGrad: 'bool' }, ['device', 'layout', 'pinMemory', 'names', 'generator', 'out']);
const TENSOR_OPTS = creationOpts('tensor');
const FROM_ARRAY_OPTS = creationOpts('fromArray');
const ZEROS_OPTS = creationOpts('zeros');
const ONES_OPTS = creationOpts('ones');
const EMPTY_OPTS = creationOpts('empty');
const FULL_OPTS = creationOpts('full');
const RAND_OPTS = creationOpts('rand');
const RANDN_OPTS = creationOpts('randn');
const ARANGE_OPTS = creationOpts('arange');
const LINSPACE_OPTS = creationOpts('linspace');
const ZEROS_LIKE_OPTS = creationOpts('zerosLike');
const ONES_LIKE_OPTS = creationOpts('onesLike');
const FULL_LIKE_OPTS = creationOpts('fullLike');
const RAND_LIKE_OPTS = creationOpts('randLike');
const RANDN_LIKE_OPTS = creationOpts('randnLike');

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
        if (typeof v === 'bigint') a[i] = BigInt.asIntN(64, v);
        else {
          // PyTorch 1.13 refuses what int64 cannot hold (NaN, infinities, values outside 2^63).
          const x = Number(v);
          if (!(x >= -(2 ** 63) && x < 2 ** 63)) throw new Error('value cannot be converted to type int64 without overflow');
          a[i] = BigInt(Math.trunc(Number(v)));
        }
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
export function tensor(data: TensorLike, opts?: TensorOptions): Tensor {
  V.options(TENSOR_OPTS, opts);
  const o = opts ?? NO_OPTS;
  let t: Tensor;
  if (data instanceof Tensor) {
    t = noGrad(() => K.contiguousCopy(data));
    if (o.dtype && o.dtype !== t.dtype) t = K.castTo(t, o.dtype);
  } else if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    const typed = data as TypedData;
    const dtype = o.dtype ?? dtypeOfTyped(typed);
    t = K.fromTyped(typedFor(typed as ArrayLike<number | bigint>, dtype), [typed.length], dtype);
  } else {
    // Nested arrays of numbers / booleans / bigints; anything else is refused here, before any
    // memory is allocated.
    const { shape, flat } = V.nestedData(data);
    let dtype = o.dtype;
    if (!dtype) {
      // JavaScript has no integer literal (1.0 === 1), so numbers give the default float dtype;
      // bigints give int64 and booleans bool.
      if (flat.length && flat.every((v) => typeof v === 'boolean')) dtype = 'bool';
      else if (flat.length && flat.every((v) => typeof v === 'bigint')) dtype = 'int64';
      else dtype = 'float32';
    }
    if (o.requiresGrad && !isFloating(dtype)) throw new AutogradError(FACTORY_GRAD_DTYPE);
    t = K.fromTyped(typedFor(flat, dtype), shape, dtype);
  }
  return finish(t, o);
}

/** torch.from_numpy's counterpart: a typed array, optionally reshaped (the values are copied). */
export function fromArray(data: TypedData, shape?: readonly number[], opts?: TensorOptions): Tensor {
  if (!ArrayBuffer.isView(data) || data instanceof DataView) throw V.argTypeError('fromArray', 'data', 1, 'a typed array', data);
  if (shape !== undefined) V.viewShape(shape, 'fromArray', 'shape');
  V.options(FROM_ARRAY_OPTS, opts);
  const t = tensor(data, opts);
  return shape ? t.reshape(shape as number[]) : t;
}

export type ShapeArgs = (number | readonly number[] | TensorOptions)[];

const NO_OPTS: TensorOptions = Object.freeze({});

/**
 * The size and options of zeros/ones/empty/rand/randn: sizes as varargs (`zeros(2, 3)`) or one
 * array (`zeros([2, 3])`), then an optional options object.
 */
function parseShapeArgs(args: ShapeArgs, spec: V.OptionSpec): { shape: number[]; opts: TensorOptions } {
  const entry = spec.entry;
  let n = args.length;
  // A trailing `undefined` is an absent options argument (`torch.zeros(shape, opts)` with opts unset).
  while (n > 0 && args[n - 1] === undefined) n--;
  let opts: TensorOptions = NO_OPTS;
  if (n > 0 && V.isOptions(args[n - 1])) {
    opts = args[n - 1] as TensorOptions;
    V.options(spec, opts);
    n--;
  }
  let dims: unknown[];
  if (n === 1 && Array.isArray(args[0])) dims = (args[0] as readonly number[]).slice();
  else {
    dims = args.slice(0, n);
    if (n === 1 && typeof args[0] !== 'number') throw V.argTypeError(entry, 'size', 1, 'tuple of ints', args[0]);
    if (n === 1 && !Number.isInteger(args[0])) throw V.argTypeError(entry, 'size', 1, 'tuple of ints', args[0]);
  }
  V.size(dims, entry);
  return { shape: dims as number[], opts };
}

const FACTORY_GRAD_DTYPE = 'Only Tensors of floating point and complex dtype can require gradients';

/** Applies a factory's requiresGrad (PyTorch's factory text for non-float dtypes). */
function finish(t: Tensor, opts: TensorOptions): Tensor {
  if (opts.requiresGrad) {
    if (!isFloating(t.dtype)) {
      t.dispose();
      throw new AutogradError(FACTORY_GRAD_DTYPE);
    }
    t.requiresGrad_(true);
  }
  return t;
}

/** Checks a factory's requiresGrad against its dtype before anything is allocated. */
function gradDtype(opts: TensorOptions, dtype: DType): void {
  if (opts.requiresGrad && !isFloating(dtype)) throw new AutogradError(FACTORY_GRAD_DTYPE);
}

function fullImpl(shape: readonly number[], value: number, opts: TensorOptions): Tensor {
  const dtype = opts.dtype ?? 'float32';
  gradDtype(opts, dtype);
  return finish(K.full(shape, value, dtype), opts);
}

export function full(shape: readonly number[], value: number, opts?: TensorOptions): Tensor {
  V.size(shape, 'full', 'size', 1);
  V.number(value, 'full', 'fill_value', 2);
  V.options(FULL_OPTS, opts);
  return fullImpl(shape as number[], +value, opts ?? NO_OPTS);
}
export function zeros(...args: ShapeArgs): Tensor {
  const { shape, opts } = parseShapeArgs(args, ZEROS_OPTS);
  return fullImpl(shape, 0, opts);
}
export function ones(...args: ShapeArgs): Tensor {
  const { shape, opts } = parseShapeArgs(args, ONES_OPTS);
  return fullImpl(shape, 1, opts);
}
export function empty(...args: ShapeArgs): Tensor {
  const { shape, opts } = parseShapeArgs(args, EMPTY_OPTS);
  return fullImpl(shape, 0, opts);
}
function randomImpl(kind: 'rand' | 'randn', shape: readonly number[], opts: TensorOptions): Tensor {
  const dtype = opts.dtype ?? 'float32';
  // PyTorch: "check_uniform_bounds" not implemented for 'Long' / "normal_kernel_cpu" for 'Long'.
  if (!isFloating(dtype)) {
    throw new Error(`"${kind === 'rand' ? 'check_uniform_bounds' : 'normal_kernel_cpu'}" not implemented for '${V.scalarName(dtype)}'`);
  }
  gradDtype(opts, dtype);
  return finish(K.randomK(kind, shape, dtype), opts);
}
export function rand(...args: ShapeArgs): Tensor {
  const { shape, opts } = parseShapeArgs(args, RAND_OPTS);
  return randomImpl('rand', shape, opts);
}
export function randn(...args: ShapeArgs): Tensor {
  const { shape, opts } = parseShapeArgs(args, RANDN_OPTS);
  return randomImpl('randn', shape, opts);
}
function likeOpts(t: unknown, opts: TensorOptions | undefined, spec: V.OptionSpec): TensorOptions {
  V.tensor(t, spec.entry, 'input', 1);
  V.options(spec, opts);
  return { dtype: opts?.dtype ?? t.dtype, requiresGrad: opts?.requiresGrad };
}
export const zerosLike = (t: Tensor, opts?: TensorOptions): Tensor => fullImpl(t._shape, 0, likeOpts(t, opts, ZEROS_LIKE_OPTS));
export const onesLike = (t: Tensor, opts?: TensorOptions): Tensor => fullImpl(t._shape, 1, likeOpts(t, opts, ONES_LIKE_OPTS));
export const fullLike = (t: Tensor, v: number, opts?: TensorOptions): Tensor => {
  const o = likeOpts(t, opts, FULL_LIKE_OPTS);
  V.number(v, 'fullLike', 'fill_value', 2);
  return fullImpl(t._shape, +v, o);
};
export const randLike = (t: Tensor, opts?: TensorOptions): Tensor => randomImpl('rand', t._shape, likeOpts(t, opts, RAND_LIKE_OPTS));
export const randnLike = (t: Tensor, opts?: TensorOptions): Tensor => randomImpl('randn', t._shape, likeOpts(t, opts, RANDN_LIKE_OPTS));

/** torch.arange(end) / arange(start, end, step?); integer arguments give int64 like PyTorch. */
export function arange(a: number, b?: number | TensorOptions, c?: number | TensorOptions, d?: TensorOptions): Tensor {
  const args = [a, b, c, d];
  let n = args.length;
  while (n > 0 && args[n - 1] === undefined) n--;
  let opts: TensorOptions = NO_OPTS;
  if (n > 0 && V.isOptions(args[n - 1])) {
    opts = args[n - 1] as TensorOptions;
    V.options(ARANGE_OPTS, opts);
    n--;
  }
  if (n < 1 || n > 3)
    throw new TypeError(`arange() takes 1 to 3 numbers (end, or start, end[, step]) and an optional options object, got ${n} numbers`);
  const names = n === 1 ? ['end'] : ['start', 'end', 'step'];
  for (let i = 0; i < n; i++) V.number(args[i], 'arange', names[i], i + 1);
  const nums = args.slice(0, n).map(Number);
  const [start, end, step] = nums.length === 1 ? [0, nums[0], 1] : nums.length === 2 ? [nums[0], nums[1], 1] : nums;
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw new Error(`unsupported range: ${start} -> ${end}`);
  if (step === 0) throw new Error('step must be nonzero');
  if ((step > 0 && end < start) || (step < 0 && end > start)) throw new Error('upper bound and larger bound inconsistent with step sign');
  const count = Math.max(0, Math.ceil((end - start) / step));
  const dtype = opts.dtype ?? (nums.every(Number.isInteger) ? 'int64' : 'float32');
  gradDtype(opts, dtype);
  return finish(K.rangeK('arange', count, start, step, dtype), opts);
}

export function linspace(start: number, end: number, steps: number, opts?: TensorOptions): Tensor {
  V.number(start, 'linspace', 'start', 1);
  V.number(end, 'linspace', 'end', 2);
  V.int(steps, 'linspace', 'steps', 3);
  V.options(LINSPACE_OPTS, opts);
  if (steps < 0) throw new Error('number of steps must be non-negative');
  const o = opts ?? NO_OPTS;
  const dtype = o.dtype ?? 'float32';
  gradDtype(o, dtype);
  return finish(K.rangeK('linspace', steps, +start, +end, dtype), o);
}

export function manualSeed(seed: number | bigint): void {
  if (typeof seed === 'number') {
    if (!Number.isFinite(seed)) throw V.argTypeError('manualSeed', 'seed', 1, 'int', seed);
    seed -= seed % 1; // int(seed), as PyTorch takes a float seed (exact: no rounding)
  } else if (typeof seed !== 'bigint') throw V.argTypeError('manualSeed', 'seed', 1, 'int', seed);
  const s = BigInt.asUintN(64, BigInt(seed));
  getCore().rng_seed(Number(s & 0xffffffffn), Number(s >> 32n));
}

// ---- operands ------------------------------------------------------------------------------------

type Operand = Tensor | Scalar;

function isScalar(x: unknown): x is Scalar {
  return typeof x === 'number' || typeof x === 'boolean';
}

/**
 * A tensor-or-scalar operand, checked (../validate.ts): tensors and numbers/booleans pass as they
 * are, a bigint becomes a 0-d int64 tensor; anything else (lists included, as in PyTorch) throws.
 */
function asTensorOperand(x: unknown, entry: string, name: string, pos: number): Operand {
  if (x instanceof Tensor || isScalar(x)) return x;
  V.operand(x, entry, name, pos);
  return tensor(x as bigint);
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
  const cacheable = !Number.isNaN(v) && !Object.is(v, -0);
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
  const y = K.copyPreservingLayout(x, dtype);
  if (!isFloating(dtype)) return y;
  const from = x.dtype;
  return record(
    'ToCopyBackward0',
    y,
    [x],
    () => [],
    (g) => [toDtype(g, from)],
  );
}

/**
 * The .grad a backward with createGraph stores: a fresh contiguous copy of the incoming gradient
 * (which may be an expanded or shared tensor that a later in-place accumulation must not write
 * through), recorded as PyTorch records it: CopyBackwards for a leaf (AccumulateGrad), CloneBackward0
 * for a retained gradient.
 */
export function gradCopy(g: Tensor, leaf: boolean): Tensor {
  return record(
    leaf ? 'CopyBackwards' : 'CloneBackward0',
    K.contiguousCopy(g),
    [g],
    () => [],
    (gg) => [gg],
  );
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
 * reads (a third flag: whether it reads the result too). Integer operands compute in
 * float64 and come back as int64.
 */
function defineBinary(kname: K.FloatKernel, node: string, plan: SavePlan, rule: BinaryRule, alwaysFloat = false) {
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
  return (x: Tensor | Scalar, y: Tensor | Scalar): Tensor => {
    const ox = asTensorOperand(x, kname, 'input', 1);
    const oy = asTensorOperand(y, kname, 'other', 1);
    let dtype = promote([ox, oy]);
    if (alwaysFloat) dtype = floatDtype(dtype);
    const cdtype = isFloating(dtype) ? dtype : 'float64';
    // Only casts (or a bigint operand) create handles to release: skip the scope otherwise.
    if (needsTemp(ox, cdtype) || needsTemp(oy, cdtype) || cdtype !== dtype || ox !== x || oy !== y) {
      return withTemps(() => apply(ox, oy, dtype, cdtype));
    }
    return apply(ox, oy, dtype, cdtype);
  };
}

const addK = defineBinary('add', 'AddBackward0', NOTHING, (g) => [g, g]);
const subK = defineBinary('sub', 'SubBackward0', NOTHING, (g, _a, _b, n) => [g, n[1] ? neg(g) : null]);
/** `2 - x`: Python evaluates it as x.__rsub__(2), PyTorch's rsub (RsubBackward1). */
const rsubK = defineBinary('sub', 'RsubBackward1', NOTHING, (_g, _a, _b, n) => [null, n[1] ? neg(_g) : null]);
export const mul = defineBinary('mul', 'MulBackward0', CROSS, (g, a, b, n) => {
  // x * x: both gradients go to x; g·x + g·x is exactly 2·(g·x), one pass fewer.
  if (n[0] && n[1] && a._origin !== null && a._origin === b._origin) return [g.mul(b).mul(2), null];
  return [n[0] ? g.mul(b) : null, n[1] ? g.mul(a) : null];
});
const divK = defineBinary(
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
  return [n[0] ? where(compare(lose, a, b), zero, shared) : null, n[1] ? where(compare(lose, b, a), zero, shared) : null];
}

export function add(x: Tensor | Scalar, y: Tensor | Scalar, alpha?: number): Tensor {
  if (alpha === undefined || alpha === 1) return addK(x, y);
  V.operand(y, 'add', 'other', 1);
  V.number(alpha, 'add', 'alpha');
  return addK(x, mul(y, alpha));
}
export function sub(x: Tensor | Scalar, y: Tensor | Scalar, alpha?: number): Tensor {
  if (alpha === undefined || alpha === 1) {
    if (isScalar(x) && !isScalar(y)) return withTemps(() => rsubK(x, y));
    return subK(x, y);
  }
  V.operand(y, 'sub', 'other', 1);
  V.number(alpha, 'sub', 'alpha');
  if (isScalar(x) && !isScalar(y)) return withTemps(() => rsubK(x, mul(y, alpha)));
  return subK(x, mul(y, alpha));
}

/** `x / y`; a number over a tensor is Python's `2 / x`, which PyTorch computes as x.reciprocal() * 2. */
export function div(x: Tensor | Scalar, y: Tensor | Scalar): Tensor {
  if (isScalar(x) && !isScalar(y)) return withTemps(() => mul(reciprocal(asTensorOperand(y, 'div', 'other', 1) as Tensor), x));
  return divK(x, y);
}

export function pow(x: Tensor | Scalar, e: Tensor | Scalar): Tensor {
  V.operand(x, 'pow', 'input', 1);
  V.operand(e, 'pow', 'exponent', 1);
  return withTemps(() => powImpl(x, e));
}

function powImpl(x: Tensor | Scalar, e: Tensor | Scalar): Tensor {
  if (isScalar(e) && !isScalar(x)) {
    const xt = asTensorOperand(x, 'pow', 'input', 1) as Tensor;
    const dtype = promote([xt, e]);
    const a = operand(xt, floatDtype(dtype));
    const ev = Number(e);
    let out = K.unary('pows', a, ev);
    if (!isFloating(dtype)) out = K.castTo(out, dtype);
    return record(
      'PowBackward0',
      out,
      [a],
      () => [a],
      (g, [s]) => [ev === 0 ? zerosLike(s) : g.mul(pow(s, ev - 1).mul(ev))],
    );
  }
  if (isScalar(x)) {
    // `2 ** x` is x.__rpow__(2): torch.tensor(2, dtype=result_type(2, x)) ** x (PowBackward1).
    const et = asTensorOperand(e, 'pow', 'exponent', 1) as Tensor;
    return powTT(scalarTensor(Number(x), promote([x, et])), et);
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
export function compare(op: CompareOp, x: Tensor | Scalar, y: Tensor | Scalar): Tensor {
  V.operand(x, op, 'input', 1);
  V.operand(y, op, 'other', 1);
  return withTemps(() => {
    const ox = asTensorOperand(x, op, 'input', 1);
    const oy = asTensorOperand(y, op, 'other', 1);
    const dtype = promote([ox, oy]);
    const cd = isFloating(dtype) ? dtype : 'float64';
    return K.binary(
      op,
      noGrad(() => operand(ox, cd)),
      noGrad(() => operand(oy, cd)),
      'bool',
    );
  });
}

/** @internal (backward rules only) */
export function logicalAnd(a: Tensor, b: Tensor): Tensor {
  return K.binary('logical_and', a.to('bool'), b.to('bool'), 'bool', 'logical_and_u8');
}
export function logicalOr(a: Tensor, b: Tensor): Tensor {
  return K.binary('logical_or', a.to('bool'), b.to('bool'), 'bool', 'logical_or_u8');
}

export function where(cond: Tensor, x: Tensor | Scalar, y: Tensor | Scalar): Tensor {
  V.tensor(cond, 'where', 'condition', 1);
  V.operand(x, 'where', 'input', 2);
  V.operand(y, 'where', 'other', 3);
  V.whereCondition(cond);
  return withTemps(() => whereImpl(cond, x, y));
}

function whereImpl(cond: Tensor, x: Tensor | Scalar, y: Tensor | Scalar): Tensor {
  const ox = asTensorOperand(x, 'where', 'input', 2);
  const oy = asTensorOperand(y, 'where', 'other', 3);
  const dtype = promote([ox, oy]);
  const cd = isFloating(dtype) ? dtype : 'float64';
  const a = operand(ox, cd);
  const b = operand(oy, cd);
  const c = cond;
  let out = K.whereK(c, a, b);
  if (cd !== dtype) out = K.castTo(out, dtype);
  return record(
    'WhereBackward0',
    out,
    [a, b],
    () => [c],
    (g, [cs], n) => {
      const zero = K.full([], 0, g.dtype);
      return [n[0] ? where(cs, g, zero) : null, n[1] ? where(cs, zero, g) : null];
    },
  );
}

// ---- elementwise unary ---------------------------------------------------------------------------

type UnaryRule = (g: Tensor, saved: Tensor) => Tensor;

/** A unary float op whose rule reads its input (`save: 'input'`) or its result (`'output'`). */
function defineUnary(kname: K.FloatKernel, node: string, save: 'input' | 'output' | 'none', rule: UnaryRule) {
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
export const reciprocal = defineUnary('reciprocal', 'ReciprocalBackward0', 'output', (g, y) => neg(g).mul(y.mul(y)));
export const sign = defineUnary('sign', 'SignBackward0', 'none', (g) => zerosLike(g));

// ---- backward formulas that are ops of their own ------------------------------------------------
// PyTorch computes these gradients with one op that also takes the forward's input or result as a
// differentiable argument whose derivative is zero. So under createGraph the gradient requires grad
// whenever that tensor does (even for a constant upstream gradient), and a second backward sends it
// zeros, not nothing. Each is recorded under PyTorch's node name for it.

/** relu's gradient, threshold_backward(g, y, 0): g where y > 0 (NaN included: y <= 0 fails), else 0. */
function thresholdBackward(g: Tensor, y: Tensor): Tensor {
  const out = noGrad(() => where(compare('le', y, 0), K.full([], 0, g.dtype), g));
  return record(
    'ThresholdBackwardBackward0',
    out,
    [g, y],
    () => [y],
    (gg, [ys], n) => [n[0] ? thresholdBackward(gg, ys) : null, n[1] ? zerosLike(gg) : null],
  );
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

export function square(x: Tensor): Tensor {
  V.tensor(x, 'square', 'input', 1);
  return pow(x, 2);
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

// ---- reductions ----------------------------------------------------------------------------------

interface ReduceSpec {
  dims: number[];
  keepdim: boolean;
  all: boolean;
  /** The dims as the caller gave them (PyTorch's empty-reduction messages quote them). */
  given: number[];
}

// Each reduction's options (../validate.ts checks keys and kinds).
const reduceOpts = (entry: string): V.OptionSpec => V.optionSpec(entry, { dim: 'dims', keepdim: 'bool' }, ['dtype', 'out']);
const SUM_OPTS = reduceOpts('sum');
const MEAN_OPTS = reduceOpts('mean');
const AMAX_OPTS = reduceOpts('amax');
const AMIN_OPTS = reduceOpts('amin');
const LOGSUMEXP_OPTS = reduceOpts('logsumexp');
const varOpts = (entry: string): V.OptionSpec =>
  V.optionSpec(entry, { dim: 'dims', keepdim: 'bool', unbiased: 'bool', correction: 'int' }, ['out']);
const VAR_OPTS = varOpts('var');
const STD_OPTS = varOpts('std');

/** A reduction's (x, dim | options, keepdim) arguments, checked against its spec. */
function parseReduce(
  x: Tensor,
  dim: ReduceDims | ReduceOpts | null | undefined,
  keepdim: boolean | undefined,
  spec: V.OptionSpec,
): ReduceSpec {
  const entry = spec.entry;
  V.tensor(x, entry, 'input', 1);
  let d: ReduceDims | null | undefined = dim as ReduceDims | null | undefined;
  let kd = false;
  if (V.isOptions(dim)) {
    if (keepdim !== undefined) throw new TypeError(`${entry}(): keepdim given both in the options object and as an argument`);
    V.options(spec, dim);
    const o = dim as ReduceOpts;
    d = o.dim;
    kd = o.keepdim ?? false;
  } else {
    V.dims(dim, entry, 'dim', 1);
    if (keepdim !== undefined) {
      V.bool(keepdim, entry, 'keepdim', 2);
      kd = keepdim;
    }
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

function parseVar(
  x: Tensor,
  dim: ReduceDims | VarOpts | null | undefined,
  unbiased: boolean | VarOpts | undefined,
  keepdim: boolean | undefined,
  spec: V.OptionSpec,
): { spec: ReduceSpec; correction: number } {
  const entry = spec.entry;
  let o: VarOpts = {};
  if (V.isOptions(dim)) {
    V.options(spec, dim);
    if (unbiased !== undefined || keepdim !== undefined) {
      throw new TypeError(`${entry}(): give unbiased/keepdim either in the options object or as arguments, not both`);
    }
    o = dim as VarOpts;
  } else {
    V.dims(dim, entry, 'dim', 1);
    if (V.isOptions(unbiased)) {
      V.options(spec, unbiased);
      if (keepdim !== undefined) throw new TypeError(`${entry}(): keepdim given both in the options object and as an argument`);
      o = { ...unbiased };
    } else if (unbiased !== undefined) {
      V.bool(unbiased, entry, 'unbiased', 2);
      o.unbiased = unbiased;
    }
    o.dim = (dim ?? undefined) as ReduceDims | undefined;
    if (keepdim !== undefined) {
      V.bool(keepdim, entry, 'keepdim', 3);
      o.keepdim = keepdim;
    }
  }
  if (o.correction !== undefined && o.unbiased !== undefined) {
    throw new Error(`${entry}(): cannot specify both unbiased and correction`);
  }
  const correction = o.correction ?? (o.unbiased === false ? 0 : 1);
  return { spec: parseReduce(x, o.dim, o.keepdim, spec), correction };
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
  V.tensor(x, 'reshape', 'input', 1);
  V.viewShape(shape, 'reshape', 'shape');
  const sh = inferSize(shape, x.numel());
  const inShape = x._shape;
  const st = viewStrides(x._shape, x._strides, sh);
  if (st) {
    const y = x._view(sh, st, x._offset)._markView(x);
    return record(
      'ReshapeAliasBackward0',
      y,
      [x],
      () => [],
      (g) => [g.reshape(inShape)],
    );
  }
  const y = noGrad(() => K.contiguousCopy(x));
  const v = y._view(sh, contiguousStrides(sh), 0);
  y.dispose();
  return record(
    'UnsafeViewBackward0',
    v,
    [x],
    () => [],
    (g) => [g.reshape(inShape)],
  );
}

export function view(x: Tensor, shape: readonly number[]): Tensor {
  V.tensor(x, 'view', 'input', 1);
  V.viewShape(shape, 'view', 'size');
  const sh = inferSize(shape, x.numel());
  const st = viewStrides(x._shape, x._strides, sh);
  if (!st) {
    throw new Error(
      "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.",
    );
  }
  const inShape = x._shape;
  return record(
    'ViewBackward0',
    x._view(sh, st, x._offset)._markView(x),
    [x],
    () => [],
    (g) => [g.reshape(inShape)],
  );
}

/** Reinterprets a fresh contiguous result under a new shape (PyTorch's _unsafe_view). */
function unsafeView(x: Tensor, shape: readonly number[]): Tensor {
  const inShape = x._shape;
  const y = x._view(shape, contiguousStrides(shape), x._offset);
  return record(
    'UnsafeViewBackward0',
    y,
    [x],
    () => [],
    (g) => [g.reshape(inShape)],
  );
}

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  V.tensor(x, 'flatten', 'input', 1);
  V.int(startDim, 'flatten', 'start_dim', 1);
  V.int(endDim, 'flatten', 'end_dim', 2);
  const s = normDim(startDim, x.ndim);
  const e = normDim(endDim, x.ndim);
  if (x.ndim === 0) return reshape(x, [1]);
  if (s > e) throw new Error('flatten() has invalid args: start_dim cannot come after end_dim');
  if (s === e) return x;
  const shape = [...x._shape.slice(0, s), numelOf(x._shape.slice(s, e + 1)), ...x._shape.slice(e + 1)];
  return reshape(x, shape);
}

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  V.tensor(x, 'transpose', 'input', 1);
  V.int(dim0, 'transpose', 'dim0', 1);
  V.int(dim1, 'transpose', 'dim1', 2);
  const nd = x.ndim;
  const d0 = normDim(dim0, nd);
  const d1 = normDim(dim1, nd);
  const shape = x._shape.slice();
  const st = x._strides.slice();
  if (nd > 0) {
    [shape[d0], shape[d1]] = [shape[d1], shape[d0]];
    [st[d0], st[d1]] = [st[d1], st[d0]];
  }
  return record(
    'TransposeBackward0',
    x._view(shape, st, x._offset)._markView(x),
    [x],
    () => [],
    (g) => [g.transpose(d0, d1)],
  );
}

export function t(x: Tensor): Tensor {
  V.tensor(x, 't', 'input', 1);
  if (x.ndim > 2) throw new Error(`t() expects a tensor with <= 2 dimensions, but self is ${x.ndim}D`);
  const shape = x._shape.slice().reverse();
  const st = x._strides.slice().reverse();
  return record(
    'TBackward0',
    x._view(shape, st, x._offset)._markView(x),
    [x],
    () => [],
    (g) => [g.t()],
  );
}

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  V.tensor(x, 'permute', 'input', 1);
  V.intList(dims, 'permute', 'dims', 1);
  if (dims.length !== x.ndim) {
    throw new Error(
      `permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${x.ndim} is not equal to len(dims) = ${dims.length}`,
    );
  }
  const p = dims.map((d) => normDim(d, x.ndim));
  if (new Set(p).size !== p.length) throw new Error('permute(): duplicate dims are not allowed.');
  const inv = new Array<number>(p.length);
  for (let i = 0; i < p.length; i++) inv[p[i]] = i;
  const y = x
    ._view(
      p.map((d) => x._shape[d]),
      p.map((d) => x._strides[d]),
      x._offset,
    )
    ._markView(x);
  return record(
    'PermuteBackward0',
    y,
    [x],
    () => [],
    (g) => [permute(g, inv)],
  );
}

export function squeeze(x: Tensor, dim?: number, node = dim === undefined ? 'SqueezeBackward0' : 'SqueezeBackward1'): Tensor {
  V.tensor(x, 'squeeze', 'input', 1);
  if (dim !== undefined) V.int(dim, 'squeeze', 'dim', 1);
  const inShape = x._shape;
  let keep: number[];
  if (dim === undefined) keep = x._shape.map((_, i) => i).filter((i) => x._shape[i] !== 1);
  else {
    const d = normDim(dim, x.ndim);
    keep = x._shape.map((_, i) => i).filter((i) => i !== d || x._shape[i] !== 1);
  }
  const y = x._view(
    keep.map((i) => x._shape[i]),
    keep.map((i) => x._strides[i]),
    x._offset,
  );
  // matmul's SqueezeBackward3 is PyTorch squeezing its own result in place: not a view.
  if (node !== 'SqueezeBackward3') y._markView(x);
  return record(
    node,
    y,
    [x],
    () => [],
    (g) => [g.reshape(inShape)],
  );
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  V.tensor(x, 'unsqueeze', 'input', 1);
  V.int(dim, 'unsqueeze', 'dim', 1);
  const d = normDim(dim, x.ndim + 1);
  const shape = x._shape.slice();
  const st = x._strides.slice();
  const s = d < x.ndim ? x._strides[d] * x._shape[d] : 1;
  shape.splice(d, 0, 1);
  st.splice(d, 0, s);
  return record(
    'UnsqueezeBackward0',
    x._view(shape, st, x._offset)._markView(x),
    [x],
    () => [],
    (g) => [g.squeeze(d)],
  );
}

export function expand(x: Tensor, sizes: readonly number[]): Tensor {
  V.tensor(x, 'expand', 'input', 1);
  V.intList(sizes, 'expand', 'size');
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
      if (j < 0) throw new Error("The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension 0");
      want = cur;
    }
    if (want < 0 && cur === 1)
      throw new Error(`expand(): the expanded size ${want} at dimension ${i} is negative (only -1, meaning "keep this size", is allowed)`);
    if (cur !== want && cur !== 1) {
      throw new Error(
        `The expanded size of the tensor (${want}) must match the existing size (${cur}) at non-singleton dimension ${i}.  Target sizes: ${fmtShape(sizes)}.  Tensor sizes: ${fmtShape(x._shape)}`,
      );
    }
    shape.push(want);
    st.push(j >= 0 && cur === want ? x._strides[j] : 0);
  }
  // The rule returns g as is: the engine sums it down to x's shape.
  return record(
    'ExpandBackward0',
    x._view(shape, st, x._offset)._markView(x),
    [x],
    () => [],
    (g) => [g],
  );
}

export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  V.tensor(x, 'narrow', 'input', 1);
  V.int(dim, 'narrow', 'dim', 1);
  V.int(start, 'narrow', 'start', 2);
  V.int(length, 'narrow', 'length', 3);
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
  const y = x._view(shape, x._strides, x._offset + s * x._strides[d])._markView(x);
  return record(
    'SliceBackward0',
    y,
    [x],
    () => [],
    (g) => [sliceScatter(g, inShape, d, s)],
  );
}

/** zeros(shape) with `src` written at [start, start+len) along dim: narrow's adjoint. */
function sliceScatter(src: Tensor, shape: Shape, dim: number, start: number): Tensor {
  const out = K.full(shape, 0, src.dtype);
  const dst = out._view(src._shape, out._strides, start * out._strides[dim]);
  K.copyInto(dst, src);
  dst.dispose();
  return record(
    'SliceBackwardBackward0',
    out,
    [src],
    () => [],
    (g) => [g.narrow(dim, start, src._shape[dim])],
  );
}

export function select(x: Tensor, dim: number, index: number): Tensor {
  V.tensor(x, 'select', 'input', 1);
  V.int(dim, 'select', 'dim', 1);
  V.int(index, 'select', 'index', 2);
  if (x.ndim === 0) throw new RangeError('select() cannot be applied to a 0-dim tensor.');
  const d = normDim(dim, x.ndim);
  const size = x._shape[d];
  const i = index < 0 ? index + size : index;
  if (i < 0 || i >= size)
    throw new RangeError(`select(): index ${index} out of range for tensor of size ${fmtShape(x._shape)} at dimension ${d}`);
  const shape = x._shape.filter((_, k) => k !== d);
  const st = x._strides.filter((_, k) => k !== d);
  const inShape = x._shape;
  const y = x._view(shape, st, x._offset + i * x._strides[d])._markView(x);
  return record(
    'SelectBackward0',
    y,
    [x],
    () => [],
    (g) => [sliceScatter(g.unsqueeze(d), inShape, d, i)],
  );
}

/** A list of tensors (cat, stack): PyTorch's "expected Tensor as element 1 in argument 0, but got str". */
function tensorList(tensors: unknown, entry: string): asserts tensors is readonly Tensor[] {
  if (!Array.isArray(tensors)) throw V.argTypeError(entry, 'tensors', 1, 'tuple of Tensors', tensors);
  for (let i = 0; i < tensors.length; i++) {
    const x: unknown = tensors[i];
    if (!(x instanceof Tensor)) throw new TypeError(`expected Tensor as element ${i} in argument 0, but got ${V.typeName(x)}`);
  }
}

/** A 1-D tensor of no elements: cat skips it whatever its rank and dim (PyTorch's legacy rule). */
function legacyEmpty(x: Tensor): boolean {
  return x.ndim === 1 && x._shape[0] === 0;
}

export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  tensorList(tensors, 'cat');
  V.int(dim, 'cat', 'dim', 2);
  V.catOperands(tensors, dim);
  const ts = tensors.filter((x) => !legacyEmpty(x));
  let out: Tensor;
  let d = 0;
  if (ts.length === 0) out = K.full([0], 0, promote([...tensors]));
  else {
    const ref = ts[0];
    d = normDim(dim, ref.ndim);
    const shape = ref._shape.slice();
    shape[d] = 0;
    for (const x of ts) shape[d] += x._shape[d];
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
  return record(
    'CatBackward0',
    out,
    tensors,
    () => [],
    (g, _s, n) => {
      let o = 0;
      return parts.map((len, i) => {
        if (len < 0) return n[i] ? K.full([0], 0, g.dtype) : null;
        const r = n[i] ? g.narrow(d, o, len) : null;
        o += len;
        return r;
      });
    },
  );
}

export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  tensorList(tensors, 'stack');
  V.int(dim, 'stack', 'dim', 2);
  if (tensors.length === 0) throw new Error('stack expects a non-empty TensorList');
  const ref = tensors[0];
  for (const [i, x] of tensors.entries()) {
    if (!sameShape(x._shape, ref._shape)) {
      throw new Error(
        `stack expects each tensor to be equal size, but got ${fmtShape(ref._shape)} at entry 0 and ${fmtShape(x._shape)} at entry ${i}`,
      );
    }
  }
  const d = normDim(dim, ref.ndim + 1);
  const parts = noGrad(() => tensors.map((x) => x.unsqueeze(d)));
  const out = noGrad(() => cat(parts, d));
  for (const p of parts) p.dispose();
  return record(
    'StackBackward0',
    out,
    tensors,
    () => [],
    (g, _s, n) => tensors.map((_, i) => (n[i] ? g.select(d, i) : null)),
  );
}

export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  V.tensor(x, 'indexSelect', 'input', 1);
  V.int(dim, 'indexSelect', 'dim', 1);
  V.tensor(index, 'indexSelect', 'index', 2);
  V.indexOperand(index);
  const d = normDim(dim, x.ndim);
  const size = x.ndim ? x._shape[d] : 1;
  for (const v of index.toArray() as BigInt64Array) {
    if (v >= 0n && v < BigInt(size)) continue;
    // PyTorch 1.13's CPU kernel checks dim 1 of a matrix or more in another loop, with another text.
    if (d === 1 && x.ndim >= 2) throw new RangeError(`INDICES element is out of DATA bounds, id=${v} axis_dim=${size}`);
    throw new RangeError('index out of range in self');
  }
  if (x.ndim === 0) {
    // PyTorch 1.13 returns the 0-d value itself whatever the number of (zero) indices; its backward
    // (index_add into a 0-d zeros) accepts only one index.
    const count = index.numel();
    return record(
      'IndexSelectBackward0',
      K.contiguousCopy(x),
      [x],
      () => [],
      (g) => {
        if (count !== 1) throw new RangeError('Dimension specified as 0 but tensor has no dimensions');
        return [g];
      },
    );
  }
  const y = K.indexSelectK(x, d, index);
  const inShape = x._shape;
  return record(
    'IndexSelectBackward0',
    y,
    [x],
    () => [index],
    (g, [idx]) => [indexAdd(g, d, idx, inShape)],
  );
}

/** zeros(shape).index_add(dim, index, src): index_select's adjoint (repeated indices accumulate). */
function indexAdd(src: Tensor, dim: number, index: Tensor, shape: Shape): Tensor {
  const out = K.indexAddK(src, dim, index, shape);
  return record(
    'IndexAddBackward0',
    out,
    [src],
    () => [index],
    (g, [idx]) => [indexSelect(g, dim, idx)],
  );
}

/** x.contiguous() of a non-contiguous x: a contiguous clone. */
export function contiguous(x: Tensor): Tensor {
  return record(
    'CloneBackward0',
    K.contiguousCopy(x),
    [x],
    () => [],
    (g) => [g],
  );
}

/** x.clone(): PyTorch's preserve_format keeps a dense tensor's layout (a transposed clone stays transposed). */
export function clone(x: Tensor): Tensor {
  V.tensor(x, 'clone', 'input', 1);
  return record(
    'CloneBackward0',
    K.copyPreservingLayout(x),
    [x],
    () => [],
    (g) => [g],
  );
}

// ---- linear algebra ------------------------------------------------------------------------------

function as3(x: Tensor, b: number, m: number, k: number): Tensor {
  const st = x.ndim === 3 ? x._strides : x.ndim === 2 ? [0, x._strides[0], x._strides[1]] : [0, 0, x._strides[0] ?? 1];
  return x._view([b, m, k], st, x._offset);
}

/**
 * Records a product of inputs[i] and inputs[i + 1] whose node keeps each factor only for the other's
 * gradient, as PyTorch's matmul-family nodes do (so writing a factor not kept is no error later).
 */
function recordCross(
  name: string,
  out: Tensor,
  inputs: readonly Tensor[],
  i: number,
  rule: (g: Tensor, a: Tensor, b: Tensor, needs: readonly boolean[]) => (Tensor | null)[],
): Tensor {
  const a = inputs[i];
  const b = inputs[i + 1];
  let keepA = false;
  let keepB = false;
  return record(
    name,
    out,
    inputs,
    (n) => {
      keepA = n[i + 1];
      keepB = n[i];
      return keepA && keepB ? [a, b] : keepA ? [a] : keepB ? [b] : [];
    },
    // Unkept factors are never read (their gradient partner is not computed).
    (g, s, n) => rule(g, keepA ? s[0] : (null as unknown as Tensor), keepB ? s[keepA ? 1 : 0] : (null as unknown as Tensor), n),
  );
}

/**
 * An int64 product (operands already checked): the core multiplies floats, so it is computed in
 * float64 and cast back (exact while every partial sum stays below 2^53). Integer tensors never
 * require grad, so nothing is recorded.
 */
function viaFloat64(f: (...xs: Tensor[]) => Tensor, ...xs: Tensor[]): Tensor {
  return withTemps(() => noGrad(() => K.castTo(f(...xs.map((x) => K.castTo(x, 'float64'))), 'int64')));
}

/**
 * A product with an empty operand (M, K, N or the batch is 0): PyTorch 1.13 returns zeros without
 * checking the dtypes (mm in self's, mv in vec's, bmm in mat2's, as its kernels allocate).
 */
function emptyProduct(shape: readonly number[], dtype: DType): Tensor {
  return K.full(shape, 0, dtype);
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
  V.tensor(a, 'mm', 'input', 1);
  V.tensor(b, 'mm', 'mat2', 1);
  V.mmOperands(a, b);
  if (a.dtype === 'int64') return viaFloat64(mm, a, b);
  const y = a.dtype === b.dtype ? mmRaw(a, b) : emptyProduct([a._shape[0], b._shape[1]], a.dtype);
  return recordCross('MmBackward0', y, [a, b], 0, (g, sa, sb, n) => [n[0] ? g.mm(sb.t()) : null, n[1] ? sa.t().mm(g) : null]);
}

export function addmm(bias: Tensor, a: Tensor, b: Tensor): Tensor {
  V.tensor(bias, 'addmm', 'input', 1);
  V.tensor(a, 'addmm', 'mat1', 1);
  V.tensor(b, 'addmm', 'mat2', 2);
  V.addmmOperands(bias, a, b);
  if (a.dtype === 'int64') return viaFloat64(addmm, bias, a, b);
  const y = mmRaw(a, b);
  const out = noGrad(() => y.add(bias));
  y.dispose();
  return recordCross('AddmmBackward0', out, [bias, a, b], 1, (g, sa, sb, n) => [
    n[0] ? g : null,
    n[1] ? g.mm(sb.t()) : null,
    n[2] ? sa.t().mm(g) : null,
  ]);
}

export function dot(a: Tensor, b: Tensor): Tensor {
  V.tensor(a, 'dot', 'input', 1);
  V.tensor(b, 'dot', 'tensor', 1);
  V.dotOperands(a, b);
  if (a.dtype === 'int64') return viaFloat64(dot, a, b);
  const a3 = as3(a, 1, 1, a._shape[0]);
  const b3 = b._view([1, b._shape[0], 1], [0, b._strides[0], 1], b._offset);
  const y = K.matmul3(a3, b3);
  a3.dispose();
  b3.dispose();
  const r = y._view([], [], 0);
  y.dispose();
  return recordCross('DotBackward0', r, [a, b], 0, (g, sa, sb, n) => [n[0] ? sb.mul(g) : null, n[1] ? sa.mul(g) : null]);
}

export function mv(a: Tensor, v: Tensor): Tensor {
  V.tensor(a, 'mv', 'input', 1);
  V.tensor(v, 'mv', 'vec', 1);
  V.mvOperands(a, v);
  if (a.dtype === 'int64') return viaFloat64(mv, a, v);
  let r: Tensor;
  if (a.dtype !== v.dtype) r = emptyProduct([a._shape[0]], v.dtype);
  else {
    const v2 = v._view([v._shape[0], 1], [v._strides[0], 1], v._offset);
    const y = mmRaw(a, v2);
    v2.dispose();
    r = y._view([a._shape[0]], [1], 0);
    y.dispose();
  }
  return recordCross('MvBackward0', r, [a, v], 0, (g, sa, sv, n) => [
    n[0] ? g.unsqueeze(1).mul(sv.unsqueeze(0)) : null,
    n[1] ? mv(sa.t(), g) : null,
  ]);
}

export function bmm(a: Tensor, b: Tensor): Tensor {
  V.tensor(a, 'bmm', 'input', 1);
  V.tensor(b, 'bmm', 'mat2', 1);
  V.bmmOperands(a, b);
  if (a.dtype === 'int64') return viaFloat64(bmm, a, b);
  const y = a.dtype === b.dtype ? K.matmul3(a, b) : emptyProduct([a._shape[0], a._shape[1], b._shape[2]], b.dtype);
  return recordCross('BmmBackward0', y, [a, b], 0, (g, sa, sb, n) => [
    n[0] ? bmm(g, sb.transpose(1, 2)) : null,
    n[1] ? bmm(sa.transpose(1, 2), g) : null,
  ]);
}

/** torch.matmul: dispatches to dot / mv / mm / folded mm / broadcast bmm as PyTorch 1.13 does. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  V.tensor(a, 'matmul', 'input', 1);
  V.tensor(b, 'matmul', 'other', 1);
  V.matmulOperands(a, b);
  return withTemps(() => matmulImpl(a, b));
}

/**
 * Whether matmul folds `t`'s batch dims into one mm (PyTorch 1.13's should_fold): not for a 3-D
 * operand against a matrix whose last two dims are transposed behind a slowest first dim.
 */
function shouldFold(t: Tensor, otherDim: number): boolean {
  const [s, st] = [t._shape, t._strides];
  if (t.ndim === 3 && otherDim === 2 && st[2] !== 1 && st[0] === s[1] * s[2]) return false;
  return true;
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
  if (da >= 3 && (db === 1 || db === 2) && shouldFold(a, db)) {
    const k = a._shape[da - 1];
    const outShape = [...a._shape.slice(0, -1), ...(db === 2 ? [b._shape[1]] : [])];
    // Explicit rows, not -1: a zero-size batch (or k = 0) leaves -1 undetermined.
    const a2 = a.contiguous().reshape([numelOf(a._shape.slice(0, -1)), k]);
    const b2 = db === 1 ? b.unsqueeze(-1) : b;
    return unsafeView(a2.mm(b2), outShape);
  }
  if (db >= 3 && (da === 1 || da === 2) && shouldFold(b, da)) {
    // PyTorch folds b's batch into mm here too, through b^T: a @ b = (b^T a^T)^T, made contiguous.
    const t1 = b.transpose(-1, -2);
    const t2 = da === 2 ? a.t() : a;
    const s1 = t1._shape;
    const outShape = s1.slice(0, -1);
    const t1f = t1.reshape([numelOf(outShape), s1[s1.length - 1]]);
    if (da === 1) return unsafeView(mv(t1f, t2), outShape);
    outShape.push(t2._shape[1]);
    return unsafeView(mm(t1f, t2), outShape).transpose(-1, -2).contiguous();
  }
  // Batched: broadcast the batch dims, fold them into one, bmm, unfold.
  const a3d = da === 1 ? a.unsqueeze(0) : a;
  const b3d = db === 1 ? b.unsqueeze(-1) : b;
  const batchA = a3d._shape.slice(0, -2);
  const batchB = b3d._shape.slice(0, -2);
  const batch = broadcastShapes(batchA, batchB);
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
  V.tensor(x, 'softmax', 'input', 1);
  V.int(dim, 'softmax', 'dim', 1);
  V.softmaxInput(x, dim, false);
  const a = floatInput(x);
  const d = normDim(dim, a.ndim);
  const y = K.softmaxK('softmax', a, d);
  return record(
    'SoftmaxBackward0',
    y,
    [a],
    () => [y],
    (g, [s]) => [s.mul(g.sub(g.mul(s).sum(d, true)))],
  );
}

export function logSoftmax(x: Tensor, dim: number): Tensor {
  V.tensor(x, 'logSoftmax', 'input', 1);
  V.int(dim, 'logSoftmax', 'dim', 1);
  V.softmaxInput(x, dim, true);
  const a = floatInput(x);
  const d = normDim(dim, a.ndim);
  const y = K.softmaxK('log_softmax', a, d);
  return record(
    'LogSoftmaxBackward0',
    y,
    [a],
    () => [y],
    (g, [s]) => [g.sub(s.exp().mul(g.sum(d, true)))],
  );
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

// ---- in place and views -------------------------------------------------------------------------
//
// PyTorch's model, which these functions follow: a view made by a view op records its base (the
// root of its chain of views). An in-place op first checks autograd's rules (check_inplace), then
// the kernel's (no self-overlap, an output that holds the broadcast shape, a castable dtype), then
// writes and bumps the version counter its storage shares with every view, then rebases history:
// a non-view takes the op's node; a view's base takes CopySlices (the base's old history outside
// the view's region, the op's node inside it), and the view's own grad_fn is remade from the base.
// Any view whose version moved since its grad_fn was set is remade at its next grad_fn access
// (Tensor.gradFn -> regenerateViewGradFn), whoever wrote.

/** Where a tensor's elements are in its storage. */
interface Geometry {
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
}

function geometryOf(t: Tensor): Geometry {
  return { shape: t._shape, strides: t._strides, offset: t._offset };
}

/** Elements a buffer needs to hold `g` laid out from its first element (strides are non-negative). */
function spanOf(g: Geometry): number {
  if (numelOf(g.shape) === 0) return 0;
  let n = 1;
  for (let i = 0; i < g.shape.length; i++) n += (g.shape[i] - 1) * g.strides[i];
  return n;
}

/** Dims along which a geometry repeats one element (stride 0 over more than one element). */
function repeatedDims(g: Geometry): number[] {
  const out: number[] = [];
  for (let i = 0; i < g.shape.length; i++) if (g.strides[i] === 0 && g.shape[i] > 1) out.push(i);
  return out;
}

const OVERLAP_MSG =
  'unsupported operation: more than one element of the written-to tensor refers to a single memory location. ' +
  'Please clone() the tensor before performing the operation.';

/** A zero buffer laid out like `base`, with a handle of `base`'s shape on it. */
function baseBuffer(base: Geometry, dtype: DType): { buf: Tensor; whole: Tensor } {
  const buf = K.full([spanOf(base)], 0, dtype);
  return { buf, whole: buf._view(base.shape, base.strides, 0) };
}

/**
 * as_strided's adjoint: a base-shaped gradient, zero outside the view's elements, the view's
 * gradient `src` inside (summed where the view repeats an element).
 */
function viewScatter(src: Tensor, base: Geometry, view: Geometry): Tensor {
  const out = noGrad(() =>
    withTemps(() => {
      const rep = repeatedDims(view);
      const part = rep.length ? K.reduce('sum', src, rep, true) : src;
      const { buf, whole } = baseBuffer(base, src.dtype);
      const shape = view.shape.map((d, i) => (rep.includes(i) ? 1 : d));
      K.copyInto(buf._view(shape, view.strides, view.offset - base.offset), part);
      return whole;
    }),
  );
  // An empty view contributes nothing: PyTorch's as_strided_backward then returns plain zeros, which
  // do not require grad even under createGraph.
  if (src.numel() === 0) return out;
  return record(
    'AsStridedScatterBackward',
    out,
    [src],
    () => [],
    (g) => [viewGather(g, base, view)],
  );
}

/** The view's elements of a base-shaped gradient, contiguous (viewScatter's adjoint). */
function viewGather(g: Tensor, base: Geometry, view: Geometry): Tensor {
  const out = noGrad(() =>
    withTemps(() => {
      const { buf, whole } = baseBuffer(base, g.dtype);
      K.copyInto(whole, g);
      return K.contiguousCopy(buf._view(view.shape, view.strides, view.offset - base.offset));
    }),
  );
  return record(
    'AsStridedBackward0',
    out,
    [g],
    () => [],
    (gg) => [viewScatter(gg, base, view)],
  );
}

/** `g` (base-shaped) with the view's elements replaced by `src`: CopySlices' gradient for the base. */
function viewOverwrite(g: Tensor, src: Tensor, base: Geometry, view: Geometry): Tensor {
  const out = noGrad(() =>
    withTemps(() => {
      const { buf, whole } = baseBuffer(base, g.dtype);
      K.copyInto(whole, g);
      K.copyInto(buf._view(view.shape, view.strides, view.offset - base.offset), src);
      return whole;
    }),
  );
  return record(
    'CopySlicesBackward',
    out,
    [g, src],
    () => [],
    (gg, _s, n) => [n[0] ? viewOverwrite(gg, K.full(view.shape, 0, gg.dtype), base, view) : null, n[1] ? viewGather(gg, base, view) : null],
  );
}

function noGradViewMessage(view: Tensor, what: string): string {
  const fn = view._rawGradFn();
  const prefix = fn ? `Output 0 of ${fn.name} is a view of a view which was created in` : 'A view was created in';
  return (
    `${prefix} no_grad mode and ${what} modified inplace with grad mode enabled. Given that this use case is ` +
    'ambiguous and error-prone, it is forbidden. You can clarify your code by moving both the view and the ' +
    "inplace either both inside the no_grad block (if you don't want the inplace to be tracked) or both " +
    'outside (if you want the inplace to be tracked).'
  );
}

/**
 * @internal A view's grad_fn after its storage was written since it was set: AsStridedBackward0
 * from the base's current history (PyTorch remakes it at the view's next grad_fn access).
 */
export function regenerateViewGradFn(view: Tensor, base: Tensor): void {
  if (view._noGradView) throw new AutogradError(noGradViewMessage(view, 'its base or another view of its base has been'));
  const bg = geometryOf(base);
  const vg = geometryOf(view);
  const node = new Node('AsStridedBackward0', [base._edge()], [{ shape: base._shape, dtype: base.dtype }], (g) => [viewScatter(g, bg, vg)]);
  node.setSaved([]);
  view._setGradFn(node);
}

/** A node for an in-place op: `inputs` (self first, as it was) feed `rule`. */
function inplaceNode(name: string, inputs: readonly (Tensor | null)[], rule: BackwardRule): Node {
  const next = inputs.map((t) => (t?.requiresGrad ? t._edge() : null));
  const meta = inputs.map((t) => (t ? { shape: t._shape, dtype: t.dtype } : { shape: [], dtype: 'float32' as DType }));
  const node = new Node(name, next, meta, rule);
  node.setSaved([]);
  return node;
}

/** After an in-place op wrote `self` (version already bumped): `fn` becomes the history of what it holds. */
function rebaseHistory(self: Tensor, fn: Node): void {
  const base = self._base;
  if (base === null) {
    self._setGradFn(fn);
    return;
  }
  const bg = geometryOf(base);
  const vg = geometryOf(self);
  const overlapping = self.numel() > 0 && repeatedDims(vg).length > 0;
  const next = [base._edge(), ...fn.next.slice(1)];
  const meta = [{ shape: base._shape, dtype: base.dtype }, ...fn.inputMeta.slice(1)];
  const cs = new Node('CopySlices', next, meta, (g, _s, needs) => {
    // PyTorch writes the op's gradient back into the view's part of the base's gradient.
    if (overlapping) throw new Error(OVERLAP_MSG);
    const saved = fn.unpack();
    const slice = viewGather(g, bg, vg);
    const res = fn.rule(slice, saved, [needs[0] && fn.needs[0], ...needs.slice(1)]);
    const out = res.slice();
    if (needs[0]) out[0] = viewOverwrite(g, res[0] ?? K.full(vg.shape, 0, g.dtype), bg, vg);
    else out[0] = null;
    return out;
  });
  cs.inner = fn;
  cs.setSaved([], true);
  base._setGradFn(cs);
  void self.gradFn; // the view's own grad_fn, from the base's new history
}

/**
 * PyTorch's check_inplace, before anything runs: whether the op is recorded, after refusing what
 * autograd forbids (views made in no-grad mode, views of leaves and leaves that require grad).
 */
function checkInplace(self: Tensor, others: readonly Operand[]): boolean {
  self._check('in-place op');
  if (!isGradEnabled()) return false;
  if (!self.requiresGrad && !others.some((o) => o instanceof Tensor && o.requiresGrad)) return false;
  const base = self._base;
  if (base !== null) {
    if (self._noGradView) throw new AutogradError(noGradViewMessage(self, 'is being'));
    if (self.requiresGrad && base.isLeaf) {
      throw new AutogradError('a view of a leaf Variable that requires grad is being used in an in-place operation.');
    }
  }
  if (self.requiresGrad && self.isLeaf) {
    throw new AutogradError('a leaf Variable that requires grad is being used in an in-place operation.');
  }
  return true;
}

/** The kernel's checks before it writes `self` from `src`: no self-overlap, the broadcast shape fits. */
function checkInplaceWrite(self: Tensor, src: Tensor | null): void {
  if (self.numel() > 0 && repeatedDims(geometryOf(self)).length) throw new Error(OVERLAP_MSG);
  if (src !== null) V.broadcastInto(self._shape, src._shape);
}

const inplaceOps = { add, sub, mul, div } as const;
/** Entry names for messages (constants: no string is built per call). */
const INPLACE_NAME = { add: 'add_', sub: 'sub_', mul: 'mul_', div: 'div_' } as const;

/** self.op_(other): validates, writes self, bumps its version, rebases its history. */
export function inplace<T extends Tensor>(self: T, op: keyof typeof inplaceOps, other: Tensor | Scalar, alpha?: number): T {
  V.operand(other, INPLACE_NAME[op], 'other', 1);
  if (alpha !== undefined) V.number(alpha, INPLACE_NAME[op], 'alpha');
  return withTemps(() => inplaceImpl(self, op, other, alpha));
}

function inplaceImpl<T extends Tensor>(self: T, op: keyof typeof inplaceOps, other: Tensor | Scalar, alpha?: number): T {
  const o = asTensorOperand(other, INPLACE_NAME[op], 'other', 1);
  const tracking = checkInplace(self, [o]);
  checkInplaceWrite(self, o instanceof Tensor ? o : null);
  const rdtype = promote([self, o]);
  if (rdtype !== self.dtype && !(isFloating(self.dtype) || !isFloating(rdtype))) {
    throw new Error(
      `result type ${rdtype === 'float64' ? 'Double' : 'Float'} can't be cast to the desired output type ${self.dtype === 'int64' ? 'Long' : 'Bool'}`,
    );
  }
  const apply = (x: Tensor): Tensor => (op === 'add' || op === 'sub' ? inplaceOps[op](x, o, alpha) : inplaceOps[op](x, o));
  if (!tracking) {
    if (isFloating(self.dtype) && self.isContiguous()) {
      let b = operand(o, self.dtype);
      if (alpha !== undefined && alpha !== 1) b = K.binary('mul', b, K.full([], alpha, self.dtype));
      K.binaryInto(op, self, b);
    } else {
      K.copyInto(
        self,
        noGrad(() => apply(self)),
      );
    }
    self._storage.version++;
    return self;
  }
  // The op's node, computed out of place from self's old value. mul/div read self for other's
  // gradient: like PyTorch (which saves a clone of the original self), they get a copy, so the write
  // below does not invalidate what they saved.
  const readsSelf = (op === 'mul' || op === 'div') && o instanceof Tensor && o.requiresGrad;
  const old = readsSelf ? noGrad(() => K.contiguousCopy(self))._adoptIdentity(self) : self;
  const r = apply(old);
  noGrad(() => K.copyInto(self, r));
  self._storage.version++;
  const fn = r.gradFn;
  if (fn) rebaseHistory(self, fn);
  return self;
}

function fillLike<T extends Tensor>(self: T, value: number, node: string): T {
  const tracking = checkInplace(self, []);
  // Writing one value needs no overlap check (PyTorch's fill_ has none).
  const fn = tracking ? inplaceNode(node, [self], (g) => [zerosLike(g)]) : null;
  const src = K.full([], value, self.dtype);
  K.copyInto(self, src);
  src.dispose();
  self._storage.version++;
  if (fn) rebaseHistory(self, fn);
  return self;
}

export function fill_<T extends Tensor>(self: T, value: number): T {
  V.number(value, 'fill_', 'value', 1);
  return fillLike(self, +value, 'FillBackward2');
}

export function zero_<T extends Tensor>(self: T): T {
  return fillLike(self, 0, 'ZeroBackward0');
}

export function copy_<T extends Tensor>(self: T, src: Tensor): T {
  V.tensor(src, 'copy_', 'other', 1);
  const s = src;
  const tracking = checkInplace(self, [s]);
  checkInplaceWrite(self, s);
  const srcDtype = s.dtype;
  const fn = tracking
    ? inplaceNode('CopyBackwards', [self, s], (g, _s, n) => [n[0] ? zerosLike(g) : null, n[1] ? g.to(srcDtype) : null])
    : null;
  K.copyInto(self, s);
  self._storage.version++;
  if (fn) rebaseHistory(self, fn);
  return self;
}

export { isContiguous };
