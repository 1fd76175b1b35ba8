// Convolution and pooling modules: Conv1d, Conv2d, ConvTranspose2d, MaxPool2d, AvgPool2d and
// AdaptiveAvgPool2d. Each calls its nn.functional op; the repr is PyTorch 1.13's extra_repr.
import type { Tensor } from '../tensor.js';
import { OPS } from '../ops/index.js';
import * as V from '../validate.js';
import { AutogradError } from '../autograd.js';
import { Module, asParameter, type Parameter } from './module.js';
import { initArgs } from './args.js';
import { pyBool, pyTuple } from './repr.js';
import { resetKaimingUniform } from './layers.js';

/** One int for every dimension, or one per dimension. @inline */
type IntOrList = number | readonly number[];
/** A floating dtype (parameters are float32 or float64). @inline */
type FloatDType = 'float32' | 'float64';

/** An int or a list as n ints (PyTorch's _single / _pair). */
function ntuple(v: unknown, n: number, name: string): number[] {
  if (typeof v === 'number' && Number.isInteger(v)) return new Array<number>(n).fill(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isInteger(x))) {
    if (v.length === n) return (v as number[]).slice();
    if (v.length === 1) return new Array<number>(n).fill(v[0] as number);
  }
  throw new TypeError(`${name} must be an int or a tuple of ${n} ints`);
}

const CONV_KINDS = {
  inChannels: 'int',
  outChannels: 'int',
  kernelSize: 'any',
  stride: 'any',
  padding: 'any',
  dilation: 'any',
  groups: 'int',
  bias: 'bool',
  paddingMode: 'any',
  dtype: 'dtype',
} as const;
const CONVT_KINDS = {
  inChannels: 'int',
  outChannels: 'int',
  kernelSize: 'any',
  stride: 'any',
  padding: 'any',
  outputPadding: 'any',
  groups: 'int',
  bias: 'bool',
  dilation: 'any',
  paddingMode: 'any',
  dtype: 'dtype',
} as const;

/** Keyword arguments of Conv1d / Conv2d: PyTorch's `stride`, `padding`, `dilation`, `groups`, `bias`, `padding_mode`, `dtype` (camelCase). */
export interface ConvModuleOptions {
  /** Stride of the convolution, one int or one per dimension (default 1). */
  stride?: IntOrList;
  /** Implicit padding on both sides, one int or one per dimension, or `'same'` / `'valid'` (default 0). */
  padding?: IntOrList | 'same' | 'valid';
  /** Spacing between window elements (PyTorch's `dilation`). */
  dilation?: IntOrList;
  /** Blocked connections from input to output channels (PyTorch's `groups`). */
  groups?: number;
  /** Whether to learn an additive bias (PyTorch's `bias`, default true). */
  bias?: boolean;
  /** `'zeros'`, `'reflect'`, `'replicate'` or `'circular'` (PyTorch's `padding_mode`). */
  paddingMode?: 'zeros' | 'reflect' | 'replicate' | 'circular';
  /** dtype of the parameters (`'float32'` by default, or `'float64'`). */
  dtype?: FloatDType;
}
/** Keyword arguments of ConvTranspose2d: PyTorch's `stride`, `padding`, `output_padding`, `groups`, `bias`, `dilation`, `dtype` (camelCase). */
export interface ConvTransposeModuleOptions {
  /** Stride of the convolution, one int or one per dimension (default 1). */
  stride?: IntOrList;
  /** `dilation * (kernel_size - 1) - padding` zero padding on both sides of the input (PyTorch's `padding`). */
  padding?: IntOrList;
  /** Extra size added to one side of the output (PyTorch's `output_padding`). */
  outputPadding?: IntOrList;
  /** Blocked connections from input to output channels (PyTorch's `groups`). */
  groups?: number;
  /** Whether to learn an additive bias (PyTorch's `bias`, default true). */
  bias?: boolean;
  /** Spacing between window elements (PyTorch's `dilation`). */
  dilation?: IntOrList;
  /** `'zeros'`, `'reflect'`, `'replicate'` or `'circular'` (PyTorch's `padding_mode`). */
  paddingMode?: 'zeros';
  /** dtype of the parameters (`'float32'` by default, or `'float64'`). */
  dtype?: FloatDType;
}

