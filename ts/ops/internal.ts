// Kernel calls: each function allocates its result and hands pointers, shapes and strides to the
// WebAssembly core. Nothing here records autograd history (see ./table.ts for that).
import { Tensor } from '../tensor.js';
import { Storage } from '../storage.js';
import { DType, ITEM_SIZE, kernelSuffix } from '../dtype.js';
import { kernel, meta, memoryBuffer } from '../core/wasm.js';
import type { KernelFn } from '../core/wasm.js';
import {
  broadcastShapes,
  broadcastStrides,
  coalesce,
  contiguousStrides,
  isContiguous,
  numelOf,
  sameShape,
  Shape,
} from '../shape.js';
import * as O from './table.js';

export function empty(shape: Shape, dtype: DType): Tensor {
  return Tensor._empty(shape, dtype);
}

function writeMeta(...groups: (readonly number[])[]): void {
  const m = meta();
  let k = 0;
  for (const g of groups) for (const v of g) m[k++] = v;
}

/** Writes `value` into every element of the contiguous tensor `out`. */
function fillWith(out: Tensor, value: number): Tensor {
  const n = out.numel();
  const dtype = out.dtype;
  if (n === 0) return out;
  if (dtype === 'float32' || dtype === 'float64') {
    kernelFor('fill', dtype)(out._ptr(), n, value);
  } else if (dtype === 'int64') {
    new BigInt64Array(memoryBuffer(), out._ptr(), n).fill(BigInt(Math.trunc(value)));
  } else {
    new Uint8Array(memoryBuffer(), out._ptr(), n).fill(value ? 1 : 0);
  }
  return out;
}

export function full(shape: Shape, value: number, dtype: DType): Tensor {
  return fillWith(empty(shape, dtype), value);
}

/** A 0-d constant the library shares (not tracked by scopes, not registered for collection). */
export function scalarConstant(v: number, dtype: DType): Tensor {
  return fillWith(new Tensor(Storage.forElements(1, dtype), [], [], 0, dtype, true), v);
}

/** A tensor holding a copy of `data` (already in the dtype's element type). */
export function fromTyped(
  data: Float32Array | Float64Array | BigInt64Array | Uint8Array,
  shape: Shape,
  dtype: DType,
): Tensor {
  const out = empty(shape, dtype);
  const n = out.numel();
  if (n === 0) return out;
  const buf = memoryBuffer();
  const p = out._ptr();
  switch (dtype) {
    case 'float32':
      new Float32Array(buf, p, n).set(data as Float32Array);
      break;
    case 'float64':
      new Float64Array(buf, p, n).set(data as Float64Array);
      break;
    case 'int64':
      new BigInt64Array(buf, p, n).set(data as BigInt64Array);
      break;
    default:
      new Uint8Array(buf, p, n).set(data as Uint8Array);
  }
  return out;
}

/** Copies `src` (broadcast to dst's shape) into the strided view `dst`. */
export function copyInto(dst: Tensor, src: Tensor): void {
  const n = dst.numel();
  if (n === 0) return;
  if (src.dtype !== dst.dtype) src = castTo(src, dst.dtype);
  const sst = broadcastStrides(src._shape, src._strides, dst._shape);
  const c = coalesce(dst._shape, [dst._strides, sst]);
  writeMeta(c.shape, c.strides[0], c.strides[1]);
  kernel(`copy_b${ITEM_SIZE[dst.dtype]}`)(dst._ptr('copy_'), src._ptr('copy_'), c.shape.length);
}

export function contiguousCopy(t: Tensor): Tensor {
  const out = empty(t._shape, t.dtype);
  copyInto(out, t);
  return out;
}

export function contiguousOf(t: Tensor): Tensor {
  return isContiguous(t._shape, t._strides) ? t : contiguousCopy(t);
}

