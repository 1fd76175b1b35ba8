// The one owner of the library's mutable state. Every module that keeps something between calls
// (grad mode, scopes, storages and their generations, the WebAssembly core, autograd's counters)
// reads and writes a field of `rt` here instead of a module-level `let`, so the state of a loaded
// copy of asgrad is one object that can be listed, inspected in a debugger and reasoned about in
// one place (tests/runtime.test.ts fails when a new module-level `let` appears elsewhere in ts/).
//
// This is the bottom layer: it imports nothing at run time from the rest of ts/ (types only), so
// it can never be part of an import cycle, and loading it has no effect on the host beyond
// registering this copy under Symbol.for('asgrad.runtime') (see "Copies" below). The RNG's state
// is not here: it lives in the core's memory (seeded by torch.manualSeed through `rt.core`).
import type { Tensor } from './tensor.js';
import type { Storage, Ticket } from './storage.js';
import type { CoreExports, KernelFn } from './core/wasm.js';
import type { DType } from './dtype.js';
import type { LateBound } from './late.js';
import type { Node } from './autograd.js';

/** What a generation boundary passes to its walk over the resident storages (ts/storage.ts). */
export interface Boundary {
  keepSavedFrom: number;
  keepScopedFrom: number;
  /** A natural boundary (backward, optimizer.step). */
  natural: boolean;
  /** Stale storages the walk left for their stale pending readers to be computed first. */
  readonly readersOf: Storage[];
}

/** A scope of torch.scope, or the library's own (withTemps). */
export interface Scope {
  /** A library scope's array is reused: only its first `n` entries are its tensors (nulls after it closes). */
  readonly tensors: (Tensor | null)[];
  /** For a library scope: how many tensors it holds. */
  n: number;
  readonly parent: Scope | null;
  /** The library's own scope (withTemps): survivors still need registering. */
  readonly internal?: boolean;
}

/** The part of node:async_hooks' AsyncLocalStorage the scopes use. */
export interface ALS<T> {
  getStore(): T | undefined;
  run<R>(store: T, fn: () => R): R;
}

/** One helper thread of the pool (core/threads.ts). */
export interface ThreadHelper {
  /** The worker (node:worker_threads' Worker or a Web Worker), as far as the pool uses it. */
  readonly worker: { terminate(): unknown };
  /** Byte address of its control slot (i32 words: see core/threads.ts) in the shared memory. */
  readonly slot: number;
  /** Its control slot as i32 words. */
  readonly ctl: Int32Array;
  /** Jobs sent so far (the slot's sequence word). */
  seq: number;
  /** Its scratch block (owner-allocated) and the block's size in bytes. */
  scratch: number;
  scratchBytes: number;
}

/** What one loaded copy of asgrad says about itself to the others (see "Copies"). */
export interface CopyInfo {
  /** 1 for the first copy loaded in this JavaScript realm, 2 for the second... */
  readonly id: number;
  /** The URL or path of the module (or bundle) this copy was loaded from; null where unknown. */
  readonly location: string | null;
}

