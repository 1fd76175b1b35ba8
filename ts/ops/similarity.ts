// cosine_similarity, as PyTorch 1.13 composes it (its norm a node of its own here).
import type { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { noGrad } from '../grad_mode.js';
import { withTemps } from '../scope.js';
import { broadcastShapes } from '../shape.js';
import * as V from '../validate.js';
import { compare, where } from './binary.js';
import { defineOp } from './registry.js';

/**
 * cosine_similarity as PyTorch 1.13 computes it: both operands expanded to their broadcast shape,
 * each divided by its norm along `dim` (clamped below at eps, the clamp not differentiated), and
 * the products summed over `dim`.
 */
export function cosineSimilarity(x1: Tensor, x2: Tensor, dim = 1, eps = 1e-8): Tensor {
  V.tensor(x1, 'cosineSimilarity', 'x1', 1);
  V.tensor(x2, 'cosineSimilarity', 'x2', 2);
  V.int(dim, 'cosineSimilarity', 'dim');
  V.number(eps, 'cosineSimilarity', 'eps');
  const isF = (d: string): boolean => d === 'float32' || d === 'float64';
  if (!isF(x1.dtype) && !isF(x2.dtype))
    throw new Error(
      `expected common dtype to be floating point, yet common dtype is ${V.scalarName(x1.dtype === 'bool' ? x2.dtype : x1.dtype === 'int64' ? 'int64' : x1.dtype)}`,
    );
  const shape = broadcastShapes(x1._shape, x2._shape);
  return withTemps(() => {
    const a = x1.expand(shape);
    const b = x2.expand(shape);
    const normed = (x: Tensor): Tensor => x.div(clampedNorm(x, dim, eps));
    return normed(a).mul(normed(b)).sum(dim);
  });
}

/** The 2-norm along dim (kept) of x, differentiably. */
const norm2 = (x: Tensor, dim: number): Tensor => x.mul(x).sum(dim, true).sqrt();

/**
 * linalg_vector_norm(x, 2, dim, keepdim) whose value is then clamped below at eps without
 * autograd seeing it (PyTorch: norm, clone, clamp_min_ under no_grad): the node's gradient is the
 * unclamped norm's, x g / ||x|| (0 where the norm is 0).
 */
function clampedNorm(x: Tensor, dim: number, eps: number): Tensor {
  const out = noGrad(() => norm2(x, dim).clamp(eps));
  return record(
    'LinalgVectorNormBackward0',
    out,
    [x],
    () => [x],
    (g, [s]) => {
      const r = norm2(s, dim);
      return [s.mul(where(compare('eq', r, 0), 0, g.div(r)))];
    },
  );
}

const COS_OPTS = V.optionSpec('cosineSimilarity', { dim: 'int', eps: 'number' });
export function cosineSimilarityF(x1: Tensor, x2: Tensor, opts?: { dim?: number; eps?: number }): Tensor {
  V.options(COS_OPTS, opts);
  return cosineSimilarity(x1, x2, opts?.dim, opts?.eps);
}

export const SIMILARITY_OPS = {
  cosineSimilarity: defineOp({
    kind: 'nn',
    name: 'cosineSimilarity',
    py: 'cosine_similarity',
    fn: cosineSimilarity,
    doc: 'Cosine similarity along dim (operands broadcast; norms clamped at eps).',
    nodes: ['SumBackward1', 'MulBackward0', 'DivBackward0', 'LinalgVectorNormBackward0', 'ExpandBackward0'],
    kernels: ['mul', 'sum', 'sqrt', 'div', 'clamp'],
    dtype: 'promote',
    saves: 'as its composition',
    golden: { args: [['T', 'T']], kwargs: ['dim', 'eps'], via: 'functional' },
    functional: { cosineSimilarity: cosineSimilarityF },
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [3, 4] }, { shape: [3, 4] }] },
        { args: [{ shape: [2, 3, 4] }, { shape: [4] }, -1], note: 'broadcast' },
        { args: [{ shape: [3, 4] }, { shape: [3, 4] }, 0, 1e-6] },
      ],
    },
  }),
} as const;
