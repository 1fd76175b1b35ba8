// npm run conformance -- --dir <folder>: one line per failure, then `N passed, M failed, K skipped`.
import { resolve } from 'node:path';
import { loadDir } from './runner.js';

const argv = process.argv.slice(2);
const i = argv.indexOf('--dir');
const dir = resolve(i >= 0 ? argv[i + 1] : new URL('../../../shared/golden', import.meta.url).pathname);
let passed = 0;
let failed = 0;
const skipped = 0;
for (const g of loadDir(dir)) {
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
process.exitCode = failed || skipped ? 1 : 0;
