// torch.nn.init against PyTorch 1.13 (tests/pytorch/nn_init.json, from tests/pytorch/nn_init.py):
// calculate_gain and the fans exactly, eye_/dirac_/constant_ exactly, each random init's
// distribution statistically (bounds, mean and variance within sampling error, with the bounds and
// std PyTorch computes), orthogonal_'s Q^T Q = gain^2 I, sparse_'s zeros per column, the error
// messages, seeded reproducibility, grad mode restored and leaves kept leaves.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nn, torch, type Tensor } from '../ts/index.js';

interface Call {
  fn: string;
  shape: number[] | null;
  args: unknown[];
  kwargs: Record<string, unknown>;
}
interface Dist extends Call {
  distribution: 'uniform' | 'normal' | 'trunc_normal';
  low?: number;
  high?: number;
  mean?: number;
  std?: number;
}
interface Ref {
  gains: { nonlinearity: string; param: number | null; gain: number }[];
  fans: { shape: number[]; fans: [number, number] }[];
  exact: (Call & { values: number[] })[];
  distributions: Dist[];
  sparse: { shape: [number, number]; sparsity: number; std: number; zeros_per_column: number }[];
  errors: (Call & { dtype: 'float32' | 'int64'; type: string; message: string })[];
}
const REF = JSON.parse(readFileSync(fileURLToPath(new URL('./pytorch/nn_init.json', import.meta.url)), 'utf8')) as Ref;

const init = nn.init;
type InitFn = (...a: unknown[]) => unknown;
/** PyTorch's name in JavaScript: camelCase, keeping the leading and trailing underscores. */
const jsName = (py: string): string => py.replace(/(?<=.)_([a-z])/g, (_, c: string) => c.toUpperCase());
const camelKeys = (kw: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(kw).map(([k, v]) => [jsName(k), v]));
function call(c: Call, t: Tensor | null): unknown {
  const f = (init as unknown as Record<string, InitFn>)[jsName(c.fn)];
  expect(typeof f, jsName(c.fn)).toBe('function');
  const args: unknown[] = t === null ? [...c.args] : [t, ...c.args];
  if (Object.keys(c.kwargs).length) args.push(camelKeys(c.kwargs));
  return f(...args);
}

const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
const variance = (v: number[]): number => {
  const m = mean(v);
  return v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length;
};

describe('calculate_gain and fans (PyTorch 1.13 values)', () => {
  for (const g of REF.gains) {
    it(`calculateGain(${g.nonlinearity}, ${g.param})`, () => {
      const v = g.param === null ? init.calculateGain(g.nonlinearity) : init.calculateGain(g.nonlinearity, g.param);
      expect(v).toBe(g.gain);
      if (g.param !== null) expect(init.calculateGain(g.nonlinearity, { param: g.param })).toBe(g.gain);
    });
  }
  it('_calculateFanInAndFanOut', () => {
    for (const f of REF.fans) expect(init._calculateFanInAndFanOut(torch.empty(f.shape))).toEqual(f.fans);
  });
});

describe('exact fills: eye_, dirac_, constant_, ones_, zeros_', () => {
  for (const c of REF.exact) {
    it(`${c.fn}(${JSON.stringify(c.shape)}, ${JSON.stringify(c.args)})`, () => {
      for (const dtype of ['float32', 'float64'] as const) {
        const t = torch.full(c.shape as number[], 7, { dtype });
        expect(call(c, t)).toBe(t);
        expect(Array.from(t.dataSync(), Number)).toEqual(c.values);
      }
    });
  }
  it('fill through a non-contiguous view writes only the view', () => {
    const base = torch.full([4, 6], 7);
    const v = base.t().narrow(0, 1, 3); // [3, 4], strides [1, 6]
    init.eye_(v);
    const rows = base.tolist() as number[][];
    for (let i = 0; i < 4; i++) for (let j = 0; j < 6; j++) expect(rows[i][j]).toBe(j >= 1 && j <= 3 ? (i === j - 1 ? 1 : 0) : 7);
    const d = torch.full([2, 4, 3, 3], 7).permute([1, 0, 2, 3]); // [4, 2, 3, 3] non-contiguous
    init.dirac_(d, 2);
    const ref = torch.full([4, 2, 3, 3], 7);
    init.dirac_(ref, 2);
    expect(d.tolist()).toEqual(ref.tolist());
  });
});

