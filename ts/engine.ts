// The autograd engine: Tensor.backward's argument checks and implicit gradient (`backward`, bound
// into tensor.ts through late.ts), then the pass (`runBackward`) from a root through the graph of
// ./autograd.ts, counting dependencies, accumulating into leaves, and summing each gradient down to
// its input's (broadcast) shape in one place.
import { Tensor, type BackwardOpts } from './tensor.js';
import { Node, AutogradError, runHooks, type HookTable } from './autograd.js';
import { withGradMode, isGradEnabled, setGradEnabled } from './grad_mode.js';
import type { DType } from './dtype.js';
import { sameShape, fmtShape, type Shape } from './shape.js';
import { withTemps, withTemps3 } from './scope.js';
import { advanceGeneration } from './storage.js';
import * as V from './validate.js';
import { full } from './ops/internal.js';
import { gradCopy, toDtype } from './ops/operands.js';
import { sum } from './ops/reduction.js';
import { reshape } from './ops/views.js';
import { rt } from './runtime.js';
import { nanMessage, warnAnomaly } from './anomaly_mode.js';
import * as K from './ops/internal.js';

/** Backward pass numbers: rt.autograd (ts/runtime.ts). */
const A = rt.autograd;
const ANOMALY = rt.anomaly;
const NO_GRADS: readonly (Tensor | null)[] = Object.freeze([]);
const NO_BACKWARD_OPTS: BackwardOpts = Object.freeze({});
const BACKWARD_OPTS = V.optionSpec('Tensor.backward', { retainGraph: 'bool', createGraph: 'bool' }, ['inputs']);

/** A gradient in its input's dtype, differentiably (with create_graph the cast is part of the new graph, as in PyTorch's engine). */
function castGrad(g: Tensor, dtype: DType): Tensor {
  return g.dtype === dtype ? g : toDtype(g, dtype);
}

/** The fresh, differentiable copy of a gradient that createGraph stores in .grad (see gradCopy). */
function storedGrad(g: Tensor, leaf: boolean): Tensor {
  return gradCopy(g, leaf);
}

/** Whether a gradient holds a NaN (anomaly mode's check), computed by the core: x != x only for NaN. */
function hasNan(g: Tensor): boolean {
  return withTemps(() => {
    const ne = K.binary('ne', g, g, 'bool');
    return K.reduce('sum', K.castTo(ne, 'float64'), [], false).item() > 0;
  });
}

/** Sums a gradient down to `shape` (the adjoint of broadcasting), differentiably. */
function sumToShape(g: Tensor, shape: Shape): Tensor {
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead) dims.push(i);
    else if (shape[i - lead] === 1 && g._shape[i] !== 1) dims.push(i);
  }
  let r = dims.length ? sum(g, dims, true) : g;
  if (lead > 0 || r.ndim !== shape.length) r = reshape(r, shape);
  return r;
}

/**
 * Adds a gradient into `.grad`. With `steal`, a gradient nobody else holds (a contiguous tensor
 * alone on its storage) becomes `.grad` itself instead of being copied, as PyTorch's engine does.
 * Returns whether it was stolen.
 */
function accumulateInto(t: Tensor, g: Tensor, createGraph: boolean, steal = false): boolean {
  const cur = t._gradInternal();
  if (cur === null) {
    // A copy, as PyTorch's AccumulateGrad and retain_grad make: g may be an expanded view that a
    // later in-place accumulation (a backward without createGraph) would write through.
    if (createGraph) t._setGradInternal(storedGrad(g, t.isLeaf));
    else if (steal && g._ownsStorage()) {
      t._setGradInternal(g);
      // Backward ends with the leaves' gradients computed, not pending (ts/fuse/graph.ts).
      g._storage.address();
      return true;
    } else t._setGradInternal(g._detachedCopy());
  } else if (createGraph) {
    t._setGradInternal(cur.add(g));
  } else {
    withGradMode(false, () => cur.add_(g));
  }
  return false;
}

/** A multi-output node's gradients through the hooks of its outputs. */
function hookedOuts(hooks: Map<number, HookTable>, gs: readonly (Tensor | null)[]): (Tensor | null)[] {
  return gs.map((x, nr) => (x ? runHooks(hooks.get(nr), x) : x));
}

class ReadyQueue {
  private items: Node[] = [];
  has(n: Node): boolean {
    return this.items.includes(n);
  }
  push(n: Node): void {
    // Latest-created first, as PyTorch's engine orders ready nodes by sequence number.
    let i = this.items.length;
    this.items.push(n);
    while (i > 0 && this.items[i - 1].seq > n.seq) {
      this.items[i] = this.items[i - 1];
      i--;
    }
    this.items[i] = n;
  }
  pop(): Node | undefined {
    return this.items.pop();
  }
}

