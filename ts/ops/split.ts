// Ops returning several views of their input: unbind, split (an int size or a list of sizes) and
// chunk (PyTorch 1.13 implements it with split, so it records split's nodes). All outputs hang on
// ONE multi-output node (recordMulti); its rule stacks / concatenates the outputs' gradients, with
// zeros for outputs that received none (PyTorch's unbind_backward / split_backward). The outputs
// are PyTorch's MULTI_OUTPUT_NODE views: in-place modification of one is refused (./inplace.ts).
// unsafeSplit / unsafeChunk record UnsafeSplit* nodes and their outputs are no views for autograd
// (what PyTorch's LSTM and GRU cells split their gates with).
import type { Tensor } from '../tensor.js';
import { recordMulti } from '../autograd.js';
import { isGradEnabled } from '../grad_mode.js';
import { normDim, normDimNoScalar } from '../shape.js';
import * as K from './internal.js';
import * as V from '../validate.js';
import { cat, stack } from './indexing.js';
import { defineOp } from './registry.js';
import { VIEW } from './views.js';

/** Marks each output a view of x made by a multi-output op (in grad mode; else a no-grad view). */
function multiViews(x: Tensor, outs: Tensor[]): Tensor[] {
  const multi = isGradEnabled();
  for (const o of outs) {
    o._markView(x);
    if (multi) {
      o._noGradView = false;
      o._multiView = true;
    }
  }
  return outs;
}

/** Each gradient, or zeros of its output's shape where none arrived (disposed by `done`). */
function filled(
  gs: readonly (Tensor | null)[],
  shapes: readonly (readonly number[])[],
  dtype: Tensor['dtype'],
): { all: Tensor[]; done: () => void } {
  const zeros: Tensor[] = [];
  const all = gs.map((g, i) => {
    if (g) return g;
    const z = K.full(shapes[i], 0, dtype);
    zeros.push(z);
    return z;
  });
  const done = (): void => {
    for (const z of zeros) z.dispose();
  };
  return { all, done };
}

export function unbind(x: Tensor, dim = 0): Tensor[] {
  V.tensor(x, 'unbind', 'input', 1);
  V.int(dim, 'unbind', 'dim', 1);
  const d = normDimNoScalar(dim, x.ndim);
  const shape = x._shape.filter((_, k) => k !== d);
  const st = x._strides.filter((_, k) => k !== d);
  const outs: Tensor[] = [];
  for (let i = 0; i < x._shape[d]; i++) outs.push(x._view(shape, st, x._offset + i * x._strides[d]));
  const dtype = x.dtype;
  return recordMulti(
    'UnbindBackward0',
    multiViews(x, outs),
    [x],
    () => [],
    (gs) => {
      const f = filled(
        gs,
        gs.map(() => shape),
        dtype,
      );
      const g = stack(f.all, d);
      f.done();
      return [g];
    },
  );
}

/**
 * Views of x along d of these lengths, recorded as one node `name`; `unsafe` (unsafe_split /
 * unsafe_chunk): handles on x's storage that autograd does not track as views of x.
 */
function pieces(x: Tensor, d: number, lengths: readonly number[], name: string, unsafe: boolean): Tensor[] {
  const outs: Tensor[] = [];
  const shapes: number[][] = [];
  let start = 0;
  for (const len of lengths) {
    const shape = x._shape.slice();
    shape[d] = len;
    shapes.push(shape);
    outs.push(x._view(shape, x._strides, x._offset + start * x._strides[d]));
    start += len;
  }
  const dtype = x.dtype;
  return recordMulti(
    name,
    unsafe ? outs : multiViews(x, outs),
    [x],
    () => [],
    (gs) => {
      const f = filled(gs, shapes, dtype);
      const g = cat(f.all, d);
      f.done();
      return [g];
    },
  );
}

/** ceil(a / b) of ints a >= 0, b > 0, exactly (no Math on shapes). */
function ceilDiv(a: number, b: number): number {
  const r = a % b;
  return (a - r) / b + (r > 0 ? 1 : 0);
}

