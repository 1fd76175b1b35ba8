import { describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { torch, type Tensor } from '../ts/index.js';
import { expectClose, values } from './helpers.js';

describe('tensor creation and metadata', () => {
  it('torch.tensor infers shape and dtype; numbers are float32, bigints int64, booleans bool', () => {
    const t = torch.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.dtype).toBe('float32');
    expect(t.shape).toEqual([2, 3]);
    expect(t.ndim).toBe(2);
    expect(t.numel()).toBe(6);
    expect(t.size(-1)).toBe(3);
    expect(String(t.size())).toBe('torch.Size([2, 3])');
    expect(torch.tensor([1n, 2n]).dtype).toBe('int64');
    expect(torch.tensor([true, false]).dtype).toBe('bool');
    expect(torch.tensor([1, 2], { dtype: 'int64' }).tolist()).toEqual([1, 2]);
    expect(() => torch.tensor([[1, 2], [3]])).toThrow(/expected sequence of length 2/);
  });

  it('fromArray copies a typed array (the seed`s from_numpy) and keeps its dtype', () => {
    const src = new Float64Array([1, 2, 3, 4, 5, 6]);
    const t = torch.fromArray(src, [2, 3]);
    src[0] = 100;
    expect(t.dtype).toBe('float64');
    expect(t.tolist()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(torch.fromArray(new Float32Array([1.5])).toArray()).toBeInstanceOf(Float32Array);
  });

  it('zeros, ones, full and the *Like variants', () => {
    expect(values(torch.zeros(2, 2))).toEqual([0, 0, 0, 0]);
    expect(values(torch.ones([3], { dtype: 'float64' }))).toEqual([1, 1, 1]);
    expect(values(torch.full([2], 7))).toEqual([7, 7]);
    const like = torch.onesLike(torch.zeros([2, 1], { dtype: 'float64' }));
    expect(like.dtype).toBe('float64');
    expect(like.shape).toEqual([2, 1]);
    expect(torch.zerosLike(like, { requiresGrad: true }).requiresGrad).toBe(true);
    expect(torch.fullLike(like, 3).tolist()).toEqual([[3], [3]]);
  });

  it('arange and linspace match PyTorch values and dtypes', () => {
    expect(torch.arange(5).dtype).toBe('int64');
    expect(torch.arange(5).tolist()).toEqual([0, 1, 2, 3, 4]);
    expect(torch.arange(0, 1, 0.3).tolist()).toEqual([0.0, 0.30000001192092896, 0.6000000238418579, 0.8999999761581421]);
    // PyTorch's own last bits depend on the host's vector width and FMA contraction: compare to 1e-15.
    expectClose(
      torch.linspace(-1, 1, 7),
      [-1.0, -0.6666666269302368, -0.3333333134651184, -2.9802322387695312e-8, 0.3333333134651184, 0.6666666269302368, 1.0],
      0,
      1e-15,
    );
    expectClose(
      torch.linspace(0, 1, 10, { dtype: 'float64' }),
      [
        0.0, 0.1111111111111111, 0.2222222222222222, 0.3333333333333333, 0.4444444444444444, 0.5555555555555556, 0.6666666666666666,
        0.7777777777777777, 0.8888888888888888, 1.0,
      ],
      0,
      1e-15,
    );
    expect(torch.linspace(2, 3, 1).tolist()).toEqual([2]);
    expect(torch.linspace(2, 3, 0).shape).toEqual([0]);
  });

  it('rand and randn are seeded by manualSeed and reproducible', () => {
    torch.manualSeed(42);
    const a = values(torch.randn(1000));
    const u = values(torch.rand(1000));
    torch.manualSeed(42);
    expect(values(torch.randn(1000))).toEqual(a);
    expect(values(torch.rand(1000))).toEqual(u);
    expect(u.every((v) => v >= 0 && v < 1)).toBe(true);
    const m = a.reduce((s, v) => s + v, 0) / a.length;
    const sd = Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length);
    expect(Math.abs(m)).toBeLessThan(0.1);
    expect(Math.abs(sd - 1)).toBeLessThan(0.1);
    expect(torch.randLike(torch.zeros(3, { dtype: 'float64' })).dtype).toBe('float64');
  });

  it('item, tolist and toArray read values back', () => {
    expect(torch.tensor(2.5).item()).toBe(2.5);
    expect(() => torch.ones(2).item()).toThrow('only one element tensors can be converted to Python scalars');
    expect(
      torch
        .tensor([
          [1, 2],
          [3, 4],
        ])
        .t()
        .tolist(),
    ).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(torch.tensor(3).tolist()).toBe(3);
  });

  it('prints like PyTorch through String and console.log (util.inspect)', () => {
    const x = torch.tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(2);
    expect(inspect(y)).toBe('tensor([2., 4., 6.], grad_fn=<MulBackward0>)');
    expect(inspect(y.shape)).toBe('torch.Size([3])');
    expect(inspect(y.gradFn)).toBe('<MulBackward0>');
    expect(String(x)).toBe('tensor([1., 2., 3.], requires_grad=True)');
  });
});

