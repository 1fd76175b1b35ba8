// The nn.Module cases of ../shared/golden-train/modules.json (computed by PyTorch 1.13; format in
// its README-ops-modules.md) through the built package's public API: build the module from its
// spec, load its state_dict, set the mode, call it, run backward, and compare the output, the
// gradients of the inputs and parameters, the buffers after, the repr, the parameter names and
// the parameter count.
import { readFileSync } from 'node:fs';
import { torch, type Tensor } from '../../build/ts/index.js';
import type { DType } from '../../build/ts/index.js';
import { compare, makeTensor, type Result } from './runner.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface TensorSpec {
  shape: number[];
  data: (number | boolean | string)[];
  dtype?: DType;
  requires_grad?: boolean;
}
export interface ModuleSpec {
  type: string;
  args?: Json[];
  kwargs?: Record<string, Json>;
  children?: ModuleSpec[];
}
export interface ModuleCase {
  name: string;
  dtype: DType;
  module: ModuleSpec;
  state_dict: Record<string, TensorSpec>;
  mode: 'train' | 'eval';
  inputs: Record<string, TensorSpec>;
  forward: { args: Json[]; kwargs?: Record<string, Json> };
  backward: { gradient: TensorSpec | null | Json };
  expected: {
    output: TensorSpec | Json;
    grads: Record<string, TensorSpec | null>;
    state_dict_after: Record<string, TensorSpec>;
    repr: string;
    parameters: string[];
    num_parameters: number;
  };
  tolerance: { rtol: number; atol: number };
}

/** A module's result: a tensor or a (nested) tuple of them, as PyTorch's. */
type Output = Tensor | Output[];

/** Pairs the leaves of a nested output with the same nesting in the expected JSON. */
function flatten(out: Output, want: Json | TensorSpec, what: string): [string, Tensor, TensorSpec][] {
  if (!Array.isArray(out)) {
    if (Array.isArray(want)) throw new Error(`${what}: got a tensor where a tuple of ${want.length} was expected`);
    return [[what, out, want as TensorSpec]];
  }
  if (!Array.isArray(want) || want.length !== out.length)
    throw new Error(`${what}: got a tuple of ${out.length} where ${JSON.stringify(want).slice(0, 40)} was expected`);
  return out.flatMap((o, i) => flatten(o, want[i] as Json, `${what}[${i}]`));
}

type Ctor = new (...args: unknown[]) => ((...xs: Tensor[]) => Tensor) & InstanceType<typeof torch.nn.Module>;
const NN = torch.nn as unknown as Record<string, Ctor>;

/** Whether the library implements this spec: every module type in it is a class of torch.nn. */
export function supported(spec: ModuleSpec): boolean {
  if (spec.type === 'Sequential') return (spec.children ?? []).every(supported);
  return typeof NN[spec.type] === 'function';
}

const camel = (k: string): string => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * The module of a spec; a kwarg `{ state_dict: key }` is the case's tensor under that key, an
 * argument or kwarg `{ module: spec }` a module built from that spec (TransformerEncoder's layer).
 */
export function buildModule(spec: ModuleSpec, sd: Record<string, TensorSpec>, dtype: DType): InstanceType<typeof torch.nn.Module> {
  if (spec.type === 'Sequential') return new torch.nn.Sequential(...(spec.children ?? []).map((c) => buildModule(c, sd, dtype)));
  const Cls = NN[spec.type];
  if (typeof Cls !== 'function') throw new Error(`torch.nn has no module ${spec.type}`);
  const value = (v: Json): unknown => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && typeof v.state_dict === 'string')
      return makeTensor(sd[v.state_dict], dtype);
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && typeof v.module === 'object')
      return buildModule(v.module as unknown as ModuleSpec, sd, dtype);
    return v;
  };
  const kw = Object.fromEntries(Object.entries(spec.kwargs ?? {}).map(([k, v]) => [camel(k), value(v)]));
  const args: unknown[] = (spec.args ?? []).map(value);
  if (Object.keys(kw).length) args.push(kw);
  return new Cls(...args);
}

