// The Tensor handle: a typed, strided view of a Storage in WASM memory, plus its autograd state.
// Values are never computed here; ops live in ./ops and run in the WebAssembly core.
import { Storage, advanceGeneration, registerHandle, unregisterHandle } from './storage.js';
import type { Ticket } from './storage.js';
import { trackInScope, setTensorCheck } from './scope.js';
import { DType, ITEM_SIZE } from './dtype.js';
import { Size, contiguousStrides, isContiguous, numelOf, normDimNoScalar } from './shape.js';
import { Node, runBackward, AutogradError, EdgeTarget } from './autograd.js';
import { isGradEnabled, withGradMode } from './grad_mode.js';
import { memoryBuffer } from './core/wasm.js';
import { formatTensor } from './print.js';
import * as K from './ops/internal.js';
import * as O from './ops/table.js';
import type { Scalar, TensorLike } from './ops/table.js';

export type ReduceDims = number | readonly number[];
export interface ReduceOpts {
  dim?: ReduceDims;
  keepdim?: boolean;
}
export interface VarOpts extends ReduceOpts {
  unbiased?: boolean;
  correction?: number;
}
export interface BackwardOpts {
  retainGraph?: boolean;
  createGraph?: boolean;
}

// Where the runtime lacks explicit resource management, provide the symbol `using` looks up
// (TypeScript's downlevel helper reads Symbol.dispose), so `using t = ...` still releases.
if (typeof (Symbol as { dispose?: symbol }).dispose !== 'symbol') {
  Object.defineProperty(Symbol, 'dispose', { value: Symbol.for('Symbol.dispose') });
}

const REGISTER_MIN_BYTES = 4096;

export class Tensor {
  /** @internal */ _storage: Storage;
  /** @internal Never mutated (shared freely between handles). */ _shape: readonly number[];
  private _size: Size | null = null;
  /** @internal */ _strides: number[];
  /** @internal */ _offset: number;
  /** @internal The storage ticket this handle is counted under (stale after a spill). */
  private _ticket: Ticket;
  private _registered = false;
  readonly dtype: DType;
  private _requiresGrad = false;
  private _gradFn: Node | null = null;
  private _grad: Tensor | null = null;
  private _retainsGrad = false;
  /** The leaf a saved alias stands for, so gradients reach the user's tensor. */
  private _leafTarget: Tensor = this;
  private _disposed = false;
  /** @internal Set on `.grad` tensors and on tensors passed to torch.keep: scopes leave them alone. */
  _heldAsGrad = false;
  /** @internal */
  _kept = false;
  /** @internal The tensor whose storage this view shares (the root of a chain of views). */
  _base: Tensor | null = null;
  /** @internal Engine bookkeeping: references to this gradient in the current backward pass. */
  _flowUses = 0;
  /** @internal The backward pass `_flowUses` belongs to. */
  _flowPass = 0;
  /** @internal Whether user code has been given this tensor as some leaf's `.grad`. */
  _exposed = false;
  /** @internal For a saved alias: whether it is the output of the node that saved it. */
  _savedOutput = false;
  /** @internal For a saved alias: the user's tensor it was saved from (its current grad_fn names errors). */
  _origin: Tensor | null = null;

  /** @internal A new handle on `storage` (tracked by the current scope unless `internal`). */
  constructor(
    storage: Storage,
    shape: readonly number[],
    strides: readonly number[],
    offset: number,
    dtype: DType,
    internal = false,
  ) {
    this._storage = storage;
    this._shape = shape;
    this._strides = strides as number[];
    this._offset = offset;
    this.dtype = dtype;
    this._ticket = storage.attach();
    if (!internal) trackInScope(this);
  }

  /**
   * @internal Lets the collector release this handle's storage reference if it becomes garbage.
   * Only for storages large enough that this beats spilling them (registration has a cost per
   * handle; a small storage's spill is a copy of a few bytes).
   */
  _register(): void {
    if (this._registered || this._disposed || this._storage.bytes < REGISTER_MIN_BYTES) return;
    this._registered = true;
    registerHandle(this, this._ticket);
  }

