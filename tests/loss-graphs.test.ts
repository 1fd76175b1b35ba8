// The autograd graphs of kl_div, cross_entropy (label smoothing, weight, ignore_index, K-dim),
// xlogy's three forms and the bool-mask ops, node for node against the graphs PyTorch 1.13 records
// for the same programs (tests/pytorch/loss_graphs.json, written by tests/pytorch/loss_graphs.py,
// which holds the same table of cases).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Tensor, nn, torch } from '../ts/index.js';
import { Node } from '../ts/autograd.js';

const F = nn.functional;
const REF: { graphs: Record<string, string[]> } = JSON.parse(
  readFileSync(fileURLToPath(new URL('./pytorch/loss_graphs.json', import.meta.url)), 'utf8'),
);

/** The graph from t's grad_fn, written as loss_graphs.py writes PyTorch's. */
function walk(t: Tensor): string[] {
  // A leaf stands for its AccumulateGrad node (one per leaf, as PyTorch's).
  const seen = new Set<Node | Tensor>();
  const out: string[] = [];
  const visit = (e: Node | Tensor | null, depth: number): void => {
    if (e === null) return;
    const name = e instanceof Tensor ? 'AccumulateGrad' : e.name();
    const pad = '  '.repeat(depth);
    if (seen.has(e)) {
      out.push(`${pad}${name} *`);
      return;
    }
    out.push(pad + name);
    seen.add(e);
    if (e instanceof Node) for (const n of e.next) visit(n, depth + 1);
  };
  visit(t.gradFn, 0);
  return out;
}

const leaf = (shape: number[], grad = true): Tensor => torch.rand(shape, { dtype: 'float64' }).requiresGrad_(grad);
const cls = (vals: number[], shape?: number[]): Tensor => {
  const t = torch.tensor(vals.map(BigInt));
  return shape ? t.reshape(shape) : t;
};
const bools = (v: boolean[] | boolean[][]): Tensor => torch.tensor(v);
function indexPut(x: Tensor, mask: Tensor, v: Tensor | number): Tensor {
  const y = x.mul(1);
  y.indexPut_([mask], v);
  return y;
}

const CASES: Record<string, () => Tensor> = {
  'kl_div mean': () => F.klDiv(leaf([2, 3]), leaf([2, 3]), { reduction: 'mean' }),
  'kl_div sum': () => F.klDiv(leaf([2, 3]), leaf([2, 3]), { reduction: 'sum' }),
  'kl_div none': () => F.klDiv(leaf([2, 3]), leaf([2, 3]), { reduction: 'none' }),
  'kl_div batchmean': () => F.klDiv(leaf([2, 3]), leaf([2, 3]), { reduction: 'batchmean' }),
  'kl_div batchmean, target without grad': () => F.klDiv(leaf([2, 3]), leaf([2, 3], false), { reduction: 'batchmean' }),
  'kl_div log_target': () => F.klDiv(leaf([2, 3]), leaf([2, 3]), { reduction: 'batchmean', logTarget: true }),
  cross_entropy: () => F.crossEntropy(leaf([4, 3]), cls([0, 2, 1, 2])),
  'cross_entropy ls mean': () => F.crossEntropy(leaf([4, 3]), cls([0, 2, 1, 2]), { labelSmoothing: 0.1 }),
  'cross_entropy ls sum': () => F.crossEntropy(leaf([4, 3]), cls([0, 2, 1, 2]), { reduction: 'sum', labelSmoothing: 0.1 }),
  'cross_entropy ls none': () => F.crossEntropy(leaf([4, 3]), cls([0, 2, 1, 2]), { reduction: 'none', labelSmoothing: 0.1 }),
  'cross_entropy ls ignore_index': () => F.crossEntropy(leaf([4, 3]), cls([0, 2, 1, 2]), { ignoreIndex: 1, labelSmoothing: 0.2 }),
  'cross_entropy ls weight mean': () => F.crossEntropy(leaf([4, 3]), cls([0, 2, 1, 2]), { weight: leaf([3], false), labelSmoothing: 0.1 }),
  'cross_entropy ls weight sum': () =>
    F.crossEntropy(leaf([4, 3]), cls([0, 2, 1, 2]), { weight: leaf([3], false), reduction: 'sum', labelSmoothing: 0.1 }),
  'cross_entropy ls weight none ignore_index': () =>
    F.crossEntropy(leaf([4, 3]), cls([0, 2, 1, 2]), { weight: leaf([3], false), reduction: 'none', ignoreIndex: 2, labelSmoothing: 0.1 }),
  'cross_entropy ls K-dim': () =>
    F.crossEntropy(leaf([2, 3, 4]), cls([0, 2, 1, 2, 1, 1, 0, 2], [2, 4]), { ignoreIndex: 1, labelSmoothing: 0.2 }),
  'cross_entropy ls 4-D weight': () =>
    F.crossEntropy(leaf([2, 3, 2, 2]), cls([0, 2, 1, 2, 1, 1, 0, 2], [2, 2, 2]), { weight: leaf([3], false), labelSmoothing: 0.3 }),
  'cross_entropy ls one sample': () => F.crossEntropy(leaf([3]), cls([1], []), { labelSmoothing: 0.1 }),
  xlogy: () => torch.xlogy(leaf([2, 3]), leaf([3])),
  'xlogy number self': () => torch.xlogy(2.5, leaf([3])),
  'xlogy number other': () => torch.xlogy(leaf([3]), 3),
  masked_select: () => torch.maskedSelect(leaf([2, 3]), bools([true, false, true])),
  'index_put_ mask': () => indexPut(leaf([2, 3]), bools([false, true]), leaf([3])),
  'index_put_ number': () =>
    indexPut(
      leaf([2, 3]),
      bools([
        [false, true, true],
        [true, false, false],
      ]),
      0.5,
    ),
  masked_fill_: () =>
    leaf([2, 3])
      .mul(1)
      .maskedFill_(bools([true, false, true]), 0.5),
};

