// Convolutions: conv2d (stride, padding incl. 'same' / 'valid', dilation, groups, optional bias) and
// conv1d through it (conv_transpose2d is in ./conv_transpose.ts). The forward pass is im2col (a kernel writing the column matrix) followed by the
// packed GEMM, one product per group; the backward formulas are written with differentiable ops
// (products, and im2col / col2im, each the other's adjoint), so double backward works.
import type { Tensor } from '../tensor.js';
import { record, recordMulti } from '../autograd.js';
import { isGradEnabled, noGrad } from '../grad_mode.js';
import { withTemps } from '../scope.js';
import { isTensor } from '../brand.js';
import * as K from './internal.js';
import * as V from '../validate.js';
import { cat } from './indexing.js';
import { contiguousStrides, sameShape } from '../shape.js';
import { bmm } from './linalg.js';
import { type OpSpec, defineOp } from './registry.js';

/** One int for both spatial dimensions, or one per dimension. @inline */
export type IntOrPair = number | readonly number[];
/** Keyword arguments of `conv1d` / `conv2d`: PyTorch's `bias`, `stride`, `padding` (ints, `'same'` or `'valid'`), `dilation`, `groups`. */
export interface ConvOptions {
  /** Stride of the convolution, one int or one per dimension (default 1). */
  readonly stride?: IntOrPair;
  /** Implicit padding on both sides, one int or one per dimension, or `'same'` / `'valid'` (default 0). */
  readonly padding?: IntOrPair | 'same' | 'valid';
  /** Spacing between window elements (PyTorch's `dilation`). */
  readonly dilation?: IntOrPair;
  /** Blocked connections from input to output channels (PyTorch's `groups`). */
  readonly groups?: number;
}

const CONV_KEYS = { stride: 'any', padding: 'any', dilation: 'any', groups: 'int' } as const;
const CONV2D_OPTS = V.optionSpec('conv2d', CONV_KEYS);
const CONV1D_OPTS = V.optionSpec('conv1d', CONV_KEYS);

export const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;
/** floor(a / b) of integers a >= 0, b > 0 (shape arithmetic, exact). */
export const idiv = (a: number, b: number): number => (a - (a % b)) / b;

/** An int or a list of `n` ints (PyTorch's expand_param_if_needed message). */
export function intList(v: unknown, name: string, n: number, dflt: number): number[] {
  if (v === undefined) return new Array<number>(n).fill(dflt);
  const ok = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x);
  if (ok(v)) return new Array<number>(n).fill(v);
  if (Array.isArray(v) && v.every(ok)) {
    if (v.length === 1) return new Array<number>(n).fill(v[0]);
    if (v.length === n) return v.slice();
    throw new Error(
      `expected ${name} to be a single integer value or a list of ${n} values to match the convolution dimensions, but got ${name}=${fmt(v)}`,
    );
  }
  throw new TypeError(`conv${n}d(): argument '${name}' must be an int or a tuple of ints, not ${typeof v}`);
}

interface ConvArgs {
  stride: number[];
  /** Padding before each spatial dim (after = before, except for an odd total of 'same'). */
  padding: number[];
  dilation: number[];
  groups: number;
  same: boolean;
}

function convArgs(n: number, opts: ConvOptions | undefined): ConvArgs {
  V.options(n === 1 ? CONV1D_OPTS : CONV2D_OPTS, opts);
  const stride = intList(opts?.stride, 'stride', n, 1);
  const dilation = intList(opts?.dilation, 'dilation', n, 1);
  const p = opts?.padding;
  let same = false;
  let padding: number[];
  if (typeof p === 'string') {
    if (p !== 'same' && p !== 'valid') throw new Error(`Invalid padding string: '${p}'`);
    same = p === 'same';
    if (same && stride.some((s) => s !== 1)) throw new Error("padding='same' is not supported for strided convolutions");
    padding = new Array<number>(n).fill(0);
  } else padding = intList(p, 'padding', n, 0);
  const groups = opts?.groups ?? 1;
  if (stride.some((s) => s <= 0)) throw new Error('non-positive stride is not supported');
  if (padding.some((s) => s < 0)) throw new Error('negative padding is not supported');
  if (dilation.some((s) => s <= 0)) throw new Error('non-positive dilation is not supported');
  if (groups <= 0) throw new Error('non-positive groups is not supported');
  return { stride, padding, dilation, groups, same };
}

