// Pooling over [N, C, H, W] or unbatched [C, H, W]: max_pool2d (with the int64 indices its node
// keeps), avg_pool2d (count_include_pad) and adaptive_avg_pool2d. Kernels in assembly/conv.ts; each
// backward is the kernel's adjoint, recorded as a node of its own whose gradient is the forward
// kernel again, so double backward works (the pools are linear in the input, given the indices).
import type { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { noGrad } from '../grad_mode.js';
import * as K from './internal.js';
import * as V from '../validate.js';
import { fresh, idiv } from './conv.js';
import { type OpSpec, defineOp } from './registry.js';

export type IntOrPair = number | readonly number[];
export interface MaxPoolOptions {
  readonly stride?: IntOrPair | null;
  readonly padding?: IntOrPair;
  readonly dilation?: IntOrPair;
}
export interface AvgPoolOptions {
  readonly stride?: IntOrPair | null;
  readonly padding?: IntOrPair;
  readonly countIncludePad?: boolean;
}

const MAX_OPTS = V.optionSpec('maxPool2d', { stride: 'any', padding: 'any', dilation: 'any' }, ['ceilMode', 'returnIndices']);
const AVG_OPTS = V.optionSpec('avgPool2d', { stride: 'any', padding: 'any', countIncludePad: 'bool' }, ['ceilMode', 'divisorOverride']);

const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x);

/** An int or 1-2 ints as [h, w]; `null` when v is of another form (the caller's message). */
function pair(v: unknown): [number, number] | null {
  if (isInt(v)) return [v, v];
  if (Array.isArray(v) && v.every(isInt)) {
    if (v.length === 1) return [v[0], v[0]];
    if (v.length === 2) return [v[0], v[1]];
  }
  return null;
}

function need(v: [number, number] | null, msg: string): [number, number] {
  if (!v) throw new Error(msg);
  return v;
}

/** The input as [N, C, H, W] dims (3-D input: N = 1), checked as PyTorch's pools do. */
function planes(x: Tensor, entry: string): [number, number, number, number] {
  const s = x._shape;
  if ((x.ndim !== 3 && x.ndim !== 4) || s.slice(x.ndim - 3).some((d) => d === 0)) {
    throw new Error('non-empty 3D or 4D (batch mode) tensor expected for input');
  }
  if (x.dtype !== 'float32' && x.dtype !== 'float64')
    throw new Error(`"${entry}" not implemented for '${x.dtype === 'int64' ? 'Long' : 'Bool'}'`);
  return x.ndim === 4 ? [s[0], s[1], s[2], s[3]] : [1, s[0], s[1], s[2]];
}

/** Window geometry of max_pool2d / avg_pool2d, with PyTorch's checks. */
function windows(
  x: Tensor,
  entry: 'max_pool2d' | 'avg_pool2d',
  kernelSize: unknown,
  stride: unknown,
  padding: unknown,
  dilation: unknown,
  flag: boolean,
): K.Geometry {
  const k = need(pair(kernelSize), `${entry}: kernel_size must either be a single int, or a tuple of two ints`);
  const noStride = stride === undefined || stride === null || (Array.isArray(stride) && stride.length === 0);
  const s = noStride ? k : need(pair(stride), `${entry}: stride must either be omitted, a single int, or a tuple of two ints`);
  const p = need(
    pair(padding ?? 0),
    entry === 'max_pool2d'
      ? 'max_pool2d: padding must be either be a single int, or a tuple of two ints'
      : 'avg_pool2d: padding must either be a single int, or a tuple of two ints',
  );
  const d = need(pair(dilation ?? 1), 'max_pool2d: dilation must be either a single int, or a tuple of two ints');
  if (s[0] === 0 || s[1] === 0) throw new Error('stride should not be zero');
  if (k[0] <= 0 || k[1] <= 0) throw new Error(`kernel size should be greater than zero, but got kH: ${k[0]} kW: ${k[1]}`);
  if (s[0] < 0 || s[1] < 0) throw new Error(`stride should be greater than zero, but got dH: ${s[0]} dW: ${s[1]}`);
  if (d[0] <= 0 || d[1] <= 0) throw new Error(`dilation should be greater than zero, but got dilationH: ${d[0]} dilationW: ${d[1]}`);
  if (p[0] > idiv(k[0], 2) || p[1] > idiv(k[1], 2) || p[0] < 0 || p[1] < 0) {
    const bad = p[0] > idiv(k[0], 2) || p[0] < 0 ? 0 : 1;
    throw new Error(`pad should be at most half of kernel size, but got pad=${p[bad]} and kernel_size=${k[bad]}`);
  }
  const [N, C, H, W] = planes(x, entry);
  const out = (n: number, i: number): number => {
    const span = n + 2 * p[i] - d[i] * (k[i] - 1) - 1;
    return span < 0 ? 0 : idiv(span, s[i]) + 1;
  };
  const o: [number, number] = [out(H, 0), out(W, 1)];
  if (o[0] < 1 || o[1] < 1) {
    throw new Error(`Given input size: (${C}x${H}x${W}). Calculated output size: (${C}x${o[0]}x${o[1]}). Output size is too small`);
  }
  return { N, C, H, W, k, s, p, d, o, flag };
}