/** The common part of Conv1d, Conv2d and ConvTranspose2d (PyTorch's _ConvNd). */
abstract class ConvNd extends Module {
  /** Channels of the input (PyTorch's `in_channels`). */
  readonly inChannels: number;
  /** Channels of the output (PyTorch's `out_channels`). */
  readonly outChannels: number;
  /** The kernel's spatial size, one int per dim (PyTorch's `kernel_size`). */
  readonly kernelSize: number[];
  /** The stride, one int per dim. */
  readonly stride: number[];
  /** The padding, one int per dim, or `'same'` / `'valid'`. */
  readonly padding: number[] | 'same' | 'valid';
  /** The spacing between kernel elements, one int per dim. */
  readonly dilation: number[];
  /** Extra size added to one side of a transposed convolution's output (PyTorch's `output_padding`). */
  readonly outputPadding: number[];
  /** Whether this is a transposed convolution (ConvTranspose2d). */
  readonly transposed: boolean;
  /** Blocked connections from input channels to output channels (PyTorch's `groups`). */
  readonly groups: number;
  /** How the input is padded (PyTorch's `padding_mode`). */
  readonly paddingMode: 'zeros' | 'reflect' | 'replicate' | 'circular';
  /** The kernel weights, [outChannels, inChannels / groups, ...kernelSize] ([inChannels, outChannels / groups, ...] when transposed). */
  declare weight: Parameter;
  /** The bias, [outChannels], or null when made with `bias: false`. */
  declare bias: Parameter | null;
  constructor(name: string, n: number, transposed: boolean, a: Record<string, unknown>) {
    super();
    const inC = a.inChannels as number;
    const outC = a.outChannels as number;
    V.int(inC, `${name}.__init__`, 'in_channels', 1);
    V.int(outC, `${name}.__init__`, 'out_channels', 2);
    const groups = (a.groups as number | undefined) ?? 1;
    if (groups <= 0) throw new Error('groups must be a positive integer');
    if (inC % groups !== 0) throw new Error('in_channels must be divisible by groups');
    if (outC % groups !== 0) throw new Error('out_channels must be divisible by groups');
    const paddingMode = (a.paddingMode as string | undefined) ?? 'zeros';
    if (!['zeros', 'reflect', 'replicate', 'circular'].includes(paddingMode)) {
      throw new V.ValueError(
        `padding_mode must be one of {'zeros', 'replicate', 'reflect', 'circular'}, but got padding_mode='${paddingMode}'`,
      );
    }
    if (transposed && paddingMode !== 'zeros') throw new V.ValueError(`Only "zeros" padding mode is supported for ${name}`);
    this.inChannels = inC;
    this.outChannels = outC;
    this.kernelSize = ntuple(a.kernelSize, n, 'kernel_size');
    this.stride = ntuple(a.stride ?? 1, n, 'stride');
    const p = a.padding ?? 0;
    if (typeof p === 'string') {
      if (p !== 'same' && p !== 'valid') throw new Error(`Invalid padding string '${p}', should be one of {'valid', 'same'}`);
      if (p === 'same' && this.stride.some((s) => s !== 1)) throw new Error("padding='same' is not supported for strided convolutions");
      this.padding = p;
    } else this.padding = ntuple(p, n, 'padding');
    this.dilation = ntuple(a.dilation ?? 1, n, 'dilation');
    this.outputPadding = ntuple(a.outputPadding ?? 0, n, 'output_padding');
    this.transposed = transposed;
    this.groups = groups;
    this.paddingMode = paddingMode as ConvNd['paddingMode'];
    const dtype = (a.dtype as FloatDType | undefined) ?? 'float32';
    const wShape = transposed ? [inC, outC / groups, ...this.kernelSize] : [outC, inC / groups, ...this.kernelSize];
    V.size(wShape, `${name}.__init__`, 'size');
    if (dtype !== 'float32' && dtype !== 'float64')
      throw new AutogradError('Only Tensors of floating point and complex dtype can require gradients');
    this.weight = asParameter(OPS.empty.fn(wShape, { dtype }));
    if (a.bias === false) this.registerParameter('bias', null);
    else this.bias = asParameter(OPS.empty.fn([outC], { dtype }));
    this.resetParameters();
  }
  /** PyTorch's reset_parameters: kaiming_uniform_(weight, a=sqrt(5)), bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
  resetParameters(): void {
    resetKaimingUniform(this.weight, this.bias);
  }
  override extraRepr(): string {
    const n = this.kernelSize.length;
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`;
    else if (this.padding.some((v) => v !== 0)) s += `, padding=${pyTuple(this.padding)}`;
    if (this.dilation.some((v) => v !== 1)) s += `, dilation=${pyTuple(this.dilation)}`;
    if (this.outputPadding.length === n && this.outputPadding.some((v) => v !== 0)) s += `, output_padding=${pyTuple(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=False';
    if (this.paddingMode !== 'zeros') s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
  protected convOptions(): { stride: number[]; padding: number[] | 'same' | 'valid'; dilation: number[]; groups: number } {
    const padding = this.paddingMode === 'zeros' ? this.padding : this.kernelSize.map(() => 0);
    return { stride: this.stride, padding, dilation: this.dilation, groups: this.groups };
  }
  /** PyTorch's _reversed_padding_repeated_twice: F.pad's list for the padding ('same': left k//2 of d*(k-1)). */
  protected padList(): number[] {
    const n = this.kernelSize.length;
    const out: number[] = [];
    for (let i = n - 1; i >= 0; i--) {
      if (this.padding === 'valid') out.push(0, 0);
      else if (this.padding === 'same') {
        const total = this.dilation[i] * (this.kernelSize[i] - 1);
        const left = (total - (total % 2)) / 2;
        out.push(left, total - left);
      } else out.push(this.padding[i], this.padding[i]);
    }
    return out;
  }
  /** The input as the convolution reads it: padded by F.pad in paddingMode unless 'zeros'. */
  protected padded(x: Tensor): Tensor {
    if (this.paddingMode === 'zeros') return x;
    return OPS.pad.fn(x, this.padList(), { mode: this.paddingMode as 'reflect' | 'replicate' | 'circular' });
  }
}