  /** @internal A fresh contiguous tensor (uninitialised values). */
  static _empty(shape: readonly number[], dtype: DType): Tensor {
    return new Tensor(Storage.forElements(numelOf(shape), dtype), shape, contiguousStrides(shape), 0, dtype);
  }

  /** @internal A view sharing this tensor's storage. */
  _view(shape: readonly number[], strides: readonly number[], offset: number): Tensor {
    this._check('view');
    const v = new Tensor(this._storage, shape, strides, offset, this.dtype);
    v._base = this._base ?? this;
    return v;
  }

  // ---- metadata -------------------------------------------------------------------------------

  get shape(): Size {
    return (this._size ??= Size.from(this._shape));
  }
  get ndim(): number {
    return this._shape.length;
  }
  dim(): number {
    return this._shape.length;
  }
  numel(): number {
    return numelOf(this._shape);
  }
  size(): Size;
  size(dim: number): number;
  size(dim?: number): Size | number {
    if (dim === undefined) return this.shape;
    return this._shape[normDimNoScalar(dim, this.ndim)];
  }
  stride(): number[];
  stride(dim: number): number;
  stride(dim?: number): number[] | number {
    if (dim === undefined) return this._strides.slice();
    return this._strides[normDimNoScalar(dim, this.ndim)];
  }
  storageOffset(): number {
    return this._offset;
  }
  isContiguous(): boolean {
    return isContiguous(this._shape, this._strides);
  }
  /** The version counter that in-place ops bump (shared by views). */
  get _version(): number {
    return this._storage.version;
  }
  /** @internal Byte address of the first element. */
  _ptr(op = 'op'): number {
    this._check(op);
    const s = this._storage;
    const p = s.address();
    if (this._ticket !== s.ticket) {
      this._ticket = s.attach();
      if (this._registered) unregisterHandle(this);
      this._registered = false;
      this._register();
    }
    return p + this._offset * ITEM_SIZE[this.dtype];
  }
  /** @internal */
  _check(op: string): void {
    if (this._disposed) throw new DisposedError(`asgrad: ${op}: the tensor was disposed and cannot be used`);
  }

  // ---- autograd state -------------------------------------------------------------------------

  get requiresGrad(): boolean {
    return this._requiresGrad;
  }
  set requiresGrad(v: boolean) {
    this.requiresGrad_(v);
  }
  requiresGrad_(requiresGrad = true): this {
    if (this._gradFn !== null && !requiresGrad) {
      throw new AutogradError(
        "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().",
      );
    }
    if (requiresGrad && !(this.dtype === 'float32' || this.dtype === 'float64')) {
      throw new AutogradError('only Tensors of floating point and complex dtype can require gradients');
    }
    if (this._gradFn === null) this._requiresGrad = requiresGrad;
    return this;
  }
  get gradFn(): Node | null {
    return this._gradFn;
  }
  get isLeaf(): boolean {
    return this._gradFn === null;
  }
  get grad(): Tensor | null {
    const g = this._grad;
    if (g) g._exposed = true;
    return g;
  }
  /** Replacing `.grad` releases the old one at once if the user never saw it (else it may be held). */
  set grad(g: Tensor | null) {
    const old = this._grad;
    if (g) g._heldAsGrad = true;
    this._grad = g;
    if (old && old !== g && !old._exposed) old.dispose();
  }
  /** @internal `.grad` for the library's own use (does not count as handing it to the user). */
  _gradInternal(): Tensor | null {
    return this._grad;
  }
  get retainsGrad(): boolean {
    return this._retainsGrad;
  }
  retainGrad(): void {
    if (!this._requiresGrad) throw new AutogradError("can't retain_grad on Tensor that has requires_grad=False");
    if (this._gradFn === null || this._retainsGrad) return;
    this._retainsGrad = true;
    (this._gradFn.retained ??= []).push(this);
  }
  /** @internal */
  _setGradFn(n: Node): void {
    this._gradFn = n;
    this._requiresGrad = true;
  }
  /** @internal */
  _setGradInternal(g: Tensor): void {
    g._heldAsGrad = true;
    this._grad = g;
  }
  /** @internal Where gradients for this tensor go. */
  _edge(): EdgeTarget {
    if (this._gradFn) return this._gradFn;
    return this._requiresGrad ? this._leafTarget : null;
  }
  /** @internal The handle a graph node keeps: it holds the storage even if the user disposes this one. */
  _aliasForSave(): Tensor {
    const a = new Tensor(this._storage, this._shape, this._strides, this._offset, this.dtype, true);
    a._gradFn = this._gradFn;
    a._requiresGrad = this._requiresGrad;
    a._leafTarget = this._leafTarget;
    a._origin = this;
    return a;
  }
  /** @internal */
  _releaseSaved(): void {
    this.dispose();
  }
  /** @internal Whether this handle is the only one on its storage and covers it exactly. */
  _ownsStorage(): boolean {
    const s = this._storage;
    return (
      !this._disposed && s.refs === 1 && this._ticket === s.ticket && this._offset === 0 &&
      this.isContiguous() && this.numel() * ITEM_SIZE[this.dtype] === s.bytes && this._gradFn === null
    );
  }

