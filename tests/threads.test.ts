// The thread pool (ts/core/threads.ts): products split by output across worker threads give the
// bits of the one-thread product for every thread count; torch.setNumThreads / getNumThreads with
// PyTorch 1.13's messages; the threaded core writes nothing into its memory when instantiated (no
// data section); helpers never keep a process alive.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { torch, type Tensor } from '../ts/index.js';
import { helperParts, setThreadMinWork, threadsReady } from '../ts/core/threads.js';
import { rt } from '../ts/runtime.js';

const ROOT = resolve(import.meta.dirname, '..');
const F = torch.nn.functional;

/** The ids of a wasm binary's sections, in order. */
function sectionIds(bytes: Uint8Array): number[] {
  const ids: number[] = [];
  let pos = 8;
  while (pos < bytes.length) {
    ids.push(bytes[pos++] as number);
    let size = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[pos++] as number;
      size += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) break;
    }
    pos += size;
  }
  return ids;
}

/** In a describe block: every kernel the pool can split is split however small; the thread settings are restored after. */
function splitAllInThisBlock(): void {
  let minWork = 0;
  let threads = 1;
  beforeAll(() => {
    threads = torch.getNumThreads();
    minWork = setThreadMinWork(1);
  });
  afterAll(() => {
    setThreadMinWork(minWork);
    torch.setNumThreads(threads);
  });
}

/** compute() gives the same values with 1, 2 and 3 threads, and with n threads helpers ran at least minParts(n) parts. */
async function expectSameBits<T>(compute: () => T[], label: string, minParts: (n: number) => number): Promise<void> {
  torch.setNumThreads(1);
  const before1 = helperParts();
  const one = compute();
  expect(helperParts()).toBe(before1);
  for (const n of [2, 3]) {
    torch.setNumThreads(n);
    expect(await threadsReady()).toBe(n);
    const before = helperParts();
    const many = compute();
    expect(many.length).toBe(one.length);
    for (let i = 0; i < one.length; i++) expect(many[i], `${label} ${i} with ${n} threads`).toBe(one[i]);
    expect(helperParts() - before).toBeGreaterThanOrEqual(minParts(n));
  }
}

