// The cases of ../shared/golden-train/optim.json (PyTorch 1.13; format in
// README-optim-autograd-io.md), through the built package's public API.
//
// * runOptimCase: the whole trajectory with the real optimizer, taken by name from torch.optim
//   (params after each step, lr and momentum per group, the clip's total norm, the final
//   optimizer.stateDict() against `state_after`).
// * runScheduleCase: the scheduler alone on an optimizer double (plain parameter groups), which
//   checks each step's lr / momentum and the keys the scheduler adds to the groups; and
//   runClipNorms, which checks each step's total norm from the given gradients: the schedulers and
//   clipping checked apart from any optimizer's arithmetic.
import { readFileSync } from 'node:fs';
import { torch, type Tensor } from '../../build/ts/index.js';
import type { DType } from '../../build/ts/index.js';
import { compare, makeTensor, type Result } from './runner.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface TensorSpec {
  shape: number[];
  data: (number | boolean | string)[];
  dtype?: DType;
}
interface SchedSpec {
  type: string;
  kwargs: Record<string, Json>;
  metrics?: number[];
}
export interface OptimCase {
  name: string;
  dtype: DType;
  optimizer: { type: string; kwargs: Record<string, Json> };
  param_groups?: ({ params: string[] } & Record<string, Json>)[];
  params: Record<string, TensorSpec>;
  steps: { grads: Record<string, TensorSpec | null>; expected: Record<string, TensorSpec>; lr: number[]; momentum?: Json[] }[];
  scheduler?: SchedSpec;
  clip?: { fn: 'clip_grad_norm_' | 'clip_grad_value_'; kwargs: Record<string, Json>; expected_total_norm?: number[] };
  state_after: { state: Record<string, Record<string, Json>>; param_groups: Record<string, Json>[] };
  tolerance: { rtol: number; atol: number };
}

export function loadOptimCases(file: string): OptimCase[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as { cases: OptimCase[] }).cases;
}