/** 1-D convolution over [N, C, L] (or [C, L]), initialised like PyTorch. */
export class Conv1d extends ConvNd {
  constructor(
    inChannels: number | ({ inChannels: number; outChannels: number; kernelSize: IntOrList } & ConvModuleOptions),
    outChannels?: number,
    kernelSize?: IntOrList,
    opts?: ConvModuleOptions,
  ) {
    super('Conv1d', 1, false, initArgs('Conv1d', CONV_KINDS, [inChannels, outChannels, kernelSize, opts]));
  }
  override forward(x: Tensor): Tensor {
    return OPS.conv1d.fn(this.padded(x), this.weight, this.bias, this.convOptions());
  }
}

/** 2-D convolution over [N, C, H, W] (or [C, H, W]), initialised like PyTorch. */
export class Conv2d extends ConvNd {
  constructor(
    inChannels: number | ({ inChannels: number; outChannels: number; kernelSize: IntOrList } & ConvModuleOptions),
    outChannels?: number,
    kernelSize?: IntOrList,
    opts?: ConvModuleOptions,
  ) {
    super('Conv2d', 2, false, initArgs('Conv2d', CONV_KINDS, [inChannels, outChannels, kernelSize, opts]));
  }
  override forward(x: Tensor): Tensor {
    return OPS.conv2d.fn(this.padded(x), this.weight, this.bias, this.convOptions());
  }
}