/** Checks the operands as PyTorch's conv1d/conv2d do (n spatial dims) and returns the geometry. */
function convGeometry(x: Tensor, w: Tensor, bias: Tensor | null, n: number, a: ConvArgs): K.Geometry {
  const entry = `conv${n}d`;
  if (w.ndim !== n + 2) {
    // PyTorch reads the spatial rank from the weight: its parameter check fails first.
    const wn = w.ndim > 2 ? w.ndim - 2 : 1;
    if (wn !== n)
      throw new Error(
        `expected stride to be a single integer value or a list of ${wn} values to match the convolution dimensions, but got stride=${fmt(a.stride)}`,
      );
  }
  if (x.ndim !== n + 2 || x.numel() === 0) {
    throw new Error(`Expected ${n + 1}D (unbatched) or ${n + 2}D (batched) input to ${entry}, but got input of size: ${fmt(x._shape)}`);
  }
  if (x.dtype !== 'float32' && x.dtype !== 'float64')
    throw new Error(`${entry}: integer inputs are not supported by asgrad (got ${x.dtype})`);
  const tn = (d: string): string => (d === 'float64' ? 'torch.DoubleTensor' : d === 'float32' ? 'torch.FloatTensor' : 'torch.LongTensor');
  if (w.dtype !== x.dtype) {
    throw new Error(
      `Input type (${tn(x.dtype)}) and weight type (${tn(w.dtype)}) should be the same or input should be a MKLDNN tensor and weight is a dense tensor`,
    );
  }
  const g = a.groups;
  const [cout, cg] = w._shape;
  if (cout % g !== 0)
    throw new Error(
      `Given groups=${g}, expected weight to be divisible by ${g} at dimension 0, but got weight of size [${fmt(w._shape)}] instead`,
    );
  if (x._shape[1] !== cg * g) {
    throw new Error(
      `Given groups=${g}, weight of size ${fmt(w._shape)}, expected input${fmt(x._shape)} to have ${cg * g} channels, but got ${x._shape[1]} channels instead`,
    );
  }
  if (bias && (bias.ndim !== 1 || bias._shape[0] !== cout)) {
    throw new Error(
      `Given weight of size ${fmt(w._shape)}, expected bias to be 1-dimensional with ${cout} elements, but got bias of size ${fmt(bias._shape)} instead`,
    );
  }
  if (bias && bias.dtype !== x.dtype) {
    const nm = (d: string): string => (d === 'float64' ? 'double' : d === 'float32' ? 'float' : 'long');
    throw new Error(`Input type (${nm(x.dtype)}) and bias type (${nm(bias.dtype)}) should be the same`);
  }
  const sp = x._shape.slice(2);
  const ks = w._shape.slice(2);
  const pad = a.padding.slice();
  if (a.same) for (let i = 0; i < n; i++) pad[i] = idiv(a.dilation[i] * (ks[i] - 1), 2);
  const eff = ks.map((k, i) => a.dilation[i] * (k - 1) + 1);
  const padded = sp.map((s, i) => s + 2 * pad[i]);
  if (!a.same && padded.some((s, i) => s < eff[i])) {
    throw new Error(
      `Calculated padded input size per channel: (${padded.join(' x ')}). Kernel size: (${eff.join(' x ')}). Kernel size can't be greater than actual input size`,
    );
  }
  const out = a.same ? sp : padded.map((s, i) => idiv(s - eff[i], a.stride[i]) + 1);
  const two = (v: readonly number[], d: number): [number, number] => (n === 1 ? [d, v[0]] : [v[0], v[1]]);
  return {
    N: x._shape[0],
    C: x._shape[1],
    H: n === 1 ? 1 : sp[0],
    W: sp[n - 1],
    k: two(ks, 1),
    s: two(a.stride, 1),
    p: two(pad, 0),
    d: two(a.dilation, 1),
    o: two(out, 1),
  };
}

/** A fresh contiguous result under another shape of the same numel (t is consumed). */
export function fresh(t: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(t._shape, shape)) return t;
  const r = t._view(shape, contiguousStrides(shape), t._offset);
  t.dispose();
  // The sole handle on the storage now: a tensor of its own, not a view of the released t.
  r._base = null;
  return r;
}

