// Module hooks: forward pre-hooks, forward hooks and full backward hooks (identity nodes around the
// forward, as PyTorch's BackwardHookFunction), with removable handles.
import { Tensor } from '../tensor.js';
import { recordMulti } from '../autograd.js';
import { isGradEnabled } from '../grad_mode.js';
import { keep } from '../scope.js';
import type { Module } from './module.js';

import { RemovableHandle } from '../autograd.js';
export { RemovableHandle };

/** A forward pre-hook: `(module, inputs)`, returning new inputs or nothing. */
// biome-ignore lint/suspicious/noConfusingVoidType: a hook may return nothing (Python's None).
export type ForwardPreHook = (module: Module, inputs: Tensor[]) => Tensor | Tensor[] | null | undefined | void;
/** A forward hook: `(module, inputs, output)`, returning a new output or nothing. */
// biome-ignore lint/suspicious/noConfusingVoidType: a hook may return nothing (Python's None).
export type ForwardHook = (module: Module, inputs: Tensor[], output: Tensor) => Tensor | null | undefined | void;
/** Gradients by position (null where none flows). @inline */
type GradList = (Tensor | null)[];
/** A full backward hook: `(module, gradInput, gradOutput)`, returning new input gradients or nothing. */
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
  /** One per tensor argument (null where none arrives or the argument does not require grad). */
  gradInputs: (Tensor | null)[];
  gradOutputs: (Tensor | null)[];
  /** Whether an argument requires grad: the hooks then run at the arguments' node, else at the outputs'. */
  atInputs: boolean;
  /** Handles this call made to hold the output gradients until the hooks ran. */
  held: Tensor[];
  hooks: Map<RemovableHandle, BackwardHook>;
}

/** Runs the hooks in registration order (each may replace gradInputs), then releases the held handles. */
function runBackwardHooks(m: Module, st: BackwardCall): void {
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
  for (const h of st.held) if (!st.gradInputs.includes(h)) h.dispose();
  st.held = [];
}

/**
 * PyTorch's BackwardHookFunction: ONE identity node over the tensors of `values` (those that do
 * not require grad pass through out of the graph), whose rule sees every tensor's gradient at once.
 */
function identityNode<T>(values: T[], rule: (gs: readonly (Tensor | null)[]) => (Tensor | null)[]): T[] {
  const at = values.flatMap((v, i) => (v instanceof Tensor ? [i] : []));
  const ts = at.map((i) => values[i] as Tensor);
  if (!ts.some((t) => t.requiresGrad)) return values;
  const outs = recordMulti(
    'BackwardHookFunctionBackward',
    ts.map((t) => t.detach()),
    ts,
    () => [],
    rule,
    ts.map((t) => t.requiresGrad),
  );
  const out = [...values];
  at.forEach((i, k) => {
    out[i] = outs[k] as T;
  });
  return out;
}

/** The arguments' node: the hooks run when it has the gradients of all arguments, and may replace them. */
function wrapInputs(m: Module, args: Tensor[], st: BackwardCall): Tensor[] {
  st.gradInputs = args.filter((a) => a instanceof Tensor).map(() => null);
  st.atInputs = args.some((a) => a instanceof Tensor && a.requiresGrad);
  return identityNode(args, (gs) => {
    st.gradInputs = [...gs];
    runBackwardHooks(m, st);
    return st.gradInputs;
  });
}

/** The outputs' node: records grad_output (and runs the hooks when no argument requires grad). */
function wrapOutput<O>(m: Module, out: O, st: BackwardCall): O {
  const many = Array.isArray(out);
  const wrapped = identityNode(many ? [...(out as unknown[])] : [out], (gs) => {
    st.gradOutputs = st.atInputs ? gs.map((g) => (g ? hold(st, g) : null)) : [...gs];
    if (!st.atInputs) runBackwardHooks(m, st);
    return [...gs];
  });
  return (many ? wrapped : wrapped[0]) as O;
}

/** A handle on g that outlives the node it arrived at (released after the hooks ran). */
function hold(st: BackwardCall, g: Tensor): Tensor {
  const h = keep(g.detach());
  st.held.push(h);
  return h;
}

/** module(...inputs): the forward pre-hooks, the backward hooks' input nodes, forward, the forward hooks, the output node. */
export function callModule(m: Module, s: HookTables, inputs: Tensor[]): Tensor {
  let args = inputs;
  for (const hook of [...s.preHooks.values()]) {
    const r = hook(m, args);
    if (r !== undefined && r !== null) args = Array.isArray(r) ? r : [r];
  }
  const st: BackwardCall | null =
    s.backwardHooks.size > 0 && isGradEnabled()
      ? { gradInputs: [], gradOutputs: [], atInputs: false, held: [], hooks: s.backwardHooks }
      : null;
  if (st) args = wrapInputs(m, args, st);
  let out = m.forward(...args);
  for (const hook of [...s.hooks.values()]) {
    const r = hook(m, args, out);
    if (r !== undefined && r !== null) out = r;
  }
  if (st) out = wrapOutput(m, out, st);
  return out;
}
