// The cross-runtime determinism check, shared by `npm run test:platforms` (cli.ts) and vitest
// (platforms.test.ts): bundles tests/platforms/hashes.ts for every host, runs it in Node (ESM and
// CommonJS), Deno, Bun, workerd, headless Chromium and headless Firefox ESR against the artefacts a
// user would load there, and runs the examples of examples/. Everything is served on 127.0.0.1 and
// every runtime runs with HOME set to a temporary folder.
import { build, type Plugin } from 'esbuild';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { FASHION_IMAGES, GOLDEN_FILES, GROUPS } from './hashes.js';
import { shared } from '../shared.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const GOLDEN_DIR = resolve(process.env.ASGRAD_GOLDEN_DIR ?? shared('golden'));
/** Debian's dataset-fashion-mnist (installed by .ci/run): the `fashion` group trains on its first images. */
export const FASHION_DIR = resolve(process.env.ASGRAD_FASHION_DIR ?? '/usr/share/datasets/fashion-mnist');

/**
 * The first FASHION_IMAGES training images and labels as two uncompressed IDX files (headers
 * rewritten to that count), base64: handed to every runtime inside its bundle, as the golden files are.
 */
export function fashionSubset(): { images: string; labels: string } {
  const read = (name: string): Buffer => {
    const f = join(FASHION_DIR, `${name}.gz`);
    if (!existsSync(f))
      throw new Error(
        `${f} is missing: the platform check's fashion group needs Fashion-MNIST (\`apt-get install dataset-fashion-mnist\`, or set ASGRAD_FASHION_DIR to a folder of the .gz files)`,
      );
    return gunzipSync(readFileSync(f));
  };
  const img = read('train-images-idx3-ubyte');
  const lbl = read('train-labels-idx1-ubyte');
  const images = Buffer.from(img.subarray(0, 16 + FASHION_IMAGES * 784));
  images.writeUInt32BE(FASHION_IMAGES, 4);
  const labels = Buffer.from(lbl.subarray(0, 8 + FASHION_IMAGES));
  labels.writeUInt32BE(FASHION_IMAGES, 4);
  return { images: images.toString('base64'), labels: labels.toString('base64') };
}
export const EXPECTED_FILE = join(ROOT, 'tests/platforms/expected-hashes.json');
const OUT = join(ROOT, 'build/platforms');
const BIN = join(ROOT, 'node_modules/.bin');
export { GROUPS };

