// nn.functional's embedding, constant pad and dropout: embedding and pad record their node over
// one kernel each; dropout multiplies by a mask from the seeded generator.
import type { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { noGrad } from '../grad_mode.js';
import { withTemps } from '../scope.js';
import { isFloating } from '../dtype.js';
import * as K from './internal.js';
import * as V from '../validate.js';
import { compare, logicalAnd, where } from './binary.js';
import { indexAdd, indexSelect } from './indexing.js';
import { reshape } from './views.js';
import { defineOp } from './registry.js';

const EMBEDDING_OPTS = V.optionSpec(
  'embedding',
  { paddingIdx: 'optNumber', maxNorm: 'optNumber', normType: 'number', scaleGradByFreq: 'bool' },
  ['sparse'],
);
const PAD_OPTS = V.optionSpec('pad', { value: 'optNumber', mode: 'any' });
const DROPOUT_OPTS = V.optionSpec('dropout', { p: 'number', training: 'bool' }, ['inplace']);

/** Keyword arguments of `F.embedding`: PyTorch's `padding_idx`, `max_norm`, `norm_type`, `scale_grad_by_freq` (camelCase; `sparse` is not supported). */
export interface EmbeddingFnOptions {
  /** The index whose row gets no gradient (PyTorch's `padding_idx`). */
  paddingIdx?: number | null;
  /** Rows referenced by the input whose normType-norm exceeds this are first rescaled in place (no grad). */
  maxNorm?: number | null;
  /** The p of the p-norm (PyTorch's `norm_type`). */
  normType?: number;
  /** Each row's gradient divided by how often its index occurs in the input. */
  scaleGradByFreq?: boolean;
}

/** How often each row is referenced: zeros(rows).index_add(0, idx, ones). */
function counts(idx: Tensor, rows: number, dtype: Tensor['dtype']): Tensor {
  return K.indexAddK(K.full([idx.numel()], 1, dtype), 0, idx, [rows]);
}

/**
 * PyTorch's embedding_renorm_ (under no_grad): each row the input references whose norm exceeds
 * maxNorm is multiplied by maxNorm / (norm + 1e-7) (computed in double, as PyTorch's scale).
 */
function renorm(weight: Tensor, idx: Tensor, maxNorm: number, normType: number): void {
  noGrad(() =>
    withTemps(() => {
      const rows = weight._shape[0];
      const used = compare('gt', counts(idx, rows, 'float64'), 0);
      const n = K.castTo(weight.norm(normType, 1), 'float64');
      const scale = K.binary('div', K.full([], maxNorm, 'float64'), K.binary('add', n, K.full([], 1e-7, 'float64')));
      const apply = K.castTo(where(logicalAnd(used, compare('gt', n, maxNorm)), scale, 1), weight.dtype);
      weight.mul_(apply.reshape([rows, 1]));
    }),
  );
}

/** F.embedding(indices, weight, { paddingIdx, maxNorm, normType, scaleGradByFreq }): rows of weight; the padding row gets no gradient. */
export function embedding(input: Tensor, weight: Tensor, opts?: EmbeddingFnOptions): Tensor {
  V.tensor(input, 'embedding', 'input', 1);
  V.tensor(weight, 'embedding', 'weight', 2);
  V.options(EMBEDDING_OPTS, opts);
  if (input.dtype !== 'int64') {
    throw new Error(
      `Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got torch.${input.dtype === 'bool' ? 'BoolTensor' : input.dtype === 'float64' ? 'DoubleTensor' : 'FloatTensor'} instead (while checking arguments for embedding)`,
    );
  }
  if (weight.ndim !== 2) throw new Error("'weight' must be 2-D");
  const [rows, d] = weight._shape;
  let pad = opts?.paddingIdx ?? null;
  if (pad !== null) {
    if (pad >= rows || pad < -rows) throw new Error('Padding_idx must be within num_embeddings');
    if (pad < 0) pad += rows;
  }
  const flat = reshape(input, [-1]);
  const maxNorm = opts?.maxNorm ?? null;
  if (maxNorm !== null) renorm(weight, flat, maxNorm, opts?.normType ?? 2);
  const byFreq = opts?.scaleGradByFreq ?? false;
  const y = noGrad(() => withTemps(() => reshape(indexSelect(weight, 0, flat), [...input._shape, d]).contiguous()));
  const padRow = pad;
  return record(
    'EmbeddingBackward0',
    y,
    [weight],
    () => [flat],
    (g, [idx]) => {
      let rowsG = reshape(g, [-1, d]);
      if (byFreq) {
        // PyTorch adds grad[i] * (1 / count[index[i]]) (the scale in double, then the dtype's).
        const inv = noGrad(() =>
          withTemps(() => K.castTo(K.binary('div', K.full([], 1, 'float64'), indexSelect(counts(idx, rows, 'float64'), 0, idx)), g.dtype)),
        );
        rowsG = rowsG.mul(inv.reshape([-1, 1]));
      }
      let gw = indexAdd(rowsG, 0, idx, [rows, d]);
      if (padRow !== null) {
        const keep = noGrad(() =>
          compare('ne', K.rangeK('arange', rows, 0, 1, gw.dtype), padRow)
            .to(gw.dtype)
            .reshape([rows, 1]),
        );
        gw = gw.mul(keep);
      }
      return [gw];
    },
  );
}

/** `F.pad`'s mode, as PyTorch. */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';
const PAD_MODES: readonly string[] = ['constant', 'reflect', 'replicate', 'circular'];

/** PyTorch's NotImplementedError (an Error named so). */
function notImplemented(msg: string): Error {
  const e = new Error(msg);
  e.name = 'NotImplementedError';
  return e;
}

/**
 * F.pad(x, pads, { mode, value }): pads = [last_lo, last_hi, prev_lo, prev_hi, ...]. 'constant'
 * fills with value (any rank); 'reflect' / 'replicate' pad the last 1, 2 or 3 dims of a tensor with
 * one or two more dims; 'circular' wraps around the last 1-3 dims of a batched [N, C, ...] tensor.
 */
export function pad(x: Tensor, pads: readonly number[], opts?: { mode?: PadMode; value?: number | null }): Tensor {
  V.tensor(x, 'pad', 'input', 1);
  V.intList(pads, 'pad', 'pad', 2);
  V.options(PAD_OPTS, opts);
  const mode = opts?.mode ?? 'constant';
  if (typeof mode !== 'string') throw new TypeError(`pad(): argument 'mode' (position 3) must be str, not ${V.typeName(mode)}`);
  if (!PAD_MODES.includes(mode)) throw notImplemented(`Unrecognised padding mode ${mode}`);
  if (pads.length % 2 !== 0) throw new Error('Padding length must be divisible by 2');
  if (pads.length / 2 > x.ndim) throw new Error('Padding length too large');
  if (mode !== 'constant') return padNonConstant(x, pads, mode as Exclude<PadMode, 'constant'>, opts?.value ?? null);
  if (pads.some((p) => p < 0)) throw new Error('pad: negative padding is not supported');
  const value = opts?.value ?? 0;
  const shape = [...x._shape];
  const lo = x._shape.map(() => 0);
  for (let i = 0; i < pads.length / 2; i++) {
    const dim = x.ndim - 1 - i;
    lo[dim] = pads[2 * i];
    shape[dim] += pads[2 * i] + pads[2 * i + 1];
  }
  const out = K.full(shape, value, x.dtype);
  noGrad(() =>
    withTemps(() => {
      let region = out;
      for (let d = 0; d < x.ndim; d++) region = region.narrow(d, lo[d], x._shape[d]);
      K.copyInto(region, x);
    }),
  );
  const inShape = x._shape;
  return record(
    'ConstantPadNdBackward0',
    out,
    [x],
    () => [],
    (g) => {
      let r = g;
      for (let d = 0; d < inShape.length; d++) if (lo[d] !== 0 || inShape[d] !== shape[d]) r = r.narrow(d, lo[d], inShape[d]);
      return [r];
    },
  );
}

const tensorType = (x: Tensor): string =>
  `torch.${x.dtype === 'float64' ? 'Double' : x.dtype === 'int64' ? 'Long' : x.dtype === 'bool' ? 'Bool' : 'Float'}Tensor`;

/** reflect / replicate / circular: PyTorch's _pad_enum dispatch and each kernel's checks. */
function padNonConstant(x: Tensor, pads: readonly number[], mode: 'reflect' | 'replicate' | 'circular', value: number | null): Tensor {
  if (value !== null && value !== 0) throw new Error(`Padding mode "${mode}" doesn't take in value argument`);
  const n = pads.length / 2;
  if (!((n === 1 || n === 2 || n === 3) && (x.ndim === n + 1 || x.ndim === n + 2))) {
    throw notImplemented('Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now');
  }
  if (mode === 'circular') return padCircular(x, pads);
  const s = x._shape;
  const spatial = s.slice(x.ndim - n);
  const dimNames = ['D', 'H', 'W'].slice(3 - n);
  if (mode === 'reflect') {
    if (s.slice(x.ndim === n + 2 ? 1 : 0).some((d) => d === 0)) {
      throw new Error(`${n + 1}D or ${n + 2}D (batch mode) tensor expected for input, but got: [ ${tensorType(x)}{${s.join(',')}} ]`);
    }
    for (let i = 0; i < n; i++) {
      const l = pads[2 * i];
      const r = pads[2 * i + 1];
      const size = spatial[n - 1 - i];
      if (!(l < size && r < size)) {
        const where = n === 1 ? `[${s.join(', ')}]` : String(x.ndim);
        throw new Error(
          `Argument #${4 + 2 * i}: Padding size should be less than the corresponding input dimension, but got: padding (${l}, ${r}) at dimension ${x.ndim - 1 - i} of input ${where}`,
        );
      }
    }
  } else if (s.slice(x.ndim === n + 2 ? 1 : 0).some((d) => d === 0)) {
    throw new Error(
      `Expected ${n + 1}D or ${n + 2}D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: [${s.join(', ')}]`,
    );
  }
  if (x.dtype !== 'float32' && x.dtype !== 'float64') {
    const k = `${mode === 'reflect' ? 'reflection' : 'replication'}_pad${n}d${mode === 'replicate' ? '_cpu' : ''}`;
    throw new Error(`"${k}" not implemented for '${x.dtype === 'int64' ? 'Long' : 'Bool'}'`);
  }
  const outSp = spatial.map((d, j) => d + pads[2 * (n - 1 - j)] + pads[2 * (n - 1 - j) + 1]);
  if (outSp.some((o) => o < 1)) {
    const ins = spatial.map((d, j) => `${dimNames[j]}: ${d}`).join(', ');
    const outs = outSp.map((o, j) => `${dimNames[j]}: ${o}`).join(' ');
    if (mode === 'replicate' || outSp.some((o) => o < 0)) throw new Error(`input (${ins}) is too small. Calculated output ${outs}`);
  }
  const B = s.slice(0, x.ndim - n).reduce((a, b) => a * b, 1);
  const three = (v: readonly number[], fill: number): [number, number, number] => {
    const r = [fill, fill, fill, ...v].slice(-3);
    return [r[0], r[1], r[2]];
  };
  const left = spatial.map((_, j) => pads[2 * (n - 1 - j)]);
  const g: K.PadGeometry = {
    inp: [B, ...three(spatial, 1)],
    out: three(outSp, 1),
    left: three(left, 0),
    mode: mode === 'reflect' ? 0 : 1,
  };
  const node = `${mode === 'reflect' ? 'Reflection' : 'Replication'}Pad${n}D`;
  return padOf(x, g, [...s.slice(0, x.ndim - n), ...outSp], node);
}

function padOf(x: Tensor, g: K.PadGeometry, shape: readonly number[], node: string): Tensor {
  const y = noGrad(() => K.padK(x, g, shape));
  return record(
    `${node}Backward0`,
    y,
    [x],
    () => [x],
    (gy, [xs]) => [padBack(gy, xs, g, node)],
  );
}

/** The adjoint, PyTorch's <mode>_pad<n>d_backward(grad, self): self's derivative is zero, but it
 *  is an input, so under createGraph the result requires grad when self does (as PyTorch's). */
function padBack(gy: Tensor, x: Tensor, g: K.PadGeometry, node: string): Tensor {
  const gx = noGrad(() => K.padBackK(gy, g, x._shape));
  return record(
    `${node}BackwardBackward0`,
    gx,
    [gy, x],
    () => [],
    (gg, _s, n) => [n[0] ? padOf(gg, g, gy._shape, node) : null, n[1] ? K.full(x._shape, 0, gg.dtype) : null],
  );
}

/** PyTorch's _pad_circular: the input copied into an empty result, then the wrapped borders copied
 *  from the result itself, dim by dim (last first), left then right (nodes: CopySlices). */
function padCircular(x: Tensor, pads: readonly number[]): Tensor {
  const pos = (v: number): number => (v > 0 ? v : 0);
  const inShape = x._shape;
  const nd = inShape.length - 2;
  if (pads.length + 4 !== inShape.length * 2) throw new Error(`Invalid padding size, expected ${nd * 2} but got ${pads.length}`);
  const outShape = [...inShape];
  for (let i = 0; i < nd; i++) {
    const l = pads[2 * (nd - i - 1)];
    const r = pads[2 * (nd - i - 1) + 1];
    const size = inShape[2 + i];
    outShape[2 + i] = size + l + r;
    if (!(l <= size && r <= size)) throw new Error('Padding value causes wrapping around more than once.');
    if (outShape[2 + i] < 0) throw new Error('Negative padding value is resulting in an empty dimension');
  }
  const out = K.empty(outShape, x.dtype);
  let outSlice = out;
  let inSlice = x;
  const slice = (t: Tensor, dim: number, start: number, end: number): Tensor => t.narrow(dim, start, end - start);
  for (let i = 0; i < nd; i++) {
    const dim = nd - i + 1;
    const l = pads[2 * i];
    const r = pads[2 * i + 1];
    outSlice = slice(outSlice, dim, pos(l), outShape[dim] - pos(r));
    inSlice = slice(inSlice, dim, pos(-l), inShape[dim] - pos(-r));
  }
  outSlice.copy_(inSlice);
  for (let i = 0; i < nd; i++) {
    const dim = nd - i + 1;
    const l = pads[2 * i];
    const r = pads[2 * i + 1];
    if (l > 0) slice(out, dim, 0, l).copy_(slice(out, dim, outShape[dim] - l - pos(r), outShape[dim] - pos(r)));
    if (r > 0) slice(out, dim, outShape[dim] - r, outShape[dim]).copy_(slice(out, dim, pos(l), pos(l) + r));
  }
  return out;
}

/** F.dropout(x, { p, training }): x itself when p = 0 or not training; else x * mask / (1 - p). */
export function dropout(x: Tensor, opts?: { p?: number; training?: boolean }): Tensor {
  V.tensor(x, 'dropout', 'input', 1);
  V.options(DROPOUT_OPTS, opts);
  const p = opts?.p ?? 0.5;
  const training = opts?.training ?? true;
  if (p < 0 || p > 1) throw new Error(`dropout probability has to be between 0 and 1, but got ${p}`);
  if (p === 0 || !training || x.numel() === 0) return x;
  if (p === 1) return x.mul(K.full([], 0, x.dtype));
  const noise = noGrad(() =>
    withTemps(() => {
      const u = K.randomK('rand', x._shape, isFloating(x.dtype) ? x.dtype : 'float32');
      return compare('lt', u, 1 - p)
        .to(u.dtype)
        .div(1 - p);
    }),
  );
  return x.mul(noise);
}
export const EMBEDDING_OPS = {
  embedding: defineOp({
    name: 'embedding',
    py: 'embedding',
    kind: 'nn',
    fn: embedding,
    doc: 'Rows of weight picked by int64 indices; repeated indices accumulate, the paddingIdx row gets no gradient.',
    nodes: ['EmbeddingBackward0'],
    kernels: ['index_select_b4', 'index_select_b8'],
    dtype: 'same',
    saves: 'indices',
    torch: false,
    functional: { embedding: true },
    golden: { args: [['T', 'T']], kwargs: ['padding_idx', 'max_norm', 'norm_type', 'scale_grad_by_freq'], via: 'functional' },
    test: {
      grad: 'twice',
      samples: [
        { args: [{ ints: [0, 2, 2, 4], shape: [2, 2] }, { shape: [5, 3] }] },
        {
          args: [{ ints: [1, 0, 1] }, { shape: [4, 2] }, { options: { paddingIdx: -1 } }],
          note: 'padding row unused (its gradient is zero by definition)',
        },
      ],
    },
  }),
  pad: defineOp({
    name: 'pad',
    py: 'pad',
    kind: 'nn',
    fn: pad,
    doc: "Padding by pads = [last_lo, last_hi, prev_lo, prev_hi, ...]: mode 'constant' (filled with value), 'reflect', 'replicate' or 'circular'.",
    nodes: [
      'ConstantPadNdBackward0',
      'ReflectionPad1DBackward0',
      'ReflectionPad2DBackward0',
      'ReflectionPad3DBackward0',
      'ReplicationPad1DBackward0',
      'ReplicationPad2DBackward0',
      'ReplicationPad3DBackward0',
      'CopySlices',
      'SliceBackward0',
      'CopyBackwards',
    ],
    kernels: ['pad_nd', 'pad_nd_back'],
    dtype: 'same',
    saves: 'nothing',
    torch: false,
    functional: { pad: true },
    golden: { args: [['T', 'L']], kwargs: ['mode', 'value'], via: 'functional' },
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [2, 3] }, [1, 2, 0, 1]] },
        { args: [{ shape: [3] }, [2, 0], { options: { value: 0.5 } }] },
        { args: [{ shape: [2, 4] }, [3, 2], { options: { mode: 'reflect' } }], note: 'reflect 1-D, unbatched' },
        { args: [{ shape: [1, 2, 3, 4] }, [2, 1, -1, 2], { options: { mode: 'reflect' } }], note: 'reflect 2-D, a negative pad' },
        { args: [{ shape: [2, 2, 3] }, [4, 1], { options: { mode: 'replicate' } }], note: 'replicate 1-D' },
        { args: [{ shape: [2, 3, 4] }, [1, 2, 3, 0], { options: { mode: 'replicate' } }], note: 'replicate 2-D, unbatched' },
        { args: [{ shape: [1, 2, 2, 3, 3] }, [1, 1, 0, 2, 1, 0], { options: { mode: 'replicate' } }], note: 'replicate 3-D' },
        { args: [{ shape: [2, 2, 3, 4] }, [1, 2, 1, -1], { options: { mode: 'circular' } }], note: 'circular 2-D' },
        { args: [{ shape: [1, 2, 5] }, [2, 3], { options: { mode: 'circular' } }], note: 'circular 1-D' },
      ],
    },
  }),
  dropout: defineOp({
    name: 'dropout',
    py: 'dropout',
    kind: 'nn',
    fn: dropout,
    doc: 'x itself when p = 0 or not training; else x times a mask drawn from the seeded generator, scaled by 1 / (1 - p).',
    nodes: ['MulBackward0'],
    kernels: ['rand_f32', 'rand_f64'],
    dtype: 'same',
    saves: 'the mask',
    torch: false,
    functional: { dropout: true },
    golden: { args: [['T']], kwargs: ['p', 'training'], via: 'functional' },
    test: {
      grad: 'twice',
      samples: [{ args: [{ shape: [3, 2] }, { options: { p: 1 } }] }, { args: [{ shape: [4] }, { options: { p: 0.5, training: false } }] }],
    },
  }),
} as const;