/** 2-D transposed convolution, initialised like PyTorch (fan-in from weight.size(1) * kernel). */
export class ConvTranspose2d extends ConvNd {
  constructor(
    inChannels: number | ({ inChannels: number; outChannels: number; kernelSize: IntOrList } & ConvTransposeModuleOptions),
    outChannels?: number,
    kernelSize?: IntOrList,
    opts?: ConvTransposeModuleOptions,
  ) {
    const a = initArgs('ConvTranspose2d', CONVT_KINDS, [inChannels, outChannels, kernelSize, opts]);
    if (typeof a.padding === 'string') throw new TypeError("ConvTranspose2d.__init__(): argument 'padding' must be tuple of ints, not str");
    super('ConvTranspose2d', 2, true, a);
  }
  override forward(x: Tensor): Tensor {
    return OPS.convTranspose2d.fn(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding as number[],
      outputPadding: this.outputPadding,
      groups: this.groups,
      dilation: this.dilation,
    });
  }
}

/** An int prints as itself, a list as a Python tuple (the module keeps what it was given). */
const pyIntOrTuple = (v: IntOrList): string => (typeof v === 'number' ? String(v) : pyTuple(v));

/** Keyword arguments of MaxPool1d / MaxPool2d: PyTorch's `stride`, `padding`, `dilation`, `return_indices`, `ceil_mode` (camelCase). */
export interface MaxPoolModuleOptions {
  /** Stride of the window, one int or one per dimension (default: kernelSize). */
  stride?: IntOrList | null;
  /** Padding on both sides, one int or one per dimension. */
  padding?: IntOrList;
  /** Spacing between window elements (PyTorch's `dilation`). */
  dilation?: IntOrList;
  /** Also return the argmax indices (PyTorch's `return_indices`). */
  returnIndices?: boolean;
  /** Round the output size up (PyTorch's `ceil_mode`). */
  ceilMode?: boolean;
}

/** Max over kernelSize windows of [N, C, H, W] (or [C, H, W]); stride defaults to kernelSize. */
export class MaxPool2d extends Module {
  /** The window size (PyTorch's `kernel_size`). */
  readonly kernelSize: IntOrList;
  /** The window's stride (default: kernelSize). */
  readonly stride: IntOrList;
  /** Implicit negative-infinity padding on both sides. */
  readonly padding: IntOrList;
  /** The spacing between window elements. */
  readonly dilation: IntOrList;
  /** Whether forward also returns the argmax indices (for MaxUnpool; PyTorch's `return_indices`). */
  readonly returnIndices: boolean;
  /** Whether the output size rounds up (PyTorch's `ceil_mode`). */
  readonly ceilMode: boolean;
  constructor(kernelSize: IntOrList | ({ kernelSize: IntOrList } & MaxPoolModuleOptions), opts?: MaxPoolModuleOptions) {
    super();
    const a = initArgs(
      'MaxPool2d',
      { kernelSize: 'any', stride: 'any', padding: 'any', dilation: 'any', returnIndices: 'bool', ceilMode: 'bool' },
      [kernelSize, opts],
    );
    this.kernelSize = a.kernelSize as IntOrList;
    this.stride = (a.stride as IntOrList | null | undefined) ?? this.kernelSize;
    this.padding = (a.padding as IntOrList | undefined) ?? 0;
    this.dilation = (a.dilation as IntOrList | undefined) ?? 1;
    this.returnIndices = (a.returnIndices as boolean | undefined) ?? false;
    this.ceilMode = (a.ceilMode as boolean | undefined) ?? false;
  }
  /** With returnIndices, [values, indices] (PyTorch's tuple; Module's forward is typed by its usual Tensor). */
  override forward(x: Tensor): Tensor {
    const r: Tensor | [Tensor, Tensor] = OPS.maxPool2d.fn(x, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      ceilMode: this.ceilMode,
      returnIndices: this.returnIndices,
    });
    return r as Tensor;
  }
  override extraRepr(): string {
    return `kernel_size=${pyIntOrTuple(this.kernelSize)}, stride=${pyIntOrTuple(this.stride)}, padding=${pyIntOrTuple(this.padding)}, dilation=${pyIntOrTuple(this.dilation)}, ceil_mode=${pyBool(this.ceilMode)}`;
  }
}

