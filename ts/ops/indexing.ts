// Ops that gather or join elements into a new tensor: cat, stack, index_select, and the copies
// contiguous and clone.
import { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { noGrad } from '../grad_mode.js';
import { fmtShape, normDim, sameShape, type Shape } from '../shape.js';
import * as K from './internal.js';
import * as V from '../validate.js';
import { promote } from './operands.js';
import { type OpSpec, defineOp } from './registry.js';

/** A list of tensors (cat, stack): PyTorch's "expected Tensor as element 1 in argument 0, but got str". */
function tensorList(tensors: unknown, entry: string): asserts tensors is readonly Tensor[] {
  if (!Array.isArray(tensors)) throw V.argTypeError(entry, 'tensors', 1, 'tuple of Tensors', tensors);
  for (let i = 0; i < tensors.length; i++) {
    const x: unknown = tensors[i];
    if (!(x instanceof Tensor)) throw new TypeError(`expected Tensor as element ${i} in argument 0, but got ${V.typeName(x)}`);
  }
}

/** A 1-D tensor of no elements: cat skips it whatever its rank and dim (PyTorch's legacy rule). */
function legacyEmpty(x: Tensor): boolean {
  return x.ndim === 1 && x._shape[0] === 0;
}

export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  tensorList(tensors, 'cat');
  V.int(dim, 'cat', 'dim', 2);
  V.catOperands(tensors, dim);
  const ts = tensors.filter((x) => !legacyEmpty(x));
  let out: Tensor;
  let d = 0;
  if (ts.length === 0) out = K.full([0], 0, promote([...tensors]));
  else {
    const ref = ts[0];
    d = normDim(dim, ref.ndim);
    const shape = ref._shape.slice();
    shape[d] = 0;
    for (const x of ts) shape[d] += x._shape[d];
    out = K.empty(shape, promote(ts));
    let off = 0;
    for (const x of ts) {
      const dst = out._view(x._shape, out._strides, off * out._strides[d]);
      K.copyInto(dst, x);
      dst.dispose();
      off += x._shape[d];
    }
  }
  // Skipped tensors are inputs all the same (PyTorch's CatBackward0 gives them zeros of shape [0]),
  // so gradients still reach what computed them.
  const parts = tensors.map((x) => (legacyEmpty(x) ? -1 : x._shape[d]));
  return record(
    'CatBackward0',
    out,
    tensors,
    () => [],
    (g, _s, n) => {
      let o = 0;
      return parts.map((len, i) => {
        if (len < 0) return n[i] ? K.full([0], 0, g.dtype) : null;
        const r = n[i] ? g.narrow(d, o, len) : null;
        o += len;
        return r;
      });
    },
  );
}

export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  tensorList(tensors, 'stack');
  V.int(dim, 'stack', 'dim', 2);
  if (tensors.length === 0) throw new Error('stack expects a non-empty TensorList');
  const ref = tensors[0];
  for (const [i, x] of tensors.entries()) {
    if (!sameShape(x._shape, ref._shape)) {
      throw new Error(
        `stack expects each tensor to be equal size, but got ${fmtShape(ref._shape)} at entry 0 and ${fmtShape(x._shape)} at entry ${i}`,
      );
    }
  }
  const d = normDim(dim, ref.ndim + 1);
  const parts = noGrad(() => tensors.map((x) => x.unsqueeze(d)));
  const out = noGrad(() => cat(parts, d));
  for (const p of parts) p.dispose();
  return record(
    'StackBackward0',
    out,
    tensors,
    () => [],
    (g, _s, n) => tensors.map((_, i) => (n[i] ? g.select(d, i) : null)),
  );
}

export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  V.tensor(x, 'indexSelect', 'input', 1);
  V.int(dim, 'indexSelect', 'dim', 1);
  V.tensor(index, 'indexSelect', 'index', 2);
  V.indexOperand(index);
  const d = normDim(dim, x.ndim);
  const size = x.ndim ? x._shape[d] : 1;
  for (const v of index.toArray() as BigInt64Array) {
    if (v >= 0n && v < BigInt(size)) continue;
    // PyTorch 1.13's CPU kernel checks dim 1 of a matrix or more in another loop, with another text.
    if (d === 1 && x.ndim >= 2) throw new RangeError(`INDICES element is out of DATA bounds, id=${v} axis_dim=${size}`);
    throw new RangeError('index out of range in self');
  }
  if (x.ndim === 0) {
    // PyTorch 1.13 returns the 0-d value itself whatever the number of (zero) indices; its backward
    // (index_add into a 0-d zeros) accepts only one index.
    const count = index.numel();
    return record(
      'IndexSelectBackward0',
      K.contiguousCopy(x),
      [x],
      () => [],
      (g) => {
        if (count !== 1) throw new RangeError('Dimension specified as 0 but tensor has no dimensions');
        return [g];
      },
    );
  }
  const y = K.indexSelectK(x, d, index);
  const inShape = x._shape;
  return record(
    'IndexSelectBackward0',
    y,
    [x],
    () => [index],
    (g, [idx]) => [indexAdd(g, d, idx, inShape)],
  );
}

