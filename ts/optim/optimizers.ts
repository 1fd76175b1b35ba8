// The optimizers of torch.optim (PyTorch 1.13): SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta,
// Adamax, NAdam, RAdam. Each constructor validates its options as PyTorch's __init__ does (same
// order, same ValueError texts) and builds its defaults (the group keys, camelCase, in PyTorch's
// order); each step is one fused kernel call per parameter (assembly/optim.ts).
import type { Tensor } from '../tensor.js';
import * as V from '../validate.js';
import { kernelFor } from '../ops/kernels/call.js';
import { Optimizer, REQUIRED, nextStep, pyNum, type ParamGroup, type ParamGroupInput, type ParamState } from './optimizer.js';

/** What an optimizer takes: parameters, or parameter groups with their own options. @inline */
type Params = Iterable<Tensor> | Iterable<ParamGroupInput>;

function nonNeg(v: number, what: string): void {
  if (!(v >= 0)) throw new V.ValueError(`Invalid ${what}: ${pyNum(v)}`);
}

function betasOf(v: unknown, entry: string): [number, number] {
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'number' || typeof v[1] !== 'number') {
    throw new TypeError(`${entry}(): argument 'betas' must be tuple of two floats, not ${V.typeName(v)}`);
  }
  for (let i = 0; i < 2; i++) {
    if (!(v[i] >= 0 && v[i] < 1)) throw new V.ValueError(`Invalid beta parameter at index ${i}: ${pyNum(v[i])}`);
  }
  return [v[0], v[1]];
}

function foreachOf(v: unknown, entry: string): boolean | null {
  if (v === undefined || v === null) return null;
  V.bool(v, entry, 'foreach');
  return v as boolean;
}

/** Options PyTorch has for CUDA graphs / autograd through the step, which asgrad does not run. */
function refuse(flag: unknown, name: string, entry: string): boolean {
  const b = (flag ?? false) as boolean;
  V.bool(b, entry, name);
  if (b) throw new V.ValueError(`${entry}(): ${name}=True is not supported by asgrad (CPU, no autograd through the step)`);
  return false;
}

const ptr = (t: Tensor | null | undefined | number): number => (t && typeof t === 'object' ? t._ptr('optimizer.step') : 0);
const flag = (b: unknown): number => (b ? 1 : 0);
const num = (v: unknown): number => v as number;

// ---- SGD ---------------------------------------------------------------------------------------

/** Keyword arguments of SGD: PyTorch's `lr`, `momentum`, `dampening`, `weight_decay`, `nesterov`, `maximize` (camelCase). */
export interface SGDOptions {
  /** Learning rate (PyTorch's `lr`). */
  lr?: number;
  /** Momentum factor (PyTorch's `momentum`). */
  momentum?: number;
  /** Dampening of the momentum (PyTorch's `dampening`). */
  dampening?: number;
  /** Weight decay, PyTorch's `weight_decay` (an L2 penalty; decoupled from the gradient in AdamW). */
  weightDecay?: number;
  /** Use Nesterov momentum (PyTorch's `nesterov`). */
  nesterov?: boolean;
  /** Maximise the objective instead of minimising it (PyTorch's `maximize`). */
  maximize?: boolean;
  /** PyTorch's `foreach` implementation switch: accepted; the step is one fused kernel per parameter here. */
  foreach?: boolean | null;
  /** PyTorch's `differentiable` (autograd through the step): only false is supported. */
  differentiable?: boolean;
}
const SGD_OPTS = V.optionSpec('SGD.__init__', {
  lr: 'number',
  momentum: 'number',
  dampening: 'number',
  weightDecay: 'number',
  nesterov: 'bool',
  maximize: 'bool',
  foreach: 'any',
  differentiable: 'any',
});