/** PyTorch's keyword names in camelCase (T_max -> TMax, eta_min -> etaMin). */
export const camel = (k: string): string => k.replace(/_([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
/** camelCase keys back to PyTorch's (initialLr -> initial_lr, TMax is never a group key). */
export const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const LRS = torch.optim.lrScheduler;
export type Optimizer = { paramGroups: { lr: number; [k: string]: unknown }[]; defaults?: Record<string, unknown>; step?: () => unknown };
export type Scheduler = { step: (...a: never[]) => void; getLastLr(): number[] };
/** One scheduler step (ReduceLROnPlateau takes the metric). */
const stepOf = (s: Scheduler, metric?: number): void => (s as unknown as { step(m?: number): void }).step(metric);

/** The lr_lambda functions tests/pytorch/schedulers.py names (the same in its LAMBDAS). */
const LAMBDAS: Record<string, (epoch: number) => number> = {
  inv: (e) => 1.0 / (e + 1),
  step3: (e) => (e < 3 ? 1.0 : 0.5),
  mul9: () => 0.9,
};

/** The scheduler of a case, built on `opt` with the public constructors (required args positional). */
export function makeScheduler(opt: Optimizer, s: SchedSpec): Scheduler {
  const kw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s.kwargs)) kw[camel(k)] = v;
  const take = (k: string): unknown => {
    const v = kw[k];
    delete kw[k];
    return v;
  };
  const o = opt as never;
  switch (s.type) {
    case 'StepLR':
      return new LRS.StepLR(o, take('stepSize') as number, kw);
    case 'MultiStepLR':
      return new LRS.MultiStepLR(o, take('milestones') as number[], kw);
    case 'ExponentialLR':
      return new LRS.ExponentialLR(o, take('gamma') as number, kw);
    case 'CosineAnnealingLR':
      return new LRS.CosineAnnealingLR(o, take('TMax') as number, kw);
    case 'CosineAnnealingWarmRestarts':
      return new LRS.CosineAnnealingWarmRestarts(o, take('T0') as number, kw);
    case 'LinearLR':
      return new LRS.LinearLR(o, kw);
    case 'ConstantLR':
      return new LRS.ConstantLR(o, kw);
    case 'OneCycleLR':
      return new LRS.OneCycleLR(o, take('maxLr') as number, kw);
    case 'ReduceLROnPlateau':
      return new LRS.ReduceLROnPlateau(o, kw);
    case 'SequentialLR': {
      const subs = (take('schedulers') as unknown as SchedSpec[]).map((c) => makeScheduler(opt, c));
      return new LRS.SequentialLR(o, subs as never, take('milestones') as number[], kw);
    }
    case 'LambdaLR': {
      const f = take('lrLambda') as string | string[];
      return new LRS.LambdaLR(o, Array.isArray(f) ? f.map((n) => LAMBDAS[n]) : LAMBDAS[f], kw);
    }
    case 'MultiplicativeLR': {
      const f = take('lrLambda') as string | string[];
      return new LRS.MultiplicativeLR(o, Array.isArray(f) ? f.map((n) => LAMBDAS[n]) : LAMBDAS[f], kw);
    }
    case 'PolynomialLR':
      return new LRS.PolynomialLR(o, kw);
    case 'ChainedScheduler':
      return new LRS.ChainedScheduler((take('schedulers') as unknown as SchedSpec[]).map((c) => makeScheduler(opt, c)) as never);
    default:
      throw new Error(`unknown scheduler type ${s.type}`);
  }
}

const close = (a: number, b: number, rtol: number): boolean => a === b || Math.abs(a - b) <= rtol * Math.abs(b);

function closeJson(got: unknown, want: Json, rtol: number): boolean {
  if (typeof want === 'number') return typeof got === 'number' && close(got, want, rtol);
  if (Array.isArray(want)) return Array.isArray(got) && got.length === want.length && want.every((w, i) => closeJson(got[i], w, rtol));
  return got === want;
}

/** Keys a scheduler adds to a group (compared on the double and, after the merge, in stateDict). */
const SCHED_GROUP_KEYS = ['lr', 'initial_lr', 'max_lr', 'min_lr', 'max_momentum', 'base_momentum', 'momentum', 'betas'];

/** Optimizer types whose defaults hold betas (OneCycleLR cycles beta1 there). */
const BETAS = new Set(['Adam', 'AdamW', 'Adamax', 'NAdam', 'RAdam']);

/** A plain optimizer double: the case's groups (lr, momentum or betas) and defaults, no step. */
export function optimizerDouble(c: OptimCase): Optimizer {
  const kw = c.optimizer.kwargs;
  const defaults: Record<string, unknown> = { lr: kw.lr };
  if (BETAS.has(c.optimizer.type)) defaults.betas = kw.betas ?? [0.9, 0.999];
  else if (c.optimizer.type === 'SGD' || c.optimizer.type === 'RMSprop') defaults.momentum = kw.momentum ?? 0;
  const specs = c.param_groups ?? [{ params: Object.keys(c.params) }];
  const paramGroups = specs.map((g) => {
    const group: { lr: number; [k: string]: unknown } = { ...defaults, lr: defaults.lr as number };
    for (const [k, v] of Object.entries(g)) if (k !== 'params') group[camel(k)] = v;
    return group;
  });
  return { paramGroups, defaults };
}

/** The scheduler alone on a double: lr (and momentum) after each step, then the groups' scheduler keys. */
export function runScheduleCase(c: OptimCase): Result {
  const fail = (message: string): Result => ({ name: c.name, ok: false, message });
  if (!c.scheduler) return fail('not a scheduler case');
  const opt = optimizerDouble(c);
  const sched = makeScheduler(opt, c.scheduler);
  const rtol = 1e-12;
  for (const [i, st] of c.steps.entries()) {
    stepOf(sched, c.scheduler.metrics?.[i]);
    const lr = opt.paramGroups.map((g) => g.lr);
    if (!closeJson(lr, st.lr, rtol)) return fail(`step ${i}: lr ${JSON.stringify(lr)} != ${JSON.stringify(st.lr)}`);
    if (st.momentum) {
      const m = opt.paramGroups.map((g) => (BETAS.has(c.optimizer.type) ? g.betas : g.momentum));
      if (!closeJson(m, st.momentum, rtol)) return fail(`step ${i}: momentum ${JSON.stringify(m)} != ${JSON.stringify(st.momentum)}`);
    }
  }
  for (const [gi, want] of c.state_after.param_groups.entries()) {
    const g = opt.paramGroups[gi];
    for (const k of SCHED_GROUP_KEYS) {
      if (!(k in want)) continue;
      if (k === 'momentum' && BETAS.has(c.optimizer.type)) continue;
      if (!closeJson(g[camel(k)], want[k], rtol))
        return fail(`group ${gi} ${k}: ${JSON.stringify(g[camel(k)])} != ${JSON.stringify(want[k])}`);
    }
    for (const k of Object.keys(g)) {
      if (!(snake(k) in want)) return fail(`group ${gi}: key ${k} (${snake(k)}) is not in PyTorch's group`);
    }
  }
  return { name: c.name, ok: true };
}

/** The clip's kwargs as the public call takes them. */
function clip(c: OptimCase, params: Tensor[]): Tensor | null {
  const cl = c.clip;
  if (!cl) return null;
  if (cl.fn === 'clip_grad_value_') {
    torch.nn.utils.clipGradValue_(params, cl.kwargs.clip_value as number);
    return null;
  }
  const nt = cl.kwargs.norm_type;
  return torch.nn.utils.clipGradNorm_(params, cl.kwargs.max_norm as number, { normType: nt === undefined ? 2 : (nt as number | 'inf') });
}

/** The clip's total norm at each step, from the given gradients (no optimizer needed). */
export function runClipNorms(c: OptimCase): Result {
  const fail = (message: string): Result => ({ name: c.name, ok: false, message });
  const want = c.clip?.expected_total_norm;
  if (!want) return fail('no expected_total_norm');
  return torch.scope(() => {
    const names = Object.keys(c.params);
    for (const [i, st] of c.steps.entries()) {
      const params = names.map((n) => makeTensor(c.params[n], c.dtype).requiresGrad_(true));
      params.forEach((p, k) => {
        const g = st.grads[names[k]];
        p.grad = g ? makeTensor(g, c.dtype) : null;
      });
      const total = clip(c, params) as Tensor;
      if (total.dtype !== c.dtype && params.some((p) => p.grad)) return fail(`step ${i}: total norm dtype ${total.dtype}`);
      const v = total.item() as number;
      if (!close(v, want[i], c.tolerance.rtol) && Math.abs(v - want[i]) > c.tolerance.atol) {
        return fail(`step ${i}: total norm ${v} != ${want[i]}`);
      }
    }
    return { name: c.name, ok: true };
  });
}

const OPTIM = torch.optim as unknown as Record<string, (new (params: unknown, opts: unknown) => Optimizer) | undefined>;

/** The optimizer's state dict against state_after: tensors within tolerance, the rest verbatim (numbers at 1e-12). */
function compareState(got: unknown, want: Json, what: string, c: OptimCase): string | null {
  if (want !== null && typeof want === 'object' && !Array.isArray(want) && 'shape' in want && 'data' in want) {
    return compare(what, got as Tensor, want as unknown as TensorSpec, c.tolerance, c.dtype);
  }
  if (want !== null && typeof want === 'object' && !Array.isArray(want)) {
    if (got === null || typeof got !== 'object') return `${what}: expected a dict`;
    const g = got as Record<string, unknown>;
    const gk = Object.keys(g).sort();
    const wk = Object.keys(want).sort();
    if (gk.join() !== wk.join()) return `${what}: keys [${gk}] != [${wk}]`;
    for (const k of wk) {
      const m = compareState(g[k], want[k], `${what}.${k}`, c);
      if (m) return m;
    }
    return null;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) return `${what}: expected a list of ${want.length}`;
    for (let i = 0; i < want.length; i++) {
      const m = compareState(got[i], want[i], `${what}[${i}]`, c);
      if (m) return m;
    }
    return null;
  }
  if (typeof want === 'number') return typeof got === 'number' && close(got, want, 1e-12) ? null : `${what}: ${String(got)} != ${want}`;
  return got === want ? null : `${what}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`;
}

