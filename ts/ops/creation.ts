// Creation ops: tensors from data, filled and random tensors, ranges, and the RNG's seed.
import { Tensor } from '../tensor.js';
import { type DType, isFloating } from '../dtype.js';
import { AutogradError } from '../autograd.js';
import { noGrad } from '../grad_mode.js';
import { getCore } from '../core/wasm.js';
import * as K from './internal.js';
import * as V from '../validate.js';
import { contiguousStrides } from '../shape.js';
import type { TensorLike, TensorOptions, TypedData } from './operands.js';
import { type OpSpec, defineOp } from './registry.js';
import { type RandomOptions, checkGenerator, withGenerator } from './random.js';

// Each creation entry's options (checked by ../validate.ts: unknown keys and value kinds).
const creationOpts = (entry: string): V.OptionSpec =>
  V.optionSpec(entry, { dtype: 'dtype', requiresGrad: 'bool' }, ['device', 'layout', 'pinMemory', 'names', 'generator', 'out']);
const TENSOR_OPTS = creationOpts('tensor');
const FROM_ARRAY_OPTS = creationOpts('fromArray');
const ZEROS_OPTS = creationOpts('zeros');
const ONES_OPTS = creationOpts('ones');
const EMPTY_OPTS = creationOpts('empty');
const FULL_OPTS = creationOpts('full');
const randomOpts = (entry: string): V.OptionSpec =>
  V.optionSpec(entry, { dtype: 'dtype', requiresGrad: 'bool', generator: 'any' }, ['device', 'layout', 'pinMemory', 'names', 'out']);
const RAND_OPTS = randomOpts('rand');
const RANDN_OPTS = randomOpts('randn');
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
  if (!shape) return tensor(data, opts);
  // Shaped as a tensor of its own: no view of a dropped 1-D handle (which would keep the storage
  // counted after the result is disposed), and a leaf when it requires grad.
  const flat = tensor(data, opts?.dtype ? { dtype: opts.dtype } : undefined);
  const v = flat.reshape(shape as number[]); // checks the size, resolves -1
  const dims = v._shape;
  v.dispose();
  const t = flat._view(dims, contiguousStrides(dims), 0);
  flat.dispose();
  return finish(t, opts ?? NO_OPTS);
}

export type ShapeArgs = (number | readonly number[] | TensorOptions)[];
/** rand / randn: the sizes, then options that may name a `generator`. */
export type RandomShapeArgs = (number | readonly number[] | RandomOptions)[];

const NO_OPTS: TensorOptions = Object.freeze({});

/**
 * The size and options of zeros/ones/empty/rand/randn: sizes as varargs (`zeros(2, 3)`) or one
 * array (`zeros([2, 3])`), then an optional options object.
 */
