// index_put / index_put_ with int64 index tensors (broadcast together, negative indices) and bool
// masks, with and without accumulate, against PyTorch 1.13 (tests/pytorch/index_put.json, written by
// tests/pytorch/index_put.py): results, gradients of self and values, node names, error messages.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { torch, type Tensor } from '../ts/index.js';
import { expectClose } from './helpers.js';

type Nested = number | Nested[];
interface Index {
  ints?: number[];
  bools?: boolean[];
  shape: number[];
}
interface Case {
  shape: number[];
  x: Nested;
  indices: Index[];
  vshape: number[];
  v: Nested;
  accumulate: boolean;
  out: Nested;
  W: Nested;
  gx: Nested;
  gv: Nested;
  node: string;
  inplaceNode: string;
  inplaceOut: Nested;
}
const FIX = JSON.parse(readFileSync(new URL('./pytorch/index_put.json', import.meta.url), 'utf8')) as {
  cases: Case[];
  float32: { x: Nested; v: Nested; out: Nested };
  errors: Record<string, [string, string]>;
};
const flat = (v: Nested): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);
const t64 = (v: Nested, shape: number[]): Tensor => torch.tensor(flat(v), { dtype: 'float64' }).reshape(shape);
const index = (i: Index): Tensor =>
  i.bools ? torch.tensor(i.bools).reshape(i.shape) : torch.tensor((i.ints ?? []).map(BigInt), { dtype: 'int64' }).reshape(i.shape);
const describeCase = (c: Case): string =>
  `[${c.shape}] at ${c.indices.map((i) => (i.bools ? `mask[${i.shape}]` : `[${i.ints}]`)).join(', ')}${c.accumulate ? ', accumulate' : ''}`;

describe('index_put with tensor indices against PyTorch 1.13 (float64)', () => {
  for (const c of FIX.cases) {
    it(describeCase(c), () => {
      const x = t64(c.x, c.shape).requiresGrad_();
      const v = t64(c.v, c.vshape).requiresGrad_();
      const idx = c.indices.map(index);
      const out = torch.indexPut(x, idx, v, c.accumulate);
      expectClose(out, flat(c.out), 0, 0);
      expect(out.gradFn?.name()).toBe(c.node);
      const [gx, gv] = torch.autograd.grad(out.mul(t64(c.W, out.shape as number[])).sum(), [x, v]);
      expectClose(gx, flat(c.gx), 0, 0);
      expectClose(gv, flat(c.gv), 1e-15, 1e-15);
      // In place on a non-leaf, the options-object spelling of accumulate.
      const y = x.mul(1);
      const r = y.indexPut_(idx, v, { accumulate: c.accumulate });
      expect(r).toBe(y);
      expectClose(y, flat(c.inplaceOut), 0, 0);
      expect(y.gradFn?.name()).toBe(c.inplaceNode);
    });
  }
  it('float32, accumulate with a repeated row: the sums in index order', () => {
    const x = torch.tensor(flat(FIX.float32.x)).reshape([3, 4]);
    x.indexPut_([torch.tensor([1n, 1n, 0n])], torch.tensor(flat(FIX.float32.v)), true);
    expectClose(x, flat(FIX.float32.out), 0, 0);
  });
  it('the gradient of the gathered values is itself differentiable (IndexBackward0, then IndexPutBackward0)', () => {
    const x = torch.zeros([3, 2], { dtype: 'float64', requiresGrad: true });
    const v = torch.ones([2, 2], { dtype: 'float64', requiresGrad: true });
    const idx = [torch.tensor([2n, 0n])];
    const w = torch.tensor([1, 2, 3, 4, 5, 6], { dtype: 'float64', requiresGrad: true }).reshape([3, 2]);
    const out = torch.indexPut(x, idx, v);
    const [gv] = torch.autograd.grad(out.mul(w).sum(), [v], { createGraph: true });
    expect(gv?.gradFn?.name()).toBe('IndexBackward0');
    expectClose(gv, [5, 6, 1, 2]);
    const [gw] = torch.autograd.grad((gv as Tensor).mul(torch.tensor([1, 10, 100, 1000], { dtype: 'float64' }).reshape([2, 2])).sum(), [w]);
    // rows 2 and 0 of w received the weights; row 1 none
    expectClose(gw, [100, 1000, 0, 0, 1, 10]);
  });
});

describe('index_put errors: PyTorch 1.13 messages, and the library keeps working', () => {
  const z = (): Tensor => torch.zeros([3, 4]);
  const L = (...v: number[]): Tensor => torch.tensor(v.map(BigInt), { dtype: 'int64' });
  const cases: Record<string, () => unknown> = {
    outOfRange: () => z().indexPut_([L(5)], torch.tensor(1)),
    negOutOfRange: () => z().indexPut_([L(-4)], torch.tensor(1)),
    secondDim: () => z().indexPut_([L(0), L(7)], torch.tensor(1)),
    broadcastIdx: () => z().indexPut_([L(0, 1), L(1, 2, 3)], torch.tensor(1)),
    valuesShape: () => z().indexPut_([L(0, 1), L(1, 2)], torch.tensor([1, 2, 3])),
    valuesShape2: () => z().indexPut_([L(1, 2)], torch.tensor([5, 6])),
    floatIndex: () => z().indexPut_([torch.tensor([0, 0])], torch.tensor([1])),
    tooMany: () => z().indexPut_([L(0), L(0), L(0)], torch.tensor([1])),
    dtype: () => z().indexPut_([L(1, 2)], torch.tensor([5, 6, 7, 8], { dtype: 'float64' })),
    dtypeAndShape: () => z().indexPut_([L(1, 2)], torch.tensor([5, 6], { dtype: 'float64' })),
    none: () => z().indexPut_([null, L(1, 2)], torch.tensor(1)),
    maskShape: () => z().indexPut_([torch.tensor([true, false])], torch.tensor(1)),
  };
  for (const [name, f] of Object.entries(cases)) {
    it(name, () => {
      let caught: Error | null = null;
      try {
        f();
      } catch (e) {
        caught = e as Error;
      }
      const [kind, message] = FIX.errors[name];
      expect(caught?.message).toBe(message);
      expect(caught?.name === 'Error' ? 'RuntimeError' : caught?.name).toBe(kind);
      const y = z().indexPut_([L(1, -1)], torch.tensor(2));
      expectClose(y.sum(), [16]);
    });
  }
  it('accumulate and unknown option keys are validated', () => {
    expect(() => z().indexPut_([L(0)], torch.tensor(1), { acumulate: true } as never)).toThrow(/acumulate/);
    expect(() => z().indexPut_([L(0)], torch.tensor(1), 1 as never)).toThrow(/accumulate/);
  });
});