/** The whole trajectory with torch.optim's optimizer. */
export function runOptimCase(c: OptimCase): Result {
  const fail = (message: string): Result => ({ name: c.name, ok: false, message });
  const C = OPTIM[c.optimizer.type];
  if (!C) return fail(`torch.optim has no ${c.optimizer.type}`);
  return torch.scope(() => {
    const names = Object.keys(c.params);
    const params = names.map((n) => makeTensor(c.params[n], c.dtype).requiresGrad_(true));
    const byName = new Map(names.map((n, i) => [n, params[i]]));
    const kw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(c.optimizer.kwargs)) kw[camel(k)] = v;
    const groups = c.param_groups?.map((g) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) out[camel(k)] = k === 'params' ? (v as string[]).map((n) => byName.get(n)) : v;
      return out;
    });
    const opt = new C(groups ?? params, kw);
    const sched = c.scheduler ? makeScheduler(opt, c.scheduler) : null;
    const isBetas = BETAS.has(c.optimizer.type);
    for (const [i, st] of c.steps.entries()) {
      params.forEach((p, k) => {
        const g = st.grads[names[k]];
        p.grad = g ? makeTensor(g, c.dtype) : null;
      });
      const total = clip(c, params);
      const wantNorm = c.clip?.expected_total_norm?.[i];
      if (wantNorm !== undefined && total) {
        const v = total.item() as number;
        if (!close(v, wantNorm, c.tolerance.rtol) && Math.abs(v - wantNorm) > c.tolerance.atol)
          return fail(`step ${i}: total norm ${v} != ${wantNorm}`);
      }
      (opt.step as () => void)();
      if (sched) {
        stepOf(sched, c.scheduler?.metrics?.[i]);
      }
      for (const [k, n] of names.entries()) {
        const m = compare(`step ${i} ${n}`, params[k], st.expected[n], c.tolerance, c.dtype);
        if (m) return fail(m);
      }
      const lr = opt.paramGroups.map((g) => g.lr);
      if (!closeJson(lr, st.lr, 1e-12)) return fail(`step ${i}: lr ${JSON.stringify(lr)} != ${JSON.stringify(st.lr)}`);
      if (st.momentum) {
        const m = opt.paramGroups.map((g) => (isBetas ? g.betas : g.momentum));
        if (!closeJson(m, st.momentum, 1e-12)) return fail(`step ${i}: momentum ${JSON.stringify(m)} != ${JSON.stringify(st.momentum)}`);
      }
    }
    const sd = (opt as unknown as { stateDict(): unknown }).stateDict();
    const m = compareState(sd, c.state_after as unknown as Json, 'state_after', c);
    return m ? fail(m) : { name: c.name, ok: true };
  });
}
