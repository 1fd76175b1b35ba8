// Checkers of single arguments: tensors and scalars, ints (dims, indices, sizes, shapes), dtypes, a
// loss's reduction, callbacks; and the same checkers by declared argument kind (`checkArg`,
// `checkArgs`) for registry entries that declare their arguments.
import type { Tensor } from '../tensor.js';
import { isTensor } from '../brand.js';
import type { DType } from '../dtype.js';
import { fmtShape } from '../shape.js';
import { argLabel, argTypeError, listElementError, typeName, ValueError } from './names.js';

// ---- tensors and scalars -------------------------------------------------------------------------

/** A Tensor argument. */
export function tensor(v: unknown, entry: string, name: string, pos?: number): asserts v is Tensor {
  if (!isTensor(v)) throw argTypeError(entry, name, pos, 'Tensor', v);
}

/** An optional Tensor argument (`undefined` or `null` mean absent, like Python's None). */
export function optTensor(v: unknown, entry: string, name: string, pos?: number): asserts v is Tensor | null | undefined {
  if (v !== undefined && v !== null && !isTensor(v)) throw argTypeError(entry, name, pos, 'Tensor', v);
}

/**
 * An operand that may be a Tensor or a Python-style scalar (number, boolean, bigint), as in
 * `x.add(2)`. Lists are refused, as PyTorch refuses them ("must be Tensor, not list").
 */
export function operand(v: unknown, entry: string, name: string, pos?: number): asserts v is Tensor | number | boolean | bigint {
  if (isTensor(v)) return;
  const t = typeof v;
  if (t === 'number' || t === 'boolean' || t === 'bigint') return;
  throw argTypeError(entry, name, pos, 'Tensor', v);
}

/** A Python Number (a JavaScript number or boolean; NaN and infinities are numbers). */
export function number(v: unknown, entry: string, name: string, pos?: number): asserts v is number {
  const t = typeof v;
  if (t !== 'number' && t !== 'boolean') throw argTypeError(entry, name, pos, 'Number', v);
}

/** An optional Number (`undefined` / `null` mean absent). */
export function optNumber(v: unknown, entry: string, name: string, pos?: number): asserts v is number | null | undefined {
  if (v !== undefined && v !== null) number(v, entry, name, pos);
}

export function bool(v: unknown, entry: string, name: string, pos?: number): asserts v is boolean {
  if (typeof v !== 'boolean') throw argTypeError(entry, name, pos, 'bool', v);
}

/** A function argument (torch.noGrad(fn), torch.scope(fn)); returns it. */
export function callback<F>(fn: F, entry: string): F {
  if (typeof fn !== 'function') throw argTypeError(entry, 'fn', 1, 'a function', fn);
  return fn;
}

// ---- integers: dims, indices, sizes --------------------------------------------------------------

/** An int argument (a dim, an index, a length): a JavaScript number that is an integer. */
export function int(v: unknown, entry: string, name: string, pos?: number): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw argTypeError(entry, name, pos, 'int', v);
}

/** An optional int (`undefined` / `null` mean absent). */
export function optInt(v: unknown, entry: string, name: string, pos?: number): asserts v is number | null | undefined {
  if (v !== undefined && v !== null) int(v, entry, name, pos);
}

/** A dim or a list of dims (reductions): an int or an array of ints. `undefined`/`null` mean all dims. */
export function dims(v: unknown, entry: string, name: string, pos?: number): asserts v is number | readonly number[] | null | undefined {
  if (v === undefined || v === null) return;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw argTypeError(entry, name, pos, 'tuple of ints', v);
    return;
  }
  if (!Array.isArray(v)) throw argTypeError(entry, name, pos, 'tuple of ints', v);
  for (let i = 0; i < v.length; i++) {
    const d: unknown = v[i];
    if (typeof d !== 'number' || !Number.isInteger(d)) throw listElementError(entry, name, 'tuple of ints', d, i);
  }
}

