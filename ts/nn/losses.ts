// The loss modules: each holds its reduction and calls its op (../ops/losses.ts).
import type { Tensor } from '../tensor.js';
import { OPS } from '../ops/index.js';
import { type Reduction, lossReduction, moduleLossOpts } from '../ops/losses.js';
import type * as V from '../validate.js';
import { Module } from './module.js';

const MSE_MODULE_OPTS = moduleLossOpts('MSELoss.__init__');
const CE_MODULE_OPTS = moduleLossOpts('CrossEntropyLoss.__init__');
const BCE_MODULE_OPTS = moduleLossOpts('BCEWithLogitsLoss.__init__');
const NLL_MODULE_OPTS = moduleLossOpts('NLLLoss.__init__');

export interface LossOptions {
  reduction?: Reduction;
}

/** A loss module: (input, target) -> loss, with `reduction` ('mean' unless given). */
export abstract class Loss extends Module {
  readonly reduction: Reduction;
  constructor(opts: LossOptions | undefined, spec: V.OptionSpec) {
    super();
    this.reduction = lossReduction(opts, spec) ?? 'mean';
  }
  abstract override forward(input: Tensor, target: Tensor): Tensor;
}

export class MSELoss extends Loss {
  constructor(opts?: LossOptions) {
    super(opts, MSE_MODULE_OPTS);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return OPS.mseLoss.fn(input, target, this.reduction);
  }
}

export class CrossEntropyLoss extends Loss {
  constructor(opts?: LossOptions) {
    super(opts, CE_MODULE_OPTS);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return OPS.crossEntropy.fn(input, target, this.reduction);
  }
}

export class NLLLoss extends Loss {
  constructor(opts?: LossOptions) {
    super(opts, NLL_MODULE_OPTS);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return OPS.nllLoss.fn(input, target, this.reduction);
  }
}

export class BCEWithLogitsLoss extends Loss {
  constructor(opts?: LossOptions) {
    super(opts, BCE_MODULE_OPTS);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return OPS.binaryCrossEntropyWithLogits.fn(input, target, this.reduction);
  }
}
