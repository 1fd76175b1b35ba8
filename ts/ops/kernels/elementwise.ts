// Elementwise kernel calls: unary, broadcasting binary (also in place), where.
import type { Tensor } from '../../tensor.js';
import type { DType } from '../../dtype.js';
import { kernel, meta } from '../../core/wasm.js';
import type { FloatKernel, KernelFn, KernelName } from '../../core/wasm.js';
import { broadcastShapes, broadcastStrides, coalesce, sameShape, type Shape } from '../../shape.js';
import { kernelFor, writeMeta } from './call.js';
import { contiguousOf, empty } from './memory.js';
import { inLayout, outputLayout } from './layout.js';
import { fuseBinary, fuseUnary } from '../../fuse/graph.js';
import { rt } from '../../runtime.js';

/**
 * A result fusion could take has at least rt.fuse.minElements elements, so one of its operands
 * holds at least that many float32s: this test keeps the many small ops off fusion's path.
 */
function mayFuse(t: Tensor): boolean {
  return t._storage.bytes >= rt.fuse.minElements * 4;
}

/** Elementwise unary kernel `name_T(out, x, n, ...params)` on a float tensor. */
export function unary(name: FloatKernel, x: Tensor, ...params: number[]): Tensor {
  // Fusion hook: a large contiguous float operand gives a pending result (ts/fuse/graph.ts).
  const fused = mayFuse(x) ? fuseUnary(name, x, params) : null;
  if (fused !== null) return fused;
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

/**
 * Broadcasting binary kernel `name_T`, T from a's dtype; or the kernel `kname` (inputs already of
 * its dtype), `name` then only naming the op in errors.
 */
export function binary(name: FloatKernel, a: Tensor, b: Tensor, outDtype?: DType): Tensor;
export function binary(name: string, a: Tensor, b: Tensor, outDtype: DType, kname: KernelName): Tensor;
export function binary(name: string, a: Tensor, b: Tensor, outDtype: DType = a.dtype, kname?: KernelName): Tensor {
  // Fusion hook: large float operands of the result's shape, or one-element ones, give a pending
  // result (ts/fuse/graph.ts); a named kernel (comparisons, integer ops) always runs now.
  if (kname === undefined && (mayFuse(a) || mayFuse(b))) {
    const fused = fuseBinary(name, a, b, outDtype);
    if (fused !== null) return fused;
  }
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
  const n = a.numel();
  if (n === 0) return;
  // A contiguous b of a's shape, or one element: one flat loop (what coalescing would give).
  const bOne = b.numel() === 1;
  if (a.isContiguous() && (bOne || (b.isContiguous() && sameShape(shape, b._shape)))) {
    const m = meta();
    m[0] = n;
    m[1] = 1;
    m[2] = bOne ? 0 : 1;
    kernelFor(name, a.dtype)(a._ptr(name), a._ptr(name), b._ptr(name), 1);
    return;
  }
  const c = coalesce(shape, [a._strides, broadcastStrides(b._shape, b._strides, shape)]);
  writeMeta(c.shape, c.strides[0], c.strides[1]);
  kernelFor(name, a.dtype)(a._ptr(name), a._ptr(name), b._ptr(name), c.shape.length);
}

/**
 * relu's gradient `y <= 0 ? 0 : g` in one pass, when g and y are contiguous float tensors of one
 * shape and dtype; null otherwise (the caller then composes it from le and where, same bits).
 */
export function thresholdBackwardK(g: Tensor, y: Tensor): Tensor | null {
  if (g.dtype !== y.dtype || (g.dtype !== 'float32' && g.dtype !== 'float64')) return null;
  if (!g.isContiguous() || !y.isContiguous() || g._shape.length !== y._shape.length) return null;
  if (g._shape.some((d, i) => d !== y._shape[i])) return null;
  const out = empty(g._shape, g.dtype);
  const n = out.numel();
  if (n > 0) kernelFor('threshold_backward', g.dtype)(out._ptr(), g._ptr('threshold_backward'), y._ptr('threshold_backward'), n);
  return out;
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
