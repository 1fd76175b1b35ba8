// Loading of the WebAssembly core and the thin typed view of its exports.
// Every tensor value lives in this module's linear memory; JS only holds pointers.

import type { CoreKernels } from './kernels.generated.js';
import { rt } from '../runtime.js';

/** The name of every function the core exports (generated from the built .wasm: see scripts/kernel-types.mjs). */
export type KernelName = Exclude<keyof CoreKernels, 'memory'>;

/** `B` where the core exports both `B_f32` and `B_f64`: a kernel family `kernelFor(B, dtype)` can pick from. */
export type FloatKernel = FamilyOf<'f32'> & FamilyOf<'f64'>;
type FamilyOf<S extends string> = KernelName extends infer K ? (K extends `${infer B}_${S}` ? B : never) : never;

/**
 * A kernel called through a name chosen at run time from a family (unary, binary, reduction...),
 * whose members differ in their trailing parameters; the name itself is still checked.
 */
export type KernelFn = (...args: number[]) => unknown;

/**
 * The core's exports the runtime itself uses. Results typed `usize` in assembly/ (pointers, byte
 * counts) arrive as signed i32 numbers: read them with `>>> 0`, or they turn negative past 2 GiB.
 * Pointers passed in are converted back modulo 2^32, so unsigned numbers up to 4 GiB are passed as they are.
 */
export type CoreExports = Pick<
  CoreKernels,
  | 'memory'
  | 'alloc'
  | 'free'
  | 'alloc_uncounted'
  | 'free_uncounted'
  | 'heap_bytes'
  | 'allocated_bytes'
  | 'peak_allocated_bytes'
  | 'reset_peak'
  | 'meta_ptr'
  | 'rng_seed'
  | 'rng_state_get'
  | 'rng_state_set'
  | 'set_limit_bytes'
>;

/** Where `torch.init` gets the WebAssembly core from (none needed in Node, which reads build/asgrad.wasm). */
export interface InitOptions {
  /** A precompiled module (required on Cloudflare workers, which forbid compiling bytes). */
  module?: WebAssembly.Module;
  /** The bytes of build/asgrad.wasm. */
  bytes?: BufferSource;
  /** Where to fetch build/asgrad.wasm from. */
  url?: string | URL;
}

/** The instance, its exports and the metadata view: rt.core (ts/runtime.ts). */
const C = rt.core;

function install(instance: WebAssembly.Instance): void {
  const exp = instance.exports as unknown as CoreExports;
  C.exports = exp;
  C.kernels = instance.exports;
  C.metaPtr = exp.meta_ptr();
  C.metaView = new Int32Array(0);
  for (const h of C.initHooks) h();
}

/** Registers a callback run once the core is instantiated (e.g. to reseed the RNG). */
export function onInit(fn: () => void): void {
  C.initHooks.push(fn);
  if (C.exports) fn();
}

/**
 * @internal Called by a bundle that embeds the .wasm bytes (build/asgrad.browser.js): the first
 * tensor operation then instantiates them synchronously, so a plain `import` works in a page.
 */
export function provideWasmBytes(bytes: Uint8Array): void {
  C.embedded = bytes;
}

/** True once the core is instantiated. */
export function isInitialised(): boolean {
  return C.exports !== null;
}

/** The URL of this module: import.meta.url, or in a CommonJS bundle (where import.meta is empty) __filename. */
function moduleUrl(): string | null {
  const here = (import.meta as { url?: string }).url;
  if (here) return here;
  const filename = cjsFilename();
  if (filename === undefined) return null;
  const url = nodeModule<{ pathToFileURL(p: string): URL }>('url');
  return url ? url.pathToFileURL(filename).href : null;
}

/** __filename of a CommonJS module (a bundle of a Node program); undefined in ESM, where it does not exist. */
function cjsFilename(): string | undefined {
  return typeof __filename === 'string' ? __filename : undefined;
}
declare const __filename: string | undefined;

/** A Node built-in module through process.getBuiltinModule (Node 20.16+, Deno, Bun), or null elsewhere. */
export function nodeModule<M>(name: string): M | null {
  const g = globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } };
  const get = g.process?.getBuiltinModule;
  return typeof get === 'function' ? ((get.call(g.process, name) as M | undefined) ?? null) : null;
}