  /** @internal A contiguous copy detached from the graph (what `.grad` holds). */
  _detachedCopy(): Tensor {
    return withGradMode(false, () => K.contiguousCopy(this));
  }

  backward(gradient?: TensorLike | null, opts: BackwardOpts = {}): void {
    this._check('backward');
    if (!this._requiresGrad) {
      throw new AutogradError('element 0 of tensors does not require grad and does not have a grad_fn');
    }
    let g: Tensor;
    if (gradient === undefined || gradient === null) {
      if (this.numel() !== 1) throw new AutogradError('grad can be implicitly created only for scalar outputs');
      g = K.full(this._shape, 1, this.dtype);
    } else {
      g = gradient instanceof Tensor ? gradient : O.tensor(gradient, { dtype: this.dtype });
      if (!g._shape.every((d, i) => d === this._shape[i]) || g.ndim !== this.ndim) {
        throw new AutogradError(
          `Mismatch in shape: grad_output[0] has a shape of ${g.shape} and output[0] has a shape of ${this.shape}.`,
        );
      }
    }
    // A generation boundary: what earlier steps dropped is spilled before this backward allocates
    // gradients (optimizer.step() ends a generation too).
    advanceGeneration();
    runBackward(this, g, opts.retainGraph ?? opts.createGraph ?? false, opts.createGraph ?? false);
    // Programs read the loss after backward and step (loss.item()): count that as a use now.
    this._storage.address();
  }

  detach(): Tensor {
    const d = this._view(this._shape, this._strides, this._offset);
    d._base = null;
    return d;
  }
  /** PyTorch's `.data`: the same storage, outside autograd (in-place updates are not recorded). */
  get data(): Tensor {
    return this.detach();
  }
  detach_(): this {
    this._gradFn = null;
    this._requiresGrad = false;
    return this;
  }

  // ---- lifetime -------------------------------------------------------------------------------

