// The conformance runner: executes golden cases (programs over PyTorch ops, computed by real PyTorch
// 1.13; format in ../shared/golden/README.md) through the BUILT package (build/ts/index.js, the
// module users import, not the TypeScript sources) and compares every value, gradient and dtype.
//
// It is strict on purpose, so that a damaged or truncated golden file cannot pass by being checked
// less: every item is validated against the format before it runs (exact key sets, data lengths
// equal to the shape's element count, every program output and every requires-grad input has an
// expectation, a trace holds every epoch of its loop, known ops with their documented arguments
// and kwargs only), and a directory with a manifest must hold exactly the groups it names, with
// their counts. kwargs are passed to the library exactly as the case has them (camelCased): where
// one is absent, the library's default must be PyTorch's, the runner fills in nothing.
//
// The op vocabulary is the op registry's: every entry with a `golden` signature (ts/ops/<kind>.ts),
// keyed by its PyTorch name and called through the public API as the signature says.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { torch, type Tensor } from '../../build/ts/index.js';
import type { DType } from '../../build/ts/index.js';
// The registry of the same build: the op map below is derived from its entries.
import { ENTRIES } from '../../build/ts/ops/index.js';
import type { GoldenArg, OpSpec, PySignature } from '../../build/ts/ops/registry.js';
import { safetensorsGroup } from './safetensors.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Obj = { [k: string]: Json };
interface TensorSpec {
  shape: number[];
  data: (number | boolean | string)[];
  dtype?: DType;
  requires_grad?: boolean;
}
interface Stmt {
  /** One name, or one per output of an op returning a list (max/min with a dim: values, indices). */
  out: string | string[];
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
interface Tolerance {
  rtol: number;
  atol: number;
}
interface Case extends Program {
  name: string;
  expected: { values: Record<string, TensorSpec>; grads: Record<string, TensorSpec | null> };
  tolerance: Tolerance;
}
interface TraceRecord {
  epoch: number;
  loss: number;
  grad: Record<string, TensorSpec>;
  params: Record<string, TensorSpec>;
}
interface Trace extends Program {
  name: string;
  loop: { epochs: number; params: string[]; update: 'sgd' | 'none'; lr: number | null; zero_grad: boolean };
  trace: TraceRecord[];
  tolerance: Tolerance;
  extra?: Record<string, Json>;
}

export interface Result {
  name: string;
  ok: boolean;
  skipped?: boolean;
  message?: string;
}

type Value = Tensor | Tensor[] | number | number[];

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

// ------------------------------------------------------------------ the op vocabulary

/** Argument kinds of the README's vocabulary table: T tensor ref, N ref or number, I int, L int list, TL ref list. */
type ArgKind = GoldenArg;
/** The case's kwargs, camelCased, holding exactly the keys the case gives. */
type Kw = Record<string, number | number[] | boolean | string>;
interface OpDef {
  /** The accepted argument lists. */
  args: readonly (readonly ArgKind[])[];
  /** The PyTorch kwargs the op takes (snake_case, as in the golden files). */
  kwargs?: readonly string[];
  run: (a: Value[], kw: Kw) => Tensor | readonly Tensor[];
}

type Call = (...args: unknown[]) => Tensor | readonly Tensor[];

/**
 * The public function an entry's golden signature calls: `torch.nn.functional.<name>` when `via` is
 * 'functional', else `torch.<name>`, or the Tensor method of that name for an op PyTorch has only as
 * a method (view, expand). Through the public API, as a user calls it, never the entry's `fn`.
 */
export function publicForm(e: OpSpec): Call {
  const F = torch.nn.functional as unknown as Record<string, Call | undefined>;
  const T = torch as unknown as Record<string, Call | undefined>;
  if (e.golden?.via === 'functional') {
    const f = F[e.name];
    if (!f) throw new Error(`registry: ${e.py} is called via nn.functional, which has no ${e.name}`);
    return f;
  }
  if (e.torch !== false) {
    const f = T[e.name];
    if (!f) throw new Error(`registry: torch.${e.name} is missing`);
    return f;
  }
  if (!e.methods?.[e.name]) throw new Error(`registry: ${e.py} has neither torch.${e.name} nor a method ${e.name}`);
  return (self, ...rest) => (self as unknown as Record<string, Call>)[e.name](...rest);
}

/**
 * One golden op from its registry entry: positional arguments resolved by kind, the case's kwargs
 * (camelCased) as one options object, or as trailing positional arguments in the signature's
 * kwargs order when `kwPositional` (an absent one is passed as undefined, i.e. the library's
 * default).
 */
function opDef(e: OpSpec, sig: PySignature): OpDef {
  const call = publicForm(e);
  const kwargs = sig.kwargs ?? [];
  const tensorKw = sig.tensorKwargs;
  if (tensorKw) {
    // Trailing optional tensors (a loss's weight) go into the options object.
    const fixed = Math.min(...sig.args.map((k) => k.length));
    const run = (a: Value[], kw: Kw) => {
      const opts: Record<string, unknown> = { ...kw };
      a.slice(fixed).forEach((t, i) => {
        opts[camel(tensorKw[i])] = t;
      });
      return call(...a.slice(0, fixed), opts);
    };
    return { args: sig.args, kwargs, run };
  }
  // Forms shorter than the longest leave out trailing optional tensors (a norm's weight and bias):
  // they are passed as undefined, so the keywords after them keep their place.
  const longest = Math.max(...sig.args.map((k) => k.length));
  const full = (a: Value[]): unknown[] => (a.length < longest ? [...a, ...new Array<undefined>(longest - a.length)] : a);
  const run = sig.kwFirst
    ? (a: Value[], kw: Kw) => call(...kwargs.map((k) => kw[camel(k)]), ...a)
    : sig.kwPositional
      ? (a: Value[], kw: Kw) => call(...full(a), ...kwargs.map((k) => kw[camel(k)]))
      : kwargs.length > 0
        ? (a: Value[], kw: Kw) => call(...full(a), kw)
        : (a: Value[]) => call(...a);
  return { args: sig.args, kwargs, run };
}

/** Every op of the golden vocabulary (the registry entries with a golden signature), by PyTorch name. */
export const OPS: Record<string, OpDef> = Object.fromEntries(
  ENTRIES.flatMap((e) => (e.golden ? [[e.py, opDef(e, e.golden)] as const] : [])),
);

const camel = (k: string): string => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function ref(name: Json, env: Map<string, Tensor>): Tensor {
  const t = typeof name === 'string' ? env.get(name) : undefined;
  if (!t) throw new Error(`unknown reference ${JSON.stringify(name)}`);
  return t;
}

/** Resolves one argument by its documented kind (the golden file has been validated already). */
function resolveArg(kind: ArgKind, arg: Json, env: Map<string, Tensor>): Value {
  if (kind === 'T') return ref(arg, env);
  if (kind === 'N') return typeof arg === 'number' ? arg : ref(arg, env);
  if (kind === 'TL') return (arg as Json[]).map((x) => ref(x, env));
  return arg as number | number[];
}

function matches(kinds: readonly ArgKind[], args: Json[], known: Set<string>): boolean {
  if (kinds.length !== args.length) return false;
  const isRef = (a: Json): boolean => typeof a === 'string' && known.has(a);
  const isInt = (a: Json): boolean => typeof a === 'number' && Number.isInteger(a);
  return kinds.every((k, i) => {
    const a = args[i];
    if (k === 'T') return isRef(a);
    if (k === 'N') return isRef(a) || (typeof a === 'number' && Number.isFinite(a));
    if (k === 'F') return typeof a === 'number' && Number.isFinite(a);
    if (k === 'I') return isInt(a);
    if (k === 'L') return Array.isArray(a) && a.every(isInt);
    if (k === 'IL') return isInt(a) || (Array.isArray(a) && a.every(isInt));
    return Array.isArray(a) && a.length > 0 && a.every(isRef);
  });
}

function signatureOf(s: Stmt): readonly ArgKind[] {
  const def = OPS[s.op];
  const known = new Set<string>();
  // Validation has checked every reference, so only the shape of the argument list matters here.
  const refs = (a: Json): void => {
    if (typeof a === 'string') known.add(a);
    else if (Array.isArray(a)) a.forEach(refs);
  };
  s.args.forEach(refs);
  const sig = def.args.find((k) => matches(k, s.args, known));
  if (!sig) throw new Error(`${s.op}: arguments ${JSON.stringify(s.args)} match none of its forms`);
  return sig;
}

export function runStmt(s: Stmt, env: Map<string, Tensor>): Tensor | readonly Tensor[] {
  const def = OPS[s.op];
  if (!def) throw new Error(`unknown op '${s.op}'`);
  const sig = signatureOf(s);
  const kw: Kw = {};
  // The strings "inf" / "-inf" stand for the float (norm's order): JSON has no infinity.
  for (const [k, v] of Object.entries(s.kwargs ?? {})) kw[camel(k)] = v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as Kw[string]);
  return def.run(
    s.args.map((a, i) => resolveArg(sig[i], a, env)),
    kw,
  );
}

