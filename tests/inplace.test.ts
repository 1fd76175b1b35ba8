// In-place ops, views and the grad_fn names PyTorch 1.13 records; every expected value, name and
// message below was printed by PyTorch 1.13 for the same program.
import { describe, expect, it } from 'vitest';
import { torch, type Tensor } from '../ts/index.js';
import { expectClose } from './helpers.js';

const name = (t: Tensor): string | null => t.gradFn?.name() ?? null;

/** The library computes correctly (and grad mode is on) after an error. */
function stillWorks(): void {
  const x = torch.ones(3, { requiresGrad: true });
  x.add(2).mul(x.add(2)).mul(3).mean().backward();
  expect(x.grad!.tolist()).toEqual([6, 6, 6]);
  expect(torch.isGradEnabled()).toBe(true);
}

/** A leaf made as PyTorch programs often make one: a reshape (a view) of a fresh tensor. */
function viewLeaf(data: number[], shape: number[]): Tensor {
  return torch.tensor(data).reshape(shape).requiresGrad_(true);
}

describe('number-first arithmetic is Python operator arithmetic', () => {
  it('2 - x is rsub, 2 / x is x.reciprocal() * 2, 2 ** x a tensor-tensor pow', () => {
    const x = torch.tensor([0.5, 1, 2], { requiresGrad: true });
    const r = torch.sub(2, x);
    expect(name(r)).toBe('RsubBackward1');
    r.sum().backward();
    expect(x.grad!.tolist()).toEqual([-1, -1, -1]);
    x.grad = null;
    const d = torch.div(2, x);
    expect(name(d)).toBe('MulBackward0');
    expect(d.gradFn!.next[0]?.toString()).toBe('<ReciprocalBackward0>');
    expect(d.tolist()).toEqual([4, 2, 1]);
    d.sum().backward();
    expect(x.grad!.tolist()).toEqual([-8, -2, -0.5]);
    x.grad = null;
    const p = torch.pow(2, x);
    expect(name(p)).toBe('PowBackward1');
    p.sum().backward();
    expectClose(p, [1.4142135381698608, 2, 4]);
    expectClose(x.grad, [0.9802581071853638, 1.3862943649291992, 2.7725887298583984]);
  });
});

