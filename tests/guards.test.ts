// Memory safety: no kernel reads or writes outside the storages of its operands.
//
// With the storage layer's debug guards on (ts/storage_guards.ts setGuards), every storage is surrounded
// by 64 guard bytes of a pattern, starts out filled with it, and is refilled with it when freed.
// Every op the library exports runs forward and backward, in float32 and float64, on shapes whose
// lengths hit every SIMD tail (0, 1, 3, 4, 5, 7, 8), 0-d and empty tensors, broadcast operands and
// transposed / strided / expanded views, twice: once with a NaN pattern (0xff bytes) and once with
// a finite one (0x41). After each run every guard must be intact (a write outside), and the two
// runs must give the same values bit for bit (a read outside a storage, of freed memory or of
// never-written output would see the pattern, and so differ).
//
// The ops are enumerated from what the library exports (torch.*, torch.nn.functional.*, Tensor
// methods): each gets the targeted cases below if it has some, and every export, known or new, is
// also probed with generic arguments. A last group shows the harness catches a corrupted guard,
// an over-read and an over-write.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { torch, Tensor } from '../ts/index.js';
import { ENTRIES } from '../ts/ops/index.js';
import type { DType } from '../ts/index.js';
import { checkGuards, setGuards } from '../ts/storage_guards.js';
import { memoryBuffer } from '../ts/core/wasm.js';

const F = torch.nn.functional;
const PATTERNS = [0xff, 0x41] as const;
const FLOATS: DType[] = ['float32', 'float64'];
const TAILS = [0, 1, 3, 4, 5, 7, 8];

// ---- inputs -------------------------------------------------------------------------------------

/** Deterministic values, nonzero, of both signs; `pos`: in [0.25, 3]. */
function valuesFor(n: number, seed: number, pos: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = (((i + 1) * 7919 + seed * 104729) % 23) / 4 - 2.6;
    out.push(pos ? Math.abs(v) + 0.25 : v);
  }
  return out;
}

type Layout = 'contiguous' | 'transposed' | 'strided' | 'expanded';

interface Input {
  shape: number[];
  layout?: Layout;
  dtype?: DType;
  pos?: boolean;
}

/** The leaves made for the current run (their gradients are read after backward). */
let leaves: Tensor[] = [];
let seedCounter = 0;

/** A tensor of `shape` with the given layout; float inputs are views of a leaf that requires grad. */
function make(inp: Input, dtype: DType): Tensor {
  const dt = inp.dtype ?? dtype;
  const shape = inp.shape;
  const layout = inp.layout ?? 'contiguous';
  const float = dt === 'float32' || dt === 'float64';
  let baseShape = shape;
  if (layout === 'transposed') baseShape = [...shape].reverse();
  if (layout === 'strided') baseShape = shape.length ? [...shape.slice(0, -1), shape[shape.length - 1] * 2 + 1] : shape;
  if (layout === 'expanded') baseShape = shape.length ? [1, ...shape.slice(1)] : shape;
  const n = baseShape.reduce((a, b) => a * b, 1);
  const vals = valuesFor(n, ++seedCounter, inp.pos ?? false);
  let base: Tensor;
  if (dt === 'int64')
    base = torch
      .tensor(
        vals.map((v) => BigInt(Math.abs(Math.round(v)) % 3)),
        { dtype: 'int64' },
      )
      .reshape(baseShape);
  else if (dt === 'bool') base = torch.tensor(vals.map((v) => v > 0)).reshape(baseShape);
  else base = torch.tensor(vals, { dtype: dt }).reshape(baseShape);
  if (float) {
    base = base.detach().requiresGrad_(true);
    leaves.push(base);
  }
  if (layout === 'transposed') return base.permute(shape.map((_, i) => shape.length - 1 - i));
  if (layout === 'strided' && shape.length) return base.narrow(shape.length - 1, 1, shape[shape.length - 1]);
  if (layout === 'expanded' && shape.length) return base.expand(shape);
  return base;
}

const idx = (v: number[]): Tensor => torch.tensor(v.map(BigInt), { dtype: 'int64' });

/** Shapes of one operand: every tail length, 0-d, 2-D, and the non-contiguous layouts. */
const ONE: Input[] = [
  { shape: [] },
  ...TAILS.map((n) => ({ shape: [n] })),
  { shape: [2, 7] },
  { shape: [3, 0] },
  { shape: [5, 3], layout: 'transposed' },
  { shape: [4, 5], layout: 'strided' },
  { shape: [3, 7], layout: 'expanded' },
  { shape: [2, 3, 5], layout: 'transposed' },
];

/** Operand pairs: same shapes at every tail, broadcasting, 0-d, empty and views. */
const TWO: [Input, Input][] = [
  ...TAILS.map((n): [Input, Input] => [{ shape: [n] }, { shape: [n] }]),
  [{ shape: [3, 1] }, { shape: [5] }],
  [{ shape: [2, 1, 4] }, { shape: [3, 1] }],
  [{ shape: [] }, { shape: [7] }],
  [{ shape: [9] }, { shape: [] }],
  [{ shape: [] }, { shape: [] }],
  [{ shape: [0] }, { shape: [1] }],
  [{ shape: [5, 3], layout: 'transposed' }, { shape: [5, 3] }],
  [
    { shape: [4, 5], layout: 'strided' },
    { shape: [4, 5], layout: 'transposed' },
  ],
  [
    { shape: [3, 7], layout: 'expanded' },
    { shape: [7], layout: 'strided' },
  ],
  [{ shape: [4, 3] }, { shape: [4, 3], dtype: 'float64' }],
];

// ---- the ops ------------------------------------------------------------------------------------

type Case = () => Tensor | Tensor[];
/** For a float dtype, the cases of one op. */
type CaseGen = (dt: DType) => Case[];

const unary =
  (f: (a: Tensor) => Tensor, pos = false): CaseGen =>
  (dt) =>
    ONE.map((inp) => () => f(make({ ...inp, pos }, dt)));
const binary =
  (f: (a: Tensor, b: Tensor) => Tensor, posB = false): CaseGen =>
  (dt) =>
    TWO.map(
      ([a, b]) =>
        () =>
          f(make(a, dt), make({ ...b, pos: posB }, dt)),
    );
const scalarRight =
  (f: (a: Tensor, s: number) => Tensor, s: number): CaseGen =>
  (dt) =>
    ONE.map((inp) => () => f(make({ ...inp, pos: true }, dt), s));

/** Reductions over all dims, each dim, kept or not, and two dims at once. */
const REDUCE_INPUTS: [Input, number[] | undefined, boolean][] = [
  ...TAILS.filter((n) => n > 0).map((n): [Input, number[] | undefined, boolean] => [{ shape: [n] }, undefined, false]),
  ...TAILS.filter((n) => n > 0).map((n): [Input, number[] | undefined, boolean] => [{ shape: [3, n] }, [1], true]),
  [{ shape: [] }, undefined, false],
  [{ shape: [7, 5] }, [0], false],
  [{ shape: [5, 3], layout: 'transposed' }, [1], false],
  [{ shape: [4, 5], layout: 'strided' }, [0], true],
  [{ shape: [3, 7], layout: 'expanded' }, [1], false],
  [{ shape: [2, 3, 4] }, [0, 2], true],
  [{ shape: [2, 3, 5], layout: 'transposed' }, [1], false],
];
const reduce =
  (f: (a: Tensor, dims: number[] | undefined, keep: boolean) => Tensor): CaseGen =>
  (dt) =>
    REDUCE_INPUTS.map(
      ([inp, dims, keep]) =>
        () =>
          f(make(inp, dt), dims, keep),
    );
/** Softmax-like ops along one dim (the last, the first, a middle one). */
const alongDim =
  (f: (a: Tensor, dim: number) => Tensor): CaseGen =>
  (dt) => [
    ...TAILS.map((n) => () => f(make({ shape: [2, n] }, dt), 1)),
    () => f(make({ shape: [] }, dt), 0),
    () => f(make({ shape: [5, 3], layout: 'transposed' }, dt), 0),
    () => f(make({ shape: [4, 5], layout: 'strided' }, dt), 1),
    () => f(make({ shape: [2, 3, 4] }, dt), 1),
  ];

/** (M, K, N) with every tail among them, plus empty sizes. */
const MKN: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 7],
  [4, 8, 4],
  [5, 3, 8],
  [7, 7, 7],
  [8, 1, 5],
  [1, 4, 3],
  [9, 17, 5],
  [0, 3, 4],
  [3, 0, 4],
  [3, 4, 0],
];
const mmCases =
  (f: (a: Tensor, b: Tensor) => Tensor): CaseGen =>
  (dt) => [
    ...MKN.map(
      ([m, k, n]) =>
        () =>
          f(make({ shape: [m, k] }, dt), make({ shape: [k, n] }, dt)),
    ),
    () => f(make({ shape: [5, 3], layout: 'transposed' }, dt), make({ shape: [3, 4], layout: 'transposed' }, dt)),
    () => f(make({ shape: [4, 5], layout: 'strided' }, dt), make({ shape: [5, 3], layout: 'strided' }, dt)),
  ];

