// The autograd graph: nodes with their saved tensors, and `record`, which every op calls to add its
// node. The engine that runs backward is ../engine.ts.
import type { Tensor } from './tensor.js';
import { isGradEnabled } from './grad_mode.js';
import { legacyTypeName, type DType } from './dtype.js';
import { fmtShape } from './shape.js';
import { rt } from './runtime.js';

export type BackwardRule = (g: Tensor, saved: readonly Tensor[], needs: readonly boolean[]) => (Tensor | null)[];

/** Where a gradient flows: a node, a leaf tensor (AccumulateGrad), or nowhere. */
export type EdgeTarget = Node | Tensor | null;

export class AutogradError extends Error {
  override name = 'RuntimeError';
}

/** Node sequence numbers: rt.autograd (ts/runtime.ts). */
const A = rt.autograd;

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
