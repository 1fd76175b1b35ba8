// Storage: a block of WASM linear memory shared by a tensor and its views, reference counted by
// the handles (tensors) that point at it.
//
// Lifetimes without ceremony (see docs/memory.md): JavaScript's collector cannot see WASM memory,
// and inside a synchronous loop it never tells us (FinalizationRegistry callbacks and WeakRef
// clearing wait for the event loop). So storages that no handle has touched for a generation are
// *spilled*: their bytes move into a JS ArrayBuffer, which the JS collector does account for, and
// the WASM block is freed. Touching a spilled storage brings it back transparently. Generations
// advance at natural points (the start of backward, the end of optimizer.step) and whenever the
// storages made since the last boundary outnumber, or outweigh, twice the long-lived ones (with a
// floor), so a loop that never calls backward (inference, preprocessing, a server) stays flat too.
//
// Pointer safety: a boundary may spill any storage not touched in the current or the previous
// generation, and the allocation-pressure path any storage not touched in the current one (nor in
// the previous one, when that allocation itself started the current generation). A kernel
// call therefore fetches its operands' pointers (Tensor._ptr) after every storage it needs has been
// made: between the first fetch and the call no new Storage may be constructed (restoring a
// spilled operand is fine: it advances no generation, and pressure spares what the current
// generation touched).
//
// All of this module's state (counters, generations, the resident list, the guards) is
// rt.storage (ts/runtime.ts); `M` below is that object. The debug guards' checks are in
// ./storage_guards.ts; allocate and release below put them around blocks and check them.
import { getCore, memoryBuffer } from './core/wasm.js';
import { type DType, ITEM_SIZE } from './dtype.js';
import { type Boundary, rt, MIN_COUNT, MIN_VOLUME } from './runtime.js';
import { GUARD, checkGuardsOf } from './storage_guards.js';

const M = rt.storage;
/** Guarded storages and the pattern their guards were filled with (./storage_guards.ts). */
const guarded = M.guarded;

/**
 * liveTensors: undisposed handles counted on storages resident in WASM memory; liveStorages:
 * storages resident in WASM memory; spills, restores: storages moved out to JS memory so far, and
 * brought back.
 */
export const stats = M.stats;

/** Largest block the core's allocator serves (wasm32 addresses end at 4 GiB). */
const MAX_BYTES = 0xffff_0000;
const MAX_TENURE = 64;
/**
 * Floors of the allocation-driven boundary: a generation ends once the storages made in it number
 * more than max(MIN_COUNT, 2 x the long-lived ones) or weigh more than max(MIN_VOLUME, 2 x theirs).
 * Relative to the long-lived set, the walk over resident storages a boundary makes costs O(1) per
 * storage made, and the garbage held between boundaries stays proportional to what is really live;
 * the floors bound it in absolute terms for small programs: at most about two generations of
 * dropped storages are resident at any time.
 */
export { MIN_COUNT, MIN_VOLUME };
/** Natural boundaries a storage held by a user scope is spared after it joined (see advanceGeneration). */
const SCOPED_GRACE = 2;
/**
 * A storage in constant use that gathers handles nobody disposes (views, the saved aliases of
 * graphs that never see backward) is recounted at a boundary once it has more than this many.
 */
const RECOUNT_ABOVE = 256;
/**
 * A graph saves tensors in forward that backward reads, maybe many allocation-driven generations
 * later (a long chain of small ops). Such storages, saved since the natural boundary before last,
 * are not spilled at natural boundaries, nor at count-driven ones for this many of them after a
 * natural boundary: a training step keeps its graph resident, while a loop that records graphs and
 * never calls backward (no natural boundary) is back to the plain rule after a few generations.
 * (Volume-driven boundaries apply the plain rule: large saved tensors are cheap to move per byte.)
 */
const SAVED_GRACE = 8;

/** Storages in WASM memory; each knows its index here (removal swaps the last one in). */
const resident = M.resident;

function addResident(s: Storage): void {
  s.residentAt = resident.length;
  resident.push(s);
}

