// Layers that need no op of their own: Linear, Identity, Flatten, Unflatten, the activations,
// Softmax / LogSoftmax and Dropout. Each prints its extra_repr as PyTorch 1.13 does.
import type { Tensor } from '../tensor.js';
import { OPS } from '../ops/index.js';
import { noGrad } from '../grad_mode.js';
import * as V from '../validate.js';
import { AutogradError } from '../autograd.js';
import { Module, asParameter, type Parameter } from './module.js';
import { initArgs } from './args.js';
import { pyBool, pyFloat, pyTuple } from './repr.js';
import * as init from './init.js';
import { SQRT5, sqrt } from './scalar.js';

/**
 * PyTorch's reset_parameters of Linear and _ConvNd: kaiming_uniform_(weight, a=sqrt(5)), then the
 * bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (0 when fan_in is 0).
 */
export function resetKaimingUniform(weight: Tensor, bias: Tensor | null): void {
  init.kaimingUniform_(weight, { a: SQRT5 });
  if (bias !== null) {
    const [fanIn] = init._calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / sqrt(fanIn) : 0;
    init.uniform_(bias, -bound, bound);
  }
}

const LINEAR_OPTS = V.optionSpec('Linear.__init__', { bias: 'bool', dtype: 'dtype' }, ['device']);

