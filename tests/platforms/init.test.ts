// Initialisation on hosts that cannot read the .wasm themselves: the error before init says what to
// do, and torch.init({ bytes | module | url }) each work (run against the built artefacts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, startContext, withChromium, type Context } from './harness.js';

const BIN = join(ROOT, 'node_modules/.bin');
const TMP = mkdtempSync(join(tmpdir(), 'asgrad-init-'));
/** Every runtime runs with HOME (and its caches) in a temporary folder. */
const HOME = join(TMP, 'home');
mkdirSync(HOME);
const ENV = { ...process.env, HOME, XDG_CONFIG_HOME: join(HOME, '.config'), XDG_CACHE_HOME: join(HOME, '.cache'), NO_COLOR: '1' };
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/** Runs `file` with node, deno or bun from `cwd`; returns stdout, or throws with stderr. */
function runIn(runtime: 'node' | 'deno' | 'bun', file: string, cwd: string): string {
  const cmd = runtime === 'node' ? process.execPath : join(BIN, runtime);
  const args = runtime === 'deno' ? ['run', '--allow-read', '--no-prompt', '--no-config', file] : [file];
  const r = spawnSync(cmd, args, { cwd, env: ENV, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${runtime} ${file} exited ${r.status}: ${r.stderr}`);
  return r.stdout.trim();
}

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

  describe.each(['node', 'deno', 'bun'] as const)('in %s, the ESM build', (runtime) => {
    // init() must be the one instantiating the core, so nothing touches a tensor before it.
    const INDEX = pathToFileURL(join(ROOT, 'build/ts/index.js')).href;
    const WASM = pathToFileURL(join(ROOT, 'build/asgrad.wasm')).href;
    const script = (name: string, body: string): string => {
      const f = join(TMP, `${runtime}-${name}.mjs`);
      writeFileSync(f, `import { torch } from ${JSON.stringify(INDEX)};\n${body}\n`);
      return f;
    };

    it('`await torch.init()` with no argument reads asgrad.wasm beside the module, then ops work', () => {
      const f = script(
        'noarg',
        `await torch.init(); await torch.init();
const x = torch.tensor([1, 2, 3], { requiresGrad: true }); x.mul(x).sum().backward(); console.log(String(x.grad));`,
      );
      expect(runIn(runtime, f, TMP)).toBe('tensor([2., 4., 6.])');
    });

    it('`torch.init({ url })` with a file: URL reads the file', () => {
      const f = script(
        'fileurl',
        `await torch.init({ url: new URL(${JSON.stringify(WASM)}) }); console.log(String(torch.arange(3).add(1)));`,
      );
      expect(runIn(runtime, f, TMP)).toBe('tensor([1, 2, 3])');
    });

    it('a file: URL with no file behind it rejects with what to do, not "fetch failed"', () => {
      const missing = pathToFileURL(join(TMP, 'nowhere', 'asgrad.wasm')).href;
      const f = script(
        'missing',
        `try { await torch.init({ url: ${JSON.stringify(missing)} }); console.log('no error'); } catch (e) { console.log(e.message); }`,
      );
      const out = runIn(runtime, f, TMP);
      expect(out).toContain(`could not read the WebAssembly core at ${missing}`);
      expect(out).toContain("import 'asgrad/embedded'");
      expect(out).not.toMatch(/fetch failed/);
    });
  });

  it('in Node, `require` (the CommonJS bundle) then `await torch.init()` works', () => {
    const f = join(TMP, 'init.cjs');
    writeFileSync(
      f,
      `const { torch } = require(${JSON.stringify(join(ROOT, 'build/asgrad.cjs'))});
torch.init().then(() => console.log(String(torch.ones(2).mul(3))), (e) => { console.error(e); process.exit(1); });\n`,
    );
    expect(runIn('node', f, TMP)).toBe('tensor([3., 3.])');
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

// docs/platforms.md, "Bundling a program", run as written: a tiny program that imports
// asgrad/embedded is bundled with esbuild into a temp dir, copied alone into another dir (no
// node_modules, no asgrad.wasm) and run there with node. And the other recipe: a bundle of plain
// 'asgrad' runs once asgrad.wasm is copied next to it, and without it fails saying what to do.
describe('a bundled Node program', () => {
  const PROGRAM = `import { torch } from 'ASGRAD';

const w = torch.tensor([0.0], { requiresGrad: true });
const X = torch.tensor([1, 2, 3, 4]);
const Y = torch.tensor([2, 4, 6, 8]);
const loss = w.mul(X).sub(Y).pow(2).mean();
loss.backward();
console.log(loss.item(), String(w.grad));
`;
  // loss = mean(Y^2) = (4 + 16 + 36 + 64) / 4 = 30; d/dw = mean(2 (w X - Y) X) = -2 mean(X Y) = -30.
  const EXPECTED = '30 tensor([-30.])';

  /** A project whose node_modules/asgrad is this package, with app.mjs importing `specifier`. */
  function project(specifier: string): string {
    const dir = mkdtempSync(join(TMP, 'project-'));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules/asgrad'), 'dir');
    writeFileSync(join(dir, 'app.mjs'), PROGRAM.replace('ASGRAD', specifier));
    return dir;
  }

  /** Runs the esbuild command of the recipe in `dir`; returns the path of the output file. */
  function bundle(dir: string, format: 'cjs' | 'esm'): string {
    const out = format === 'cjs' ? 'dist/app.js' : 'dist/app.mjs';
    const args = ['app.mjs', '--bundle', '--platform=node', `--outfile=${out}`, '--log-level=error'];
    if (format === 'esm') args.push('--format=esm');
    const r = spawnSync(join(BIN, 'esbuild'), args, { cwd: dir, env: ENV, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return join(dir, out);
  }

  /** Copies the bundle alone into a fresh folder, as a deployment would. */
  function deploy(file: string): string {
    const dir = mkdtempSync(join(TMP, 'deploy-'));
    copyFileSync(file, join(dir, file.endsWith('.mjs') ? 'app.mjs' : 'app.js'));
    return dir;
  }

  it.each(['cjs', 'esm'] as const)('asgrad/embedded: the %s bundle runs alone, the .wasm inside it', (format) => {
    const file = bundle(project('asgrad/embedded'), format);
    const dir = deploy(file);
    expect(runIn('node', join(dir, format === 'cjs' ? 'app.js' : 'app.mjs'), dir)).toBe(EXPECTED);
  });

  it.each(['cjs', 'esm'] as const)(
    "plain 'asgrad': the %s bundle fails saying what to do, then runs with asgrad.wasm copied beside it",
    (format) => {
      const file = bundle(project('asgrad'), format);
      const dir = deploy(file);
      const app = join(dir, format === 'cjs' ? 'app.js' : 'app.mjs');
      const r = spawnSync(process.execPath, [app], { cwd: dir, env: ENV, encoding: 'utf8' });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(`could not read the WebAssembly core at ${pathToFileURL(join(dir, 'asgrad.wasm')).href}`);
      expect(r.stderr).toContain("import 'asgrad/embedded' instead of 'asgrad'");
      expect(r.stderr).toContain('copy asgrad.wasm (node_modules/asgrad/build/asgrad.wasm) next to the bundle');
      copyFileSync(join(ROOT, 'build/asgrad.wasm'), join(dir, 'asgrad.wasm'));
      expect(runIn('node', app, dir)).toBe(EXPECTED);
    },
  );
});