function removeResident(s: Storage): void {
  const i = s.residentAt;
  const last = resident.pop() as Storage;
  if (last !== s) {
    resident[i] = last;
    last.residentAt = i;
  }
  s.residentAt = -1;
}

export class OutOfMemoryError extends RangeError {
  override name = 'OutOfMemoryError';
}

/** Allocates the block of `s` (s.bytes), surrounded by guards when they are on. */
function allocate(s: Storage, keepFrom: number): number {
  if (M.guardPattern < 0) return allocOrEvict(s.bytes, keepFrom);
  const pattern = M.guardPattern;
  const raw = allocOrEvict(s.bytes + 2 * GUARD, keepFrom);
  new Uint8Array(memoryBuffer(), raw, s.bytes + 2 * GUARD).fill(pattern);
  guarded.set(s, pattern);
  return raw + GUARD;
}

/** Frees the block of `s`, checking and poisoning it first if it is guarded. */
function release(s: Storage): void {
  const pattern = guarded.size === 0 ? undefined : guarded.get(s);
  if (pattern === undefined) {
    getCore().free(s.ptr);
    return;
  }
  checkGuardsOf(s, pattern);
  guarded.delete(s);
  // Poisoned with the current pattern: a kernel that reads freed memory then sees it.
  new Uint8Array(memoryBuffer(), s.ptr - GUARD, s.bytes + 2 * GUARD).fill(M.guardPattern < 0 ? pattern : M.guardPattern);
  getCore().free(s.ptr - GUARD);
}

function checkSize(bytes: number): void {
  // `!(<=)` also refuses NaN.
  if (!(bytes <= MAX_BYTES)) {
    throw new OutOfMemoryError(`asgrad: cannot allocate ${bytes} bytes: a wasm32 memory holds at most 4 GiB (4294967296 bytes)`);
  }
}

/**
 * Allocates `bytes`; when the core is out of room, spills the storages not touched since
 * generation `keepFrom` and retries.
 */
function allocOrEvict(bytes: number, keepFrom: number): number {
  const c = getCore();
  // The core returns a usize, which arrives as a signed i32: read it unsigned (above 2 GiB).
  let ptr = c.alloc(bytes) >>> 0;
  if (ptr === 0) {
    spillForRoom(keepFrom);
    ptr = c.alloc(bytes) >>> 0;
  }
  if (ptr === 0) {
    const heap = c.heap_bytes();
    const allocated = c.allocated_bytes() >>> 0;
    // Blocks are not split or merged: past what is allocated, the room is what the memory can grow.
    const why =
      allocated + bytes > 4294967296 || heap + bytes > 4294967296
        ? 'the block would end past the 4 GiB a wasm32 memory can address'
        : 'the host refused to grow the memory, or the limit set with torch.setMemoryLimit was reached';
    throw new OutOfMemoryError(
      `asgrad: out of memory: cannot allocate ${bytes} bytes (WASM memory ${heap} bytes, ${allocated} allocated; ${why})`,
    );
  }
  return ptr;
}

/**
 * What the FinalizationRegistry holds for the handles registered on a storage under one ticket (a
 * recount retires it: handles counted before it are no longer counted). It refers to the storage
 * only while the bytes are in WASM memory. A spilled storage must be reachable from its handles
 * alone: inside a synchronous loop the registry's callbacks never run and it keeps every holding,
 * so a holding that referred to a spilled storage would keep its JS copy alive until the loop ends,
 * long after the handles became garbage.
 */
export class Ticket {
  /** The storage while it is in WASM memory (or pending); null while it is spilled or once retired. */
  storage: Storage | null;
  /** A recount replaced it: its handles' collection changes no count. */
  retired = false;
  /** Handles collected while the storage was spilled: uncounted when the storage is next used. */
  lost = 0;
  constructor(storage: Storage | null) {
    this.storage = storage;
  }
}

const registry = M.registry;

