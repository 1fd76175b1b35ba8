// torch.optim.SGD: p -= lr * p.grad, computed in the core, under no_grad.
import { Tensor } from './tensor.js';
import { noGrad } from './grad_mode.js';
import { advanceGeneration } from './storage.js';
import { keep } from './scope.js';

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
    this.params = [...params];
    if (!(opts.lr >= 0)) throw new Error(`Invalid learning rate: ${opts.lr}`);
    this.lr = opts.lr;
    this.momentum = opts.momentum ?? 0;
    this.weightDecay = opts.weightDecay ?? 0;
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
    for (const p of this.params) {
      const g = p._gradInternal();
      if (!g) continue;
      if (setToNone) p.grad = null;
      else noGrad(() => g.zero_());
    }
  }
}
