// Third derivatives of every differentiable elementwise entry of the registry (float64), generated
// from tests/pytorch/third_order.json (written by tests/pytorch/third_order.py with PyTorch 1.13
// from elementwise_ops.json, which `npm run ops:export` writes from the registry). For each op:
//   g1 = grad(f(xs).sum(), xs, createGraph), s1 = sum(g1); g2 = grad(s1, xs, createGraph), s2 = sum(g2);
//   g3 = grad(s2, xs).
// g2 and g3 are compared with PyTorch's; g3 also with central differences of asgrad's own s2 (the
// analytic second derivative), and whether s2 has a graph at all with whether PyTorch's has.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { torch, type Tensor } from '../ts/index.js';
import { ENTRIES } from '../ts/ops/index.js';

interface OpCase {
  inputs: number[][];
  extra: number[];
  g2: (number[] | null)[];
  g3: (number[] | null)[];
  hasThird: boolean;
}
const FIXTURE = JSON.parse(readFileSync(new URL('./pytorch/third_order.json', import.meta.url), 'utf8')) as {
  ops: Record<string, OpCase>;
};
const T = torch as unknown as Record<string, unknown>;
const F = torch.nn.functional as unknown as Record<string, unknown>;
type Op = (...args: unknown[]) => Tensor;

const total = (ts: readonly (Tensor | null)[]): Tensor | null => {
  let s: Tensor | null = null;
  for (const t of ts) if (t) s = s ? s.add(t.sum()) : t.sum();
  return s;
};

/** s2 (the sum of the second derivatives) and g2 at `xs`, by two backward passes with createGraph. */
function second(f: Op, xs: Tensor[], extra: readonly number[]): { g2: (Tensor | null)[]; s2: Tensor | null } {
  const y = f(...xs, ...extra);
  const g1 = torch.autograd.grad(y.sum(), xs, { createGraph: true, allowUnused: true });
  const s1 = total(g1);
  if (!s1?.requiresGrad) return { g2: xs.map(() => null), s2: null };
  const g2 = torch.autograd.grad(s1, xs, { createGraph: true, allowUnused: true });
  return { g2, s2: total(g2) };
}

function expectClose(got: readonly number[], want: readonly number[], rtol: number, atol: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((v, i) => {
    expect(Math.abs(v - want[i]) <= atol + rtol * Math.abs(want[i]), `${what}[${i}]: ${v} vs ${want[i]}`).toBe(true);
  });
}

const values = (t: Tensor | null, n: number): number[] => (t ? (t.tolist() as number[]) : new Array<number>(n).fill(0));

describe('third derivatives of the elementwise entries (float64, against PyTorch 1.13 and finite differences)', () => {
  it("covers every differentiable elementwise entry, each gradgradchecked ('twice')", () => {
    const names = Object.keys(FIXTURE.ops);
    const elementwise = ENTRIES.filter((e) => e.kind === 'elementwise' && e.test.grad === 'twice').map((e) => e.name);
    expect(names.length).toBe(31);
    for (const n of names) expect(elementwise, n).toContain(n);
  });

  for (const [name, c] of Object.entries(FIXTURE.ops)) {
    it(name, () => {
      const f = (T[name] ?? F[name]) as Op;
      const xs = c.inputs.map((d) => torch.tensor(d, { dtype: 'float64', requiresGrad: true }));
      const n = c.inputs[0].length;
      const { g2, s2 } = second(f, xs, c.extra);
      g2.forEach((g, k) => {
        expectClose(values(g, n), c.g2[k] ?? new Array<number>(n).fill(0), 1e-12, 1e-12, `g2[${k}]`);
      });
      // A third-order graph exactly where PyTorch records one.
      expect(s2?.requiresGrad ?? false).toBe(c.hasThird);
      if (!c.hasThird) return;
      const g3 = torch.autograd.grad(s2 as Tensor, xs, { allowUnused: true });
      g3.forEach((g, k) => {
        const got = values(g, n);
        expectClose(got, c.g3[k] ?? new Array<number>(n).fill(0), 1e-10, 1e-10, `g3[${k}] vs PyTorch`);
        // Central differences of s2, asgrad's analytic second derivative, element by element.
        const eps = 1e-5;
        const numeric = c.inputs[k].map((_, i) => {
          const at = (delta: number): number =>
            torch.scope(() => {
              const moved = c.inputs.map((d, j) =>
                torch.tensor(
                  d.map((v, q) => (j === k && q === i ? v + delta : v)),
                  { dtype: 'float64', requiresGrad: true },
                ),
              );
              const r = second(f, moved, c.extra).s2;
              return r ? r.item() : 0;
            });
          return (at(eps) - at(-eps)) / (2 * eps);
        });
        expectClose(got, numeric, 1e-5, 1e-5, `g3[${k}] vs finite differences`);
      });
    });
  }
});
