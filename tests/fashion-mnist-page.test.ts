// The Fashion-MNIST page (examples/fashion-mnist) in a real browser: headless Chromium through
// playwright-core, served by the page's own server (`npm run example:fashion-mnist`, here on
// 127.0.0.1 and a free port). It trains the MLP for 300 steps in the page's worker, and the test
// checks what a user would see and do:
// - the plots have a point per step, the shown test accuracy rises from chance to above 70%;
// - the page answers input while training (a click handled within a second, animation frames
//   counted while the step counter moves: the page's thread is free);
// - the grid marks exactly the images whose prediction differs from their label;
// - the downloaded weights are a safetensors file with PyTorch's keys and shapes, and loaded back in
//   the page they get the same count of right test images as asgrad in Node computes from the file
//   (same bits in both runtimes);
// - PyTorch's trained MLP (examples/fashion-mnist/pytorch-mlp.safetensors) gets exactly PyTorch's
//   count of right test images (pytorch-mlp.json, from pytorch_mlp.py);
// - the server makes the page cross-origin isolated (COOP/COEP), so the training worker runs the
//   thread pool: torch.getNumThreads() > 1 there on a machine of several cores, and its helper
//   threads computed parts of the products (same weights as one thread: the Node comparison above).
// It saves the screenshot docs/fashion-mnist.png that the README shows.
// Needs `npm run build` (build/asgrad.browser.js), /usr/bin/chromium and the data set in
// /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist, which .ci/run installs).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { torch } from '../ts/index.js';

const ROOT = resolve(import.meta.dirname, '..');
const DATA = '/usr/share/datasets/fashion-mnist';
const STEPS = 300;
const EVAL_EVERY = 50;

interface PageState {
  phase: string;
  step: number;
  frames: number;
  inputs: number;
  inputDelayMs: number | null;
  evals: { step: number; accuracy: number }[];
  loss: { x: number[] };
  threads: number | null;
  helperParts: number;
}

let server: ChildProcess | undefined;
let base = '';
let browser: Browser | undefined;
let page: Page;
let home = '';
const errors: string[] = [];
/** The worker's live tensors once the data is loaded, and after the first training run. */
let liveAtReady = 0;
let liveAfterTraining = 0;
const liveTensors = async (): Promise<number> => Number(await page.evaluate(() => document.body.dataset.liveTensors));

/** Starts the example's server on a free port; resolves to the URL it prints. */
function startServer(): Promise<string> {
  const child = spawn(process.execPath, ['examples/fashion-mnist/server.mjs', '--port', '0', '--host', '127.0.0.1'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = child;
  return new Promise((res, rej) => {
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^(http:\/\/127\.0\.0\.1:\d+\/examples\/fashion-mnist\/)$/m.exec(out);
      if (m) res(m[1]);
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => rej(new Error(`the server exited (${code}): ${err}`)));
  });
}

const state = (): Promise<PageState> => page.evaluate(() => (window as unknown as { fashionMnist: PageState }).fashionMnist);

/** The IDX test split, parsed here independently of the page's loader. */
function testSet(): { images: Float32Array; labels: number[] } {
  const img = gunzipSync(readFileSync(join(DATA, 't10k-images-idx3-ubyte.gz')));
  const lbl = gunzipSync(readFileSync(join(DATA, 't10k-labels-idx1-ubyte.gz')));
  expect([img.readUInt32BE(0), img.readUInt32BE(4), lbl.readUInt32BE(0)]).toEqual([2051, 10000, 2049]);
  const images = new Float32Array(img.subarray(16));
  return { images, labels: Array.from(lbl.subarray(8)) };
}

/** Right test images of an MLP state dict (safetensors bytes), computed by asgrad in Node. */
function correctInNode(bytes: Uint8Array): number {
  const { images, labels } = testSet();
  return torch.scope(() => {
    const w = torch.safetensors.load(bytes);
    const x = torch.fromArray(images, [10000, 784]).div(255).sub(0.286).div(0.353);
    const h = torch.nn.functional.relu(torch.nn.functional.linear(x, w['1.weight'], w['1.bias']));
    const pred = torch.nn.functional.linear(h, w['3.weight'], w['3.bias']).argmax(1);
    return pred
      .eq(torch.tensor(labels, { dtype: 'int64' }))
      .sum()
      .item();
  });
}

function safetensorsHeader(bytes: Uint8Array): Record<string, { dtype: string; shape: number[] }> {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; shape: number[] }>;
  delete header.__metadata__;
  return header;
}

