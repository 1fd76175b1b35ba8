// The thread pool behind torch.setNumThreads: matrix products (matmul, and through it linear, the
// convolution GEMMs, einsum's products) split by output across worker threads that share the
// core's memory, with the same bits for any number of threads.
//
// Why the bits cannot change: the GEMM (assembly/matmul.ts) gives every output element its sum from
// +0 in increasing k whatever the blocking, so a part of the output computed alone is exactly that
// part of the whole product. Parts are whole batches, whole rows or whole columns; a reduction
// axis (k) is never split.
//
// How: the threaded core (build/asgrad.threads.wasm, loaded by core/wasm.ts where threads can run)
// imports a shared memory. The instance the library uses (the owner) allocates, grows and keeps
// every allocator global; each helper worker instantiates the same module on the same memory and
// only ever calls matmul_part_* on the part it is given, with a scratch block the owner allocated
// for it (a helper instance must not allocate: its allocator globals are its own). The owner
// writes a part's arguments into the helper's control slot, bumps the slot's sequence word and
// wakes it (Atomics.notify), runs its own part, then waits (Atomics.wait) for each helper's done
// word. A helper that is still starting is simply not given a part.
//
// Small products stay on the calling thread: waking a helper costs 1.5-25 µs.
import { rt, type ThreadHelper } from '../runtime.js';
import { getCore, isInitialised, kernel, nodeModule, threadsPossible, type KernelFn } from './wasm.js';

/** i32 words of a control slot: sequence, done, status, ready, kernel, then the 16 arguments. */
const SEQ = 0;
const DONE = 1;
const STATUS = 2;
const READY = 3;
const KERNEL = 4;
const ARGS = 5;
const SLOT_WORDS = 32;
// The slot's kernel word: 0 matmul_part_f32, 1 matmul_part_f64 (the helper's `kernels` list).

/**
 * What a helper runs, given `wasm`, `memory` and `slot`: instantiate the module on the shared
 * memory, say ready, then wait for parts. Self-contained text, so that it works from any build or
 * bundle of the library; HELPER_SOURCE (node:worker_threads) and WEB_HELPER_SOURCE (a Web Worker)
 * only differ in how those three arrive.
 */
const HELPER_BODY = `
const inst = new WebAssembly.Instance(wasm, { env: { memory } });
const kernels = [inst.exports.matmul_part_f32, inst.exports.matmul_part_f64];
const c = new Int32Array(memory.buffer, slot, ${SLOT_WORDS});
Atomics.store(c, ${READY}, 1);
let seen = Atomics.load(c, ${SEQ});
for (;;) {
  Atomics.wait(c, ${SEQ}, seen);
  const s = Atomics.load(c, ${SEQ});
  if (s === seen) continue;
  seen = s;
  const k = kernels[c[${KERNEL}]];
  if (k === undefined) break;
  let status = 0;
  try {
    k(c[${ARGS}], c[${ARGS + 1}], c[${ARGS + 2}], c[${ARGS + 3}], c[${ARGS + 4}], c[${ARGS + 5}], c[${ARGS + 6}], c[${ARGS + 7}],
      c[${ARGS + 8}], c[${ARGS + 9}], c[${ARGS + 10}], c[${ARGS + 11}], c[${ARGS + 12}], c[${ARGS + 13}], c[${ARGS + 14}], c[${ARGS + 15}]);
  } catch (e) {
    status = 1;
  }
  Atomics.store(c, ${STATUS}, status);
  Atomics.store(c, ${DONE}, s);
  Atomics.notify(c, ${DONE});
}
`;
/** A node:worker_threads helper (evaluated as CommonJS): its arguments are its workerData. */
const HELPER_SOURCE = `'use strict';\nconst { wasm, memory, slot } = require('worker_threads').workerData;${HELPER_BODY}`;
/**
 * A Web Worker helper (a dedicated worker's pool, see webHelper): its arguments are the first
 * message; it then blocks in Atomics.wait, which workers may do.
 */
