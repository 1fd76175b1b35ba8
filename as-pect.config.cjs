// as-pect configuration (CommonJS). Run with `npm run test:aspect`, which passes the spec builds'
// compiler settings (tests/assembly/as-pect.asconfig.json: as-pect's runtime + SIMD + its
// transform; the asgrad allocator detects the non-stub runtime and takes only pages it grows).
module.exports = {
  /** Spec files. */
  entries: ["tests/assembly/**/*.spec.ts"],
  /** Files added to every spec compilation. */
  include: ["tests/assembly/**/*.include.ts"],
  /** Files excluded from testing. */
  disclude: [/node_modules/],
  /** Imports for the test module (the asgrad core itself needs none). */
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