/** The result of a pool kernel [N, C, oH, oW] under the input's rank. */
const outShape = (x: Tensor, g: K.Geometry): number[] => (x.ndim === 4 ? [g.N, g.C, ...g.o] : [g.C, ...g.o]);

const shaped = fresh;

// ---- max_pool2d ------------------------------------------------------------------------------

/** gy scattered to the maxima's positions (max_pool2d's gradient), differentiable in gy. */
function maxPoolScatter(gy: Tensor, idx: Tensor, g: K.Geometry, shape: readonly number[]): Tensor {
  const gx = noGrad(() => shaped(K.maxPoolBackK(gy, idx, g), shape));
  return record(
    'MaxPool2DWithIndicesBackwardBackward0',
    gx,
    [gy],
    () => [],
    (gg) => [maxPoolGather(gg, idx, g, gy._shape)],
  );
}

/** x read at the maxima's positions (the scatter's adjoint), differentiable in x. */
function maxPoolGather(x: Tensor, idx: Tensor, g: K.Geometry, shape: readonly number[]): Tensor {
  const y = noGrad(() => shaped(K.maxPoolGatherK(x, idx, g), shape));
  return record(
    'MaxPool2DWithIndicesBackward0',
    y,
    [x],
    () => [],
    (gy) => [maxPoolScatter(gy, idx, g, x._shape)],
  );
}

/** torch.nn.functional.max_pool2d(input, kernelSize, { stride, padding, dilation }). */
export function maxPool2d(input: Tensor, kernelSize: IntOrPair, opts?: MaxPoolOptions): Tensor {
  V.tensor(input, 'maxPool2d', 'input', 1);
  V.options(MAX_OPTS, opts);
  const g = windows(input, 'max_pool2d', kernelSize, opts?.stride, opts?.padding, opts?.dilation, false);
  const [y4, idx4] = K.maxPoolK(input, g);
  const shape = outShape(input, g);
  const y = shaped(y4, shape);
  const idx = shaped(idx4, shape);
  return record(
    'MaxPool2DWithIndicesBackward0',
    y,
    [input],
    () => [input, idx],
    (gy, [x, ix]) => [maxPoolScatter(gy, ix, g, x._shape)],
  );
}

// ---- avg_pool2d ------------------------------------------------------------------------------

function avgPoolOf(x: Tensor, g: K.Geometry, shape: readonly number[]): Tensor {
  const y = noGrad(() => shaped(K.avgPoolK(x, g), shape));
  return record(
    'AvgPool2DBackward0',
    y,
    [x],
    () => [],
    (gy) => [avgPoolBack(gy, g, x._shape)],
  );
}

function avgPoolBack(gy: Tensor, g: K.Geometry, shape: readonly number[]): Tensor {
  const gx = noGrad(() => shaped(K.avgPoolBackK(gy, g), shape));
  return record(
    'AvgPool2DBackwardBackward0',
    gx,
    [gy],
    () => [],
    (gg) => [avgPoolOf(gg, g, gy._shape)],
  );
}

/** torch.nn.functional.avg_pool2d(input, kernelSize, { stride, padding, countIncludePad }). */
export function avgPool2d(input: Tensor, kernelSize: IntOrPair, opts?: AvgPoolOptions): Tensor {
  V.tensor(input, 'avgPool2d', 'input', 1);
  V.options(AVG_OPTS, opts);
  const g = windows(input, 'avg_pool2d', kernelSize, opts?.stride, opts?.padding, 1, opts?.countIncludePad ?? true);
  return avgPoolOf(input, g, outShape(input, g));
}

// ---- adaptive_avg_pool2d ---------------------------------------------------------------------

function adaptiveOf(x: Tensor, g: K.Geometry, shape: readonly number[]): Tensor {
  const y = noGrad(() => shaped(K.adaptiveAvgK(x, g), shape));
  return record(
    'AdaptiveAvgPool2DBackward0',
    y,
    [x],
    () => [],
    (gy) => [adaptiveBack(gy, g, x._shape)],
  );
}

