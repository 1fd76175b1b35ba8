// erf as a unary entry (torch.erf, x.erf()), apart from activations.ts which uses it in gelu's rule.
import type { Tensor } from '../tensor.js';
import { unaryOp } from './unary.js';

const TWO_OVER_SQRT_PI = 1.1283791670955126;

export const ERF_OPS = {
  erf: unaryOp({
    name: 'erf',
    kernel: 'erf',
    node: 'ErfBackward0',
    save: 'input',
    backward: (g, x): Tensor => g.mul(x.mul(x).neg().exp().mul(TWO_OVER_SQRT_PI)),
    doc: 'The error function, 2/sqrt(pi) * integral of exp(-t^2) from 0 to x.',
    domain: [-2.5, 2.5],
  }),
} as const;

export const erf = ERF_OPS.erf.fn;