describe('examples/fashion-mnist in Chromium', () => {
  beforeAll(async () => {
    for (const need of ['build/asgrad.browser.js', 'node_modules/uplot/dist/uPlot.esm.js']) {
      if (!existsSync(join(ROOT, need))) throw new Error(`${need} is missing: run \`npm run build\` (and npm ci)`);
    }
    if (!existsSync(join(DATA, 't10k-images-idx3-ubyte.gz'))) {
      throw new Error(`the Fashion-MNIST files are missing in ${DATA}: apt-get install dataset-fashion-mnist`);
    }
    if (!existsSync('/usr/bin/chromium')) throw new Error('/usr/bin/chromium is missing: apt-get install -y chromium');
    base = await startServer();
    home = mkdtempSync(join(tmpdir(), 'asgrad-page-home-'));
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
      env: { ...process.env, HOME: home } as Record<string, string>,
      timeout: 60_000,
    });
    page = await browser.newPage({ viewport: { width: 1100, height: 980 }, acceptDownloads: true });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`${m.text()} ${m.location().url}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) errors.push(`HTTP ${r.status()} for ${r.url()}`);
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("the server shares the page's files and the data set, nothing else", async () => {
    const origin = new URL(base).origin;
    const status = async (path: string): Promise<number> => (await fetch(`${origin}${path}`)).status;
    expect(await status('/examples/fashion-mnist/worker.js')).toBe(200);
    expect(await status('/build/asgrad.browser.js')).toBe(200);
    expect(await status('/node_modules/uplot/dist/uPlot.esm.js')).toBe(200);
    const labels = await fetch(`${origin}/data/fashion-mnist/t10k-labels-idx1-ubyte.gz`);
    expect(new Uint8Array(await labels.arrayBuffer())).toEqual(new Uint8Array(readFileSync(join(DATA, 't10k-labels-idx1-ubyte.gz'))));
    // An encoded slash survives URL parsing: the server itself must keep `..` inside its folders.
    for (const path of [
      '/package.json',
      '/ts/index.ts',
      '/node_modules/vitest/package.json',
      '/data/fashion-mnist/..%2f..%2f..%2f..%2fetc%2fpasswd',
      '/examples/..%2fpackage.json',
      '/node_modules/uplot/dist/..%2fpackage.json',
    ]) {
      expect(await status(path), path).toBe(404);
    }
    // Cross-origin isolation, for threads in the page's worker.
    const index = await fetch(`${origin}/examples/fashion-mnist/`);
    expect([index.headers.get('cross-origin-opener-policy'), index.headers.get('cross-origin-embedder-policy')]).toEqual([
      'same-origin',
      'require-corp',
    ]);
    const root = await fetch(`${origin}/`, { redirect: 'manual' });
    expect([root.status, root.headers.get('location')]).toEqual([302, '/examples/fashion-mnist/']);
  });

  it('names the folder and how to get the files when the data is missing', async () => {
    const other = await browser!.newPage();
    try {
      await other.goto(`${base}?data=/data/fashion-mnist/nowhere/`);
      await other.waitForFunction(() => document.body.dataset.phase === 'error', undefined, { timeout: 20_000 });
      const text = await other.textContent('#status');
      const where = new URL('/data/fashion-mnist/nowhere/', base).href;
      expect(text).toContain(`cannot find train-images-idx3-ubyte (or train-images-idx3-ubyte.gz) in ${where}`);
      expect(text).toContain('apt-get install dataset-fashion-mnist');
      expect(await other.isDisabled('#start')).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('trains in a worker: plots fill, accuracy rises, the page answers input meanwhile', async () => {
    await page.goto(`${base}?model=mlp&seed=0&steps=${STEPS}&evalEvery=${EVAL_EVERY}&evalSize=1000&autostart=1`);
    await page
      .waitForFunction(() => document.body.dataset.phase === 'running', undefined, { timeout: 45_000 })
      .catch(async () => {
        throw new Error(`training did not start: ${await page.textContent('#status')} ${errors.join('; ')}`);
      });

    liveAtReady = await liveTensors();
    expect(liveAtReady).toBeGreaterThanOrEqual(4); // the two splits' images and labels

    // Input while the worker trains: a click on the log-scale box is handled, frames keep coming.
    await page.waitForFunction(() => Number(document.body.dataset.step ?? 0) > 0, undefined, { timeout: 20_000 });
    const before = await state();
    await page.click('#logscale');
    await page.waitForFunction(() => document.body.dataset.inputs === '1', undefined, { timeout: 5000 });
    await page.waitForTimeout(700);
    const after = await state();
    // From the click's event to its handler: the page's thread was free (a step takes ~15 ms, an
    // evaluation ~200 ms: on the page's thread either would show here).
    expect(after.inputDelayMs).toBeLessThan(100);
    expect(after.step, 'training went on during the check').toBeGreaterThan(before.step);
    expect(after.frames - before.frames, 'animation frames while training').toBeGreaterThanOrEqual(10);
    expect(await page.isChecked('#logscale')).toBe(true);

    await page
      .waitForFunction(() => document.body.dataset.phase === 'stopped', undefined, { timeout: 60_000 })
      .catch(async () => {
        throw new Error(`training did not finish: ${await page.textContent('#status')} ${errors.join('; ')}`);
      });
    const s = await state();
    expect(errors).toEqual([]);
    expect(s.step).toBe(STEPS);
    expect(s.loss.x.length).toBe(STEPS);
    // Threads in the worker: the page is cross-origin isolated, so the pool runs there, with the
    // cores the browser reports (one core: one thread, which the page shows too).
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(s.threads).toBe(cores);
    expect(await page.textContent('#threads')).toBe(String(cores));
    if (availableParallelism() > 1) {
      expect(s.threads).toBeGreaterThan(1);
      expect(s.helperParts, 'parts of products computed by helper threads').toBeGreaterThan(STEPS);
    } else {
      console.log(`one core here: the worker trained on ${s.threads} thread(s), ${s.helperParts} parts by helpers`);
    }
    // The model, its gradients, the momentum buffers, the epoch's order: nothing per step.
    liveAfterTraining = await liveTensors();
    expect(liveAfterTraining - liveAtReady).toBeGreaterThanOrEqual(8);
    expect(liveAfterTraining - liveAtReady).toBeLessThanOrEqual(20);

    // The plots: uPlot's data has the points, and the canvases show them (not blank).
    const plotted = await page.evaluate(() => {
      const inked = (sel: string): number => {
        const c = document.querySelector(`${sel} canvas`) as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
        return n;
      };
      return { loss: inked('#loss-chart'), accuracy: inked('#accuracy-chart') };
    });
    expect(plotted.loss).toBeGreaterThan(500);
    expect(plotted.accuracy).toBeGreaterThan(500);

    // Accuracy: evaluated at steps 0, 50, ..., 300, from about chance to well above it.
    expect(s.evals.map((e) => e.step)).toEqual([0, 50, 100, 150, 200, 250, 300]);
    const acc = s.evals.map((e) => e.accuracy);
    expect(acc[0]).toBeLessThan(0.3);
    expect(acc[acc.length - 1]).toBeGreaterThan(0.7);
    expect(acc[acc.length - 1]).toBeGreaterThan(acc[1]);
    expect(await page.textContent('#accuracy')).toBe(`${(100 * acc[acc.length - 1]).toFixed(2)}%`);

    // The grid: 40 images, each with a prediction; exactly the mispredicted ones are marked.
    const cells = await page.$$eval('#grid .cell', (els) =>
      els.map((e) => ({
        pred: e.querySelector('.pred')!.textContent!,
        truth: e.querySelector('.true')!.textContent!,
        wrong: e.classList.contains('wrong'),
      })),
    );
    expect(cells).toHaveLength(40);
    for (const c of cells) {
      const predicted = c.pred.replace(/ \(\d+%\)$/, '');
      expect(predicted).not.toBe('?');
      expect(c.wrong, `${c.pred} / ${c.truth}`).toBe(predicted !== c.truth);
    }

    await page.screenshot({ path: join(ROOT, 'docs/fashion-mnist.png'), fullPage: true });
  }, 120_000);

  it('Start resumes the same model, Stop stops it between two steps', async () => {
    await page.click('#start');
    await page.waitForFunction((n) => Number(document.body.dataset.step) > n + 20, STEPS, { timeout: 30_000 });
    await page.click('#stop');
    await page.waitForFunction(() => document.body.dataset.phase === 'stopped', undefined, { timeout: 10_000 });
    const stopped = await state();
    await page.waitForTimeout(500);
    const later = await state();
    expect(later.step).toBe(stopped.step);
    expect(stopped.step).toBeGreaterThan(STEPS + 20);
    expect(stopped.step).toBeLessThan(2 * STEPS);
    // One plot point per step, continuing the first run's (the model was resumed, not replaced).
    expect(later.loss.x).toEqual(Array.from({ length: stopped.step }, (_, i) => i + 1));
    expect(later.evals[later.evals.length - 1].step).toBeGreaterThanOrEqual(STEPS);
    // Not one per step (20+ steps ran): a few handles may await the garbage collector's finalizers.
    expect(await liveTensors()).toBeLessThanOrEqual(liveAfterTraining + 4);
    expect(errors).toEqual([]);
  }, 60_000);

  it('downloads the weights as safetensors and loads them back: the same count as asgrad in Node', async () => {
    await page.waitForFunction(() => document.body.dataset.phase === 'stopped', undefined, { timeout: 30_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    expect(download.suggestedFilename()).toBe(`fashion-mnist-mlp-step${(await state()).step}.safetensors`);
    const file = join(home, download.suggestedFilename());
    await download.saveAs(file);
    const bytes = new Uint8Array(readFileSync(file));
    const header = safetensorsHeader(bytes);
    expect(Object.fromEntries(Object.entries(header).map(([k, v]) => [k, `${v.dtype} ${v.shape.join('x')}`]))).toEqual({
      '1.weight': 'F32 256x784',
      '1.bias': 'F32 256',
      '3.weight': 'F32 10x256',
      '3.bias': 'F32 10',
    });

    await page.setInputFiles('#load', file);
    await page.waitForFunction(() => document.body.dataset.loadedCorrect !== undefined, undefined, { timeout: 30_000 });
    const inPage = Number(await page.evaluate(() => document.body.dataset.loadedCorrect));
    expect(inPage).toBe(correctInNode(bytes));
    expect(inPage).toBeGreaterThan(7000);
    // The trained model was released when the loaded one replaced it (no optimizer state yet).
    expect(await liveTensors()).toBeLessThan(liveAfterTraining);
    expect(errors).toEqual([]);
  }, 60_000);

  it('refuses a file that is not safetensors or fits neither recipe, and keeps the model', async () => {
    const live = await liveTensors();
    const before = await page.evaluate(() => document.body.dataset.loadedCorrect);
    const cases: [string, Uint8Array, string][] = [
      ['truncated.safetensors', new Uint8Array([1, 2, 3]), 'SafetensorError'],
      [
        'other.safetensors',
        torch.scope(() => torch.safetensors.save({ 'fc.weight': torch.zeros(10, 784) })),
        'these weights fit neither recipe (MLP: 1.weight [256, 784]...; CNN: 0.weight [16, 1, 5, 5]...): fc.weight [10, 784]',
      ],
      [
        'wrong-shape.safetensors',
        torch.scope(() =>
          torch.safetensors.save({
            '1.weight': torch.zeros(256, 784),
            '1.bias': torch.zeros(256),
            '3.weight': torch.zeros(10, 255),
            '3.bias': torch.zeros(10),
          }),
        ),
        'size mismatch for 3.weight',
      ],
    ];
    for (const [name, bytes, message] of cases) {
      const file = join(home, name);
      writeFileSync(file, bytes);
      await page.evaluate(() => delete document.body.dataset.error);
      await page.setInputFiles('#load', file);
      await page.waitForFunction(() => document.body.dataset.error !== undefined, undefined, { timeout: 10_000 });
      expect(await page.textContent('#status'), name).toContain(message);
      expect(await page.evaluate(() => document.body.dataset.phase)).toBe('stopped');
    }
    expect(await page.evaluate(() => document.body.dataset.loadedCorrect)).toBe(before);
    expect(await liveTensors()).toBeLessThanOrEqual(live + 4);
    // The model loaded before is still the one in use.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    expect(download.suggestedFilename()).toBe('fashion-mnist-mlp-step0.safetensors');
  }, 60_000);

  it("PyTorch's trained MLP gets PyTorch's accuracy in the page", async () => {
    const reference = JSON.parse(readFileSync(join(ROOT, 'examples/fashion-mnist/pytorch-mlp.json'), 'utf8')) as { correct: number };
    await page.evaluate(() => delete document.body.dataset.loadedCorrect);
    await page.click('#load-pytorch');
    await page.waitForFunction(() => document.body.dataset.loadedCorrect !== undefined, undefined, { timeout: 30_000 });
    expect(Number(await page.evaluate(() => document.body.dataset.loadedCorrect))).toBe(reference.correct);
    expect(await page.textContent('#status')).toContain(`PyTorch 1.13.0a0 gets ${reference.correct} / 10000`);
    expect(errors).toEqual([]);
  }, 60_000);
});
