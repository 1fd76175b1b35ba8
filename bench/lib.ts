// The library as the bench measures it: the build (build/ts, what `npm install asgrad` users run),
// not the TypeScript sources through tsx. tsx compiles with esbuild's keepNames, which wraps every
// named closure in a call that defines its `name`: 35% of W1's time on the sources (W1 10.2 µs
// against 6.6 µs on the build, same machine, same minute). ASGRAD_BENCH_SOURCE=1 measures the
// sources instead (for a profile that maps to them). Types come from the sources.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as Lib from '../ts/index.js';
import type * as Wasm from '../ts/core/wasm.js';

const fromSource = process.env.ASGRAD_BENCH_SOURCE === '1';
const built = new URL('../build/ts/index.js', import.meta.url);
if (!fromSource && !existsSync(fileURLToPath(built))) {
  throw new Error('bench: build/ts/index.js is missing: run `npm run build` first (or set ASGRAD_BENCH_SOURCE=1)');
}
// Specifiers as strings: the build need not exist for the type check.
const lib = (await import(fromSource ? '../ts/index.js' : (built.href as string))) as typeof Lib;
const wasm = (await import(fromSource ? '../ts/core/wasm.js' : new URL('../build/ts/core/wasm.js', import.meta.url).href)) as typeof Wasm;

export const torch = lib.torch;
export type Tensor = Lib.Tensor;
export const kernel = wasm.kernel;