/** Index tensors valid for a dim of size n (repeats included). */
const indexFor = (n: number): Tensor => idx(n === 0 ? [] : [n - 1, 0, n - 1, Math.floor(n / 2)]);

/** nll / cross-entropy inputs: [N, C] scores and N class indices. */
const classCases =
  (f: (x: Tensor, t: Tensor) => Tensor, logp = false): CaseGen =>
  (dt) =>
    [1, 3, 4, 5, 7, 8].map((c) => () => {
      const x = make({ shape: [3, c] }, dt);
      return f(logp ? x.logSoftmax(1) : x, idx([0, c - 1, Math.floor(c / 2)]));
    });

const creation =
  (f: (shape: number[], dt: DType) => Tensor): CaseGen =>
  (dt) =>
    [[], [0], [1], [3], [4], [5], [7], [8], [2, 9]].map((s) => () => f(s, dt));
const like =
  (f: (t: Tensor) => Tensor): CaseGen =>
  (dt) =>
    ONE.map((inp) => () => f(make(inp, dt)));

/** The op table of this test, keyed by exported name. */
const OPS: Record<string, CaseGen> = {
  // creation
  tensor: (dt) => [
    () => torch.tensor([1, 2, 3, 4, 5], { dtype: dt }),
    () => torch.tensor([[1, 2, 3]], { dtype: dt }),
    () => torch.tensor(2.5, { dtype: dt }),
    () => torch.tensor([], { dtype: dt }),
  ],
  fromArray: (dt) =>
    TAILS.map(
      (n) => () => torch.fromArray(dt === 'float64' ? new Float64Array(valuesFor(n, 1, false)) : new Float32Array(valuesFor(n, 1, false))),
    ),
  zeros: creation((s, dt) => torch.zeros(s, { dtype: dt })),
  ones: creation((s, dt) => torch.ones(s, { dtype: dt })),
  empty: creation((s, dt) => torch.empty(s, { dtype: dt }).fill_(1)),
  full: creation((s, dt) => torch.full(s, -2.5, { dtype: dt })),
  arange: (dt) => TAILS.map((n) => () => torch.arange(n, { dtype: dt })),
  linspace: (dt) => TAILS.map((n) => () => torch.linspace(-1, 2, n, { dtype: dt })),
  rand: creation((s, dt) => torch.rand(s, { dtype: dt })),
  randn: creation((s, dt) => torch.randn(s, { dtype: dt })),
  randperm: (dt) => TAILS.map((n) => () => torch.randperm(n, { dtype: dt })),
  randint: creation((s, dt) => torch.randint(-3, 5, s, { dtype: dt })),
  zerosLike: like((t) => torch.zerosLike(t)),
  onesLike: like((t) => torch.onesLike(t)),
  fullLike: like((t) => torch.fullLike(t, 3)),
  randLike: like((t) => torch.randLike(t)),
  randnLike: like((t) => torch.randnLike(t)),
  // elementwise
  add: binary((a, b) => a.add(b, { alpha: 0.5 })),
  sub: binary((a, b) => a.sub(b)),
  mul: binary((a, b) => a.mul(b)),
  div: binary((a, b) => a.div(b), true),
  pow: binary((a, b) => a.abs().pow(b)),
  maximum: binary((a, b) => a.maximum(b)),
  minimum: binary((a, b) => a.minimum(b)),
  neg: unary((a) => a.neg()),
  exp: unary((a) => a.exp()),
  log: unary((a) => a.log(), true),
  sqrt: unary((a) => a.sqrt(), true),
  abs: unary((a) => a.abs()),
  sin: unary((a) => a.sin()),
  cos: unary((a) => a.cos()),
  tanh: unary((a) => a.tanh()),
  sigmoid: unary((a) => a.sigmoid()),
  relu: unary((a) => a.relu()),
  square: unary((a) => a.square()),
  reciprocal: unary((a) => a.reciprocal(), true),
  sign: unary((a) => a.sign()),
  clamp: unary((a) => a.clamp(-0.5, 0.7)),
  clip: unary((a) => a.clip(-1, null)),
  leakyRelu: unary((a) => F.leakyRelu(a, 0.2)),
  powScalar: scalarRight((a, s) => a.pow(s), 2.5),
  rpow: scalarRight((a, s) => torch.pow(s, a), 1.5),
  rsub: scalarRight((a, s) => torch.sub(s, a), 2),
  rdiv: scalarRight((a, s) => torch.div(s, a), 3),
  // comparisons and selection
  gt: binary((a, b) => a.gt(b)),
  lt: binary((a, b) => a.lt(b)),
  ge: binary((a, b) => a.ge(b)),
  le: binary((a, b) => a.le(b)),
  eq: binary((a, b) => a.eq(b.detach().mul(0).add(a.detach()))),
  ne: binary((a, b) => a.ne(b)),
  where: (dt) =>
    TWO.map(([a, b]) => () => {
      const x = make(a, dt);
      const y = make(b, dt);
      return torch.where(x.detach().gt(0), x, y);
    }),
  // reductions
  sum: reduce((a, d, k) => (d ? a.sum(d, k) : a.sum())),
  mean: reduce((a, d, k) => (d ? a.mean(d, k) : a.mean())),
  amax: reduce((a, d, k) => (d ? a.amax(d, k) : a.amax())),
  amin: reduce((a, d, k) => (d ? a.amin(d, k) : a.amin())),
  logsumexp: reduce((a, d, k) => a.logsumexp(d ?? a._shape.map((_, i) => i), k)),
  var: reduce((a, d, k) => (d ? a.var(d, true, k) : a.var())),
  std: reduce((a, d, k) => (d ? a.std(d, false, k) : a.std())),
  softmax: alongDim((a, d) => a.softmax(d)),
  logSoftmax: alongDim((a, d) => a.logSoftmax(d)),
  // scans and selections (ts/ops/scan.ts)
  prod: reduce((a, d, k) => (d ? a.prod(d[0], k) : a.prod())),
  cumsum: alongDim((a, d) => a.cumsum(d)),
  norm: reduce((a, d, k) => (d ? a.norm(1, d[0], k) : a.norm())),
  max: reduce((a, d, k) => (d ? a.max(d[0], k)[0] : a.max())),
  min: reduce((a, d, k) => (d ? a.min(d[0], k).values : a.min())),
  argmax: reduce((a, d, k) => (d ? a.argmax(d[0], k) : a.argmax()).double()),
  argmin: reduce((a, d, k) => (d ? a.argmin(d[0], k) : a.argmin()).double()),
  gather: unary((a) => {
    if (a.ndim === 0) return a.gather(0, idx([0]).reshape([]));
    const n = a._shape[0];
    const rest = a._shape.slice(1);
    return a.gather(0, (n ? idx([n - 1, 0, n - 1]) : idx([])).reshape([n ? 3 : 0, ...rest.map(() => 1)]).expand([n ? 3 : 0, ...rest]));
  }),
  maskedFill: binary((a, b) => a.maskedFill(b.detach().gt(0), 0.5)),
  maskedSelect: binary((a, b) => a.maskedSelect(b.detach().gt(0))),
  maskedFill_: unary((a) => a.mul(1).maskedFill_(a.detach().gt(0), 0.5)),
  indexPut_: unary((a) => (a.ndim ? a.mul(1).indexPut_([a.detach().gt(0)], 0.5) : a.mul(1))),
  // int64 indices with a repeat (first and last rows, the last twice), accumulating
  indexPut: unary((a) => {
    if (a.ndim === 0 || a._shape[0] === 0) return a.mul(1);
    const n = a._shape[0];
    return torch.indexPut(a, [idx([n - 1, 0, -1])], a.select(0, 0).mul(2), true);
  }),
  // products
  matmul: (dt) => [
    ...mmCases((a, b) => a.matmul(b))(dt),
    ...TAILS.map((n) => () => make({ shape: [n] }, dt).matmul(make({ shape: [n] }, dt))),
    () => make({ shape: [2, 3, 5] }, dt).matmul(make({ shape: [5, 4] }, dt)),
    () => make({ shape: [3, 5] }, dt).matmul(make({ shape: [2, 5, 7] }, dt)),
    () => make({ shape: [1, 3, 4] }, dt).matmul(make({ shape: [3, 4, 2] }, dt)),
    () => make({ shape: [7] }, dt).matmul(make({ shape: [7, 3] }, dt)),
    () => make({ shape: [3, 7], layout: 'strided' }, dt).matmul(make({ shape: [7] }, dt)),
  ],
  mm: mmCases((a, b) => a.mm(b)),
  mv: (dt) =>
    MKN.map(
      ([m, k]) =>
        () =>
          torch.mv(make({ shape: [m, k] }, dt), make({ shape: [k] }, dt)),
    ),
  dot: (dt) => TAILS.map((n) => () => make({ shape: [n] }, dt).dot(make({ shape: [n], layout: 'strided' }, dt))),
  bmm: (dt) =>
    MKN.map(
      ([m, k, n]) =>
        () =>
          torch.bmm(make({ shape: [2, m, k] }, dt), make({ shape: [2, k, n] }, dt)),
    ),
  addmm: (dt) =>
    MKN.map(
      ([m, k, n]) =>
        () =>
          torch.addmm(make({ shape: [n] }, dt), make({ shape: [m, k] }, dt), make({ shape: [k, n] }, dt)),
    ),
  linear: (dt) =>
    MKN.map(
      ([m, k, n]) =>
        () =>
          F.linear(make({ shape: [m, k] }, dt), make({ shape: [n, k] }, dt), make({ shape: [n] }, dt)),
    ),
  // views and copies (each read back through a copy kernel)
  transpose: unary((a) => (a.ndim >= 2 ? a.transpose(0, 1) : a.transpose(0, 0)).mul(2)),
  t: unary((a) => (a.ndim <= 2 ? a.t() : a).mul(2)),
  T: unary((a) => a.T.mul(2)),
  reshape: unary((a) => a.reshape(-1).mul(2)),
  view: unary((a) => (a.isContiguous() ? a.view(-1) : a.reshape(-1)).mul(2)),
  flatten: unary((a) => a.flatten().mul(2)),
  squeeze: unary((a) => a.unsqueeze(0).squeeze(0).squeeze().mul(2)),
  unsqueeze: unary((a) => a.unsqueeze(-1).mul(2)),
  expand: unary((a) => a.expand([2, ...a._shape]).mul(2)),
  expandAs: unary((a) => a.expandAs(torch.zeros([3, ...a._shape])).mul(2)),
  permute: unary((a) => a.permute(a._shape.map((_, i) => a.ndim - 1 - i)).contiguous()),
  narrow: unary((a) => (a.ndim && a._shape[0] > 1 ? a.narrow(0, 1, a._shape[0] - 1) : a).mul(2)),
  select: unary((a) => (a.ndim && a._shape[0] > 0 ? a.select(0, -1) : a).mul(2)),
  indexSelect: unary((a) => (a.ndim ? a.indexSelect(0, indexFor(a._shape[0])) : a.indexSelect(0, idx([0, 0])))),
  cat: binary((a, b) => torch.cat([a.reshape(-1), b.reshape(-1), a.reshape(-1)], 0)),
  stack: unary((a) => torch.stack([a, a.mul(2), a], 0)),
  unbind: unary((a) =>
    a.ndim
      ? torch.stack(
          a.unbind(-1).map((v) => v.mul(2)),
          -1,
        )
      : a.mul(2),
  ),
  split: unary((a) =>
    a.ndim
      ? torch.cat(
          [...a.split(2, -1), ...a.split([a._shape[a.ndim - 1], 0], -1)].map((v) => v.mul(2)),
          -1,
        )
      : a.mul(2),
  ),
  chunk: unary((a) =>
    a.ndim
      ? torch.cat(
          a.chunk(3, 0).map((v) => v.mul(2)),
          0,
        )
      : a.mul(2),
  ),
  unsafeSplit: unary((a) =>
    a.ndim
      ? torch.cat(
          a.unsafeSplit(2, -1).map((v) => v.mul(2)),
          -1,
        )
      : a.mul(2),
  ),
  unsafeChunk: unary((a) =>
    a.ndim
      ? torch.cat(
          a.unsafeChunk(3, 0).map((v) => v.mul(2)),
          0,
        )
      : a.mul(2),
  ),
  contiguous: unary((a) => a.contiguous()),
  clone: unary((a) => a.clone()),
  detach: unary((a) => a.detach().mul(a)),
  registerHook: unary((a) => {
    const x = a.detach().requiresGrad_(true);
    x.registerHook((g) => g.mul(2));
    x.mul(x).sum().backward();
    return x.grad as Tensor;
  }),
  to: unary((a) => a.to(a.dtype === 'float64' ? 'float32' : 'float64')),
  float: unary((a) => a.float().mul(2)),
  double: unary((a) => a.double().mul(2)),
  long: unary((a) => a.mul(3).long().double()),
  bool: unary((a) => a.bool().double()),
  // losses
  // (operands brought to their broadcast shape first: the losses want equal shapes)
  mseLoss: binary((a, b) => F.mseLoss(a.add(b.mul(0)), b.add(a.mul(0)))),
  binaryCrossEntropyWithLogits: binary((a, b) => F.binaryCrossEntropyWithLogits(a.add(b.mul(0)), b.sigmoid().add(a.mul(0)))),
  nllLoss: classCases((x, t) => F.nllLoss(x, t), true),
  crossEntropy: classCases((x, t) => F.crossEntropy(x, t)),
  l1Loss: binary((a, b) => F.l1Loss(a.add(b.mul(0)), b.add(a.mul(0)))),
  smoothL1Loss: binary((a, b) => F.smoothL1Loss(a.add(b.mul(0)), b.add(a.mul(0)), { beta: 0.5 })),
  huberLoss: binary((a, b) => F.huberLoss(a.add(b.mul(0)), b.add(a.mul(0)), { delta: 0.5 })),
  binaryCrossEntropy: binary((a, b) => F.binaryCrossEntropy(a.add(b.mul(0)).sigmoid(), b.add(a.mul(0)).sigmoid())),
  klDiv: binary((a, b) => F.klDiv(a.add(b.mul(0)), b.add(a.mul(0)).exp(), { reduction: 'batchmean' })),
  cosineSimilarity: binary((a, b) => torch.cosineSimilarity(a, b, -1)),
  einsum: (dt) =>
    MKN.map(
      ([m, k, n]) =>
        () =>
          torch.einsum('bij,bkj->bik', make({ shape: [2, m, k] }, dt), make({ shape: [2, n, k], layout: 'strided' }, dt)),
    ),
  // convolution and pooling (odd sizes: edge tiles of im2col and of the GEMM)
  conv2d: (dt) => [
    () => F.conv2d(make({ shape: [2, 3, 7, 5] }, dt), make({ shape: [5, 3, 3, 2] }, dt), make({ shape: [5] }, dt)),
    () => F.conv2d(make({ shape: [1, 4, 5, 5] }, dt), make({ shape: [6, 2, 3, 3] }, dt), null, { stride: 2, padding: 1, groups: 2 }),
    () => F.conv2d(make({ shape: [1, 3, 6, 7] }, dt), make({ shape: [9, 3, 2, 3] }, dt), null, { padding: 'same', dilation: [2, 1] }),
  ],
  maxPool2d: (dt) => [
    () => F.maxPool2d(make({ shape: [2, 3, 7, 5] }, dt), 2),
    () => F.maxPool2d(make({ shape: [3, 6, 7] }, dt), [3, 2], { stride: [2, 1], padding: 1, dilation: [1, 2] }),
    () => F.maxPool2d(make({ shape: [1, 2, 6, 7] }, dt), 3, { stride: 2, padding: 1, ceilMode: true, returnIndices: true })[0],
  ],
  maxPool1d: (dt) => [
    () => F.maxPool1d(make({ shape: [2, 3, 7] }, dt), 2),
    () => F.maxPool1d(make({ shape: [3, 8] }, dt), 3, { stride: 2, padding: 1, dilation: 2, ceilMode: true }),
    () => F.maxPool1d(make({ shape: [2, 3, 7] }, dt), 3, { stride: 2, returnIndices: true })[0],
  ],
  avgPool1d: (dt) => [
    () => F.avgPool1d(make({ shape: [2, 3, 7] }, dt), 2),
    () => F.avgPool1d(make({ shape: [3, 8] }, dt), 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
  ],
  avgPool2d: (dt) => [
    () => F.avgPool2d(make({ shape: [2, 3, 7, 5] }, dt), 2),
    () => F.avgPool2d(make({ shape: [3, 6, 7] }, dt), 3, { stride: 2, padding: 1, countIncludePad: false }),
    () => F.avgPool2d(make({ shape: [1, 2, 6, 7] }, dt), 3, { stride: 2, padding: 1, ceilMode: true, divisorOverride: 2 }),
  ],
  adaptiveMaxPool2d: (dt) => [
    () => F.adaptiveMaxPool2d(make({ shape: [2, 3, 7, 5] }, dt), [3, 2]),
    () => F.adaptiveMaxPool2d(make({ shape: [3, 5, 7] }, dt), 4, { returnIndices: true })[0],
  ],
  maxUnpool2d: (dt) => [
    () => {
      const [y, i] = F.maxPool2d(make({ shape: [2, 3, 7, 5] }, dt), 2, { returnIndices: true });
      return F.maxUnpool2d(y, i, 2, { outputSize: [7, 5] });
    },
    () => {
      const [y, i] = F.maxPool2d(make({ shape: [3, 5, 7] }, dt), 3, { stride: 1, padding: 1, returnIndices: true });
      return F.maxUnpool2d(y, i, 3, { stride: 1, padding: 1 });
    },
  ],
  adaptiveAvgPool2d: (dt) => [
    () => F.adaptiveAvgPool2d(make({ shape: [2, 3, 7, 5] }, dt), [3, 2]),
    () => F.adaptiveAvgPool2d(make({ shape: [3, 5, 7] }, dt), 4),
  ],
  convTranspose2d: (dt) => [
    () =>
      F.convTranspose2d(make({ shape: [2, 3, 4, 3] }, dt), make({ shape: [3, 5, 3, 2] }, dt), make({ shape: [5] }, dt), {
        stride: 2,
        padding: 1,
        outputPadding: 1,
      }),
    () => F.convTranspose2d(make({ shape: [4, 3, 5] }, dt), make({ shape: [4, 3, 3, 3] }, dt), null, { groups: 2, dilation: [1, 2] }),
  ],
  conv1d: (dt) => [
    () => F.conv1d(make({ shape: [2, 3, 9] }, dt), make({ shape: [5, 3, 3] }, dt), make({ shape: [5] }, dt), { stride: 2, padding: 2 }),
    () => F.conv1d(make({ shape: [1, 4, 7] }, dt), make({ shape: [4, 1, 4] }, dt), null, { groups: 4, padding: 'same' }),
  ],
  // in place (on fresh tensors here; on views, with the region outside checked, further down)
  add_: binary((a, b) => a.mul(1).add_(b.detach(), { alpha: 2 })),
  sub_: binary((a, b) => a.mul(1).sub_(b.detach())),
  mul_: binary((a, b) => a.mul(1).mul_(b.detach())),
  div_: binary((a, b) => a.mul(1).div_(b.detach()), true),
  zero_: unary((a) => a.mul(1).zero_()),
  fill_: unary((a) => a.mul(1).fill_(0.25)),
  copy_: binary((a, b) => a.mul(1).copy_(b)),
  // activations and norms (ts/ops/activations.ts, ts/ops/norms.ts)
  gelu: unary((a) => F.gelu(a).add(F.gelu(a, { approximate: 'tanh' }))),
  silu: unary((a) => F.silu(a)),
  elu: unary((a) => F.elu(a, { alpha: 0.5 })),
  softplus: unary((a) => F.softplus(a, { beta: 2, threshold: 1 })),
  hardtanh: unary((a) => F.hardtanh(a, { minVal: -0.5, maxVal: 0.7 })),
  layerNorm: (dt) =>
    TAILS.filter((n) => n > 0).map(
      (n) => () => F.layerNorm(make({ shape: [2, n] }, dt), [n], make({ shape: [n] }, dt), make({ shape: [n] }, dt)),
    ),
  groupNorm: (dt) =>
    [1, 3, 4, 5].map((n) => () => F.groupNorm(make({ shape: [2, 4, n] }, dt), 2, make({ shape: [4] }, dt), make({ shape: [4] }, dt))),
  batchNorm: (dt) =>
    [1, 3, 4, 5, 7].flatMap((n) => [
      () =>
        F.batchNorm(
          make({ shape: [2, n, 3] }, dt),
          torch.zeros([n], { dtype: dt }),
          torch.ones([n], { dtype: dt }),
          make({ shape: [n] }, dt),
          null,
          { training: true },
        ),
      () => F.batchNorm(make({ shape: [2, n] }, dt), torch.zeros([n], { dtype: dt }), torch.ones([n], { dtype: dt })),
    ]),
  embedding: (dt) => [
    ...[1, 3, 4, 5, 8].map((n) => () => F.embedding(indexFor(n), make({ shape: [n, 3] }, dt), { paddingIdx: 0 })),
    ...[1, 3, 4, 5, 8].map(
      (n) => () => F.embedding(indexFor(n), make({ shape: [n, 3] }, dt), { maxNorm: 0.5, normType: 1, scaleGradByFreq: true }),
    ),
  ],
  pad: (dt) => [
    ...unary((a) => F.pad(a, a.ndim ? [1, 2] : [], { value: 0.5 }))(dt),
    ...TAILS.filter((n) => n >= 3).flatMap((n) => [
      () => F.pad(make({ shape: [2, n] }, dt), [2, 1], { mode: 'reflect' }),
      () => F.pad(make({ shape: [1, 2, 3, n] }, dt), [1, 2, 2, -1], { mode: 'reflect' }),
      () => F.pad(make({ shape: [2, 2, n] }, dt), [3, -1], { mode: 'replicate' }),
      () => F.pad(make({ shape: [1, 2, 2, 2, n] }, dt), [1, 1, 0, 2, 1, 0], { mode: 'replicate' }),
      () => F.pad(make({ shape: [1, 2, 3, n] }, dt), [1, 2, 1, -1], { mode: 'circular' }),
    ]),
  ],
  dropout: unary((a) =>
    F.dropout(a, { p: 0.5 })
      .mul(0)
      .add(F.dropout(a, { p: 0 })),
  ),
};

/** Exported names that are not tensor ops (lifetimes, modes, metadata, reading values). */
const NOT_OPS = new Set([
  'Tensor',
  'Size',
  'init',
  'memory',
  'setMemoryLimit',
  'resetPeakMemory',
  'scope',
  'keep',
  'manualSeed',
  // the thread count of matrix products (tests/threads.test.ts)
  'setNumThreads',
  'getNumThreads',
  // the random generators' state (words copied in and out of the core, no tensor kernel)
  'Generator',
  'getRngState',
  'setRngState',
  'initialSeed',
  'noGrad',
  'enableGrad',
  'isGradEnabled',
  'setGradEnabled',
  'nn',
  'optim',
  'float32',
  'float64',
  'int64',
  'bool',
  'constructor',
  'dim',
  'numel',
  'size',
  'stride',
  'storageOffset',
  'isContiguous',
  'toArray',
  'dataSync',
  'tolist',
  'item',
  'toString',
  'dispose',
  'backward',
  'requiresGrad_',
  'detach_',
  'retainGrad',
  'isDisposed',
]);

/** Every exported op name: torch.*, torch.nn.functional.*, Tensor methods and getters. */
// Ops the registry makes from a kernel and a formula (unaryOp / binaryOp) get their cases from
// their entry: adding one needs no edit here.
for (const e of ENTRIES) {
  if (e.name in OPS) continue;
  const positive = (e.test.domain?.[0] ?? -1) > 0;
  if (e.signature === 'unary') OPS[e.name] = unary((a) => (e.fn as (x: Tensor) => Tensor)(a), positive);
  else if (e.signature === 'binary') OPS[e.name] = binary((a, b) => (e.fn as (x: Tensor, y: Tensor) => Tensor)(a, b), positive);
}

function exportedOps(): string[] {
  const names = new Set<string>();
  for (const [k, v] of Object.entries(torch)) if (typeof v === 'function') names.add(k);
  for (const k of Object.keys(F)) names.add(k);
  for (const k of Object.getOwnPropertyNames(Tensor.prototype)) {
    if (k.startsWith('_') || k === 'constructor') continue;
    const d = Object.getOwnPropertyDescriptor(Tensor.prototype, k)!;
    if (typeof d.value === 'function' || k === 'T' || k === 'data') names.add(k);
  }
  return [...names]
    .filter((n) => !NOT_OPS.has(n) && !/^(requiresGrad|grad|gradFn|isLeaf|shape|ndim|dtype|isDisposed|data)$/.test(n))
    .sort();
}

// ---- the harness --------------------------------------------------------------------------------

interface Outcome {
  /** Values of the outputs, then of the leaves' gradients (or the error thrown). */
  values: (number | bigint | boolean | string)[];
  faults: string[];
}

function flat(t: Tensor): (number | bigint | boolean)[] {
  return Array.from(t.toArray() as ArrayLike<number | bigint>, (v) => (t.dtype === 'bool' ? v !== 0 : v));
}

/** A deterministic gradient for `out` (not all ones, so backward kernels see varied values). */
function gradFor(out: Tensor): Tensor {
  return torch.tensor(valuesFor(out.numel(), 99, false), { dtype: out.dtype }).reshape(out._shape);
}

/** Runs `c` (forward, then backward when it can) with guards of `pattern`; everything is released. */
function runOnce(c: Case, pattern: number): Outcome {
  setGuards(pattern);
  torch.manualSeed(1234);
  seedCounter = 0;
  leaves = [];
  const values: Outcome['values'] = [];
  torch.scope(() => {
    try {
      const r = c();
      const outs = Array.isArray(r) ? r : [r];
      for (const o of outs) values.push(...flat(o));
      for (const o of outs) {
        if (o.requiresGrad && (o.dtype === 'float32' || o.dtype === 'float64')) o.backward(gradFor(o), { retainGraph: true });
      }
      for (const l of leaves) values.push(...(l.grad ? flat(l.grad) : ['no grad']));
    } catch (e) {
      values.push(`threw ${(e as Error).name}: ${(e as Error).message}`);
    }
    for (const l of leaves) l.dispose();
  });
  return { values, faults: checkGuards() };
}

/** Differences between the runs under the two patterns (bit-for-bit, NaN equal to NaN). */
function differences(a: Outcome['values'], b: Outcome['values']): string[] {
  const out: string[] = [];
  if (a.length !== b.length) out.push(`${a.length} values vs ${b.length}`);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (!Object.is(a[i], b[i])) out.push(`value ${i}: ${String(a[i])} vs ${String(b[i])}`);
  }
  return out.slice(0, 5);
}

