// torch.linalg.svd / svdvals / matrix_norm and torch.norm(p='nuc') against PyTorch 1.13
// (tests/pytorch/linalg.json, written by tests/pytorch/linalg.py): singular values, singular vectors
// up to sign (each column of U with its row of Vh), reconstruction and orthonormality, gradients of
// sign-invariant losses and their second derivatives, node chains and error messages.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { torch, type Tensor } from '../ts/index.js';
import { expectClose, values } from './helpers.js';

type Nested = number | Nested[];
interface Case {
  shape: number[];
  A: Nested;
  S: Nested;
  U: Nested;
  Vh: Nested;
  nuc: Nested;
  two: Nested;
  minusTwo: Nested;
  wS: Nested;
  wU: Nested;
  wVh: Nested;
  w2: Nested;
  [grad: string]: Nested | number[];
}
interface DimCase {
  ord?: 'nuc' | number;
  dim: number[];
  keepdim: boolean;
  value: Nested;
  shape: number[];
  grad: Nested;
  chain: string[];
}
const FIX = JSON.parse(readFileSync(new URL('./pytorch/linalg.json', import.meta.url), 'utf8')) as {
  x3: Nested;
  cases: Case[];
  float32: { A: Nested; S: number[]; nuc: number; grad: Nested }[];
  normDims: DimCase[];
  matrixNormDims: DimCase[];
  chains: {
    svdvals: string[];
    svd: string[][];
    nuc2d: string[];
    grad2nuc: string[];
    grad2fro: (string | null)[];
    zeroFroGrad: number[];
    fro2ndW: number[];
    fro2ndGrad: number[];
  };
  errors: Record<string, [string, string]>;
  empty: { U: number[]; S: number[]; Vh: Nested };
};

const flat = (v: Nested): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);
const t64 = (v: Nested, shape: number[]): Tensor => torch.tensor(flat(v), { dtype: 'float64' }).reshape(shape);

type Node = { name(): string; nextFunctions: [Node | null, number][] };
/** Every node below f in preorder, null for an input that needs no gradient (linalg.py's tree). */
const tree = (f: Node | null): (string | null)[] =>
  f === null ? [null] : [f.name().replace('torch::autograd::', ''), ...f.nextFunctions.flatMap(([n]) => tree(n))];

/** The node names from t's gradFn along first inputs, as tests/pytorch/linalg.py's chain(). */
function chain(t: Tensor): string[] {
  const out: string[] = [];
  let f = t.gradFn as { name(): string; nextFunctions: [unknown, number][] } | null;
  while (f) {
    out.push(f.name().replace('torch::autograd::', ''));
    const next = f.nextFunctions.map(([n]) => n).filter((n) => n !== null);
    f = (next[0] as typeof f) ?? null;
  }
  return out;
}

const err = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
};