/**
 * Where build/asgrad.wasm is, relative to this module, in each layout it ships in:
 *  - the sources (ts/core/wasm.ts, run by tsx, vitest, Bun):   ../../build/asgrad.wasm
 *  - the ESM build (build/ts/core/wasm.js, the package's main):  ../../asgrad.wasm
 *  - a bundle (build/asgrad.cjs, or a user's program bundled with asgrad): ./asgrad.wasm beside it
 * null when this module cannot tell where it is.
 */
export function defaultWasmUrl(): URL | null {
  const here = moduleUrl();
  if (!here) return null;
  const path = new URL(here).pathname;
  if (path.endsWith('/core/wasm.ts')) return new URL('../../build/asgrad.wasm', here);
  if (path.endsWith('/core/wasm.js')) return new URL('../../asgrad.wasm', here);
  return new URL('./asgrad.wasm', here);
}

const HOW =
  'call `await torch.init()` (reads or fetches asgrad.wasm beside the module), or `await torch.init({ module })` ' +
  'with a precompiled WebAssembly.Module (Cloudflare workers: import the .wasm), `{ bytes }` or `{ url }`, ' +
  'before the first tensor operation';

/** What to do when the .wasm is not where the module expects it: most often, a bundled program. */
const NOT_FOUND =
  "if this program is bundled (esbuild, webpack, rollup...), import 'asgrad/embedded' instead of 'asgrad' " +
  '(it carries the .wasm inside), or copy asgrad.wasm (node_modules/asgrad/build/asgrad.wasm) next to the ' +
  'bundle (docs/platforms.md, "Bundling a program"); in a checkout of asgrad itself, run `npm run build`; ' +
  'or pass the core yourself: `await torch.init({ bytes | module | url })`';

/** Reads a file: URL synchronously where the host has a file system (Node, Deno, Bun); null where it has none. */
function fileReader(): ((u: URL) => Uint8Array) | null {
  const g = globalThis as { Deno?: { readFileSync(p: URL): Uint8Array } };
  const deno = g.Deno;
  if (deno && typeof deno.readFileSync === 'function') return (u) => deno.readFileSync(u);
  const fs = nodeModule<{ readFileSync?(p: URL): Uint8Array }>('fs');
  const readFileSync = fs?.readFileSync;
  if (fs && typeof readFileSync === 'function') return (u) => readFileSync.call(fs, u);
  return null;
}

/** The bytes at a file: URL, with an error that says what to do when they are not there. */
function readCore(read: (u: URL) => Uint8Array, url: URL): Uint8Array {
  try {
    return read(url);
  } catch (e) {
    throw new Error(`asgrad: could not read the WebAssembly core at ${url.href} (${(e as Error).message}); ${NOT_FOUND}`);
  }
}

// ---- the threaded core ------------------------------------------------------------------------------
// build/asgrad.threads.wasm is the same code compiled with the threads feature and an imported
// shared memory (asconfig.json, target `threads`): the owner instance made here allocates and grows;
// the thread pool's helpers (core/threads.ts) instantiate the same module on the same memory and only
// run kernels on parts of the output. Its data segments were moved into a custom section by
// scripts/threads-wasm.mjs (an instantiation would rewrite them into the shared memory under the
// owner's feet), so the owner copies them in once, here, before instantiating.

/** Pages the threaded core's memory may grow to: 4 GiB, as the single-thread core. */
const MAX_PAGES = 65536;

/**
 * True where a thread pool can run: shared memory exists (a page must be cross-origin isolated for
 * it), and either the host has node:worker_threads (Node, Deno, Bun), whose threads may block in
 * Atomics.wait on the main thread too, or this is a browser's dedicated worker of a cross-origin
 * isolated page, which may block and start helper Web Workers. A page's main thread may not block,
 * and workerd has no threads: both keep one thread.
 */
