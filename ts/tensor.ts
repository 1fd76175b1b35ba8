// The Tensor handle: a typed, strided view of a Storage in WASM memory, plus its autograd state.
// Values are never computed here. Its ops are methods the registry installs (./ops/index.ts).
import { Storage, registerHandle, unregisterHandle } from './storage.js';
import { trackInScope, setTensorCheck } from './scope.js';
import { type DType, ITEM_SIZE } from './dtype.js';
import { Size, checkViewBounds, contiguousStrides, isContiguous, numelOf, normDimNoScalar } from './shape.js';
import {
  type AccumulateGrad,
  type Node,
  AutogradError,
  type EdgeTarget,
  type RemovableHandle,
  addHook,
  type HookTable,
  type TensorHook,
} from './autograd.js';
import { isGradEnabled, withGradMode } from './grad_mode.js';
import { late } from './late.js';
import { TENSOR } from './brand.js';
import * as V from './validate.js';
import * as values from './values.js';
import { DISPOSE, TENSOR_BRAND, rt, type CopyInfo } from './runtime.js';

/** Keyword arguments of `Tensor.backward`: PyTorch's `retain_graph`, `create_graph` (camelCase). */
export interface BackwardOpts {
  /** Keep the graph's saved tensors for another backward (PyTorch's `retain_graph`). */
  retainGraph?: boolean;
  /** Record the backward pass itself, for higher-order derivatives (PyTorch's `create_graph`). */
  createGraph?: boolean;
}

const REGISTER_MIN_BYTES = 4096;

const STRIDES_0: readonly number[] = Object.freeze([]);
const STRIDES_1: readonly number[] = Object.freeze([1]);

/** A handle's rarely used state (Tensor._x). */
interface TensorExtra {
  /** The `shape` getter's torch.Size, made at first use. */
  size: Size | null;
  accumulateGrad: AccumulateGrad | null;
  hooks: HookTable | null;
}
const F_REGISTERED = 1;
const F_REQUIRES_GRAD = 2;
const F_RETAINS_GRAD = 4;
const F_DISPOSED = 8;
const F_HELD_AS_GRAD = 16;
const F_KEPT = 32;
const F_NO_GRAD_VIEW = 64;
const F_MULTI_VIEW = 128;
const F_EXPOSED = 256;
const F_SAVED_OUTPUT = 512;
/** Whether F_CONTIGUOUS has been computed for the current geometry, and its value. */
const F_CONTIG_KNOWN = 1024;
const F_CONTIGUOUS = 2048;

/** PyTorch's `torch.Tensor`: a strided view of a storage in the WebAssembly core, with autograd. Made by the factories (`torch.tensor`, `torch.zeros`...); the op methods (`x.add(y)`, `x.sum()`...) come from the op registry (see TensorMethods). Free its memory with `dispose()` or `torch.scope`. */
export class Tensor {
  /** @internal */ _storage: Storage;
  /** @internal Never mutated (shared freely between handles). */ _shape: readonly number[];
  /** @internal */ _strides: number[];
  /** @internal */ _offset: number;
  /** @internal The storage ticket this handle is counted under (stale after a spill). */
  private _ticket: number;
  /** The element type (PyTorch's `Tensor.dtype`, a string here: `'float32'`...). */
  readonly dtype: DType;
  private _gradFn: Node | null = null;
  private _grad: Tensor | null = null;
  /**
   * @internal For a view made by a view op (view, reshape, transpose, select, expand...): the tensor
   * it views, always the root of a chain of views (PyTorch's `_base`). Null for other tensors,
   * including `detach()` results and the library's own reinterpretations of a result.
   */
  _base: Tensor | null = null;
  /** @internal For a view: the version its grad_fn was made at; on a mismatch it is remade (AsStridedBackward0). */
  _attrVersion = 0;
  /** @internal Engine bookkeeping: references to this gradient in the current backward pass. */
  _flowUses = 0;
  /** @internal The backward pass `_flowUses` belongs to. */
  _flowPass = 0;
  /** @internal For a saved alias: the user's tensor it was saved from (its current grad_fn names errors). */
  _origin: Tensor | null = null;
  /** @internal Which output of its grad_fn this tensor is (non-zero only for nodes with several outputs). */
  _outputNr = 0;
  /**
   * The boolean state, one bit each (F_* below). A handle is made per op result, so its size is
   * what the collector pays for most: rarely used state is in `_x`, made when first needed.
   */
  private _flags = 0;
  private _x: TensorExtra | null = null;

