// torch.nn.Module: a callable object whose parameters, buffers and children are found from its
// fields (in assignment order, as PyTorch's __setattr__ registers them) or registered by name.
// A module is a function object carrying the module's prototype (no Proxy): `model(x)` runs the
// forward pre-hooks, the forward, the forward hooks, and sets up the full backward hooks.
import { Tensor } from '../tensor.js';
import { noGrad } from '../grad_mode.js';
import { withTemps } from '../scope.js';
import { legacyTypeName, type DType } from '../dtype.js';
import * as V from '../validate.js';
import { KeyError } from './errors.js';
import { addHook } from '../autograd.js';
import { asParameter, isParameter } from './parameter.js';
import { type BackwardHook, type ForwardHook, type ForwardPreHook, type HookTables, RemovableHandle, callModule } from './hooks.js';

import { Parameter } from './parameter.js';
export { KeyError, Parameter, RemovableHandle, asParameter, isParameter };
export type { BackwardHook, ForwardHook, ForwardPreHook };

interface Internals extends HookTables {
  parameters: Map<string, Tensor | null>;
  buffers: Map<string, Tensor | null>;
  nonPersistent: Set<string>;
  modules: Map<string, Module | null>;
}

const INTERNALS = Symbol('asgrad.nn.Module');

function fieldsOf(m: Module): Record<string, unknown> {
  return m as unknown as Record<string, unknown>;
}

/** Brings the registries up to date with the module's fields (new fields in assignment order). */
function sync(m: Module): Internals {
  const s = m[INTERNALS];
  const f = fieldsOf(m);
  for (const k of Object.keys(f)) {
    const v = f[k];
    if (v instanceof Module) {
      if (s.modules.get(k) !== v) s.modules.set(k, v);
      s.parameters.delete(k);
      s.buffers.delete(k);
    } else if (isParameter(v)) {
      if (s.parameters.get(k) !== v) s.parameters.set(k, v);
      s.modules.delete(k);
      s.buffers.delete(k);
    } else if (v === null) {
      if (s.parameters.has(k)) s.parameters.set(k, null);
      if (s.buffers.has(k)) s.buffers.set(k, null);
      if (s.modules.has(k)) s.modules.set(k, null);
    } else if (v instanceof Tensor) {
      if (s.parameters.has(k)) {
        throw new TypeError(`cannot assign '${legacyTypeName(v.dtype)}' as parameter '${k}' (torch.nn.Parameter or None expected)`);
      }
      if (s.buffers.has(k)) s.buffers.set(k, v);
    }
  }
  for (const table of [s.parameters, s.buffers, s.modules] as Map<string, unknown>[]) {
    for (const k of [...table.keys()]) if (!Object.hasOwn(f, k)) table.delete(k);
  }
  return s;
}

/** The registered children (null ones left out, repeated ones kept), in order. */
export function childEntries(m: Module): [string, Module][] {
  const out: [string, Module][] = [];
  for (const [k, c] of sync(m).modules) if (c) out.push([k, c]);
  return out;
}

function checkName(kind: 'buffer' | 'parameter', m: Module, name: unknown, table: Map<string, unknown>): string {
  if (typeof name !== 'string') throw new TypeError(`${kind} name should be a string. Got ${V.typeName(name)}`);
  if (name.includes('.')) throw new KeyError(`${kind} name can't contain "."`);
  if (name === '') throw new KeyError(`${kind} name can't be empty string ""`);
  if (name in m && !table.has(name)) throw new KeyError(`attribute '${name}' already exists`);
  return name;
}

/** Adds two spaces to every line but the first (PyTorch's _addindent). */
function addIndent(s: string): string {
  const lines = s.split('\n');
  if (lines.length === 1) return s;
  return [lines[0], ...lines.slice(1).map((l) => `  ${l}`)].join('\n');
}

function toDtype(t: Tensor, dtype: DType): Tensor {
  return noGrad(() => t.to(dtype));
}

/** `t.data = t.to(dtype)`: the converted values under t's own identity. */
function setData(t: Tensor, dtype: DType): void {
  withTemps(() => t._setData(toDtype(t.detach(), dtype)));
}

