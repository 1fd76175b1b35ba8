// Argument validation for every public entry: one layer, called before any kernel touches memory.
//
// Each checker takes the value, the entry's name as the user called it (`select`, `zerosLike`,
// `SGD.__init__`), the argument's name and, for positional arguments, its position; it returns
// nothing and throws PyTorch 1.13's error (type and text) where PyTorch has one, or a message in
// the same form naming the entry, the argument and what was passed.
//
// Positions follow PyTorch's numbering for the Tensor-method form (`x.select(dim, index)`: dim is
// position 1, index 2); the tensor an op works on is "argument 'input' (position 1)", which is the
// only form in which it can be something else than a Tensor (`torch.exp([1])`).
//
// The checkers are also reachable by argument kind (`checkArg(kind, ...)`, `ArgKind`), so an op
// registry entry that declares its arguments' kinds can validate a call from that declaration.
//
// Cost on the common path: a tensor operand is one brand check (../brand.ts), an integer one typeof +
// Number.isInteger; options objects are checked against key tables built once per entry at load
// time (a for-in over the object, no allocation).
import type { Tensor } from './tensor.js';
import { isTensor } from './brand.js';
import type { DType } from './dtype.js';
import { broadcastShapes, fmtShape } from './shape.js';
import { TENSOR_BRAND, rt, type CopyInfo } from './runtime.js';

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

function argLabel(entry: string, name: string, pos?: number): string {
  return pos === undefined ? `${entry}(): argument '${name}'` : `${entry}(): argument '${name}' (position ${pos})`;
}

/** "<entry>(): argument '<name>' (position n) must be <expected>, not <type>" (PyTorch's TypeError). */
export function argTypeError(entry: string, name: string, pos: number | undefined, expected: string, v: unknown): TypeError {
  const foreign = foreignTensorError(v, argLabel(entry, name, pos));
  if (foreign) return foreign;
  return new TypeError(`${argLabel(entry, name, pos)} must be ${expected}, not ${typeName(v)}`);
}

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