describe('random inits: distributions with the bounds and std PyTorch computes', () => {
  for (const d of REF.distributions) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${d.fn}(${JSON.stringify(d.shape)}, ${JSON.stringify(d.args)}, ${JSON.stringify(d.kwargs)}) ${dtype}`, () => {
        torch.manualSeed(11);
        const t = torch.empty(d.shape as number[], { dtype });
        expect(call(d, t)).toBe(t);
        const v = Array.from(t.dataSync(), Number);
        const n = v.length;
        const m = mean(v);
        const vr = variance(v);
        if (d.distribution === 'uniform') {
          const lo = d.low as number;
          const hi = d.high as number;
          const w = hi - lo;
          // float32 rounds the bounds: allow one float32 ulp of them
          const slack = dtype === 'float32' ? w * 2 ** -23 : 0;
          expect(v.every((x) => x >= lo - slack && x <= hi + slack)).toBe(true);
          expect(Math.min(...v) - lo).toBeLessThan((w * 10) / n);
          expect(hi - Math.max(...v)).toBeLessThan((w * 10) / n);
          expect(Math.abs(m - (lo + hi) / 2)).toBeLessThan(5 * Math.sqrt((w * w) / 12 / n));
          expect(Math.abs(vr - (w * w) / 12)).toBeLessThan(5 * Math.sqrt(w ** 4 / 180 / n));
        } else {
          const sd = d.std as number;
          expect(Math.abs(m - (d.mean as number))).toBeLessThan((5 * sd) / Math.sqrt(n));
          // the variance of a sample variance: (m4 - s^4) / n; 2 s^4 / n for a normal, less when truncated
          expect(Math.abs(vr - sd * sd)).toBeLessThan(5 * sd * sd * Math.sqrt(2 / n));
          if (d.distribution === 'trunc_normal') {
            const lo = d.low as number;
            const hi = d.high as number;
            expect(v.every((x) => x >= lo && x <= hi)).toBe(true);
            // the tails are reached (the truncation is where PyTorch puts it, not tighter)
            const span = hi - lo;
            expect(Math.min(...v) - lo).toBeLessThan(span / 20);
            expect(hi - Math.max(...v)).toBeLessThan(span / 20);
          }
        }
      });
    }
  }
});

describe('orthogonal_', () => {
  const cases: [number[], number][] = [
    [[5, 5], 1],
    [[8, 3], 1],
    [[3, 8], 2],
    [[4, 2, 3], 0.5],
    [[1, 6], 1],
    [[7, 1], 1.5],
  ];
  for (const [shape, gain] of cases) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${JSON.stringify(shape)} gain ${gain} ${dtype}: Q^T Q (or Q Q^T) = gain^2 I`, () => {
        torch.manualSeed(3);
        const t = torch.empty(shape, { dtype });
        expect(init.orthogonal_(t, gain)).toBe(t);
        const rows = shape[0];
        const q = t.reshape([rows, -1]);
        const cols = q.shape[1];
        const g = rows < cols ? q.matmul(q.t()) : q.t().matmul(q);
        const k = Math.min(rows, cols);
        const eye = torch.empty([k, k], { dtype });
        init.eye_(eye);
        const err = g
          .sub(eye.mul(gain * gain))
          .abs()
          .max()
          .item() as number;
        expect(err).toBeLessThan(dtype === 'float32' ? 1e-5 : 1e-13);
      });
    }
  }
  it('Haar: over many draws, the entries of a 3x3 Q have mean 0 and variance 1/3 (no sign bias)', () => {
    torch.manualSeed(5);
    const vals: number[] = [];
    const diag: number[] = [];
    for (let i = 0; i < 400; i++) {
      const t = init.orthogonal_(torch.empty([3, 3], { dtype: 'float64' }));
      const v = t.tolist() as number[][];
      for (const r of v) vals.push(...r);
      diag.push(v[0][0], v[1][1], v[2][2]);
      t.dispose();
    }
    expect(Math.abs(mean(vals))).toBeLessThan(5 * Math.sqrt(1 / 3 / vals.length));
    expect(Math.abs(mean(diag))).toBeLessThan(5 * Math.sqrt(1 / 3 / diag.length));
    expect(Math.abs(variance(vals) - 1 / 3)).toBeLessThan(0.03);
  });
  it('a zero-element tensor is left alone', () => {
    const t = torch.empty([0, 3]);
    expect(init.orthogonal_(t)).toBe(t);
  });
});