  private _flag(bit: number): boolean {
    return (this._flags & bit) !== 0;
  }
  private _setFlag(bit: number, on: boolean): void {
    this._flags = on ? this._flags | bit : this._flags & ~bit;
  }
  private _extra(): TensorExtra {
    this._x ??= { size: null, accumulateGrad: null, hooks: null };
    return this._x;
  }
  private get _registered(): boolean {
    return (this._flags & F_REGISTERED) !== 0;
  }
  private set _registered(v: boolean) {
    this._setFlag(F_REGISTERED, v);
  }
  private get _requiresGrad(): boolean {
    return (this._flags & F_REQUIRES_GRAD) !== 0;
  }
  private set _requiresGrad(v: boolean) {
    this._setFlag(F_REQUIRES_GRAD, v);
  }
  private get _retainsGrad(): boolean {
    return this._flag(F_RETAINS_GRAD);
  }
  private set _retainsGrad(v: boolean) {
    this._setFlag(F_RETAINS_GRAD, v);
  }
  private get _disposed(): boolean {
    return (this._flags & F_DISPOSED) !== 0;
  }
  private set _disposed(v: boolean) {
    this._setFlag(F_DISPOSED, v);
  }
  /** @internal Set on `.grad` tensors and on tensors passed to torch.keep: scopes leave them alone. */
  get _heldAsGrad(): boolean {
    return (this._flags & F_HELD_AS_GRAD) !== 0;
  }
  /** @internal */
  set _heldAsGrad(v: boolean) {
    this._setFlag(F_HELD_AS_GRAD, v);
  }
  /** @internal */
  get _kept(): boolean {
    return (this._flags & F_KEPT) !== 0;
  }
  /** @internal */
  set _kept(v: boolean) {
    this._setFlag(F_KEPT, v);
  }
  /** @internal A view made (or derived from one made) in no-grad mode: PyTorch forbids rebasing it. */
  get _noGradView(): boolean {
    return this._flag(F_NO_GRAD_VIEW);
  }
  /** @internal */
  set _noGradView(v: boolean) {
    this._setFlag(F_NO_GRAD_VIEW, v);
  }
  /**
   * @internal An output (or a view of one) of an op returning several views (unbind, split, chunk)
   * made in grad mode: PyTorch's MULTI_OUTPUT_NODE views, which refuse in-place modification.
   */
  get _multiView(): boolean {
    return this._flag(F_MULTI_VIEW);
  }
  /** @internal */
  set _multiView(v: boolean) {
    this._setFlag(F_MULTI_VIEW, v);
  }
  /** @internal Whether user code has been given this tensor as some leaf's `.grad`. */
  get _exposed(): boolean {
    return this._flag(F_EXPOSED);
  }
  /** @internal */
  set _exposed(v: boolean) {
    this._setFlag(F_EXPOSED, v);
  }
  /** @internal For a saved alias: whether it is the output of the node that saved it. */
  get _savedOutput(): boolean {
    return this._flag(F_SAVED_OUTPUT);
  }
  /** @internal */
  set _savedOutput(v: boolean) {
    this._setFlag(F_SAVED_OUTPUT, v);
  }
  /** The leaf a saved alias stands for (that of the tensor it was saved from), so gradients reach the user's tensor. */
  private get _leafTarget(): Tensor {
    return this._origin === null ? this : this._origin._leafTarget;
  }
  /** @internal The AccumulateGrad node `nextFunctions` shows for this leaf (one per leaf, as PyTorch's). */
  get _accumulateGrad(): AccumulateGrad | null {
    return this._x === null ? null : this._x.accumulateGrad;
  }
  /** @internal */
  set _accumulateGrad(n: AccumulateGrad | null) {
    this._extra().accumulateGrad = n;
  }
  /** @internal The hooks of a leaf (a non-leaf's live on its grad_fn). */
  get _hooks(): HookTable | null {
    return this._x === null ? null : this._x.hooks;
  }
  /** @internal */
  set _hooks(h: HookTable | null) {
    this._extra().hooks = h;
  }

  /** @internal The brand validation checks (../brand.ts): on the prototype, not on each handle. */
  get [TENSOR](): true {
    return true;
  }

  /** @internal A new handle on `storage` (tracked by the current scope unless `internal`). */
  constructor(storage: Storage, shape: readonly number[], strides: readonly number[], offset: number, dtype: DType, internal = false) {
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
    // Counted under an older ticket (before a recount): not counted, nothing to release.
    if (this._ticket !== this._storage.ticket) return;
    this._registered = true;
    registerHandle(this, this._storage);
  }

