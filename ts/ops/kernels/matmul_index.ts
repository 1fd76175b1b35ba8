// Kernel calls of matrix products and index ops: batched matmul, index_select and its adjoint.
import type { Tensor } from '../../tensor.js';
import { ITEM_SIZE } from '../../dtype.js';
import { kernel } from '../../core/wasm.js';
import { numelOf, type Shape } from '../../shape.js';
import { kernelFor } from './call.js';
import { contiguousOf, empty, full } from './memory.js';

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
