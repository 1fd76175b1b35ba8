// torch.optim.lr_scheduler (PyTorch 1.13): the schedulers that follow a fixed formula of the epoch
// (LambdaLR, StepLR, MultiStepLR, ConstantLR, LinearLR, ExponentialLR, CosineAnnealingLR with 1.13's
// recursive form). The cyclic and composite ones are in lr_scheduler_more.ts; all are exported here.
// Required arguments are positional, the optional ones an options object (camelCase keys).
import * as V from '../validate.js';
import {
  LRScheduler,
  PI,
  bisectRight,
  cos,
  floor,
  min,
  pow,
  pyMod,
  type SchedulerOptimizer,
  type SchedulerStateDict,
  type StateKeys,
} from './lr_scheduler_base.js';

export { LRScheduler, KeyError } from './lr_scheduler_base.js';
export type { SchedulerOptimizer, SchedulerParamGroup, SchedulerStateDict } from './lr_scheduler_base.js';
export { CosineAnnealingWarmRestarts, OneCycleLR, ReduceLROnPlateau, SequentialLR, ChainedScheduler } from './lr_scheduler_more.js';
export type {
  CosineAnnealingWarmRestartsOptions,
  OneCycleLROptions,
  ReduceLROnPlateauOptions,
  SequentialLROptions,
} from './lr_scheduler_more.js';

/** The options every epoch-based scheduler takes. */
export interface SchedulerOptions {
  /** The index of the last epoch, to resume a schedule (PyTorch's `last_epoch`, default -1). */
  lastEpoch?: number;
  /** Print each update (PyTorch's deprecated `verbose`). */
  verbose?: boolean;
}

const BASE = { lastEpoch: 'int', verbose: 'bool' } as const;
const spec = (entry: string, kinds: Record<string, V.OptKind> = {}): V.OptionSpec => V.optionSpec(entry, { ...kinds, ...BASE });

const LAMBDA_OPTS = spec('LambdaLR');
const STEP_OPTS = spec('StepLR', { gamma: 'number' });
const MULTISTEP_OPTS = spec('MultiStepLR', { gamma: 'number' });
const CONSTANT_OPTS = spec('ConstantLR', { factor: 'number', totalIters: 'int' });
const LINEAR_OPTS = spec('LinearLR', { startFactor: 'number', endFactor: 'number', totalIters: 'int' });
const EXP_OPTS = spec('ExponentialLR');
const COS_OPTS = spec('CosineAnnealingLR', { etaMin: 'number' });

function opts<T extends SchedulerOptions>(s: V.OptionSpec, o: T | undefined): T {
  V.options(s, o);
  return (o ?? {}) as T;
}

/** lr = initial lr * lrLambda(epoch), one function or one per group. */
export class LambdaLR extends LRScheduler {
  /** The function of the epoch giving each group's factor (PyTorch's `lr_lambdas`). */
  lrLambdas: ((epoch: number) => number)[];
  protected readonly ownKeys: StateKeys = [];

  constructor(
    optimizer: SchedulerOptimizer,
    lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[],
    options?: SchedulerOptions,
  ) {
    const o = opts(LAMBDA_OPTS, options);
    super(optimizer, o.lastEpoch ?? -1, o.verbose ?? false, 'LambdaLR');
    const n = this.optimizer.paramGroups.length;
    if (!Array.isArray(lrLambda)) this.lrLambdas = new Array<(epoch: number) => number>(n).fill(lrLambda);
    else {
      if (lrLambda.length !== n) throw new V.ValueError(`Expected ${n} lr_lambdas, but got ${lrLambda.length}`);
      this.lrLambdas = [...lrLambda];
    }
    for (const f of this.lrLambdas) {
      if (typeof f !== 'function') throw new TypeError(`'${V.typeName(f)}' object is not callable`);
    }
    this._initialStep();
  }

  protected getLr(): number[] {
    return this.baseLrs.map((b, i) => b * this.lrLambdas[i](this.lastEpoch));
  }

  /** PyTorch writes None for each function (only callable objects' attributes are saved). */
  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), lr_lambdas: this.lrLambdas.map(() => null) };
  }
}

/** lr *= gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  /** Period of the decay, in epochs (PyTorch's `step_size`). */
  stepSize: number;
  /** Factor of each decay. */
  gamma: number;
  protected readonly ownKeys: StateKeys = [
    ['step_size', 'stepSize'],
    ['gamma', 'gamma'],
  ];

  constructor(optimizer: SchedulerOptimizer, stepSize: number, options?: SchedulerOptions & { gamma?: number }) {
    const o = opts(STEP_OPTS, options);
    V.int(stepSize, 'StepLR', 'step_size');
    super(optimizer, o.lastEpoch ?? -1, o.verbose ?? false, 'StepLR');
    this.stepSize = stepSize;
    this.gamma = o.gamma ?? 0.1;
    this._initialStep();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0 || pyMod(this.lastEpoch, this.stepSize) !== 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * pow(this.gamma, floor(this.lastEpoch / this.stepSize)));
  }
}