  /** @internal A fresh contiguous tensor (uninitialised values). */
  static _empty(shape: readonly number[], dtype: DType): Tensor {
    const n = shape.length;
    // Strides are never written in place, so the common ranks share theirs (frozen, to be sure).
    const strides = n === 1 ? STRIDES_1 : n === 0 ? STRIDES_0 : contiguousStrides(shape);
    const t = new Tensor(Storage.forElements(numelOf(shape), dtype), shape, strides, 0, dtype);
    t._flags |= F_CONTIG_KNOWN | F_CONTIGUOUS;
    return t;
  }

  /** @internal A handle on this tensor's storage with another geometry (not, by itself, an autograd view). */
  _view(shape: readonly number[], strides: readonly number[], offset: number): Tensor {
    this._check('view');
    checkViewBounds(shape, strides, offset, this._storage.bytes / ITEM_SIZE[this.dtype]);
    return new Tensor(this._storage, shape, strides, offset, this.dtype);
  }

  /**
   * @internal Makes this handle (made by `_view` of `src`) a view of `src` as PyTorch's view ops do:
   * its base is src's base (or src), it is marked when made in no-grad mode (a mark its own views
   * inherit), and its grad_fn belongs to the current version.
   */
  _markView(src: Tensor): this {
    this._base = src._base ?? src;
    this._noGradView = (src._base !== null && src._noGradView) || !isGradEnabled();
    this._multiView = src._base !== null && src._multiView && isGradEnabled();
    this._attrVersion = this._storage.version;
    return this;
  }

  // ---- metadata -------------------------------------------------------------------------------