export class Storage {
  ptr: number;
  readonly bytes: number;
  /** Handles attached under the current ticket. */
  refs = 0;
  /** Changed by each recount: a handle counted under an older one is no longer counted. */
  ticket = 0;
  /** What the registry holds for the handles registered under the current ticket (made by the first). */
  private holder: Ticket | null = null;
  /** False once the storage has been recounted: handles from before may still exist uncounted. */
  private exactRefs = true;
  /** PyTorch's version counter: shared by all views of the storage, bumped by in-place ops. */
  version = 0;
  /** The generation in which a handle last used the storage. */
  lastUse = M.generation;
  /** The generation it was made in (long-lived storages set the next boundary's distance). */
  born = M.generation;
  /** The natural epoch in which a graph last saved it (see SAVED_GRACE). */
  savedEpoch = -1e9;
  /** The natural epoch in which a handle on it joined a user scope (torch.scope; see SCOPED_GRACE). */
  scopedEpoch = -1e9;
  /** Generations it may stay untouched before it is spilled (each time it comes back: doubled, or twice its idle time if longer). */
  private tenure = 1;
  /** The bytes while spilled: a small storage's as 32-bit words in a plain array (cheaper to make and collect). */
  private spill: Uint8Array | number[] | null = null;
  /** @internal Index in the resident list, or -1. */
  residentAt = -1;
  /**
   * @internal Elementwise fusion (ts/fuse/graph.ts): the program that will fill this storage, which
   * has no block until then (made with `deferred`); null once it holds its values.
   */
  fusePending: object | null = null;
  /** @internal Pending storages whose programs read this one: computed before its address is handed out or it is freed. */
  fuseReaders: Set<Storage> | null = null;

  /**
   * @internal The block is kept for pending fused storages that read it, by nobody else (a
   * snapshot of a source about to change, or a source whose last handle went): `freeHeld` frees it.
   */
  fuseHeld = false;

  /**
   * `deferred`: no block yet (a pending fused result); `allocateDeferred` makes it. `hidden`: a
   * block fusion keeps for itself, made while a kernel call may be fetching its pointers, so it
   * starts no generation (as a restore does not).
   */
  constructor(bytes: number, deferred = false, hidden = false) {
    checkSize(bytes);
    this.bytes = bytes;
    if (hidden) {
      this.fuseHeld = true;
      this.ptr = 0;
      stats.liveStorages++;
      return;
    }
    M.volumeSinceBoundary += bytes;
    // Out of room, the allocation spills what the current generation has not touched; if this
    // allocation just started a generation, what the previous one touched is spared too.
    const keepFrom = M.generation;
    if (++M.countSinceBoundary > M.countLimit || M.volumeSinceBoundary > M.volumeLimit) {
      advanceGeneration(M.volumeSinceBoundary > M.volumeLimit ? 'volume' : 'count');
      // Made in the generation that starts now (the walk above did not see it).
      this.lastUse = M.generation;
      this.born = M.generation;
      M.countSinceBoundary = 1;
      M.volumeSinceBoundary = bytes;
    }
    this.ptr = deferred ? 0 : allocate(this, keepFrom);
    if (!deferred) addResident(this);
    stats.liveStorages++;
  }

  /** @internal Gives a deferred storage its block (as a restore would: it makes no new Storage). */
  allocateDeferred(): void {
    if (this.ptr !== 0 || this.spill || this.bytes === 0) return;
    this.ptr = allocate(this, M.generation);
    this.lastUse = M.generation;
    addResident(this);
  }

  /** @internal Frees a held block (fuseHeld) once no pending storage reads it. */
  freeHeld(): void {
    if (!this.fuseHeld) return;
    this.fuseHeld = false;
    // A spilled block was uncounted when it left (spillOut).
    if (this.spill) this.spill = null;
    else if (this.residentAt >= 0) {
      release(this);
      this.ptr = 0;
      removeResident(this);
      stats.liveStorages--;
    }
  }

  /** @internal The address without fusion's hooks (for the fused kernel's own operands). */
  rawAddress(): number {
    if (this.spill) this.restore();
    this.lastUse = M.generation;
    return this.ptr;
  }

  static forElements(n: number, dtype: DType): Storage {
    return new Storage(n * ITEM_SIZE[dtype]);
  }

