// Normalisations of nn.functional: layer_norm, group_norm, batch_norm (embedding, pad and dropout
// are in ./embedding.ts). The norms compute their forward with differentiable ops under no-grad and record
// one node under PyTorch's name whose rule is the closed-form gradient written with differentiable
// ops (so double backward works).
import type { Tensor } from '../tensor.js';
import { record, recordMulti } from '../autograd.js';
import { isGradEnabled, noGrad } from '../grad_mode.js';
import { withTemps } from '../scope.js';
import { isFloating } from '../dtype.js';
import * as K from './internal.js';
import * as V from '../validate.js';
import { reshape } from './views.js';
import { defineOp } from './registry.js';

const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

/**
 * How a norm groups its input: `x` seen as `grouped` (a reshape), statistics over `dims` of it;
 * the affine weight and bias broadcast as `affineView` and their gradients sum over `affineDims`.
 */
interface NormPlan {
  readonly shape: readonly number[];
  readonly grouped: readonly number[];
  readonly dims: readonly number[];
  readonly affineView: readonly number[];
  readonly affineDims: readonly number[];
  readonly eps: number;
}

/** x standardised over the plan's dims (biased variance), with its 1/std, as differentiable ops. */
function standardize(x: Tensor, p: NormPlan): { xhat: Tensor; rstd: Tensor; mean: Tensor; varb: Tensor } {
  const xg = reshape(x, p.grouped);
  const mean = xg.mean(p.dims as number[], true);
  const xc = xg.sub(mean);
  const varb = xc.mul(xc).mean(p.dims as number[], true);
  const rstd = varb.add(p.eps).sqrt().reciprocal();
  return { xhat: xc.mul(rstd), rstd, mean, varb };
}

const affine = (t: Tensor, p: NormPlan): Tensor => reshape(t, p.affineView);

/** The affine parameters' gradient: `t` summed over the plan's affine dims, in the parameter's shape. */
function affineGrad(t: Tensor, p: NormPlan, shape: readonly number[]): Tensor {
  const s = p.affineDims.length ? t.sum(p.affineDims as number[]) : t;
  return reshape(s, shape);
}

/**
 * y = standardise(x) * weight + bias over the plan, recorded as `node` (inputs x, weight, bias).
 * With `stats` (batch_norm in eval mode), the mean and 1/std are those constants instead.
 */
function normalize(
  node: string,
  x: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  p: NormPlan,
  stats?: { mean: Tensor; rstd: Tensor },
  fused?: () => Tensor,
  fusedGradInput?: (g: Tensor, x: Tensor, weight: Tensor | null) => Tensor,
  twice?: 'NativeLayerNormBackwardBackward0' | 'NativeBatchNormBackwardBackward0',
): Tensor {
  const xhatOf = (xs: Tensor): { xhat: Tensor; rstd: Tensor; grouped: boolean } => {
    if (stats) return { xhat: xs.sub(stats.mean).mul(stats.rstd), rstd: stats.rstd, grouped: false };
    const s = standardize(xs, p);
    return { xhat: s.xhat, rstd: s.rstd, grouped: true };
  };
  const y = fused
    ? fused()
    : noGrad(() =>
        withTemps(() => {
          const { xhat } = xhatOf(x);
          let out = reshape(xhat, p.shape);
          if (weight) out = out.mul(affine(weight, p));
          if (bias) out = out.add(affine(bias, p));
          return out === xhat ? K.contiguousCopy(out) : out;
        }),
      );
  const firstOrder = (g: Tensor, xs: Tensor, ws: Tensor | undefined, n: readonly boolean[]): (Tensor | null)[] => {
    let st: { xhat: Tensor; rstd: Tensor; grouped: boolean } | undefined;
    const stOf = () => (st ??= xhatOf(xs));
    let gx: Tensor | null = null;
    if (n[0]) {
      // Not differentiated further: the fused kernel (the same bits, without the temporaries).
      if (fusedGradInput && !isGradEnabled() && g.dtype === xs.dtype) gx = fusedGradInput(g, xs, ws ?? null);
      else {
        const { xhat, rstd, grouped } = stOf();
        const gxhat = ws ? g.mul(affine(ws, p)) : g;
        if (grouped) {
          const gg = reshape(gxhat, p.grouped);
          const d = p.dims as number[];
          gx = reshape(rstd.mul(gg.sub(gg.mean(d, true)).sub(xhat.mul(gg.mul(xhat).mean(d, true)))), p.shape);
        } else gx = gxhat.mul(rstd);
      }
    }
    const gw = n[1] && weight ? affineGrad(g.mul(reshape(stOf().xhat, p.shape)), p, weight._shape) : null;
    const gb = n[2] && bias ? affineGrad(g, p, bias._shape) : null;
    return [gx, gw, gb];
  };
  return record(
    node,
    y,
    [x, weight, bias],
    () => [x, ...(weight ? [weight] : [])],
    (g, [xs, ws], n) => {
      if (!twice || !isGradEnabled()) return firstOrder(g, xs, ws, n);
      const outs = noGrad(() => firstOrder(g, xs, ws, n));
      return recordTwice(twice, outs, g, xs, ws ?? null, bias, p, xhatOf);
    },
  );
}

