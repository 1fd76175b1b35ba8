// In-place ops and what they do to autograd history.
//
// PyTorch's model, which these functions follow: a view made by a view op records its base (the
// root of its chain of views). An in-place op first checks autograd's rules (check_inplace), then
// the kernel's (no self-overlap, an output that holds the broadcast shape, a castable dtype), then
// writes and bumps the version counter its storage shares with every view, then rebases history:
// a non-view takes the op's node; a view's base takes CopySlices (the base's old history outside
// the view's region, the op's node inside it), and the view's own grad_fn is remade from the base.
// Any view whose version moved since its grad_fn was set is remade at its next grad_fn access
// (Tensor.gradFn -> regenerateViewGradFn), whoever wrote.

import { Tensor } from '../tensor.js';
import { AutogradError, type BackwardRule, Node, record } from '../autograd.js';
import { type DType, isFloating } from '../dtype.js';
import { isGradEnabled, noGrad } from '../grad_mode.js';
import { withTemps } from '../scope.js';
import { type Geometry, repeatedDims, spanOf } from '../shape.js';
import * as K from './internal.js';
import * as V from '../validate.js';
import { type Operand, type Scalar, asTensorOperand, operand, promote } from './operands.js';
import { type AlphaOptions, add, div, mul, sub } from './binary.js';
import { zerosLike } from './creation.js';
import { type OpSpec, defineOp } from './registry.js';

function geometryOf(t: Tensor): Geometry {
  return { shape: t._shape, strides: t._strides, offset: t._offset };
}

const OVERLAP_MSG =
  'unsupported operation: more than one element of the written-to tensor refers to a single memory location. ' +
  'Please clone() the tensor before performing the operation.';

/** A zero buffer laid out like `base`, with a handle of `base`'s shape on it. */
function baseBuffer(base: Geometry, dtype: DType): { buf: Tensor; whole: Tensor } {
  const buf = K.full([spanOf(base)], 0, dtype);
  return { buf, whole: buf._view(base.shape, base.strides, 0) };
}

/**
 * as_strided's adjoint: a base-shaped gradient, zero outside the view's elements, the view's
 * gradient `src` inside (summed where the view repeats an element).
 */
function viewScatter(src: Tensor, base: Geometry, view: Geometry): Tensor {
  const out = noGrad(() =>
    withTemps(() => {
      const rep = repeatedDims(view);
      const part = rep.length ? K.reduce('sum', src, rep, true) : src;
      const { buf, whole } = baseBuffer(base, src.dtype);
      const shape = view.shape.map((d, i) => (rep.includes(i) ? 1 : d));
      K.copyInto(buf._view(shape, view.strides, view.offset - base.offset), part);
      return whole;
    }),
  );
  // An empty view contributes nothing: PyTorch's as_strided_backward then returns plain zeros, which
  // do not require grad even under createGraph.
  if (src.numel() === 0) return out;
  return record(
    'AsStridedScatterBackward',
    out,
    [src],
    () => [],
    (g) => [viewGather(g, base, view)],
  );
}

/** The view's elements of a base-shaped gradient, contiguous (viewScatter's adjoint). */
function viewGather(g: Tensor, base: Geometry, view: Geometry): Tensor {
  const out = noGrad(() =>
    withTemps(() => {
      const { buf, whole } = baseBuffer(base, g.dtype);
      K.copyInto(whole, g);
      return K.contiguousCopy(buf._view(view.shape, view.strides, view.offset - base.offset));
    }),
  );
  return record(
    'AsStridedBackward0',
    out,
    [g],
    () => [],
    (gg) => [viewScatter(gg, base, view)],
  );
}

/** `g` (base-shaped) with the view's elements replaced by `src`: CopySlices' gradient for the base. */
function viewOverwrite(g: Tensor, src: Tensor, base: Geometry, view: Geometry): Tensor {
  const out = noGrad(() =>
    withTemps(() => {
      const { buf, whole } = baseBuffer(base, g.dtype);
      K.copyInto(whole, g);
      K.copyInto(buf._view(view.shape, view.strides, view.offset - base.offset), src);
      return whole;
    }),
  );
  return record(
    'CopySlicesBackward',
    out,
    [g, src],
    () => [],
    (gg, _s, n) => [n[0] ? viewOverwrite(gg, K.full(view.shape, 0, gg.dtype), base, view) : null, n[1] ? viewGather(gg, base, view) : null],
  );
}