describe('torch.linalg.svd against PyTorch 1.13 (float64)', () => {
  for (const c of FIX.cases) {
    const k = Math.min(c.shape[c.shape.length - 2], c.shape[c.shape.length - 1]);
    const lead = c.shape.slice(0, -2);
    const [m, n] = c.shape.slice(-2);
    it(`${c.shape.join('x')}: values, vectors up to sign, reconstruction`, () => {
      const A = t64(c.A, c.shape);
      for (const full of [false, true]) {
        const [U, S, Vh] = torch.linalg.svd(A, { fullMatrices: full });
        expect(U.shape).toEqual([...lead, m, full ? m : k]);
        expect(Vh.shape).toEqual([...lead, full ? n : k, n]);
        expectClose(S, flat(c.S), 1e-12, 1e-12);
        const Ur = U.narrow(-1, 0, k);
        const Vhr = Vh.narrow(-2, 0, k);
        // Each singular pair is PyTorch's up to one common sign: sign_j = <U_j, U'_j>.
        const sign = Ur.mul(t64(c.U, [...lead, m, k])).sum(-2, true);
        expectClose(sign.abs(), Array(sign.numel()).fill(1), 1e-9, 1e-9);
        expectClose(Ur.mul(sign), flat(c.U), 1e-9, 1e-9);
        expectClose(Vhr.mul(sign.transpose(-2, -1)), flat(c.Vh), 1e-9, 1e-9);
        expectClose(Ur.mul(S.unsqueeze(-2)).matmul(Vhr), A, 1e-12, 1e-12);
        // Full factors are orthogonal.
        const eyeU = U.transpose(-2, -1).matmul(U);
        const eyeV = Vh.matmul(Vh.transpose(-2, -1));
        const q = (t: Tensor): number[] =>
          values(t).map((v, i) => v - (Math.floor(i / t.shape[t.ndim - 1]) % t.shape[t.ndim - 1] === i % t.shape[t.ndim - 1] ? 1 : 0));
        for (const e of [...q(eyeU), ...q(eyeV)]) expect(Math.abs(e)).toBeLessThan(1e-12);
      }
      expectClose(torch.linalg.svdvals(A), flat(c.S), 1e-12, 1e-12);
      expectClose(torch.linalg.matrixNorm(A, 'nuc'), flat(c.nuc), 1e-12, 1e-12);
      expectClose(torch.linalg.matrixNorm(A, 2), flat(c.two), 1e-12, 1e-12);
      expectClose(torch.linalg.matrixNorm(A, -2), flat(c.minusTwo), 1e-12, 1e-12);
    });

    it(`${c.shape.join('x')}: gradients and second derivatives`, () => {
      const w = (v: Nested, shape: readonly number[]): Tensor => t64(v, [...shape]);
      const check = (name: string, f: (x: Tensor) => Tensor): void => {
        const x = t64(c.A, c.shape).requiresGrad_();
        const [g] = torch.autograd.grad(f(x), [x], { createGraph: true });
        expectClose(g, flat(c[`grad${name}`] as Nested), 1e-9, 1e-10);
        const [g2] = torch.autograd.grad((g as Tensor).mul(w(c.w2, c.shape)).sum(), [x]);
        expectClose(g2, flat(c[`grad2${name}`] as Nested), 1e-8, 1e-9);
      };
      const sShape = [...lead, k];
      check('Svdvals', (x) => torch.linalg.svdvals(x).mul(w(c.wS, sShape)).sum());
      for (const full of [false, true]) {
        check(full ? 'SvdFull' : 'SvdReduced', (x) => {
          const [U, S, Vh] = torch.linalg.svd(x, { fullMatrices: full });
          const Ur = U.narrow(-1, 0, k);
          const Vhr = Vh.narrow(-2, 0, k);
          return S.mul(w(c.wS, sShape))
            .sum()
            .add(
              Ur.mul(Ur)
                .mul(w(c.wU, [...lead, m, k]))
                .sum(),
            )
            .add(
              Vhr.mul(Vhr)
                .mul(w(c.wVh, [...lead, k, n]))
                .sum(),
            );
        });
      }
      for (const [name, ord] of [
        ['Nuc', 'nuc'],
        ['Two', 2],
        ['MinusTwo', -2],
      ] as const) {
        check(name, (x) =>
          torch.linalg
            .matrixNorm(x, ord)
            .mul(w(c[`w${name}`] as Nested, lead))
            .sum(),
        );
      }
    });
  }
});

