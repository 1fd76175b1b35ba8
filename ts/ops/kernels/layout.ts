// Output layout of elementwise kernels (PyTorch's TensorIterator), and layout-preserving copies.
import { Tensor } from '../../tensor.js';
import { Storage } from '../../storage.js';
import type { DType } from '../../dtype.js';
import { sameShape, type Shape } from '../../shape.js';
import { castTo, contiguousCopy, copyInto } from './memory.js';

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
export function inLayout(layout: readonly number[], shape: Shape, ops: readonly Tensor[], f: (views: Tensor[]) => Tensor): Tensor {
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