/** split with an int size: ceil(size / splitSize) pieces (at least one), the last one shorter. */
function splitBySize(x: Tensor, splitSize: number, dim: number, unsafe = false): Tensor[] {
  if (x.ndim === 0) throw new Error('split expects at least a 1-dimensional tensor');
  if (splitSize < 0) throw new Error(`split expects split_size be non-negative, but got split_size=${splitSize}`);
  const d = normDim(dim, x.ndim);
  const size = x._shape[d];
  if (splitSize === 0 && size !== 0) {
    throw new Error(`split_size can only be 0 if dimension size is 0, but got dimension size of ${size}`);
  }
  const n = splitSize === 0 || size === 0 ? 1 : ceilDiv(size, splitSize);
  const lengths = new Array<number>(n).fill(splitSize);
  lengths[n - 1] = splitSize - (splitSize * n - size);
  return pieces(x, d, lengths, unsafe ? 'UnsafeSplitBackward0' : 'SplitBackward0', unsafe);
}

function splitWithSizes(x: Tensor, sizes: readonly number[], dim: number, unsafe = false): Tensor[] {
  if (x.ndim === 0) throw new Error('split expects at least a 1-dimensional tensor');
  const d = normDim(dim, x.ndim);
  const shown = `[${sizes.join(', ')}]`;
  if (sizes.some((s) => s < 0)) {
    throw new Error(`split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=${shown}`);
  }
  const size = x._shape[d];
  if (sizes.reduce((a, b) => a + b, 0) !== size) {
    throw new Error(
      `split_with_sizes expects split_sizes to sum exactly to ${size} (input tensor's size at dimension ${dim}), but got split_sizes=${shown}`,
    );
  }
  return pieces(x, d, sizes, unsafe ? 'UnsafeSplitWithSizesBackward0' : 'SplitWithSizesBackward0', unsafe);
}

export function split(x: Tensor, splitSize: number | readonly number[], dim = 0): Tensor[] {
  V.tensor(x, 'split', 'input', 1);
  if (typeof splitSize === 'number' && Number.isInteger(splitSize)) {
    V.int(dim, 'split', 'dim', 2);
    return splitBySize(x, splitSize, dim);
  }
  // PyTorch's Tensor.split sends anything but an int to split_with_sizes.
  V.intList(splitSize, 'split_with_sizes', 'split_sizes', 2);
  V.int(dim, 'split_with_sizes', 'dim', 3);
  return splitWithSizes(x, splitSize, dim);
}

export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  V.tensor(x, 'chunk', 'input', 1);
  V.int(chunks, 'chunk', 'chunks', 1);
  V.int(dim, 'chunk', 'dim', 2);
  return chunkImpl(x, chunks, dim, false);
}

function chunkImpl(x: Tensor, chunks: number, dim: number, unsafe: boolean): Tensor[] {
  if (x.ndim === 0) throw new Error('chunk expects at least a 1-dimensional tensor');
  if (chunks <= 0) throw new Error(`chunk expects \`chunks\` to be greater than 0, got: ${chunks}`);
  const size = x._shape[normDim(dim, x.ndim)];
  const each = ceilDiv(size, chunks);
  // An empty dim keeps the number of chunks: split_with_sizes of `chunks` empty pieces.
  if (each === 0 && size === 0) return splitWithSizes(x, new Array<number>(chunks).fill(0), dim, unsafe);
  return splitBySize(x, each, dim, unsafe);
}

/**
 * unsafe_split: split whose outputs autograd does not track as views of the input (no base; an
 * in-place op on one is recorded as on any tensor). They share its storage and, unlike PyTorch's
 * (which get version counters of their own), its version counter: a write is seen by what saved the
 * input.
 */
export function unsafeSplit(x: Tensor, splitSize: number, dim = 0): Tensor[] {
  V.tensor(x, 'unsafe_split', 'input', 1);
  V.int(splitSize, 'unsafe_split', 'split_size', 1);
  V.int(dim, 'unsafe_split', 'dim', 2);
  return splitBySize(x, splitSize, dim, true);
}

