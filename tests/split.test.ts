// torch.unbind / split / chunk / unsafeSplit / unsafeChunk (ts/ops/split.ts) against PyTorch 1.13: tests/pytorch/split.py wrote
// tests/pytorch/split.json (outputs, node names and output numbers, the input's gradient when only
// some outputs receive one, the argument errors, the errors of in-place modification of an output,
// and the node names of an LSTM's graph). Values and gradients are copies and sums of exact values:
// compared exactly. The registry's generated tests gradcheck and gradgradcheck the three entries.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { torch, type Tensor } from '../ts/index.js';
import type { Node } from '../ts/autograd.js';

type DT = 'float32' | 'float64';
interface Case {
  name: string;
  op: 'unbind' | 'split' | 'chunk' | 'unsafe_chunk' | 'unsafe_split';
  dtype: DT;
  args: (number | number[])[];
  input: { shape: number[]; data: number[] };
  outputs: { shape: number[]; data: number[]; grad_fn: string; output_nr: number; is_view: boolean }[];
  grads: number[];
  weights: number[][];
  input_grad: number[] | null;
}
interface Ref {
  cases: Case[];
  errors: { op: Case['op']; shape: number[]; args: (number | number[])[]; type: string; message: string }[];
  inplace: Record<string, string | null>;
  graphs: { LSTM: string[]; GRU: string[] };
}
const REF = JSON.parse(readFileSync(new URL('./pytorch/split.json', import.meta.url), 'utf8')) as Ref;

const values = (t: Tensor): number[] => Array.from(t.double().dataSync() as ArrayLike<number>);
const tensor = (shape: number[], data: number[], dtype: DT): Tensor => torch.tensor(data, { dtype }).reshape(shape).clone();
const JS = { unbind: 'unbind', split: 'split', chunk: 'chunk', unsafe_chunk: 'unsafeChunk', unsafe_split: 'unsafeSplit' } as const;
const call = (op: Case['op'], x: Tensor, args: readonly (number | number[])[]): Tensor[] =>
  (torch[JS[op]] as (x: Tensor, ...a: unknown[]) => Tensor[])(x, ...args);

describe('unbind / split / chunk: PyTorch 1.13 cases (tests/pytorch/split.py)', () => {
  for (const c of REF.cases) {
    it(c.name, () =>
      torch.scope(() => {
        const x = tensor(c.input.shape, c.input.data, c.dtype).requiresGrad_();
        const outs = call(c.op, x, c.args);
        expect(Array.isArray(outs)).toBe(true);
        expect(outs.length).toBe(c.outputs.length);
        outs.forEach((o, i) => {
          const want = c.outputs[i];
          expect([...o.shape]).toEqual(want.shape);
          expect(values(o)).toEqual(want.data);
          expect(o.gradFn?.name()).toBe(want.grad_fn);
          expect(o._outputNr).toBe(want.output_nr);
          expect(o._storage).toBe(x._storage);
          // unsafe_split / unsafe_chunk: the same storage, but no view for autograd.
          expect(o._base).toBe(want.is_view ? x : null);
        });
        // One node for all outputs.
        expect(new Set(outs.map((o) => o.gradFn)).size).toBe(outs.length ? 1 : 0);
        const terms = c.grads.map((i) => outs[i].mul(tensor(c.outputs[i].shape, c.weights[i], c.dtype)).sum());
        if (terms.length) terms.reduce((a, b) => a.add(b)).backward();
        if (c.input_grad === null) expect(x.grad).toBe(null);
        else expect(values(x.grad as Tensor)).toEqual(c.input_grad);
      }),
    );
  }

  it('Tensor methods are the same ops', () =>
    torch.scope(() => {
      const x = torch.arange(12, { dtype: 'float64' }).reshape([4, 3]);
      expect(x.unbind(1).map(values)).toEqual(torch.unbind(x, 1).map(values));
      expect(x.split([1, 3]).map(values)).toEqual(torch.split(x, [1, 3]).map(values));
      expect(x.chunk(2, 1).map(values)).toEqual(torch.chunk(x, 2, 1).map(values));
    }));

  it('an output of an integer tensor is a view too', () =>
    torch.scope(() => {
      const x = torch.arange(6).reshape([2, 3]);
      const [a, b] = x.unbind(0);
      expect(a.dtype).toBe('int64');
      expect(b._storage).toBe(x._storage);
      expect(values(b)).toEqual([3, 4, 5]);
    }));

  it('double backward: the gradient of the input gradient flows to the upstream gradients', () =>
    torch.scope(() => {
      const x = torch.randn([3, 2], { dtype: 'float64' }).requiresGrad_();
      const w = torch.randn([2], { dtype: 'float64' }).requiresGrad_();
      const [a, , c] = x.unbind(0);
      a.mul(w).sum().add(c.mul(w).sum()).backward(undefined, { createGraph: true });
      const gx = x.grad as Tensor;
      expect(values(gx)).toEqual([...values(w), 0, 0, ...values(w)]);
      expect(gx.requiresGrad).toBe(true);
      const first = values(w.grad as Tensor);
      gx.select(0, 0).sum().add(gx.select(0, 2).mul(2).sum()).backward();
      // w.grad: a + c from the first backward, then 1 + 2 from the second.
      const want = values(a.add(c)).map((v) => v + 3);
      expect(first).toEqual(values(a.add(c)));
      for (const [i, v] of values(w.grad as Tensor).entries()) expect(v).toBeCloseTo(want[i], 12);
    }));
});

