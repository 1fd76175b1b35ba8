// Everywhere, the same bits: the determinism hashes (tests/platforms/hashes.ts) must come out of Node
// (ESM and CommonJS), Deno, Bun, workerd, headless Chromium and headless Firefox ESR exactly as
// committed in expected-hashes.json, and every example of examples/ must run. `npm run
// test:platforms` runs the same check alone; `npm run test:platforms -- --update` rewrites the
// expected hashes after an intended change of the numerics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundles, compareHashes, readExpected, RUNTIMES, startContext, type Context, type RunResult } from './harness.js';

let ctx: Context;
const results = new Map<string, RunResult>();

describe('the same bits on every runtime', () => {
  beforeAll(async () => {
    await buildBundles();
    ctx = await startContext();
  }, 180_000);
  afterAll(async () => {
    await ctx?.close();
  });

  for (const rt of RUNTIMES) {
    it(`${rt.name}: every group's hash equals the expected one`, async () => {
      const r = await rt.hashes(ctx);
      results.set(rt.name, r);
      const expected = readExpected();
      if (rt.name === 'node') {
        const problems = compareHashes(r, expected).flatMap((c) => (c.problem ? [c.problem] : []));
        const hint =
          ' — if the numerics changed on purpose (a kernel, a reduction order, a formula), ' +
          'run `npm run test:platforms -- --update` and commit tests/platforms/expected-hashes.json';
        expect(problems, `node (${r.version})${hint}`).toEqual([]);
        return;
      }
      // Against the committed hashes while Node agrees with them; otherwise (Node's test fails and
      // says why) against Node's, so that one intended numeric change fails one test, not seven.
      const node = results.get('node');
      const nodeOk = node?.hashes !== undefined && compareHashes(node, expected).every((c) => !c.problem);
      const reference = nodeOk || !node?.hashes ? expected : node.hashes;
      const against = nodeOk || !node?.hashes ? 'expected-hashes.json' : "node's hashes";
      const problems = compareHashes(r, reference).flatMap((c) => (c.problem ? [`${c.problem} (${against})`] : []));
      expect(problems, `${rt.name} (${r.version})`).toEqual([]);
    }, 240_000);
    if (rt.example) {
      it(`${rt.name}: its example runs`, async () => {
        await expect(rt.example!(ctx)).resolves.toBeTypeOf('string');
      }, 240_000);
    }
  }
});
