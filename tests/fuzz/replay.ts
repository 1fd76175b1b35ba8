// Replays the differential fuzzer's programs (../shared/fuzz/gen.py: random autograd programs with
// PyTorch 1.13's recorded values, grads and errors) through the BUILT package and compares. The
// program format and the semantics follow gen.py's executor; every step output is checked for
// shape, dtype, values, requires_grad and grad_fn name, then every leaf's / retained `.grad`; when
// PyTorch raised, asgrad must raise an Error whose message contains the start of PyTorch's, and
// after any error the library must still compute correctly.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Tensor } from '../../ts/index.js';

type Torch = typeof import('../../ts/index.js').torch;

/** A recorded tensor (gen.py's `enc`): NaN/±inf are the strings 'nan', 'inf', '-inf'. */
export interface RefTensor {
  shape: number[];
  dtype: string;
  data: (number | boolean | string)[];
}
export interface RefStep extends RefTensor {
  rg: boolean;
  fn: string | null;
}
export type Arg =
  | number
  | boolean
  | string
  | null
  | number[]
  | { t: string }
  | { tl: string[] }
  | { idx: number | number[] }
  | { bool: boolean[]; shape: number[] };
export interface Step {
  op: string;
  args?: Arg[];
  out: string | null;
  nograd?: boolean;
  // input
  shape?: number[];
  dtype?: 'float32' | 'float64';
  data?: (number | string)[];
  rg?: boolean;
  // backward
  grad?: number[] | null;
  create_graph?: boolean;
  // double_backward
  leaves?: string[];
}
export interface Program {
  id: number;
  seed: number;
  steps: Step[];
  ref: {
    trace: (RefStep | null)[];
    grads: Record<string, RefTensor | null>;
    error: { step: number; type: string; msg: string } | null;
  };
  /**
   * Tensors where PyTorch's own float32 result is off from its float64 twin by more than the
   * float32 tolerance (written by tests/fuzz/noise.py): step or grad name -> the largest gap.
   */
  noise?: { trace: Record<string, number>; grads: Record<string, number> };
}

export type IssueKind =
  | 'value'
  | 'requires_grad'
  | 'grad_fn'
  | 'grad'
  | 'no-error'
  | 'error-msg'
  | 'unexpected-error'
  | 'broken-after-error'
  | 'harness';
export interface Issue {
  kind: IssueKind;
  op: string;
  msg: string;
}
export interface Report {
  total: number;
  passed: number;
  /** Failing programs' issues, by program id. */
  failures: Map<number, Issue[]>;
  /** `kind:op` -> the programs with that issue (id and message), most frequent class first. */
  classes: [string, { id: number; msg: string }[]][];
}

/** Reads a programs file written by gen.py, plain or gzipped (.gz). */
export function loadPrograms(path: string): Program[] {
  let buf = readFileSync(path);
  if (path.endsWith('.gz')) buf = gunzipSync(buf);
  return JSON.parse(buf.toString('utf8')) as Program[];
}

/** The built package (build/ts/index.js), by URL relative to the repository root. */
export async function loadBuilt(): Promise<Torch> {
  const url = new URL('../../build/ts/index.js', import.meta.url);
  const mod = (await import(url.href)) as typeof import('../../ts/index.js');
  return mod.torch;
}

const num = (v: number | boolean | string): number =>
  v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : typeof v === 'boolean' ? +v : Number(v);

// Tolerances (rtol, atol) per dtype; a program that touches float32 anywhere gets float32's.
const TOL: Record<string, [number, number]> = { float32: [1e-4, 1e-5], float64: [1e-9, 1e-11] };

const BIN = new Set(['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum']);
const UN = new Set(['neg', 'exp', 'log', 'sqrt', 'abs', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'square', 'reciprocal', 'sign']);
const REDUCE = new Set(['sum', 'mean', 'amax', 'amin', 'logsumexp']);
const MATMUL = new Set(['matmul', 'mm', 'mv', 'bmm', 'dot']);
const CMP = new Set(['gt', 'lt', 'ge', 'le', 'eq', 'ne']);
const INPLACE = new Set(['add_', 'sub_', 'mul_', 'div_']);