const WEB_HELPER_SOURCE = `'use strict';\nself.onmessage = (e) => {\nself.onmessage = null;\nconst { wasm, memory, slot } = e.data;${HELPER_BODY}};\n`;

/** The node:worker_threads Worker class, as far as the pool uses it. */
interface NodeWorker {
  unref(): void;
  terminate(): unknown;
  on(event: 'error', fn: (e: unknown) => void): unknown;
}
type WorkerCtor = new (src: string, opts: { eval: true; workerData: unknown }) => NodeWorker;

/** The cores this process may use (os.availableParallelism, navigator.hardwareConcurrency), at least 1. */
function availableCores(): number {
  const os = nodeModule<{ availableParallelism?: () => number; cpus?: () => unknown[] }>('os');
  let n = 0;
  if (os?.availableParallelism) n = os.availableParallelism();
  else if (os?.cpus) n = os.cpus().length;
  else n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  return Math.max(1, Math.floor(n) || 1);
}

/**
 * True when the core in use is the threaded build (instantiating the core if needed, which only
 * happens where threads can run: a page that has not called torch.init is not asked for its core).
 */
function threaded(): boolean {
  if (!isInitialised() && !threadsPossible()) return false;
  getCore();
  return rt.threads.shared !== null;
}

/** torch.getNumThreads(): the threads products may use; the cores available by default, 1 where threads cannot run. */
export function getNumThreads(): number {
  if (!threaded()) return 1;
  rt.threads.num ??= availableCores();
  return rt.threads.num;
}

/**
 * torch.setNumThreads(n) (n validated by the caller): products use up to n threads, the calling one
 * included. Where threads cannot run (a page's main thread, workerd, no SharedArrayBuffer) it stays 1.
 */
export function setNumThreads(n: number): void {
  if (!threaded()) return;
  rt.threads.num = n;
}

/** What a helper is given: the threaded module, the shared memory and its control slot's address. */
interface HelperData {
  wasm: WebAssembly.Module;
  memory: WebAssembly.Memory;
  slot: number;
}

/** A node:worker_threads helper, or null where there is no such module (browsers). */
function nodeHelper(data: HelperData): ThreadHelper['worker'] | null {
  const Worker = nodeModule<{ Worker?: WorkerCtor }>('worker_threads')?.Worker;
  if (typeof Worker !== 'function') return null;
  const worker = new Worker(HELPER_SOURCE, { eval: true, workerData: data });
  // A helper must never keep the process alive: it only ever waits for parts.
  worker.unref();
  // A helper that fails to start never says ready, so it is never given a part.
  worker.on('error', () => {});
  return worker;
}

/** A Web Worker, as far as the pool uses it. */
interface WebWorker {
  terminate(): void;
  postMessage(data: unknown): void;
  onerror: ((e: unknown) => unknown) | null;
}
type WebWorkerCtor = new (url: string, opts?: { name?: string }) => WebWorker;

/**
 * The URL of WEB_HELPER_SOURCE: a Blob URL made once per copy of the library (a data: URL where
 * Blob URLs are not available). Kept for the life of the page: every helper starts from it.
 */
function webHelperUrl(): string {
  const T = rt.threads;
  if (T.webHelperUrl !== null) return T.webHelperUrl;
  try {
    T.webHelperUrl = URL.createObjectURL(new Blob([WEB_HELPER_SOURCE], { type: 'text/javascript' }));
  } catch {
    T.webHelperUrl = `data:text/javascript,${encodeURIComponent(WEB_HELPER_SOURCE)}`;
  }
  return T.webHelperUrl;
}

/**
 * A Web Worker helper (in a browser's dedicated worker, where threadsPossible holds): the module
 * and the shared memory go by postMessage. The owner never waits for it to start: until it has
 * instantiated the module and said ready, it is simply not given a part.
 */