/** unsafe_chunk: chunk by unsafe_split (what PyTorch's LSTM and GRU cells split their gates with). */
export function unsafeChunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  V.tensor(x, 'unsafe_chunk', 'input', 1);
  V.int(chunks, 'unsafe_chunk', 'chunks', 1);
  V.int(dim, 'unsafe_chunk', 'dim', 2);
  return chunkImpl(x, chunks, dim, true);
}

// ---- entries -----------------------------------------------------------------------------------

export const SPLIT_OPS = {
  unbind: defineOp({
    ...VIEW,
    name: 'unbind',
    py: 'unbind',
    fn: unbind,
    doc: 'The slices along a dim (the dim removed), as an array of views.',
    nodes: ['UnbindBackward0'],
    dtype: 'same',
    methods: { unbind: true },
    golden: { args: [['T'], ['T', 'I']] },
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [3, 4] }] },
        { args: [{ shape: [2, 3, 4] }, -1], note: 'last dim' },
        { args: [{ shape: [1] }], note: 'one output' },
      ],
    },
  }),
  split: defineOp({
    ...VIEW,
    name: 'split',
    py: 'split',
    fn: split,
    doc: 'Views of pieces of `splitSize` along a dim (the last shorter), or of the listed sizes.',
    nodes: ['SplitBackward0', 'SplitWithSizesBackward0'],
    dtype: 'same',
    methods: { split: true },
    golden: {
      args: [
        ['T', 'I'],
        ['T', 'L'],
        ['T', 'I', 'I'],
        ['T', 'L', 'I'],
      ],
    },
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [5, 3] }, 2] },
        { args: [{ shape: [3, 5] }, 2, 1], note: 'dim 1' },
        { args: [{ shape: [3, 5] }, [1, 0, 4], -1], note: 'sizes' },
        { args: [{ shape: [4] }, 10], note: 'one piece' },
      ],
    },
  }),
  chunk: defineOp({
    ...VIEW,
    name: 'chunk',
    py: 'chunk',
    fn: chunk,
    doc: 'Views of `chunks` pieces of ceil(size / chunks) along a dim (fewer when they run out), recorded as split.',
    nodes: ['SplitBackward0', 'SplitWithSizesBackward0'],
    dtype: 'same',
    methods: { chunk: true },
    golden: {
      args: [
        ['T', 'I'],
        ['T', 'I', 'I'],
      ],
    },
    test: {
      grad: 'twice',
      samples: [{ args: [{ shape: [5, 3] }, 3] }, { args: [{ shape: [3, 6] }, 4, 1], note: 'fewer chunks than asked' }],
    },
  }),
  unsafeSplit: defineOp({
    ...VIEW,
    name: 'unsafeSplit',
    py: 'unsafe_split',
    fn: unsafeSplit,
    doc: 'split by an int size whose outputs autograd does not track as views (they share the version counter).',
    nodes: ['UnsafeSplitBackward0'],
    dtype: 'same',
    methods: { unsafeSplit: true },
    test: { grad: 'twice', samples: [{ args: [{ shape: [5, 3] }, 2] }, { args: [{ shape: [3, 5] }, 3, -1], note: 'last dim' }] },
  }),
  unsafeChunk: defineOp({
    ...VIEW,
    name: 'unsafeChunk',
    py: 'unsafe_chunk',
    fn: unsafeChunk,
    doc: "chunk by unsafe_split (outputs not tracked as views; PyTorch's LSTM / GRU gates).",
    nodes: ['UnsafeSplitBackward0', 'UnsafeSplitWithSizesBackward0'],
    dtype: 'same',
    methods: { unsafeChunk: true },
    test: { grad: 'twice', samples: [{ args: [{ shape: [2, 8] }, 4, 1] }, { args: [{ shape: [5, 3] }, 3] }] },
  }),
} as const;
