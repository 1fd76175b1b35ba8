// torch.Generator, randperm / randint, torch.utils.data (Dataset, TensorDataset, Subset,
// randomSplit, DataLoader, defaultCollate) and the MNIST-family datasets' IDX reader. Messages and
// lengths are PyTorch 1.13's (computed with /usr/bin/python3, quoted beside each case); the
// Fashion-MNIST figures are from Python reading the same files with gzip + numpy.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type Tensor, torch } from '../ts/index.js';

const { DataLoader, TensorDataset, Subset, randomSplit, defaultCollate, Dataset } = torch.utils.data;
const ints = (t: Tensor): number[] => Array.from(t.toArray() as BigInt64Array, Number);
const sorted = (a: number[]): number[] => a.slice().sort((x, y) => x - y);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('torch.Generator', () => {
  it("a new generator has PyTorch's default seed; manualSeed returns it and sets initialSeed (negative seeds wrap)", () => {
    expect(new torch.Generator().initialSeed()).toBe(67280421310721n);
    expect(new torch.Generator().manualSeed(5).initialSeed()).toBe(5n);
    expect(new torch.Generator().manualSeed(-1).initialSeed()).toBe(18446744073709551615n);
    expect(() => new torch.Generator().manualSeed(1.5)).toThrow('manual_seed expected a long, but got float');
    expect(() => new torch.Generator().manualSeed(2n ** 64n)).toThrow('Overflow when unpacking long');
    torch.manualSeed(7);
    expect(torch.initialSeed()).toBe(7n);
    expect(torch.defaultGenerator.initialSeed()).toBe(7n);
  });

  it('the same seed gives the same stream; a generator leaves the default stream where it was', () => {
    torch.manualSeed(3);
    const ref = torch.rand(4).toArray();
    torch.manualSeed(3);
    const g1 = new torch.Generator().manualSeed(11);
    const a = torch.rand(5, { generator: g1 }).toArray();
    const afterG = torch.rand(4).toArray(); // the default stream did not move
    expect(afterG).toEqual(ref);
    const b = torch.rand(5, { generator: new torch.Generator().manualSeed(11) }).toArray();
    expect(b).toEqual(a);
    const c = torch.rand(5, { generator: new torch.Generator().manualSeed(12) }).toArray();
    expect(c).not.toEqual(a);
    const n1 = torch.randn(3, { generator: new torch.Generator().manualSeed(1), dtype: 'float64' }).toArray();
    const n2 = torch.randn(3, { generator: new torch.Generator().manualSeed(1), dtype: 'float64' }).toArray();
    expect(n1).toEqual(n2);
  });

  it('getState / setState replay a stream, for a generator and for the default one (getRngState)', () => {
    const g = new torch.Generator().manualSeed(9);
    torch.rand(3, { generator: g });
    const s = g.getState();
    expect(s.dtype).toBe('int64');
    const x = torch.randperm(20, { generator: g });
    g.setState(s);
    expect(ints(torch.randperm(20, { generator: g }))).toEqual(ints(x));
    expect(g.initialSeed()).toBe(9n);
    const st = torch.getRngState();
    const y = torch.randint(0, 1000, [6]);
    torch.setRngState(st);
    expect(ints(torch.randint(0, 1000, [6]))).toEqual(ints(y));
    expect(() => g.setState(torch.zeros(3))).toThrow('RNG state must be an int64 tensor');
    expect(() => g.setState(torch.zeros(3, { dtype: 'int64' }))).toThrow('found the input RNG state size to be 3');
  });

  it('a generator option that is not a Generator is refused by name', () => {
    expect(() => torch.rand(2, { generator: 3 as never })).toThrow("argument 'generator' must be torch.Generator, not int");
    expect(() => torch.randperm(2, { generator: {} as never })).toThrow("argument 'generator' must be torch.Generator");
  });
});