/** Dtype conversion (a copy), computed in the core. */
export function castTo(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  const x = contiguousOf(t);
  const out = empty(t._shape, dtype);
  const n = out.numel();
  if (n > 0) {
    const from = { float32: 'f32', float64: 'f64', int64: 'i64', bool: 'u8' }[t.dtype];
    const to = { float32: 'f32', float64: 'f64', int64: 'i64', bool: 'u8' }[dtype];
    if (from === 'i64' && to === 'u8') {
      kernel('cast_f64_u8')(out._ptr(), castTo(x, 'float64')._ptr(), n);
    } else if (from === 'u8' && to === 'i64') {
      kernel('cast_f64_i64')(out._ptr(), castTo(x, 'float64')._ptr(), n);
    } else {
      kernel(`cast_${from}_${to}`)(out._ptr(), x._ptr(), n);
    }
  }
  if (x !== t) x.dispose();
  return out;
}

/** Elementwise unary kernel `name_T(out, x, n, ...params)` on a float tensor. */
export function unary(name: string, x: Tensor, ...params: number[]): Tensor {
  const xc = contiguousOf(x);
  const out = empty(x._shape, x.dtype);
  const n = out.numel();
  if (n > 0) kernelFor(name, x.dtype)(out._ptr(), xc._ptr(name), n, ...params);
  if (xc !== x) xc.dispose();
  return out;
}

/** Broadcasting binary kernel; `kdtype` picks the kernel (inputs already of that dtype). */
/** `name_f32` / `name_f64`, resolved once per name. */
const typedKernels = new Map<string, { f32: KernelFn | null; f64: KernelFn | null }>();
function kernelFor(name: string, dtype: DType): KernelFn {
  let k = typedKernels.get(name);
  if (!k) typedKernels.set(name, (k = { f32: null, f64: null }));
  return dtype === 'float64' ? (k.f64 ??= kernel(`${name}_f64`)) : (k.f32 ??= kernel(`${name}_${kernelSuffix(dtype)}`));
}

export function binary(name: string, a: Tensor, b: Tensor, outDtype: DType = a.dtype, kname?: string): Tensor {
  const f = kname ? kernel(kname) : kernelFor(name, a.dtype);
  // Common layouts need no broadcasting arithmetic: same-shape contiguous operands, or a
  // contiguous tensor with a 0-d one, are one flat loop.
  const ac = a.isContiguous();
  const bc = b.isContiguous();
  // A one-element operand against a contiguous one of at least its rank broadcasts as a scalar.
  const aOne = a.numel() === 1 && bc && b._shape.length >= a._shape.length;
  const bOne = b.numel() === 1 && ac && a._shape.length >= b._shape.length;
  if ((ac && bc && sameShape(a._shape, b._shape)) || aOne || bOne) {
    const shape = aOne && !bOne ? b._shape : a._shape.length >= b._shape.length ? a._shape : b._shape;
    const out = empty(shape, outDtype);
    const n = out.numel();
    if (n === 0) return out;
    const m = meta();
    m[0] = n;
    m[1] = aOne && n !== 1 ? 0 : 1;
    m[2] = bOne && n !== 1 ? 0 : 1;
    f(out._ptr(), a._ptr(name), b._ptr(name), 1);
    return out;
  }
  const shape = broadcastShapes(a._shape, b._shape);
  const out = empty(shape, outDtype);
  if (out.numel() === 0) return out;
  const c = coalesce(shape, [broadcastStrides(a._shape, a._strides, shape), broadcastStrides(b._shape, b._strides, shape)]);
  writeMeta(c.shape, c.strides[0], c.strides[1]);
  f(out._ptr(), a._ptr(name), b._ptr(name), c.shape.length);
  return out;
}

/** In-place binary kernel into a contiguous `a` of the broadcast shape (a === out). */
export function binaryInto(name: string, a: Tensor, b: Tensor): void {
  const shape = a._shape;
  if (a.numel() === 0) return;
  const c = coalesce(shape, [a._strides, broadcastStrides(b._shape, b._strides, shape)]);
  writeMeta(c.shape, c.strides[0], c.strides[1]);
  kernelFor(name, a.dtype)(a._ptr(name), a._ptr(name), b._ptr(name), c.shape.length);
}

