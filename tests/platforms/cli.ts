// `npm run test:platforms`: the cross-runtime determinism check alone. Prints one line per runtime and
// group, `<runtime> <group> <hash>`, one line per example, and ends with `N passed, M failed`.
//   --update      rewrite expected-hashes.json from Node's hashes (after an intended numeric change)
//   --only a,b    run only these runtimes (node, node-cjs, deno, bun, workerd, chromium, firefox)
import { writeFileSync } from 'node:fs';
import { buildBundles, compareHashes, EXPECTED_FILE, readExpected, RUNTIMES, startContext, type Hashes } from './harness.js';

const args = process.argv.slice(2);
const update = args.includes('--update');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? new Set(args[onlyAt + 1].split(',')) : null;

await buildBundles();
const ctx = await startContext();
let passed = 0;
let failed = 0;
const versions: string[] = [];
const problems: string[] = [];
try {
  let expected: Hashes = update ? {} : readExpected();
  for (const rt of RUNTIMES) {
    if (only && !only.has(rt.name)) continue;
    const r = await rt.hashes(ctx);
    versions.push(`${rt.name}: ${r.version}`);
    if (update && rt.name === 'node') {
      if (!r.hashes) throw new Error(`node failed: ${r.error}`);
      const { threads: _counts, ...groups } = r.hashes;
      expected = groups;
      writeFileSync(EXPECTED_FILE, `${JSON.stringify(expected, null, 2)}\n`);
      console.log(`# wrote ${EXPECTED_FILE}`);
    }
    for (const c of compareHashes(r, expected)) {
      console.log(`${rt.name} ${c.group} ${c.hash}${c.problem ? '  FAILED' : ''}`);
      if (c.problem) {
        failed++;
        problems.push(c.problem);
      } else passed++;
    }
    if (rt.example) {
      try {
        const what = await rt.example(ctx);
        console.log(`${rt.name} example ok (${what})`);
        passed++;
      } catch (e) {
        console.log(`${rt.name} example FAILED`);
        problems.push(`${rt.name} example: ${(e as Error).message}`);
        failed++;
      }
    }
  }
} finally {
  await ctx.close();
}
for (const v of versions) console.log(`# ${v}`);
for (const p of problems) console.log(`# ${p}`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
