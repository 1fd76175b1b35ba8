// Kernel calls of the scans and selections along one dim (assembly/scan.ts): cumsum, prod,
// argmax/argmin, gather and its adjoint scatter-add. x is read as [outer, n, inner].
import type { Tensor } from '../../tensor.js';
import { kernel } from '../../core/wasm.js';
import { numelOf, type Shape } from '../../shape.js';
import { kernelFor } from './call.js';
import { contiguousOf, copyInto, empty, full } from './memory.js';

/** x as [outer, n, inner] around `dim` (null: everything as one run); a contiguous source. */
function around(x: Tensor, dim: number | null): { src: Tensor; outer: number; n: number; inner: number } {
  const shape = x._shape;
  if (dim === null || shape.length === 0) {
    const src = contiguousOf(x);
    return { src, outer: 1, n: x.numel(), inner: 1 };
  }
  return {
    src: contiguousOf(x),
    outer: numelOf(shape.slice(0, dim)),
    n: shape[dim],
    inner: numelOf(shape.slice(dim + 1)),
  };
}

/** cumsum along `dim` (x's shape), or prod / argmax / argmin over it (`outShape`). */
export function scanK(kind: 'cumsum' | 'prod' | 'argmax' | 'argmin', x: Tensor, dim: number | null, outShape: Shape): Tensor {
  const { src, outer, n, inner } = around(x, dim);
  const arg = kind === 'argmax' || kind === 'argmin';
  const out = empty(outShape, arg ? 'int64' : x.dtype);
  if (out.numel() > 0) kernelFor(kind, x.dtype)(out._ptr(), src._ptr(kind), outer, n, inner);
  if (src !== x) src.dispose();
  return out;
}

/** The position of the first index outside [0, size), or -1. */
export function indexCheckK(index: Tensor, size: number): number {
  const idx = contiguousOf(index);
  const at = index.numel() ? kernel('index_check')(idx._ptr('gather'), index.numel(), size) : -1;
  if (idx !== index) idx.dispose();
  return at;
}

/** x's elements over index's extent, with x's full size along `dim`: a view of x. */
function extentOf(x: Tensor, dim: number, index: Tensor): Shape {
  return index._shape.map((s, i) => (i === dim ? x._shape[i] : s));
}

/** out = x.gather(dim, index) for checked operands of equal rank >= 1. */
export function gatherK(x: Tensor, dim: number, index: Tensor): Tensor {
  const view = x._view(extentOf(x, dim, index), x._strides, x._offset);
  const xc = contiguousOf(view);
  const idx = contiguousOf(index);
  const out = empty(index._shape, x.dtype);
  if (out.numel() > 0) {
    const s = index._shape;
    kernelFor('gather', x.dtype)(
      out._ptr(),
      xc._ptr('gather'),
      idx._ptr('gather'),
      numelOf(s.slice(0, dim)),
      x._shape[dim],
      s[dim],
      numelOf(s.slice(dim + 1)),
    );
  }
  if (xc !== view) xc.dispose();
  view.dispose();
  if (idx !== index) idx.dispose();
  return out;
}

/** zeros(shape).scatter_add(dim, index, src) for checked operands (src has index's shape). */
export function scatterAddK(src: Tensor, dim: number, index: Tensor, shape: Shape): Tensor {
  const ext = index._shape.map((s, i) => (i === dim ? shape[i] : s));
  const small = empty(ext, src.dtype);
  const sc = contiguousOf(src);
  const idx = contiguousOf(index);
  if (small.numel() > 0) {
    kernelFor('scatter_add', src.dtype)(
      small._ptr(),
      sc._ptr('scatter_add'),
      idx._ptr('scatter_add'),
      numelOf(ext.slice(0, dim)),
      shape[dim],
      index._shape[dim],
      numelOf(ext.slice(dim + 1)),
    );
  }
  if (sc !== src) sc.dispose();
  if (idx !== index) idx.dispose();
  if (ext.every((d, i) => d === shape[i])) return small;
  const out = full(shape, 0, src.dtype);
  const dst = out._view(ext, out._strides, 0);
  copyInto(dst, small);
  dst.dispose();
  small.dispose();
  return out;
}
