// Boolean-mask ops: masked_select (MaskedSelectBackward0), index_put_ with a bool mask — Python's
// `x[mask] = v` (IndexPutBackward0) — and masked_fill_ (MaskedFillBackward0). A mask over the
// leading dims of x picks rows of x viewed as [rows, inner]; the positions of its true entries come
// from the core, and the kernels pick or write those rows.
import type { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { noGrad } from '../grad_mode.js';
import { withTemps } from '../scope.js';
import { broadcastShapes, contiguousStrides, numelOf, sameShape } from '../shape.js';
import * as K from './internal.js';
import * as V from '../validate.js';
import { checkInplace, checkInplaceWrite, rebaseHistory } from './inplace.js';
import { maskedFill } from './scan.js';
import { type OpSpec, defineOp } from './registry.js';

/** Python's IndexError, which PyTorch raises for a mask that does not fit. */
class IndexError extends Error {
  override name = 'IndexError';
}

/** A fresh contiguous result t under another shape of the same numel (t is consumed). */
function reshapedFresh(t: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(t._shape, shape)) return t;
  const r = t._view(shape, contiguousStrides(shape), 0);
  t.dispose();
  r._base = null;
  return r;
}

/** Rows `pos` of x viewed as [rows, inner], shaped `shape` ([count, ...trailing]); not recorded. */
function pickRows(x: Tensor, pos: Tensor, inner: number, shape: readonly number[]): Tensor {
  const xc = K.contiguousOf(x);
  const rows = inner === 0 ? 0 : xc.numel() / inner;
  const flat = xc._view([rows, inner], [inner, 1], xc._offset);
  const out = K.indexSelectK(flat, 0, pos);
  flat.dispose();
  if (xc !== x) xc.dispose();
  return reshapedFresh(out, shape);
}

/** Rows `pos` of x (viewed as [rows, inner]), recorded as `node` (the adjoint of putRows' values). */
function takeRows(x: Tensor, pos: Tensor, inner: number, shape: readonly number[], node: string): Tensor {
  const out = pickRows(x, pos, inner, shape);
  const xShape = x._shape;
  return record(
    node,
    out,
    [x],
    () => [pos],
    (g, [p]) => [putRows(K.full(xShape, 0, g.dtype), p, inner, g, shape)],
  );
}

/**
 * x with rows `pos` (x viewed as [rows, inner]) replaced by v broadcast to [count, ...trailing],
 * out of place, recorded as IndexPutBackward0 (index_put's formulas: self's gradient is g with those
 * rows zeroed, v's is g's rows there).
 */
function putRows(x: Tensor, pos: Tensor, inner: number, v: Tensor, rowsShape: readonly number[]): Tensor {
  const out = noGrad(() =>
    withTemps(() => {
      const o = K.contiguousCopy(x);
      const src = K.contiguousCopy(v.dtype === x.dtype ? v.expand(rowsShape) : K.castTo(v, x.dtype).expand(rowsShape));
      K.indexPutK(o, src, pos, inner);
      return o;
    }),
  );
  return record(
    'IndexPutBackward0',
    out,
    [x, v],
    () => [pos],
    (g, [p], n) => [
      n[0] ? putRows(g, p, inner, K.full([], 0, g.dtype), rowsShape) : null,
      n[1] ? takeRows(g, p, inner, rowsShape, 'IndexBackward0') : null,
    ],
  );
}

/** torch.masked_select(input, mask): the elements where the (broadcast) mask holds, 1-D. */
export function maskedSelect(x: Tensor, mask: Tensor): Tensor {
  V.tensor(x, 'masked_select', 'input', 1);
  V.tensor(mask, 'masked_select', 'mask', 2);
  if (mask.dtype !== 'bool') throw new Error('masked_select: expected BoolTensor or ByteTensor for mask');
  const shape = broadcastShapes(x._shape, mask._shape);
  return withTemps(() => {
    const pos = K.maskPositionsK(mask.expand(shape));
    const out = noGrad(() => pickRows(x.expand(shape), pos, 1, [pos.numel()]));
    // The gradient is broadcast-shaped: the engine sums it to x's shape.
    return record(
      'MaskedSelectBackward0',
      out,
      [x],
      () => [pos],
      (g, [p]) => [putRows(K.full(shape, 0, g.dtype), p, 1, g, [p.numel()])],
    );
  });
}

const shapeStr = (s: readonly number[]): string => `[${s.join(', ')}]`;

/**
 * self.index_put_([mask], values): Python's `self[mask] = values` with a bool mask over self's
 * leading dims; values (a tensor of self's dtype, or a number) broadcast to [count, ...trailing].
 */
