// How the layers below the Tensor class (validation, scopes) recognise a tensor without importing
// the class: a symbol every Tensor carries on its prototype. The symbol is this copy's own, so a
// tensor of another loaded copy of asgrad is not mistaken for one of ours.
import type { Tensor } from './tensor.js';

export const TENSOR: unique symbol = Symbol('asgrad.Tensor');

export function isTensor(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && TENSOR in v;
}
