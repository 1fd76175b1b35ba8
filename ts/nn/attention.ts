// nn.MultiheadAttention (PyTorch 1.13's module and F.multi_head_attention_forward), composed from
// differentiable ops: linear, narrow, reshape/transpose, bmm, softmax, masked_fill, dropout, cat.
// Parameter names and order, default initialisation (xavier_uniform_ on the input projection, zero
// biases), the shape checks and their messages are PyTorch's; the output is [attnOutput, attnWeights].
import type { Tensor } from '../tensor.js';
import type { DType } from '../dtype.js';
import { OPS } from '../ops/index.js';
import { noGrad } from '../grad_mode.js';
import { scope } from '../scope.js';
import * as V from '../validate.js';
import { AutogradError } from '../autograd.js';
import { Module, asParameter, type Parameter } from './module.js';
import { Linear } from './layers.js';
import { initArgs } from './args.js';
import { AssertionError } from './errors.js';
import { pyTuple } from './repr.js';

/** A floating dtype (parameters are float32 or float64). @inline */
type FloatDType = 'float32' | 'float64';

/** nn.modules.linear.NonDynamicallyQuantizableLinear: a Linear under another name (MultiheadAttention's out_proj). */
export class NonDynamicallyQuantizableLinear extends Linear {}

/** Keyword arguments of MultiheadAttention: PyTorch's `dropout`, `bias`, `add_bias_kv`, `add_zero_attn`, `kdim`, `vdim`, `batch_first`, `dtype` (camelCase). */
export interface MultiheadAttentionOptions {
  /** Dropout probability (PyTorch's `dropout`). */
  dropout?: number;
  /** Whether the projections have biases (PyTorch's `bias`). */
  bias?: boolean;
  /** Add learned biases to the keys' and values' sequences (PyTorch's `add_bias_kv`). */
  addBiasKv?: boolean;
  /** Append a zero batch to keys and values (PyTorch's `add_zero_attn`). */
  addZeroAttn?: boolean;
  /** Features of the keys (PyTorch's `kdim`, default embedDim). */
  kdim?: number | null;
  /** Features of the values (PyTorch's `vdim`, default embedDim). */
  vdim?: number | null;
  /** Inputs and outputs are [batch, seq, feature] (PyTorch's `batch_first`). */
  batchFirst?: boolean;
  /** dtype of the parameters (`'float32'` by default, or `'float64'`). */
  dtype?: FloatDType;
}

/** Keyword arguments of `MultiheadAttention.forward`: PyTorch's `key_padding_mask`, `need_weights`, `attn_mask`, `average_attn_weights` (camelCase). */
export interface MultiheadAttentionForwardOptions {
  /** [batch, source length] mask of the keys to ignore (PyTorch's `key_padding_mask`). */
  keyPaddingMask?: Tensor | null;
  /** Also return the attention weights (PyTorch's `need_weights`). */
  needWeights?: boolean;
  /** Additive or boolean mask of the attention, [L, S] or [N * heads, L, S] (PyTorch's `attn_mask`). */
  attnMask?: Tensor | null;
  /** Average the returned weights over the heads (PyTorch's `average_attn_weights`). */
  averageAttnWeights?: boolean;
}

const MHA_KINDS = {
  embedDim: 'int',
  numHeads: 'int',
  dropout: 'number',
  bias: 'bool',
  addBiasKv: 'bool',
  addZeroAttn: 'bool',
  kdim: 'any',
  vdim: 'any',
  batchFirst: 'bool',
  dtype: 'dtype',
} as const;
const FORWARD_OPTS = V.optionSpec(
  'forward',
  { keyPaddingMask: 'optTensor', needWeights: 'bool', attnMask: 'optTensor', averageAttnWeights: 'bool' },
  [],
);

const size = (t: Tensor): string => `torch.Size([${t.shape.join(', ')}])`;
const sameShape = (t: Tensor, s: readonly number[]): boolean => t.ndim === s.length && t.shape.every((d, i) => d === s[i]);
const isFloat = (d: DType): boolean => d === 'float32' || d === 'float64';

