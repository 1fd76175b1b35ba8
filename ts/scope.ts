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
  const temps = S.temps;
  if (temps) {
    temps.tensors[temps.n++] = t;
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
 * Library scopes (rt.scope.tempsPool), reused by nesting depth: they open and close strictly nested and synchronously,
 * and one runs per backward rule and composite op, so they are not allocated per call. A depth is
 * taken until its scope has finished closing (disposing may run library code that opens scopes).
 */
function openTemps(): Scope {
  let s = S.tempsPool[S.tempsDepth];
  if (s === undefined) {
    s = { tensors: [], n: 0, parent: null, internal: true };
    S.tempsPool[S.tempsDepth] = s;
  }
  S.tempsDepth++;
  S.temps = s;
  return s;
}

function closeTemps(s: Scope, prev: Scope | null, result: unknown): void {
  S.temps = prev;
  try {
    close(s, result);
  } finally {
    // Keeps the array's room for the next scope at this depth, not its handles.
    const ts = s.tensors;
    for (let i = 0; i < s.n; i++) ts[i] = null;
    s.n = 0;
    S.tempsDepth--;
  }
}

/**
 * @internal Runs a synchronous piece of the library (a backward rule, a composite op) and disposes
 * the handles it created but did not return. Graph nodes keep what they saved through their own
 * handles, so this only ends the life of handles nobody can reach any more.
 */
export function withTemps<T>(fn: () => T): T {
  const prev = S.temps;
  const s = openTemps();
  let result: T;
  try {
    result = fn();
  } catch (e) {
    closeTemps(s, prev, undefined);
    throw e;
  }
  closeTemps(s, prev, result);
  return result;
}

/** @internal `withTemps(() => fn(a, b, c))` without making a closure (the engine calls it per node). */
export function withTemps3<A, B, C, T>(fn: (a: A, b: B, c: C) => T, a: A, b: B, c: C): T {
  const prev = S.temps;
  const s = openTemps();
  let result: T;
  try {
    result = fn(a, b, c);
  } catch (e) {
    closeTemps(s, prev, undefined);
    throw e;
  }
  closeTemps(s, prev, result);
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

const NO_TENSORS: readonly Tensor[] = Object.freeze([]);

/**
 * The tensors a scope's function returned: the result itself when it is one tensor (returned as
 * is), or an array holding only tensors and nulls (a backward rule's gradients, also returned as
 * is), so the common results allocate nothing; else a list made by collect.
 */
function returnedTensors(result: unknown): Tensor | readonly unknown[] | null {
  const isTensor = S.isTensor;
  if (isTensor === null || result === null || typeof result !== 'object') return null;
  if (isTensor(result)) return result;
  if (Array.isArray(result)) {
    let flat = true;
    for (let i = 0; i < result.length; i++) {
      const v: unknown = result[i];
      if (v !== null && !isTensor(v)) flat = false;
    }
    if (flat) return result;
  }
  const out: Tensor[] = [];
  collect(result, out, isTensor);
  return out.length ? out : NO_TENSORS;
}

function close(scope: Scope, result: unknown): void {
  const ts = scope.tensors;
  const count = scope.internal ? scope.n : ts.length;
  if (count === 0) return;
  const returned = returnedTensors(result);
  for (let i = 0; i < count; i++) {
    const t = ts[i];
    if (t === null || t.isDisposed) continue;
    // Parameters (leaves that require grad), gradients and kept tensors outlive scopes, as tf.tidy
    // leaves variables alone; returned tensors move to the enclosing scope.
    const isReturned = returned === null ? false : Array.isArray(returned) ? returned.includes(t) : returned === t;
    const survives = t._kept || t._heldAsGrad || t._isGradLeaf() || isReturned;
    if (!survives) {
      t.dispose();
      continue;
    }
    if (scope.internal && !S.temps) t._register();
    if (!isReturned) continue;
    const to = scope.internal ? (S.temps ?? userScope()) : scope.parent;
    if (to) {
      if (to.internal) to.tensors[to.n++] = t;
      else to.tensors.push(t);
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
  const s: Scope = { tensors: [], n: 0, parent: current() };
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
