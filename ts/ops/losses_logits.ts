// binary_cross_entropy_with_logits (weight, pos_weight): its own node, whose gradient is written
// with differentiable ops.
import type { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { noGrad } from '../grad_mode.js';
import { withTemps } from '../scope.js';
import { broadcastShapes } from '../shape.js';
import * as V from '../validate.js';
import { sub } from './binary.js';
import * as K from './internal.js';
import { floatDtype } from './operands.js';
import type { Reduction } from './losses.js';
import { defineOp } from './registry.js';
import { type Red, reduce, pairArgs, REDUCTIONS, RED, functional, LOSS, golden } from './losses_more.js';

/**
 * binary_cross_entropy_with_logits as PyTorch 1.13 composes it:
 * (1 - t).mul_(x).add_(m).add_(log(exp(-m) + exp(-x - m))), m = max(-x, 0). The loss is built in
 * place on (1 - t), so it has the target's dtype (each step computed in the promoted dtype and
 * rounded to it); log(...) is stable for large |x|.
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  reduction: Reduction = 'mean',
  weight?: Tensor | null,
  posWeight?: Tensor | null,
): Tensor {
  pairArgs('binaryCrossEntropyWithLogits', input, target, reduction);
  V.optTensor(weight, 'binaryCrossEntropyWithLogits', 'weight', 4);
  V.optTensor(posWeight, 'binaryCrossEntropyWithLogits', 'posWeight', 5);
  V.bceOperands(input, target);
  const w = weight ?? null;
  const pw = posWeight ?? null;
  if (pw) broadcastShapes(target.shape, pw.shape);
  if (w) broadcastShapes(input.shape, w.shape);
  // (1 - t) x + lw (m + log(exp(-m) + exp(-x - m))), m = max(-x, 0), lw = (pw - 1) t + 1 (1 without
  // pos_weight): stable for large |x|; then times weight.
  const tdtype = floatDtype(target.dtype);
  const l = noGrad(() =>
    withTemps(() => {
      const inPlace = (t: Tensor): Tensor => (t.dtype === tdtype ? t : K.castTo(t, tdtype));
      const m = input.neg().clamp(0);
      const e = m.neg().exp().add(input.neg().sub(m).exp()).log();
      const base = inPlace(inPlace(sub(1, target)).mul(input));
      const out = pw
        ? inPlace(base.add(inPlace(inPlace(pw.sub(1).mul(target).add(1)).mul(inPlace(e.add(m))))))
        : inPlace(inPlace(base.add(m)).add(e));
      return w ? inPlace(out.mul(w)) : out;
    }),
  );
  const n = l.numel();
  const out = noGrad(() => reduce(l, reduction));
  if (out !== l) l.dispose();
  return record(
    'BinaryCrossEntropyWithLogitsBackward0',
    out,
    [input, target],
    () => [input, target],
    (g, [x, tg], need) => {
      // PyTorch: ((pw t + 1 - t) sigmoid(x) - pw t) g (sigmoid(x) - t without pos_weight) and
      // (-x + (pw - 1) softplus(-x)) g (-x g without), times weight, divided by numel for 'mean'.
      const scale = (t: Tensor): Tensor => {
        const u = w ? t.mul(w) : t;
        return reduction === 'mean' ? u.div(n) : u;
      };
      const gx = (): Tensor => {
        if (!pw) return x.sigmoid().sub(tg).mul(g);
        const pt = tg.mul(pw);
        return pt.add(1).sub(tg).mul(x.sigmoid()).sub(pt).mul(g);
      };
      const gt = (): Tensor => {
        if (!pw) return x.neg().mul(g);
        const m = x.neg().clamp(0);
        const sp = m.neg().exp().add(x.neg().sub(m).exp()).log().add(m);
        return x.neg().add(pw.sub(1).mul(sp)).mul(g);
      };
      return [need[0] ? scale(gx()) : null, need[1] ? scale(gt()) : null];
    },
  );
}

export const binaryCrossEntropyWithLogitsF = functional<{ reduction?: Red; weight?: Tensor | null; posWeight?: Tensor | null }>(
  'binaryCrossEntropyWithLogits',
  { ...RED, weight: 'optTensor', posWeight: 'optTensor' },
  ['weight', 'posWeight'],
  binaryCrossEntropyWithLogits,
);

export const LOSS_LOGITS_OPS = {
  binaryCrossEntropyWithLogits: defineOp({
    ...LOSS,
    golden: golden(['reduction']),
    name: 'binaryCrossEntropyWithLogits',
    py: 'binary_cross_entropy_with_logits',
    fn: binaryCrossEntropyWithLogits,
    doc: 'Binary cross entropy of sigmoid(input), computed stably from logits.',
    nodes: ['BinaryCrossEntropyWithLogitsBackward0'],
    kernels: ['exp', 'log', 'clamp', 'mul', 'add', 'sub'],
    dtype: 'promote',
    saves: 'input and target',
    functional: { binaryCrossEntropyWithLogits: binaryCrossEntropyWithLogitsF },
    test: {
      grad: 'twice',
      samples: [
        ...REDUCTIONS.map((r) => ({ args: [{ shape: [2, 3] }, { shape: [2, 3], domain: [0, 1] as const }, r] })),
        ...REDUCTIONS.map((r) => ({
          args: [
            { shape: [2, 3] },
            { shape: [2, 3], domain: [0, 1] as const },
            r,
            { shape: [3], domain: [0.5, 2] as const, grad: false as const },
            { shape: [3], domain: [0.5, 2] as const, grad: false as const },
          ],
          note: 'weight and pos_weight',
        })),
        {
          args: [
            { shape: [2, 3] },
            { shape: [2, 3], domain: [0, 1] as const },
            'mean',
            null,
            { shape: [3], domain: [0.5, 2] as const, grad: false as const },
          ],
          note: 'pos_weight',
        },
      ],
    },
  }),
} as const;
