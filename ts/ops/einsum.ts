// einsum(equation, ...operands): composed from differentiable ops (sum, permute, reshape, bmm),
// so its gradients (and theirs) follow from those ops'. Operands are contracted left to right:
// letters only one operand has and the output lacks are summed first; each pair then becomes one
// bmm over [shared kept letters, left letters, contracted letters] x [.., contracted, right].
import type { Tensor } from '../tensor.js';
import { withTemps } from '../scope.js';
import * as V from '../validate.js';
import { bmm } from './linalg.js';
import { defineOp } from './registry.js';

const LETTER = /^[a-zA-Z]$/;

interface Term {
  t: Tensor;
  letters: string[];
}

function parse(equation: string, n: number): { inputs: string[][]; output: string[] } {
  const eq = equation.replace(/\s/g, '');
  if (eq.includes('.')) throw new Error('einsum(): ellipsis (...) is not supported by asgrad');
  const arrow = eq.indexOf('->');
  const lhs = arrow < 0 ? eq : eq.slice(0, arrow);
  const inputs = lhs.split(',').map((s) => [...s]);
  if (inputs.length !== n) {
    throw new Error(
      inputs.length > n
        ? 'einsum(): more operands were provided than specified in the equation'
        : 'einsum(): fewer operands were provided than specified in the equation',
    );
  }
  for (const term of inputs) {
    for (const c of term) {
      if (!LETTER.test(c))
        throw new Error(
          `einsum(): invalid subscript given at index ${eq.indexOf(c)} in the equation string, subscripts must be in [a-zA-Z]`,
        );
    }
  }
  let output: string[];
  if (arrow < 0) {
    // Implicit output: the letters seen exactly once, in alphabetical order (upper case first).
    const count = new Map<string, number>();
    for (const term of inputs) for (const c of term) count.set(c, (count.get(c) ?? 0) + 1);
    output = [...count.keys()].filter((c) => count.get(c) === 1).sort();
  } else {
    output = [...eq.slice(arrow + 2)];
    const seen = new Set<string>();
    for (const c of output) {
      if (!LETTER.test(c))
        throw new Error(
          `einsum(): invalid subscript given at index ${eq.indexOf(c, arrow)} in the equation string, subscripts must be in [a-zA-Z]`,
        );
      if (seen.has(c)) throw new Error(`einsum(): output subscript ${c} appears more than once in the output`);
      if (!inputs.some((term) => term.includes(c)))
        throw new Error(`einsum(): output subscript ${c} does not appear in the equation for any input operand`);
      seen.add(c);
    }
  }
  return { inputs, output };
}

const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

/** Sums the letters of `term` that `keep` lacks. */
function sumOut(term: Term, keep: Set<string>): Term {
  const dims = term.letters.flatMap((c, i) => (keep.has(c) ? [] : [i]));
  if (dims.length === 0) return term;
  return { t: term.t.sum(dims), letters: term.letters.filter((c) => keep.has(c)) };
}

/** Contracts two terms, keeping the letters of `keep`. */
function contract(a: Term, b: Term, keep: Set<string>, size: Map<string, number>): Term {
  // A 0-D term (all its letters summed) only scales the other.
  if (a.letters.length === 0 || b.letters.length === 0) return { t: a.t.mul(b.t), letters: a.letters.length ? a.letters : b.letters };
  const inB = new Set(b.letters);
  const inA = new Set(a.letters);
  const batch = a.letters.filter((c) => inB.has(c) && keep.has(c));
  const summed = a.letters.filter((c) => inB.has(c) && !keep.has(c));
  const left = a.letters.filter((c) => !inB.has(c));
  const right = b.letters.filter((c) => !inA.has(c));
  const dimsOf = (cs: string[]): number[] => cs.map((c) => size.get(c) as number);
  const pa = a.t.permute([...batch, ...left, ...summed].map((c) => a.letters.indexOf(c)));
  const pb = b.t.permute([...batch, ...summed, ...right].map((c) => b.letters.indexOf(c)));
  const [nb, nl, ns, nr] = [batch, left, summed, right].map((cs) => prod(dimsOf(cs)));
  const y = bmm(pa.reshape([nb, nl, ns]), pb.reshape([nb, ns, nr]));
  return { t: y.reshape([...dimsOf(batch), ...dimsOf(left), ...dimsOf(right)]), letters: [...batch, ...left, ...right] };
}