/** PyTorch's `torch.optim.SGD(params, lr=0.001, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False)`: stochastic gradient descent, with momentum and Nesterov momentum. Keyword arguments go in one options object, camelCase: `new SGD(model.parameters(), { lr: 0.01 })`. */
export class SGD extends Optimizer {
  protected readonly kind = 'SGD';
  constructor(params: Params, opts: SGDOptions = {}) {
    V.options(SGD_OPTS, opts);
    const o = opts ?? {};
    const lr = o.lr;
    if (lr !== undefined) nonNeg(lr, 'learning rate');
    const momentum = o.momentum ?? 0;
    const dampening = o.dampening ?? 0;
    const weightDecay = o.weightDecay ?? 0;
    const nesterov = o.nesterov ?? false;
    nonNeg(momentum, 'momentum value');
    nonNeg(weightDecay, 'weight_decay value');
    const defaults = {
      lr: lr ?? REQUIRED,
      momentum,
      dampening,
      weightDecay,
      nesterov,
      maximize: o.maximize ?? false,
      foreach: foreachOf(o.foreach, 'SGD.__init__'),
      differentiable: refuse(o.differentiable, 'differentiable', 'SGD.__init__'),
    };
    if (nesterov && (momentum <= 0 || dampening !== 0)) {
      throw new V.ValueError('Nesterov momentum requires a momentum and zero dampening');
    }
    super(params, defaults);
  }
  protected override stepIsTensor(): boolean {
    return false;
  }
  protected updateParam(p: Tensor, grad: Tensor, g: ParamGroup): void {
    let s = this.state.get(p);
    if (!s) {
      s = {};
      this.state.set(p, s);
    }
    const momentum = num(g.momentum);
    let first = 0;
    if (momentum !== 0 && !s.momentum_buffer) {
      s.momentum_buffer = this.buffer(p);
      first = 1;
    } else if (momentum === 0 && s.momentum_buffer === undefined) s.momentum_buffer = null;
    this.fused(p, grad, (pc, gc) => {
      const buf = momentum !== 0 ? (s.momentum_buffer as Tensor) : null;
      kernelFor('sgd', p.dtype)(
        pc._ptr(),
        gc._ptr(),
        ptr(buf),
        pc.numel(),
        g.lr,
        momentum,
        num(g.dampening),
        num(g.weightDecay),
        flag(g.nesterov),
        flag(g.maximize),
        first,
      );
      if (buf) buf._storage.version++;
    });
  }
}

// ---- Adam / AdamW ------------------------------------------------------------------------------

/** Keyword arguments of Adam: PyTorch's `lr`, `betas`, `eps`, `weight_decay`, `amsgrad`, `maximize` (camelCase). */
export interface AdamOptions {
  /** Learning rate (PyTorch's `lr`). */
  lr?: number;
  /** Coefficients of the running averages of the gradient and its square (PyTorch's `betas`). */
  betas?: [number, number];
  /** Term added to the denominator for numerical stability (PyTorch's `eps`). */
  eps?: number;
  /** Weight decay, PyTorch's `weight_decay` (an L2 penalty; decoupled from the gradient in AdamW). */
  weightDecay?: number;
  /** Use the AMSGrad variant (PyTorch's `amsgrad`). */
  amsgrad?: boolean;
  /** PyTorch's `foreach` implementation switch: accepted; the step is one fused kernel per parameter here. */
  foreach?: boolean | null;
  /** Maximise the objective instead of minimising it (PyTorch's `maximize`). */
  maximize?: boolean;
  /** PyTorch's `capturable` (CUDA graphs): only false is supported. */
  capturable?: boolean;
  /** PyTorch's `differentiable` (autograd through the step): only false is supported. */
  differentiable?: boolean;
  /** PyTorch's `fused`: accepted; the step is one fused kernel per parameter here. */
  fused?: boolean;
}
const adamSpec = (entry: string, withDiff: boolean) =>
  V.optionSpec(entry, {
    lr: 'number',
    betas: 'any',
    eps: 'number',
    weightDecay: 'number',
    amsgrad: 'bool',
    foreach: 'any',
    maximize: 'bool',
    capturable: 'any',
    ...(withDiff ? { differentiable: 'any', fused: 'any' } : {}),
  });