/** A parameter of `shape` drawn from U(-bound, bound) with the seeded generator. */
function uniform(shape: number[], bound: number, dtype: FloatDType): Parameter {
  return asParameter(
    noGrad(() =>
      OPS.rand
        .fn(shape, { dtype })
        .mul(2 * bound)
        .sub(bound),
    ),
  );
}

/** sqrt(x), computed by the core (no JavaScript Math on a value path). */
const coreSqrt = (x: number): number => scope(() => OPS.tensor.fn(x, { dtype: 'float64' }).sqrt().item());

/** xavier_uniform_ (gain 1) of a 2-D [fanOut, fanIn] weight: U(-a, a), a = sqrt(6 / (fanIn + fanOut)). */
const xavierUniform = (shape: [number, number], dtype: FloatDType): Parameter => uniform(shape, coreSqrt(6 / (shape[0] + shape[1])), dtype);

/** xavier_normal_ (gain 1) of bias_k / bias_v [1, 1, E]: fan_in = fan_out = E, std = sqrt(2 / 2E). */
function xavierNormal(e: number, dtype: FloatDType): Parameter {
  const std = coreSqrt(2 / (2 * e));
  return asParameter(noGrad(() => OPS.randn.fn([1, 1, e], { dtype }).mul(std)));
}

/**
 * Multi-head attention (Vaswani et al.): `mha(query, key, value, { keyPaddingMask, needWeights,
 * attnMask, averageAttnWeights })` returns `[attnOutput, attnWeights]` (weights null when
 * `needWeights` is false). Inputs are [L, N, E] (or [N, L, E] with `batchFirst`), or unbatched [L, E].
 */
export interface MultiheadAttention {
  // biome-ignore lint/style/useShorthandFunctionType: the interface merges with the class below.
  (query: Tensor, key: Tensor, value: Tensor, opts?: MultiheadAttentionForwardOptions): [Tensor, Tensor | null];
}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface above gives the call its types.
export class MultiheadAttention extends Module {
  /** Size of the model (PyTorch's `embed_dim`). */
  readonly embedDim: number;
  /** Size of the keys' features (PyTorch's `kdim`; default embedDim). */
  readonly kdim: number;
  /** Size of the values' features (PyTorch's `vdim`; default embedDim). */
  readonly vdim: number;
  /** Number of parallel heads (PyTorch's `num_heads`); embedDim is split across them. */
  readonly numHeads: number;
  /** Dropout probability on the attention weights. */
  readonly dropout: number;
  /** Whether inputs are [batch, seq, feature] (PyTorch's `batch_first`). */
  readonly batchFirst: boolean;
  /** embedDim / numHeads (PyTorch's `head_dim`). */
  readonly headDim: number;
  /** Whether a zero batch of keys and values is appended (PyTorch's `add_zero_attn`). */
  readonly addZeroAttn: boolean;
  /** The output projection (PyTorch's `out_proj`, the state-dict key `out_proj.weight`). */
  declare out_proj: NonDynamicallyQuantizableLinear;
  constructor(
    embedDim: number | ({ embedDim: number; numHeads: number } & MultiheadAttentionOptions),
    numHeads?: number,
    opts?: MultiheadAttentionOptions,
  ) {
    super();
    const a = initArgs('MultiheadAttention', MHA_KINDS, [embedDim, numHeads, opts]);
    const e = a.embedDim as number;
    const h = a.numHeads as number;
    V.int(e, 'MultiheadAttention.__init__', 'embed_dim', 1);
    V.int(h, 'MultiheadAttention.__init__', 'num_heads', 2);
    const dim = (v: unknown, name: string): number => {
      if (v === undefined || v === null) return e;
      V.int(v, 'MultiheadAttention.__init__', name);
      return v as number;
    };
    this.embedDim = e;
    this.kdim = dim(a.kdim, 'kdim');
    this.vdim = dim(a.vdim, 'vdim');
    this.numHeads = h;
    this.dropout = (a.dropout as number | undefined) ?? 0;
    this.batchFirst = (a.batchFirst as boolean | undefined) ?? false;
    // Python's floor division, then PyTorch's assertion.
    this.headDim = h === 0 ? 0 : (e - (((e % h) + h) % h)) / h;
    if (h === 0) throw new Error('integer division or modulo by zero');
    if (this.headDim * h !== e) throw new AssertionError('embed_dim must be divisible by num_heads');
    const dtype = (a.dtype as FloatDType | undefined) ?? 'float32';
    if (!isFloat(dtype)) throw new AutogradError('Only Tensors of floating point and complex dtype can require gradients');
    const bias = (a.bias as boolean | undefined) ?? true;
    const sameDim = this.kdim === e && this.vdim === e;
    // PyTorch creates the (empty) parameters, then out_proj (its Linear init draws), then
    // _reset_parameters draws the projection weights: the same order of draws here.
    const placeholders: [string, number[]][] = sameDim
      ? [['in_proj_weight', [3 * e, e]]]
      : [
          ['q_proj_weight', [e, e]],
          ['k_proj_weight', [e, this.kdim]],
          ['v_proj_weight', [e, this.vdim]],
        ];
    for (const [k, s] of placeholders) V.size(s, 'MultiheadAttention.__init__', k);
    const zeros = (n: number): Parameter => asParameter(noGrad(() => OPS.zeros.fn([n], { dtype })));
    for (const [k] of placeholders) this.registerParameter(k, zeros(0));
    if (sameDim) for (const k of ['q_proj_weight', 'k_proj_weight', 'v_proj_weight']) this.registerParameter(k, null);
    else this.registerParameter('in_proj_weight', null);
    this.registerParameter('in_proj_bias', bias ? zeros(3 * e) : null);
    this.out_proj = new NonDynamicallyQuantizableLinear(e, e, { bias, dtype });
    const addBiasKv = (a.addBiasKv as boolean | undefined) ?? false;
    this.addZeroAttn = (a.addZeroAttn as boolean | undefined) ?? false;
    for (const [k, s] of placeholders) this.registerParameter(k, xavierUniform(s as [number, number], dtype));
    if (bias) noGrad(() => this.out_proj.bias?.zero_());
    if (addBiasKv) {
      this.registerParameter('bias_k', xavierNormal(e, dtype));
      this.registerParameter('bias_v', xavierNormal(e, dtype));
    }
  }