/**
 * The gradients [gx, gw, gb] of a norm under createGraph, recorded as ONE node (PyTorch's
 * NativeLayerNormBackwardBackward0 on (grad_out, input, mean, rstd, weight, bias) or
 * NativeBatchNormBackwardBackward0 on (grad_out, input, weight, save_mean, save_invstd); the
 * statistics are not inputs here: their edges are empty, as PyTorch's). Its rule is the closed-form
 * derivative of <ggx, gx> + <ggw, gw> + <ggb, gb>, written with differentiable ops.
 */
function recordTwice(
  twice: 'NativeLayerNormBackwardBackward0' | 'NativeBatchNormBackwardBackward0',
  outs: readonly (Tensor | null)[],
  g: Tensor,
  xs: Tensor,
  ws: Tensor | null,
  bias: Tensor | null,
  p: NormPlan,
  xhatOf: (xs: Tensor) => { xhat: Tensor; rstd: Tensor; grouped: boolean },
): (Tensor | null)[] {
  const live = [0, 1, 2].filter((i) => outs[i] !== null);
  const layer = twice === 'NativeLayerNormBackwardBackward0';
  // The node's inputs in PyTorch's order; where x, weight and the gradient sit among them.
  const inputs = layer ? [g, xs, null, null, ws, bias] : [g, xs, ws, null, null];
  const at = layer ? { g: 0, x: 1, w: 4 } : { g: 0, x: 1, w: 2 };
  const recorded = recordMulti(
    twice,
    live.map((i) => outs[i] as Tensor),
    inputs,
    () => [g, xs, ...(ws ? [ws] : [])],
    (gs, [sg, sx, sw], n) => {
      const gg: (Tensor | null)[] = [null, null, null];
      live.forEach((i, j) => {
        gg[i] = gs[j];
      });
      const [ggx, ggw, ggb] = gg;
      const { xhat, rstd, grouped } = xhatOf(sx);
      const wA = sw ? affine(sw, p) : null;
      const ggwA = ggw ? affine(ggw, p) : null;
      const ggbA = ggb ? affine(ggb, p) : null;
      const d = p.dims as number[];
      const G = (t: Tensor): Tensor => reshape(t, p.grouped);
      const S = (t: Tensor): Tensor => reshape(t, p.shape);
      const sum = (a: Tensor | null, b: Tensor | null): Tensor | null => (a && b ? a.add(b) : (a ?? b));
      // P(a) = a - mean(a) - xhat mean(a xhat): the (symmetric) projection of the standardisation.
      const P = (a: Tensor): Tensor => a.sub(a.mean(d, true)).sub(xhat.mul(a.mul(xhat).mean(d, true)));
      // u: ggx where the standardisation sees it (grouped); r: rstd * P(u) (grouped) or rstd * u.
      const u = ggx ? G(ggx) : null;
      const ru = u ? (grouped ? rstd.mul(P(u)) : u.mul(rstd)) : null;
      let ggy: Tensor | null = null;
      if (n[at.g]) {
        const fromX = ru ? (wA ? S(ru).mul(wA) : S(ru)) : null;
        ggy = sum(sum(fromX, ggwA ? S(xhat).mul(ggwA) : null), ggbA ? ggbA.expand(p.shape) : null);
      }
      const gw2 = n[at.w] && ru && sw ? affineGrad(sg.mul(S(ru)), p, sw._shape) : null;
      let gx2: Tensor | null = null;
      if (n[at.x]) {
        const gxw = ggwA ? G(sg.mul(ggwA)) : null;
        if (!grouped) gx2 = gxw ? S(gxw.mul(rstd)) : null;
        else {
          let t: Tensor | null = gxw ? rstd.mul(P(gxw)) : null;
          if (u) {
            const v = G(wA ? sg.mul(wA) : sg);
            const a = u.mul(v.sub(v.mean(d, true))).mean(d, true);
            const b = v.mul(xhat).mean(d, true);
            const c = u.mul(xhat).mean(d, true);
            const r2 = rstd.mul(rstd);
            t = sum(
              t,
              r2
                .mul(
                  xhat
                    .mul(a.sub(b.mul(c)))
                    .add(P(v).mul(c))
                    .add(P(u).mul(b)),
                )
                .neg(),
            );
          }
          gx2 = t ? S(t) : null;
        }
      }
      const res: (Tensor | null)[] = inputs.map(() => null);
      res[at.g] = ggy;
      res[at.x] = gx2;
      res[at.w] = gw2;
      return res;
    },
  );
  const result: (Tensor | null)[] = [null, null, null];
  live.forEach((i, j) => {
    result[i] = recorded[j];
  });
  return result;
}