function webHelper(data: HelperData): ThreadHelper['worker'] | null {
  const Worker = (globalThis as { Worker?: WebWorkerCtor }).Worker;
  if (typeof Worker !== 'function') return null;
  const worker = new Worker(webHelperUrl(), { name: 'asgrad helper' });
  // A helper that fails to start (a content security policy, no memory) never says ready.
  worker.onerror = () => {};
  worker.postMessage(data);
  return worker;
}

/** Starts the helpers missing for the current thread count (they become usable once ready). */
function spawnHelpers(want: number): void {
  const T = rt.threads;
  const shared = T.shared;
  if (!shared || T.helpers.length >= want) return;
  const core = getCore();
  while (T.helpers.length < want) {
    const slot = core.alloc_uncounted(SLOT_WORDS * 4) >>> 0;
    if (slot === 0) return;
    const ctl = new Int32Array(core.memory.buffer, slot, SLOT_WORDS);
    ctl.fill(0);
    const data: HelperData = { wasm: shared.module, memory: shared.memory, slot };
    let worker: ThreadHelper['worker'] | null;
    try {
      worker = nodeHelper(data) ?? webHelper(data);
    } catch {
      worker = null;
    }
    if (worker === null) {
      core.free_uncounted(slot);
      return;
    }
    T.helpers.push({ worker, slot, ctl, seq: 0, scratch: 0, scratchBytes: 0 });
  }
}

/** The ready helpers, at most `max`, starting the missing ones. */
function readyHelpers(max: number): ThreadHelper[] {
  spawnHelpers(max);
  const out: ThreadHelper[] = [];
  for (const h of rt.threads.helpers) {
    if (out.length === max) break;
    if (Atomics.load(h.ctl, READY) === 1) out.push(h);
  }
  return out;
}

/**
 * Resolves once every helper of the current thread count has started (or after `timeoutMs`):
 * products before then simply use fewer threads. For tests and benchmarks that want every thread.
 */