const ADAM_OPTS = adamSpec('Adam.__init__', true);
const ADAMW_OPTS = adamSpec('AdamW.__init__', false);

/** Adam's checks (shared by the Adam family): lr, eps, betas, weight_decay in PyTorch's order. */
function adamChecks(o: AdamOptions, entry: string, lr: number, wd: number): [number, number] {
  nonNeg(lr, 'learning rate');
  nonNeg(o.eps ?? 1e-8, 'epsilon value');
  const betas = betasOf(o.betas ?? [0.9, 0.999], entry);
  nonNeg(wd, 'weight_decay value');
  return betas;
}

abstract class AdamBase extends Optimizer {
  protected abstract readonly decoupled: number;
  protected updateParam(p: Tensor, grad: Tensor, g: ParamGroup): void {
    const s = this.stateOf(p, () => ({
      step: 0,
      exp_avg: this.buffer(p),
      exp_avg_sq: this.buffer(p),
      ...(g.amsgrad ? { max_exp_avg_sq: this.buffer(p) } : {}),
    }));
    // amsgrad switched on after the state was made (PyTorch: KeyError): start its maximum at 0.
    if (g.amsgrad && !s.max_exp_avg_sq) s.max_exp_avg_sq = this.buffer(p);
    const st = s;
    const step = nextStep(st);
    const [b1, b2] = g.betas as [number, number];
    this.fused(p, grad, (pc, gc) => {
      const vmax = g.amsgrad ? (st.max_exp_avg_sq as Tensor) : null;
      kernelFor('adam', p.dtype)(
        pc._ptr(),
        gc._ptr(),
        ptr(st.exp_avg),
        ptr(st.exp_avg_sq),
        ptr(vmax),
        pc.numel(),
        g.lr,
        b1,
        b2,
        num(g.eps),
        num(g.weightDecay),
        step,
        flag(g.amsgrad),
        flag(g.maximize),
        this.decoupled,
      );
      bump(st);
    });
  }
}

/** Bumps the version of every state tensor (the kernel wrote them in place). */
function bump(s: ParamState): void {
  for (const v of Object.values(s)) if (v && typeof v === 'object') v._storage.version++;
}

/** PyTorch's `torch.optim.Adam(params, lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0, amsgrad=False, maximize=False)`. Keyword arguments go in one options object, camelCase: `new Adam(model.parameters(), { lr: 0.01 })`. */
export class Adam extends AdamBase {
  protected readonly kind = 'Adam';
  protected readonly decoupled = 0;
  constructor(params: Params, opts: AdamOptions = {}) {
    V.options(ADAM_OPTS, opts);
    const o = opts ?? {};
    const lr = o.lr ?? 1e-3;
    const weightDecay = o.weightDecay ?? 0;
    const betas = adamChecks(o, 'Adam.__init__', lr, weightDecay);
    super(params, {
      lr,
      betas,
      eps: o.eps ?? 1e-8,
      weightDecay,
      amsgrad: o.amsgrad ?? false,
      maximize: o.maximize ?? false,
      foreach: foreachOf(o.foreach, 'Adam.__init__'),
      capturable: refuse(o.capturable, 'capturable', 'Adam.__init__'),
      differentiable: refuse(o.differentiable, 'differentiable', 'Adam.__init__'),
      fused: refuse(o.fused, 'fused', 'Adam.__init__'),
    });
  }
}

/** Keyword arguments of AdamW (Adam's, as PyTorch). */
export type AdamWOptions = Omit<AdamOptions, 'differentiable' | 'fused'>;

