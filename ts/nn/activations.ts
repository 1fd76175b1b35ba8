// The activation modules over nn.functional's ops: GELU, SiLU, ELU, Softplus, Hardtanh. Each
// prints its extra_repr as PyTorch 1.13 does.
import type { Tensor } from '../tensor.js';
import { OPS } from '../ops/index.js';
import * as V from '../validate.js';
import { Module } from './module.js';
import { initArgs } from './args.js';
import { pyFloat } from './repr.js';

const inplaceRepr = (inplace: boolean): string => (inplace ? ', inplace=True' : '');

/** PyTorch's `nn.GELU(approximate='none')`: x * Phi(x), or its tanh approximation. */
export class GELU extends Module {
  /** `'none'` (exact, with erf) or `'tanh'`. */
  readonly approximate: 'none' | 'tanh';
  constructor(approximate?: 'none' | 'tanh' | { approximate?: 'none' | 'tanh' }) {
    super();
    const a = initArgs('GELU', { approximate: 'any' }, [approximate]);
    const v = a.approximate ?? 'none';
    if (typeof v !== 'string') throw new TypeError(`GELU.__init__(): argument 'approximate' must be str, not ${V.typeName(v)}`);
    this.approximate = v as 'none' | 'tanh';
  }
  override forward(x: Tensor): Tensor {
    return OPS.gelu.fn(x, { approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** PyTorch's `nn.SiLU(inplace=False)`: x * sigmoid(x). */
export class SiLU extends Module {
  /** Whether the activation overwrites its input (PyTorch's `inplace`). */
  readonly inplace: boolean;
  constructor(inplace?: boolean | { inplace?: boolean }) {
    super();
    const a = initArgs('SiLU', { inplace: 'bool' }, [inplace]);
    this.inplace = (a.inplace as boolean | undefined) ?? false;
  }
  override forward(x: Tensor): Tensor {
    return OPS.silu.fn(x);
  }
  override extraRepr(): string {
    return this.inplace ? 'inplace=True' : '';
  }
}

/** PyTorch's `nn.ELU(alpha=1.0, inplace=False)`: x for x > 0, alpha * (exp(x) - 1) otherwise. */
export class ELU extends Module {
  /** Scale of the negative part: ELU tends to -alpha for large negative inputs. */
  readonly alpha: number;
  /** Whether the activation overwrites its input (PyTorch's `inplace`). */
  readonly inplace: boolean;
  constructor(alpha?: number | { alpha?: number; inplace?: boolean }, inplace?: boolean) {
    super();
    const a = initArgs('ELU', { alpha: 'number', inplace: 'bool' }, [alpha, inplace]);
    this.alpha = (a.alpha as number | undefined) ?? 1;
    V.number(this.alpha, 'ELU.__init__', 'alpha', 1);
    this.inplace = (a.inplace as boolean | undefined) ?? false;
  }
  override forward(x: Tensor): Tensor {
    return OPS.elu.fn(x, { alpha: this.alpha });
  }
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}${inplaceRepr(this.inplace)}`;
  }
}

/** Softplus(beta, threshold); its defaults print as PyTorch's integer defaults (beta=1, threshold=20). */
export class Softplus extends Module {
  /** log(1 + exp(beta * x)) / beta. */
  readonly beta: number;
  /** Above beta * x > threshold, Softplus is the identity. */
  readonly threshold: number;
  readonly #given: { beta: boolean; threshold: boolean };
  constructor(beta?: number | { beta?: number; threshold?: number }, threshold?: number) {
    super();
    const a = initArgs('Softplus', { beta: 'number', threshold: 'number' }, [beta, threshold]);
    this.#given = { beta: a.beta !== undefined, threshold: a.threshold !== undefined };
    this.beta = (a.beta as number | undefined) ?? 1;
    this.threshold = (a.threshold as number | undefined) ?? 20;
    V.number(this.beta, 'Softplus.__init__', 'beta', 1);
    V.number(this.threshold, 'Softplus.__init__', 'threshold', 2);
  }
  override forward(x: Tensor): Tensor {
    return OPS.softplus.fn(x, { beta: this.beta, threshold: this.threshold });
  }
  override extraRepr(): string {
    const b = this.#given.beta ? pyFloat(this.beta) : String(this.beta);
    const t = this.#given.threshold ? pyFloat(this.threshold) : String(this.threshold);
    return `beta=${b}, threshold=${t}`;
  }
}

/** PyTorch's `nn.Hardtanh(min_val=-1.0, max_val=1.0, inplace=False)`: x clamped to [minVal, maxVal]. */
export class Hardtanh extends Module {
  /** The lower bound (PyTorch's `min_val`). */
  readonly minVal: number;
  /** The upper bound (PyTorch's `max_val`). */
  readonly maxVal: number;
  /** Whether the activation overwrites its input (PyTorch's `inplace`). */
  readonly inplace: boolean;
  constructor(minVal?: number | { minVal?: number; maxVal?: number; inplace?: boolean }, maxVal?: number, inplace?: boolean) {
    super();
    const a = initArgs('Hardtanh', { minVal: 'number', maxVal: 'number', inplace: 'bool' }, [minVal, maxVal, inplace]);
    this.minVal = (a.minVal as number | undefined) ?? -1;
    this.maxVal = (a.maxVal as number | undefined) ?? 1;
    this.inplace = (a.inplace as boolean | undefined) ?? false;
    V.number(this.minVal, 'Hardtanh.__init__', 'min_val', 1);
    V.number(this.maxVal, 'Hardtanh.__init__', 'max_val', 2);
    if (!(this.maxVal > this.minVal)) throw new Error('AssertionError');
  }
  override forward(x: Tensor): Tensor {
    return OPS.hardtanh.fn(x, { minVal: this.minVal, maxVal: this.maxVal });
  }
  override extraRepr(): string {
    return `min_val=${pyFloat(this.minVal)}, max_val=${pyFloat(this.maxVal)}${inplaceRepr(this.inplace)}`;
  }
}