type Val = Tensor | Tensor[] | number | boolean | string | null | number[];
type Env = Map<string, Tensor>;

export class Replayer {
  constructor(readonly torch: Torch) {}

  private arg(env: Env, a: Arg | undefined): Val {
    const torch = this.torch;
    if (a !== null && typeof a === 'object' && !Array.isArray(a)) {
      if ('t' in a) return this.get(env, a.t);
      if ('tl' in a) return a.tl.map((n) => this.get(env, n));
      if ('idx' in a) {
        const idx = a.idx;
        return torch.tensor(Array.isArray(idx) ? idx.map((v) => BigInt(v)) : BigInt(idx), { dtype: 'int64' });
      }
      if ('bool' in a) return torch.tensor(a.bool, { dtype: 'bool' }).reshape(a.shape);
    }
    return a === undefined ? null : a;
  }

  private get(env: Env, name: string): Tensor {
    const t = env.get(name);
    if (!t) throw new Error(`replay: no tensor named ${name}`);
    return t;
  }

  /** Runs one step as gen.py's op_call does; returns its tensor output or null. */
  private call(env: Env, s: Step): Tensor | null {
    const torch = this.torch;
    const F = torch.nn.functional;
    const op = s.op;
    const A = (s.args ?? []).map((a) => this.arg(env, a));
    const T = (i: number): Tensor => A[i] as Tensor;
    const N = (i: number): number => A[i] as number;
    type Sc = Tensor | number;
    if (op === 'input') {
      const t = torch.tensor((s.data ?? []).map(num), { dtype: s.dtype }).reshape(s.shape ?? []);
      if (s.rg) t.requiresGrad_(true);
      return t;
    }
    if (BIN.has(op)) {
      const f = torch[op as 'add' | 'sub' | 'mul' | 'div' | 'pow'] as (a: Sc, b: Sc) => Tensor;
      return f(A[0] as Sc, A[1] as Sc);
    }
    if (UN.has(op)) return (torch[op as 'neg'] as (x: Tensor) => Tensor)(T(0));
    if (op === 'clamp') return T(0).clamp(A[1] as number | null, A[2] as number | null);
    if (op === 'leaky_relu') return F.leakyRelu(T(0), N(1));
    if (REDUCE.has(op)) {
      const x = T(0);
      const m = op as 'sum' | 'mean' | 'amax' | 'amin' | 'logsumexp';
      const dim = A[1] as number | number[] | null;
      if (dim === null) return (x[m] as () => Tensor).call(x);
      return x[m]({ dim, keepdim: A[2] as boolean });
    }
    if (op === 'var' || op === 'std') {
      const x = T(0);
      const dim = A[1] as number | number[] | null;
      if (dim === null) return x[op]({ unbiased: A[2] as boolean });
      return x[op]({ dim, unbiased: A[2] as boolean, keepdim: A[3] as boolean });
    }
    if (MATMUL.has(op)) return (torch[op as 'matmul'] as (a: Tensor, b: Tensor) => Tensor)(T(0), T(1));
    if (op === 'addmm') return torch.addmm(T(0), T(1), T(2));
    if (op === 'transpose') return T(0).transpose(N(1), N(2));
    if (op === 't') return T(0).t();
    // gen.py calls `x.permute(*dims)`: spread, so no dims is a call without arguments.
    if (op === 'permute') return T(0).permute(...(A[1] as number[]));
    if (op === 'reshape') return T(0).reshape(A[1] as number[]);
    if (op === 'view') return T(0).view(A[1] as number[]);
    if (op === 'flatten') return T(0).flatten(N(1), N(2));
    if (op === 'expand') return T(0).expand(A[1] as number[]);
    if (op === 'squeeze') return A[1] === null ? T(0).squeeze() : T(0).squeeze(N(1));
    if (op === 'unsqueeze') return T(0).unsqueeze(N(1));
    if (op === 'narrow') return T(0).narrow(N(1), N(2), N(3));
    if (op === 'select') return T(0).select(N(1), N(2));
    if (op === 'index_select') return torch.indexSelect(T(0), N(1), T(2));
    if (op === 'cat') return torch.cat(A[0] as Tensor[], N(1));
    if (op === 'stack') return torch.stack(A[0] as Tensor[], N(1));
    if (op === 'where') return torch.where(T(0), T(1), T(2));
    if (CMP.has(op)) return (torch[op as 'gt'] as (a: Tensor, b: Tensor) => Tensor)(T(0), T(1));
    if (op === 'softmax') return torch.softmax(T(0), N(1));
    if (op === 'log_softmax') return torch.logSoftmax(T(0), N(1));
    type Red = { reduction: 'mean' | 'sum' | 'none' };
    const red = (): Red => ({ reduction: A[2] as Red['reduction'] });
    if (op === 'mse_loss') return F.mseLoss(T(0), T(1), red());
    if (op === 'cross_entropy') return F.crossEntropy(T(0), T(1), red());
    if (op === 'nll_loss') return F.nllLoss(T(0), T(1), red());
    if (op === 'bce_logits') return F.binaryCrossEntropyWithLogits(T(0), T(1), red());
    if (op === 'linear') return F.linear(T(0), T(1), A[2] as Tensor | null);
    if (INPLACE.has(op)) return T(0)[op as 'add_'](A[1] as Sc);
    if (op === 'zero_') return T(0).zero_();
    if (op === 'fill_') return T(0).fill_(N(1));
    if (op === 'copy_') return T(0).copy_(T(1));
    if (op === 'detach') return T(0).detach();
    if (op === 'clone') return T(0).clone();
    if (op === 'contiguous') return T(0).contiguous();
    if (op === 'to') return T(0).to(A[1] as 'float32' | 'float64');
    if (op === 'retain_grad') {
      T(0).retainGrad();
      return null;
    }
    if (op === 'backward') {
      const y = T(0);
      const g = s.grad == null ? undefined : torch.tensor(s.grad, { dtype: y.dtype }).reshape(Array.from(y.shape));
      y.backward(g, { createGraph: !!s.create_graph });
      return null;
    }
    if (op === 'double_backward') {
      // y.backward(create_graph); the leaves' grads are taken and reset; sum(g*g) over the grads
      // that require grad is backpropagated (gen.py's definition).
      const y = T(0);
      const leaves = (s.leaves ?? []).map((n) => this.get(env, n));
      y.backward(undefined, { createGraph: true });
      const gs = leaves.map((l) => l.grad);
      for (const l of leaves) l.grad = null;
      let tot: Tensor | null = null;
      for (const g of gs) {
        if (g?.requiresGrad) {
          const term = g.mul(g).sum();
          tot = tot === null ? term : tot.add(term);
        }
      }
      if (tot === null) return null;
      tot.backward();
      return tot;
    }
    throw new Error(`replay: unknown op ${op}`);
  }

