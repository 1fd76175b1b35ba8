// The row-fused kernels (softmax / log_softmax over a contiguous last dim with the SIMD exp, and
// layer_norm over one contiguous normalised dim) must give the bits of the generic paths they
// bypass: softmax over the same data laid out as columns (the column-block path, whose last
// columns are scalar), and layer_norm with a non-contiguous weight of ones (the composed ops; * 1
// is exact). The fused softmax / log_softmax gradients must give the composed rules' bits (what a
// backward with createGraph still runs).
import { describe, expect, it } from 'vitest';
import { torch, type Tensor } from '../ts/index.js';

const F = torch.nn.functional;
const DTYPES = ['float32', 'float64'] as const;
/** Rows of 1 to 1027 (odd lengths, a partial vector, one past a SIMD block), batched and not. */
const NORM_SHAPES = [
  [3, 1],
  [2, 5],
  [4, 7],
  [3, 8],
  [2, 3, 16],
  [5, 33],
  [2, 1027],
];

function same(a: Tensor, b: Tensor): void {
  const av = a.reshape([-1]).tolist() as number[];
  const bv = b.reshape([-1]).tolist() as number[];
  expect(av.length).toBe(bv.length);
  const bad = av.findIndex((v, i) => !Object.is(v, bv[i]));
  expect(bad, `first difference at ${bad}: ${av[bad]} vs ${bv[bad]}`).toBe(-1);
}

function rows(dtype: (typeof DTYPES)[number], n: number, scale: number): Tensor {
  torch.manualSeed(n * 31 + scale);
  const v = torch.randn([9, n], { dtype }).mul(scale).tolist() as number[][];
  if (n > 3) {
    v[1][2] = Number.NEGATIVE_INFINITY;
    v[2] = v[2].map(() => Number.NEGATIVE_INFINITY);
    v[3][1] = Number.NaN;
    v[4][0] = Number.POSITIVE_INFINITY;
    v[5][0] = 0;
    v[5][3] = -0;
    v[6] = v[6].map((_, i) => (i % 2 ? 1e30 : -1e30));
    v[7] = v[7].map((_, i) => -90 - i); // exp's range edges (|x| near 88 and beyond)
  }
  return torch.tensor(v, { dtype });
}

describe('row-fused kernels give the generic paths bits', () => {
  for (const dtype of DTYPES) {
    it(`softmax / log_softmax (${dtype})`, () => {
      for (const n of [1, 2, 3, 4, 5, 7, 8, 13, 64, 1027]) {
        for (const scale of [1, 10, 60, 200]) {
          const x = rows(dtype, n, scale);
          const xt = x.t().contiguous();
          same(x.softmax(-1), xt.softmax(0).t());
          same(x.logSoftmax(-1), xt.logSoftmax(0).t());
        }
      }
    });
    it(`softmax / log_softmax gradients: the fused kernel has the composed rule's bits (${dtype})`, () => {
      for (const n of [1, 2, 3, 4, 5, 7, 8, 13, 64, 1027]) {
        for (const scale of [1, 10, 60]) {
          const x = torch.randn([9, n], { dtype }).mul(scale).requiresGrad_(true);
          const g = torch.randn([9, n], { dtype }).mul(scale);
          for (const kind of ['softmax', 'log_softmax'] as const) {
            const y = kind === 'softmax' ? x.softmax(-1) : x.logSoftmax(-1);
            const [fused] = torch.autograd.grad(y, x, { gradOutputs: g, retainGraph: true });
            const [composed] = torch.autograd.grad(y, x, { gradOutputs: g, createGraph: true });
            const s = y.detach();
            const want = kind === 'softmax' ? s.mul(g.sub(g.mul(s).sum(-1, true))) : g.sub(s.exp().mul(g.sum(-1, true)));
            same(fused!, want);
            same(composed!, want);
            // a broadcast (stride 0) upstream gradient, as a sum's backward sends
            const [viaSum] = torch.autograd.grad(y.sum(), x);
            const ones = torch.ones([9, n], { dtype });
            same(viaSum!, kind === 'softmax' ? s.mul(ones.sub(ones.mul(s).sum(-1, true))) : ones.sub(s.exp().mul(ones.sum(-1, true))));
          }
        }
      }
    });
    it(`layer_norm's input gradient: the fused kernel has the composed rule's bits (${dtype})`, () => {
      for (const shape of NORM_SHAPES) {
        for (const scale of [1, 1000, 1e-3]) {
          torch.manualSeed(shape.length * 13 + scale);
          const x = torch
            .randn(shape, { dtype })
            .mul(scale)
            .add(3 * scale)
            .requiresGrad_(true);
          const d = shape[shape.length - 1];
          const g = torch.randn(shape, { dtype });
          const w = torch.randn([d], { dtype }).requiresGrad_(true);
          const b = torch.randn([d], { dtype });
          for (const [wt, bt] of [
            [w, b],
            [null, null],
            [w, null],
          ] as const) {
            for (const eps of [1e-5, 0.1]) {
              const y = F.layerNorm(x, [d], wt, bt, { eps });
              const fused = torch.autograd.grad(y, wt ? [x, wt] : [x], { gradOutputs: g, retainGraph: true });
              const composed = torch.autograd.grad(y, wt ? [x, wt] : [x], { gradOutputs: g, createGraph: true });
              for (const [i, t] of fused.entries()) same(t!, composed[i]!);
              // a broadcast (stride 0) upstream gradient, as a sum's backward sends
              const [viaSum] = torch.autograd.grad(y.sum(), x, { retainGraph: true });
              const [viaSumComposed] = torch.autograd.grad(y.sum(), x, { createGraph: true });
              same(viaSum!, viaSumComposed!);
            }
          }
        }
      }
    });
    it(`layer_norm (${dtype})`, () => {
      for (const shape of NORM_SHAPES) {
        for (const scale of [1, 1000, 1e-3]) {
          torch.manualSeed(shape.length * 17 + scale);
          const x = torch
            .randn(shape, { dtype })
            .mul(scale)
            .add(3 * scale);
          const d = shape[shape.length - 1];
          const w = torch.randn([d], { dtype });
          const b = torch.randn([d], { dtype });
          const ones = torch.ones([d, 2], { dtype }).select(1, 0); // not contiguous: composed path
          const wStrided = torch.stack([w, w], 1).select(1, 0);
          for (const eps of [1e-5, 0.1]) {
            same(F.layerNorm(x, [d], w, b, { eps }), F.layerNorm(x, [d], wStrided, b, { eps }));
            same(F.layerNorm(x, [d], w, null, { eps }), F.layerNorm(x, [d], wStrided, null, { eps }));
            same(F.layerNorm(x, [d], null, b, { eps }), F.layerNorm(x, [d], ones, b, { eps }));
            same(F.layerNorm(x, [d], null, null, { eps }), F.layerNorm(x, [d], ones, null, { eps }));
          }
        }
      }
      const s = torch.tensor(
        [
          [1, 2, Number.NaN, 4, 5],
          [Number.POSITIVE_INFINITY, 1, 2, 3, 4],
          [0, -0, 0, -0, 0],
          [1, 1, 1, 1, 1],
        ],
        { dtype },
      );
      same(F.layerNorm(s, [5]), F.layerNorm(s, [5], torch.ones([5, 2], { dtype }).select(1, 0)));
    });
  }
});