/** PyTorch's `torch.optim.AdamW(params, lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.01, amsgrad=False, maximize=False)`: Adam with decoupled weight decay. Keyword arguments go in one options object, camelCase: `new AdamW(model.parameters(), { lr: 0.01 })`. */
export class AdamW extends AdamBase {
  protected readonly kind = 'AdamW';
  protected readonly decoupled = 1;
  constructor(params: Params, opts: AdamWOptions = {}) {
    V.options(ADAMW_OPTS, opts);
    const o = opts ?? {};
    const lr = o.lr ?? 1e-3;
    const weightDecay = o.weightDecay ?? 1e-2;
    const betas = adamChecks(o, 'AdamW.__init__', lr, weightDecay);
    super(params, {
      lr,
      betas,
      eps: o.eps ?? 1e-8,
      weightDecay,
      amsgrad: o.amsgrad ?? false,
      foreach: foreachOf(o.foreach, 'AdamW.__init__'),
      maximize: o.maximize ?? false,
      capturable: refuse(o.capturable, 'capturable', 'AdamW.__init__'),
    });
  }
}

// ---- RMSprop -----------------------------------------------------------------------------------

/** Keyword arguments of RMSprop: PyTorch's `lr`, `alpha`, `eps`, `weight_decay`, `momentum`, `centered`, `maximize` (camelCase). */
export interface RMSpropOptions {
  /** Learning rate (PyTorch's `lr`). */
  lr?: number;
  /** Smoothing constant (PyTorch's `alpha`). */
  alpha?: number;
  /** Term added to the denominator for numerical stability (PyTorch's `eps`). */
  eps?: number;
  /** Weight decay, PyTorch's `weight_decay` (an L2 penalty; decoupled from the gradient in AdamW). */
  weightDecay?: number;
  /** Momentum factor (PyTorch's `momentum`). */
  momentum?: number;
  /** Normalise by the estimated variance of the gradient (PyTorch's `centered`). */
  centered?: boolean;
  /** PyTorch's `foreach` implementation switch: accepted; the step is one fused kernel per parameter here. */
  foreach?: boolean | null;
  /** Maximise the objective instead of minimising it (PyTorch's `maximize`). */
  maximize?: boolean;
  /** PyTorch's `differentiable` (autograd through the step): only false is supported. */
  differentiable?: boolean;
}
const RMSPROP_OPTS = V.optionSpec('RMSprop.__init__', {
  lr: 'number',
  alpha: 'number',
  eps: 'number',
  weightDecay: 'number',
  momentum: 'number',
  centered: 'bool',
  foreach: 'any',
  maximize: 'bool',
  differentiable: 'any',
});

/** PyTorch's `torch.optim.RMSprop(params, lr=0.01, alpha=0.99, eps=1e-08, weight_decay=0, momentum=0, centered=False, maximize=False)`. Keyword arguments go in one options object, camelCase: `new RMSprop(model.parameters(), { lr: 0.01 })`. */
export class RMSprop extends Optimizer {
  protected readonly kind = 'RMSprop';
  constructor(params: Params, opts: RMSpropOptions = {}) {
    V.options(RMSPROP_OPTS, opts);
    const o = opts ?? {};
    const lr = o.lr ?? 1e-2;
    const alpha = o.alpha ?? 0.99;
    const eps = o.eps ?? 1e-8;
    const weightDecay = o.weightDecay ?? 0;
    const momentum = o.momentum ?? 0;
    nonNeg(lr, 'learning rate');
    nonNeg(eps, 'epsilon value');
    nonNeg(momentum, 'momentum value');
    nonNeg(weightDecay, 'weight_decay value');
    nonNeg(alpha, 'alpha value');
    super(params, {
      lr,
      momentum,
      alpha,
      eps,
      centered: o.centered ?? false,
      weightDecay,
      foreach: foreachOf(o.foreach, 'RMSprop.__init__'),
      maximize: o.maximize ?? false,
      differentiable: refuse(o.differentiable, 'differentiable', 'RMSprop.__init__'),
    });
  }
  protected override stepIsTensor(): boolean {
    return false;
  }
  protected updateParam(p: Tensor, grad: Tensor, g: ParamGroup): void {
    const momentum = num(g.momentum);
    const s = this.stateOf(p, () => ({
      step: 0,
      square_avg: this.buffer(p),
      ...(momentum > 0 ? { momentum_buffer: this.buffer(p) } : {}),
      ...(g.centered ? { grad_avg: this.buffer(p) } : {}),
    }));
    // Options switched on after the state was made (PyTorch: KeyError): their buffers start at 0.
    if (momentum > 0 && !s.momentum_buffer) s.momentum_buffer = this.buffer(p);
    if (g.centered && !s.grad_avg) s.grad_avg = this.buffer(p);
    const st = s;
    st.step = (st.step as number) + 1;
    this.fused(p, grad, (pc, gc) => {
      kernelFor('rmsprop', p.dtype)(
        pc._ptr(),
        gc._ptr(),
        ptr(st.square_avg),
        ptr(g.centered ? st.grad_avg : null),
        ptr(momentum > 0 ? st.momentum_buffer : null),
        pc.numel(),
        g.lr,
        num(g.alpha),
        num(g.eps),
        num(g.weightDecay),
        momentum,
        flag(g.centered),
        flag(g.maximize),
      );
      bump(st);
    });
  }
}