// A module is callable: a function object with Module's prototype.
/** PyTorch's `torch.nn.Module`: subclass it, create submodules and Parameters as fields in the constructor, write `forward`. An instance is callable (`model(x)` runs the hooks and forward, as PyTorch's `__call__`). */
export interface Module {
  // biome-ignore lint/style/useShorthandFunctionType: the interface merges with the class below.
  (...inputs: Tensor[]): Tensor;
}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: see the interface above.
export class Module {
  /** Training mode (PyTorch's `Module.training`): set by `train()` / `eval()`; Dropout and BatchNorm read it. */
  declare training: boolean;
  /** @internal */
  declare [INTERNALS]: Internals;

  constructor() {
    const f = (...inputs: Tensor[]): Tensor => callModule(f as unknown as Module, (f as unknown as Module)[INTERNALS], inputs);
    // A function's own `name` and `length` would shadow fields of those names: remove them.
    delete (f as { name?: string }).name;
    delete (f as { length?: number }).length;
    Object.setPrototypeOf(f, new.target.prototype);
    const s: Internals = {
      parameters: new Map(),
      buffers: new Map(),
      nonPersistent: new Set(),
      modules: new Map(),
      preHooks: new Map(),
      hooks: new Map(),
      backwardHooks: new Map(),
    };
    Object.defineProperty(f, INTERNALS, { value: s, enumerable: false });
    (f as unknown as Module).training = true;
    // biome-ignore lint/correctness/noConstructorReturn: the callable object is the module.
    return f as unknown as Module;
  }

  /** The computation; subclasses define it (PyTorch raises the same error when they do not). */
  forward(..._inputs: Tensor[]): Tensor {
    throw new Error(`Module [${this.constructor.name}] is missing the required "forward" function`);
  }

  /** `module.call(...inputs)`: the same as `module(...inputs)` (hooks included). */
  call(...inputs: Tensor[]): Tensor {
    return callModule(this, this[INTERNALS], inputs);
  }

  // ---- registration ---------------------------------------------------------------------------

  /** Registers a buffer: state saved in `stateDict()` but not trained (PyTorch's `register_buffer(name, tensor, persistent=True)`). */
  registerBuffer(name: string, tensor: Tensor | null, opts?: { persistent?: boolean }): void {
    const s = sync(this);
    checkName('buffer', this, name, s.buffers);
    if (tensor !== null && !(tensor instanceof Tensor)) {
      throw new TypeError(`cannot assign '${V.typeName(tensor)}' object to buffer '${name}' (torch Tensor or None required)`);
    }
    const persistent = opts?.persistent ?? true;
    V.bool(persistent, 'register_buffer', 'persistent', 3);
    s.buffers.set(name, tensor);
    if (persistent) s.nonPersistent.delete(name);
    else s.nonPersistent.add(name);
    fieldsOf(this)[name] = tensor;
  }

  /** Registers a parameter under `name` (PyTorch's `register_parameter`); assigning a Parameter to a field does the same. */
  registerParameter(name: string, param: Tensor | null): void {
    const s = sync(this);
    checkName('parameter', this, name, s.parameters);
    if (param !== null && !isParameter(param)) {
      const p: unknown = param;
      const what = p instanceof Tensor ? legacyTypeName(p.dtype) : V.typeName(p);
      throw new TypeError(`cannot assign '${what}' object to parameter '${name}' (torch.nn.Parameter or None required)`);
    }
    s.parameters.set(name, param);
    fieldsOf(this)[name] = param;
  }

  /** Registers (or replaces) a child module under `name` (PyTorch's add_module / register_module). */
  addModule(name: string, module: Module | null): void {
    const s = sync(this);
    if (module !== null && !(module instanceof Module)) throw new TypeError(`${V.typeName(module)} is not a Module subclass`);
    if (typeof name !== 'string') throw new TypeError(`module name should be a string. Got ${V.typeName(name)}`);
    if (name.includes('.')) throw new KeyError(`module name can't contain ".", got: ${name}`);
    if (name === '') throw new KeyError(`module name can't be empty string ""`);
    if (name in this && !s.modules.has(name)) throw new KeyError(`attribute '${name}' already exists`);
    s.modules.set(name, module);
    fieldsOf(this)[name] = module;
  }

  // ---- traversal (PyTorch's order and dotted names) ---------------------------------------------

