// The replay side of tests/semantics.test.ts: runs each edge case that PyTorch 1.13 computed
// (tests/pytorch/semantics.py writes tests/pytorch/semantics.json) through the public API and
// reports the first disagreement. Also runnable alone (npx tsx) to list every failing case.
import { readFileSync } from 'node:fs';
import { torch, Tensor } from '../ts/index.js';
import type { Reduction } from '../ts/index.js';

type Enc = number | string | boolean;
interface TSpec {
  data: Enc[];
  shape: number[];
  dtype: 'float32' | 'float64';
  rg: boolean;
}
type Arg = { t: TSpec } | { idx: number | number[]; shape: number[] } | { bool: boolean[]; shape: number[] } | Enc | null | number[];
interface Rec {
  shape: number[];
  dtype: string;
  data: Enc[];
  rg: boolean;
}
export interface Case {
  name: string;
  op: string;
  args: Arg[];
  grad: Enc;
  createGraph: boolean;
  second: boolean;
  /** Backward a second time without retainGraph; twiceError is PyTorch's message then, or null. */
  twice?: boolean;
  /** Bump the version of the output or of argument i before backward (what the node saved). */
  bump?: 'out' | number | null;
  twiceError?: string | null;
  /** After the second-order backward, backward from the output again (createGraph): PyTorch's error or null. */
  againError?: string | null;
  /** After the createGraph backward, a plain backward of Σ (leaf * w).sum(): the grads it leaves. */
  thenPlain?: boolean;
  gradsAfter?: (Rec | null)[];
  error?: { at: 'forward' | 'backward'; msg: string };
  value?: Rec;
  grads?: (Rec | null)[];
  grads2?: (Rec | null)[];
}

const file = new URL('./pytorch/semantics.json', import.meta.url);
export const CASES = (JSON.parse(readFileSync(file, 'utf8')) as { cases: Case[] }).cases;
const F = torch.nn.functional;

const SPECIAL: Record<string, number> = { nan: NaN, inf: Infinity, '-inf': -Infinity, '-0': -0 };
const num = (v: Enc): number => (typeof v === 'string' ? SPECIAL[v] : Number(v));

function build(a: Arg): Tensor | number | string | boolean | null | number[] {
  if (a !== null && typeof a === 'object' && !Array.isArray(a)) {
    if ('t' in a) {
      const t = torch.tensor(a.t.data.map(num), { dtype: a.t.dtype }).reshape(a.t.shape);
      return a.t.rg ? t.requiresGrad_(true) : t;
    }
    if ('idx' in a) {
      const v = Array.isArray(a.idx) ? a.idx.map(BigInt) : BigInt(a.idx);
      return torch.tensor(v, { dtype: 'int64' }).reshape(a.shape);
    }
    return torch.tensor(a.bool, { dtype: 'bool' }).reshape(a.shape);
  }
  if (typeof a === 'string' && a in SPECIAL) return SPECIAL[a];
  return a;
}

type V = ReturnType<typeof build>;
const T = (v: V): Tensor => v as Tensor;
const N = (v: V): number => v as number;
type Dims = number | number[];
const reduction = (v: V): Reduction => (v ?? 'mean') as Reduction;
const scalarOr = (v: V): Tensor | number => v as Tensor | number;
const dimsOf = (v: V): Dims | undefined => (v === null || v === undefined ? undefined : (v as Dims));