describe('the threaded core', () => {
  const bytes = new Uint8Array(readFileSync(join(ROOT, 'build/asgrad.threads.wasm')));
  const mod = new WebAssembly.Module(bytes);

  it('has no data section (a helper instantiating it must write nothing into the shared memory)', () => {
    const ids = sectionIds(bytes);
    expect(ids).toContain(10); // code: the parser walked real sections
    expect(ids).not.toContain(11);
    expect(ids).not.toContain(12);
    // its static data travels in a custom section the owner copies in once
    expect(WebAssembly.Module.customSections(mod, 'asgrad.data')[0]?.byteLength ?? 0).toBeGreaterThan(1000);
    // while the single-thread core keeps its data segments
    expect(sectionIds(new Uint8Array(readFileSync(join(ROOT, 'build/asgrad.wasm'))))).toContain(11);
  });

  it('imports its memory, and exports the same kernels as the single-thread core', () => {
    expect(WebAssembly.Module.imports(mod)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    const single = new WebAssembly.Module(readFileSync(join(ROOT, 'build/asgrad.wasm')));
    const names = (m: WebAssembly.Module) =>
      WebAssembly.Module.exports(m)
        .map((e) => `${e.name}:${e.kind}`)
        .sort();
    expect(names(mod)).toEqual(names(single));
  });

  it('is the core Node uses, with the cores available as the default thread count', () => {
    expect(torch.getNumThreads()).toBe(availableParallelism());
    expect(rt.threads.shared).not.toBeNull();
    expect(rt.threads.shared?.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
  });
});

describe('torch.setNumThreads / torch.getNumThreads', () => {
  it("validates with PyTorch 1.13's messages, and the count is unchanged after an error", () => {
    const before = torch.getNumThreads();
    const set = torch.setNumThreads as (...a: unknown[]) => void;
    const get = torch.getNumThreads as (...a: unknown[]) => number;
    expect(() => set(0)).toThrow(new Error('set_num_threads expects a positive integer'));
    expect(() => set(-1)).toThrow(new Error('set_num_threads expects a positive integer'));
    expect(() => set(1.5)).toThrow(new Error('set_num_threads expects an int, but got float'));
    expect(() => set(Number.NaN)).toThrow(new Error('set_num_threads expects an int, but got float'));
    expect(() => set('2')).toThrow(new Error('set_num_threads expects an int, but got str'));
    expect(() => set(true)).toThrow(new Error('set_num_threads expects an int, but got bool'));
    expect(() => set()).toThrow(new TypeError('torch.set_num_threads() takes exactly one argument (0 given)'));
    expect(() => set(1, 2)).toThrow(new TypeError('torch.set_num_threads() takes exactly one argument (2 given)'));
    expect(() => get(1)).toThrow(new TypeError('torch.get_num_threads() takes no arguments (1 given)'));
    expect(torch.getNumThreads()).toBe(before);
    torch.setNumThreads(3);
    expect(torch.getNumThreads()).toBe(3);
    torch.setNumThreads(before);
    expect(torch.getNumThreads()).toBe(before);
  });
});

/** A tensor's exact bytes (its dtype, shape and every bit of every element). */
function bits(t: Tensor | null | undefined): string {
  if (!t) return 'null';
  const a = t.toArray() as Float32Array | Float64Array;
  return `${t.dtype}[${t.shape.join(',')}]:${Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex')}`;
}

/** The float64 triple loop over plain arrays: an independent value for the products. */
function naiveMatmul(a: number[][], b: number[][]): number[][] {
  return a.map((row) => (b[0] ?? []).map((_, j) => row.reduce((s, v, k) => s + v * ((b[k] as number[])[j] as number), 0)));
}

/**
 * Every product the split must cover, run forward and backward: rows (M >= N), columns (N > M),
 * whole batches, a broadcast batch, transposed operands (strided reads), K above one K chunk (256),
 * f32 and f64, linear, and convolutions (their three GEMMs per sample). Returns the bytes of every
 * value and gradient.
 */
function products(): string[] {
  const out: string[] = [];
  torch.scope(() => {
    for (const dtype of ['float32', 'float64'] as const) {
      torch.manualSeed(7);
      const pairs: [number[], number[], 'a' | 'b' | null][] = [
        [[37, 53], [53, 29], null],
        [[5, 67], [67, 301], null],
        [[41, 600], [600, 37], null],
        [[4, 13, 17], [4, 17, 11], null],
        [[2, 33, 9], [2, 9, 45], null],
        [[3, 19, 23], [23, 31], null],
        [[53, 37], [53, 29], 'a'],
        [[37, 53], [29, 53], 'b'],
        [[1, 130], [130, 1], null],
      ];
      for (const [as, bs, tr] of pairs) {
        const a = torch.randn(as, { dtype }).requiresGrad_(true);
        const b = torch.randn(bs, { dtype }).requiresGrad_(true);
        const c = torch.matmul(tr === 'a' ? a.t() : a, tr === 'b' ? b.t() : b);
        c.mul(torch.randn(c.shape, { dtype })).sum().backward();
        out.push(bits(c), bits(a.grad), bits(b.grad));
      }
      const x = torch.randn([3, 4, 9, 11], { dtype }).requiresGrad_(true);
      const w = torch.randn([5, 4, 3, 3], { dtype }).requiresGrad_(true);
      for (const opts of [{ padding: 1 }, { stride: 2 }, { padding: 2, dilation: 2 }]) {
        x.grad = null;
        w.grad = null;
        const y = F.conv2d(x, w, null, opts);
        y.mul(torch.randn(y.shape, { dtype })).sum().backward();
        out.push(bits(y), bits(x.grad), bits(w.grad));
      }
      const lin = new torch.nn.Linear(70, 45, { dtype });
      const h = torch.randn([33, 70], { dtype }).requiresGrad_(true);
      const z = lin.forward(h);
      z.square().sum().backward();
      out.push(bits(z), bits(h.grad), bits(lin.weight.grad));
    }
  });
  return out;
}

describe('products split across threads keep every bit', () => {
  splitAllInThisBlock();

  it('1, 2 and 3 threads give identical values and gradients, split for real', async () => {
    // every product above but one ([1, 130] @ [130, 1]) has at least 2 units to split, and each
    // convolution's three per-sample loops run split by samples: 76 calls reach the helpers
    await expectSameBits(products, 'product', (n) => 76 * (n - 1));
  });

  it('the split product agrees with an independent float64 triple loop', async () => {
    torch.setNumThreads(3);
    await threadsReady();
    torch.scope(() => {
      torch.manualSeed(3);
      const a = torch.randn([29, 301], { dtype: 'float64' });
      const b = torch.randn([301, 67], { dtype: 'float64' });
      const before = helperParts();
      const c = torch.matmul(a, b).tolist() as number[][];
      expect(helperParts() - before).toBe(2);
      const ref = naiveMatmul(a.tolist() as number[][], b.tolist() as number[][]);
      for (let i = 0; i < 29; i++)
        for (let j = 0; j < 67; j++)
          expect(Math.abs(((c[i] as number[])[j] as number) - ((ref[i] as number[])[j] as number))).toBeLessThan(1e-9);
    });
  });

  it('products below the work threshold stay on the calling thread', async () => {
    torch.setNumThreads(2);
    await threadsReady();
    const saved = setThreadMinWork(1 << 20);
    try {
      torch.scope(() => {
        const before = helperParts();
        torch.matmul(torch.randn([64, 64]), torch.randn([64, 64])); // 2^18 multiply-adds
        expect(helperParts()).toBe(before);
        torch.matmul(torch.randn([128, 128]), torch.randn([128, 128])); // 2^21
        expect(helperParts()).toBe(before + 1);
      });
    } finally {
      setThreadMinWork(saved);
    }
  });
});

/**
 * Convolutions whose per-sample loops (output, weight gradient, input gradient) are split by whole
 * samples: odd batches, channels and sizes, padding, stride, dilation, bias, f32 and f64, and one
 * sample (not split by samples: its products are). Returns the bytes of every value and gradient.
 */
function convolutions(): string[] {
  const out: string[] = [];
  torch.scope(() => {
    for (const dtype of ['float32', 'float64'] as const) {
      torch.manualSeed(11);
      const cases: [number[], number[], Parameters<typeof F.conv2d>[3]][] = [
        [[7, 3, 13, 17], [5, 3, 3, 3], { padding: 1 }],
        [[5, 2, 11, 9], [3, 2, 5, 5], { padding: 2 }],
        [[3, 4, 12, 15], [6, 4, 3, 2], { stride: [2, 1] }],
        [[2, 3, 10, 10], [4, 3, 3, 3], { padding: 2, dilation: 2 }],
        [[1, 3, 9, 9], [2, 3, 3, 3], { padding: 1 }],
        [[4, 1, 28, 28], [16, 1, 5, 5], { padding: 2 }],
      ];
      for (const [xs, ws, opts] of cases) {
        const x = torch.randn(xs, { dtype }).requiresGrad_(true);
        const w = torch.randn(ws, { dtype }).requiresGrad_(true);
        const b = torch.randn([ws[0] as number], { dtype }).requiresGrad_(true);
        const y = F.conv2d(x, w, b, opts);
        y.mul(torch.randn(y.shape, { dtype })).sum().backward();
        out.push(bits(y), bits(x.grad), bits(w.grad), bits(b.grad));
      }
    }
  });
  return out;
}

describe('convolutions split by samples keep every bit', () => {
  splitAllInThisBlock();

  it('1, 2 and 3 threads give identical outputs and gradients, with one part per helper and loop', async () => {
    // 2 dtypes x 5 batched cases x 3 loops, each split into n parts (every batch has >= 2 samples,
    // so with 3 threads the batch of 2 uses 2 of them), plus the one-sample case's split products
    await expectSameBits(convolutions, 'value', (n) => 2 * 3 * ((n - 1) * 4 + 1));
  });

  it('the split convolution agrees with float64 sums written out in JavaScript', async () => {
    torch.setNumThreads(3);
    await threadsReady();
    torch.scope(() => {
      torch.manualSeed(5);
      const x = torch.randn([5, 2, 6, 7], { dtype: 'float64' });
      const w = torch.randn([3, 2, 3, 3], { dtype: 'float64' });
      const before = helperParts();
      const y = F.conv2d(x, w, null, { padding: 1 }).tolist() as number[][][][];
      expect(helperParts() - before).toBe(2);
      const xv = x.tolist() as number[][][][];
      const wv = w.tolist() as number[][][][];
      for (let n = 0; n < 5; n++)
        for (let o = 0; o < 3; o++)
          for (let i = 0; i < 6; i++)
            for (let j = 0; j < 7; j++) {
              let s = 0;
              for (let c = 0; c < 2; c++)
                for (let ki = 0; ki < 3; ki++)
                  for (let kj = 0; kj < 3; kj++) {
                    const r = i + ki - 1;
                    const q = j + kj - 1;
                    if (r >= 0 && r < 6 && q >= 0 && q < 7) s += (xv[n]?.[c]?.[r]?.[q] ?? 0) * (wv[o]?.[c]?.[ki]?.[kj] ?? 0);
                  }
              expect(Math.abs((y[n]?.[o]?.[i]?.[j] ?? Number.NaN) - s)).toBeLessThan(1e-12);
            }
    });
  });
});

/**
 * Max pooling (the 2x2 fast path, a general window with padding, dilation and ceil_mode, odd
 * plane counts) forward and backward, then SGD (momentum, Nesterov, weight decay, maximize) and
 * Adam (AdamW, amsgrad, maximize) steps on parameters of odd lengths: the bytes of every result.
 */
function poolsAndSteps(): string[] {
  const out: string[] = [];
  torch.scope(() => {
    for (const dtype of ['float32', 'float64'] as const) {
      torch.manualSeed(13);
      const pools: [
        number[],
        number | number[],
        { stride?: number | number[]; padding?: number; dilation?: number; ceilMode?: boolean },
      ][] = [
        [[3, 5, 12, 14], 2, {}],
        [[5, 3, 11, 13], 3, { stride: 2, padding: 1, ceilMode: true }],
        [[2, 7, 9, 10], [2, 3], { stride: [1, 2], dilation: 2 }],
      ];
      for (const [xs, k, opts] of pools) {
        const x = torch.randn(xs, { dtype }).requiresGrad_(true);
        const [y, idx] = F.maxPool2d(x, k, { ...opts, returnIndices: true });
        y.mul(torch.randn(y.shape, { dtype })).sum().backward();
        out.push(bits(y), idx.tolist().toString(), bits(x.grad));
      }
      const optims: ((ps: Tensor[]) => { step(): void })[] = [
        (ps) => new torch.optim.SGD(ps, { lr: 0.1, momentum: 0.9, weightDecay: 0.01 }),
        (ps) => new torch.optim.SGD(ps, { lr: 0.05, momentum: 0.8, nesterov: true, maximize: true }),
        (ps) => new torch.optim.SGD(ps, { lr: 0.05 }),
        (ps) => new torch.optim.Adam(ps, { lr: 0.01, weightDecay: 0.1 }),
        (ps) => new torch.optim.Adam(ps, { lr: 0.01, amsgrad: true, maximize: true }),
        (ps) => new torch.optim.AdamW(ps, { lr: 0.01 }),
      ];
      for (const make of optims) {
        const ps = [torch.randn([1037], { dtype }), torch.randn([3, 61], { dtype }), torch.randn([5], { dtype })].map((t) =>
          t.requiresGrad_(true),
        );
        const opt = make(ps);
        for (let s = 0; s < 3; s++) {
          for (const p of ps) p.grad = torch.randn(p.shape, { dtype });
          opt.step();
        }
        for (const p of ps) out.push(bits(p));
      }
    }
  });
  return out;
}

describe('pooling and optimizer steps split across threads keep every bit', () => {
  splitAllInThisBlock();

  it('1, 2 and 3 threads give identical values, indices, gradients and parameters, split for real', async () => {
    // per dtype: 3 pools x 2 kernels, and 6 optimizers x 3 steps x 2 parameters of more than one
    // run of 64 elements (the 5-element one stays whole), each split into n parts
    await expectSameBits(poolsAndSteps, 'value', (n) => 2 * (6 + 36) * (n - 1));
  });

  it('a split SGD step agrees with the update written out in JavaScript', async () => {
    torch.setNumThreads(3);
    await threadsReady();
    torch.scope(() => {
      const n = 1000;
      const p0 = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
      const g0 = Float64Array.from({ length: n }, (_, i) => Math.cos(3 * i));
      const p = torch.fromArray(p0).requiresGrad_(true);
      p.grad = torch.fromArray(g0);
      const opt = new torch.optim.SGD([p], { lr: 0.1, weightDecay: 0.5 });
      const before = helperParts();
      opt.step();
      expect(helperParts() - before).toBe(2);
      const got = p.toArray() as Float64Array;
      for (let i = 0; i < n; i++) expect(got[i]).toBe((p0[i] as number) + -0.1 * ((g0[i] as number) + 0.5 * (p0[i] as number)));
    });
  });
});

describe('helper threads', () => {
  it('never keep a process alive: a program that used 3 threads exits by itself', () => {
    const dir = mkdtempSync(join(tmpdir(), 'asgrad-threads-'));
    try {
      const file = join(dir, 'exit.mjs');
      writeFileSync(
        file,
        `import { torch } from ${JSON.stringify(join(ROOT, 'build/ts/index.js'))};\n` +
          `import { threadsReady, helperParts } from ${JSON.stringify(join(ROOT, 'build/ts/core/threads.js'))};\n` +
          'torch.setNumThreads(3);\nawait threadsReady();\n' +
          'const c = torch.matmul(torch.ones([256, 256]), torch.ones([256, 256]));\n' +
          'console.log(c.sum().item(), helperParts(), torch.getNumThreads());\n',
      );
      const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
      expect(r.error).toBeUndefined();
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe(`${256 ** 3} 2 3`);
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
