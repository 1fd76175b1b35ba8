// Pooling over [N, C, H, W] or unbatched [C, H, W]: max_pool2d (with the int64 indices its node
// keeps), avg_pool2d (count_include_pad) and adaptive_avg_pool2d. Kernels in assembly/conv.ts; each
// backward is the kernel's adjoint, recorded as a node of its own whose gradient is the forward
// kernel again, so double backward works (the pools are linear in the input, given the indices).
import type { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { isGradEnabled, noGrad } from '../grad_mode.js';
import * as K from './internal.js';
import * as V from '../validate.js';
import { fresh, idiv } from './conv.js';
import { type OpSpec, defineOp } from './registry.js';

/** One int for both spatial dimensions, or one per dimension (PyTorch's `_size_2_t`). */
export type IntOrPair = number | readonly number[];
/** Keyword arguments of `max_pool2d`: PyTorch's `stride`, `padding`, `dilation`, `ceil_mode`, `return_indices` (camelCase). */
export interface MaxPoolOptions {
  /** Stride of the window, one int or one per dimension. */
  readonly stride?: IntOrPair | null;
  /** Padding on both sides, one int or one per dimension. */
  readonly padding?: IntOrPair;
  /** Spacing between window elements (PyTorch's `dilation`). */
  readonly dilation?: IntOrPair;
  /** Output size rounded up: a last window may start in the input (or left padding) and run past it. */
  readonly ceilMode?: boolean;
  /** Also return the int64 indices of the maxima (flattened within each plane). */
  readonly returnIndices?: boolean;
}
/** Keyword arguments of `avg_pool2d`: PyTorch's `stride`, `padding`, `ceil_mode`, `count_include_pad`, `divisor_override` (camelCase). */
export interface AvgPoolOptions {
  /** Stride of the window, one int or one per dimension. */
  readonly stride?: IntOrPair | null;
  /** Padding on both sides, one int or one per dimension. */
  readonly padding?: IntOrPair;
  /** Round the output size up (PyTorch's `ceil_mode`). */
  readonly ceilMode?: boolean;
  /** Count the zero padding in the average's divisor (PyTorch's `count_include_pad`). */
  readonly countIncludePad?: boolean;
  /** Divide every window's sum by this int instead of its size. */
  readonly divisorOverride?: number | null;
}

const MAX_OPTS = V.optionSpec('maxPool2d', { stride: 'any', padding: 'any', dilation: 'any', ceilMode: 'bool', returnIndices: 'bool' });
const AVG_OPTS = V.optionSpec('avgPool2d', {
  stride: 'any',
  padding: 'any',
  ceilMode: 'bool',
  countIncludePad: 'bool',
  divisorOverride: 'any',
});

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
  ceil = false,
  div = 0,
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
  if (p[0] < 0 || p[1] < 0) throw new Error(`pad must be non-negative, but got pad: ${p[0] < 0 ? p[0] : p[1]}`);
  if (p[0] > idiv(k[0], 2) || p[1] > idiv(k[1], 2)) {
    const bad = p[0] > idiv(k[0], 2) ? 0 : 1;
    throw new Error(`pad should be at most half of kernel size, but got pad=${p[bad]} and kernel_size=${k[bad]}`);
  }
  const [N, C, H, W] = planes(x, entry);
  // PyTorch's pooling_output_shape: floor division (rounding up in ceil mode), and in ceil mode a
  // last window that would start in the right padding is dropped.
  const out = (n: number, i: number): number => {
    const span = n + 2 * p[i] - d[i] * (k[i] - 1) - 1 + (ceil ? s[i] - 1 : 0);
    let o = fdiv(span, s[i]) + 1;
    if (ceil && (o - 1) * s[i] >= n + p[i]) o--;
    return o;
  };
  const o: [number, number] = [out(H, 0), out(W, 1)];
  if (o[0] < 1 || o[1] < 1) {
    throw new Error(`Given input size: (${C}x${H}x${W}). Calculated output size: (${C}x${o[0]}x${o[1]}). Output size is too small`);
  }
  return { N, C, H, W, k, s, p, d, o, flag, div };
}

/** Floor division by a positive b. */
function fdiv(a: number, b: number): number {
  const q = idiv(a, b);
  return q * b > a ? q - 1 : q;
}