/** A list of ints (permute's dims, reshape/view/expand's shape), already flattened from varargs. */
export function intList(v: unknown, entry: string, name: string, pos?: number): asserts v is readonly number[] {
  if (!Array.isArray(v)) throw argTypeError(entry, name, pos, 'tuple of ints', v);
  for (let i = 0; i < v.length; i++) {
    const d: unknown = v[i];
    if (typeof d !== 'number' || !Number.isInteger(d)) throw listElementError(entry, name, 'tuple of ints', d, i);
  }
}

/**
 * The size of a tensor to create: ints >= 0. A negative size is PyTorch's RuntimeError
 * "Trying to create tensor with negative dimension -1: [-1]".
 */
export function size(v: unknown, entry: string, name = 'size', pos?: number): asserts v is readonly number[] {
  intList(v, entry, name, pos);
  for (const d of v) {
    if (d < 0) throw new Error(`Trying to create tensor with negative dimension ${d}: ${fmtShape(v)}`);
  }
}

/** A shape for reshape/view: ints where -1 (inferred) is the only negative one allowed. */
export function viewShape(v: unknown, entry: string, name: string): asserts v is readonly number[] {
  intList(v, entry, name);
  for (const d of v) if (d < -1) throw new Error(`invalid shape dimension ${d}`);
}

// ---- dtypes --------------------------------------------------------------------------------------

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int64', 'bool'];

export function isDType(v: unknown): v is DType {
  return v === 'float32' || v === 'float64' || v === 'int64' || v === 'bool';
}

/** A dtype asgrad has (float32, float64, int64, bool). `undefined`/`null` mean the default. */
export function dtype(v: unknown, entry: string, name = 'dtype', pos?: number): asserts v is DType | null | undefined {
  if (v === undefined || v === null || isDType(v)) return;
  const got = typeof v === 'string' ? `'${v}'` : typeName(v);
  throw new TypeError(
    `${argLabel(entry, name, pos)} must be one of ${DTYPES.map((d) => `'${d}'`).join(', ')} (the dtypes asgrad supports), not ${got}`,
  );
}

// ---- reductions of losses ------------------------------------------------------------------------

/** A loss's `reduction`: PyTorch's ValueError "foo is not a valid value for reduction". */
export function reduction(v: unknown): asserts v is 'mean' | 'sum' | 'none' | undefined {
  if (v === undefined || v === 'mean' || v === 'sum' || v === 'none') return;
  throw new ValueError(`${typeof v === 'string' ? v : String(v)} is not a valid value for reduction`);
}

// ---- by kind (for a registry whose entries declare their arguments) ------------------------------

export type ArgKind =
  | 'Tensor'
  | 'Tensor?'
  | 'TensorOrScalar'
  | 'Number'
  | 'Number?'
  | 'bool'
  | 'int'
  | 'int?'
  | 'dims'
  | 'intList'
  | 'size'
  | 'dtype'
  | 'reduction';

const BY_KIND: Readonly<Record<ArgKind, (v: unknown, entry: string, name: string, pos?: number) => void>> = {
  Tensor: tensor,
  'Tensor?': optTensor,
  TensorOrScalar: operand,
  Number: number,
  'Number?': optNumber,
  bool,
  int,
  'int?': optInt,
  dims,
  intList,
  size,
  dtype,
  reduction: (v) => reduction(v),
};

/** Checks one argument by its declared kind. */
export function checkArg(kind: ArgKind, v: unknown, entry: string, name: string, pos?: number): void {
  BY_KIND[kind](v, entry, name, pos);
}

/** One declared argument of an entry (what an op registry entry lists): its name and kind. */
export interface ArgDecl {
  readonly name: string;
  readonly kind: ArgKind;
}

/**
 * Checks positional arguments against an entry's declaration; positions count from 1 in the
 * declaration's order. An entry's options object is checked with `options(spec, opts)`.
 */
export function checkArgs(entry: string, decl: readonly ArgDecl[], args: ArrayLike<unknown>): void {
  for (let i = 0; i < decl.length; i++) BY_KIND[decl[i].kind](args[i], entry, decl[i].name, i + 1);
}