/** im2col, recorded (its adjoint col2im is its gradient): appears in conv's backward graphs. */
export function im2col(x: Tensor, g: K.Geometry): Tensor {
  const cols = noGrad(() => K.im2colK(x, g));
  return record(
    'Im2ColBackward0',
    cols,
    [x],
    () => [],
    (gc) => [col2im(gc, g)],
  );
}

/** col2im, recorded (its adjoint im2col is its gradient). */
export function col2im(cols: Tensor, g: K.Geometry): Tensor {
  const x = noGrad(() => K.col2imK(cols, g));
  return record(
    'Col2ImBackward0',
    x,
    [cols],
    () => [],
    (gx) => [im2col(gx, g)],
  );
}

/** The convolution of x4 [N, C, H, W] by w4 [Cout, C/groups, kH, kW]: [N, Cout, oH * oW]. */
function convForward(x4: Tensor, w4: Tensor, bias: Tensor | null, g: K.Geometry, groups: number): Tensor {
  return noGrad(() =>
    withTemps(() => {
      const cout = w4._shape[0];
      if (groups === 1) {
        const y1 = K.convGemmK(x4, w4, g, cout);
        return bias ? y1.add(bias.view([1, cout, 1])) : y1;
      }
      const cols = K.im2colK(x4, g);
      const wc = K.contiguousOf(w4);
      const cog = cout / groups;
      const ckg = (g.C / groups) * g.k[0] * g.k[1];
      const L = g.o[0] * g.o[1];
      const parts: Tensor[] = [];
      for (let j = 0; j < groups; j++) {
        const a = wc._view([1, cog, ckg], [0, ckg, 1], wc._offset + j * cog * ckg);
        const b = cols._view([g.N, ckg, L], [groups * ckg * L, L, 1], j * ckg * L);
        parts.push(K.matmul3(a, b));
      }
      let y = groups === 1 ? parts[0] : cat(parts, 1);
      if (bias) y = y.add(bias.view([1, cout, 1]));
      return y;
    }),
  );
}

/**
 * conv over n spatial dims (1 or 2): input [N, C, *sp] or unbatched [C, *sp]. Computed on 4-D views;
 * the node keeps the operands' own shapes.
 */
function convNd(n: 1 | 2, input: Tensor, weight: Tensor, bias: Tensor | null | undefined, opts: ConvOptions | undefined): Tensor {
  const entry = `conv${n}d`;
  V.tensor(input, entry, 'input', 1);
  V.tensor(weight, entry, 'weight', 2);
  V.optTensor(bias, entry, 'bias', 3);
  const a = convArgs(n, opts);
  if (input.ndim === n + 1) {
    if (weight.ndim === n + 2 && input.numel() > 0) return convNd(n, input.unsqueeze(0), weight, bias, opts).squeeze(0);
  }
  const b = bias ?? null;
  const g = convGeometry(input, weight, b, n, a);
  const x4 = n === 1 ? input._view([g.N, g.C, 1, g.W], [input._strides[0], input._strides[1], 0, input._strides[2]], input._offset) : input;
  const w4 = n === 1 ? weight.unsqueeze(2) : weight;
  const y3 = withTemps(() => convForward(x4, w4, b, g, a.groups));
  const yShape = [g.N, weight._shape[0], ...(n === 1 ? [g.o[1]] : g.o)];
  const y = fresh(y3, yShape);
  return record(
    'ConvolutionBackward0',
    y,
    [input, weight, b],
    () => [input, weight],
    (gy, [x, w], need) =>
      convolutionBackward(
        gy,
        x,
        w,
        need,
        (gy2, x2, w2, n2, composed) => convBackward(gy2, x2, w2, g, a.groups, n2, composed),
        (x2, w2) => convNd(n, x2, w2, null, opts),
      ),
  );
}

/** A convolution-family op's first-order gradients [gx, gw, gb] of (gy, x, w) (`composed`: the differentiable ops even under no-grad). */
export type ConvGrads = (gy: Tensor, x: Tensor, w: Tensor, need: readonly boolean[], composed: boolean) => (Tensor | null)[];

