// Lifetimes: explicit release, scopes, release without ceremony, growth and limits.
import { describe, expect, it } from 'vitest';
import v8 from 'node:v8';
import vm from 'node:vm';
import { torch, type Tensor } from '../ts/index.js';
import { advanceGeneration, MIN_COUNT, MIN_VOLUME, OutOfMemoryError, type Storage } from '../ts/storage.js';
import { getCore } from '../ts/core/wasm.js';
import { expectClose, values } from './helpers.js';

const mem = () => torch.memory();

describe('explicit release', () => {
  it('dispose frees storage; double dispose is harmless; use after dispose names the op', () => {
    const before = mem();
    const t = torch.ones(1000);
    expect(mem().liveStorages).toBe(before.liveStorages + 1);
    expect(mem().allocatedBytes).toBeGreaterThanOrEqual(before.allocatedBytes + 4000);
    t.dispose();
    t.dispose();
    expect(mem().liveStorages).toBe(before.liveStorages);
    expect(mem().allocatedBytes).toBe(before.allocatedBytes);
    expect(() => t.add(1)).toThrow(/asgrad: add: the tensor was disposed/);
    expect(() => t.exp()).toThrow(/exp: the tensor was disposed/);
    expect(t.isDisposed).toBe(true);
  });

  it('`using` releases at the end of the block (Symbol.dispose)', () => {
    const before = mem().liveStorages;
    {
      using t = torch.zeros(10);
      expect(t.numel()).toBe(10);
      expect(mem().liveStorages).toBe(before + 1);
    }
    expect(mem().liveStorages).toBe(before);
    expect(typeof Symbol.dispose).toBe('symbol');
  });

  it('a view keeps its storage alive after its base is disposed', () => {
    const base = torch.tensor([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9, 10, 11],
    ]);
    const views = [base.t(), base.reshape(12), base.narrow(1, 1, 2), base.expand(2, 3, 4)];
    base.dispose();
    expect((views[0].tolist() as number[][])[0]).toEqual([0, 4, 8]);
    expect(views[1].sum().item()).toBe(66);
    expect(views[2].tolist()).toEqual([
      [1, 2],
      [5, 6],
      [9, 10],
    ]);
    expect(views[3].sum().item()).toBe(132);
    const before = mem().liveStorages;
    for (const v of views) v.dispose();
    expect(mem().liveStorages).toBe(before - 1);
  });
});

// Python-style scalars (`x.mul(2)`) become shared 0-d constants the first time they are used.
const warmScalars = (): void => torch.noGrad(() => void torch.ones(1).mul(2).add(1).mul(3).add(2).exp());

