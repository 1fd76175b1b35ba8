// The autograd graph and engine: nodes with saved tensors, dependency counting, accumulation into
// leaves, and the one place where a gradient is summed down to its input's (broadcast) shape.
import type { Tensor } from './tensor.js';
import { withGradMode, isGradEnabled } from './grad_mode.js';
import { legacyTypeName, DType } from './dtype.js';
import { sameShape, fmtShape } from './shape.js';
import { sumToShape, castTo } from './ops/internal.js';
import { withTemps } from './scope.js';

export type BackwardRule = (g: Tensor, saved: readonly Tensor[], needs: readonly boolean[]) => (Tensor | null)[];

/** Where a gradient flows: a node, a leaf tensor (AccumulateGrad), or nowhere. */
export type EdgeTarget = Node | Tensor | null;

export class AutogradError extends Error {
  override name = 'RuntimeError';
}

let seqCounter = 0;

export class Node {
  readonly seq = seqCounter++;
  saved: Tensor[] | null;
  private savedVersions: number[];
  private hadSaved: boolean;
  /** Tensors that asked for `retainGrad()`: their grad is the gradient arriving at this node. */
  retained: Tensor[] | null = null;

  constructor(
    readonly name: string,
    readonly next: EdgeTarget[],
    readonly inputMeta: { shape: readonly number[]; dtype: DType }[],
    readonly rule: BackwardRule,
  ) {
    this.saved = [];
    this.savedVersions = [];
    this.hadSaved = false;
  }

  /** Called once, after the output points at this node, so a saved output keeps its grad_fn. */
  setSaved(saved: Tensor[]): void {
    this.saved = saved;
    this.savedVersions = saved.map((t) => t._storage.version);
    this.hadSaved = saved.length > 0;
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
    if (this.saved) for (const t of this.saved) t._releaseSaved();
    this.saved = this.hadSaved ? null : [];
  }
}

/**
 * Records `output = op(inputs)` in the graph when grad mode is on and an input requires grad.
 * `save` lists tensors the rule needs (inputs or the output); they are kept alive until backward.
 */
export function record(
  name: string,
  output: Tensor,
  inputs: readonly (Tensor | null)[],
  save: () => Tensor[],
  rule: BackwardRule,
): Tensor {
  if (!isGradEnabled()) return output;
  let any = false;
  for (const t of inputs) if (t && t.requiresGrad) any = true;
  if (!any) return output;
  const next = inputs.map((t) => (t && t.requiresGrad ? t._edge() : null));
  const metaIn = inputs.map((t) => (t ? { shape: t._shape, dtype: t.dtype } : { shape: [], dtype: output.dtype }));
  const node = new Node(name, next, metaIn, rule);
  output._setGradFn(node);
  node.setSaved(
    save().map((t) => {
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
    if (createGraph) t._setGradInternal(g);
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

export function runBackward(root: Tensor, gradient: Tensor, retainGraph: boolean, createGraph: boolean): void {
  const edge = root._edge();
  if (edge === null) {
    throw new AutogradError('element 0 of tensors does not require grad and does not have a grad_fn');
  }
  if (!(edge instanceof Node)) {
    accumulateInto(edge, castTo(gradient, edge.dtype), createGraph);
    return;
  }
  // Count, for every node reachable from the root, how many edges lead into it.
  const deps = new Map<Node, number>();
  const stack: Node[] = [edge];
  const seen = new Set<Node>([edge]);
  while (stack.length) {
    const n = stack.pop() as Node;
    for (const t of n.next) {
      if (t instanceof Node) {
        deps.set(t, (deps.get(t) ?? 0) + 1);
        if (!seen.has(t)) {
          seen.add(t);
          stack.push(t);
        }
      }
    }
  }
  const pending = new Map<Node, Tensor>([[edge, gradient]]);
  // Gradients in flight are the engine's own: each is disposed once nothing pending refers to it
  // (unless createGraph, where they are part of the new graph, or it is the caller's gradient).
  const uses = new Map<Tensor, number>();
  const stolen = new Set<Tensor>();
  const hold = (t: Tensor): void => void uses.set(t, (uses.get(t) ?? 0) + 1);
  const drop = (t: Tensor): void => {
    const n = (uses.get(t) ?? 0) - 1;
    if (n > 0) return void uses.set(t, n);
    uses.delete(t);
    if (!createGraph && t !== gradient && !stolen.has(t)) t.dispose();
  };
  hold(gradient);
  const ready = new ReadyQueue();
  ready.push(edge);
  withGradMode(createGraph, () => {
    for (let node = ready.pop(); node; node = ready.pop()) {
      const g = pending.get(node);
      pending.delete(node);
      let grads: (Tensor | null)[] = [];
      if (g) {
        if (node.retained) for (const t of node.retained) accumulateInto(t, g, createGraph);
        const saved = node.unpack();
        const needs = node.next.map((t) => t !== null);
        grads = withTemps(() => node.rule(g, saved, needs));
      }
      if (!retainGraph) node.release();
      for (const gi of grads) if (gi) hold(gi);
      for (let i = 0; i < node.next.length; i++) {
        const target = node.next[i];
        const raw = grads[i] ?? null;
        if (!target) continue;
        let gi = raw;
        if (gi) {
          const meta = node.inputMeta[i];
          if (!sameShape(gi._shape, meta.shape)) gi = withTemps(() => sumToShape(gi as Tensor, meta.shape));
          if (gi.dtype !== meta.dtype) gi = castTo(gi, meta.dtype);
          if (gi !== raw) hold(gi);
        }
        if (target instanceof Node) {
          if (gi) {
            const prev = pending.get(target);
            if (prev) {
              const sum = prev.add(gi);
              hold(sum);
              pending.set(target, sum);
              drop(prev);
            } else {
              hold(gi);
              pending.set(target, gi);
            }
          }
          const d = (deps.get(target) as number) - 1;
          deps.set(target, d);
          if (d === 0) ready.push(target);
        } else if (gi) {
          const sole = !createGraph && gi !== gradient && uses.get(gi) === 1;
          if (accumulateInto(target, gi, createGraph, sole)) stolen.add(gi);
        }
        if (gi && gi !== raw) drop(gi);
      }
      for (const gi of grads) if (gi) drop(gi);
      if (g) drop(g);
    }
  });
}
