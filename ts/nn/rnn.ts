// Recurrent modules: RNN (tanh / relu), LSTM (with projections) and GRU, multi-layer and
// bidirectional, and the single-step cells RNNCell, LSTMCell and GRUCell. Composed from differentiable
// ops (linear, unbind, unsafe_chunk, sigmoid, tanh, relu, mul, add, stack, cat, dropout) as PyTorch 1.13's CPU
// implementation (aten/src/ATen/native/RNN.cpp) composes them: the input projection of a whole layer
// is one linear over every time step, unbound into its steps; each step adds the hidden projection and applies the gates
// (LSTM i, f, g, o; GRU r, z, n with n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (h - n) * z + n).
// Parameter names, order, default initialisation, argument checks and the repr are PyTorch's.
import type { Tensor } from '../tensor.js';
import { OPS } from '../ops/index.js';
import { noGrad } from '../grad_mode.js';
import { scope } from '../scope.js';
import * as V from '../validate.js';
import { AutogradError } from '../autograd.js';
import { Module, asParameter, type Parameter } from './module.js';
import { initArgs } from './args.js';
import { IndexError } from './errors.js';
import { pyBool, pyFloat, pyTuple } from './repr.js';

/** A floating dtype (parameters are float32 or float64). @inline */
type FloatDType = 'float32' | 'float64';

/** Python's AssertionError (the cells assert the input's dimensions). */
export class AssertionError extends Error {
  override name = 'AssertionError';
}
/** PyTorch's RNNBase mode string. @inline */
type Mode = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';

/** The options of nn.RNN / nn.LSTM / nn.GRU after input_size and hidden_size (PyTorch's keyword names). */
export interface RNNOptions {
  /** Number of stacked recurrent layers (PyTorch's `num_layers`). */
  numLayers?: number;
  /** Whether to learn an additive bias (PyTorch's `bias`, default true). */
  bias?: boolean;
  /** Inputs and outputs are [batch, seq, feature] (PyTorch's `batch_first`). */
  batchFirst?: boolean;
  /** Dropout probability (PyTorch's `dropout`). */
  dropout?: number;
  /** Also run each layer backwards in time (PyTorch's `bidirectional`). */
  bidirectional?: boolean;
  /** dtype of the parameters (`'float32'` by default, or `'float64'`). */
  dtype?: FloatDType;
}
/** Keyword arguments of LSTM: RNNOptions and PyTorch's `proj_size` (camelCase). */
export interface LSTMOptions extends RNNOptions {
  /** LSTM projection size, 0 for none (PyTorch's `proj_size`). */
  projSize?: number;
}
/** Keyword arguments of RNN: RNNOptions and PyTorch's `nonlinearity`. */
export interface ElmanRNNOptions extends RNNOptions {
  /** The activation, `'tanh'` or `'relu'` (PyTorch's `nonlinearity`). */
  nonlinearity?: 'tanh' | 'relu';
}
/** Keyword arguments of the cells (LSTMCell, GRUCell): PyTorch's `bias`, `dtype`. */
export interface RNNCellOptions {
  /** Whether to learn an additive bias (PyTorch's `bias`, default true). */
  bias?: boolean;
  /** dtype of the parameters (`'float32'` by default, or `'float64'`). */
  dtype?: FloatDType;
}
/** Keyword arguments of RNNCell: RNNCellOptions and PyTorch's `nonlinearity`. */
export interface ElmanRNNCellOptions extends RNNCellOptions {
  /** The activation, `'tanh'` or `'relu'` (PyTorch's `nonlinearity`). */
  nonlinearity?: 'tanh' | 'relu';
}

/** LSTM's result: output and (h_n, c_n). */
export type LSTMResult = [Tensor, [Tensor, Tensor]];
/** RNN's and GRU's result: output and h_n. */
export type RNNResult = [Tensor, Tensor];

function floatDType(d: unknown): FloatDType {
  const dtype = (d as FloatDType | undefined) ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64')
    throw new AutogradError('Only Tensors of floating point and complex dtype can require gradients');
  return dtype;
}

