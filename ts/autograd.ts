// The autograd graph: nodes with their saved tensors, and `record`, which every op calls to add its
// node. The engine that runs backward is ../engine.ts.
import type { Tensor } from './tensor.js';
import { isGradEnabled } from './grad_mode.js';
import { legacyTypeName, type DType } from './dtype.js';
import { fmtShape } from './shape.js';
import { rt } from './runtime.js';
import { type AnomalyTrace, anomalyTrace } from './anomaly_mode.js';

export type BackwardRule = (g: Tensor, saved: readonly Tensor[], needs: readonly boolean[]) => (Tensor | null)[];
/** The rule of a node with several outputs: one gradient per output, null where none arrived. */
export type MultiBackwardRule = (gs: readonly (Tensor | null)[], saved: readonly Tensor[], needs: readonly boolean[]) => (Tensor | null)[];

/** Where a gradient flows: a node, a leaf tensor (AccumulateGrad), or nowhere. */
export type EdgeTarget = Node | Tensor | null;

/** A hook's handle: `remove()` unregisters it (PyTorch's RemovableHandle). */
export class RemovableHandle {
  constructor(private readonly table: Map<RemovableHandle, unknown>) {}
  /** Unregisters the hook (PyTorch's `handle.remove()`); removing twice does nothing. */
  remove(): void {
    this.table.delete(this);
  }
}

/** Adds `hook` to `table` (run in registration order) and returns the handle that removes it. */
export function addHook<H>(table: Map<RemovableHandle, H>, hook: H): RemovableHandle {
  const h = new RemovableHandle(table as Map<RemovableHandle, unknown>);
  table.set(h, hook);
  return h;
}

/** A tensor hook: sees the gradient of its tensor and may return a replacement. */
// biome-ignore lint/suspicious/noConfusingVoidType: a hook may return nothing (Python's None).
export type TensorHook = (grad: Tensor) => Tensor | null | undefined | void;
export type HookTable = Map<RemovableHandle, TensorHook>;

/** Runs hooks in registration order, each on the previous one's result (PyTorch's tensor pre-hooks). */
export function runHooks(table: HookTable | null | undefined, g: Tensor): Tensor {
  if (!table) return g;
  let out = g;
  for (const hook of [...table.values()]) {
    const r = hook(out);
    if (r !== undefined && r !== null) out = r;
  }
  return out;
}

export class AutogradError extends Error {
  override name = 'RuntimeError';
}

/** Node sequence numbers: rt.autograd (ts/runtime.ts). */
const A = rt.autograd;
const ANOMALY = rt.anomaly;
/** The output numbers of a node whose inputs all come from one-output nodes (shared, never written). */
const ZEROS: readonly number[] = Object.freeze(new Array<number>(16).fill(0));
/** What a node holds before setSaved, and after release when it saved nothing (never written). */
const NOTHING_SAVED = Object.freeze([]) as unknown as Tensor[];
const NO_VERSIONS = Object.freeze([]) as unknown as number[];
/** `needs` of nodes with up to 3 inputs, shared by pattern (index 8·n + mask; never written). */
const NEEDS: readonly (readonly boolean[])[] = Object.freeze(needsPatterns());
function needsPatterns(): (readonly boolean[])[] {
  const out: (readonly boolean[])[] = [];
  for (let n = 0; n <= 3; n++) {
    for (let mask = 0; mask < 1 << n; mask++) {
      const a: boolean[] = [];
      for (let i = 0; i < n; i++) a.push((mask & (1 << i)) !== 0);
      out[8 * n + mask] = Object.freeze(a);
    }
  }
  return out;
}

/** Which of a node's inputs need a gradient: those with an edge. */
function needsOf(next: readonly EdgeTarget[]): readonly boolean[] {
  const n = next.length;
  if (n <= 3) {
    let mask = 0;
    for (let i = 0; i < n; i++) if (next[i] !== null) mask |= 1 << i;
    return NEEDS[8 * n + mask];
  }
  const needs = new Array<boolean>(n);
  for (let i = 0; i < n; i++) needs[i] = next[i] !== null;
  return needs;
}
function newExtra(anomaly: AnomalyTrace | null): NodeExtra {
  return { anomaly, retained: null, inner: null, pendingOuts: null, multi: null, preHooks: null };
}
/** The input metadata of an input without an edge (the engine never reads it). */
const NO_META: { shape: readonly number[]; dtype: DType } = Object.freeze({
  shape: Object.freeze([]) as readonly number[],
  dtype: 'float32',
});

/** A node's rarely used state (Node.x): most nodes have none of it. */
interface NodeExtra {
  anomaly: AnomalyTrace | null;
  retained: Tensor[] | null;
  inner: Node | null;
  pendingOuts: (Tensor | null)[] | null;
  multi: { outputs: number; rule: MultiBackwardRule } | null;
  preHooks: Map<number, HookTable> | null;
}

