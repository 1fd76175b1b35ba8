// torch.optim.SGD: p -= lr * p.grad, computed in the core, under no_grad.
import { Tensor } from './tensor.js';
import { noGrad } from './grad_mode.js';
import { advanceGeneration } from './storage.js';
import { keep } from './scope.js';
import * as V from './validate.js';
import { legacyTypeName } from './dtype.js';

const SGD_OPTS = V.optionSpec('SGD.__init__', { lr: 'number', momentum: 'number', weightDecay: 'number' }, [
  'dampening',
  'nesterov',
  'maximize',
  'foreach',
  'differentiable',
]);

/** An optimizer's params: an iterable of leaf tensors, not empty (PyTorch 1.13's checks and texts). */
function paramList(params: unknown): Tensor[] {
  if (params instanceof Tensor) {
    throw new TypeError(
      `params argument given to the optimizer should be an iterable of Tensors or dicts, but got ${legacyTypeName(params.dtype)}`,
    );
  }
  const it = params as { [Symbol.iterator]?: unknown } | null | undefined;
  if (it === null || it === undefined || typeof it[Symbol.iterator] !== 'function' || typeof params === 'string') {
    throw new TypeError(`params argument given to the optimizer should be an iterable of Tensors or dicts, but got ${V.typeName(params)}`);
  }
  const list = [...(params as Iterable<unknown>)];
  if (list.length === 0) throw new V.ValueError('optimizer got an empty parameter list');
  for (const p of list) {
    if (!(p instanceof Tensor)) throw new TypeError(`optimizer can only optimize Tensors, but one of the params is ${V.typeName(p)}`);
    if (!p.isLeaf) throw new V.ValueError("can't optimize a non-leaf Tensor");
  }
  return list as Tensor[];
}

/** A hyperparameter that must be >= 0: PyTorch's ValueError text ("Invalid learning rate: -1"). */
function nonNegative(v: number, what: string): number {
  if (!(v >= 0)) throw new V.ValueError(`Invalid ${what}: ${v}`);
  return v;
}
export interface SGDOptions {
  lr: number;
  momentum?: number;
  weightDecay?: number;
}

export class SGD {
  readonly params: Tensor[];
  readonly lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
  private readonly buffers = new Map<Tensor, Tensor>();

  constructor(params: Iterable<Tensor>, opts: SGDOptions) {
    this.params = paramList(params);
    V.options(SGD_OPTS, opts);
    if (opts?.lr === undefined) {
      throw new V.ValueError("parameter group didn't specify a value of required optimization parameter lr");
    }
    this.lr = nonNegative(opts.lr, 'learning rate');
    this.momentum = nonNegative(opts.momentum ?? 0, 'momentum value');
    this.weightDecay = nonNegative(opts.weightDecay ?? 0, 'weight_decay value');
  }

  step(): void {
    noGrad(() => {
      for (const p of this.params) {
        const g0 = p._gradInternal();
        if (!g0) continue;
        let d = this.weightDecay ? g0.add(p, this.weightDecay) : g0;
        if (this.momentum) {
          const buf = this.buffers.get(p);
          if (buf) d = buf.mul_(this.momentum).add_(d);
          else {
            d = keep(d.clone());
            this.buffers.set(p, d);
          }
        }
        const upd = d.mul(this.lr);
        p.sub_(upd);
        upd.dispose();
      }
    });
    advanceGeneration();
  }

  /**
   * Sets every parameter's .grad to null (PyTorch 2's default set_to_none=True); a gradient the
   * program never looked at is released at once.
   */
  zeroGrad(setToNone = true): void {
    V.bool(setToNone, 'zeroGrad', 'set_to_none', 1);
    for (const p of this.params) {
      const g = p._gradInternal();
      if (!g) continue;
      if (setToNone) p.grad = null;
      else noGrad(() => g.zero_());
    }
  }
}

/** torch.optim.lr_scheduler, as torch.optim.lrScheduler. */
export * as lrScheduler from './optim/lr_scheduler.js';
