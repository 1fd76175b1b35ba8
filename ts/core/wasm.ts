// Loading of the WebAssembly core and the thin typed view of its exports.
// Every tensor value lives in this module's linear memory; JS only holds pointers.

export type KernelFn = (...args: number[]) => number;

/**
 * The core's exports. Results typed `usize` in assembly/ (pointers, byte counts) arrive as signed
 * i32 numbers: read them with `>>> 0`, or they turn negative past 2 GiB. Pointers passed in are
 * converted back modulo 2^32, so unsigned numbers up to 4 GiB are passed as they are.
 */
export interface CoreExports {
  readonly memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  free(ptr: number): void;
  heap_bytes(): number;
  allocated_bytes(): number;
  peak_allocated_bytes(): number;
  reset_peak(): void;
  meta_ptr(): number;
  rng_seed(lo: number, hi: number): void;
  set_limit_bytes(bytes: number): void;
}

export interface InitOptions {
  /** A precompiled module (required on Cloudflare workers, which forbid compiling bytes). */
  module?: WebAssembly.Module;
  /** The bytes of build/asgrad.wasm. */
  bytes?: BufferSource;
  /** Where to fetch build/asgrad.wasm from. */
  url?: string | URL;
}

let core: CoreExports | null = null;
let kernels: Record<string, KernelFn> = {};
let metaPtr = 0;
let metaView = new Int32Array(0);
const initHooks: Array<() => void> = [];
/** Bytes embedded by a bundle (the browser bundle carries the .wasm as base64). */
let embedded: Uint8Array | null = null;

function install(instance: WebAssembly.Instance): void {
  const exp = instance.exports as unknown as CoreExports & Record<string, KernelFn>;
  core = exp;
  kernels = exp as unknown as Record<string, KernelFn>;
  metaPtr = exp.meta_ptr();
  metaView = new Int32Array(0);
  for (const h of initHooks) h();
}

/** Registers a callback run once the core is instantiated (e.g. to reseed the RNG). */
export function onInit(fn: () => void): void {
  initHooks.push(fn);
  if (core) fn();
}

/**
 * @internal Called by a bundle that embeds the .wasm bytes (build/asgrad.browser.js): the first
 * tensor operation then instantiates them synchronously, so a plain `import` works in a page.
 */
export function provideWasmBytes(bytes: Uint8Array): void {
  embedded = bytes;
}

/** True once the core is instantiated. */
export function isInitialised(): boolean {
  return core !== null;
}

/**
 * Where build/asgrad.wasm is, relative to this module, in each layout it ships in:
 *  - the sources (ts/core/wasm.ts, run by tsx, vitest, Bun):   ../../build/asgrad.wasm
 *  - the ESM build (build/ts/core/wasm.js, the package's main):  ../../asgrad.wasm
 *  - a bundle in build/ (asgrad.cjs, asgrad.browser.js):        ./asgrad.wasm
 */
export function defaultWasmUrl(): URL {
  const here = import.meta.url;
  const path = new URL(here).pathname;
  if (path.endsWith('/core/wasm.ts')) return new URL('../../build/asgrad.wasm', here);
  if (path.endsWith('/core/wasm.js')) return new URL('../../asgrad.wasm', here);
  return new URL('./asgrad.wasm', here);
}

const HOW =
  'call `await torch.init()` (fetches asgrad.wasm beside the module), or `await torch.init({ module })` ' +
  'with a precompiled WebAssembly.Module (Cloudflare workers: import the .wasm), `{ bytes }` or `{ url }`, ' +
  'before the first tensor operation';

/** Synchronous instantiation where the bytes are at hand: embedded, or readable from a file (Node, Deno, Bun). */
function tryAutoInit(): boolean {
  let bytes: Uint8Array | null = embedded;
  if (!bytes) {
    const g = globalThis as {
      process?: { getBuiltinModule?: (name: string) => unknown };
      Deno?: { readFileSync(p: URL): Uint8Array };
    };
    const getBuiltin = g.process?.getBuiltinModule;
    let read: ((p: URL) => Uint8Array) | null = null;
    if (g.Deno && typeof g.Deno.readFileSync === 'function') read = (p) => g.Deno!.readFileSync(p);
    else if (typeof getBuiltin === 'function') {
      const fs = getBuiltin.call(g.process, 'fs') as { readFileSync?(p: URL): Uint8Array } | undefined;
      if (fs && typeof fs.readFileSync === 'function') read = (p) => fs.readFileSync!(p);
    }
    if (!read) return false;
    let url: URL | null = null;
    try {
      url = defaultWasmUrl();
      if (url.protocol !== 'file:') return false;
      bytes = read(url);
    } catch (e) {
      throw new Error(
        `asgrad: could not read the WebAssembly core at ${url?.href ?? '(unknown)'} (${(e as Error).message}); ` +
          `run \`npm run build\`, or ${HOW}`,
      );
    }
  }
  install(new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), {}));
  return true;
}

/**
 * Instantiates the core from a precompiled module, bytes or a URL (default: asgrad.wasm beside the
 * module). Needed where the .wasm cannot be had synchronously: a page loading the unbundled ESM
 * build, Cloudflare workers (which forbid compiling bytes at run time: pass the imported module).
 * Once the core is instantiated (by an earlier init or by a first operation) this does nothing:
 * replacing it would orphan every live tensor.
 */
export async function init(opts: InitOptions = {}): Promise<void> {
  if (core) return;
  let instance: WebAssembly.Instance;
  if (opts.module) {
    instance = await WebAssembly.instantiate(opts.module, {});
  } else if (opts.bytes) {
    instance = (await WebAssembly.instantiate(opts.bytes, {})).instance;
  } else if (!opts.url && embedded) {
    instance = (await WebAssembly.instantiate(embedded as BufferSource, {})).instance;
  } else {
    const url = opts.url ?? defaultWasmUrl();
    const res = await fetch(url);
    if (!res.ok) throw new Error(`asgrad: fetching the WebAssembly core from ${String(url)} failed: HTTP ${res.status}`);
    instance = (await WebAssembly.instantiate(await res.arrayBuffer(), {})).instance;
  }
  if (!core) install(instance);
}

export function getCore(): CoreExports {
  if (core) return core;
  if (!tryAutoInit()) {
    throw new Error(`asgrad: the WebAssembly core is not initialised in this host; ${HOW}`);
  }
  return core as unknown as CoreExports;
}

/** Resolves an exported kernel by name; throws if the core lacks it (a build mismatch). */
export function kernel(name: string): KernelFn {
  if (!core) getCore();
  const f = kernels[name];
  if (typeof f !== 'function') throw new Error(`asgrad: the WebAssembly core has no kernel '${name}'`);
  return f;
}

/** The i32 metadata area shared with the kernels; re-derived whenever memory grew (old views detach). */
export function meta(): Int32Array {
  if (metaView.length === 0) {
    const c = getCore();
    metaView = new Int32Array(c.memory.buffer, metaPtr, 1024);
  }
  return metaView;
}

export function memoryBuffer(): ArrayBuffer {
  return getCore().memory.buffer;
}
