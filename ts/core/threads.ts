// The thread pool behind torch.setNumThreads: matrix products (matmul, and through it linear,
// einsum's products), convolutions (whole samples), max pooling (whole planes) and the SGD / Adam
// steps (runs of elements) split by output across worker threads that share the core's memory,
// with the same bits for any number of threads.
//
// Why the bits cannot change: the GEMM (assembly/matmul.ts) gives every output element its sum from
// +0 in increasing k whatever the blocking, so a part of the output computed alone is exactly that
// part of the whole product. Parts are whole batches, whole rows or whole columns; a reduction
// axis (k) is never split. The other split kernels compute each unit (sample, plane, element)
// alone, exactly as in one call.
//
// How: the threaded core (build/asgrad.threads.wasm, loaded by core/wasm.ts where threads can run)
// imports a shared memory. The instance the library uses (the owner) allocates, grows and keeps
// every allocator global; each helper worker instantiates the same module on the same memory and
// only ever calls a part kernel (HELPER_KERNELS) on the part it is given, with a scratch block the
// owner allocated for it (a helper instance must not allocate: its allocator globals are its own). The owner
// writes a part's arguments into the helper's control slot, bumps the slot's sequence word and
// wakes it (Atomics.notify), runs its own part, then waits for each helper's done word (polling,
// then Atomics.wait). A helper that is still starting is simply not given a part. Both sides poll
// for a bounded time before they block (HELPER_SPIN_MS, OWNER_SPIN_MS): waking a blocked thread is
// the costly part of a hand-off.
//
// Small work stays on the calling thread: even a polling helper costs a hand-off and a split.
import { rt, type ThreadHelper } from '../runtime.js';
import { getCore, isInitialised, kernel, meta, nodeModule, threadsPossible, type KernelFn } from './wasm.js';

/** i32 words of a control slot: sequence, done, status, ready, kernel, then the 16 arguments. */
const SEQ = 0;
const DONE = 1;
const STATUS = 2;
const READY = 3;
const KERNEL = 4;
const ARGS = 5;
const SLOT_WORDS = 32;

/** What a helper can run: the slot's kernel word indexes this list (exports of the threaded core). */
const HELPER_KERNELS = [
  'matmul_part_f32',
  'matmul_part_f64',
  'conv_part_f32',
  'conv_part_f64',
  'max_pool2d_part_f32',
  'max_pool2d_part_f64',
  'max_pool2d_back_part_f32',
  'max_pool2d_back_part_f64',
  'sgd_part_f32',
  'sgd_part_f64',
  'adam_part_f32',
  'adam_part_f64',
] as const;
type HelperKernel = (typeof HELPER_KERNELS)[number];

/**
 * How long a helper keeps polling for its next part after the last one before it blocks in
 * Atomics.wait, in ms. Waking a blocked thread costs far more than the 1.5-25 µs a quiet machine
 * shows: on a 2-vCPU VM whose idle vCPU halts it took 94 µs (median, 300 µs after the last part),
 * against 0.6 µs for a thread still polling (`node scripts/handoff.mjs`). A training step
 * hands off parts every few hundred µs (W7: two products and an SGD step per 1 ms step), so a
 * helper that slept between them lost a tenth of a millisecond on each. Bounded, as OpenMP's
 * spin-then-sleep is: a process that stops using the pool keeps a core busy for at most this long.
 */
const HELPER_SPIN_MS = 1;
/**
 * How long the owner polls for a helper's part to end before it blocks. The parts are of nearly
 * equal size and the owner has nothing else to do meanwhile, so it polls through any part of an
 * ordinary product; only a helper delayed by far (a loaded machine) makes it block.
 */
const OWNER_SPIN_MS = 5;
/** Loads between two looks at the clock while polling (a load costs 10-20 ns, the clock ~50 ns). */
const POLL_BATCH = 256;

/**
 * What a helper runs, given `wasm`, `memory` and `slot`: instantiate the module on the shared
 * memory, say ready, then wait for parts (polling the sequence word for a while before
 * blocking). Self-contained text, so that it works from any build or
 * bundle of the library; HELPER_SOURCE (node:worker_threads) and WEB_HELPER_SOURCE (a Web Worker)
 * only differ in how those three arrive.
 */
