// Elementwise fusion (ts/fuse/graph.ts, assembly/fuse.ts): results must be the unfused path's bits
// and everything eager semantics promise must hold while values are pending. Each check runs the
// same program twice, fusion forced on small tensors (minElements 2) and off (0), and compares.
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { torch, type Tensor } from '../ts/index.js';
import { setFusionMinElements } from '../ts/fuse/graph.js';
import type { Storage } from '../ts/storage.js';

let saved = 0;
beforeEach(() => {
  saved = setFusionMinElements(2);
});
afterEach(() => {
  setFusionMinElements(saved);
});

function withFusion<R>(on: boolean, fn: () => R): R {
  const prev = setFusionMinElements(on ? 2 : 0);
  try {
    return fn();
  } finally {
    setFusionMinElements(prev);
  }
}

function pending(t: Tensor): boolean {
  return (t as unknown as { _storage: Storage })._storage.fusePending !== null;
}

/**
 * The bits of a float tensor's values, NaNs canonicalised as the platform hashes do: WebAssembly
 * leaves a NaN result's sign and payload open, and V8 may swap the operands of a commutative op from
 * one compiled loop to another, so two loops with the same operation can give differently signed NaNs.
 */
function bits(t: Tensor): number[] | bigint[] {
  const v = t.toArray() as Float32Array | Float64Array;
  const canon = v.map((e) => (Number.isNaN(e) ? Number.NaN : e));
  return canon instanceof Float32Array
    ? Array.from(new Uint32Array(canon.buffer, canon.byteOffset, canon.length))
    : Array.from(new BigUint64Array(canon.buffer, canon.byteOffset, canon.length));
}

type Step =
  | { readonly k: 'bin'; readonly op: 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum'; readonly i: number; readonly j: number }
  | { readonly k: 'num'; readonly op: 'add' | 'sub' | 'mul' | 'div'; readonly i: number; readonly v: number }
  | { readonly k: 'un'; readonly op: 'neg' | 'abs' | 'sqrt' | 'relu' | 'square'; readonly i: number };

const SPECIALS = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 1e-40, 3e38];

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    k: fc.constant('bin' as const),
    op: fc.constantFrom('add', 'sub', 'mul', 'div', 'maximum', 'minimum'),
    i: fc.nat(40),
    j: fc.nat(40),
  }),
  fc.record({
    k: fc.constant('num' as const),
    op: fc.constantFrom('add', 'sub', 'mul', 'div'),
    i: fc.nat(40),
    v: fc.oneof(fc.double({ min: -4, max: 4, noNaN: true }), fc.constantFrom(0, -0, 2, 0.1)),
  }),
  fc.record({ k: fc.constant('un' as const), op: fc.constantFrom('neg', 'abs', 'sqrt', 'relu', 'square'), i: fc.nat(40) }),
);

const graphArb = fc.record({
  n: fc.oneof(fc.integer({ min: 2, max: 40 }), fc.constantFrom(511, 512, 513, 1029)),
  dtype: fc.constantFrom('float32' as const, 'float64' as const),
  // b: same shape, one element of shape [1], or 0-d
  bKind: fc.constantFrom('full', 'one', 'scalar'),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 12 }),
  seed: fc.nat(1000),
  specials: fc.array(fc.tuple(fc.nat(1028), fc.constantFrom(...SPECIALS)), { maxLength: 6 }),
  reduce: fc.constantFrom('mean', 'sum', 'none'),
});

type Graph = typeof graphArb extends fc.Arbitrary<infer G> ? G : never;

