// npm run conformance -- --dir <folder>: runs every golden item of the folder (default
// ../shared/golden) through the built package (build/ts/index.js; the npm script builds first),
// prints one line per failure, then `N passed, M failed, K skipped`. The exit code is non-zero when
// anything failed or nothing passed (an empty folder, a folder with no cases).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shared } from '../shared.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
if (!existsSync(resolve(ROOT, 'build/ts/index.js')) || !existsSync(resolve(ROOT, 'build/asgrad.wasm'))) {
  console.log('FAIL the built package (build/ts/index.js, build/asgrad.wasm) is missing: run `npm run build`');
  process.exit(1);
}
const { loadDir } = await import('./runner.js');
const { GROUPS } = await import('./groups.js');

const argv = process.argv.slice(2);
const i = argv.indexOf('--dir');
if (i >= 0 && (argv[i + 1] === undefined || argv[i + 1] === '')) {
  console.log('FAIL --dir needs a folder');
  process.exit(1);
}
const dir = resolve(i >= 0 ? argv[i + 1] : shared('golden'));
let passed = 0;
let failed = 0;
const skipped = 0;
for (const g of loadDir(dir, GROUPS)) {
  for (const item of g.items) {
    const r = item.run();
    if (r.ok) passed++;
    else {
      failed++;
      console.log(`FAIL ${r.name}: ${r.message}`);
    }
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failed || skipped || !passed ? 1 : 0;
