// torch.optim.lr_scheduler (PyTorch 1.13), continued: the cyclic schedulers (CosineAnnealingWarmRestarts,
// OneCycleLR), the metric-driven ReduceLROnPlateau, and the composites (SequentialLR, ChainedScheduler).
import * as V from '../validate.js';
import {
  EPOCH_DEPRECATION_WARNING,
  KeyError,
  LRScheduler,
  PI,
  bisectRight,
  checkOptimizer,
  cos,
  floor,
  log,
  max,
  sci4,
  snapshot,
  trunc,
  warnOnce,
  type SchedulerOptimizer,
  type SchedulerParamGroup,
  type SchedulerStateDict,
  type StateKeys,
} from './lr_scheduler_base.js';

interface BaseOptions {
  /** The index of the last epoch, to resume a schedule (PyTorch's `last_epoch`, default -1). */
  lastEpoch?: number;
  /** Print each update (PyTorch's deprecated `verbose`). */
  verbose?: boolean;
}

// ---- CosineAnnealingWarmRestarts ----------------------------------------------------------------

/** Keyword arguments of CosineAnnealingWarmRestarts: PyTorch's `T_mult`, `eta_min`, `last_epoch`, `verbose` (camelCase). */
export interface CosineAnnealingWarmRestartsOptions extends BaseOptions {
  /** Factor by which each cycle is longer than the previous one (PyTorch's `T_mult`). */
  TMult?: number;
  /** The minimum learning rate (PyTorch's `eta_min`). */
  etaMin?: number;
}
const WR_OPTS = V.optionSpec('CosineAnnealingWarmRestarts', { TMult: 'number', etaMin: 'number', lastEpoch: 'int', verbose: 'bool' });

/** Cosine annealing restarted every T_i epochs (T_0, then T_i * TMult). */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  /** Epochs until the first restart (PyTorch's `T_0`). */
  T0: number;
  /** Epochs in the current cycle (PyTorch's `T_i`). */
  Ti: number;
  /** Factor by which each cycle is longer than the previous one (PyTorch's `T_mult`). */
  TMult: number;
  /** The minimum learning rate (PyTorch's `eta_min`). */
  etaMin: number;
  /** Epochs since the last restart (PyTorch's `T_cur`). */
  Tcur: number;
  protected readonly ownKeys: StateKeys = [
    ['T_0', 'T0'],
    ['T_i', 'Ti'],
    ['T_mult', 'TMult'],
    ['eta_min', 'etaMin'],
    ['T_cur', 'Tcur'],
  ];

  constructor(optimizer: SchedulerOptimizer, T0: number, options?: CosineAnnealingWarmRestartsOptions) {
    V.options(WR_OPTS, options);
    const o = options ?? {};
    const TMult = o.TMult ?? 1;
    if (typeof T0 !== 'number' || T0 <= 0 || !Number.isInteger(T0))
      throw new V.ValueError(`Expected positive integer T_0, but got ${String(T0)}`);
    if (TMult < 1 || !Number.isInteger(TMult)) throw new V.ValueError(`Expected integer T_mult >= 1, but got ${TMult}`);
    const lastEpoch = o.lastEpoch ?? -1;
    super(optimizer, lastEpoch, o.verbose ?? false, 'CosineAnnealingWarmRestarts');
    this.T0 = T0;
    this.Ti = T0;
    this.TMult = TMult;
    this.etaMin = o.etaMin ?? 0;
    this.Tcur = lastEpoch;
    this._initialStep();
  }

  protected getLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + cos((PI * this.Tcur) / this.Ti))) / 2);
  }

  /** Its own step (PyTorch's override): a fractional epoch is allowed, and `_step_count` does not move. */
  override step(epoch?: number): void {
    if (epoch !== undefined) V.number(epoch, 'CosineAnnealingWarmRestarts.step', 'epoch');
    let e = epoch;
    if (e === undefined && this.lastEpoch < 0) e = 0;
    if (e === undefined) {
      e = this.lastEpoch + 1;
      this.Tcur += 1;
      if (this.Tcur >= this.Ti) {
        this.Tcur -= this.Ti;
        this.Ti *= this.TMult;
      }
    } else {
      if (e < 0) throw new V.ValueError(`Expected non-negative epoch, but got ${e}`);
      if (e >= this.T0) {
        if (this.TMult === 1) this.Tcur = e % this.T0;
        else {
          const n = trunc(log((e / this.T0) * (this.TMult - 1) + 1) / log(this.TMult));
          this.Tcur = e - (this.T0 * (this.TMult ** n - 1)) / (this.TMult - 1);
          this.Ti = this.T0 * this.TMult ** n;
        }
      } else {
        this.Ti = this.T0;
        this.Tcur = e;
      }
    }
    this.lastEpoch = floor(e);
    this._getLrCalledWithinStep = true;
    let values: number[];
    try {
      values = this.getLr();
    } finally {
      this._getLrCalledWithinStep = false;
    }
    this.setLrs(values, epoch === undefined ? undefined : e);
  }
}

