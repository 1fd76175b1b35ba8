// Broadcasting binary ops: arithmetic with PyTorch's promotion and Python-scalar operands,
// comparisons and where (their functions are in ./compare.ts, their entries here).
import type { Tensor } from '../tensor.js';
import { type BackwardRule, record, recordSaved2, recording } from '../autograd.js';
import { type DType, isFloating } from '../dtype.js';
import { withTemps } from '../scope.js';
import type { FloatKernel } from '../core/wasm.js';
import * as K from './internal.js';
import * as V from '../validate.js';
import {
  type Operand,
  type Scalar,
  asTensorOperand,
  floatDtype,
  isScalar,
  needsTemp,
  operand,
  promote,
  promote2,
  scalarTensor,
} from './operands.js';
import { type OpSpec, type OpTest, defineOp } from './registry.js';
import { type CompareOp, compare, logicalAnd, where } from './compare.js';
// Re-exported: the entries below (gt..ne, where) are these functions, and rules elsewhere import them from here.
export { type CompareOp, compare, logicalAnd, logicalOr, where } from './compare.js';

export type Grads = (Tensor | null)[];
/**
 * A binary op's backward. Written inline in an entry, it states its return type (`: Grads`): the
 * entry's type must not depend on the body (Tensor's methods are derived from the entries).
 */
export type BinaryRule = (g: Tensor, a: Tensor, b: Tensor, needs: readonly boolean[], out: Tensor) => Grads;
/**
 * Which inputs (and, third, whether the output) a rule reads, given which inputs require grad
 * (PyTorch saves only what it needs).
 */
export type SavePlan = (aNeeds: boolean, bNeeds: boolean) => [boolean, boolean] | [boolean, boolean, boolean];

export const NOTHING: SavePlan = () => [false, false];
export const CROSS: SavePlan = (ra, rb) => [rb, ra];
export const BOTH: SavePlan = (ra, rb) => [ra || rb, ra || rb];

/**
 * A broadcasting binary op: `kname` is its kernel, `node` PyTorch's node name, `plan` what the rule
 * reads (a third flag: whether it reads the result too). Integer operands compute in
 * float64 and come back as int64.
 */
export function defineBinary(
  kname: FloatKernel,
  node: string,
  plan: SavePlan,
  rule: BinaryRule,
  alwaysFloat = false,
  alpha?: number,
): (x: Tensor | Scalar, y: Tensor | Scalar) => Tensor {
  // add/sub's alpha scales the second operand inside the op, as PyTorch's kernel does: one node.
  const kernel = (a: Tensor, b: Tensor): Tensor =>
    alpha === undefined ? K.binary(kname, a, b) : withTemps(() => K.binary(kname, a, K.binary('mul', b, K.full([], alpha, b.dtype))));
  // The plan and the node's rule for each combination of inputs requiring grad, made once: the op's
  // hot path allocates no closure or plan array.
  const plans = [plan(false, false), plan(true, false), plan(false, true), plan(true, true)];
  const none = null as unknown as Tensor;
  const rules: BackwardRule[] = plans.map(([sa, sb, so = false]) => {
    // Unsaved tensors are never read by the rule (it only computes the gradients it needs).
    const ib = sa ? 1 : 0;
    return (g: Tensor, s: readonly Tensor[], needs: readonly boolean[]) =>
      rule(g, sa ? s[0] : none, sb ? s[ib] : none, needs, so ? s[s.length - 1] : none);
  });
  // Which tensors the rule reads, as a mask (a: 1, b: 2, the result: 4).
  const saves = plans.map(([sa, sb, so = false]) => (sa ? 1 : 0) | (sb ? 2 : 0) | (so ? 4 : 0));
  const apply = (ox: Operand, oy: Operand, dtype: DType, cdtype: DType): Tensor => {
    const a = operand(ox, cdtype);
    const b = operand(oy, cdtype);
    let out = kernel(a, b);
    if (cdtype !== dtype) out = K.castTo(out, dtype);
    if (!recording(a, b)) return out;
    const k = (a.requiresGrad ? 1 : 0) + (b.requiresGrad ? 2 : 0);
    return recordSaved2(node, out, a, b, savedList(saves[k], a, b, out), rules[k]);
  };
  return (x: Tensor | Scalar, y: Tensor | Scalar): Tensor => {
    const ox = asTensorOperand(x, kname, 'input', 1);
    const oy = asTensorOperand(y, kname, 'other', 1);
    let dtype = promote2(ox, oy);
    if (alwaysFloat) dtype = floatDtype(dtype);
    const cdtype = isFloating(dtype) ? dtype : 'float64';
    // Only casts (or a bigint operand) create handles to release: skip the scope otherwise.
    if (needsTemp(ox, cdtype) || needsTemp(oy, cdtype) || cdtype !== dtype || ox !== x || oy !== y) {
      return withTemps(() => apply(ox, oy, dtype, cdtype));
    }
    return apply(ox, oy, dtype, cdtype);
  };
}

