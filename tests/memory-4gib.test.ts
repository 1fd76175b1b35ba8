// wasm32's 4 GiB end, with real sizes: pointers and counters past 2 GiB are read unsigned, a block
// that would end past 4 GiB is refused with an OutOfMemoryError naming the size, and the library
// computes correctly afterwards (in its own file: the WASM memory it grows to 3 GiB never shrinks).
import { describe, expect, it } from 'vitest';
import { torch, type Tensor } from '../ts/index.js';
import { OutOfMemoryError } from '../ts/storage.js';

const GiB = 2 ** 30;
const mem = () => torch.memory();

/** Throws of `fn`, as [name, message]. */
function thrown(fn: () => unknown): [string, string] {
  try {
    fn();
  } catch (e) {
    return [(e as Error).name, (e as Error).message];
  }
  return ['', 'did not throw'];
}

/** A few computations whose results are known exactly, on fresh tensors. */
function computesCorrectly(): void {
  const x = torch.arange(10);
  expect(x.mul(2).sum().item()).toBe(90);
  const m = torch.tensor(
    [
      [1, 2],
      [3, 4],
    ],
    { dtype: 'float64' },
  );
  expect(m.matmul(m).tolist()).toEqual([
    [7, 10],
    [15, 22],
  ]);
  const w = torch.tensor([1, -2, 3], { requiresGrad: true });
  w.mul(w).sum().backward();
  expect(w.grad!.tolist()).toEqual([2, -4, 6]);
  expect(torch.ones(1000).sum().item()).toBe(1000);
}

/** Values of a.narrow(0, start, len), without leaving the view alive (it would hold a's block). */
function peek(a: Tensor, start: number, len: number): number[] {
  using v = a.narrow(0, start, len);
  return v.tolist() as number[];
}
function fillPart(a: Tensor, start: number, len: number, value: number): void {
  using v = a.narrow(0, start, len);
  v.fill_(value);
}

describe('two 3 GiB tensors in a wasm32 memory', () => {
  it('the second is refused by name and size; pointers and counters past 2 GiB stay right', () => {
    const n = 3 * 2 ** 28; // 3 GiB of float32
    const a = torch.empty([n]);
    fillPart(a, n - 2, 2, 5);
    expect(mem().allocatedBytes).toBeGreaterThanOrEqual(3 * GiB);
    expect(mem().peakAllocatedBytes).toBeGreaterThanOrEqual(mem().allocatedBytes);
    expect(mem().wasmBytes).toBeGreaterThan(3 * GiB);

    const [name, msg] = thrown(() => torch.empty([n]));
    expect(name).toBe('OutOfMemoryError');
    expect(msg).toMatch(/^asgrad: out of memory: cannot allocate 3221225472 bytes/);
    expect(msg).toMatch(/the block would end past the 4 GiB a wasm32 memory can address\)$/);

    // A block bigger than all the memory below `a` (the first pages, free while no kernel scratch
    // sits there) can only live above 3 GiB: its pointer only makes sense read unsigned.
    const hi = torch.arange(Math.ceil(a._ptr() / 4) + 2 ** 18);
    expect(hi._ptr()).toBeGreaterThan(2 ** 31);
    // (`a` is read between steps that end generations, so it stays in WASM memory: see docs/memory.md.)
    expect(peek(a, n - 3, 3)).toEqual([0, 5, 5]);
    computesCorrectly();
    expect(peek(a, n - 3, 3)).toEqual([0, 5, 5]);

    // A block that would end past 4 GiB (1 GiB more): refused, named, and nothing is lost.
    const [name2, msg2] = thrown(() => torch.ones(2 ** 28));
    expect(name2).toBe('OutOfMemoryError');
    expect(msg2).toMatch(/cannot allocate 1073741824 bytes .*past the 4 GiB a wasm32 memory can address/);
    // More than wasm32 can address at all.
    expect(() => torch.zeros(2 ** 31)).toThrow(OutOfMemoryError);
    expect(() => torch.zeros(2 ** 31)).toThrow(/cannot allocate 8589934592 bytes: a wasm32 memory holds at most 4 GiB/);
    expect(peek(a, n - 3, 3)).toEqual([0, 5, 5]);
    computesCorrectly();
    expect(peek(hi, hi.numel() - 3, 3)).toEqual([hi.numel() - 3, hi.numel() - 2, hi.numel() - 1]);

    const counters = mem();
    for (const k of ['wasmBytes', 'allocatedBytes', 'peakAllocatedBytes'] as const) {
      expect(counters[k]).toBeGreaterThan(3 * GiB);
      expect(counters[k]).toBeLessThanOrEqual(4 * GiB);
    }

    // Once the first is released, the second fits in its place.
    a.dispose();
    expect(mem().allocatedBytes).toBeLessThan(GiB);
    const b: Tensor = torch.empty([n]);
    fillPart(b, 1, 2, 3);
    expect(peek(b, 0, 4)).toEqual([0, 3, 3, 0]);
    expect(mem().allocatedBytes).toBeGreaterThanOrEqual(3 * GiB);
    computesCorrectly();
    b.dispose();
  });
});
