// Module hooks: forward pre-hooks, forward hooks and full backward hooks (identity nodes around the
// forward, as PyTorch's BackwardHookFunction), with removable handles.
import { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { isGradEnabled } from '../grad_mode.js';
import { keep } from '../scope.js';
import type { Module } from './module.js';

/** A hook's handle: `remove()` unregisters it (PyTorch's RemovableHandle). */
export class RemovableHandle {
  constructor(private readonly table: Map<RemovableHandle, unknown>) {}
  remove(): void {
    this.table.delete(this);
  }
}

// biome-ignore lint/suspicious/noConfusingVoidType: a hook may return nothing (Python's None).
export type ForwardPreHook = (module: Module, inputs: Tensor[]) => Tensor | Tensor[] | null | undefined | void;
// biome-ignore lint/suspicious/noConfusingVoidType: a hook may return nothing (Python's None).
export type ForwardHook = (module: Module, inputs: Tensor[], output: Tensor) => Tensor | null | undefined | void;
type GradList = (Tensor | null)[];
// biome-ignore lint/suspicious/noConfusingVoidType: a hook may return nothing (Python's None).
export type BackwardHook = (module: Module, gradInput: GradList, gradOutput: GradList) => GradList | null | undefined | void;

/** A module's hooks, in registration order. */
export interface HookTables {
  preHooks: Map<RemovableHandle, ForwardPreHook>;
  hooks: Map<RemovableHandle, ForwardHook>;
  backwardHooks: Map<RemovableHandle, BackwardHook>;
}

/** The hooks' state for one call with full backward hooks. */
interface BackwardCall {
  gradInputs: (Tensor | null)[];
  gradOutputs: (Tensor | null)[];
  waiting: number;
  /** Handles this call made to hold gradients the engine releases before the hooks run. */
  held: Tensor[];
  hooks: Map<RemovableHandle, BackwardHook>;
}

/** A handle on g that outlives the node it arrived at (released after the hooks ran). */
function hold(st: BackwardCall, g: Tensor): Tensor {
  const h = keep(g.detach());
  st.held.push(h);
  return h;
}

/** Runs the hooks (each may replace gradInputs), then releases the held handles but `result`. */
function runBackwardHooks(m: Module, st: BackwardCall, index: number, g: Tensor | null): Tensor | null {
  for (const hook of [...st.hooks.values()]) {
    const r = hook(m, [...st.gradInputs], [...st.gradOutputs]);
    if (r === undefined || r === null) continue;
    if (!Array.isArray(r) || r.length !== st.gradInputs.length) {
      throw new Error(
        `Backward hook returned an invalid number of grad_input, got ${Array.isArray(r) ? r.length : 1}, but expected ${st.gradInputs.length}`,
      );
    }
    st.gradInputs = r;
  }
  const result = index < 0 ? g : st.gradInputs[index];
  for (const h of st.held) if (h !== result) h.dispose();
  st.held = [];
  return result;
}

/**
 * Identity nodes around the forward (PyTorch's BackwardHookFunctionBackward): the output's records
 * grad_output; the hooks run when the last input's gradient arrives (with no input that requires
 * grad, at the output's node, with gradInput all null). Each input has a node of its own here, so
 * with several tensor inputs a hook's replacement applies to the input whose gradient arrives last.
 */
function wrapInputs(m: Module, args: Tensor[], st: BackwardCall): Tensor[] {
  st.gradInputs = args.map(() => null);
  return args.map((x, i) => {
    if (!(x instanceof Tensor) || !x.requiresGrad) return x;
    st.waiting++;
    return record(
      'BackwardHookFunctionBackward',
      x.detach(),
      [x],
      () => [],
      (g) => {
        st.waiting--;
        st.gradInputs[i] = st.waiting > 0 ? hold(st, g) : g;
        return [st.waiting === 0 ? runBackwardHooks(m, st, i, g) : g];
      },
    );
  });
}

function wrapOutput(m: Module, out: Tensor, st: BackwardCall): Tensor {
  if (!(out instanceof Tensor) || !out.requiresGrad) return out;
  return record(
    'BackwardHookFunctionBackward',
    out.detach(),
    [out],
    () => [],
    (g) => {
      st.gradOutputs = [st.waiting > 0 ? hold(st, g) : g];
      if (st.waiting === 0) runBackwardHooks(m, st, -1, g);
      return [g];
    },
  );
}

/** module(...inputs): the forward pre-hooks, the backward hooks' input nodes, forward, the forward hooks, the output node. */
export function callModule(m: Module, s: HookTables, inputs: Tensor[]): Tensor {
  let args = inputs;
  for (const hook of [...s.preHooks.values()]) {
    const r = hook(m, args);
    if (r !== undefined && r !== null) args = Array.isArray(r) ? r : [r];
  }
  const st: BackwardCall | null =
    s.backwardHooks.size > 0 && isGradEnabled() ? { gradInputs: [], gradOutputs: [], waiting: 0, held: [], hooks: s.backwardHooks } : null;
  if (st) args = wrapInputs(m, args, st);
  let out = m.forward(...args);
  for (const hook of [...s.hooks.values()]) {
    const r = hook(m, args, out);
    if (r !== undefined && r !== null) out = r;
  }
  if (st) out = wrapOutput(m, out, st);
  return out;
}
