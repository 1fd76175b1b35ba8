// The node names of double-backward graphs (what `torch.autograd.grad(y, x, { createGraph: true })[0].gradFn`
// is), against PyTorch 1.13 (gelu: the same with F.gelu(x) / F.gelu(x, approximate='tanh')). Expected values from:
//   x = torch.randn(1, 2, 4, 4, dtype=torch.float64, requires_grad=True); y = F.max_pool2d(x, 2)  (avg_pool2d,
//   adaptive_max_pool2d(x, 2), adaptive_avg_pool2d(x, 2))
//   g, = torch.autograd.grad((y * torch.randn_like(y)).sum(), x, create_graph=True)
//   g.grad_fn.name(), [n.name() if n else None for n, _ in g.grad_fn.next_functions]
//   h, = torch.autograd.grad((g * torch.randn_like(g)).sum(), x); h.abs().sum() -> 0.0
// PyTorch's pool backward takes the pooled input as an argument with a zero derivative: the gradient
// requires grad through it even when the upstream gradient is a constant, and sends it zeros.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { torch, type Tensor } from '../ts/index.js';
import { expectClose } from './helpers.js';

const F = torch.nn.functional;

describe('second-order node names (PyTorch 1.13)', () => {
  const cases: [string, (x: Tensor) => Tensor, string, string][] = [
    ['max_pool2d', (x) => F.maxPool2d(x, 2), 'MaxPool2DWithIndicesBackward0', 'MaxPool2DWithIndicesBackwardBackward0'],
    ['avg_pool2d', (x) => F.avgPool2d(x, 2), 'AvgPool2DBackward0', 'AvgPool2DBackwardBackward0'],
    ['adaptive_max_pool2d', (x) => F.adaptiveMaxPool2d(x, 2), 'AdaptiveMaxPool2DBackward0', 'AdaptiveMaxPool2DBackwardBackward0'],
    ['adaptive_avg_pool2d', (x) => F.adaptiveAvgPool2d(x, 2), 'AdaptiveAvgPool2DBackward0', 'AdaptiveAvgPool2DBackwardBackward0'],
  ];
  // gelu (both approximations): GeluBackwardBackward0 with [None, AccumulateGrad]; its second
  // derivative is not zero, so only the names and edges are checked here (values: third-order.test.ts, registry.test.ts).
  const gelus: [string, (x: Tensor) => Tensor][] = [
    ['gelu', (x) => F.gelu(x)],
    ['gelu tanh', (x) => F.gelu(x, { approximate: 'tanh' })],
  ];
  for (const [name, f] of gelus) {
    it(`${name}: GeluBackwardBackward0, at every order`, () => {
      torch.manualSeed(0);
      const x = torch.randn([1, 2, 4, 4], { dtype: 'float64', requiresGrad: true });
      const y = f(x);
      expect(y.gradFn?.name()).toBe('GeluBackward0');
      const [g] = torch.autograd.grad(y.mul(torch.randnLike(y)).sum(), x, { createGraph: true });
      expect(g?.gradFn?.name()).toBe('GeluBackwardBackward0');
      expect(g?.gradFn?.nextFunctions.map(([n]) => n?.name() ?? null)).toEqual([null, 'torch::autograd::AccumulateGrad']);
      expect(torch.autograd.gradgradcheck((t: Tensor) => torch.autograd.grad(f(t).sum(), t, { createGraph: true })[0] as Tensor, [x])).toBe(
        true,
      );
    });
  }
  for (const [name, f, first, second] of cases) {
    it(`${name}: ${second}, an edge to the input, zeros sent to it`, () => {
      torch.manualSeed(0);
      const x = torch.randn([1, 2, 4, 4], { dtype: 'float64', requiresGrad: true });
      const y = f(x);
      expect(y.gradFn?.name()).toBe(first);
      const [g] = torch.autograd.grad(y.mul(torch.randnLike(y)).sum(), x, { createGraph: true });
      expect(g?.requiresGrad).toBe(true);
      expect(g?.gradFn?.name()).toBe(second);
      expect(g?.gradFn?.nextFunctions.map(([n]) => n?.name() ?? null)).toEqual([null, 'torch::autograd::AccumulateGrad']);
      const [h] = torch.autograd.grad((g as Tensor).mul(torch.randnLike(g as Tensor)).sum(), x);
      expect(h?.abs().sum().item()).toBe(0);
      // With a gradient that requires grad, both edges are live, and the gradient's own is the pool's.
      const v = torch.randnLike(y).requiresGrad_(true);
      const [g2] = torch.autograd.grad(y, x, { gradOutputs: [v], createGraph: true });
      const [gv] = torch.autograd.grad((g2 as Tensor).sum(), v);
      expect(gv?.shape).toEqual(y.shape);
    });
  }
});