/** Whether `shape` broadcasts to `target` (PyTorch's is_expandable_to). */
function expandableTo(shape: readonly number[], target: readonly number[]): boolean {
  if (shape.length > target.length) return false;
  for (let i = 1; i <= shape.length; i++) {
    const s = shape[shape.length - i];
    if (s !== 1 && s !== target[target.length - i]) return false;
  }
  return true;
}

/**
 * Tensor.backward(gradient, opts), as PyTorch's torch.autograd.backward for one root: its argument
 * checks and _make_grads (the implicit gradient of a scalar, the shape check), then the pass.
 */
export function backward(root: Tensor, gradient?: Tensor | null, opts?: BackwardOpts): void {
  if (gradient !== undefined && gradient !== null && !(gradient instanceof Tensor)) {
    throw new TypeError(`gradients can be either Tensors or None, but got ${V.typeName(gradient)}`);
  }
  V.options(BACKWARD_OPTS, opts);
  const o = opts ?? NO_BACKWARD_OPTS;
  root._check('backward');
  // The public flag (a no-grad view of a tensor that requires grad counts), as PyTorch's
  // _make_grads checks it before the implicit-gradient shape check.
  if (!root.requiresGrad) {
    throw new AutogradError('element 0 of tensors does not require grad and does not have a grad_fn');
  }
  let g: Tensor;
  if (gradient === undefined || gradient === null) {
    if (root.numel() !== 1) throw new AutogradError('grad can be implicitly created only for scalar outputs');
    g = full(root._shape, 1, root.dtype);
  } else {
    g = gradient;
    if (!g._shape.every((d, i) => d === root._shape[i]) || g.ndim !== root.ndim) {
      throw new AutogradError(`Mismatch in shape: grad_output[0] has a shape of ${g.shape} and output[0] has a shape of ${root.shape}.`);
    }
  }
  // A generation boundary: what earlier steps dropped is spilled before this backward allocates
  // gradients (optimizer.step() ends a generation too).
  advanceGeneration();
  runBackward(root, g, o.retainGraph ?? o.createGraph ?? false, o.createGraph ?? false);
  // Programs read the loss after backward and step (loss.item()): count that as a use now.
  root._storage.address();
}

export function runBackward(root: Tensor, gradient: Tensor, retainGraph: boolean, createGraph: boolean): void {
  runEngine([root], [gradient], retainGraph, createGraph, null);
}

/**
 * One backward pass from several roots (each with its gradient). With `capture` (autograd.grad's
 * inputs), the gradients reaching those tensors are returned instead of accumulated into any
 * `.grad`, and only the nodes on a path to them run; otherwise leaves accumulate as backward does.
 */