export class Node {
  readonly seq = A.nodeSeq++;
  saved: Tensor[] | null;
  private savedVersions: number[];
  private hadSaved: boolean;
  /** Which inputs need a gradient (fixed at creation). */
  readonly needs: readonly boolean[];
  /** Engine state of the current backward pass (valid while visit === that pass's number). */
  visit = 0;
  deps = 0;
  pending: Tensor | null = null;
  /** For each edge in `next`: which output of that node the gradient goes to. */
  nextNr: readonly number[];
  /** One node per recorded op: what it rarely needs is in this side object, made when first set. */
  private x: NodeExtra | null = ANOMALY.enabled ? newExtra(anomalyTrace()) : null;

  private extra(): NodeExtra {
    this.x ??= newExtra(null);
    return this.x;
  }
  /** Where the forward made this node, kept while anomaly detection is on (torch.autograd.detectAnomaly). */
  get anomaly(): AnomalyTrace | null {
    return this.x === null ? null : this.x.anomaly;
  }
  /** Tensors that asked for `retainGrad()`: their grad is the gradient arriving at this node. */
  get retained(): Tensor[] | null {
    return this.x === null ? null : this.x.retained;
  }
  set retained(v: Tensor[] | null) {
    this.extra().retained = v;
  }
  /**
   * A node this one runs inside (CopySlices runs the in-place op's node on the view's part of the
   * gradient): released with it.
   */
  get inner(): Node | null {
    return this.x === null ? null : this.x.inner;
  }
  set inner(v: Node | null) {
    this.extra().inner = v;
  }
  /** For a node with several outputs: the gradient received so far for each (engine state, as `pending`). */
  get pendingOuts(): (Tensor | null)[] | null {
    return this.x === null ? null : this.x.pendingOuts;
  }
  set pendingOuts(v: (Tensor | null)[] | null) {
    if (v !== null || this.x !== null) this.extra().pendingOuts = v;
  }
  /**
   * A node with several outputs (a custom Function's, a module's backward-hook node): their count
   * and its rule. Null for the usual one-output node, whose rule is `rule`.
   */
  get multi(): { outputs: number; rule: MultiBackwardRule } | null {
    return this.x === null ? null : this.x.multi;
  }
  set multi(v: { outputs: number; rule: MultiBackwardRule } | null) {
    this.extra().multi = v;
  }
  /** Hooks of the tensors this node made, by output number (registerHook on a non-leaf). */
  get preHooks(): Map<number, HookTable> | null {
    return this.x === null ? null : this.x.preHooks;
  }
  set preHooks(v: Map<number, HookTable> | null) {
    this.extra().preHooks = v;
  }

  constructor(
    /** PyTorch's node name (`MulBackward0`): read it with name(), PyTorch's method. */
    readonly nodeName: string,
    readonly next: EdgeTarget[],
    readonly inputMeta: { shape: readonly number[]; dtype: DType }[],
    readonly rule: BackwardRule,
  ) {
    this.needs = needsOf(next);
    this.nextNr = ZEROS.length >= next.length ? ZEROS : next.map(() => 0);
    this.saved = NOTHING_SAVED;
    this.savedVersions = NO_VERSIONS;
    this.hadSaved = false;
  }

  /**
   * Called once, after the output points at this node, so a saved output keeps its grad_fn.
   * `freed`: whether a backward without retain_graph frees the node for good (true when it saved
   * tensors; CopySlices frees its op even when that saved nothing, as PyTorch does).
   */
  setSaved(saved: Tensor[], freed = saved.length > 0): void {
    this.saved = saved;
    const versions = new Array<number>(saved.length);
    for (let i = 0; i < saved.length; i++) versions[i] = saved[i]._storage.version;
    this.savedVersions = versions;
    this.hadSaved = freed;
  }

  /** PyTorch's `grad_fn.name()`: the node's name (`MulBackward0`). */
  name(): string {
    return this.nodeName;
  }

  toString(): string {
    return `<${this.name()}>`;
  }

  /**
   * PyTorch's `grad_fn.next_functions`: for each input, the node its gradient goes to and which
   * output of that node it is: another node, a leaf's AccumulateGrad, or null.
   */
  get nextFunctions(): [Node | AccumulateGrad | null, number][] {
    return this.next.map((t, i) => {
      if (t === null) return [null, 0];
      if (t instanceof Node) return [t, this.nextNr[i]];
      t._accumulateGrad ??= new AccumulateGrad(t);
      return [t._accumulateGrad, 0];
    });
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
        const name = t._savedOutput ? this.name() : (t._origin ?? t).gradFn?.name();
        const owner = name ? `, which is output ${(t._origin ?? t)._outputNr} of ${name},` : '';
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
    this.saved = this.hadSaved ? null : NOTHING_SAVED;
  }
}