/** The problems of one case: guard faults under either pattern, and values that depend on it. */
function check(c: Case): string[] {
  const [a, b] = PATTERNS.map((p) => runOnce(c, p));
  return [...a.faults, ...b.faults, ...differences(a.values, b.values)];
}

/** Generic arguments a new op may take, for the automatic probe. */
function probes(name: string, dt: DType): Case[] {
  const fns: Case[] = [];
  const desc = Object.getOwnPropertyDescriptor(Tensor.prototype, name);
  const getter = desc?.get;
  const viaTensor: unknown = getter
    ? function (this: Tensor) {
        return getter.call(this);
      }
    : desc?.value;
  const viaTorch = (torch as unknown as Record<string, unknown>)[name] ?? (F as unknown as Record<string, unknown>)[name];
  const argSets = (): unknown[][] => [
    [],
    [make({ shape: [4, 5] }, dt)],
    [0],
    [1],
    [-1],
    [0.5],
    [[5, 4]],
    [0, 1],
    [0, 1, 2],
    [make({ shape: [5] }, dt)],
  ];
  for (let k = 0; k < argSets().length; k++) {
    if (typeof viaTensor === 'function') {
      fns.push(() => (viaTensor as (...a: unknown[]) => Tensor).apply(make({ shape: [4, 5], layout: 'strided' }, dt), argSets()[k]));
    }
    if (typeof viaTorch === 'function') {
      fns.push(() => (viaTorch as (...a: unknown[]) => Tensor)(make({ shape: [3, 4] }, dt), ...argSets()[k]));
    }
  }
  const isTensor = (v: unknown): v is Tensor => v instanceof Tensor;
  // Results that are not tensors (a probe that returns a number) are read as nothing.
  return fns.map((f) => () => {
    const r = f() as unknown;
    if (isTensor(r)) return r;
    if (Array.isArray(r) && r.every(isTensor)) return r;
    return [];
  });
}