  private param(k: string): Tensor | null {
    return ((this as unknown as Record<string, Tensor | null | undefined>)[k] ?? null) as Tensor | null;
  }
  /** The packed q/k/v input projection, [3 * embedDim, embedDim] (PyTorch's `in_proj_weight`); null when kdim or vdim differ from embedDim. */
  get inProjWeight(): Tensor | null {
    return this.param('in_proj_weight');
  }
  /** The packed input projection bias (PyTorch's `in_proj_bias`), null without bias. */
  get inProjBias(): Tensor | null {
    return this.param('in_proj_bias');
  }
  /** The query projection when kdim or vdim differ from embedDim (PyTorch's `q_proj_weight`), else null. */
  get qProjWeight(): Tensor | null {
    return this.param('q_proj_weight');
  }
  /** The key projection when kdim or vdim differ from embedDim (PyTorch's `k_proj_weight`), else null. */
  get kProjWeight(): Tensor | null {
    return this.param('k_proj_weight');
  }
  /** The value projection when kdim or vdim differ from embedDim (PyTorch's `v_proj_weight`), else null. */
  get vProjWeight(): Tensor | null {
    return this.param('v_proj_weight');
  }
  /** The bias added to the keys' sequence with `addBiasKv` (PyTorch's `bias_k`), else null. */
  get biasK(): Tensor | null {
    return this.param('bias_k');
  }
  /** The bias added to the values' sequence with `addBiasKv` (PyTorch's `bias_v`), else null. */
  get biasV(): Tensor | null {
    return this.param('bias_v');
  }
  /** The output projection, camelCase spelling of `out_proj`. */
  get outProj(): NonDynamicallyQuantizableLinear {
    return this.out_proj;
  }

