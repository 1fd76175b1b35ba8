// The lazy elementwise graph: elementwise kernels on large float tensors (ops/kernels/elementwise.ts
// asks `fuseBinary` / `fuseUnary` first) return tensors whose storage is *pending*: it has no block
// yet, only a small expression over its sources (contiguous tensors read as they are, one-element
// operands as constants). Chains build up expressions; a sum or mean of a pending tensor runs the
// whole chain with the reduction at its end (`fuseReduce`) and writes nothing else. A pending storage
// is computed (assembly/fuse.ts, one pass over tiles) the first time anything asks for its address:
// a read of its values, a non-elementwise op, an in-place op, a print, backward's leaf gradients.
//
// Eager semantics stay: the op's checks, its node, the result's shape, strides and dtype, version
// counters and saved tensors are all made at the call as before; only the values come later. They
// are the same bits: each op of the program is the unfused kernel's own operation applied to the
// same elements in the same way (see assembly/fuse.ts).
//
// Sources must not change while something pending reads them: a storage read by pending ones keeps
// them in `fuseReaders`, and before its address is handed out for anything (an in-place write goes
// through it) or its last handle goes, those are computed first. A pending value read by another
// pending expression is recomputed inside it rather than stored (cheap ops, no memory pass), so a
// pending tensor that nobody reads (an intermediate of the forward, a value saved for backward that
// the backward expression recomputes) is never written at all.
import { rt } from '../runtime.js';
import { Storage } from '../storage.js';
import { Tensor } from '../tensor.js';
import { type DType, ITEM_SIZE } from '../dtype.js';
import { kernel, memoryBuffer } from '../core/wasm.js';
import { contiguousStrides, numelOf, sameShape, type Shape } from '../shape.js';

// Opcodes of assembly/fuse.ts.
const OP_LOAD = 0;
const OP_CONST = 1;
const OP_STORE = 2;
const BINARY: Readonly<Record<string, number>> = { add: 3, sub: 4, mul: 5, div: 6, maximum: 7, minimum: 8 };
const UNARY: Readonly<Record<string, number>> = { neg: 9, abs: 10, sqrt: 11, relu: 12 };
const MUL = 5;
/** Largest expression kept pending (a longer chain computes its operands first: bounded recomputation). */
const MAX_NODES = 48;
/** The program area holds 4-word instructions after one count word, constants from byte 2048 (assembly/fuse.ts). */
const CONST_AT = 2048;

type FloatDtype = 'float32' | 'float64';

interface FNode {
  readonly op: number;
  readonly a: FNode | null;
  readonly b: FNode | null;
  /** LOAD: the source storage (retargeted to a snapshot when the source is about to change) and the element offset of the first element. */
  src: Storage | null;
  readonly offset: number;
  /** CONST: the value (exactly representable in the dtype). */
  readonly value: number;
  /** Nodes below and including this one (counted along every path: an upper bound). */
  readonly size: number;
  /** The source storages the expression reads (arrays shared along a chain; retargeted with `src`). */
  readonly deps: Storage[];
}

/** What a pending storage holds in `fusePending`. */
interface Pending {
  readonly node: FNode;
  readonly dtype: FloatDtype;
  readonly n: number;
}

function leaf(op: number, src: Storage | null, offset: number, value: number): FNode {
  return { op, a: null, b: null, src, offset, value, size: 1, deps: src ? [src] : [] };
}

function inner(op: number, a: FNode, b: FNode | null): FNode {
  let deps = a.deps;
  if (b && b.deps !== deps) {
    const extra = b.deps.filter((s) => !deps.includes(s));
    if (extra.length) deps = [...deps, ...extra];
  }
  return { op, a, b, src: null, offset: 0, value: 0, size: a.size + (b && b !== a ? b.size : 0) + 1, deps };
}

function pendingOf(s: Storage): Pending | null {
  return s.fusePending as Pending | null;
}

/** The value of element `offset` of a one-element-backed operand, read now (as the eager kernel would). */
function constNode(t: Tensor, dtype: FloatDtype): FNode {
  const p = t._ptr('fuse');
  const v = dtype === 'float32' ? new Float32Array(memoryBuffer(), p, 1)[0] : new Float64Array(memoryBuffer(), p, 1)[0];
  return leaf(OP_CONST, null, 0, v);
}

/** An operand of an n-element result: a node, or null when this layout is not fused. */
function operandNode(t: Tensor, n: number, dtype: FloatDtype): FNode | null {
  if (t.dtype !== dtype || t.isDisposed) return null;
  if (t.numel() === 1 || (t.numel() > 0 && t._strides.every((s) => s === 0))) return constNode(t, dtype);
  if (t.numel() !== n || !t.isContiguous()) return null;
  const s = t._storage;
  const p = pendingOf(s);
  if (p !== null) return t._offset === 0 && p.n === n ? p.node : null;
  return leaf(OP_LOAD, s, t._offset, 0);
}