const HELPER_BODY = `
const inst = new WebAssembly.Instance(wasm, { env: { memory } });
const kernels = ${JSON.stringify(HELPER_KERNELS)}.map((n) => inst.exports[n]);
const c = new Int32Array(memory.buffer, slot, ${SLOT_WORDS});
Atomics.store(c, ${READY}, 1);
let seen = Atomics.load(c, ${SEQ});
for (;;) {
  let s = Atomics.load(c, ${SEQ});
  if (s === seen) {
    const until = performance.now() + ${HELPER_SPIN_MS};
    do {
      for (let i = 0; s === seen && i < ${POLL_BATCH}; i++) s = Atomics.load(c, ${SEQ});
    } while (s === seen && performance.now() < until);
  }
  if (s === seen) {
    Atomics.wait(c, ${SEQ}, seen);
    continue;
  }
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
  const id = kernelId(dtype === 'f32' ? 'matmul_part_f32' : 'matmul_part_f64');
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
    runParts(jobs, id, () => part(...partArgs(0), 0), 'a matrix product');
    return undefined;
  };
}

/**
 * Sends each job (a helper and its arguments) to its helper as kernel `id`, runs `own` (the
 * calling thread's part) and returns once every helper is done; throws if a helper's part failed.
 */
function runParts(jobs: readonly [ThreadHelper, readonly number[]][], id: number, own: () => void, what: string): void {
  for (const [h, pa] of jobs) {
    const c = h.ctl;
    c[KERNEL] = id;
    for (let i = 0; i < 16; i++) c[ARGS + i] = pa[i] ?? 0;
    h.seq = (h.seq + 1) | 0;
    Atomics.store(c, SEQ, h.seq);
    Atomics.notify(c, SEQ);
  }
  own();
  let failed = false;
  for (const [h] of jobs) {
    const c = h.ctl;
    // Poll first (a part usually ends within microseconds of the owner's), then block.
    let d = Atomics.load(c, DONE);
    if (d !== h.seq) {
      const until = performance.now() + OWNER_SPIN_MS;
      do {
        for (let i = 0; d !== h.seq && i < POLL_BATCH; i++) d = Atomics.load(c, DONE);
      } while (d !== h.seq && performance.now() < until);
    }
    while (d !== h.seq) {
      Atomics.wait(c, DONE, d, 1000);
      d = Atomics.load(c, DONE);
    }
    if (Atomics.load(c, STATUS) !== 0) failed = true;
  }
  rt.threads.helperParts += jobs.length;
  if (failed) throw new Error(`asgrad: a helper thread failed while computing ${what}`);
}

/** Index of a helper kernel in the slot's kernel word. */
const kernelId = (name: HelperKernel): number => HELPER_KERNELS.indexOf(name);

/**
 * The per-sample products of a groups-1 convolution (ts/ops/kernels/conv.ts) split by whole
 * samples across the pool: each thread builds its samples' columns in its own buffer and runs
 * their products (and, for the input gradient, their col2im), so every sample's values are the
 * one-thread loop's. `kind`: 0 the output, 1 the weight gradient's per-sample terms, 2 the input
 * gradient (see conv_part in assembly/conv.ts). The geometry of one sample (N = 1) must be in the
 * metadata area. Returns false (nothing done) when the work is too small, only one thread may be
 * used or the buffers cannot be had; the caller then runs its own loop.
 */
export function convParts(
  dtype: 'f32' | 'f64',
  kind: 0 | 1 | 2,
  N: number,
  out: number,
  x: number,
  w: number,
  cout: number,
  ck: number,
  l: number,
): boolean {
  const T = rt.threads;
  if (T.shared === null || N < 2) return false;
  const threads = T.num ?? getNumThreads();
  if (threads <= 1 || N * cout * ck * l < T.minWork) return false;
  const helpers = readyHelpers(Math.min(threads, N) - 1);
  if (helpers.length === 0) return false;
  const core = getCore();
  const es = dtype === 'f32' ? 4 : 8;
  const [M, K, Nn] = kind === 0 ? [cout, ck, l] : kind === 1 ? [cout, l, ck] : [ck, cout, l];
  const pad = kernel('im2col_part_scratch')(es);
  const scratchBytes = Math.max(kernel('matmul_part_scratch')(M, K, Nn, es), pad);
  const colBytes = ck * l * es;
  const parts = helpers.length + 1;
  // One column buffer per thread, and the helpers' scratch, before any helper runs (a helper
  // instance must not allocate, and the owner's allocations must not move under a running part).
  const cols = colBytes * parts > 0xffff0000 ? 0 : core.alloc_uncounted(colBytes * parts) >>> 0;
  if (cols === 0) return false;
  const jobs: [ThreadHelper, number[]][] = [];
  for (let i = 0; i < helpers.length; i++) {
    const h = helpers[i] as ThreadHelper;
    const pk = helperScratch(h, scratchBytes);
    if (pk === 0) {
      core.free_uncounted(cols);
      return false;
    }
    const [n0, n1] = share(N, parts, i + 1);
    jobs.push([h, [kind, n0, n1, out, x, w, cols + (i + 1) * colBytes, cout, pk]]);
  }
  const run = kernel(dtype === 'f32' ? 'conv_part_f32' : 'conv_part_f64');
  const [n0, n1] = share(N, parts, 0);
  try {
    runParts(
      jobs,
      kernelId(dtype === 'f32' ? 'conv_part_f32' : 'conv_part_f64'),
      () => run(kind, n0, n1, out, x, w, cols, cout, 0),
      'a convolution',
    );
  } finally {
    core.free_uncounted(cols);
  }
  return true;
}

/**
 * Splits `units` independent units of work (planes, runs of elements) into parts, one per thread
 * (at most `threads`, and none when `work`, in multiply-add equivalents, is below the threshold):
 * helper i runs kernel `id` on args(lo, hi), the calling thread `part` (the same kernel) on its own. False when nothing
 * was split (the caller runs the whole kernel itself).
 */
function splitRun(
  units: number,
  work: number,
  id: number,
  args: (lo: number, hi: number) => readonly number[],
  part: KernelFn,
  what: string,
): boolean {
  const T = rt.threads;
  if (T.shared === null || units < 2 || work < T.minWork) return false;
  const threads = T.num ?? getNumThreads();
  if (threads <= 1) return false;
  const helpers = readyHelpers(Math.min(threads, units) - 1);
  if (helpers.length === 0) return false;
  const parts = helpers.length + 1;
  const jobs = helpers.map((h, i): [ThreadHelper, readonly number[]] => {
    const [lo, hi] = share(units, parts, i + 1);
    return [h, args(lo, hi)];
  });
  const [lo, hi] = share(units, parts, 0);
  runParts(jobs, id, () => part(...args(lo, hi)), what);
  return true;
}

/** Elements per unit of an elementwise split (whole SIMD blocks, so each element takes the path it takes in one call). */
const RUN = 64;
/** Multiply-add equivalents per element of an optimizer step (memory-bound: several streams per element). */
const OPTIM_COST = 16;
/** Multiply-add equivalents per input element of max_pool2d and its adjoint. */
const POOL_COST = 8;

/** f64 scalars in a fresh block of the shared memory (a helper receives only i32 words); the caller frees it. */
function scalarBlock(values: readonly number[]): number {
  const core = getCore();
  const blk = core.alloc_uncounted(values.length * 8) >>> 0;
  if (blk !== 0) new Float64Array(core.memory.buffer, blk, values.length).set(values);
  return blk;
}

/** Whether an optimizer step over n elements is worth splitting (checked before anything is allocated). */
function splitsOptim(n: number): boolean {
  const T = rt.threads;
  return n * OPTIM_COST >= T.minWork && (T.num ?? getNumThreads()) > 1;
}

/**
 * An optimizer step over n elements of es bytes (splitsOptim holds), split by runs of RUN
 * elements, or `plain()` when the pool cannot take it. Its float scalars go in one block the parts read
 * (a control slot holds i32 arguments only); `args(byteOffset, count, block)` gives a part's
 * arguments.
 */
function optimParts(
  n: number,
  es: number,
  scalars: readonly number[],
  id: number,
  part: KernelFn,
  what: string,
  plain: () => unknown,
  args: (o: number, count: number, blk: number) => number[],
): unknown {
  const blk = scalarBlock(scalars);
  if (blk === 0) return plain();
  try {
    const at = (lo: number, hi: number): number[] => {
      const i0 = lo * RUN;
      return args(i0 * es, Math.min(n, hi * RUN) - i0, blk);
    };
    if (!splitRun(Math.ceil(n / RUN), n * OPTIM_COST, id, at, part, what)) plain();
  } finally {
    getCore().free_uncounted(blk);
  }
  return undefined;
}

/**
 * The kernel `name_suffix` as the pool runs it (kernelFor in ops/kernels/call.ts): the matrix
 * product, max_pool2d and its adjoint (split by whole planes), SGD and Adam steps (split by runs
 * of elements); null for the kernels that always run on the calling thread.
 */
export function threadedKernel(name: string, suffix: string): KernelFn | null {
  if (suffix !== 'f32' && suffix !== 'f64') return null;
  if (name === 'matmul') return matmulKernel(suffix);
  if (rt.threads.shared === null) return null;
  const es = suffix === 'f32' ? 4 : 8;
  if (name === 'max_pool2d' || name === 'max_pool2d_back') {
    const back = name === 'max_pool2d_back';
    const whole = kernel(
      back ? (suffix === 'f32' ? 'max_pool2d_back_f32' : 'max_pool2d_back_f64') : suffix === 'f32' ? 'max_pool2d_f32' : 'max_pool2d_f64',
    );
    const partName = back ? (`max_pool2d_back_part_${suffix}` as const) : (`max_pool2d_part_${suffix}` as const);
    const part = kernel(partName) as KernelFn;
    const id = kernelId(partName);
    // forward (out, idx, x), adjoint (out, g, idx); the geometry is in the metadata area
    return (a: number, b: number, c: number): unknown => {
      const m = meta();
      const P = (m[0] as number) * (m[1] as number);
      const HW = (m[2] as number) * (m[3] as number);
      const L = (m[12] as number) * (m[13] as number);
      const at = back
        ? (lo: number, hi: number): number[] => [a + lo * HW * es, b + lo * L * es, c + lo * L * 8, hi - lo]
        : (lo: number, hi: number): number[] => [a + lo * L * es, b + lo * L * 8, c + lo * HW * es, hi - lo];
      if (!splitRun(P, P * HW * POOL_COST, id, at, part, 'a max pooling')) whole(a, b, c);
      return undefined;
    };
  }
  if (name === 'sgd') {
    const whole = kernel(suffix === 'f32' ? 'sgd_f32' : 'sgd_f64');
    const partName = `sgd_part_${suffix}` as const;
    const part = kernel(partName) as KernelFn;
    const id = kernelId(partName);
    return (
      p: number,
      g: number,
      buf: number,
      n: number,
      lr: number,
      momentum: number,
      damp: number,
      wd: number,
      nesterov: number,
      maximize: number,
      first: number,
    ): unknown => {
      if (!splitsOptim(n)) return whole(p, g, buf, n, lr, momentum, damp, wd, nesterov, maximize, first);
      const plain = (): unknown => whole(p, g, buf, n, lr, momentum, damp, wd, nesterov, maximize, first);
      return optimParts(n, es, [lr, momentum, damp, wd], id, part, 'an SGD step', plain, (o, count, blk) => [
        p + o,
        g + o,
        buf === 0 ? 0 : buf + o,
        count,
        blk,
        nesterov,
        maximize,
        first,
      ]);
    };
  }
  if (name === 'adam') {
    const whole = kernel(suffix === 'f32' ? 'adam_f32' : 'adam_f64');
    const partName = `adam_part_${suffix}` as const;
    const part = kernel(partName) as KernelFn;
    const id = kernelId(partName);
    return (
      p: number,
      g: number,
      m: number,
      v: number,
      vmax: number,
      n: number,
      lr: number,
      b1: number,
      b2: number,
      eps: number,
      wd: number,
      step: number,
      amsgrad: number,
      maximize: number,
      decoupled: number,
    ): unknown => {
      if (!splitsOptim(n)) return whole(p, g, m, v, vmax, n, lr, b1, b2, eps, wd, step, amsgrad, maximize, decoupled);
      const plain = (): unknown => whole(p, g, m, v, vmax, n, lr, b1, b2, eps, wd, step, amsgrad, maximize, decoupled);
      return optimParts(n, es, [lr, b1, b2, eps, wd, step], id, part, 'an Adam step', plain, (o, count, blk) => [
        p + o,
        g + o,
        m + o,
        v + o,
        vmax === 0 ? 0 : vmax + o,
        count,
        blk,
        amsgrad,
        maximize,
        decoupled,
      ]);
    };
  }
  return null;
}