  /** Releases this handle's hold on its storage now; other views keep it alive. Idempotent. */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    if (this._registered) unregisterHandle(this);
    if (this._ticket === this._storage.ticket) this._storage.detach();
  }
  get isDisposed(): boolean {
    return this._disposed;
  }
  [Symbol.dispose](): void {
    this.dispose();
  }

  // ---- reading values -------------------------------------------------------------------------

  /** A copy of the values, row-major, as a typed array of the tensor's dtype. */
  toArray(): Float32Array | Float64Array | BigInt64Array | Uint8Array {
    this._check('toArray');
    const c = this.isContiguous() ? this : withGradMode(false, () => K.contiguousCopy(this));
    const n = this.numel();
    const buf = memoryBuffer();
    const p = c._ptr();
    let out: Float32Array | Float64Array | BigInt64Array | Uint8Array;
    switch (this.dtype) {
      case 'float32':
        out = new Float32Array(buf, p, n).slice();
        break;
      case 'float64':
        out = new Float64Array(buf, p, n).slice();
        break;
      case 'int64':
        out = new BigInt64Array(buf, p, n).slice();
        break;
      default:
        out = new Uint8Array(buf, p, n).slice();
    }
    if (c !== this) c.dispose();
    return out;
  }
  /** Values as plain JS numbers (booleans for bool), row-major. */
  dataSync(): number[] | boolean[] {
    const a = this.toArray();
    if (this.dtype === 'bool') return Array.from(a as Uint8Array, (v) => v !== 0);
    if (this.dtype === 'int64') return Array.from(a as BigInt64Array, (v) => Number(v));
    return Array.from(a as Float32Array);
  }
  /** Nested arrays like torch.Tensor.tolist(); a 0-d tensor gives its number. */
  tolist(): NestedList {
    const flat = this.dataSync();
    const shape = this._shape;
    let pos = 0;
    const build = (d: number): NestedList => {
      if (d === shape.length) return flat[pos++];
      const out: NestedList[] = [];
      for (let i = 0; i < shape[d]; i++) out.push(build(d + 1));
      return out;
    };
    return build(0);
  }
  item(): number {
    const n = this.numel();
    if (n !== 1) {
      throw new Error(`a Tensor with ${n} elements cannot be converted to Scalar`);
    }
    const v = this.dataSync()[0];
    return typeof v === 'boolean' ? (v ? 1 : 0) : v;
  }

  toString(): string {
    const suffixes: string[] = [];
    if (this._gradFn) suffixes.push(`grad_fn=${this._gradFn}`);
    else if (this._requiresGrad) suffixes.push('requires_grad=True');
    return formatTensor(this.dataSync(), this._shape, this.dtype, suffixes);
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ---- ops (defined once in ./ops/table.ts) ---------------------------------------------------

  add(other: TensorLike | Scalar, alpha?: number): Tensor { return O.add(this, other, alpha); }
  sub(other: TensorLike | Scalar, alpha?: number): Tensor { return O.sub(this, other, alpha); }
  mul(other: TensorLike | Scalar): Tensor { return O.mul(this, other); }
  div(other: TensorLike | Scalar): Tensor { return O.div(this, other); }
  pow(exponent: TensorLike | Scalar): Tensor { return O.pow(this, exponent); }
  maximum(other: TensorLike): Tensor { return O.maximum(this, other); }
  minimum(other: TensorLike): Tensor { return O.minimum(this, other); }
  neg(): Tensor { return O.neg(this); }
  exp(): Tensor { return O.exp(this); }
  log(): Tensor { return O.log(this); }
  sqrt(): Tensor { return O.sqrt(this); }
  abs(): Tensor { return O.abs(this); }
  sin(): Tensor { return O.sin(this); }
  cos(): Tensor { return O.cos(this); }
  tanh(): Tensor { return O.tanh(this); }
  sigmoid(): Tensor { return O.sigmoid(this); }
  relu(): Tensor { return O.relu(this); }
  square(): Tensor { return O.square(this); }
  reciprocal(): Tensor { return O.reciprocal(this); }
  sign(): Tensor { return O.sign(this); }
  clamp(min?: number | null | { min?: number | null; max?: number | null }, max?: number | null): Tensor {
    return O.clamp(this, min, max);
  }
  clip(min?: number | null, max?: number | null): Tensor { return O.clamp(this, min, max); }
  sum(dim?: ReduceDims | ReduceOpts, keepdim?: boolean): Tensor { return O.sum(this, dim, keepdim); }
  mean(dim?: ReduceDims | ReduceOpts, keepdim?: boolean): Tensor { return O.mean(this, dim, keepdim); }
  amax(dim?: ReduceDims | ReduceOpts, keepdim?: boolean): Tensor { return O.amax(this, dim, keepdim); }
  amin(dim?: ReduceDims | ReduceOpts, keepdim?: boolean): Tensor { return O.amin(this, dim, keepdim); }
  logsumexp(dim: ReduceDims | ReduceOpts, keepdim?: boolean): Tensor { return O.logsumexp(this, dim, keepdim); }
  var(dim?: ReduceDims | VarOpts | null, unbiased?: boolean | VarOpts, keepdim?: boolean): Tensor {
    return O.var_(this, dim, unbiased, keepdim);
  }
  std(dim?: ReduceDims | VarOpts | null, unbiased?: boolean | VarOpts, keepdim?: boolean): Tensor {
    return O.std(this, dim, unbiased, keepdim);
  }
  matmul(other: Tensor): Tensor { return O.matmul(this, other); }
  mm(other: Tensor): Tensor { return O.mm(this, other); }
  dot(other: Tensor): Tensor { return O.dot(this, other); }
  transpose(dim0: number, dim1: number): Tensor { return O.transpose(this, dim0, dim1); }
  t(): Tensor { return O.t(this); }
  get T(): Tensor { return O.permute(this, this._shape.map((_, i) => this.ndim - 1 - i)); }
  reshape(...shape: (number | readonly number[])[]): Tensor { return O.reshape(this, flatArgs(shape)); }
  view(...shape: (number | readonly number[])[]): Tensor { return O.view(this, flatArgs(shape)); }
  flatten(startDim = 0, endDim = -1): Tensor { return O.flatten(this, startDim, endDim); }
  squeeze(dim?: number): Tensor { return O.squeeze(this, dim); }
  unsqueeze(dim: number): Tensor { return O.unsqueeze(this, dim); }
  expand(...shape: (number | readonly number[])[]): Tensor { return O.expand(this, flatArgs(shape)); }
  expandAs(other: Tensor): Tensor { return O.expand(this, other.shape); }
  permute(...dims: (number | readonly number[])[]): Tensor { return O.permute(this, flatArgs(dims)); }
  narrow(dim: number, start: number, length: number): Tensor { return O.narrow(this, dim, start, length); }
  select(dim: number, index: number): Tensor { return O.select(this, dim, index); }
  indexSelect(dim: number, index: Tensor): Tensor { return O.indexSelect(this, dim, index); }
  softmax(dim: number): Tensor { return O.softmax(this, dim); }
  logSoftmax(dim: number): Tensor { return O.logSoftmax(this, dim); }
  contiguous(): Tensor { return this.isContiguous() ? this : O.contiguous(this); }
  clone(): Tensor { return O.clone(this); }
  to(dtype: DType): Tensor { return dtype === this.dtype ? this : O.toDtype(this, dtype); }
  float(): Tensor { return this.to('float32'); }
  double(): Tensor { return this.to('float64'); }
  long(): Tensor { return this.to('int64'); }
  bool(): Tensor { return this.to('bool'); }
  gt(other: TensorLike | Scalar): Tensor { return O.compare('gt', this, other); }
  lt(other: TensorLike | Scalar): Tensor { return O.compare('lt', this, other); }
  ge(other: TensorLike | Scalar): Tensor { return O.compare('ge', this, other); }
  le(other: TensorLike | Scalar): Tensor { return O.compare('le', this, other); }
  eq(other: TensorLike | Scalar): Tensor { return O.compare('eq', this, other); }
  ne(other: TensorLike | Scalar): Tensor { return O.compare('ne', this, other); }
  where(condition: Tensor, other: TensorLike | Scalar): Tensor { return O.where(condition, this, other); }

  // in place
  add_(other: TensorLike | Scalar, alpha?: number): this { return O.inplace(this, 'add', other, alpha); }
  sub_(other: TensorLike | Scalar, alpha?: number): this { return O.inplace(this, 'sub', other, alpha); }
  mul_(other: TensorLike | Scalar): this { return O.inplace(this, 'mul', other); }
  div_(other: TensorLike | Scalar): this { return O.inplace(this, 'div', other); }
  zero_(): this { return O.fill_(this, 0); }
  fill_(value: number): this { return O.fill_(this, value); }
  copy_(src: TensorLike): this { return O.copy_(this, src); }
}

export type NestedList = number | boolean | NestedList[];

export class DisposedError extends Error {
  override name = 'DisposedError';
}

function flatArgs(a: (number | readonly number[])[]): number[] {
  if (a.length === 1 && Array.isArray(a[0])) return (a[0] as readonly number[]).slice();
  return a as number[];
}

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}
setTensorCheck(isTensor);

export { isGradEnabled };
