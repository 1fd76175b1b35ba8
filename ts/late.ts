// What the Tensor class needs from the layers built on it (the autograd engine, the in-place
// machinery, kernel copies). tensor.ts cannot import those modules (they import it), so ops/index.ts
// binds them once (into rt.late), when it is evaluated; every path to a tensor goes through that module.
import type { BackwardOpts, Tensor } from './tensor.js';
import { rt } from './runtime.js';

export interface LateBound {
  /** Tensor.backward (engine.ts). */
  backward(root: Tensor, gradient: Tensor | null | undefined, opts: BackwardOpts | undefined): void;
  regenerateViewGradFn(view: Tensor, base: Tensor): void;
  contiguousCopy(t: Tensor): Tensor;
}

/** The bound functions (rt.late: the runtime owns them, as all state). */
export const late: LateBound = rt.late;

export function bindLate(deps: LateBound): void {
  Object.assign(rt.late, deps);
}
