// Slicing views: narrow and select (views of part of a dim), and their adjoint slice_scatter
// (zeros with a slice written in), which is what their backward records.
import type { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { fmtShape, normDim, type Shape } from '../shape.js';
import * as K from './internal.js';
import * as V from '../validate.js';
import { defineOp } from './registry.js';
import { VIEW } from './views.js';

export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  V.tensor(x, 'narrow', 'input', 1);
  V.int(dim, 'narrow', 'dim', 1);
  V.int(start, 'narrow', 'start', 2);
  V.int(length, 'narrow', 'length', 3);
  if (x.ndim === 0) throw new Error('narrow() cannot be applied to a 0-dim tensor.');
  const d = normDim(dim, x.ndim);
  const size = x._shape[d];
  const s = start < 0 ? start + size : start;
  if (s < 0 || s > size) throw new RangeError(`start (${start}) is out of bounds for dimension ${d} of size ${size}`);
  if (length < 0 || s + length > size) {
    throw new RangeError(`start (${start}) + length (${length}) exceeds dimension size (${size}).`);
  }
  const shape = x._shape.slice();
  shape[d] = length;
  const inShape = x._shape;
  const y = x._view(shape, x._strides, x._offset + s * x._strides[d])._markView(x);
  return record(
    'SliceBackward0',
    y,
    [x],
    () => [],
    (g) => [sliceScatter(g, inShape, d, s)],
  );
}

/** zeros(shape) with `src` written at [start, start+len) along dim: narrow's adjoint. */
function sliceScatter(src: Tensor, shape: Shape, dim: number, start: number): Tensor {
  const out = K.full(shape, 0, src.dtype);
  const dst = out._view(src._shape, out._strides, start * out._strides[dim]);
  K.copyInto(dst, src);
  dst.dispose();
  return record(
    'SliceBackwardBackward0',
    out,
    [src],
    () => [],
    (g) => [g.narrow(dim, start, src._shape[dim])],
  );
}

export function select(x: Tensor, dim: number, index: number): Tensor {
  V.tensor(x, 'select', 'input', 1);
  V.int(dim, 'select', 'dim', 1);
  V.int(index, 'select', 'index', 2);
  if (x.ndim === 0) throw new RangeError('select() cannot be applied to a 0-dim tensor.');
  const d = normDim(dim, x.ndim);
  const size = x._shape[d];
  const i = index < 0 ? index + size : index;
  if (i < 0 || i >= size)
    throw new RangeError(`select(): index ${index} out of range for tensor of size ${fmtShape(x._shape)} at dimension ${d}`);
  const shape = x._shape.filter((_, k) => k !== d);
  const st = x._strides.filter((_, k) => k !== d);
  const inShape = x._shape;
  const y = x._view(shape, st, x._offset + i * x._strides[d])._markView(x);
  return record(
    'SelectBackward0',
    y,
    [x],
    () => [],
    (g) => [sliceScatter(g.unsqueeze(d), inShape, d, i)],
  );
}

// ---- entries -----------------------------------------------------------------------------------

export const SLICING_OPS = {
  narrow: defineOp({
    ...VIEW,
    name: 'narrow',
    py: 'narrow',
    fn: narrow,
    doc: 'A view of `length` entries of a dim from `start`.',
    nodes: ['SliceBackward0'],
    dtype: 'same',
    methods: { narrow: true },
    golden: { args: [['T', 'I', 'I', 'I']] },
    test: { grad: 'twice', samples: [{ args: [{ shape: [4, 3] }, 0, 1, 2] }] },
  }),
  select: defineOp({
    ...VIEW,
    name: 'select',
    py: 'select',
    fn: select,
    doc: 'A view of one index of a dim (the dim removed).',
    nodes: ['SelectBackward0'],
    dtype: 'same',
    methods: { select: true },
    test: { grad: 'twice', samples: [{ args: [{ shape: [4, 3] }, 1, -1] }] },
  }),
} as const;