/** reset_parameters: U(-1/sqrt(hidden), 1/sqrt(hidden)) for every parameter, in registration order. */
function initUniform(m: Module, hiddenSize: number): void {
  const bound = hiddenSize > 0 ? scope(() => OPS.tensor.fn(hiddenSize, { dtype: 'float64' }).sqrt().reciprocal().item()) : 0;
  noGrad(() => {
    for (const p of m.parameters()) {
      scope(() => {
        p.copy_(
          OPS.rand
            .fn([...p.shape], { dtype: p.dtype })
            .mul(2 * bound)
            .sub(bound),
        );
      });
    }
  });
}

const empty = (shape: number[], dtype: FloatDType): Parameter => asParameter(noGrad(() => OPS.zeros.fn(shape, { dtype })));

/** Python's repr of a shape tuple, as in "Expected hidden size (1, 2, 4), got [1, 3, 4]". */
const shapeList = (t: Tensor): string => `[${[...t.shape].join(', ')}]`;

function checkHiddenSize(hx: Tensor, expected: number[], what: string): void {
  const s = [...hx.shape];
  if (s.length !== expected.length || s.some((v, i) => v !== expected[i])) {
    throw new Error(`Expected ${what} size ${pyTuple(expected)}, got ${shapeList(hx)}`);
  }
}

const RNN_KINDS = {
  inputSize: 'int',
  hiddenSize: 'int',
  numLayers: 'int',
  bias: 'bool',
  batchFirst: 'bool',
  dropout: 'number',
  bidirectional: 'bool',
  projSize: 'int',
  dtype: 'dtype',
} as const;

/** PyTorch's RNNBase: the parameters of every layer and direction, the checks and the layer loop. */
abstract class RNNBase extends Module {
  /** PyTorch's RNNBase mode (`'RNN_TANH'`, `'RNN_RELU'`, `'LSTM'`, `'GRU'`). */
  readonly mode: Mode;
  /** Features of the input (PyTorch's `input_size`). */
  readonly inputSize: number;
  /** Features of the hidden state (PyTorch's `hidden_size`). */
  readonly hiddenSize: number;
  /** Number of stacked recurrent layers (PyTorch's `num_layers`). */
  readonly numLayers: number;
  /** Whether the layers have biases (`bias_ih_l*`, `bias_hh_l*`). */
  readonly bias: boolean;
  /** Whether inputs and outputs are [batch, seq, feature] (PyTorch's `batch_first`). */
  readonly batchFirst: boolean;
  /** Dropout probability on the outputs of each layer but the last. */
  readonly dropout: number;
  /** Whether each layer also runs backwards in time. */
  readonly bidirectional: boolean;
  /** LSTM's projection size, 0 for none (PyTorch's `proj_size`). */
  readonly projSize: number;
  /** The parameter names of each layer and direction (PyTorch's _all_weights). */
  private readonly weightNames: readonly (readonly string[])[];