function floatOperand(x: Tensor, entry: string): void {
  if (!isFloating(x.dtype)) throw new Error(`"${entry}" not implemented for '${V.scalarName(x.dtype)}'`);
}

const LAYER_NORM_OPTS = V.optionSpec('layerNorm', { eps: 'number' });
const GROUP_NORM_OPTS = V.optionSpec('groupNorm', { eps: 'number' });
const BATCH_NORM_OPTS = V.optionSpec('batchNorm', { training: 'bool', momentum: 'number', eps: 'number' });

/** F.layer_norm(x, normalizedShape, weight?, bias?, { eps }). */
export function layerNorm(
  x: Tensor,
  normalizedShape: readonly number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
  opts?: { eps?: number },
): Tensor {
  V.tensor(x, 'layerNorm', 'input', 1);
  V.intList(normalizedShape, 'layerNorm', 'normalized_shape', 2);
  V.optTensor(weight, 'layerNorm', 'weight', 3);
  V.optTensor(bias, 'layerNorm', 'bias', 4);
  V.options(LAYER_NORM_OPTS, opts);
  const k = normalizedShape.length;
  const tail = x._shape.slice(x.ndim - k);
  if (k === 0 || k > x.ndim || tail.some((s, i) => s !== normalizedShape[i])) {
    throw new Error(
      `Given normalized_shape=${fmt(normalizedShape)}, expected input with shape [*, ${normalizedShape.join(', ')}], but got input of size${fmt(x._shape)}`,
    );
  }
  for (const [t, name] of [
    [weight, 'weight'],
    [bias, 'bias'],
  ] as const) {
    if (t && fmt(t._shape) !== fmt(normalizedShape))
      throw new Error(
        `Expected ${name} to be of same shape as normalized_shape, but got ${name} of shape ${fmt(t._shape)} and normalized_shape = ${fmt(normalizedShape)}`,
      );
  }
  floatOperand(x, 'LayerNormKernelImpl');
  const lead = x.ndim - k;
  const plan: NormPlan = {
    shape: x._shape,
    grouped: x._shape,
    dims: Array.from({ length: k }, (_, i) => lead + i),
    affineView: normalizedShape,
    affineDims: Array.from({ length: lead }, (_, i) => i),
    eps: opts?.eps ?? 1e-5,
  };
  const w = weight ?? null;
  const b = bias ?? null;
  // One normalised dim over contiguous rows, affine of x's dtype: the fused kernel (same bits).
  const fusable =
    k === 1 && x.isContiguous() && x.numel() > 0 && [w, b].every((t) => t === null || (t.isContiguous() && t.dtype === x.dtype));
  const fused = fusable ? () => K.layerNormRowsK(x, normalizedShape[0], w, b, plan.eps) : undefined;
  const fusedGrad = fusable
    ? (g: Tensor, xs: Tensor, ws: Tensor | null) => K.layerNormRowsBackwardK(g, xs, normalizedShape[0], ws, plan.eps)
    : undefined;
  return normalize('NativeLayerNormBackward0', x, w, b, plan, undefined, fused, fusedGrad, 'NativeLayerNormBackwardBackward0');
}

