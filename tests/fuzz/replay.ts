// Replays the differential fuzzer's programs (../shared/fuzz/gen.py: random autograd programs with
// PyTorch 1.13's recorded values, grads and errors) through the BUILT package and compares. The
// program format and the semantics follow gen.py's executor; every step output is checked for
// shape, dtype, values, requires_grad and grad_fn name, then every leaf's / retained `.grad`; when
// PyTorch raised, asgrad must raise an Error whose message contains the start of PyTorch's, and
// after any error the library must still compute correctly.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Tensor } from '../../ts/index.js';
import type { OpSpec } from '../../ts/ops/registry.js';

type Torch = typeof import('../../ts/index.js').torch;
/** The built package and its op registry (one module graph: the entries' functions are that build's). */
export interface Built {
  torch: Torch;
  entries: readonly OpSpec[];
}

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

/** The built package (build/ts/index.js) and its registry, by URL relative to the repository root. */
export async function loadBuilt(): Promise<Built> {
  const url = new URL('../../build/ts/index.js', import.meta.url);
  const mod = (await import(url.href)) as typeof import('../../ts/index.js');
  const reg = (await import(new URL('../../build/ts/ops/index.js', import.meta.url).href)) as typeof import('../../ts/ops/index.js');
  return { torch: mod.torch, entries: reg.ENTRIES };
}

const num = (v: number | boolean | string): number =>
  v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : typeof v === 'boolean' ? +v : Number(v);

// Tolerances (rtol, atol) per dtype; a program that touches float32 anywhere gets float32's.
const TOL: Record<string, [number, number]> = { float32: [1e-4, 1e-5], float64: [1e-9, 1e-11] };

/** gen.py's own short names for ops; every other op name of its programs is PyTorch's (an entry's `py`). */
export const FUZZ_ALIASES: Readonly<Record<string, string>> = { bce_logits: 'binary_cross_entropy_with_logits' };
/** gen.py steps that are no op of the registry: program input, the autograd calls, and `detach`, which is Tensor's own. */
export const HARNESS_STEPS: readonly string[] = ['input', 'backward', 'double_backward', 'retain_grad', 'detach'];
/** Ops gen.py calls as a method with its list argument spread (`x.permute(*dims)`: no dims is a call without any). */
const SPREAD_METHODS: ReadonlySet<string> = new Set(['permute']);

const camel = (k: string): string => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

type Call = (...args: unknown[]) => Tensor;

/**
 * How gen.py's op_call calls an entry, through the public API and the same way the conformance
 * runner does: `nn.functional.<name>` when the golden signature's `via` says so, else
 * `torch.<name>`, else `nn.functional.<name>`, else the Tensor method (gen.py's method-form calls:
 * view, contiguous, in-place ops). Its arguments are positional; those past the entry's golden positional
 * arguments are PyTorch's keywords in the signature's `kwargs` order (the order PyTorch takes them
 * positionally), passed as one options object unless `kwPositional`. A null is an argument gen.py
 * leaves out: trailing nulls are dropped, a null keyword is not passed.
 */
function fuzzCall(torch: Torch, e: OpSpec): (A: readonly unknown[]) => Tensor {
  const T = torch as unknown as Record<string, Call | undefined>;
  const F = torch.nn.functional as unknown as Record<string, Call | undefined>;
  const method: Call = (self, ...rest) => (self as unknown as Record<string, Call>)[e.name](...rest);
  const fn = e.functional?.[e.name] ? F[e.name] : undefined;
  const call: Call = (e.golden?.via === 'functional' && fn) || (e.torch !== false && T[e.name]) || fn || method;
  if (SPREAD_METHODS.has(e.py)) return ([self, list]) => method(self, ...(list as unknown[]));
  const sig = e.golden;
  const kwargs = sig?.kwargs ?? [];
  // Optional trailing tensors (tensorKwargs: a loss's weight) are keywords in the JavaScript form.
  const npos = sig ? (sig.tensorKwargs ? Math.min : Math.max)(...sig.args.map((a) => a.length)) : 0;
  const trim = (a: readonly unknown[]): unknown[] => {
    let n = a.length;
    while (n > 0 && a[n - 1] === null) n--;
    return a.slice(0, n);
  };
  if (kwargs.length === 0 || sig?.kwPositional) return (A) => call(...trim(A));
  return (A) => {
    const opts: Record<string, unknown> = {};
    A.slice(npos).forEach((v, i) => {
      if (v !== null) opts[camel(kwargs[i])] = v;
    });
    // gen.py calls PyTorch's overload without dim when dim is None, and that one has no keepdim.
    if (kwargs.includes('dim') && !('dim' in opts)) delete opts.keepdim;
    const pos = trim(A.slice(0, npos));
    return Object.keys(opts).length ? call(...pos, opts) : call(...pos);
  };
}

/** The fuzzer's op vocabulary from the registry: PyTorch name (and gen.py's aliases) -> call. */
export function fuzzVocabulary(built: Built): Map<string, (A: readonly unknown[]) => Tensor> {
  const byPy = new Map(built.entries.map((e) => [e.py, fuzzCall(built.torch, e)] as const));
  for (const [alias, py] of Object.entries(FUZZ_ALIASES)) {
    const f = byPy.get(py);
    if (f) byPy.set(alias, f);
  }
  return byPy;
}

type Val = Tensor | Tensor[] | number | boolean | string | null | number[];
type Env = Map<string, Tensor>;

export class Replayer {
  readonly torch: Torch;
  private readonly ops: Map<string, (A: readonly unknown[]) => Tensor>;
  constructor(built: Built) {
    this.torch = built.torch;
    this.ops = fuzzVocabulary(built);
  }

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
    const op = s.op;
    const A = (s.args ?? []).map((a) => this.arg(env, a));
    const T = (i: number): Tensor => A[i] as Tensor;
    if (op === 'input') {
      const t = torch.tensor((s.data ?? []).map(num), { dtype: s.dtype }).reshape(s.shape ?? []);
      if (s.rg) t.requiresGrad_(true);
      return t;
    }
    const f = this.ops.get(op);
    if (f) return f(A);
    if (op === 'detach') return T(0).detach();
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
          const fn = (out as Tensor).gradFn?.name() ?? null;
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
