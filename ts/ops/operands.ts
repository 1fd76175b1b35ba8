// What every op does with its arguments before computing: Python-scalar operands, PyTorch's type
// promotion, the casts it implies, and dtype conversion itself (a differentiable op).
import { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { type DType, isFloating, resultType } from '../dtype.js';
import * as K from './internal.js';
import * as V from '../validate.js';
import { tensor } from './creation.js';
import { defineOp } from './registry.js';
import { rt } from '../runtime.js';

/** A Python number as an operand: a JavaScript number, or a boolean (PyTorch's bool scalar). */
export type Scalar = number | boolean;
/** Nested arrays of numbers, booleans or bigints (bigints make int64 tensors: `torch.tensor([1n, 2n])`). */
export type NestedNumbers = number | boolean | bigint | readonly NestedNumbers[];
/** Typed arrays `torch.tensor` / `torch.fromArray` copy from (Float32Array -> float32, Float64Array -> float64, BigInt64Array -> int64...). */
export type TypedData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Int16Array;
/** What `torch.tensor` accepts: a tensor, nested arrays of numbers / booleans / bigints, or a typed array. */
export type TensorLike = Tensor | NestedNumbers | TypedData;

/** Keyword arguments of the tensor factories (`torch.zeros(2, 3, { dtype: 'float64', requiresGrad: true })`): PyTorch's `dtype`, `requires_grad`. */
export interface TensorOptions {
  /** The dtype of the result (PyTorch's `dtype`; float32 by default for numbers). */
  dtype?: DType;
  /** Record operations on the tensor for autograd (PyTorch's `requires_grad`). */
  requiresGrad?: boolean;
}

// ---- operands ------------------------------------------------------------------------------------

export type Operand = Tensor | Scalar;

export function isScalar(x: unknown): x is Scalar {
  return typeof x === 'number' || typeof x === 'boolean';
}

/**
 * A tensor-or-scalar operand, checked (../validate.ts): tensors and numbers/booleans pass as they
 * are, a bigint becomes a 0-d int64 tensor; anything else (lists included, as in PyTorch) throws.
 */
export function asTensorOperand(x: unknown, entry: string, name: string, pos: number): Operand {
  if (x instanceof Tensor || isScalar(x)) return x;
  V.operand(x, entry, name, pos);
  return tensor(x as bigint);
}

/** PyTorch's type promotion for a list of operands (tensors and Python scalars). */
export function promote(ops: Operand[]): DType {
  // The common case: float tensors of one dtype, or one with a number.
  const p = ops[0];
  const q = ops[1];
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

/** `promote([p, q])`, without making the array in the common case (float tensors of one dtype, or one with a number). */
export function promote2(p: Operand, q: Operand): DType {
  if (p instanceof Tensor && (p.dtype === 'float32' || p.dtype === 'float64')) {
    if (typeof q === 'number' || (q instanceof Tensor && q.dtype === p.dtype)) return p.dtype;
  }
  return promote([p, q]);
}

/** A tensor of `dtype` for an operand: scalars become 0-d tensors, tensors are cast (differentiably). */
export function operand(o: Operand, dtype: DType): Tensor {
  if (o instanceof Tensor) return o.dtype === dtype ? o : toDtype(o, dtype);
  return scalarTensor(typeof o === 'boolean' ? (o ? 1 : 0) : o, dtype);
}

// Python scalars in ops (`x.mul(2)`) become 0-d tensors; the common ones are made once and shared.
// They are internal: no scope tracks them and no user can modify them in place.
const SCALAR_CACHE_SIZE = 256;

export function scalarTensor(v: number, dtype: DType): Tensor {
  // The last two constants handed out first (a loop alternates a few numbers; the Map hashes each).
  // NaN never equals, and -0 (equal to 0) is never a recent value's twin: 1/-0 < 0.
  const r = rt.ops.recent;
  const t0 = r.t0;
  if (v === r.v0 && t0 !== null && t0.dtype === dtype && !t0.isDisposed && (v !== 0 || 1 / v > 0)) return t0;
  const t1 = r.t1;
  if (v === r.v1 && t1 !== null && t1.dtype === dtype && !t1.isDisposed && (v !== 0 || 1 / v > 0)) return t1;
  const t = cachedScalar(v, dtype);
  if (!Number.isNaN(v) && !Object.is(v, -0)) {
    r.t1 = t0;
    r.v1 = r.v0;
    r.t0 = t;
    r.v0 = v;
  }
  return t;
}

function cachedScalar(v: number, dtype: DType): Tensor {
  const cache = rt.ops.scalars[dtype];
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
export function needsTemp(o: Operand, dtype: DType): boolean {
  return o instanceof Tensor && o.dtype !== dtype;
}

export function floatDtype(d: DType): DType {
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

/** Integer and bool inputs of float ops compute in float32, as PyTorch's. */
export function floatInput(x: Tensor): Tensor {
  return isFloating(x.dtype) ? x : K.castTo(x, 'float32');
}

/** x.to(dtype): the same tensor when the dtype already matches, else a converted copy. */
export function to(x: Tensor, dtype: DType): Tensor {
  V.tensor(x, 'to', 'input', 1);
  if (dtype === x.dtype) return x;
  V.dtype(dtype, 'to', 'dtype', 1);
  if (dtype == null) throw V.argTypeError('to', 'dtype', 1, 'a dtype', dtype);
  return toDtype(x, dtype);
}

export const CONVERSION_OPS = {
  to: defineOp({
    name: 'to',
    py: 'to',
    kind: 'conversion',
    fn: to,
    doc: 'Converts to another dtype (a copy; the tensor itself when the dtype matches).',
    nodes: ['ToCopyBackward0'],
    kernels: ['cast_f32_f64', 'cast_f64_f32', 'cast_f32_i64', 'cast_f64_i64', 'cast_i64_f32', 'cast_i64_f64'],
    dtype: 'target',
    saves: 'nothing',
    torch: false,
    methods: {
      to: true,
      float: (x: Tensor): Tensor => to(x, 'float32'),
      double: (x: Tensor): Tensor => to(x, 'float64'),
      long: (x: Tensor): Tensor => to(x, 'int64'),
      bool: (x: Tensor): Tensor => to(x, 'bool'),
    },
    test: { grad: 'twice', samples: [{ args: [{ shape: [2, 3] }, 'float32'] }] },
  }),
} as const;
