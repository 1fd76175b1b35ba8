// Storage: a block of WASM linear memory shared by a tensor and its views, reference counted by
// the handles (tensors) that point at it.
//
// Lifetimes without ceremony (see docs/memory.md): JavaScript's collector cannot see WASM memory,
// and inside a synchronous loop it never tells us (FinalizationRegistry callbacks and WeakRef
// clearing wait for the event loop). So storages that no handle has touched for a generation are
// *spilled*: their bytes move into a JS ArrayBuffer, which the JS collector does account for, and
// the WASM block is freed. Touching a spilled storage brings it back transparently. Generations
// advance at natural points (the start of backward, the end of optimizer.step) and after a volume
// of allocation.
import { getCore, memoryBuffer } from './core/wasm.js';
import { DType, ITEM_SIZE } from './dtype.js';

export const stats = {
  /** Undisposed handles counted on storages resident in WASM memory. */
  liveTensors: 0,
  /** Storages resident in WASM memory. */
  liveStorages: 0,
  /** Storages moved out to JS memory so far, and brought back. */
  spills: 0,
  restores: 0,
};

const MAX_BYTES = 0xffff_0000;
const MAX_TENURE = 64;
const MIN_VOLUME = 64 << 20;

let generation = 0;
let volumeSinceBoundary = 0;
let residentBytesAtBoundary = 0;
/** Storages in WASM memory; each knows its index here (removal swaps the last one in). */
const resident: Storage[] = [];

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

function allocOrEvict(bytes: number): number {
  if (bytes > MAX_BYTES) {
    throw new OutOfMemoryError(
      `asgrad: cannot allocate ${bytes} bytes: a wasm32 memory holds at most 4 GiB (4294967296 bytes)`,
    );
  }
  const c = getCore();
  let ptr = c.alloc(bytes);
  if (ptr === 0) {
    // Out of room: spill everything not touched in the current generation and retry.
    spillOlderThan(generation);
    ptr = c.alloc(bytes);
  }
  if (ptr === 0) {
    throw new OutOfMemoryError(
      `asgrad: out of memory: cannot allocate ${bytes} bytes (WASM memory ${c.heap_bytes()} bytes, ` +
        `${c.allocated_bytes()} allocated; the host refused to grow it or the limit was reached)`,
    );
  }
  return ptr;
}

/**
 * What the FinalizationRegistry holds for the handles of a storage. A spill retires the ticket
 * (so the registry no longer keeps the storage, and its spilled bytes, alive); handles that touch
 * the storage again attach under its new ticket.
 */
class Ticket {
  constructor(public storage: Storage | null) {}
}

const registry =
  typeof FinalizationRegistry !== 'undefined' ? new FinalizationRegistry<Ticket>((t) => t.storage?.detach()) : null;

export class Storage {
  ptr: number;
  readonly bytes: number;
  /** Handles attached under the current ticket. */
  refs = 0;
  ticket: Ticket = new Ticket(this);
  /** False once the storage has been spilled: handles from before may still exist uncounted. */
  private exactRefs = true;
  /** PyTorch's version counter: shared by all views of the storage, bumped by in-place ops. */
  version = 0;
  /** The generation in which a handle last used the storage. */
  lastUse = generation;
  /** Generations it may stay untouched before it is spilled (doubles each time it comes back). */
  private tenure = 1;
  private spill: Uint8Array | null = null;
  /** @internal Index in the resident list, or -1. */
  residentAt = -1;

  constructor(bytes: number) {
    this.bytes = bytes;
    volumeSinceBoundary += bytes;
    if (volumeSinceBoundary > MIN_VOLUME && volumeSinceBoundary > 2 * residentBytesAtBoundary) advanceGeneration();
    this.ptr = allocOrEvict(bytes);
    addResident(this);
    stats.liveStorages++;
  }

  static forElements(n: number, dtype: DType): Storage {
    return new Storage(n * ITEM_SIZE[dtype]);
  }

  /** The block's address, bringing spilled bytes back first. */
  address(): number {
    if (this.spill) this.restore();
    this.lastUse = generation;
    return this.ptr;
  }

  /** Counts one more handle; it should be registered (registerHandle) if it may become garbage. */
  attach(): Ticket {
    this.refs++;
    stats.liveTensors++;
    return this.ticket;
  }

  /** One counted handle is gone (disposed or collected). */
  detach(): void {
    if (this.refs <= 0 || this.spill) return;
    this.refs--;
    stats.liveTensors--;
    if (this.refs > 0) return;
    if (this.exactRefs) {
      getCore().free(this.ptr);
      this.ptr = 0;
      removeResident(this);
      stats.liveStorages--;
    } else {
      // Handles from before a spill may still be alive without being counted: keep the bytes.
      this.spillOut();
    }
  }

  /** Moves the bytes into a JS buffer (which the JS collector accounts for) and frees the block. */
  spillOut(): void {
    if (this.spill) return;
    // A fresh buffer filled with set() is cheaper than slice() of the memory in V8.
    const copy = new Uint8Array(this.bytes);
    copy.set(new Uint8Array(memoryBuffer(), this.ptr, this.bytes));
    this.spill = copy;
    getCore().free(this.ptr);
    this.ptr = 0;
    removeResident(this);
    stats.liveStorages--;
    stats.liveTensors -= this.refs;
    stats.spills++;
    this.refs = 0;
    this.exactRefs = false;
    this.ticket.storage = null;
    this.ticket = new Ticket(this);
  }

  private restore(): void {
    const data = this.spill as Uint8Array;
    this.ptr = allocOrEvict(this.bytes);
    this.spill = null;
    new Uint8Array(memoryBuffer(), this.ptr, this.bytes).set(data);
    addResident(this);
    stats.liveStorages++;
    stats.restores++;
    this.tenure = Math.min(this.tenure * 2, MAX_TENURE);
  }

  /** Whether the storage has gone untouched for longer than its tenure. */
  staleAt(gen: number): boolean {
    return this.lastUse < gen - this.tenure;
  }
}

export type { Ticket };

/** Releases `ticket`'s storage reference when `handle` is garbage collected. */
export function registerHandle(handle: object, ticket: Ticket): void {
  registry?.register(handle, ticket, handle);
}

/** Stops tracking `handle` (it was disposed). */
export function unregisterHandle(handle: object): void {
  registry?.unregister(handle);
}

function spillOlderThan(gen: number): void {
  // Walk backwards: spilling swaps the last storage into the freed slot.
  for (let i = resident.length - 1; i >= 0; i--) {
    const s = resident[i];
    if (s.lastUse < gen) s.spillOut();
  }
}

/**
 * Ends a generation: storages untouched for a whole generation (longer for ones that came back
 * before) are spilled out of WASM memory. Called at backward(), optimizer.step() and after a
 * volume of allocation; safe at any point between kernel calls.
 */
export function advanceGeneration(): void {
  generation++;
  volumeSinceBoundary = 0;
  let bytes = 0;
  for (let i = resident.length - 1; i >= 0; i--) {
    const s = resident[i];
    if (s.staleAt(generation)) s.spillOut();
    else bytes += s.bytes;
  }
  residentBytesAtBoundary = bytes;
}

export function currentGeneration(): number {
  return generation;
}