const OPS: Record<string, (...a: V[]) => Tensor> = {
  neg: (x) => torch.neg(T(x)),
  exp: (x) => torch.exp(T(x)),
  log: (x) => torch.log(T(x)),
  sqrt: (x) => torch.sqrt(T(x)),
  abs: (x) => torch.abs(T(x)),
  sin: (x) => torch.sin(T(x)),
  cos: (x) => torch.cos(T(x)),
  tanh: (x) => torch.tanh(T(x)),
  sigmoid: (x) => torch.sigmoid(T(x)),
  relu: (x) => torch.relu(T(x)),
  square: (x) => torch.square(T(x)),
  reciprocal: (x) => torch.reciprocal(T(x)),
  sign: (x) => torch.sign(T(x)),
  add: (a, b) => torch.add(scalarOr(a), scalarOr(b)),
  sub: (a, b) => torch.sub(scalarOr(a), scalarOr(b)),
  mul: (a, b) => torch.mul(scalarOr(a), scalarOr(b)),
  div: (a, b) => torch.div(scalarOr(a), scalarOr(b)),
  pow: (a, b) => torch.pow(scalarOr(a), scalarOr(b)),
  maximum: (a, b) => torch.maximum(T(a), T(b)),
  minimum: (a, b) => torch.minimum(T(a), T(b)),
  where: (c, a, b) => torch.where(T(c), scalarOr(a), scalarOr(b)),
  leaky_relu: (x, s) => F.leakyRelu(T(x), N(s)),
  clamp: (x, lo, hi) => T(x).clamp(lo as number | null, hi as number | null),
  sum: (x, d, k) => (d === undefined ? T(x).sum() : T(x).sum({ dim: dimsOf(d), keepdim: Boolean(k) })),
  mean: (x, d, k) => (d === undefined ? T(x).mean() : T(x).mean({ dim: dimsOf(d), keepdim: Boolean(k) })),
  amax: (x, d, k) => (d === undefined ? T(x).amax() : T(x).amax({ dim: dimsOf(d), keepdim: Boolean(k) })),
  amin: (x, d, k) => (d === undefined ? T(x).amin() : T(x).amin({ dim: dimsOf(d), keepdim: Boolean(k) })),
  logsumexp: (x, d, k) => T(x).logsumexp({ dim: d as Dims, keepdim: Boolean(k) }),
  var: (x, d, u, k) =>
    d === null || d === undefined
      ? T(x).var({ unbiased: u === undefined ? true : Boolean(u) })
      : T(x).var({ dim: dimsOf(d), unbiased: u === undefined ? true : Boolean(u), keepdim: Boolean(k) }),
  std: (x, d, u, k) =>
    d === null || d === undefined
      ? T(x).std({ unbiased: u === undefined ? true : Boolean(u) })
      : T(x).std({ dim: dimsOf(d), unbiased: u === undefined ? true : Boolean(u), keepdim: Boolean(k) }),
  softmax: (x, d) => torch.softmax(T(x), N(d)),
  log_softmax: (x, d) => torch.logSoftmax(T(x), N(d)),
  mse_loss: (a, b, r) => F.mseLoss(T(a), T(b), { reduction: reduction(r) }),
  bce_logits: (a, b, r) => F.binaryCrossEntropyWithLogits(T(a), T(b), { reduction: reduction(r) }),
  nll_loss: (a, b, r) => F.nllLoss(T(a), T(b), { reduction: reduction(r) }),
  cross_entropy: (a, b, r) => F.crossEntropy(T(a), T(b), { reduction: reduction(r) }),
  linear: (x, w, b) => F.linear(T(x), T(w), b === undefined ? undefined : T(b)),
  select: (x, d, i) => T(x).select(N(d), N(i)),
  narrow: (x, d, s, l) => T(x).narrow(N(d), N(s), N(l)),
  index_select: (x, d, i) => torch.indexSelect(T(x), N(d), T(i)),
  add_: (x, y) => T(x).add_(scalarOr(y)),
  mul_: (x, y) => T(x).mul_(scalarOr(y)),
  matmul: (a, b) => torch.matmul(T(a), T(b)),
  relu_add: (a, b) => torch.relu(torch.add(T(a), T(b))),
  gt: (a, b) => torch.gt(T(a), T(b)),
  relu_stack: (a, b) => torch.relu(torch.stack([T(a), T(b)], 1)),
  mm: (a, b) => torch.mm(T(a), T(b)),
  mv: (a, b) => torch.mv(T(a), T(b)),
  bmm: (a, b) => torch.bmm(T(a), T(b)),
  dot: (a, b) => torch.dot(T(a), T(b)),
  addmm: (c, a, b) => torch.addmm(T(c), T(a), T(b)),
  cat: (a, b, d) => torch.cat([T(a), T(b)], N(d)),
  stack: (a, b, d) => torch.stack([T(a), T(b)], N(d)),
  transpose: (x, a, b) => T(x).transpose(N(a), N(b)),
  squeeze: (x, d) => T(x).squeeze(N(d)),
  unsqueeze: (x, d) => T(x).unsqueeze(N(d)),
  flatten: (x, a, b) => T(x).flatten(N(a), N(b)),
  permute: (x, p) => torch.permute(T(x), p as number[]),
  expand: (x, sh) => T(x).expand(sh as number[]),
  reshape: (x, sh) => T(x).reshape(sh as number[]),
  t: (x) => T(x).t(),
  to: (x, d) => T(x).to(d as 'float32' | 'float64'),
  clone: (x) => T(x).clone(),
  size: (x, d) => torch.tensor(T(x).size(N(d)), { dtype: 'float32' }),
  stride: (x, d) => torch.tensor(T(x).stride(N(d)), { dtype: 'float32' }),
};