  /** The block's address, bringing spilled bytes back first (and computing pending fused values). */
  address(): number {
    if (this.fusePending !== null || this.fuseReaders !== null) rt.fuse.flush?.(this);
    if (this.spill) this.restore();
    this.lastUse = M.generation;
    return this.ptr;
  }

  /** A graph node saved a handle on it (backward will read it). */
  markSaved(): void {
    this.savedEpoch = M.naturalEpoch;
  }

  /** A handle on it joined a user scope, which will dispose it (unless it survives the scope). */
  markScoped(): void {
    this.scopedEpoch = M.naturalEpoch;
  }

  /** Counts one more handle; it should be registered (registerHandle) if it may become garbage. */
  attach(): number {
    this.uncountLost();
    this.refs++;
    if (!this.spill) stats.liveTensors++;
    return this.ticket;
  }

  /** One counted handle is gone (disposed or collected). */
  detach(): void {
    this.uncountLost();
    if (this.refs <= 0) return;
    this.refs--;
    if (!this.spill) stats.liveTensors--;
    if (this.refs > 0) return;
    if (this.exactRefs) {
      if (this.fusePending !== null || this.fuseReaders !== null) rt.fuse.drop?.(this);
      // Pending fused storages still read it: the block stays until they no longer do.
      if (this.fuseHeld) return;
      if (this.spill) {
        // Spilled and now without a handle: the JS copy goes too.
        this.spill = null;
        return;
      }
      if (this.residentAt >= 0) {
        release(this);
        this.ptr = 0;
        removeResident(this);
      }
      stats.liveStorages--;
    }
    // Otherwise handles from before a spill or recount may still be alive without being counted:
    // the bytes stay, and a boundary spills them once nothing has touched them for a while.
  }

  /**
   * Forgets the count of handles: those that use the storage again attach under a new ticket.
   * Handles from before may be alive uncounted, so from now on the last counted one going away
   * does not free the bytes (a handle from before may still read them): a boundary spills them
   * once nothing has touched them for a while.
   */
  recount(): void {
    if (this.holder !== null) {
      this.holder.retired = true;
      this.holder.storage = null;
      this.holder = null;
    }
    stats.liveTensors -= this.refs;
    this.refs = 0;
    this.exactRefs = false;
    this.ticket++;
  }

  /** Whether every live handle is counted (no recount since the storage was made). */
  get refsExact(): boolean {
    return this.exactRefs;
  }

  /** @internal The registry's holding for a handle counted under the current ticket. */
  holding(): Ticket {
    this.holder ??= new Ticket(this.spill ? null : this);
    return this.holder;
  }

  /** Uncounts the handles collected while the storage was spilled (they were not counted as live then). */
  private uncountLost(): void {
    const h = this.holder;
    if (h === null || h.lost === 0) return;
    this.refs = this.refs > h.lost ? this.refs - h.lost : 0;
    h.lost = 0;
  }

  /**
   * Moves the bytes into a JS buffer (which the JS collector accounts for) and frees the block.
   * The count of handles and the ticket stay as they are: every handle is still counted, so when
   * the storage comes back the last counted handle going away frees it at once (handles disposed
   * meanwhile uncount themselves; the last one drops the JS copy). Handles that become garbage
   * while it is out take the copy with them (the registry's callback, or the collector when
   * nothing else refers to the storage).
   */
  spillOut(): void {
    if (this.spill) return;
    // A fresh buffer filled with set() is cheaper than slice() of the memory in V8; most spilled
    // storages are a few bytes (dropped results of small ops), copied without making a view.
    const n = this.bytes;
    const p = this.ptr;
    if (n <= SMALL_COPY && (n & 3) === 0 && (p & 3) === 0) {
      // Words as numbers: every int32 is a small integer in V8, so this is one packed array.
      const w = heapWords();
      const words = new Array<number>(n >> 2);
      for (let i = 0, q = p >> 2; i < words.length; i++) words[i] = w[q + i];
      this.spill = words;
    } else {
      const copy = new Uint8Array(n);
      const h = heapBytes();
      if (n <= SMALL_COPY) for (let i = 0; i < n; i++) copy[i] = h[p + i];
      else copy.set(h.subarray(p, p + n));
      this.spill = copy;
    }
    release(this);
    this.ptr = 0;
    removeResident(this);
    if (this.holder !== null) this.holder.storage = null;
    stats.liveStorages--;
    stats.liveTensors -= this.refs;
    stats.spills++;
  }

