// Every differentiable op of the table against central finite differences in float64, on plain,
// broadcast and 0-d shapes.
import { describe, it, beforeAll } from 'vitest';
import { torch, type Tensor } from '../ts/index.js';
import { gradcheck, leaf } from './helpers.js';

type Case = [name: string, make: () => Tensor[], f: (...xs: Tensor[]) => Tensor];

const F = torch.nn.functional;
const pos = (s: number[]) => leaf(s, 0.5, 2);
const any = (s: number[]) => leaf(s, -1.5, 1.5);
const awayFromZero = (s: number[]) => {
  const x = leaf(s, 0.2, 1.5);
  const signs = torch.rand(s, { dtype: 'float64' }).gt(0.5).double().mul(2).sub(1);
  return x.detach().mul(signs).requiresGrad_(true);
};
const idx = (v: number[]) => torch.tensor(v.map(BigInt), { dtype: 'int64' });

const CASES: Case[] = [
  ['add', () => [any([2, 3]), any([2, 3])], (a, b) => a.add(b)],
  ['add broadcast', () => [any([3, 1]), any([4])], (a, b) => a.add(b)],
  ['add scalar alpha', () => [any([3]), any([3])], (a, b) => torch.add(a, b, 2.5)],
  ['sub broadcast 0-d', () => [any([2, 3]), any([])], (a, b) => a.sub(b)],
  ['mul broadcast', () => [any([2, 1, 3]), any([4, 1])], (a, b) => a.mul(b)],
  ['mul by itself', () => [any([2, 3])], (a) => a.mul(a).mul(a)],
  ['div', () => [any([2, 3]), awayFromZero([2, 3])], (a, b) => a.div(b)],
  ['div scalar numerator', () => [awayFromZero([4])], (a) => torch.div(3, a)],
  ['pow scalar', () => [pos([5])], (a) => a.pow(2.5)],
  ['pow integer exponent negative base', () => [any([5])], (a) => a.pow(3)],
  ['pow tensor', () => [pos([2, 3]), any([3])], (a, b) => a.pow(b)],
  ['pow scalar base', () => [any([4])], (a) => torch.pow(2, a)],
  ['maximum', () => [any([3, 4]), any([4])], (a, b) => torch.maximum(a, b)],
  ['minimum', () => [any([3, 4]), any([3, 1])], (a, b) => torch.minimum(a, b)],
  ['neg', () => [any([3])], (a) => a.neg()],
  ['exp', () => [any([2, 2])], (a) => a.exp()],
  ['log', () => [pos([2, 2])], (a) => a.log()],
  ['sqrt', () => [pos([5])], (a) => a.sqrt()],
  ['abs', () => [awayFromZero([5])], (a) => a.abs()],
  ['sin', () => [any([5])], (a) => a.sin()],
  ['cos', () => [any([5])], (a) => a.cos()],
  ['tanh', () => [any([5])], (a) => a.tanh()],
  ['sigmoid', () => [any([5])], (a) => a.sigmoid()],
  ['relu', () => [awayFromZero([6])], (a) => a.relu()],
  ['leaky_relu', () => [awayFromZero([6])], (a) => F.leakyRelu(a, 0.2)],
  ['square', () => [any([4])], (a) => a.square()],
  ['reciprocal', () => [awayFromZero([4])], (a) => a.reciprocal()],
  ['clamp', () => [awayFromZero([8])], (a) => a.clamp(-0.5, 0.7)],
  ['sum all', () => [any([2, 3])], (a) => a.sum()],
  ['sum dims keepdim', () => [any([2, 3, 2])], (a) => a.sum([0, 2], true)],
  ['mean dim', () => [any([3, 4])], (a) => a.mean(1)],
  ['mean 0-d', () => [any([])], (a) => a.mean()],
  ['amax', () => [any([3, 4])], (a) => a.amax(1)],
  ['amin keepdim', () => [any([3, 4])], (a) => a.amin(0, true)],
  ['logsumexp', () => [any([3, 4])], (a) => a.logsumexp(1)],
  ['var unbiased', () => [any([3, 4])], (a) => a.var(1)],
  ['var biased all', () => [any([3, 4])], (a) => a.var({ unbiased: false })],
  ['std', () => [any([3, 4])], (a) => a.std(0, true, true)],
  ['matmul dot', () => [any([4]), any([4])], (a, b) => a.matmul(b)],
  ['matmul mm', () => [any([2, 3]), any([3, 4])], (a, b) => a.matmul(b)],
  ['matmul mv', () => [any([2, 3]), any([3])], (a, b) => a.matmul(b)],
  ['matmul vm', () => [any([3]), any([3, 2])], (a, b) => a.matmul(b)],
  ['matmul 3d@3d', () => [any([2, 2, 3]), any([2, 3, 2])], (a, b) => a.matmul(b)],
  ['matmul 3d@2d', () => [any([2, 2, 3]), any([3, 2])], (a, b) => a.matmul(b)],
  ['matmul broadcast batch', () => [any([1, 2, 3]), any([3, 3, 2])], (a, b) => a.matmul(b)],
  ['matmul transposed operands', () => [any([3, 2]), any([4, 3])], (a, b) => a.t().matmul(b.t())],
  ['transpose', () => [any([2, 3, 2])], (a) => a.transpose(0, 2).mul(torch.arange(2).double())],
  ['t', () => [any([2, 3])], (a) => a.t().mul(torch.arange(2).double())],
  ['reshape non-contiguous', () => [any([2, 3])], (a) => a.t().reshape([6]).mul(torch.arange(6).double())],
  ['view', () => [any([2, 3])], (a) => a.view([3, 2]).mul(torch.arange(2).double())],
  ['flatten', () => [any([2, 2, 2])], (a) => a.flatten(1).mul(torch.arange(4).double())],
  ['squeeze/unsqueeze', () => [any([2, 1, 3])], (a) => a.squeeze(1).unsqueeze(0).mul(torch.arange(3).double())],
  ['expand', () => [any([3, 1])], (a) => a.expand([2, 3, 4])],
  ['permute', () => [any([2, 3, 4])], (a) => a.permute([2, 0, 1])],
  ['narrow', () => [any([3, 4])], (a) => a.narrow(1, 1, 2)],
  ['select', () => [any([3, 4])], (a) => a.select(0, -1)],
  ['cat', () => [any([2, 3]), any([1, 3])], (a, b) => torch.cat([a, b], 0)],
  ['stack', () => [any([2, 3]), any([2, 3])], (a, b) => torch.stack([a, b], 1)],
  ['index_select repeated', () => [any([3, 2])], (a) => a.indexSelect(0, idx([2, 0, 2]))],
  ['softmax', () => [any([2, 4])], (a) => F.softmax(a, 1)],
  ['log_softmax', () => [any([2, 4])], (a) => F.logSoftmax(a, 0)],
  ['mse_loss', () => [any([2, 3]), any([2, 3])], (a, b) => F.mseLoss(a, b)],
  ['mse_loss none', () => [any([2, 3]), any([2, 3])], (a, b) => F.mseLoss(a, b, { reduction: 'none' })],
  ['cross_entropy', () => [any([3, 4])], (a) => F.crossEntropy(a, idx([0, 3, 1]))],
  ['cross_entropy 1-d', () => [any([4])], (a) => F.crossEntropy(a, torch.tensor(2n))],
  ['bce with logits', () => [any([2, 3]), leaf([2, 3], 0, 1)], (a, b) => F.binaryCrossEntropyWithLogits(a, b)],
  ['linear 2-d', () => [any([2, 3]), any([4, 3]), any([4])], (x, w, b) => F.linear(x, w, b)],
  ['linear 3-d', () => [any([2, 2, 3]), any([4, 3]), any([4])], (x, w, b) => F.linear(x, w, b)],
  ['linear 1-d no bias', () => [any([3]), any([4, 3])], (x, w) => F.linear(x, w)],
  ['where', () => [any([2, 3]), any([3])], (a, b) => torch.where(torch.tensor([true, false, true]), a, b)],
];

describe('gradcheck (float64, finite differences) over the op table', () => {
  beforeAll(() => torch.manualSeed(1234));
  for (const [name, make, f] of CASES) {
    it(name, () => gradcheck(f, make()));
  }
  it('second derivatives through createGraph (tanh, mul, sum)', () => {
    const gradOf = (a: Tensor): Tensor =>
      torch.enableGrad(() => {
        const x = a.requiresGrad ? a : a.detach().requiresGrad_(true);
        x.tanh().mul(x).sum().backward(undefined, { createGraph: true });
        const g = x.grad as Tensor;
        x.grad = null;
        return g;
      });
    gradcheck(gradOf, [leaf([3])]);
  });
});