export interface Runtime {
  /** This copy of the library (see "Copies"). */
  readonly copy: CopyInfo;
  /** grad_mode.ts: torch.is_grad_enabled(). */
  readonly grad: { enabled: boolean };
  /** scope.ts: the scopes tensors are recorded in. */
  readonly scope: {
    /** Follows the async call chain where the host has AsyncLocalStorage; null elsewhere. */
    readonly als: ALS<Scope> | null;
    /** The user's scopes, innermost last (hosts without AsyncLocalStorage). */
    readonly stack: Scope[];
    /** The library's own synchronous scope (a backward rule, a composite op), innermost. */
    temps: Scope | null;
    /** Library scopes for reuse, by nesting depth, and the depth in use. */
    readonly tempsPool: Scope[];
    tempsDepth: number;
    /** Recognises a tensor (set by tensor.ts: the scope cannot import the class). */
    isTensor: ((v: unknown) => v is Tensor) | null;
  };
  /** storage.ts: live storages, generations, counters and debug guards. */
  readonly storage: {
    readonly stats: { liveTensors: number; liveStorages: number; spills: number; restores: number };
    /** Natural boundaries so far (backward, optimizer.step). */
    naturalEpoch: number;
    countBoundariesSinceNatural: number;
    generation: number;
    countSinceBoundary: number;
    volumeSinceBoundary: number;
    countLimit: number;
    volumeLimit: number;
    /** Storages in WASM memory; each knows its index here. */
    readonly resident: Storage[];
    /** Releases a collected handle's storage reference; null where the host lacks FinalizationRegistry. */
    readonly registry: FinalizationRegistry<Ticket> | null;
    /** Debug guards: the byte pattern (or -1: off), the guarded storages and the faults found. */
    guardPattern: number;
    readonly guarded: Map<Storage, number>;
    guardFaults: string[];
    /** A view of the whole WASM memory for spills and restores, remade when the memory grew. */
    heapView: Uint8Array;
    /** The same as 32-bit words (small spills), remade when the memory grew. */
    heapWords: Int32Array;
    /** During a walk that spills: the words view, checked once for the walk (spilling only frees). */
    inWalk: boolean;
    walkWords: Int32Array | null;
    /** What the walk of a boundary spares (advanceGeneration), reused from one boundary to the next. */
    readonly boundary: Boundary;
  };
  /** core/wasm.ts: the WebAssembly instance every tensor value lives in. */
  readonly core: {
    exports: CoreExports | null;
    /** Every export of the instance, by name. */
    kernels: Record<string, unknown>;
    metaPtr: number;
    metaView: Int32Array;
    readonly initHooks: Array<() => void>;
    /** Bytes embedded by a bundle (the browser bundle carries the .wasm as base64). */
    embedded: Uint8Array | null;
  };
  /** core/threads.ts: the thread pool (torch.setNumThreads) and the shared memory it needs. */
  readonly threads: {
    /** torch.getNumThreads(); null until first asked or set (then: the cores available, or 1). */
    num: number | null;
    /** The threaded core's module and shared memory; null with the single-thread core (or none yet). */
    shared: { module: WebAssembly.Module; memory: WebAssembly.Memory } | null;
    /** Helper workers started so far, each with its control slot and scratch block in the shared memory. */
    readonly helpers: ThreadHelper[];
    /** Below this many multiply-adds a product runs on the calling thread alone (waking helpers costs more). */
    minWork: number;
    /** Parts of products run by helpers so far (tests check that a split really happened). */
    helperParts: number;
    /** The Blob URL helper Web Workers start from (a browser's dedicated worker); null until the first. */
    webHelperUrl: string | null;
  };
  /** autograd.ts / engine.ts: node sequence numbers (creation order) and backward pass numbers. */
  readonly autograd: {
    nodeSeq: number;
    pass: number;
    /** The last input metadata a node was given (reused while inputs share a shape array and dtype). */
    lastMeta: { readonly shape: readonly number[]; readonly dtype: DType } | null;
  };
  /**
   * anomaly_mode.ts: torch.autograd's anomaly detection (`enabled`, `checkNan`) and the node whose
   * backward is running while it is on (the parent of nodes a createGraph backward records).
   */
  readonly anomaly: { enabled: boolean; checkNan: boolean; current: Node | null };
  /** ops/: the shared 0-d scalar tensors (operands.ts) and kernels resolved by family and dtype (internal.ts). */
  readonly ops: {
    readonly scalars: Record<DType, Map<number, Tensor>>;
    readonly typedKernels: Map<string, { f32: KernelFn | null; f64: KernelFn | null }>;
    /** The last two constants scalarTensor handed out and their values (checked before the Map). */
    readonly recent: { t0: Tensor | null; v0: number; t1: Tensor | null; v1: number };
  };
  /** What tensor.ts needs from the layers above it, bound by ops/index.ts (late.ts). */
  readonly late: LateBound;
  /**
   * Elementwise fusion (ts/fuse/): elementwise results of at least `minElements` elements are
   * pending programs (0: off). storage.ts calls `flush` before it hands out the address of a storage
   * that is pending or read by pending ones, and `drop` when such a storage loses its last handle;
   * both are bound by ts/fuse/graph.ts, which sits above storage.ts.
   */
  readonly fuse: {
    minElements: number;
    flush: ((s: Storage) => void) | null;
    drop: ((s: Storage) => void) | null;
  };
}

// ---- Copies ----------------------------------------------------------------------------------------
// A process can load asgrad twice: its ESM build (`import`) and its CommonJS bundle (`require`), or
// two installed versions. Each copy has its own core and its own Tensor class, so a tensor of one
// is not an `instanceof Tensor` of the other. The library does not try to share one core between
// copies (their kernels may differ); it makes the mistake visible instead: every copy lists itself
// under Symbol.for('asgrad.runtime') on globalThis, and brands its tensors with TENSOR_BRAND (a
// Symbol.for key, the same in every copy), so the validation layer can tell "a tensor of another
// copy" from "not a tensor" and say what happened (validate.ts, foreignTensorError).

/** The key of the list of loaded copies on globalThis (an array of CopyInfo, oldest first). */
export const COPIES_KEY: unique symbol = Symbol.for('asgrad.runtime');
/** The key every copy's tensors carry (on Tensor.prototype), whose value is that copy's CopyInfo. */
export const TENSOR_BRAND: unique symbol = Symbol.for('asgrad.tensor');

/** Where this module was loaded from: import.meta.url (ESM, and the CommonJS bundle defines it), or __filename. */
function location(): string | null {
  const url = (import.meta as { url?: string }).url;
  if (typeof url === 'string' && url) return url;
  return typeof __filename === 'string' ? __filename : null;
}
declare const __filename: string | undefined;