// PyTorch's float32 transcendental functions (SLEEF, 1 ulp) are not the core's (musl): a few ulps
// apart after a chain of ops. float64 results agree to rounding. Differences are measured against
// the largest finite expected magnitude too, so rounding noise around an exact 0 passes.
const RTOL: Record<string, number> = { float32: 3e-6, float64: 1e-12 };

/**
 * Where a zero's sign is PyTorch's kernel detail rather than a rule: the tie of maximum/minimum
 * between -0 and +0 depends on SIMD lane position in PyTorch itself, and second-order
 * values come from differently ordered (but equal) formulas. Everywhere else -0 and +0 must match
 * (they become -inf and +inf downstream).
 */
const LOOSE_ZERO_OPS = new Set(['maximum', 'minimum']);

function check(what: string, ref: Rec | null | undefined, t: Tensor | null, checkRg: boolean, looseZero: boolean, atol = 0): string | null {
  if (ref === null || ref === undefined) return t === null ? null : `${what}: expected null, got a tensor`;
  if (t === null) return `${what}: expected a tensor, got null`;
  if (JSON.stringify(t.shape) !== JSON.stringify(ref.shape))
    return `${what}: shape ${JSON.stringify(t.shape)}, expected ${JSON.stringify(ref.shape)}`;
  if (t.dtype !== ref.dtype) return `${what}: dtype ${t.dtype}, expected ${ref.dtype}`;
  if (checkRg && t.requiresGrad !== ref.rg) return `${what}: requiresGrad ${t.requiresGrad}, expected ${ref.rg}`;
  const got = Array.from(t.dataSync() as ArrayLike<number>, Number);
  const exp = ref.data.map(num);
  const rtol = RTOL[ref.dtype] ?? 0;
  const scale = exp.reduce((m, e) => (Number.isFinite(e) ? Math.max(m, Math.abs(e)) : m), 0);
  for (let i = 0; i < exp.length; i++) {
    const a = got[i];
    const e = exp[i];
    if (Object.is(a, e) || (looseZero && a === 0 && e === 0)) continue;
    const ok = Number.isFinite(e) && Number.isFinite(a) && (e !== 0 || a !== 0) && Math.abs(a - e) <= rtol * (Math.abs(e) + scale) + atol;
    if (!ok)
      return `${what}: [${i}] ${Object.is(a, -0) ? '-0' : a}, expected ${Object.is(e, -0) ? '-0' : e} (all: ${JSON.stringify(ref.data)} vs [${got.map((v) => (Object.is(v, -0) ? '-0' : String(v))).join(',')}])`;
  }
  return null;
}