/** Runs the graph; returns the bits of every intermediate, of the reduction, and of a's gradient. */
function runGraph(g: Graph): unknown[] {
  torch.manualSeed(g.seed);
  const a0 = torch.randn([g.n], { dtype: g.dtype });
  const data = a0.toArray() as Float32Array | Float64Array;
  for (const [i, v] of g.specials) if (i < g.n) data[i] = v;
  const a = torch.fromArray(data, [g.n], { dtype: g.dtype }).requiresGrad_(true);
  const bShape = g.bKind === 'full' ? [g.n] : g.bKind === 'one' ? [1] : [];
  const b = torch.randn(bShape, { dtype: g.dtype });
  const vals: Tensor[] = [a, b];
  for (const s of g.steps) {
    const x = vals[s.i % vals.length];
    let y: Tensor;
    if (s.k === 'bin') y = x[s.op](vals[s.j % vals.length]);
    else if (s.k === 'num') y = x[s.op](s.v);
    else y = x[s.op]();
    vals.push(y);
  }
  const last = vals[vals.length - 1];
  const out: unknown[] = [];
  if (g.reduce !== 'none' && last.numel() > 1) {
    const r = g.reduce === 'mean' ? last.mean() : last.sum();
    out.push(bits(r));
    if (last.requiresGrad) {
      r.backward();
      out.push(bits(a.grad ?? torch.zerosLike(a)));
    }
  }
  // Read in reverse: later results are read while earlier ones may still be pending.
  for (let i = vals.length - 1; i >= 0; i--) out.push(bits(vals[i]), vals[i].gradFn?.name() ?? null, [...vals[i].stride()]);
  return out;
}