/** The tensors a binary rule reads (mask of `saves` in defineBinary), as an array of exactly their number. */
function savedList(mask: number, a: Tensor, b: Tensor, out: Tensor): Tensor[] {
  switch (mask) {
    case 0:
      return [];
    case 1:
      return [a];
    case 2:
      return [b];
    case 3:
      return [a, b];
    default: {
      const saved: Tensor[] = [];
      if (mask & 1) saved.push(a);
      if (mask & 2) saved.push(b);
      saved.push(out);
      return saved;
    }
  }
}

const addK = defineBinary('add', 'AddBackward0', NOTHING, (g): Grads => [g, g]);
const subK = defineBinary('sub', 'SubBackward0', NOTHING, (g, _a, _b, n): Grads => [g, n[1] ? g.neg() : null]);
/** `2 - x`: Python evaluates it as x.__rsub__(2), PyTorch's rsub (RsubBackward1). */
const rsubK = defineBinary('sub', 'RsubBackward1', NOTHING, (g, _a, _b, n): Grads => [null, n[1] ? g.neg() : null]);
export const mul = defineBinary('mul', 'MulBackward0', CROSS, (g, a, b, n): Grads => {
  // x * x: both gradients go to x; g·x + g·x is exactly 2·(g·x), one pass fewer.
  if (n[0] && n[1] && a._origin !== null && a._origin === b._origin) return [g.mul(b).mul(2), null];
  return [n[0] ? g.mul(b) : null, n[1] ? g.mul(a) : null];
});
/**
 * `tensor * scalar` as ATen's C++ writes it inside composite ops (mul.Scalar): one node,
 * MulBackward1 (Python's `x * 2` and x.mul(2) wrap the number into a tensor: MulBackward0).
 */
export function mulScalar(x: Tensor, s: number | Tensor): Tensor {
  return mulScalarK(x, s);
}
const mulScalarK = defineBinary(
  'mul',
  'MulBackward1',
  (ra) => [false, ra],
  (g, _a, b, n): Grads => [n[0] ? mulScalar(g, b) : null, null],
);
const divK = defineBinary(
  'div',
  'DivBackward0',
  (ra, rb) => [rb, ra || rb],
  // PyTorch's formulas: grad / other and -grad * ((self / other) / other) (so 0/0 and inf/inf give
  // NaN where a squared denominator would not).
  (g, a, b, n): Grads => [n[0] ? g.div(b) : null, n[1] ? g.neg().mul(a.div(b).div(b)) : null],
  true,
);

/**
 * Gradient of maximum/minimum as PyTorch 1.13 writes it: where(a == b, g / 2, g), zeroed where the
 * operand loses. A NaN compares false both ways, so both operands get the whole gradient there.
 */
function minmaxGrad(g: Tensor, a: Tensor, b: Tensor, n: readonly boolean[], cmp: 'gt' | 'lt'): (Tensor | null)[] {
  const shared = where(compare('eq', a, b), g.div(2), g);
  const zero = K.full([], 0, g.dtype);
  const lose: CompareOp = cmp === 'gt' ? 'lt' : 'gt';
  return [n[0] ? where(compare(lose, a, b), zero, shared) : null, n[1] ? where(compare(lose, b, a), zero, shared) : null];
}

/** add/sub's keyword-only argument. */
export interface AlphaOptions {
  /** The multiplier of the second operand (default 1). */
  alpha?: number;
}
const ADD_OPTS = V.optionSpec('add', { alpha: 'number' });
const SUB_OPTS = V.optionSpec('sub', { alpha: 'number' });

/** x + alpha*y or x - alpha*y as one node (AddBackward0, SubBackward0, RsubBackward1), as PyTorch's. */
function scaled(op: 'add' | 'sub', node: string, alpha: number): (x: Tensor | Scalar, y: Tensor | Scalar) => Tensor {
  const k = op === 'add' ? alpha : -alpha;
  return defineBinary(op, node, NOTHING, (g, _a, _b, n): Grads => [n[0] ? g : null, n[1] ? g.mul(k) : null], false, alpha);
}

