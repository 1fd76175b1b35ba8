// Kernel calls of boolean-mask ops: the positions of a mask's true entries, and the row write of
// index_put_ at those positions.
import type { Tensor } from '../../tensor.js';
import { ITEM_SIZE } from '../../dtype.js';
import { kernel } from '../../core/wasm.js';
import { contiguousCopy, contiguousOf, empty } from './memory.js';
import { kernelFor } from './call.js';

/** The flat positions (int64, 1-D, ascending) of a bool mask's true entries. */
export function maskPositionsK(mask: Tensor): Tensor {
  const m = contiguousOf(mask);
  const n = m.numel();
  const buf = empty([n], 'int64');
  const count = n === 0 ? 0 : kernel('mask_positions')(buf._ptr(), m._ptr('mask_positions'), n);
  if (m !== mask) m.dispose();
  if (count === n) return buf;
  const part = buf._view([count], [1], 0);
  const out = contiguousCopy(part);
  part.dispose();
  buf.dispose();
  return out;
}

/** out (contiguous, written in place) viewed as [rows, inner]: row idx[j] becomes src's row j. */
export function indexPutK(out: Tensor, src: Tensor, idx: Tensor, inner: number): void {
  const nidx = idx.numel();
  if (nidx === 0 || inner === 0) return;
  const s = contiguousOf(src);
  const ix = contiguousOf(idx);
  kernel(`index_put_b${ITEM_SIZE[out.dtype]}`)(out._ptr('index_put_'), s._ptr('index_put_'), ix._ptr('index_put_'), nidx, inner);
  if (s !== src) s.dispose();
  if (ix !== idx) ix.dispose();
}

/**
 * pos (int64, contiguous, n elements) becomes pos * size + idx (idx: int64, n elements, negatives
 * wrapped once); returns -1 or the first element whose index is outside [-size, size).
 */
export function indexLinearStepK(pos: Tensor, idx: Tensor, size: number): number {
  const n = pos.numel();
  if (n === 0) return -1;
  const ix = contiguousOf(idx);
  const bad = kernel('index_linear_step')(pos._ptr('index_put_'), ix._ptr('index_put_'), n, size) as number;
  if (ix !== idx) ix.dispose();
  return bad;
}

/** out (contiguous float, written in place) viewed as [rows, inner]: row idx[j] += src's row j, j ascending. */
export function indexAccumulateK(out: Tensor, src: Tensor, idx: Tensor, inner: number): void {
  const nidx = idx.numel();
  if (nidx === 0 || inner === 0) return;
  const s = contiguousOf(src);
  const ix = contiguousOf(idx);
  kernelFor('index_accumulate', out.dtype)(out._ptr('index_put_'), s._ptr('index_put_'), ix._ptr('index_put_'), nidx, inner);
  if (s !== src) s.dispose();
  if (ix !== idx) ix.dispose();
}