function parseShapeArgs(args: ShapeArgs | RandomShapeArgs, spec: V.OptionSpec): { shape: number[]; opts: TensorOptions } {
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
function randomImpl(kind: 'rand' | 'randn', shape: readonly number[], opts: RandomOptions): Tensor {
  checkGenerator(opts.generator, kind);
  const dtype = opts.dtype ?? 'float32';
  // PyTorch: "check_uniform_bounds" not implemented for 'Long' / "normal_kernel_cpu" for 'Long'.
  if (!isFloating(dtype)) {
    throw new Error(`"${kind === 'rand' ? 'check_uniform_bounds' : 'normal_kernel_cpu'}" not implemented for '${V.scalarName(dtype)}'`);
  }
  gradDtype(opts, dtype);
  return finish(
    withGenerator(opts.generator, () => K.randomK(kind, shape, dtype)),
    opts,
  );
}
export function rand(...args: RandomShapeArgs): Tensor {
  const { shape, opts } = parseShapeArgs(args, RAND_OPTS);
  return randomImpl('rand', shape, opts as RandomOptions);
}
export function randn(...args: RandomShapeArgs): Tensor {
  const { shape, opts } = parseShapeArgs(args, RANDN_OPTS);
  return randomImpl('randn', shape, opts as RandomOptions);
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

/** What every creation entry shares: none is differentiable (a factory's result is a leaf). */
const FACTORY = {
  kind: 'creation',
  nodes: [],
  saves: 'nothing',
  test: { grad: { no: 'a factory makes a leaf' } },
} as const satisfies Partial<OpSpec>;
const FILLED = { ...FACTORY, kernels: ['fill_f32', 'fill_f64'], dtype: 'options' } as const satisfies Partial<OpSpec>;
const RANDOM = { ...FACTORY, dtype: 'options' } as const satisfies Partial<OpSpec>;

export const CREATION_OPS = {
  tensor: defineOp({
    ...FACTORY,
    name: 'tensor',
    py: 'tensor',
    fn: tensor,
    doc: 'A tensor holding a copy of nested arrays, numbers or a typed array.',
    kernels: [],
    dtype: 'options',
    test: { ...FACTORY.test, samples: [{ args: [[1.5, -2]] }] },
  }),
  fromArray: defineOp({
    ...FACTORY,
    name: 'fromArray',
    py: 'from_numpy',
    fn: fromArray,
    doc: 'A tensor holding a copy of a typed array, optionally reshaped (from_numpy).',
    kernels: [],
    dtype: 'options',
  }),
  zeros: defineOp({
    ...FILLED,
    name: 'zeros',
    py: 'zeros',
    fn: zeros,
    doc: 'A tensor of zeros.',
    test: { ...FACTORY.test, samples: [{ args: [[2, 3]] }] },
  }),
  ones: defineOp({
    ...FILLED,
    name: 'ones',
    py: 'ones',
    fn: ones,
    doc: 'A tensor of ones.',
    test: { ...FACTORY.test, samples: [{ args: [[2, 3]] }] },
  }),
  empty: defineOp({
    ...FILLED,
    name: 'empty',
    py: 'empty',
    fn: empty,
    doc: 'An uninitialised tensor (here: zeros).',
    test: { ...FACTORY.test, samples: [{ args: [[2, 3]] }] },
  }),
  full: defineOp({
    ...FILLED,
    name: 'full',
    py: 'full',
    fn: full,
    doc: 'A tensor filled with one value.',
    test: { ...FACTORY.test, samples: [{ args: [[2, 3], 1.5] }] },
  }),
  zerosLike: defineOp({
    ...FILLED,
    name: 'zerosLike',
    py: 'zeros_like',
    fn: zerosLike,
    doc: 'Zeros of the shape (and dtype) of a tensor.',
    test: { ...FACTORY.test, samples: [{ args: [{ shape: [2, 3] }], note: 'of a tensor that requires grad' }] },
  }),
  onesLike: defineOp({
    ...FILLED,
    name: 'onesLike',
    py: 'ones_like',
    fn: onesLike,
    doc: 'Ones of the shape (and dtype) of a tensor.',
    test: { ...FACTORY.test, samples: [{ args: [{ shape: [2, 3] }], note: 'of a tensor that requires grad' }] },
  }),
  fullLike: defineOp({
    ...FILLED,
    name: 'fullLike',
    py: 'full_like',
    fn: fullLike,
    doc: 'A value in the shape (and dtype) of a tensor.',
    test: { ...FACTORY.test, samples: [{ args: [{ shape: [2, 3] }, 1.5], note: 'of a tensor that requires grad' }] },
  }),
  arange: defineOp({
    ...FACTORY,
    name: 'arange',
    py: 'arange',
    fn: arange,
    doc: 'Values from start to end (exclusive) by step; integer arguments give int64.',
    kernels: ['arange_f32', 'arange_f64'],
    dtype: 'options',
    test: { ...FACTORY.test, samples: [{ args: [5] }] },
  }),
  linspace: defineOp({
    ...FACTORY,
    name: 'linspace',
    py: 'linspace',
    fn: linspace,
    doc: 'steps values evenly spaced from start to end.',
    kernels: ['linspace_f32', 'linspace_f64'],
    dtype: 'options',
    test: { ...FACTORY.test, samples: [{ args: [0, 1, 5] }] },
  }),
  rand: defineOp({
    ...RANDOM,
    name: 'rand',
    py: 'rand',
    fn: rand,
    doc: 'Uniform samples in [0, 1).',
    kernels: ['rand_f32', 'rand_f64'],
    test: { ...FACTORY.test, samples: [{ args: [[2, 3]] }] },
  }),
  randn: defineOp({
    ...RANDOM,
    name: 'randn',
    py: 'randn',
    fn: randn,
    doc: 'Standard normal samples.',
    kernels: ['randn_f32', 'randn_f64'],
    test: { ...FACTORY.test, samples: [{ args: [[2, 3]] }] },
  }),
  randLike: defineOp({
    ...RANDOM,
    name: 'randLike',
    py: 'rand_like',
    fn: randLike,
    doc: 'Uniform samples in the shape (and dtype) of a tensor.',
    kernels: ['rand_f32', 'rand_f64'],
    test: { ...FACTORY.test, samples: [{ args: [{ shape: [2, 3] }], note: 'of a tensor that requires grad' }] },
  }),
  randnLike: defineOp({
    ...RANDOM,
    name: 'randnLike',
    py: 'randn_like',
    fn: randnLike,
    doc: 'Normal samples in the shape (and dtype) of a tensor.',
    kernels: ['randn_f32', 'randn_f64'],
    test: { ...FACTORY.test, samples: [{ args: [{ shape: [2, 3] }], note: 'of a tensor that requires grad' }] },
  }),
} as const;