export function add(x: Tensor | Scalar, y: Tensor | Scalar, opts?: AlphaOptions): Tensor {
  V.options(ADD_OPTS, opts);
  const alpha = opts?.alpha;
  if (alpha === undefined || alpha === 1) return addK(x, y);
  V.operand(y, 'add', 'other', 1);
  return scaled('add', 'AddBackward0', alpha)(x, y);
}
export function sub(x: Tensor | Scalar, y: Tensor | Scalar, opts?: AlphaOptions): Tensor {
  V.options(SUB_OPTS, opts);
  const alpha = opts?.alpha;
  if (alpha === undefined || alpha === 1) {
    if (isScalar(x) && !isScalar(y)) return withTemps(() => rsubK(x, y));
    return subK(x, y);
  }
  V.operand(y, 'sub', 'other', 1);
  if (isScalar(x) && !isScalar(y)) return withTemps(() => scaled('sub', 'RsubBackward1', alpha)(x, y));
  return scaled('sub', 'SubBackward0', alpha)(x, y);
}

/** `x / y`; a number over a tensor is Python's `2 / x`, which PyTorch computes as x.reciprocal() * 2. */
export function div(x: Tensor | Scalar, y: Tensor | Scalar): Tensor {
  if (isScalar(x) && !isScalar(y)) return withTemps(() => mul((asTensorOperand(y, 'div', 'other', 1) as Tensor).reciprocal(), x));
  return divK(x, y);
}

export function pow(x: Tensor | Scalar, e: Tensor | Scalar): Tensor {
  V.operand(x, 'pow', 'input', 1);
  V.operand(e, 'pow', 'exponent', 1);
  return withTemps(() => powImpl(x, e));
}

function powImpl(x: Tensor | Scalar, e: Tensor | Scalar): Tensor {
  if (isScalar(e) && !isScalar(x)) {
    const xt = asTensorOperand(x, 'pow', 'input', 1) as Tensor;
    const dtype = promote([xt, e]);
    const a = operand(xt, floatDtype(dtype));
    const ev = Number(e);
    let out = K.unary('pows', a, ev);
    if (!isFloating(dtype)) out = K.castTo(out, dtype);
    return record(
      'PowBackward0',
      out,
      [a],
      () => [a],
      (g, [s]) => [ev === 0 ? K.full(s._shape, 0, s.dtype) : g.mul(pow(s, ev - 1).mul(ev))],
    );
  }
  if (isScalar(x)) {
    // `2 ** x` is x.__rpow__(2): torch.tensor(2, dtype=result_type(2, x)) ** x (PowBackward1).
    const et = asTensorOperand(e, 'pow', 'exponent', 1) as Tensor;
    return powTT(scalarTensor(Number(x), promote([x, et])), et);
  }
  return powTT(x, e);
}

// PowBackward1 saves self, exponent and its result (PyTorch saves all three whichever input needs
// a gradient); the exponent's gradient reads the result, so under createGraph it goes through this
// node, as in PyTorch.
const POW_SAVES: SavePlan = () => [true, true, true];
const powTT = defineBinary('pow', 'PowBackward1', POW_SAVES, (g, a, b, n, y): Grads => {
  // PyTorch's pow_backward_self / pow_backward_exponent: the zero cases are selected with where, so
  // they stay 0 whatever the other factor (inf, NaN) is.
  const out: (Tensor | null)[] = [null, null];
  if (n[0]) {
    const zero = K.full([], 0, g.dtype);
    out[0] = where(compare('eq', b, 0), zero, g.mul(b.mul(pow(a, b.sub(1)))));
  }
  if (n[1]) {
    const d = y.mul(a.log());
    const cond = logicalAnd(compare('eq', a, 0), compare('ge', b, 0));
    out[1] = g.mul(where(cond, K.full([], 0, d.dtype), d));
  }
  return out;
});

// ---- entries -----------------------------------------------------------------------------------

