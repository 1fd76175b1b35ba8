// einsum(equation, ...operands): composed from differentiable ops (sum, permute, reshape, bmm),
// so its gradients (and theirs) follow from those ops'. Operands are contracted left to right:
// letters only one operand has and the output lacks are summed first; each pair then becomes one
// bmm over [shared kept letters, left letters, contracted letters] x [.., contracted, right].
import type { Tensor } from '../tensor.js';
import { withTemps } from '../scope.js';
import * as V from '../validate.js';
import { bmm } from './linalg.js';
import { indexSelect } from './indexing.js';
import * as K from './internal.js';
import { defineOp } from './registry.js';

const LETTER = /^[a-zA-Z]$/;
/** The subscripts an ellipsis stands for: '…0'.. '…(E-1)', right-aligned across operands. */
const ELL = '…';

interface Term {
  t: Tensor;
  letters: string[];
}

/** One side of the equation: its letters and where its ellipsis is (-1: none), with PyTorch's checks. */
function subscripts(s: string, offset: number, who: string): { letters: string[]; ell: number } {
  const letters: string[] = [];
  let ell = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '.') {
      if (ell >= 0) throw new Error(`einsum(): found '.' for ${who} for which an ellipsis was already found`);
      if (s[i + 1] !== '.' || s[i + 2] !== '.') {
        throw new Error(`einsum(): found '.' for ${who} that is not part of any ellipsis${who === 'output' ? ' (...)' : ''}`);
      }
      ell = letters.length;
      i += 2;
    } else if (!LETTER.test(c)) {
      throw new Error(`einsum(): invalid subscript given at index ${offset + i} in the equation string, subscripts must be in [a-zA-Z]`);
    } else letters.push(c);
  }
  return { letters, ell };
}

/** The ellipsis' subscripts: the last n of E. */
const ellipsis = (n: number, E: number): string[] => Array.from({ length: n }, (_, k) => `${ELL}${E - n + k}`);

function parse(equation: string, shapes: readonly (readonly number[])[]): { inputs: string[][]; output: string[] } {
  const eq = equation.replace(/\s/g, '');
  const arrow = eq.indexOf('->');
  const lhs = arrow < 0 ? eq : eq.slice(0, arrow);
  const parts = lhs.split(',');
  const n = shapes.length;
  if (parts.length !== n) {
    throw new Error(
      parts.length > n
        ? 'einsum(): more operands were provided than specified in the equation'
        : 'einsum(): fewer operands were provided than specified in the equation',
    );
  }
  let offset = 0;
  const terms = parts.map((p, i) => {
    const t = subscripts(p, offset, `operand ${i}`);
    offset += p.length + 1;
    return t;
  });
  // The number of dims each ellipsis covers, checked against the operands' ranks.
  let E = 0;
  const covers = terms.map((t, i) => {
    const nd = shapes[i].length;
    if (t.ell < 0) {
      if (t.letters.length !== nd) {
        throw new Error(
          `einsum(): the number of subscripts in the equation (${t.letters.length}) does not match the number of dimensions (${nd}) for operand ${i} and no ellipsis was given`,
        );
      }
      return 0;
    }
    if (t.letters.length > nd) {
      throw new Error(
        `einsum(): the number of subscripts in the equation (${t.letters.length}) is more than the number of dimensions (${nd}) for operand ${i}`,
      );
    }
    if (nd - t.letters.length > E) E = nd - t.letters.length;
    return nd - t.letters.length;
  });
  const inputs = terms.map((t, i) =>
    t.ell < 0 ? t.letters : [...t.letters.slice(0, t.ell), ...ellipsis(covers[i], E), ...t.letters.slice(t.ell)],
  );
  let output: string[];
  if (arrow < 0) {
    // Implicit output: the ellipsis' dims, then the letters seen exactly once, in alphabetical order (upper case first).
    const count = new Map<string, number>();
    for (const term of terms) for (const c of term.letters) count.set(c, (count.get(c) ?? 0) + 1);
    output = [...ellipsis(E, E), ...[...count.keys()].filter((c) => count.get(c) === 1).sort()];
  } else {
    const out = subscripts(eq.slice(arrow + 2), arrow + 2, 'output');
    const seen = new Set<string>();
    for (const c of out.letters) {
      if (seen.has(c)) throw new Error(`einsum(): output subscript ${c} appears more than once in the output`);
      if (!terms.some((term) => term.letters.includes(c)))
        throw new Error(`einsum(): output subscript ${c} does not appear in the equation for any input operand`);
      seen.add(c);
    }
    output = out.ell < 0 ? out.letters : [...out.letters.slice(0, out.ell), ...ellipsis(E, E), ...out.letters.slice(out.ell)];
  }
  return { inputs, output };
}