/** The node that accumulates into a leaf's `.grad` (PyTorch's AccumulateGrad): what `nextFunctions` shows for a leaf. */
export class AccumulateGrad {
  constructor(readonly variable: Tensor) {}
  /** PyTorch's `name()`, its C++ class name (it prints as `<AccumulateGrad>`). */
  name(): string {
    return 'torch::autograd::AccumulateGrad';
  }
  get nextFunctions(): [] {
    return [];
  }
  toString(): string {
    return '<AccumulateGrad>';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
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
  const node = makeNode(name, inputs, output.dtype, rule);
  output._setGradFn(node);
  saveFor(node, save, [output]);
  return output;
}

type InputMeta = { readonly shape: readonly number[]; readonly dtype: DType };
/**
 * Input metadata, the last one reused (rt.autograd.lastMeta): shapes are shared arrays (an op's
 * result has its input's), so a chain of ops on one shape reuses one object (read-only) instead
 * of making one per node.
 */
function metaOf(shape: readonly number[], dtype: DType): InputMeta {
  const last = A.lastMeta;
  if (last !== null && last.shape === shape && last.dtype === dtype) return last;
  const m = { shape, dtype };
  A.lastMeta = m;
  return m;
}

function makeNode(name: string, inputs: readonly (Tensor | null)[], dtype: DType, rule: BackwardRule): Node {
  // Plain loops: this runs once per recorded op.
  const n = inputs.length;
  const next = new Array<EdgeTarget>(n);
  const metaIn = new Array<{ shape: readonly number[]; dtype: DType }>(n);
  let multiOut = false;
  for (let i = 0; i < n; i++) {
    const t = inputs[i];
    const e = t?.requiresGrad ? t._edge() : null;
    next[i] = e;
    metaIn[i] = t === null ? { shape: [], dtype } : e === null ? NO_META : metaOf(t._shape, t.dtype);
    if (t !== null && t._outputNr !== 0) multiOut = true;
  }
  const node = new Node(name, next, metaIn, rule);
  if (multiOut) node.nextNr = inputs.map((t) => t?._outputNr ?? 0);
  return node;
}

function saveFor(node: Node, save: (needs: readonly boolean[]) => Tensor[], outputs: readonly Tensor[]): void {
  const toSave = save(node.needs);
  const aliases = new Array<Tensor>(toSave.length);
  for (let i = 0; i < toSave.length; i++) {
    const t = toSave[i];
    const a = t._aliasForSave();
    a._savedOutput = outputs.includes(t);
    aliases[i] = a;
  }
  node.setSaved(aliases);
}

/**
 * `record` for a binary op (inputs a and b) whose caller already knows grad mode is on and an
 * input requires grad (see `recording`), with the tensors to save listed rather than computed by a
 * callback: the op's hot path then allocates no closure and no array of inputs.
 */
export function recordSaved2(name: string, output: Tensor, a: Tensor, b: Tensor, saved: Tensor[], rule: BackwardRule): Tensor {
  const ea = a.requiresGrad ? a._edge() : null;
  const eb = b.requiresGrad ? b._edge() : null;
  const node = new Node(
    name,
    [ea, eb],
    [ea === null ? NO_META : metaOf(a._shape, a.dtype), eb === null ? NO_META : metaOf(b._shape, b.dtype)],
    rule,
  );
  if (a._outputNr !== 0 || b._outputNr !== 0) node.nextNr = [a._outputNr, b._outputNr];
  output._setGradFn(node);
  for (let i = 0; i < saved.length; i++) {
    const t = saved[i];
    const al = t._aliasForSave();
    al._savedOutput = t === output;
    saved[i] = al;
  }
  node.setSaved(saved);
  return output;
}

/** Whether `record` would record an op on these inputs (grad mode on, an input requiring grad). */
export function recording(a: Tensor | null, b: Tensor | null): boolean {
  return isGradEnabled() && (a?.requiresGrad === true || b?.requiresGrad === true);
}

/**
 * Records `outputs = op(inputs)` as ONE node with several outputs (PyTorch's multi-output nodes:
 * a custom Function's, BackwardHookFunctionBackward): its rule runs once, with the gradients of all
 * outputs (null for those that received none). Outputs with `differentiable[i]` false stay out of
 * the graph (ctx.mark_non_differentiable).
 */
export function recordMulti(
  name: string,
  outputs: readonly Tensor[],
  inputs: readonly (Tensor | null)[],
  save: (needs: readonly boolean[]) => Tensor[],
  rule: MultiBackwardRule,
  differentiable: readonly boolean[] = outputs.map(() => true),
): Tensor[] {
  if (!isGradEnabled() || !inputs.some((t) => t?.requiresGrad)) return [...outputs];
  const dtype = outputs[0]?.dtype ?? 'float32';
  const node = makeNode(name, inputs, dtype, () => {
    throw new Error(`${name}: a multi-output node runs through its multi rule`);
  });
  node.multi = { outputs: outputs.length, rule };
  outputs.forEach((o, i) => {
    if (differentiable[i]) o._setGradFn(node, i);
  });
  saveFor(node, save, outputs);
  return [...outputs];
}