describe('matrix norms through the SVD', () => {
  it('torch.norm(x, "nuc", dim, keepdim): values, shapes, gradients and node chains', () => {
    for (const d of FIX.normDims) {
      const a = t64(FIX.x3, [2, 3, 4]).requiresGrad_();
      const r = torch.norm(a, 'nuc', d.dim, d.keepdim);
      expect(r.shape).toEqual(d.shape);
      expectClose(r, flat(d.value), 1e-12, 1e-12);
      expect(chain(r)).toEqual(d.chain);
      const [g] = torch.autograd.grad(r.sum(), [a]);
      expectClose(g, flat(d.grad), 1e-10, 1e-11);
    }
  });
  it('torch.linalg.matrixNorm(x, ord, { dim, keepdim }) for fro, nuc, 2, -2', () => {
    for (const d of FIX.matrixNormDims) {
      const a = t64(FIX.x3, [2, 3, 4]).requiresGrad_();
      const r = torch.linalg.matrixNorm(a, d.ord as 'fro' | 'nuc' | number, { dim: d.dim, keepdim: d.keepdim });
      expect(r.shape).toEqual(d.shape);
      expectClose(r, flat(d.value), 1e-12, 1e-12);
      expect(chain(r)).toEqual(d.chain);
      const [g] = torch.autograd.grad(r.sum(), [a]);
      expectClose(g, flat(d.grad), 1e-10, 1e-11);
    }
  });
  it('float32: singular values and the nuclear norm computed in float64 inside, rounded', () => {
    for (const c of FIX.float32) {
      const shape = [(c.A as Nested[]).length, ((c.A as Nested[])[0] as Nested[]).length];
      const a = torch.tensor(flat(c.A)).reshape(shape).requiresGrad_();
      const s = torch.linalg.svdvals(a);
      expect(s.dtype).toBe('float32');
      expectClose(s, c.S, 1e-6, 1e-6);
      const n = torch.norm(a, 'nuc');
      expectClose(n, [c.nuc], 1e-6, 1e-6);
      n.backward();
      expectClose(a.grad, flat(c.grad), 1e-5, 1e-5);
    }
  });
  it('node names: LinalgSvdBackward0 for svd, svdvals and the norms, as PyTorch 1.13', () => {
    const x = t64(FIX.x3, [2, 3, 4]).requiresGrad_();
    expect(chain(torch.linalg.svdvals(x))).toEqual(FIX.chains.svdvals);
    expect(torch.linalg.svd(x).map(chain)).toEqual(FIX.chains.svd);
    expect(chain(torch.norm(x.select(0, 0), 'nuc'))).toEqual(FIX.chains.nuc2d);
    const x0 = x.detach().select(0, 0).clone().requiresGrad_();
    const [g] = torch.autograd.grad(torch.norm(x0, 'nuc'), [x0], { createGraph: true });
    expect(chain(g as Tensor)).toEqual(FIX.chains.grad2nuc);
  });
  it("'fro': PyTorch's LinalgVectorNormBackward0, zero gradient at a zero matrix, its double-backward graph and values", () => {
    const z = torch.zeros([2, 3], { dtype: 'float64', requiresGrad: true });
    expect(values(torch.autograd.grad(torch.linalg.matrixNorm(z), [z])[0] as Tensor)).toEqual(FIX.chains.zeroFroGrad);
    const x = t64(FIX.x3, [2, 3, 4]).requiresGrad_();
    const [g] = torch.autograd.grad(torch.linalg.matrixNorm(x, 'fro', { dim: [2, 0] }).sum(), [x], { createGraph: true });
    expect(tree((g as Tensor).gradFn as unknown as Node)).toEqual(FIX.chains.grad2fro);
    const [g1] = torch.autograd.grad(torch.linalg.matrixNorm(x, 'fro', { dim: [0, 2] }).sum(), [x], { createGraph: true });
    const w = t64(FIX.chains.fro2ndW, [2, 3, 4]);
    const [g2] = torch.autograd.grad((g1 as Tensor).mul(w).sum(), [x]);
    expectClose(g2 as Tensor, FIX.chains.fro2ndGrad, 1e-10, 1e-11);
  });
});