/** Max over kernelSize windows of [N, C, L] (or [C, L]); stride defaults to kernelSize. */
export class MaxPool1d extends Module {
  /** The window size (PyTorch's `kernel_size`). */
  readonly kernelSize: IntOrList;
  /** The window's stride (default: kernelSize). */
  readonly stride: IntOrList;
  /** Implicit negative-infinity padding on both sides. */
  readonly padding: IntOrList;
  /** The spacing between window elements. */
  readonly dilation: IntOrList;
  /** Whether forward also returns the argmax indices (for MaxUnpool; PyTorch's `return_indices`). */
  readonly returnIndices: boolean;
  /** Whether the output size rounds up (PyTorch's `ceil_mode`). */
  readonly ceilMode: boolean;
  constructor(kernelSize: IntOrList | ({ kernelSize: IntOrList } & MaxPoolModuleOptions), opts?: MaxPoolModuleOptions) {
    super();
    const a = initArgs(
      'MaxPool1d',
      { kernelSize: 'any', stride: 'any', padding: 'any', dilation: 'any', returnIndices: 'bool', ceilMode: 'bool' },
      [kernelSize, opts],
    );
    this.kernelSize = a.kernelSize as IntOrList;
    this.stride = (a.stride as IntOrList | null | undefined) ?? this.kernelSize;
    this.padding = (a.padding as IntOrList | undefined) ?? 0;
    this.dilation = (a.dilation as IntOrList | undefined) ?? 1;
    this.returnIndices = (a.returnIndices as boolean | undefined) ?? false;
    this.ceilMode = (a.ceilMode as boolean | undefined) ?? false;
  }
  /** With returnIndices, [values, indices] (PyTorch's tuple; Module's forward is typed by its usual Tensor). */
  override forward(x: Tensor): Tensor {
    const r: Tensor | [Tensor, Tensor] = OPS.maxPool1d.fn(x, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      ceilMode: this.ceilMode,
      returnIndices: this.returnIndices,
    });
    return r as Tensor;
  }
  override extraRepr(): string {
    return `kernel_size=${pyIntOrTuple(this.kernelSize)}, stride=${pyIntOrTuple(this.stride)}, padding=${pyIntOrTuple(this.padding)}, dilation=${pyIntOrTuple(this.dilation)}, ceil_mode=${pyBool(this.ceilMode)}`;
  }
}

/** Keyword arguments of AvgPool2d: PyTorch's `stride`, `padding`, `ceil_mode`, `count_include_pad`, `divisor_override` (camelCase). */
export interface AvgPoolModuleOptions {
  /** Stride of the window, one int or one per dimension (default: kernelSize). */
  stride?: IntOrList | null;
  /** Padding on both sides, one int or one per dimension. */
  padding?: IntOrList;
  /** Round the output size up (PyTorch's `ceil_mode`). */
  ceilMode?: boolean;
  /** Count the zero padding in the average's divisor (PyTorch's `count_include_pad`). */
  countIncludePad?: boolean;
  /** Divide by this instead of the window size (PyTorch's `divisor_override`). */
  divisorOverride?: number | null;
}

