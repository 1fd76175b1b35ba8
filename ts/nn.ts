// torch.nn: the functional ops (from the op registry), loss modules and a Linear layer.
import { Tensor } from './tensor.js';
import { OPS, functional as F } from './ops/index.js';
import { type Reduction, lossReduction, moduleLossOpts } from './ops/losses.js';
import { noGrad } from './grad_mode.js';
import { scope } from './scope.js';
import * as V from './validate.js';
import { AutogradError } from './autograd.js';

const MSE_MODULE_OPTS = moduleLossOpts('MSELoss.__init__');
const CE_MODULE_OPTS = moduleLossOpts('CrossEntropyLoss.__init__');
const BCE_MODULE_OPTS = moduleLossOpts('BCEWithLogitsLoss.__init__');
const LINEAR_OPTS = V.optionSpec('Linear.__init__', { bias: 'bool', dtype: 'dtype' }, ['device']);

/** torch.nn.functional: derived from the op registry (the entries' `functional` names). */
export const functional = F;

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
    return OPS.mseLoss.fn(input, target, this.reduction);
  }
}

export class CrossEntropyLoss extends Loss {
  constructor(opts?: { reduction?: Reduction }) {
    super(opts, CE_MODULE_OPTS);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return OPS.crossEntropy.fn(input, target, this.reduction);
  }
}

export class BCEWithLogitsLoss extends Loss {
  constructor(opts?: { reduction?: Reduction }) {
    super(opts, BCE_MODULE_OPTS);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return OPS.binaryCrossEntropyWithLogits.fn(input, target, this.reduction);
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
    const bound = scope(() => OPS.tensor.fn(inFeatures, { dtype: 'float64' }).sqrt().reciprocal().item());
    const init = (shape: number[]): Tensor =>
      noGrad(() =>
        OPS.rand
          .fn(shape, { dtype })
          .mul(2 * bound)
          .sub(bound),
      ).requiresGrad_(true);
    this.weight = init([outFeatures, inFeatures]);
    this.bias = o.bias === false ? null : init([outFeatures]);
  }
  forward(x: Tensor): Tensor {
    return OPS.linear.fn(x, this.weight, this.bias);
  }
}

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return OPS.relu.fn(x);
  }
}