function floatDtype(d: DType): FloatDtype | null {
  return d === 'float32' || d === 'float64' ? d : null;
}

/** A pending tensor of `shape` computing `node`. */
function pendingTensor(node: FNode, shape: Shape, dtype: FloatDtype, n: number): Tensor {
  const s = new Storage(n * ITEM_SIZE[dtype], true);
  const p: Pending = { node, dtype, n };
  s.fusePending = p;
  for (const d of node.deps) {
    if (d.fuseReaders === null) d.fuseReaders = new Set();
    d.fuseReaders.add(s);
  }
  return new Tensor(s, shape, contiguousStrides(shape), 0, dtype);
}

/**
 * `name(a, b)` as a pending tensor, or null when it is not fused (the caller runs the kernel): a
 * float op of the interpreter on operands of one dtype that are contiguous of the result's shape or
 * one element, and a result of at least rt.fuse.minElements elements.
 */
export function fuseBinary(name: string, a: Tensor, b: Tensor, outDtype: DType): Tensor | null {
  const op = BINARY[name];
  const min = rt.fuse.minElements;
  if (op === undefined || min <= 0) return null;
  const dtype = floatDtype(outDtype);
  if (dtype === null || a.dtype !== dtype || b.dtype !== dtype) return null;
  let shape: Shape;
  if (sameShape(a._shape, b._shape)) shape = a._shape;
  else if (a.numel() === 1 && a._shape.length <= b._shape.length) shape = b._shape;
  else if (b.numel() === 1 && b._shape.length <= a._shape.length) shape = a._shape;
  else return null;
  const n = numelOf(shape);
  if (n < min || n < 2) return null;
  const na = operandNode(a, n, dtype);
  if (na === null) return null;
  const nb = b === a ? na : operandNode(b, n, dtype);
  if (nb === null) return null;
  const node = inner(op, na, nb);
  if (node.size > MAX_NODES) return null;
  return pendingTensor(node, shape, dtype, n);
}

/** A parameterless unary kernel (or square / scale, which are products) as a pending tensor, or null. */
export function fuseUnary(name: string, x: Tensor, params: readonly number[]): Tensor | null {
  const min = rt.fuse.minElements;
  if (min <= 0) return null;
  const dtype = floatDtype(x.dtype);
  const n = x.numel();
  if (dtype === null || n < min || n < 2 || !x.isContiguous()) return null;
  const op = UNARY[name];
  if (op === undefined && name !== 'square' && name !== 'scale') return null;
  const nx = operandNode(x, n, dtype);
  if (nx === null || nx.op === OP_CONST) return null;
  let node: FNode;
  if (op !== undefined) node = inner(op, nx, null);
  else if (name === 'square') node = inner(MUL, nx, nx);
  // scale_T's parameter becomes T inside the kernel, as a constant of the program does.
  else node = inner(MUL, nx, leaf(OP_CONST, null, 0, params[0]));
  if (node.size > MAX_NODES) return null;
  return pendingTensor(node, x._shape, dtype, n);
}

/** sum / mean over everything of a pending contiguous tensor, computed with its expression; or null. */
export function fuseReduce(kind: string, x: Tensor, dims: readonly number[], keepdim: boolean): Tensor | null {
  if (kind !== 'sum' && kind !== 'mean') return null;
  const p = pendingOf(x._storage);
  if (p === null || x._offset !== 0 || x.numel() !== p.n || !x.isContiguous()) return null;
  if (dims.length !== 0 && dims.length !== x.ndim) return null;
  const shape = keepdim ? x._shape.map(() => 1) : [];
  const out = Tensor._empty(shape, p.dtype);
  run(p, null, p.node, kind === 'mean', out._ptr(kind));
  return out;
}

/**
 * Writes the program computing `p` (stored into `dest`, and/or summed from `red`) and runs
 * it. Every pointer is fetched after the last allocation (dest's block), as kernel calls do.
 */