describe('torch.randperm and torch.randint', () => {
  it('randperm is a permutation of 0..n-1, int64 unless dtype says otherwise', () => {
    for (const n of [0, 1, 2, 7, 100]) {
      const p = torch.randperm(n);
      expect(p.dtype).toBe('int64');
      expect(p.shape).toEqual([n]);
      expect(sorted(ints(p))).toEqual(range(n));
    }
    const f = torch.randperm(6, { dtype: 'float32' });
    expect(f.dtype).toBe('float32');
    expect(sorted(Array.from(f.toArray() as Float32Array))).toEqual(range(6));
    // many permutations of 3: all 6 orders appear (a fixed or biased shuffle would miss some)
    const g = new torch.Generator().manualSeed(0);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(ints(torch.randperm(3, { generator: g })).join());
    expect(seen.size).toBe(6);
  });

  it("randperm's errors are PyTorch's", () => {
    expect(() => torch.randperm(-1)).toThrow('Trying to create tensor with negative dimension -1: [-1]');
    expect(() => torch.randperm(3.5)).toThrow("randperm(): argument 'n' (position 1) must be int, not float");
    expect(() => torch.randperm(4, { dtype: 'bool' })).toThrow(`"randperm" not implemented for 'Bool'`);
    expect(() => torch.randperm(4, { pinMemory: true } as never)).toThrow();
  });

  it('randint(high, size) and randint(low, high, size): values in [low, high), every value drawn', () => {
    const a = torch.randint(3, [2]);
    expect(a.dtype).toBe('int64');
    expect(a.shape).toEqual([2]);
    const g = new torch.Generator().manualSeed(1);
    const v = ints(torch.randint(-5, 5, [5000], { generator: g }));
    expect(Math.min(...v)).toBe(-5);
    expect(Math.max(...v)).toBe(4);
    // each of the 10 values about 500 times (binomial sd ~21: 120 is ~6 sd)
    const counts = range(10).map((k) => v.filter((x) => x === k - 5).length);
    for (const c of counts) expect(Math.abs(c - 500)).toBeLessThan(120);
    const f = torch.randint(0, 3, [2, 3], { dtype: 'float32' });
    expect(f.dtype).toBe('float32');
    expect(f.shape).toEqual([2, 3]);
    const big = ints(torch.randint(2n ** 40n, 2n ** 40n + 3n, [50]));
    for (const x of big) expect(x - 2 ** 40).toBeGreaterThanOrEqual(0);
    expect(torch.randint(0, 2, [4], { dtype: 'bool' }).dtype).toBe('bool');
  });

  it("randint's errors are PyTorch's", () => {
    expect(() => torch.randint(5, 3, [2])).toThrow("random_ expects 'from' to be less than 'to', but got from=5 >= to=3");
    expect(() => torch.randint(3, 3, [2])).toThrow("random_ expects 'from' to be less than 'to', but got from=3 >= to=3");
    expect(() => torch.randint(3, [2], { dtype: 'bool' })).toThrow('to - 1 is out of bounds for bool');
    expect(() => torch.randint(1.5, 3, [2])).toThrow("randint(): argument 'low' (position 1) must be int, not float");
    expect(() => (torch.randint as (...a: unknown[]) => Tensor)(3)).toThrow('randint() takes (high, size) or (low, high, size)');
    expect(() => torch.randint(3, [2], { requiresGrad: true })).toThrow(
      'Only Tensors of floating point and complex dtype can require gradients',
    );
  });
});

/** A dataset of numbers i -> [i, 10 * i] (arrays of numbers: collated into float64 tensors). */
class Pairs extends Dataset<number[]> {
  constructor(readonly n: number) {
    super();
  }
  getItem(i: number): number[] {
    return [i, 10 * i];
  }
  get length(): number {
    return this.n;
  }
}

