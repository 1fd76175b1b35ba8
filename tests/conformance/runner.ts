// The conformance runner: executes golden cases (programs over PyTorch ops, computed by real
// PyTorch) through asgrad's public API and compares values and gradients within tolerance.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { torch, Tensor } from '../../ts/index.js';
import type { DType } from '../../ts/index.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface TensorSpec {
  shape: number[];
  data: (number | boolean | string)[];
  dtype?: DType;
  requires_grad?: boolean;
}
interface Stmt {
  out: string;
  op: string;
  args: Json[];
  kwargs?: Record<string, Json>;
}
interface Program {
  dtype: DType;
  inputs: Record<string, TensorSpec>;
  program: Stmt[];
  backward?: { from: string; gradient: TensorSpec | null } | null;
}
interface Case extends Program {
  name: string;
  expected: { values: Record<string, TensorSpec>; grads: Record<string, TensorSpec | null> };
  tolerance: { rtol: number; atol: number };
}
interface Trace extends Program {
  name: string;
  loop: { epochs: number; params: string[]; update: 'sgd' | 'none'; lr: number | null; zero_grad: boolean };
  trace: { epoch: number; loss: number; grad: Record<string, TensorSpec>; params: Record<string, TensorSpec> }[];
  tolerance: { rtol: number; atol: number };
}

export interface Result {
  name: string;
  ok: boolean;
  skipped?: boolean;
  message?: string;
}

type Value = Tensor | Tensor[] | number | number[] | boolean | string | null;

function num(v: number | boolean | string): number | boolean {
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return v as number | boolean;
}

export function makeTensor(spec: TensorSpec, dtype: DType): Tensor {
  const dt = spec.dtype ?? dtype;
  const flat = spec.data.map(num);
  let t: Tensor;
  if (dt === 'bool') t = torch.tensor(flat as boolean[], { dtype: 'bool' });
  else t = torch.tensor(flat as number[], { dtype: dt });
  t = t.reshape(spec.shape);
  if (spec.requires_grad) t = t.detach().requiresGrad_(true);
  return t;
}

function kw<T extends Json>(s: Stmt, key: string): T | undefined {
  const v = s.kwargs?.[key];
  return v === undefined ? undefined : (v as T);
}

function dimArg(s: Stmt): number | number[] | undefined {
  return kw<number | number[]>(s, 'dim');
}

type OpImpl = (a: Value[], s: Stmt) => Tensor;
const T = (v: Value): Tensor => v as Tensor;
const N = (v: Value): Tensor | number => v as Tensor | number;

