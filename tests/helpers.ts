import { torch, Tensor } from '../ts/index.js';

export function values(t: Tensor | null): number[] {
  if (!t) throw new Error('expected a tensor, got null');
  return t.dataSync() as number[];
}

/** Asserts element-wise closeness like numpy.allclose (expected on the right). */
export function expectClose(actual: Tensor | null, expected: number[] | Tensor, rtol = 1e-5, atol = 1e-6): void {
  const a = values(actual);
  const e = expected instanceof Tensor ? values(expected) : expected;
  if (a.length !== e.length) throw new Error(`length ${a.length} != ${e.length}`);
  for (let i = 0; i < a.length; i++) {
    const ok = Math.abs(a[i] - e[i]) <= atol + rtol * Math.abs(e[i]) || (Number.isNaN(a[i]) && Number.isNaN(e[i]));
    if (!ok) throw new Error(`element ${i}: ${a[i]} != ${e[i]} (all: [${a.join(', ')}] vs [${e.join(', ')}])`);
  }
}

/** Leaf float64 tensor with values from the library's seeded RNG, shifted into a domain. */
export function leaf(shape: number[], lo = -1, hi = 1): Tensor {
  return torch
    .rand(shape, { dtype: 'float64' })
    .mul(hi - lo)
    .add(lo)
    .detach()
    .requiresGrad_(true);
}

/**
 * Gradcheck in float64: compares the analytic vector-Jacobian product of `f` at `inputs` (for a
 * random upstream gradient) with central finite differences, element by element.
 */
export function gradcheck(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], eps = 1e-6, rtol = 1e-5, atol = 1e-6): void {
  const y = f(...inputs);
  const v = torch.randn(y.shape, { dtype: 'float64' });
  for (const x of inputs) x.grad = null;
  y.backward(v);
  const vv = values(v);
  const dot = (t: Tensor): number => values(t).reduce((s, yi, i) => s + yi * vv[i], 0);
  for (const [k, x] of inputs.entries()) {
    if (!x.requiresGrad) continue;
    const analytic = x.grad ? values(x.grad) : new Array<number>(x.numel()).fill(0);
    const base = values(x);
    const n = x.numel();
    for (let i = 0; i < n; i++) {
      const probe = (delta: number): number => {
        const data = base.slice();
        data[i] += delta;
        const xi = torch.tensor(data, { dtype: 'float64' }).reshape(x.shape);
        const args = inputs.map((t, j) => (j === k ? xi : t.detach()));
        return torch.noGrad(() => dot(f(...args)));
      };
      const numeric = (probe(eps) - probe(-eps)) / (2 * eps);
      if (!(Math.abs(analytic[i] - numeric) <= atol + rtol * Math.abs(numeric))) {
        throw new Error(`input ${k} element ${i}: analytic ${analytic[i]} vs numeric ${numeric}`);
      }
    }
  }
}