  /** `noise`: PyTorch's own float32 error on this tensor, where it exceeds the tolerance (see Program). */
  private compare(ref: RefTensor | null | undefined, t: unknown, what: string, f32: boolean, noise?: number): string | null {
    if (ref === null || ref === undefined) return t == null ? null : `${what}: expected None, got tensor`;
    if (!(t instanceof this.torch.Tensor)) return `${what}: expected tensor, got ${String(t)}`;
    const shape = Array.from(t.shape);
    if (JSON.stringify(shape) !== JSON.stringify(ref.shape)) {
      return `${what}: shape ${JSON.stringify(ref.shape)} vs asgrad ${JSON.stringify(shape)}`;
    }
    if (t.dtype !== ref.dtype) return `${what}: dtype ${ref.dtype} vs asgrad ${t.dtype}`;
    const got = Array.from(t.dataSync() as (number | boolean)[], (v) => (typeof v === 'boolean' ? +v : v));
    const exp = ref.data.map(num);
    if (got.length !== exp.length) return `${what}: ${exp.length} values vs asgrad ${got.length}`;
    const [rtol, atol] = (f32 ? TOL.float32 : TOL[t.dtype]) ?? [0, 0];
    let worst: { i: number; a: number; e: number; rel: number } | null = null;
    for (let i = 0; i < exp.length; i++) {
      const a = got[i];
      const e = exp[i];
      if (Number.isNaN(e) && Number.isNaN(a)) continue;
      if (a === e) continue;
      const d = Math.abs(a - e);
      // An ill-conditioned tensor may be off by twice PyTorch's own error (each side rounds).
      if (!(d <= atol + rtol * Math.abs(e)) && !(noise !== undefined && d <= 2 * noise)) {
        const rel = d / Math.max(Math.abs(e), 1e-30);
        if (!worst || rel > worst.rel || Number.isNaN(d)) worst = { i, a, e, rel };
      }
    }
    if (worst) {
      return `${what}: values differ at [${worst.i}] torch=${worst.e} asgrad=${worst.a} (rel ${worst.rel.toExponential(2)})`;
    }
    return null;
  }