/** y = x W^T + b, initialised like PyTorch: U(-1/sqrt(in), 1/sqrt(in)) from the seeded RNG. */
export class Linear extends Module {
  /** Size of each input sample (PyTorch's `in_features`). */
  readonly inFeatures: number;
  /** Size of each output sample (PyTorch's `out_features`). */
  readonly outFeatures: number;
  /** The weight, [outFeatures, inFeatures]. */
  declare weight: Parameter;
  /** The bias, [outFeatures], or null when made with `bias: false`. */
  declare bias: Parameter | null;
  constructor(inFeatures: number, outFeatures: number, opts?: { bias?: boolean; dtype?: 'float32' | 'float64' }) {
    super();
    V.int(inFeatures, 'Linear.__init__', 'in_features', 1);
    V.int(outFeatures, 'Linear.__init__', 'out_features', 2);
    V.options(LINEAR_OPTS, opts);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const o = opts ?? {};
    const dtype = o.dtype ?? 'float32';
    V.size([outFeatures, inFeatures], 'Linear.__init__', 'size');
    // PyTorch 1.13 refuses integer parameters when it makes them require grad.
    if (dtype !== 'float32' && dtype !== 'float64')
      throw new AutogradError('Only Tensors of floating point and complex dtype can require gradients');
    this.weight = asParameter(OPS.empty.fn([outFeatures, inFeatures], { dtype }));
    if (o.bias === false) this.registerParameter('bias', null);
    else this.bias = asParameter(OPS.empty.fn([outFeatures], { dtype }));
    this.resetParameters();
  }
  /** PyTorch's reset_parameters: kaiming_uniform_(weight, a=sqrt(5)), bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
  resetParameters(): void {
    resetKaimingUniform(this.weight, this.bias);
  }
  override forward(x: Tensor): Tensor {
    return OPS.linear.fn(x, this.weight, this.bias);
  }
  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

const BILINEAR_OPTS = V.optionSpec('Bilinear.__init__', { bias: 'bool', dtype: 'dtype' }, ['device']);

/**
 * y = x1^T A x2 + b over the last dims (weight [out, in1, in2]), initialised like PyTorch:
 * U(-1/sqrt(in1), 1/sqrt(in1)) from the seeded RNG. Composed from matmul, mul and sum (the gradients
 * follow from theirs): x1 @ A viewed [in1, out*in2], times x2 broadcast over out, summed over in2.
 */
export class Bilinear extends Module {
  /** Size of the first input's samples (PyTorch's `in1_features`). */
  readonly in1Features: number;
  /** Size of the second input's samples (PyTorch's `in2_features`). */
  readonly in2Features: number;
  /** Size of each output sample (PyTorch's `out_features`). */
  readonly outFeatures: number;
  /** The weight, [outFeatures, in1Features, in2Features]. */
  declare weight: Parameter;
  /** The bias, [outFeatures], or null when made with `bias: false`. */
  declare bias: Parameter | null;
  constructor(in1: number, in2: number, out: number, opts?: { bias?: boolean; dtype?: 'float32' | 'float64' }) {
    super();
    V.int(in1, 'Bilinear.__init__', 'in1_features', 1);
    V.int(in2, 'Bilinear.__init__', 'in2_features', 2);
    V.int(out, 'Bilinear.__init__', 'out_features', 3);
    V.options(BILINEAR_OPTS, opts);
    V.size([out, in1, in2], 'Bilinear.__init__', 'size');
    const dtype = opts?.dtype ?? 'float32';
    if (dtype !== 'float32' && dtype !== 'float64')
      throw new AutogradError('Only Tensors of floating point and complex dtype can require gradients');
    this.in1Features = in1;
    this.in2Features = in2;
    this.outFeatures = out;
    this.weight = asParameter(OPS.empty.fn([out, in1, in2], { dtype }));
    if (opts?.bias === false) this.registerParameter('bias', null);
    else this.bias = asParameter(OPS.empty.fn([out], { dtype }));
    this.resetParameters();
  }
  /** PyTorch's reset_parameters: weight and bias U(-1/sqrt(in1), 1/sqrt(in1)). */
  resetParameters(): void {
    const bound = 1 / sqrt(this.weight.shape[1]);
    init.uniform_(this.weight, -bound, bound);
    if (this.bias !== null) init.uniform_(this.bias, -bound, bound);
  }
  override forward(x1: Tensor, x2: Tensor): Tensor {
    V.tensor(x1, 'bilinear', 'input1', 1);
    V.tensor(x2, 'bilinear', 'input2', 2);
    const lead = [...x1.shape].slice(0, -1);
    const [o, i1, i2] = [this.outFeatures, this.in1Features, this.in2Features];
    const a = this.weight.permute([1, 0, 2]).reshape([i1, o * i2]);
    const y = x1
      .matmul(a)
      .reshape([...lead, o, i2])
      .mul(x2.unsqueeze(-2))
      .sum(-1);
    return this.bias === null ? y : y.add(this.bias);
  }
  override extraRepr(): string {
    return `in1_features=${this.in1Features}, in2_features=${this.in2Features}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

/** Returns its input (any constructor arguments are ignored, as PyTorch's). */
export class Identity extends Module {
  constructor(..._args: unknown[]) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return x;
  }
}

/** PyTorch's `nn.Flatten(start_dim=1, end_dim=-1)`: flattens the dims from startDim to endDim into one. */
export class Flatten extends Module {
  /** The first dim flattened (PyTorch's `start_dim`). */
  readonly startDim: number;
  /** The last dim flattened (PyTorch's `end_dim`). */
  readonly endDim: number;
  constructor(startDim?: number | { startDim?: number; endDim?: number }, endDim?: number) {
    super();
    const a = initArgs('Flatten', { startDim: 'int', endDim: 'int' }, [startDim, endDim]);
    this.startDim = (a.startDim as number | undefined) ?? 1;
    this.endDim = (a.endDim as number | undefined) ?? -1;
    V.int(this.startDim, 'Flatten.__init__', 'start_dim', 1);
    V.int(this.endDim, 'Flatten.__init__', 'end_dim', 2);
  }
  override forward(x: Tensor): Tensor {
    return OPS.flatten.fn(x, this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/** PyTorch's `nn.Unflatten(dim, unflattened_size)`: splits one dim into several. */
export class Unflatten extends Module {
  /** The dim that is split. */
  readonly dim: number;
  /** The sizes it is split into (PyTorch's `unflattened_size`). */
  readonly unflattenedSize: readonly number[];
  constructor(dim: number | { dim: number; unflattenedSize: readonly number[] }, unflattenedSize?: readonly number[]) {
    super();
    const a = initArgs('Unflatten', { dim: 'int', unflattenedSize: 'any' }, [dim, unflattenedSize]);
    V.int(a.dim, 'Unflatten.__init__', 'dim', 1);
    const sizes = a.unflattenedSize;
    if (!Array.isArray(sizes) || !sizes.every((s) => Number.isInteger(s))) {
      throw new TypeError(`unflattened_size must be tuple of ints, but found type ${V.typeName(sizes)}`);
    }
    this.dim = a.dim;
    this.unflattenedSize = [...sizes];
  }
  override forward(x: Tensor): Tensor {
    V.tensor(x, 'unflatten', 'input', 1);
    const shape = [...x.shape];
    const d = this.dim < 0 ? this.dim + shape.length : this.dim;
    return OPS.reshape.fn(x, [...shape.slice(0, d), ...this.unflattenedSize, ...shape.slice(d + 1)]);
  }
  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=${pyTuple(this.unflattenedSize)}`;
  }
}

/** An activation whose constructor takes only `inplace` (PyTorch's ReLU prints it when true). */
abstract class Activation extends Module {
  /** Whether the activation overwrites its input (PyTorch's `inplace`). */
  readonly inplace: boolean;
  constructor(name: string, args: unknown[], printInplace: boolean) {
    super();
    const a = initArgs(name, printInplace ? { inplace: 'bool' } : {}, args);
    this.inplace = (a.inplace as boolean | undefined) ?? false;
  }
}

/** PyTorch's `nn.ReLU(inplace=False)`: max(x, 0). */
export class ReLU extends Activation {
  constructor(inplace?: boolean | { inplace?: boolean }) {
    super('ReLU', [inplace], true);
  }
  override forward(x: Tensor): Tensor {
    return OPS.relu.fn(x);
  }
  override extraRepr(): string {
    return this.inplace ? 'inplace=True' : '';
  }
}

/** PyTorch's `nn.Tanh()`. */
export class Tanh extends Activation {
  constructor() {
    super('Tanh', [], false);
  }
  override forward(x: Tensor): Tensor {
    return OPS.tanh.fn(x);
  }
}

/** PyTorch's `nn.Sigmoid()`. */
export class Sigmoid extends Activation {
  constructor() {
    super('Sigmoid', [], false);
  }
  override forward(x: Tensor): Tensor {
    return OPS.sigmoid.fn(x);
  }
}

/** PyTorch's `nn.LeakyReLU(negative_slope=0.01, inplace=False)`. */
export class LeakyReLU extends Module {
  /** The slope for negative inputs (PyTorch's `negative_slope`). */
  readonly negativeSlope: number;
  /** Whether the activation overwrites its input (PyTorch's `inplace`). */
  readonly inplace: boolean;
  constructor(negativeSlope?: number | { negativeSlope?: number; inplace?: boolean }, inplace?: boolean) {
    super();
    const a = initArgs('LeakyReLU', { negativeSlope: 'number', inplace: 'bool' }, [negativeSlope, inplace]);
    this.negativeSlope = (a.negativeSlope as number | undefined) ?? 0.01;
    this.inplace = (a.inplace as boolean | undefined) ?? false;
    V.number(this.negativeSlope, 'LeakyReLU.__init__', 'negative_slope', 1);
  }
  override forward(x: Tensor): Tensor {
    return OPS.leakyRelu.fn(x, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}${this.inplace ? ', inplace=True' : ''}`;
  }
}

/** PyTorch's legacy implicit softmax dim (with no dim given): 0 for 0-, 1- and 3-d inputs, else 1. */
function implicitDim(ndim: number): number {
  return ndim === 0 || ndim === 1 || ndim === 3 ? 0 : 1;
}

abstract class SoftmaxLike extends Module {
  /** The dim normalised over (null: PyTorch's legacy implicit choice, with its warning). */
  readonly dim: number | null;
  constructor(name: string, dim: number | null | { dim?: number | null } | undefined) {
    super();
    const a = initArgs(name, { dim: 'any' }, [dim]);
    const d = a.dim ?? null;
    if (d !== null) V.int(d, `${name}.__init__`, 'dim', 1);
    this.dim = d;
  }
  protected dimFor(x: Tensor): number {
    V.tensor(x, this.constructor.name, 'input', 1);
    return this.dim ?? implicitDim(x.ndim);
  }
  override extraRepr(): string {
    return `dim=${this.dim === null ? 'None' : this.dim}`;
  }
}

/** PyTorch's `nn.Softmax(dim=None)`: exp(x) / sum(exp(x)) along dim. */
export class Softmax extends SoftmaxLike {
  constructor(dim?: number | null | { dim?: number | null }) {
    super('Softmax', dim);
  }
  override forward(x: Tensor): Tensor {
    return OPS.softmax.fn(x, this.dimFor(x));
  }
}

/** PyTorch's `nn.LogSoftmax(dim=None)`: log(softmax(x)) along dim, computed stably. */
export class LogSoftmax extends SoftmaxLike {
  constructor(dim?: number | null | { dim?: number | null }) {
    super('LogSoftmax', dim);
  }
  override forward(x: Tensor): Tensor {
    return OPS.logSoftmax.fn(x, this.dimFor(x));
  }
}

/**
 * Dropout(p): in training, zeroes each element with probability p (uniforms from the seeded
 * generator) and scales the rest by 1/(1-p); in eval mode, the input itself.
 */
export class Dropout extends Module {
  /** The probability of zeroing an element in training. */
  readonly p: number;
  /** Whether dropout overwrites its input (PyTorch's `inplace`). */
  readonly inplace: boolean;
  constructor(p?: number | { p?: number; inplace?: boolean }, inplace?: boolean) {
    super();
    const a = initArgs('Dropout', { p: 'number', inplace: 'bool' }, [p, inplace]);
    const q = (a.p as number | undefined) ?? 0.5;
    V.number(q, 'Dropout.__init__', 'p', 1);
    if (q < 0 || q > 1) throw new V.ValueError(`dropout probability has to be between 0 and 1, but got ${pyFloat(q)}`);
    this.p = q;
    this.inplace = (a.inplace as boolean | undefined) ?? false;
  }
  override forward(x: Tensor): Tensor {
    V.tensor(x, 'dropout', 'input', 1);
    if (!this.training) return x;
    const keep = 1 - this.p;
    const scale = noGrad(() => {
      const u = OPS.rand.fn([...x.shape], { dtype: x.dtype === 'float64' ? 'float64' : 'float32' });
      const m = u.lt(keep).to(u.dtype);
      return keep === 0 ? m : m.mul(1 / keep);
    });
    return x.mul(scale);
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=${pyBool(this.inplace)}`;
  }
}