describe('unbind / split / chunk: argument errors as PyTorch', () => {
  for (const e of REF.errors) {
    it(`${e.op}${JSON.stringify(e.args)} of [${e.shape}]`, () => {
      const x = torch.zeros(e.shape);
      let err: Error | null = null;
      try {
        call(e.op, x, e.args);
      } catch (x) {
        err = x as Error;
      }
      expect(err?.message).toBe(e.message);
      expect(err?.name).toBe(e.type === 'IndexError' ? 'RangeError' : 'Error');
    });
  }

  it('type errors', () => {
    const x = torch.zeros([4, 3]);
    expect(() => torch.split(x, 2.5)).toThrow("split_with_sizes(): argument 'split_sizes' (position 2) must be tuple of ints, not float");
    expect(() => torch.split(x, [1, 2.5] as number[])).toThrow(
      "split_with_sizes(): argument 'split_sizes' must be tuple of ints, but found element of type float at pos 2",
    );
    expect(() => x.chunk(2.5)).toThrow("chunk(): argument 'chunks' (position 1) must be int, not float");
    expect(() => x.unbind(1.5)).toThrow(TypeError);
  });
});

describe('unbind / split / chunk: in-place modification of an output, as PyTorch', () => {
  const y = (): Tensor => torch.randn([4, 3]).requiresGrad_().mul(1);
  const SCENARIOS: Record<string, () => unknown> = {
    unbind_output1_add_: () => y().unbind(0)[1].add_(1),
    split_output1_mul_: () => y().split(2)[1].mul_(2),
    split_sizes_output1_zero_: () => y().split([1, 3])[1].zero_(),
    chunk_output0_single_fill_: () => y().chunk(1)[0].fill_(1),
    view_of_output_add_: () => y().unbind(0)[0].view([3]).add_(1),
    select_of_output_add_: () => y().split(2)[1].select(0, 0).add_(1),
    leaf_view_add_: () => torch.randn([4, 3]).requiresGrad_().unbind(0)[0].add_(1),
    untracked_base_add_tracked: () =>
      torch
        .randn([4, 3])
        .unbind(0)[0]
        .add_(torch.randn([3]).requiresGrad_()),
    nograd_write: () => {
      const r = y().unbind(0);
      torch.noGrad(() => r[0].add_(1));
    },
    nograd_made: () => {
      const b = y();
      const r = torch.noGrad(() => b.unbind(0));
      r[0].add_(1);
    },
    no_grad_anywhere: () => torch.randn([4, 3]).unbind(0)[0].add_(1),
    unsafe_chunk_output_add_: () => y().unsafeChunk(2)[0].add_(1),
    unsafe_chunk_of_leaf_add_: () => torch.randn([4, 3]).requiresGrad_().unsafeChunk(2)[1].add_(1),
    base_written_then_grad_fn: () => {
      const b = y();
      const r = b.unbind(0);
      b.add_(1);
      return r[0].gradFn;
    },
  };
  it('has every scenario of the reference', () => expect(Object.keys(SCENARIOS).sort()).toEqual(Object.keys(REF.inplace).sort()));
  for (const [name, f] of Object.entries(SCENARIOS)) {
    it(name, () =>
      torch.scope(() => {
        let msg: string | null = null;
        try {
          f();
        } catch (e) {
          msg = (e as Error).message;
          expect((e as Error).name).toBe('RuntimeError');
        }
        expect(msg).toBe(REF.inplace[name]);
      }),
    );
  }
});

describe("nn.LSTM and nn.GRU: the nodes of their graphs are PyTorch's (unbind for the steps, unsafe_chunk for the gates)", () => {
  const namesOf = (ts: Tensor[]): string[] => {
    const names = new Set<string>();
    const stack: Node[] = ts.flatMap((t) => (t.gradFn ? [t.gradFn] : []));
    const seen = new Set<Node>();
    while (stack.length) {
      const n = stack.pop() as Node;
      if (seen.has(n)) continue;
      seen.add(n);
      names.add(n.name());
      for (const e of n.next) if (e !== null && !('dtype' in e)) stack.push(e);
    }
    return [...names].sort();
  };
  it('LSTM', () =>
    torch.scope(() => {
      const [out, [h, c]] = new torch.nn.LSTM(2, 3)(torch.randn([4, 1, 2]).requiresGrad_()) as [Tensor, [Tensor, Tensor]];
      expect(namesOf([out, h, c])).toEqual(REF.graphs.LSTM);
    }));
  it('GRU', () =>
    torch.scope(() => {
      const [out, h] = new torch.nn.GRU(2, 3)(torch.randn([4, 1, 2]).requiresGrad_()) as [Tensor, Tensor];
      expect(namesOf([out, h])).toEqual(REF.graphs.GRU);
    }));
});
