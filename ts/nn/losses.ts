// The loss modules: each holds its reduction and options and calls its op (../ops/losses.ts,
// ../ops/losses_more.ts). Class weights (and BCEWithLogitsLoss's pos_weight) are buffers, as
// PyTorch registers them: they appear in stateDict() and follow to({ dtype }).
import type { Tensor } from '../tensor.js';
import { OPS } from '../ops/index.js';
import type { Reduction } from '../ops/losses.js';
import type { KlReduction } from '../ops/losses_more.js';
import * as V from '../validate.js';
import { Module } from './module.js';
import { initArgs } from './args.js';

const LEGACY: readonly string[] = ['sizeAverage', 'reduce'];
/** Modules take any reduction value, as PyTorch's do: it is refused when the loss is computed. */
const spec = (name: string, kinds: Record<string, V.OptKind> = {}): V.OptionSpec =>
  V.optionSpec(`${name}.__init__`, { reduction: 'any', ...kinds }, LEGACY);

const MSE_OPTS = spec('MSELoss');
const L1_OPTS = spec('L1Loss');
const SMOOTH_L1_OPTS = spec('SmoothL1Loss', { beta: 'number' });
const HUBER_OPTS = spec('HuberLoss', { delta: 'number' });
const NLL_OPTS = spec('NLLLoss', { weight: 'optTensor', ignoreIndex: 'int' });
const CE_OPTS = spec('CrossEntropyLoss', { weight: 'optTensor', ignoreIndex: 'int', labelSmoothing: 'number' });
const BCE_OPTS = spec('BCELoss', { weight: 'optTensor' });
const BCE_LOGITS_OPTS = spec('BCEWithLogitsLoss', { weight: 'optTensor', posWeight: 'optTensor' });
const KL_OPTS = spec('KLDivLoss', { logTarget: 'bool' });

/** Keyword arguments of the losses: PyTorch's `reduction`. */
export interface LossOptions {
  /** How per-element losses are reduced: `'mean'` (default), `'sum'` or `'none'`. */
  reduction?: Reduction;
}
/** Keyword arguments of the weighted losses: `reduction` and a `weight` tensor. */
export interface WeightedLossOptions extends LossOptions {
  /** A weight per class, or null. */
  weight?: Tensor | null;
}

/** A loss module: (input, target) -> loss, with `reduction` ('mean' unless given). */
export abstract class Loss extends Module {
  /** How the per-element losses are reduced: `'mean'`, `'sum'` or `'none'`. */
  readonly reduction: Reduction;
  constructor(opts: LossOptions | undefined, optSpec: V.OptionSpec) {
    super();
    V.options(optSpec, opts);
    this.reduction = opts?.reduction ?? 'mean';
  }
  abstract override forward(input: Tensor, target: Tensor): Tensor;
}

/** A loss with class weights, registered as the buffer `weight` (absent from stateDict() when null). */
abstract class WeightedLoss extends Loss {
  /** A weight per class (or per element for BCE), or null. */
  declare weight: Tensor | null;
  constructor(opts: WeightedLossOptions | undefined, optSpec: V.OptionSpec) {
    super(opts, optSpec);
    this.registerBuffer('weight', opts?.weight ?? null);
  }
}

/** PyTorch's `nn.MSELoss(reduction='mean')`: mean squared error. */
export class MSELoss extends Loss {
  constructor(opts?: LossOptions) {
    super(opts, MSE_OPTS);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return OPS.mseLoss.fn(input, target, this.reduction);
  }
}

/** PyTorch's `nn.L1Loss(reduction='mean')`: mean absolute error. */
export class L1Loss extends Loss {
  constructor(opts?: LossOptions) {
    super(opts, L1_OPTS);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return OPS.l1Loss.fn(input, target, this.reduction);
  }
}

/** PyTorch's `nn.SmoothL1Loss(reduction='mean', beta=1.0)`: quadratic below beta, linear above. */
export class SmoothL1Loss extends Loss {
  /** Where the loss turns from quadratic to linear. */
  readonly beta: number;
  constructor(opts?: LossOptions & { beta?: number }) {
    super(opts, SMOOTH_L1_OPTS);
    this.beta = opts?.beta ?? 1;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return OPS.smoothL1Loss.fn(input, target, this.reduction, this.beta);
  }
}

/** PyTorch's `nn.HuberLoss(reduction='mean', delta=1.0)`. */
export class HuberLoss extends Loss {
  /** Where the loss turns from quadratic to linear. */
  readonly delta: number;
  constructor(opts?: LossOptions & { delta?: number }) {
    super(opts, HUBER_OPTS);
    this.delta = opts?.delta ?? 1;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return OPS.huberLoss.fn(input, target, this.reduction, this.delta);
  }
}