function run(p: Pending, dest: Storage | null, red: FNode | null, mean: boolean, out: number): void {
  const regs = new Map<FNode, number>();
  const loads = new Map<Storage, Map<number, number>>();
  const words: number[] = [];
  const consts: number[] = [];
  const size = ITEM_SIZE[p.dtype];
  const visit = (node: FNode): number => {
    const known = regs.get(node);
    if (known !== undefined) return known;
    let r: number;
    if (node.op === OP_LOAD) {
      const src = node.src as Storage;
      let byOffset = loads.get(src);
      if (byOffset === undefined) {
        byOffset = new Map<number, number>();
        loads.set(src, byOffset);
      }
      const same = byOffset.get(node.offset);
      if (same !== undefined) r = same;
      else {
        r = regs.size;
        byOffset.set(node.offset, r);
        words.push(OP_LOAD, r, src.rawAddress() + node.offset * size, 0);
      }
    } else if (node.op === OP_CONST) {
      r = regs.size;
      words.push(OP_CONST, r, consts.length, 0);
      consts.push(node.value);
    } else {
      const a = visit(node.a as FNode);
      const b = node.b === null ? 0 : visit(node.b);
      r = regs.size;
      words.push(node.op, r, a, b);
    }
    regs.set(node, r);
    return r;
  };
  const top = visit(p.node);
  if (dest !== null) words.push(OP_STORE, 0, top, dest.rawAddress());
  // Its own program area, not META: this may run while a kernel call that filled META fetches its
  // operands' pointers.
  const at = kernel('fuse_program_ptr')();
  const buf = memoryBuffer();
  const prog = new Int32Array(buf, at, 1 + words.length);
  prog[0] = words.length / 4;
  prog.set(words, 1);
  new Float64Array(buf, at + CONST_AT, consts.length).set(consts);
  const f = kernel(p.dtype === 'float32' ? 'fuse_f32' : 'fuse_f64');
  const code = f(p.n, regs.size, red === null ? -1 : top, mean ? 1 : 0, out);
  if (code !== 0) throw new Error(`asgrad: fused elementwise kernel failed (${code === 1 ? 'no memory for its tiles' : 'bad program'})`);
}

/** Stops `s` being pending: its sources no longer wait for it. */
function settle(s: Storage, p: Pending): void {
  s.fusePending = null;
  for (const d of p.node.deps) {
    const r = d.fuseReaders;
    if (r === null) continue;
    r.delete(s);
    if (r.size === 0) {
      d.fuseReaders = null;
      d.freeHeld();
    }
  }
}

/** Computes a pending storage into its (new) block. */
function materialise(s: Storage): void {
  const p = pendingOf(s);
  if (p === null) return;
  s.allocateDeferred();
  run(p, s, null, false, 0);
  // After the kernel: settling may free a held source (a snapshot) this program has just read.
  settle(s, p);
}

/** Before `s`'s address is handed out: what reads it reads a copy from now on; then s is computed. */
function flush(s: Storage): void {
  if (s.fuseReaders !== null) snapshot(s);
  materialise(s);
}

/**
 * Whoever asks for an address may write through it, and the pending storages reading `s` may be
 * garbage nobody will ever read (a synchronous loop cannot tell: finalizers wait for the event
 * loop). Computing them all would cost what the eager path did and hold their blocks; instead they
 * move to a copy of s's bytes, one pass whatever their number, freed when the last one settles.
 */
function snapshot(s: Storage): void {
  const readers = s.fuseReaders as Set<Storage>;
  const copy = new Storage(s.bytes, true, true);
  copy.allocateDeferred();
  const from = s.rawAddress();
  const to = copy.rawAddress();
  new Uint8Array(memoryBuffer()).copyWithin(to, from, from + s.bytes);
  retarget(readers, s, copy);
  copy.fuseReaders = readers;
  s.fuseReaders = null;
}

/** Points every LOAD of `from` in the readers' expressions, and their dependency lists, at `to`. */
function retarget(readers: Set<Storage>, from: Storage, to: Storage): void {
  const seen = new Set<FNode>();
  const walk = (node: FNode): void => {
    if (seen.has(node)) return;
    seen.add(node);
    if (node.src === from) node.src = to;
    const i = node.deps.indexOf(from);
    if (i >= 0) node.deps[i] = to;
    if (node.a) walk(node.a);
    if (node.b) walk(node.b);
  };
  for (const r of readers) walk((pendingOf(r) as Pending).node);
}

/** `s` lost its last handle: what reads it keeps its block (held until they settle); its own program is dropped. */
function drop(s: Storage): void {
  if (s.fuseReaders !== null) s.fuseHeld = true;
  const p = pendingOf(s);
  if (p !== null) settle(s, p);
}

rt.fuse.flush = flush;
rt.fuse.drop = drop;

/** Elementwise fusion for results of at least `n` elements (0: off); returns the previous setting. Tests use it (not part of the public API). */
export function setFusionMinElements(n: number): number {
  const prev = rt.fuse.minElements;
  rt.fuse.minElements = n;
  return prev;
}
