// Normalisation and lookup modules: BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm and Embedding.
// Each calls its nn.functional op; parameters, buffers (PyTorch's snake_case state_dict keys) and
// the repr are PyTorch 1.13's.
import type { Tensor } from '../tensor.js';
import { OPS } from '../ops/index.js';
import { noGrad } from '../grad_mode.js';
import { scope } from '../scope.js';
import * as V from '../validate.js';
import { AutogradError } from '../autograd.js';
import { Module, asParameter, type Parameter } from './module.js';
import * as init from './init.js';
import { initArgs } from './args.js';
import { pyBool, pyFloat, pyTuple } from './repr.js';

/** A floating dtype (parameters are float32 or float64). @inline */
type FloatDType = 'float32' | 'float64';

function floatDType(d: unknown): FloatDType {
  const dtype = (d as FloatDType | undefined) ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64')
    throw new AutogradError('Only Tensors of floating point and complex dtype can require gradients');
  return dtype;
}
const filled = (shape: number[], v: 0 | 1, dtype: FloatDType): Parameter =>
  asParameter(noGrad(() => (v ? OPS.ones.fn(shape, { dtype }) : OPS.zeros.fn(shape, { dtype }))));

/** Keyword arguments of BatchNorm1d / BatchNorm2d: PyTorch's `eps`, `momentum`, `affine`, `track_running_stats`, `dtype` (camelCase). */
export interface BatchNormOptions {
  /** Added to the variance for stability. */
  eps?: number;
  /** Weight of the new batch in the running statistics; null for a cumulative average. */
  momentum?: number | null;
  /** Learn a per-channel weight and bias (PyTorch's `affine`). */
  affine?: boolean;
  /** Keep running statistics, used in eval mode (PyTorch's `track_running_stats`). */
  trackRunningStats?: boolean;
  /** dtype of the parameters (`'float32'` by default, or `'float64'`). */
  dtype?: FloatDType;
}
const BN_KINDS = {
  numFeatures: 'int',
  eps: 'number',
  momentum: 'optNumber',
  affine: 'bool',
  trackRunningStats: 'bool',
  dtype: 'dtype',
} as const;

/** PyTorch's _BatchNorm: weight/bias (affine), running_mean/running_var/num_batches_tracked buffers. */
abstract class BatchNormBase extends Module {
  /** Channels of the input (PyTorch's `num_features`). */
  readonly numFeatures: number;
  /** Added to the variance for stability. */
  readonly eps: number;
  /** Weight of the new batch in the running statistics; null: a cumulative average (PyTorch's `momentum`). */
  readonly momentum: number | null;
  /** Whether the module has a learnable weight and bias. */
  readonly affine: boolean;
  /** Whether running statistics are kept (and used in eval mode) (PyTorch's `track_running_stats`). */
  readonly trackRunningStats: boolean;
  /** The scale, [numFeatures], or null without affine. */
  declare weight: Parameter | null;
  /** The shift, [numFeatures], or null without affine. */
  declare bias: Parameter | null;
  constructor(name: string, args: readonly unknown[]) {
    super();
    const a = initArgs(name, BN_KINDS, args);
    const n = a.numFeatures as number;
    V.int(n, `${name}.__init__`, 'num_features', 1);
    this.numFeatures = n;
    this.eps = (a.eps as number | undefined) ?? 1e-5;
    this.momentum = a.momentum === undefined ? 0.1 : (a.momentum as number | null);
    this.affine = (a.affine as boolean | undefined) ?? true;
    this.trackRunningStats = (a.trackRunningStats as boolean | undefined) ?? true;
    const dtype = floatDType(a.dtype);
    if (this.affine) {
      this.weight = filled([n], 1, dtype);
      this.bias = filled([n], 0, dtype);
    } else {
      this.registerParameter('weight', null);
      this.registerParameter('bias', null);
    }
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', OPS.zeros.fn([n], { dtype }));
      this.registerBuffer('running_var', OPS.ones.fn([n], { dtype }));
      this.registerBuffer('num_batches_tracked', OPS.tensor.fn(0, { dtype: 'int64' }));
    } else {
      this.registerBuffer('running_mean', null);
      this.registerBuffer('running_var', null);
      this.registerBuffer('num_batches_tracked', null);
    }
  }
  private buf(k: string): Tensor | null {
    return (this as unknown as Record<string, Tensor | null>)[k] ?? null;
  }
  /** The running mean buffer (PyTorch's `running_mean`), null without trackRunningStats. */
  get runningMean(): Tensor | null {
    return this.buf('running_mean');
  }
  /** The running variance buffer (PyTorch's `running_var`), null without trackRunningStats. */
  get runningVar(): Tensor | null {
    return this.buf('running_var');
  }
  /** How many batches have updated the statistics, an int64 scalar (PyTorch's `num_batches_tracked`). */
  get numBatchesTracked(): Tensor | null {
    return this.buf('num_batches_tracked');
  }
  /** Resets running_mean to 0, running_var to 1 and num_batches_tracked to 0. */
  resetRunningStats(): void {
    noGrad(() => {
      this.runningMean?.zero_();
      this.runningVar?.fill_(1);
      this.numBatchesTracked?.zero_();
    });
  }
  protected abstract checkInputDim(x: Tensor): void;
  override forward(x: Tensor): Tensor {
    this.checkInputDim(x);
    let factor = this.momentum ?? 0;
    const nbt = this.numBatchesTracked;
    if (this.training && this.trackRunningStats && nbt !== null) {
      noGrad(() => nbt.add_(1));
      factor = this.momentum === null ? 1 / Number(nbt.item()) : this.momentum;
    }
    const rm = this.runningMean;
    const rv = this.runningVar;
    const bnTraining = this.training || (rm === null && rv === null);
    const useStats = !this.training || this.trackRunningStats;
    return OPS.batchNorm.fn(x, useStats ? rm : null, useStats ? rv : null, this.weight, this.bias, {
      training: bnTraining,
      momentum: factor,
      eps: this.eps,
    });
  }
  override extraRepr(): string {
    const m = this.momentum === null ? 'None' : pyFloat(this.momentum);
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${m}, affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}

