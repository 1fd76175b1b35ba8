// View ops: results share their input's storage (PyTorch's views, with `_base` and version
// counters), plus reshape's copy when no view exists. The slicing views (narrow, select) are in
// ./slicing.ts.
import type { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { noGrad } from '../grad_mode.js';
import { contiguousStrides, fmtShape, inferSize, normDim, numelOf, viewStrides } from '../shape.js';
import * as K from './internal.js';
import * as V from '../validate.js';
import { type OpSpec, defineOp } from './registry.js';

export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  V.tensor(x, 'reshape', 'input', 1);
  V.viewShape(shape, 'reshape', 'shape');
  const sh = inferSize(shape, x.numel());
  const inShape = x._shape;
  const st = viewStrides(x._shape, x._strides, sh);
  if (st) {
    const y = x._view(sh, st, x._offset)._markView(x);
    return record(
      'ReshapeAliasBackward0',
      y,
      [x],
      () => [],
      (g) => [g.reshape(inShape)],
    );
  }
  const y = noGrad(() => K.contiguousCopy(x));
  const v = y._view(sh, contiguousStrides(sh), 0);
  y.dispose();
  return record(
    'UnsafeViewBackward0',
    v,
    [x],
    () => [],
    (g) => [g.reshape(inShape)],
  );
}

export function view(x: Tensor, shape: readonly number[]): Tensor {
  V.tensor(x, 'view', 'input', 1);
  V.viewShape(shape, 'view', 'size');
  const sh = inferSize(shape, x.numel());
  const st = viewStrides(x._shape, x._strides, sh);
  if (!st) {
    throw new Error(
      "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.",
    );
  }
  const inShape = x._shape;
  return record(
    'ViewBackward0',
    x._view(sh, st, x._offset)._markView(x),
    [x],
    () => [],
    (g) => [g.reshape(inShape)],
  );
}

/** Reinterprets a fresh contiguous result under a new shape (PyTorch's _unsafe_view). */
export function unsafeView(x: Tensor, shape: readonly number[]): Tensor {
  const inShape = x._shape;
  const y = x._view(shape, contiguousStrides(shape), x._offset);
  return record(
    'UnsafeViewBackward0',
    y,
    [x],
    () => [],
    (g) => [g.reshape(inShape)],
  );
}

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  V.tensor(x, 'flatten', 'input', 1);
  V.int(startDim, 'flatten', 'start_dim', 1);
  V.int(endDim, 'flatten', 'end_dim', 2);
  const s = normDim(startDim, x.ndim);
  const e = normDim(endDim, x.ndim);
  if (x.ndim === 0) return reshape(x, [1]);
  if (s > e) throw new Error('flatten() has invalid args: start_dim cannot come after end_dim');
  if (s === e) return x;
  const shape = [...x._shape.slice(0, s), numelOf(x._shape.slice(s, e + 1)), ...x._shape.slice(e + 1)];
  return reshape(x, shape);
}

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  V.tensor(x, 'transpose', 'input', 1);
  V.int(dim0, 'transpose', 'dim0', 1);
  V.int(dim1, 'transpose', 'dim1', 2);
  const nd = x.ndim;
  const d0 = normDim(dim0, nd);
  const d1 = normDim(dim1, nd);
  const shape = x._shape.slice();
  const st = x._strides.slice();
  if (nd > 0) {
    [shape[d0], shape[d1]] = [shape[d1], shape[d0]];
    [st[d0], st[d1]] = [st[d1], st[d0]];
  }
  return record(
    'TransposeBackward0',
    x._view(shape, st, x._offset)._markView(x),
    [x],
    () => [],
    (g) => [g.transpose(d0, d1)],
  );
}

export function t(x: Tensor): Tensor {
  V.tensor(x, 't', 'input', 1);
  if (x.ndim > 2) throw new Error(`t() expects a tensor with <= 2 dimensions, but self is ${x.ndim}D`);
  const shape = x._shape.slice().reverse();
  const st = x._strides.slice().reverse();
  return record(
    'TBackward0',
    x._view(shape, st, x._offset)._markView(x),
    [x],
    () => [],
    (g) => [g.t()],
  );
}

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  V.tensor(x, 'permute', 'input', 1);
  V.intList(dims, 'permute', 'dims', 1);
  if (dims.length !== x.ndim) {
    throw new Error(
      `permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${x.ndim} is not equal to len(dims) = ${dims.length}`,
    );
  }
  const p = dims.map((d) => normDim(d, x.ndim));
  if (new Set(p).size !== p.length) throw new Error('permute(): duplicate dims are not allowed.');
  const inv = new Array<number>(p.length);
  for (let i = 0; i < p.length; i++) inv[p[i]] = i;
  const y = x
    ._view(
      p.map((d) => x._shape[d]),
      p.map((d) => x._strides[d]),
      x._offset,
    )
    ._markView(x);
  return record(
    'PermuteBackward0',
    y,
    [x],
    () => [],
    (g) => [permute(g, inv)],
  );
}