/** zeros(shape).index_add(dim, index, src): index_select's adjoint (repeated indices accumulate). */
export function indexAdd(src: Tensor, dim: number, index: Tensor, shape: Shape): Tensor {
  const out = K.indexAddK(src, dim, index, shape);
  return record(
    'IndexAddBackward0',
    out,
    [src],
    () => [index],
    (g, [idx]) => [indexSelect(g, dim, idx)],
  );
}

/** x.contiguous(): x itself when contiguous, else a contiguous clone. */
export function contiguous(x: Tensor): Tensor {
  V.tensor(x, 'contiguous', 'input', 1);
  if (x.isContiguous()) return x;
  return record(
    'CloneBackward0',
    K.contiguousCopy(x),
    [x],
    () => [],
    (g) => [g],
  );
}

/** x.clone(): PyTorch's preserve_format keeps a dense tensor's layout (a transposed clone stays transposed). */
export function clone(x: Tensor): Tensor {
  V.tensor(x, 'clone', 'input', 1);
  return record(
    'CloneBackward0',
    K.copyPreservingLayout(x),
    [x],
    () => [],
    (g) => [g],
  );
}

// ---- entries -----------------------------------------------------------------------------------

const JOIN = { kind: 'indexing', saves: 'nothing' } as const satisfies Partial<OpSpec>;

export const INDEXING_OPS = {
  cat: defineOp({
    ...JOIN,
    name: 'cat',
    py: 'cat',
    fn: cat,
    doc: 'Tensors joined along a dim (1-D empty tensors skipped, as PyTorch).',
    nodes: ['CatBackward0'],
    kernels: ['copy_b4', 'copy_b8'],
    dtype: 'promote',
    golden: { args: [['TL', 'I']] },
    test: { grad: 'twice', samples: [{ args: [{ list: [{ shape: [2, 3] }, { shape: [1, 3] }] }, 0] }] },
  }),
  stack: defineOp({
    ...JOIN,
    name: 'stack',
    py: 'stack',
    fn: stack,
    doc: 'Tensors of one shape joined along a new dim.',
    nodes: ['StackBackward0'],
    kernels: ['copy_b4', 'copy_b8'],
    dtype: 'promote',
    golden: { args: [['TL', 'I']] },
    test: { grad: 'twice', samples: [{ args: [{ list: [{ shape: [2, 3] }, { shape: [2, 3] }] }, 1] }] },
  }),
  indexSelect: defineOp({
    ...JOIN,
    name: 'indexSelect',
    py: 'index_select',
    fn: indexSelect,
    doc: 'Entries of a dim picked by an int64 index (repeats allowed; their gradients add).',
    nodes: ['IndexSelectBackward0'],
    kernels: ['index_select_b4', 'index_select_b8'],
    dtype: 'same',
    saves: 'index',
    methods: { indexSelect: true },
    golden: { args: [['T', 'I', 'T']] },
    test: { grad: 'twice', samples: [{ args: [{ shape: [4, 3] }, 0, { ints: [3, 0, 3] }] }] },
  }),
  contiguous: defineOp({
    ...JOIN,
    name: 'contiguous',
    py: 'contiguous',
    fn: contiguous,
    doc: 'The tensor itself if contiguous, else a contiguous copy (CloneBackward0).',
    nodes: ['CloneBackward0'],
    kernels: ['copy_b4', 'copy_b8'],
    dtype: 'same',
    torch: false,
    methods: { contiguous: true },
    test: { grad: 'twice', samples: [{ args: [{ shape: [2, 3] }] }] },
  }),
  clone: defineOp({
    ...JOIN,
    name: 'clone',
    py: 'clone',
    fn: clone,
    doc: 'A copy that keeps a dense layout (preserve_format).',
    nodes: ['CloneBackward0'],
    kernels: ['copy_b4', 'copy_b8'],
    dtype: 'same',
    methods: { clone: true },
    golden: { args: [['T']] },
    test: { grad: 'twice', samples: [{ args: [{ shape: [2, 3] }] }] },
  }),
} as const;
