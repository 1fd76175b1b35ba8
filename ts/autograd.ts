// The autograd graph and engine: nodes with saved tensors, dependency counting, accumulation into
// leaves, and the one place where a gradient is summed down to its input's (broadcast) shape.
import type { Tensor } from './tensor.js';
import { withGradMode, isGradEnabled, setGradEnabled } from './grad_mode.js';
import { legacyTypeName, type DType } from './dtype.js';
import { sameShape, fmtShape } from './shape.js';
import { sumToShape, castGrad, storedGrad } from './ops/internal.js';
import { withTemps } from './scope.js';
import { rt } from './runtime.js';

export type BackwardRule = (g: Tensor, saved: readonly Tensor[], needs: readonly boolean[]) => (Tensor | null)[];

/** Where a gradient flows: a node, a leaf tensor (AccumulateGrad), or nowhere. */
export type EdgeTarget = Node | Tensor | null;

export class AutogradError extends Error {
  override name = 'RuntimeError';
}

/** Node sequence numbers and backward pass numbers: rt.autograd (ts/runtime.ts). */
const A = rt.autograd;
const NO_GRADS: readonly (Tensor | null)[] = Object.freeze([]);

export class Node {
  readonly seq = A.nodeSeq++;
  saved: Tensor[] | null;
  private savedVersions: number[];
  private hadSaved: boolean;
  /** Tensors that asked for `retainGrad()`: their grad is the gradient arriving at this node. */
  retained: Tensor[] | null = null;
  /**
   * A node this one runs inside (CopySlices runs the in-place op's node on the view's part of the
   * gradient): released with it.
   */
  inner: Node | null = null;
  /** Which inputs need a gradient (fixed at creation). */
  readonly needs: readonly boolean[];
  /** Engine state of the current backward pass (valid while visit === that pass's number). */
  visit = 0;
  deps = 0;
  pending: Tensor | null = null;

  constructor(
    readonly name: string,
    readonly next: EdgeTarget[],
    readonly inputMeta: { shape: readonly number[]; dtype: DType }[],
    readonly rule: BackwardRule,
  ) {
    this.needs = next.map((t) => t !== null);
    this.saved = [];
    this.savedVersions = [];
    this.hadSaved = false;
  }

  /**
   * Called once, after the output points at this node, so a saved output keeps its grad_fn.
   * `freed`: whether a backward without retain_graph frees the node for good (true when it saved
   * tensors; CopySlices frees its op even when that saved nothing, as PyTorch does).
   */
  setSaved(saved: Tensor[], freed = saved.length > 0): void {
    this.saved = saved;
    this.savedVersions = saved.map((t) => t._storage.version);
    this.hadSaved = freed;
  }