export type Hashes = Record<string, string>;
export interface RunResult {
  runtime: string;
  version: string;
  hashes?: Hashes;
  error?: string;
  /** Browsers: parts of products the worker's helpers ran (more than 0: threads really ran there). */
  helperParts?: number;
  /** Browsers: torch.getNumThreads() on the page's own thread after setNumThreads(3) (must be 1). */
  mainThreads?: number;
  /** Browsers: parts helpers ran for the page's own thread (must be 0). */
  mainHelperParts?: number;
  /** Chromium: getNumThreads() after setNumThreads(3) in a worker of a page that is not cross-origin isolated (must be 1). */
  plainThreads?: number;
}
export interface Context {
  base: string; // http://127.0.0.1:PORT
  home: string; // the temporary HOME of every runtime
  waitResult(id: string, timeoutMs: number): Promise<Omit<RunResult, 'runtime' | 'version'> & { userAgent?: string }>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------- bundles

/** How a bundle gets the library: an external import (the artefact a user loads) or bundled in. */
type LibraryRef = { external: string } | { bundle: string };

function platformPlugin(lib: LibraryRef): Plugin {
  return {
    name: 'asgrad-platforms',
    setup(b) {
      b.onResolve({ filter: /^asgrad-golden$/ }, () => ({ path: 'golden', namespace: 'asgrad-golden' }));
      b.onLoad({ filter: /.*/, namespace: 'asgrad-golden' }, () => {
        const parts = GOLDEN_FILES.map((g) => `${JSON.stringify(g)}:${readFileSync(join(GOLDEN_DIR, `${g}.json`), 'utf8')}`);
        parts.push(`"fashion":${JSON.stringify(fashionSubset())}`);
        return { contents: `export default JSON.parse(${JSON.stringify(`{${parts.join(',')}}`)});`, loader: 'js' };
      });
      b.onResolve({ filter: /^asgrad-wasm-module$/ }, () => ({ path: './asgrad.wasm', external: true }));
      // The conformance runner's loadDir (and its safetensors group) imports node:fs, node:path and
      // node:crypto; it is never called in these bundles.
      b.onResolve({ filter: /^node:(fs|path|crypto)$/ }, (a) => ({ path: a.path, namespace: 'asgrad-stub' }));
      b.onLoad({ filter: /.*/, namespace: 'asgrad-stub' }, () => ({
        contents:
          'const no = () => { throw new Error("no file system here"); };\n' +
          'export const readdirSync = no, readFileSync = no, statSync = no, join = no, createHash = no;',
        loader: 'js',
      }));
      b.onResolve({ filter: /^\.\.?\// }, (a) => {
        if (a.importer.startsWith(join(ROOT, 'build') + sep)) return undefined;
        const target = resolve(a.resolveDir, a.path);
        // The public entry, as sources (ts/index.js) or as the built package the conformance runner imports.
        if (target === join(ROOT, 'ts/index.js') || target === join(ROOT, 'build/ts/index.js')) {
          return 'external' in lib ? { path: lib.external, external: true } : { path: lib.bundle };
        }
        if (target.startsWith(join(ROOT, 'ts') + sep)) {
          return { errors: [{ text: `${a.importer} imports ${a.path}: test code must use the public entry ts/index.js only` }] };
        }
        return undefined;
      });
    },
  };
}

async function bundle(
  entry: string,
  outfile: string,
  lib: LibraryRef,
  format: 'esm' | 'cjs',
  platform: 'node' | 'browser' | 'neutral',
): Promise<void> {
  await build({
    entryPoints: [join(ROOT, 'tests/platforms/entries', entry)],
    outfile: join(OUT, outfile),
    bundle: true,
    format,
    platform,
    target: 'es2022',
    conditions: platform === 'neutral' ? ['workerd', 'worker', 'import'] : [],
    mainFields: platform === 'neutral' ? ['module', 'main'] : undefined,
    plugins: [platformPlugin(lib)],
    logLevel: 'error',
  });
}

/** Builds the per-host bundles into build/platforms/ (needs `npm run build` done: build/ts, the bundles). */
export async function buildBundles(): Promise<void> {
  for (const f of [
    'build/asgrad.wasm',
    'build/asgrad.threads.wasm',
    'build/ts/index.js',
    'build/asgrad.cjs',
    'build/asgrad.browser.js',
    'build/examples/workerd/worker.js',
  ]) {
    if (!existsSync(join(ROOT, f))) throw new Error(`${f} is missing: run \`npm run build\` first`);
  }
  for (const g of GOLDEN_FILES) {
    if (!existsSync(join(GOLDEN_DIR, `${g}.json`))) throw new Error(`golden file ${join(GOLDEN_DIR, g)}.json is missing`);
  }
  mkdirSync(OUT, { recursive: true });
  await Promise.all([
    // Node resolves `asgrad` to this package (self-reference through the exports map).
    bundle('cli.ts', 'node.mjs', { external: 'asgrad' }, 'esm', 'node'),
    bundle('cli.ts', 'node.cjs', { external: 'asgrad' }, 'cjs', 'node'),
    bundle('cli.ts', 'bun.mjs', { external: 'asgrad' }, 'esm', 'node'),
    bundle('cli.ts', 'deno.mjs', { external: '../ts/index.js' }, 'esm', 'neutral'),
    bundle('browser.ts', 'browser.js', { external: '../asgrad.browser.js' }, 'esm', 'browser'),
    bundle('browser-worker.ts', 'browser-worker.js', { external: '../asgrad.browser.js' }, 'esm', 'browser'),
    bundle('worker.ts', 'worker.js', { bundle: join(ROOT, 'build/ts/index.js') }, 'esm', 'neutral'),
  ]);
  writeFileSync(
    join(OUT, 'browser.html'),
    '<!doctype html><meta charset="utf-8"><title>asgrad determinism</title><script type="module" src="./browser.js"></script>\n',
  );
}

// ---------------------------------------------------------------- processes and the server

interface Proc {
  pid: number;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  kill(): void;
}

function start(cmd: string, args: string[], opts: { home: string; cwd?: string; env?: Record<string, string> }): Proc {
  const child = spawn(cmd, args, {
    cwd: opts.cwd ?? ROOT,
    env: {
      ...process.env,
      HOME: opts.home,
      XDG_CONFIG_HOME: join(opts.home, '.config'),
      XDG_CACHE_HOME: join(opts.home, '.cache'),
      NO_COLOR: '1',
      ...opts.env,
    },
    detached: true, // its own process group: killing it ends its children too
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((res) => {
    child.on('error', (e) => res({ code: -1, stdout, stderr: stderr + String(e) }));
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
  const kill = (): void => {
    if (child.pid === undefined || child.exitCode !== null) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    const t = setTimeout(() => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, 3000);
    t.unref();
  };
  return { pid: child.pid ?? -1, done, kill };
}

async function run(
  cmd: string,
  args: string[],
  home: string,
  timeoutMs = 120_000,
  cwd?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = start(cmd, args, { home, cwd });
  const timer = setTimeout(() => p.kill(), timeoutMs);
  const r = await p.done;
  clearTimeout(timer);
  return r;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createNetServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.map': 'application/json',
  '.css': 'text/css',
};

/**
 * What makes a page cross-origin isolated (crossOriginIsolated, SharedArrayBuffer): sent with every
 * response, so that the platform page's dedicated worker can run the thread pool.
 */
const ISOLATED = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

/**
 * Serves build/ and examples/ of the repository on 127.0.0.1, cross-origin isolated (the same files
 * under /plain/ without the headers), and collects posted results.
 */
export async function startContext(): Promise<Context> {
  const home = mkdtempSync(join(tmpdir(), 'asgrad-platforms-home-'));
  const results = new Map<string, unknown>();
  const waiters = new Map<string, (v: unknown) => void>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'POST' && url.pathname === '/result') {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const id = url.searchParams.get('id') ?? '';
        let v: unknown;
        try {
          v = JSON.parse(body);
        } catch {
          v = { error: `unparsable result: ${body.slice(0, 200)}` };
        }
        results.set(id, v);
        waiters.get(id)?.(v);
        res.writeHead(204, { 'access-control-allow-origin': '*' }).end();
      });
      return;
    }
    if (url.pathname === '/blank.html') {
      res.writeHead(200, { 'content-type': TYPES['.html'], ...ISOLATED }).end('<!doctype html><title>blank</title>');
      return;
    }
    // /plain/...: the same files without COOP/COEP (a page that is not cross-origin isolated).
    const plain = url.pathname.startsWith('/plain/');
    const path = resolve(ROOT, `.${decodeURIComponent(plain ? url.pathname.slice('/plain'.length) : url.pathname)}`);
    const allowed = [join(ROOT, 'build') + sep, join(ROOT, 'examples') + sep].some((d) => path.startsWith(d));
    if (req.method !== 'GET' || !allowed || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
      ...(plain ? {} : ISOLATED),
    });
    res.end(readFileSync(path));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    base,
    home,
    waitResult(id, timeoutMs) {
      if (results.has(id)) return Promise.resolve(results.get(id) as never);
      return new Promise((res, rej) => {
        const t = setTimeout(() => rej(new Error(`no result from ${id} within ${timeoutMs / 1000} s`)), timeoutMs);
        waiters.set(id, (v) => {
          clearTimeout(t);
          res(v as never);
        });
      });
    },
    async close() {
      await new Promise((r) => server.close(r));
      server.closeAllConnections?.();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

function parseJsonLine(out: { code: number | null; stdout: string; stderr: string }): { hashes?: Hashes; error?: string } {
  const line = out.stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (out.code === 0 && line) return JSON.parse(line) as { hashes: Hashes };
  return { error: `exit ${out.code}: ${(out.stderr || out.stdout).trim().slice(-1500)}` };
}

async function version(cmd: string, args: string[], home: string): Promise<string> {
  const r = await run(cmd, args, home, 30_000);
  return r.stdout.trim().split('\n')[0] ?? '?';
}

/** Serves a workerd config, fetches `path` from it, and stops it. */
async function withWorkerd<T>(ctx: Context, config: string, path: string, read: (res: Response) => Promise<T>): Promise<T> {
  const port = await freePort();
  const p = start(join(BIN, 'workerd'), ['serve', config, '--socket-addr', `http=127.0.0.1:${port}`], { home: ctx.home });
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(90_000) });
        return await read(res);
      } catch (e) {
        const exited = await Promise.race([p.done.then((r) => r), new Promise((r) => setTimeout(() => r(null), 200))]);
        if (exited) throw new Error(`workerd exited: ${JSON.stringify(exited).slice(0, 1500)}`);
        if (Date.now() > deadline) throw e;
      }
    }
  } finally {
    p.kill();
    await p.done;
  }
}

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export async function withChromium<T>(ctx: Context, fn: (browser: import('playwright-core').Browser) => Promise<T>): Promise<T> {
  if (!existsSync('/usr/bin/chromium')) throw new Error('/usr/bin/chromium is missing: apt-get install -y chromium');
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    env: { ...process.env, HOME: ctx.home } as Record<string, string>,
    timeout: 60_000,
  });
  try {
    return await fn(browser);
  } finally {
    await browser.close();
  }
}