// Convolutions, layer_norm and batch_norm: the gradients under createGraph are ONE node
// (ConvolutionBackwardBackward0 on (grad_output, input, weight), NativeLayerNormBackwardBackward0,
// NativeBatchNormBackwardBackward0 with PyTorch's edges), and its second derivatives are PyTorch 1.13's
// (tests/pytorch/double_backward.json, written by tests/pytorch/double_backward.py):
//   gx, gw, gb = grad(y, (x, w, b), grad_outputs=R, create_graph); h = grad(Σ gx·A + Σ gw·B + Σ gb·C, (x, w, R)).
type Nested = number | Nested[];
interface DoubleCase {
  op: string;
  kw: Record<string, number | boolean>;
  x: Nested;
  w: Nested;
  b: Nested;
  rm: Nested;
  rv: Nested;
  R: Nested;
  A: Nested;
  B: Nested;
  C: Nested;
  xshape: number[];
  wshape: number[];
  bshape: number[];
  yshape: number[];
  gx: Nested;
  hx: Nested;
  hw: Nested;
  hR: Nested;
  node: string;
  next: (string | null)[];
  sameNode: boolean;
}
const DOUBLE = JSON.parse(readFileSync(new URL('./pytorch/double_backward.json', import.meta.url), 'utf8')) as DoubleCase[];
const flat = (v: Nested): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);
const t64 = (v: Nested, shape: number[]): Tensor => torch.tensor(flat(v), { dtype: 'float64' }).reshape(shape);
const camel = (kw: Record<string, number | boolean>): Record<string, number | boolean> =>
  Object.fromEntries(Object.entries(kw).map(([k, v]) => [k.replace(/_(.)/g, (_, c: string) => c.toUpperCase()), v]));
const OPS: Record<string, (c: DoubleCase) => (x: Tensor, w: Tensor, b: Tensor) => Tensor> = {
  conv2d: (c) => (x, w, b) => F.conv2d(x, w, b, camel(c.kw)),
  conv1d: (c) => (x, w, b) => F.conv1d(x, w, b, camel(c.kw)),
  conv_transpose2d: (c) => (x, w, b) => F.convTranspose2d(x, w, b, camel(c.kw)),
  layer_norm: (c) => (x, w, b) => F.layerNorm(x, c.wshape, w, b),
  batch_norm: (c) => (x, w, b) => F.batchNorm(x, t64(c.rm, c.wshape), t64(c.rv, c.wshape), w, b, { training: c.kw.training as boolean }),
};

describe('double backward of the convolutions and norms: one BackwardBackward node, values of PyTorch 1.13', () => {
  for (const c of DOUBLE.filter((d) => d.op in OPS)) {
    it(`${c.op} ${JSON.stringify(c.kw)}`, () => {
      const x = t64(c.x, c.xshape).requiresGrad_();
      const w = t64(c.w, c.wshape).requiresGrad_();
      const b = t64(c.b, c.bshape).requiresGrad_();
      const R = t64(c.R, c.yshape).requiresGrad_();
      const y = OPS[c.op](c)(x, w, b);
      const [gx, gw, gb] = torch.autograd.grad(y, [x, w, b], { gradOutputs: [R], createGraph: true }) as Tensor[];
      expect(gx.gradFn?.name()).toBe(c.node);
      expect(gx.gradFn?.nextFunctions.map(([n]) => n?.name() ?? null)).toEqual(c.next);
      expect(gw.gradFn === gx.gradFn && gb.gradFn === gx.gradFn).toBe(c.sameNode);
      expectClose(gx, flat(c.gx), 1e-12, 1e-12);
      const s = gx
        .mul(t64(c.A, c.xshape))
        .sum()
        .add(gw.mul(t64(c.B, c.wshape)).sum())
        .add(gb.mul(t64(c.C, c.bshape)).sum());
      const [hx, hw, hR] = torch.autograd.grad(s, [x, w, R], { allowUnused: true, retainGraph: true });
      expectClose(hx ?? torch.zeros(c.xshape, { dtype: 'float64' }), flat(c.hx), 1e-10, 1e-12);
      expectClose(hw ?? torch.zeros(c.wshape, { dtype: 'float64' }), flat(c.hw), 1e-10, 1e-12);
      expectClose(hR ?? torch.zeros(c.yshape, { dtype: 'float64' }), flat(c.hR), 1e-10, 1e-12);
      // Third order exists (the double backward rules are differentiable ops).
      const [gR] = torch.autograd.grad(s, [R], { createGraph: true });
      expect(gR?.requiresGrad).toBe(true);
    });
  }
});