/** Builds the inputs and runs the statements; returns every named tensor. */
export function runProgram(p: Program, inputs?: Map<string, Tensor>): Map<string, Tensor> {
  const env = new Map<string, Tensor>(inputs ?? []);
  if (!inputs) for (const [k, spec] of Object.entries(p.inputs)) env.set(k, makeTensor(spec, p.dtype));
  for (const s of p.program) {
    const r = runStmt(s, env);
    if (typeof s.out === 'string') {
      if (Array.isArray(r)) throw new Error(`${s.op} returned ${r.length} tensors, the statement names one`);
      env.set(s.out, r as Tensor);
    } else {
      const names = s.out;
      if (!Array.isArray(r) || r.length !== names.length) throw new Error(`${s.op} did not return ${names.length} tensors`);
      for (let j = 0; j < names.length; j++) env.set(names[j], r[j]);
    }
  }
  return env;
}

function runBackward(p: Program, env: Map<string, Tensor>): void {
  if (!p.backward) return;
  const root = ref(p.backward.from, env);
  if (p.backward.gradient) root.backward(makeTensor(p.backward.gradient, p.dtype));
  else root.backward();
}

// ------------------------------------------------------------------ validation of the golden format

const FLOAT_DTYPES = ['float32', 'float64'];
/**
 * Expected tensors have the case's dtype; one may also state its dtype (the golden files do not
 * today), and the stated one is then the one compared.
 */