export function runModuleCase(c: ModuleCase): Result {
  const errs: string[] = [];
  try {
    torch.scope(() => {
      const m = buildModule(c.module, c.state_dict, c.dtype);
      if (c.dtype === 'float64') m.double();
      const sd = Object.fromEntries(Object.entries(c.state_dict).map(([k, v]) => [k, makeTensor(v, c.dtype)]));
      m.loadStateDict(sd);
      if (c.mode === 'train') m.train();
      else m.eval();
      const env = new Map(Object.entries(c.inputs).map(([k, v]) => [k, makeTensor(v, c.dtype)]));
      // A string names an input, a list is a tuple (LSTM's (h0, c0)), anything else is a literal.
      const arg = (a: Json): unknown => {
        if (typeof a === 'string') {
          const t = env.get(a);
          if (!t) throw new Error(`forward argument ${JSON.stringify(a)} is not an input`);
          return t;
        }
        return Array.isArray(a) ? a.map(arg) : a;
      };
      const args = c.forward.args.map(arg);
      const kw = Object.entries(c.forward.kwargs ?? {});
      if (kw.length) args.push(Object.fromEntries(kw.map(([k, v]) => [camel(k), arg(v)])));
      const out = m(...(args as Tensor[])) as Output;
      const tol = c.tolerance;
      const e = c.expected;
      const push = (p: string | null): void => {
        if (p) errs.push(p);
      };
      const outs = flatten(out, e.output, 'output');
      for (const [what, got, want] of outs) push(compare(what, got, want, tol, c.dtype));
      const g = c.backward.gradient;
      if (g === null) (out as Tensor).backward();
      else {
        const gs = flatten(out, g, 'gradient');
        // torch.autograd.backward(outputs, gradients) over every output: the sum of <output, gradient>
        // sends each output exactly its gradient (d/d out of sum(out * g) is g, bit for bit).
        if (gs.length === 1) gs[0][1].backward(makeTensor(gs[0][2], c.dtype));
        else
          gs.map(([, o, w]) => o.mul(makeTensor(w, c.dtype)).sum())
            .reduce((a, b) => a.add(b))
            .backward();
      }
      const params = new Map([...m.namedParameters()]);
      for (const [k, want] of Object.entries(e.grads)) {
        const got = k.startsWith('input:') ? env.get(k.slice(6))?.grad : params.get(k)?.grad;
        if (got === undefined) errs.push(`grads: ${k} is neither an input nor a parameter`);
        else push(compare(`grad ${k}`, got, want, tol, c.dtype));
      }
      const after = m.stateDict();
      for (const [k, want] of Object.entries(e.state_dict_after))
        push(compare(`state_dict_after ${k}`, after[k] ?? null, want, tol, c.dtype));
      if (String(m) !== e.repr) errs.push(`repr: ${JSON.stringify(String(m))} != ${JSON.stringify(e.repr)}`);
      const names = [...params.keys()];
      if (names.join(',') !== e.parameters.join(',')) errs.push(`parameters: [${names}] != [${e.parameters}]`);
      const count = [...m.parameters()].reduce((s, p) => s + p.numel(), 0);
      if (count !== e.num_parameters) errs.push(`num_parameters: ${count} != ${e.num_parameters}`);
    });
  } catch (err) {
    errs.push(`threw: ${(err as Error).message}`);
  }
  return errs.length ? { name: c.name, ok: false, message: errs.join('; ') } : { name: c.name, ok: true };
}

export function loadModuleCases(file: string): ModuleCase[] {
  const d = JSON.parse(readFileSync(file, 'utf8')) as { format: number; group: string; cases: ModuleCase[] };
  if (d.format !== 1 || d.group !== 'modules') throw new Error(`${file}: not a format-1 modules group`);
  return d.cases;
}
