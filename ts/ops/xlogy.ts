// xlogy: x * log(y), 0 where x == 0 unless y is NaN. Its three forms record PyTorch 1.13's three
// nodes: (tensor, tensor) XlogyBackward0, (number, tensor) XlogyBackward1, (tensor, number)
// XlogyBackward2. The gradients are PyTorch's formulas, written with differentiable ops.
import type { Tensor } from '../tensor.js';
import { withTemps } from '../scope.js';
import * as V from '../validate.js';
import { type Scalar, isScalar } from './operands.js';
import { type Grads, compare, defineBinary, logicalAnd, where } from './binary.js';
import { defineOp } from './registry.js';

/** self's gradient (PyTorch's formula): xlogy(g, other), 0 where self == 0 and other <= 0. */
const selfGrad = (g: Tensor, a: Tensor, b: Tensor): Tensor => where(logicalAnd(compare('eq', a, 0), compare('le', b, 0)), 0, xlogyTT(g, b));

const xlogyTT = defineBinary(
  'xlogy',
  'XlogyBackward0',
  (ra, rb) => [ra || rb, ra || rb],
  (g, a, b, n): Grads => [n[0] ? selfGrad(g, a, b) : null, n[1] ? g.mul(a).div(b) : null],
  true,
);
/** xlogy(number, tensor): other's gradient g * self / other. */
const xlogyST = defineBinary(
  'xlogy',
  'XlogyBackward1',
  (_ra, rb) => [rb, rb],
  (g, a, b, n): Grads => [null, n[1] ? g.mul(a).div(b) : null],
  true,
);
/** xlogy(tensor, number): self's gradient as the tensor form's. */
const xlogyTS = defineBinary(
  'xlogy',
  'XlogyBackward2',
  (ra) => [ra, ra],
  (g, a, b, n): Grads => [n[0] ? selfGrad(g, a, b) : null, null],
  true,
);

const ARGS_MSG =
  'xlogy() received an invalid combination of arguments - got (%s), but expected one of:\n' +
  ' * (Tensor input, Tensor other, *, Tensor out)\n' +
  ' * (Number self, Tensor other, *, Tensor out)\n' +
  ' * (Tensor input, Number other, *, Tensor out)\n';

const pyType = (x: unknown): string => (typeof x === 'boolean' ? 'bool' : typeof x === 'number' && !Number.isInteger(x) ? 'float' : 'int');

/** torch.xlogy(input, other): input * log(other), 0 where input is 0 (unless other is NaN). */
export function xlogy(x: Tensor | Scalar, y: Tensor | Scalar): Tensor {
  if (isScalar(x) && isScalar(y)) throw new TypeError(ARGS_MSG.replace('%s', `${pyType(x)}, ${pyType(y)}`));
  V.operand(x, 'xlogy', 'input', 1);
  V.operand(y, 'xlogy', 'other', 2);
  if (isScalar(x)) return withTemps(() => xlogyST(x, y));
  if (isScalar(y)) return withTemps(() => xlogyTS(x, y));
  return xlogyTT(x, y);
}

export const XLOGY_OPS = {
  xlogy: defineOp({
    name: 'xlogy',
    py: 'xlogy',
    kind: 'elementwise',
    signature: 'binary',
    fn: xlogy,
    doc: 'x * log(y), 0 where x == 0 (unless y is NaN); a number on either side (XlogyBackward1/2).',
    nodes: ['XlogyBackward0', 'XlogyBackward1', 'XlogyBackward2'],
    kernels: ['xlogy', 'mul', 'div', 'eq', 'le', 'where'],
    dtype: 'promote-float',
    saves: 'both operands',
    methods: { xlogy: true },
    golden: { args: [['T', 'N']] },
    test: {
      grad: 'twice',
      domain: [0.5, 2],
      samples: [
        { args: [{ shape: [2, 3] }, { shape: [2, 3], domain: [0.5, 2] }] },
        { args: [{ shape: [3, 1] }, { shape: [4], domain: [0.5, 2] }], note: 'broadcast' },
        { args: [{ shape: [2, 3] }, { shape: [], domain: [0.5, 2] }], note: '0-d operand' },
        { args: [2.5, { shape: [4], domain: [0.5, 2] }], note: 'number self (XlogyBackward1)' },
        { args: [{ shape: [4] }, 3], note: 'number other > 0 (XlogyBackward2)' },
      ],
    },
  }),
} as const;
