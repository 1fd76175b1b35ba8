// torch.optim.lr_scheduler's machinery (PyTorch 1.13's _LRScheduler): the structural optimizer the
// schedulers drive, the base class (initial step, step counting, the "step before optimizer.step"
// warning, state dicts with PyTorch's keys), and the scalar helpers (Python's % and //, bisect_right,
// and cos / pow / log computed by the .wasm, never by the host's Math).
import { kernel } from '../core/wasm.js';
import * as V from '../validate.js';

/** One parameter group as a scheduler sees it: `lr` and the keys it adds (initialLr, maxLr, momentum...). */
export interface SchedulerParamGroup {
  /** This group's learning rate. */
  lr: number;
  [k: string]: unknown;
}

/**
 * What a scheduler needs of an optimizer: its parameter groups (plain objects with writable
 * camelCase keys), optionally its `defaults` (OneCycleLR reads whether it has `momentum` or `betas`)
 * and its `step` (wrapped, as PyTorch wraps it, to count calls for the order warning).
 */
export interface SchedulerOptimizer {
  /** The optimizer's parameter groups. */
  paramGroups: SchedulerParamGroup[];
  /** The optimizer's default options. */
  defaults?: Record<string, unknown>;
  /** The optimizer's step (the scheduler wraps it to count the calls, as PyTorch does). */
  step?: (...args: never[]) => unknown;
}

/** PyTorch's KeyError (JavaScript has none); its message is the repr of the key. */
export class KeyError extends Error {
  override name = 'KeyError';
}

/** The state dict of a scheduler: PyTorch's snake_case keys and plain JSON-like values. */
export type SchedulerStateDict = Record<string, unknown>;

/** Python's math.pi (ts/ does not use the host's Math: tests/platforms/rules.test.ts). */
// biome-ignore lint/suspicious/noApproximativeNumericConstant: the value of Math.PI, written out because ts/ may not use Math
export const PI = 3.141592653589793;

export const cos = (x: number): number => kernel('sched_cos')(x);
/** C's pow, Python's float ** float. */
export const pow = (x: number, y: number): number => kernel('sched_pow')(x, y);
export const log = (x: number): number => kernel('sched_log')(x);
/** Python's a % b (the sign of b). */
export const pyMod = (a: number, b: number): number => ((a % b) + b) % b;
/** Python's math.floor / a // b for finite values. */
export const floor = (x: number): number => x - pyMod(x, 1);
/** Python's int(x) for a finite float (towards zero). */
export const trunc = (x: number): number => x - (x % 1);
export const min = (a: number, b: number): number => (b < a ? b : a);
/** Python's max(a, b): the first when equal or unordered. */
export const max = (a: number, b: number): number => (b > a ? b : a);