describe('scopes', () => {
  it('release everything created inside except what is returned or kept', () => {
    warmScalars();
    const before = mem();
    let kept!: Tensor;
    const out = torch.scope(() => {
      const a = torch.ones(100);
      const b = a.mul(2).add(1);
      kept = torch.keep(a.exp());
      return { result: b.sum(), list: [b] };
    });
    expect(out.result.item()).toBe(300);
    expect(out.list[0].numel()).toBe(100);
    expect(kept.isDisposed).toBe(false);
    expect(mem().liveStorages).toBe(before.liveStorages + 3);
    out.result.dispose();
    out.list[0].dispose();
    kept.dispose();
    expect(mem().liveStorages).toBe(before.liveStorages);
    expect(mem().allocatedBytes).toBe(before.allocatedBytes);
  });

  it('nest: returned tensors move to the enclosing scope', () => {
    warmScalars();
    const before = mem().liveStorages;
    const r = torch.scope(() => {
      const inner = torch.scope(() => torch.ones(5).mul(3));
      expect(inner.isDisposed).toBe(false);
      return inner.sum();
    });
    expect(r.item()).toBe(15);
    r.dispose();
    expect(mem().liveStorages).toBe(before);
  });

  it('leave parameters, their gradients and optimizer state alone', () => {
    const w = torch.tensor([1, 2], { requiresGrad: true });
    const opt = new torch.optim.SGD([w], { lr: 0.1, momentum: 0.9 });
    for (let i = 0; i < 3; i++) {
      torch.scope(() => {
        opt.zeroGrad();
        w.mul(w).sum().backward();
        opt.step();
      });
    }
    expect(w.grad).not.toBeNull();
    expect(w.grad!.isDisposed).toBe(false);
    expect(values(w).every((v) => Number.isFinite(v))).toBe(true);
  });

  it('an async scope spans await and releases when its promise settles', async () => {
    warmScalars();
    const before = mem().liveStorages;
    const result = await torch.scope(async () => {
      const a = torch.ones(10);
      await new Promise((r) => setTimeout(r, 5));
      const b = a.add(1);
      await Promise.resolve();
      return b.sum();
    });
    expect(result.item()).toBe(20);
    result.dispose();
    expect(mem().liveStorages).toBe(before);
  });

  it('concurrent async scopes do not capture each other`s tensors', async () => {
    let fromB!: Tensor;
    const pa = torch.scope(async () => {
      await new Promise((r) => setTimeout(r, 10));
      return torch.ones(1);
    });
    const pb = torch.scope(async () => {
      await new Promise((r) => setTimeout(r, 1));
      fromB = torch.keep(torch.ones(3));
      return null;
    });
    const [a] = await Promise.all([pa, pb]);
    expect(a.isDisposed).toBe(false);
    expect(fromB.isDisposed).toBe(false);
  });

  it('releases when fn throws, and the library keeps working', () => {
    const before = mem().liveStorages;
    expect(() =>
      torch.scope(() => {
        torch.ones(10);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(mem().liveStorages).toBe(before);
    expect(torch.ones(2).sum().item()).toBe(2);
  });
});

describe('no ceremony', () => {
  it('zeroGrad releases a gradient the program never read, and keeps one it holds valid', () => {
    const w = torch.tensor([1, 2, 3], { requiresGrad: true });
    const opt = new torch.optim.SGD([w], { lr: 0.1 });
    w.mul(w).sum().backward();
    const before = mem().liveStorages;
    opt.zeroGrad({ setToNone: true });
    expect(mem().liveStorages).toBe(before - 1);
    w.mul(w).sum().backward();
    const held = w.grad!;
    opt.zeroGrad({ setToNone: true });
    expect(w.grad).toBeNull();
    expect(held.tolist()).toEqual([2, 4, 6]);
  });

  it('saved tensors are released as soon as backward has run', () => {
    const x = torch.randn(1000, { requiresGrad: true });
    const before = mem().liveStorages;
    const y = x.exp().sin().sum();
    const withGraph = mem().liveStorages;
    expect(withGraph).toBeGreaterThan(before + 1);
    y.backward();
    // The intermediates are still held by the (not yet collected) JS handles exp/sin created,
    // but the graph's own references are gone: once those handles are spilled, nothing remains.
    advanceGeneration();
    advanceGeneration();
    advanceGeneration();
    expect(mem().liveStorages).toBeLessThanOrEqual(before + 2); // x.grad and y
  });

  it('spilled storages come back transparently, with their values', () => {
    const t = torch.arange(1000, { dtype: 'float64' });
    const spills = mem().spills;
    for (let i = 0; i < 4; i++) advanceGeneration();
    expect(mem().spills).toBeGreaterThan(spills);
    expect(t.sum().item()).toBe(499500);
    expect(mem().restores).toBeGreaterThan(0);
    const v = t.narrow(0, 10, 3);
    for (let i = 0; i < 8; i++) advanceGeneration();
    expect(v.tolist()).toEqual([10, 11, 12]);
    t.dispose();
    expect(v.tolist()).toEqual([10, 11, 12]);
  });

  it('leaves a large backward spilled and brought back are still freed by dispose (counts survive a spill)', () => {
    // The grouped conv's im2col columns (16 x 576 x 1024 float32 = 36 MiB, made in forward and
    // again in backward; groups 1 works one sample at a time instead) outweigh MIN_VOLUME: allocation-driven generations
    // end in the middle of the step and spill the leaves (untouched meanwhile); using them again
    // brings them back. Their handles must still be counted, so dispose frees the bytes.
    const run = (): void => {
      const x = torch.randn([16, 64, 32, 32], { requiresGrad: true });
      const w = torch.randn([4, 32, 3, 3], { requiresGrad: true });
      const g = torch.randn([16, 4, 32, 32]);
      const spills = mem().spills;
      for (let i = 0; i < 3; i++) {
        torch.scope(() => {
          const loss = torch.nn.functional.conv2d(x, w, null, { padding: 1, groups: 2 }).mul(g).sum();
          loss.item();
          loss.backward();
        });
      }
      expect(mem().spills).toBeGreaterThan(spills); // the case under test did happen
      expect(x.grad!.shape).toEqual([16, 64, 32, 32]);
      for (const t of [x.grad, w.grad, x, w, g]) t?.dispose();
    };
    // The products' packing area (allocated once, grown when too small) first takes its largest size.
    torch.scope(() => void torch.randn([128, 512]).matmul(torch.randn([512, 1024])));
    const before = mem();
    run();
    expect(mem().liveTensors).toBe(before.liveTensors);
    expect(mem().liveStorages).toBe(before.liveStorages);
    expect(mem().allocatedBytes).toBe(before.allocatedBytes);
  });

  it('a tensor used in turns with another comes back once, not at every turn', () => {
    // Two data sets (or models) used for an epoch each in turn: the idle one is spilled as garbage
    // would be, once; coming back teaches it how long it may wait (twice its idle time).
    const a = torch.ones([16384]); // 64 KiB
    const b = torch.ones([16384]);
    const storage = (t: Tensor) => (t as unknown as { _storage: Storage })._storage;
    const turn = (t: Tensor): void => {
      for (let i = 0; i < 300; i++) {
        t.mul_(1);
        advanceGeneration();
      }
    };
    turn(a);
    turn(b);
    expect(storage(a).residentAt).toBe(-1); // 300 generations untouched: spilled
    turn(a);
    turn(b);
    for (let k = 0; k < 3; k++) {
      turn(a);
      expect(storage(b).residentAt).toBeGreaterThanOrEqual(0);
      turn(b);
      expect(storage(a).residentAt).toBeGreaterThanOrEqual(0);
    }
    expect(values(a.add(b))).toEqual(new Array(16384).fill(2));
  });

  it('10,000 epochs of the seed regression with no dispose keep memory flat', () => {
    const X = torch.tensor([1, 2, 3, 4]);
    const Y = torch.tensor([2, 4, 6, 8]);
    const w = torch.tensor([0.0], { requiresGrad: true });
    const epoch = (): void => {
      const l = w.mul(X).sub(Y).pow(2).mean();
      l.backward();
      torch.noGrad(() => w.sub_(w.grad!.mul(0.01)));
      w.grad!.zero_();
      l.item();
    };
    for (let i = 0; i < 100; i++) epoch();
    const at100 = mem();
    for (let i = 100; i < 10_000; i++) epoch();
    const at10k = mem();
    expect(at10k.liveTensors).toBeLessThanOrEqual(at100.liveTensors);
    expect(at10k.allocatedBytes).toBeLessThanOrEqual(at100.allocatedBytes);
    expectClose(w, [2], 1e-4);
  });
});

// Loops that never call backward() or optimizer.step(): inference, preprocessing, a server.
// Memory must stay flat there too: after 100,000 iterations (20,000 for the matmul, whose dropped
// results total 1.3 GB) no more than after 100 plus what two generations of dropped storages may
// hold (MIN_COUNT storages / MIN_VOLUME bytes each, see docs/memory.md), and no more in the second
// half of the loop than in its first tenth.
describe('no ceremony outside training loops', () => {
  interface Trace {
    at100: ReturnType<typeof mem>;
    end: ReturnType<typeof mem>;
    early: { live: number; bytes: number };
    late: { live: number; bytes: number };
  }
  const sample = (t: { live: number; bytes: number }): void => {
    const m = mem();
    t.live = Math.max(t.live, m.liveTensors);
    t.bytes = Math.max(t.bytes, m.allocatedBytes);
  };
  function loop(n: number, step: (i: number) => void): Trace {
    const early = { live: 0, bytes: 0 };
    const late = { live: 0, bytes: 0 };
    let at100 = mem();
    for (let i = 0; i < n; i++) {
      step(i);
      if (i === 99) at100 = mem();
      if (i % 97 === 0) sample(i < n / 10 ? early : i >= n / 2 ? late : { live: 0, bytes: 0 });
    }
    return { at100, end: mem(), early, late };
  }
  async function loopAsync(n: number, step: (i: number) => Promise<void>): Promise<Trace> {
    const early = { live: 0, bytes: 0 };
    const late = { live: 0, bytes: 0 };
    let at100 = mem();
    for (let i = 0; i < n; i++) {
      await step(i);
      if (i === 99) at100 = mem();
      if (i % 97 === 0) sample(i < n / 10 ? early : i >= n / 2 ? late : { live: 0, bytes: 0 });
    }
    return { at100, end: mem(), early, late };
  }
  /**
   * Between two boundaries at most MIN_COUNT storages (MIN_VOLUME bytes, plus one storage) are
   * made, and what a generation made and dropped is spilled at the end of the next one: at most
   * about two generations of dropped storages are resident. Handles: a few per storage (views,
   * the aliases graphs save), recounted once a storage in use gathers many.
   */
  function expectFlat(t: Trace, maxBytes: number): void {
    // The allocator rounds a request up to its class: 16 bytes at least, at most 25% more above.
    const block = (b: number) => Math.max(16, 1.25 * b + 16);
    const liveBound = t.at100.liveTensors + 4 * MIN_COUNT;
    const perGeneration = Math.min(1.25 * (MIN_VOLUME + maxBytes), (MIN_COUNT + 1) * block(maxBytes));
    const byteBound = t.at100.allocatedBytes + 2 * perGeneration;
    for (const m of [t.end, { liveTensors: t.late.live, allocatedBytes: t.late.bytes }]) {
      expect(m.liveTensors).toBeLessThanOrEqual(liveBound);
      expect(m.allocatedBytes).toBeLessThanOrEqual(byteBound);
    }
    // No upward trend: the second half peaks no higher than the first tenth (5% for sampling).
    expect(t.late.live).toBeLessThanOrEqual(1.05 * t.early.live);
    expect(t.late.bytes).toBeLessThanOrEqual(1.05 * t.early.bytes);
  }

  it('creating small tensors in a loop: 100,000 torch.tensor([i, 1])', () => {
    let last!: Tensor;
    const t = loop(100_000, (i) => {
      last = torch.tensor([i, 1]);
    });
    expectFlat(t, 8);
    expect(last.tolist()).toEqual([99_999, 1]);
  });

  it('inference under noGrad: 20,000 steps of a matmul with a 64x256 result', () => {
    torch.manualSeed(3);
    const x = torch.randn(64, 16);
    const w = torch.randn(16, 256);
    const ref = values(x.matmul(w));
    let y!: Tensor;
    const t = torch.noGrad(() =>
      loop(20_000, () => {
        y = x.matmul(w).relu();
      }),
    );
    expectFlat(t, 64 * 256 * 4);
    expect(values(y)).toEqual(ref.map((v) => Math.max(v, 0)));
    // The bound is far below what the loop allocated in all.
    expect(t.end.allocatedBytes).toBeLessThan(256 << 20);
  });

  it('a graph-recording loop that never calls backward, with large (4 KiB) tensors', () => {
    const w = torch.randn(1024, { requiresGrad: true });
    let s!: Tensor;
    const t = loop(100_000, (i) => {
      s = w.mul(i % 7).add(1);
    });
    expectFlat(t, 4096);
    expect(s.requiresGrad).toBe(true);
    expectClose(
      s.narrow(0, 0, 3),
      values(w.narrow(0, 0, 3)).map((v) => v * (99_999 % 7) + 1),
      1e-6,
    );
  });

  it('a loop recording graphs that save new tensors (exp saves its result), never calling backward', () => {
    const x = torch.tensor([0.5, -1], { requiresGrad: true });
    let y!: Tensor;
    const t = loop(100_000, (i) => {
      y = x.mul(i % 5).exp();
    });
    expectFlat(t, 8);
    expect(String(y.gradFn)).toMatch(/ExpBackward0/);
    expectClose(y, [Math.exp(0.5 * 4), Math.exp(-4)], 1e-6);
  });

  it('views of a held tensor made in a loop (handles gather on one storage)', () => {
    const x = torch.arange(12).reshape([3, 4]);
    let v!: Tensor;
    const t = loop(100_000, (i) => {
      v = x
        .t()
        .narrow(0, i % 3, 2)
        .mul(2);
    });
    expectFlat(t, 16);
    expect(v.tolist()).toEqual([
      [0, 8, 16],
      [2, 10, 18],
    ]); // i = 99,999: 99,999 % 3 = 0
    expect(x.sum().item()).toBe(66);
  });

  it('a long graph of small ops keeps what it saved resident until backward reads it', () => {
    // 6,000 steps of sin(0.999 x): 12,000 storages, several allocation-driven generations.
    // Two training steps: the second starts, as in any training loop, after a backward.
    const x = torch.tensor([0.3, -0.7, 1.1], { dtype: 'float64', requiresGrad: true });
    let restores = 0;
    for (let step = 0; step < 2; step++) {
      x.grad = null;
      restores = mem().restores;
      let y = x;
      for (let k = 0; k < 6000; k++) y = y.mul(0.999).sin();
      y.sum().backward();
    }
    // (At most the leaf and the loss, untouched for generations meanwhile, may move out and back:
    // none of the 6,000 saved tensors.)
    expect(mem().restores - restores).toBeLessThanOrEqual(2);
    // d/dx of the chain: the product of 0.999 cos(0.999 v) along it, in float64.
    const want = [0.3, -0.7, 1.1].map((v) => {
      let g = 1;
      for (let k = 0; k < 6000; k++) {
        g *= 0.999 * Math.cos(0.999 * v);
        v = Math.sin(0.999 * v);
      }
      return g;
    });
    expectClose(x.grad!, want, 1e-9);
  });

  it('an async loop with an await per iteration (small and large tensors)', async () => {
    const kept: Tensor[] = [];
    const t = await loopAsync(100_000, async (i) => {
      const a = torch.tensor([i, 2]);
      await Promise.resolve();
      const b = torch.full([1024], 0.5).mul(a.sum()).sum();
      if (i % 1000 === 0) await new Promise((r) => setTimeout(r, 0)); // let the event loop turn sometimes
      if (i % 25_000 === 0) kept.push(b);
    });
    expectFlat(t, 4096);
    // Tensors held all along kept their values, wherever they were in between.
    expect(kept.map((k) => k.item())).toEqual([0, 25_000, 50_000, 75_000].map((i) => 512 * (i + 2)));
  });
});

// Inside a synchronous loop the registry's callbacks never run and it keeps what it holds for
// each registered handle: that must not be what keeps a dropped storage's spilled bytes (or the
// bytes a dropped pending result reads) alive. JS memory after a collection may not grow with the
// number of steps: 400 steps drop hundreds of MiB of activations.
describe('JS memory in a synchronous loop without ceremony', () => {
  const NO_SCOPE = { meta: { leaks: 'a scope around the test would hold every dropped handle until its end' } };
  const jsBytes = (gc: () => void): number => {
    gc();
    gc();
    return process.memoryUsage().arrayBuffers;
  };
  const growth = (step: () => void): number => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    for (let i = 0; i < 50; i++) step();
    const at50 = jsBytes(gc);
    for (let i = 50; i < 400; i++) step();
    return jsBytes(gc) - at50;
  };

  it('an MLP trained with SGD: the spilled activations go with their handles', NO_SCOPE, () => {
    torch.manualSeed(0);
    const x = torch.randn([128, 256]);
    const y = torch.randint(0, 10, [128]);
    const model = new torch.nn.Sequential(new torch.nn.Linear(256, 256), new torch.nn.ReLU(), new torch.nn.Linear(256, 10));
    const opt = new torch.optim.SGD(model.parameters(), { lr: 0.01 });
    let first = NaN;
    let last = NaN;
    const grown = growth(() => {
      const loss = torch.nn.functional.crossEntropy(model(x), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      last = loss.item();
      if (Number.isNaN(first)) first = last;
    });
    expect(grown).toBeLessThan(8 * 2 ** 20);
    expect(last).toBeLessThan(first);
    for (const p of model.parameters()) p.dispose();
    x.dispose();
    y.dispose();
  });

  it('a fused elementwise result a reduction consumed, reading a tensor that lives on', NO_SCOPE, () => {
    // mul's pending result reads the dropped product and G; sum computed it without writing it.
    torch.manualSeed(1);
    const A = torch.randn([256, 256]).requiresGrad_(true);
    const B = torch.randn([256, 256]).requiresGrad_(true);
    const G = torch.randn([256, 256]);
    let loss = NaN;
    const grown = growth(() => {
      A.grad = null;
      B.grad = null;
      const l = A.matmul(B).mul(G).sum();
      loss = l.item();
      l.backward();
    });
    expect(grown).toBeLessThan(8 * 2 ** 20);
    // The gradient is still right: d/dA sum((AB) * G) = G B^T.
    expectClose(A.grad!, values(G.matmul(B.t())), 1e-3);
    expect(Number.isFinite(loss)).toBe(true);
    for (const t of [A, B, G]) t.dispose();
  });
});

describe('the FinalizationRegistry safety net', () => {
  it('dropped handles of large storages are released without a copy once the event loop turns', {
    meta: { leaks: 'it drops handles for the collector to release: the leak check scope would hold and dispose them' },
  }, async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    // Start a generation: the 51 storages below cannot end it, so nothing is spilled meanwhile.
    for (let i = 0; i < 3; i++) advanceGeneration();
    const before = mem();
    const kept = torch.full([2048], 5); // 8 KiB: registered
    (() => {
      for (let i = 0; i < 50; i++) torch.full([2048], i);
    })();
    expect(mem().liveStorages).toBe(before.liveStorages + 51);
    for (let i = 0; i < 50 && mem().liveStorages > before.liveStorages + 1; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(mem().liveStorages).toBe(before.liveStorages + 1);
    expect(mem().spills).toBe(before.spills); // released by the registry, not spilled
    expect(kept.sum().item()).toBe(5 * 2048);
  });

  it('a handle collected while its storage is spilled is uncounted when the storage comes back', {
    meta: { leaks: 'it drops a handle for the collector to release: the leak check scope would hold and dispose it' },
  }, async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const a = torch.arange(0, 4096); // 16 KiB: registered
    // (The global counts move with other tests' storages: look at this one.)
    const s = (a as unknown as { _storage: Storage })._storage;
    (() => {
      const b = a.view([64, 64]); // a second counted handle, dropped below
      expect(b.isContiguous()).toBe(true);
    })();
    for (let i = 0; i < 3; i++) advanceGeneration();
    expect(s.residentAt).toBe(-1); // spilled, both handles counted
    expect(s.refs).toBe(2);
    const restores = mem().restores;
    // A sentinel dropped with the view: once its callback ran, the collector has taken both.
    let resolveCollected = (): void => {};
    const collected = new Promise<void>((resolve) => {
      resolveCollected = resolve;
    });
    const watch = new FinalizationRegistry(() => resolveCollected());
    (() => watch.register({}, 0))();
    for (let i = 0; i < 50; i++) {
      gc();
      const done = await Promise.race([collected.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5))]);
      if (done) break;
    }
    await new Promise((r) => setTimeout(r, 5));
    // Back in WASM memory with its values; the collected view no longer counts, so disposing the
    // last handle frees the block.
    const total = a.sum();
    expect(total.item()).toBe((4095 * 4096) / 2);
    total.dispose();
    expect(mem().restores).toBe(restores + 1);
    expect(s.refs).toBe(1);
    a.dispose();
    expect(s.refs).toBe(0);
    expect(s.residentAt).toBe(-1);
  });
});