const FIREFOX_PREFS = `
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("browser.aboutwelcome.enabled", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("datareporting.healthreport.uploadEnabled", false);
user_pref("toolkit.telemetry.enabled", false);
user_pref("app.update.enabled", false);
user_pref("app.update.auto", false);
user_pref("app.normandy.enabled", false);
user_pref("extensions.update.enabled", false);
user_pref("extensions.getAddons.cache.enabled", false);
user_pref("network.captive-portal-service.enabled", false);
user_pref("network.connectivity-service.enabled", false);
user_pref("browser.safebrowsing.malware.enabled", false);
user_pref("browser.safebrowsing.phishing.enabled", false);
user_pref("browser.safebrowsing.downloads.enabled", false);
user_pref("browser.newtabpage.enabled", false);
user_pref("services.settings.server", "http://127.0.0.1:9/");
user_pref("network.dns.disablePrefetch", true);
user_pref("network.prefetch-next", false);
`;

// ---------------------------------------------------------------- the runtimes

export interface Runtime {
  name: string;
  /** Runs the determinism check there. */
  hashes(ctx: Context): Promise<RunResult>;
  /** Runs this runtime's example of examples/; resolves to a one-line description, throws on failure. */
  example?(ctx: Context): Promise<string>;
}

function expectOutput(out: { code: number | null; stdout: string; stderr: string }, pattern: RegExp): string {
  if (out.code !== 0) throw new Error(`exit ${out.code}: ${(out.stderr || out.stdout).trim().slice(-1500)}`);
  const m = pattern.exec(out.stdout);
  if (!m) throw new Error(`output lacks ${pattern}: ${out.stdout.trim().slice(-800)}`);
  return m[0];
}

