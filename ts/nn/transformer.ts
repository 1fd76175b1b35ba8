// nn.TransformerEncoderLayer and nn.TransformerEncoder (PyTorch 1.13's modules, the general path:
// self-attention block and feed-forward block with residuals, post- or pre-norm). Children, their
// names and order, and the repr are PyTorch's; TransformerEncoder's layers are deep copies of the
// layer it is given (PyTorch's _get_clones), so all start with the same values in their own storage.
import type { Tensor } from '../tensor.js';
import { OPS } from '../ops/index.js';
import * as V from '../validate.js';
import { Module, deepCopy } from './module.js';
import { Dropout, Linear } from './layers.js';
import { LayerNorm } from './norm.js';
import { ModuleList } from './containers.js';
import { MultiheadAttention } from './attention.js';
import { initArgs } from './args.js';
import { AssertionError, IndexError } from './errors.js';

/** A floating dtype (parameters are float32 or float64). @inline */
type FloatDType = 'float32' | 'float64';
/** The feed-forward activation: a name, a function or a module. @inline */
type Activation = 'relu' | 'gelu' | ((x: Tensor) => Tensor) | Module;

/** Keyword arguments of TransformerEncoderLayer: PyTorch's `dim_feedforward`, `dropout`, `activation`, `layer_norm_eps`, `batch_first`, `norm_first`, `dtype` (camelCase). */
export interface TransformerEncoderLayerOptions {
  /** Width of the feed-forward network (PyTorch's `dim_feedforward`, default 2048). */
  dimFeedforward?: number;
  /** Dropout probability (PyTorch's `dropout`). */
  dropout?: number;
  /** The feed-forward activation: `'relu'` (default), `'gelu'`, a function or a module. */
  activation?: Activation;
  /** eps of the layer norms (PyTorch's `layer_norm_eps`). */
  layerNormEps?: number;
  /** Inputs and outputs are [batch, seq, feature] (PyTorch's `batch_first`). */
  batchFirst?: boolean;
  /** Apply layer norm before attention and feed-forward (PyTorch's `norm_first`). */
  normFirst?: boolean;
  /** dtype of the parameters (`'float32'` by default, or `'float64'`). */
  dtype?: FloatDType;
}

/** Keyword arguments of `TransformerEncoderLayer.forward`: PyTorch's `src_mask`, `src_key_padding_mask` (camelCase). */
export interface TransformerEncoderLayerForwardOptions {
  /** Additive or boolean attention mask, [seq, seq] (PyTorch's `src_mask`). */
  srcMask?: Tensor | null;
  /** [batch, seq] mask of the keys to ignore (PyTorch's `src_key_padding_mask`). */
  srcKeyPaddingMask?: Tensor | null;
}

const LAYER_KINDS = {
  dModel: 'int',
  nhead: 'int',
  dimFeedforward: 'int',
  dropout: 'number',
  activation: 'any',
  layerNormEps: 'number',
  batchFirst: 'bool',
  normFirst: 'bool',
  dtype: 'dtype',
} as const;
const LAYER_FORWARD_OPTS = V.optionSpec('forward', { srcMask: 'optTensor', srcKeyPaddingMask: 'optTensor' });

const relu = (x: Tensor): Tensor => OPS.relu.fn(x);
const gelu = (x: Tensor): Tensor => OPS.gelu.fn(x);

function checkPaddingMask(m: Tensor | null): void {
  if (m !== null && m.dtype !== 'bool' && m.dtype !== 'float32' && m.dtype !== 'float64')
    throw new AssertionError('only bool and floating types of key_padding_mask are supported');
}

/**
 * One encoder layer: self-attention then a feed-forward network (linear1, activation, dropout,
 * linear2), each with dropout, a residual connection and LayerNorm (after the block, or before it
 * with `normFirst`). `layer(src, { srcMask, srcKeyPaddingMask })`.
 */