const ALL_DTYPES = ['float32', 'float64', 'int64', 'bool'];
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const prod = (s: number[]): number => s.reduce((a, b) => a * b, 1);

/** Collects every way a golden item departs from the documented format. */
class Validator {
  readonly problems: string[] = [];
  add(msg: string): void {
    this.problems.push(msg);
  }

  /** Checks that `o` is an object with all of `required`, and nothing beyond `required` + `optional`. */
  keys(where: string, o: unknown, required: string[], optional: string[] = []): o is Obj {
    if (!isObj(o)) {
      this.add(`${where}: expected an object, got ${JSON.stringify(o)?.slice(0, 60)}`);
      return false;
    }
    for (const k of required) if (!(k in o)) this.add(`${where}: missing key '${k}'`);
    for (const k of Object.keys(o)) if (!required.includes(k) && !optional.includes(k)) this.add(`${where}: unexpected key '${k}'`);
    return required.every((k) => k in o);
  }

  /**
   * A tensor `{shape, data}` whose data has exactly prod(shape) entries of its dtype: `dtype` is the
   * case's float dtype; `own` lists the dtypes the tensor may declare itself; `input` adds
   * requires_grad; `print` allows the non-finite strings print.json uses.
   */
  tensor(where: string, t: unknown, dtype: string, o: { own?: string[]; input?: boolean; print?: boolean } = {}): void {
    const optional = o.own ? ['dtype'] : [];
    if (!this.keys(where, t, o.input ? ['shape', 'data', 'requires_grad'] : ['shape', 'data'], optional)) return;
    const shape = t.shape;
    if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
      this.add(`${where}: shape ${JSON.stringify(shape)} is not a list of sizes`);
      return;
    }
    let dt = dtype;
    if (t.dtype !== undefined) {
      if (typeof t.dtype !== 'string' || !o.own?.includes(t.dtype)) this.add(`${where}: dtype ${JSON.stringify(t.dtype)} not allowed here`);
      else dt = t.dtype;
    }
    if (o.input && typeof t.requires_grad !== 'boolean') this.add(`${where}: requires_grad must be a bool`);
    if (o.input && t.requires_grad === true && !FLOAT_DTYPES.includes(dt)) this.add(`${where}: a ${dt} input cannot require grad`);
    const data = t.data;
    if (!Array.isArray(data)) {
      this.add(`${where}: data is not a list`);
      return;
    }
    const n = prod(shape as number[]);
    if (data.length !== n) this.add(`${where}: data has ${data.length} entries, shape [${shape.join(', ')}] needs ${n}`);
    const bad = data.findIndex((x) => {
      if (dt === 'bool') return typeof x !== 'boolean';
      if (dt === 'int64') return typeof x !== 'number' || !Number.isInteger(x);
      if (o.print && (x === 'nan' || x === 'inf' || x === '-inf')) return false;
      if (typeof x !== 'number' || !Number.isFinite(x)) return true;
      // float32 golden values are exactly representable: anything else is a damaged number.
      return dt === 'float32' && Math.fround(x) !== x;
    });
    if (bad >= 0) this.add(`${where}: data[${bad}] = ${JSON.stringify(data[bad])} is not a ${dt} value`);
  }

  tolerance(where: string, t: unknown): void {
    if (!this.keys(where, t, ['rtol', 'atol'])) return;
    for (const k of ['rtol', 'atol']) {
      const v = t[k];
      if (typeof v !== 'number' || !(v >= 0)) this.add(`${where}.${k}: ${JSON.stringify(v)} is not a tolerance`);
    }
  }

  /** dtype, inputs, program (and backward when `backward` is 'required' or 'optional'); returns the output names. */
  program(where: string, p: Obj, backward: 'required' | 'optional' | 'none'): string[] {
    const dtype = p.dtype;
    if (typeof dtype !== 'string' || !FLOAT_DTYPES.includes(dtype))
      this.add(`${where}: dtype ${JSON.stringify(dtype)} is not float32/float64`);
    const dt = typeof dtype === 'string' ? dtype : 'float32';
    const known = new Set<string>();
    if (isObj(p.inputs)) {
      for (const [k, spec] of Object.entries(p.inputs)) {
        this.tensor(`${where}: input '${k}'`, spec, dt, { own: ['int64', 'bool'], input: true });
        known.add(k);
      }
    } else this.add(`${where}: inputs is not an object`);
    const outs: string[] = [];
    if (!Array.isArray(p.program)) this.add(`${where}: program is not a list`);
    else {
      p.program.forEach((s, i) => {
        const at = `${where}: statement ${i}`;
        if (!this.keys(at, s, ['out', 'op', 'args'], ['kwargs'])) return;
        const def = typeof s.op === 'string' ? OPS[s.op] : undefined;
        if (!def) this.add(`${at}: unknown op '${String(s.op)}'`);
        const names: unknown[] = Array.isArray(s.out) && s.out.length > 0 ? s.out : [s.out];
        if (names.some((k, j) => typeof k !== 'string' || known.has(k) || names.indexOf(k) !== j))
          this.add(`${at}: out ${JSON.stringify(s.out)} is not a new name or a list of new names`);
        if (!Array.isArray(s.args)) this.add(`${at}: args is not a list`);
        else if (def && !def.args.some((k) => matches(k, s.args as Json[], known))) {
          this.add(
            `${at}: ${s.op} arguments ${JSON.stringify(s.args)} match none of ${def.args.map((k) => `[${k.join(', ')}]`).join(' / ')}`,
          );
        }
        if (s.kwargs !== undefined) {
          if (!isObj(s.kwargs)) this.add(`${at}: kwargs is not an object`);
          else {
            for (const [k, v] of Object.entries(s.kwargs)) {
              if (def && !(def.kwargs ?? []).includes(k)) this.add(`${at}: ${s.op} takes no kwarg '${k}'`);
              if (v === null || isObj(v)) this.add(`${at}: kwarg '${k}' is not a literal`);
            }
          }
        }
        for (const k of names) {
          if (typeof k !== 'string') continue;
          known.add(k);
          outs.push(k);
        }
      });
    }
    if (backward === 'none') return outs;
    if (p.backward === undefined || (backward === 'required' && p.backward === null)) {
      if (backward === 'required') this.add(`${where}: missing key 'backward'`);
      return outs;
    }
    if (p.backward !== null && this.keys(`${where}: backward`, p.backward, ['from', 'gradient'])) {
      const b = p.backward;
      if (typeof b.from !== 'string' || !outs.includes(b.from))
        this.add(`${where}: backward.from ${JSON.stringify(b.from)} is not a program output`);
      if (b.gradient !== null) this.tensor(`${where}: backward.gradient`, b.gradient, dt);
    }
    return outs;
  }
}