/** torch.einsum(equation, ...operands) (operands also as one list); no ellipsis, no repeated letter within one operand. */
export function einsum(equation: string, ...operands: (Tensor | readonly Tensor[])[]): Tensor {
  if (typeof equation !== 'string') throw new TypeError(`einsum(): argument 'equation' must be str, not ${V.typeName(equation)}`);
  const ts: Tensor[] =
    operands.length === 1 && Array.isArray(operands[0]) ? [...(operands[0] as readonly Tensor[])] : (operands as Tensor[]);
  for (const [i, t] of ts.entries()) V.tensor(t, 'einsum', 'operands', i + 2);
  if (ts.length === 0) throw new Error('einsum(): must provide at least one operand');
  const { inputs, output } = parse(equation, ts.length);
  const size = new Map<string, number>();
  inputs.forEach((term, i) => {
    const shape = ts[i].shape;
    if (term.length !== shape.length) {
      throw new Error(
        `einsum(): the number of subscripts in the equation (${term.length}) does not match the number of dimensions (${shape.length}) for operand ${i} and no ellipsis was given`,
      );
    }
    if (new Set(term).size !== term.length)
      throw new Error('einsum(): a subscript repeated within one operand (a diagonal) is not supported by asgrad');
    term.forEach((c, d) => {
      const s = shape[d];
      const have = size.get(c);
      if (have !== undefined && have !== s) {
        throw new Error(`einsum(): operands do not broadcast: subscript ${c} has size ${have} and ${s}`);
      }
      size.set(c, s);
    });
  });
  const dtype = ts[0].dtype;
  for (const t of ts)
    if (t.dtype !== dtype) throw new Error(`expected scalar type ${V.scalarName(dtype)} but found ${V.scalarName(t.dtype)}`);
  return withTemps(() => {
    const out = new Set(output);
    /** The letters needed after operand i: the output's and those of the operands after it. */
    const needAfter = (i: number): Set<string> => new Set([...out, ...inputs.slice(i + 1).flat()]);
    let acc = sumOut({ t: ts[0], letters: inputs[0] }, needAfter(0));
    for (let i = 1; i < ts.length; i++) {
      const keepNext = needAfter(i);
      const before = new Set([...keepNext, ...acc.letters]);
      const b = sumOut({ t: ts[i], letters: inputs[i] }, before);
      acc = contract(acc, b, keepNext, size);
      acc = sumOut(acc, keepNext);
    }
    acc = sumOut(acc, out);
    const perm = output.map((c) => acc.letters.indexOf(c));
    return perm.every((p, i) => p === i) ? acc.t : acc.t.permute(perm);
  });
}

export const EINSUM_OPS = {
  einsum: defineOp({
    kind: 'linalg',
    name: 'einsum',
    py: 'einsum',
    fn: einsum,
    doc: "Einstein summation, e.g. einsum('bij,bjk->bik', a, b) (implicit output too); no ellipsis or diagonals.",
    nodes: [
      'MulBackward0',
      'SumBackward1',
      'PermuteBackward0',
      'ViewBackward0',
      'UnsafeViewBackward0',
      'BmmBackward0',
      'ReshapeAliasBackward0',
      'CloneBackward0',
    ],
    kernels: ['sum', 'matmul_f32', 'matmul_f64'],
    dtype: 'same',
    saves: 'as its composition',
    golden: { args: [['TL']], kwargs: ['equation'], kwFirst: true },
    test: {
      grad: 'twice',
      samples: [
        { args: ['ij,jk->ik', { shape: [2, 3] }, { shape: [3, 4] }] },
        { args: ['bij,bjk->bik', { shape: [2, 2, 3] }, { shape: [2, 3, 2] }] },
        { args: ['i,i->', { shape: [3] }, { shape: [3] }] },
        { args: ['ij->ji', { shape: [2, 3] }] },
        { args: ['bhqd,bhkd->bhqk', { shape: [1, 2, 3, 2] }, { shape: [1, 2, 2, 2] }] },
        { args: ['ij,jk', { shape: [2, 3] }, { shape: [3, 2] }], note: 'implicit output' },
        { args: ['ij,jk,kl->il', { shape: [2, 3] }, { shape: [3, 2] }, { shape: [2, 2] }], note: 'three operands' },
        { args: ['ij,k->i', { shape: [2, 3] }, { shape: [2] }], note: 'letters summed alone' },
        { args: ['ij->', { shape: [2, 3] }], note: 'full sum' },
        { args: ['i,j->j', { shape: [2] }, { shape: [3] }], note: 'a first operand summed whole' },
      ],
    },
  }),
} as const;