export function squeeze(x: Tensor, dim?: number, node = dim === undefined ? 'SqueezeBackward0' : 'SqueezeBackward1'): Tensor {
  V.tensor(x, 'squeeze', 'input', 1);
  if (dim !== undefined) V.int(dim, 'squeeze', 'dim', 1);
  const inShape = x._shape;
  let keep: number[];
  if (dim === undefined) keep = x._shape.map((_, i) => i).filter((i) => x._shape[i] !== 1);
  else {
    const d = normDim(dim, x.ndim);
    keep = x._shape.map((_, i) => i).filter((i) => i !== d || x._shape[i] !== 1);
  }
  const y = x._view(
    keep.map((i) => x._shape[i]),
    keep.map((i) => x._strides[i]),
    x._offset,
  );
  // matmul's SqueezeBackward3 is PyTorch squeezing its own result in place: not a view.
  if (node !== 'SqueezeBackward3') y._markView(x);
  return record(
    node,
    y,
    [x],
    () => [],
    (g) => [g.reshape(inShape)],
  );
}

export function unsqueeze(x: Tensor, dim: number, node = 'UnsqueezeBackward0'): Tensor {
  V.tensor(x, 'unsqueeze', 'input', 1);
  V.int(dim, 'unsqueeze', 'dim', 1);
  const d = normDim(dim, x.ndim + 1);
  const shape = x._shape.slice();
  const st = x._strides.slice();
  const s = d < x.ndim ? x._strides[d] * x._shape[d] : 1;
  shape.splice(d, 0, 1);
  st.splice(d, 0, s);
  return record(
    node,
    x._view(shape, st, x._offset)._markView(x),
    [x],
    () => [],
    (g) => [g.squeeze(d)],
  );
}

export function expand(x: Tensor, sizes: readonly number[]): Tensor {
  V.tensor(x, 'expand', 'input', 1);
  V.intList(sizes, 'expand', 'size');
  if (sizes.length < x.ndim) {
    throw new Error(
      `expand(${x.dtype === 'float32' ? 'torch.FloatTensor' : 'torch.Tensor'}{${fmtShape(x._shape)}}, size=${fmtShape(sizes)}): the number of sizes provided (${sizes.length}) must be greater or equal to the number of dimensions in the tensor (${x.ndim})`,
    );
  }
  const lead = sizes.length - x.ndim;
  const shape: number[] = [];
  const st: number[] = [];
  for (let i = 0; i < sizes.length; i++) {
    const j = i - lead;
    const cur = j >= 0 ? x._shape[j] : 1;
    let want = sizes[i];
    if (want === -1) {
      if (j < 0) throw new Error("The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension 0");
      want = cur;
    }
    if (want < 0 && cur === 1)
      throw new Error(`expand(): the expanded size ${want} at dimension ${i} is negative (only -1, meaning "keep this size", is allowed)`);
    if (cur !== want && cur !== 1) {
      throw new Error(
        `The expanded size of the tensor (${want}) must match the existing size (${cur}) at non-singleton dimension ${i}.  Target sizes: ${fmtShape(sizes)}.  Tensor sizes: ${fmtShape(x._shape)}`,
      );
    }
    shape.push(want);
    st.push(j >= 0 && cur === want ? x._strides[j] : 0);
  }
  // The rule returns g as is: the engine sums it down to x's shape.
  return record(
    'ExpandBackward0',
    x._view(shape, st, x._offset)._markView(x),
    [x],
    () => [],
    (g) => [g],
  );
}

/** Varargs ints or one array of them (`x.reshape(2, 3)` / `x.reshape([2, 3])`); the op checks the elements. */
function flatArgs(a: (number | readonly number[])[], entry: string, name: string): number[] {
  if (a.length === 1 && Array.isArray(a[0])) return (a[0] as readonly number[]).slice();
  for (let i = 0; i < a.length; i++) {
    const d: unknown = a[i];
    if (typeof d !== 'number') {
      throw new TypeError(
        `${entry}(): argument '${name}' must be tuple of ints, but found element of type ${V.typeName(d)} at pos ${i + 1}`,
      );
    }
  }
  return a as number[];
}

// ---- entries -----------------------------------------------------------------------------------

/** What every movement entry shares (also those of ./slicing.ts). */
export const VIEW = { kind: 'movement', kernels: [], saves: 'nothing' } as const satisfies Partial<OpSpec>;