describe('sparse_', () => {
  for (const s of REF.sparse) {
    it(`${JSON.stringify(s.shape)} sparsity ${s.sparsity}: ${s.zeros_per_column} zeros per column, the rest N(0, std^2)`, () => {
      torch.manualSeed(9);
      const t = torch.empty(s.shape);
      expect(init.sparse_(t, s.sparsity, s.std)).toBe(t);
      const rows = t.tolist() as number[][];
      const [r, c] = s.shape;
      const rest: number[] = [];
      for (let j = 0; j < c; j++) {
        let zeros = 0;
        for (let i = 0; i < r; i++) {
          if (rows[i][j] === 0) zeros++;
          else rest.push(rows[i][j]);
        }
        expect(zeros).toBe(s.zeros_per_column);
      }
      if (rest.length > 200) {
        expect(Math.abs(mean(rest))).toBeLessThan((5 * s.std) / Math.sqrt(rest.length));
        expect(Math.abs(variance(rest) - s.std ** 2)).toBeLessThan(5 * s.std ** 2 * Math.sqrt(2 / rest.length));
      }
      expect(init.sparse_(torch.empty(s.shape), { sparsity: s.sparsity, std: s.std }).shape).toEqual(s.shape);
    });
  }
  it('the zeroed rows differ between columns (a permutation per column)', () => {
    torch.manualSeed(2);
    const t = init.sparse_(torch.empty([40, 6]), 0.5);
    const cols = (t.t().eq(0).tolist() as boolean[][]).map((c) => c.join());
    expect(new Set(cols).size).toBeGreaterThan(1);
  });
});