describe('in-place ops record what PyTorch records', () => {
  it('fill_, zero_ and copy_ name their nodes FillBackward2, ZeroBackward0, CopyBackwards', () => {
    const q = torch.ones(3, { requiresGrad: true });
    expect(name(q.mul(2).fill_(2))).toBe('FillBackward2');
    expect(name(q.mul(2).zero_())).toBe('ZeroBackward0');
    const w = torch.tensor([1, 2, 3], { requiresGrad: true });
    const u = q.mul(2).unsqueeze(0).expand([2, 3]).contiguous();
    u.copy_(w);
    expect(name(u)).toBe('CopyBackwards');
    u.mul(torch.tensor([[1], [2]]))
      .sum()
      .backward();
    expect(q.grad!.tolist()).toEqual([0, 0, 0]);
    expect(w.grad!.tolist()).toEqual([3, 3, 3]); // summed over the broadcast copy
    // copy_ into a tensor that did not require grad makes it require grad.
    const a = torch.ones(3);
    a.copy_(w);
    expect(a.requiresGrad).toBe(true);
    expect(name(a)).toBe('CopyBackwards');
  });

  it('an in-place op on a view gives the base CopySlices and every view AsStridedBackward0', () => {
    const x = torch.tensor([1, 2, 3], { requiresGrad: true });
    const b = x.mul(1);
    const w0 = b.narrow(0, 0, 2);
    const v = b.narrow(0, 1, 2);
    expect(name(v)).toBe('SliceBackward0');
    v.mul_(2);
    expect(name(v)).toBe('AsStridedBackward0');
    expect(name(b)).toBe('CopySlices');
    expect(name(w0)).toBe('AsStridedBackward0'); // another view of the same base, remade lazily
    expect(String(w0)).toBe('tensor([1., 4.], grad_fn=<AsStridedBackward0>)');
    expect(b.tolist()).toEqual([1, 4, 6]);
    b.mul(torch.tensor([1, 10, 100]))
      .sum()
      .backward();
    expect(x.grad!.tolist()).toEqual([1, 20, 200]);
    // Through the view itself.
    const x2 = torch.tensor([1, 2, 3], { requiresGrad: true });
    const v2 = x2.mul(1).narrow(0, 1, 2);
    v2.mul_(2);
    v2.mul(v2).sum().backward();
    expect(x2.grad!.tolist()).toEqual([0, 16, 24]);
  });

  it('an in-place op on a base gives its views AsStridedBackward0 at their next use', () => {
    const x = torch.tensor([1, 2, 3], { requiresGrad: true });
    const b = x.mul(1);
    const v = b.select(0, 1);
    b.mul_(2);
    expect(name(b)).toBe('MulBackward0');
    expect(name(v)).toBe('AsStridedBackward0');
    v.mul(3).backward();
    expect(x.grad!.tolist()).toEqual([0, 6, 0]);
  });

  it('a second backward through CopySlices without retainGraph raises', () => {
    const x = torch.tensor([1, 2, 3], { requiresGrad: true });
    const b = x.mul(1);
    b.narrow(0, 0, 2).sub_(1);
    const y = b.mean();
    y.backward();
    expect(() => y.backward()).toThrow(/^Trying to backward through the graph a second time/);
    stillWorks();
  });

  it('mul_/div_ by a tensor that requires grad keep the old value: no version error later', () => {
    // PyTorch saves a copy of self for other's gradient; writing self must not invalidate it.
    const w = torch.tensor(0.5, { requiresGrad: true });
    const x = torch.tensor(-1.2, { requiresGrad: true });
    const v = torch.noGrad(() => x.neg());
    v.mul_(w);
    expect(name(v)).toBe('MulBackward0');
    const s = v.sigmoid();
    s.backward();
    expectClose(w.grad, [0.27454110980033875]);
    expectClose(s, [0.6456562876701355]);
  });
});

describe('in-place errors, raised before anything is written', () => {
  it('refuses leaves and views of leaves that require grad', () => {
    const x = torch.ones(3, { requiresGrad: true });
    expect(() => x.add_(1)).toThrow('a leaf Variable that requires grad is being used in an in-place operation.');
    expect(() => x.narrow(0, 0, 2).fill_(0)).toThrow(
      'a view of a leaf Variable that requires grad is being used in an in-place operation.',
    );
    // A leaf that is itself a view (of a tensor that does not require grad) is "a view of a leaf".
    const y = viewLeaf([1, 2, 3], [3]);
    expect(() => y.mul_(2)).toThrow('a view of a leaf Variable that requires grad is being used in an in-place operation.');
    expect(() => y.zero_()).toThrow('a view of a leaf Variable');
    expect(() => y.copy_(torch.ones(3))).toThrow('a view of a leaf Variable');
    expect(x.tolist()).toEqual([1, 1, 1]);
    expect(y.tolist()).toEqual([1, 2, 3]);
    // Under no_grad the same writes are allowed.
    torch.noGrad(() => y.mul_(2));
    expect(y.tolist()).toEqual([2, 4, 6]);
    stillWorks();
  });

  it("checks the output can hold the broadcast shape (PyTorch's message)", () => {
    const a = torch.ones([]);
    expect(() => a.add_(torch.ones(2))).toThrow("output with shape [] doesn't match the broadcast shape [2]");
    expect(() => torch.ones([1]).div_(torch.ones(2, 3, 2))).toThrow("output with shape [1] doesn't match the broadcast shape [2, 3, 2]");
    expect(() => torch.ones(3).copy_(torch.ones(2, 3))).toThrow("output with shape [3] doesn't match the broadcast shape [2, 3]");
    expect(() => torch.ones(3).copy_(torch.ones(2))).toThrow(
      'The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0',
    );
    // A tensor that requires grad: the same error, and no history is left behind.
    const x = torch.ones(2, { requiresGrad: true });
    const b = x.select(0, 0).mul(1);
    expect(() => b.add_(torch.ones(2))).toThrow("output with shape [] doesn't match the broadcast shape [2]");
    expect(name(b)).toBe('MulBackward0');
    expect(a.item()).toBe(1);
    stillWorks();
  });

  it('refuses to write an expanded tensor, except fill_/zero_', () => {
    const msg =
      'unsupported operation: more than one element of the written-to tensor refers to a single memory location. ' +
      'Please clone() the tensor before performing the operation.';
    for (const f of [(t: Tensor) => t.add_(1), (t: Tensor) => t.mul_(2), (t: Tensor) => t.copy_(torch.ones(3))]) {
      const base = torch.ones(1);
      expect(() => f(base.expand([3]))).toThrow(msg);
      expect(base.tolist()).toEqual([1]);
    }
    const e = torch.ones(1).expand([3]);
    e.fill_(4);
    expect(e.tolist()).toEqual([4, 4, 4]);
    torch.ones(1).expand([1]).add_(1); // one element: no overlap
    // A tracked fill_ into an expanded view works; its backward then raises, as PyTorch's does.
    const x = torch.tensor([1, 2, 3], { requiresGrad: true });
    const b = x.mul(1);
    const v = b.narrow(0, 0, 1).expand([3]);
    v.fill_(2);
    expect(name(v)).toBe('AsStridedBackward0');
    expect(() => b.sum().backward()).toThrow(msg);
    stillWorks();
  });
});