describe('elementwise fusion', () => {
  it('gives the unfused bits over random elementwise graphs (values, sum/mean, gradients, strides, nodes)', () => {
    fc.assert(
      fc.property(graphArb, (g) => {
        const fused = withFusion(true, () => runGraph(g));
        const plain = withFusion(false, () => runGraph(g));
        expect(fused).toEqual(plain);
      }),
      { numRuns: 150 },
    );
  });

  it('W2 (x + 2, 3*y*y, mean, backward) at 1M elements: same value and gradient bits, nothing input-sized written in forward', () => {
    const run = (on: boolean) =>
      withFusion(on, () => {
        torch.manualSeed(3);
        const x = torch.rand([1 << 20]).requiresGrad_(true);
        const y = x.add(2);
        const z = y.mul(y).mul(3);
        const before = torch.memory().allocatedBytes;
        const u = z.mean();
        const wrote = torch.memory().allocatedBytes - before;
        const pend = [pending(y), pending(z)];
        u.backward();
        return { value: bits(u), grad: bits(x.grad as Tensor), pend, wrote, nodes: [z.gradFn?.name(), y.gradFn?.name()] };
      });
    const f = run(true);
    const p = run(false);
    expect(f.value).toEqual(p.value);
    expect(f.grad).toEqual(p.grad);
    expect(f.nodes).toEqual(['MulBackward0', 'AddBackward0']);
    expect(p.nodes).toEqual(f.nodes);
    expect(f.pend).toEqual([true, true]);
    expect(p.pend).toEqual([false, false]);
    // The fused mean allocates its 0-d result and no 4 MiB intermediate.
    expect(f.wrote).toBeLessThan(1 << 20);
  });

  it('a pending tensor keeps the values of its sources at the call: in-place writes and dispose afterwards', () => {
    const x = torch.arange(0, 10, 1, { dtype: 'float32' });
    const y = x.mul(2);
    const z = y.add(1);
    expect(pending(y) && pending(z)).toBe(true);
    x.add_(100);
    expect(Array.from(z.toArray() as Float32Array)).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
    expect(Array.from(y.toArray() as Float32Array)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    const w = x.sub(100).neg();
    x.dispose();
    expect(Array.from(w.toArray() as Float32Array)).toEqual([-0, -1, -2, -3, -4, -5, -6, -7, -8, -9]);
  });

  it('many pending readers of one source (a loop that drops them) move to one copy when it is written, freed with the last', () => {
    const x = torch.ones([1000]);
    const kept = x.mul(3);
    const liveBefore = torch.memory().liveStorages;
    for (let i = 0; i < 50; i++) x.add(i); // dropped, never read
    x.add_(1);
    expect(kept.sum().item()).toBe(3000);
    expect(Array.from((kept.toArray() as Float32Array).slice(0, 3))).toEqual([3, 3, 3]);
    // the 50 dropped ones, the copy they read: freed when they go (here: the test's scope)
    expect(torch.memory().liveStorages).toBeGreaterThan(liveBefore);
  });

  it('memory counts come back exactly: held sources and snapshots, resident or spilled meanwhile', () => {
    const mem = () => {
      const m = torch.memory();
      return [m.liveTensors, m.liveStorages, m.allocatedBytes];
    };
    // Warm-up: the cached scalar constants 1 and 2 and the kernels' scratch arena stay allocated.
    torch.scope(() => torch.ones([1000]).mul(2).add(1).sum().item());
    const before = mem();
    const storageOf = (t: Tensor): Storage => (t as unknown as { _storage: Storage })._storage;
    // A source whose last handle goes while a pending tensor reads it: its block is held.
    const x = torch.ones([1000]);
    const held = storageOf(x);
    const y = x.mul(2);
    x.dispose();
    expect(held.fuseHeld).toBe(true);
    // A source written while pending tensors read it: they move to a copy.
    const s = torch.ones([1000]);
    const z = s.add(1);
    s.add_(1);
    const copy = (storageOf(z).fusePending as { node: { deps: Storage[] } }).node.deps[0];
    expect(copy.fuseHeld).toBe(true);
    // Both spilled to JS memory (as a generation boundary does to untouched storages), then read.
    held.spillOut();
    copy.spillOut();
    const sums = [y.sum(), z.sum()];
    expect(sums.map((t) => t.item())).toEqual([2000, 2000]);
    // Spilled again: freed from JS memory when their readers go (uncounted once, by spillOut).
    held.spillOut();
    copy.spillOut();
    for (const t of [y, z, s, ...sums]) t.dispose();
    expect([held.fuseHeld, copy.fuseHeld, held.residentAt, copy.residentAt]).toEqual([false, false, -1, -1]);
    expect(mem()).toEqual(before);
  });

  it('in-place ops on a pending result, its version counter and the saved-tensor error are the eager ones', () => {
    const msgs = [true, false].map((on) =>
      withFusion(on, () => {
        const x = torch.linspace(-1, 1, 64).requiresGrad_(true);
        const y = x.mul(2);
        const z = y.mul(y);
        y.add_(1);
        const v = y._version;
        try {
          z.sum().backward();
          return ['no error', v];
        } catch (e) {
          return [(e as Error).message, v, bits(y)];
        }
      }),
    );
    expect(msgs[0]).toEqual(msgs[1]);
    expect(msgs[0][1]).toBe(1);
    expect(String(msgs[0][0])).toContain('modified by an inplace operation');
  });

  it('printing, views, matmul and comparisons of pending tensors see computed values', () => {
    const outs = [true, false].map((on) =>
      withFusion(on, () => {
        const x = torch.linspace(-2, 2, 12);
        const y = x.mul(x).sub(1);
        const s = String(y);
        const v = bits(y.view([3, 4]).t().contiguous());
        const m = bits(y.view([3, 4]).matmul(torch.ones([4, 2])));
        const c = Array.from(y.gt(0).toArray() as Uint8Array);
        return [s, v, m, c, y.isContiguous(), y.dtype, [...y.shape]];
      }),
    );
    expect(outs[0]).toEqual(outs[1]);
  });

  it('below the threshold, and for integer results, nothing is pending', () => {
    setFusionMinElements(100);
    const small = torch.ones([99]).mul(2);
    expect(pending(small)).toBe(false);
    const big = torch.ones([100]).mul(2);
    expect(pending(big)).toBe(true);
    const ints = torch.arange(0, 200, 1).mul(2);
    expect(pending(ints)).toBe(false);
    expect(Number((ints.toArray() as BigInt64Array)[199])).toBe(398);
    // Mixed dtypes are cast first; the product of the cast operands is fused.
    const mixed = torch.ones([200]).mul(torch.ones([200], { dtype: 'float64' }));
    expect(mixed.dtype).toBe('float64');
    expect(mixed.sum().item()).toBe(200);
  });

  it('backward leaves the leaves gradients computed, not pending', () => {
    const x = torch.linspace(0, 1, 100).requiresGrad_(true);
    x.add(2).mul(3).sum().backward();
    expect(pending(x.grad as Tensor)).toBe(false);
    expect((x.grad as Tensor).sum().item()).toBe(300);
  });
});
