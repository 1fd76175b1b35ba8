// torch.autograd: grad, backward over several roots, tensor hooks, retained grads and the functional
// transforms, against ../shared/golden-train/autograd.json (PyTorch 1.13), plus behaviour around them.
import { describe, expect, it } from 'vitest';
import { torch, type Tensor } from '../build/ts/index.js';
import { loadAutogradCases, runAutogradCase } from './conformance/autograd.js';
import { shared } from './shared.js';

const CASES = loadAutogradCases(shared('golden-train', 'autograd.json'));

describe('golden-train autograd.json (PyTorch 1.13)', () => {
  it('has every case', () => expect(CASES.length).toBe(161));
  for (const c of CASES) {
    it(c.name, () => {
      const r = runAutogradCase(c);
      expect(r.message ?? '').toBe('');
      expect(r.ok).toBe(true);
    });
  }
});

const f64 = (xs: number[], requiresGrad = true): Tensor => torch.tensor(xs, { dtype: 'float64', requiresGrad });

describe('torch.autograd behaviour', () => {
  it('grad does not touch .grad; backward over several roots sums into it once', () => {
    const x = f64([1, 2, 3]);
    const [g] = torch.autograd.grad(x.pow(3).sum(), x);
    expect(g?.tolist()).toEqual([3, 12, 27]);
    expect(x.grad).toBe(null);
    const a = x.mul(2);
    torch.autograd.backward([a, a.sum().mul(3)], [torch.ones([3], { dtype: 'float64' }), null]);
    expect(x.grad?.tolist()).toEqual([8, 8, 8]);
  });
  it('a root that is also inside another root waits for its whole gradient', () => {
    const x = f64([2]);
    const y = x.mul(3);
    const z = y.square();
    // d/dx of (y + z) = 3 + 2*y*3 = 3 + 36
    torch.autograd.backward([y, z], [f64([1], false), f64([1], false)]);
    expect(x.grad?.tolist()).toEqual([39]);
  });
  it('hooks: a non-leaf hook replaces the gradient flowing on, a leaf hook what accumulates; remove() unregisters', () => {
    const x = f64([1, 2]);
    const y = x.mul(3);
    const h = y.registerHook((g) => g.mul(10));
    const seen: number[][] = [];
    x.registerHook((g) => {
      seen.push(g.tolist() as number[]);
      return g.add(1);
    });
    y.sum().backward();
    expect(seen).toEqual([[30, 30]]);
    expect(x.grad?.tolist()).toEqual([31, 31]);
    h.remove();
    x.grad = null;
    x.mul(3).sum().backward();
    expect((x.grad as Tensor | null)?.tolist()).toEqual([4, 4]);
    expect(() => f64([1], false).registerHook((g) => g)).toThrow("cannot register a hook on a tensor that doesn't require gradient");
  });
  it('gradFn.nextFunctions: (node, output number) per input, AccumulateGrad for leaves (one per leaf), null where none', () => {
    const x = f64([1, 1, 1]);
    const w = f64([1, 1, 1]);
    const y = x.mul(w).sum().mul(2);
    const [[sumNode, nr], [none]] = y.gradFn?.nextFunctions ?? [];
    expect([String(sumNode), nr, none]).toEqual(['<SumBackward0>', 0, null]);
    const [[mul]] = (sumNode as NonNullable<typeof sumNode>).nextFunctions;
    const [[ax], [aw]] = (mul as NonNullable<typeof mul>).nextFunctions;
    expect([String(ax), String(aw)]).toEqual(['<AccumulateGrad>', '<AccumulateGrad>']);
    expect((ax as { variable: Tensor }).variable).toBe(x);
    expect(x.mul(3).gradFn?.nextFunctions[0][0]).toBe(ax);
    // A node with several outputs: which output each input came from (PyTorch: (UnbindBackward0, 1), (UnbindBackward0, 2)).
    const parts = torch.ones([4], { requiresGrad: true }).unbind(0);
    const prod = parts[1].mul(parts[2]);
    expect(prod.gradFn?.nextFunctions.map(([n, k]) => [String(n), k])).toEqual([
      ['<UnbindBackward0>', 1],
      ['<UnbindBackward0>', 2],
    ]);
  });
  it('gradFn.name() is a method, as in PyTorch', () => {
    // x = torch.ones(2, requires_grad=True); y = (x * 2).sum()
    // y.grad_fn.name() -> 'SumBackward0'; next: 'MulBackward0', then 'torch::autograd::AccumulateGrad'
    const x = f64([1, 1]);
    const y = x.mul(2).sum();
    const sumNode = y.gradFn;
    expect(typeof sumNode?.name).toBe('function');
    expect(sumNode?.name()).toBe('SumBackward0');
    const [[mul]] = sumNode?.nextFunctions ?? [[null]];
    expect(mul?.name()).toBe('MulBackward0');
    const [[acc]] = mul?.nextFunctions ?? [[null]];
    expect([acc?.name(), String(acc)]).toEqual(['torch::autograd::AccumulateGrad', '<AccumulateGrad>']);
    expect(String(sumNode)).toBe('<SumBackward0>');
  });
  it("grad's errors are PyTorch's", () => {
    const x = f64([1, 2]);
    const u = f64([1]);
    expect(() => torch.autograd.grad(x.sum(), [x, u])).toThrow(
      'One of the differentiated Tensors appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior.',
    );
    expect(torch.autograd.grad(x.sum(), [x, u], { allowUnused: true })[1]).toBe(null);
    expect(() => torch.autograd.grad(x.mul(2), x)).toThrow('grad can be implicitly created only for scalar outputs');
    expect(() => torch.autograd.grad(x.sum(), f64([1], false))).toThrow('One of the differentiated Tensors does not require grad');
    expect(() => torch.autograd.grad(x.sum(), x, { only: true } as never)).toThrow("grad() got an unexpected keyword argument 'only'");
  });
  it('functional: the Hessian of sum(x^3) is diag(6x); hvp equals H v', () => {
    const x = f64([1, 2], false);
    const f = (t: Tensor) => t.pow(3).sum();
    expect((torch.autograd.functional.hessian(f, x) as Tensor).tolist()).toEqual([
      [6, 0],
      [0, 12],
    ]);
    const [, hv] = torch.autograd.functional.hvp(f, x, f64([1, 1], false));
    expect((hv as Tensor).tolist()).toEqual([6, 12]);
  });
});