/** One int element of a list argument: PyTorch's "must be tuple of ints, but found element of type float at pos 2". */
function listElementError(entry: string, name: string, what: string, v: unknown, i: number): TypeError {
  return new TypeError(`${entry}(): argument '${name}' must be ${what}, but found element of type ${typeName(v)} at pos ${i + 1}`);
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

// ---- options objects -----------------------------------------------------------------------------

/** The kinds an option's value can be declared as. */
export type OptKind = 'bool' | 'number' | 'optNumber' | 'int' | 'dims' | 'dtype' | 'reduction' | 'any';

/** An entry's options object: the keys it knows, built once (at load time) per entry. */
export interface OptionSpec {
  readonly entry: string;
  /** key -> kind, on a null-prototype object (so 'toString' is not a key). */
  readonly kinds: Readonly<Record<string, OptKind>>;
  /** normalised key (lower case, no '_') -> the real key, for "did you mean" hints. */
  readonly hints: ReadonlyMap<string, string>;
  /** Keys PyTorch has on this entry that asgrad does not implement (normalised). */
  readonly unsupported: ReadonlySet<string>;
}

const normaliseKey = (k: string): string => k.replace(/_/g, '').toLowerCase();

/** Declares an entry's options: `optionSpec('ones', { dtype: 'dtype', requiresGrad: 'bool' })`. */
export function optionSpec(entry: string, kinds: Record<string, OptKind>, unsupported: readonly string[] = []): OptionSpec {
  const table = Object.assign(Object.create(null) as Record<string, OptKind>, kinds);
  const hints = new Map<string, string>();
  for (const k of Object.keys(kinds)) hints.set(normaliseKey(k), k);
  return { entry, kinds: table, hints, unsupported: new Set(unsupported.map(normaliseKey)) };
}

function unexpectedKey(spec: OptionSpec, key: string): TypeError {
  let msg = `${spec.entry}() got an unexpected keyword argument '${key}'`;
  const hint = spec.hints.get(normaliseKey(key));
  if (hint !== undefined) msg += ` (did you mean ${hint}?)`;
  else if (spec.unsupported.has(normaliseKey(key))) msg += ' (PyTorch has it; asgrad does not support it)';
  return new TypeError(msg);
}

function checkOptValue(kind: OptKind, v: unknown, entry: string, key: string): void {
  switch (kind) {
    case 'bool':
      bool(v, entry, key);
      return;
    case 'number':
      number(v, entry, key);
      return;
    case 'optNumber':
      optNumber(v, entry, key);
      return;
    case 'int':
      int(v, entry, key);
      return;
    case 'dims':
      dims(v, entry, key);
      return;
    case 'dtype':
      dtype(v, entry, key);
      return;
    case 'reduction':
      reduction(v);
      return;
    case 'any':
      return;
  }
}

/** Whether `v` is an options object (a plain object, not an array, tensor or typed array). */
export function isOptions(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !isTensor(v) && !ArrayBuffer.isView(v);
}

/**
 * Checks an options object against its entry's spec: every key known (else PyTorch's "got an
 * unexpected keyword argument", with a hint for snake_case spellings), every value of its kind.
 * `undefined` values count as absent (Python's None for optional arguments).
 */
export function options(spec: OptionSpec, opts: unknown): void {
  if (opts === undefined) return;
  if (!isOptions(opts)) throw new TypeError(`${spec.entry}(): the options argument must be an object, not ${typeName(opts)}`);
  for (const k in opts) {
    const kind = spec.kinds[k];
    if (kind === undefined) throw unexpectedKey(spec, k);
    const v = opts[k];
    if (v !== undefined) checkOptValue(kind, v, spec.entry, k);
  }
}

// ---- nested data for torch.tensor ----------------------------------------------------------------

export type Leaf = number | boolean | bigint;

function isSequence(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

function leafError(v: unknown): Error {
  // PyTorch 1.13: strings are "new(): invalid data type 'str'" (TypeError); anything else it cannot
  // read a number from is "Could not infer dtype of NoneType / dict / ..." (RuntimeError).
  if (typeof v === 'string') return new TypeError("new(): invalid data type 'str'");
  if (isTensor(v)) {
    return new TypeError(`tensor(): a ${v.ndim}-D Tensor inside a list is not supported (only 0-d ones are; use torch.stack)`);
  }
  return new Error(`Could not infer dtype of ${typeName(v)}`);
}

/**
 * Reads nested arrays (or typed arrays) of numbers / booleans / bigints: their shape and the
 * leaves in row-major order. Refuses strings, null, undefined, objects and ragged nesting with
 * PyTorch's messages. A single leaf gives a 0-d shape.
 */
export function nestedData(data: unknown): { shape: number[]; flat: Leaf[] } {
  const shape: number[] = [];
  let cur: unknown = data;
  while (isSequence(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  const flat: Leaf[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth === shape.length) {
      const t = typeof v;
      if (t === 'number' || t === 'boolean' || t === 'bigint') {
        flat.push(v as Leaf);
        return;
      }
      // A 0-d tensor in a list is its value, as in PyTorch (`torch.tensor([loss1, loss2])`).
      if (isTensor(v) && v.ndim === 0) {
        const a = v.toArray();
        flat.push(v.dtype === 'bool' ? a[0] !== 0 : (a[0] as number | bigint));
        return;
      }
      if (isSequence(v))
        throw new TypeError(
          `tensor(): ragged nested sequence: found a list of length ${v.length} where a number was expected at dim ${depth}`,
        );
      throw leafError(v);
    }
    if (!isSequence(v)) {
      const t = typeof v;
      if (t === 'number' || t === 'boolean' || t === 'bigint') throw new TypeError('not a sequence');
      throw leafError(v);
    }
    if (v.length !== shape[depth]) throw new ValueError(`expected sequence of length ${shape[depth]} at dim ${depth} (got ${v.length})`);
    for (let i = 0; i < v.length; i++) walk(v[i], depth + 1);
  };
  walk(data, 0);
  return { shape, flat };
}

// ---- the matrix-product family: operands' ranks, inner sizes and dtypes --------------------------
// These reproduce the checks (and their order) of PyTorch 1.13's mm / mv / bmm / dot / addmm /
// matmul / linear from shapes, strides and dtypes alone, so no kernel runs on operands it would
// read out of bounds, and the message is the one PyTorch gives for the same call.

const SCALAR_NAME: Readonly<Record<DType, string>> = { float32: 'Float', float64: 'Double', int64: 'Long', bool: 'Bool' };

/** PyTorch's ScalarType name of a dtype ('Float', 'Double', 'Long', 'Bool'). */
export function scalarName(d: DType): string {
  return SCALAR_NAME[d];
}

function sameDtype(a: DType, b: DType, kernel: string): void {
  if (a === 'bool') throw new Error(`"${kernel}" not implemented for 'Bool'`);
  if (a !== b) throw new Error(`expected scalar type ${SCALAR_NAME[a]} but found ${SCALAR_NAME[b]}`);
}

/** What the checks read of an operand: a Tensor, or the shape a Tensor would have after a view. */
interface Meta {
  readonly _shape: readonly number[];
  readonly dtype: DType;
}

/** PyTorch's mm/mv/bmm kernels return zeros before checking dtypes when an operand is empty. */
function emptyProduct(a: Meta, b: Meta): boolean {
  return a._shape.includes(0) || b._shape.includes(0);
}

function mmMeta(a: Meta, b: Meta): void {
  const as = a._shape;
  const bs = b._shape;
  if (as.length !== 2) throw new Error('self must be a matrix');
  if (bs.length !== 2) throw new Error('mat2 must be a matrix');
  if (as[1] !== bs[0]) throw new Error(`mat1 and mat2 shapes cannot be multiplied (${as[0]}x${as[1]} and ${bs[0]}x${bs[1]})`);
  if (!emptyProduct(a, b)) sameDtype(a.dtype, b.dtype, 'addmm_impl_cpu_');
}

function mvMeta(a: Meta, v: Meta): void {
  const as = a._shape;
  const vs = v._shape;
  // mv sizes its result from the matrix's dim 0 before anything else.
  if (as.length === 0) throw new Error('Dimension specified as 0 but tensor has no dimensions');
  if (as.length !== 2 || vs.length !== 1) throw new Error(`vector + matrix @ vector expected, got 1, ${as.length}, ${vs.length}`);
  if (as[1] !== vs[0]) throw new Error(`size mismatch, got ${as[0]}, ${as[0]}x${as[1]},${vs[0]}`);
  if (!emptyProduct(a, v)) sameDtype(a.dtype, v.dtype, 'addmv_impl_cpu');
}

function bmmMeta(a: Meta, b: Meta): void {
  const as = a._shape;
  const bs = b._shape;
  if (as.length !== 3) throw new Error('batch1 must be a 3D tensor');
  if (bs.length !== 3) throw new Error('batch2 must be a 3D tensor');
  if (bs[0] !== as[0] || bs[1] !== as[2]) {
    throw new Error(`Expected size for first two dimensions of batch2 tensor to be: [${as[0]}, ${as[2]}] but got: [${bs[0]}, ${bs[1]}].`);
  }
  if (!emptyProduct(a, b)) sameDtype(a.dtype, b.dtype, 'bmm');
}

function dotMeta(a: Meta, b: Meta): void {
  const as = a._shape;
  const bs = b._shape;
  if (as.length !== 1 || bs.length !== 1) throw new Error(`1D tensors expected, but got ${as.length}D and ${bs.length}D tensors`);
  if (a.dtype !== b.dtype) {
    throw new Error(`dot : expected both vectors to have same dtype, but found ${SCALAR_NAME[a.dtype]} and ${SCALAR_NAME[b.dtype]}`);
  }
  if (as[0] !== bs[0]) {
    throw new Error(
      `inconsistent tensor size, expected tensor [${as[0]}] and src [${bs[0]}] to have the same number of elements, but got ${as[0]} and ${bs[0]} elements respectively`,
    );
  }
  if (a.dtype === 'bool') throw new Error(`"dot" not implemented for 'Bool'`);
}

/** PyTorch's expand of `from` to `to` (addmm's bias), as shape arithmetic: its errors, verbatim. */
function expandable(from: Meta, to: readonly number[]): void {
  const fs = from._shape;
  if (to.length < fs.length) {
    throw new Error(
      `expand(torch.${SCALAR_NAME[from.dtype]}Tensor{${fmtShape(fs)}}, size=${fmtShape(to)}): the number of sizes provided (${to.length}) must be greater or equal to the number of dimensions in the tensor (${fs.length})`,
    );
  }
  const lead = to.length - fs.length;
  for (let i = fs.length - 1; i >= 0; i--) {
    const want = to[lead + i];
    if (fs[i] !== want && fs[i] !== 1) {
      throw new Error(
        `The expanded size of the tensor (${want}) must match the existing size (${fs[i]}) at non-singleton dimension ${lead + i}.  Target sizes: ${fmtShape(to)}.  Tensor sizes: ${fmtShape(fs)}`,
      );
    }
  }
}

function addmmMeta(self: Meta, m1: Meta, m2: Meta): void {
  const s1 = m1._shape;
  const s2 = m2._shape;
  if (self.dtype !== m2.dtype) throw new Error('self and mat2 must have the same dtype');
  if (m1.dtype !== m2.dtype) throw new Error('mat1 and mat2 must have the same dtype');
  if (s1.length !== 2) throw new Error(`mat1 must be a matrix, got ${s1.length}-D tensor`);
  if (s2.length !== 2) throw new Error(`mat2 must be a matrix, got ${s2.length}-D tensor`);
  if (s1[1] !== s2[0]) throw new Error(`mat1 and mat2 shapes cannot be multiplied (${s1[0]}x${s1[1]} and ${s2[0]}x${s2[1]})`);
  expandable(self, [s1[0], s2[1]]);
  if (m1.dtype === 'bool') throw new Error(`"addmm_impl_cpu_" not implemented for 'Bool'`);
}

/** torch.mm(a, b). */
export const mmOperands: (a: Tensor, b: Tensor) => void = mmMeta;
/** torch.mv(a, v). */
export const mvOperands: (a: Tensor, v: Tensor) => void = mvMeta;
/** torch.bmm(a, b). */
export const bmmOperands: (a: Tensor, b: Tensor) => void = bmmMeta;
/** torch.dot(a, b). */
export const dotOperands: (a: Tensor, b: Tensor) => void = dotMeta;
/** torch.addmm(self, mat1, mat2). */
export const addmmOperands: (self: Tensor, m1: Tensor, m2: Tensor) => void = addmmMeta;

const meta = (shape: readonly number[], dtype: DType): Meta => ({ _shape: shape, dtype });
const prod = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);
/** The operand with its last two dims swapped (`.mT`, or `.t()` of a matrix). */
const transposed = (m: Meta): Meta => {
  const s = m._shape.slice();
  const n = s.length;
  if (n >= 2) [s[n - 2], s[n - 1]] = [s[n - 1], s[n - 2]];
  return meta(s, m.dtype);
};

/** PyTorch 1.13's should_fold: a >=3-D operand against a 1-D/2-D one is folded into one mm/mv. */
function shouldFold(t: Tensor, otherDim: number): boolean {
  const d = t.ndim;
  if (d < 3 || (otherDim !== 1 && otherDim !== 2)) return false;
  // A [b, n, m] operand whose last two dims are transposed goes through bmm instead.
  const st = t._strides;
  const sh = t._shape;
  return !(d === 3 && otherDim === 2 && st[2] !== 1 && st[0] === sh[1] * sh[2]);
}

/** torch.matmul's operand checks, following its dispatch (dot / mv / mm / folded / batched). */
export function matmulOperands(a: Tensor, b: Tensor): void {
  matmulMeta(a, b, shouldFold(a, b.ndim) || shouldFold(b, a.ndim));
}

function matmulMeta(a: Meta, b: Meta, fold: boolean): void {
  const as = a._shape;
  const bs = b._shape;
  const da = as.length;
  const db = bs.length;
  if (da === 0 || db === 0) throw new Error(`both arguments to matmul need to be at least 1D, but they are ${da}D and ${db}D`);
  if (da <= 2 && db <= 2) {
    if (da === 1 && db === 1) dotMeta(a, b);
    else if (db === 1) mvMeta(a, b);
    else mmMeta(da === 1 ? meta([1, as[0]], a.dtype) : a, b);
    return;
  }
  if (fold) {
    const transpose = db > da;
    const t1 = transpose ? transposed(b) : a;
    const t2 = !transpose ? b : da === 2 ? transposed(a) : a;
    const s1 = t1._shape;
    const folded = meta([prod(s1.slice(0, -1)), s1[s1.length - 1]], t1.dtype);
    if (t2._shape.length === 1) mvMeta(folded, t2);
    else mmMeta(folded, t2);
    return;
  }
  // Batched: broadcast the batch dims, then one bmm over their product.
  const batch = broadcastShapes(as.slice(0, da > 2 ? da - 2 : 0), bs.slice(0, db > 2 ? db - 2 : 0));
  const B = prod(batch);
  const n = da > 1 ? as[da - 2] : 1;
  const m2 = db > 1 ? bs[db - 2] : bs[0];
  const p = db > 1 ? bs[db - 1] : 1;
  bmmMeta(meta([B, n, as[da - 1]], a.dtype), meta([B, m2, p], b.dtype));
}

/** The shape of matmul(a, b) for operands that passed the checks. */
export function matmulShape(as: readonly number[], bs: readonly number[]): number[] {
  const da = as.length;
  const db = bs.length;
  const out = broadcastShapes(as.slice(0, da > 2 ? da - 2 : 0), bs.slice(0, db > 2 ? db - 2 : 0));
  if (da > 1) out.push(as[da - 2]);
  if (db > 1) out.push(bs[db - 1]);
  return out;
}

/**
 * Whether PyTorch 1.13's at::linear takes the fused addmm path: a bias and a 2-D input, or a
 * contiguous 3-D one (flattened to 2-D). A tensor with no elements counts as contiguous, as in
 * PyTorch.
 */
export function linearUsesAddmm(x: Tensor, bias: Tensor | null | undefined): boolean {
  if (!bias) return false;
  return x.ndim === 2 || (x.ndim === 3 && (x.numel() === 0 || x.isContiguous()));
}

/**
 * F.linear's operand checks, following PyTorch 1.13's at::linear: weight.t() (<= 2-D), then
 * addmm for 2-D input with bias (or contiguous 3-D input, flattened), else matmul followed by an
 * in-place add of the bias (whose broadcast must not grow the result).
 */
export function linearOperands(x: Tensor, w: Tensor, bias: Tensor | null | undefined): void {
  if (w.ndim > 2) throw new Error(`t() expects a tensor with <= 2 dimensions, but self is ${w.ndim}D`);
  const wt = transposed(w);
  if (bias && linearUsesAddmm(x, bias)) {
    const m1 = x.ndim === 2 ? x : meta([x._shape[0] * x._shape[1], x._shape[2]], x.dtype);
    addmmMeta(bias, m1, wt);
    return;
  }
  // matmul(x, w.t()): w.t() is a transposed view, so it never takes the bmm-instead-of-fold path.
  matmulMeta(x, wt, shouldFold(x, wt._shape.length) || (wt._shape.length >= 3 && x.ndim <= 2));
  if (!bias) return;
  // add_ of the bias into the result.
  broadcastInto(matmulShape(x._shape, wt._shape), bias._shape);
}

/**
 * An in-place write of a `src`-shaped value into an `out`-shaped tensor (copy_, add_ ...): the
 * shapes must broadcast, and to `out`'s own shape (PyTorch 1.13's two messages).
 */
export function broadcastInto(out: readonly number[], src: readonly number[]): void {
  if (out.length === src.length && out.every((d, i) => d === src[i])) return;
  const bs = broadcastShapes(out, src);
  if (bs.length !== out.length || bs.some((d, i) => d !== out[i])) {
    throw new Error(`output with shape ${fmtShape(out)} doesn't match the broadcast shape ${fmtShape(bs)}`);
  }
}

// ---- softmax, where, index_select and the classification losses: operand dtypes and shapes -------

const isFloat = (d: DType): boolean => d === 'float32' || d === 'float64';

/** softmax / log_softmax refuse integer inputs (PyTorch 1.13 has no integer kernel; no silent cast). */
export function softmaxInput(x: Tensor, dim: number, log: boolean): void {
  if (x.dtype === 'float32' || x.dtype === 'float64') return;
  const last = x.ndim === 0 || dim === -1 || dim === x.ndim - 1;
  const kernel = last ? (log ? 'log_softmax_lastdim_kernel_impl' : 'softmax_lastdim_kernel_impl') : 'softmax_kernel_impl';
  throw new Error(`"${kernel}" not implemented for '${SCALAR_NAME[x.dtype]}'`);
}

/**
 * torch.cat's tensors (already known to be Tensors): not empty, same rank and same sizes outside
 * `dim`; 1-D empty tensors are skipped, as PyTorch 1.13 does (its legacy behaviour).
 */
export function catOperands(tensors: readonly Tensor[], dim: number): void {
  if (tensors.length === 0) throw new Error('torch.cat(): expected a non-empty list of Tensors');
  let ref: Tensor | null = null;
  for (let k = 0; k < tensors.length; k++) {
    const x = tensors[k];
    if (x.ndim === 1 && x._shape[0] === 0) continue;
    if (ref === null) {
      ref = x;
      const n = x.ndim === 0 ? 1 : x.ndim;
      if (dim < -n || dim >= n)
        throw new RangeError(`Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`);
      if (x.ndim === 0) throw new Error(`zero-dimensional tensor (at position ${k}) cannot be concatenated`);
      continue;
    }
    if (x.ndim === 0) throw new Error(`zero-dimensional tensor (at position ${k}) cannot be concatenated`);
    if (x.ndim !== ref.ndim) throw new Error(`Tensors must have same number of dimensions: got ${ref.ndim} and ${x.ndim}`);
    const d = dim < 0 ? dim + ref.ndim : dim;
    for (let j = 0; j < x.ndim; j++) {
      if (j !== d && x._shape[j] !== ref._shape[j]) {
        throw new Error(
          `Sizes of tensors must match except in dimension ${d}. Expected size ${ref._shape[j]} but got size ${x._shape[j]} for tensor number ${k} in the list.`,
        );
      }
    }
  }
}

/** Ops with no integer kernel in PyTorch 1.13 refuse integer inputs (instead of casting them). */
export function floatInput(x: Tensor, op: 'var' | 'leaky_relu'): void {
  if (isFloat(x.dtype)) return;
  if (op === 'var') throw new Error('std and var only support floating point and complex dtypes');
  throw new Error(`"leaky_relu_cpu" not implemented for '${SCALAR_NAME[x.dtype]}'`);
}

/** mse_loss computes in the operands' promoted dtype, which must be floating. */
export function mseOperands(input: Tensor, target: Tensor): void {
  if (isFloat(input.dtype) || isFloat(target.dtype)) return;
  const d = input.dtype === 'int64' || target.dtype === 'int64' ? 'int64' : 'bool';
  throw new Error(`"mse_cpu" not implemented for '${SCALAR_NAME[d]}'`);
}

/** torch.where's condition must be a bool tensor. */
export function whereCondition(cond: Tensor): void {
  if (cond.dtype !== 'bool') {
    throw new Error(`where expected condition to be a boolean tensor, but got a tensor with dtype ${SCALAR_NAME[cond.dtype]}`);
  }
}

/** index_select's index: an int64 vector (or 0-d). */
export function indexOperand(index: Tensor): void {
  if (index.dtype !== 'int64') throw new Error('index_select(): Expected dtype int32 or int64 for index');
  if (index.ndim > 1) throw new Error('index_select(): Index is supposed to be a vector');
}

/**
 * nll_loss over log-probabilities [N, C] with an int64 target [N], or [C] with a 0-d target,
 * in the order of PyTorch 1.13's nll_loss_nd and nll_loss checks.
 */
export function nllOperands(input: Tensor, target: Tensor, entry = 'nllLoss'): void {
  const xs = input._shape;
  const ts = target._shape;
  if (xs.length < 1) throw new ValueError(`Expected 1 or more dimensions (got ${xs.length})`);
  if (xs.length !== 1 && xs[0] !== (ts.length ? ts[0] : 0)) {
    throw new ValueError(`Expected input batch_size (${xs[0]}) to match target batch_size (${ts.length ? ts[0] : 0}).`);
  }
  if (xs.length > 2) throw new Error(`asgrad: ${entry} supports [N, C] or [C] inputs, got a ${xs.length}-D input`);
  if (ts.length > 1) throw new Error('0D or 1D target tensor expected, multi-target not supported');
  if (xs.length === 1 && ts.length !== 0) {
    throw new Error(
      ts[0] === xs[0]
        ? `asgrad: ${entry} of a [C] input takes a 0-d target`
        : `size mismatch (got input: ${fmtShape(xs)}, target: ${fmtShape(ts)})`,
    );
  }
  if (input.dtype !== 'float32' && input.dtype !== 'float64')
    throw new Error(`"nll_loss_out_frame" not implemented for '${SCALAR_NAME[input.dtype]}'`);
  if (target.dtype !== 'int64') throw new Error(`expected scalar type Long but found ${SCALAR_NAME[target.dtype]}`);
}

/** cross_entropy: class-index targets go through log_softmax then nll_loss's checks. */
export function crossEntropyOperands(input: Tensor, target: Tensor): void {
  const same = input.ndim === target.ndim && input._shape.every((d, i) => d === target._shape[i]);
  if (same) {
    // PyTorch reads a target of the input's shape as class probabilities.
    if (target.dtype !== 'float32' && target.dtype !== 'float64') {
      throw new Error(`Expected floating point type for target with class probabilities, got ${SCALAR_NAME[target.dtype]}`);
    }
    throw new Error('asgrad: crossEntropy with class-probability targets is not supported (give class indices, an int64 tensor)');
  }
  if (input.ndim > 0) softmaxInput(input, input.ndim === 1 ? 0 : 1, true);
  nllOperands(input, target, 'crossEntropy');
}

/** binary_cross_entropy_with_logits: same shapes, floating operands (PyTorch 1.13's texts). */
export function bceOperands(input: Tensor, target: Tensor): void {
  const xs = input._shape;
  const ts = target._shape;
  if (xs.length !== ts.length || xs.some((d, i) => d !== ts[i])) {
    throw new ValueError(`Target size (torch.Size(${fmtShape(ts)})) must be the same as input size (torch.Size(${fmtShape(xs)}))`);
  }
  if (input.dtype === 'bool') {
    throw new Error(
      'Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.',
    );
  }
  const bad = !isFloat(target.dtype) ? target.dtype : !isFloat(input.dtype) ? input.dtype : null;
  if (bad) throw new Error(`result type Float can't be cast to the desired output type ${SCALAR_NAME[bad]}`);
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