/** lr *= gamma at each milestone (a milestone listed twice multiplies twice). */
export class MultiStepLR extends LRScheduler {
  /** PyTorch's Counter: milestone -> how often it is listed. */
  milestones: Map<number, number>;
  /** Factor of each decay. */
  gamma: number;
  protected readonly ownKeys: StateKeys = [
    ['milestones', 'milestones'],
    ['gamma', 'gamma'],
  ];

  constructor(optimizer: SchedulerOptimizer, milestones: number[], options?: SchedulerOptions & { gamma?: number }) {
    const o = opts(MULTISTEP_OPTS, options);
    V.intList(milestones, 'MultiStepLR', 'milestones');
    super(optimizer, o.lastEpoch ?? -1, o.verbose ?? false, 'MultiStepLR');
    this.milestones = new Map();
    for (const m of milestones) this.milestones.set(m, (this.milestones.get(m) ?? 0) + 1);
    this.gamma = o.gamma ?? 0.1;
    this._initialStep();
  }

  protected getLr(): number[] {
    const k = this.milestones.get(this.lastEpoch);
    if (k === undefined) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * pow(this.gamma, k));
  }

  protected override closedFormLr(): number[] {
    const sorted: number[] = [];
    for (const [m, k] of this.milestones) for (let i = 0; i < k; i++) sorted.push(m);
    sorted.sort((a, b) => a - b);
    return this.baseLrs.map((b) => b * pow(this.gamma, bisectRight(sorted, this.lastEpoch)));
  }

  protected override fromState(py: string, v: unknown): unknown {
    if (py !== 'milestones') return super.fromState(py, v);
    const m = new Map<number, number>();
    for (const [k, n] of v instanceof Map ? v : Object.entries(v as Record<string, number>)) m.set(Number(k), n as number);
    return m;
  }
}

/** lr = initial lr * factor until totalIters, then the initial lr. */
export class ConstantLR extends LRScheduler {
  /** The factor applied until totalIters. */
  factor: number;
  /** Epochs the factor applies for (PyTorch's `total_iters`). */
  totalIters: number;
  protected readonly ownKeys: StateKeys = [
    ['factor', 'factor'],
    ['total_iters', 'totalIters'],
  ];

  constructor(optimizer: SchedulerOptimizer, options?: SchedulerOptions & { factor?: number; totalIters?: number }) {
    const o = opts(CONSTANT_OPTS, options);
    const factor = o.factor ?? 1.0 / 3;
    if (factor > 1.0 || factor < 0) throw new V.ValueError('Constant multiplicative factor expected to be between 0 and 1.');
    super(optimizer, o.lastEpoch ?? -1, o.verbose ?? false, 'ConstantLR');
    this.factor = factor;
    this.totalIters = o.totalIters ?? 5;
    this._initialStep();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1.0 / this.factor));
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (this.factor + (this.lastEpoch >= this.totalIters ? 1 : 0) * (1 - this.factor)));
  }
}

/** lr goes linearly from initial lr * startFactor to initial lr * endFactor over totalIters. */
export class LinearLR extends LRScheduler {
  /** The factor at the first epoch (PyTorch's `start_factor`). */
  startFactor: number;
  /** The factor reached at totalIters (PyTorch's `end_factor`). */
  endFactor: number;
  /** Epochs of the linear change (PyTorch's `total_iters`). */
  totalIters: number;
  protected readonly ownKeys: StateKeys = [
    ['start_factor', 'startFactor'],
    ['end_factor', 'endFactor'],
    ['total_iters', 'totalIters'],
  ];

  constructor(
    optimizer: SchedulerOptimizer,
    options?: SchedulerOptions & { startFactor?: number; endFactor?: number; totalIters?: number },
  ) {
    const o = opts(LINEAR_OPTS, options);
    const sf = o.startFactor ?? 1.0 / 3;
    const ef = o.endFactor ?? 1.0;
    if (sf > 1.0 || sf < 0) throw new V.ValueError('Starting multiplicative factor expected to be between 0 and 1.');
    if (ef > 1.0 || ef < 0) throw new V.ValueError('Ending multiplicative factor expected to be between 0 and 1.');
    super(optimizer, o.lastEpoch ?? -1, o.verbose ?? false, 'LinearLR');
    this.startFactor = sf;
    this.endFactor = ef;
    this.totalIters = o.totalIters ?? 5;
    this._initialStep();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr * this.startFactor);
    if (this.lastEpoch > this.totalIters) return this.groups.map((g) => g.lr);
    const d = this.endFactor - this.startFactor;
    return this.groups.map((g) => g.lr * (1 + d / (this.totalIters * this.startFactor + (this.lastEpoch - 1) * d)));
  }

  protected override closedFormLr(): number[] {
    const d = this.endFactor - this.startFactor;
    return this.baseLrs.map((b) => b * (this.startFactor + (d * min(this.totalIters, this.lastEpoch)) / this.totalIters));
  }
}

/** lr *= gamma every epoch. */
export class ExponentialLR extends LRScheduler {
  /** Factor of the decay each epoch. */
  gamma: number;
  protected readonly ownKeys: StateKeys = [['gamma', 'gamma']];

