// torch.autograd.Function: an op whose forward and backward the user writes (static forward(ctx,
// ...args) / backward(ctx, ...grads)), recorded as ONE node named `<Name>Backward` with one output
// per returned tensor, as PyTorch 1.13 records a custom Function.
import { Tensor } from './tensor.js';
import { AutogradError, recordMulti } from './autograd.js';
import { isGradEnabled, noGrad } from './grad_mode.js';
import * as V from './validate.js';
import { OPS } from './ops/index.js';

/** The `ctx` of a custom Function: what forward leaves for backward. */
export class FunctionCtx {
  /** Per argument of `apply`: whether it is a tensor that requires grad. */
  needsInputGrad: boolean[] = [];
  /** @internal */ _toSave: Tensor[] = [];
  /** @internal */ _saved: readonly Tensor[] | null = null;
  /** @internal */ _nonDifferentiable = new Set<Tensor>();
  /** @internal */ _materialize = true;
  /** @internal */ _dirty = new Set<Tensor>();
  /** Keeps tensors for backward (checked against in-place changes, as PyTorch's saved tensors). */
  saveForBackward(...tensors: (Tensor | null)[]): void {
    for (const t of tensors) if (t !== null) V.tensor(t, 'save_for_backward', 'tensors', 1);
    this._toSave = tensors.filter((t): t is Tensor => t !== null);
  }
  /** The tensors given to saveForBackward, readable in backward. */
  get savedTensors(): readonly Tensor[] {
    if (this._saved === null) throw new AutogradError('savedTensors can only be read in backward');
    return this._saved;
  }
  /** Outputs that get no gradient (integer results, indices). */
  markNonDifferentiable(...tensors: Tensor[]): void {
    for (const t of tensors) this._nonDifferentiable.add(t);
  }
  /** Whether null gradients reach backward as zeros (PyTorch's default) or as null. */
  setMaterializeGrads(value: boolean): void {
    this._materialize = value;
  }
  /**
   * Inputs that forward modified in place (PyTorch's `ctx.mark_dirty`): each must also be returned,
   * and the returned tensor is the input itself, its history rebased onto this Function's node.
   */
  markDirty(...tensors: Tensor[]): void {
    for (const t of tensors) V.tensor(t, 'mark_dirty', 'tensors', 1);
    for (const t of tensors) this._dirty.add(t);
  }
}

type Grad = Tensor | null | undefined;

/** PyTorch's checks of the tensors forward marked dirty, then their version bump (after the write). */
function markDirtyOutputs(dirty: ReadonlySet<Tensor>, inputs: readonly Tensor[], outs: readonly Tensor[], recording: boolean): void {
  for (const d of dirty) {
    if (!inputs.includes(d)) {
      console.warn(
        'UserWarning: Only input Tensors should be given to ctx.mark_dirty(). If a Tensor is not an input, there is no need to pass it to mark_dirty().',
      );
    } else if (!outs.includes(d)) {
      throw new AutogradError(
        'Some elements marked as dirty during the forward method were not returned as output. The inputs that are modified inplace must all be outputs of the Function.',
      );
    } else if (recording && d.requiresGrad && d.isLeaf) {
      throw new AutogradError('a leaf Variable that requires grad has been used in an in-place operation.');
    } else if (recording && d._base !== null) {
      // PyTorch rebases a view through CopySlices around the Function's node; not built yet.
      throw new AutogradError('asgrad: ctx.markDirty on a view (a custom Function writing a view in place) is not supported');
    }
  }
  for (const d of dirty) if (inputs.includes(d)) d._storage.version++;
}

/**
 * Subclass with static `forward(ctx, ...args)` and `backward(ctx, ...gradOutputs)`, then call
 * `MyFn.apply(...args)`. backward returns one gradient (or null) per argument of apply.
 */
// biome-ignore lint/complexity/noStaticOnlyClass: PyTorch's API: subclasses override static forward/backward and call MyFn.apply.
export class AutogradFunction {
  /** Override: computes the outputs from the arguments of `apply` (PyTorch's `forward(ctx, *args)`); save what backward needs with `ctx.saveForBackward`. */
  static forward(_ctx: FunctionCtx, ..._args: unknown[]): Tensor | Tensor[] {
    throw new Error('You must implement the forward function for custom autograd.Function.');
  }
  /** Override: one gradient (or null) per argument of `apply`, from the gradients of the outputs (PyTorch's `backward(ctx, *grad_outputs)`). */
  static backward(_ctx: FunctionCtx, ..._grads: Tensor[]): Grad | Grad[] {
    throw new Error(
      'You must implement either the backward or vjp method for your custom autograd.Function to use it with backward mode AD.',
    );
  }
  /** Runs the subclass's forward and records one `<NameBackward>` node for it (PyTorch's `MyFn.apply(*args)`). */
  static apply<T extends Tensor | Tensor[]>(this: typeof AutogradFunction, ...args: unknown[]): T {
    // The subclass apply was called on (its forward, backward and name): static dispatch, as PyTorch's.
    // biome-ignore lint/complexity/noUselessThisAlias: the rule closure below runs later, on this class.
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass (MyFn.apply), which is the point.
    const cls = this;
    const ctx = new FunctionCtx();
    ctx.needsInputGrad = args.map((a) => a instanceof Tensor && a.requiresGrad);
    const raw = noGrad(() => cls.forward(ctx, ...args));
    const many = Array.isArray(raw);
    const outs0 = many ? raw : [raw];
    for (const o of outs0)
      if (!(o instanceof Tensor))
        throw new TypeError(`${cls.name}.forward must return a Tensor or a list of Tensors, not ${V.typeName(o)}`);
    const inputs = args.filter((a): a is Tensor => a instanceof Tensor);
    const recording = isGradEnabled() && inputs.some((t) => t.requiresGrad);
    markDirtyOutputs(ctx._dirty, inputs, outs0, recording);
    // An input returned as is becomes a new handle on it (the node must not take over the caller's
    // tensor), unless forward modified it in place: then it is that tensor, with a new history.
    const outs = outs0.map((o) => (inputs.includes(o) && !(recording && ctx._dirty.has(o)) ? o.detach() : o));
    const positions = args.flatMap((a, i) => (a instanceof Tensor ? [i] : []));
    const toSave = ctx._toSave;
    const recorded = recordMulti(
      `${cls.name}Backward`,
      outs,
      inputs,
      () => toSave,
      (gs, saved) => {
        ctx._saved = saved;
        const grads = gs.map((g, i) => g ?? (ctx._materialize ? OPS.zerosLike.fn(outs[i]) : null));
        const r = cls.backward(ctx, ...(grads as Tensor[]));
        const list = Array.isArray(r) ? r : [r];
        if (list.length !== args.length) {
          throw new AutogradError(
            `function ${cls.name}Backward returned an incorrect number of gradients (expected ${args.length}, got ${list.length})`,
          );
        }
        return positions.map((p) => list[p] ?? null);
      },
      outs0.map((o) => !ctx._nonDifferentiable.has(o)),
    );
    return (many ? recorded : recorded[0]) as T;
  }
}