describe('torch.autograd.Function (custom ops)', () => {
  class MyExp extends torch.autograd.Function {
    static override forward(ctx: InstanceType<typeof torch.autograd.FunctionCtx>, x: Tensor, k: number): Tensor {
      const y = x.exp().mul(k);
      ctx.saveForBackward(y);
      return y;
    }
    static override backward(ctx: InstanceType<typeof torch.autograd.FunctionCtx>, g: Tensor): (Tensor | null)[] {
      const [y] = ctx.savedTensors;
      return [g.mul(y), null];
    }
  }
  it("records one <NameBackward> node; first and second derivatives are PyTorch 1.13's", () => {
    const x = f64([0.5, -1.0, 2.0]);
    const y = MyExp.apply<Tensor>(x, 3.0);
    expect(String(y.gradFn)).toBe('<MyExpBackward>');
    const [g] = torch.autograd.grad(y.sum(), x, { createGraph: true });
    const want = [4.946163812100385, 1.103638323514327, 22.16716829679195];
    ((g as Tensor).tolist() as number[]).forEach((v, i) => {
      expect(v).toBeCloseTo(want[i], 12);
    });
    const [h] = torch.autograd.grad((g as Tensor).sum(), x);
    ((h as Tensor).tolist() as number[]).forEach((v, i) => {
      expect(v).toBeCloseTo(want[i], 12);
    });
  });
  it("needsInputGrad, markNonDifferentiable and PyTorch's message for a wrong number of gradients", () => {
    const seen: boolean[][] = [];
    class Two extends torch.autograd.Function {
      static override forward(ctx: InstanceType<typeof torch.autograd.FunctionCtx>, a: Tensor, b: Tensor): Tensor[] {
        seen.push(ctx.needsInputGrad);
        const idx = a.gt(0);
        ctx.markNonDifferentiable(idx);
        return [a.mul(b), idx];
      }
      static override backward(_ctx: InstanceType<typeof torch.autograd.FunctionCtx>, g: Tensor): Tensor[] {
        return [g.mul(2), g.mul(3)];
      }
    }
    const a = f64([1, -2]);
    const [p, mask] = Two.apply<Tensor[]>(a, f64([5, 5], false));
    expect(seen).toEqual([[true, false]]);
    expect(mask.requiresGrad).toBe(false);
    p.sum().backward();
    expect(a.grad?.tolist()).toEqual([2, 2]);
    class Bad extends torch.autograd.Function {
      static override forward(_ctx: InstanceType<typeof torch.autograd.FunctionCtx>, x: Tensor, k: number): Tensor {
        return x.mul(k);
      }
      static override backward(_ctx: InstanceType<typeof torch.autograd.FunctionCtx>, g: Tensor): Tensor {
        return g;
      }
    }
    expect(() => Bad.apply<Tensor>(a, 2.0).sum().backward()).toThrow(
      'function BadBackward returned an incorrect number of gradients (expected 2, got 1)',
    );
  });
  // Expected values and messages: PyTorch 1.13 on the same programs (a custom Function whose forward
  // does x.mul_(2), ctx.mark_dirty(x), returns x; backward g * 2).
  it("markDirty: the input itself comes back with the Function's node, PyTorch's version bump and errors", () => {
    type Ctx = InstanceType<typeof torch.autograd.FunctionCtx>;
    class Double_ extends torch.autograd.Function {
      static override forward(ctx: Ctx, x: Tensor): Tensor {
        x.mul_(2);
        ctx.markDirty(x);
        return x;
      }
      static override backward(_ctx: Ctx, g: Tensor): Tensor {
        return g.mul(2);
      }
    }
    const a = f64([1, 2, 3]);
    const x = a.mul(1);
    const y = Double_.apply<Tensor>(x);
    expect(y).toBe(x);
    expect(String(y.gradFn)).toBe('<Double_Backward>');
    expect(x._version).toBe(2);
    expect(x.tolist()).toEqual([2, 4, 6]);
    y.mul(f64([1, 2, 3], false))
      .sum()
      .backward();
    expect(a.grad?.tolist()).toEqual([2, 4, 6]);
    expect(() => Double_.apply(f64([1, 1]))).toThrow('a leaf Variable that requires grad has been used in an in-place operation.');
    class NotReturned extends torch.autograd.Function {
      static override forward(ctx: Ctx, x: Tensor): Tensor {
        x.mul_(2);
        ctx.markDirty(x);
        return x.mul(1);
      }
      static override backward(_ctx: Ctx, g: Tensor): Tensor {
        return g;
      }
    }
    expect(() => NotReturned.apply(a.mul(1))).toThrow(
      'Some elements marked as dirty during the forward method were not returned as output. The inputs that are modified inplace must all be outputs of the Function.',
    );
    // No input requires grad: nothing is recorded, the write stays, a new handle comes back.
    const t = torch.ones(2, { dtype: 'float64' });
    const u = Double_.apply<Tensor>(t);
    expect(u).not.toBe(t);
    expect(u.gradFn).toBe(null);
    expect(t.tolist()).toEqual([2, 2]);
    // The library keeps working after the errors.
    expect(Double_.apply<Tensor>(a.mul(1)).tolist()).toEqual([2, 4, 6]);
  });
});