function caseProblems(c: unknown, where: string): string[] {
  const v = new Validator();
  if (!v.keys(where, c, ['name', 'dtype', 'inputs', 'program', 'backward', 'expected', 'tolerance'])) return v.problems;
  if (typeof c.name !== 'string') v.add(`${where}: name is not text`);
  const outs = v.program(where, c, 'required');
  const dt = String(c.dtype);
  if (v.keys(`${where}: expected`, c.expected, ['values', 'grads'])) {
    const { values, grads } = c.expected;
    if (v.keys(`${where}: expected.values`, values, outs)) {
      for (const k of outs) v.tensor(`${where}: expected value '${k}'`, values[k], dt, { own: ALL_DTYPES });
    }
    const needGrad = isObj(c.inputs)
      ? Object.keys(c.inputs).filter((k) => isObj(c.inputs) && (c.inputs[k] as Obj)?.requires_grad === true)
      : [];
    if (v.keys(`${where}: expected.grads`, grads, needGrad)) {
      for (const k of needGrad) if (grads[k] !== null) v.tensor(`${where}: expected grad '${k}'`, grads[k], dt, { own: ALL_DTYPES });
    }
  }
  v.tolerance(`${where}: tolerance`, c.tolerance);
  return v.problems;
}

/** Keys of a trace's `extra` the runner understands: `f<x>_before` / `f<x>_after` = forward(x).item(). */
const EXTRA_FORWARD = /^f(-?\d+(?:\.\d+)?)_(before|after)$/;

