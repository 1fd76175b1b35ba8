// Samples for the registry's entries (ts/ops/*.ts, `test`): each entry's explicit samples plus
// generated ones (0-d, vectors, matrices, broadcast pairs, non-contiguous views), and a gradcheck /
// gradgradcheck in float64 written against central finite differences.
import { torch, type Tensor } from '../../ts/index.js';
import type { Domain, OpSpec, Sample, SampleArg } from '../../ts/ops/registry.js';

/** A small deterministic generator (mulberry32), seeded per sample: results do not depend on test order. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** How far generated values keep from a kink, and from each other where ties matter. */
const GAP = 0.05;
const DEFAULT_DOMAIN: Domain = [-1.5, 1.5];

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A generated case: the sample as data plus how its tensors are laid out. */
export interface Case {
  readonly name: string;
  readonly args: readonly SampleArg[];
  /** Tensor arguments of two or more dims are transposed views of a leaf (non-contiguous). */
  readonly transposed?: boolean;
}

/** The generated and explicit cases of one entry. */
export function casesOf(e: OpSpec): Case[] {
  const explicit = e.test.samples ?? [];
  const out: Case[] = explicit.map((s: Sample, i) => ({ name: s.note ?? `sample ${i}`, args: s.args }));
  const first = explicit[0]?.args ?? [];
  const sig = e.golden?.args[0];
  const unary = (e.kind === 'elementwise' || e.kind === 'reduction') && sig?.length === 1 && sig[0] === 'T';
  // (tensor, tensor or number) or (tensor, tensor): a broadcasting binary op.
  const binary =
    (e.kind === 'elementwise' || e.kind === 'comparison') && sig?.length === 2 && sig[0] === 'T' && (sig[1] === 'N' || sig[1] === 'T');
  if (unary) {
    // Trailing arguments of an elementwise op's first sample (clamp's bounds) go with every shape;
    // a reduction's are dims, which do not fit every shape: it reduces everything.
    const rest = e.kind === 'elementwise' ? first.slice(1) : [];
    // One element has no spread: var and std (the reductions taking `unbiased`) are NaN there
    // unbiased, and biased std sits at 0 where it is not differentiable (NaN second derivative, as
    // PyTorch's): they get no 0-d case.
    const spread = e.golden?.kwargs?.includes('unbiased') ?? false;
    for (const shape of spread ? [[3], [2, 3]] : [[], [3], [2, 3]]) {
      out.push({ name: `generated [${shape}]`, args: [{ shape }, ...rest] });
    }
    out.push({ name: 'generated non-contiguous [2,3]', args: [{ shape: [2, 3] }, ...rest], transposed: true });
  } else if (binary) {
    const pairs: [number[], number[], string][] = [
      [[], [], '0-d, 0-d'],
      [[2, 3], [2, 3], 'same shape'],
      [[3, 1], [1, 4], 'broadcast [3,1] [1,4]'],
      [[2, 3], [], 'broadcast 0-d'],
    ];
    // The other operand's domain of the first explicit sample (division keeps away from 0).
    const od = (first[1] as { domain?: Domain } | undefined)?.domain;
    for (const [a, b, note] of pairs) out.push({ name: `generated ${note}`, args: [{ shape: a }, { shape: b, domain: od }] });
    out.push({ name: 'generated non-contiguous', args: [{ shape: [2, 3] }, { shape: [2, 3], domain: od }], transposed: true });
  } else if (e.name !== 'view') {
    // Any other entry (but view, which needs strides it can view): each sample with a matrix
    // argument again, every matrix argument a transposed view.
    for (const [i, s] of explicit.entries()) {
      const matrix = (a: SampleArg): boolean =>
        (isFloatArg(a) && a.shape.length >= 2) || (typeof a === 'object' && a !== null && 'list' in a && a.list.some(matrix));
      if (s.args.some(matrix)) out.push({ name: `${out[i].name}, non-contiguous`, args: s.args, transposed: true });
    }
  }
  return out;
}

type FloatArg = { readonly shape: readonly number[]; readonly domain?: Domain; readonly grad?: false };
function isFloatArg(a: SampleArg): a is FloatArg {
  return typeof a === 'object' && a !== null && !Array.isArray(a) && 'shape' in a && !('ints' in a);
}