/** The diagonal over every subscript repeated within the term ('ii' -> 'i'), by index_select on the two dims merged. */
function diagonals(term: Term): Term {
  let { t, letters } = term;
  for (;;) {
    const a = letters.findIndex((c, i) => letters.indexOf(c) !== i);
    if (a < 0) return { t, letters };
    const first = letters.indexOf(letters[a]);
    const rest = letters.flatMap((_, i) => (i === first || i === a ? [] : [i]));
    const n = t.shape[first];
    const moved = t.permute([...rest, first, a]);
    const flat = moved.reshape([...rest.map((i) => t.shape[i]), n * n]);
    const idx = K.rangeK('arange', n, 0, n + 1, 'int64');
    t = indexSelect(flat, -1, idx);
    letters = [...rest.map((i) => letters[i]), letters[first]];
  }
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

/** torch.einsum(equation, ...operands) (operands also as one list): ellipsis with broadcasting, diagonals, implicit output. */
export function einsum(equation: string, ...operands: (Tensor | readonly Tensor[])[]): Tensor {
  if (typeof equation !== 'string') throw new TypeError(`einsum(): argument 'equation' must be str, not ${V.typeName(equation)}`);
  const ts: Tensor[] =
    operands.length === 1 && Array.isArray(operands[0]) ? [...(operands[0] as readonly Tensor[])] : (operands as Tensor[]);
  for (const [i, t] of ts.entries()) V.tensor(t, 'einsum', 'operands', i + 2);
  if (ts.length === 0) throw new Error('einsum(): must provide at least one operand');
  const { inputs, output } = parse(
    equation,
    ts.map((t) => t.shape),
  );
  // Sizes per subscript: repeated ones within an operand must match; across operands a size 1 broadcasts.
  const size = new Map<string, number>();
  inputs.forEach((term, i) => {
    const shape = ts[i].shape;
    term.forEach((c, d) => {
      const s = shape[d];
      const at = term.indexOf(c);
      if (at !== d && shape[at] !== s) {
        throw new Error(`einsum(): subscript ${c} is repeated for operand ${i} but the sizes don't match, ${s} != ${shape[at]}`);
      }
      const have = size.get(c);
      if (have !== undefined && have !== s && have !== 1 && s !== 1) {
        throw new Error(
          c.startsWith(ELL)
            ? `einsum(): dimension ${d} covered by ellipsis in operand ${i}has size ${s} which does not broadcast with previously seen ellipsis with size ${have} for the respective dimension`
            : `einsum(): subscript ${c} has size ${s} for operand ${i} which does not broadcast with previously seen size ${have}`,
        );
      }
      if (have === undefined || have === 1) size.set(c, s);
    });
  });
  const dtype = ts[0].dtype;
  for (const t of ts)
    if (t.dtype !== dtype) throw new Error(`expected scalar type ${V.scalarName(dtype)} but found ${V.scalarName(t.dtype)}`);
  return withTemps(() => {
    const out = new Set(output);
    /** The letters needed after operand i: the output's and those of the operands after it. */
    const needAfter = (i: number): Set<string> => new Set([...out, ...inputs.slice(i + 1).flat()]);
    // Each operand: diagonals taken, then its size-1 dims that broadcast dropped (squeezed).
    const terms = ts.map((t, i) => {
      const d = diagonals({ t, letters: inputs[i] });
      let { t: x, letters } = d;
      for (let k = letters.length - 1; k >= 0; k--) {
        if (x.shape[k] === 1 && (size.get(letters[k]) as number) !== 1) {
          x = x.squeeze(k);
          letters = letters.filter((_, j) => j !== k);
        }
      }
      return { t: x, letters };
    });
    let acc = sumOut(terms[0], needAfter(0));
    for (let i = 1; i < ts.length; i++) {
      const keepNext = needAfter(i);
      const before = new Set([...keepNext, ...acc.letters]);
      const b = sumOut(terms[i], before);
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
    doc: "Einstein summation, e.g. einsum('bij,bjk->bik', a, b): implicit output, '...' with broadcasting, diagonals ('ii->i').",
    nodes: [
      'MulBackward0',
      'SumBackward1',
      'PermuteBackward0',
      'ViewBackward0',
      'UnsafeViewBackward0',
      'BmmBackward0',
      'ReshapeAliasBackward0',
      'CloneBackward0',
      'SqueezeBackward1',
      'IndexSelectBackward0',
    ],
    kernels: ['sum', 'matmul_f32', 'matmul_f64', 'index_select_b4', 'index_select_b8'],
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
        { args: ['...ij,...jk->...ik', { shape: [3, 2, 3] }, { shape: [2, 1, 3, 2] }], note: 'ellipsis, broadcast' },
        { args: ['...ij,...jk', { shape: [2, 3] }, { shape: [2, 3, 2] }], note: 'ellipsis, implicit output' },
        { args: ['b...,b...->b', { shape: [2, 3] }, { shape: [2, 1] }], note: 'ellipsis summed, size 1 broadcast' },
        { args: ['ii->i', { shape: [3, 3] }], note: 'diagonal' },
        { args: ['ii', { shape: [3, 3] }], note: 'trace (implicit)' },
        { args: ['iji->j', { shape: [2, 3, 2] }], note: 'diagonal, then summed' },
        { args: ['ij,jk->ik', { shape: [2, 1] }, { shape: [3, 2] }], note: 'a contracted size 1 broadcasts' },
      ],
    },
  }),
} as const;