describe('ops', () => {
  it('mixes scalars and tensors everywhere', () => {
    const x = torch.tensor([1, 2]);
    expectClose(x.add(2), [3, 4]);
    expectClose(torch.mul(3, x), [3, 6]);
    expectClose(torch.sub(1, x), [0, -1]);
    expectClose(torch.div(1, x), [1, 0.5]);
    expectClose(torch.pow(2, x), [2, 4]);
  });

  it('follows PyTorch type promotion', () => {
    const f32 = torch.ones(2);
    const f64 = torch.ones(2, { dtype: 'float64' });
    expect(f32.add(f64).dtype).toBe('float64');
    expect(f32.add(torch.tensor(1, { dtype: 'float64' })).dtype).toBe('float32');
    const i = torch.tensor([1n, 2n]);
    expect(i.add(1).dtype).toBe('int64');
    expect(i.add(1.5).dtype).toBe('float32');
    expect(i.div(2).dtype).toBe('float32');
    expect(i.add(i).tolist()).toEqual([2, 4]);
  });

  it('in-place ops bump the version and keep views in sync', () => {
    const x = torch.zeros(2, 3);
    const v = x.narrow(1, 1, 2);
    expect(x._version).toBe(0);
    v.fill_(5);
    expect(x._version).toBe(1);
    expect(x.tolist()).toEqual([
      [0, 5, 5],
      [0, 5, 5],
    ]);
    x.add_(1).mul_(2).div_(4).sub_(0.5);
    expect(x.tolist()).toEqual([
      [0, 2.5, 2.5],
      [0, 2.5, 2.5],
    ]);
    x.copy_(torch.tensor([1, 2, 3]));
    expect(x.tolist()).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    x.zero_();
    expect(x.sum().item()).toBe(0);
  });

  it('views share storage; reshape copies only when it must', () => {
    const x = torch.arange(6, { dtype: 'float32' }).reshape(2, 3);
    const t = x.t();
    expect(t.isContiguous()).toBe(false);
    expect(() => t.view(6)).toThrow("view size is not compatible with input tensor's size and stride");
    expect(t.reshape(6).tolist()).toEqual([0, 3, 1, 4, 2, 5]);
    expect(x.view([3, 2]).tolist()).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    expect(x.unsqueeze(0).expand(2, 2, 3).sum().item()).toBe(30);
  });

  it('raises PyTorch errors for bad shapes and keeps working', () => {
    expect(() => torch.ones(2, 3).add(torch.ones(4))).toThrow(
      'The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1',
    );
    expect(() => torch.ones(2, 3).mm(torch.ones(2, 3))).toThrow('mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)');
    expect(() => torch.ones(2).sum(3)).toThrow('Dimension out of range (expected to be in range of [-1, 0], but got 3)');
    expect(torch.ones(2).add(1).tolist()).toEqual([2, 2]);
  });

  it('comparisons give bool tensors; where selects', () => {
    const x = torch.tensor([-1, 0, 2]);
    const m = x.gt(0);
    expect(m.dtype).toBe('bool');
    expect(String(m)).toBe('tensor([False, False,  True])');
    expect(torch.where(m, x, torch.zeros(3)).tolist()).toEqual([0, 0, 2]);
  });

  it('nn: MSELoss, Linear and SGD train the seed regression', () => {
    torch.manualSeed(0);
    const X = torch.tensor([[1], [2], [3], [4]]);
    const Y = torch.tensor([[2], [4], [6], [8]]);
    const model = new torch.nn.Linear(1, 1);
    const lossFn = new torch.nn.MSELoss();
    const opt = new torch.optim.SGD(model.parameters(), { lr: 0.01 });
    let last = Infinity;
    for (let i = 0; i < 500; i++) {
      const l = lossFn.forward(model.forward(X), Y);
      opt.zeroGrad();
      l.backward();
      opt.step();
      last = l.item();
    }
    expect(last).toBeLessThan(0.05);
    expect(model.parameters()).toHaveLength(2);
  });

  it('SGD.step matches the hand-written update bit for bit', () => {
    const a = torch.tensor([0.5, -1.25], { requiresGrad: true });
    const b = torch.tensor([0.5, -1.25], { requiresGrad: true });
    const opt = new torch.optim.SGD([a], { lr: 0.1 });
    a.mul(a).sum().backward();
    b.mul(b).sum().backward();
    opt.step();
    torch.noGrad(() => b.sub_(b.grad!.mul(0.1)));
    expect(a.tolist()).toEqual(b.tolist());
    opt.zeroGrad();
    expect(a.grad!.tolist()).toEqual([0, 0]);
    opt.zeroGrad({ setToNone: true });
    expect(a.grad).toBeNull();
  });

  it('Tensor instances expose PyTorch-named methods', () => {
    const t: Tensor = torch.randn(2, 3);
    expect(t.permute(1, 0).shape).toEqual([3, 2]);
    expect(t.flatten().shape).toEqual([6]);
    expect(t.squeeze().shape).toEqual([2, 3]);
  });
});

