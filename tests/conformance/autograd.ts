// The cases of ../shared/golden-train/autograd.json (PyTorch 1.13; format in
// README-optim-autograd-io.md): format-1 programs that may also call torch.autograd.grad, detach,
// register a gradient hook or retain a non-leaf's grad, and error items (PyTorch's exact text at a
// statement or at backward), and functional items: torch.autograd.functional's jacobian, hessian,
// vjp, jvp, hvp or vhp of a function given as a program.
import { readFileSync } from 'node:fs';
import { torch, type Tensor } from '../../build/ts/index.js';
import type { DType } from '../../build/ts/index.js';
import { compare, makeTensor, runStmt, type Result } from './runner.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface TensorSpec {
  shape: number[];
  data: (number | boolean | string)[];
  dtype?: DType;
  requires_grad?: boolean;
}
interface Stmt {
  out?: string | string[];
  op: string;
  args: Json[];
  kwargs?: Record<string, Json>;
}
export interface AutogradCase {
  name: string;
  dtype: DType;
  inputs: Record<string, TensorSpec>;
  program?: Stmt[];
  functional?: 'jacobian' | 'hessian' | 'vjp' | 'jvp' | 'hvp' | 'vhp';
  function?: { inputs: string[]; program: Stmt[]; output: string | string[] };
  v?: TensorSpec | TensorSpec[] | null;
  kwargs?: Record<string, Json>;
  backward?: { from: string; gradient: TensorSpec | null } | null;
  expected: {
    values?: Record<string, TensorSpec | null>;
    output?: Json;
    result?: Json;
    grads?: Record<string, TensorSpec | null>;
    error?: string;
    message?: string;
    at?: number | 'backward';
  };
  tolerance: { rtol: number; atol: number } | null;
}

type Env = Map<string, Tensor | null>;
const get = (env: Env, name: Json): Tensor => {
  const t = env.get(name as string);
  if (!t) throw new Error(`no tensor named ${JSON.stringify(name)}`);
  return t;
};

/** One statement: the autograd ones here, every other op through the conformance runner. */
function step(s: Stmt, env: Env): void {
  const kw = s.kwargs ?? {};
  switch (s.op) {
    case 'autograd.grad': {
      const [outs, ins] = s.args as string[][];
      const go = kw.grad_outputs as (string | null)[] | undefined;
      const r = torch.autograd.grad(
        outs.map((n) => get(env, n)),
        ins.map((n) => get(env, n)),
        {
          gradOutputs: go ? go.map((n) => (n === null ? null : get(env, n))) : undefined,
          createGraph: (kw.create_graph as boolean | undefined) ?? false,
          retainGraph: (kw.retain_graph as boolean | null | undefined) ?? undefined,
          allowUnused: (kw.allow_unused as boolean | undefined) ?? false,
        },
      );
      for (const [i, n] of (s.out as string[]).entries()) env.set(n, r[i]);
      return;
    }
    case 'detach':
      env.set(s.out as string, get(env, s.args[0]).detach());
      return;
    case 'register_hook': {
      const mul = kw.mul as number;
      get(env, s.args[0]).registerHook((g) => g.mul(mul));
      return;
    }
    case 'retain_grad':
      get(env, s.args[0]).retainGrad();
      return;
    default: {
      const r = runStmt(s as Parameters<typeof runStmt>[0], env as Map<string, Tensor>);
      if (typeof s.out === 'string') env.set(s.out, r as Tensor);
      else if (Array.isArray(s.out)) for (const [i, n] of s.out.entries()) env.set(n, (r as readonly Tensor[])[i]);
    }
  }
}

type Nested = Tensor | null | Nested[];

/** Compares a (nested) result with the expected JSON of the same nesting. */
function compareNested(what: string, got: Nested, want: Json, c: AutogradCase): string[] {
  const tol = c.tolerance ?? { rtol: 0, atol: 0 };
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) return [`${what}: expected a tuple of ${want.length}`];
    return want.flatMap((w, i) => compareNested(`${what}[${i}]`, got[i], w, c));
  }
  if (Array.isArray(got)) return [`${what}: got a tuple where a tensor was expected`];
  const p = compare(what, got, want as unknown as TensorSpec, tol, c.dtype);
  return p ? [p] : [];
}

