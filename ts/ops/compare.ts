// Comparisons (bool results, never differentiable), logical and/or for backward rules, and
// where: the selection ops the other op files' rules build on.
import type { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { isFloating } from '../dtype.js';
import { noGrad } from '../grad_mode.js';
import { withTemps } from '../scope.js';
import * as K from './internal.js';
import * as V from '../validate.js';
import { type Scalar, asTensorOperand, operand, promote } from './operands.js';

export type CompareOp = 'gt' | 'lt' | 'ge' | 'le' | 'eq' | 'ne';

/** Elementwise comparison → bool tensor (never differentiable). */
export function compare(op: CompareOp, x: Tensor | Scalar, y: Tensor | Scalar): Tensor {
  V.operand(x, op, 'input', 1);
  V.operand(y, op, 'other', 1);
  return withTemps(() => {
    const ox = asTensorOperand(x, op, 'input', 1);
    const oy = asTensorOperand(y, op, 'other', 1);
    const dtype = promote([ox, oy]);
    const cd = isFloating(dtype) ? dtype : 'float64';
    return K.binary(
      op,
      noGrad(() => operand(ox, cd)),
      noGrad(() => operand(oy, cd)),
      'bool',
    );
  });
}

/** For backward rules only: not part of the public surface (not marked internal: stripping it would leave its re-export in binary.d.ts dangling). */
export function logicalAnd(a: Tensor, b: Tensor): Tensor {
  return K.binary('logical_and', a.to('bool'), b.to('bool'), 'bool', 'logical_and_u8');
}
export function logicalOr(a: Tensor, b: Tensor): Tensor {
  return K.binary('logical_or', a.to('bool'), b.to('bool'), 'bool', 'logical_or_u8');
}

export function where(cond: Tensor, x: Tensor | Scalar, y: Tensor | Scalar): Tensor {
  V.tensor(cond, 'where', 'condition', 1);
  V.operand(x, 'where', 'input', 2);
  V.operand(y, 'where', 'other', 3);
  V.whereCondition(cond);
  return withTemps(() => whereImpl(cond, x, y));
}

function whereImpl(cond: Tensor, x: Tensor | Scalar, y: Tensor | Scalar): Tensor {
  const ox = asTensorOperand(x, 'where', 'input', 2);
  const oy = asTensorOperand(y, 'where', 'other', 3);
  const dtype = promote([ox, oy]);
  const cd = isFloating(dtype) ? dtype : 'float64';
  const a = operand(ox, cd);
  const b = operand(oy, cd);
  const c = cond;
  let out = K.whereK(c, a, b);
  if (cd !== dtype) out = K.castTo(out, dtype);
  return record(
    'WhereBackward0',
    out,
    [a, b],
    () => [c],
    (g, [cs], n) => {
      const zero = K.full([], 0, g.dtype);
      return [n[0] ? where(cs, g, zero) : null, n[1] ? where(cs, zero, g) : null];
    },
  );
}