describe('torch.utils.data.DataLoader', () => {
  it("length is PyTorch's len(loader)", () => {
    const d = range(10);
    expect(new DataLoader(d, { batchSize: 3 }).length).toBe(4);
    expect(new DataLoader(d, { batchSize: 3, dropLast: true }).length).toBe(3);
    expect(new DataLoader(d).length).toBe(10);
    expect(new DataLoader(d, { batchSize: null }).length).toBe(10);
    expect(new DataLoader(d, { batchSize: 5, dropLast: true }).length).toBe(2);
  });

  it('sequential batches in order; the last one short unless dropLast', () => {
    const got = [...new DataLoader(new Pairs(5), { batchSize: 2 })].map((b) =>
      (b as Tensor[]).map((t) => Array.from(t.toArray() as Float64Array)),
    );
    expect(got).toEqual([
      [
        [0, 1],
        [0, 10],
      ],
      [
        [2, 3],
        [20, 30],
      ],
      [[4], [40]],
    ]);
    expect([...new DataLoader(new Pairs(5), { batchSize: 2, dropLast: true })].length).toBe(2);
    expect([...new DataLoader([1, 2, 3], { batchSize: null })]).toEqual([1, 2, 3]);
  });

  it('TensorDataset batches are gathered by index_select and equal the per-sample collate', () => {
    const x = torch.arange(24, { dtype: 'float32' }).reshape([6, 2, 2]);
    const y = torch.arange(6);
    const ds = new TensorDataset(x, y);
    const g = () => new torch.Generator().manualSeed(4);
    const fast = [...new DataLoader(ds, { batchSize: 4, shuffle: true, generator: g() })] as Tensor[][];
    // a collateFn that is not the default one takes the per-sample path
    const slow = [
      ...new DataLoader(ds, { batchSize: 4, shuffle: true, generator: g(), collateFn: (s: Tensor[][]) => defaultCollate(s) as Tensor[] }),
    ] as Tensor[][];
    expect(fast.length).toBe(2);
    expect(fast.map((b) => b.map((t) => t.tolist()))).toEqual(slow.map((b) => b.map((t) => t.tolist())));
    expect(fast[0][0].shape).toEqual([4, 2, 2]);
    expect(fast[1][0].shape).toEqual([2, 2, 2]);
    expect(fast[0][1].dtype).toBe('int64');
    // shuffled: all samples once, image i with label i
    const labels = fast.flatMap((b) => ints(b[1]));
    expect(sorted(labels)).toEqual(range(6));
    const firsts = fast.flatMap((b) => Array.from(b[0].reshape([-1, 4]).select(1, 0).toArray() as Float32Array));
    expect(firsts).toEqual(labels.map((i) => 4 * i));
    for (const b of [...fast, ...slow]) for (const t of b) t.dispose();
  });

  it('shuffle: a seeded generator repeats the order; epochs differ; the default generator is used without one', () => {
    const order = (l: Iterable<unknown>) => [...l].flatMap((b) => ints((b as Tensor[])[0]));
    const ds = new TensorDataset(torch.arange(50));
    const l1 = new DataLoader(ds, { batchSize: 8, shuffle: true, generator: new torch.Generator().manualSeed(0) });
    const l2 = new DataLoader(ds, { batchSize: 8, shuffle: true, generator: new torch.Generator().manualSeed(0) });
    const e1 = order(l1);
    expect(order(l2)).toEqual(e1);
    expect(sorted(e1)).toEqual(range(50));
    expect(e1).not.toEqual(range(50));
    expect(order(l1)).not.toEqual(e1); // the next epoch reshuffles
    torch.manualSeed(1);
    const d1 = order(new DataLoader(ds, { batchSize: 8, shuffle: true }));
    torch.manualSeed(1);
    expect(order(new DataLoader(ds, { batchSize: 8, shuffle: true }))).toEqual(d1);
    expect(order(new DataLoader(ds, { batchSize: 8 }))).toEqual(range(50));
  });

  it("default collate: PyTorch's types, nested arrays and objects, and its errors", () => {
    const [b] = [
      ...new DataLoader(
        [
          { a: 1n, b: [torch.ones(2), 'x', true] },
          { a: 2n, b: [torch.zeros(2), 'y', false] },
        ],
        { batchSize: 2 },
      ),
    ] as {
      a: Tensor;
      b: [Tensor, string[], Tensor];
    }[];
    expect(b.a.dtype).toBe('int64');
    expect(ints(b.a)).toEqual([1, 2]);
    expect(b.b[0].tolist()).toEqual([
      [1, 1],
      [0, 0],
    ]);
    expect(b.b[1]).toEqual(['x', 'y']);
    expect(b.b[2].dtype).toBe('bool');
    const [n] = [...new DataLoader([1.5, 2], { batchSize: 2 })] as Tensor[];
    expect(n.dtype).toBe('float64');
    expect(() => [...new DataLoader([[1, 2], [3]], { batchSize: 2 })]).toThrow('each element in list of batch should be of equal size');
    expect(() => [...new DataLoader([new Map()], { batchSize: 1 })]).toThrow('default_collate: batch must contain tensors');
    expect(() => [...new DataLoader([torch.zeros(2), torch.zeros(3)], { batchSize: 2 })]).toThrow(
      'stack expects each tensor to be equal size, but got [2] at entry 0 and [3] at entry 1',
    );
  });

  it("the loader's argument errors are PyTorch's", () => {
    expect(() => new DataLoader([1], { batchSize: 0 })).toThrow('batch_size should be a positive integer value, but got batch_size=0');
    expect(() => new DataLoader([1], { batchSize: 1.5 })).toThrow('batch_size should be a positive integer value, but got batch_size=1.5');
    expect(() => new DataLoader([1], { dropLast: 1 as never })).toThrow('drop_last should be a boolean value, but got drop_last=1');
    expect(() => new DataLoader([], { shuffle: true })).toThrow('num_samples should be a positive integer value, but got num_samples=0');
    expect(() => new DataLoader([1], { foo: 1 } as never)).toThrow("got an unexpected keyword argument 'foo'");
    expect(() => new DataLoader(5 as never)).toThrow('dataset must be a Dataset');
  });
});

