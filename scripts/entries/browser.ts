// Entry of build/asgrad.browser.js: the library with the .wasm embedded (esbuild's binary loader
// inlines it as base64), so a plain `import { torch } from './asgrad.browser.js'` works in a page:
// the first tensor operation instantiates the core synchronously. That is allowed on a browser's
// main thread while the module stays under Chromium's 8 MB limit for synchronous compilation
// (build/asgrad.wasm is far below it); `await torch.init()` still works and compiles asynchronously.
import wasm from '../../build/asgrad.wasm';
import { provideWasmBytes } from '../../ts/core/wasm.js';

provideWasmBytes(wasm as Uint8Array);

export * from '../../ts/index.js';
export { default } from '../../ts/index.js';
