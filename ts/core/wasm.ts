// Loading of the WebAssembly core and the thin typed view of its exports.
// Every tensor value lives in this module's linear memory; JS only holds pointers.

export type KernelFn = (...args: number[]) => number;

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

function defaultWasmUrl(): URL {
  return new URL('../../build/asgrad.wasm', import.meta.url);
}

/** Synchronous instantiation where the host can read the .wasm file itself (Node, Deno, Bun). */
function tryAutoInit(): boolean {
  const proc = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process;
  const getBuiltin = proc?.getBuiltinModule;
  let bytes: Uint8Array | null = null;
  if (typeof getBuiltin === 'function') {
    const fs = getBuiltin('fs') as { readFileSync(p: URL): Uint8Array };
    bytes = fs.readFileSync(defaultWasmUrl());
  } else {
    const deno = (globalThis as { Deno?: { readFileSync(p: URL): Uint8Array } }).Deno;
    if (deno) bytes = deno.readFileSync(defaultWasmUrl());
  }
  if (!bytes) return false;
  install(new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), {}));
  return true;
}

/** Instantiates the core from a module, bytes or URL. Needed where the .wasm cannot be read synchronously. */
export async function init(opts: InitOptions = {}): Promise<void> {
  if (opts.module) {
    install(await WebAssembly.instantiate(opts.module, {}));
  } else if (opts.bytes) {
    const { instance } = await WebAssembly.instantiate(opts.bytes, {});
    install(instance);
  } else {
    const url = opts.url ?? defaultWasmUrl();
    const res = await fetch(url);
    const { instance } = await WebAssembly.instantiate(await res.arrayBuffer(), {});
    install(instance);
  }
}

export function getCore(): CoreExports {
  if (core) return core;
  if (!tryAutoInit()) {
    throw new Error(
      'asgrad: the WebAssembly core is not initialised; call `await torch.init()` (or ' +
        '`torch.init({ module })` / `{ bytes }` / `{ url }`) before the first tensor operation',
    );
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