/** Mean over kernelSize windows of [N, C, H, W] (or [C, H, W]); stride defaults to kernelSize. */
export class AvgPool2d extends Module {
  /** The window size (PyTorch's `kernel_size`). */
  readonly kernelSize: IntOrList;
  /** The window's stride (default: kernelSize). */
  readonly stride: IntOrList;
  /** Implicit zero padding on both sides. */
  readonly padding: IntOrList;
  /** Whether the output size rounds up (PyTorch's `ceil_mode`). */
  readonly ceilMode: boolean;
  /** Whether the zero padding counts in the average's divisor (PyTorch's `count_include_pad`). */
  readonly countIncludePad: boolean;
  /** A divisor used instead of the window size (PyTorch's `divisor_override`), or null. */
  readonly divisorOverride: number | null;
  constructor(kernelSize: IntOrList | ({ kernelSize: IntOrList } & AvgPoolModuleOptions), opts?: AvgPoolModuleOptions) {
    super();
    const a = initArgs(
      'AvgPool2d',
      { kernelSize: 'any', stride: 'any', padding: 'any', ceilMode: 'bool', countIncludePad: 'bool', divisorOverride: 'any' },
      [kernelSize, opts],
    );
    this.kernelSize = a.kernelSize as IntOrList;
    this.stride = (a.stride as IntOrList | null | undefined) ?? this.kernelSize;
    this.padding = (a.padding as IntOrList | undefined) ?? 0;
    this.ceilMode = (a.ceilMode as boolean | undefined) ?? false;
    this.countIncludePad = (a.countIncludePad as boolean | undefined) ?? true;
    this.divisorOverride = (a.divisorOverride as number | null | undefined) ?? null;
  }
  override forward(x: Tensor): Tensor {
    return OPS.avgPool2d.fn(x, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
      divisorOverride: this.divisorOverride,
    });
  }
  override extraRepr(): string {
    return `kernel_size=${pyIntOrTuple(this.kernelSize)}, stride=${pyIntOrTuple(this.stride)}, padding=${pyIntOrTuple(this.padding)}`;
  }
}

/** Keyword arguments of AvgPool1d (AvgPool2d's without `divisorOverride`, as PyTorch). */
export type AvgPool1dModuleOptions = Omit<AvgPoolModuleOptions, 'divisorOverride'>;

/** PyTorch's _single: an int as a 1-tuple, a list as a tuple of its own. */
const single = (v: IntOrList): string => (typeof v === 'number' ? `(${v},)` : pyTuple(v));

/** Mean over kernelSize windows of [N, C, L] (or [C, L]); stride defaults to kernelSize. */
export class AvgPool1d extends Module {
  /** The window size (PyTorch's `kernel_size`). */
  readonly kernelSize: IntOrList;
  /** The window's stride (default: kernelSize). */
  readonly stride: IntOrList;
  /** Implicit zero padding on both sides. */
  readonly padding: IntOrList;
  /** Whether the output size rounds up (PyTorch's `ceil_mode`). */
  readonly ceilMode: boolean;
  /** Whether the zero padding counts in the average's divisor (PyTorch's `count_include_pad`). */
  readonly countIncludePad: boolean;
  constructor(kernelSize: IntOrList | ({ kernelSize: IntOrList } & AvgPool1dModuleOptions), opts?: AvgPool1dModuleOptions) {
    super();
    const a = initArgs('AvgPool1d', { kernelSize: 'any', stride: 'any', padding: 'any', ceilMode: 'bool', countIncludePad: 'bool' }, [
      kernelSize,
      opts,
    ]);
    this.kernelSize = a.kernelSize as IntOrList;
    this.stride = (a.stride as IntOrList | null | undefined) ?? this.kernelSize;
    this.padding = (a.padding as IntOrList | undefined) ?? 0;
    this.ceilMode = (a.ceilMode as boolean | undefined) ?? false;
    this.countIncludePad = (a.countIncludePad as boolean | undefined) ?? true;
  }
  override forward(x: Tensor): Tensor {
    return OPS.avgPool1d.fn(x, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
    });
  }
  override extraRepr(): string {
    return `kernel_size=${single(this.kernelSize)}, stride=${single(this.stride)}, padding=${single(this.padding)}`;
  }
}