  constructor(name: string, mode: Mode, args: readonly unknown[], extra: Record<string, V.OptKind> = {}) {
    super();
    const kinds: Record<string, V.OptKind> = { ...RNN_KINDS, ...extra };
    if (mode !== 'LSTM') {
      const last = args[args.length - 1];
      if (V.isOptions(last) && 'projSize' in last) throw new V.ValueError('proj_size argument is only supported for LSTM, not RNN or GRU');
      delete kinds.projSize;
    }
    // PyTorch reports unknown keywords from RNNBase.__init__ (RNN, LSTM and GRU take **kwargs).
    const a = initArgs('RNNBase', kinds, args);
    const entry = `${name}.__init__`;
    V.int(a.inputSize, entry, 'input_size', 1);
    V.int(a.hiddenSize, entry, 'hidden_size', 2);
    this.mode = mode;
    this.inputSize = a.inputSize;
    this.hiddenSize = a.hiddenSize;
    this.numLayers = (a.numLayers as number | undefined) ?? 1;
    this.bias = (a.bias as boolean | undefined) ?? true;
    this.batchFirst = (a.batchFirst as boolean | undefined) ?? false;
    const dropout = (a.dropout as number | undefined) ?? 0;
    if (typeof dropout !== 'number' || !(dropout >= 0 && dropout <= 1)) {
      throw new V.ValueError('dropout should be a number in range [0, 1] representing the probability of an element being zeroed');
    }
    this.dropout = dropout;
    this.bidirectional = (a.bidirectional as boolean | undefined) ?? false;
    this.projSize = (a.projSize as number | undefined) ?? 0;
    V.int(this.numLayers, entry, 'num_layers', 3);
    V.int(this.projSize, entry, 'proj_size', 8);
    if (this.projSize < 0) throw new V.ValueError('proj_size should be a positive integer or zero to disable projections');
    if (this.projSize >= this.hiddenSize) throw new V.ValueError('proj_size has to be smaller than hidden_size');
    const dtype = floatDType(a.dtype);
    const gate = { LSTM: 4, GRU: 3, RNN_TANH: 1, RNN_RELU: 1 }[mode] * this.hiddenSize;
    const dirs = this.bidirectional ? 2 : 1;
    const real = this.projSize > 0 ? this.projSize : this.hiddenSize;
    V.size([gate, this.inputSize], entry, 'size');
    const all: string[][] = [];
    const fields = this as unknown as Record<string, Parameter>;
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let d = 0; d < dirs; d++) {
        const inSize = layer === 0 ? this.inputSize : real * dirs;
        const sfx = `_l${layer}${d === 1 ? '_reverse' : ''}`;
        const names = [`weight_ih${sfx}`, `weight_hh${sfx}`];
        fields[names[0]] = empty([gate, inSize], dtype);
        fields[names[1]] = empty([gate, real], dtype);
        if (this.bias) {
          names.push(`bias_ih${sfx}`, `bias_hh${sfx}`);
          fields[names[2]] = empty([gate], dtype);
          fields[names[3]] = empty([gate], dtype);
        }
        if (this.projSize > 0) {
          names.push(`weight_hr${sfx}`);
          fields[names[names.length - 1]] = empty([this.projSize, this.hiddenSize], dtype);
        }
        all.push(names);
      }
    }
    // PyTorch's flatten_parameters reads the first weight: no layer is an IndexError there.
    if (all.length === 0) throw new IndexError('list index out of range');
    this.weightNames = all;
    initUniform(this, this.hiddenSize);
  }

  /** PyTorch's all_weights: the parameters of each layer and direction, in order. */
  get allWeights(): Tensor[][] {
    return this.weightNames.map((names) => names.map((n) => this.param(n)));
  }

  private param(name: string): Tensor {
    return (this as unknown as Record<string, Tensor>)[name];
  }

  /** The weights of one layer and direction: [w_ih, w_hh, b_ih | null, b_hh | null, w_hr | null]. */
  private weights(layer: number, dir: number): [Tensor, Tensor, Tensor | null, Tensor | null, Tensor | null] {
    const sfx = `_l${layer}${dir === 1 ? '_reverse' : ''}`;
    const p = (n: string): Tensor => this.param(n);
    return [
      p(`weight_ih${sfx}`),
      p(`weight_hh${sfx}`),
      this.bias ? p(`bias_ih${sfx}`) : null,
      this.bias ? p(`bias_hh${sfx}`) : null,
      this.projSize > 0 ? p(`weight_hr${sfx}`) : null,
    ];
  }

  /** PyTorch's check_input (the input already made 3-D when it was 2-D). */
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 3) throw new Error(`input must have 3 dimensions, got ${x.ndim}`);
    const last = x.shape[x.ndim - 1];
    if (this.inputSize !== last) throw new Error(`input.size(-1) must be equal to input_size. Expected ${this.inputSize}, got ${last}`);
  }

  /** (num_layers * num_directions, batch, proj_size or hidden_size). */
  protected expectedHidden(x: Tensor, cell = false): number[] {
    const batch = this.batchFirst ? x.shape[0] : x.shape[1];
    const size = !cell && this.projSize > 0 ? this.projSize : this.hiddenSize;
    return [this.numLayers * (this.bidirectional ? 2 : 1), batch, size];
  }

  /**
   * Runs every layer and direction over the time-major 3-D input with the initial states
   * `h0` [L*D, B, H] (and `c0` for LSTM). Returns the output and the final states, stacked the same way.
   */
  protected run(input: Tensor, h0: Tensor, c0: Tensor | null): [Tensor, Tensor, Tensor | null] {
    let x = this.batchFirst ? input.transpose(0, 1) : input;
    const dirs = this.bidirectional ? 2 : 1;
    const steps = x.shape[0];
    if (steps === 0) throw new Error('Expected sequence length to be larger than 0 in RNN');
    const hs: Tensor[] = [];
    const cs: Tensor[] = [];
    for (let layer = 0; layer < this.numLayers; layer++) {
      const outs: Tensor[] = [];
      for (let d = 0; d < dirs; d++) {
        const [wih, whh, bih, bhh, whr] = this.weights(layer, d);
        const k = layer * dirs + d;
        // The input projection of every step in one product: [T, B, gates].
        const xp = OPS.linear.fn(x, wih, bih);
        let h = h0.select(0, k);
        let c = c0 ? c0.select(0, k) : null;
        const ys: Tensor[] = new Array(steps);
        // The time steps as views of one UnbindBackward0 node, as PyTorch's CPU RNN takes them: its
        // backward stacks the steps' gradients once.
        const xs = OPS.unbind.fn(xp, 0);
        for (let i = 0; i < steps; i++) {
          const t = d === 0 ? i : steps - 1 - i;
          const xt = xs[t];
          if (this.mode === 'LSTM') {
            [h, c] = lstmStep(xt, h, c as Tensor, whh, bhh, whr);
          } else if (this.mode === 'GRU') {
            h = gruStep(xt, h, whh, bhh);
          } else {
            h = rnnStep(xt, h, whh, bhh, this.mode === 'RNN_RELU');
          }
          ys[t] = h;
        }
        hs.push(h);
        if (c) cs.push(c);
        outs.push(OPS.stack.fn(ys, 0));
      }
      x = dirs === 1 ? outs[0] : OPS.cat.fn(outs, 2);
      if (this.dropout !== 0 && this.training && layer < this.numLayers - 1) {
        x = OPS.dropout.fn(x, { p: this.dropout, training: true });
      }
    }
    const out = this.batchFirst ? x.transpose(0, 1) : x;
    return [out, OPS.stack.fn(hs, 0), c0 ? OPS.stack.fn(cs, 0) : null];
  }

  /** Unbatched (2-D) input made 3-D, as PyTorch's forward does. */
  protected batched(input: unknown): [Tensor, boolean, number] {
    V.tensor(input, this.constructor.name, 'input', 1);
    const isBatched = input.ndim === 3;
    const batchDim = this.batchFirst ? 0 : 1;
    return [isBatched ? input : input.unsqueeze(batchDim), isBatched, batchDim];
  }

  /** h0 for RNN and GRU: given (checked as PyTorch) or zeros. */
  protected hidden(x: Tensor, hx: unknown, isBatched: boolean): Tensor {
    if (hx === undefined || hx === null) return OPS.zeros.fn(this.expectedHidden(x), { dtype: x.dtype });
    V.tensor(hx, this.constructor.name, 'hx', 2);
    let h = hx;
    if (!isBatched) {
      if (h.ndim !== 2) throw new Error(`For unbatched 2-D input, hx should also be 2-D but got ${h.ndim}-D tensor`);
      h = h.unsqueeze(1);
    } else if (h.ndim !== 3) throw new Error(`For batched 3-D input, hx should also be 3-D but got ${h.ndim}-D tensor`);
    return h;
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.projSize !== 0) s += `, proj_size=${this.projSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (this.bias !== true) s += `, bias=${pyBool(this.bias)}`;
    if (this.batchFirst !== false) s += `, batch_first=${pyBool(this.batchFirst)}`;
    if (this.dropout !== 0) s += `, dropout=${pyFloat(this.dropout)}`;
    if (this.bidirectional !== false) s += `, bidirectional=${pyBool(this.bidirectional)}`;
    return s;
  }
}

/** linear(h, w_hh, b_hh) + the precomputed input projection (RNN.cpp's order of the sum). */
function gates(xt: Tensor, h: Tensor, whh: Tensor, bhh: Tensor | null): Tensor {
  return OPS.linear.fn(h, whh, bhh).add(xt);
}

function rnnStep(xt: Tensor, h: Tensor, whh: Tensor, bhh: Tensor | null, relu: boolean): Tensor {
  const g = gates(xt, h, whh, bhh);
  return relu ? g.relu() : g.tanh();
}

function lstmStep(xt: Tensor, h: Tensor, c: Tensor, whh: Tensor, bhh: Tensor | null, whr: Tensor | null): [Tensor, Tensor] {
  // The gates as RNN.cpp's LSTMCell takes them: unsafe_chunk(4, 1) (one UnsafeSplitBackward0 node).
  const [gi, gf, gc, go] = OPS.unsafeChunk.fn(gates(xt, h, whh, bhh), 4, 1);
  const i = gi.sigmoid();
  const f = gf.sigmoid();
  const cg = gc.tanh();
  const o = go.sigmoid();
  const cy = f.mul(c).add(i.mul(cg));
  const hy = o.mul(cy.tanh());
  return [whr ? hy.matmul(whr.t()) : hy, cy];
}

function gruStep(xt: Tensor, h: Tensor, whh: Tensor, bhh: Tensor | null): Tensor {
  // RNN.cpp's GRUCell: both projections split with unsafe_chunk(3, 1).
  const [ir, iz, inn] = OPS.unsafeChunk.fn(xt, 3, 1);
  const [hr, hz, hn] = OPS.unsafeChunk.fn(OPS.linear.fn(h, whh, bhh), 3, 1);
  const r = hr.add(ir).sigmoid();
  const z = hz.add(iz).sigmoid();
  const ng = inn.add(hn.mul(r)).tanh();
  return h.sub(ng).mul(z).add(ng);
}

// ---- the multi-layer modules -------------------------------------------------------------------

/** Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh) (or relu). */
export interface RNN {
  // biome-ignore lint/style/useShorthandFunctionType: the interface merges with the class below.
  (input: Tensor, hx?: Tensor | null): RNNResult;
}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface types the call of the module.
export class RNN extends RNNBase {
  /** The activation of the Elman RNN: `'tanh'` or `'relu'`. */
  readonly nonlinearity: 'tanh' | 'relu';
  constructor(
    inputSize: number | ElmanRNNOptions,
    hiddenSize?: number | ElmanRNNOptions,
    ...rest: (number | boolean | ElmanRNNOptions | undefined)[]
  ) {
    const args = [inputSize, hiddenSize, ...rest];
    const last = args.filter((v) => v !== undefined).at(-1);
    const nl = V.isOptions(last) ? (last as ElmanRNNOptions).nonlinearity : undefined;
    const mode: Mode = nl === undefined || nl === 'tanh' ? 'RNN_TANH' : 'RNN_RELU';
    if (nl !== undefined && nl !== 'tanh' && nl !== 'relu') throw new V.ValueError(`Unknown nonlinearity '${String(nl)}'`);
    super('RNN', mode, args, { nonlinearity: 'any' });
    this.nonlinearity = mode === 'RNN_RELU' ? 'relu' : 'tanh';
  }
  override forward(input: Tensor, hx?: Tensor | null): RNNResult;
  override forward(...inputs: Tensor[]): never;
  override forward(input: Tensor, hx?: Tensor | null): RNNResult {
    const [x, isBatched, batchDim] = this.batched(input);
    const h0 = this.hidden(x, hx, isBatched);
    this.checkInput(x);
    checkHiddenSize(h0, this.expectedHidden(x), 'hidden');
    const [out, hn] = this.run(x, h0, null);
    return isBatched ? [out, hn] : [out.squeeze(batchDim), hn.squeeze(1)];
  }
}

/** Long short-term memory, with projections when projSize > 0. */
export interface LSTM {
  // biome-ignore lint/style/useShorthandFunctionType: the interface merges with the class below.
  (input: Tensor, hx?: readonly [Tensor, Tensor] | null): LSTMResult;
}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface types the call of the module.
export class LSTM extends RNNBase {
  constructor(inputSize: number | LSTMOptions, hiddenSize?: number | LSTMOptions, ...rest: (number | boolean | LSTMOptions | undefined)[]) {
    super('LSTM', 'LSTM', [inputSize, hiddenSize, ...rest]);
  }
  override forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): LSTMResult;
  override forward(...inputs: Tensor[]): never;
  override forward(input: Tensor, hx?: unknown): LSTMResult {
    const [x, isBatched, batchDim] = this.batched(input);
    let h0: Tensor;
    let c0: Tensor;
    if (hx === undefined || hx === null) {
      h0 = OPS.zeros.fn(this.expectedHidden(x), { dtype: x.dtype });
      c0 = OPS.zeros.fn(this.expectedHidden(x, true), { dtype: x.dtype });
    } else {
      if (!Array.isArray(hx) || hx.length !== 2) {
        throw new TypeError(`LSTM: hx must be a tuple of two tensors (h_0, c_0), got ${V.typeName(hx)}`);
      }
      const [a, b] = hx as unknown[];
      V.tensor(a, 'LSTM', 'hx[0]', 2);
      V.tensor(b, 'LSTM', 'hx[1]', 2);
      [h0, c0] = [a, b];
      if (isBatched) {
        if (h0.ndim !== 3 || c0.ndim !== 3)
          throw new Error(`For batched 3-D input, hx and cx should also be 3-D but got (${h0.ndim}-D, ${c0.ndim}-D) tensors`);
      } else {
        if (h0.ndim !== 2 || c0.ndim !== 2)
          throw new Error(`For unbatched 2-D input, hx and cx should also be 2-D but got (${h0.ndim}-D, ${c0.ndim}-D) tensors`);
        h0 = h0.unsqueeze(1);
        c0 = c0.unsqueeze(1);
      }
    }
    this.checkInput(x);
    checkHiddenSize(h0, this.expectedHidden(x), 'hidden[0]');
    checkHiddenSize(c0, this.expectedHidden(x, true), 'hidden[1]');
    const [out, hn, cn] = this.run(x, h0, c0);
    const c = cn as Tensor;
    return isBatched ? [out, [hn, c]] : [out.squeeze(batchDim), [hn.squeeze(1), c.squeeze(1)]];
  }
}

/** Gated recurrent unit. */
export interface GRU {
  // biome-ignore lint/style/useShorthandFunctionType: the interface merges with the class below.
  (input: Tensor, hx?: Tensor | null): RNNResult;
}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface types the call of the module.
export class GRU extends RNNBase {
  constructor(inputSize: number | RNNOptions, hiddenSize?: number | RNNOptions, ...rest: (number | boolean | RNNOptions | undefined)[]) {
    super('GRU', 'GRU', [inputSize, hiddenSize, ...rest]);
  }
  override forward(input: Tensor, hx?: Tensor | null): RNNResult;
  override forward(...inputs: Tensor[]): never;
  override forward(input: Tensor, hx?: Tensor | null): RNNResult {
    const [x, isBatched, batchDim] = this.batched(input);
    const h0 = this.hidden(x, hx, isBatched);
    this.checkInput(x);
    checkHiddenSize(h0, this.expectedHidden(x), 'hidden');
    const [out, hn] = this.run(x, h0, null);
    return isBatched ? [out, hn] : [out.squeeze(batchDim), hn.squeeze(1)];
  }
}

// ---- the cells ---------------------------------------------------------------------------------

const CELL_KINDS = { inputSize: 'int', hiddenSize: 'int', bias: 'bool' } as const;

/** PyTorch's RNNCellBase: weight_ih [chunks*H, in], weight_hh [chunks*H, H], bias_ih, bias_hh. */
abstract class RNNCellBase extends Module {
  /** Features of the input (PyTorch's `input_size`). */
  readonly inputSize: number;
  /** Features of the hidden state (PyTorch's `hidden_size`). */
  readonly hiddenSize: number;
  /** Whether the cell has biases. */
  readonly bias: boolean;
  /** Input-to-hidden weights, [gates * hiddenSize, inputSize] (PyTorch's `weight_ih`). */
  declare weight_ih: Parameter;
  /** Hidden-to-hidden weights, [gates * hiddenSize, hiddenSize] (PyTorch's `weight_hh`). */
  declare weight_hh: Parameter;
  /** Input-to-hidden bias (PyTorch's `bias_ih`), null without bias. */
  declare bias_ih: Parameter | null;
  /** Hidden-to-hidden bias (PyTorch's `bias_hh`), null without bias. */
  declare bias_hh: Parameter | null;
  constructor(name: string, chunks: number, args: readonly unknown[], extra: Record<string, V.OptKind> = {}) {
    super();
    const a = initArgs(name, { ...CELL_KINDS, ...extra, dtype: 'dtype' }, args);
    const entry = `${name}.__init__`;
    V.int(a.inputSize, entry, 'input_size', 1);
    V.int(a.hiddenSize, entry, 'hidden_size', 2);
    this.inputSize = a.inputSize;
    this.hiddenSize = a.hiddenSize;
    this.bias = (a.bias as boolean | undefined) ?? true;
    const dtype = floatDType(a.dtype);
    const g = chunks * this.hiddenSize;
    V.size([g, this.inputSize], entry, 'size');
    this.weight_ih = empty([g, this.inputSize], dtype);
    this.weight_hh = empty([g, this.hiddenSize], dtype);
    if (this.bias) {
      this.bias_ih = empty([g], dtype);
      this.bias_hh = empty([g], dtype);
    } else {
      this.registerParameter('bias_ih', null);
      this.registerParameter('bias_hh', null);
    }
    initUniform(this, this.hiddenSize);
  }

  /** The input made 2-D (PyTorch's assert on 1-D or 2-D input) and whether it was batched. */
  protected batched(input: unknown): [Tensor, boolean] {
    const name = this.constructor.name;
    V.tensor(input, name, 'input', 1);
    if (input.ndim !== 1 && input.ndim !== 2)
      throw new AssertionError(`${name}: Expected input to be 1-D or 2-D but received ${input.ndim}-D tensor`);
    return input.ndim === 2 ? [input, true] : [input.unsqueeze(0), false];
  }

  /** ATen's check_rnn_cell_forward_input / _hidden. */
  protected checkCell(x: Tensor, hs: readonly Tensor[]): void {
    if (x.shape[1] !== this.inputSize) throw new Error(`input has inconsistent input_size: got ${x.shape[1]} expected ${this.inputSize}`);
    for (const h of hs) {
      if (x.shape[0] !== h.shape[0]) throw new Error(`Input batch size ${x.shape[0]} doesn't match hidden0 batch size ${h.shape[0]}`);
      if (h.shape[1] !== this.hiddenSize)
        throw new Error(`hidden0 has inconsistent hidden_size: got ${h.shape[1]}, expected ${this.hiddenSize}`);
    }
  }

  /** The state made 2-D like the input (zeros when absent). */
  protected state(x: Tensor, hx: unknown, isBatched: boolean, what: string): Tensor {
    if (hx === undefined || hx === null) return OPS.zeros.fn([x.shape[0], this.hiddenSize], { dtype: x.dtype });
    V.tensor(hx, this.constructor.name, what, 2);
    return isBatched ? hx : hx.unsqueeze(0);
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.bias !== true) s += `, bias=${pyBool(this.bias)}`;
    const nl = (this as { nonlinearity?: string }).nonlinearity;
    if (nl !== undefined && nl !== 'tanh') s += `, nonlinearity=${nl}`;
    return s;
  }
}

