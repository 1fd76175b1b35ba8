// The scan and selection ops (ts/ops/scan.ts): every golden-train case of theirs (computed by
// PyTorch 1.13) whose ops all exist here, through the built package, and behaviours PyTorch shows
// outside those cases (values and gradients below were printed by PyTorch 1.13).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { OPS, runCase } from './conformance/runner.js';
import { torch } from '../ts/index.js';
import { shared } from './shared.js';

const SCAN = new Set(['prod', 'cumsum', 'norm', 'gather', 'masked_fill', 'max', 'min', 'argmax', 'argmin']);
const FILE = shared('golden-train', 'ops.json');
type GoldenCase = Parameters<typeof runCase>[0] & { program: { op: string }[] };
const cases = (JSON.parse(readFileSync(FILE, 'utf8')) as { cases: GoldenCase[] }).cases.filter(
  (c) => c.program.some((s) => SCAN.has(s.op)) && c.program.every((s) => s.op in OPS),
);

describe('golden-train ops.json: the scan and selection ops', () => {
  it('has their cases', () => expect(cases.length).toBeGreaterThanOrEqual(56));
  for (const c of cases) {
    it(c.name, () => {
      const r = runCase(c);
      expect(r.message ?? '').toBe('');
      expect(r.ok).toBe(true);
    });
  }
});

const f64 = { dtype: 'float64', requiresGrad: true } as const;
const vals = (t: { dataSync(): ArrayLike<unknown> }): number[] => Array.from(t.dataSync(), (v) => Number(v));

describe('scan ops as PyTorch 1.13', () => {
  it('prod: the gradient where factors are zero', () =>
    torch.scope(() => {
      const x = torch.tensor(
        [
          [1, 0, 3],
          [0, 0, 2],
        ],
        f64,
      );
      x.prod(1).backward(torch.tensor([1, 2], { dtype: 'float64' }));
      expect(vals(x.grad!)).toEqual([0, 3, 0, 0, 0, 0]);
      const z = torch.tensor(
        [
          [1, 0, 3],
          [2, 5, 2],
        ],
        f64,
      );
      z.prod().backward();
      expect(vals(z.grad!)).toEqual([0, 60, 0, 0, 0, 0]);
    }));

  it('max/min: [values, indices] with .values/.indices; without a dim the overall extremum, ties sharing', () =>
    torch.scope(() => {
      const x = torch.tensor(
        [
          [1, 3, 3],
          [Number.NaN, 1, Number.NaN],
        ],
        { dtype: 'float64' },
      );
      const r = torch.max(x, 1);
      expect(r[0]).toBe(r.values);
      expect(r[1]).toBe(r.indices);
      expect(vals(r.values)[0]).toBe(3);
      expect(Number.isNaN(vals(r.values)[1])).toBe(true);
      expect(vals(r.indices)).toEqual([1, 0]);
      expect(r.indices.dtype).toBe('int64');
      expect(vals(torch.argmin(x, 1))).toEqual([0, 0]);
      expect(vals(torch.argmax(x))).toEqual([3]);
      expect(torch.argmax(x, null, true).shape).toEqual([1, 1]);
      const y = torch.tensor([[1, 3, 3]], f64);
      const m = y.max();
      expect(m.gradFn?.name()).toBe('MaxBackward1');
      m.backward();
      expect(vals(y.grad!)).toEqual([0, 0.5, 0.5]);
      expect(torch.min(y, 0, true).values.gradFn?.name()).toBe('MinBackward0');
    }));

  it('norm: general p, p = 0 gives no gradient', () =>
    torch.scope(() => {
      const data = [
        [1, -2, 0.5],
        [0, 3, -1],
      ];
      const x = torch.tensor(data, f64);
      const y = torch.norm(x, 3, 1);
      y.sum().backward();
      expect(vals(y)[0]).toBeCloseTo(2.089669598190616, 14);
      expect(vals(x.grad!)[1]).toBeCloseTo(-0.9160195498917768, 14);
      const z = torch.tensor(data, f64);
      const n0 = torch.norm(z, 0, 1);
      expect(vals(n0)).toEqual([3, 2]);
      n0.sum().backward();
      expect(z.grad).toBe(null);
    }));

  it('gather: an index smaller than the input; masked_fill broadcasts the mask and takes integer masks', () =>
    torch.scope(() => {
      const x = torch.tensor(
        [
          [1, 2, 3, 4],
          [5, 6, 7, 8],
          [9, 10, 11, 12],
        ],
        f64,
      );
      const i = torch.tensor(
        [
          [2n, 2n],
          [0n, 1n],
        ],
        { dtype: 'int64' },
      );
      const y = torch.gather(x, 1, i);
      expect(vals(y)).toEqual([3, 3, 5, 6]);
      y.sum().backward();
      expect(vals(x.grad!)).toEqual([0, 0, 2, 0, 1, 1, 0, 0, 0, 0, 0, 0]);
      const v = torch.tensor([1, 2, 3], f64);
      const m = v.maskedFill(
        torch.tensor(
          [
            [true, false, false],
            [false, false, true],
          ],
          { dtype: 'bool' },
        ),
        -1,
      );
      expect(vals(m)).toEqual([-1, 2, 3, 1, 2, -1]);
      m.sum().backward();
      expect(vals(v.grad!)).toEqual([1, 2, 1]);
      expect(vals(torch.tensor([1, 2]).maskedFill(torch.tensor([1n, 0n], { dtype: 'int64' }), 9))).toEqual([9, 2]);
    }));

  it("PyTorch's errors", () =>
    torch.scope(() => {
      const idx = (v: bigint[][]) => torch.tensor(v, { dtype: 'int64' });
      expect(() => torch.gather(torch.ones([3, 4]), 0, idx([[5n, 0n, 0n, 0n]]))).toThrow(
        'index 5 is out of bounds for dimension 0 with size 3',
      );
      expect(() => torch.gather(torch.ones([3, 4]), 0, idx([[-1n, 0n, 0n, 0n]]))).toThrow(
        'index -1 is out of bounds for dimension 0 with size 3',
      );
      expect(() => torch.gather(torch.ones([3, 4]), 0, torch.zeros([2, 5], { dtype: 'int64' }))).toThrow(
        'Size does not match at dimension 1 expected index [2, 5] to be smaller than self [3, 4] apart from dimension 0',
      );
      expect(() => torch.gather(torch.ones([3, 4]), 0, torch.zeros([4], { dtype: 'int64' }))).toThrow(
        'Index tensor must have the same number of dimensions as input tensor',
      );
      expect(() => torch.max(torch.zeros([0, 3]), 0)).toThrow('max(): Expected reduction dim 0 to have non-zero size.');
      expect(() => torch.argmax(torch.zeros([0, 3]))).toThrow('argmax(): Expected reduction dim to be specified for input.numel() == 0.');
      expect(() => torch.norm(torch.tensor([1n, 2n], { dtype: 'int64' }))).toThrow(
        'norm(): input dtype should be either floating point or complex. Got Long instead.',
      );
    }));
});

describe('max/min with a tensor', () => {
  it('is maximum/minimum, as torch.max(a, b) and a.max(b)', () =>
    torch.scope(() => {
      const a = torch.tensor([1, 5, 2], f64);
      const b = torch.tensor([3, 4, 2.5], { dtype: 'float64' });
      const y = a.max(b);
      expect(vals(y)).toEqual([3, 5, 2.5]);
      expect(y.gradFn?.name()).toBe('MaximumBackward0');
      expect(vals(torch.min(a, b))).toEqual([1, 4, 2]);
    }));
});
