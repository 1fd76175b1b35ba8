// torch.optim.Optimizer (PyTorch 1.13's torch/optim/optimizer.py): parameter groups, per-parameter
// state, zeroGrad, stateDict / loadStateDict with PyTorch's structure and messages. The update math
// of each optimizer is one fused kernel per parameter in the core (assembly/optim.ts), run by the
// subclasses (./optimizers.ts) under no_grad.
import { Tensor } from '../tensor.js';
import { enableGrad, noGrad } from '../grad_mode.js';
import { advanceGeneration } from '../storage.js';
import { keep } from '../scope.js';
import * as V from '../validate.js';
import { legacyTypeName } from '../dtype.js';
import * as K from '../ops/internal.js';
import { pyFloat } from '../nn/repr.js';
import { sameShape } from '../shape.js';

/**
 * A parameter group: its parameters and its hyperparameters (camelCase: lr, momentum, betas,
 * eps, weightDecay...). Plain writable properties: a scheduler reads and writes `group.lr`,
 * `group.initialLr`, `group.momentum`, `group.betas` directly, and any key it adds is saved by
 * stateDict() in snake_case (`initialLr` -> `initial_lr`).
 */
export interface ParamGroup {
  /** The parameters of the group. */
  params: Tensor[];
  /** This group's learning rate. */
  lr: number;
  [key: string]: unknown;
}

/** A group as given to the constructor or addParamGroup: params and any per-group options. */
export interface ParamGroupInput {
  /** The parameters of the group. */
  params: Iterable<Tensor> | Tensor;
  [key: string]: unknown;
}

/** One parameter's state, under PyTorch's names (`step`, `exp_avg`, `momentum_buffer`...). */
export type ParamState = Record<string, Tensor | number | null>;

/** PyTorch's optimizer state_dict: `state` keyed by parameter index, groups in snake_case. */
export interface OptimizerStateDict {
  /** Per-parameter state, keyed by parameter index (PyTorch's `state`). */
  state: Record<string, ParamState>;
  /** The parameter groups' options, params as indices (PyTorch's `param_groups`). */
  param_groups: Record<string, unknown>[];
}

/** The marker of a hyperparameter without default (SGD's lr in 1.13). */
export const REQUIRED: unique symbol = Symbol('required');

/** Counts one more step in a parameter's state; returns the new count. */
export function nextStep(st: ParamState): number {
  const step = (st.step as number) + 1;
  st.step = step;
  return step;
}

