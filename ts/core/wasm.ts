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

/** Synchronous instantiation where the bytes are at hand: embedded, or readable from a file (Node, Deno, Bun). */
function tryAutoInit(): boolean {
  let bytes: Uint8Array | null = C.embedded;
  if (!bytes) {
    const read = fileReader();
    if (!read) return false;
    const url = defaultWasmUrl();
    if (!url) throw new Error(`asgrad: this module cannot tell where it is, so it cannot find asgrad.wasm; ${NOT_FOUND}`);
    if (url.protocol !== 'file:') return false;
    bytes = readCore(read, url);
  }
  install(new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), {}));
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
 * other is fetched. Needed where the .wasm cannot be had synchronously: a page loading the
 * unbundled ESM build, Cloudflare workers (which forbid compiling bytes at run time: pass the
 * imported module); elsewhere it compiles asynchronously what the first operation would otherwise
 * compile synchronously. Once the core is instantiated (by an earlier init or by a first
 * operation) this does nothing: replacing it would orphan every live tensor.
 */
export async function init(opts: InitOptions = {}): Promise<void> {
  if (C.exports) return;
  let instance: WebAssembly.Instance;
  if (opts.module) {
    instance = await WebAssembly.instantiate(opts.module, {});
  } else if (opts.bytes) {
    instance = (await WebAssembly.instantiate(opts.bytes, {})).instance;
  } else if (!opts.url && C.embedded) {
    instance = (await WebAssembly.instantiate(C.embedded as BufferSource, {})).instance;
  } else {
    const url = opts.url ?? defaultWasmUrl();
    if (url === null) throw new Error(`asgrad: this module cannot tell where it is, so it cannot find asgrad.wasm; ${NOT_FOUND}`);
    const abs = absolute(url);
    const read = abs?.protocol === 'file:' ? fileReader() : null;
    let bytes: BufferSource;
    if (abs && read) bytes = readCore(read, abs) as BufferSource;
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
    instance = (await WebAssembly.instantiate(bytes, {})).instance;
  }
  if (!C.exports) install(instance);
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