function noGradViewMessage(view: Tensor, what: string): string {
  const fn = view._rawGradFn();
  const prefix = fn ? `Output 0 of ${fn.name()} is a view of a view which was created in` : 'A view was created in';
  return (
    `${prefix} no_grad mode and ${what} modified inplace with grad mode enabled. Given that this use case is ` +
    'ambiguous and error-prone, it is forbidden. You can clarify your code by moving both the view and the ' +
    "inplace either both inside the no_grad block (if you don't want the inplace to be tracked) or both " +
    'outside (if you want the inplace to be tracked).'
  );
}

/**
 * PyTorch's refusal to rebase an output of an op returning several views (unbind, split, chunk) or a
 * view of one: `what` is "is being" (it is written) or "its base or another view of its base has been".
 */
function multiViewMessage(view: Tensor, what: string): string {
  const fn = view._rawGradFn();
  const head = fn
    ? `Output ${view._outputNr} of ${fn.name()} is a view and ${what} modified inplace.`
    : `A view was created in no_grad mode and ${what} modified inplace with grad mode enabled.`;
  return (
    `${head} This view is the output of a function that returns multiple views. Such functions do not allow ` +
    'the output views to be modified inplace. You should replace the inplace operation by an out-of-place one.'
  );
}

/**
 * @internal A view's grad_fn after its storage was written since it was set: AsStridedBackward0
 * from the base's current history (PyTorch remakes it at the view's next grad_fn access).
 */
export function regenerateViewGradFn(view: Tensor, base: Tensor): void {
  if (view._noGradView) throw new AutogradError(noGradViewMessage(view, 'its base or another view of its base has been'));
  if (view._multiView) throw new AutogradError(multiViewMessage(view, 'its base or another view of its base has been'));
  const bg = geometryOf(base);
  const vg = geometryOf(view);
  const node = new Node('AsStridedBackward0', [base._edge()], [{ shape: base._shape, dtype: base.dtype }], (g) => [viewScatter(g, bg, vg)]);
  node.setSaved([]);
  view._setGradFn(node);
}

/** A node for an in-place op: `inputs` (self first, as it was) feed `rule`. */
function inplaceNode(name: string, inputs: readonly (Tensor | null)[], rule: BackwardRule): Node {
  const next = inputs.map((t) => (t?.requiresGrad ? t._edge() : null));
  const meta = inputs.map((t) => (t ? { shape: t._shape, dtype: t.dtype } : { shape: [], dtype: 'float32' as DType }));
  const node = new Node(name, next, meta, rule);
  node.setSaved([]);
  return node;
}

/** After an in-place op wrote `self` (version already bumped): `fn` becomes the history of what it holds. */
export function rebaseHistory(self: Tensor, fn: Node): void {
  const base = self._base;
  if (base === null) {
    self._setGradFn(fn);
    return;
  }
  const bg = geometryOf(base);
  const vg = geometryOf(self);
  const overlapping = self.numel() > 0 && repeatedDims(vg).length > 0;
  const next = [base._edge(), ...fn.next.slice(1)];
  const meta = [{ shape: base._shape, dtype: base.dtype }, ...fn.inputMeta.slice(1)];
  const cs = new Node('CopySlices', next, meta, (g, _s, needs) => {
    // PyTorch writes the op's gradient back into the view's part of the base's gradient.
    if (overlapping) throw new Error(OVERLAP_MSG);
    const saved = fn.unpack();
    const slice = viewGather(g, bg, vg);
    const res = fn.rule(slice, saved, [needs[0] && fn.needs[0], ...needs.slice(1)]);
    const out = res.slice();
    if (needs[0]) out[0] = viewOverwrite(g, res[0] ?? K.full(vg.shape, 0, g.dtype), bg, vg);
    else out[0] = null;
    return out;
  });
  cs.inner = fn;
  cs.setSaved([], true);
  base._setGradFn(cs);
  void self.gradFn; // the view's own grad_fn, from the base's new history
}

/**
 * PyTorch's check_inplace, before anything runs: whether the op is recorded, after refusing what
 * autograd forbids (views made in no-grad mode, views of leaves and leaves that require grad).
 */
export function checkInplace(self: Tensor, others: readonly Operand[]): boolean {
  self._check('in-place op');
  if (!isGradEnabled()) return false;
  if (!self.requiresGrad && !others.some((o) => o instanceof Tensor && o.requiresGrad)) return false;
  const base = self._base;
  if (base !== null) {
    if (self._noGradView) throw new AutogradError(noGradViewMessage(self, 'is being'));
    if (self._multiView) throw new AutogradError(multiViewMessage(self, 'is being'));
    if (self.requiresGrad && base.isLeaf) {
      throw new AutogradError('a view of a leaf Variable that requires grad is being used in an in-place operation.');
    }
  }
  if (self.requiresGrad && self.isLeaf) {
    throw new AutogradError('a leaf Variable that requires grad is being used in an in-place operation.');
  }
  return true;
}