// Expected messages and values: PyTorch 1.13's torch.autograd.functional with strict=True on the same
// functions and inputs (x = [0.5, -1, 2], y = [1.5, 0.25], float64).
describe('torch.autograd.functional with strict', () => {
  const F = torch.autograd.functional;
  const x = () => f64([0.5, -1.0, 2.0], false);
  const y = () => f64([1.5, 0.25], false);
  const ones = (n: number) => torch.ones(n, { dtype: 'float64' });
  const STRICT = ' This is not allowed in strict mode.';
  const LINEAR_JAC = (i: number) =>
    `While computing the hessian, found that the jacobian of the user-provided function with respect to input ${i} is independent of the input.${STRICT} You should ensure that your function is twice differentiable and that the jacobian depends on the inputs (this would be violated by a linear function for example).`;
  const cases: [string, () => unknown, string][] = [
    [
      'vjp',
      () => F.vjp((a, _b) => a.mul(2), [x(), y()], ones(3), { strict: true }),
      `The output of the user-provided function is independent of input 1.${STRICT}`,
    ],
    [
      'jacobian',
      () => F.jacobian((a, _b) => a.exp(), [x(), y()], { strict: true }),
      `Output 0 of the user-provided function is independent of input 1.${STRICT}`,
    ],
    [
      'jacobian of a constant',
      () => F.jacobian(() => ones(2), x(), { strict: true }),
      'Output 0 of the user-provided function does not require gradients. The outputs must be computed in a differentiable manner from the input when running in strict mode.',
    ],
    ['hessian of a linear function', () => F.hessian((a) => a.sum(), x(), { strict: true }), LINEAR_JAC(0)],
    [
      'jvp',
      () => F.jvp((a, _b) => a.mul(2), [x(), y()], [ones(3), ones(2)], { strict: true }),
      `The output of the user-provided function is independent of input 1.${STRICT}`,
    ],
    ['hvp of a linear function', () => F.hvp((a) => a.mul(2).sum(), x(), ones(3), { strict: true }), LINEAR_JAC(0)],
    [
      'vhp linear in y',
      () => F.vhp((a, b) => a.mul(a).sum().add(b.sum()), [x(), y()], [ones(3), ones(2)], { strict: true }),
      LINEAR_JAC(1),
    ],
    [
      'jacobian with vectorize',
      () => F.jacobian((a) => a.exp(), x(), { strict: true, vectorize: true }),
      'torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not supported together. Please either set `strict=False` or `vectorize=False`.',
    ],
    [
      'jacobian with createGraph of a linear function',
      () => F.jacobian((a) => a.mul(2), x(), { strict: true, createGraph: true }),
      'The jacobian of the user-provided function is independent of input 0. This is not allowed in strict mode when create_graph=True.',
    ],
    [
      'vjp with createGraph of a linear function',
      () => F.vjp((a) => a.mul(2), x(), ones(3), { strict: true, createGraph: true }),
      'The jacobian of the user-provided function is independent of input 0. This is not allowed in strict mode when create_graph=True.',
    ],
  ];
  for (const [what, run, message] of cases) {
    it(`${what}: PyTorch's error`, () => {
      expect(run).toThrow(message);
    });
  }
  it('gives the non-strict values when every output depends on every input', () => {
    const [jx, jy] = F.jacobian((a, b) => a.exp().sum().mul(b), [x(), y()], { strict: true }) as Tensor[];
    const wantX = [
      [2.4730819060501923, 0.5518191617571635, 11.083584148395975],
      [0.41218031767503205, 0.09196986029286058, 1.8472640247326626],
    ];
    for (const [i, row] of (jx.tolist() as number[][]).entries())
      for (const [j, v] of row.entries()) expect(v).toBeCloseTo(wantX[i][j], 12);
    for (const [i, row] of (jy.tolist() as number[][]).entries()) {
      for (const [j, v] of row.entries()) expect(v).toBeCloseTo(i === j ? 9.40565681080222 : 0, 12);
    }
    // The same independent input without strict: zeros, no error.
    const [, dy] = F.vjp((a, _b) => a.mul(2), [x(), y()], ones(3)) as [Tensor, Tensor[]];
    expect(dy[1].tolist()).toEqual([0, 0]);
  });
});