const TN = { args: [['T', 'N']] } as const;
/** Arithmetic: a method and a torch function, golden signature (tensor, tensor or number). */
const ARITH = { kind: 'elementwise', golden: TN } as const satisfies Partial<OpSpec>;
const SMOOTH = { grad: 'twice' } as const satisfies OpTest;
const binarySamples = (domain?: readonly [number, number]): OpTest['samples'] => [
  { args: [{ shape: [2, 3] }, { shape: [2, 3], domain }] },
  { args: [{ shape: [3, 1] }, { shape: [4], domain }], note: 'broadcast' },
  { args: [{ shape: [2, 3] }, { shape: [], domain }], note: '0-d operand' },
];

/** PyTorch's maximum, minimum, atan2...: both operands are tensors (a number is refused, not promoted). */
function tensorsOnly(name: string, f: (x: Tensor, y: Tensor) => Tensor): (x: Tensor, y: Tensor) => Tensor {
  return (x, y) => {
    V.tensor(x, name, 'input', 1);
    V.tensor(y, name, 'other', 1);
    return f(x, y);
  };
}

/**
 * A binary entry made from its parts: the kernel family, PyTorch's node, what the rule reads and
 * the rule itself, written with differentiable ops. Adding an op of this shape is this one entry
 * plus its kernel in assembly/.
 */
export function binaryOp<const N extends string>(s: {
  name: N;
  py?: string;
  kernel: FloatKernel;
  node: string;
  saves: SavePlan;
  savesDoc: string;
  backward: BinaryRule;
  doc: string;
  /** Integer inputs give float32 (true division and its kin). */
  float?: boolean;
  test: OpTest;
}) {
  return defineOp({
    kind: 'elementwise',
    golden: { args: [['T', 'T']] },
    name: s.name,
    py: s.py ?? s.name,
    signature: 'binary',
    fn: tensorsOnly(s.name, defineBinary(s.kernel, s.node, s.saves, s.backward, s.float)),
    doc: s.doc,
    nodes: [s.node],
    kernels: [s.kernel],
    dtype: s.float ? 'promote-float' : 'promote',
    saves: s.savesDoc,
    methods: { [s.name]: true } as { [K in N]: true },
    test: s.test,
  });
}

function compareOp<const N extends CompareOp>(name: N, doc: string) {
  const fn = (x: Tensor | Scalar, y: Tensor | Scalar): Tensor => compare(name, x, y);
  return defineOp({
    name,
    py: name,
    kind: 'comparison',
    fn,
    doc,
    nodes: [],
    kernels: [name],
    dtype: 'bool',
    saves: 'nothing',
    methods: { [name]: true } as { [K in N]: true },
    golden: TN,
    test: { grad: { no: 'a bool result' } },
  });
}

/** x.where(condition, y), as PyTorch's method: the receiver is the value where condition holds. */
export function whereMethod(x: Tensor, condition: Tensor, other: Tensor | Scalar): Tensor {
  return where(condition, x, other);
}