/** Batch normalisation of [N, C] or [N, C, L] per channel. */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number | ({ numFeatures: number } & BatchNormOptions), opts?: BatchNormOptions) {
    super('BatchNorm1d', [numFeatures, opts]);
  }
  protected override checkInputDim(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) throw new Error(`expected 2D or 3D input (got ${x.ndim}D input)`);
  }
}

/** Batch normalisation of [N, C, H, W] per channel. */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number | ({ numFeatures: number } & BatchNormOptions), opts?: BatchNormOptions) {
    super('BatchNorm2d', [numFeatures, opts]);
  }
  protected override checkInputDim(x: Tensor): void {
    if (x.ndim !== 4) throw new Error(`expected 4D input (got ${x.ndim}D input)`);
  }
}

/** Keyword arguments of LayerNorm: PyTorch's `eps`, `elementwise_affine`, `dtype` (camelCase). */
export interface LayerNormOptions {
  /** Added to the variance for stability. */
  eps?: number;
  /** Learn a weight and bias of normalizedShape (PyTorch's `elementwise_affine`). */
  elementwiseAffine?: boolean;
  /** dtype of the parameters (`'float32'` by default, or `'float64'`). */
  dtype?: FloatDType;
}

/** Standardises over the trailing normalizedShape dims; weight ones, bias zeros. */
export class LayerNorm extends Module {
  /** The trailing shape normalised over (PyTorch's `normalized_shape`). */
  readonly normalizedShape: number[];
  /** Added to the variance for stability. */
  readonly eps: number;
  /** Whether the module has a learnable weight and bias (PyTorch's `elementwise_affine`). */
  readonly elementwiseAffine: boolean;
  /** The scale, of normalizedShape, or null without elementwiseAffine. */
  declare weight: Parameter | null;
  /** The shift, of normalizedShape, or null without elementwiseAffine. */
  declare bias: Parameter | null;
  constructor(
    normalizedShape: number | readonly number[] | ({ normalizedShape: number | readonly number[] } & LayerNormOptions),
    opts?: LayerNormOptions,
  ) {
    super();
    const a = initArgs('LayerNorm', { normalizedShape: 'any', eps: 'number', elementwiseAffine: 'bool', dtype: 'dtype' }, [
      normalizedShape,
      opts,
    ]);
    const s = a.normalizedShape;
    this.normalizedShape = typeof s === 'number' ? [s] : [...(s as number[])];
    V.intList(this.normalizedShape, 'LayerNorm.__init__', 'normalized_shape', 1);
    this.eps = (a.eps as number | undefined) ?? 1e-5;
    this.elementwiseAffine = (a.elementwiseAffine as boolean | undefined) ?? true;
    const dtype = floatDType(a.dtype);
    if (this.elementwiseAffine) {
      this.weight = filled(this.normalizedShape, 1, dtype);
      this.bias = filled(this.normalizedShape, 0, dtype);
    } else {
      this.registerParameter('weight', null);
      this.registerParameter('bias', null);
    }
  }
  override forward(x: Tensor): Tensor {
    return OPS.layerNorm.fn(x, this.normalizedShape, this.weight, this.bias, { eps: this.eps });
  }
  override extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}