export interface TransformerEncoderLayer {
  // biome-ignore lint/style/useShorthandFunctionType: the interface merges with the class below.
  (src: Tensor, opts?: TransformerEncoderLayerForwardOptions): Tensor;
}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface above gives the call its types.
export class TransformerEncoderLayer extends Module {
  /** The self-attention block (PyTorch's `self_attn`, its state-dict key). */
  declare self_attn: MultiheadAttention;
  /** The feed-forward network's first layer, d_model -> dim_feedforward. */
  declare linear1: Linear;
  /** Dropout inside the feed-forward network. */
  declare dropout: Dropout;
  /** The feed-forward network's second layer, dim_feedforward -> d_model. */
  declare linear2: Linear;
  /** Whether layer norm comes before attention and feed-forward (PyTorch's `norm_first`). */
  readonly normFirst: boolean;
  /** The layer norm around the attention block. */
  declare norm1: LayerNorm;
  /** The layer norm around the feed-forward block. */
  declare norm2: LayerNorm;
  /** Dropout after the attention block. */
  declare dropout1: Dropout;
  /** Dropout after the feed-forward block. */
  declare dropout2: Dropout;
  /** PyTorch's activation_relu_or_gelu: 1 for relu, 2 for gelu, 0 for another activation. */
  readonly activationReluOrGelu: 0 | 1 | 2;
  /** The feed-forward activation (relu by default). */
  declare activation: ((x: Tensor) => Tensor) | Module;
  constructor(
    dModel: number | ({ dModel: number; nhead: number } & TransformerEncoderLayerOptions),
    nhead?: number,
    opts?: TransformerEncoderLayerOptions,
  ) {
    super();
    const a = initArgs('TransformerEncoderLayer', LAYER_KINDS, [dModel, nhead, opts]);
    const d = a.dModel as number;
    const h = a.nhead as number;
    V.int(d, 'TransformerEncoderLayer.__init__', 'd_model', 1);
    V.int(h, 'TransformerEncoderLayer.__init__', 'nhead', 2);
    const ff = (a.dimFeedforward as number | undefined) ?? 2048;
    const p = (a.dropout as number | undefined) ?? 0.1;
    const eps = (a.layerNormEps as number | undefined) ?? 1e-5;
    const batchFirst = (a.batchFirst as boolean | undefined) ?? false;
    const dtype = (a.dtype as FloatDType | undefined) ?? 'float32';
    this.self_attn = new MultiheadAttention(d, h, { dropout: p, batchFirst, dtype });
    this.linear1 = new Linear(d, ff, { dtype });
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(ff, d, { dtype });
    this.normFirst = (a.normFirst as boolean | undefined) ?? false;
    this.norm1 = new LayerNorm(d, { eps, dtype });
    this.norm2 = new LayerNorm(d, { eps, dtype });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    let act = (a.activation as Activation | undefined) ?? 'relu';
    if (typeof act === 'string') {
      if (act === 'relu') act = relu;
      else if (act === 'gelu') act = gelu;
      else throw new Error(`activation should be relu/gelu, not ${act}`);
    } else if (typeof act !== 'function') {
      throw new TypeError(`activation must be 'relu', 'gelu', a function or a Module, not ${V.typeName(act)}`);
    }
    const cls = act instanceof Module ? act.constructor.name : '';
    this.activationReluOrGelu = act === relu || cls === 'ReLU' ? 1 : act === gelu || cls === 'GELU' ? 2 : 0;
    // A module activation is a child (printed last, as PyTorch's); a function is a plain field.
    this.activation = act;
  }

  override forward(src: Tensor, opts?: TransformerEncoderLayerForwardOptions): Tensor;
  override forward(...inputs: Tensor[]): Tensor;
  override forward(src: Tensor, opts?: TransformerEncoderLayerForwardOptions | Tensor): Tensor {
    V.tensor(src, 'forward', 'src', 1);
    const o = (opts ?? {}) as TransformerEncoderLayerForwardOptions;
    V.options(LAYER_FORWARD_OPTS, o);
    const mask = o.srcMask ?? null;
    const kpm = o.srcKeyPaddingMask ?? null;
    checkPaddingMask(kpm);
    let x = src;
    if (this.normFirst) {
      x = x.add(this.saBlock(this.norm1(x), mask, kpm));
      x = x.add(this.ffBlock(this.norm2(x)));
    } else {
      x = this.norm1(x.add(this.saBlock(x, mask, kpm)));
      x = this.norm2(x.add(this.ffBlock(x)));
    }
    return x;
  }
  private saBlock(x: Tensor, attnMask: Tensor | null, keyPaddingMask: Tensor | null): Tensor {
    const [y] = this.self_attn(x, x, x, { attnMask, keyPaddingMask, needWeights: false });
    return this.dropout1(y);
  }
  private ffBlock(x: Tensor): Tensor {
    const act = this.activation;
    const h = act instanceof Module ? act(this.linear1(x)) : act(this.linear1(x));
    return this.dropout2(this.linear2(this.dropout(h)));
  }
}