  /** The direct children with their names (each module once), as a list (PyTorch yields them). */
  namedChildren(): [string, Module][] {
    const seen = new Set<Module>();
    const out: [string, Module][] = [];
    for (const [k, m] of sync(this).modules) {
      if (m && !seen.has(m)) {
        seen.add(m);
        out.push([k, m]);
      }
    }
    return out;
  }
  /** The direct submodules (PyTorch's `Module.children()`, as an array). */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }
  /** This module and every submodule, preorder, with dotted names ('' for this one). */
  namedModules(opts?: { prefix?: string }): [string, Module][] {
    const out: [string, Module][] = [];
    const memo = new Set<Module>();
    const visit = (m: Module, prefix: string): void => {
      if (memo.has(m)) return;
      memo.add(m);
      out.push([prefix, m]);
      for (const [k, c] of sync(m).modules) if (c) visit(c, prefix ? `${prefix}.${k}` : k);
    };
    visit(this, opts?.prefix ?? '');
    return out;
  }
  /** This module and all its submodules, depth first (PyTorch's `Module.modules()`, as an array). */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }
  private namedMembers(kind: 'parameters' | 'buffers', opts?: { prefix?: string; recurse?: boolean }): [string, Tensor][] {
    const seen = new Set<Tensor>();
    const prefix = opts?.prefix ?? '';
    const mods: [string, Module][] = opts?.recurse === false ? [[prefix, this]] : this.namedModules({ prefix });
    const out: [string, Tensor][] = [];
    for (const [mp, m] of mods) {
      for (const [k, t] of sync(m)[kind]) {
        if (t === null || seen.has(t)) continue;
        seen.add(t);
        out.push([mp ? `${mp}.${k}` : k, t]);
      }
    }
    return out;
  }
  /** Parameters with dotted names, each once, in PyTorch's order. */
  namedParameters(opts?: { prefix?: string; recurse?: boolean }): [string, Tensor][] {
    return this.namedMembers('parameters', opts);
  }
  /** The parameters of this module and, unless `{ recurse: false }`, its submodules (PyTorch's `Module.parameters()`, as an array). */
  parameters(opts?: { recurse?: boolean }): Tensor[] {
    return this.namedParameters(opts).map(([, p]) => p);
  }
  /** `[name, buffer]` pairs (PyTorch's `Module.named_buffers(prefix='', recurse=True)`). */
  namedBuffers(opts?: { prefix?: string; recurse?: boolean }): [string, Tensor][] {
    return this.namedMembers('buffers', opts);
  }
  /** The buffers (PyTorch's `Module.buffers(recurse=True)`, as an array). */
  buffers(opts?: { recurse?: boolean }): Tensor[] {
    return this.namedBuffers(opts).map(([, b]) => b);
  }

  // ---- state ------------------------------------------------------------------------------------

  /** Sets training mode on this module and its submodules (PyTorch's `Module.train(mode=True)`). */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new V.ValueError('training mode is expected to be boolean');
    this.training = mode;
    for (const c of this.children()) c.train(mode);
    return this;
  }
  /** Sets evaluation mode: `train(false)` (PyTorch's `Module.eval()`). */
  eval(): this {
    return this.train(false);
  }
  /** Sets every parameter's gradient to zero (in place), or to null with `setToNone` (PyTorch 1.13's default is false). */
  zeroGrad(opts?: { setToNone?: boolean }): void {
    for (const p of this.parameters()) {
      const g = p.grad;
      if (g === null) continue;
      if (opts?.setToNone) p.grad = null;
      else noGrad(() => g.zero_());
    }
  }
  /** Sets `requiresGrad` on every parameter (PyTorch's `Module.requires_grad_()`). */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }
  /** Calls fn on every submodule (children first, as PyTorch), then on this module. */
  apply(fn: (m: Module) => void): this {
    V.callback(fn, 'apply');
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  /**
   * Converts floating-point parameters and buffers (and parameters' gradients) to `dtype`, given as
   * `to('float64')` or `to({ dtype })`. Parameters stay the same objects (PyTorch sets `param.data`),
   * so optimizers and references made before the conversion keep working; buffers are replaced.
   */
  to(arg: DType | { dtype: DType }): this {
    const dtype = typeof arg === 'string' ? arg : arg?.dtype;
    if (dtype !== 'float32' && dtype !== 'float64') {
      throw new TypeError(`nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=torch.${String(dtype)}`);
    }
    const convert = (t: Tensor | null): t is Tensor => t !== null && t.dtype !== dtype && (t.dtype === 'float32' || t.dtype === 'float64');
    for (const m of this.modules()) {
      const s = sync(m);
      for (const p of s.parameters.values()) {
        if (!convert(p)) continue;
        setData(p, dtype);
        if (p.grad !== null) setData(p.grad, dtype);
      }
      for (const [k, b] of s.buffers) {
        if (!convert(b)) continue;
        const c = toDtype(b, dtype);
        s.buffers.set(k, c);
        fieldsOf(m)[k] = c;
      }
    }
    return this;
  }
  /** Casts the floating parameters and buffers to float64 in place (PyTorch's `Module.double()`). */
  double(): this {
    return this.to({ dtype: 'float64' });
  }
  /** Casts the floating parameters and buffers to float32 in place (PyTorch's `Module.float()`). */
  float(): this {
    return this.to({ dtype: 'float32' });
  }

  /** Parameters and persistent buffers by dotted name, in PyTorch's order (detached handles). */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    const visit = (m: Module, prefix: string): void => {
      const s = sync(m);
      for (const [k, p] of s.parameters) if (p !== null) out[prefix + k] = p.detach();
      for (const [k, b] of s.buffers) if (b !== null && !s.nonPersistent.has(k)) out[prefix + k] = b.detach();
      for (const [k, c] of s.modules) if (c) visit(c, `${prefix}${k}.`);
    };
    visit(this, '');
    return out;
  }

  /** Copies `stateDict`'s tensors into the parameters and buffers; PyTorch's errors and result. */
  loadStateDict(stateDict: Record<string, Tensor>, opts?: { strict?: boolean }): { missingKeys: string[]; unexpectedKeys: string[] } {
    if (stateDict === null || typeof stateDict !== 'object') {
      throw new TypeError(`Expected state_dict to be dict-like, got ${V.typeName(stateDict)}.`);
    }
    const strict = opts?.strict ?? true;
    const missing: string[] = [];
    const unexpected: string[] = [];
    const errors: string[] = [];
    const keys = Object.keys(stateDict);
    const copies: [Tensor, Tensor][] = [];
    const visit = (m: Module, prefix: string): void => {
      const s = sync(m);
      const local = new Map<string, Tensor>();
      for (const [k, p] of s.parameters) if (p !== null) local.set(k, p);
      for (const [k, b] of s.buffers) if (b !== null && !s.nonPersistent.has(k)) local.set(k, b);
      for (const [k, t] of local) {
        const key = prefix + k;
        if (!Object.hasOwn(stateDict, key)) {
          missing.push(key);
          continue;
        }
        const v = stateDict[key];
        if (!(v instanceof Tensor)) {
          errors.push(
            `While copying the parameter named "${key}", expected torch.Tensor or Tensor-like object from checkpoint but received ${V.typeName(v)}`,
          );
          continue;
        }
        const a = [...t.shape];
        const b = [...v.shape];
        if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
          errors.push(
            `size mismatch for ${key}: copying a param with shape torch.Size([${b.join(', ')}]) from checkpoint, the shape in current model is torch.Size([${a.join(', ')}]).`,
          );
          continue;
        }
        copies.push([t, v]);
      }
      for (const key of keys) {
        if (!key.startsWith(prefix) || key === prefix) continue;
        const first = key.slice(prefix.length).split('.', 1)[0];
        if (!s.modules.has(first) && !local.has(first)) unexpected.push(key);
      }
      for (const [k, c] of s.modules) if (c) visit(c, `${prefix}${k}.`);
    };
    visit(this, '');
    if (strict) {
      if (unexpected.length) errors.unshift(`Unexpected key(s) in state_dict: ${unexpected.map((k) => `"${k}"`).join(', ')}. `);
      if (missing.length) errors.unshift(`Missing key(s) in state_dict: ${missing.map((k) => `"${k}"`).join(', ')}. `);
    }
    if (errors.length) {
      throw new Error(`Error(s) in loading state_dict for ${this.constructor.name}:\n\t${errors.join('\n\t')}`);
    }
    noGrad(() => {
      for (const [t, v] of copies) t.copy_(v);
    });
    return { missingKeys: missing, unexpectedKeys: unexpected };
  }

  // ---- hooks --------------------------------------------------------------------------------------

  /** Runs `hook(module, inputs)` before each forward; it may return replacement inputs (PyTorch's `register_forward_pre_hook`). */
  registerForwardPreHook(hook: ForwardPreHook): RemovableHandle {
    V.callback(hook, 'register_forward_pre_hook');
    return addHook(this[INTERNALS].preHooks, hook);
  }
  /** Runs `hook(module, inputs, output)` after each forward; it may return a replacement output (PyTorch's `register_forward_hook`). */
  registerForwardHook(hook: ForwardHook): RemovableHandle {
    V.callback(hook, 'register_forward_hook');
    return addHook(this[INTERNALS].hooks, hook);
  }
  /**
   * hook(module, gradInput, gradOutput) runs when the gradients with respect to the module's tensor
   * inputs have been computed; a returned list replaces gradInput.
   */
  registerFullBackwardHook(hook: BackwardHook): RemovableHandle {
    V.callback(hook, 'register_full_backward_hook');
    return addHook(this[INTERNALS].backwardHooks, hook);
  }

  // ---- printing -------------------------------------------------------------------------------------

  /** The text inside the parentheses of this module's line (PyTorch's extra_repr). */
  extraRepr(): string {
    return '';
  }
  /** The module tree as PyTorch prints it (`print(model)`). */
  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra ? extra.split('\n') : [];
    const childLines: string[] = [];
    for (const [k, m] of sync(this).modules) childLines.push(`(${k}): ${addIndent(m ? m.toString() : 'None')}`);
    const lines = [...extraLines, ...childLines];
    let s = `${this.constructor.name}(`;
    if (lines.length) {
      if (extraLines.length === 1 && childLines.length === 0) s += extraLines[0];
      else s += `\n  ${lines.join('\n  ')}\n`;
    }
    return `${s})`;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
  get [Symbol.toStringTag](): string {
    return this.constructor.name;
  }
}