/** The plan of a per-channel affine over [N, C, *]. */
function channelPlan(x: Tensor, grouped: readonly number[], dims: readonly number[], eps: number): NormPlan {
  const c = x._shape[1];
  return {
    shape: x._shape,
    grouped,
    dims,
    affineView: [c, ...x._shape.slice(2).map(() => 1)],
    affineDims: x._shape.map((_, i) => i).filter((i) => i !== 1),
    eps,
  };
}

function channelParams(entry: string, c: number, weight?: Tensor | null, bias?: Tensor | null): void {
  for (const [t, name] of [
    [weight, 'weight'],
    [bias, 'bias'],
  ] as const) {
    if (t && (t.ndim !== 1 || t._shape[0] !== c)) throw new Error(`${entry}: expected ${name} of shape [${c}], but got ${fmt(t._shape)}`);
  }
}

/** F.group_norm(x, numGroups, weight?, bias?, { eps }). */
export function groupNorm(x: Tensor, numGroups: number, weight?: Tensor | null, bias?: Tensor | null, opts?: { eps?: number }): Tensor {
  V.tensor(x, 'groupNorm', 'input', 1);
  V.int(numGroups, 'groupNorm', 'num_groups', 2);
  V.optTensor(weight, 'groupNorm', 'weight', 3);
  V.optTensor(bias, 'groupNorm', 'bias', 4);
  V.options(GROUP_NORM_OPTS, opts);
  if (x.ndim < 2) throw new Error(`Expected at least 2 dimensions for input tensor but received ${x.ndim}`);
  const [n, c] = x._shape;
  if (numGroups <= 0 || c % numGroups !== 0)
    throw new Error(
      `Expected number of channels in input to be divisible by num_groups, but got input of shape ${fmt(x._shape)} and num_groups=${numGroups}`,
    );
  channelParams('group_norm', c, weight, bias);
  floatOperand(x, 'GroupNormKernelImpl');
  const plan = channelPlan(x, [n, numGroups, x.numel() / (n * numGroups || 1)], [2], opts?.eps ?? 1e-5);
  return normalize('NativeGroupNormBackward0', x, weight ?? null, bias ?? null, plan);
}