/** Every op of the golden vocabulary, mapped onto the public API. */
export const OPS: Record<string, OpImpl> = {
  add: (a) => torch.add(T(a[0]), N(a[1])),
  sub: (a) => torch.sub(T(a[0]), N(a[1])),
  mul: (a) => torch.mul(T(a[0]), N(a[1])),
  div: (a) => torch.div(T(a[0]), N(a[1])),
  pow: (a) => torch.pow(N(a[0]), N(a[1])),
  maximum: (a) => torch.maximum(T(a[0]), T(a[1])),
  minimum: (a) => torch.minimum(T(a[0]), T(a[1])),
  neg: (a) => T(a[0]).neg(),
  exp: (a) => T(a[0]).exp(),
  log: (a) => T(a[0]).log(),
  sqrt: (a) => T(a[0]).sqrt(),
  abs: (a) => T(a[0]).abs(),
  sin: (a) => T(a[0]).sin(),
  cos: (a) => T(a[0]).cos(),
  tanh: (a) => T(a[0]).tanh(),
  sigmoid: (a) => T(a[0]).sigmoid(),
  relu: (a) => T(a[0]).relu(),
  square: (a) => T(a[0]).square(),
  reciprocal: (a) => T(a[0]).reciprocal(),
  clamp: (a, s) => T(a[0]).clamp({ min: kw<number>(s, 'min') ?? null, max: kw<number>(s, 'max') ?? null }),
  sum: (a, s) => T(a[0]).sum({ dim: dimArg(s), keepdim: kw<boolean>(s, 'keepdim') }),
  mean: (a, s) => T(a[0]).mean({ dim: dimArg(s), keepdim: kw<boolean>(s, 'keepdim') }),
  amax: (a, s) => T(a[0]).amax({ dim: dimArg(s), keepdim: kw<boolean>(s, 'keepdim') }),
  amin: (a, s) => T(a[0]).amin({ dim: dimArg(s), keepdim: kw<boolean>(s, 'keepdim') }),
  logsumexp: (a, s) => T(a[0]).logsumexp({ dim: dimArg(s), keepdim: kw<boolean>(s, 'keepdim') }),
  var: (a, s) => T(a[0]).var({ dim: dimArg(s), unbiased: kw<boolean>(s, 'unbiased'), keepdim: kw<boolean>(s, 'keepdim') }),
  std: (a, s) => T(a[0]).std({ dim: dimArg(s), unbiased: kw<boolean>(s, 'unbiased'), keepdim: kw<boolean>(s, 'keepdim') }),
  matmul: (a) => torch.matmul(T(a[0]), T(a[1])),
  transpose: (a) => T(a[0]).transpose(a[1] as number, a[2] as number),
  t: (a) => T(a[0]).t(),
  reshape: (a) => T(a[0]).reshape(a[1] as number[]),
  view: (a) => T(a[0]).view(a[1] as number[]),
  flatten: (a, s) => T(a[0]).flatten(kw<number>(s, 'start_dim') ?? 0, kw<number>(s, 'end_dim') ?? -1),
  squeeze: (a) => (a.length > 1 ? T(a[0]).squeeze(a[1] as number) : T(a[0]).squeeze()),
  unsqueeze: (a) => T(a[0]).unsqueeze(a[1] as number),
  expand: (a) => T(a[0]).expand(a[1] as number[]),
  permute: (a) => T(a[0]).permute(a[1] as number[]),
  cat: (a) => torch.cat(a[0] as Tensor[], a[1] as number),
  stack: (a) => torch.stack(a[0] as Tensor[], a[1] as number),
  narrow: (a) => T(a[0]).narrow(a[1] as number, a[2] as number, a[3] as number),
  index_select: (a) => T(a[0]).indexSelect(a[1] as number, T(a[2])),
  softmax: (a, s) => torch.nn.functional.softmax(T(a[0]), kw<number>(s, 'dim') as number),
  log_softmax: (a, s) => torch.nn.functional.logSoftmax(T(a[0]), kw<number>(s, 'dim') as number),
  mse_loss: (a, s) => torch.nn.functional.mseLoss(T(a[0]), T(a[1]), { reduction: kw(s, 'reduction') }),
  cross_entropy: (a, s) => torch.nn.functional.crossEntropy(T(a[0]), T(a[1]), { reduction: kw(s, 'reduction') }),
  binary_cross_entropy_with_logits: (a, s) =>
    torch.nn.functional.binaryCrossEntropyWithLogits(T(a[0]), T(a[1]), { reduction: kw(s, 'reduction') }),
  linear: (a) => torch.nn.functional.linear(T(a[0]), T(a[1]), a.length > 2 ? T(a[2]) : null),
  leaky_relu: (a, s) => torch.nn.functional.leakyRelu(T(a[0]), kw<number>(s, 'negative_slope') ?? 0.01),
  where: (a) => torch.where(T(a[0]), T(a[1]), T(a[2])),
};

function resolve(arg: Json, env: Map<string, Tensor>): Value {
  if (typeof arg === 'string') {
    const t = env.get(arg);
    if (!t) throw new Error(`unknown reference '${arg}'`);
    return t;
  }
  if (Array.isArray(arg) && arg.length > 0 && arg.every((x) => typeof x === 'string')) {
    return arg.map((x) => resolve(x, env) as Tensor);
  }
  return arg as Value;
}