// ---- OneCycleLR ---------------------------------------------------------------------------------

/** Keyword arguments of OneCycleLR: PyTorch's `total_steps` or `epochs` and `steps_per_epoch`, `pct_start`, `anneal_strategy`, `cycle_momentum`, momenta, `div_factor`, `final_div_factor`, `three_phase` (camelCase). */
export interface OneCycleLROptions extends BaseOptions {
  /** Total number of steps in the cycle (PyTorch's `total_steps`); or give epochs and stepsPerEpoch. */
  totalSteps?: number | null;
  /** Number of epochs, with stepsPerEpoch, when totalSteps is not given. */
  epochs?: number | null;
  /** Steps per epoch, with epochs, when totalSteps is not given (PyTorch's `steps_per_epoch`). */
  stepsPerEpoch?: number | null;
  /** Fraction of the cycle spent increasing the rate (PyTorch's `pct_start`). */
  pctStart?: number;
  /** `'cos'` or `'linear'` annealing (PyTorch's `anneal_strategy`). */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum inversely to the rate (PyTorch's `cycle_momentum`). */
  cycleMomentum?: boolean;
  /** Lower momentum of the cycle (PyTorch's `base_momentum`). */
  baseMomentum?: number | number[];
  /** Upper momentum of the cycle (PyTorch's `max_momentum`). */
  maxMomentum?: number | number[];
  /** The initial rate is maxLr / divFactor (PyTorch's `div_factor`). */
  divFactor?: number;
  /** The final rate is initial_lr / finalDivFactor (PyTorch's `final_div_factor`). */
  finalDivFactor?: number;
  /** Use a third phase annihilating the rate (PyTorch's `three_phase`). */
  threePhase?: boolean;
}
const ONECYCLE_OPTS = V.optionSpec('OneCycleLR', {
  totalSteps: 'any',
  epochs: 'any',
  stepsPerEpoch: 'any',
  pctStart: 'number',
  annealStrategy: 'any',
  cycleMomentum: 'bool',
  baseMomentum: 'any',
  maxMomentum: 'any',
  divFactor: 'number',
  finalDivFactor: 'number',
  threePhase: 'bool',
  lastEpoch: 'int',
  verbose: 'bool',
});

/** A phase of the one-cycle policy: group keys (camelCase) to anneal between, and its last step. */
interface Phase {
  end_step: number;
  start_lr: string;
  end_lr: string;
  start_momentum: string;
  end_momentum: string;
}

const camel = (k: string): string => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function formatParam(name: string, groups: readonly unknown[], v: number | number[]): number[] {
  if (Array.isArray(v)) {
    if (v.length !== groups.length) throw new V.ValueError(`expected ${groups.length} values for ${name}, got ${v.length}`);
    return v;
  }
  V.number(v, 'OneCycleLR', name);
  return groups.map(() => v);
}

const positiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

/** The 1cycle policy: lr up from maxLr/divFactor to maxLr, then down to its /finalDivFactor; momentum the other way. */
export class OneCycleLR extends LRScheduler {
  /** The number of steps in the cycle (PyTorch's `total_steps`). */
  totalSteps: number;
  /** @internal */
  _schedulePhases: Phase[];
  /** How the rate is annealed: `'cos'` or `'linear'` (PyTorch's `anneal_strategy`). */
  annealStrategy: 'cos' | 'linear';
  /** Whether momentum (or Adam's beta1) cycles inversely to the rate (PyTorch's `cycle_momentum`). */
  cycleMomentum: boolean;
  /** Whether the optimizer's momentum is Adam's `betas[0]` (PyTorch's `use_beta1`). */
  useBeta1 = false;
  // PyTorch 1.13 also saves its bound `anneal_func`; a function has no state to save, so the dict
  // omits it. `use_beta1` exists only with cycleMomentum (as in PyTorch).
  protected readonly ownKeys: StateKeys;

