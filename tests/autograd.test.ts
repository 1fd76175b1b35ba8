import { describe, expect, it } from 'vitest';
import { torch, type Tensor } from '../ts/index.js';
import { expectClose, values } from './helpers.js';

describe('autograd engine', () => {
  it('computes the seed chain rule gradient and names nodes like PyTorch', () => {
    const x = torch.ones(3, { requiresGrad: true });
    const y = x.add(2);
    expect(String(y.gradFn)).toBe('<AddBackward0>');
    const z = y.mul(y).mul(3).mean();
    expect(String(z.gradFn)).toBe('<MeanBackward0>');
    z.backward();
    expect(String(x.grad)).toBe('tensor([6., 6., 6.])');
    expect(x.isLeaf).toBe(true);
    expect(y.isLeaf).toBe(false);
  });

  it("gives mm's transposed (column-major) factors their gradient in their own layout, as PyTorch's mm_mat1/mat2_backward", () => {
    // Strides of the gradients the leaves' hooks see, printed by PyTorch 1.13 for the same programs:
    // F.linear's weight (5x4) (4, 1); mm(a.t(), c) a (4x3) (3, 1), c (2, 1); mm(a2, c2.t()) a2 (4, 1), c2 (4, 1).
    const strides = new Map<string, number[]>();
    const grads = new Map<string, Tensor>();
    const watch = (name: string, t: Tensor): Tensor => {
      t.registerHook((g) => {
        strides.set(name, g.stride());
        grads.set(name, torch.keep(g.clone()));
      });
      return t;
    };
    const x = torch.randn([3, 4]);
    const W = watch('W', torch.randn([5, 4], { requiresGrad: true }));
    torch.nn.functional
      .linear(x, W, torch.randn([5], { requiresGrad: true }))
      .sum()
      .backward();
    const a = watch('a', torch.randn([4, 3], { requiresGrad: true }));
    const c = watch('c', torch.randn([4, 2], { requiresGrad: true }));
    torch.mm(a.t(), c).sum().backward();
    const a2 = watch('a2', torch.randn([3, 4], { requiresGrad: true }));
    const c2 = watch('c2', torch.randn([2, 4], { requiresGrad: true }));
    torch.mm(a2, c2.t()).sum().backward();
    expect(Object.fromEntries(strides)).toEqual({ W: [4, 1], a: [3, 1], c: [2, 1], a2: [4, 1], c2: [4, 1] });
    // The same bits as the other orientation of the product (each element sums the same products in
    // increasing k; a product does not depend on its operands' order).
    const ones = (r: number, k: number) => torch.ones([r, k]);
    const same = (name: string, other: Tensor) => expect(values(grads.get(name) as Tensor)).toEqual(values(other));
    same('W', x.t().mm(ones(3, 5)).t());
    same('a', ones(3, 2).mm(c.t()).t());
    same('c2', a2.t().mm(ones(3, 2)).t());
    for (const g of grads.values()) g.dispose();
  });

  it('backward(gradient) computes a vector-Jacobian product', () => {
    const x = torch.tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x);
    y.backward(torch.tensor([1, 0.5, 0.1]));
    expectClose(x.grad, [2, 2, 0.6]);
  });

  it('accumulates into .grad over repeated backward calls and zero_() resets', () => {
    const w = torch.ones(4, { requiresGrad: true });
    for (const expected of [3, 6, 9]) {
      w.mul(3).sum().backward();
      expectClose(w.grad, [expected, expected, expected, expected]);
    }
    w.grad!.zero_();
    expectClose(w.grad, [0, 0, 0, 0]);
  });

  it('a value used twice receives the sum of both gradients', () => {
    const x = torch.tensor([2.0], { requiresGrad: true });
    const y = x.mul(x).add(x.exp());
    y.sum().backward();
    expectClose(x.grad, [4 + Math.exp(2)], 1e-6);
  });

  it('leaves .grad null for inputs that do not reach the output', () => {
    const a = torch.tensor([1, 2], { requiresGrad: true });
    const b = torch.tensor([3, 4], { requiresGrad: true });
    a.mul(2).sum().backward();
    expect(b.grad).toBeNull();
    expect(a.grad).not.toBeNull();
  });

  it('raises PyTorch errors for implicit grad of a non-scalar output', () => {
    const x = torch.ones(3, { requiresGrad: true });
    expect(() => x.mul(2).backward()).toThrow('grad can be implicitly created only for scalar outputs');
  });

  it('raises PyTorch errors for backward on a tensor that does not require grad', () => {
    expect(() => torch.ones(1).backward()).toThrow('element 0 of tensors does not require grad and does not have a grad_fn');
  });

  it('frees saved tensors after backward; a second backward raises unless retainGraph', () => {
    const x = torch.tensor([1, 2, 3], { requiresGrad: true });
    const y = x.exp().sum();
    y.backward();
    expect(() => y.backward()).toThrow('Trying to backward through the graph a second time');
    const z = x.exp().sum();
    x.grad = null;
    z.backward(undefined, { retainGraph: true });
    z.backward();
    expectClose(x.grad, values(x.exp().mul(2)));
  });

  it('refuses an in-place op on a leaf that requires grad, but allows it under noGrad', () => {
    const w = torch.ones(2, { requiresGrad: true });
    expect(() => w.add_(1)).toThrow('a leaf Variable that requires grad is being used in an in-place operation.');
    torch.noGrad(() => w.add_(1));
    expectClose(w, [2, 2]);
  });

  it('detects a saved tensor modified in place (version counter)', () => {
    const x = torch.tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(2);
    const z = y.sin();
    y.add_(1);
    expect(() => z.sum().backward()).toThrow(
      /one of the variables needed for gradient computation has been modified by an inplace operation: \[torch.FloatTensor \[3\]\], which is output 0 of AddBackward0, is at version 1; expected version 0 instead/,
    );
    const leafW = torch.tensor([1, 2, 3], { requiresGrad: true });
    const s = leafW.sin();
    torch.noGrad(() => leafW.add_(1));
    expect(() => s.sum().backward()).toThrow(/\[torch.FloatTensor \[3\]\] is at version 1; expected version 0 instead/);
    // The library keeps working after the error.
    const w = torch.tensor([1, 2], { requiresGrad: true });
    w.mul(w).sum().backward();
    expectClose(w.grad, [2, 4]);
  });

  it('in-place ops on non-leaves record history', () => {
    const x = torch.tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(1);
    y.mul_(3);
    expect(String(y.gradFn)).toBe('<MulBackward0>');
    y.sum().backward();
    expectClose(x.grad, [3, 3, 3]);
  });

  it('retainGrad keeps the gradient of a non-leaf', () => {
    const x = torch.tensor([1, 2], { requiresGrad: true });
    const y = x.mul(3);
    y.retainGrad();
    y.mul(y).sum().backward();
    expectClose(y.grad, [6, 12]);
    expectClose(x.grad, [18, 36]);
  });

  it('noGrad, setGradEnabled and detach stop tracking', () => {
    const a = torch.randn(2, 2, { requiresGrad: true });
    expect(torch.noGrad(() => a.pow(2).requiresGrad)).toBe(false);
    torch.setGradEnabled(false);
    try {
      expect(a.mul(2).gradFn).toBeNull();
    } finally {
      torch.setGradEnabled(true);
    }
    expect(a.mul(2).requiresGrad).toBe(true);
    const d = a.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.gradFn).toBeNull();
    a.requiresGrad_(false);
    expect(a.requiresGrad).toBe(false);
  });

  it('createGraph gives gradients of gradients', () => {
    const x = torch.tensor([1.5, -0.5], { dtype: 'float64', requiresGrad: true });
    const y = x.pow(3).sum();
    y.backward(undefined, { createGraph: true });
    const g = x.grad as Tensor;
    expectClose(g, [3 * 1.5 ** 2, 3 * 0.25], 1e-12);
    expect(g.requiresGrad).toBe(true);
    x.grad = null;
    g.sum().backward();
    expectClose(x.grad, [6 * 1.5, 6 * -0.5], 1e-12);
  });

  it('sums broadcast gradients down to each input shape', () => {
    const a = torch.ones([3, 1], { requiresGrad: true });
    const b = torch.ones([4], { requiresGrad: true });
    a.add(b).sum().backward();
    expect(a.grad!.shape).toEqual([3, 1]);
    expect(b.grad!.shape).toEqual([4]);
    expectClose(a.grad, [4, 4, 4]);
    expectClose(b.grad, [3, 3, 3, 3]);
  });

  // Expected values from PyTorch 1.13 (the same programs run there).
  it('an in-place op on a view rewrites its base`s history (CopySlices)', () => {
    const a = torch.ones(4, { requiresGrad: true });
    const x = a.mul(1);
    x.narrow(0, 0, 2).mul_(3);
    expect(String(x)).toBe('tensor([3., 3., 1., 1.], grad_fn=<CopySlices>)');
    x.sum().backward();
    expect(a.grad!.tolist()).toEqual([3, 3, 1, 1]);

    const b = torch.ones(4, { requiresGrad: true });
    const y = b.mul(2);
    y.narrow(0, 1, 2).zero_();
    y.mul(y).sum().backward();
    expect(b.grad!.tolist()).toEqual([8, 0, 0, 8]);

    const c = torch.ones(3, { requiresGrad: true });
    const z = c.mul(1);
    const src = torch.tensor([5, 6], { requiresGrad: true });
    z.narrow(0, 0, 2).copy_(src.mul(2));
    z.sum().backward();
    expect(c.grad!.tolist()).toEqual([0, 0, 1]);
    expect(src.grad!.tolist()).toEqual([2, 2]);
  });

  it('refuses an in-place op on a view of a leaf that requires grad', () => {
    const w = torch.ones(3, { requiresGrad: true });
    expect(() => w.narrow(0, 0, 1).add_(1)).toThrow('a view of a leaf Variable that requires grad is being used in an in-place operation.');
  });

  it('fill_ on a tracked tensor stops its gradient, and a saved output it overwrote is caught', () => {
    const q = torch.ones(3, { requiresGrad: true });
    const u = q.mul(2);
    u.fill_(2);
    expect(String(u.gradFn)).toBe('<FillBackward2>');
    u.sum().backward();
    expect(q.grad!.tolist()).toEqual([0, 0, 0]);
    const p = torch.ones(3, { requiresGrad: true });
    const e = p.exp();
    e.fill_(2);
    expect(() => e.sum().backward()).toThrow(/which is output 0 of ExpBackward0, is at version 1; expected version 0/);
  });

  it('names nodes as PyTorch 1.13 does where an op dispatches internally (values from PyTorch)', () => {
    const y = torch.ones([2, 3], { requiresGrad: true });
    const x = torch.ones(3, { requiresGrad: true });
    expect(String(torch.matmul(x, torch.ones(3, 4)).gradFn)).toBe('<SqueezeBackward3>');
    expect(String(torch.nn.functional.linear(x, torch.ones(4, 3)).gradFn)).toBe('<SqueezeBackward3>');
    expect(
      String(torch.nn.functional.linear(torch.ones([2, 2, 2, 3], { requiresGrad: true }), torch.ones(4, 3), torch.ones(4)).gradFn),
    ).toBe('<AddBackward0>');
    // A number first is Python's operator form (JavaScript has no `2 ** y` on tensors): `2 ** y` is
    // PowBackward1, `2 - y` RsubBackward1, `2 / y` y.reciprocal() * 2.
    expect(String(torch.pow(2, y).gradFn)).toBe('<PowBackward1>');
    expect(String(torch.sub(2, y).gradFn)).toBe('<RsubBackward1>');
    expect(String(torch.div(2, y).gradFn)).toBe('<MulBackward0>');
    expect(String(torch.div(2, y).gradFn!.next[0])).toBe('<ReciprocalBackward0>');
    const s = y.sum([]);
    expect(String(s)).toBe('tensor(6., grad_fn=<SumBackward1>)');
    s.backward();
    expect(y.grad!.tolist()).toEqual([
      [1, 1, 1],
      [1, 1, 1],
    ]);
    expect(String(y.mean({ dim: [] }).gradFn)).toBe('<MeanBackward1>');
  });

  it('.data shares storage outside autograd, as in PyTorch', () => {
    const w = torch.tensor([1, 2], { requiresGrad: true });
    w.data.mul_(3);
    expect(w.tolist()).toEqual([3, 6]);
    expect(w.data.requiresGrad).toBe(false);
    expect(w.requiresGrad).toBe(true);
  });
});