/** The kernel's checks before it writes `self` from `src`: no self-overlap, the broadcast shape fits. */
export function checkInplaceWrite(self: Tensor, src: Tensor | null): void {
  if (self.numel() > 0 && repeatedDims(geometryOf(self)).length) throw new Error(OVERLAP_MSG);
  if (src !== null) V.broadcastInto(self._shape, src._shape);
}

const inplaceOps = { add, sub, mul, div } as const;
export type InplaceArith = keyof typeof inplaceOps;
/** Entry names for messages (constants: no string is built per call). */
const INPLACE_NAME = { add: 'add_', sub: 'sub_', mul: 'mul_', div: 'div_' } as const;
const ADD_OPTS = V.optionSpec('add_', { alpha: 'number' });
const SUB_OPTS = V.optionSpec('sub_', { alpha: 'number' });

/** self.op_(other): validates, writes self, bumps its version, rebases its history. */
export function inplace<T extends Tensor>(self: T, op: keyof typeof inplaceOps, other: Tensor | Scalar, opts?: AlphaOptions): T {
  V.operand(other, INPLACE_NAME[op], 'other', 1);
  if (op === 'add' || op === 'sub') V.options(op === 'add' ? ADD_OPTS : SUB_OPTS, opts);
  return withTemps(() => inplaceImpl(self, op, other, opts?.alpha));
}

function inplaceImpl<T extends Tensor>(self: T, op: keyof typeof inplaceOps, other: Tensor | Scalar, alpha?: number): T {
  const o = asTensorOperand(other, INPLACE_NAME[op], 'other', 1);
  const tracking = checkInplace(self, [o]);
  checkInplaceWrite(self, o instanceof Tensor ? o : null);
  const rdtype = promote([self, o]);
  if (rdtype !== self.dtype && !(isFloating(self.dtype) || !isFloating(rdtype))) {
    throw new Error(
      `result type ${rdtype === 'float64' ? 'Double' : 'Float'} can't be cast to the desired output type ${self.dtype === 'int64' ? 'Long' : 'Bool'}`,
    );
  }
  const apply = (x: Tensor): Tensor => (op === 'add' || op === 'sub' ? inplaceOps[op](x, o, { alpha }) : inplaceOps[op](x, o));
  if (!tracking) {
    if (isFloating(self.dtype) && self.isContiguous()) {
      let b = operand(o, self.dtype);
      if (alpha !== undefined && alpha !== 1) b = K.binary('mul', b, K.full([], alpha, self.dtype));
      K.binaryInto(op, self, b);
    } else {
      K.copyInto(
        self,
        noGrad(() => apply(self)),
      );
    }
    self._storage.version++;
    return self;
  }
  // The op's node, computed out of place from self's old value. mul/div read self for other's
  // gradient: like PyTorch (which saves a clone of the original self), they get a copy, so the write
  // below does not invalidate what they saved.
  const readsSelf = (op === 'mul' || op === 'div') && o instanceof Tensor && o.requiresGrad;
  const old = readsSelf ? noGrad(() => K.contiguousCopy(self))._adoptIdentity(self) : self;
  const r = apply(old);
  noGrad(() => K.copyInto(self, r));
  self._storage.version++;
  const fn = r.gradFn;
  if (fn) rebaseHistory(self, fn);
  return self;
}

function fillLike<T extends Tensor>(self: T, value: number, node: string): T {
  const tracking = checkInplace(self, []);
  // Writing one value needs no overlap check (PyTorch's fill_ has none).
  const fn = tracking ? inplaceNode(node, [self], (g) => [zerosLike(g)]) : null;
  if (self.isContiguous()) {
    self._check('copy_'); // the message of the copy below
    K.fillWith(self, value);
  } else {
    const src = K.full([], value, self.dtype);
    K.copyInto(self, src);
    src.dispose();
  }
  self._storage.version++;
  if (fn) rebaseHistory(self, fn);
  return self;
}

export function fill_<T extends Tensor>(self: T, value: number): T {
  V.number(value, 'fill_', 'value', 1);
  return fillLike(self, +value, 'FillBackward2');
}