/** What examples/{node,deno,bun} print at the end (the seed's linear regression, 07_autograd_gd). */
const TRAINED = /Prediction after training: f\(5\) = 9\.997/;

const nodeBin = process.execPath;
const DENO_ARGS = ['run', '--allow-read', '--no-prompt', '--no-config'];

export const RUNTIMES: Runtime[] = [
  {
    name: 'node',
    async hashes(ctx) {
      const r = await run(nodeBin, [join(OUT, 'node.mjs')], ctx.home);
      return { runtime: 'node', version: process.version, ...parseJsonLine(r) };
    },
    async example(ctx) {
      return expectOutput(await run(nodeBin, ['examples/node/index.mjs'], ctx.home), TRAINED);
    },
  },
  {
    name: 'node-cjs',
    async hashes(ctx) {
      const r = await run(nodeBin, [join(OUT, 'node.cjs')], ctx.home);
      return { runtime: 'node-cjs', version: `${process.version} (require)`, ...parseJsonLine(r) };
    },
    async example(ctx) {
      return expectOutput(await run(nodeBin, ['examples/node/require.cjs'], ctx.home), TRAINED);
    },
  },
  {
    name: 'deno',
    async hashes(ctx) {
      const r = await run(join(BIN, 'deno'), [...DENO_ARGS, join(OUT, 'deno.mjs')], ctx.home);
      const v = await version(join(BIN, 'deno'), ['--version'], ctx.home);
      return { runtime: 'deno', version: v, ...parseJsonLine(r) };
    },
    async example(ctx) {
      return expectOutput(await run(join(BIN, 'deno'), [...DENO_ARGS, 'examples/deno/main.ts'], ctx.home), TRAINED);
    },
  },
  {
    name: 'bun',
    async hashes(ctx) {
      const r = await run(join(BIN, 'bun'), [join(OUT, 'bun.mjs')], ctx.home);
      const v = await version(join(BIN, 'bun'), ['--version'], ctx.home);
      return { runtime: 'bun', version: `bun ${v}`, ...parseJsonLine(r) };
    },
    async example(ctx) {
      return expectOutput(await run(join(BIN, 'bun'), ['examples/bun/index.ts'], ctx.home), TRAINED);
    },
  },
  {
    name: 'workerd',
    async hashes(ctx) {
      const config = join(OUT, 'workerd.capnp');
      writeFileSync(
        config,
        `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "asgrad.wasm", wasm = embed "../asgrad.wasm"),
  ],
  compatibilityDate = "2024-09-23",
);
`,
      );
      const v = await version(join(BIN, 'workerd'), ['--version'], ctx.home);
      try {
        const body = await withWorkerd(ctx, config, '/', (res) => res.text());
        return { runtime: 'workerd', version: v, ...(JSON.parse(body) as { hashes?: Hashes; error?: string }) };
      } catch (e) {
        return { runtime: 'workerd', version: v, error: String((e as Error).message ?? e) };
      }
    },
    async example(ctx) {
      const got = await withWorkerd(
        ctx,
        join(ROOT, 'examples/workerd/config.capnp'),
        '/?x=1.5',
        (res) => res.json() as Promise<{ dydx: number }>,
      );
      const want = 3 * 1.5 * 1.5 + Math.cos(1.5);
      if (!(Math.abs(got.dydx - want) < 1e-12)) throw new Error(`dy/dx at 1.5: got ${got.dydx}, want ${want}`);
      return `GET /?x=1.5 -> dydx=${got.dydx}`;
    },
  },
  {
    name: 'chromium',
    async hashes(ctx) {
      try {
        return await withChromium(ctx, async (browser) => {
          const page = await browser.newPage();
          const errors: string[] = [];
          page.on('pageerror', (e) => errors.push(String(e)));
          const result = ctx.waitResult('chromium', 200_000);
          await page.goto(`${ctx.base}/build/platforms/browser.html?id=chromium`);
          const r = await result.catch((e: Error) => ({ error: `${e.message} ${errors.join('; ')}` }));
          // The same page without COOP/COEP: its worker has no shared memory, so one thread.
          const plain = ctx.waitResult('chromium-plain', 60_000);
          await page.goto(`${ctx.base}/plain/build/platforms/browser.html?id=chromium-plain`);
          const p = await plain.catch((e: Error) => ({ error: e.message }));
          const plainThreads = 'plainThreads' in p ? p.plainThreads : undefined;
          return { runtime: 'chromium', version: `chromium ${browser.version()}`, ...r, userAgent: undefined, plainThreads };
        });
      } catch (e) {
        return { runtime: 'chromium', version: '?', error: String((e as Error).message ?? e) };
      }
    },
    async example(ctx) {
      return withChromium(ctx, async (browser) => {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(String(e)));
        await page.goto(`${ctx.base}/examples/browser/index.html`);
        await page
          .waitForFunction(() => document.body.dataset.done === 'true', undefined, { timeout: 60_000 })
          .catch(() => {
            throw new Error(`the page did not finish: ${errors.join('; ')}`);
          });
        const losses = (await page.evaluate(() =>
          Array.from(document.querySelectorAll('#losses li')).map((li) => Number((li as HTMLElement).dataset.loss)),
        )) as number[];
        if (losses.length < 2 || !(losses[losses.length - 1] < losses[0] * 1e-3)) {
          throw new Error(`the loss did not fall: ${losses.join(', ')}`);
        }
        return `examples/browser: loss ${losses[0]} -> ${losses[losses.length - 1]}`;
      });
    },
  },
  {
    name: 'firefox',
    async hashes(ctx) {
      if (!existsSync('/usr/bin/firefox-esr')) {
        return { runtime: 'firefox', version: '?', error: '/usr/bin/firefox-esr is missing: apt-get install -y firefox-esr' };
      }
      const profile = mkdtempSync(join(ctx.home, 'firefox-profile-'));
      writeFileSync(join(profile, 'user.js'), FIREFOX_PREFS);
      const v = await version('/usr/bin/firefox-esr', ['--version'], ctx.home);
      const p = start(
        '/usr/bin/firefox-esr',
        ['--headless', '--no-remote', '--profile', profile, `${ctx.base}/build/platforms/browser.html?id=firefox`],
        {
          home: ctx.home,
          env: { MOZ_DISABLE_AUTO_SAFE_MODE: '1', MOZ_CRASHREPORTER_DISABLE: '1' },
        },
      );
      try {
        const exited = p.done.then((r) => ({ error: `firefox exited early (${r.code}): ${r.stderr.trim().slice(-1500)}` }));
        const r = await Promise.race([ctx.waitResult('firefox', 200_000), exited]);
        return { runtime: 'firefox', version: v, ...r, userAgent: undefined };
      } catch (e) {
        return { runtime: 'firefox', version: v, error: String((e as Error).message ?? e) };
      } finally {
        p.kill();
        await p.done;
      }
    },
  },
];