  override forward(query: Tensor, key: Tensor, value: Tensor, opts?: MultiheadAttentionForwardOptions): [Tensor, Tensor | null];
  override forward(...inputs: Tensor[]): Tensor;
  override forward(
    query: Tensor,
    key?: Tensor,
    value?: Tensor,
    opts?: MultiheadAttentionForwardOptions | Tensor,
  ): [Tensor, Tensor | null] | Tensor {
    V.tensor(query, 'forward', 'query', 1);
    V.tensor(key, 'forward', 'key', 2);
    V.tensor(value, 'forward', 'value', 3);
    const o = (opts ?? {}) as MultiheadAttentionForwardOptions;
    V.options(FORWARD_OPTS, o);
    const kpm = o.keyPaddingMask ?? null;
    if (kpm !== null && kpm.dtype !== 'bool' && !isFloat(kpm.dtype))
      throw new AssertionError('only bool and floating types of key_padding_mask are supported');
    const batched = query.ndim === 3;
    let [q, k, v] = [query, key, value];
    if (this.batchFirst && batched) [q, k, v] = [q, k, v].map((t) => t.transpose(1, 0));
    const [out, weights] = multiHeadAttentionForward(this, q, k, v, query === key, key === value, {
      keyPaddingMask: kpm,
      needWeights: o.needWeights ?? true,
      attnMask: o.attnMask ?? null,
      averageAttnWeights: o.averageAttnWeights ?? true,
    });
    return [this.batchFirst && batched ? out.transpose(1, 0) : out, weights];
  }
}

interface Masks {
  keyPaddingMask: Tensor | null;
  needWeights: boolean;
  attnMask: Tensor | null;
  averageAttnWeights: boolean;
}

/** _mha_shape_check: whether the input is batched (3-D query) or not (2-D); PyTorch's assertions. */
function shapeCheck(query: Tensor, key: Tensor, value: Tensor, kpm: Tensor | null, mask: Tensor | null, heads: number): boolean {
  if (query.ndim === 3) {
    if (key.ndim !== 3 || value.ndim !== 3)
      throw new AssertionError(
        `For batched (3-D) \`query\`, expected \`key\` and \`value\` to be 3-D but found ${key.ndim}-D and ${value.ndim}-D tensors respectively`,
      );
    if (kpm !== null && kpm.ndim !== 2)
      throw new AssertionError(
        `For batched (3-D) \`query\`, expected \`key_padding_mask\` to be \`None\` or 2-D but found ${kpm.ndim}-D tensor instead`,
      );
    if (mask !== null && mask.ndim !== 2 && mask.ndim !== 3)
      throw new AssertionError(
        `For batched (3-D) \`query\`, expected \`attn_mask\` to be \`None\`, 2-D or 3-D but found ${mask.ndim}-D tensor instead`,
      );
    return true;
  }
  if (query.ndim === 2) {
    if (key.ndim !== 2 || value.ndim !== 2)
      throw new AssertionError(
        `For unbatched (2-D) \`query\`, expected \`key\` and \`value\` to be 2-D but found ${key.ndim}-D and ${value.ndim}-D tensors respectively`,
      );
    if (kpm !== null && kpm.ndim !== 1)
      throw new AssertionError(
        `For unbatched (2-D) \`query\`, expected \`key_padding_mask\` to be \`None\` or 1-D but found ${kpm.ndim}-D tensor instead`,
      );
    if (mask !== null) {
      if (mask.ndim !== 2 && mask.ndim !== 3)
        throw new AssertionError(
          `For unbatched (2-D) \`query\`, expected \`attn_mask\` to be \`None\`, 2-D or 3-D but found ${mask.ndim}-D tensor instead`,
        );
      const want = [heads, query.shape[0], key.shape[0]];
      if (mask.ndim === 3 && !sameShape(mask, want))
        throw new AssertionError(`Expected \`attn_mask\` shape to be ${pyTuple(want)} but got ${size(mask)}`);
    }
    return false;
  }
  throw new AssertionError(`query should be unbatched 2D or batched 3D tensor but received ${query.ndim}-D query tensor`);
}