export function runEngine(
  roots: readonly Tensor[],
  gradients: readonly Tensor[],
  retainGraph: boolean,
  createGraph: boolean,
  capture: readonly Tensor[] | null,
): (Tensor | null)[] {
  const captured: (Tensor | null)[] = capture ? capture.map(() => null) : [];
  /** Where each captured tensor's gradient is read: its leaf, or (node, output) of a non-leaf. */
  const leafCapture = capture ? new Map<Tensor, number[]>() : null;
  const nodeCapture = capture ? new Map<Node, [number, number][]>() : null;
  capture?.forEach((t, i) => {
    const e = t._edge();
    if (e instanceof Node) {
      const nc = nodeCapture as Map<Node, [number, number][]>;
      const list = nc.get(e) ?? [];
      list.push([t._outputNr, i]);
      nc.set(e, list);
    } else if (e) {
      const lc = leafCapture as Map<Tensor, number[]>;
      lc.set(e, [...(lc.get(e) ?? []), i]);
    }
  });
  const pass = ++A.pass;
  // Count, for every node reachable from the roots, how many edges lead into it. The counts and
  // pending gradients live on the nodes (marked with this pass's number), not in maps.
  const leaves = new Map<Tensor, { deps: number; pending: Tensor | null }>();
  const nodes: Node[] = [];
  const stack: Node[] = [];
  const visit = (n: Node): void => {
    if (n.visit === pass) return;
    n.visit = pass;
    n.deps = 0;
    n.pending = null;
    n.pendingOuts = null;
    nodes.push(n);
    stack.push(n);
  };
  for (let k = 0; k < roots.length; k++) {
    const e = roots[k]._edge();
    if (e === null) throw new AutogradError(`element ${k} of tensors does not require grad and does not have a grad_fn`);
    if (e instanceof Node) visit(e);
  }
  while (stack.length) {
    const n = stack.pop() as Node;
    const next = n.next;
    for (let i = 0; i < next.length; i++) {
      const t = next[i];
      if (t === null) continue;
      if (!(t instanceof Node)) {
        const st = leaves.get(t);
        if (st) st.deps++;
        else leaves.set(t, { deps: 1, pending: null });
        continue;
      }
      visit(t);
      t.deps++;
    }
  }
  // With capture, a node runs only if a captured tensor is at or below it (PyTorch's exec_info).
  const needed = capture ? new Set<Node>() : null;
  if (capture && nodeCapture && needed) {
    const memo = new Map<Node, boolean>();
    const leads = (n: Node): boolean => {
      const m = memo.get(n);
      if (m !== undefined) return m;
      memo.set(n, false);
      let r = false;
      for (const t of n.next) {
        if (t === null) continue;
        if (t instanceof Node ? nodeCapture.has(t) || leads(t) : (leafCapture?.has(t) ?? false)) r = true;
      }
      memo.set(n, r);
      return r;
    };
    for (const n of nodes) if (leads(n)) needed.add(n);
  }
  // Gradients in flight are the engine's own: each is disposed once nothing pending refers to it
  // (unless createGraph, where they are part of the new graph, or it is a caller's gradient).
  // The caller's gradients (usually one: backward's).
  const callers = gradients.length === 1 ? null : new Set(gradients);
  const isCaller = (t: Tensor): boolean => (callers === null ? t === gradients[0] : callers.has(t));
  const hold = (t: Tensor): void => {
    t._flowUses = (t._flowPass === pass ? t._flowUses : 0) + 1;
    t._flowPass = pass;
  };
  const drop = (t: Tensor): void => {
    if (--t._flowUses > 0) return;
    if (!createGraph && !isCaller(t) && !t._heldAsGrad && !(keepCaptured?.has(t) ?? false)) t.dispose();
  };
  const keepCaptured = capture ? new Set<Tensor>() : null;
  /** Sums a gradient into what a node or leaf has received so far in this pass. */
  const addPending = (slot: { pending: Tensor | null }, gi: Tensor): void => {
    const prev = slot.pending;
    if (prev) {
      const sum = prev.add(gi);
      hold(sum);
      slot.pending = sum;
      drop(prev);
    } else {
      hold(gi);
      slot.pending = gi;
    }
  };
  /** Sums a gradient into what output `nr` of a node has received so far. */
  const deliver = (node: Node, nr: number, gi: Tensor): void => {
    if (node.multi === null) {
      addPending(node, gi);
      return;
    }
    node.pendingOuts ??= new Array<Tensor | null>(node.multi.outputs).fill(null);
    const slot = { pending: node.pendingOuts[nr] };
    addPending(slot, gi);
    node.pendingOuts[nr] = slot.pending;
  };
  const take = (i: number, g: Tensor): void => {
    captured[i] = g;
    keepCaptured?.add(g);
  };
  const ready = new ReadyQueue();
  /** Each node's gradients in its inputs' shapes and dtypes (reused from node to node). */
  const fixed: (Tensor | null)[] = [];
  const readyLeaves: Tensor[] = [];
  /** A leaf that has all its gradient: accumulated (backward) or captured (grad). */
  const finishLeaf = (leaf: Tensor): void => {
    const st = leaves.get(leaf) as { deps: number; pending: Tensor | null };
    const sum = st.pending;
    if (!sum) return;
    st.pending = null;
    if (capture) {
      // PyTorch 1.13 captures a leaf's gradient before its hooks (they run for accumulation only).
      for (const i of leafCapture?.get(leaf) ?? []) take(i, sum);
    } else {
      const hooked = runHooks(leaf._hooks, sum);
      const sole = hooked === sum && !createGraph && !isCaller(sum) && sum._flowUses === 1;
      accumulateInto(leaf, hooked, createGraph, sole);
    }
    drop(sum);
  };
  for (let k = 0; k < roots.length; k++) {
    const r = roots[k];
    const e = r._edge();
    const g = gradients[k];
    hold(g);
    if (e instanceof Node) deliver(e, r._outputNr, g);
    else if (e) {
      // A leaf root: its gradient is the caller's, as PyTorch's AccumulateGrad root.
      const st = leaves.get(e) ?? { deps: 0, pending: null };
      leaves.set(e, st);
      addPending(st, castGrad(g, e.dtype));
    }
  }
  for (const r of roots) {
    const e = r._edge();
    if (e instanceof Node && e.deps === 0 && !ready.has(e)) ready.push(e);
  }
  for (const [leaf, st] of leaves) if (st.deps === 0) finishLeaf(leaf);
  const prevMode = isGradEnabled();
  const prevCurrent = ANOMALY.current;
  setGradEnabled(createGraph);
  try {
    for (let node = ready.pop(); node; node = ready.pop()) {
      // Nodes a createGraph backward records remember which node's backward made them (anomaly mode).
      if (ANOMALY.enabled) ANOMALY.current = node;
      try {
        const g = node.pending;
        node.pending = null;
        const gs = node.pendingOuts;
        node.pendingOuts = null;
        const caps = nodeCapture?.get(node);
        if (caps)
          for (const [nr, i] of caps) {
            const gi = node.multi ? (gs?.[nr] ?? null) : g;
            if (gi) take(i, gi);
          }
        const run = needed === null || needed.has(node);
        let grads: readonly (Tensor | null)[] = NO_GRADS;
        const multi = node.multi;
        // The tensors' hooks (registration order), then retain_grad sees the hooked gradient.
        const hooks = run ? node.preHooks : null;
        // No closure per node (it would make every iteration allocate a context).
        if (run && multi && gs) {
          const hs = hooks ? hookedOuts(hooks, gs) : gs;
          if (node.retained) for (const t of node.retained) if (hs[t._outputNr]) accumulateInto(t, hs[t._outputNr] as Tensor, createGraph);
          grads = withTemps3(multi.rule, hs, node.unpack(), node.needs);
        } else if (run && g) {
          const h = hooks ? runHooks(hooks.get(0), g) : g;
          if (node.retained) for (const t of node.retained) accumulateInto(t, h, createGraph);
          grads = withTemps3(node.rule, h, node.unpack(), node.needs);
        }
        if (run && !retainGraph) node.release();
        for (let i = 0; i < grads.length; i++) {
          const gi = grads[i];
          if (gi) hold(gi);
        }
        // Each gradient in its input's shape and dtype (PyTorch's validate_outputs), then checked for
        // NaN in anomaly mode, before any is delivered.
        const nf = run ? node.next.length : 0;
        for (let i = 0; i < nf; i++) {
          const raw = grads[i] ?? null;
          let gi = raw;
          if (gi && node.next[i]) {
            const meta = node.inputMeta[i];
            if (!sameShape(gi._shape, meta.shape)) {
              // As PyTorch's engine: a gradient the input's shape broadcasts to is summed down to it;
              // any other shape is the rule's error.
              if (!expandableTo(meta.shape, gi._shape)) {
                throw new AutogradError(
                  `Function ${node.name()} returned an invalid gradient at index ${i} - got ${fmtShape(gi._shape)} but expected shape compatible with ${fmtShape(meta.shape)}`,
                );
              }
              gi = withTemps3(sumToShape, gi, meta.shape, undefined);
            }
            // Differentiable under createGraph, as PyTorch's engine casts with grad.to(dtype).
            if (gi.dtype !== meta.dtype) gi = castGrad(gi, meta.dtype);
            if (gi !== raw) hold(gi);
          }
          fixed[i] = gi;
        }
        if (ANOMALY.enabled && ANOMALY.checkNan) {
          for (let i = 0; i < nf; i++) {
            const gi = fixed[i];
            if (gi && node.next[i] && hasNan(gi)) throw new AutogradError(nanMessage(node, i));
          }
        }
        for (let i = 0; i < nf; i++) {
          const target = node.next[i];
          const raw = grads[i] ?? null;
          const gi = fixed[i];
          if (!target) continue;
          if (target instanceof Node) {
            if (gi) deliver(target, node.nextNr[i], gi);
            if (--target.deps === 0) ready.push(target);
          } else {
            const st = leaves.get(target) as { deps: number; pending: Tensor | null };
            if (gi) addPending(st, gi);
            if (--st.deps === 0) readyLeaves.push(target);
          }
          if (gi && gi !== raw) drop(gi);
        }
        for (let i = 0; i < nf; i++) fixed[i] = null;
        for (let i = 0; i < grads.length; i++) {
          const gi = grads[i];
          if (gi) drop(gi);
        }
        if (g) drop(g);
        if (gs) for (const x of gs) if (x) drop(x);
        // Leaves that have all their gradient accumulate it now (PyTorch runs AccumulateGrad first).
        if (readyLeaves.length) {
          for (let i = 0; i < readyLeaves.length; i++) finishLeaf(readyLeaves[i]);
          readyLeaves.length = 0;
        }
      } catch (e) {
        // Anomaly mode names where the failing node's forward ran (PyTorch warns, then raises).
        if (ANOMALY.enabled) warnAnomaly(node);
        throw e;
      }
    }
  } finally {
    setGradEnabled(prevMode);
    ANOMALY.current = prevCurrent;
  }
  return captured;
}
