// Sequential, ModuleList, ModuleDict: children registered under their index or key, printed as
// PyTorch prints them ("(0): Linear(...)").
import type { Tensor } from '../tensor.js';
import * as V from '../validate.js';
import { KeyError, Module, childEntries } from './module.js';
import { IndexError } from './errors.js';

function moduleArg(m: unknown): Module {
  if (!(m instanceof Module)) throw new TypeError(`${V.typeName(m)} is not a Module subclass`);
  return m;
}

/** The children of a numbered container, in order. */
function entries(m: Module): [string, Module][] {
  return childEntries(m);
}

/** An index in [-n, n), normalised (PyTorch's _get_abs_string_index / ModuleList's check). */
function absIndex(idx: number, n: number, cls: string): number {
  V.int(idx, `${cls}.__getitem__`, 'idx', 1);
  if (idx < -n || idx >= n) throw new IndexError(`index ${idx} is out of range`);
  return idx < 0 ? idx + n : idx;
}

/** Python's slice(start, stop) over n items (step 1). */
function sliceRange(n: number, start?: number, stop?: number): [number, number] {
  const clamp = (v: number | undefined, d: number): number => {
    if (v === undefined) return d;
    const w = v < 0 ? v + n : v;
    return w < 0 ? 0 : w > n ? n : w;
  };
  return [clamp(start, 0), clamp(stop, n)];
}

/** Runs its children in order, each on the previous one's output. */
export class Sequential extends Module {
  constructor(...modules: Module[] | [Record<string, Module>]) {
    super();
    const first = modules[0];
    if (modules.length === 1 && V.isOptions(first)) {
      for (const [k, m] of Object.entries(first)) this.addModule(k, moduleArg(m));
    } else {
      for (const [i, m] of (modules as unknown[]).entries()) this.addModule(String(i), moduleArg(m));
    }
  }
  override forward(x: Tensor): Tensor {
    let y = x;
    for (const [, m] of entries(this)) y = m(y);
    return y;
  }
  override get length(): number {
    return entries(this).length;
  }
  /** seq[idx] (negative counts from the end). */
  at(idx: number): Module {
    const e = entries(this);
    return e[absIndex(idx, e.length, 'Sequential')][1];
  }
  /** seq[start:stop]: a Sequential of the same children under their keys. */
  slice(start?: number, stop?: number): Sequential {
    const e = entries(this);
    const [a, b] = sliceRange(e.length, start, stop);
    return new Sequential(Object.fromEntries(e.slice(a, b)));
  }
  /** Adds a module at the end (PyTorch's `Sequential.append`). */
  append(module: Module): this {
    this.addModule(String(this.length), moduleArg(module));
    return this;
  }
  [Symbol.iterator](): Iterator<Module> {
    return entries(this)
      .map(([, m]) => m)
      [Symbol.iterator]();
  }
}

/** A list of modules, registered as children "0", "1", ... (no forward). */
export class ModuleList extends Module {
  constructor(modules?: Iterable<Module>) {
    super();
    if (modules !== undefined) this.extend(modules);
  }
  override get length(): number {
    return entries(this).length;
  }
  /** The module at `idx` (negative counts from the end): PyTorch's `modules[idx]`. */
  at(idx: number): Module {
    const e = entries(this);
    return e[absIndex(idx, e.length, 'ModuleList')][1];
  }
  /** list[start:stop]: a new ModuleList, renumbered from 0 (as PyTorch's). */
  slice(start?: number, stop?: number): ModuleList {
    const e = entries(this);
    const [a, b] = sliceRange(e.length, start, stop);
    return new ModuleList(e.slice(a, b).map(([, m]) => m));
  }
  /** Adds a module at the end (PyTorch's `ModuleList.append`). */
  append(module: Module): this {
    this.addModule(String(this.length), moduleArg(module));
    return this;
  }
  /** Adds modules at the end (PyTorch's `ModuleList.extend`). */
  extend(modules: Iterable<Module>): this {
    if (modules === null || typeof (modules as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function') {
      throw new TypeError(`ModuleList.extend should be called with an iterable, but got ${V.typeName(modules)}`);
    }
    for (const m of modules) this.append(m);
    return this;
  }
  [Symbol.iterator](): Iterator<Module> {
    return entries(this)
      .map(([, m]) => m)
      [Symbol.iterator]();
  }
}

/** Modules by string key, in insertion order (no forward). */
export class ModuleDict extends Module {
  constructor(modules?: Record<string, Module>) {
    super();
    if (modules !== undefined) this.update(modules);
  }
  override get length(): number {
    return entries(this).length;
  }
  /** The module under `key` (PyTorch's `modules[key]`; a missing key throws KeyError). */
  get(key: string): Module {
    const m = entries(this).find(([k]) => k === key);
    if (!m) throw new KeyError(`'${key}'`);
    return m[1];
  }
  /** Sets the module under `key` (PyTorch's `modules[key] = module`). */
  set(key: string, module: Module): this {
    this.addModule(key, moduleArg(module));
    return this;
  }
  /** Whether `key` is present (PyTorch's `key in modules`). */
  has(key: string): boolean {
    return entries(this).some(([k]) => k === key);
  }
  /** Sets each entry of `modules` (PyTorch's `ModuleDict.update`). */
  update(modules: Record<string, Module>): this {
    if (!V.isOptions(modules)) {
      throw new TypeError(`ModuleDict.update should be called with an iterable of key/value pairs, but got ${V.typeName(modules)}`);
    }
    for (const [k, m] of Object.entries(modules)) this.set(k, m);
    return this;
  }
  /** The keys, in insertion order. */
  keys(): string[] {
    return entries(this).map(([k]) => k);
  }
  /** The modules, in insertion order. */
  values(): Module[] {
    return entries(this).map(([, m]) => m);
  }
  /** `[key, module]` pairs, in insertion order. */
  items(): [string, Module][] {
    return entries(this);
  }
  [Symbol.iterator](): Iterator<string> {
    return this.keys()[Symbol.iterator]();
  }
}
