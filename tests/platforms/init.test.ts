// Initialisation on hosts that cannot read the .wasm themselves: the error before init says what to
// do, and torch.init({ bytes | module | url }) each work (run against the built artefacts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, startContext, withChromium, type Context } from './harness.js';

/** Runs an ESM snippet in a Node with no process.getBuiltinModule (like a host without a file system). */
function nodeWithoutFs(body: string): string {
  const src = `delete process.getBuiltinModule;
const { readFileSync } = await import('node:fs');
const { torch } = await import(${JSON.stringify(join(ROOT, 'build/ts/index.js'))});
const wasmBytes = readFileSync(${JSON.stringify(join(ROOT, 'build/asgrad.wasm'))});
${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', src], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

describe('initialisation', () => {
  it('an op before init throws an error that says to call torch.init', () => {
    const out = nodeWithoutFs(`try { torch.ones(2); console.log('no error'); } catch (e) { console.log(e.message); }`);
    expect(out).toMatch(/not initialised/);
    expect(out).toMatch(/await torch\.init\(/);
    expect(out).toMatch(/\{ module \}/);
  });

  it('torch.init({ bytes }) and then ops work; a second init is a no-op', () => {
    const out = nodeWithoutFs(`await torch.init({ bytes: wasmBytes });
const t = torch.ones(3).mul(2); await torch.init({ bytes: wasmBytes }); console.log(String(t));`);
    expect(out).toBe('tensor([2., 2., 2.])');
  });

  it('torch.init({ module }) accepts a precompiled WebAssembly.Module', () => {
    const out = nodeWithoutFs(`await torch.init({ module: await WebAssembly.compile(wasmBytes) });
console.log(String(torch.arange(3).add(1)));`);
    expect(out).toBe('tensor([1, 2, 3])');
  });

  describe('in a page, the unbundled ESM build', () => {
    let ctx: Context;
    beforeAll(async () => {
      ctx = await startContext();
    }, 120_000);
    afterAll(async () => ctx?.close());

    it('throws before init, then `await torch.init()` fetches asgrad.wasm beside the module', async () => {
      const out = await withChromium(ctx, async (browser) => {
        const page = await browser.newPage();
        await page.goto(`${ctx.base}/blank.html`);
        // A string, not a function: vitest would rewrite a function's dynamic import.
        return page.evaluate(`(async () => {
          const { torch } = await import('${ctx.base}/build/ts/index.js');
          let before = '';
          try { torch.ones(1); } catch (e) { before = e.message; }
          await torch.init();
          return { before, after: String(torch.ones(2).add(1)) };
        })()`) as Promise<{ before: string; after: string }>;
      });
      expect(out.before).toMatch(/await torch\.init\(/);
      expect(out.after).toBe('tensor([2., 2.])');
    }, 120_000);
  });
});