  constructor(optimizer: SchedulerOptimizer, maxLr: number | number[], options?: OneCycleLROptions) {
    const opt = checkOptimizer(optimizer);
    V.options(ONECYCLE_OPTS, options);
    const o = options ?? {};
    let total: number;
    if (o.totalSteps == null && o.epochs == null && o.stepsPerEpoch == null) {
      throw new V.ValueError('You must define either total_steps OR (epochs AND steps_per_epoch)');
    } else if (o.totalSteps != null) {
      if (!positiveInt(o.totalSteps)) throw new V.ValueError(`Expected positive integer total_steps, but got ${String(o.totalSteps)}`);
      total = o.totalSteps;
    } else {
      if (!positiveInt(o.epochs)) throw new V.ValueError(`Expected positive integer epochs, but got ${String(o.epochs ?? 'None')}`);
      if (!positiveInt(o.stepsPerEpoch)) {
        throw new V.ValueError(`Expected positive integer steps_per_epoch, but got ${String(o.stepsPerEpoch ?? 'None')}`);
      }
      total = o.epochs * o.stepsPerEpoch;
    }
    const pct = o.pctStart ?? 0.3;
    const phases: Phase[] = o.threePhase
      ? [
          {
            end_step: pct * total - 1,
            start_lr: 'initial_lr',
            end_lr: 'max_lr',
            start_momentum: 'max_momentum',
            end_momentum: 'base_momentum',
          },
          {
            end_step: 2 * pct * total - 2,
            start_lr: 'max_lr',
            end_lr: 'initial_lr',
            start_momentum: 'base_momentum',
            end_momentum: 'max_momentum',
          },
          { end_step: total - 1, start_lr: 'initial_lr', end_lr: 'min_lr', start_momentum: 'max_momentum', end_momentum: 'max_momentum' },
        ]
      : [
          {
            end_step: pct * total - 1,
            start_lr: 'initial_lr',
            end_lr: 'max_lr',
            start_momentum: 'max_momentum',
            end_momentum: 'base_momentum',
          },
          { end_step: total - 1, start_lr: 'max_lr', end_lr: 'min_lr', start_momentum: 'base_momentum', end_momentum: 'max_momentum' },
        ];
    if (pct < 0 || pct > 1) throw new V.ValueError(`Expected float between 0 and 1 pct_start, but got ${pct}`);
    const strategy = o.annealStrategy ?? 'cos';
    if (strategy !== 'cos' && strategy !== 'linear') {
      throw new V.ValueError(`anneal_strategy must by one of 'cos' or 'linear', instead got ${String(strategy)}`);
    }
    const groups = opt.paramGroups;
    const maxLrs = formatParam('max_lr', groups, maxLr);
    const lastEpoch = o.lastEpoch ?? -1;
    const div = o.divFactor ?? 25;
    const finalDiv = o.finalDivFactor ?? 1e4;
    if (lastEpoch === -1) {
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i] / div;
        g.maxLr = maxLrs[i];
        g.minLr = (g.initialLr as number) / finalDiv;
      });
    }
    const cycle = o.cycleMomentum ?? true;
    let useBeta1 = false;
    if (cycle) {
      const d = opt.defaults ?? groups[0] ?? {};
      if (!('momentum' in d) && !('betas' in d))
        throw new V.ValueError('optimizer must support momentum with `cycle_momentum` option enabled');
      useBeta1 = 'betas' in d;
      const maxM = formatParam('max_momentum', groups, o.maxMomentum ?? 0.95);
      const baseM = formatParam('base_momentum', groups, o.baseMomentum ?? 0.85);
      if (lastEpoch === -1) {
        groups.forEach((g, i) => {
          if (useBeta1) g.betas = [maxM[i], ...(g.betas as number[]).slice(1)];
          else g.momentum = maxM[i];
          g.maxMomentum = maxM[i];
          g.baseMomentum = baseM[i];
        });
      }
    }
    super(opt, lastEpoch, o.verbose ?? false, 'OneCycleLR');
    this.totalSteps = total;
    this._schedulePhases = phases;
    this.annealStrategy = strategy;
    this.cycleMomentum = cycle;
    this.useBeta1 = useBeta1;
    this.ownKeys = [
      ['total_steps', 'totalSteps'],
      ['_schedule_phases', '_schedulePhases'],
      ['cycle_momentum', 'cycleMomentum'],
      ...(cycle ? ([['use_beta1', 'useBeta1']] as const) : []),
    ];
    this._initialStep();
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'linear') return (end - start) * pct + start;
    const c = cos(PI * pct) + 1;
    return end + ((start - end) / 2.0) * c;
  }

  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new V.ValueError(`Tried to step ${stepNum + 1} times. The specified number of total steps is ${this.totalSteps}`);
    }
    const phases = this._schedulePhases;
    return this.groups.map((g: SchedulerParamGroup) => {
      let start = 0;
      let lr = 0;
      let momentum = 0;
      for (let i = 0; i < phases.length; i++) {
        const p = phases[i];
        if (stepNum <= p.end_step || i === phases.length - 1) {
          const pct = (stepNum - start) / (p.end_step - start);
          lr = this.anneal(g[camel(p.start_lr)] as number, g[camel(p.end_lr)] as number, pct);
          if (this.cycleMomentum) momentum = this.anneal(g[camel(p.start_momentum)] as number, g[camel(p.end_momentum)] as number, pct);
          break;
        }
        start = p.end_step;
      }
      if (this.cycleMomentum) {
        if (this.useBeta1) g.betas = [momentum, ...(g.betas as number[]).slice(1)];
        else g.momentum = momentum;
      }
      return lr;
    });
  }
}