/** Builds the inputs and runs the statements; returns every named tensor. */
export function runProgram(p: Program, inputs?: Map<string, Tensor>): Map<string, Tensor> {
  const env = new Map<string, Tensor>(inputs ?? []);
  if (!inputs) for (const [k, spec] of Object.entries(p.inputs)) env.set(k, makeTensor(spec, p.dtype));
  for (const s of p.program) {
    const impl = OPS[s.op];
    if (!impl) throw new Error(`unknown op '${s.op}'`);
    env.set(s.out, impl(s.args.map((a) => resolve(a, env)), s));
  }
  return env;
}

function runBackward(p: Program, env: Map<string, Tensor>): void {
  if (!p.backward) return;
  const root = env.get(p.backward.from);
  if (!root) throw new Error(`backward from unknown '${p.backward.from}'`);
  if (p.backward.gradient) root.backward(makeTensor(p.backward.gradient, p.dtype));
  else root.backward();
}

/** Compares an actual tensor with an expected one; returns a failure description or null. */
export function compare(what: string, actual: Tensor | null, exp: TensorSpec | null, tol: { rtol: number; atol: number }): string | null {
  if (exp === null) return actual === null ? null : `${what}: expected null, got a tensor`;
  if (actual === null) return `${what}: expected a tensor, got null`;
  if (actual.shape.length !== exp.shape.length || actual.shape.some((d, i) => d !== exp.shape[i])) {
    return `${what}: shape [${actual.shape.join(', ')}] != expected [${exp.shape.join(', ')}]`;
  }
  const got = actual.dataSync();
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < exp.data.length; i++) {
    const e = Number(num(exp.data[i]));
    const g = Number(got[i]);
    const allowed = tol.atol + tol.rtol * Math.abs(e);
    const err = Math.abs(g - e);
    const bad = !(err <= allowed) && !(Number.isNaN(e) && Number.isNaN(g)) && !(g === e);
    if (bad && (worstAt < 0 || err / allowed > worst)) {
      worst = err / allowed;
      worstAt = i;
    }
  }
  if (worstAt >= 0) {
    const e = Number(num(exp.data[worstAt]));
    const g = Number(got[worstAt]);
    return `${what}: element ${worstAt} got ${g} expected ${e}, max error ${Math.abs(g - e).toExponential(3)} > tolerance ${(tol.atol + tol.rtol * Math.abs(e)).toExponential(3)}`;
  }
  return null;
}

function guard(name: string, fn: () => string[]): Result {
  try {
    const errs = fn();
    return errs.length ? { name, ok: false, message: errs.join('; ') } : { name, ok: true };
  } catch (e) {
    return { name, ok: false, message: `threw: ${(e as Error).message}` };
  }
}

export function runCase(c: Case): Result {
  return guard(c.name, () => {
    const env = runProgram(c);
    runBackward(c, env);
    const errs: string[] = [];
    for (const [k, spec] of Object.entries(c.expected.values)) {
      const e = compare(`value ${k}`, env.get(k) ?? null, spec, c.tolerance);
      if (e) errs.push(e);
    }
    for (const [k, spec] of Object.entries(c.expected.grads)) {
      const t = env.get(k);
      if (!t) errs.push(`grad ${k}: no such input`);
      else {
        const e = compare(`grad ${k}`, t.grad, spec, c.tolerance);
        if (e) errs.push(e);
      }
    }
    return errs;
  });
}