/** Mean over adaptive windows giving an outputSize [H, W] (an int means square). */
export class AdaptiveAvgPool2d extends Module {
  /** The output's spatial size (PyTorch's `output_size`). */
  readonly outputSize: IntOrList;
  constructor(outputSize: IntOrList | { outputSize: IntOrList }) {
    super();
    const a = initArgs('AdaptiveAvgPool2d', { outputSize: 'any' }, [outputSize]);
    this.outputSize = a.outputSize as IntOrList;
  }
  override forward(x: Tensor): Tensor {
    return OPS.adaptiveAvgPool2d.fn(x, this.outputSize);
  }
  override extraRepr(): string {
    return `output_size=${pyIntOrTuple(this.outputSize)}`;
  }
}

/** Max over adaptive windows giving an outputSize [H, W] (an int means square, null keeps that size). */
export class AdaptiveMaxPool2d extends Module {
  /** The output's spatial size; null keeps the input's size in that dim (PyTorch's `output_size`). */
  readonly outputSize: number | (number | null)[];
  /** Whether forward also returns the argmax indices (PyTorch's `return_indices`). */
  readonly returnIndices: boolean;
  constructor(
    outputSize: number | (number | null)[] | { outputSize: number | (number | null)[]; returnIndices?: boolean },
    opts?: { returnIndices?: boolean },
  ) {
    super();
    const a = initArgs('AdaptiveMaxPool2d', { outputSize: 'any', returnIndices: 'bool' }, [outputSize, opts]);
    this.outputSize = a.outputSize as number | (number | null)[];
    this.returnIndices = (a.returnIndices as boolean | undefined) ?? false;
  }
  /** With returnIndices, [values, indices] (PyTorch's tuple; Module's forward is typed by its usual Tensor). */
  override forward(x: Tensor): Tensor {
    const r: Tensor | [Tensor, Tensor] = OPS.adaptiveMaxPool2d.fn(x, this.outputSize, { returnIndices: this.returnIndices });
    return r as Tensor;
  }
  override extraRepr(): string {
    const v = this.outputSize;
    return `output_size=${typeof v === 'number' ? v : `(${v.map((e) => (e === null ? 'None' : String(e))).join(', ')})`}`;
  }
}

/** max_pool2d's partial inverse over [N, C, H, W] (or [C, H, W]): call as unpool(x, indices, outputSize?). */
export class MaxUnpool2d extends Module {
  /** The pooling window size that made the indices (PyTorch's `kernel_size`). */
  readonly kernelSize: [number, number];
  /** The pooling stride that made the indices. */
  readonly stride: [number, number];
  /** The pooling padding that made the indices. */
  readonly padding: [number, number];
  constructor(
    kernelSize: IntOrList | { kernelSize: IntOrList; stride?: IntOrList | null; padding?: IntOrList },
    opts?: { stride?: IntOrList | null; padding?: IntOrList },
  ) {
    super();
    const a = initArgs('MaxUnpool2d', { kernelSize: 'any', stride: 'any', padding: 'any' }, [kernelSize, opts]);
    const two = (v: unknown): [number, number] => (typeof v === 'number' ? [v, v] : [(v as number[])[0], (v as number[])[1]]);
    this.kernelSize = two(a.kernelSize);
    this.stride = two((a.stride as IntOrList | null | undefined) ?? a.kernelSize);
    this.padding = two(a.padding ?? 0);
  }
  override forward(x: Tensor, indices?: Tensor, outputSize?: Tensor): Tensor {
    const os = outputSize as unknown as number[] | undefined;
    return OPS.maxUnpool2d.fn(x, indices as Tensor, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      outputSize: os ?? null,
    });
  }
  override extraRepr(): string {
    return `kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}, padding=${pyTuple(this.padding)}`;
  }
}