// ---- ReduceLROnPlateau --------------------------------------------------------------------------

/** Keyword arguments of ReduceLROnPlateau: PyTorch's `mode`, `factor`, `patience`, `threshold`, `threshold_mode`, `cooldown`, `min_lr`, `eps`, `verbose` (camelCase). */
export interface ReduceLROnPlateauOptions {
  /** `'min'`: reduce when the metric stops decreasing; `'max'`: when it stops increasing. */
  mode?: 'min' | 'max';
  /** Factor by which the rate is reduced (new_lr = lr * factor). */
  factor?: number;
  /** Epochs without improvement before the rate is reduced. */
  patience?: number;
  /** The least change that counts as an improvement. */
  threshold?: number;
  /** `'rel'`: improvement relative to best; `'abs'`: absolute (PyTorch's `threshold_mode`). */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before watching again. */
  cooldown?: number;
  /** Lower bound of the rate, one for all groups or one per group (PyTorch's `min_lr`). */
  minLr?: number | number[];
  /** Updates smaller than this are ignored. */
  eps?: number;
  /** Print each update (PyTorch's deprecated `verbose`). */
  verbose?: boolean;
}
const PLATEAU_OPTS = V.optionSpec('ReduceLROnPlateau', {
  mode: 'any',
  factor: 'number',
  patience: 'int',
  threshold: 'number',
  thresholdMode: 'any',
  cooldown: 'int',
  minLr: 'any',
  eps: 'number',
  verbose: 'bool',
});

const PLATEAU_KEYS = [
  ['factor', 'factor'],
  ['min_lrs', 'minLrs'],
  ['patience', 'patience'],
  ['verbose', 'verbose'],
  ['cooldown', 'cooldown'],
  ['cooldown_counter', 'cooldownCounter'],
  ['mode', 'mode'],
  ['threshold', 'threshold'],
  ['threshold_mode', 'thresholdMode'],
  ['best', 'best'],
  ['num_bad_epochs', 'numBadEpochs'],
  ['mode_worse', 'modeWorse'],
  ['eps', 'eps'],
  ['last_epoch', 'lastEpoch'],
  ['_last_lr', '_lastLr'],
] as const satisfies StateKeys;