/** PyTorch's `nn.NLLLoss(weight=None, ignore_index=-100, reduction='mean')`: negative log likelihood of log-probabilities. */
export class NLLLoss extends WeightedLoss {
  /** A target class that contributes nothing (PyTorch's `ignore_index`). */
  readonly ignoreIndex: number;
  constructor(opts?: WeightedLossOptions & { ignoreIndex?: number }) {
    super(opts, NLL_OPTS);
    this.ignoreIndex = opts?.ignoreIndex ?? -100;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return OPS.nllLoss.fn(input, target, this.reduction, this.weight, this.ignoreIndex);
  }
}

/** PyTorch's `nn.CrossEntropyLoss(weight=None, ignore_index=-100, reduction='mean', label_smoothing=0.0)`: log_softmax then nll_loss; targets are int64 class indices (`torch.tensor([1n, 2n])`) or class probabilities. */
export class CrossEntropyLoss extends WeightedLoss {
  /** A target class that contributes nothing (PyTorch's `ignore_index`). */
  readonly ignoreIndex: number;
  /** Amount of label smoothing, in [0, 1] (PyTorch's `label_smoothing`). */
  readonly labelSmoothing: number;
  constructor(opts?: WeightedLossOptions & { ignoreIndex?: number; labelSmoothing?: number }) {
    super(opts, CE_OPTS);
    this.ignoreIndex = opts?.ignoreIndex ?? -100;
    this.labelSmoothing = opts?.labelSmoothing ?? 0;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return OPS.crossEntropy.fn(input, target, this.reduction, this.weight, this.ignoreIndex, this.labelSmoothing);
  }
}

/** PyTorch's `nn.BCELoss(weight=None, reduction='mean')`: binary cross entropy of probabilities. */
export class BCELoss extends WeightedLoss {
  constructor(opts?: WeightedLossOptions) {
    super(opts, BCE_OPTS);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return OPS.binaryCrossEntropy.fn(input, target, this.reduction, this.weight);
  }
}

/** BCEWithLogitsLoss: `weight` and `posWeight` are buffers (PyTorch's weight, pos_weight). */
export class BCEWithLogitsLoss extends Loss {
  /** A weight per element (broadcast), or null. */
  declare weight: Tensor | null;
  /** A weight of the positive examples per class (PyTorch's `pos_weight`), or null. */
  declare pos_weight: Tensor | null;
  constructor(opts?: WeightedLossOptions & { posWeight?: Tensor | null }) {
    super(opts, BCE_LOGITS_OPTS);
    this.registerBuffer('weight', opts?.weight ?? null);
    this.registerBuffer('pos_weight', opts?.posWeight ?? null);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return OPS.binaryCrossEntropyWithLogits.fn(input, target, this.reduction, this.weight, this.pos_weight);
  }
}

/** PyTorch's `nn.KLDivLoss(reduction='mean', log_target=False)`: KL divergence, the input being log-probabilities. */
export class KLDivLoss extends Module {
  /** `'mean'`, `'sum'`, `'none'` or `'batchmean'` (the mathematically correct one). */
  readonly reduction: KlReduction;
  /** Whether the target is given as log-probabilities (PyTorch's `log_target`). */
  readonly logTarget: boolean;
  constructor(opts?: { reduction?: KlReduction; logTarget?: boolean }) {
    super();
    V.options(KL_OPTS, opts);
    this.reduction = opts?.reduction ?? 'mean';
    this.logTarget = opts?.logTarget ?? false;
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return OPS.klDiv.fn(input, target, this.reduction, this.logTarget);
  }
}

/** CosineSimilarity(dim = 1, eps = 1e-8): cosine similarity of its two inputs along `dim`. */
export class CosineSimilarity extends Module {
  /** The dim along which similarity is computed. */
  readonly dim: number;
  /** Lower bound of the norms, against division by zero. */
  readonly eps: number;
  constructor(dim?: number | { dim?: number; eps?: number }, eps?: number) {
    super();
    const a = initArgs('CosineSimilarity', { dim: 'int', eps: 'number' }, [dim, eps]);
    this.dim = (a.dim as number | undefined) ?? 1;
    this.eps = (a.eps as number | undefined) ?? 1e-8;
  }
  override forward(x1: Tensor, x2: Tensor): Tensor {
    return OPS.cosineSimilarity.fn(x1, x2, this.dim, this.eps);
  }
}