describe('TensorDataset, Subset, randomSplit', () => {
  it('TensorDataset: samples are rows; sizes must agree', () => {
    const ds = new TensorDataset(
      torch.tensor([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
      torch.tensor([7n, 8n, 9n]),
    );
    expect(ds.length).toBe(3);
    const [x, y] = ds.getItem(1);
    expect(x.tolist()).toEqual([3, 4]);
    expect(y.item()).toBe(8);
    expect(() => new TensorDataset(torch.zeros(3), torch.zeros(4))).toThrow('Size mismatch between tensors');
  });

  it('Subset reads through its indices, on both loader paths', () => {
    const ds = new TensorDataset(torch.arange(10).mul(3));
    const sub = new Subset(ds, [4, 1, 7]);
    expect(sub.length).toBe(3);
    expect(ints(sub.getItem(2)[0])).toEqual([21]);
    const [[b]] = [...new DataLoader(sub, { batchSize: 3 })] as Tensor[][];
    expect(ints(b)).toEqual([12, 3, 21]);
    const arr = new Subset(['a', 'b', 'c'], [2, 0]);
    expect([...new DataLoader(arr, { batchSize: 2 })]).toEqual([['c', 'a']]);
  });

  it("randomSplit: counts or fractions (PyTorch's rounding), disjoint and covering, seeded", () => {
    const lens = (f: number[], n: number) => randomSplit(range(n), f).map((s) => s.length);
    expect(lens([0.3, 0.3, 0.4], 10)).toEqual([3, 3, 4]);
    expect(lens([0.33, 0.33, 0.34], 10)).toEqual([4, 3, 3]);
    expect(lens([0.5, 0.5], 11)).toEqual([6, 5]);
    expect(lens([3, 7], 10)).toEqual([3, 7]);
    const parts = randomSplit(range(20), [5, 15], new torch.Generator().manualSeed(2));
    const again = randomSplit(range(20), [5, 15], new torch.Generator().manualSeed(2));
    expect(parts.map((p) => p.indices)).toEqual(again.map((p) => p.indices));
    expect(sorted([...parts[0].indices, ...parts[1].indices])).toEqual(range(20));
    expect(() => randomSplit(range(10), [3, 3])).toThrow('Sum of input lengths does not equal the length of the input dataset!');
  });
});

// A small IDX pair written by hand: 3 images of 2x2 and their labels.
function idx(magicType: number, dims: number[], data: number[]): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  head[2] = magicType;
  head[3] = dims.length;
  for (let i = 0; i < dims.length; i++) new DataView(head.buffer).setUint32(4 + 4 * i, dims[i]);
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}
const IMG = [0, 255, 51, 102, 1, 2, 3, 4, 10, 20, 30, 40];

describe('MNIST / FashionMNIST: the IDX reader', () => {
  it('reads a folder of uncompressed or gzipped files; images / 255 as float32, labels int64', async () => {
    for (const gz of [false, true]) {
      const dir = mkdtempSync(join(tmpdir(), 'asgrad-idx-'));
      const put = (name: string, b: Uint8Array) => writeFileSync(join(dir, gz ? `${name}.gz` : name), gz ? gzipSync(b) : b);
      put('t10k-images-idx3-ubyte', idx(8, [3, 2, 2], IMG));
      put('t10k-labels-idx1-ubyte', idx(8, [3], [7, 0, 9]));
      const ds = await torch.datasets.MNIST.load(dir, { train: false });
      expect(ds.data.shape).toEqual([3, 1, 2, 2]);
      expect(Array.from(ds.data.toArray() as Float32Array)).toEqual(IMG.map((v) => Math.fround(Math.fround(v) / 255)));
      expect(ints(ds.targets)).toEqual([7, 0, 9]);
      expect(ds.classes.length).toBe(10);
      const lim = await torch.datasets.MNIST.load(dir, { train: false, limit: 2, normalize: { mean: 0.5, std: 0.25 } });
      expect(lim.length).toBe(2);
      expect((lim.data.toArray() as Float32Array)[1]).toBeCloseTo((1 - 0.5) / 0.25, 6);
      ds.dispose();
      lim.dispose();
    }
  });

  it('fromIdx: the same dataset from the bytes, synchronously; gzipped bytes are refused', () => {
    const ds = torch.datasets.FashionMNIST.fromIdx(idx(8, [3, 2, 2], IMG), idx(8, [3], [7, 0, 9]), { limit: 2 });
    expect(ds.data.shape).toEqual([2, 1, 2, 2]);
    expect(Array.from(ds.data.toArray() as Float32Array)).toEqual(IMG.slice(0, 8).map((v) => Math.fround(Math.fround(v) / 255)));
    expect(ints(ds.targets)).toEqual([7, 0]);
    expect(ds.classes[0]).toBe('T-shirt/top');
    expect(() => torch.datasets.MNIST.fromIdx(gzipSync(idx(8, [3, 2, 2], IMG)), idx(8, [3], [7, 0, 9]))).toThrow(
      'MNIST.fromIdx: images is gzipped: decompress it first, or use load()',
    );
    expect(() => torch.datasets.MNIST.fromIdx(idx(8, [3, 2, 2], IMG), idx(8, [3], [7, 0, 9]), { limit: -1 })).toThrow(
      'MNIST.fromIdx: limit must be a non-negative int, got -1',
    );
    ds.dispose();
  });

  it('a URL base as a browser reads it: fetch, gzip by DecompressionStream (no node:fs or node:zlib), .gz tried first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asgrad-idx-'));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte.gz'), gzipSync(idx(8, [3, 2, 2], IMG)));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx(8, [3], [7, 0, 9]));
    const asked: string[] = [];
    const server = createServer((req, res) => {
      asked.push(req.url ?? '');
      const f = join(dir, (req.url ?? '').replace(/^\/data\//, ''));
      if (req.url?.startsWith('/data/') && existsSync(f)) res.end(readFileSync(f));
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const proc = process as { getBuiltinModule?: unknown };
    const saved = proc.getBuiltinModule;
    proc.getBuiltinModule = () => undefined; // a host without Node's modules
    try {
      const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/data`;
      const ds = await torch.datasets.MNIST.load(base, { train: false });
      expect(Array.from(ds.data.toArray() as Float32Array)).toEqual(IMG.map((v) => Math.fround(Math.fround(v) / 255)));
      expect(ints(ds.targets)).toEqual([7, 0, 9]);
      expect(asked.sort()).toEqual(['/data/t10k-images-idx3-ubyte.gz', '/data/t10k-labels-idx1-ubyte', '/data/t10k-labels-idx1-ubyte.gz']);
      ds.dispose();
      const err = await torch.datasets.MNIST.load(`${base}/none/`).catch((e: Error) => e);
      expect((err as Error).message).toContain(
        `MNIST: cannot find train-images-idx3-ubyte (or train-images-idx3-ubyte.gz) in ${base}/none/ (tried ${base}/none/train-images-idx3-ubyte.gz, ${base}/none/train-images-idx3-ubyte)`,
      );
    } finally {
      proc.getBuiltinModule = saved;
      server.close();
    }
  });

  it('malformed files give errors that name the file and the fault', () => {
    const P = torch.datasets.parseIdx;
    expect(() => P(new Uint8Array([1, 2]), 3, 'f')).toThrow('f: not an IDX file (2 bytes');
    expect(() => P(new Uint8Array([1, 0, 8, 3]), 3, 'f')).toThrow('f: not an IDX file (magic number 0x01000803, expected 0x00000803)');
    expect(() => P(idx(9, [3, 2, 2], IMG), 3, 'f')).toThrow('f: IDX data type 0x09 is not unsigned bytes (0x08)');
    expect(() => P(idx(8, [12], IMG), 3, 'f')).toThrow('f: expected an IDX file of 3 dimensions (magic 0x00000803), got 1');
    expect(() => P(idx(8, [3, 2, 2], IMG).subarray(0, 10), 3, 'f')).toThrow('f: truncated IDX header');
    expect(() => P(idx(8, [3, 2, 2], IMG.slice(1)), 3, 'f')).toThrow(
      'f: the header announces 3 x 2 x 2 = 12 bytes of data, the file holds 11',
    );
    expect(P(idx(8, [3, 2, 2], IMG), 3, 'f')).toEqual({ dims: [3, 2, 2], offset: 16 });
  });

  it('mismatched counts, corrupt gzip and a missing folder are clear errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asgrad-idx-'));
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), idx(8, [3, 2, 2], IMG));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx(8, [2], [1, 2]));
    await expect(torch.datasets.MNIST.load(dir)).rejects.toThrow(
      'MNIST: train-images-idx3-ubyte holds 3 images but train-labels-idx1-ubyte holds 2 labels',
    );
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), new Uint8Array([0x1f, 0x8b, 1, 2, 3]));
    await expect(torch.datasets.MNIST.load(dir)).rejects.toThrow('train-labels-idx1-ubyte: corrupt gzip data');
    const missing = join(dir, 'nowhere');
    const err = await torch.datasets.FashionMNIST.load(missing).catch((e: Error) => e);
    expect((err as Error).message).toContain(
      `FashionMNIST: cannot find train-images-idx3-ubyte (or train-images-idx3-ubyte.gz) in ${missing}`,
    );
    expect((err as Error).message).toContain('apt-get install dataset-fashion-mnist');
    expect((err as Error).message).toContain('/usr/share/datasets/fashion-mnist');
    expect((err as Error).message).toContain('http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/');
    await expect(torch.datasets.FashionMNIST.load(dir, { train: 1 } as never)).rejects.toThrow();
  });

  // Needs Debian's dataset-fashion-mnist (.ci/run installs it); without it this fails with the
  // missing-data message, never skips.
  it('Fashion-MNIST test split: shape, labels and pixel sums as Python reads them', async () => {
    const ds = await torch.datasets.FashionMNIST.load('/usr/share/datasets/fashion-mnist', { train: false });
    expect(ds.data.shape).toEqual([10000, 1, 28, 28]);
    expect(ds.targets.shape).toEqual([10000]);
    // Python: labels[:20], bincount, img[0].sum(), x[:3].float().div(255).sum() (float32)
    expect(ints(ds.targets.narrow(0, 0, 20))).toEqual([9, 2, 1, 1, 6, 1, 4, 6, 5, 7, 4, 5, 7, 3, 4, 1, 2, 4, 8, 0]);
    expect(range(10).map((k) => ds.targets.eq(k).sum().item())).toEqual(range(10).map(() => 1000));
    const first = Array.from(ds.data.narrow(0, 0, 1).toArray() as Float32Array);
    expect(first.reduce((a, v) => a + Math.round(v * 255), 0)).toBe(33456);
    expect(ds.data.narrow(0, 0, 3).sum().item()).toBeCloseTo(729.29413, 3);
    expect((ds.data.toArray() as Float32Array)[14 * 28 + 14]).toBe(Math.fround(0.4313725531101227));
    expect(ds.classes[9]).toBe('Ankle boot');
    ds.dispose();
  });
});