/** The result of a pool kernel [N, C, oH, oW] under the input's rank. */
const outShape = (x: Tensor, g: K.Geometry): number[] => (x.ndim === 4 ? [g.N, g.C, ...g.o] : [g.C, ...g.o]);

const shaped = fresh;

// ---- max_pool2d ------------------------------------------------------------------------------

/**
 * gy scattered to the maxima's positions (max_pool2d's gradient), differentiable in gy. `self` is
 * the pooled input where PyTorch's max_pool2d_with_indices_backward takes it: an argument with a
 * zero derivative, so under createGraph the gradient requires grad whenever the input does (and a
 * second backward sends the input zeros), as in PyTorch.
 */
function maxPoolScatter(gy: Tensor, idx: Tensor, g: K.Geometry, self: Tensor | null, shape: readonly number[]): Tensor {
  const gx = noGrad(() => shaped(K.maxPoolBackK(gy, idx, g), shape));
  return record(
    'MaxPool2DWithIndicesBackwardBackward0',
    gx,
    [gy, self],
    () => [],
    (gg, _, n) => [n[0] ? maxPoolGather(gg, idx, g, gy._shape) : null, n[1] ? zerosOf(shape, gg) : null],
  );
}

/** The zero gradient of an argument with a zero derivative (PyTorch's zeros_like(self)). */
const zerosOf = (shape: readonly number[], like: Tensor): Tensor => K.full(shape, 0, like.dtype);

/** x read at the maxima's positions (the scatter's adjoint), differentiable in x. */
function maxPoolGather(x: Tensor, idx: Tensor, g: K.Geometry, shape: readonly number[]): Tensor {
  const y = noGrad(() => shaped(K.maxPoolGatherK(x, idx, g), shape));
  return record(
    'MaxPool2DWithIndicesBackward0',
    y,
    [x],
    () => [],
    (gy) => [maxPoolScatter(gy, idx, g, null, x._shape)],
  );
}

