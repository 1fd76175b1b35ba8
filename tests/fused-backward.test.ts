// Kernels that fuse what was a composition of ops must keep its bits: relu's gradient
// (threshold_backward in one pass) against its definition and against the composed path that
// non-contiguous tensors still take; SGD's update in SIMD lanes against the scalar IEEE sequence
// of PyTorch's _single_tensor_sgd, written out here in float32 (Math.fround after every operation).
import { describe, expect, it } from 'vitest';
import { torch, type Tensor } from '../ts/index.js';

function same(a: number[], b: number[]): void {
  expect(a.length).toBe(b.length);
  const bad = a.findIndex((v, i) => !Object.is(v, b[i]));
  expect(bad, `first difference at ${bad}: ${a[bad]} vs ${b[bad]}`).toBe(-1);
}

const flat = (t: Tensor): number[] => t.reshape([-1]).tolist() as number[];

describe('relu backward (threshold_backward) in one pass', () => {
  const SPECIAL = [Number.NaN, 0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1e-38, 1e-38, 2.5, -3];
  for (const dtype of ['float32', 'float64'] as const) {
    for (const n of [1, 4, 7, 13, 64]) {
      it(`${dtype}, ${n} x ${n + 1}: g where y > 0, else +0 (NaN y keeps g), the bits of the composed path`, () => {
        torch.manualSeed(n);
        const xv = flat(torch.randn([n, n + 1], { dtype })).map((v, i) => (i % 5 === 0 ? SPECIAL[(i / 5) % SPECIAL.length] : v));
        const gv = flat(torch.randn([n, n + 1], { dtype })).map((v, i) => (i % 7 === 3 ? -0 : i % 11 === 4 ? Number.NaN : v));
        const round = dtype === 'float32' ? Math.fround : (v: number) => v;
        const x = torch
          .tensor(xv, { dtype })
          .reshape([n, n + 1])
          .requiresGrad_(true);
        const g = torch.tensor(gv, { dtype }).reshape([n, n + 1]);
        x.relu().backward(g);
        // relu(x) <= 0 exactly when x <= 0 (relu(NaN) is NaN, which fails the comparison too).
        const want = xv.map((v, i) => (round(v) <= 0 ? 0 : round(gv[i])));
        same(flat(x.grad!), want);
        // The same through a transposed (non-contiguous) input: the composed le + where path.
        const xt = torch
          .tensor(xv, { dtype })
          .reshape([n, n + 1])
          .t()
          .contiguous()
          .t()
          .requiresGrad_(true);
        expect(xt.isContiguous()).toBe(n === 1);
        xt.relu().backward(g);
        same(flat(xt.grad!), want);
        for (const t of [x.grad!, x, g, xt.grad!, xt]) t.dispose();
      });
    }
  }
});

describe('SGD in SIMD lanes', () => {
  const f = Math.fround;
  const CASES = [
    { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false },
    { lr: 0.01, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false },
    { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01, nesterov: false, maximize: true },
    { lr: 0.05, momentum: 0.8, dampening: 0, weightDecay: 0.001, nesterov: true, maximize: false },
  ];
  for (const c of CASES) {
    it(`float32, 13 elements (lanes and tail), 3 steps: ${JSON.stringify(c)}`, () => {
      torch.manualSeed(7);
      const p0 = flat(torch.randn([13]));
      const gs = [0, 1, 2].map(() => flat(torch.randn([13])));
      const p = torch.tensor(p0).requiresGrad_(true);
      const opt = new torch.optim.SGD([p], c);
      // PyTorch 1.13's _single_tensor_sgd, one IEEE float32 operation at a time.
      const want = p0.slice();
      const buf: number[] = [];
      const [m, damp, wd, nlr] = [f(c.momentum), f(1 - c.dampening), f(c.weightDecay), f(-c.lr)];
      for (const [s, gv] of gs.entries()) {
        p.grad = torch.tensor(gv);
        opt.step();
        p.grad.dispose();
        for (let i = 0; i < 13; i++) {
          let d = c.maximize ? -gv[i] : gv[i];
          if (c.weightDecay) d = f(d + f(wd * want[i]));
          if (c.momentum) {
            buf[i] = s === 0 ? d : f(f(buf[i] * m) + f(damp * d));
            d = c.nesterov ? f(d + f(m * buf[i])) : buf[i];
          }
          want[i] = f(want[i] + f(nlr * d));
        }
      }
      same(flat(p), want);
      p.grad = null;
      for (const st of opt.state.values()) for (const v of Object.values(st)) if (v && typeof v === 'object') (v as Tensor).dispose();
      p.dispose();
    });
  }
});
