// Scalar math of the nn layer (initialisation bounds), computed by the core: a JavaScript Math call
// may differ between engines (docs/platforms.md), a 0-d float64 tensor's does not.
import type { Tensor } from '../tensor.js';
import { OPS } from '../ops/index.js';
import { scope } from '../scope.js';

/** f(x) for a float64 scalar, computed by the core (a 0-d float64 tensor). */
export function core64(x: number, f: (t: Tensor) => Tensor): number {
  return scope(() => f(OPS.tensor.fn(x, { dtype: 'float64' })).item() as number);
}

/** Python's math.sqrt (correctly rounded, as the core's f64.sqrt). */
export const sqrt = (x: number): number => core64(x, (t) => t.sqrt());

/** Python's math.erf. */
export const erf = (x: number): number => core64(x, (t) => t.erf());

/** math.sqrt(5), the `a` PyTorch's Linear and _ConvNd pass to kaiming_uniform_. */
export const SQRT5 = 2.23606797749979;