describe('errors (PyTorch 1.13 messages)', () => {
  const jsType = (py: string): string => (py === 'RuntimeError' ? 'Error' : py);
  for (const e of REF.errors) {
    it(`${e.fn}(${JSON.stringify(e.shape)}, ${JSON.stringify(e.args)}, ${JSON.stringify(e.kwargs)}) ${e.dtype}`, () => {
      const t = e.shape === null ? null : torch.empty(e.shape, { dtype: e.dtype });
      let caught: unknown = null;
      try {
        call(e, t);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(Error);
      expect((caught as Error).message).toBe(e.message);
      expect((caught as Error).name).toBe(jsType(e.type));
    });
  }
  it('argument rules: positional, or trailing ones as an options object; Python-style messages', () => {
    const t = torch.empty([3, 4]);
    expect(() => init.constant_(t, undefined as unknown as number)).toThrow("constant_() missing 1 required positional argument: 'val'");
    expect(() => init.uniform_(t, 0, { a: 1 } as unknown as number)).toThrow("uniform_() got multiple values for argument 'a'");
    expect(() => init.kaimingUniform_(t, { negativeSlope: 1 } as never)).toThrow(
      "kaiming_uniform_() got an unexpected keyword argument 'negativeSlope'",
    );
    expect(() => init.uniform_([1, 2] as unknown as Tensor)).toThrow(
      /uniform_\(\): argument 'tensor' \(position 1\) must be Tensor, not list/,
    );
  });
  it('an error leaves the tensor untouched', () => {
    const t = torch.full([3], 5);
    expect(() => init.uniform_(t, 1, 0)).toThrow();
    expect(t.tolist()).toEqual([5, 5, 5]);
  });
});

describe('the fills are seeded, under no_grad, and keep leaves leaves', () => {
  const fills: [string, (t: Tensor) => Tensor][] = [
    ['uniform_', (t) => init.uniform_(t, -1, 1)],
    ['normal_', (t) => init.normal_(t, 0, 2)],
    ['truncNormal_', (t) => init.truncNormal_(t, { std: 0.5 })],
    ['xavierUniform_', (t) => init.xavierUniform_(t)],
    ['xavierNormal_', (t) => init.xavierNormal_(t, 2)],
    ['kaimingUniform_', (t) => init.kaimingUniform_(t, { a: 2.23606797749979 })],
    ['kaimingNormal_', (t) => init.kaimingNormal_(t, 0, 'fan_out', 'relu')],
    ['orthogonal_', (t) => init.orthogonal_(t)],
    ['sparse_', (t) => init.sparse_(t, 0.25)],
    ['constant_', (t) => init.constant_(t, 0.5)],
    ['ones_', (t) => init.ones_(t)],
    ['zeros_', (t) => init.zeros_(t)],
    ['eye_', (t) => init.eye_(t)],
  ];
  for (const [name, f] of fills) {
    it(`${name}: the same values after the same seed; a Parameter stays a leaf that requires grad`, () => {
      torch.manualSeed(123);
      const a = f(torch.empty([6, 4])).tolist();
      torch.manualSeed(123);
      const b = f(torch.empty([6, 4])).tolist();
      expect(b).toEqual(a);
      const p = new nn.Parameter(torch.empty([6, 4]));
      expect(torch.isGradEnabled()).toBe(true);
      expect(f(p)).toBe(p);
      expect(torch.isGradEnabled()).toBe(true);
      expect(p.isLeaf && p.requiresGrad && p.gradFn === null).toBe(true);
      expect(p instanceof nn.Parameter).toBe(true);
      // and it still trains: its gradient accumulates as a leaf's
      p.mul(2).sum().backward();
      expect(p.grad?.tolist()).toEqual(torch.full([6, 4], 2).tolist());
    });
  }
  it('grad mode is restored after an error too', () => {
    expect(() => init.eye_(new nn.Parameter(torch.empty([2, 2, 2])))).toThrow();
    expect(torch.isGradEnabled()).toBe(true);
    torch.noGrad(() => {
      init.normal_(torch.empty([2]));
      expect(torch.isGradEnabled()).toBe(false);
    });
  });
});

describe('modules initialise through nn.init as PyTorch does', () => {
  it('Linear and Conv2d: kaiming_uniform_(a=sqrt(5)) and the bias bound from fan_in, the same stream as the calls by hand', () => {
    torch.manualSeed(4);
    const lin = new nn.Linear(5, 3);
    torch.manualSeed(4);
    const w = init.kaimingUniform_(torch.empty([3, 5]), { a: 2.23606797749979 });
    const bound = 1 / Math.sqrt(5);
    const b = init.uniform_(torch.empty([3]), -bound, bound);
    expect(lin.weight.tolist()).toEqual(w.tolist());
    expect(lin.bias?.tolist()).toEqual(b.tolist());
    torch.manualSeed(8);
    const conv = new nn.Conv2d(2, 4, 3);
    torch.manualSeed(8);
    const cw = init.kaimingUniform_(torch.empty([4, 2, 3, 3]), { a: 2.23606797749979 });
    expect(conv.weight.tolist()).toEqual(cw.tolist());
    expect(conv.weight.isLeaf && conv.weight.requiresGrad).toBe(true);
  });
  it('resetParameters() draws again', () => {
    torch.manualSeed(1);
    const lin = new nn.Linear(4, 4);
    const before = lin.weight.tolist();
    lin.resetParameters();
    expect(lin.weight.tolist()).not.toEqual(before);
    expect(lin.weight.isLeaf).toBe(true);
  });
});