/** torch.nn.functional.max_pool2d(input, kernelSize, { stride, padding, dilation, ceilMode, returnIndices }). */
export function maxPool2d(input: Tensor, kernelSize: IntOrPair, opts: MaxPoolOptions & { readonly returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(input: Tensor, kernelSize: IntOrPair, opts?: MaxPoolOptions): Tensor;
export function maxPool2d(input: Tensor, kernelSize: IntOrPair, opts?: MaxPoolOptions): Tensor | [Tensor, Tensor] {
  V.tensor(input, 'maxPool2d', 'input', 1);
  V.options(MAX_OPTS, opts);
  const g = windows(input, 'max_pool2d', kernelSize, opts?.stride, opts?.padding, opts?.dilation, false, opts?.ceilMode ?? false);
  return maxPoolOf(input, g, opts?.returnIndices ?? false);
}

function maxPoolOf(input: Tensor, g: K.Geometry, withIndices: boolean): Tensor | [Tensor, Tensor] {
  const [y4, idx4] = K.maxPoolK(input, g);
  const shape = outShape(input, g);
  const y = shaped(y4, shape);
  const idx = shaped(idx4, shape);
  const out = record(
    'MaxPool2DWithIndicesBackward0',
    y,
    [input],
    () => [input, idx],
    (gy, [x, ix]) => [maxPoolScatter(gy, ix, g, x, x._shape)],
  );
  return withIndices ? [out, idx] : out;
}

// ---- avg_pool2d ------------------------------------------------------------------------------

function avgPoolOf(x: Tensor, g: K.Geometry, shape: readonly number[]): Tensor {
  const y = noGrad(() => shaped(K.avgPoolK(x, g), shape));
  return record(
    'AvgPool2DBackward0',
    y,
    [x],
    () => [],
    (gy) => [avgPoolBack(gy, g, x, x._shape)],
  );
}

/** avg_pool2d's gradient; `self` as in maxPoolScatter (avg_pool2d_backward takes the input too). */
function avgPoolBack(gy: Tensor, g: K.Geometry, self: Tensor | null, shape: readonly number[]): Tensor {
  const gx = noGrad(() => shaped(K.avgPoolBackK(gy, g), shape));
  return record(
    'AvgPool2DBackwardBackward0',
    gx,
    [gy, self],
    () => [],
    (gg, _, n) => [n[0] ? avgPoolOf(gg, g, gy._shape) : null, n[1] ? zerosOf(shape, gg) : null],
  );
}

/** divisor_override: null/undefined or a nonzero int (PyTorch's checks). */
function divisorOf(v: unknown, entry: string): number {
  if (v === undefined || v === null) return 0;
  if (!isInt(v)) throw new TypeError(`${entry}(): argument 'divisor_override' must be int, not ${V.typeName(v)}`);
  if (v === 0) throw new Error('divisor must be not zero');
  return v;
}

/** torch.nn.functional.avg_pool2d(input, kernelSize, { stride, padding, ceilMode, countIncludePad, divisorOverride }). */
export function avgPool2d(input: Tensor, kernelSize: IntOrPair, opts?: AvgPoolOptions): Tensor {
  V.tensor(input, 'avgPool2d', 'input', 1);
  V.options(AVG_OPTS, opts);
  const div = divisorOf(opts?.divisorOverride, 'avg_pool2d');
  const g = windows(
    input,
    'avg_pool2d',
    kernelSize,
    opts?.stride,
    opts?.padding,
    1,
    opts?.countIncludePad ?? true,
    opts?.ceilMode ?? false,
    div,
  );
  return avgPoolOf(input, g, outShape(input, g));
}

// ---- max_pool1d / avg_pool1d: PyTorch's unsqueeze(-2), the 2-D pool over [.., 1, L], squeeze(-2) ----

/** Keyword arguments of `max_pool1d` (as MaxPoolOptions, one spatial dimension). */
export interface MaxPool1dOptions {
  /** Stride of the window, one int or one per dimension. */
  readonly stride?: number | readonly number[] | null;
  /** Padding on both sides, one int or one per dimension. */
  readonly padding?: number | readonly number[];
  /** Spacing between window elements (PyTorch's `dilation`). */
  readonly dilation?: number | readonly number[];
  /** Round the output size up (PyTorch's `ceil_mode`). */
  readonly ceilMode?: boolean;
  /** Also return the argmax indices (PyTorch's `return_indices`). */
  readonly returnIndices?: boolean;
}
/** Keyword arguments of `avg_pool1d` (as AvgPoolOptions without `divisorOverride`). */
export interface AvgPool1dOptions {
  /** Stride of the window, one int or one per dimension. */
  readonly stride?: number | readonly number[] | null;
  /** Padding on both sides, one int or one per dimension. */
  readonly padding?: number | readonly number[];
  /** Round the output size up (PyTorch's `ceil_mode`). */
  readonly ceilMode?: boolean;
  /** Count the zero padding in the average's divisor (PyTorch's `count_include_pad`). */
  readonly countIncludePad?: boolean;
}
const MAX1_OPTS = V.optionSpec('maxPool1d', { stride: 'any', padding: 'any', dilation: 'any', ceilMode: 'bool', returnIndices: 'bool' });
const ADAPTIVE_MAX_OPTS = V.optionSpec('adaptiveMaxPool2d', { returnIndices: 'bool' });
const AVG1_OPTS = V.optionSpec('avgPool1d', { stride: 'any', padding: 'any', ceilMode: 'bool', countIncludePad: 'bool' });

/** PyTorch's check1d: an int or a list of one int (an empty stride list means the kernel size). */
function one(entry: string, name: string, v: unknown, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  if (isInt(v)) return v;
  if (Array.isArray(v) && v.every(isInt)) {
    if (v.length === 0 && name === 'stride') return dflt;
    if (v.length === 1) return v[0];
    throw new Error(`${entry}() argument '${name}' should contain one int (got ${v.length})`);
  }
  throw new TypeError(`${entry}(): argument '${name}' must be tuple of ints, not ${V.typeName(v)}`);
}

const batch1dMessage = (x: Tensor): string =>
  `max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but got:[${x._shape.join(', ')}]`;

/** max_pool1d's own checks and geometry, for its path without indices (no grad, no returnIndices). */
function maxPool1dPlain(x: Tensor, kernelSize: unknown, o: MaxPool1dOptions | undefined): K.Geometry {
  const s = x._shape;
  if ((x.ndim !== 2 && x.ndim !== 3) || s[x.ndim - 1] === 0 || s[x.ndim - 2] === 0) throw new Error(batch1dMessage(x));
  const size = (v: unknown): number => (Array.isArray(v) ? v.length : 1);
  const list = (v: unknown, name: string, what: string, dflt: number, noneOk = false): number => {
    if (v === undefined || (noneOk && v === null)) return dflt;
    if (Array.isArray(v) && v.length === 0 && noneOk) return dflt;
    if (!isInt(v) && !(Array.isArray(v) && v.every(isInt)))
      throw new TypeError(`max_pool1d(): argument '${name}' must be tuple of ints, not ${V.typeName(v)}`);
    if (size(v) !== 1) throw new Error(`max_pool1d() ${name} must be ${what} of size 1 but got size ${size(v)}`);
    return isInt(v) ? v : (v as number[])[0];
  };
  const k = list(kernelSize, 'kernel_size', 'an int, list of ints or tuple of ints', 0);
  const st = list(o?.stride, 'stride', 'None, an int, list of ints, or tuple of ints', k, true);
  const p = list(o?.padding, 'padding', 'an int, list of ints, or tuple of ints', 0);
  const d = list(o?.dilation, 'dilation', 'an int, list of ints or tuple of ints', 1);
  if (k <= 0) throw new Error(`max_pool1d() kernel_size must be greater than zero, but got ${k}`);
  if (st <= 0) throw new Error(`max_pool1d() stride must be greater than zero, but got ${st}`);
  if (p < 0) throw new Error(`max_pool1d() padding must be non-negative, but got ${p}`);
  if (p > idiv(k, 2))
    throw new Error(`max_pool1d() padding should be at most half of kernel size, but got padding=${p} and kernel_size=${k}`);
  if (d <= 0) throw new Error(`max_pool1d() dilation must be greater than zero, but got ${d}`);
  const L = s[x.ndim - 1];
  const ceil = o?.ceilMode ?? false;
  let ol = fdiv(L + 2 * p - d * (k - 1) - 1 + (ceil ? st - 1 : 0), st) + 1;
  if (ceil && (ol - 1) * st >= L + p) ol--;
  if (ol < 0) throw new Error(`max_pool1d() Invalid computed output size: ${ol}`);
  if (x.dtype !== 'float32' && x.dtype !== 'float64')
    throw new Error(`"max_pool1d_impl" not implemented for '${x.dtype === 'int64' ? 'Long' : 'Bool'}'`);
  const N = x.ndim === 3 ? s[0] : 1;
  const C = s[x.ndim - 2];
  return { N, C, H: 1, W: L, k: [1, k], s: [1, st], p: [0, p], d: [1, d], o: [1, ol], flag: false };
}

/** torch.nn.functional.max_pool1d(input, kernelSize, { stride, padding, dilation, ceilMode, returnIndices }). */
export function maxPool1d(
  input: Tensor,
  kernelSize: number | readonly number[],
  opts: MaxPool1dOptions & { readonly returnIndices: true },
): [Tensor, Tensor];
export function maxPool1d(input: Tensor, kernelSize: number | readonly number[], opts?: MaxPool1dOptions): Tensor;
export function maxPool1d(input: Tensor, kernelSize: number | readonly number[], opts?: MaxPool1dOptions): Tensor | [Tensor, Tensor] {
  V.tensor(input, 'maxPool1d', 'input', 1);
  V.options(MAX1_OPTS, opts);
  const withIndices = opts?.returnIndices ?? false;
  if (!withIndices && !(input.requiresGrad && isGradEnabled())) {
    // PyTorch's max_pool1d without indices: its own checks, an empty result where the window does not fit.
    const g = maxPool1dPlain(input, kernelSize, opts);
    const [y, idx] = K.maxPoolK(input, g);
    idx.dispose();
    return shaped(y, input.ndim === 3 ? [g.N, g.C, g.o[1]] : [g.C, g.o[1]]);
  }
  // max_pool1d_with_indices: check1d, then max_pool2d_with_indices over [.., 1, L].
  const k = one('max_pool1d', 'kernel_size', kernelSize, 0);
  const st = one('max_pool1d', 'stride', opts?.stride, k);
  const p = one('max_pool1d', 'padding', opts?.padding, 0);
  const d = one('max_pool1d', 'dilation', opts?.dilation, 1);
  const s = input._shape;
  if ((input.ndim !== 2 && input.ndim !== 3) || s[input.ndim - 1] === 0 || s[input.ndim - 2] === 0) throw new Error(batch1dMessage(input));
  const x4 = input.unsqueeze(-2);
  const g = windows(x4, 'max_pool2d', [1, k], [1, st], [0, p], [1, d], false, opts?.ceilMode ?? false);
  const r = maxPoolOf(x4, g, true) as [Tensor, Tensor];
  const y = r[0].squeeze(-2);
  const idx = r[1].squeeze(-2);
  return withIndices ? [y, idx] : y;
}

/** torch.nn.functional.avg_pool1d(input, kernelSize, { stride, padding, ceilMode, countIncludePad }). */
export function avgPool1d(input: Tensor, kernelSize: number | readonly number[], opts?: AvgPool1dOptions): Tensor {
  V.tensor(input, 'avgPool1d', 'input', 1);
  V.options(AVG1_OPTS, opts);
  if (input.ndim !== 2 && input.ndim !== 3) {
    throw new Error(
      `Expected 2 to 3 dimensions, but got ${input.ndim}-dimensional tensor for argument #1 'self' (while checking arguments for avg_pool1d)`,
    );
  }
  const k = one('avg_pool1d', 'kernel_size', kernelSize, 0);
  const st = one('avg_pool1d', 'stride', opts?.stride, k);
  const p = one('avg_pool1d', 'padding', opts?.padding, 0);
  const x4 = input.unsqueeze(-2);
  const g = windows(x4, 'avg_pool2d', [1, k], [1, st], [0, p], 1, opts?.countIncludePad ?? true, opts?.ceilMode ?? false);
  return avgPoolOf(x4, g, outShape(x4, g)).squeeze(-2);
}

// ---- adaptive_avg_pool2d ---------------------------------------------------------------------

function adaptiveOf(x: Tensor, g: K.Geometry, shape: readonly number[]): Tensor {
  const y = noGrad(() => shaped(K.adaptiveAvgK(x, g), shape));
  return record(
    'AdaptiveAvgPool2DBackward0',
    y,
    [x],
    () => [],
    (gy) => [adaptiveBack(gy, g, x, x._shape)],
  );
}

/** adaptive_avg_pool2d's gradient; `self` as in maxPoolScatter. */
function adaptiveBack(gy: Tensor, g: K.Geometry, self: Tensor | null, shape: readonly number[]): Tensor {
  const gx = noGrad(() => shaped(K.adaptiveAvgBackK(gy, g), shape));
  return record(
    'AdaptiveAvgPool2DBackwardBackward0',
    gx,
    [gy, self],
    () => [],
    (gg, _, n) => [n[0] ? adaptiveOf(gg, g, gy._shape) : null, n[1] ? zerosOf(shape, gg) : null],
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

// ---- adaptive_max_pool2d ---------------------------------------------------------------------

/** An output size of 1-2 entries, null standing for the input's size (PyTorch's _list_with_default). */
function adaptiveSize(outputSize: unknown, x: Tensor, entry: string): [number, number] {
  if (isInt(outputSize)) return [outputSize, outputSize];
  if (!Array.isArray(outputSize)) throw new TypeError(`object of type '${V.typeName(outputSize)}' has no len()`);
  if (x.ndim <= outputSize.length) throw new V.ValueError(`Input dimension should be at least ${outputSize.length + 1}`);
  const tail = x._shape.slice(x.ndim - outputSize.length);
  const full = outputSize.map((v, i) => (v === null || v === undefined ? tail[i] : v));
  if (!full.every(isInt)) throw new TypeError(`${entry}(): argument 'output_size' must be tuple of ints`);
  if (full.length !== 2) throw new Error(`${entry}(): internal error: output_size.size() must be 2`);
  return [full[0], full[1]];
}

/** torch.nn.functional.adaptive_max_pool2d(input, outputSize, { returnIndices }). */
export function adaptiveMaxPool2d(
  input: Tensor,
  outputSize: number | readonly (number | null)[],
  opts: { readonly returnIndices: true },
): [Tensor, Tensor];
export function adaptiveMaxPool2d(
  input: Tensor,
  outputSize: number | readonly (number | null)[],
  opts?: { readonly returnIndices?: boolean },
): Tensor;
export function adaptiveMaxPool2d(
  input: Tensor,
  outputSize: number | readonly (number | null)[],
  opts?: { readonly returnIndices?: boolean },
): Tensor | [Tensor, Tensor] {
  V.tensor(input, 'adaptiveMaxPool2d', 'input', 1);
  V.options(ADAPTIVE_MAX_OPTS, opts);
  const o = adaptiveSize(outputSize, input, 'adaptive_max_pool2d');
  if (input.ndim !== 3 && input.ndim !== 4)
    throw new Error(`adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: [${input._shape.join(', ')}]`);
  for (let i = 1; i < input.ndim; i++) {
    if (input._shape[i] === 0) {
      throw new Error(
        `adaptive_max_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes [${input._shape.join(', ')}] with dimension ${i} being empty`,
      );
    }
  }
  if (o[0] < 0 || o[1] < 0) {
    const s = [...input._shape.slice(0, input.ndim - 2), ...o];
    throw new Error(`Trying to create tensor with negative dimension ${o[0] < 0 ? o[0] : o[1]}: [${s.join(', ')}]`);
  }
  if (input.dtype !== 'float32' && input.dtype !== 'float64')
    throw new Error(`"adaptive_max_pool2d" not implemented for '${input.dtype === 'int64' ? 'Long' : 'Bool'}'`);
  const s = input._shape;
  const [N, C, H, W] = input.ndim === 4 ? [s[0], s[1], s[2], s[3]] : [1, s[0], s[1], s[2]];
  const g: K.Geometry = { N, C, H, W, k: [1, 1], s: [1, 1], p: [0, 0], d: [1, 1], o };
  const [y4, idx4] = K.adaptiveMaxK(input, g);
  const shape = outShape(input, g);
  const y = shaped(y4, shape);
  const idx = shaped(idx4, shape);
  const out = record(
    'AdaptiveMaxPool2DBackward0',
    y,
    [input],
    () => [input, idx],
    (gy, [x, ix]) => [adaptiveMaxScatter(gy, ix, g, x, x._shape)],
  );
  return opts?.returnIndices ? [out, idx] : out;
}

/** gy scattered to the maxima (adaptive_max_pool2d's gradient), differentiable in gy. */
function adaptiveMaxScatter(gy: Tensor, idx: Tensor, g: K.Geometry, self: Tensor | null, shape: readonly number[]): Tensor {
  const gx = noGrad(() => shaped(K.maxPoolBackK(gy, idx, g), shape));
  return record(
    'AdaptiveMaxPool2DBackwardBackward0',
    gx,
    [gy, self],
    () => [],
    (gg, _, n) => [n[0] ? maxPoolGather(gg, idx, g, gy._shape) : null, n[1] ? zerosOf(shape, gg) : null],
  );
}

// ---- max_unpool2d ---------------------------------------------------------------------------

/** Keyword arguments of `max_unpool2d`: PyTorch's `stride`, `padding`, `output_size` (camelCase). */
export interface MaxUnpoolOptions {
  /** Stride of the window, one int or one per dimension. */
  readonly stride?: IntOrPair | null;
  /** Padding on both sides, one int or one per dimension. */
  readonly padding?: IntOrPair;
  /** The output's [H, W] (or the input's full shape); default (in - 1) * stride - 2 * padding + kernel. */
  readonly outputSize?: readonly number[] | null;
}
const UNPOOL_OPTS = V.optionSpec('maxUnpool2d', { stride: 'any', padding: 'any', outputSize: 'any' });

/** torch.nn.functional.max_unpool2d(input, indices, kernelSize, { stride, padding, outputSize }). */
export function maxUnpool2d(input: Tensor, indices: Tensor, kernelSize: IntOrPair, opts?: MaxUnpoolOptions): Tensor {
  V.tensor(input, 'maxUnpool2d', 'input', 1);
  V.tensor(indices, 'maxUnpool2d', 'indices', 2);
  V.options(UNPOOL_OPTS, opts);
  const k = need(pair(kernelSize), 'max_unpool2d: kernel_size must either be a single int, or a tuple of two ints');
  const noStride = opts?.stride === undefined || opts?.stride === null;
  const s = noStride ? k : need(pair(opts?.stride), 'max_unpool2d: stride must either be a single int, or a tuple of two ints');
  const p = need(pair(opts?.padding ?? 0), 'max_unpool2d: padding must either be a single int, or a tuple of two ints');
  // PyTorch's _unpool_output_size.
  const sp = input._shape.slice(input.ndim - 2);
  const dflt = sp.map((n, i) => (n - 1) * s[i] - 2 * p[i] + k[i]);
  let o: [number, number] = [dflt[0], dflt[1]];
  const given = opts?.outputSize ?? null;
  if (given !== null) {
    const os = given.length === 4 || (given.length === 3 && input.ndim === 3) ? given.slice(given.length - 2) : given;
    if (os.length !== 2) {
      throw new V.ValueError(`output_size should be a sequence containing 2 or 4 elements, but it has a length of '${given.length}'`);
    }
    for (let d = 0; d < 2; d++) {
      const lo = dflt[d] - s[d];
      const hi = dflt[d] + s[d];
      if (!(lo < os[d] && os[d] < hi)) {
        throw new V.ValueError(`invalid output_size "(${os.join(', ')})" (dim ${d} must be between ${lo} and ${hi})`);
      }
    }
    o = [os[0], os[1]];
  }
  if (indices.dtype !== 'int64') {
    throw new Error(`elements in indices should be type int64 but got: ${V.scalarName(indices.dtype)}`);
  }
  if (input.ndim !== 3 && input.ndim !== 4) {
    throw new Error(`Input to max_unpooling2d should be a 3d or 4d Tensor, but got a tensor with ${input.ndim} dimensions.`);
  }
  if (input._shape.join() !== indices._shape.join()) {
    throw new Error(
      `Expected shape of indices to be same as that of the input tensor ([${input._shape.join(', ')}]) but got indices tensor with shape: [${indices._shape.join(', ')}]`,
    );
  }
  if (input.dtype !== 'float32' && input.dtype !== 'float64')
    throw new Error(`"max_unpooling2d_forward_out" not implemented for '${input.dtype === 'int64' ? 'Long' : 'Bool'}'`);
  const sh = input._shape;
  const [N, C, H, W] = input.ndim === 4 ? [sh[0], sh[1], sh[2], sh[3]] : [1, sh[0], sh[1], sh[2]];
  const g: K.Geometry = { N, C, H, W, k: [1, 1], s: [1, 1], p: [0, 0], d: [1, 1], o };
  const [y4, bad] = K.maxUnpoolK(input, indices, g);
  if (y4 === null) {
    const v = noGrad(() => indices.reshape([-1]).select(0, bad).item());
    throw new Error(`Found an invalid max index: ${v} (output volumes are of size ${o[0]}x${o[1]}`);
  }
  const y = shaped(y4, outShape(input, g));
  // The gradient reads gy at the indices: max_pool2d's gather over planes [oH, oW] giving [H, W].
  const back: K.Geometry = { N, C, H: o[0], W: o[1], k: [1, 1], s: [1, 1], p: [0, 0], d: [1, 1], o: [H, W] };
  return record(
    'MaxUnpool2DBackward0',
    y,
    [input],
    () => [indices],
    (gy, [ix]) => [maxPoolGather(gy, ix, back, input._shape)],
  );
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
    golden: { args: [['T', 'IL']], kwargs: ['stride', 'padding', 'dilation', 'ceil_mode', 'return_indices'], via: 'functional' },
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [2, 2, 5, 6] }, 2] },
        { args: [{ shape: [1, 2, 6, 7] }, [3, 2], { options: { stride: [2, 1], padding: 1 } }], note: 'strided, padded' },
        { args: [{ shape: [2, 5, 5] }, 2, { options: { stride: 1, dilation: 2 } }], note: 'unbatched, dilated' },
        { args: [{ shape: [1, 2, 6, 7] }, 3, { options: { stride: 2, padding: 1, ceilMode: true } }], note: 'ceil mode' },
        {
          args: [{ shape: [1, 2, 5, 6] }, [2, 3], { options: { stride: [2, 2], ceilMode: true, dilation: [2, 1] } }],
          note: 'ceil mode, dilated',
        },
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
    golden: { args: [['T', 'IL']], kwargs: ['stride', 'padding', 'ceil_mode', 'count_include_pad', 'divisor_override'], via: 'functional' },
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [2, 2, 5, 6] }, 2] },
        { args: [{ shape: [1, 2, 6, 7] }, 3, { options: { stride: 2, padding: 1 } }], note: 'padding counted' },
        {
          args: [{ shape: [2, 6, 5] }, [3, 2], { options: { stride: [2, 1], padding: 1, countIncludePad: false } }],
          note: 'unbatched, padding not counted',
        },
        { args: [{ shape: [1, 2, 6, 7] }, 3, { options: { stride: 2, padding: 1, ceilMode: true } }], note: 'ceil mode, padding counted' },
        {
          args: [{ shape: [1, 2, 6, 7] }, 3, { options: { stride: 2, padding: 1, ceilMode: true, countIncludePad: false } }],
          note: 'ceil mode, padding not counted',
        },
        { args: [{ shape: [2, 2, 5, 6] }, 2, { options: { ceilMode: true, divisorOverride: 3 } }], note: 'divisor override' },
      ],
    },
  }),
  maxPool1d: defineOp({
    ...POOL,
    name: 'maxPool1d',
    py: 'max_pool1d',
    fn: maxPool1d,
    doc: 'Max over 1-D windows of [N, C, L] or [C, L]: max_pool2d over [.., 1, L] between unsqueeze and squeeze, as PyTorch.',
    nodes: ['SqueezeBackward1', 'MaxPool2DWithIndicesBackward0', 'UnsqueezeBackward0'],
    kernels: ['max_pool2d', 'max_pool2d_back', 'max_pool2d_gather'],
    saves: 'as max_pool2d',
    functional: { maxPool1d: true },
    golden: { args: [['T', 'IL']], kwargs: ['stride', 'padding', 'dilation', 'ceil_mode', 'return_indices'], via: 'functional' },
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [2, 3, 7] }, 2] },
        { args: [{ shape: [3, 8] }, 3, { options: { stride: 2, padding: 1, dilation: 2, ceilMode: true } }], note: 'unbatched, ceil mode' },
      ],
    },
  }),
  avgPool1d: defineOp({
    ...POOL,
    name: 'avgPool1d',
    py: 'avg_pool1d',
    fn: avgPool1d,
    doc: 'Mean over 1-D windows of [N, C, L] or [C, L]: avg_pool2d over [.., 1, L] between unsqueeze and squeeze, as PyTorch.',
    nodes: ['SqueezeBackward1', 'AvgPool2DBackward0', 'UnsqueezeBackward0'],
    kernels: ['avg_pool2d', 'avg_pool2d_back'],
    saves: 'nothing (the geometry)',
    functional: { avgPool1d: true },
    golden: { args: [['T', 'IL']], kwargs: ['stride', 'padding', 'ceil_mode', 'count_include_pad'], via: 'functional' },
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [2, 3, 7] }, 2] },
        {
          args: [{ shape: [3, 8] }, 3, { options: { stride: 2, padding: 1, ceilMode: true, countIncludePad: false } }],
          note: 'unbatched, ceil mode',
        },
      ],
    },
  }),
  adaptiveMaxPool2d: defineOp({
    ...POOL,
    name: 'adaptiveMaxPool2d',
    py: 'adaptive_max_pool2d',
    fn: adaptiveMaxPool2d,
    doc: 'Max over the windows that split H and W into outputSize parts (null: keep that size); returnIndices gives the int64 indices too.',
    nodes: ['AdaptiveMaxPool2DBackward0'],
    kernels: ['adaptive_max_pool2d', 'max_pool2d_back', 'max_pool2d_gather'],
    saves: 'input and the indices of the maxima',
    functional: { adaptiveMaxPool2d: true },
    golden: { args: [['T', 'IL']], kwargs: ['return_indices'], via: 'functional' },
    test: {
      grad: 'twice',
      samples: [{ args: [{ shape: [2, 2, 5, 7] }, [2, 3]] }, { args: [{ shape: [2, 6, 6] }, 4], note: 'unbatched, overlapping windows' }],
    },
  }),
  maxUnpool2d: defineOp({
    ...POOL,
    name: 'maxUnpool2d',
    py: 'max_unpool2d',
    fn: maxUnpool2d,
    doc: "max_pool2d's partial inverse: the values placed at their indices in zeros of the unpooled size.",
    nodes: ['MaxUnpool2DBackward0', 'MaxPool2DWithIndicesBackward0'],
    kernels: ['max_unpool2d', 'max_pool2d_gather', 'max_pool2d_back'],
    saves: 'the indices',
    functional: { maxUnpool2d: true },
    golden: { args: [['T', 'T', 'IL']], kwargs: ['stride', 'padding', 'output_size'], via: 'functional' },
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [1, 2, 2, 3] }, { ints: [0, 3, 5, 13, 9, 15, 4, 1, 10, 12, 17, 23], shape: [1, 2, 2, 3] }, 2] },
        {
          args: [
            { shape: [2, 2, 2] },
            { ints: [0, 6, 14, 20, 2, 7, 24, 18], shape: [2, 2, 2] },
            3,
            { options: { stride: 2, outputSize: [5, 5] } },
          ],
          note: 'unbatched, output size given',
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