/**
 * The gradients of y = op(x, w) + b, an op bilinear in x and w (conv1d / conv2d / conv_transpose2d),
 * as PyTorch's convolution_backward: outside createGraph the rule's own; under it, computed by the
 * same differentiable ops without a graph and recorded as ONE node, ConvolutionBackwardBackward0 on
 * (gy, x, w), whose rule is the double backward of a bilinear map: gy gets op(ggx, w) + op(x, ggw) +
 * ggb, x gets the input gradient of op(., ggw) at gy, w the weight gradient of op(ggx, .) at gy.
 */
export function convolutionBackward(
  gy: Tensor,
  x: Tensor,
  w: Tensor,
  need: readonly boolean[],
  grads: ConvGrads,
  op: (x: Tensor, w: Tensor) => Tensor,
): (Tensor | null)[] {
  if (!isGradEnabled()) return grads(gy, x, w, need, false);
  const outs = noGrad(() => grads(gy, x, w, need, true));
  const live = [0, 1, 2].filter((i) => outs[i] !== null);
  const recorded = recordMulti(
    'ConvolutionBackwardBackward0',
    live.map((i) => outs[i] as Tensor),
    [gy, x, w],
    () => [gy, x, w],
    (gs, [sgy, sx, sw], n) => {
      const gg: (Tensor | null)[] = [null, null, null];
      live.forEach((i, j) => {
        gg[i] = gs[j];
      });
      const [ggx, ggw, ggb] = gg;
      let ggy: Tensor | null = null;
      if (n[0]) {
        const add = (t: Tensor): void => {
          ggy = ggy ? ggy.add(t) : t;
        };
        if (ggx) add(op(ggx, sw));
        if (ggw) add(op(sx, ggw));
        if (ggb) add(ggb.reshape([1, ggb._shape[0], ...sgy._shape.slice(2).map(() => 1)]).expand(sgy._shape));
      }
      const gx2 = n[1] && ggw ? grads(sgy, sx, ggw, [true, false, false], false)[0] : null;
      const gw2 = n[2] && ggx ? grads(sgy, ggx, sw, [false, true, false], false)[1] : null;
      return [ggy, gx2, gw2];
    },
  );
  const result: (Tensor | null)[] = [null, null, null];
  live.forEach((i, j) => {
    result[i] = recorded[j];
  });
  return result;
}

/**
 * Per group and batch, w3[g] @ x[n, g]: w3 [G, m, k], x [N, G, k, L] (any layout) -> [N, G, m, L].
 * Through bmm over N * G products, the weight broadcast without a copy when G = 1.
 */
export function perGroup(w3: Tensor, x: Tensor, N: number, G: number, m: number, k: number, L: number): Tensor {
  const we = w3
    .unsqueeze(0)
    .expand([N, G, m, k])
    .reshape([N * G, m, k]);
  return bmm(we, x.reshape([N * G, k, L])).reshape([N, G, m, L]);
}

/** Σ over n of a[n, g] @ b[n, g]ᵀ: a [N, G, m, L], b [N, G, k, L] -> [G, m, k] (bᵀ read in place). */
export function sumOuter(a: Tensor, b: Tensor, N: number, G: number, m: number, k: number, L: number): Tensor {
  return bmm(a.reshape([N * G, m, L]), b.reshape([N * G, k, L]).transpose(1, 2))
    .reshape([N, G, m, k])
    .sum(0);
}

/** Gradients of the convolution, with differentiable ops. */
function convBackward(
  gy: Tensor,
  x: Tensor,
  w: Tensor,
  g: K.Geometry,
  groups: number,
  need: readonly boolean[],
  composed = false,
): (Tensor | null)[] {
  const cout = w._shape[0];
  const cog = cout / groups;
  const ckg = (g.C / groups) * g.k[0] * g.k[1];
  const L = g.o[0] * g.o[1];
  let gx: Tensor | null = null;
  let gw: Tensor | null = null;
  if (groups === 1 && !isGradEnabled() && !composed) {
    // Not differentiated further: per-sample kernels (same products and order, no full columns).
    const x4 = x.ndim === 4 ? x : x.reshape([g.N, g.C, g.H, g.W]);
    if (need[0]) gx = noGrad(() => K.convGradInputK(gy, w, g, cout)).reshape(x._shape);
    if (need[1]) gw = K.convGradWeightK(gy, x4, g, cout).reshape([g.N, 1, cout, ckg]).sum(0).reshape(w._shape);
    const gb0 = need[2] ? gy.sum(gy.ndim === 4 ? [0, 2, 3] : [0, 2]) : null;
    return [gx, gw, gb0];
  }
  if (need[0]) {
    const wt = w.reshape([groups, cog, ckg]).transpose(1, 2);
    const cols = perGroup(wt, gy, g.N, groups, ckg, cog, L).reshape([g.N, g.C * g.k[0] * g.k[1], L]);
    gx = col2im(cols, g).reshape(x._shape);
  }
  if (need[1]) {
    const cols = im2col(x.ndim === 4 ? x : x.reshape([g.N, g.C, g.H, g.W]), g);
    gw = sumOuter(gy, cols, g.N, groups, cog, ckg, L).reshape(w._shape);
  }
  const gb = need[2] ? gy.sum(gy.ndim === 4 ? [0, 2, 3] : [0, 2]) : null;
  return [gx, gw, gb];
}