export function zero_<T extends Tensor>(self: T): T {
  return fillLike(self, 0, 'ZeroBackward0');
}

export function copy_<T extends Tensor>(self: T, src: Tensor): T {
  V.tensor(src, 'copy_', 'other', 1);
  const s = src;
  const tracking = checkInplace(self, [s]);
  checkInplaceWrite(self, s);
  const srcDtype = s.dtype;
  const fn = tracking
    ? inplaceNode('CopyBackwards', [self, s], (g, _s, n) => [n[0] ? zerosLike(g) : null, n[1] ? g.to(srcDtype) : null])
    : null;
  K.copyInto(self, s);
  self._storage.version++;
  if (fn) rebaseHistory(self, fn);
  return self;
}

// ---- entries -----------------------------------------------------------------------------------

const INPLACE = { kind: 'inplace', torch: false, saves: 'as the out-of-place op' } as const satisfies Partial<OpSpec>;
export const inplaceArith =
  (op: InplaceArith): ((self: Tensor, other: Tensor | Scalar, opts?: AlphaOptions) => Tensor) =>
  (self, other, opts) =>
    inplace(self, op, other, opts);
/** In-place samples write a non-leaf (a leaf that requires grad refuses): the harness clones first. */
const WRITE_SAMPLES = [{ args: [{ shape: [2, 3] }, { shape: [3] }] }] as const;

export const INPLACE_OPS = {
  add_: defineOp({
    ...INPLACE,
    name: 'add_',
    py: 'add_',
    fn: inplaceArith('add'),
    doc: 'self += alpha * other.',
    nodes: ['AddBackward0', 'CopySlices'],
    kernels: ['add'],
    dtype: 'same',
    methods: { add_: true },
    test: { grad: 'twice', samples: WRITE_SAMPLES },
  }),
  sub_: defineOp({
    ...INPLACE,
    name: 'sub_',
    py: 'sub_',
    fn: inplaceArith('sub'),
    doc: 'self -= alpha * other.',
    nodes: ['SubBackward0', 'CopySlices'],
    kernels: ['sub'],
    dtype: 'same',
    methods: { sub_: true },
    test: { grad: 'twice', samples: WRITE_SAMPLES },
  }),
  mul_: defineOp({
    ...INPLACE,
    name: 'mul_',
    py: 'mul_',
    fn: (self: Tensor, other: Tensor | Scalar): Tensor => inplace(self, 'mul', other),
    doc: 'self *= other.',
    nodes: ['MulBackward0', 'CopySlices'],
    kernels: ['mul'],
    dtype: 'same',
    methods: { mul_: true },
    test: { grad: 'twice', samples: WRITE_SAMPLES },
  }),
  div_: defineOp({
    ...INPLACE,
    name: 'div_',
    py: 'div_',
    fn: (self: Tensor, other: Tensor | Scalar): Tensor => inplace(self, 'div', other),
    doc: 'self /= other.',
    nodes: ['DivBackward0', 'CopySlices'],
    kernels: ['div'],
    dtype: 'same',
    methods: { div_: true },
    test: { grad: 'twice', samples: [{ args: [{ shape: [2, 3] }, { shape: [3], domain: [0.5, 2] }] }] },
  }),
  zero_: defineOp({
    ...INPLACE,
    name: 'zero_',
    py: 'zero_',
    fn: zero_,
    doc: 'Fills self with zeros.',
    nodes: ['ZeroBackward0'],
    kernels: ['copy_b4', 'copy_b8'],
    dtype: 'same',
    methods: { zero_: true },
    test: { grad: 'twice', samples: [{ args: [{ shape: [2, 3] }] }] },
  }),
  fill_: defineOp({
    ...INPLACE,
    name: 'fill_',
    py: 'fill_',
    fn: fill_,
    doc: 'Fills self with one value.',
    nodes: ['FillBackward2'],
    kernels: ['copy_b4', 'copy_b8'],
    dtype: 'same',
    methods: { fill_: true },
    test: { grad: 'twice', samples: [{ args: [{ shape: [2, 3] }, 1.5] }] },
  }),
  copy_: defineOp({
    ...INPLACE,
    name: 'copy_',
    py: 'copy_',
    fn: copy_,
    doc: "Copies src's values (broadcast, converted) into self.",
    nodes: ['CopyBackwards'],
    kernels: ['copy_b4', 'copy_b8'],
    dtype: 'same',
    methods: { copy_: true },
    test: { grad: 'twice', samples: [{ args: [{ shape: [2, 3] }, { shape: [3] }] }] },
  }),
} as const;