/** A functional item: the function is its program over the named inputs (the rest are captured constants). */
function runFunctional(c: AutogradCase): string[] {
  const f = c.function as NonNullable<AutogradCase['function']>;
  const consts: Env = new Map(Object.entries(c.inputs).map(([k, v]) => [k, makeTensor(v, c.dtype)]));
  const func = (...xs: Tensor[]): Tensor | Tensor[] => {
    const env: Env = new Map(consts);
    for (const [i, n] of f.inputs.entries()) env.set(n, xs[i]);
    for (const s of f.program) step(s, env);
    return Array.isArray(f.output) ? f.output.map((n) => get(env, n)) : get(env, f.output);
  };
  const xs = f.inputs.map((n) => get(consts, n));
  const inputs = xs.length === 1 ? xs[0] : xs;
  const kw = Object.fromEntries(
    Object.entries(c.kwargs ?? {}).map(([k, v]) => [k.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase()), v]),
  );
  const v =
    c.v === undefined || c.v === null ? null : Array.isArray(c.v) ? c.v.map((t) => makeTensor(t, c.dtype)) : makeTensor(c.v, c.dtype);
  const F = torch.autograd.functional;
  const e = c.expected;
  switch (c.functional) {
    case 'jacobian':
      return compareNested('result', F.jacobian(func, inputs, kw) as Nested, e.result as Json, c);
    case 'hessian':
      return compareNested('result', F.hessian(func, inputs, kw) as Nested, e.result as Json, c);
    default: {
      const [out, res] = F[c.functional as 'vjp'](func, inputs, v, kw);
      return [
        ...compareNested('output', out as Nested, e.output as Json, c),
        ...compareNested('result', res as Nested, e.result as Json, c),
      ];
    }
  }
}

function run(c: AutogradCase): string[] {
  if (c.functional) return runFunctional(c);
  const env: Env = new Map(Object.entries(c.inputs).map(([k, v]) => [k, makeTensor(v, c.dtype)]));
  const e = c.expected;
  const program = c.program ?? [];
  let at: number | 'backward' | null = null;
  try {
    for (let i = 0; i < program.length; i++) {
      at = i;
      step(program[i], env);
    }
    at = 'backward';
    if (c.backward) {
      const root = get(env, c.backward.from);
      if (c.backward.gradient) root.backward(makeTensor(c.backward.gradient, c.dtype));
      else root.backward();
    }
  } catch (err) {
    if (e.error === undefined) return [`threw at ${at}: ${(err as Error).message}`];
    const got = err as Error;
    const errs: string[] = [];
    if (at !== e.at) errs.push(`threw at ${at}, PyTorch at ${e.at}`);
    if (got.message !== e.message) errs.push(`message ${JSON.stringify(got.message)} != ${JSON.stringify(e.message)}`);
    if (got.name !== e.error) errs.push(`error ${got.name} != ${e.error}`);
    return errs;
  }
  if (e.error !== undefined) return [`PyTorch raised ${e.error} (${e.message}) at ${e.at}; nothing was thrown`];
  const tol = c.tolerance ?? { rtol: 0, atol: 0 };
  const errs: string[] = [];
  for (const [k, spec] of Object.entries(e.values ?? {})) {
    const p = compare(`value ${k}`, env.get(k) ?? null, spec, tol, c.dtype);
    if (p) errs.push(p);
  }
  for (const [k, spec] of Object.entries(e.grads ?? {})) {
    const p = compare(`grad ${k}`, get(env, k).grad, spec, tol, c.dtype);
    if (p) errs.push(p);
  }
  return errs;
}

export function runAutogradCase(c: AutogradCase): Result {
  let errs: string[];
  try {
    errs = torch.scope(() => run(c));
  } catch (err) {
    errs = [`threw: ${(err as Error).message}`];
  }
  return errs.length ? { name: c.name, ok: false, message: errs.join('; ') } : { name: c.name, ok: true };
}

export function loadAutogradCases(file: string): AutogradCase[] {
  const d = JSON.parse(readFileSync(file, 'utf8')) as { format: number; group: string; cases: AutogradCase[] };
  if (d.format !== 1 || d.group !== 'autograd') throw new Error(`${file}: not a format-1 autograd group`);
  return d.cases;
}