/** One step of the Elman RNN: h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu). */
export class RNNCell extends RNNCellBase {
  /** The cell's activation: `'tanh'` or `'relu'`. */
  readonly nonlinearity: string;
  constructor(
    inputSize: number | ElmanRNNCellOptions,
    hiddenSize?: number | ElmanRNNCellOptions,
    bias?: boolean | ElmanRNNCellOptions,
    nonlinearity?: 'tanh' | 'relu' | ElmanRNNCellOptions,
    opts?: ElmanRNNCellOptions,
  ) {
    super('RNNCell', 1, [inputSize, hiddenSize, bias, nonlinearity, opts], { nonlinearity: 'any' });
    const a = initArgs('RNNCell', { ...CELL_KINDS, nonlinearity: 'any', dtype: 'dtype' }, [
      inputSize,
      hiddenSize,
      bias,
      nonlinearity,
      opts,
    ]);
    this.nonlinearity = (a.nonlinearity as string | undefined) ?? 'tanh';
  }
  override forward(input: Tensor, hx?: Tensor | null): Tensor {
    const [x, isBatched] = this.batched(input);
    const h = this.state(x, hx, isBatched, 'hx');
    if (this.nonlinearity !== 'tanh' && this.nonlinearity !== 'relu') throw new Error(`Unknown nonlinearity: ${this.nonlinearity}`);
    this.checkCell(x, [h]);
    const xt = OPS.linear.fn(x, this.weight_ih, this.bias_ih);
    const y = rnnStep(xt, h, this.weight_hh, this.bias_hh, this.nonlinearity === 'relu');
    return isBatched ? y : y.squeeze(0);
  }
}