describe('matrix norms without the SVD: ord 1, -1, inf, -inf', () => {
  // torch.linalg.matrix_norm(A, ord, keepdim=kd) and the gradient of (y * [1, 2]).sum() for A below
  // (float64), printed by PyTorch 1.13 with their zeros' signs, with grad_fn and next_functions.
  const A = [
    [
      [1, -2, 3],
      [4, 5, -6],
    ],
    [
      [0.5, 2, -1],
      [3, -1, 2],
    ],
  ];
  const CASES: [number, number[], number[], string][] = [
    [1, [9, 3.5], [0, -0, 1, 0, 0, -1, 2, 0, -0, 2, -0, 0], 'AmaxBackward0'],
    [-1, [5, 3], [1, -0, 0, 1, 0, -0, 0, 1, -1, 0, -1, 1], 'AminBackward0'],
    [Infinity, [15, 6], [0, -0, 0, 1, 1, -1, 0, 0, -0, 2, -2, 2], 'AmaxBackward0'],
    [-Infinity, [6, 3.5], [1, -1, 1, 0, 0, -0, 2, 2, -2, 0, -0, 0], 'AminBackward0'],
  ];
  it('values, gradients, shapes and nodes as PyTorch', () => {
    for (const [ord, want, grad, node] of CASES) {
      for (const keepdim of [false, true]) {
        const a = torch.tensor(A, { dtype: 'float64', requiresGrad: true });
        const y = torch.linalg.matrixNorm(a, ord, { keepdim });
        expect(y.shape).toEqual(keepdim ? [2, 1, 1] : [2]);
        expect(values(y)).toEqual(want);
        expect(y.gradFn?.name()).toBe(node);
        expect(y.gradFn?.nextFunctions[0]?.[0]?.name()).toBe('LinalgVectorNormBackward0');
        y.mul(torch.tensor([1, 2], { dtype: 'float64' }).reshape(y.shape))
          .sum()
          .backward();
        expect(values(a.grad as Tensor)).toEqual(grad);
      }
    }
    // dims (0, 2): the 1-norms over dim 0, then the max over what was dim 2
    expect(values(torch.linalg.matrixNorm(torch.tensor(A), 1, { dim: [0, 2] }))).toEqual([4, 8]);
  });
});

describe('linalg errors: PyTorch 1.13 messages, and the library keeps working', () => {
  const long = (): Tensor => torch.ones([3, 3], { dtype: 'int64' });
  const cases: Record<string, () => unknown> = {
    svd1d: () => torch.linalg.svd(torch.randn(3)),
    svdvals1d: () => torch.linalg.svdvals(torch.randn(3)),
    svdLong: () => torch.linalg.svd(long()),
    svdvalsLong: () => torch.linalg.svdvals(long()),
    nucLong: () => torch.norm(long(), 'nuc'),
    nuc3d: () => torch.norm(torch.randn(2, 3, 3), 'nuc'),
    nucOneDim: () => torch.norm(torch.randn(3, 3), 'nuc', [0]),
    mn1d: () => torch.linalg.matrixNorm(torch.randn(3), 'nuc'),
    mnOrd3: () => torch.linalg.matrixNorm(torch.randn(3, 3), 3),
    mnOrdFoo: () => torch.linalg.matrixNorm(torch.randn(3, 3), 'foo' as 'nuc'),
    mnSameDims: () => torch.linalg.matrixNorm(torch.randn(3, 3), 'nuc', { dim: [0, 0] }),
    mnLong: () => torch.linalg.matrixNorm(long(), 'nuc'),
  };
  for (const [name, f] of Object.entries(cases)) {
    it(name, () => {
      expect(err(f)).toBe(FIX.errors[name][1]);
      expectClose(
        torch.linalg.svdvals(
          torch.tensor([
            [3, 0],
            [0, 4],
          ]),
        ),
        [4, 3],
      );
    });
  }
  it('unknown options and a non-bool fullMatrices are refused', () => {
    expect(() => torch.linalg.svd(torch.randn(2, 2), { fullMatrix: true } as never)).toThrow(/fullMatrix/);
    expect(() => torch.linalg.svd(torch.randn(2, 2), { fullMatrices: 1 } as never)).toThrow(/fullMatrices/);
  });
  it('an empty matrix: full factors are identities (as LAPACK)', () => {
    const [U, S, Vh] = torch.linalg.svd(torch.zeros([0, 3], { dtype: 'float64' }));
    expect(U.shape).toEqual(FIX.empty.U);
    expect(S.shape).toEqual(FIX.empty.S);
    expectClose(Vh, flat(FIX.empty.Vh));
  });
});
