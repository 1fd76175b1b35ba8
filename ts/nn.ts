// torch.nn: the functional ops (from the op table), loss modules and a Linear layer.
import { Tensor } from './tensor.js';
import * as O from './ops/table.js';
import type { Reduction } from './ops/table.js';
import { noGrad } from './grad_mode.js';
import { scope } from './scope.js';
import * as V from './validate.js';
import { AutogradError } from './autograd.js';

// The options objects of nn.functional and the modules (../validate.ts checks keys and kinds).
const LOSS_UNSUPPORTED: readonly string[] = ['weight', 'sizeAverage', 'reduce', 'ignoreIndex', 'labelSmoothing', 'posWeight'];
const lossOpts = (entry: string): V.OptionSpec => V.optionSpec(entry, { reduction: 'reduction' }, LOSS_UNSUPPORTED);
// Modules take any reduction value, as PyTorch's do: it is refused when the loss is computed.
const moduleLossOpts = (entry: string): V.OptionSpec => V.optionSpec(entry, { reduction: 'any' }, LOSS_UNSUPPORTED);
const MSE_LOSS_OPTS = lossOpts('mseLoss');
const CROSS_ENTROPY_OPTS = lossOpts('crossEntropy');
const NLL_LOSS_OPTS = lossOpts('nllLoss');
const BCE_LOGITS_OPTS = lossOpts('binaryCrossEntropyWithLogits');
const MSE_MODULE_OPTS = moduleLossOpts('MSELoss.__init__');
const CE_MODULE_OPTS = moduleLossOpts('CrossEntropyLoss.__init__');
const BCE_MODULE_OPTS = moduleLossOpts('BCEWithLogitsLoss.__init__');
const SOFTMAX_OPTS = V.optionSpec('softmax', { dim: 'int' }, ['dtype']);
const LOG_SOFTMAX_OPTS = V.optionSpec('logSoftmax', { dim: 'int' }, ['dtype']);
const LINEAR_OPTS = V.optionSpec('Linear.__init__', { bias: 'bool', dtype: 'dtype' }, ['device']);

/** softmax's dim, given as a number or as `{ dim }`. */
function softmaxDim(dim: unknown, spec: V.OptionSpec): number {
  if (V.isOptions(dim)) {
    V.options(spec, dim);
    dim = dim.dim;
  }
  V.int(dim, spec.entry, 'dim', 1);
  return dim;
}

/** A loss's options object: its reduction. */
function lossReduction(opts: { reduction?: Reduction } | undefined, spec: V.OptionSpec): Reduction | undefined {
  V.options(spec, opts);
  return opts?.reduction;
}

export const functional = {
  relu: (x: Tensor): Tensor => O.relu(x),
  sigmoid: (x: Tensor): Tensor => O.sigmoid(x),
  tanh: (x: Tensor): Tensor => O.tanh(x),
  leakyRelu: (x: Tensor, negativeSlope = 0.01): Tensor => O.leakyRelu(x, negativeSlope),
  softmax: (x: Tensor, dim: number | { dim: number }): Tensor => O.softmax(x, softmaxDim(dim, SOFTMAX_OPTS)),
  logSoftmax: (x: Tensor, dim: number | { dim: number }): Tensor => O.logSoftmax(x, softmaxDim(dim, LOG_SOFTMAX_OPTS)),
  linear: (x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor => O.linear(x, weight, bias),
  mseLoss: (input: Tensor, target: Tensor, opts?: { reduction?: Reduction }): Tensor =>
    O.mseLoss(input, target, lossReduction(opts, MSE_LOSS_OPTS)),
  crossEntropy: (input: Tensor, target: Tensor, opts?: { reduction?: Reduction }): Tensor =>
    O.crossEntropy(input, target, lossReduction(opts, CROSS_ENTROPY_OPTS)),
  nllLoss: (input: Tensor, target: Tensor, opts?: { reduction?: Reduction }): Tensor =>
    O.nllLoss(input, target, lossReduction(opts, NLL_LOSS_OPTS)),
  binaryCrossEntropyWithLogits: (input: Tensor, target: Tensor, opts?: { reduction?: Reduction }): Tensor =>
    O.binaryCrossEntropyWithLogits(input, target, lossReduction(opts, BCE_LOGITS_OPTS)),
};

export abstract class Module {
  abstract forward(...inputs: Tensor[]): Tensor;
  call(...inputs: Tensor[]): Tensor {
    return this.forward(...inputs);
  }
  parameters(): Tensor[] {
    const out: Tensor[] = [];
    for (const v of Object.values(this)) {
      if (v instanceof Tensor && v.requiresGrad) out.push(v);
      else if (v instanceof Module) out.push(...v.parameters());
    }
    return out;
  }
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }
}

abstract class Loss extends Module {
  readonly reduction: Reduction;
  constructor(opts: { reduction?: Reduction } | undefined, spec: V.OptionSpec) {
    super();
    this.reduction = lossReduction(opts, spec) ?? 'mean';
  }
}

export class MSELoss extends Loss {
  constructor(opts?: { reduction?: Reduction }) {
    super(opts, MSE_MODULE_OPTS);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return O.mseLoss(input, target, this.reduction);
  }
}

export class CrossEntropyLoss extends Loss {
  constructor(opts?: { reduction?: Reduction }) {
    super(opts, CE_MODULE_OPTS);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return O.crossEntropy(input, target, this.reduction);
  }
}

export class BCEWithLogitsLoss extends Loss {
  constructor(opts?: { reduction?: Reduction }) {
    super(opts, BCE_MODULE_OPTS);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return O.binaryCrossEntropyWithLogits(input, target, this.reduction);
  }
}

/** y = x W^T + b, initialised like PyTorch: U(-1/sqrt(in), 1/sqrt(in)) from the seeded RNG. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(inFeatures: number, outFeatures: number, opts?: { bias?: boolean; dtype?: 'float32' | 'float64' }) {
    super();
    V.int(inFeatures, 'Linear.__init__', 'in_features', 1);
    V.int(outFeatures, 'Linear.__init__', 'out_features', 2);
    V.options(LINEAR_OPTS, opts);
    const o = opts ?? {};
    const dtype = o.dtype ?? 'float32';
    V.size([outFeatures, inFeatures], 'Linear.__init__', 'size');
    // PyTorch 1.13 refuses integer parameters when it makes them require grad.
    if (dtype !== 'float32' && dtype !== 'float64')
      throw new AutogradError('Only Tensors of floating point and complex dtype can require gradients');
    // 1/sqrt(in), computed by the core: no JavaScript Math on a value path (docs/platforms.md).
    const bound = scope(() => O.tensor(inFeatures, { dtype: 'float64' }).sqrt().reciprocal().item());
    const init = (shape: number[]): Tensor =>
      noGrad(() =>
        O.rand(shape, { dtype })
          .mul(2 * bound)
          .sub(bound),
      ).requiresGrad_(true);
    this.weight = init([outFeatures, inFeatures]);
    this.bias = o.bias === false ? null : init([outFeatures]);
  }
  forward(x: Tensor): Tensor {
    return O.linear(x, this.weight, this.bias);
  }
}

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return O.relu(x);
  }
}