export function runTrace(tr: Trace): Result {
  return guard(tr.name, () => {
    const leaves = new Map<string, Tensor>();
    for (const [k, spec] of Object.entries(tr.inputs)) {
      const s = { ...spec, requires_grad: spec.requires_grad || tr.loop.params.includes(k) };
      leaves.set(k, makeTensor(s, tr.dtype));
    }
    const errs: string[] = [];
    for (const rec of tr.trace) {
      const env = runProgram(tr, leaves);
      runBackward(tr, env);
      const loss = (env.get(tr.backward?.from ?? '') as Tensor).item();
      const le = compare(`epoch ${rec.epoch} loss`, torch.tensor(loss, { dtype: 'float64' }), { shape: [], data: [rec.loss] }, tr.tolerance);
      if (le) errs.push(le);
      for (const p of tr.loop.params) {
        const w = leaves.get(p) as Tensor;
        const ge = compare(`epoch ${rec.epoch} grad ${p}`, w.grad, rec.grad[p], tr.tolerance);
        if (ge) errs.push(ge);
        if (tr.loop.update === 'sgd') {
          const lr = tr.loop.lr as number;
          torch.noGrad(() => w.sub_((w.grad as Tensor).mul(lr)));
        }
        if (tr.loop.zero_grad) w.grad?.zero_();
        const pe = compare(`epoch ${rec.epoch} param ${p}`, w, rec.params[p], tr.tolerance);
        if (pe) errs.push(pe);
      }
      if (errs.length) break;
    }
    return errs;
  });
}

interface PrintItem {
  name: string;
  construct: { tensor: TensorSpec } | (Program & { print: string | { grad: string } });
  repr: string;
}

export function runPrint(item: PrintItem): Result {
  return guard(item.name, () => {
    let t: Tensor | null;
    const c = item.construct;
    if ('tensor' in c) t = makeTensor(c.tensor, c.tensor.dtype ?? 'float32');
    else {
      const env = runProgram(c);
      runBackward(c, env);
      t = typeof c.print === 'string' ? (env.get(c.print) ?? null) : (env.get(c.print.grad)?.grad ?? null);
    }
    const s = String(t);
    return s === item.repr ? [] : [`repr differs:\n  got:      ${JSON.stringify(s)}\n  expected: ${JSON.stringify(item.repr)}`];
  });
}

interface Variant {
  op: string;
  variant: string;
  construct: Program & { print: string };
  grad_fn: string | null;
}

export function runVariant(v: Variant): Result {
  return guard(`gradfn_names/${v.op}: ${v.variant}`, () => {
    const env = runProgram(v.construct);
    const t = env.get(v.construct.print);
    const name = t?.gradFn ? t.gradFn.name : null;
    return name === v.grad_fn ? [] : [`grad_fn ${name} != expected ${v.grad_fn}`];
  });
}

export interface GroupFile {
  file: string;
  kind: 'cases' | 'traces' | 'print' | 'gradfn_names' | 'unknown';
  items: { name: string; run: () => Result }[];
}

/** Reads every .json of `dir` into runnable items (manifest.json describes the others; it has none). */
export function loadDir(dir: string): GroupFile[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  const out: GroupFile[] = [];
  for (const file of files) {
    const d = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
    if (Array.isArray(d.cases)) {
      out.push({ file, kind: 'cases', items: (d.cases as Case[]).map((c) => ({ name: c.name, run: () => runCase(c) })) });
    } else if (Array.isArray(d.traces)) {
      out.push({ file, kind: 'traces', items: (d.traces as Trace[]).map((c) => ({ name: c.name, run: () => runTrace(c) })) });
    } else if (Array.isArray(d.items)) {
      out.push({ file, kind: 'print', items: (d.items as PrintItem[]).map((c) => ({ name: c.name, run: () => runPrint(c) })) });
    } else if (Array.isArray(d.variants)) {
      const vs = d.variants as Variant[];
      out.push({ file, kind: 'gradfn_names', items: vs.map((v) => ({ name: `gradfn_names/${v.op}: ${v.variant}`, run: () => runVariant(v) })) });
    } else if (!('groups' in d)) {
      out.push({ file, kind: 'unknown', items: [{ name: file, run: () => ({ name: file, ok: false, message: 'unrecognised golden file format' }) }] });
    }
  }
  return out;
}