/** Reduces the lr by `factor` once a metric has stopped improving for `patience` epochs. */
export class ReduceLROnPlateau {
  /** The optimizer whose learning rates this scheduler reduces. */
  readonly optimizer: SchedulerOptimizer;
  /** Factor by which the rate is reduced (new_lr = lr * factor). */
  factor: number;
  /** Each group's lower bound on the rate (PyTorch's `min_lrs`). */
  minLrs: number[];
  /** Epochs without improvement before the rate is reduced. */
  patience: number;
  /** Whether each reduction is printed (PyTorch's deprecated `verbose`). */
  verbose: boolean;
  /** Epochs to wait after a reduction before watching again. */
  cooldown: number;
  /** Epochs of cooldown left (PyTorch's `cooldown_counter`). */
  cooldownCounter = 0;
  /** `'min'`: reduce when the metric stops decreasing; `'max'`: when it stops increasing. */
  mode: 'min' | 'max';
  /** The least change that counts as an improvement. */
  threshold: number;
  /** Whether threshold is relative (`'rel'`) or absolute (`'abs'`) (PyTorch's `threshold_mode`). */
  thresholdMode: 'rel' | 'abs';
  /** The best metric seen so far. */
  best = 0;
  /** Epochs since the last improvement (PyTorch's `num_bad_epochs`). */
  numBadEpochs = 0;
  /** The worst value for the mode (infinity for `'min'`), where `best` starts (PyTorch's `mode_worse`). */
  modeWorse = 0;
  /** Updates smaller than this are ignored. */
  eps: number;
  /** The number of the last epoch (PyTorch's `last_epoch`). */
  lastEpoch = 0;
  /** @internal PyTorch's private state of the same name (saved in stateDict()). */
  _lastLr?: number[];
  /** @internal PyTorch's private state of the same name (saved in stateDict()). */
  _warned?: Set<string>;

  constructor(optimizer: SchedulerOptimizer, options?: ReduceLROnPlateauOptions) {
    V.options(PLATEAU_OPTS, options);
    const o = options ?? {};
    const factor = o.factor ?? 0.1;
    if (factor >= 1.0) throw new V.ValueError('Factor should be < 1.0.');
    this.factor = factor;
    this.optimizer = checkOptimizer(optimizer);
    const n = this.optimizer.paramGroups.length;
    const minLr = o.minLr ?? 0;
    if (Array.isArray(minLr)) {
      if (minLr.length !== n) throw new V.ValueError(`expected ${n} min_lrs, got ${minLr.length}`);
      this.minLrs = [...minLr];
    } else {
      V.number(minLr, 'ReduceLROnPlateau', 'min_lr');
      this.minLrs = new Array<number>(n).fill(minLr);
    }
    this.patience = o.patience ?? 10;
    this.verbose = o.verbose ?? false;
    this.cooldown = o.cooldown ?? 0;
    this.mode = o.mode ?? 'min';
    this.threshold = o.threshold ?? 1e-4;
    this.thresholdMode = o.thresholdMode ?? 'rel';
    this.eps = o.eps ?? 1e-8;
    this.initIsBetter();
    this.reset();
  }