export async function threadsReady(timeoutMs = 10000): Promise<number> {
  const want = getNumThreads() - 1;
  spawnHelpers(want);
  const end = Date.now() + timeoutMs;
  const count = (): number => rt.threads.helpers.slice(0, want).filter((h) => Atomics.load(h.ctl, READY) === 1).length;
  while (count() < want && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  return count() + 1;
}

/** Parts of products run by helper threads so far (a test's proof that a product was split). */
export function helperParts(): number {
  return rt.threads.helperParts;
}

/** Sets the multiply-adds below which a product stays on one thread (tests split small products); returns the old value. */
export function setThreadMinWork(n: number): number {
  const old = rt.threads.minWork;
  rt.threads.minWork = n;
  return old;
}

/** A helper's scratch block of at least `bytes`, or 0 when it cannot be had. */
function helperScratch(h: ThreadHelper, bytes: number): number {
  if (h.scratchBytes >= bytes && h.scratch !== 0) return h.scratch;
  const core = getCore();
  if (h.scratch !== 0) core.free_uncounted(h.scratch);
  h.scratch = bytes > 0xffff0000 ? 0 : core.alloc_uncounted(bytes) >>> 0;
  h.scratchBytes = h.scratch === 0 ? 0 : bytes;
  return h.scratch;
}

/** [start, end) of part p of `units` units split into `parts` nearly equal runs. */
function share(units: number, parts: number, p: number): [number, number] {
  return [Math.floor((units * p) / parts), Math.floor((units * (p + 1)) / parts)];
}

/**
 * The matmul kernel of `dtype` for kernelFor (ops/kernels/call.ts): the arguments of matmul_f32/f64
 * (out, a, b, batch, M, K, N, then A's and B's batch, row and column strides, in elements), split
 * across the pool when the product is large enough and helpers are ready, else the plain kernel.
 */
export function matmulKernel(dtype: 'f32' | 'f64'): KernelFn {
  const whole = kernel(dtype === 'f32' ? 'matmul_f32' : 'matmul_f64') as KernelFn;
  if (rt.threads.shared === null) return whole;
  const part = kernel(dtype === 'f32' ? 'matmul_part_f32' : 'matmul_part_f64') as KernelFn;
  const scratchBytes = kernel('matmul_part_scratch');
  const id = dtype === 'f32' ? 0 : 1;
  const es = dtype === 'f32' ? 4 : 8;
  // Thirteen named parameters (not a rest array): this runs for every product, small ones included.
  return (
    out: number,
    a: number,
    b: number,
    batch: number,
    M: number,
    K: number,
    N: number,
    aBs: number,
    aRs: number,
    aCs: number,
    bBs: number,
    bRs: number,
    bCs: number,
  ): unknown => {
    const T = rt.threads;
    const threads = T.num ?? getNumThreads();
    if (threads <= 1 || batch * M * N * K < T.minWork) return whole(out, a, b, batch, M, K, N, aBs, aRs, aCs, bBs, bRs, bCs);
    // Whole batches when there are enough, else whole rows (runs of 4, the micro-kernel's height),
    // else whole columns (runs of 8, its width): the longest of the three is split.
    const kind = batch >= threads ? 0 : M >= N ? 1 : 2;
    const units = kind === 0 ? batch : kind === 1 ? Math.ceil(M / 4) : Math.ceil(N / 8);
    const helpers = readyHelpers(Math.min(threads, units) - 1);
    if (helpers.length === 0) return whole(out, a, b, batch, M, K, N, aBs, aRs, aCs, bBs, bRs, bCs);
    const parts = helpers.length + 1;
    const partArgs = (p: number): number[] => {
      const [lo, hi] = share(units, parts, p);
      if (kind === 0) {
        return [out + lo * M * N * es, a + lo * aBs * es, b + lo * bBs * es, hi - lo, M, K, N, aBs, aRs, aCs, bBs, bRs, bCs, M * N, N];
      }
      if (kind === 1) {
        const r0 = lo * 4;
        const r1 = Math.min(M, hi * 4);
        return [out + r0 * N * es, a + r0 * aRs * es, b, batch, r1 - r0, K, N, aBs, aRs, aCs, bBs, bRs, bCs, M * N, N];
      }
      const c0 = lo * 8;
      const c1 = Math.min(N, hi * 8);
      return [out + c0 * es, a, b + c0 * bCs * es, batch, M, K, c1 - c0, aBs, aRs, aCs, bBs, bRs, bCs, M * N, N];
    };
    // Scratch first: the owner's allocations must happen before any helper runs.
    const jobs: [ThreadHelper, number[]][] = [];
    for (let i = 0; i < helpers.length; i++) {
      const h = helpers[i] as ThreadHelper;
      const pa = partArgs(i + 1);
      const pk = helperScratch(h, scratchBytes(pa[4] as number, K, pa[6] as number, es));
      if (pk === 0) return whole(out, a, b, batch, M, K, N, aBs, aRs, aCs, bBs, bRs, bCs);
      pa.push(pk);
      jobs.push([h, pa]);
    }
    for (const [h, pa] of jobs) {
      const c = h.ctl;
      c[KERNEL] = id;
      for (let i = 0; i < 16; i++) c[ARGS + i] = pa[i] as number;
      h.seq = (h.seq + 1) | 0;
      Atomics.store(c, SEQ, h.seq);
      Atomics.notify(c, SEQ);
    }
    part(...partArgs(0), 0);
    let failed = false;
    for (const [h] of jobs) {
      const c = h.ctl;
      for (;;) {
        const d = Atomics.load(c, DONE);
        if (d === h.seq) break;
        Atomics.wait(c, DONE, d, 1000);
      }
      if (Atomics.load(c, STATUS) !== 0) failed = true;
    }
    T.helperParts += jobs.length;
    if (failed) throw new Error('asgrad: a helper thread failed while computing a matrix product');
    return undefined;
  };
}