/** Values uniform in the domain, away from the entry's kinks and (for ties) from each other. */
function draw(n: number, domain: Domain, kinks: readonly number[], distinct: boolean, next: () => number): number[] {
  const out: number[] = [];
  const [lo, hi] = domain;
  for (let guard = 0; out.length < n; guard++) {
    if (guard > 100_000) throw new Error(`cannot draw ${n} values in [${lo}, ${hi}] away from kinks ${kinks}`);
    const v = lo + (hi - lo) * next();
    if (kinks.some((k) => Math.abs(v - k) < GAP)) continue;
    if (distinct && out.some((w) => Math.abs(v - w) < GAP)) continue;
    out.push(v);
  }
  return out;
}

/** A built case: the arguments to call the entry with, and the float leaves gradcheck perturbs. */
export interface Built {
  readonly leaves: Tensor[];
  /** The call's arguments from the leaves (as given, or with others in their place). */
  readonly call: (leaves: readonly Tensor[]) => unknown[];
  /** The same call with every tensor argument a contiguous copy (a non-contiguous case's twin). */
  readonly contiguousCall: (leaves: readonly Tensor[]) => unknown[];
}

export function build(e: OpSpec, c: Case): Built {
  const next = rng(hash(`${e.name}/${c.name}`));
  const domain = e.test.domain ?? DEFAULT_DOMAIN;
  const kinks = e.test.kinks ?? [];
  // amax/amin share a tie's gradient: generated values keep apart so a finite difference never crosses a tie.
  const distinct = e.test.distinct ?? false;
  const leaves: Tensor[] = [];
  const grads: boolean[] = [];
  const leaf = (a: FloatArg): number => {
    // A transposed case makes the leaf with the last two dims swapped and passes its transpose.
    const s = a.shape.slice();
    if (c.transposed && s.length >= 2) [s[s.length - 2], s[s.length - 1]] = [s[s.length - 1], s[s.length - 2]];
    const data = draw(numel(s), a.domain ?? domain, kinks, distinct, next);
    const t = torch.tensor(data, { dtype: 'float64' }).reshape(s);
    const l = a.grad === false ? t : t.requiresGrad_(true);
    leaves.push(l);
    grads.push(a.grad !== false);
    return leaves.length - 1;
  };
  type Slot = (ls: readonly Tensor[], contiguous: boolean) => unknown;
  const view = (i: number, nd: number): Slot => {
    return (ls, contiguous) => {
      const x = ls[i];
      if (!c.transposed || nd < 2) return x;
      const v = x.transpose(-1, -2);
      return contiguous ? v.contiguous() : v;
    };
  };
  const slots: Slot[] = [];
  slots.push(
    ...c.args.map((a): Slot => {
      if (isFloatArg(a)) return view(leaf(a), a.shape.length);
      if (typeof a === 'object' && a !== null && !Array.isArray(a)) {
        if ('ints' in a) {
          const t = torch.tensor(a.ints.map(BigInt), { dtype: 'int64' }).reshape(a.shape ?? [a.ints.length]);
          return () => t;
        }
        if ('bools' in a) {
          const t = torch.tensor([...a.bools]);
          return () => t;
        }
        if ('indexList' in a) {
          const ts = a.indexList.map((i) => torch.tensor(i.ints.map(BigInt), { dtype: 'int64' }).reshape(i.shape ?? [i.ints.length]));
          return () => ts;
        }
        if ('masks' in a) {
          const ts = a.masks.map((m) => torch.tensor([...m]));
          return () => ts;
        }
        if ('list' in a) {
          const parts = a.list.map((p) => view(leaf(p), p.shape.length));
          return (ls, contiguous) => parts.map((p) => p(ls, contiguous));
        }
        if ('options' in a) return () => a.options;
        if ('same' in a) return (ls, contiguous) => slots[a.same](ls, contiguous);
      }
      return () => a;
    }),
  );
  return {
    leaves,
    call: (ls) => slots.map((s) => s(ls, false)),
    contiguousCall: (ls) => slots.map((s) => s(ls, true)),
  };
}

/**
 * The tensor a check differentiates: the op's result, or for an op returning a list (max/min with
 * a dim: values and int64 indices) its float outputs, flattened and joined.
 */
export function floatOutputs(y: unknown): Tensor {
  if (!Array.isArray(y)) return y as Tensor;
  const floats = (y as Tensor[]).filter((t) => t.dtype === 'float32' || t.dtype === 'float64');
  return floats.length === 1 ? floats[0] : torch.cat(floats.map((t) => t.reshape([-1])));
}

/** Calls the entry; an in-place entry writes a copy of its first argument (a leaf refuses). */
export function invoke(e: OpSpec, args: unknown[]): Tensor {
  if (e.kind === 'inplace') {
    const [self, ...rest] = args as [Tensor, ...unknown[]];
    return e.fn(self.clone(), ...rest) as Tensor;
  }
  return floatOutputs(e.fn(...args));
}