  /** The sizes, as a `torch.Size` (PyTorch's `Tensor.shape`). */
  get shape(): Size {
    const x = this._extra();
    x.size ??= Size.from(this._shape);
    return x.size;
  }
  /** The number of dimensions (PyTorch's `Tensor.ndim`). */
  get ndim(): number {
    return this._shape.length;
  }
  /** The number of dimensions (PyTorch's `Tensor.dim()`). */
  dim(): number {
    return this._shape.length;
  }
  /** The number of elements (PyTorch's `Tensor.numel()`). */
  numel(): number {
    return numelOf(this._shape);
  }
  /** The sizes as a `torch.Size`, or the size of one dimension (PyTorch's `Tensor.size(dim=None)`). */
  size(): Size;
  size(dim: number): number;
  size(dim?: number): Size | number {
    if (dim === undefined) return this.shape;
    V.int(dim, 'size', 'dim', 1);
    return this._shape[normDimNoScalar(dim, this.ndim)];
  }
  /** The strides in elements, or the stride of one dimension (PyTorch's `Tensor.stride(dim=None)`). */
  stride(): number[];
  stride(dim: number): number;
  stride(dim?: number): number[] | number {
    if (dim === undefined) return this._strides.slice();
    V.int(dim, 'stride', 'dim', 1);
    return this._strides[normDimNoScalar(dim, this.ndim)];
  }
  /** The offset of the first element in the storage, in elements (PyTorch's `Tensor.storage_offset()`). */
  storageOffset(): number {
    return this._offset;
  }
  /** Whether the elements are in row-major order without gaps (PyTorch's `Tensor.is_contiguous()`). */
  isContiguous(): boolean {
    // Cached: the geometry only changes in _setData, which forgets it. Ops ask several times per call.
    const f = this._flags;
    if ((f & F_CONTIG_KNOWN) !== 0) return (f & F_CONTIGUOUS) !== 0;
    const c = isContiguous(this._shape, this._strides);
    this._flags = f | F_CONTIG_KNOWN | (c ? F_CONTIGUOUS : 0);
    return c;
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

  /** As PyTorch: a leaf's flag, or having a grad_fn, or (a view) its base requiring grad. */
  get requiresGrad(): boolean {
    return this._requiresGrad || this._gradFn !== null || this._base?.requiresGrad === true;
  }
  set requiresGrad(v: boolean) {
    V.bool(v, 'requiresGrad', 'requires_grad');
    // PyTorch 1.13's attribute setter and requires_grad_() word the dtype error differently.
    this._setRequiresGrad(v, 'only Tensors of floating point and complex dtype can require gradients');
  }
  /** Sets `requiresGrad` in place and returns the tensor (PyTorch's `Tensor.requires_grad_()`); only leaves can stop requiring grad. */
  requiresGrad_(requiresGrad = true): this {
    V.bool(requiresGrad, 'requiresGrad_', 'requires_grad', 1);
    return this._setRequiresGrad(requiresGrad, 'only Tensors of floating point dtype can require gradients');
  }
  private _setRequiresGrad(requiresGrad: boolean, dtypeMessage: string): this {
    if (!this.isLeaf && !requiresGrad) {
      throw new AutogradError(
        "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().",
      );
    }
    if (requiresGrad && !(this.dtype === 'float32' || this.dtype === 'float64')) {
      throw new AutogradError(dtypeMessage);
    }
    if (this.isLeaf) this._requiresGrad = requiresGrad;
    return this;
  }
  /**
   * The node that made this tensor. A view whose storage was modified in place since its grad_fn
   * was set (through itself, its base or another view) gets a new one at first access, as in
   * PyTorch: AsStridedBackward0 from its base's current history.
   */
  get gradFn(): Node | null {
    const base = this._base;
    if (base === null || (this._gradFn === null && !base.requiresGrad)) return this._gradFn;
    if (this._attrVersion !== this._storage.version) late.regenerateViewGradFn(this, base);
    return this._gradFn;
  }
  /** Whether the tensor is a leaf of the graph: made by the user, or not requiring grad (PyTorch's `Tensor.is_leaf`). */
  get isLeaf(): boolean {
    return this.gradFn === null;
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
  /** Whether this non-leaf keeps its `.grad` after backward (PyTorch's `Tensor.retains_grad`). */
  get retainsGrad(): boolean {
    return this._retainsGrad;
  }
  /**
   * Registers a hook that sees this tensor's gradient in backward and may return a replacement
   * (PyTorch's register_hook); `remove()` on the handle unregisters it.
   */
  registerHook(hook: TensorHook): RemovableHandle {
    V.callback(hook, 'register_hook');
    this._check('register_hook');
    if (!this.requiresGrad) throw new AutogradError("cannot register a hook on a tensor that doesn't require gradient");
    const fn = this.gradFn;
    let table: HookTable;
    if (fn) {
      fn.preHooks ??= new Map();
      table = fn.preHooks.get(this._outputNr) ?? new Map();
      fn.preHooks.set(this._outputNr, table);
    } else {
      const leaf = this._leafTarget;
      leaf._hooks ??= new Map();
      table = leaf._hooks;
    }
    return addHook(table, hook);
  }
  /** Makes a non-leaf keep its `.grad` after backward (PyTorch's `Tensor.retain_grad()`). */
  retainGrad(): void {
    if (!this.requiresGrad) throw new AutogradError("can't retain_grad on Tensor that has requires_grad=False");
    const fn = this.gradFn;
    if (fn === null || this._retainsGrad) return;
    this._retainsGrad = true;
    fn.retained ??= [];
    fn.retained.push(this);
  }
  /** @internal Sets the node that made this tensor (for a view: at the current version) and which of its outputs it is. */
  _setGradFn(n: Node, outputNr = 0): void {
    const old = this._gradFn;
    this._gradFn = n;
    this._outputNr = outputNr;
    this._requiresGrad = true;
    this._attrVersion = this._storage.version;
    // A retained grad follows the tensor to its new node (PyTorch moves the retain hook).
    if (this._retainsGrad && old !== null && old !== n) {
      if (old.retained) old.retained = old.retained.filter((t) => t !== this);
      n.retained ??= [];
      n.retained.push(this);
    }
  }
  /** @internal */
  _setGradInternal(g: Tensor): void {
    g._heldAsGrad = true;
    this._grad = g;
  }
  /** @internal Where gradients for this tensor go. */
  _edge(): EdgeTarget {
    const fn = this.gradFn;
    if (fn) return fn;
    return this._requiresGrad ? this._leafTarget : null;
  }
  /** @internal The handle a graph node keeps: it holds the storage even if the user disposes this one. */
  _aliasForSave(): Tensor {
    this._storage.markSaved();
    const a = new Tensor(this._storage, this._shape, this._strides, this._offset, this.dtype, true);
    return a._adoptIdentity(this);
  }
  /**
   * @internal Gives this handle `src`'s place in the graph (its grad_fn, or its leaf), so an op on
   * this handle is recorded as an op on src: for saved aliases and for the copy of a tensor's old
   * value that an in-place op computes from.
   */
  _adoptIdentity(src: Tensor): this {
    this._gradFn = src.gradFn;
    this._outputNr = src._outputNr;
    this._requiresGrad = src._requiresGrad;
    this._origin = src;
    return this;
  }
  /** @internal The grad_fn as set, without remaking a stale view's. */
  _rawGradFn(): Node | null {
    return this._gradFn;
  }
  /** @internal A leaf that requires grad (by its own flag): what scopes must not release. */
  _isGradLeaf(): boolean {
    return this._gradFn === null && this._requiresGrad;
  }
  /** @internal */
  _releaseSaved(): void {
    this.dispose();
  }
  /** @internal Whether this handle is the only one on its storage and covers it exactly. */
  _ownsStorage(): boolean {
    const s = this._storage;
    return (
      !this._disposed &&
      s.refs === 1 &&
      s.refsExact &&
      this._ticket === s.ticket &&
      this._offset === 0 &&
      this.isContiguous() &&
      this.numel() * ITEM_SIZE[this.dtype] === s.bytes &&
      this._gradFn === null
    );
  }

  /** @internal A contiguous copy detached from the graph (what `.grad` holds). */
  _detachedCopy(): Tensor {
    return withGradMode(false, () => late.contiguousCopy(this));
  }

  /** Accumulates the gradient of this tensor into the leaves' `.grad` (PyTorch's `Tensor.backward(gradient=None, retain_graph=None, create_graph=False)`; a scalar needs no `gradient`). */
  backward(gradient?: Tensor | null, opts?: BackwardOpts): void {
    late.backward(this, gradient, opts);
  }

  /** A tensor sharing this one's storage, cut from the graph (PyTorch's `Tensor.detach()`). */
  detach(): Tensor {
    return this._view(this._shape, this._strides, this._offset);
  }
  /** PyTorch's `.data`: the same storage, outside autograd (in-place updates are not recorded). */
  get data(): Tensor {
    return this.detach();
  }
  /**
   * @internal PyTorch's `t.data = src`: this handle takes src's storage, geometry and dtype and keeps
   * its identity, its grad mode and its place in the graph (Module.to keeps its Parameters, so an
   * optimizer made before `.double()` still holds them).
   */
  _setData(src: Tensor): void {
    src._check('set data');
    if (this._registered) unregisterHandle(this);
    this._registered = false;
    if (this._ticket === this._storage.ticket) this._storage.detach();
    this._storage = src._storage;
    this._shape = src._shape;
    this._strides = src._strides;
    this._flags &= ~(F_CONTIG_KNOWN | F_CONTIGUOUS);
    this._offset = src._offset;
    if (this._x !== null) this._x.size = null;
    (this as { dtype: DType }).dtype = src.dtype;
    this._ticket = src._storage.attach();
  }
  /** Cuts this tensor from the graph in place (PyTorch's `Tensor.detach_()`). */
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
  /** Whether `dispose()` (or the end of a `torch.scope`) has released this handle. */
  get isDisposed(): boolean {
    return this._disposed;
  }
  /** `using t = ...`: Symbol.dispose, or where the host lacks it Symbol.for('Symbol.dispose') (runtime.ts). */
  [DISPOSE](): void {
    this.dispose();
  }
  /** @internal The copy of asgrad that made this tensor (runtime.ts, "Copies"). */
  get [TENSOR_BRAND](): CopyInfo {
    return rt.copy;
  }

  // ---- reading values -------------------------------------------------------------------------

  /** A copy of the values, row-major, as a typed array of the tensor's dtype. */
  toArray(): Float32Array | Float64Array | BigInt64Array | Uint8Array {
    return values.toArray(this);
  }
  /** Values as plain JS numbers (booleans for bool), row-major. */
  dataSync(): number[] | boolean[] {
    return values.dataSync(this);
  }
  /** Nested arrays like torch.Tensor.tolist(); a 0-d tensor gives its number. */
  tolist(): NestedList {
    return values.tolist(this);
  }
  /** The value of a one-element tensor as a JavaScript number (PyTorch's `Tensor.item()`). */
  item(): number {
    return values.item(this);
  }
  toString(): string {
    return values.tensorString(this);
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** What `tolist()` returns: a number or boolean, or nested arrays of them (PyTorch's nested lists). */
export type NestedList = number | boolean | NestedList[];

export class DisposedError extends Error {
  override name = 'DisposedError';
}

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}
setTensorCheck(isTensor);

export { isGradEnabled };
