// Builds the bundles beside build/asgrad.wasm (run by `npm run build` after the wasm and tsc steps):
//   build/asgrad.cjs          CommonJS (the "require" condition), reads ./asgrad.wasm beside itself
//   build/asgrad.browser.js   ESM for pages and bundlers (the "browser" condition), .wasm embedded as base64
//   build/asgrad.d.cts        types for the CommonJS entry
//   build/asgrad.node.cjs     `asgrad/node` (the Node file helpers) as CommonJS, on top of asgrad.cjs
//   build/asgrad.embedded.js  ESM for bundled programs (`asgrad/embedded`), .wasm embedded as base64
//   build/asgrad.embedded.cjs the same as CommonJS
//   build/cli.mjs             the `asgrad` command (train / eval Fashion-MNIST), on top of build/ts/
//   build/examples/workerd/   the workerd example's worker bundled as wrangler would, with asgrad.wasm beside it
// and prints the sizes (raw and gzipped).
import { build } from 'esbuild';
import { readFileSync, writeFileSync, mkdirSync, copyFileSync, chmodSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = (p) => join(root, 'build', p);
const quiet = process.argv.includes('--quiet');

await build({
  entryPoints: [join(root, 'ts/index.ts')],
  outfile: out('asgrad.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'es2022',
  // import.meta.url does not exist in CommonJS: give the loader this file's URL instead.
  banner: { js: "const __asgrad_module_url = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__asgrad_module_url' },
  logLevel: 'warning',
});
writeFileSync(
  out('asgrad.d.cts'),
  "// Types of the CommonJS entry: the same API as the ESM build.\nexport * from './ts/index.js';\nexport { default } from './ts/index.js';\n",
);

// `asgrad/node` for require(): ts/node.ts with the library left to ./asgrad.cjs (one copy of asgrad
// in the process, whichever entry is required first).
await build({
  entryPoints: [join(root, 'ts/node.ts')],
  outfile: out('asgrad.node.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'es2022',
  plugins: [
    {
      name: 'asgrad-cjs',
      setup(b) {
        b.onResolve({ filter: /^\.\/index\.js$/ }, () => ({ path: './asgrad.cjs', external: true }));
      },
    },
  ],
  logLevel: 'warning',
});
writeFileSync(
  out('asgrad.node.d.cts'),
  "// Types of the CommonJS `asgrad/node` entry: the same API as the ESM build.\nexport * from './ts/node.js';\n",
);

await build({
  entryPoints: [join(root, 'scripts/entries/browser.ts')],
  outfile: out('asgrad.browser.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  loader: { '.wasm': 'binary' },
  logLevel: 'warning',
});

// `asgrad/embedded`: the .wasm inside the JavaScript, for bundled Node programs (ESM and CommonJS).
// import.meta.url is defined away: with the bytes embedded nothing is located relative to the
// module, and a user's CommonJS bundle of this file then gets no "import.meta is empty" warning.
for (const [format, file] of [
  ['esm', 'asgrad.embedded.js'],
  ['cjs', 'asgrad.embedded.cjs'],
]) {
  await build({
    entryPoints: [join(root, 'scripts/entries/embedded.ts')],
    outfile: out(file),
    bundle: true,
    format,
    platform: 'neutral',
    target: 'es2022',
    loader: { '.wasm': 'binary' },
    define: { 'import.meta.url': 'undefined' },
    logLevel: 'warning',
  });
}

// The `asgrad` command (package.json "bin"): cli/bin.ts with the library left to the ESM build
// (./ts/index.js, ./ts/node.js beside it in build/), so the command and a program share one copy.
await build({
  entryPoints: [join(root, 'cli/bin.ts')],
  outfile: out('cli.mjs'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'es2022',
  banner: { js: '#!/usr/bin/env node' },
  plugins: [
    {
      name: 'asgrad-esm',
      setup(b) {
        b.onResolve({ filter: /^\.\.\/ts\/(index|node)\.js$/ }, (a) => ({ path: a.path.replace('../ts/', './ts/'), external: true }));
      },
    },
  ],
  logLevel: 'warning',
});
chmodSync(out('cli.mjs'), 0o755);

// The workerd example, bundled like wrangler does: `asgrad` resolved with the workerd condition,
// the .wasm kept as a separate module the config provides (workers cannot compile bytes at run time).
mkdirSync(out('examples/workerd'), { recursive: true });
await build({
  entryPoints: [join(root, 'examples/workerd/worker.js')],
  outfile: out('examples/workerd/worker.js'),
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  conditions: ['workerd', 'worker', 'import'],
  mainFields: ['module', 'main'],
  plugins: [
    {
      name: 'wasm-module',
      setup(b) {
        b.onResolve({ filter: /^asgrad\/asgrad\.wasm$/ }, () => ({ path: './asgrad.wasm', external: true }));
      },
    },
  ],
  logLevel: 'warning',
});
copyFileSync(out('asgrad.wasm'), out('examples/workerd/asgrad.wasm'));

const size = (p) => {
  const b = readFileSync(out(p));
  return { bytes: b.length, gzip: gzipSync(b, { level: 9 }).length };
};
const sizes = {
  'asgrad.wasm': size('asgrad.wasm'),
  'asgrad.browser.js': size('asgrad.browser.js'),
  'asgrad.cjs': size('asgrad.cjs'),
  'asgrad.embedded.js': size('asgrad.embedded.js'),
};
writeFileSync(out('sizes.json'), `${JSON.stringify(sizes, null, 2)}\n`);
if (!quiet) {
  for (const [k, v] of Object.entries(sizes)) {
    console.log(`build/${k}: ${(v.bytes / 1024).toFixed(1)} KiB (${(v.gzip / 1024).toFixed(1)} KiB gzipped)`);
  }
}