  private restore(): void {
    const data = this.spill as Uint8Array | number[];
    this.ptr = allocate(this, M.generation);
    this.spill = null;
    if (data instanceof Uint8Array) new Uint8Array(memoryBuffer(), this.ptr, this.bytes).set(data);
    else {
      const w = heapWords();
      for (let i = 0, q = this.ptr >> 2; i < data.length; i++) w[q + i] = data[i];
    }
    addResident(this);
    if (this.holder !== null) this.holder.storage = this;
    this.uncountLost();
    stats.liveStorages++;
    stats.liveTensors += this.refs;
    stats.restores++;
    // It was wrongly taken for garbage: it may stay untouched twice as long as it just was (a data
    // set or a model used in turns with another, an evaluation between epochs), so that such a
    // storage makes one round trip instead of one per turn; others double their allowance.
    const doubled = Math.min(this.tenure * 2, MAX_TENURE);
    const idle = 2 * (M.generation - this.lastUse);
    this.tenure = idle > doubled ? idle : doubled;
  }

  /** Whether the storage has gone untouched for longer than its tenure. */
  staleAt(gen: number): boolean {
    return this.lastUse < gen - this.tenure;
  }
}

/** Storages up to this many bytes are copied byte by byte when spilled (cheaper than a view). */
const SMALL_COPY = 64;
/**
 * The whole memory as 32-bit words (M.heapWords), remade when the memory grew (its old buffer
 * detaches). During a walk that spills, checked once (M.walkWords): asking the memory for its
 * buffer costs more than copying a few words, and the memory cannot grow meanwhile.
 */
function heapWords(): Int32Array {
  if (M.walkWords !== null) return M.walkWords;
  const buf = memoryBuffer();
  if (M.heapWords.buffer !== buf) M.heapWords = new Int32Array(buf);
  if (M.inWalk) M.walkWords = M.heapWords;
  return M.heapWords;
}

/** Runs a walk over the resident storages that may spill some (see walkWords). */
function spillWalk<T>(walk: (arg: T) => void, arg: T): void {
  M.inWalk = true;
  try {
    walk(arg);
  } finally {
    M.inWalk = false;
    M.walkWords = null;
  }
}
/** A view of the whole memory (M.heapView), remade when the memory grew (its old buffer detaches). */
function heapBytes(): Uint8Array {
  const buf = memoryBuffer();
  if (M.heapView.buffer !== buf) M.heapView = new Uint8Array(buf);
  return M.heapView;
}

/** Releases the storage reference `handle` holds (under the storage's current ticket) when `handle` is garbage collected. */
export function registerHandle(handle: object, storage: Storage): void {
  registry?.register(handle, storage.holding(), handle);
}

/** Stops tracking `handle` (it was disposed). */
export function unregisterHandle(handle: object): void {
  registry?.unregister(handle);
}

function spillForRoom(keepFrom: number): void {
  spillWalk(spillUntouched, keepFrom);
}

function spillUntouched(keepFrom: number): void {
  // Walk backwards: spilling swaps the last storage into the freed slot.
  for (let i = resident.length - 1; i >= 0; i--) {
    const s = resident[i];
    if (s.lastUse < keepFrom) s.spillOut();
  }
}

/**
 * Ends a generation: storages untouched for a whole generation (longer for ones that came back
 * before) are spilled out of WASM memory. Called at backward() and optimizer.step() ('natural')
 * and when the storages made since the last boundary outnumber ('count') or outweigh ('volume')
 * the long-lived ones (see MIN_COUNT); safe at any point between kernel calls.
 */