/**
 * copy.deepcopy(module): a new module of the same class, whose parameters and buffers are fresh
 * copies (same values, own storage; parameters are leaves with the same requiresGrad, no grad),
 * whose children are deep copies (a module or tensor shared within `m` stays shared in the copy),
 * and whose other fields are copied (arrays element-wise, anything else by reference). The class's
 * constructor does not run (as deepcopy, which restores the state without calling __init__); the
 * hooks are the same functions, registered on the copy (removing the original's handle leaves them).
 */
export function deepCopy<M extends Module>(m: M, memo: Map<unknown, unknown> = new Map()): M {
  const seen = memo.get(m);
  if (seen !== undefined) return seen as M;
  const copy = Reflect.construct(Module, [], m.constructor) as M;
  memo.set(m, copy);
  const value = (v: unknown): unknown => {
    if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return v;
    const hit = memo.get(v);
    if (hit !== undefined) return hit;
    let r: unknown = v;
    if (v instanceof Module) r = deepCopy(v, memo);
    else if (isParameter(v))
      r = asParameter(
        noGrad(() => v.detach().clone()),
        v.requiresGrad,
      );
    else if (v instanceof Tensor) {
      if (!v.isLeaf)
        throw new Error('Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol at the moment');
      r = noGrad(() => v.detach().clone()).requiresGrad_(v.requiresGrad);
    } else if (Array.isArray(v)) r = v.map(value);
    memo.set(v, r);
    return r;
  };
  const src = sync(m);
  const f = fieldsOf(copy);
  for (const [k, v] of Object.entries(fieldsOf(m))) f[k] = value(v);
  const dst = copy[INTERNALS];
  for (const k of src.parameters.keys()) dst.parameters.set(k, f[k] as Tensor | null);
  for (const k of src.buffers.keys()) dst.buffers.set(k, f[k] as Tensor | null);
  for (const k of src.nonPersistent) dst.nonPersistent.add(k);
  for (const k of src.modules.keys()) dst.modules.set(k, f[k] as Module | null);
  // The hooks are kept (the same functions, under handles of the copy's own tables).
  for (const kind of ['preHooks', 'hooks', 'backwardHooks'] as const) {
    const table = dst[kind] as Map<RemovableHandle, unknown>;
    for (const hook of src[kind].values()) table.set(new RemovableHandle(table), hook);
  }
  return copy;
}
