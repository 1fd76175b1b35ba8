// Entry of build/asgrad.embedded.js / .cjs (`asgrad/embedded`): the library with the .wasm embedded
// (esbuild's binary loader inlines it as base64), for programs that are bundled or copied without
// node_modules, e.g. `esbuild app.mjs --bundle --platform=node`: nothing is read from disk, the
// first tensor operation (or `await torch.init()`) instantiates the embedded bytes. The same
// content as the browser bundle, built for any platform and not minified.
import wasm from '../../build/asgrad.wasm';
import { provideWasmBytes } from '../../ts/core/wasm.js';

provideWasmBytes(wasm as Uint8Array);

export * from '../../ts/index.js';
export { default } from '../../ts/index.js';