  /** Whether the library still computes correctly (and grad mode is back on). */
  sane(): boolean {
    const torch = this.torch;
    try {
      const x = torch.ones(3, { requiresGrad: true });
      const z = x.add(2).mul(x.add(2)).mul(3).mean();
      z.backward();
      const g = x.grad;
      return g !== null && JSON.stringify(g.dataSync()) === '[6,6,6]' && torch.isGradEnabled();
    } catch {
      return false;
    }
  }

  /** Runs one program; returns its disagreements with PyTorch (empty when it agrees). */
  run(p: Program): Issue[] {
    const torch = this.torch;
    const env: Env = new Map();
    const ref = p.ref;
    const issues: Issue[] = [];
    const f32 = p.steps.some((s) => s.dtype === 'float32' || (s.op === 'to' && s.args?.[1] === 'float32'));
    const exec = (s: Step): Tensor | null => (s.nograd ? torch.noGrad(() => this.call(env, s)) : this.call(env, s));
    let threw = false;
    let stopped = false;
    let errorAgreed = false;
    for (let i = 0; i < p.steps.length && !stopped; i++) {
      const s = p.steps[i];
      if (ref.error && ref.error.step === i) {
        let err: unknown = null;
        try {
          exec(s);
        } catch (e) {
          err = e;
          threw = true;
        }
        if (err === null) {
          issues.push({ kind: 'no-error', op: s.op, msg: `PyTorch raised "${ref.error.msg.slice(0, 120)}", asgrad did not` });
        } else {
          const m = err instanceof Error ? err.message : String(err);
          const key = ref.error.msg.replace(/\s+/g, ' ').trim().slice(0, 60);
          if (!(err instanceof Error)) issues.push({ kind: 'error-msg', op: s.op, msg: `asgrad threw a non-Error: ${m}` });
          else if (!m.includes(key)) {
            issues.push({ kind: 'error-msg', op: s.op, msg: `torch: "${ref.error.msg.slice(0, 140)}" | asgrad: "${m.slice(0, 140)}"` });
          } else errorAgreed = true;
        }
        break;
      }
      let out: Tensor | null;
      try {
        out = exec(s);
      } catch (e) {
        const m = e instanceof Error ? e.message : String(e);
        issues.push({ kind: 'unexpected-error', op: s.op, msg: `asgrad raised "${m.slice(0, 160)}" where PyTorch did not` });
        threw = true;
        break;
      }
      const rec = ref.trace[i];
      if (out !== null && s.out) env.set(s.out, out);
      if (rec) {
        const m = this.compare(rec, out, `step ${i} ${s.op}`, f32, p.noise?.trace[String(i)]);
        if (m) {
          issues.push({ kind: 'value', op: s.op, msg: m });
          stopped = true;
        } else if ((out as Tensor).requiresGrad !== rec.rg) {
          issues.push({
            kind: 'requires_grad',
            op: s.op,
            msg: `step ${i} ${s.op}: requires_grad torch=${rec.rg} asgrad=${(out as Tensor).requiresGrad}`,
          });
          stopped = true;
        } else {
          const fn = (out as Tensor).gradFn?.name ?? null;
          if (fn !== rec.fn) issues.push({ kind: 'grad_fn', op: s.op, msg: `step ${i} ${s.op}: grad_fn torch=${rec.fn} asgrad=${fn}` });
        }
      } else if (out !== null && s.op !== 'double_backward') {
        issues.push({ kind: 'value', op: s.op, msg: `step ${i}: torch returned nothing, asgrad a tensor` });
        stopped = true;
      }
    }
    // Grads are compared after an error too when both raised it at the same step (stricter than
    // ../shared/fuzz/run.mjs): what earlier backward passes accumulated must agree, and a backward
    // that fails midway must leave the same grads.
    if ((ref.error === null ? !threw : errorAgreed) && !stopped) {
      const bw =
        p.steps
          .filter((s) => s.op.includes('backward'))
          .map((s) => s.op)
          .pop() ?? 'backward';
      for (const [name, g] of Object.entries(ref.grads)) {
        const t = env.get(name);
        if (!t) {
          issues.push({ kind: 'grad', op: bw, msg: `grad ${name}: asgrad has no tensor ${name}` });
          continue;
        }
        let gt: unknown;
        try {
          gt = t.grad;
        } catch (e) {
          gt = e;
        }
        const m = this.compare(g, gt, `grad ${name}`, f32, p.noise?.grads[name]);
        if (m) issues.push({ kind: 'grad', op: bw, msg: m });
      }
    }
    if (threw && !this.sane()) issues.push({ kind: 'broken-after-error', op: '-', msg: 'library no longer works after the error' });
    torch.setGradEnabled(true);
    return issues;
  }