/** bisect.bisect_right(sorted, x). */
export function bisectRight(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < sorted[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Python's "{:.4e}" (two-digit exponent at least). */
export function sci4(v: number): string {
  return v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2');
}

/** A Python UserWarning, shown once per scheduler and message (Python's default filter shows it once per place). */
export function warnOnce(owner: { _warned?: Set<string> }, msg: string): void {
  owner._warned ??= new Set();
  if (owner._warned.has(msg)) return;
  owner._warned.add(msg);
  console.warn(`UserWarning: ${msg}`);
}

export const EPOCH_DEPRECATION_WARNING =
  'The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where possible. ' +
  'Please use `scheduler.step()` to step the scheduler. During the deprecation, if epoch is different from ' +
  'None, the closed form is used instead of the new chainable form, where available. Please open an issue ' +
  'if you are unable to replicate your use case: https://github.com/pytorch/pytorch/issues/new/choose.';

const ORDER_WARNING =
  'Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and later, you should ' +
  'call them in the opposite order: `optimizer.step()` before `lr_scheduler.step()`.  Failure to do this will ' +
  'result in PyTorch skipping the first value of the learning rate schedule. See more details at ' +
  'https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate';

const OVERRIDDEN_WARNING =
  'Seems like `optimizer.step()` has been overridden after learning rate scheduler initialization. Please, ' +
  'make sure to call `optimizer.step()` before `lr_scheduler.step()`. See more details at ' +
  'https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate';

/** Where the wrapped optimizer.step counts its calls (PyTorch's optimizer._step_count). */
const STEP_COUNT = Symbol('asgrad.optimizer.stepCount');
/** Marks a step function wrapped by a scheduler (PyTorch's `_with_counter`). */
const WITH_COUNTER = Symbol('asgrad.optimizer.withCounter');

interface Counted {
  [STEP_COUNT]?: number;
}

/** PyTorch's `isinstance(optimizer, Optimizer)`, structurally: an object with an array `paramGroups`. */
export function checkOptimizer(opt: unknown): SchedulerOptimizer {
  const o = opt as { paramGroups?: unknown } | null;
  if (o === null || typeof o !== 'object' || !Array.isArray(o.paramGroups)) {
    throw new TypeError(`${V.typeName(opt)} is not an Optimizer`);
  }
  return opt as SchedulerOptimizer;
}

/** Wraps optimizer.step once so that each call counts (PyTorch's `with_counter`). */
function withCounter(opt: SchedulerOptimizer): void {
  const f = opt.step;
  if (typeof f !== 'function' || (f as { [WITH_COUNTER]?: boolean })[WITH_COUNTER]) return;
  const wrapped = function (this: unknown, ...args: never[]): unknown {
    const c = opt as Counted;
    c[STEP_COUNT] = (c[STEP_COUNT] ?? 0) + 1;
    return f.apply(this, args);
  };
  Object.defineProperty(wrapped, WITH_COUNTER, { value: true });
  Object.defineProperty(opt, 'step', { value: wrapped, writable: true, configurable: true, enumerable: false });
}

/** A state dict entry: `[python key, this class's field]`. */
export type StateKeys = readonly (readonly [string, string])[];

/** Copies a value for a state dict (arrays and plain objects one level deep, so later steps do not change it). */
export function snapshot(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(snapshot);
  if (v instanceof Map) return Object.fromEntries(v);
  if (v !== null && typeof v === 'object') return { ...(v as object) };
  return v;
}

/** torch.optim.lr_scheduler._LRScheduler. */
export abstract class LRScheduler {
  /** The optimizer whose learning rates this scheduler sets. */
  readonly optimizer: SchedulerOptimizer;
  /** Each group's initial learning rate (PyTorch's `base_lrs`). */
  baseLrs: number[];
  /** The number of the last epoch (step) taken (PyTorch's `last_epoch`). */
  lastEpoch: number;
  /** Whether each update is printed (PyTorch's deprecated `verbose`). */
  verbose: boolean;
  /** @internal PyTorch's private state of the same name (saved in stateDict()). */
  _stepCount = 0;
  /** @internal PyTorch's private state of the same name (saved in stateDict()). */
  _getLrCalledWithinStep = false;
  /** @internal PyTorch's private state of the same name (saved in stateDict()). */
  _lastLr: number[] = [];
  /** Which warnings this scheduler has shown. */
  _warned?: Set<string>;

  /**
   * The subclass's own state, in PyTorch's `__dict__` order (set before the base constructor runs);
   * base keys follow.
   */
  protected abstract readonly ownKeys: StateKeys;

  constructor(optimizer: SchedulerOptimizer, lastEpoch = -1, verbose = false, entry = 'LRScheduler') {
    this.optimizer = checkOptimizer(optimizer);
    V.int(lastEpoch, entry, 'last_epoch');
    V.bool(verbose, entry, 'verbose');
    const groups = this.optimizer.paramGroups;
    if (lastEpoch === -1) {
      for (const g of groups) if (!('initialLr' in g)) g.initialLr = g.lr;
    } else {
      groups.forEach((g, i) => {
        if (!('initialLr' in g)) {
          throw new KeyError(`"param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer"`);
        }
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
    withCounter(this.optimizer);
    this.verbose = verbose;
  }

  /** Called by each subclass's constructor last (PyTorch's `_initial_step`, run by the base __init__). */
  _initialStep(): void {
    (this.optimizer as Counted)[STEP_COUNT] = 0;
    this._stepCount = 0;
    this.step();
  }

  /** The learning rates of the last step, one per group. */
  getLastLr(): number[] {
    return [...this._lastLr];
  }

  /** The chainable form (PyTorch's get_lr), called within step(). */
  protected abstract getLr(): number[];

  /** The closed form used by step(epoch), where the scheduler has one. */
  protected closedFormLr(): number[] | null {
    return null;
  }

  protected printLr(group: number, lr: number, epoch?: number): void {
    if (!this.verbose) return;
    if (epoch === undefined) console.log(`Adjusting learning rate of group ${group} to ${sci4(lr)}.`);
    else {
      const e = Number.isInteger(epoch) ? String(epoch).padStart(5, '0') : epoch.toFixed(2);
      console.log(`Epoch ${e}: adjusting learning rate of group ${group} to ${sci4(lr)}.`);
    }
  }

  /** Warns as PyTorch does when the scheduler steps before the optimizer ever did. */
  protected checkOrder(): void {
    if (this._stepCount !== 1) return;
    const f = this.optimizer.step;
    if (typeof f !== 'function') return; // an optimizer without step (a test double): nothing to order
    if (!(f as { [WITH_COUNTER]?: boolean })[WITH_COUNTER]) warnOnce(this, OVERRIDDEN_WARNING);
    else if (((this.optimizer as Counted)[STEP_COUNT] ?? 0) < 1) warnOnce(this, ORDER_WARNING);
  }

  /** Advances one epoch and sets the groups' learning rates (PyTorch's `scheduler.step()`; call it after `optimizer.step()`). */
  step(epoch?: number): void {
    if (epoch !== undefined) V.number(epoch, `${this.constructor.name}.step`, 'epoch');
    this.checkOrder();
    this._stepCount += 1;
    let values: number[];
    this._getLrCalledWithinStep = true;
    try {
      if (epoch === undefined) {
        this.lastEpoch += 1;
        values = this.getLr();
      } else {
        warnOnce(this, EPOCH_DEPRECATION_WARNING);
        this.lastEpoch = epoch;
        values = this.closedFormLr() ?? this.getLr();
      }
    } finally {
      this._getLrCalledWithinStep = false;
    }
    this.setLrs(values, epoch);
  }

  protected setLrs(values: readonly number[], epoch?: number): void {
    const groups = this.optimizer.paramGroups;
    for (let i = 0; i < groups.length && i < values.length; i++) {
      groups[i].lr = values[i];
      this.printLr(i, values[i], epoch);
    }
    this._lastLr = groups.map((g) => g.lr);
  }

  protected get groups(): SchedulerParamGroup[] {
    return this.optimizer.paramGroups;
  }

  private keys(): StateKeys {
    return [
      ...this.ownKeys,
      ['base_lrs', 'baseLrs'],
      ['last_epoch', 'lastEpoch'],
      ['verbose', 'verbose'],
      ['_step_count', '_stepCount'],
      ['_get_lr_called_within_step', '_getLrCalledWithinStep'],
      ['_last_lr', '_lastLr'],
    ];
  }

  /** PyTorch's state_dict(): every attribute but the optimizer, under its Python name. */
  stateDict(): SchedulerStateDict {
    const me = this as unknown as Record<string, unknown>;
    const out: SchedulerStateDict = {};
    for (const [py, field] of this.keys()) out[py] = snapshot(me[field]);
    return out;
  }

  /** PyTorch's load_state_dict(): sets the attributes the dict names. */
  loadStateDict(stateDict: SchedulerStateDict): void {
    if (!V.isOptions(stateDict)) throw new TypeError(`load_state_dict(): state_dict must be a dict, not ${V.typeName(stateDict)}`);
    const me = this as unknown as Record<string, unknown>;
    for (const [py, field] of this.keys()) if (py in stateDict) me[field] = this.fromState(py, stateDict[py]);
  }

  /** A state value as this class keeps it (a subclass converts the ones it stores differently). */
  protected fromState(_py: string, v: unknown): unknown {
    return snapshot(v);
  }
}