describe('views made in no-grad mode', () => {
  it('require grad through their base but have no grad_fn, and gradients do not flow through them', () => {
    const x = torch.tensor([1, 2, 3], { requiresGrad: true });
    const v = torch.noGrad(() => x.view([3]));
    expect(v.requiresGrad).toBe(true);
    expect(v.gradFn).toBe(null);
    expect(v.isLeaf).toBe(true);
    expect(String(v)).toBe('tensor([1., 2., 3.], requires_grad=True)');
    const y = v.mul(2);
    expect(y.requiresGrad).toBe(true);
    expect(name(y)).toBe('MulBackward0');
    y.sum().backward();
    expect(x.grad).toBe(null);
  });

  it('may not be modified in place with grad mode on, nor used after their base was', () => {
    const x = torch.tensor([1, 2, 3], { requiresGrad: true });
    const v = torch.noGrad(() => x.narrow(0, 0, 2));
    expect(() => v.mul_(2)).toThrow(
      'A view was created in no_grad mode and is being modified inplace with grad mode enabled. Given that this use case is ambiguous and error-prone, it is forbidden.',
    );
    const b = x.mul(1);
    const w = torch.noGrad(() => b.narrow(0, 0, 2));
    torch.noGrad(() => b.mul_(2));
    expect(w.requiresGrad).toBe(true);
    expect(() => w.gradFn).toThrow(
      'A view was created in no_grad mode and its base or another view of its base has been modified inplace with grad mode enabled.',
    );
    expect(() => w.mul(2)).toThrow('A view was created in no_grad mode and its base');
    // Both in no-grad mode is fine.
    torch.noGrad(() => {
      const u = b.narrow(0, 0, 1);
      u.mul_(2);
    });
    stillWorks();
  });

  it('a view written in no-grad mode is remade from its base; a base that does not require grad passes nothing', () => {
    // PyTorch: the input is a reshape (a view) of a tensor that does not require grad; a view of
    // it written under no_grad gets AsStridedBackward0 from that base, so x gets no gradient.
    const x = viewLeaf(
      Array.from({ length: 16 }, (_, i) => i / 10),
      [1, 4, 4],
    );
    const v = x.reshape([2, 8, 1]);
    expect(name(v)).toBe('ReshapeAliasBackward0');
    torch.noGrad(() => v.div_(2));
    expect(name(v)).toBe('AsStridedBackward0');
    expect(v.requiresGrad).toBe(true);
    v.cos().sum().backward();
    expect(x.grad).toBe(null);
  });
});