  /** Runs every program (or those in `only`); failures grouped by class, one example each. */
  runAll(programs: readonly Program[], only?: ReadonlySet<number>, onFail?: (id: number, issues: Issue[]) => void): Report {
    const failures = new Map<number, Issue[]>();
    const classes = new Map<string, { id: number; msg: string }[]>();
    let total = 0;
    for (const p of programs) {
      if (only && !only.has(p.id)) continue;
      total++;
      let issues: Issue[];
      try {
        issues = this.run(p);
      } catch (e) {
        issues = [{ kind: 'harness', op: '-', msg: String(e instanceof Error ? e.stack : e).slice(0, 300) }];
        this.torch.setGradEnabled(true);
      }
      if (issues.length === 0) continue;
      failures.set(p.id, issues);
      onFail?.(p.id, issues);
      for (const it of issues) {
        const key = `${it.kind}:${it.op}`;
        let list = classes.get(key);
        if (!list) {
          list = [];
          classes.set(key, list);
        }
        list.push({ id: p.id, msg: it.msg });
      }
    }
    const sorted = [...classes.entries()].sort((a, b) => b[1].length - a[1].length);
    return { total, passed: total - failures.size, failures, classes: sorted };
  }
}

/** The summary run.mjs prints: pass counts, then one line per failure class with an example. */
export function formatReport(r: Report): string {
  const pct = r.total ? ((100 * r.passed) / r.total).toFixed(1) : '100.0';
  const lines = [`programs ${r.total}: pass ${r.passed}, fail ${r.total - r.passed} (${pct}% pass)`];
  for (const [k, v] of r.classes) lines.push(`${String(v.length).padStart(5)}  ${k}   e.g. #${v[0].id}: ${v[0].msg}`);
  return lines.join('\n');
}
