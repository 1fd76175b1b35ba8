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
import { isTensor } from '../brand.js';
import { isFloating } from '../dtype.js';

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
    (g, [p]) => [putRows(K.full(xShape, 0, g.dtype), p, inner, g, shape, true)],
  );
}

/**
 * x with rows `pos` (x viewed as [rows, inner]) replaced by (or, with `accumulate`, increased by) v
 * broadcast to [count, ...trailing], out of place, recorded as IndexPutBackward0 (index_put's
 * formulas: self's gradient is g, with those rows zeroed unless accumulating; v's is g's rows there).
 * Repeated positions are written in ascending order of j: the last write wins, or they sum in order.
 */
function putRows(x: Tensor, pos: Tensor, inner: number, v: Tensor, rowsShape: readonly number[], accumulate = false): Tensor {
  const out = noGrad(() =>
    withTemps(() => {
      const o = K.contiguousCopy(x);
      const src = K.contiguousCopy(v.dtype === x.dtype ? v.expand(rowsShape) : K.castTo(v, x.dtype).expand(rowsShape));
      if (accumulate) K.indexAccumulateK(o, src, pos, inner);
      else K.indexPutK(o, src, pos, inner);
      return o;
    }),
  );
  return record(
    'IndexPutBackward0',
    out,
    [x, v],
    () => [pos],
    (g, [p], n) => [
      n[0] ? (accumulate ? g : putRows(g, p, inner, K.full([], 0, g.dtype), rowsShape)) : null,
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

/** Where index_put writes: flat row positions of self viewed as [rows, inner], and the indexed shape. */
interface PutPlan {
  readonly pos: Tensor;
  readonly inner: number;
  readonly rowsShape: readonly number[];
}

/**
 * PyTorch's advanced indexing by a list of int64 tensors and bool masks over self's leading dims
 * (the remaining dims are whole): a mask stands for its true entries over the dims it covers (one
 * flat index over them); the int64 tensors broadcast together; negative indices count from the end.
 */
function putPlan(self: Tensor, indices: readonly unknown[], entry: string): PutPlan {
  const parts: { idx: Tensor; size: number; covers: number }[] = [];
  let dim = 0;
  indices.forEach((t, i) => {
    if (!isTensor(t)) {
      throw new TypeError(`expected Tensor as element ${i} in argument 0, but got ${V.typeName(t)}`);
    }
    V.tensor(t, entry, 'indices', 1);
    if (t.dtype !== 'int64' && t.dtype !== 'bool') throw new IndexError('tensors used as indices must be long, byte or bool tensors');
    const covers = t.dtype === 'bool' ? t.ndim : 1;
    if (dim + covers > self.ndim) throw new IndexError(`too many indices for tensor of dimension ${self.ndim} (got ${dim + covers})`);
    if (t.dtype === 'bool') {
      for (let d = 0; d < t.ndim; d++) {
        if (t._shape[d] !== self._shape[dim + d]) {
          throw new IndexError(
            `The shape of the mask ${shapeStr(t._shape)} at index ${d} does not match the shape of the indexed tensor ${shapeStr(self._shape)} at index ${dim + d}`,
          );
        }
      }
      parts.push({ idx: K.maskPositionsK(t), size: numelOf(t._shape), covers });
    } else parts.push({ idx: t, size: self._shape[dim], covers });
    dim += covers;
  });
  let bshape: number[] = [];
  try {
    for (const p of parts) bshape = broadcastShapes(bshape, p.idx._shape);
  } catch {
    throw new IndexError(
      `shape mismatch: indexing tensors could not be broadcast together with shapes ${parts.map((p) => shapeStr(p.idx._shape)).join(', ')}`,
    );
  }
  const pos = K.full(bshape, 0, 'int64');
  dim = 0;
  for (const p of parts) {
    const bad = K.indexLinearStepK(pos, p.idx.expand(bshape), p.size);
    if (bad >= 0) {
      const v = K.contiguousCopy(p.idx.expand(bshape)).reshape([-1]).narrow(0, bad, 1).item();
      throw new IndexError(`index ${v} is out of bounds for dimension ${dim} with size ${p.size}`);
    }
    dim += p.covers;
  }
  const trailing = self._shape.slice(dim);
  return { pos: pos.reshape([-1]), inner: numelOf(trailing), rowsShape: [...bshape, ...trailing] };
}

const ACCUMULATE_OPTS = V.optionSpec('index_put_', { accumulate: 'bool' });

/** index_put's common checks: indices a list, values a tensor (or a number), accumulate a bool or { accumulate }. */
function putArgs(
  self: Tensor,
  indices: readonly (Tensor | null)[],
  values: Tensor | number,
  accumulate: boolean | { accumulate?: boolean } | undefined,
  entry: string,
): { plan: PutPlan; v: Tensor; acc: boolean } {
  V.tensor(self, entry, 'self', 0);
  if (!Array.isArray(indices))
    throw new TypeError(`${entry}(): argument 'indices' (position 1) must be tuple of Tensors, not ${V.typeName(indices)}`);
  if (typeof values !== 'number') V.tensor(values, entry, 'values', 2);
  let acc = false;
  if (V.isOptions(accumulate)) {
    V.options(ACCUMULATE_OPTS, accumulate);
    acc = accumulate.accumulate ?? false;
  } else if (accumulate !== undefined) {
    V.bool(accumulate, entry, 'accumulate');
    acc = accumulate;
  }
  if (acc && !isFloating(self.dtype))
    throw new Error(`asgrad: ${entry} with accumulate=True needs a float32 or float64 tensor (got ${V.scalarName(self.dtype)})`);
  const plan = putPlan(self, indices, entry);
  const v = typeof values === 'number' ? K.full([], values, self.dtype) : values;
  let fits = true;
  try {
    fits = sameShape(broadcastShapes(plan.rowsShape, v._shape), plan.rowsShape);
  } catch {
    fits = false;
  }
  if (!fits) {
    throw new Error(
      `shape mismatch: value tensor of shape ${shapeStr(v._shape)} cannot be broadcast to indexing result of shape ${shapeStr(plan.rowsShape)}`,
    );
  }
  if (typeof values !== 'number' && values.dtype !== self.dtype && values.ndim > 0) {
    throw new Error(
      `Index put requires the source and destination dtypes match, got ${V.scalarName(self.dtype)} for the destination and ${V.scalarName(values.dtype)} for the source.`,
    );
  }
  return { plan, v, acc };
}

/**
 * self.index_put_(indices, values, accumulate = false): Python's `self[i0, i1, ...] = values` with
 * int64 index tensors (broadcast together) and bool masks over self's leading dims; values (of
 * self's dtype, or a number) broadcast to the indexed shape. With `accumulate` (a bool, or
 * `{ accumulate }`) values add in, repeated indices summing in the order of the broadcast indices;
 * without it, the last of repeated indices wins.
 */
export function indexPut_<T extends Tensor>(
  self: T,
  indices: readonly (Tensor | null)[],
  values: Tensor | number,
  accumulate?: boolean | { accumulate?: boolean },
): T {
  return withTemps(() => {
    const { plan, v, acc } = putArgs(self, indices, values, accumulate, 'index_put_');
    const tracking = checkInplace(self, [v]);
    checkInplaceWrite(self, null);
    const put = (): Tensor => putRows(self, plan.pos, plan.inner, v, plan.rowsShape, acc);
    const r = tracking ? put() : noGrad(put);
    noGrad(() => K.copyInto(self, r));
    self._storage.version++;
    const fn = r.gradFn;
    if (fn) rebaseHistory(self, fn);
    return self;
  });
}

/** torch.index_put(input, indices, values, accumulate = false): index_put_ on a copy (IndexPutBackward0). */
export function indexPut(
  self: Tensor,
  indices: readonly (Tensor | null)[],
  values: Tensor | number,
  accumulate?: boolean | { accumulate?: boolean },
): Tensor {
  return withTemps(() => {
    const { plan, v, acc } = putArgs(self, indices, values, accumulate, 'index_put');
    return putRows(self, plan.pos, plan.inner, v, plan.rowsShape, acc);
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
    doc: "self[i0, i1, ...] = values with int64 index tensors (broadcast together) and bool masks over self's leading dims; accumulate adds (repeats sum in order).",
    nodes: ['IndexPutBackward0', 'CopySlices', 'IndexBackward0'],
    kernels: ['mask_positions', 'index_linear_step', 'index_put_b4', 'index_put_b8', 'index_accumulate', 'index_select_b8'],
    dtype: 'same',
    saves: 'the flat positions of the indices',
    methods: { indexPut_: true },
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [3] }, { masks: [[true, false, true]] }, { shape: [] }], note: 'a 0-d value' },
        { args: [{ shape: [2, 3] }, { masks: [[false, true]] }, { shape: [3] }], note: 'a row mask' },
        { args: [{ shape: [3, 4] }, { indexList: [{ ints: [2, -3, 1] }, { ints: [1, 3, -1] }] }, { shape: [3] }], note: 'int64 indices' },
        {
          args: [{ shape: [3, 4] }, { indexList: [{ ints: [0, 2, 0] }] }, { shape: [4] }, { options: { accumulate: true } }],
          note: 'accumulate, repeated rows, broadcast values',
        },
      ],
    },
  }),
  indexPut: defineOp({
    name: 'indexPut',
    py: 'index_put',
    kind: 'indexing',
    fn: indexPut,
    doc: 'index_put_ on a copy of the input: int64 index tensors and bool masks, accumulate or not.',
    nodes: ['IndexPutBackward0', 'IndexBackward0'],
    kernels: ['mask_positions', 'index_linear_step', 'index_put_b4', 'index_put_b8', 'index_accumulate', 'index_select_b8'],
    dtype: 'same',
    saves: 'the flat positions of the indices',
    methods: { indexPut: true },
    test: {
      grad: 'twice',
      samples: [
        {
          args: [
            { shape: [2, 3, 2] },
            {
              indexList: [
                { ints: [1, 0, 0, 1], shape: [2, 2] },
                { ints: [2, 0], shape: [2] },
              ],
            },
            { shape: [2, 2, 2] },
          ],
          note: 'broadcast indices, trailing dim whole',
        },
        {
          args: [{ shape: [3, 2] }, { indexList: [{ ints: [1, 1, 1] }, { ints: [0, 0, 1] }] }, { shape: [] }, true],
          note: 'accumulate, repeats',
        },
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