/**
 * F.batch_norm(x, runningMean, runningVar, weight?, bias?, { training, momentum, eps }). In
 * training it normalises with the batch's statistics and updates the running ones in place
 * (momentum-weighted, unbiased variance); otherwise it uses the running statistics.
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight?: Tensor | null,
  bias?: Tensor | null,
  opts?: { training?: boolean; momentum?: number; eps?: number },
): Tensor {
  V.tensor(x, 'batchNorm', 'input', 1);
  V.optTensor(runningMean, 'batchNorm', 'running_mean', 2);
  V.optTensor(runningVar, 'batchNorm', 'running_var', 3);
  V.optTensor(weight, 'batchNorm', 'weight', 4);
  V.optTensor(bias, 'batchNorm', 'bias', 5);
  V.options(BATCH_NORM_OPTS, opts);
  const training = opts?.training ?? false;
  const momentum = opts?.momentum ?? 0.1;
  const eps = opts?.eps ?? 1e-5;
  if (x.ndim < 2) throw new Error(`Expected 2D or higher input to batch_norm (got ${x.ndim}D input)`);
  const c = x._shape[1];
  channelParams('batch_norm', c, weight, bias);
  channelParams('batch_norm', c, runningMean, runningVar);
  floatOperand(x, 'batch_norm');
  const count = x.numel() / c;
  if (training && count <= 1) throw new Error(`Expected more than 1 value per channel when training, got input size ${fmt(x._shape)}`);
  const dims = x._shape.map((_, i) => i).filter((i) => i !== 1);
  const plan = channelPlan(x, x._shape, dims, eps);
  if (!training) {
    if (!runningMean || !runningVar) throw new Error('running_mean and running_var must be defined in evaluation mode');
    const stats = noGrad(() => ({
      mean: reshape(runningMean, plan.affineView).to(x.dtype),
      rstd: reshape(runningVar, plan.affineView).to(x.dtype).add(eps).sqrt().reciprocal(),
    }));
    return normalize(
      'NativeBatchNormBackward0',
      x,
      weight ?? null,
      bias ?? null,
      plan,
      stats,
      undefined,
      undefined,
      'NativeBatchNormBackwardBackward0',
    );
  }
  if (runningMean || runningVar) {
    noGrad(() =>
      withTemps(() => {
        const { mean, varb } = standardize(x, plan);
        if (runningMean) runningMean.mul_(1 - momentum).add_(reshape(mean, [c]).mul(momentum));
        if (runningVar) runningVar.mul_(1 - momentum).add_(reshape(varb, [c]).mul((momentum * count) / (count - 1)));
      }),
    );
  }
  return normalize(
    'NativeBatchNormBackward0',
    x,
    weight ?? null,
    bias ?? null,
    plan,
    undefined,
    undefined,
    undefined,
    'NativeBatchNormBackwardBackward0',
  );
}

export const NORM_OPS = {
  layerNorm: defineOp({
    name: 'layerNorm',
    py: 'layer_norm',
    kind: 'nn',
    fn: layerNorm,
    doc: 'Standardises over the trailing normalizedShape dims, then weight * x + bias.',
    nodes: ['NativeLayerNormBackward0'],
    kernels: ['layer_norm_rows', 'layer_norm_rows_backward'],
    dtype: 'same',
    saves: 'input, weight',
    torch: false,
    functional: { layerNorm: true },
    golden: {
      args: [
        ['T', 'L'],
        ['T', 'L', 'T', 'T'],
      ],
      kwargs: ['eps'],
      via: 'functional',
    },
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [2, 3, 4] }, [4], { shape: [4] }, { shape: [4] }] },
        { args: [{ shape: [2, 3] }, [2, 3], null, null, { options: { eps: 1e-3 } }], note: 'no affine' },
      ],
    },
  }),
  groupNorm: defineOp({
    name: 'groupNorm',
    py: 'group_norm',
    kind: 'nn',
    fn: groupNorm,
    doc: 'Standardises [N, C, *] over each group of C / numGroups channels, then a per-channel affine.',
    nodes: ['NativeGroupNormBackward0'],
    kernels: [],
    dtype: 'same',
    saves: 'input, weight',
    torch: false,
    functional: { groupNorm: true },
    golden: {
      args: [
        ['T', 'I'],
        ['T', 'I', 'T', 'T'],
      ],
      kwargs: ['eps'],
      via: 'functional',
    },
    test: {
      grad: 'twice',
      samples: [{ args: [{ shape: [2, 4, 3] }, 2, { shape: [4] }, { shape: [4] }] }, { args: [{ shape: [2, 2, 2, 2] }, 1] }],
    },
  }),
  batchNorm: defineOp({
    name: 'batchNorm',
    py: 'batch_norm',
    kind: 'nn',
    fn: batchNorm,
    doc: "Standardises [N, C, *] per channel with the batch's statistics (training; updates the running ones in place) or the running ones.",
    nodes: ['NativeBatchNormBackward0'],
    kernels: [],
    dtype: 'same',
    saves: 'input, weight',
    torch: false,
    functional: { batchNorm: true },
    golden: {
      args: [
        ['T', 'T', 'T'],
        ['T', 'T', 'T', 'T', 'T'],
      ],
      kwargs: ['training', 'momentum', 'eps'],
      via: 'functional',
    },
    test: {
      grad: 'twice',
      samples: [
        {
          args: [
            { shape: [4, 3] },
            { shape: [3], grad: false },
            { shape: [3], domain: [0.5, 1.5], grad: false },
            { shape: [3] },
            { shape: [3] },
            { options: { training: true } },
          ],
        },
        {
          args: [{ shape: [2, 2, 3] }, { shape: [2], grad: false }, { shape: [2], domain: [0.5, 1.5], grad: false }, { shape: [2] }, null],
          note: 'eval',
        },
      ],
    },
  }),
} as const;
