// nn.functional's embedding, constant pad and dropout: embedding and pad record their node over
// one kernel each; dropout multiplies by a mask from the seeded generator.
import type { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { noGrad } from '../grad_mode.js';
import { withTemps } from '../scope.js';
import { isFloating } from '../dtype.js';
import * as K from './internal.js';
import * as V from '../validate.js';
import { compare } from './binary.js';
import { indexAdd, indexSelect } from './indexing.js';
import { reshape } from './views.js';
import { defineOp } from './registry.js';

const EMBEDDING_OPTS = V.optionSpec('embedding', { paddingIdx: 'optNumber' }, ['maxNorm', 'normType', 'scaleGradByFreq', 'sparse']);
const PAD_OPTS = V.optionSpec('pad', { value: 'number', mode: 'any' });
const DROPOUT_OPTS = V.optionSpec('dropout', { p: 'number', training: 'bool' }, ['inplace']);

/** F.embedding(indices, weight, { paddingIdx }): rows of weight; the padding row gets no gradient. */
export function embedding(input: Tensor, weight: Tensor, opts?: { paddingIdx?: number | null }): Tensor {
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
  const y = noGrad(() => withTemps(() => reshape(indexSelect(weight, 0, flat), [...input._shape, d]).contiguous()));
  const padRow = pad;
  return record(
    'EmbeddingBackward0',
    y,
    [weight],
    () => [flat],
    (g, [idx]) => {
      let gw = indexAdd(reshape(g, [-1, d]), 0, idx, [rows, d]);
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

/** F.pad(x, pads, { value }) in constant mode: pads = [last_lo, last_hi, prev_lo, prev_hi, ...]. */
export function pad(x: Tensor, pads: readonly number[], opts?: { mode?: 'constant'; value?: number }): Tensor {
  V.tensor(x, 'pad', 'input', 1);
  V.intList(pads, 'pad', 'pad', 2);
  V.options(PAD_OPTS, opts);
  if ((opts?.mode ?? 'constant') !== 'constant') throw new Error(`pad: only mode 'constant' is supported`);
  if (pads.length % 2 !== 0) throw new Error('Padding length must be divisible by 2');
  if (pads.length / 2 > x.ndim) throw new Error('Padding length too large');
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
    golden: { args: [['T', 'T']], kwargs: ['padding_idx'], via: 'functional' },
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
    doc: 'Constant padding: pads = [last_lo, last_hi, prev_lo, prev_hi, ...] filled with value.',
    nodes: ['ConstantPadNdBackward0'],
    kernels: [],
    dtype: 'same',
    saves: 'nothing',
    torch: false,
    functional: { pad: true },
    golden: { args: [['T', 'L']], kwargs: ['value'], via: 'functional' },
    test: {
      grad: 'twice',
      samples: [{ args: [{ shape: [2, 3] }, [1, 2, 0, 1]] }, { args: [{ shape: [3] }, [2, 0], { options: { value: 0.5 } }] }],
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
