// Reduction kernel calls: sum/mean/max/min/logsumexp/var over dims, softmax/log_softmax along one.
import type { Tensor } from '../../tensor.js';
import { numelOf } from '../../shape.js';
import { kernelFor } from './call.js';
import { contiguousCopy, contiguousOf, empty } from './memory.js';
import { fuseReduce } from '../../fuse/graph.js';

export type ReduceKind = 'sum' | 'mean' | 'max' | 'min' | 'logsumexp' | 'var';

/** Reduction over sorted, unique `dims` (all dims when empty). */
export function reduce(kind: ReduceKind, x: Tensor, dims: readonly number[], keepdim: boolean, correction = 0): Tensor {
  // Fusion hook: a sum or mean of a whole pending tensor runs its expression with the reduction at
  // the end, writing nothing else (ts/fuse/graph.ts).
  const fused = fuseReduce(kind, x, dims, keepdim);
  if (fused !== null) return fused;
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
 * The gradient of softmax / log_softmax over the last dim of contiguous rows, fused (the bits of
 * the composed rule: assembly/reduce.ts). `g` and the result `y` have the same shape and dtype.
 */
export function softmaxBackwardK(kind: 'softmax' | 'log_softmax', g: Tensor, y: Tensor): Tensor {
  const gc = contiguousOf(g);
  const out = empty(y._shape, y.dtype);
  const n = y._shape[y.ndim - 1];
  if (out.numel() > 0) kernelFor(`${kind}_backward`, y.dtype)(out._ptr(), gc._ptr(kind), y._ptr(kind), out.numel() / n, n);
  if (gc !== g) gc.dispose();
  return out;
}