/** Keyword arguments of TransformerEncoder: PyTorch's `norm`, `enable_nested_tensor`, `mask_check` (camelCase). */
export interface TransformerEncoderOptions {
  /** A final normalisation module, or null. */
  norm?: Module | null;
  /** PyTorch's `enable_nested_tensor` (accepted; asgrad has no nested tensors). */
  enableNestedTensor?: boolean;
  /** PyTorch's `mask_check`. */
  maskCheck?: boolean;
}

/** Keyword arguments of `TransformerEncoder.forward`: PyTorch's `mask`, `src_key_padding_mask` (camelCase). */
export interface TransformerEncoderForwardOptions {
  /** Attention mask, [seq, seq] (PyTorch's `mask`). */
  mask?: Tensor | null;
  /** [batch, seq] mask of the keys to ignore (PyTorch's `src_key_padding_mask`). */
  srcKeyPaddingMask?: Tensor | null;
}

const ENCODER_KINDS = { encoderLayer: 'any', numLayers: 'int', norm: 'any', enableNestedTensor: 'bool', maskCheck: 'bool' } as const;
const ENCODER_FORWARD_OPTS = V.optionSpec('forward', { mask: 'optTensor', srcKeyPaddingMask: 'optTensor' });

/**
 * A stack of `numLayers` copies of `encoderLayer` (deep copies: the same initial values, their own
 * storage), then the optional `norm`. `encoder(src, { mask, srcKeyPaddingMask })`.
 */
export interface TransformerEncoder {
  // biome-ignore lint/style/useShorthandFunctionType: the interface merges with the class below.
  (src: Tensor, opts?: TransformerEncoderForwardOptions): Tensor;
}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface above gives the call its types.
export class TransformerEncoder extends Module {
  /** The stacked copies of the encoder layer. */
  declare layers: ModuleList;
  /** How many layers are stacked (PyTorch's `num_layers`). */
  readonly numLayers: number;
  /** A final normalisation module, or null. */
  declare norm: Module | null;
  /** PyTorch's `enable_nested_tensor` (accepted; asgrad has no nested tensors). */
  readonly enableNestedTensor: boolean;
  /** PyTorch's `mask_check`. */
  readonly maskCheck: boolean;
  constructor(
    encoderLayer: Module | ({ encoderLayer: Module; numLayers: number } & TransformerEncoderOptions),
    numLayers?: number,
    opts?: TransformerEncoderOptions,
  ) {
    super();
    const a = initArgs('TransformerEncoder', ENCODER_KINDS, [encoderLayer, numLayers, opts]);
    const layer = a.encoderLayer;
    const n = a.numLayers as number;
    if (!(layer instanceof Module)) throw new TypeError(`${V.typeName(layer)} is not a Module subclass`);
    V.int(n, 'TransformerEncoder.__init__', 'num_layers', 2);
    const norm = (a.norm as Module | null | undefined) ?? null;
    if (norm !== null && !(norm instanceof Module)) throw new TypeError(`${V.typeName(norm)} is not a Module subclass`);
    const clones: Module[] = [];
    for (let i = 0; i < n; i++) clones.push(deepCopy(layer));
    this.layers = new ModuleList(clones);
    this.numLayers = n;
    // None is a plain attribute in PyTorch (not printed); a module is a child.
    this.norm = norm;
    this.enableNestedTensor = (a.enableNestedTensor as boolean | undefined) ?? true;
    this.maskCheck = (a.maskCheck as boolean | undefined) ?? true;
  }

  override forward(src: Tensor, opts?: TransformerEncoderForwardOptions): Tensor;
  override forward(...inputs: Tensor[]): Tensor;
  override forward(src: Tensor, opts?: TransformerEncoderForwardOptions | Tensor): Tensor {
    V.tensor(src, 'forward', 'src', 1);
    const o = (opts ?? {}) as TransformerEncoderForwardOptions;
    V.options(ENCODER_FORWARD_OPTS, o);
    const kpm = o.srcKeyPaddingMask ?? null;
    checkPaddingMask(kpm);
    if (this.layers.length === 0) throw new IndexError('index 0 is out of range');
    let out = src;
    for (const layer of this.layers) {
      out = (layer as TransformerEncoderLayer)(out, { srcMask: o.mask ?? null, srcKeyPaddingMask: kpm });
    }
    return this.norm === null ? out : this.norm(out);
  }
}