describe('version counter errors where PyTorch raises them (and only there)', () => {
  it('PowBackward1 keeps its result, MeanBackward1 its input', () => {
    const a = torch.tensor([0.5, 0.25, 2], { dtype: 'float64', requiresGrad: true });
    const y = torch.pow(a.mul(1), torch.tensor([1, 2, 3], { dtype: 'float64' }));
    y.select(0, 0).div_(2);
    expect(() => y.sum().backward()).toThrow(
      /^one of the variables needed for gradient computation has been modified by an inplace operation: \[torch.DoubleTensor \[3\]\], which is output 0 of PowBackward1, is at version 1; expected version 0 instead/,
    );
    const b = a.mul(1);
    const m = b.reshape([3, 1]).mean(0);
    b.add_(1);
    expect(() => m.sum().backward()).toThrow(/modified by an inplace operation/);
    stillWorks();
  });

  it("mm keeps each factor only for the other's gradient", () => {
    const w = torch.ones(3, 2, { requiresGrad: true });
    const a = w.mul(1);
    const y = torch.mm(a, torch.ones(2, 2));
    a.add_(1); // a itself is not saved: its gradient needs only the other factor
    y.sum().backward();
    expect(w.grad!.tolist()).toEqual([
      [2, 2],
      [2, 2],
      [2, 2],
    ]);
    const b = torch.ones(2, 2);
    const y2 = torch.mm(w.mul(1), b);
    b.add_(1);
    expect(() => y2.sum().backward()).toThrow(/modified by an inplace operation/);
  });
});