describe('0-d edge cases (found by differential testing against PyTorch)', () => {
  it('view and reshape of a 0-d tensor are views (ViewBackward0 / ReshapeAliasBackward0)', () => {
    const x = torch.tensor(2.0, { requiresGrad: true });
    const v = x.view([1]);
    expect(v.shape).toEqual([1]);
    expect(String(v.gradFn)).toBe('<ViewBackward0>');
    expect(String(x.view([1, 1]).gradFn)).toBe('<ViewBackward0>');
    expect(String(x.mul(2).reshape([1]).gradFn)).toBe('<ReshapeAliasBackward0>');
    expect(String(x.flatten().gradFn)).toBe('<ReshapeAliasBackward0>');
    v.mul(3).sum().backward();
    expect(x.grad!.item()).toBe(3);
  });

  it('index_select selects bool elements (1-byte items) as PyTorch does', () => {
    // PyTorch 1.13: torch.index_select(x, 1, torch.tensor([2, 0, 2, 1])) and (x, 0, [1, 1, 0]).
    const x = torch.tensor([
      [true, false, true],
      [false, false, true],
    ]);
    expect(torch.indexSelect(x, 1, torch.tensor([2n, 0n, 2n, 1n])).tolist()).toEqual([
      [true, true, true, false],
      [true, false, true, false],
    ]);
    expect(torch.indexSelect(x, 0, torch.tensor([1n, 1n, 0n])).tolist()).toEqual([
      [false, false, true],
      [false, false, true],
      [true, false, true],
    ]);
  });

  it('index_select on a 0-d tensor with several zero indices returns the value and writes nothing else', () => {
    const before = torch.memory().allocatedBytes;
    const x = torch.tensor(2.0);
    const guard = torch.full([4], 7);
    const y = torch.indexSelect(x, -1, torch.tensor([0n, 0n, 0n]));
    expect(y.shape).toEqual([]);
    expect(y.item()).toBe(2);
    expect(guard.tolist()).toEqual([7, 7, 7, 7]);
    for (const t of [x, guard, y]) t.dispose();
    expect(torch.memory().allocatedBytes).toBeGreaterThanOrEqual(before - 1024);
  });
});