beforeAll(() => {
  setGuards(PATTERNS[0]);
});
afterAll(() => {
  setGuards(null);
  checkGuards();
});

describe('no kernel reads or writes outside its operands', () => {
  const ops = exportedOps();

  it('every exported op has targeted cases here', () => {
    expect(ops.filter((n) => !(n in OPS))).toEqual([]);
    expect(ops.length).toBeGreaterThan(80);
  });

  for (const dt of FLOATS) {
    it(`every op of the table, forward and backward, in ${dt}`, () => {
      const problems: string[] = [];
      let runs = 0;
      for (const [name, gen] of Object.entries(OPS)) {
        gen(dt).forEach((c, i) => {
          runs++;
          for (const p of check(c)) problems.push(`${name} case ${i}: ${p}`);
        });
      }
      expect(problems).toEqual([]);
      expect(runs).toBeGreaterThan(800);
    });
  }

  it('every export, known or new, probed with generic arguments', () => {
    const problems: string[] = [];
    for (const name of ops) {
      for (const dt of FLOATS) {
        probes(name, dt).forEach((c, i) => {
          for (const p of check(c)) problems.push(`${name} ${dt} probe ${i}: ${p}`);
        });
      }
    }
    expect(problems).toEqual([]);
  });

  it('every nn module', () => {
    const MODULES: Record<string, (dt: DType) => Case[]> = {
      Linear: (dt) =>
        MKN.map(([m, k, n]) => () => {
          const lin = new torch.nn.Linear(k, n, { dtype: dt as 'float32' | 'float64' });
          leaves.push(...lin.parameters()); // their gradients are compared, and they are released
          return lin.call(make({ shape: [m, k] }, dt));
        }),
      ReLU: (dt) => ONE.map((inp) => () => new torch.nn.ReLU().call(make(inp, dt))),
      MSELoss: (dt) => TAILS.map((n) => () => new torch.nn.MSELoss().call(make({ shape: [n] }, dt), make({ shape: [n] }, dt))),
      CrossEntropyLoss: (dt) => classCases((x, t) => new torch.nn.CrossEntropyLoss({ reduction: 'sum' }).call(x, t))(dt),
      BCEWithLogitsLoss: (dt) =>
        TAILS.map(
          (n) => () => new torch.nn.BCEWithLogitsLoss().call(make({ shape: [n] }, dt), make({ shape: [n], pos: true }, dt).sigmoid()),
        ),
      NLLLoss: (dt) => classCases((x, t) => new torch.nn.NLLLoss({ reduction: 'sum' })(x, t), true)(dt),
      Bilinear: (dt) =>
        TAILS.map((n) => () => {
          const m = new torch.nn.Bilinear(3, 2, 4, { dtype: dt as 'float32' | 'float64' });
          leaves.push(...m.parameters());
          return m(make({ shape: [n, 3] }, dt), make({ shape: [n, 2] }, dt));
        }),
      Identity: (dt) => ONE.map((inp) => () => new torch.nn.Identity()(make(inp, dt)).mul(1)),
      Flatten: (dt) => TAILS.map((n) => () => new torch.nn.Flatten()(make({ shape: [2, n, 3] }, dt))),
      Unflatten: (dt) => TAILS.map((n) => () => new torch.nn.Unflatten(1, [n, 1])(make({ shape: [2, n] }, dt))),
      LeakyReLU: (dt) => ONE.map((inp) => () => new torch.nn.LeakyReLU(0.2)(make(inp, dt))),
      Tanh: (dt) => ONE.map((inp) => () => new torch.nn.Tanh()(make(inp, dt))),
      Sigmoid: (dt) => ONE.map((inp) => () => new torch.nn.Sigmoid()(make(inp, dt))),
      Softmax: (dt) => TAILS.map((n) => () => new torch.nn.Softmax(1)(make({ shape: [3, n] }, dt))),
      LogSoftmax: (dt) => TAILS.map((n) => () => new torch.nn.LogSoftmax(1)(make({ shape: [3, n] }, dt))),
      // p = 0 in training, p = 0.5 in eval: values independent of the generator's state.
      Dropout: (dt) => ONE.map((inp) => () => new torch.nn.Dropout(0)(make(inp, dt)).add(new torch.nn.Dropout(0.5).eval()(make(inp, dt)))),
      Sequential: (dt) =>
        TAILS.map((n) => () => new torch.nn.Sequential(new torch.nn.Tanh(), new torch.nn.Sigmoid())(make({ shape: [n] }, dt))),
      ModuleList: (dt) => TAILS.map((n) => () => new torch.nn.ModuleList([new torch.nn.Tanh()]).at(-1)(make({ shape: [n] }, dt))),
      ModuleDict: (dt) => TAILS.map((n) => () => new torch.nn.ModuleDict({ a: new torch.nn.Tanh() }).get('a')(make({ shape: [n] }, dt))),
      Parameter: (dt) => TAILS.map((n) => () => new torch.nn.Parameter(make({ shape: [n] }, dt)).mul(2)),
      Conv1d: (dt) =>
        TAILS.map((n) => () => {
          const m = new torch.nn.Conv1d(2, 3, 2, { padding: 1, dtype: dt as 'float32' | 'float64' });
          leaves.push(...m.parameters());
          return m(make({ shape: [2, 2, n] }, dt));
        }),
      Conv2d: (dt) =>
        TAILS.map((n) => () => {
          const m = new torch.nn.Conv2d(2, 4, 3, { padding: 'same', groups: 2, dtype: dt as 'float32' | 'float64' });
          leaves.push(...m.parameters());
          return m(make({ shape: [1, 2, n, 3] }, dt));
        }),
      ConvTranspose2d: (dt) =>
        TAILS.map((n) => () => {
          const m = new torch.nn.ConvTranspose2d(2, 3, 2, { stride: 2, dtype: dt as 'float32' | 'float64' });
          leaves.push(...m.parameters());
          return m(make({ shape: [1, 2, n, 2] }, dt));
        }),
      MaxPool2d: (dt) =>
        TAILS.filter((n) => n >= 2).map((n) => () => new torch.nn.MaxPool2d(2, { padding: 1 })(make({ shape: [1, 2, n, 3] }, dt))),
      MaxPool1d: (dt) =>
        TAILS.filter((n) => n >= 2).map(
          (n) => () => new torch.nn.MaxPool1d(2, { padding: 1, ceilMode: true })(make({ shape: [2, n] }, dt)),
        ),
      AvgPool1d: (dt) =>
        TAILS.filter((n) => n >= 2).map((n) => () => new torch.nn.AvgPool1d(2, { ceilMode: true })(make({ shape: [1, 2, n] }, dt))),
      AvgPool2d: (dt) =>
        TAILS.filter((n) => n >= 2).map(
          (n) => () => new torch.nn.AvgPool2d(2, { padding: 1, countIncludePad: false })(make({ shape: [1, 2, n, 3] }, dt)),
        ),
      AdaptiveMaxPool2d: (dt) =>
        TAILS.filter((n) => n >= 1).map((n) => () => new torch.nn.AdaptiveMaxPool2d([2, null])(make({ shape: [1, 2, n, 4] }, dt))),
      MaxUnpool2d: (dt) =>
        TAILS.filter((n) => n >= 2).map((n) => () => {
          const [y, i] = F.maxPool2d(make({ shape: [1, 2, n, 4] }, dt), 2, { returnIndices: true });
          return new torch.nn.MaxUnpool2d(2)(y, i);
        }),
      AdaptiveAvgPool2d: (dt) =>
        TAILS.filter((n) => n >= 1).map((n) => () => new torch.nn.AdaptiveAvgPool2d([2, 3])(make({ shape: [1, 2, n, 4] }, dt))),
      BatchNorm1d: (dt) =>
        TAILS.filter((n) => n >= 2).map((n) => () => {
          const m = new torch.nn.BatchNorm1d(3, { dtype: dt as 'float32' | 'float64' });
          leaves.push(...m.parameters());
          return m(make({ shape: [n, 3] }, dt)).add(m.runningVar?.sum() ?? 0);
        }),
      BatchNorm2d: (dt) =>
        TAILS.filter((n) => n >= 1).map((n) => () => {
          const m = new torch.nn.BatchNorm2d(2, { momentum: null, dtype: dt as 'float32' | 'float64' });
          leaves.push(...m.parameters());
          return m(make({ shape: [2, 2, n, 1] }, dt)).add(
            m
              .eval()(make({ shape: [1, 2, n, 2] }, dt))
              .sum(),
          );
        }),
      LayerNorm: (dt) =>
        TAILS.filter((n) => n >= 1).map((n) => () => {
          const m = new torch.nn.LayerNorm([n], { dtype: dt as 'float32' | 'float64' });
          leaves.push(...m.parameters());
          return m(make({ shape: [2, n] }, dt));
        }),
      GroupNorm: (dt) =>
        TAILS.filter((n) => n >= 1).map((n) => () => {
          const m = new torch.nn.GroupNorm(2, 4, { dtype: dt as 'float32' | 'float64' });
          leaves.push(...m.parameters());
          return m(make({ shape: [2, 4, n] }, dt));
        }),
      Embedding: (dt) =>
        TAILS.map((n) => () => {
          const m = new torch.nn.Embedding(4, 3, { paddingIdx: 1, dtype: dt as 'float32' | 'float64' });
          leaves.push(...m.parameters());
          return m(make({ shape: [n], dtype: 'int64' }, dt));
        }),
      MultiheadAttention: (dt) =>
        TAILS.filter((n) => n >= 1).flatMap((n) => {
          const d = dt as 'float32' | 'float64';
          // causal bool mask [n, n] (no row fully masked) and a padding mask hiding the last key when n > 1
          const causal = (): Tensor => torch.arange(n).unsqueeze(1).lt(torch.arange(n).unsqueeze(0));
          const pad = (): Tensor =>
            torch
              .arange(n)
              .ge(n > 1 ? n - 1 : n)
              .unsqueeze(0)
              .expand([2, n]);
          return [
            () => {
              const m = new torch.nn.MultiheadAttention(4, 2, { batchFirst: true, dtype: d });
              leaves.push(...m.parameters());
              const x = make({ shape: [2, n, 4] }, dt);
              return m(x, x, x, { attnMask: causal(), keyPaddingMask: pad() }) as Tensor[];
            },
            () => {
              const m = new torch.nn.MultiheadAttention(4, 2, { kdim: 3, vdim: 5, addBiasKv: true, addZeroAttn: true, dtype: d });
              leaves.push(...m.parameters());
              const [o] = m(make({ shape: [n, 2, 4] }, dt), make({ shape: [3, 2, 3] }, dt), make({ shape: [3, 2, 5] }, dt), {
                needWeights: false,
              });
              return o;
            },
            () => {
              const m = new torch.nn.MultiheadAttention(4, 1, { bias: false, dtype: d });
              leaves.push(...m.parameters());
              const x = make({ shape: [n, 4] }, dt);
              return m(x, make({ shape: [n, 4] }, dt), x, { averageAttnWeights: false }) as Tensor[];
            },
          ];
        }),
      TransformerEncoderLayer: (dt) =>
        TAILS.filter((n) => n >= 1).map((n) => () => {
          const m = new torch.nn.TransformerEncoderLayer(4, 2, {
            dimFeedforward: 6,
            dropout: 0,
            normFirst: n % 2 === 1,
            dtype: dt as 'float32' | 'float64',
          });
          leaves.push(...m.parameters());
          return m(make({ shape: [n, 2, 4] }, dt), { srcMask: torch.arange(n).unsqueeze(1).lt(torch.arange(n).unsqueeze(0)) });
        }),
      TransformerEncoder: (dt) =>
        TAILS.filter((n) => n >= 1).map((n) => () => {
          const layer = new torch.nn.TransformerEncoderLayer(4, 2, {
            dimFeedforward: 6,
            dropout: 0,
            batchFirst: true,
            activation: 'gelu',
            dtype: dt as 'float32' | 'float64',
          });
          const m = new torch.nn.TransformerEncoder(layer, 2, { norm: new torch.nn.LayerNorm(4, { dtype: dt as 'float32' | 'float64' }) });
          leaves.push(...m.parameters());
          return m(make({ shape: [2, n, 4] }, dt));
        }),
      GELU: (dt) => ONE.map((inp) => () => new torch.nn.GELU('tanh')(make(inp, dt))),
      SiLU: (dt) => ONE.map((inp) => () => new torch.nn.SiLU()(make(inp, dt))),
      ELU: (dt) => ONE.map((inp) => () => new torch.nn.ELU(0.5)(make(inp, dt))),
      Softplus: (dt) => ONE.map((inp) => () => new torch.nn.Softplus(2, 5)(make(inp, dt))),
      Hardtanh: (dt) => ONE.map((inp) => () => new torch.nn.Hardtanh(-0.5, 0.5)(make(inp, dt))),
      L1Loss: (dt) => TAILS.map((n) => () => new torch.nn.L1Loss()(make({ shape: [n] }, dt), make({ shape: [n] }, dt))),
      SmoothL1Loss: (dt) =>
        TAILS.map((n) => () => new torch.nn.SmoothL1Loss({ beta: 0.5 })(make({ shape: [n] }, dt), make({ shape: [n] }, dt))),
      HuberLoss: (dt) => TAILS.map((n) => () => new torch.nn.HuberLoss({ delta: 0.5 })(make({ shape: [n] }, dt), make({ shape: [n] }, dt))),
      BCELoss: (dt) =>
        TAILS.map((n) => () => new torch.nn.BCELoss()(make({ shape: [n] }, dt).sigmoid(), make({ shape: [n], pos: true }, dt).sigmoid())),
      KLDivLoss: (dt) =>
        TAILS.map(
          (n) => () => new torch.nn.KLDivLoss({ reduction: 'batchmean' })(make({ shape: [n] }, dt), make({ shape: [n], pos: true }, dt)),
        ),
      CosineSimilarity: (dt) =>
        TAILS.map((n) => () => new torch.nn.CosineSimilarity(0)(make({ shape: [n] }, dt), make({ shape: [n] }, dt))),
      // Recurrent modules: sequence lengths at the tails, batch 2, a strided input, both directions.
      RNN: (dt) =>
        TAILS.filter((n) => n >= 1).map((n) => () => {
          const m = new torch.nn.RNN(3, 4, { nonlinearity: 'relu', bidirectional: true, dtype: dt as 'float32' | 'float64' });
          leaves.push(...m.parameters());
          return m(make({ shape: [n, 2, 3], layout: 'strided' }, dt));
        }),
      LSTM: (dt) =>
        TAILS.filter((n) => n >= 1).map((n) => () => {
          const m = new torch.nn.LSTM(3, 4, { numLayers: 2, batchFirst: true, projSize: 2, dtype: dt as 'float32' | 'float64' });
          leaves.push(...m.parameters());
          const [o, [h, c]] = m(make({ shape: [2, n, 3] }, dt), [make({ shape: [2, 2, 2] }, dt), make({ shape: [2, 2, 4] }, dt)]);
          return [o, h, c];
        }),
      GRU: (dt) =>
        TAILS.filter((n) => n >= 1).map((n) => () => {
          const m = new torch.nn.GRU(3, 4, 2, { bidirectional: true, dtype: dt as 'float32' | 'float64' });
          leaves.push(...m.parameters());
          const [o, h] = m(make({ shape: [n, 3] }, dt), make({ shape: [4, 4] }, dt));
          return [o, h];
        }),
      RNNCell: (dt) =>
        TAILS.map((n) => () => {
          const m = new torch.nn.RNNCell(3, 4, { dtype: dt as 'float32' | 'float64' });
          leaves.push(...m.parameters());
          return m(make({ shape: [n, 3] }, dt), make({ shape: [n, 4] }, dt));
        }),
      LSTMCell: (dt) =>
        TAILS.map((n) => () => {
          const m = new torch.nn.LSTMCell(3, 4, { dtype: dt as 'float32' | 'float64' });
          leaves.push(...m.parameters());
          return m(make({ shape: [n, 3], layout: 'strided' }, dt), [make({ shape: [n, 4] }, dt), make({ shape: [n, 4] }, dt)]);
        }),
      GRUCell: (dt) =>
        TAILS.map((n) => () => {
          const m = new torch.nn.GRUCell(3, 4, { dtype: dt as 'float32' | 'float64' });
          leaves.push(...m.parameters());
          return m(make({ shape: [n, 3] }, dt));
        }),
    };
    const classes = Object.entries(torch.nn)
      .filter(([k, v]) => typeof v === 'function' && k !== 'Module')
      .map(([k]) => k);
    expect(classes.filter((k) => !(k in MODULES))).toEqual([]);
    const problems: string[] = [];
    for (const [name, gen] of Object.entries(MODULES)) {
      for (const dt of FLOATS) {
        for (const [i, c] of gen(dt).entries()) problems.push(...check(c).map((p) => `${name} ${dt} case ${i}: ${p}`));
      }
    }
    expect(problems).toEqual([]);
  });

  it('every nn.init function, on contiguous and strided targets (the rest of the base untouched)', () => {
    const I = torch.nn.init;
    const INIT: Record<string, { dims: (n: number) => boolean; run: (t: Tensor) => unknown }> = {
      calculateGain: { dims: () => true, run: () => I.calculateGain('leaky_relu', 0.2) },
      _calculateFanInAndFanOut: { dims: (n) => n >= 2, run: (t) => I._calculateFanInAndFanOut(t) },
      uniform_: { dims: () => true, run: (t) => I.uniform_(t, -1, 2) },
      normal_: { dims: () => true, run: (t) => I.normal_(t, 1, 2) },
      truncNormal_: { dims: () => true, run: (t) => I.truncNormal_(t, { std: 0.5, a: -1 }) },
      constant_: { dims: () => true, run: (t) => I.constant_(t, 0.25) },
      ones_: { dims: () => true, run: (t) => I.ones_(t) },
      zeros_: { dims: () => true, run: (t) => I.zeros_(t) },
      eye_: { dims: (n) => n === 2, run: (t) => I.eye_(t) },
      dirac_: { dims: (n) => n >= 3 && n <= 5, run: (t) => I.dirac_(t, t.shape[0] % 2 === 0 ? 2 : 1) },
      xavierUniform_: { dims: (n) => n >= 2, run: (t) => I.xavierUniform_(t, 2) },
      xavierNormal_: { dims: (n) => n >= 2, run: (t) => I.xavierNormal_(t) },
      kaimingUniform_: { dims: (n) => n >= 2, run: (t) => I.kaimingUniform_(t, { a: 2.23606797749979 }) },
      kaimingNormal_: { dims: (n) => n >= 2, run: (t) => I.kaimingNormal_(t, 0, 'fan_out', 'relu') },
      orthogonal_: { dims: (n) => n >= 2, run: (t) => I.orthogonal_(t, 1.5) },
      sparse_: { dims: (n) => n === 2, run: (t) => I.sparse_(t, 0.3, 1) },
    };
    expect(Object.keys(I).filter((k) => !(k in INIT))).toEqual([]);
    const SHAPES = [[0], [1], [3], [5], [8], [0, 3], [1, 1], [3, 4], [7, 5], [1, 8], [4, 2, 3], [2, 3, 2, 2], [4, 1, 3, 1, 2]];
    const problems: string[] = [];
    for (const [name, { dims, run }] of Object.entries(INIT)) {
      for (const dt of FLOATS) {
        for (const shape of SHAPES.filter((s) => dims(s.length))) {
          for (const strided of [false, true]) {
            const c: Case = () => {
              const last = shape.length - 1;
              const base = torch.empty(strided ? [...shape.slice(0, -1), shape[last] * 2 + 1] : shape, { dtype: dt }).add(7);
              const t = strided ? base.narrow(last, 1, shape[last]) : base;
              run(t);
              return base;
            };
            problems.push(...check(c).map((p) => `${name} ${dt} [${shape}]${strided ? ' strided' : ''}: ${p}`));
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('optimizer steps (every torch.optim optimizer, contiguous and not)', () => {
    const O = torch.optim;
    type Make = (p: Tensor) => InstanceType<typeof O.Optimizer>;
    const makers: [string, Make][] = [
      ['SGD', (p) => new O.SGD([p], { lr: 0.1, momentum: 0.9, weightDecay: 0.01 })],
      ['SGD nesterov', (p) => new O.SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true, maximize: true })],
      ['Adam', (p) => new O.Adam([p], { lr: 0.1, weightDecay: 0.01 })],
      ['Adam amsgrad', (p) => new O.Adam([p], { lr: 0.1, amsgrad: true, maximize: true })],
      ['AdamW', (p) => new O.AdamW([p], { lr: 0.1 })],
      ['RMSprop', (p) => new O.RMSprop([p], { lr: 0.1, momentum: 0.5, centered: true, weightDecay: 0.01 })],
      ['Adagrad', (p) => new O.Adagrad([p], { lr: 0.1, lrDecay: 0.1, initialAccumulatorValue: 0.1 })],
      ['Adadelta', (p) => new O.Adadelta([p], { weightDecay: 0.01 })],
      ['Adamax', (p) => new O.Adamax([p], { weightDecay: 0.01 })],
      ['NAdam', (p) => new O.NAdam([p], { weightDecay: 0.01 })],
      ['RAdam', (p) => new O.RAdam([p], { weightDecay: 0.01 })],
    ];
    const problems: string[] = [];
    for (const [name, mk] of makers) {
      for (const dt of FLOATS) {
        for (const inp of ONE) {
          problems.push(
            ...check(() => {
              // A leaf of the input's layout (a detached view keeps its strides).
              const p = make(inp, dt).detach().requiresGrad_(true);
              const opt = mk(p);
              for (let k = 0; k < 3; k++) {
                opt.zeroGrad();
                p.mul(p).sum().backward();
                opt.step();
              }
              return p.detach().clone();
            }).map((q) => `${name} ${dt} [${inp.shape}] ${inp.layout ?? ''}: ${q}`),
          );
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('gradient clipping (nn.utils.clipGradNorm_ with 2, inf and p norms; clipGradValue_)', () => {
    const problems: string[] = [];
    for (const dt of FLOATS) {
      for (const inp of ONE.filter((i) => (i.layout ?? 'contiguous') === 'contiguous')) {
        for (const normType of [2, Infinity, 'inf', 1, 3, 0.5] as const) {
          problems.push(
            ...check(() => {
              const a = make(inp, dt);
              const b = make({ shape: [3] }, dt);
              a.mul(a).sum().add(b.mul(b).sum()).backward();
              const total = torch.nn.utils.clipGradNorm_([a, b], 0.5, normType);
              return [(a.grad as Tensor).detach().clone(), (b.grad as Tensor).detach().clone(), total];
            }).map((q) => `clipGradNorm_ ${dt} ${String(normType)} [${inp.shape}]: ${q}`),
          );
        }
        problems.push(
          ...check(() => {
            const a = make(inp, dt);
            a.mul(a).sum().backward();
            torch.nn.utils.clipGradValue_(a, 0.3);
            return (a.grad as Tensor).detach().clone();
          }).map((q) => `clipGradValue_ ${dt} [${inp.shape}]: ${q}`),
        );
      }
    }
    expect(problems).toEqual([]);
  });

  it('torch.safetensors: save of every dtype and layout (float32 also as F16 / BF16), load with its F16 / BF16 / BOOL conversions', () => {
    const st = torch.safetensors;
    /** A file of one tensor of `dtype` with n elements of deterministic bytes. */
    const file = (dtype: string, size: number, n: number): Uint8Array => {
      const h = new TextEncoder().encode(`{"x":{"dtype":"${dtype}","shape":[${n}],"data_offsets":[0,${size * n}]}}`);
      const out = new Uint8Array(8 + h.length + size * n);
      new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
      out.set(h, 8);
      for (let i = 0; i < size * n; i++) out[8 + h.length + i] = (i * 37 + 11) & 0xff;
      return out;
    };
    const cases: Case[] = [];
    for (const n of [...TAILS, 9, 15, 16, 17]) {
      for (const [dtype, size] of [
        ['F16', 2],
        ['BF16', 2],
        ['BOOL', 1],
        ['F32', 4],
        ['F64', 8],
        ['I64', 8],
      ] as const) {
        cases.push(() => st.load(file(dtype, size, n)).x);
      }
    }
    for (const dt of FLOATS) {
      for (const inp of ONE) {
        cases.push(() => {
          const t = st.load(
            st.save({ a: make(inp, dt), b: make({ shape: [3], dtype: 'int64' }, dt), c: make({ shape: [5], dtype: 'bool' }, dt) }),
          );
          return [t.a, t.b, t.c];
        });
        if (dt === 'float32') {
          for (const d of ['F16', 'BF16'] as const) cases.push(() => st.load(st.save({ h: make(inp, dt) }, { dtypes: d })).h);
        }
      }
    }
    const problems = cases.flatMap((c, i) => check(c).map((p) => `case ${i}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('integer and boolean operands too (casts, comparisons, where, index_select, copy_)', () => {
    const cases: Case[] = [];
    for (const n of TAILS) {
      cases.push(() => make({ shape: [n], dtype: 'int64' }, 'float32').add(make({ shape: [n], dtype: 'int64' }, 'float32')));
      cases.push(() => make({ shape: [n], dtype: 'bool' }, 'float32').double());
      cases.push(() => make({ shape: [n], dtype: 'int64' }, 'float32').bool());
      cases.push(() => make({ shape: [n], dtype: 'bool' }, 'float32').long());
      cases.push(() => make({ shape: [n], dtype: 'int64' }, 'float32').gt(1));
      cases.push(() => torch.where(make({ shape: [n], dtype: 'bool' }, 'float32'), make({ shape: [n] }, 'float64'), 0));
      cases.push(() => make({ shape: [n, 3] }, 'float32').indexSelect(1, idx([2, 0, 2, 1])));
      cases.push(() => torch.zeros([n], { dtype: 'int64' }).copy_(make({ shape: [n], layout: 'strided' }, 'float64')));
      cases.push(() => make({ shape: [2, n], dtype: 'int64', layout: 'transposed' }, 'float32').contiguous());
    }
    const problems = cases.flatMap((c, i) => check(c).map((p) => `case ${i}: ${p}`));
    expect(problems).toEqual([]);
  });
});

// ---- in-place ops on views ----------------------------------------------------------------------

/** Flat offsets (in elements) of the view's elements inside its storage, row-major. */
function offsetsOf(v: Tensor): number[] {
  const out: number[] = [];
  const shape = v._shape;
  const strides = v.stride();
  const walk = (d: number, off: number): void => {
    if (d === shape.length) {
      out.push(off);
      return;
    }
    for (let i = 0; i < shape[d]; i++) walk(d + 1, off + i * strides[d]);
  };
  walk(0, v.storageOffset());
  return out;
}

const VIEWS: [string, (b: Tensor) => Tensor][] = [
  ['narrow columns', (b) => b.narrow(1, 2, 3)],
  ['select a row', (b) => b.select(0, 2)],
  ['select a column', (b) => b.select(1, 5)],
  ['transposed window', (b) => b.t().narrow(0, 1, 5).narrow(1, 1, 3)],
  ['2-D window', (b) => b.narrow(0, 1, 4).narrow(1, 1, 7)],
  ['one element', (b) => b.narrow(0, 3, 1).narrow(1, 4, 1).squeeze()],
  ['empty', (b) => b.narrow(1, 3, 0)],
];

/** 0, 1, ... along v's last dim (a 0-d one for a 0-d view: an in-place result cannot grow). */
const lastRow = (v: Tensor): Tensor =>
  v.ndim ? torch.arange(v._shape[v.ndim - 1], { dtype: v.dtype }) : torch.tensor(1, { dtype: v.dtype });

/** Each in-place method with arguments, and the out-of-place result it must equal. */
const INPLACE: Record<string, [(v: Tensor) => Tensor, (v: Tensor) => Tensor]> = {
  add_: [(v) => v.add_(lastRow(v), { alpha: 2 }), (v) => v.add(lastRow(v), { alpha: 2 })],
  sub_: [(v) => v.sub_(1.5), (v) => v.sub(1.5)],
  mul_: [(v) => v.mul_(torch.tensor(-3, { dtype: v.dtype })), (v) => v.mul(-3)],
  div_: [(v) => v.div_(4), (v) => v.div(4)],
  zero_: [(v) => v.zero_(), (v) => v.mul(0).add(0)], // (+0: x * 0 is -0 for negative x)
  fill_: [(v) => v.fill_(7.25), (v) => v.mul(0).add(7.25)],
  copy_: [(v) => v.copy_(torch.full(v._shape.slice(-1), -9, { dtype: 'float64' })), (v) => v.mul(0).add(-9)],
  maskedFill_: [(v) => v.maskedFill_(v.gt(-5), 7.25), (v) => v.maskedFill(v.gt(-5), 7.25)],
  // (a 0-d tensor takes no index: index_put_ refuses it, as PyTorch's)
  indexPut_: [
    (v) => (v.ndim ? v.indexPut_([v.gt(-5)], 7.25) : v.fill_(7.25)),
    (v) => (v.ndim ? v.maskedFill(v.gt(-5), 7.25) : v.mul(0).add(7.25)),
  ],
};

describe('in-place ops on views write only inside the view', () => {
  it('every in-place method has a case', () => {
    const inplace = Object.getOwnPropertyNames(Tensor.prototype).filter(
      (k) => k.endsWith('_') && !k.startsWith('_') && !['requiresGrad_', 'detach_'].includes(k),
    );
    expect(inplace.filter((k) => !(k in INPLACE))).toEqual([]);
    expect(inplace.length).toBeGreaterThanOrEqual(7);
  });

  for (const dt of FLOATS) {
    it(`values outside the view are unchanged, inside they are the op's (${dt})`, () => {
      for (const [op, [inPlace, outOfPlace]] of Object.entries(INPLACE)) {
        for (const [viewName, view] of VIEWS) {
          const problems: string[] = [];
          for (const pattern of PATTERNS) {
            setGuards(pattern);
            torch.scope(() => {
              const base = torch
                .arange(6 * 8, { dtype: dt })
                .reshape([6, 8])
                .mul(1.5)
                .sub(20);
              const before = base.toArray();
              const v = view(base);
              const expected = outOfPlace(v.clone()).toArray();
              const inside = offsetsOf(v);
              inPlace(v);
              const after = base.toArray();
              const got = v.toArray();
              const insideSet = new Set(inside);
              for (let i = 0; i < before.length; i++) {
                if (!insideSet.has(i) && !Object.is(after[i], before[i]))
                  problems.push(`${op} on ${viewName}: element ${i} outside the view changed`);
              }
              inside.forEach((off, j) => {
                if (!Object.is(after[off], expected[j]) || !Object.is(got[j], expected[j]))
                  problems.push(`${op} on ${viewName}: element ${j} is ${got[j]}, not ${expected[j]}`);
              });
            });
            problems.push(...checkGuards().map((f) => `${op} on ${viewName}: ${f}`));
          }
          expect(problems).toEqual([]);
        }
      }
    });
  }
});

// ---- the harness can fail -----------------------------------------------------------------------

describe('the guard harness detects what it is for', () => {
  it('a corrupted guard byte is reported, before and after the block', () => {
    setGuards(0xff);
    const t = torch.ones(5);
    const mem = new Uint8Array(memoryBuffer());
    const p = t._ptr();
    expect(checkGuards()).toEqual([]);
    mem[p + 20] = 0; // the first byte after the 20 bytes of t
    mem[p - 3] = 1;
    const faults = checkGuards();
    expect(faults).toHaveLength(2);
    expect(faults[0]).toMatch(/storage of 20 bytes at \d+: guard byte -3 before it is 1, not 255/);
    expect(faults[1]).toMatch(/guard byte 0 after it is 0, not 255/);
    mem[p + 20] = 0xff;
    mem[p - 3] = 0xff;
    expect(checkGuards()).toEqual([]);
    // A guard corrupted then freed is reported when it is freed.
    const u = torch.ones(3, { dtype: 'float64' });
    new Uint8Array(memoryBuffer())[u._ptr() + 24 + 63] = 7;
    u.dispose();
    expect(checkGuards()).toEqual([expect.stringMatching(/storage of 24 bytes .* guard byte 63 after it is 7/)]);
  });

  it('a kernel writing one element past its operand is caught by the guards', () => {
    // A view one element longer than its storage (made past the view layer's own bounds check)
    // stands for a kernel that writes too far.
    const c: Case = () => {
      const t = torch.zeros(7);
      const tooLong = new Tensor(t._storage, [8], [1], 0, t.dtype);
      tooLong.fill_(3);
      return t;
    };
    expect(check(c).join('\n')).toMatch(/guard byte 0 after it is 0, not 255[\s\S]*guard byte 0 after it is 0, not 65/);
  });

  it('a kernel reading one element past its operand is caught by the two patterns', () => {
    const c: Case = () => {
      const t = torch.arange(5, { dtype: 'float64' });
      return new Tensor(t._storage, [6], [1], 0, t.dtype).mul(2); // reads 8 guard bytes as a float64
    };
    const problems = check(c);
    expect(problems.some((p) => /value 5: NaN vs /.test(p))).toBe(true);
    expect(check(() => torch.arange(5, { dtype: 'float64' }).mul(2))).toEqual([]);
  });

  it('an output element a kernel forgets to write is caught by the two patterns', () => {
    const c: Case = () => {
      const out = torch.empty(4);
      // Writes only the first three elements, as a kernel with a wrong tail would.
      out._view([3], [1], 0).copy_(torch.ones(3));
      return Tensor.prototype.clone.call(out._view([4], [1], 0));
    };
    // (empty() fills its result, so the "forgotten" element holds 0 whatever the pattern: make
    // the output truly unwritten by allocating it without filling.)
    expect(check(c)).toEqual([]);
    const raw: Case = () => {
      const out = Tensor._empty([4], 'float32');
      out._view([3], [1], 0).copy_(torch.ones(3));
      return out.clone();
    };
    expect(check(raw).some((p) => /value 3: NaN vs /.test(p))).toBe(true);
  });
});

describe('views never reach outside their storage', () => {
  it('a view made from arguments that slipped through validation is refused before any kernel runs', () => {
    const t = torch.arange(12).reshape([3, 4]);
    const base = t._storage;
    for (const make of [
      () => t._view([3, 5], [4, 1], 0),
      () => t._view([4], [1], 9),
      () => t._view([2], [1], Number.NaN),
      () => t._view([2], [1.5], 0),
      () => t._view([2, 2], [4, -1], 0),
    ]) {
      expect(make).toThrow(/asgrad: a view of shape .* would reach outside its storage of 12 elements/);
    }
    expect(t._view([0, 5], [4, 1], 11).numel()).toBe(0);
    expect(t._view([2], [-1], 5).tolist()).toEqual([5, 4]);
    expect(t._storage).toBe(base);
    expect(t.sum().item()).toBe(66);
  });
});
