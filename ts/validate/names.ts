// How values and arguments are named in validation messages, and the errors built from those names:
// ValueError, the message for a tensor of another loaded copy of asgrad, typeName (Python's names
// for JavaScript values), the "<entry>(): argument '<name>' (position n)" label, PyTorch's
// ScalarType names of dtypes. Every other file of ./ builds its messages from these.
import { isTensor } from '../brand.js';
import type { DType } from '../dtype.js';
import { TENSOR_BRAND, rt, type CopyInfo } from '../runtime.js';

/** PyTorch's ValueError (JavaScript has none): bad values of the right type. */
export class ValueError extends Error {
  override name = 'ValueError';
}

// ---- tensors of another copy of asgrad ------------------------------------------------------------

/** The copy that made `v`, if `v` is a tensor of another loaded copy of asgrad (runtime.ts, "Copies"). */
function foreignCopy(v: object): CopyInfo | null {
  const brand = (v as { [TENSOR_BRAND]?: unknown })[TENSOR_BRAND];
  if (brand === undefined || brand === null || brand === rt.copy || isTensor(v)) return null;
  const b = brand as Partial<CopyInfo>;
  return { id: typeof b.id === 'number' ? b.id : 0, location: typeof b.location === 'string' ? b.location : null };
}

function describeCopy(c: CopyInfo): string {
  return `copy ${c.id || '?'} (${c.location ?? 'loaded from an unknown location'})`;
}

/**
 * The error for a tensor of another copy of asgrad passed where this copy wants a Tensor: each copy
 * has its own WebAssembly memory and Tensor class, so the value cannot be used here, and the cause
 * is nearly always the way the package is loaded rather than the program's logic.
 */
export function foreignTensorError(v: unknown, where: string): TypeError | null {
  const other = v !== null && typeof v === 'object' ? foreignCopy(v) : null;
  if (!other) return null;
  return new TypeError(
    `${where}: got a Tensor made by another copy of asgrad, ${describeCopy(other)}, than the one it was ` +
      `passed to, ${describeCopy(rt.copy)}. asgrad was loaded twice in this process: typically its ESM build ` +
      `(import 'asgrad') and its CommonJS build (require('asgrad')), or two installed versions of the package. ` +
      `Tensors of one copy cannot be used by the other (each has its own WebAssembly memory). Fix: load asgrad ` +
      `one way everywhere (only import, or only require), and make sure a single version is installed ` +
      `(npm ls asgrad; npm dedupe).`,
  );
}

// ---- how a value is named in messages -------------------------------------------------------------

/**
 * The type of `v` as PyTorch's messages name Python values (`str`, `list`, `dict`, `NoneType`,
 * `int`, `float`, `bool`), with JavaScript's own names where Python has no counterpart
 * (`undefined`, `bigint`, `Map`, `Float32Array`...).
 */
export function typeName(v: unknown): string {
  if (v === null) return 'NoneType';
  switch (typeof v) {
    case 'undefined':
      return 'undefined';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float';
    case 'boolean':
      return 'bool';
    case 'string':
      return 'str';
    case 'bigint':
      return 'bigint';
    case 'symbol':
      return 'symbol';
    case 'function':
      return 'function';
  }
  if (isTensor(v)) return 'Tensor';
  // Naming a foreign tensor means a message about it is being built: say what it really is.
  const foreign = foreignTensorError(v, 'asgrad');
  if (foreign) throw foreign;
  if (Array.isArray(v)) return 'list';
  const proto = Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null;
  if (proto === null || proto === Object.prototype) return 'dict';
  return proto.constructor?.name || 'object';
}

export function argLabel(entry: string, name: string, pos?: number): string {
  return pos === undefined ? `${entry}(): argument '${name}'` : `${entry}(): argument '${name}' (position ${pos})`;
}

/** "<entry>(): argument '<name>' (position n) must be <expected>, not <type>" (PyTorch's TypeError). */
export function argTypeError(entry: string, name: string, pos: number | undefined, expected: string, v: unknown): TypeError {
  const foreign = foreignTensorError(v, argLabel(entry, name, pos));
  if (foreign) return foreign;
  return new TypeError(`${argLabel(entry, name, pos)} must be ${expected}, not ${typeName(v)}`);
}

/** One int element of a list argument: PyTorch's "must be tuple of ints, but found element of type float at pos 2". */
export function listElementError(entry: string, name: string, what: string, v: unknown, i: number): TypeError {
  return new TypeError(`${entry}(): argument '${name}' must be ${what}, but found element of type ${typeName(v)} at pos ${i + 1}`);
}

/** PyTorch's ScalarType name of each dtype, as its messages print it. */
export const SCALAR_NAME: Readonly<Record<DType, string>> = { float32: 'Float', float64: 'Double', int64: 'Long', bool: 'Bool' };

/** PyTorch's ScalarType name of a dtype ('Float', 'Double', 'Long', 'Bool'). */
export function scalarName(d: DType): string {
  return SCALAR_NAME[d];
}