export function whereK(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(cond._shape, a._shape, b._shape);
  const out = empty(shape, a.dtype);
  if (out.numel() === 0) return out;
  const c = coalesce(shape, [
    broadcastStrides(cond._shape, cond._strides, shape),
    broadcastStrides(a._shape, a._strides, shape),
    broadcastStrides(b._shape, b._strides, shape),
  ]);
  writeMeta(c.shape, c.strides[0], c.strides[1], c.strides[2]);
  kernelFor('where', a.dtype)(out._ptr(), cond._ptr('where'), a._ptr('where'), b._ptr('where'), c.shape.length);
  return out;
}

export type ReduceKind = 'sum' | 'mean' | 'max' | 'min' | 'logsumexp' | 'var';

/** Reduction over sorted, unique `dims` (all dims when empty). */
export function reduce(kind: ReduceKind, x: Tensor, dims: readonly number[], keepdim: boolean, correction = 0): Tensor {
  if ((dims.length === 0 || dims.length === x.ndim) && x.isContiguous()) {
    // Everything, from contiguous memory: one run.
    const out = empty(keepdim ? x._shape.map(() => 1) : [], x.dtype);
    const f = kernelFor(kind, x.dtype);
    if (kind === 'var') f(out._ptr(), x._ptr(kind), 1, x.numel(), 1, correction);
    else f(out._ptr(), x._ptr(kind), 1, x.numel(), 1);
    return out;
  }
  const nd = x.ndim;
  const red = dims.length === 0 ? x._shape.map((_, i) => i) : dims;
  const isRed = x._shape.map((_, i) => red.includes(i));
  const outShape: number[] = [];
  for (let i = 0; i < nd; i++) {
    if (!isRed[i]) outShape.push(x._shape[i]);
    else if (keepdim) outShape.push(1);
  }
  let src = x;
  let outer: number;
  let n: number;
  let inner: number;
  const lo = red.length ? Math.min(...red) : 0;
  const hi = red.length ? Math.max(...red) : -1;
  if (x.isContiguous() && hi - lo + 1 === red.length) {
    outer = numelOf(x._shape.slice(0, lo));
    n = numelOf(x._shape.slice(lo, hi + 1));
    inner = numelOf(x._shape.slice(hi + 1));
  } else {
    const kept = x._shape.map((_, i) => i).filter((i) => !isRed[i]);
    const perm = [...kept, ...red];
    const view = x._view(perm.map((i) => x._shape[i]), perm.map((i) => x._strides[i]), x._offset);
    src = contiguousCopy(view);
    view.dispose();
    outer = numelOf(kept.map((i) => x._shape[i]));
    n = numelOf(red.map((i) => x._shape[i]));
    inner = 1;
  }
  const out = empty(outShape, x.dtype);
  if (outer * inner > 0) {
    const f = kernelFor(kind, x.dtype);
    if (kind === 'var') f(out._ptr(), src._ptr(kind), outer, n, inner, correction);
    else f(out._ptr(), src._ptr(kind), outer, n, inner);
  }
  if (src !== x) src.dispose();
  return out;
}

/** softmax / log_softmax along one (normalised) dim; the result has x's shape. */
export function softmaxK(kind: 'softmax' | 'log_softmax', x: Tensor, dim: number): Tensor {
  const xc = contiguousOf(x);
  const out = empty(x._shape, x.dtype);
  const shape = x._shape;
  if (out.numel() > 0) {
    const outer = numelOf(shape.slice(0, dim));
    const inner = numelOf(shape.slice(dim + 1));
    const n = shape.length ? shape[dim] : 1;
    kernelFor(kind, x.dtype)(out._ptr(), xc._ptr(kind), outer, n, inner);
  }
  if (xc !== x) xc.dispose();
  return out;
}

/**
 * Batched product of 3-D views a [B|1, M, K] and b [B|1, K, N] (any strides: transposed operands
 * are read in place). Returns a contiguous [B, M, N].
 */