/** The copies loaded in this realm so far (this one included once registered). */
export function loadedCopies(): readonly CopyInfo[] {
  const list = (globalThis as { [COPIES_KEY]?: unknown })[COPIES_KEY];
  return Array.isArray(list) ? (list as CopyInfo[]) : [];
}

/**
 * Adds this copy to the list, creating it (non-enumerable) if absent. Whatever else the host has
 * under the key is left alone, and a frozen global is fine: the brand alone still detects mixing.
 */
function register(): CopyInfo {
  const g = globalThis as { [COPIES_KEY]?: unknown };
  let list = g[COPIES_KEY];
  if (list === undefined) {
    try {
      Object.defineProperty(globalThis, COPIES_KEY, { value: [], configurable: true, writable: false, enumerable: false });
    } catch {
      // A frozen globalThis (e.g. SES lockdown).
    }
    list = g[COPIES_KEY];
  }
  const copies = Array.isArray(list) && !Object.isFrozen(list) ? (list as CopyInfo[]) : null;
  const info: CopyInfo = Object.freeze({ id: (copies?.length ?? 0) + 1, location: location() });
  copies?.push(info);
  return info;
}

// ---- Symbol.dispose, without touching the host's Symbol ---------------------------------------------

/**
 * The key of Tensor's dispose method (what `using t = ...` calls): Symbol.dispose where the host
 * has it; elsewhere Symbol.for('Symbol.dispose'), which is what esbuild's and Babel's downlevel
 * `using` helpers and core-js's polyfill use in its absence. (TypeScript's own helper requires a
 * Symbol.dispose: a polyfill setting it, loaded before asgrad, must use that Symbol.for key or be
 * loaded first; docs/memory.md.) Typed as Symbol.dispose so TypeScript sees Tensor as Disposable.
 */
export const DISPOSE: typeof Symbol.dispose = ((Symbol as { dispose?: symbol }).dispose ??
  Symbol.for('Symbol.dispose')) as typeof Symbol.dispose;

// ---- the runtime ----------------------------------------------------------------------------------

function makeAls(): ALS<Scope> | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process;
  const mod = proc?.getBuiltinModule?.('node:async_hooks') as { AsyncLocalStorage?: new () => ALS<Scope> } | undefined;
  return mod?.AsyncLocalStorage ? new mod.AsyncLocalStorage() : null;
}

/** Floors of the allocation-driven generation boundary (storage.ts, MIN_COUNT / MIN_VOLUME). */
export const MIN_COUNT = 4096;
export const MIN_VOLUME = 32 << 20;

function unbound(): never {
  throw new Error('asgrad: the op registry was not loaded (import asgrad from its package entry)');
}

/** The state of this copy of asgrad. */
export const rt: Runtime = {
  copy: register(),
  grad: { enabled: true },
  scope: { als: makeAls(), stack: [], temps: null, tempsPool: [], tempsDepth: 0, isTensor: null },
  storage: {
    stats: { liveTensors: 0, liveStorages: 0, spills: 0, restores: 0 },
    naturalEpoch: 0,
    countBoundariesSinceNatural: 0,
    generation: 0,
    countSinceBoundary: 0,
    volumeSinceBoundary: 0,
    countLimit: MIN_COUNT,
    volumeLimit: MIN_VOLUME,
    resident: [],
    registry:
      typeof FinalizationRegistry !== 'undefined'
        ? new FinalizationRegistry<Ticket>((t) => {
            // A recount retired the ticket: the handle was no longer counted. A spilled storage
            // (not referred to, see Ticket) uncounts the handle when it is next used.
            if (t.retired) return;
            if (t.storage !== null) t.storage.detach();
            else t.lost++;
          })
        : null,
    guardPattern: -1,
    guarded: new Map(),
    guardFaults: [],
    heapView: new Uint8Array(0),
    heapWords: new Int32Array(0),
    inWalk: false,
    walkWords: null,
    boundary: { keepSavedFrom: 0, keepScopedFrom: 0, natural: false, readersOf: [] },
  },
  core: { exports: null, kernels: {}, metaPtr: 0, metaView: new Int32Array(0), initHooks: [], embedded: null },
  threads: { num: null, shared: null, helpers: [], minWork: 1 << 20, helperParts: 0, webHelperUrl: null },
  autograd: { nodeSeq: 0, pass: 0, lastMeta: null },
  anomaly: { enabled: false, checkNan: true, current: null },
  ops: {
    scalars: { float32: new Map(), float64: new Map(), int64: new Map(), bool: new Map() },
    typedKernels: new Map(),
    recent: { t0: null, v0: Number.NaN, t1: null, v1: Number.NaN },
  },
  late: { backward: unbound, regenerateViewGradFn: unbound, contiguousCopy: unbound },
  fuse: { minElements: 32768, flush: null, drop: null },
};
