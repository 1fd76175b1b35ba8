// Kernel calls: each function allocates its result and hands pointers, shapes and strides to the
// WebAssembly core. Nothing here records autograd history (the op entries of ./<kind>.ts do).
import { Tensor } from '../tensor.js';
import { Storage } from '../storage.js';
import { type DType, ITEM_SIZE, kernelSuffix } from '../dtype.js';
import { kernel, meta, memoryBuffer } from '../core/wasm.js';
import { rt } from '../runtime.js';
import type { FloatKernel, KernelFn, KernelName } from '../core/wasm.js';
export type { FloatKernel, KernelName };
import { broadcastShapes, broadcastStrides, coalesce, isContiguous, numelOf, sameShape, type Shape } from '../shape.js';

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
    // The pointer before the buffer: restoring a spilled storage may grow the memory.
    const p = out._ptr();
    new BigInt64Array(memoryBuffer(), p, n).fill(BigInt(Math.trunc(value)));
  } else {
    const p = out._ptr();
    new Uint8Array(memoryBuffer(), p, n).fill(value ? 1 : 0);
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
export function fromTyped(data: Float32Array | Float64Array | BigInt64Array | Uint8Array, shape: Shape, dtype: DType): Tensor {
  const out = empty(shape, dtype);
  const n = out.numel();
  if (n === 0) return out;
  const p = out._ptr();
  const buf = memoryBuffer();
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

/** The core's conversion kernels, by source and target dtype; int64 <-> bool has none (it goes through float64). */
const CAST: { readonly [F in DType]: { readonly [T in DType]?: Extract<KernelName, `cast_${string}`> } } = {
  float32: { float64: 'cast_f32_f64', int64: 'cast_f32_i64', bool: 'cast_f32_u8' },
  float64: { float32: 'cast_f64_f32', int64: 'cast_f64_i64', bool: 'cast_f64_u8' },
  int64: { float32: 'cast_i64_f32', float64: 'cast_i64_f64' },
  bool: { float32: 'cast_u8_f32', float64: 'cast_u8_f64' },
};

/** Dtype conversion (a copy), computed in the core. */
export function castTo(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  const x = contiguousOf(t);
  const out = empty(t._shape, dtype);
  const n = out.numel();
  if (n > 0) {
    const direct = CAST[t.dtype][dtype];
    if (direct === undefined) {
      // Through float64. The intermediate is made before any pointer is fetched (no Storage may be
      // made between a kernel call's pointer fetches and the call: see storage.ts).
      const mid = castTo(x, 'float64');
      // biome-ignore lint/style/noNonNullAssertion: CAST.float64 names a cast to every other dtype.
      kernel(CAST.float64[dtype]!)(out._ptr(), mid._ptr(), n);
      mid.dispose();
    } else {
      kernel(direct)(out._ptr(), x._ptr(), n);
    }
  }
  if (x !== t) x.dispose();
  return out;
}

// ---- output layout ---------------------------------------------------------------------------
//
// PyTorch's elementwise ops (TensorIterator) give their output the memory layout of their inputs:
// sin(x.t()) is itself transposed in memory, so .contiguous() copies it and .view() may refuse it.
// Which layout matters wherever PyTorch branches on contiguity (contiguous, reshape, linear,
// matmul's folding), so kernels here compute in that layout and return the output permuted back.

/** Strides of `t` as an operand over `shape`: 0 where broadcast (and in missing leading dims). */
function iterStrides(t: Tensor, shape: Shape): number[] {
  const off = shape.length - t._shape.length;
  const out = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < t._shape.length; i++) out[off + i] = t._shape[i] === 1 && shape[off + i] !== 1 ? 0 : t._strides[i];
  return out;
}

/** PyTorch's is_contiguous(memory_format=torch.channels_last), for 4-D. */
function channelsLast(t: Tensor): boolean {
  let expected = 1;
  for (const d of [1, 3, 2, 0]) {
    const n = t._shape[d];
    if (n !== 1) {
      if (t._strides[d] !== expected) return false;
      expected *= n;
    }
  }
  return true;
}

/**
 * The layout TensorIterator (PyTorch 1.13) gives the output of an elementwise op over `shape`: its
 * dims outermost first, or null when that is the plain contiguous layout. Same-shape operands that
 * are all contiguous (or all channels-last) keep that; otherwise dims are ordered by the operands'
 * strides, the first operand deciding first, broadcast dims not voting.
 */
export function outputLayout(shape: Shape, ops: readonly Tensor[]): number[] | null {
  const nd = shape.length;
  if (nd <= 1 || ops.every((t) => t.isContiguous())) return null;
  if (nd === 4 && ops.every((t) => sameShape(t._shape, shape) && channelsLast(t))) return [0, 2, 3, 1];
  const st = ops.map((t) => iterStrides(t, shape));
  const swap = (d0: number, d1: number): number => {
    for (const s of st) {
      const a = s[d0];
      const b = s[d1];
      if (a === 0 || b === 0) continue;
      if (a < b) return -1;
      if (a > b) return 1;
      if (shape[d0] > shape[d1]) return 1;
    }
    return 0;
  };
  // Fastest-moving dim first; insertion sort that leaves ambiguous pairs where they are.
  const perm: number[] = [];
  for (let i = nd - 1; i >= 0; i--) perm.push(i);
  for (let i = 1; i < nd; i++) {
    let d1 = i;
    for (let d0 = i - 1; d0 >= 0; d0--) {
      const c = swap(perm[d0], perm[d1]);
      if (c > 0) {
        [perm[d0], perm[d1]] = [perm[d1], perm[d0]];
        d1 = d0;
      } else if (c < 0) break;
    }
  }
  if (perm.every((p, j) => p === nd - 1 - j)) return null;
  return perm.reverse();
}

/** Runs `f` on the operands seen in `layout`'s dim order; returns its (contiguous) result in the original order. */
function inLayout(layout: readonly number[], shape: Shape, ops: readonly Tensor[], f: (views: Tensor[]) => Tensor): Tensor {
  const views = ops.map((t) => {
    const s = iterStrides(t, shape);
    return t._view(
      layout.map((i) => shape[i]),
      layout.map((i) => s[i]),
      t._offset,
    );
  });
  const y = f(views);
  for (const v of views) v.dispose();
  const inv = new Array<number>(layout.length);
  for (let k = 0; k < layout.length; k++) inv[layout[k]] = k;
  const out = y._view(
    inv.map((k) => y._shape[k]),
    inv.map((k) => y._strides[k]),
    y._offset,
  );
  y.dispose();
  return out;
}

/** PyTorch's is_non_overlapping_and_dense. */
function nonOverlappingDense(t: Tensor): boolean {
  const n = t.ndim;
  if (n === 1) return t._shape[0] < 2 || t._strides[0] === 1;
  const perm = t._shape.map((_, i) => i);
  perm.sort((a, b) => (t._shape[a] < 2 ? 1 : t._shape[b] < 2 ? -1 : t._strides[a] - t._strides[b]));
  let want = 1;
  for (const d of perm) {
    if (t._shape[d] < 2) return true;
    if (t._strides[d] !== want) return false;
    want *= t._shape[d];
  }
  return true;
}

/**
 * A copy of `t` in `dtype` laid out as PyTorch's preserve_format does (clone, to): with t's own
 * strides when t is non-overlapping and dense, else contiguous.
 */
export function copyPreservingLayout(t: Tensor, dtype: DType = t.dtype): Tensor {
  if (t.isContiguous() || !nonOverlappingDense(t)) return dtype === t.dtype ? contiguousCopy(t) : castTo(t, dtype);
  const out = new Tensor(Storage.forElements(t.numel(), dtype), t._shape, t._strides.slice(), 0, dtype);
  copyInto(out, t);
  return out;
}

/** Elementwise unary kernel `name_T(out, x, n, ...params)` on a float tensor. */
export function unary(name: FloatKernel, x: Tensor, ...params: number[]): Tensor {
  const layout = outputLayout(x._shape, [x]);
  if (layout) return inLayout(layout, x._shape, [x], ([v]) => unaryContiguous(name, v, params));
  return unaryContiguous(name, x, params);
}

function unaryContiguous(name: FloatKernel, x: Tensor, params: number[]): Tensor {
  const xc = contiguousOf(x);
  const out = empty(x._shape, x.dtype);
  const n = out.numel();
  if (n > 0) kernelFor(name, x.dtype)(out._ptr(), xc._ptr(name), n, ...params);
  if (xc !== x) xc.dispose();
  return out;
}

/** `name_f32` / `name_f64`, resolved once per name. */
function kernelFor(name: FloatKernel, dtype: DType): KernelFn {
  let k = rt.ops.typedKernels.get(name);
  if (!k) {
    k = { f32: null, f64: null };
    rt.ops.typedKernels.set(name, k);
  }
  if (dtype === 'float64') {
    k.f64 ??= kernel(`${name}_f64`);
    return k.f64;
  }
  k.f32 ??= kernel(`${name}_${kernelSuffix(dtype)}`);
  return k.f32;
}

/**
 * Broadcasting binary kernel `name_T`, T from a's dtype; or the kernel `kname` (inputs already of
 * its dtype), `name` then only naming the op in errors.
 */
export function binary(name: FloatKernel, a: Tensor, b: Tensor, outDtype?: DType): Tensor;
export function binary(name: string, a: Tensor, b: Tensor, outDtype: DType, kname: KernelName): Tensor;
export function binary(name: string, a: Tensor, b: Tensor, outDtype: DType = a.dtype, kname?: KernelName): Tensor {
  if (!(a.isContiguous() && b.isContiguous())) {
    const shape = broadcastShapes(a._shape, b._shape);
    const layout = outputLayout(shape, [a, b]);
    if (layout) return inLayout(layout, shape, [a, b], ([va, vb]) => binaryContiguous(name, va, vb, outDtype, kname));
  }
  return binaryContiguous(name, a, b, outDtype, kname);
}

function binaryContiguous(name: string, a: Tensor, b: Tensor, outDtype: DType, kname?: KernelName): Tensor {
  // Without kname, the overloads of binary() have checked that name is a FloatKernel.
  const f: KernelFn = kname ? kernel(kname) : kernelFor(name as FloatKernel, a.dtype);
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
export function binaryInto(name: FloatKernel, a: Tensor, b: Tensor): void {
  const shape = a._shape;
  if (a.numel() === 0) return;
  const c = coalesce(shape, [a._strides, broadcastStrides(b._shape, b._strides, shape)]);
  writeMeta(c.shape, c.strides[0], c.strides[1]);
  kernelFor(name, a.dtype)(a._ptr(name), a._ptr(name), b._ptr(name), c.shape.length);
}

export function whereK(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(cond._shape, a._shape, b._shape);
  const layout = outputLayout(shape, [cond, a, b]);
  if (layout)
    return inLayout(layout, shape, [cond, a, b], ([c, x, y]) =>
      whereContiguous(c, x, y, shape.length ? layout.map((i) => shape[i]) : shape),
    );
  return whereContiguous(cond, a, b, shape);
}

function whereContiguous(cond: Tensor, a: Tensor, b: Tensor, shape: Shape): Tensor {
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
    const view = x._view(
      perm.map((i) => x._shape[i]),
      perm.map((i) => x._strides[i]),
      x._offset,
    );
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
    out._ptr(),
    a._ptr('matmul'),
    b._ptr('matmul'),
    B,
    M,
    K,
    N,
    ba === 1 ? 0 : as[0],
    as[1],
    as[2],
    bb === 1 ? 0 : bs[0],
    bs[1],
    bs[2],
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
      out._ptr(),
      xc._ptr('index_select'),
      idx._ptr('index_select'),
      numelOf(x._shape.slice(0, dim)),
      nidx,
      numelOf(x._shape.slice(dim + 1)),
      dimsize,
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
      out._ptr(),
      sc._ptr('index_add'),
      idx._ptr('index_add'),
      numelOf(shape.slice(0, dim)),
      index.numel(),
      numelOf(shape.slice(dim + 1)),
      shape.length ? shape[dim] : 1,
    );
  }
  if (sc !== src) sc.dispose();
  if (idx !== index) idx.dispose();
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
