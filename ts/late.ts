// What the Tensor class needs from the layers built on it (the autograd engine, the in-place
// machinery, kernel copies). tensor.ts cannot import those modules (they import it), so ops/index.ts
// binds them here once, when it is evaluated; every path to a tensor goes through that module.
import type { Tensor } from './tensor.js';
import type { DType } from './dtype.js';

export interface LateBound {
  runBackward(root: Tensor, gradient: Tensor, retainGraph: boolean, createGraph: boolean): void;
  regenerateViewGradFn(view: Tensor, base: Tensor): void;
  contiguousCopy(t: Tensor): Tensor;
  full(shape: readonly number[], value: number, dtype: DType): Tensor;
}

function unbound(): never {
  throw new Error('asgrad: the op registry was not loaded (import asgrad from its package entry)');
}

export const late: LateBound = { runBackward: unbound, regenerateViewGradFn: unbound, contiguousCopy: unbound, full: unbound };

export function bindLate(deps: LateBound): void {
  Object.assign(late, deps);
}
