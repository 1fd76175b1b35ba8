// torch.scope / torch.keep: release every tensor created inside a function except what it returns.
//
// Which scope a new tensor belongs to is the scope of the code that created it. Where the host has
// AsyncLocalStorage (Node, Deno, Bun, workerd with nodejs_compat) that follows the async call
// chain, so an async scope spans `await` and concurrent tasks never capture each other's tensors.
// Elsewhere (browsers) a scope is current from its start until its promise settles, so tensors
// created by unrelated code running during that time are attributed to it: keep concurrent async
// scopes apart there, or return/keep what must survive.
import type { Tensor } from './tensor.js';
import { rt, type Scope } from './runtime.js';

// The scopes' state is rt.scope (ts/runtime.ts): `als` where the host has AsyncLocalStorage, else
// the stack of user scopes; `temps`, the library's own synchronous scope, innermost.
const S = rt.scope;
const als = S.als;
const stack = S.stack;

function current(): Scope | null {
  if (S.temps) return S.temps;
  if (als) return als.getStore() ?? null;
  return stack.length ? stack[stack.length - 1] : null;
}

/**
 * @internal Records a new tensor in the current scope, if any. Inside the library's own scopes the
 * handle is only registered with the FinalizationRegistry if it outlives them (most are disposed
 * right there, and registration is the costliest part of making a handle).
 */
export function trackInScope(t: Tensor): void {
  if (S.temps) {
    S.temps.tensors.push(t);
    return;
  }
  t._register();
  const s = als ? als.getStore() : stack[stack.length - 1];
  if (s) {
    s.tensors.push(t);
    t._storage.markScoped();
  }
}

function userScope(): Scope | null {
  if (als) return als.getStore() ?? null;
  return stack.length ? stack[stack.length - 1] : null;
}

/**
 * @internal Runs a synchronous piece of the library (a backward rule, a composite op) and disposes
 * the handles it created but did not return. Graph nodes keep what they saved through their own
 * handles, so this only ends the life of handles nobody can reach any more.
 */
export function withTemps<T>(fn: () => T): T {
  const s: Scope = { tensors: [], parent: null, internal: true };
  const prev = S.temps;
  S.temps = s;
  let result: T;
  try {
    result = fn();
  } catch (e) {
    S.temps = prev;
    close(s, undefined);
    throw e;
  }
  S.temps = prev;
  close(s, result);
  return result;
}

/** Marks a tensor to survive every enclosing scope (tf.keep). Returns it. */
export function keep<T extends Tensor>(t: T): T {
  t._kept = true;
  return t;
}

/** The tensors in a returned value (a tensor, or arrays / plain objects / Maps holding them). */
function collect(value: unknown, out: Tensor[], isTensor: (v: unknown) => v is Tensor, seen: Set<unknown> | null = null): void {
  if (value === null || typeof value !== 'object') return;
  if (isTensor(value)) {
    out.push(value);
    return;
  }
  if (Array.isArray(value)) {
    // The common case (a backward rule's gradients): a flat array of tensors and nulls.
    for (const v of value) {
      if (v === null || typeof v !== 'object') continue;
      if (isTensor(v)) out.push(v);
      else collect(v, out, isTensor, seen);
    }
    return;
  }
  const visited = seen ?? new Set<unknown>();
  if (visited.has(value)) return;
  visited.add(value);
  if (value instanceof Map) for (const v of value.values()) collect(v, out, isTensor, visited);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) collect(v, out, isTensor, visited);
}

/** @internal Lets the scope recognise tensors without importing the class (avoids a cycle). */
export function setTensorCheck(f: (v: unknown) => v is Tensor): void {
  S.isTensor = f;
}

function close(scope: Scope, result: unknown): void {
  if (scope.tensors.length === 0) return;
  const returned: Tensor[] = [];
  if (S.isTensor) collect(result, returned, S.isTensor);
  for (const t of scope.tensors) {
    if (t.isDisposed) continue;
    // Parameters (leaves that require grad), gradients and kept tensors outlive scopes, as tf.tidy
    // leaves variables alone; returned tensors move to the enclosing scope.
    const isReturned = returned.includes(t);
    const survives = t._kept || t._heldAsGrad || t._isGradLeaf() || isReturned;
    if (!survives) {
      t.dispose();
      continue;
    }
    if (scope.internal && !S.temps) t._register();
    if (!isReturned) continue;
    const to = scope.internal ? (S.temps ?? userScope()) : scope.parent;
    if (to) {
      to.tensors.push(t);
      if (!to.internal) t._storage.markScoped();
    }
  }
  // A library scope is garbage from here on (nothing can reach it to push again): only user scopes,
  // which async code may still find through AsyncLocalStorage, are emptied.
  if (!scope.internal) scope.tensors.length = 0;
}

/**
 * Runs `fn` and then disposes every tensor created inside it except those it returns (a tensor,
 * or arrays / plain objects / Maps holding tensors) and those passed to `torch.keep`. Scopes nest.
 * An async `fn` is supported: release happens when its promise settles.
 */
export function scope<T>(fn: () => T): T {
  const s: Scope = { tensors: [], parent: current() };
  const leave = (): void => {
    if (!als) stack.splice(stack.lastIndexOf(s), 1);
  };
  let result: T;
  if (!als) stack.push(s);
  try {
    result = als ? als.run(s, fn) : fn();
  } catch (e) {
    leave();
    close(s, undefined);
    throw e;
  }
  if (result instanceof Promise) {
    return result.then(
      (v: unknown) => {
        leave();
        close(s, v);
        return v;
      },
      (e: unknown) => {
        leave();
        close(s, undefined);
        throw e;
      },
    ) as T;
  }
  leave();
  close(s, result);
  return result;
}