function traceProblems(tr: unknown, where: string): string[] {
  const v = new Validator();
  const keys = ['name', 'description', 'python', 'dtype', 'inputs', 'program', 'backward', 'loop', 'trace', 'tolerance'];
  if (!v.keys(where, tr, keys, ['extra'])) return v.problems;
  for (const k of ['name', 'description', 'python']) if (typeof tr[k] !== 'string') v.add(`${where}: ${k} is not text`);
  v.program(where, tr, 'required');
  const dt = String(tr.dtype);
  let params: string[] = [];
  let epochs = -1;
  if (v.keys(`${where}: loop`, tr.loop, ['epochs', 'params', 'update', 'lr', 'zero_grad'])) {
    const l = tr.loop;
    if (typeof l.epochs === 'number' && Number.isInteger(l.epochs) && l.epochs > 0) epochs = l.epochs;
    else v.add(`${where}: loop.epochs ${JSON.stringify(l.epochs)} is not a positive integer`);
    if (Array.isArray(l.params) && l.params.every((p) => typeof p === 'string' && isObj(tr.inputs) && p in tr.inputs))
      params = l.params as string[];
    else v.add(`${where}: loop.params ${JSON.stringify(l.params)} are not inputs`);
    if (l.update === 'sgd' ? typeof l.lr !== 'number' : l.update !== 'none' || l.lr !== null) {
      v.add(`${where}: loop update ${JSON.stringify(l.update)} with lr ${JSON.stringify(l.lr)}`);
    }
    if (typeof l.zero_grad !== 'boolean') v.add(`${where}: loop.zero_grad is not a bool`);
  }
  if (!Array.isArray(tr.trace)) v.add(`${where}: trace is not a list`);
  else {
    // Every epoch of the loop is recorded: a shorter trace is a truncated file, not a shorter run.
    if (epochs >= 0 && tr.trace.length !== epochs) v.add(`${where}: trace has ${tr.trace.length} records, the loop runs ${epochs} epochs`);
    tr.trace.forEach((r, i) => {
      const at = `${where}: trace[${i}]`;
      if (!v.keys(at, r, ['epoch', 'loss', 'grad', 'params'])) return;
      if (r.epoch !== i + 1) v.add(`${at}: epoch ${JSON.stringify(r.epoch)}, expected ${i + 1}`);
      if (typeof r.loss !== 'number' || !Number.isFinite(r.loss)) v.add(`${at}: loss ${JSON.stringify(r.loss)} is not a number`);
      for (const part of ['grad', 'params'] as const) {
        if (v.keys(`${at}.${part}`, r[part], params))
          for (const p of params) v.tensor(`${at}.${part}.${p}`, (r[part] as Obj)[p], dt, { own: ALL_DTYPES });
      }
    });
  }
  v.tolerance(`${where}: tolerance`, tr.tolerance);
  if (tr.extra !== undefined) {
    if (!isObj(tr.extra)) v.add(`${where}: extra is not an object`);
    else {
      for (const [k, x] of Object.entries(tr.extra)) {
        if (k === 'note') {
          if (typeof x !== 'string') v.add(`${where}: extra.note is not text`);
        } else if (!EXTRA_FORWARD.test(k)) v.add(`${where}: extra key '${k}' is not understood by the runner`);
        else if (typeof x !== 'number' || !Number.isFinite(x)) v.add(`${where}: extra.${k} ${JSON.stringify(x)} is not a number`);
      }
    }
  }
  return v.problems;
}

function printProblems(item: unknown, where: string): string[] {
  const v = new Validator();
  if (!v.keys(where, item, ['name', 'construct', 'repr'])) return v.problems;
  if (typeof item.repr !== 'string') v.add(`${where}: repr is not text`);
  const c = item.construct;
  if (isObj(c) && 'tensor' in c) {
    if (v.keys(`${where}: construct`, c, ['tensor'])) {
      const dt = isObj(c.tensor) && typeof c.tensor.dtype === 'string' ? c.tensor.dtype : '';
      v.keys(`${where}: construct.tensor`, c.tensor, ['shape', 'data', 'dtype', 'requires_grad']);
      v.tensor(`${where}: construct.tensor`, c.tensor, dt, { own: ALL_DTYPES, input: true, print: true });
    }
  } else if (v.keys(`${where}: construct`, c, ['dtype', 'inputs', 'program', 'print'], ['backward'])) {
    const outs = v.program(`${where}: construct`, c, 'optional');
    const p = c.print;
    const inputs = isObj(c.inputs) ? Object.keys(c.inputs) : [];
    const ok =
      typeof p === 'string'
        ? outs.includes(p) || inputs.includes(p)
        : v.keys(`${where}: print`, p, ['grad']) && inputs.includes(String(p.grad));
    if (!ok) v.add(`${where}: print ${JSON.stringify(p)} names no output or input`);
  }
  return v.problems;
}

function variantProblems(item: unknown, where: string): string[] {
  const v = new Validator();
  if (!v.keys(where, item, ['op', 'variant', 'construct', 'grad_fn'])) return v.problems;
  if (item.grad_fn !== null && typeof item.grad_fn !== 'string') v.add(`${where}: grad_fn is not a name or null`);
  if (v.keys(`${where}: construct`, item.construct, ['dtype', 'inputs', 'program', 'print'])) {
    const outs = v.program(`${where}: construct`, item.construct, 'none');
    const p = item.construct.print;
    if (typeof p !== 'string' || !(outs.includes(p) || (isObj(item.construct.inputs) && p in item.construct.inputs))) {
      v.add(`${where}: print ${JSON.stringify(p)} names no output or input`);
    }
  }
  return v.problems;
}

// ------------------------------------------------------------------ running and comparing

/**
 * Compares an actual tensor with an expected one (dtype, shape, then every element within
 * `|actual - expected| <= atol + rtol * |expected|`); returns a failure description or null.
 */