describe('graphs of losses and mask ops, against PyTorch 1.13 (tests/pytorch/loss_graphs.json)', () => {
  it('the fixture and this table hold the same cases', () => {
    expect(Object.keys(CASES).sort()).toEqual(Object.keys(REF.graphs).sort());
  });
  for (const [name, run] of Object.entries(CASES)) {
    it(name, () => {
      torch.scope(() => {
        expect(walk(run())).toEqual(REF.graphs[name]);
      });
    });
  }
});

// Values, gradients and messages printed by PyTorch 1.13 for the same programs.
describe('xlogy and the bool-mask ops: values, gradients and messages as PyTorch 1.13', () => {
  it("xlogy's gradients at 0, inf and NaN", () => {
    torch.scope(() => {
      const x = torch.tensor([0, 0, 0, 1], { requiresGrad: true });
      const y = torch.tensor([Number.POSITIVE_INFINITY, 2, 0, Number.NaN], { requiresGrad: true });
      torch.xlogy(x, y).sum().backward();
      expect(x.grad!.tolist()).toEqual([Number.POSITIVE_INFINITY, Math.fround(Math.log(2)), 0, Number.NaN]);
      expect(y.grad!.tolist()).toEqual([0, 0, Number.NaN, Number.NaN]);
      expect(() => torch.xlogy(2, 3.5)).toThrow(
        'xlogy() received an invalid combination of arguments - got (int, float), but expected one of:\n' +
          ' * (Tensor input, Tensor other, *, Tensor out)\n' +
          ' * (Number self, Tensor other, *, Tensor out)\n' +
          ' * (Tensor input, Number other, *, Tensor out)\n',
      );
    });
  });
  it('a class weight that requires grad is refused (nll_loss is not differentiable in it)', () => {
    torch.scope(() => {
      const w = torch.rand([3]).requiresGrad_(true);
      const msg = (f: string): string =>
        `The function '${f}' is not differentiable with respect to argument 'weight'. This input cannot have requires_grad True.`;
      expect(() => F.crossEntropy(torch.rand([4, 3]), cls([0, 2, 1, 2]), { weight: w, labelSmoothing: 0.1 })).toThrow(
        msg('nll_loss_forward'),
      );
      expect(() => F.nllLoss(torch.rand([2, 3, 4]), cls([0, 2, 1, 2, 1, 1, 0, 2], [2, 4]), { weight: w })).toThrow(
        msg('nll_loss2d_forward'),
      );
      expect(torch.noGrad(() => F.nllLoss(torch.rand([4, 3]), cls([0, 2, 1, 2]), { weight: w })).ndim).toBe(0);
    });
  });
  it('masked_select broadcasts its input and sums the gradient back', () => {
    torch.scope(() => {
      const a = torch.tensor([[1], [2]], { requiresGrad: true });
      const m = torch.maskedSelect(a, torch.tensor([true, false, true]));
      expect(m.tolist()).toEqual([1, 1, 2, 2]);
      m.mul(torch.tensor([1, 2, 3, 4]))
        .sum()
        .backward();
      expect(a.grad!.tolist()).toEqual([[3], [7]]);
      expect(() => torch.maskedSelect(a, torch.tensor([1n, 0n, 1n]))).toThrow('masked_select: expected BoolTensor or ByteTensor for mask');
    });
  });
  it("x[mask] = v: values' gradient summed over the rows written, self's zero there", () => {
    torch.scope(() => {
      const x = torch.tensor(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        { requiresGrad: true },
      );
      const v = torch.tensor([7, 8, 9], { requiresGrad: true });
      const y = x.mul(1);
      y.indexPut_([torch.tensor([true, true])], v);
      expect(y.tolist()).toEqual([
        [7, 8, 9],
        [7, 8, 9],
      ]);
      y.mul(
        torch.tensor([
          [1, 2, 3],
          [4, 5, 6],
        ]),
      )
        .sum()
        .backward();
      expect(x.grad!.tolist()).toEqual([
        [0, 0, 0],
        [0, 0, 0],
      ]);
      expect(v.grad!.tolist()).toEqual([5, 7, 9]);
      const z = x.detach().clone();
      expect(() => z.indexPut_([torch.tensor([true, false, true])], torch.tensor(1))).toThrow(
        'The shape of the mask [3] at index 0 does not match the shape of the indexed tensor [2, 3] at index 0',
      );
      expect(() => z.indexPut_([torch.tensor([true, false])], torch.tensor([1, 2]))).toThrow(
        'shape mismatch: value tensor of shape [2] cannot be broadcast to indexing result of shape [1, 3]',
      );
      expect(() => z.indexPut_([torch.tensor([true, false])], torch.tensor([1, 2, 3], { dtype: 'float64' }))).toThrow(
        'Index put requires the source and destination dtypes match, got Float for the destination and Double for the source.',
      );
    });
  });
});