/** `weightDecay` -> `weight_decay`, `initialLr` -> `initial_lr`. */
export const toSnake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
/** `weight_decay` -> `weightDecay`. */
export const toCamel = (k: string): string => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * Python's repr of a number in PyTorch's texts: integral values as ints (JavaScript cannot tell
 * 0 from 0.0; PyTorch's integer defaults such as weight_decay=0 print so), others as repr(float).
 */
export const pyNum = (v: unknown): string => (typeof v === 'number' && !Number.isInteger(v) ? pyFloat(v) : String(v));

function paramTypeError(what: string): TypeError {
  return new TypeError(`optimizer can only optimize Tensors, but one of the params is ${what}`);
}

/** PyTorch's `torch.optim.Optimizer`, the base of the optimizers: `step()`, `zeroGrad()`, `paramGroups`, `state`, `stateDict()` / `loadStateDict()`, `addParamGroup()`. */
export abstract class Optimizer {
  /** The constructor's options with their defaults, camelCase (`REQUIRED` where there is none). */
  readonly defaults: Record<string, unknown>;
  /** The parameter groups, each with its params and its own options (PyTorch's `param_groups`; change `lr` here to adjust it). */
  paramGroups: ParamGroup[] = [];
  /** Per-parameter state (created lazily by step(), as PyTorch). */
  state: Map<Tensor, ParamState> = new Map();
  /** PyTorch's class name (for messages). */
  protected abstract readonly kind: string;

  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput>, defaults: Record<string, unknown>) {
    this.defaults = defaults;
    if (params instanceof Tensor) {
      throw new TypeError(
        `params argument given to the optimizer should be an iterable of Tensors or dicts, but got ${legacyTypeName(params.dtype)}`,
      );
    }
    const it = params as { [Symbol.iterator]?: unknown } | null | undefined;
    if (it === null || it === undefined || typeof it[Symbol.iterator] !== 'function' || typeof params === 'string') {
      throw new TypeError(
        `params argument given to the optimizer should be an iterable of Tensors or dicts, but got ${V.typeName(params)}`,
      );
    }
    const list = [...(params as Iterable<unknown>)];
    if (list.length === 0) throw new V.ValueError('optimizer got an empty parameter list');
    const groups = V.isOptions(list[0]) ? list : [{ params: list }];
    for (const g of groups) this.addParamGroup(g as ParamGroupInput);
  }

  /** Adds a group (PyTorch's add_param_group: checks, then the defaults for missing options). */
  addParamGroup(paramGroup: ParamGroupInput): void {
    if (!V.isOptions(paramGroup)) throw new TypeError('param group must be a dict');
    const raw = paramGroup.params as unknown;
    let params: unknown[];
    if (raw instanceof Tensor) params = [raw];
    else if (raw instanceof Set) {
      throw new TypeError(
        'optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will change between runs. Please use a list instead.',
      );
    } else if (raw !== null && typeof raw === 'object' && typeof (raw as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function') {
      params = [...(raw as Iterable<unknown>)];
    } else {
      throw new TypeError(`'${V.typeName(raw)}' object is not iterable`);
    }
    for (const p of params) {
      if (!(p instanceof Tensor)) throw paramTypeError(V.typeName(p));
      if (!(p.isLeaf || p.retainsGrad)) throw new V.ValueError("can't optimize a non-leaf Tensor");
    }
    const group: ParamGroup = { ...(paramGroup as Record<string, unknown>), params: params as Tensor[] } as ParamGroup;
    for (const [name, def] of Object.entries(this.defaults)) {
      if (def === REQUIRED && !(name in group)) {
        throw new V.ValueError(`parameter group didn't specify a value of required optimization parameter ${toSnake(name)}`);
      }
      if (!(name in group)) group[name] = Array.isArray(def) ? [...def] : def;
    }
    // PyTorch's order: params first in a dict the user wrote; defaults after.
    const seen = new Set<Tensor>();
    for (const g of this.paramGroups) for (const p of g.params) seen.add(p);
    if (group.params.some((p) => seen.has(p))) throw new V.ValueError('some parameters appear in more than one parameter group');
    this.paramGroups.push(group);
  }

  /**
   * Resets the gradients: zeroed in place (PyTorch 1.13's default), or set to null with
   * `{ setToNone: true }` (a gradient the program never looked at is then released at once).
   */
  zeroGrad(opts?: { setToNone?: boolean } | boolean): void {
    let setToNone = false;
    if (typeof opts === 'boolean') setToNone = opts;
    else if (opts !== undefined && opts !== null) {
      V.options(ZERO_GRAD_OPTS, opts);
      setToNone = opts.setToNone ?? false;
    }
    V.bool(setToNone, 'zeroGrad', 'set_to_none', 1);
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const g = p._gradInternal();
        if (!g) continue;
        if (setToNone) p.grad = null;
        else noGrad(() => g.zero_());
      }
    }
  }

  /**
   * One optimization step over every parameter that has a gradient. With a closure (which
   * re-evaluates the model and returns the loss), calls it with grad enabled first and returns
   * its result.
   */
  step<T = undefined>(closure?: () => T): T | undefined {
    let loss: T | undefined;
    if (closure !== undefined) {
      V.callback(closure, 'step');
      loss = enableGrad(closure);
    }
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          const g = p._gradInternal();
          if (!g) continue;
          this.updateParam(p, g, group);
        }
      }
    });
    advanceGeneration();
    return loss;
  }

  /** One parameter's update (its state created here on first use). */
  protected abstract updateParam(p: Tensor, grad: Tensor, group: ParamGroup): void;

  /**
   * Runs `fn` with the contiguous buffers of p and grad (a non-contiguous parameter is updated
   * through a contiguous copy written back), then bumps p's version (an in-place update).
   */
  protected fused(p: Tensor, grad: Tensor, fn: (pc: Tensor, gc: Tensor) => void): void {
    if (grad.dtype !== p.dtype) {
      throw new RuntimeErrorLike(`expected dtype ${p.dtype} for the gradient of a ${p.dtype} parameter, got ${grad.dtype}`);
    }
    if (!sameShape(grad._shape, p._shape)) {
      throw new RuntimeErrorLike(`the gradient's shape [${grad._shape}] does not match the parameter's [${p._shape}]`);
    }
    // The kernel reads and writes every state buffer over p's extent: each must be exactly p's
    // size and dtype, contiguous (a state dict loaded from elsewhere is checked here).
    for (const [key, v] of Object.entries(this.state.get(p) ?? {})) {
      if (!(v instanceof Tensor) || key === 'step') continue;
      const scalar = key === 'mu_product';
      const ok = scalar
        ? v.dtype === 'float32' && v.numel() === 1
        : v.dtype === p.dtype && sameShape(v._shape, p._shape) && v.isContiguous();
      if (!ok) {
        throw new RuntimeErrorLike(
          `optimizer state '${key}' is a ${v.dtype} tensor of shape [${v._shape}]; expected ${scalar ? 'a float32 scalar' : `${p.dtype} of the parameter's shape [${p._shape}]`}`,
        );
      }
    }
    const gc = K.contiguousOf(grad);
    const pc = p.isContiguous() ? p : K.contiguousCopy(p);
    fn(pc, gc);
    if (pc !== p) {
      K.copyInto(p, pc);
      pc.dispose();
    }
    if (gc !== grad) gc.dispose();
    p._storage.version++;
  }

  /** A new state buffer like p (contiguous, of p's dtype), filled with `value`; kept across scopes. */
  /** The parameter's state, made by `init` on its first step (or when a loaded state dict had none). */
  protected stateOf(p: Tensor, init: () => ParamState): ParamState {
    let s = this.state.get(p);
    if (!s || Object.keys(s).length === 0) {
      s = init();
      this.state.set(p, s);
    }
    return s;
  }
  protected buffer(p: Tensor, value = 0): Tensor {
    return keep(K.full(p._shape, value, p.dtype));
  }

  /** A 0-d float32 state tensor (NAdam's mu_product); kept across scopes. */
  protected scalarF32(value: number): Tensor {
    return keep(K.full([], value, 'float32'));
  }

  /** Whether this optimizer's `step` state is a 0-d float32 tensor in PyTorch (Adam family, Adagrad). */
  protected stepIsTensor(): boolean {
    return true;
  }

  /** The state as PyTorch's state_dict: state keyed by parameter index, groups in snake_case. */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    let start = 0;
    const groups: Record<string, unknown>[] = [];
    for (const g of this.paramGroups) {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) {
        if (k === 'params') continue;
        packed[toSnake(k)] = Array.isArray(v) ? [...v] : v;
      }
      g.params.forEach((p, i) => {
        if (!index.has(p)) index.set(p, start + i);
      });
      packed.params = g.params.map((p) => index.get(p) as number);
      start += g.params.length;
      groups.push(packed);
    }
    const state: Record<string, ParamState> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const out: ParamState = {};
      for (const [k, v] of Object.entries(s)) {
        out[k] = k === 'step' && typeof v === 'number' && this.stepIsTensor() ? K.full([], v, 'float32') : v;
      }
      state[String(i)] = out;
    }
    return { state, param_groups: groups };
  }

  /** Loads a state dict (PyTorch's checks and texts); tensors are copied, cast to each parameter's dtype. */
  loadStateDict(stateDict: OptimizerStateDict): void {
    if (!V.isOptions(stateDict)) throw new TypeError(`state_dict must be a dict, not ${V.typeName(stateDict)}`);
    const saved = stateDict.param_groups;
    if (!Array.isArray(saved)) throw new TypeError(`'param_groups' of the state dict must be a list, not ${V.typeName(saved)}`);
    const groups = this.paramGroups;
    if (groups.length !== saved.length) throw new V.ValueError('loaded state dict has a different number of parameter groups');
    for (let i = 0; i < groups.length; i++) {
      const sp = (saved[i] as { params?: unknown }).params;
      if (!Array.isArray(sp) || sp.length !== groups[i].params.length) {
        throw new V.ValueError("loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
      }
    }
    const idMap = new Map<string, Tensor>();
    for (let i = 0; i < groups.length; i++) {
      const sp = (saved[i] as { params: unknown[] }).params;
      for (let j = 0; j < sp.length; j++) idMap.set(String(sp[j]), groups[i].params[j]);
    }
    const state = new Map<Tensor, ParamState>();
    for (const [k, v] of Object.entries(stateDict.state ?? {})) {
      const p = idMap.get(k);
      if (p === undefined) continue;
      const s: ParamState = {};
      for (const [key, value] of Object.entries(v as Record<string, unknown>)) {
        if (value instanceof Tensor) {
          if (key === 'step' && value.numel() === 1) s[key] = value.item() as number;
          else if (key === 'step') s[key] = keep(value.detach().clone().contiguous());
          // NAdam's running product stays a float32 scalar (the kernel reads it as one).
          else if (key === 'mu_product') s[key] = keep(value.detach().to('float32').contiguous().clone());
          else s[key] = keep(value.detach().to(p.dtype).contiguous().clone());
        } else {
          s[key] = value as number | null;
        }
      }
      state.set(p, s);
    }
    const newGroups: ParamGroup[] = groups.map((g, i) => {
      const ng: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(saved[i] as Record<string, unknown>)) {
        if (k === 'params') continue;
        ng[toCamel(k)] = Array.isArray(v) ? [...v] : v;
      }
      for (const [name, def] of Object.entries(this.defaults)) if (!(name in ng) && def !== REQUIRED) ng[name] = def;
      return { ...ng, params: g.params } as ParamGroup;
    });
    // The old state's tensors are left to the collector: a state dict the caller holds may share them.
    this.state = state;
    this.paramGroups = newGroups;
  }

  /** PyTorch's repr: the class and each group's options, sorted by name. */
  toString(): string {
    let s = `${this.kind} (`;
    this.paramGroups.forEach((g, i) => {
      s += `\nParameter Group ${i}\n`;
      for (const k of Object.keys(g).map(toSnake).sort()) {
        if (k === 'params') continue;
        s += `    ${k}: ${pyRepr(g[toCamel(k)])}\n`;
      }
    });
    return `${s})`;
  }
}

/** Python's str() of a group option (True/False/None, tuples of betas). */
function pyRepr(v: unknown): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  if (Array.isArray(v)) return `(${v.map(pyRepr).join(', ')})`;
  return pyNum(v);
}

class RuntimeErrorLike extends Error {
  override name = 'RuntimeError';
}

const ZERO_GRAD_OPTS = V.optionSpec('zeroGrad', { setToNone: 'bool' });