  private initIsBetter(): void {
    if (this.mode !== 'min' && this.mode !== 'max') throw new V.ValueError(`mode ${String(this.mode)} is unknown!`);
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') {
      throw new V.ValueError(`threshold mode ${String(this.thresholdMode)} is unknown!`);
    }
    this.modeWorse = this.mode === 'min' ? Infinity : -Infinity;
  }

  private reset(): void {
    this.best = this.modeWorse;
    this.cooldownCounter = 0;
    this.numBadEpochs = 0;
  }

  /** Whether a cooldown is running (PyTorch's `in_cooldown`). */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Whether metric `a` improves on `best` under the mode and threshold (PyTorch's `is_better`). */
  isBetter(a: number, best: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel') return a < best * (1 - this.threshold);
    if (this.mode === 'min') return a < best - this.threshold;
    if (this.thresholdMode === 'rel') return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  /** One epoch's metric (a number, or a one-element tensor as Python's float() takes). */
  step(metrics: number | { item(): number | bigint | boolean }, epoch?: number): void {
    let current: number;
    if (typeof metrics === 'number') current = metrics;
    else if (metrics !== null && typeof metrics === 'object' && typeof metrics.item === 'function') current = Number(metrics.item());
    else throw new TypeError(`float() argument must be a string or a number, not '${V.typeName(metrics)}'`);
    let e = epoch;
    if (e === undefined) e = this.lastEpoch + 1;
    else warnOnce(this, EPOCH_DEPRECATION_WARNING);
    this.lastEpoch = e;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else this.numBadEpochs += 1;
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr(e);
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this._lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  private reduceLr(epoch: number): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      const old = g.lr;
      const lr = max(old * this.factor, this.minLrs[i]);
      if (old - lr > this.eps) {
        g.lr = lr;
        if (this.verbose) {
          const es = Number.isInteger(epoch) ? String(epoch).padStart(5, '0') : epoch.toFixed(2);
          console.log(`Epoch ${es}: reducing learning rate of group ${i} to ${sci4(lr)}.`);
        }
      }
    });
  }

  /** The learning rates after the last step (PyTorch sets it on the first step only). */
  getLastLr(): number[] {
    if (this._lastLr === undefined) throw new Error("'ReduceLROnPlateau' object has no attribute '_last_lr'");
    return [...this._lastLr];
  }

  /** The scheduler's state as a plain object (PyTorch's `state_dict()`). */
  stateDict(): SchedulerStateDict {
    const me = this as unknown as Record<string, unknown>;
    const out: SchedulerStateDict = {};
    for (const [py, field] of PLATEAU_KEYS) if (me[field] !== undefined) out[py] = snapshot(me[field]);
    return out;
  }

  /** Restores a state from `stateDict()` (PyTorch's `load_state_dict`). */
  loadStateDict(stateDict: SchedulerStateDict): void {
    const me = this as unknown as Record<string, unknown>;
    for (const [py, field] of PLATEAU_KEYS) if (py in stateDict) me[field] = snapshot(stateDict[py]);
    this.initIsBetter();
  }
}

// ---- SequentialLR, ChainedScheduler -------------------------------------------------------------

/** A scheduler a composite can drive: an LRScheduler (SequentialLR), or any with step() (ChainedScheduler). */
type Child = LRScheduler;

function childStates(children: readonly Child[]): SchedulerStateDict[] {
  return children.map((s) => s.stateDict());
}

/** Keyword arguments of SequentialLR: PyTorch's `last_epoch`, `verbose` (camelCase). */
export interface SequentialLROptions {
  /** The index of the last epoch, to resume a schedule (PyTorch's `last_epoch`, default -1). */
  lastEpoch?: number;
  /** Print each update (PyTorch's deprecated `verbose`). */
  verbose?: boolean;
}
const SEQ_OPTS = V.optionSpec('SequentialLR', { lastEpoch: 'int', verbose: 'bool' });

/** Runs `schedulers[i]` between milestones[i-1] and milestones[i] (1.13: the next one starts with step(0)). */
export class SequentialLR {
  /** The optimizer the schedulers share. */
  readonly optimizer: SchedulerOptimizer;
  /** @internal PyTorch's private state of the same name (saved in stateDict()). */
  _schedulers: Child[];
  /** @internal PyTorch's private state of the same name (saved in stateDict()). */
  _milestones: number[];
  /** The number of the last epoch (PyTorch's `last_epoch`). */
  lastEpoch: number;
  /** @internal PyTorch's private state of the same name (saved in stateDict()). */
  _lastLr: number[];

  constructor(optimizer: SchedulerOptimizer, schedulers: LRScheduler[], milestones: number[], options?: SequentialLROptions) {
    V.options(SEQ_OPTS, options);
    if (!Array.isArray(schedulers)) throw new TypeError(`SequentialLR(): schedulers must be a list, not ${V.typeName(schedulers)}`);
    V.intList(milestones, 'SequentialLR', 'milestones');
    schedulers.forEach((s, i) => {
      if (s.optimizer !== optimizer) {
        throw new V.ValueError(
          'Sequential Schedulers expects all schedulers to belong to the same optimizer, but ' +
            `got schedulers at index ${i} to be different than the optimizer passed in.`,
        );
      }
    });
    if (milestones.length !== schedulers.length - 1) {
      throw new V.ValueError(
        'Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, ' +
          `but got number of schedulers ${schedulers.length} and the number of milestones to be equal to ${milestones.length}`,
      );
    }
    this._schedulers = schedulers;
    this._milestones = milestones;
    this.lastEpoch = (options?.lastEpoch ?? -1) + 1;
    this.optimizer = optimizer;
    for (const g of optimizer.paramGroups) {
      if (!('initialLr' in g)) throw new KeyError("'initial_lr'");
      g.lr = g.initialLr as number;
    }
    for (const s of schedulers) s.lastEpoch -= 1;
    schedulers[0]._initialStep();
    this._lastLr = schedulers[0].getLastLr();
  }