export function matmul3(a: Tensor, b: Tensor): Tensor {
  const [ba, M, K] = a._shape;
  const [bb, , N] = b._shape;
  const B = Math.max(ba, bb);
  const out = empty([B, M, N], a.dtype);
  if (out.numel() === 0) return out;
  const as = a._strides;
  const bs = b._strides;
  kernelFor('matmul', a.dtype)(
    out._ptr(), a._ptr('matmul'), b._ptr('matmul'), B, M, K, N,
    ba === 1 ? 0 : as[0], as[1], as[2], bb === 1 ? 0 : bs[0], bs[1], bs[2],
  );
  return out;
}

/** x viewed as [outer, dimsize, inner] → [outer, nidx, inner]. */
export function indexSelectK(x: Tensor, dim: number, index: Tensor): Tensor {
  const xc = contiguousOf(x);
  const idx = contiguousOf(index);
  const shape = x._shape.slice();
  const nidx = index.numel();
  const dimsize = x.ndim ? shape[dim] : 1;
  if (x.ndim) shape[dim] = nidx;
  const out = empty(shape, x.dtype);
  if (out.numel() > 0) {
    kernel(`index_select_b${ITEM_SIZE[x.dtype]}`)(
      out._ptr(), xc._ptr('index_select'), idx._ptr('index_select'),
      numelOf(x._shape.slice(0, dim)), nidx, numelOf(x._shape.slice(dim + 1)), dimsize,
    );
  }
  if (xc !== x) xc.dispose();
  if (idx !== index) idx.dispose();
  return out;
}

/** zeros(shape) with src's slices added at `index` along `dim` (index_select's adjoint). */
export function indexAddK(src: Tensor, dim: number, index: Tensor, shape: Shape): Tensor {
  const out = full(shape, 0, src.dtype);
  const sc = contiguousOf(src);
  const idx = contiguousOf(index);
  if (sc.numel() > 0) {
    kernelFor('index_add', src.dtype)(
      out._ptr(), sc._ptr('index_add'), idx._ptr('index_add'),
      numelOf(shape.slice(0, dim)), index.numel(), numelOf(shape.slice(dim + 1)), shape.length ? shape[dim] : 1,
    );
  }
  if (sc !== src) sc.dispose();
  if (idx !== index) idx.dispose();
  return out;
}

export function oneHotK(target: Tensor, classes: number, dtype: DType): Tensor {
  const idx = contiguousOf(target);
  const n = target.numel();
  const out = empty([...target._shape, classes], dtype);
  if (out.numel() > 0) kernelFor('one_hot', dtype)(out._ptr(), idx._ptr('one_hot'), n, classes);
  if (idx !== target) idx.dispose();
  return out;
}

export function randomK(kind: 'rand' | 'randn', shape: Shape, dtype: DType): Tensor {
  const out = empty(shape, dtype);
  if (out.numel() > 0) kernelFor(kind, dtype)(out._ptr(), out.numel());
  return out;
}

export function rangeK(kind: 'arange' | 'linspace', n: number, a: number, b: number, dtype: DType): Tensor {
  const kd = dtype === 'float64' ? 'float64' : 'float32';
  const out = empty([n], kd);
  if (n > 0) kernelFor(kind, kd)(out._ptr(), n, a, b);
  return castTo(out, dtype);
}

/** A gradient cast to its input's dtype, differentiably (recorded when building a graph). */
export function castGrad(g: Tensor, dtype: DType): Tensor {
  return g.dtype === dtype ? g : O.toDtype(g, dtype);
}

/** The fresh, differentiable copy of a gradient that createGraph stores in .grad (see O.gradCopy). */
export function storedGrad(g: Tensor, leaf: boolean): Tensor {
  return O.gradCopy(g, leaf);
}

/** Sums a gradient down to `shape` (the adjoint of broadcasting), differentiably. */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead) dims.push(i);
    else if (shape[i - lead] === 1 && g._shape[i] !== 1) dims.push(i);
  }
  let r = dims.length ? O.sum(g, dims, true) : g;
  if (lead > 0 || r.ndim !== shape.length) r = O.reshape(r, shape);
  return r;
}

export { contiguousStrides };