/** torch.nn.functional.conv2d(input, weight, bias?, { stride, padding, dilation, groups }). */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts?: ConvOptions): Tensor {
  return convNd(2, input, weight, bias, opts);
}

/** torch.nn.functional.conv1d(input, weight, bias?, { stride, padding, dilation, groups }). */
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts?: ConvOptions): Tensor {
  return convNd(1, input, weight, bias, opts);
}

/** nn.functional.conv2d: the options may take the bias's place (conv2d(x, w, { stride: 2 })). */
export function conv2dFunctional(input: Tensor, weight: Tensor, bias?: Tensor | null | ConvOptions, opts?: ConvOptions): Tensor {
  return bias === undefined || bias === null || isTensor(bias) ? conv2d(input, weight, bias, opts) : conv2d(input, weight, null, bias);
}

/** nn.functional.conv1d, as conv2dFunctional. */
export function conv1dFunctional(input: Tensor, weight: Tensor, bias?: Tensor | null | ConvOptions, opts?: ConvOptions): Tensor {
  return bias === undefined || bias === null || isTensor(bias) ? conv1d(input, weight, bias, opts) : conv1d(input, weight, null, bias);
}

// ---- entries -----------------------------------------------------------------------------------

export const CONV = {
  kind: 'nn',
  kernels: ['im2col', 'col2im', 'matmul_f32', 'matmul_f64'],
  dtype: 'same',
  saves: 'input and weight',
  torch: false,
  golden: {
    args: [
      ['T', 'T'],
      ['T', 'T', 'T'],
    ],
    kwargs: ['stride', 'padding', 'dilation', 'groups'],
    via: 'functional',
  },
} as const satisfies Partial<OpSpec>;

export const CONV_OPS = {
  conv2d: defineOp({
    ...CONV,
    name: 'conv2d',
    py: 'conv2d',
    fn: conv2d,
    doc: '2-D convolution (im2col + GEMM): stride, padding (ints, "same", "valid"), dilation, groups, optional bias.',
    nodes: ['ConvolutionBackward0', 'UnsqueezeBackward0', 'SqueezeBackward1'],
    functional: { conv2d: conv2dFunctional },
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [2, 3, 5, 5] }, { shape: [4, 3, 3, 3] }, { shape: [4] }] },
        {
          args: [
            { shape: [1, 4, 5, 6] },
            { shape: [4, 2, 2, 3] },
            null,
            { options: { stride: [2, 1], padding: 1, dilation: [1, 2], groups: 2 } },
          ],
          note: 'strided, dilated, grouped',
        },
        { args: [{ shape: [2, 5, 5] }, { shape: [2, 2, 3, 3] }, null, { options: { padding: 'same' } }], note: 'unbatched, same' },
      ],
    },
  }),
  conv1d: defineOp({
    ...CONV,
    name: 'conv1d',
    py: 'conv1d',
    fn: conv1d,
    doc: '1-D convolution, as conv2d over one spatial dim.',
    nodes: ['ConvolutionBackward0', 'UnsqueezeBackward0', 'SqueezeBackward1'],
    functional: { conv1d: conv1dFunctional },
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [2, 3, 7] }, { shape: [4, 3, 3] }, { shape: [4] }, { options: { stride: 2, padding: 1 } }] },
        {
          args: [{ shape: [1, 4, 7] }, { shape: [6, 2, 3] }, null, { options: { dilation: 2, padding: 'same', groups: 2 } }],
          note: 'grouped, same',
        },
      ],
    },
  }),
} as const;