export function threadsPossible(): boolean {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return false;
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown; DedicatedWorkerGlobalScope?: unknown };
  if (g.crossOriginIsolated === false) return false;
  const wt = nodeModule<{ Worker?: unknown }>('worker_threads');
  if (wt !== null) return typeof wt.Worker === 'function';
  const Dedicated = g.DedicatedWorkerGlobalScope;
  return (
    g.crossOriginIsolated === true && typeof Dedicated === 'function' && globalThis instanceof Dedicated && typeof g.Worker === 'function'
  );
}

/** True for the threaded build (it imports its memory; the single-thread build defines its own). */
function importsMemory(m: WebAssembly.Module): boolean {
  return WebAssembly.Module.imports(m).some((i) => i.kind === 'memory');
}

/** A fresh shared memory for the threaded module, holding its static data. */
function sharedMemoryFor(m: WebAssembly.Module): WebAssembly.Memory {
  // 16 pages: the minimum the module declares for its import (asconfig.json, initialMemory).
  const memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
  const section = WebAssembly.Module.customSections(m, 'asgrad.data')[0];
  if (section) {
    const dv = new DataView(section);
    const mem = new Uint8Array(memory.buffer);
    let pos = 4;
    for (let i = dv.getUint32(0, true); i > 0; i--) {
      const offset = dv.getUint32(pos, true);
      const len = dv.getUint32(pos + 4, true);
      mem.set(new Uint8Array(section, pos + 8, len), offset);
      pos += 8 + len;
    }
  }
  return memory;
}

/** The imports of module `m` (the shared memory for the threaded build), recording it for the pool. */
function importsFor(m: WebAssembly.Module): WebAssembly.Imports {
  if (!importsMemory(m)) return {};
  const memory = sharedMemoryFor(m);
  // The threaded build given where no pool can run (e.g. `torch.init({ url })` on a page's main
  // thread, which must never block in Atomics.wait): it runs, on one thread.
  if (threadsPossible()) rt.threads.shared = { module: m, memory };
  return { env: { memory } };
}

/** build/asgrad.threads.wasm beside asgrad.wasm. */
function threadsUrl(url: URL): URL {
  return new URL(url.href.replace(/asgrad\.wasm$/, 'asgrad.threads.wasm'));
}

/** The threaded core's bytes beside `url` where threads can run and the file is there; else null. */
function threadedBytes(read: (u: URL) => Uint8Array, url: URL): Uint8Array | null {
  if (!threadsPossible() || !url.href.endsWith('/asgrad.wasm')) return null;
  try {
    return read(threadsUrl(url));
  } catch {
    return null; // a copy of asgrad.wasm alone (e.g. beside a bundle): one thread
  }
}

/**
 * The threaded core fetched from beside `url` (asgrad.threads.wasm for asgrad.wasm) where a pool can
 * run and the core is fetched (a browser's dedicated worker); null elsewhere or when it is not
 * served there (then the single-thread core, and one thread).
 */
async function fetchThreaded(url: string | URL | null): Promise<ArrayBuffer | null> {
  if (url === null || !threadsPossible() || absolute(url)?.protocol === 'file:') return null;
  const href = String(url);
  if (!/(^|\/)asgrad\.wasm$/.test(href)) return null;
  try {
    const res = await fetch(href.replace(/asgrad\.wasm$/, 'asgrad.threads.wasm'));
    return res.ok ? await res.arrayBuffer() : null;
  } catch {
    return null;
  }
}

/** Synchronous instantiation where the bytes are at hand: embedded, or readable from a file (Node, Deno, Bun). */
function tryAutoInit(): boolean {
  let bytes: Uint8Array | null = C.embedded;
  if (!bytes) {
    const read = fileReader();
    if (!read) return false;
    const url = defaultWasmUrl();
    if (!url) throw new Error(`asgrad: this module cannot tell where it is, so it cannot find asgrad.wasm; ${NOT_FOUND}`);
    if (url.protocol !== 'file:') return false;
    bytes = threadedBytes(read, url) ?? readCore(read, url);
  }
  const m = new WebAssembly.Module(bytes as BufferSource);
  install(new WebAssembly.Instance(m, importsFor(m)));
  return true;
}

/** `opts.url` (or the default) as an absolute URL, or null for a relative one (a page resolves it when fetching). */
function absolute(url: string | URL): URL | null {
  try {
    return new URL(String(url));
  } catch {
    return null;
  }
}