/** The parts [from, from + n) of w along dim 0 (bias or weight), or null. */
const rows = (w: Tensor | null, from: number, n: number): Tensor | null => (w === null ? null : w.narrow(0, from, n));

/** F.multi_head_attention_forward over [L, N, E] inputs (or unbatched [L, E]); qk / kv: query is key, key is value. */
function multiHeadAttentionForward(
  m: MultiheadAttention,
  query0: Tensor,
  key0: Tensor,
  value0: Tensor,
  qk: boolean,
  kv: boolean,
  o: Masks,
): [Tensor, Tensor | null] {
  const heads = m.numHeads;
  let kpm = o.keyPaddingMask;
  let mask = o.attnMask;
  const batched = shapeCheck(query0, key0, value0, kpm, mask, heads);
  let [query, key, value] = [query0, key0, value0];
  if (!batched) {
    [query, key, value] = [query, key, value].map((t) => t.unsqueeze(1));
    if (kpm !== null) kpm = kpm.unsqueeze(0);
  }
  const [tgtLen, bsz, embedDim] = query.shape;
  let srcLen = key.shape[0];
  if (kpm !== null && kpm.dtype !== 'bool' && !isFloat(kpm.dtype))
    throw new AssertionError('only bool and floating types of key_padding_mask are supported');
  if (embedDim !== m.embedDim) throw new AssertionError(`was expecting embedding dimension of ${m.embedDim}, but got ${embedDim}`);
  const headDim = m.headDim;
  const sep = m.inProjWeight === null;
  if (sep) {
    if (key.shape[0] !== value.shape[0] || key.shape[1] !== value.shape[1])
      throw new AssertionError(
        `key's sequence and batch dims torch.Size([${key.shape.slice(0, 2).join(', ')}]) do not match value's torch.Size([${value.shape.slice(0, 2).join(', ')}])`,
      );
  } else if (!sameShape(key, value.shape)) throw new AssertionError(`key shape ${size(key)} does not match value shape ${size(value)}`);

  // In-projection: _in_projection_packed (one linear for self-attention, two when key is value)
  // or _in_projection with the separate weights.
  const e = embedDim;
  const b = m.inProjBias;
  let q: Tensor;
  let k: Tensor;
  let v: Tensor;
  if (!sep) {
    const w = m.inProjWeight as Tensor;
    if (kv && qk) {
      const qkv = OPS.linear.fn(query, w, b);
      [q, k, v] = [0, 1, 2].map((i) => qkv.narrow(-1, i * e, e));
    } else if (kv) {
      q = OPS.linear.fn(query, w.narrow(0, 0, e), rows(b, 0, e));
      const kvp = OPS.linear.fn(key, w.narrow(0, e, 2 * e), rows(b, e, 2 * e));
      [k, v] = [kvp.narrow(-1, 0, e), kvp.narrow(-1, e, e)];
    } else {
      [q, k, v] = [query, key, value].map((t, i) => OPS.linear.fn(t, w.narrow(0, i * e, e), rows(b, i * e, e)));
    }
  } else {
    const ws = [m.qProjWeight, m.kProjWeight, m.vProjWeight] as Tensor[];
    const names = ['query', 'key', 'value'];
    const ins = [query, key, value];
    ins.forEach((t, i) => {
      const want = [e, t.shape[t.ndim - 1]];
      if (!sameShape(ws[i], want))
        throw new AssertionError(`expecting ${names[i]} weights shape of ${pyTuple(want)}, but got ${size(ws[i])}`);
    });
    [q, k, v] = ins.map((t, i) => OPS.linear.fn(t, ws[i], rows(b, i * e, e)));
  }

  // The attention mask: checked, made 3-D, bool turned into 0 / -inf of q's dtype.
  if (mask !== null) {
    if (!isFloat(mask.dtype) && mask.dtype !== 'bool')
      throw new AssertionError(`Only float, byte, and bool types are supported for attn_mask, not torch.${mask.dtype}`);
    if (mask.ndim === 2) {
      const want = [tgtLen, srcLen];
      if (!sameShape(mask, want)) throw new Error(`The shape of the 2D attn_mask is ${size(mask)}, but should be ${pyTuple(want)}.`);
      mask = mask.unsqueeze(0);
    } else if (mask.ndim === 3) {
      const want = [bsz * heads, tgtLen, srcLen];
      if (!sameShape(mask, want)) throw new Error(`The shape of the 3D attn_mask is ${size(mask)}, but should be ${pyTuple(want)}.`);
    } else throw new Error(`attn_mask's dimension ${mask.ndim} is not supported`);
  }
  const biasK = m.biasK;
  const biasV = m.biasV;
  if (biasK !== null && biasV !== null) {
    k = OPS.cat.fn([k, biasK.expand([1, bsz, e])]);
    v = OPS.cat.fn([v, biasV.expand([1, bsz, e])]);
    if (mask !== null) mask = OPS.pad.fn(mask, [0, 1]);
    if (kpm !== null) kpm = OPS.pad.fn(kpm, [0, 1]);
  }
  const split = (t: Tensor): Tensor =>
    t
      .contiguous()
      .reshape([t.shape[0], bsz * heads, headDim])
      .transpose(0, 1);
  q = split(q);
  k = split(k);
  v = split(v);
  if (m.addZeroAttn) {
    const z = OPS.zeros.fn([bsz * heads, 1, headDim], { dtype: k.dtype });
    k = OPS.cat.fn([k, z], 1);
    v = OPS.cat.fn([v, z], 1);
    if (mask !== null) mask = OPS.pad.fn(mask, [0, 1]);
    if (kpm !== null) kpm = OPS.pad.fn(kpm, [0, 1]);
  }
  srcLen = k.shape[1];

  // Merge the key padding mask into the attention mask.
  if (kpm !== null) {
    const want = [bsz, srcLen];
    if (!sameShape(kpm, want)) throw new AssertionError(`expecting key_padding_mask shape of ${pyTuple(want)}, but got ${size(kpm)}`);
    kpm = kpm
      .reshape([bsz, 1, 1, srcLen])
      .expand([-1, heads, -1, -1])
      .reshape([bsz * heads, 1, srcLen]);
    if (mask === null) mask = kpm;
    else if (mask.dtype === 'bool') mask = logicalOr(mask, kpm);
    else mask = OPS.maskedFill.fn(mask, kpm, Number.NEGATIVE_INFINITY);
  }
  if (mask !== null && mask.dtype === 'bool') {
    const bool = mask;
    mask = noGrad(() => OPS.zeros.fn([...bool.shape], { dtype: q.dtype }).maskedFill(bool, Number.NEGATIVE_INFINITY));
  }
  const p = m.training ? m.dropout : 0;

  // Scaled dot products (baddbmm with the mask), softmax, dropout, the weighted values.
  const qScaled = q.div(coreSqrt(headDim));
  let w = OPS.bmm.fn(qScaled, k.transpose(-2, -1));
  if (mask !== null) w = w.add(mask);
  w = OPS.softmax.fn(w, -1);
  if (p > 0) w = OPS.dropout.fn(w, { p });
  let out = OPS.bmm.fn(w, v);
  out = out
    .transpose(0, 1)
    .contiguous()
    .reshape([tgtLen * bsz, embedDim]);
  out = OPS.linear.fn(out, m.out_proj.weight, m.out_proj.bias);
  out = out.reshape([tgtLen, bsz, out.shape[1]]);
  if (!o.needWeights) return [batched ? out : out.squeeze(1), null];
  let weights = w.reshape([bsz, heads, tgtLen, srcLen]);
  if (o.averageAttnWeights) weights = weights.sum(1).div(heads);
  return batched ? [out, weights] : [out.squeeze(1), weights.squeeze(0)];
}

/** a.logical_or(b) of a bool mask and a bool or float one (nonzero is true): bool. */
function logicalOr(a: Tensor, b: Tensor): Tensor {
  return noGrad(() => {
    const bb = b.dtype === 'bool' ? b : b.ne(0);
    return OPS.where.fn(a, a, bb);
  });
}