export function compare(what: string, actual: Tensor | null, exp: TensorSpec | null, tol: Tolerance, dtype: DType): string | null {
  if (exp === null) return actual === null ? null : `${what}: expected null, got a tensor`;
  if (actual === null) return `${what}: expected a tensor, got null`;
  const wantDtype = exp.dtype ?? dtype;
  if (actual.dtype !== wantDtype) return `${what}: dtype ${actual.dtype} != expected ${wantDtype}`;
  if (actual.shape.length !== exp.shape.length || actual.shape.some((d, i) => d !== exp.shape[i])) {
    return `${what}: shape [${actual.shape.join(', ')}] != expected [${exp.shape.join(', ')}]`;
  }
  const got = actual.dataSync();
  if (got.length !== exp.data.length) return `${what}: ${got.length} elements != expected ${exp.data.length}`;
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < exp.data.length; i++) {
    const e = Number(num(exp.data[i]));
    const g = Number(got[i]);
    // Integer results (indices) are compared exactly.
    const allowed = wantDtype === 'int64' ? 0 : tol.atol + tol.rtol * Math.abs(e);
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

function compareNumber(what: string, got: number, e: number, tol: Tolerance): string | null {
  const allowed = tol.atol + tol.rtol * Math.abs(e);
  return Math.abs(got - e) <= allowed
    ? null
    : `${what}: got ${got} expected ${e}, error ${Math.abs(got - e).toExponential(3)} > tolerance ${allowed.toExponential(3)}`;
}

/** Validates, then runs: a format problem fails the item without running it. */
function guard(name: string, problems: string[], fn: () => string[]): Result {
  if (problems.length) return { name, ok: false, message: `malformed golden item: ${problems.join('; ')}` };
  try {
    const errs = fn();
    return errs.length ? { name, ok: false, message: errs.join('; ') } : { name, ok: true };
  } catch (e) {
    return { name, ok: false, message: `threw: ${(e as Error).message}` };
  }
}

const nameOf = (item: unknown, fallback: string): string => (isObj(item) && typeof item.name === 'string' ? item.name : fallback);

export function runCase(c: Case, where = nameOf(c, '(unnamed case)')): Result {
  return guard(where, caseProblems(c, where), () => {
    const env = runProgram(c);
    runBackward(c, env);
    const errs: string[] = [];
    for (const [k, spec] of Object.entries(c.expected.values)) {
      const e = compare(`value ${k}`, env.get(k) ?? null, spec, c.tolerance, c.dtype);
      if (e) errs.push(e);
    }
    for (const [k, spec] of Object.entries(c.expected.grads)) {
      const e = compare(`grad ${k}`, ref(k, env).grad, spec, c.tolerance, c.dtype);
      if (e) errs.push(e);
    }
    return errs;
  });
}

/**
 * forward(x) of a trace's `extra`: the tutorial's model is the program's first statement
 * (`y_pred = w * X`); forward(x) runs it with its non-parameter tensor argument replaced by the
 * Python number x, as `forward(5)` does in the trace's `python`.
 */
function forwardAt(tr: Trace, leaves: Map<string, Tensor>, x: number): number {
  const s = tr.program[0];
  const swapped = s.args.filter((a) => typeof a === 'string' && !tr.loop.params.includes(a));
  if (swapped.length !== 1) throw new Error(`extra: forward(${x}) needs exactly one data argument in '${s.out} = ${s.op}(...)'`);
  const args = s.args.map((a) => (a === swapped[0] ? x : a));
  return torch.noGrad(() => (runStmt({ ...s, args }, leaves) as Tensor).item());
}

export function runTrace(tr: Trace, where = nameOf(tr, '(unnamed trace)')): Result {
  return guard(where, traceProblems(tr, where), () => {
    const leaves = new Map<string, Tensor>();
    for (const [k, spec] of Object.entries(tr.inputs)) {
      const s = { ...spec, requires_grad: spec.requires_grad || tr.loop.params.includes(k) };
      leaves.set(k, makeTensor(s, tr.dtype));
    }
    const extra = Object.entries(tr.extra ?? {}).flatMap(([k, v]) => {
      const m = EXTRA_FORWARD.exec(k);
      return m ? [{ key: k, x: Number(m[1]), when: m[2], expected: v as number }] : [];
    });
    const errs: string[] = [];
    const checkExtra = (when: string): void => {
      for (const e of extra.filter((q) => q.when === when)) {
        const d = compareNumber(`extra ${e.key}`, forwardAt(tr, leaves, e.x), e.expected, tr.tolerance);
        if (d) errs.push(d);
      }
    };
    checkExtra('before');
    // Every epoch of the loop runs and is compared (validation made trace.length === loop.epochs).
    for (let epoch = 1; epoch <= tr.loop.epochs; epoch++) {
      const rec = tr.trace[epoch - 1];
      const env = runProgram(tr, leaves);
      runBackward(tr, env);
      const root = ref(tr.backward?.from ?? '', env);
      if (root.dtype !== tr.dtype || root.ndim !== 0)
        errs.push(`epoch ${epoch} loss: a ${root.dtype} [${root.shape.join(', ')}] tensor, expected a 0-D ${tr.dtype}`);
      else {
        const le = compareNumber(`epoch ${epoch} loss`, root.item(), rec.loss, tr.tolerance);
        if (le) errs.push(le);
      }
      for (const p of tr.loop.params) {
        const w = ref(p, leaves);
        const ge = compare(`epoch ${epoch} grad ${p}`, w.grad, rec.grad[p], tr.tolerance, tr.dtype);
        if (ge) errs.push(ge);
        if (tr.loop.update === 'sgd') {
          const lr = tr.loop.lr as number;
          torch.noGrad(() => w.sub_((w.grad as Tensor).mul(lr)));
        }
        if (tr.loop.zero_grad) w.grad?.zero_();
        const pe = compare(`epoch ${epoch} param ${p}`, w, rec.params[p], tr.tolerance, tr.dtype);
        if (pe) errs.push(pe);
      }
      if (errs.length) return errs;
    }
    checkExtra('after');
    return errs;
  });
}

interface PrintItem {
  name: string;
  construct: { tensor: TensorSpec } | (Program & { print: string | { grad: string } });
  repr: string;
}

export function runPrint(item: PrintItem, where = nameOf(item, '(unnamed print item)')): Result {
  return guard(where, printProblems(item, where), () => {
    let t: Tensor | null;
    const c = item.construct;
    if ('tensor' in c) t = makeTensor(c.tensor, c.tensor.dtype as DType);
    else {
      const env = runProgram(c);
      runBackward(c, env);
      t = typeof c.print === 'string' ? ref(c.print, env) : ref(c.print.grad, env).grad;
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

export function runVariant(v: Variant, where: string): Result {
  return guard(where, variantProblems(v, where), () => {
    const env = runProgram(v.construct);
    const t = ref(v.construct.print, env);
    const name = t.gradFn ? t.gradFn.name() : null;
    return name === v.grad_fn ? [] : [`grad_fn ${name} != expected ${v.grad_fn}`];
  });
}

// ------------------------------------------------------------------ files and directories

export interface GroupFile {
  file: string;
  kind: 'cases' | 'traces' | 'print' | 'gradfn_names' | 'modules' | 'init' | 'optim' | 'training' | 'autograd' | 'safetensors' | 'invalid';
  items: { name: string; run: () => Result }[];
  /** What the manifest counts, when it is not the items (safetensors: files and malformed files). */
  counts?: Record<string, number>;
}

const failing = (name: string, message: string): { name: string; run: () => Result } => ({
  name,
  run: () => ({ name, ok: false, message }),
});

/** Reads a group file whose `group` needs its own runner (modules, init, optim, ...). */
export type GroupLoader = (file: string, d: Obj, dir: string) => GroupFile;

/** A group whose items all fail with the same reason (a group no runner reads yet). */
export const failingGroup = (file: string, items: unknown[], why: string): GroupFile => ({
  file,
  kind: 'invalid',
  items: items.map((x, i) => failing(nameOf(x, `${file}[${i}]`), why)),
});

/** The runnable items of one group file; a file that is not a group gives one failing item. */
function loadGroup(file: string, d: unknown, dir: string, loaders: Record<string, GroupLoader>): GroupFile {
  const bad = (why: string): GroupFile => ({ file, kind: 'invalid', items: [failing(file, why)] });
  if (!isObj(d)) return bad('not a JSON object');
  if (d.format !== 1) return bad(`format ${JSON.stringify(d.format)} (this runner reads format 1)`);
  const own = typeof d.group === 'string' && Object.hasOwn(loaders, d.group) ? loaders[d.group] : undefined;
  if (own) return own(file, d, dir);
  const named = <X>(items: unknown[], label: string, run: (x: X, where: string) => Result) =>
    items.map((x, i) => {
      const where = nameOf(x, `${file} ${label}[${i}]`);
      return { name: where, run: () => run(x as X, where) };
    });
  let g: GroupFile;
  if (Array.isArray(d.cases)) g = { file, kind: 'cases', items: named<Case>(d.cases, 'cases', runCase) };
  else if (Array.isArray(d.traces)) g = { file, kind: 'traces', items: named<Trace>(d.traces, 'traces', runTrace) };
  else if (Array.isArray(d.items)) g = { file, kind: 'print', items: named<PrintItem>(d.items, 'items', runPrint) };
  else if (Array.isArray(d.files) && Array.isArray(d.malformed)) g = { file, kind: 'safetensors', ...safetensorsGroup(dir, file, d) };
  else if (Array.isArray(d.variants)) {
    const items = d.variants.map((x, i) => {
      const where = isObj(x) ? `gradfn_names/${String(x.op)}: ${String(x.variant)}` : `${file} variants[${i}]`;
      return { name: where, run: () => runVariant(x as unknown as Variant, where) };
    });
    g = { file, kind: 'gradfn_names', items };
  } else return bad('holds no cases, traces, items or variants');
  if (g.items.length === 0) return bad(`its ${g.kind} list is empty`);
  return g;
}

/** gradfn_names.json's `table` must be, per op, the distinct grad_fn names of its variants in their order. */
function tableProblems(file: string, d: Obj): string[] {
  const want: Record<string, (string | null)[]> = {};
  for (const v of d.variants as Json[]) {
    if (!isObj(v)) continue;
    want[String(v.op)] ??= [];
    const names = want[String(v.op)];
    const n = v.grad_fn as string | null;
    if (!names.includes(n)) names.push(n);
  }
  if (!isObj(d.table)) return [`${file}: missing key 'table'`];
  const problems: string[] = [];
  for (const op of new Set([...Object.keys(want), ...Object.keys(d.table)])) {
    const got = JSON.stringify(d.table[op] ?? null);
    if (got !== JSON.stringify(want[op] ?? null))
      problems.push(`${file}: table.${op} is ${got}, its variants give ${JSON.stringify(want[op] ?? null)}`);
  }
  return problems;
}

/** Bytes of every file below `dir` (0 when it is missing: the group's own items then fail). */
function folderBytes(dir: string): number {
  try {
    return readdirSync(dir, { withFileTypes: true }).reduce(
      (n, e) => n + (e.isDirectory() ? folderBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size),
      0,
    );
  } catch {
    return 0;
  }
}

interface ManifestGroup {
  file: string;
  count: number;
  bytes: number;
  [counted: string]: unknown;
}

/**
 * Reads every group of `dir` into runnable items. With a manifest.json, exactly the files it names
 * are the groups (a missing one fails, an unlisted .json fails), each with the count and byte size
 * it states, and its widened tolerances must be those of the cases. Problems of the directory
 * itself (no such folder, no cases at all) come back as failing items, so every caller fails.
 */
/** Every group file of a folder; `loaders` reads the groups that are not format-1 programs. */
export function loadDir(dir: string, loaders: Record<string, GroupLoader> = {}): GroupFile[] {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
  } catch (e) {
    return [{ file: dir, kind: 'invalid', items: [failing(dir, `cannot read the golden folder: ${(e as Error).message}`)] }];
  }
  const out: GroupFile[] = [];
  const dirProblems: string[] = [];
  let manifest: Record<string, ManifestGroup> | null = null;
  let widened: { name: string; tolerance: Tolerance }[] = [];
  if (names.includes('manifest.json')) {
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Obj;
    if (!isObj(m.groups)) dirProblems.push('manifest.json has no groups');
    else manifest = m.groups as unknown as Record<string, ManifestGroup>;
    if (Array.isArray(m.tolerance_widened)) widened = m.tolerance_widened as unknown as typeof widened;
  }
  const files = manifest ? Object.values(manifest).map((g) => g.file) : names;
  if (manifest) {
    for (const f of names) if (f !== 'manifest.json' && !files.includes(f)) dirProblems.push(`${f} is not listed in manifest.json`);
  }
  const tolerances = new Map<string, unknown>();
  for (const file of files) {
    let raw: Buffer;
    try {
      raw = readFileSync(join(dir, file));
    } catch {
      dirProblems.push(`${file} is named by manifest.json but missing`);
      continue;
    }
    let d: unknown;
    try {
      d = JSON.parse(raw.toString('utf8'));
    } catch (e) {
      out.push({ file, kind: 'invalid', items: [failing(file, `not JSON: ${(e as Error).message}`)] });
      continue;
    }
    const g = loadGroup(file, d, dir, loaders);
    const m = manifest && Object.values(manifest).find((x) => x.file === file);
    if (m) {
      for (const [k, n] of Object.entries(g.counts ?? { count: g.items.length })) {
        if (g.kind !== 'invalid' && n !== m[k])
          dirProblems.push(`${file} holds ${n} ${k === 'count' ? 'items' : `${k} items`}, manifest.json says ${String(m[k])}`);
      }
      // A group with a folder of its own (safetensors/) counts the folder's files in its bytes.
      const size = raw.length + (typeof m.dir === 'string' ? folderBytes(join(dir, m.dir)) : 0);
      const what = typeof m.dir === 'string' ? `${file} with ${m.dir}` : file;
      if (size !== m.bytes) dirProblems.push(`${what} is ${size} bytes, manifest.json says ${m.bytes}`);
    }
    if (g.kind === 'gradfn_names' && isObj(d)) dirProblems.push(...tableProblems(file, d));
    if (isObj(d) && Array.isArray(d.cases)) for (const c of d.cases) if (isObj(c)) tolerances.set(String(c.name), c.tolerance);
    out.push(g);
  }
  for (const w of widened) {
    const t = tolerances.get(w.name);
    if (!isObj(t)) dirProblems.push(`manifest.json widens the tolerance of '${w.name}', which no group holds`);
    else if (t.rtol !== w.tolerance?.rtol || t.atol !== w.tolerance?.atol) {
      dirProblems.push(`'${w.name}' has tolerance ${JSON.stringify(t)}, manifest.json says ${JSON.stringify(w.tolerance)}`);
    }
  }
  if (dirProblems.length) out.push({ file: 'manifest.json', kind: 'invalid', items: dirProblems.map((p) => failing(dir, p)) });
  if (!out.some((g) => g.kind !== 'invalid'))
    out.push({ file: dir, kind: 'invalid', items: [failing(dir, 'no golden cases in this folder')] });
  return out;
}
