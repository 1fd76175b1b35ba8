// The activation modules over nn.functional's ops: GELU, SiLU, ELU, Softplus, Hardtanh. Each
// prints its extra_repr as PyTorch 1.13 does.
import type { Tensor } from '../tensor.js';
import { OPS } from '../ops/index.js';
import * as V from '../validate.js';
import { Module } from './module.js';
import { initArgs } from './args.js';
import { pyFloat } from './repr.js';

const inplaceRepr = (inplace: boolean): string => (inplace ? ', inplace=True' : '');

export class GELU extends Module {
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

export class SiLU extends Module {
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

export class ELU extends Module {
  readonly alpha: number;
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
  readonly beta: number;
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

export class Hardtanh extends Module {
  readonly minVal: number;
  readonly maxVal: number;
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