/** Runs one case through asgrad; returns the first disagreement with PyTorch, or null. */
export function run(c: Case): string | null {
  const args = c.args.map(build);
  const leaves = args.filter((a): a is Tensor => a instanceof Tensor && a.requiresGrad);
  let y: Tensor;
  try {
    y = OPS[c.op](...args);
  } catch (e) {
    const m = (e as Error).message;
    if (c.error?.at === 'forward') return m.includes(c.error.msg) ? null : `forward error "${m}", expected "${c.error.msg}"`;
    return `forward raised "${m}"`;
  }
  if (c.error?.at === 'forward') return `forward did not raise "${c.error.msg}"`;
  const loose = LOOSE_ZERO_OPS.has(c.op);
  const v = check('value', c.value, y, true, loose);
  if (v) return v;
  if (c.bump !== undefined && c.bump !== null) {
    const t = c.bump === 'out' ? y : (args[c.bump] as Tensor);
    torch.noGrad(() => t.add_(0));
  }
  if (c.grad === 'none' || !y.requiresGrad) return null;
  try {
    y.backward(torch.fullLike(y, num(c.grad)), { createGraph: c.createGraph });
  } catch (e) {
    const m = (e as Error).message;
    if (c.error?.at === 'backward') return m.includes(c.error.msg) ? null : `backward error "${m}", expected "${c.error.msg}"`;
    return `backward raised "${m}"`;
  }
  if (c.error) return `backward did not raise "${c.error.msg}"`;
  for (const [i, x] of leaves.entries()) {
    const m = check(`grad ${i}`, c.grads?.[i], x.grad, c.createGraph, loose);
    if (m) return m;
  }
  if (c.thenPlain && c.gradsAfter) {
    let z: Tensor | null = null;
    for (const x of leaves) {
      const w = torch
        .tensor(
          Array.from({ length: x.numel() }, (_, k) => 0.5 + 0.25 * (k % 3)),
          { dtype: x.dtype },
        )
        .reshape(x.shape);
      const term = x.mul(w).sum();
      z = z === null ? term : z.add(term);
    }
    (z as Tensor).backward();
    for (const [i, x] of leaves.entries()) {
      const m = check(`grad ${i} after a plain backward`, c.gradsAfter[i], x.grad, false, false);
      if (m) return m;
    }
  }
  if (c.twice) {
    let msg: string | null = null;
    try {
      y.backward(torch.fullLike(y, num(c.grad)));
    } catch (e) {
      msg = (e as Error).message;
    }
    if (c.twiceError === null && msg !== null) return `second backward raised "${msg}"`;
    if (c.twiceError && (msg === null || !msg.startsWith(c.twiceError))) return `second backward: "${msg}", expected "${c.twiceError}"`;
  }
  if (c.grads2 !== undefined) {
    const gs = leaves.map((x) => x.grad);
    for (const x of leaves) x.grad = null;
    let tot: Tensor | null = null;
    for (const g of gs) {
      if (g?.requiresGrad) {
        const w = torch
          .tensor(
            Array.from({ length: g.numel() }, (_, k) => 0.5 + 0.25 * (k % 3)),
            { dtype: g.dtype },
          )
          .reshape(g.shape);
        const term = g.mul(w).sum();
        tot = tot === null ? term : tot.add(term);
      }
    }
    if (tot === null) return 'second order: no gradient requires grad';
    tot.backward();
    for (const [i, x] of leaves.entries()) {
      // A second-order value that is exactly 0 in theory is rounding noise in both libraries.
      const m = check(`second-order grad ${i}`, c.grads2[i], x.grad, false, true, 1e-14);
      if (m) return m;
    }
    let again: string | null = null;
    try {
      y.backward(torch.fullLike(y, num(c.grad)), { createGraph: true });
    } catch (e) {
      again = (e as Error).message;
    }
    if (c.againError === null && again !== null) return `backward after the second order raised "${again}"`;
    if (c.againError && (again === null || !again.startsWith(c.againError))) {
      return `backward after the second order: "${again}", expected "${c.againError}"`;
    }
  }
  return null;
}