export function advanceGeneration(reason: 'natural' | 'count' | 'volume' = 'natural'): void {
  M.generation++;
  M.countSinceBoundary = 0;
  M.volumeSinceBoundary = 0;
  if (reason === 'natural') {
    M.naturalEpoch++;
    M.countBoundariesSinceNatural = 0;
  } else if (reason === 'count') {
    M.countBoundariesSinceNatural++;
  }
  // Graph-saved storages spared at this boundary: saved since the natural boundary before last.
  const keepSavedFrom =
    reason === 'natural' || (reason === 'count' && M.countBoundariesSinceNatural <= SAVED_GRACE)
      ? M.naturalEpoch - 1
      : Number.POSITIVE_INFINITY;
  // Storages a user scope holds, joined since the two natural boundaries before this one, are
  // spared at natural boundaries: a step wrapped in torch.scope (forward, backward, step) passes
  // two of them, and the scope disposes its dropped results right after; spilling them first would
  // copy every activation out for nothing. A scope around a whole loop still sees them spilled,
  // one natural boundary later. (Other boundaries spare none for this reason: +infinity.)
  const b = M.boundary;
  b.keepSavedFrom = keepSavedFrom;
  b.keepScopedFrom = reason === 'natural' ? M.naturalEpoch - SCOPED_GRACE : Number.POSITIVE_INFINITY;
  b.natural = reason === 'natural';
  spillWalk(boundaryWalk, b);
  if (b.readersOf.length > 0) computeStaleReaders(b.readersOf);
}

/**
 * A stale storage that pending fused storages read is kept by them (their programs refer to it), and
 * they by every other source they read: a tensor that lives on (a weight, a data set) would gather
 * every dropped intermediate made from it, a synchronous loop long, with the bytes of the storages
 * they read (the forward's `A.matmul(B).mul(G).sum()` leaves `mul`'s pending result, which its sum
 * computed without it, reading the product). At a natural boundary the readers that have gone
 * untouched as long are computed instead: they hold their own bytes from then on, and the storages
 * they read are free to go as any other (computing them is not a use of those).
 */
function computeStaleReaders(sources: Storage[]): void {
  const gen = M.generation;
  // Taken first: computing allocates, which may end in an error, and the next boundary starts empty.
  const list = sources.splice(0);
  for (const s of list) {
    const last = s.lastUse;
    for (const r of [...(s.fuseReaders ?? [])]) if (staleReader(r, gen)) rt.fuse.flush?.(r);
    s.lastUse = last;
  }
  for (const s of list) if (s.residentAt >= 0 && s.staleAt(gen)) s.spillOut();
}

/** A storage reading another that is still pending and has gone untouched for a generation (see computeStaleReaders). */
function staleReader(r: Storage, gen: number): boolean {
  return r.fusePending !== null && r.staleAt(gen);
}

function hasStaleReader(s: Storage): boolean {
  for (const r of s.fuseReaders as Set<Storage>) if (staleReader(r, M.generation)) return true;
  return false;
}

function boundaryWalk(b: Boundary): void {
  // Long-lived: resident storages made before the generation that just ended.
  let oldBytes = 0;
  let oldCount = 0;
  for (let i = resident.length - 1; i >= 0; i--) {
    const s = resident[i];
    if (s.staleAt(M.generation) && s.savedEpoch < b.keepSavedFrom && s.scopedEpoch < b.keepScopedFrom) {
      if (b.natural && s.fuseReaders !== null && hasStaleReader(s)) b.readersOf.push(s);
      else s.spillOut();
      continue;
    }
    if (s.refs > RECOUNT_ABOVE) s.recount();
    if (s.born < M.generation - 1) {
      oldBytes += s.bytes;
      oldCount++;
    }
  }
  M.countLimit = 2 * oldCount > MIN_COUNT ? 2 * oldCount : MIN_COUNT;
  M.volumeLimit = 2 * oldBytes > MIN_VOLUME ? 2 * oldBytes : MIN_VOLUME;
}

export function currentGeneration(): number {
  return M.generation;
}