/** Keyword arguments of GroupNorm: PyTorch's `eps`, `affine`, `dtype`. */
export interface GroupNormOptions {
  /** Added to the variance for stability. */
  eps?: number;
  /** Learn a per-channel weight and bias (PyTorch's `affine`). */
  affine?: boolean;
  /** dtype of the parameters (`'float32'` by default, or `'float64'`). */
  dtype?: FloatDType;
}

/** Standardises [N, C, *] over groups of C / numGroups channels; per-channel weight ones, bias zeros. */
export class GroupNorm extends Module {
  /** The number of channel groups (PyTorch's `num_groups`). */
  readonly numGroups: number;
  /** Channels of the input (PyTorch's `num_channels`). */
  readonly numChannels: number;
  /** Added to the variance for stability. */
  readonly eps: number;
  /** Whether the module has a learnable per-channel weight and bias. */
  readonly affine: boolean;
  /** The scale, [numChannels], or null without affine. */
  declare weight: Parameter | null;
  /** The shift, [numChannels], or null without affine. */
  declare bias: Parameter | null;
  constructor(
    numGroups: number | ({ numGroups: number; numChannels: number } & GroupNormOptions),
    numChannels?: number,
    opts?: GroupNormOptions,
  ) {
    super();
    const a = initArgs('GroupNorm', { numGroups: 'int', numChannels: 'int', eps: 'number', affine: 'bool', dtype: 'dtype' }, [
      numGroups,
      numChannels,
      opts,
    ]);
    this.numGroups = a.numGroups as number;
    this.numChannels = a.numChannels as number;
    V.int(this.numGroups, 'GroupNorm.__init__', 'num_groups', 1);
    V.int(this.numChannels, 'GroupNorm.__init__', 'num_channels', 2);
    if (this.numChannels % this.numGroups !== 0) throw new Error('num_channels must be divisible by num_groups');
    this.eps = (a.eps as number | undefined) ?? 1e-5;
    this.affine = (a.affine as boolean | undefined) ?? true;
    const dtype = floatDType(a.dtype);
    if (this.affine) {
      this.weight = filled([this.numChannels], 1, dtype);
      this.bias = filled([this.numChannels], 0, dtype);
    } else {
      this.registerParameter('weight', null);
      this.registerParameter('bias', null);
    }
  }
  override forward(x: Tensor): Tensor {
    return OPS.groupNorm.fn(x, this.numGroups, this.weight, this.bias, { eps: this.eps });
  }
  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${pyBool(this.affine)}`;
  }
}

/** Keyword arguments of Embedding: PyTorch's `padding_idx`, `max_norm`, `norm_type`, `scale_grad_by_freq`, `sparse`, `dtype` (camelCase). */
export interface EmbeddingOptions {
  /** The index whose row gets no gradient (PyTorch's `padding_idx`). */
  paddingIdx?: number | null;
  /** Rows looked up are renormalised to at most this norm (PyTorch's `max_norm`). */
  maxNorm?: number | null;
  /** The p of the p-norm (PyTorch's `norm_type`). */
  normType?: number;
  /** Scale gradients by the inverse frequency of the indices in the batch (PyTorch's `scale_grad_by_freq`). */
  scaleGradByFreq?: boolean;
  /** PyTorch's sparse gradients (`sparse`): the gradient is dense here. */
  sparse?: boolean;
  /** dtype of the parameters (`'float32'` by default, or `'float64'`). */
  dtype?: FloatDType;
}

/** Keyword arguments of `Embedding.fromPretrained`: PyTorch's `freeze` and Embedding's options. */
export interface FromPretrainedOptions {
  /** Default true: the weight does not require grad. */
  freeze?: boolean;
  /** The index whose row gets no gradient (PyTorch's `padding_idx`). */
  paddingIdx?: number | null;
  /** Rows looked up are renormalised to at most this norm (PyTorch's `max_norm`). */
  maxNorm?: number | null;
  /** The p of the p-norm (PyTorch's `norm_type`). */
  normType?: number;
  /** Scale gradients by the inverse frequency of the indices in the batch (PyTorch's `scale_grad_by_freq`). */
  scaleGradByFreq?: boolean;
  /** PyTorch's sparse gradients (`sparse`): the gradient is dense here. */
  sparse?: boolean;
}

const PRETRAINED = Symbol('asgrad.embedding.pretrained');

/** A lookup table [numEmbeddings, embeddingDim] initialised N(0, 1); the paddingIdx row is zero. */
export class Embedding extends Module {
  /** Size of the dictionary (PyTorch's `num_embeddings`). */
  readonly numEmbeddings: number;
  /** Size of each embedding vector (PyTorch's `embedding_dim`). */
  readonly embeddingDim: number;
  /** The index whose row gets no gradient (PyTorch's `padding_idx`), or null. */
  readonly paddingIdx: number | null;
  /** Rows looked up are renormalised to at most this norm (PyTorch's `max_norm`), or null. */
  readonly maxNorm: number | null;
  /** The p of the maxNorm norm (PyTorch's `norm_type`). */
  readonly normType: number;
  /** Whether gradients are scaled by the inverse frequency of the words in the batch (PyTorch's `scale_grad_by_freq`). */
  readonly scaleGradByFreq: boolean;
  /** PyTorch's `sparse` (sparse gradients); kept for state and printing, the gradient is dense. */
  readonly sparse: boolean;
  /** The embeddings, [numEmbeddings, embeddingDim]. */
  declare weight: Parameter;
  constructor(
    numEmbeddings: number | ({ numEmbeddings: number; embeddingDim: number } & EmbeddingOptions),
    embeddingDim?: number,
    opts?: EmbeddingOptions,
  ) {
    super();
    const pre = (opts as { [PRETRAINED]?: { weight: Tensor; freeze: boolean } } | undefined)?.[PRETRAINED];
    const plain = pre ? { ...opts } : opts;
    const a = initArgs(
      'Embedding',
      {
        numEmbeddings: 'int',
        embeddingDim: 'int',
        paddingIdx: 'any',
        maxNorm: 'optNumber',
        normType: 'number',
        scaleGradByFreq: 'bool',
        sparse: 'bool',
        dtype: 'dtype',
      },
      [numEmbeddings, embeddingDim, plain],
    );
    this.maxNorm = (a.maxNorm as number | null | undefined) ?? null;
    this.normType = (a.normType as number | undefined) ?? 2;
    this.scaleGradByFreq = (a.scaleGradByFreq as boolean | undefined) ?? false;
    this.sparse = (a.sparse as boolean | undefined) ?? false;
    if (this.sparse) throw new Error('asgrad: Embedding(sparse=True) (sparse gradients) is not supported');
    const n = a.numEmbeddings as number;
    const d = a.embeddingDim as number;
    V.int(n, 'Embedding.__init__', 'num_embeddings', 1);
    V.int(d, 'Embedding.__init__', 'embedding_dim', 2);
    this.numEmbeddings = n;
    this.embeddingDim = d;
    let pad = (a.paddingIdx as number | null | undefined) ?? null;
    if (pad !== null) {
      V.int(pad, 'Embedding.__init__', 'padding_idx', 3);
      if (pad >= n) throw new Error('Padding_idx must be within num_embeddings');
      if (pad < 0) {
        if (pad < -n) throw new Error('Padding_idx must be within num_embeddings');
        pad += n;
      }
    }
    this.paddingIdx = pad;
    const dtype = floatDType(a.dtype);
    V.size([n, d], 'Embedding.__init__', 'size');
    if (pre) {
      // from_pretrained: the given tensor itself becomes the weight (PyTorch's Parameter(_weight)).
      this.weight = asParameter(pre.weight.detach(), !pre.freeze);
      return;
    }
    this.weight = asParameter(OPS.empty.fn([n, d], { dtype }));
    this.resetParameters();
  }
  /** PyTorch's reset_parameters: normal_(weight), then the padding row zeroed. */
  resetParameters(): void {
    init.normal_(this.weight);
    const row = this.paddingIdx;
    if (row !== null)
      noGrad(() =>
        scope(() => {
          this.weight.select(0, row).fill_(0);
        }),
      );
  }
  override forward(x: Tensor): Tensor {
    return OPS.embedding.fn(x, this.weight, {
      paddingIdx: this.paddingIdx,
      maxNorm: this.maxNorm,
      normType: this.normType,
      scaleGradByFreq: this.scaleGradByFreq,
    });
  }
  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    if (this.maxNorm !== null) s += `, max_norm=${pyFloat(this.maxNorm)}`;
    if (this.normType !== 2) s += `, norm_type=${pyFloat(this.normType)}`;
    if (this.scaleGradByFreq) s += ', scale_grad_by_freq=True';
    return s;
  }

  /** nn.Embedding.from_pretrained(embeddings, { freeze = true, paddingIdx, maxNorm, ... }): the tensor is the weight. */
  static fromPretrained(embeddings: Tensor, opts?: FromPretrainedOptions): Embedding {
    V.tensor(embeddings, 'Embedding.from_pretrained', 'embeddings', 1);
    if (embeddings.ndim !== 2) {
      const e = new Error('Embeddings parameter is expected to be 2-dimensional');
      e.name = 'AssertionError';
      throw e;
    }
    const { freeze, ...rest } = opts ?? {};
    if (freeze !== undefined) V.bool(freeze, 'Embedding.from_pretrained', 'freeze', 2);
    const [rows, cols] = embeddings.shape;
    return new Embedding(rows, cols, {
      ...rest,
      [PRETRAINED]: { weight: embeddings, freeze: freeze ?? true },
    } as EmbeddingOptions);
  }
}
