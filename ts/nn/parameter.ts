// nn.Parameter: a leaf tensor that requires grad, marked so modules register it from their fields.
import { Tensor } from '../tensor.js';
import * as V from '../validate.js';

const PARAM = Symbol('asgrad.nn.Parameter');

/** Whether `x` is a Parameter (a tensor made by `new nn.Parameter(...)` or by a module's init). */
export function isParameter(x: unknown): x is Parameter {
  return x instanceof Tensor && (x as unknown as Record<symbol, unknown>)[PARAM] === true;
}

/** Marks `t` (a leaf) as a parameter that requires grad (or not), in place; returns it. */
export function asParameter(t: Tensor, requiresGrad = true): Parameter {
  Object.defineProperty(t, PARAM, { value: true, enumerable: false, configurable: true });
  t.requiresGrad_(requiresGrad);
  return t as Parameter;
}

// A Parameter is a Tensor: the constructor returns a marked one.
export interface Parameter extends Tensor {}
/** nn.Parameter(data, requiresGrad = true): a tensor sharing data's storage, a leaf that requires grad. */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: see the interface above.
export class Parameter {
  constructor(data: Tensor, requiresGrad = true) {
    V.tensor(data, 'Parameter.__new__', 'data', 1);
    V.bool(requiresGrad, 'Parameter.__new__', 'requires_grad', 2);
    // biome-ignore lint/correctness/noConstructorReturn: PyTorch's Parameter is a Tensor subclass; here a marked Tensor.
    return asParameter(data.detach(), requiresGrad);
  }
  static [Symbol.hasInstance](x: unknown): boolean {
    return isParameter(x);
  }
}