  toString(): string {
    return `<${this.name}>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** The saved tensors, checked against in-place modification since they were saved. */
  unpack(): readonly Tensor[] {
    if (this.saved === null) {
      throw new AutogradError(
        'Trying to backward through the graph a second time (or directly access saved tensors after they ' +
          'have already been freed). Saved intermediate values of the graph are freed when you call ' +
          '.backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the ' +
          'graph a second time or if you need to access saved tensors after calling backward.',
      );
    }
    for (let i = 0; i < this.saved.length; i++) {
      const t = this.saved[i];
      const v = t._storage.version;
      if (v !== this.savedVersions[i]) {
        // PyTorch names the node that produced the variable: this one for a saved output, the
        // variable's current grad_fn for a saved input.
        const name = t._savedOutput ? this.name : (t._origin ?? t).gradFn?.name;
        const owner = name ? `, which is output 0 of ${name},` : '';
        throw new AutogradError(
          `one of the variables needed for gradient computation has been modified by an inplace operation: ` +
            `[${legacyTypeName(t.dtype)} ${fmtShape(t._shape)}]${owner} is at version ${v}; expected version ` +
            `${this.savedVersions[i]} instead. Hint: enable anomaly detection to find the operation that ` +
            `failed to compute its gradient, with torch.autograd.set_detect_anomaly(True).`,
        );
      }
    }
    return this.saved;
  }

  /** Frees saved tensors after backward (unless retain_graph). Nodes that saved nothing can run again. */
  release(): void {
    this.inner?.release();
    if (this.saved) for (const t of this.saved) t._releaseSaved();
    this.saved = this.hadSaved ? null : [];
  }
}

/**
 * Records `output = op(inputs)` in the graph when grad mode is on and an input requires grad.
 * `save` lists tensors the rule needs (inputs or the output), given which inputs need a gradient;
 * they are kept alive until backward.
 */
export function record(
  name: string,
  output: Tensor,
  inputs: readonly (Tensor | null)[],
  save: (needs: readonly boolean[]) => Tensor[],
  rule: BackwardRule,
): Tensor {
  if (!isGradEnabled()) return output;
  let any = false;
  for (const t of inputs) if (t?.requiresGrad) any = true;
  if (!any) return output;
  const next = inputs.map((t) => (t?.requiresGrad ? t._edge() : null));
  const metaIn = inputs.map((t) => (t ? { shape: t._shape, dtype: t.dtype } : { shape: [], dtype: output.dtype }));
  const node = new Node(name, next, metaIn, rule);
  output._setGradFn(node);
  node.setSaved(
    save(node.needs).map((t) => {
      const a = t._aliasForSave();
      a._savedOutput = t === output;
      return a;
    }),
  );
  return output;
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
      return true;
    } else t._setGradInternal(g._detachedCopy());
  } else if (createGraph) {
    t._setGradInternal(cur.add(g));
  } else {
    withGradMode(false, () => cur.add_(g));
  }
  return false;
}

class ReadyQueue {
  private items: Node[] = [];
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

export function runBackward(root: Tensor, gradient: Tensor, retainGraph: boolean, createGraph: boolean): void {
  const edge = root._edge();
  if (edge === null) {
    throw new AutogradError('element 0 of tensors does not require grad and does not have a grad_fn');
  }
  if (!(edge instanceof Node)) {
    accumulateInto(edge, castGrad(gradient, edge.dtype), createGraph);
    return;
  }
  // Count, for every node reachable from the root, how many edges lead into it. The counts and
  // pending gradients live on the nodes (marked with this pass's number), not in maps.
  const pass = ++A.pass;
  edge.visit = pass;
  edge.deps = 0;
  edge.pending = null;
  // Leaves count their incoming edges too: as PyTorch's AccumulateGrad nodes, a leaf takes the sum
  // of everything it receives in this pass once it has all of it (so a backward that fails midway
  // leaves it untouched, and .grad + (a + b) rounds as PyTorch's does).
  const leaves = new Map<Tensor, { deps: number; pending: Tensor | null }>();
  const stack: Node[] = [edge];
  while (stack.length) {
    const n = stack.pop() as Node;
    for (const t of n.next) {
      if (t === null) continue;
      if (!(t instanceof Node)) {
        const st = leaves.get(t);
        if (st) st.deps++;
        else leaves.set(t, { deps: 1, pending: null });
        continue;
      }
      if (t.visit !== pass) {
        t.visit = pass;
        t.deps = 0;
        t.pending = null;
        stack.push(t);
      }
      t.deps++;
    }
  }
  edge.pending = gradient;
  // Gradients in flight are the engine's own: each is disposed once nothing pending refers to it
  // (unless createGraph, where they are part of the new graph, or it is the caller's gradient).
  const hold = (t: Tensor): void => {
    t._flowUses = (t._flowPass === pass ? t._flowUses : 0) + 1;
    t._flowPass = pass;
  };
  const drop = (t: Tensor): void => {
    if (--t._flowUses > 0) return;
    if (!createGraph && t !== gradient && !t._heldAsGrad) t.dispose();
  };
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
  hold(gradient);
  const ready = new ReadyQueue();
  ready.push(edge);
  const prevMode = isGradEnabled();
  setGradEnabled(createGraph);
  try {
    for (let node = ready.pop(); node; node = ready.pop()) {
      const g = node.pending;
      node.pending = null;
      let grads: readonly (Tensor | null)[] = NO_GRADS;
      if (g) {
        if (node.retained) for (const t of node.retained) accumulateInto(t, g, createGraph);
        const saved = node.unpack();
        grads = withTemps(() => node.rule(g, saved, node.needs));
      }
      if (!retainGraph) node.release();
      for (const gi of grads) if (gi) hold(gi);
      const readyLeaves: Tensor[] = [];
      for (let i = 0; i < node.next.length; i++) {
        const target = node.next[i];
        const raw = grads[i] ?? null;
        if (!target) continue;
        let gi = raw;
        if (gi) {
          const meta = node.inputMeta[i];
          if (!sameShape(gi._shape, meta.shape)) {
            // As PyTorch's engine: a gradient the input's shape broadcasts to is summed down to it;
            // any other shape is the rule's error.
            if (!expandableTo(meta.shape, gi._shape)) {
              throw new AutogradError(
                `Function ${node.name} returned an invalid gradient at index ${i} - got ${fmtShape(gi._shape)} but expected shape compatible with ${fmtShape(meta.shape)}`,
              );
            }
            gi = withTemps(() => sumToShape(gi as Tensor, meta.shape));
          }
          // Differentiable under createGraph, as PyTorch's engine casts with grad.to(dtype).
          if (gi.dtype !== meta.dtype) gi = castGrad(gi, meta.dtype);
          if (gi !== raw) hold(gi);
        }
        if (target instanceof Node) {
          if (gi) addPending(target, gi);
          if (--target.deps === 0) ready.push(target);
        } else {
          const st = leaves.get(target) as { deps: number; pending: Tensor | null };
          if (gi) addPending(st, gi);
          if (--st.deps === 0) readyLeaves.push(target);
        }
        if (gi && gi !== raw) drop(gi);
      }
      for (const gi of grads) if (gi) drop(gi);
      if (g) drop(g);
      // Leaves that have all their gradient accumulate it now (PyTorch runs AccumulateGrad first).
      for (const leaf of readyLeaves) {
        const st = leaves.get(leaf) as { deps: number; pending: Tensor | null };
        const sum = st.pending;
        if (!sum) continue;
        st.pending = null;
        const sole = !createGraph && sum !== gradient && sum._flowUses === 1;
        accumulateInto(leaf, sum, createGraph, sole);
        drop(sum);
      }
    }
  } finally {
    setGradEnabled(prevMode);
  }
}
