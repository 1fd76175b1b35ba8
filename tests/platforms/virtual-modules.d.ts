// Modules the platform bundles get from esbuild (tests/platforms/harness.ts), not from disk.
declare module 'asgrad-golden' {
  const golden: import('./hashes.js').GoldenFiles;
  export default golden;
}
declare module 'asgrad-wasm-module' {
  const module: WebAssembly.Module;
  export default module;
}