describe('output layout follows the inputs, as in PyTorch', () => {
  it('elementwise results of transposed inputs are transposed; contiguous() then clones', () => {
    const x = torch.ones(2, 3, { requiresGrad: true });
    const s = x.t().sin();
    expect(s.isContiguous()).toBe(false);
    expect(s.stride()).toEqual([1, 3]);
    expect(name(s.contiguous())).toBe('CloneBackward0');
    expect(() => s.view([6])).toThrow(/view size is not compatible/);
    const c = x.t().clone();
    expect(c.isContiguous()).toBe(false);
    expect(s.add(x.t()).isContiguous()).toBe(false);
    expect(x.add(1).contiguous()).not.toBe(null);
    expect(name(x.mul(2).contiguous())).toBe('MulBackward0');
  });

  it('matmul of a matrix by a batch folds through the transpose', () => {
    const a = torch.ones(2, 3, { requiresGrad: true });
    expect(name(torch.matmul(a, torch.ones(4, 3, 2)))).toBe('CloneBackward0');
    expect(name(torch.matmul(a, torch.ones(4, 3, 1)))).toBe('TransposeBackward0');
    expect(name(torch.matmul(torch.ones(3, { requiresGrad: true }), torch.ones(4, 3, 2)))).toBe('UnsafeViewBackward0');
    const y = torch.matmul(
      a,
      torch.tensor([
        [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
      ]),
    );
    expect(y.tolist()).toEqual([
      [
        [9, 12],
        [9, 12],
      ],
    ]);
  });
});

describe('create_graph across dtypes', () => {
  it("the engine's cast of a gradient to its input's dtype is part of the new graph", () => {
    const x = torch.tensor([1, 2], { requiresGrad: true });
    const y = torch.add(x.mul(x), torch.tensor([3, 4], { dtype: 'float64' }));
    expect(y.dtype).toBe('float64');
    y.sum().backward(undefined, { createGraph: true });
    const g = x.grad!;
    expect(g.dtype).toBe('float32');
    expect(g.requiresGrad).toBe(true);
    expect(g.tolist()).toEqual([2, 4]);
    x.grad = null;
    g.mul(g).sum().backward();
    expect(x.grad!.tolist()).toEqual([8, 16]);
  });
});

describe('double backward through CopySlices and AsStridedBackward0', () => {
  it('matches PyTorch 1.13', () => {
    const x = torch.tensor([0.5, 1.5, -2], { dtype: 'float64', requiresGrad: true });
    const y = torch.tensor([2, -1], { dtype: 'float64', requiresGrad: true });
    const b = x.mul(x);
    const v = b.narrow(0, 1, 2);
    v.mul_(y);
    b.mul(b).sum().add(v.sum()).backward(undefined, { createGraph: true });
    const gx = x.grad!;
    const gy = y.grad!;
    expectClose(gx, [0.5, 60, -28], 1e-12);
    expectClose(gy, [22.5, -28], 1e-12);
    expect(gx.requiresGrad).toBe(true);
    x.grad = null;
    y.grad = null;
    gx.mul(gx).sum().add(gy.mul(gy).sum()).backward();
    expectClose(x.grad, [3, 16005, -5936], 1e-12);
    expectClose(y.grad, [7295.625, -5152], 1e-12);
  });
});

describe('linear adds its bias in place, as PyTorch 1.13', () => {
  it('keeps the product dtype and records AddBackward0', () => {
    const x = torch.tensor([1, 2], { requiresGrad: true });
    const W = torch.tensor([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const b = torch.tensor([0.5, 0.25, 0.125], { dtype: 'float64', requiresGrad: true });
    const y = torch.nn.functional.linear(x, W, b);
    expect(y.dtype).toBe('float32');
    expect(name(y)).toBe('AddBackward0');
    expect(y.tolist()).toEqual([5.5, 11.25, 17.125]);
    y.sum().backward();
    expect(x.grad!.tolist()).toEqual([9, 12]);
    expect(b.grad!.dtype).toBe('float64');
    expect(b.grad!.tolist()).toEqual([1, 1, 1]);
    const y3 = torch.nn.functional.linear(torch.ones(2, 3, 2).permute([1, 0, 2]), W, b);
    expect(y3.dtype).toBe('float32');
    expect(name(y3)).toBe('AddBackward0');
    expect(Array.from(y3.shape)).toEqual([3, 2, 3]);
  });
});

describe('leaves accumulate once per backward, after all their gradient arrived', () => {
  it('a backward that fails midway leaves a leaf with several paths untouched (PyTorch 1.13)', () => {
    const x = torch.tensor([1, 2, 3], { requiresGrad: true });
    const out = x.square().add(x).sum();
    out.backward();
    expect(() => out.backward()).toThrow(/^Trying to backward through the graph a second time/);
    expect(x.grad!.tolist()).toEqual([3, 5, 7]);
    stillWorks();
  });
});

describe("logsumexp over dim=[] fails in PyTorch 1.13's in-place add of the max", () => {
  it('raises without keepdim on a tensor with dims, works otherwise', () => {
    expect(() => torch.ones(2, 1, 1, 4).logsumexp({ dim: [] })).toThrow(
      "output with shape [] doesn't match the broadcast shape [1, 1, 1, 1]",
    );
    expect(() => torch.ones(3).logsumexp([])).toThrow("output with shape [] doesn't match the broadcast shape [1]");
    expect(Array.from(torch.ones(2, 1, 1, 4).logsumexp({ dim: [], keepdim: true }).shape)).toEqual([1, 1, 1, 1]);
    expect(Array.from(torch.ones([]).logsumexp([]).shape)).toEqual([]);
    stillWorks();
  });
});

describe('an empty view written in place (PyTorch 1.13)', () => {
  // PyTorch: as_strided_backward of an empty view gives plain zeros, so under create_graph the
  // base's gradient does not require grad when nothing else reaches it; a non-empty view's does.
  for (const [len, zero, rg, grad] of [
    [0, true, false, [0, 0]],
    [0, false, false, [0, 0]],
    [1, true, true, [0, 0]],
  ] as const) {
    it(`narrow(-1, 0, ${len})${zero ? '.zero_()' : ''}.add_(-1.5), createGraph`, () => {
      const v1 = torch.tensor([-3.1, -2.9], { requiresGrad: true });
      const w = torch.tensor(2.0, { requiresGrad: true });
      const v3 = v1.unsqueeze(-2).sum(1);
      const v4 = v3.narrow(-1, 0, len);
      if (zero) v4.zero_();
      v4.add_(-1.5);
      v4.sigmoid().mul(w).sum().backward(undefined, { createGraph: true });
      expect(v1.grad?.tolist()).toEqual(grad);
      expect(v1.grad?.requiresGrad).toBe(rg);
    });
  }
});