// ---- Adagrad -----------------------------------------------------------------------------------

/** Keyword arguments of Adagrad: PyTorch's `lr`, `lr_decay`, `weight_decay`, `initial_accumulator_value`, `eps`, `maximize` (camelCase). */
export interface AdagradOptions {
  /** Learning rate (PyTorch's `lr`). */
  lr?: number;
  /** Learning rate decay (PyTorch's `lr_decay`). */
  lrDecay?: number;
  /** Weight decay, PyTorch's `weight_decay` (an L2 penalty; decoupled from the gradient in AdamW). */
  weightDecay?: number;
  /** Starting value of the sum of squares (PyTorch's `initial_accumulator_value`). */
  initialAccumulatorValue?: number;
  /** Term added to the denominator for numerical stability (PyTorch's `eps`). */
  eps?: number;
  /** PyTorch's `foreach` implementation switch: accepted; the step is one fused kernel per parameter here. */
  foreach?: boolean | null;
  /** Maximise the objective instead of minimising it (PyTorch's `maximize`). */
  maximize?: boolean;
}
const ADAGRAD_OPTS = V.optionSpec('Adagrad.__init__', {
  lr: 'number',
  lrDecay: 'number',
  weightDecay: 'number',
  initialAccumulatorValue: 'number',
  eps: 'number',
  foreach: 'any',
  maximize: 'bool',
});

/** PyTorch's `torch.optim.Adagrad(params, lr=0.01, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, maximize=False)`. Keyword arguments go in one options object, camelCase: `new Adagrad(model.parameters(), { lr: 0.01 })`. */
export class Adagrad extends Optimizer {
  protected readonly kind = 'Adagrad';
  constructor(params: Params, opts: AdagradOptions = {}) {
    V.options(ADAGRAD_OPTS, opts);
    const o = opts ?? {};
    const lr = o.lr ?? 1e-2;
    const lrDecay = o.lrDecay ?? 0;
    const weightDecay = o.weightDecay ?? 0;
    const init = o.initialAccumulatorValue ?? 0;
    const eps = o.eps ?? 1e-10;
    nonNeg(lr, 'learning rate');
    nonNeg(lrDecay, 'lr_decay value');
    nonNeg(weightDecay, 'weight_decay value');
    nonNeg(init, 'initial_accumulator_value value');
    nonNeg(eps, 'epsilon value');
    super(params, {
      lr,
      lrDecay,
      eps,
      weightDecay,
      initialAccumulatorValue: init,
      foreach: foreachOf(o.foreach, 'Adagrad.__init__'),
      maximize: o.maximize ?? false,
    });
    // PyTorch creates Adagrad's state for every parameter at construction.
    for (const group of this.paramGroups) {
      for (const p of group.params) this.state.set(p, { step: 0, sum: this.buffer(p, init) });
    }
  }
  protected updateParam(p: Tensor, grad: Tensor, g: ParamGroup): void {
    // A parameter of a group added later gets its state here (PyTorch would fail with a KeyError).
    const st = this.stateOf(p, () => ({ step: 0, sum: this.buffer(p, num(g.initialAccumulatorValue)) }));
    const step = nextStep(st);
    this.fused(p, grad, (pc, gc) => {
      kernelFor('adagrad', p.dtype)(
        pc._ptr(),
        gc._ptr(),
        ptr(st.sum),
        pc.numel(),
        g.lr,
        num(g.weightDecay),
        num(g.lrDecay),
        num(g.eps),
        step,
        flag(g.maximize),
      );
      bump(st);
    });
  }
}