function valuesOf(t: Tensor): number[] {
  return Array.from(t.double().dataSync() as ArrayLike<number>);
}

/** A fixed random direction of the output's shape (float64). */
function direction(shape: readonly number[], next: () => number): Tensor {
  const data = Array.from({ length: numel(shape) }, () => 2 * next() - 1);
  return torch.tensor(data, { dtype: 'float64' }).reshape(shape as number[]);
}

export interface Tolerance {
  eps: number;
  rtol: number;
  atol: number;
}
export const F64: Tolerance = { eps: 1e-6, rtol: 1e-5, atol: 1e-6 };
/** A float32 result (`to('float32')`) rounds what the probes read: a wider step and tolerance. */
export const F32: Tolerance = { eps: 1e-3, rtol: 1e-3, atol: 1e-4 };

/**
 * Gradcheck: v·J (backward for a fixed random v) against central differences of v·f, element by
 * element of every input that requires grad. Returns the output's grad_fn name.
 */
export function gradcheck(f: (xs: readonly Tensor[]) => Tensor, xs: readonly Tensor[], seed: number, tolerance?: Tolerance): void {
  const next = rng(seed);
  const y = f(xs);
  const tol = tolerance ?? (y.dtype === 'float32' ? F32 : F64);
  const v = direction(y.shape, next);
  for (const x of xs) x.grad = null;
  if (y.requiresGrad) y.backward(y.dtype === 'float64' ? v : v.to(y.dtype));
  const vv = valuesOf(v);
  const dot = (t: Tensor): number => valuesOf(t).reduce((s, yi, i) => s + yi * vv[i], 0);
  for (const [k, x] of xs.entries()) {
    if (!x.requiresGrad) continue;
    const analytic = x.grad ? valuesOf(x.grad) : new Array<number>(x.numel()).fill(0);
    const base = valuesOf(x);
    for (let i = 0; i < base.length; i++) {
      const probe = (delta: number): number =>
        torch.scope(() => {
          const data = base.slice();
          data[i] += delta;
          const xi = torch.tensor(data, { dtype: 'float64' }).reshape(x.shape);
          const args = xs.map((t, j) => (j === k ? xi : t.detach()));
          return torch.noGrad(() => dot(f(args)));
        });
      const numeric = (probe(tol.eps) - probe(-tol.eps)) / (2 * tol.eps);
      if (!(Math.abs(analytic[i] - numeric) <= tol.atol + tol.rtol * Math.abs(numeric))) {
        throw new Error(`input ${k} element ${i}: analytic ${analytic[i]} vs numeric ${numeric}`);
      }
    }
  }
  for (const x of xs) x.grad = null;
}

/**
 * Gradgradcheck: the first-order gradients as a function of the inputs and of the upstream
 * gradient v, reduced to one number with fixed random weights u (sum_k <grad_k, u_k>), is itself
 * gradchecked. Its backward runs the backward formulas' own backward (createGraph).
 */
export function gradgradcheck(f: (xs: readonly Tensor[]) => Tensor, xs: readonly Tensor[], seed: number): void {
  const next = rng(seed ^ 0x9e3779b9);
  const y0 = torch.noGrad(() => f(xs.map((x) => x.detach())));
  const v0 = direction(y0.shape, next);
  const us = xs.map((x) => direction(x.shape, next));
  const inputs = [...xs, v0.requiresGrad_(true)];
  const G = (all: readonly Tensor[]): Tensor =>
    torch.enableGrad(() => {
      const ls = all.map((t, i) => (t.requiresGrad || (i < xs.length && !xs[i].requiresGrad) ? t : t.detach().requiresGrad_(true)));
      const ins = ls.slice(0, xs.length);
      const v = ls[xs.length];
      const y = f(ins);
      for (const x of ins) x.grad = null;
      if (y.requiresGrad) y.backward(y.dtype === 'float64' ? v : v.to(y.dtype), { createGraph: true });
      let s: Tensor = torch.zeros([], { dtype: 'float64' });
      for (const [k, x] of ins.entries()) {
        const g = x.grad;
        x.grad = null;
        if (g) s = s.add(g.double().mul(us[k]).sum());
      }
      return s;
    });
  // A float32 result rounds the first-order gradients too: the probes of G need float32's step.
  gradcheck(G, inputs, seed ^ 0x85ebca6b, y0.dtype === 'float32' ? F32 : F64);
}