/**
 * Instantiates the core from a precompiled module, bytes or a URL (default: asgrad.wasm beside the
 * module). A file: URL is read from disk (Node, Deno, Bun: fetch cannot read files in Node), any
 * other is fetched; where a pool can run, asgrad.threads.wasm beside it is preferred (in a browser's
 * dedicated worker of a cross-origin isolated page this is how threads start: even with embedded
 * bytes, it is fetched first). Needed where the .wasm cannot be had synchronously: a page loading the
 * unbundled ESM build, Cloudflare workers (which forbid compiling bytes at run time: pass the
 * imported module); elsewhere it compiles asynchronously what the first operation would otherwise
 * compile synchronously. Once the core is instantiated (by an earlier init or by a first
 * operation) this does nothing: replacing it would orphan every live tensor.
 */
export async function init(opts: InitOptions = {}): Promise<void> {
  if (C.exports) return;
  let m: WebAssembly.Module;
  if (opts.module) {
    m = opts.module;
  } else if (opts.bytes) {
    m = await WebAssembly.compile(opts.bytes);
  } else if (!opts.url && C.embedded) {
    m = await WebAssembly.compile((await fetchThreaded(defaultWasmUrl())) ?? (C.embedded as BufferSource));
  } else {
    const url = opts.url ?? defaultWasmUrl();
    if (url === null) throw new Error(`asgrad: this module cannot tell where it is, so it cannot find asgrad.wasm; ${NOT_FOUND}`);
    const abs = absolute(url);
    const read = abs?.protocol === 'file:' ? fileReader() : null;
    let bytes: BufferSource;
    const threaded = abs && read ? null : await fetchThreaded(url);
    if (abs && read) bytes = (threadedBytes(read, abs) ?? readCore(read, abs)) as BufferSource;
    else if (threaded) bytes = threaded;
    else {
      let res: Response;
      try {
        res = await fetch(url);
      } catch (e) {
        throw new Error(`asgrad: fetching the WebAssembly core from ${String(url)} failed (${(e as Error).message}); ${NOT_FOUND}`);
      }
      if (!res.ok) throw new Error(`asgrad: fetching the WebAssembly core from ${String(url)} failed: HTTP ${res.status}; ${NOT_FOUND}`);
      bytes = await res.arrayBuffer();
    }
    m = await WebAssembly.compile(bytes);
  }
  if (C.exports) return;
  // The threaded build needs shared memory; where there is none it cannot be instantiated at all.
  if (importsMemory(m) && !threadsPossible() && typeof SharedArrayBuffer !== 'function') {
    throw new Error(
      'asgrad: asgrad.threads.wasm needs SharedArrayBuffer, which this host lacks (a page must be cross-origin isolated): load asgrad.wasm instead',
    );
  }
  const shared = rt.threads.shared;
  const instance = await WebAssembly.instantiate(m, importsFor(m));
  if (!C.exports) install(instance);
  else rt.threads.shared = shared;
}

export function getCore(): CoreExports {
  if (C.exports) return C.exports;
  if (!tryAutoInit()) {
    throw new Error(`asgrad: the WebAssembly core is not initialised in this host; ${HOW}`);
  }
  return C.exports as unknown as CoreExports;
}

/**
 * Resolves an exported kernel by name, typed with its signature in the built .wasm; throws if the
 * core lacks it (a .wasm other than the one the sources were type-checked against).
 */
export function kernel<N extends KernelName>(name: N): CoreKernels[N] {
  if (!C.exports) getCore();
  const f = C.kernels[name];
  if (typeof f !== 'function') throw new Error(`asgrad: the WebAssembly core has no kernel '${name}'`);
  return f as CoreKernels[N];
}

/** The i32 metadata area shared with the kernels; re-derived whenever memory grew (old views detach). */
export function meta(): Int32Array {
  if (C.metaView.length === 0) {
    const c = getCore();
    C.metaView = new Int32Array(c.memory.buffer, C.metaPtr, 1024);
  }
  return C.metaView;
}

export function memoryBuffer(): ArrayBuffer {
  return getCore().memory.buffer;
}