// ---- Adadelta ----------------------------------------------------------------------------------

/** Keyword arguments of Adadelta: PyTorch's `lr`, `rho`, `eps`, `weight_decay`, `maximize` (camelCase). */
export interface AdadeltaOptions {
  /** Learning rate (PyTorch's `lr`). */
  lr?: number;
  /** Coefficient of the running averages (PyTorch's `rho`). */
  rho?: number;
  /** Term added to the denominator for numerical stability (PyTorch's `eps`). */
  eps?: number;
  /** Weight decay, PyTorch's `weight_decay` (an L2 penalty; decoupled from the gradient in AdamW). */
  weightDecay?: number;
  /** PyTorch's `foreach` implementation switch: accepted; the step is one fused kernel per parameter here. */
  foreach?: boolean | null;
  /** Maximise the objective instead of minimising it (PyTorch's `maximize`). */
  maximize?: boolean;
}
const ADADELTA_OPTS = V.optionSpec('Adadelta.__init__', {
  lr: 'number',
  rho: 'number',
  eps: 'number',
  weightDecay: 'number',
  foreach: 'any',
  maximize: 'bool',
});

/** PyTorch's `torch.optim.Adadelta(params, lr=1.0, rho=0.9, eps=1e-06, weight_decay=0, maximize=False)`. Keyword arguments go in one options object, camelCase: `new Adadelta(model.parameters(), { lr: 0.01 })`. */
export class Adadelta extends Optimizer {
  protected readonly kind = 'Adadelta';
  constructor(params: Params, opts: AdadeltaOptions = {}) {
    V.options(ADADELTA_OPTS, opts);
    const o = opts ?? {};
    const lr = o.lr ?? 1.0;
    const rho = o.rho ?? 0.9;
    const eps = o.eps ?? 1e-6;
    const weightDecay = o.weightDecay ?? 0;
    nonNeg(lr, 'learning rate');
    if (!(rho >= 0 && rho <= 1)) throw new V.ValueError(`Invalid rho value: ${pyNum(rho)}`);
    nonNeg(eps, 'epsilon value');
    nonNeg(weightDecay, 'weight_decay value');
    super(params, {
      lr,
      rho,
      eps,
      weightDecay,
      maximize: o.maximize ?? false,
      foreach: foreachOf(o.foreach, 'Adadelta.__init__'),
    });
  }
  protected override stepIsTensor(): boolean {
    return false;
  }
  protected updateParam(p: Tensor, grad: Tensor, g: ParamGroup): void {
    const st = this.stateOf(p, () => ({ step: 0, square_avg: this.buffer(p), acc_delta: this.buffer(p) }));
    nextStep(st);
    this.fused(p, grad, (pc, gc) => {
      kernelFor('adadelta', p.dtype)(
        pc._ptr(),
        gc._ptr(),
        ptr(st.square_avg),
        ptr(st.acc_delta),
        pc.numel(),
        g.lr,
        num(g.rho),
        num(g.eps),
        num(g.weightDecay),
        flag(g.maximize),
      );
      bump(st);
    });
  }
}

// ---- Adamax ------------------------------------------------------------------------------------