  constructor(optimizer: SchedulerOptimizer, gamma: number, options?: SchedulerOptions) {
    const o = opts(EXP_OPTS, options);
    V.number(gamma, 'ExponentialLR', 'gamma');
    super(optimizer, o.lastEpoch ?? -1, o.verbose ?? false, 'ExponentialLR');
    this.gamma = gamma;
    this._initialStep();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * pow(this.gamma, this.lastEpoch));
  }
}

/** Cosine annealing to etaMin over TMax epochs, in PyTorch 1.13's recursive form (it continues past TMax). */
export class CosineAnnealingLR extends LRScheduler {
  /** Half period of the cosine, in epochs (PyTorch's `T_max`). */
  TMax: number;
  /** The minimum learning rate (PyTorch's `eta_min`). */
  etaMin: number;
  protected readonly ownKeys: StateKeys = [
    ['T_max', 'TMax'],
    ['eta_min', 'etaMin'],
  ];

  constructor(optimizer: SchedulerOptimizer, TMax: number, options?: SchedulerOptions & { etaMin?: number }) {
    const o = opts(COS_OPTS, options);
    V.number(TMax, 'CosineAnnealingLR', 'T_max');
    super(optimizer, o.lastEpoch ?? -1, o.verbose ?? false, 'CosineAnnealingLR');
    this.TMax = TMax;
    this.etaMin = o.etaMin ?? 0;
    this._initialStep();
  }

  protected getLr(): number[] {
    const e = this.lastEpoch;
    const T = this.TMax;
    const eta = this.etaMin;
    if (e === 0) return this.groups.map((g) => g.lr);
    if (this._stepCount === 1 && e > 0) return this.baseLrs.map((b) => eta + ((b - eta) * (1 + cos((e * PI) / T))) / 2);
    if (pyMod(e - 1 - T, 2 * T) === 0) {
      return this.groups.map((g, i) => g.lr + ((this.baseLrs[i] - eta) * (1 - cos(PI / T))) / 2);
    }
    return this.groups.map((g) => ((1 + cos((PI * e) / T)) / (1 + cos((PI * (e - 1)) / T))) * (g.lr - eta) + eta);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + cos((PI * this.lastEpoch) / this.TMax))) / 2);
  }
}

const MULT_OPTS = spec('MultiplicativeLR');
const POLY_OPTS = spec('PolynomialLR', { totalIters: 'int', power: 'number' });

/** lr *= lrLambda(epoch) every epoch after the first, one function or one per group. */
export class MultiplicativeLR extends LRScheduler {
  /** The function of the epoch giving each group's multiplicative factor (PyTorch's `lr_lambdas`). */
  lrLambdas: ((epoch: number) => number)[];
  protected readonly ownKeys: StateKeys = [];

  constructor(
    optimizer: SchedulerOptimizer,
    lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[],
    options?: SchedulerOptions,
  ) {
    const o = opts(MULT_OPTS, options);
    super(optimizer, o.lastEpoch ?? -1, o.verbose ?? false, 'MultiplicativeLR');
    const n = this.optimizer.paramGroups.length;
    if (!Array.isArray(lrLambda)) this.lrLambdas = new Array<(epoch: number) => number>(n).fill(lrLambda);
    else {
      if (lrLambda.length !== n) throw new V.ValueError(`Expected ${n} lr_lambdas, but got ${lrLambda.length}`);
      this.lrLambdas = [...lrLambda];
    }
    for (const f of this.lrLambdas) {
      if (typeof f !== 'function') throw new TypeError(`'${V.typeName(f)}' object is not callable`);
    }
    this._initialStep();
  }

  protected getLr(): number[] {
    if (this.lastEpoch > 0) return this.groups.map((g, i) => g.lr * this.lrLambdas[i](this.lastEpoch));
    return this.groups.map((g) => g.lr);
  }

  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), lr_lambdas: this.lrLambdas.map(() => null) };
  }
}

/** lr decays as (1 - epoch / totalIters) ** power to 0 over totalIters epochs. */
export class PolynomialLR extends LRScheduler {
  /** Epochs of the decay (PyTorch's `total_iters`). */
  totalIters: number;
  /** The power of the polynomial. */
  power: number;
  protected readonly ownKeys: StateKeys = [
    ['total_iters', 'totalIters'],
    ['power', 'power'],
  ];

  constructor(optimizer: SchedulerOptimizer, options?: SchedulerOptions & { totalIters?: number; power?: number }) {
    const o = opts(POLY_OPTS, options);
    super(optimizer, o.lastEpoch ?? -1, o.verbose ?? false, 'PolynomialLR');
    this.totalIters = o.totalIters ?? 5;
    this.power = o.power ?? 1.0;
    this._initialStep();
  }

  protected getLr(): number[] {
    const e = this.lastEpoch;
    const T = this.totalIters;
    if (e === 0 || e > T) return this.groups.map((g) => g.lr);
    const decay = pow((1.0 - e / T) / (1.0 - (e - 1) / T), this.power);
    return this.groups.map((g) => g.lr * decay);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * pow(1.0 - min(this.totalIters, this.lastEpoch) / this.totalIters, this.power));
  }
}