// ---------------------------------------------------------------- comparison

export function readExpected(): Hashes {
  return JSON.parse(readFileSync(EXPECTED_FILE, 'utf8')) as Hashes;
}

/**
 * The runtimes with a thread pool (node:worker_threads, or helper Web Workers in a browser's
 * dedicated worker, and shared memory), where every group is hashed with 1, 2 and 3 threads
 * (hashes.ts, computeHashesThreads); workerd, which has no threads, runs one.
 */
export const THREADED_RUNTIMES: ReadonlySet<string> = new Set(['node', 'node-cjs', 'deno', 'bun', 'chromium', 'firefox']);

/** The browsers: their hashes come from a dedicated worker, and their page's own thread must stay on one thread. */
const BROWSERS: ReadonlySet<string> = new Set(['chromium', 'firefox']);

/** The browsers' own checks: helpers of the worker ran parts, the page's thread stayed on one thread. */
function browserProblems(r: RunResult): string[] {
  if (!BROWSERS.has(r.runtime)) return [];
  const out: string[] = [];
  if (!(typeof r.helperParts === 'number' && r.helperParts > 0)) {
    out.push(`${r.runtime}: the worker's helper threads ran ${r.helperParts ?? 'no'} parts of products, expected more than 0`);
  }
  if (r.runtime === 'chromium' && r.plainThreads !== 1) {
    out.push(`chromium: a worker of a page without COOP/COEP reported ${r.plainThreads} threads after setNumThreads(3), expected 1`);
  }
  if (r.mainThreads !== 1 || r.mainHelperParts !== 0) {
    out.push(
      `${r.runtime}: the page's own thread reported ${r.mainThreads} threads and ${r.mainHelperParts} helper parts after setNumThreads(3), expected 1 and 0`,
    );
  }
  return out;
}