export const BINARY_OPS = {
  add: defineOp({
    ...ARITH,
    name: 'add',
    py: 'add',
    fn: add,
    doc: 'x + alpha * y, broadcasting, with type promotion.',
    nodes: ['AddBackward0'],
    kernels: ['add', 'mul'],
    dtype: 'promote',
    saves: 'nothing',
    methods: { add: true },
    test: {
      ...SMOOTH,
      samples: [...(binarySamples() ?? []), { args: [{ shape: [3] }, { shape: [3] }, { options: { alpha: 2.5 } }], note: 'alpha' }],
    },
  }),
  sub: defineOp({
    ...ARITH,
    name: 'sub',
    py: 'sub',
    fn: sub,
    doc: "x - alpha * y; a number first is Python's `2 - x` (RsubBackward1).",
    nodes: ['SubBackward0', 'RsubBackward1'],
    kernels: ['sub', 'mul'],
    dtype: 'promote',
    saves: 'nothing',
    methods: { sub: true },
    test: {
      ...SMOOTH,
      samples: [
        ...(binarySamples() ?? []),
        { args: [2, { shape: [3] }], note: 'number first' },
        { args: [{ shape: [3] }, { shape: [3] }, { options: { alpha: 2.5 } }], note: 'alpha' },
      ],
    },
  }),
  mul: defineOp({
    ...ARITH,
    name: 'mul',
    py: 'mul',
    fn: mul,
    doc: 'x * y.',
    nodes: ['MulBackward0'],
    kernels: ['mul'],
    dtype: 'promote',
    saves: "each operand, for the other's gradient",
    methods: { mul: true },
    test: {
      ...SMOOTH,
      samples: [...(binarySamples() ?? []), { args: [{ shape: [2, 3] }, { same: 0 }], note: 'x * x (one gradient for both operands)' }],
    },
  }),
  div: defineOp({
    ...ARITH,
    name: 'div',
    py: 'div',
    fn: div,
    doc: "x / y (true division); a number first is Python's `2 / x`, reciprocal(x) * 2.",
    nodes: ['DivBackward0', 'ReciprocalBackward0', 'MulBackward0'],
    kernels: ['div', 'reciprocal', 'mul'],
    dtype: 'promote-float',
    saves: 'other; self when other needs a gradient',
    methods: { div: true },
    test: {
      ...SMOOTH,
      samples: [...(binarySamples([0.5, 2]) ?? []), { args: [3, { shape: [4], domain: [0.5, 2] }], note: 'number first' }],
    },
  }),
  pow: defineOp({
    ...ARITH,
    name: 'pow',
    py: 'pow',
    fn: pow,
    doc: 'x ** e: a tensor to a number (PowBackward0), to a tensor, or a number to a tensor (PowBackward1).',
    nodes: ['PowBackward0', 'PowBackward1'],
    kernels: ['pows', 'pow'],
    dtype: 'promote',
    saves: 'self (and exponent and result for a tensor exponent)',
    methods: { pow: true },
    test: {
      grad: 'twice',
      domain: [0.5, 2],
      samples: [
        { args: [{ shape: [5], domain: [0.5, 2] }, 2.5], note: 'number exponent' },
        { args: [{ shape: [5] }, 3], note: 'integer exponent, negative base' },
        { args: [{ shape: [2, 3], domain: [0.5, 2] }, { shape: [3] }], note: 'tensor exponent' },
        { args: [2, { shape: [4] }], note: 'number base' },
      ],
    },
  }),
  maximum: binaryOp({
    name: 'maximum',
    kernel: 'maximum',
    node: 'MaximumBackward0',
    saves: BOTH,
    savesDoc: 'both operands',
    backward: (g, a, b, n): Grads => minmaxGrad(g, a, b, n, 'gt'),
    doc: 'Elementwise maximum (NaN propagates; ties share the gradient).',
    test: { grad: 'twice', samples: binarySamples() },
  }),
  minimum: binaryOp({
    name: 'minimum',
    kernel: 'minimum',
    node: 'MinimumBackward0',
    saves: BOTH,
    savesDoc: 'both operands',
    backward: (g, a, b, n): Grads => minmaxGrad(g, a, b, n, 'lt'),
    doc: 'Elementwise minimum (NaN propagates; ties share the gradient).',
    test: { grad: 'twice', samples: binarySamples() },
  }),
  atan2: binaryOp({
    name: 'atan2',
    kernel: 'atan2',
    node: 'Atan2Backward0',
    saves: BOTH,
    savesDoc: 'both operands',
    // PyTorch's atan2_backward: g * other / r2 and g * -self / r2, r2 = self^2 + other^2.
    backward: (g, a, b, n): Grads => {
      const r = a.mul(a).add(b.mul(b)).reciprocal();
      return [n[0] ? g.mul(b).mul(r) : null, n[1] ? g.mul(a.neg()).mul(r) : null];
    },
    doc: 'The angle of the point (other, input), in (-pi, pi].',
    float: true,
    test: { grad: 'twice', samples: binarySamples([0.5, 2]) },
  }),
  gt: compareOp('gt', 'x > y, a bool tensor.'),
  lt: compareOp('lt', 'x < y, a bool tensor.'),
  ge: compareOp('ge', 'x >= y, a bool tensor.'),
  le: compareOp('le', 'x <= y, a bool tensor.'),
  eq: compareOp('eq', 'x == y, a bool tensor.'),
  ne: compareOp('ne', 'x != y, a bool tensor.'),
  where: defineOp({
    name: 'where',
    py: 'where',
    kind: 'elementwise',
    fn: where,
    doc: 'x where condition holds, else y (broadcasting, with promotion).',
    nodes: ['WhereBackward0'],
    kernels: ['where'],
    dtype: 'promote',
    saves: 'condition',
    // x.where(condition, y), as PyTorch's method.
    methods: { where: whereMethod },
    golden: { args: [['T', 'T', 'T']] },
    test: {
      grad: 'twice',
      samples: [{ args: [{ bools: [true, false, true] }, { shape: [2, 3] }, { shape: [3] }], note: 'condition broadcast' }],
    },
  }),
} as const;