/** Keyword arguments of Adamax: PyTorch's `lr`, `betas`, `eps`, `weight_decay`, `maximize` (camelCase). */
export interface AdamaxOptions {
  /** Learning rate (PyTorch's `lr`). */
  lr?: number;
  /** Coefficients of the running averages of the gradient and its square (PyTorch's `betas`). */
  betas?: [number, number];
  /** Term added to the denominator for numerical stability (PyTorch's `eps`). */
  eps?: number;
  /** Weight decay, PyTorch's `weight_decay` (an L2 penalty; decoupled from the gradient in AdamW). */
  weightDecay?: number;
  /** PyTorch's `foreach` implementation switch: accepted; the step is one fused kernel per parameter here. */
  foreach?: boolean | null;
  /** Maximise the objective instead of minimising it (PyTorch's `maximize`). */
  maximize?: boolean;
}
const ADAMAX_OPTS = V.optionSpec('Adamax.__init__', {
  lr: 'number',
  betas: 'any',
  eps: 'number',
  weightDecay: 'number',
  foreach: 'any',
  maximize: 'bool',
});

/** PyTorch's `torch.optim.Adamax(params, lr=0.002, betas=(0.9, 0.999), eps=1e-08, weight_decay=0, maximize=False)`: Adam with the infinity norm. Keyword arguments go in one options object, camelCase: `new Adamax(model.parameters(), { lr: 0.01 })`. */
export class Adamax extends Optimizer {
  protected readonly kind = 'Adamax';
  constructor(params: Params, opts: AdamaxOptions = {}) {
    V.options(ADAMAX_OPTS, opts);
    const o = opts ?? {};
    const lr = o.lr ?? 2e-3;
    const weightDecay = o.weightDecay ?? 0;
    const betas = adamChecks(o, 'Adamax.__init__', lr, weightDecay);
    super(params, {
      lr,
      betas,
      eps: o.eps ?? 1e-8,
      weightDecay,
      foreach: foreachOf(o.foreach, 'Adamax.__init__'),
      maximize: o.maximize ?? false,
    });
  }
  protected updateParam(p: Tensor, grad: Tensor, g: ParamGroup): void {
    const st = this.stateOf(p, () => ({ step: 0, exp_avg: this.buffer(p), exp_inf: this.buffer(p) }));
    const step = nextStep(st);
    const [b1, b2] = g.betas as [number, number];
    this.fused(p, grad, (pc, gc) => {
      kernelFor('adamax', p.dtype)(
        pc._ptr(),
        gc._ptr(),
        ptr(st.exp_avg),
        ptr(st.exp_inf),
        pc.numel(),
        g.lr,
        b1,
        b2,
        num(g.eps),
        num(g.weightDecay),
        step,
        flag(g.maximize),
      );
      bump(st);
    });
  }
}

// ---- NAdam -------------------------------------------------------------------------------------

/** Keyword arguments of NAdam: PyTorch's `lr`, `betas`, `eps`, `weight_decay`, `momentum_decay` (camelCase). */
export interface NAdamOptions {
  /** Learning rate (PyTorch's `lr`). */
  lr?: number;
  /** Coefficients of the running averages of the gradient and its square (PyTorch's `betas`). */
  betas?: [number, number];
  /** Term added to the denominator for numerical stability (PyTorch's `eps`). */
  eps?: number;
  /** Weight decay, PyTorch's `weight_decay` (an L2 penalty; decoupled from the gradient in AdamW). */
  weightDecay?: number;
  /** Momentum decay (PyTorch's `momentum_decay`). */
  momentumDecay?: number;
  /** PyTorch's `foreach` implementation switch: accepted; the step is one fused kernel per parameter here. */
  foreach?: boolean | null;
}
const NADAM_OPTS = V.optionSpec('NAdam.__init__', {
  lr: 'number',
  betas: 'any',
  eps: 'number',
  weightDecay: 'number',
  momentumDecay: 'number',
  foreach: 'any',
});