export function indexPut_<T extends Tensor>(self: T, indices: readonly Tensor[], values: Tensor | number, accumulate = false): T {
  V.tensor(self, 'index_put_', 'self', 0);
  if (!Array.isArray(indices) || indices.length !== 1) {
    throw new TypeError('index_put_(): indices must be a list of one bool mask tensor');
  }
  const mask = indices[0];
  V.tensor(mask, 'index_put_', 'indices', 1);
  if (mask.dtype !== 'bool') throw new TypeError('index_put_(): indices must be a list of one bool mask tensor');
  if (typeof values !== 'number') V.tensor(values, 'index_put_', 'values', 2);
  V.bool(accumulate, 'index_put_', 'accumulate');
  if (accumulate) throw new Error('index_put_(): accumulate=True is not supported with a bool mask here');
  if (self.ndim === 0 || mask.ndim > self.ndim) {
    throw new IndexError(`too many indices for tensor of dimension ${self.ndim} (got 1)`);
  }
  for (let i = 0; i < mask.ndim; i++) {
    if (mask._shape[i] !== self._shape[i]) {
      throw new IndexError(
        `The shape of the mask ${shapeStr(mask._shape)} at index ${i} does not match the shape of the indexed tensor ${shapeStr(self._shape)} at index ${i}`,
      );
    }
  }
  if (typeof values !== 'number' && values.dtype !== self.dtype && values.ndim > 0) {
    throw new Error(
      `Index put requires the source and destination dtypes match, got ${V.scalarName(self.dtype)} for the destination and ${V.scalarName(values.dtype)} for the source.`,
    );
  }
  return withTemps(() => {
    const pos = K.maskPositionsK(mask);
    const trailing = self._shape.slice(mask.ndim);
    const inner = numelOf(trailing);
    const rowsShape = [pos.numel(), ...trailing];
    const v = typeof values === 'number' ? K.full([], values, self.dtype) : values;
    let fits = true;
    try {
      fits = sameShape(broadcastShapes(rowsShape, v._shape), rowsShape);
    } catch {
      fits = false;
    }
    if (!fits) {
      throw new Error(
        `shape mismatch: value tensor of shape ${shapeStr(v._shape)} cannot be broadcast to indexing result of shape ${shapeStr(rowsShape)}`,
      );
    }
    const tracking = checkInplace(self, [v]);
    checkInplaceWrite(self, null);
    const r = tracking ? putRows(self, pos, inner, v, rowsShape) : noGrad(() => putRows(self, pos, inner, v, rowsShape));
    noGrad(() => K.copyInto(self, r));
    self._storage.version++;
    const fn = r.gradFn;
    if (fn) rebaseHistory(self, fn);
    return self;
  });
}

/** self.masked_fill_(mask, value): value where the mask (broadcast to self's shape) holds. */
export function maskedFill_<T extends Tensor>(self: T, mask: Tensor, value: number | Tensor): T {
  V.tensor(self, 'masked_fill_', 'self', 0);
  V.tensor(mask, 'masked_fill_', 'mask', 1);
  V.broadcastInto(self._shape, mask._shape);
  return withTemps(() => {
    const tracking = checkInplace(self, typeof value === 'number' ? [] : [value]);
    checkInplaceWrite(self, null);
    const r = tracking ? maskedFill(self, mask, value) : noGrad(() => maskedFill(self, mask, value));
    noGrad(() => K.copyInto(self, r));
    self._storage.version++;
    const fn = r.gradFn;
    if (fn) rebaseHistory(self, fn);
    return self;
  });
}

// ---- entries -----------------------------------------------------------------------------------

const INPLACE = { kind: 'inplace', torch: false, saves: 'the positions of the mask' } as const satisfies Partial<OpSpec>;

export const MASKED_OPS = {
  maskedSelect: defineOp({
    name: 'maskedSelect',
    py: 'masked_select',
    kind: 'indexing',
    fn: maskedSelect,
    doc: 'The elements where a bool mask (broadcast with the input) holds, as a 1-D tensor.',
    nodes: ['MaskedSelectBackward0'],
    kernels: ['mask_positions', 'index_select_b8', 'index_put_b8'],
    dtype: 'same',
    saves: 'the positions of the mask',
    methods: { maskedSelect: true },
    golden: { args: [['T', 'T']] },
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [2, 3] }, { bools: [true, false, true] }], note: 'broadcast mask' },
        { args: [{ shape: [3] }, { bools: [false, false, false] }], note: 'nothing selected' },
      ],
    },
  }),
  indexPut_: defineOp({
    ...INPLACE,
    name: 'indexPut_',
    py: 'index_put_',
    fn: indexPut_,
    doc: "self[mask] = values with a bool mask over self's leading dims (Python's masked assignment).",
    nodes: ['IndexPutBackward0', 'CopySlices'],
    kernels: ['mask_positions', 'index_put_b4', 'index_put_b8', 'index_select_b8'],
    dtype: 'same',
    methods: { indexPut_: true },
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [3] }, { masks: [[true, false, true]] }, { shape: [] }], note: 'a 0-d value' },
        { args: [{ shape: [2, 3] }, { masks: [[false, true]] }, { shape: [3] }], note: 'a row mask' },
      ],
    },
  }),
  maskedFill_: defineOp({
    ...INPLACE,
    name: 'maskedFill_',
    py: 'masked_fill_',
    fn: maskedFill_,
    doc: 'self filled with value where the mask (broadcast to self) holds.',
    nodes: ['MaskedFillBackward0', 'CopySlices'],
    kernels: ['where'],
    dtype: 'same',
    methods: { maskedFill_: true },
    test: { grad: 'twice', samples: [{ args: [{ shape: [2, 3] }, { bools: [true, false, true] }, 0.5] }] },
  }),
} as const;