  /** Advances one epoch with the scheduler of the current milestone (PyTorch's `step()`). */
  step(): void {
    this.lastEpoch += 1;
    const idx = bisectRight(this._milestones, this.lastEpoch);
    const s = this._schedulers[idx];
    if (idx > 0 && this._milestones[idx - 1] === this.lastEpoch) s.step(0);
    else s.step();
    this._lastLr = s.getLastLr();
  }

  /** The learning rates the last step set (PyTorch's `get_last_lr()`). */
  getLastLr(): number[] {
    return [...this._lastLr];
  }

  /** The scheduler's state as a plain object (PyTorch's `state_dict()`). */
  stateDict(): SchedulerStateDict {
    return {
      _milestones: [...this._milestones],
      last_epoch: this.lastEpoch,
      _last_lr: [...this._lastLr],
      _schedulers: childStates(this._schedulers),
    };
  }

  /** Restores a state from `stateDict()` (PyTorch's `load_state_dict`). */
  loadStateDict(stateDict: SchedulerStateDict): void {
    if ('_milestones' in stateDict) this._milestones = [...(stateDict._milestones as number[])];
    if ('last_epoch' in stateDict) this.lastEpoch = stateDict.last_epoch as number;
    if ('_last_lr' in stateDict) this._lastLr = [...(stateDict._last_lr as number[])];
    const subs = stateDict._schedulers as SchedulerStateDict[];
    for (let i = 0; i < subs.length; i++) this._schedulers[i].loadStateDict(subs[i]);
  }
}

/** Steps every scheduler in turn each step: their factors multiply. */
export class ChainedScheduler {
  /** The optimizer the schedulers share. */
  readonly optimizer: SchedulerOptimizer;
  /** @internal PyTorch's private state of the same name (saved in stateDict()). */
  _schedulers: Child[];
  /** @internal PyTorch's private state of the same name (saved in stateDict()). */
  _lastLr: number[];

  constructor(schedulers: LRScheduler[]) {
    if (!Array.isArray(schedulers)) throw new TypeError(`ChainedScheduler(): schedulers must be a list, not ${V.typeName(schedulers)}`);
    for (let i = 1; i < schedulers.length; i++) {
      if (schedulers[i].optimizer !== schedulers[0].optimizer) {
        throw new V.ValueError(
          `ChainedScheduler expects all schedulers to belong to the same optimizer, but got schedulers at index 0 and ${i} to be different`,
        );
      }
    }
    this._schedulers = [...schedulers];
    this.optimizer = schedulers[0].optimizer;
    this._lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** Steps every scheduler of the chain, in order (PyTorch's `step()`). */
  step(): void {
    for (const s of this._schedulers) s.step();
    this._lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The learning rates the last step set (PyTorch's `get_last_lr()`). */
  getLastLr(): number[] {
    return [...this._lastLr];
  }

  /** The scheduler's state as a plain object (PyTorch's `state_dict()`). */
  stateDict(): SchedulerStateDict {
    return { _last_lr: [...this._lastLr], _schedulers: childStates(this._schedulers) };
  }

  /** Restores a state from `stateDict()` (PyTorch's `load_state_dict`). */
  loadStateDict(stateDict: SchedulerStateDict): void {
    if ('_last_lr' in stateDict) this._lastLr = [...(stateDict._last_lr as number[])];
    const subs = stateDict._schedulers as SchedulerStateDict[];
    for (let i = 0; i < subs.length; i++) this._schedulers[i].loadStateDict(subs[i]);
  }
}