export const VIEW_OPS = {
  reshape: defineOp({
    ...VIEW,
    name: 'reshape',
    py: 'reshape',
    fn: reshape,
    doc: 'The same elements in another shape (one -1 inferred): a view when strides allow, else a copy.',
    nodes: ['ReshapeAliasBackward0', 'UnsafeViewBackward0'],
    kernels: ['copy_b4', 'copy_b8'],
    dtype: 'same',
    methods: { reshape: (x: Tensor, ...shape: (number | readonly number[])[]): Tensor => reshape(x, flatArgs(shape, 'reshape', 'shape')) },
    golden: { args: [['T', 'L']] },
    test: {
      grad: 'twice',
      samples: [{ args: [{ shape: [2, 3] }, [3, -1]] }, { args: [{ shape: [] }, [1, 1]], note: '0-d' }],
    },
  }),
  view: defineOp({
    ...VIEW,
    name: 'view',
    py: 'view',
    fn: view,
    doc: 'A view in another shape (strides must allow it).',
    nodes: ['ViewBackward0'],
    dtype: 'same',
    torch: false,
    methods: { view: (x: Tensor, ...shape: (number | readonly number[])[]): Tensor => view(x, flatArgs(shape, 'view', 'size')) },
    golden: { args: [['T', 'L']] },
    test: { grad: 'twice', samples: [{ args: [{ shape: [2, 3] }, [6]] }] },
  }),
  flatten: defineOp({
    ...VIEW,
    name: 'flatten',
    py: 'flatten',
    fn: flatten,
    doc: 'Dims startDim..endDim merged into one.',
    nodes: ['ReshapeAliasBackward0', 'UnsafeViewBackward0'],
    dtype: 'same',
    methods: { flatten: true },
    golden: { args: [['T']], kwargs: ['start_dim', 'end_dim'], kwPositional: true },
    test: { grad: 'twice', samples: [{ args: [{ shape: [2, 3, 2] }, 1] }] },
  }),
  transpose: defineOp({
    ...VIEW,
    name: 'transpose',
    py: 'transpose',
    fn: transpose,
    doc: 'A view with two dims swapped.',
    nodes: ['TransposeBackward0'],
    dtype: 'same',
    methods: { transpose: true },
    golden: { args: [['T', 'I', 'I']] },
    test: { grad: 'twice', samples: [{ args: [{ shape: [2, 3, 4] }, 0, 2] }] },
  }),
  t: defineOp({
    ...VIEW,
    name: 't',
    py: 't',
    fn: t,
    doc: 'The transpose of a matrix (vectors and scalars as they are).',
    nodes: ['TBackward0'],
    dtype: 'same',
    methods: { t: true },
    golden: { args: [['T']] },
    test: { grad: 'twice', samples: [{ args: [{ shape: [2, 3] }] }] },
  }),
  permute: defineOp({
    ...VIEW,
    name: 'permute',
    py: 'permute',
    fn: permute,
    doc: 'A view with dims reordered.',
    nodes: ['PermuteBackward0'],
    dtype: 'same',
    methods: {
      // Python's `x.permute(*dims)`, spread or as one array, so none at all is a missing argument;
      // torch.permute(x, []) permutes a 0-d tensor.
      permute: (x: Tensor, ...dims: (number | readonly number[])[]): Tensor => {
        const d = flatArgs(dims, 'permute', 'dims');
        if (d.length === 0) throw new TypeError('permute() missing 1 required positional arguments: "dims"');
        return permute(x, d);
      },
    },
    properties: {
      T: (x: Tensor): Tensor =>
        permute(
          x,
          x._shape.map((_, i) => x.ndim - 1 - i),
        ),
    },
    golden: { args: [['T', 'L']] },
    test: { grad: 'twice', samples: [{ args: [{ shape: [2, 3, 4] }, [2, 0, 1]] }] },
  }),
  squeeze: defineOp({
    ...VIEW,
    name: 'squeeze',
    py: 'squeeze',
    fn: (x: Tensor, dim?: number): Tensor => squeeze(x, dim),
    doc: 'A view without size-1 dims (or without the given one).',
    nodes: ['SqueezeBackward0', 'SqueezeBackward1'],
    dtype: 'same',
    methods: { squeeze: true },
    golden: { args: [['T'], ['T', 'I']] },
    test: { grad: 'twice', samples: [{ args: [{ shape: [2, 1, 3] }] }, { args: [{ shape: [2, 1, 3] }, 1] }] },
  }),
  unsqueeze: defineOp({
    ...VIEW,
    name: 'unsqueeze',
    py: 'unsqueeze',
    fn: (x: Tensor, dim: number): Tensor => unsqueeze(x, dim),
    doc: 'A view with a size-1 dim inserted.',
    nodes: ['UnsqueezeBackward0'],
    dtype: 'same',
    methods: { unsqueeze: true },
    golden: { args: [['T', 'I']] },
    test: { grad: 'twice', samples: [{ args: [{ shape: [2, 3] }, -1] }, { args: [{ shape: [] }, 0], note: '0-d' }] },
  }),
  expand: defineOp({
    ...VIEW,
    name: 'expand',
    py: 'expand',
    fn: expand,
    doc: 'A broadcast view (size-1 dims repeated with stride 0; -1 keeps a size).',
    nodes: ['ExpandBackward0'],
    dtype: 'same',
    torch: false,
    methods: {
      expand: (x: Tensor, ...shape: (number | readonly number[])[]): Tensor => expand(x, flatArgs(shape, 'expand', 'size')),
      expandAs: (x: Tensor, other: Tensor): Tensor => {
        V.tensor(other, 'expandAs', 'other', 1);
        return expand(x, other._shape);
      },
    },
    golden: { args: [['T', 'L']] },
    test: { grad: 'twice', samples: [{ args: [{ shape: [3, 1] }, [2, 3, 4]] }] },
  }),
} as const;