/** PyTorch's `torch.optim.NAdam(params, lr=0.002, betas=(0.9, 0.999), eps=1e-08, weight_decay=0, momentum_decay=0.004)`: Adam with Nesterov momentum. Keyword arguments go in one options object, camelCase: `new NAdam(model.parameters(), { lr: 0.01 })`. */
export class NAdam extends Optimizer {
  protected readonly kind = 'NAdam';
  constructor(params: Params, opts: NAdamOptions = {}) {
    V.options(NADAM_OPTS, opts);
    const o = opts ?? {};
    const lr = o.lr ?? 2e-3;
    const weightDecay = o.weightDecay ?? 0;
    const momentumDecay = o.momentumDecay ?? 4e-3;
    const betas = adamChecks(o, 'NAdam.__init__', lr, weightDecay);
    nonNeg(momentumDecay, 'momentum_decay value');
    super(params, {
      lr,
      betas,
      eps: o.eps ?? 1e-8,
      weightDecay,
      momentumDecay,
      foreach: foreachOf(o.foreach, 'NAdam.__init__'),
    });
  }
  protected updateParam(p: Tensor, grad: Tensor, g: ParamGroup): void {
    // mu_product is a 0-d float32 tensor in PyTorch (its products round to float32); the kernel updates it.
    const st = this.stateOf(p, () => ({ step: 0, mu_product: this.scalarF32(1), exp_avg: this.buffer(p), exp_avg_sq: this.buffer(p) }));
    const step = nextStep(st);
    const [b1, b2] = g.betas as [number, number];
    this.fused(p, grad, (pc, gc) => {
      kernelFor('nadam', p.dtype)(
        pc._ptr(),
        gc._ptr(),
        ptr(st.exp_avg),
        ptr(st.exp_avg_sq),
        ptr(st.mu_product),
        pc.numel(),
        g.lr,
        b1,
        b2,
        num(g.eps),
        num(g.weightDecay),
        num(g.momentumDecay),
        step,
      );
      bump(st);
    });
  }
}

// ---- RAdam -------------------------------------------------------------------------------------

/** Keyword arguments of RAdam: PyTorch's `lr`, `betas`, `eps`, `weight_decay` (camelCase). */
export interface RAdamOptions {
  /** Learning rate (PyTorch's `lr`). */
  lr?: number;
  /** Coefficients of the running averages of the gradient and its square (PyTorch's `betas`). */
  betas?: [number, number];
  /** Term added to the denominator for numerical stability (PyTorch's `eps`). */
  eps?: number;
  /** Weight decay, PyTorch's `weight_decay` (an L2 penalty; decoupled from the gradient in AdamW). */
  weightDecay?: number;
  /** PyTorch's `foreach` implementation switch: accepted; the step is one fused kernel per parameter here. */
  foreach?: boolean | null;
}
const RADAM_OPTS = V.optionSpec('RAdam.__init__', {
  lr: 'number',
  betas: 'any',
  eps: 'number',
  weightDecay: 'number',
  foreach: 'any',
});

/** PyTorch's `torch.optim.RAdam(params, lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0)`: rectified Adam. Keyword arguments go in one options object, camelCase: `new RAdam(model.parameters(), { lr: 0.01 })`. */
export class RAdam extends Optimizer {
  protected readonly kind = 'RAdam';
  constructor(params: Params, opts: RAdamOptions = {}) {
    V.options(RADAM_OPTS, opts);
    const o = opts ?? {};
    const lr = o.lr ?? 1e-3;
    const weightDecay = o.weightDecay ?? 0;
    const betas = adamChecks(o, 'RAdam.__init__', lr, weightDecay);
    super(params, {
      lr,
      betas,
      eps: o.eps ?? 1e-8,
      weightDecay,
      foreach: foreachOf(o.foreach, 'RAdam.__init__'),
    });
  }
  protected updateParam(p: Tensor, grad: Tensor, g: ParamGroup): void {
    const st = this.stateOf(p, () => ({ step: 0, exp_avg: this.buffer(p), exp_avg_sq: this.buffer(p) }));
    const step = nextStep(st);
    const [b1, b2] = g.betas as [number, number];
    this.fused(p, grad, (pc, gc) => {
      kernelFor('radam', p.dtype)(
        pc._ptr(),
        gc._ptr(),
        ptr(st.exp_avg),
        ptr(st.exp_avg_sq),
        pc.numel(),
        g.lr,
        b1,
        b2,
        num(g.eps),
        num(g.weightDecay),
        step,
      );
      bump(st);
    });
  }
}