/**
 * One entry per group: null when it matches, else a message naming the runtime and group; then the
 * `threads` entry: the thread counts the runtime hashed with, which must be all of them where threads exist.
 */
export function compareHashes(r: RunResult, expected: Hashes): { group: string; hash: string; problem: string | null }[] {
  if (!r.hashes) return [{ group: 'all', hash: '-', problem: `${r.runtime}: ${r.error ?? 'no result'}` }];
  const groups = GROUPS.map((g) => {
    const got = r.hashes?.[g] ?? '(missing)';
    const want = expected[g];
    const problem = got === want ? null : `${r.runtime} ${g}: hash ${got} differs from expected ${want ?? '(none)'}`;
    return { group: g, hash: got, problem };
  });
  const threads = r.hashes.threads ?? '(missing)';
  const want = THREADED_RUNTIMES.has(r.runtime) ? '1,2,3' : '1';
  const problem = threads === want ? null : `${r.runtime}: hashed with threads ${threads}, expected ${want}`;
  const browser = browserProblems(r);
  const pool = BROWSERS.has(r.runtime)
    ? [
        {
          group: 'pool',
          hash: `${r.helperParts} helper parts, page thread ${r.mainThreads}${r.plainThreads === undefined ? '' : `, worker without COOP/COEP ${r.plainThreads}`}`,
          problem: browser.join('; ') || null,
        },
      ]
    : [];
  return [...groups, { group: 'threads', hash: threads, problem }, ...pool];
}