/** One LSTM step: returns [h', c']. */
export interface LSTMCell {
  // biome-ignore lint/style/useShorthandFunctionType: the interface merges with the class below.
  (input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, Tensor];
}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface types the call of the module.
export class LSTMCell extends RNNCellBase {
  constructor(
    inputSize: number | RNNCellOptions,
    hiddenSize?: number | RNNCellOptions,
    bias?: boolean | RNNCellOptions,
    opts?: RNNCellOptions,
  ) {
    super('LSTMCell', 4, [inputSize, hiddenSize, bias, opts]);
  }
  override forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, Tensor];
  override forward(...inputs: Tensor[]): never;
  override forward(input: Tensor, hx?: unknown): [Tensor, Tensor] {
    const [x, isBatched] = this.batched(input);
    let pair: unknown[] | null = null;
    if (hx !== undefined && hx !== null) {
      if (!Array.isArray(hx) || hx.length !== 2)
        throw new TypeError(`LSTMCell: hx must be a tuple of two tensors (h_0, c_0), got ${V.typeName(hx)}`);
      pair = hx;
    }
    const h = this.state(x, pair?.[0], isBatched, 'hx[0]');
    const c = pair ? this.state(x, pair[1], isBatched, 'hx[1]') : h;
    this.checkCell(x, [h, c]);
    const xt = OPS.linear.fn(x, this.weight_ih, this.bias_ih);
    const [hy, cy] = lstmStep(xt, h, c, this.weight_hh, this.bias_hh, null);
    return isBatched ? [hy, cy] : [hy.squeeze(0), cy.squeeze(0)];
  }
}

/** One GRU step. */
export class GRUCell extends RNNCellBase {
  constructor(
    inputSize: number | RNNCellOptions,
    hiddenSize?: number | RNNCellOptions,
    bias?: boolean | RNNCellOptions,
    opts?: RNNCellOptions,
  ) {
    super('GRUCell', 3, [inputSize, hiddenSize, bias, opts]);
  }
  override forward(input: Tensor, hx?: Tensor | null): Tensor {
    const [x, isBatched] = this.batched(input);
    const h = this.state(x, hx, isBatched, 'hx');
    this.checkCell(x, [h]);
    const xt = OPS.linear.fn(x, this.weight_ih, this.bias_ih);
    const y = gruStep(xt, h, this.weight_hh, this.bias_hh);
    return isBatched ? y : y.squeeze(0);
  }
}
