// torch.nn: the functional ops (from the op table), loss modules and a Linear layer.
import { Tensor } from './tensor.js';
import * as O from './ops/table.js';
import type { Reduction } from './ops/table.js';
import { noGrad } from './grad_mode.js';
import { scope } from './scope.js';

export const functional = {
  relu: (x: Tensor): Tensor => O.relu(x),
  sigmoid: (x: Tensor): Tensor => O.sigmoid(x),
  tanh: (x: Tensor): Tensor => O.tanh(x),
  leakyRelu: (x: Tensor, negativeSlope = 0.01): Tensor => O.leakyRelu(x, negativeSlope),
  softmax: (x: Tensor, dim: number | { dim: number }): Tensor => O.softmax(x, typeof dim === 'number' ? dim : dim.dim),
  logSoftmax: (x: Tensor, dim: number | { dim: number }): Tensor =>
    O.logSoftmax(x, typeof dim === 'number' ? dim : dim.dim),
  linear: (x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor => O.linear(x, weight, bias),
  mseLoss: (input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor =>
    O.mseLoss(input, target, opts.reduction),
  crossEntropy: (input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor =>
    O.crossEntropy(input, target, opts.reduction),
  nllLoss: (input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor =>
    O.nllLoss(input, target, opts.reduction),
  binaryCrossEntropyWithLogits: (input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor =>
    O.binaryCrossEntropyWithLogits(input, target, opts.reduction),
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
  constructor(readonly reduction: Reduction = 'mean') {
    super();
  }
}

export class MSELoss extends Loss {
  constructor(opts: { reduction?: Reduction } = {}) {
    super(opts.reduction);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return O.mseLoss(input, target, this.reduction);
  }
}

export class CrossEntropyLoss extends Loss {
  constructor(opts: { reduction?: Reduction } = {}) {
    super(opts.reduction);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return O.crossEntropy(input, target, this.reduction);
  }
}

export class BCEWithLogitsLoss extends Loss {
  constructor(opts: { reduction?: Reduction } = {}) {
    super(opts.reduction);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return O.binaryCrossEntropyWithLogits(input, target, this.reduction);
  }
}

/** y = x W^T + b, initialised like PyTorch: U(-1/sqrt(in), 1/sqrt(in)) from the seeded RNG. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(inFeatures: number, outFeatures: number, opts: { bias?: boolean; dtype?: 'float32' | 'float64' } = {}) {
    super();
    const dtype = opts.dtype ?? 'float32';
    // 1/sqrt(in), computed by the core: no JavaScript Math on a value path (docs/platforms.md).
    const bound = scope(() => O.tensor(inFeatures, { dtype: 'float64' }).sqrt().reciprocal().item());
    const init = (shape: number[]): Tensor =>
      noGrad(() => O.rand(shape, { dtype }).mul(2 * bound).sub(bound)).requiresGrad_(true);
    this.weight = init([outFeatures, inFeatures]);
    this.bias = opts.bias === false ? null : init([outFeatures]);
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