describe('growth and limits', () => {
  it('memory.grow in the middle of a computation leaves every tensor intact', () => {
    torch.manualSeed(7);
    const a = torch.randn(64, 64);
    const before = values(a);
    const heap = mem().wasmBytes;
    // Each of these results is larger than the free space left, so the op grows memory between
    // reading its inputs' pointers and writing its output.
    const parts: Tensor[] = [];
    while (mem().wasmBytes === heap) parts.push(a.expand(32, 64, 64).mul(1));
    expect(mem().wasmBytes).toBeGreaterThan(heap);
    expect(values(a)).toEqual(before);
    expect(values(parts[parts.length - 1].select(0, 5))).toEqual(before);
    const m = a.matmul(a.t());
    expect(m.shape).toEqual([64, 64]);
    for (const p of parts) p.dispose();
  });

  it('asking for more than wasm32 can hold throws a clear error naming the size, and the library keeps working', () => {
    expect(() => torch.zeros(2 ** 31)).toThrow(/cannot allocate 8589934592 bytes/);
    expect(() => torch.empty([65536, 65536], { dtype: 'float64' })).toThrow(/34359738368 bytes/);
    expect(torch.ones(3).sum().item()).toBe(3);
  });

  it('asking for more than the host grants throws, names the size, and recovers', () => {
    const heap = mem().wasmBytes;
    torch.setMemoryLimit(heap);
    try {
      expect(() => torch.zeros(heap / 4 + 1024)).toThrow(new RegExp(`cannot allocate ${heap + 4096} bytes`));
    } finally {
      torch.setMemoryLimit(2 ** 32);
    }
    const t = torch.ones(10);
    expect(t.sum().item()).toBe(10);
  });

  it('at the limit, untouched storages make room; what cannot fit is refused; held values survive both', () => {
    torch.manualSeed(11);
    // At least the whole memory so far: the free room left after it grows cannot hold another.
    const n = Math.max(2 ** 22, Math.ceil(mem().wasmBytes / 4));
    const big = torch.rand(n);
    const bigSum = big.sum().item();
    const w = torch.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { requiresGrad: true },
    );
    advanceGeneration(); // big and w: untouched in the current generation (not yet stale)
    const heap = mem().wasmBytes;
    const spills = mem().spills;
    let other!: Tensor;
    torch.setMemoryLimit(heap);
    try {
      // No room for a second one: the untouched storages (big among them) are spilled into JS memory.
      other = torch.full([n], 3);
      expect(mem().spills).toBeGreaterThan(spills);
      expect(mem().wasmBytes).toBe(heap);
      // A third while the second is in use: refused, named.
      expect(() => torch.full([n], 4)).toThrow(OutOfMemoryError);
      expect(() => torch.full([n], 4)).toThrow(
        new RegExp(`out of memory: cannot allocate ${4 * n} bytes .*the limit set with torch.setMemoryLimit was reached`),
      );
    } finally {
      torch.setMemoryLimit(2 ** 32);
    }
    // Everything held comes back with its values, and the library computes correctly.
    expect(big.sum().item()).toBe(bigSum);
    expect(other.amax().item() + other.amin().item()).toBe(6);
    w.matmul(w).sum().backward();
    expect(w.grad!.tolist()).toEqual([
      [7, 11],
      [9, 13],
    ]);
    big.dispose();
    other.dispose();
  });

  it('reports wasmBytes, allocatedBytes, peakAllocatedBytes, liveTensors, liveStorages', () => {
    const m = mem();
    for (const k of ['wasmBytes', 'allocatedBytes', 'peakAllocatedBytes', 'liveTensors', 'liveStorages'] as const) {
      expect(typeof m[k]).toBe('number');
    }
    expect(m.peakAllocatedBytes).toBeGreaterThanOrEqual(m.allocatedBytes);
    expect(m.wasmBytes).toBe(getCore().heap_bytes());
  });
});