function adaptiveBack(gy: Tensor, g: K.Geometry, shape: readonly number[]): Tensor {
  const gx = noGrad(() => shaped(K.adaptiveAvgBackK(gy, g), shape));
  return record(
    'AdaptiveAvgPool2DBackwardBackward0',
    gx,
    [gy],
    () => [],
    (gg) => [adaptiveOf(gg, g, gy._shape)],
  );
}

/** torch.nn.functional.adaptive_avg_pool2d(input, outputSize): windows floor(i*H/oH) .. ceil((i+1)*H/oH). */
export function adaptiveAvgPool2d(input: Tensor, outputSize: IntOrPair): Tensor {
  V.tensor(input, 'adaptiveAvgPool2d', 'input', 1);
  const o = pair(outputSize);
  if (!o || (Array.isArray(outputSize) && outputSize.length !== 2)) throw new Error('adaptive_avg_pool2d: output_size must be 2');
  if (input.ndim !== 3 && input.ndim !== 4)
    throw new Error(`adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got ${`[${input._shape.join(', ')}]`}`);
  for (let i = 1; i < input.ndim; i++) {
    if (input._shape[i] === 0) {
      throw new Error(
        `adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes [${input._shape.join(', ')}] with dimension ${i} being empty`,
      );
    }
  }
  if (o[0] < 0 || o[1] < 0) throw new Error(`Trying to create tensor with negative dimension ${o[0] < 0 ? o[0] : o[1]}: [${o.join(', ')}]`);
  const [N, C, H, W] = planes(input, 'adaptive_avg_pool2d');
  const g: K.Geometry = { N, C, H, W, k: [1, 1], s: [1, 1], p: [0, 0], d: [1, 1], o };
  return adaptiveOf(input, g, outShape(input, g));
}

// ---- entries ---------------------------------------------------------------------------------

const POOL = { kind: 'nn', dtype: 'same', torch: false } as const satisfies Partial<OpSpec>;

export const POOL_OPS = {
  maxPool2d: defineOp({
    ...POOL,
    name: 'maxPool2d',
    py: 'max_pool2d',
    fn: maxPool2d,
    doc: 'Max over 2-D windows (stride, padding as -inf, dilation); the node keeps the int64 indices.',
    nodes: ['MaxPool2DWithIndicesBackward0'],
    kernels: ['max_pool2d', 'max_pool2d_back', 'max_pool2d_gather'],
    saves: 'input and the indices of the maxima',
    functional: { maxPool2d: true },
    golden: { args: [['T', 'IL']], kwargs: ['stride', 'padding', 'dilation'], via: 'functional' },
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [2, 2, 5, 6] }, 2] },
        { args: [{ shape: [1, 2, 6, 7] }, [3, 2], { options: { stride: [2, 1], padding: 1 } }], note: 'strided, padded' },
        { args: [{ shape: [2, 5, 5] }, 2, { options: { stride: 1, dilation: 2 } }], note: 'unbatched, dilated' },
      ],
    },
  }),
  avgPool2d: defineOp({
    ...POOL,
    name: 'avgPool2d',
    py: 'avg_pool2d',
    fn: avgPool2d,
    doc: 'Mean over 2-D windows (stride, padding, countIncludePad).',
    nodes: ['AvgPool2DBackward0'],
    kernels: ['avg_pool2d', 'avg_pool2d_back'],
    saves: 'nothing (the geometry)',
    functional: { avgPool2d: true },
    golden: { args: [['T', 'IL']], kwargs: ['stride', 'padding', 'count_include_pad'], via: 'functional' },
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [2, 2, 5, 6] }, 2] },
        { args: [{ shape: [1, 2, 6, 7] }, 3, { options: { stride: 2, padding: 1 } }], note: 'padding counted' },
        {
          args: [{ shape: [2, 6, 5] }, [3, 2], { options: { stride: [2, 1], padding: 1, countIncludePad: false } }],
          note: 'unbatched, padding not counted',
        },
      ],
    },
  }),
  adaptiveAvgPool2d: defineOp({
    ...POOL,
    name: 'adaptiveAvgPool2d',
    py: 'adaptive_avg_pool2d',
    fn: adaptiveAvgPool2d,
    doc: 'Mean over the windows that split H and W into outputSize parts (overlapping when they do not divide).',
    nodes: ['AdaptiveAvgPool2DBackward0'],
    kernels: ['adaptive_avg_pool2d', 'adaptive_avg_pool2d_back'],
    saves: 'nothing (the input shape)',
    functional: { adaptiveAvgPool2d: true },
    golden: { args: [['T', 'IL']], via: 'functional' },
    test: {
      grad: 'twice',
      samples: [{ args: [{ shape: [2, 2, 5, 7] }, [2, 3]] }, { args: [{ shape: [2, 6, 6] }, 1], note: 'unbatched, global' }],
    },
  }),
} as const;
