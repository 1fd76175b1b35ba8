// Adds up the test counts of a `npm test` log: as-pect's `[Tests]: P / T` and vitest's
// `Tests  N failed | M passed (T)` summary lines.
import { readFileSync } from 'node:fs';

const log = readFileSync(process.argv[2], 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
let passed = 0;
let failed = 0;
for (const m of log.matchAll(/\[Tests\]:\s*(\d+)\s*\/\s*(\d+)/g)) {
  passed += Number(m[1]);
  failed += Number(m[2]) - Number(m[1]);
}
for (const line of log.split('\n')) {
  const m = /^\s*Tests\s+(.*)\(\d+\)\s*$/.exec(line);
  if (!m) continue;
  const p = /(\d+) passed/.exec(m[1]);
  const f = /(\d+) failed/.exec(m[1]);
  if (p) passed += Number(p[1]);
  if (f) failed += Number(f[1]);
}
console.log(`${passed} passed, ${failed} failed`);
