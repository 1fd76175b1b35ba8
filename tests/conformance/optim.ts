// The optimizer trajectories of ../shared/golden-train/optim.json (computed by PyTorch 1.13; format
// in its README-optim-autograd-io.md) through the built package's public API: make the parameters,
// the optimizer (with its param groups), then per step set every .grad (null = None), step(), and
// compare the parameters with `expected` and each group's lr; at the end compare
// optimizer.stateDict() with `state_after` (state keyed by parameter index, each tensor in its own
// dtype, plain numbers exactly, param_groups verbatim).
// Cases with a "scheduler" or a "clip" need torch.optim.lrScheduler / nn.utils.clipGrad* (not
// part of this runner yet): `unsupportedReason` names what each one needs.
import { readFileSync } from 'node:fs';
import { torch, type Tensor } from '../../build/ts/index.js';
import type { DType } from '../../build/ts/index.js';
import { compare, makeTensor, type Result } from './runner.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface TensorSpec {
  shape: number[];
  data: number[];
  dtype?: DType;
}
export interface OptimCase {
  name: string;
  dtype: DType;
  optimizer: { type: string; kwargs: Record<string, Json> };
  param_groups?: ({ params: string[] } & Record<string, Json>)[];
  params: Record<string, TensorSpec>;
  steps: { grads: Record<string, TensorSpec | null>; expected: Record<string, TensorSpec>; lr: number[]; momentum?: Json[] }[];
  scheduler?: { type: string; kwargs: Record<string, Json>; metrics?: number[] };
  clip?: { fn: string; kwargs: Record<string, Json>; expected_total_norm?: number[] };
  state_after: { state: Record<string, Record<string, TensorSpec | number | null>>; param_groups: Record<string, Json>[] };
  tolerance: { rtol: number; atol: number };
}

export function loadOptimCases(path: string): OptimCase[] {
  return (JSON.parse(readFileSync(path, 'utf8')) as { cases: OptimCase[] }).cases;
}

/** Why this runner cannot run the case yet (null: it can). */
export function unsupportedReason(c: OptimCase): string | null {
  if (c.scheduler) return 'scheduler (torch.optim.lrScheduler)';
  if (c.clip) return `clip (torch.nn.utils.${c.clip.fn})`;
  return null;
}

const camel = (k: string): string => k.replace(/_([a-z])/g, (_, s: string) => s.toUpperCase());
const camelKw = (kw: Record<string, Json>): Record<string, Json> => Object.fromEntries(Object.entries(kw).map(([k, v]) => [camel(k), v]));

type OptimCtor = new (params: unknown, opts?: unknown) => InstanceType<typeof torch.optim.Optimizer>;
const OPTIM = torch.optim as unknown as Record<string, OptimCtor>;

const isSpec = (v: unknown): v is TensorSpec => v !== null && typeof v === 'object' && 'shape' in v && 'data' in v;

/** Plain values (numbers compared at 1e-12 relative: lr may be a scheduler's double). */
function sameJson(got: unknown, want: Json, what: string): string | null {
  if (typeof want === 'number') {
    if (typeof got !== 'number') return `${what}: ${JSON.stringify(got)} != ${want}`;
    return Math.abs(got - want) <= 1e-12 * Math.abs(want) ? null : `${what}: ${got} != ${want}`;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) return `${what}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`;
    for (let i = 0; i < want.length; i++) {
      const e = sameJson(got[i], want[i], `${what}[${i}]`);
      if (e) return e;
    }
    return null;
  }
  if (want !== null && typeof want === 'object') {
    if (got === null || typeof got !== 'object') return `${what}: ${JSON.stringify(got)} != an object`;
    const gk = Object.keys(got).sort();
    const wk = Object.keys(want).sort();
    if (gk.join() !== wk.join()) return `${what}: keys [${gk}] != [${wk}]`;
    for (const k of wk) {
      const e = sameJson((got as Record<string, unknown>)[k], want[k], `${what}.${k}`);
      if (e) return e;
    }
    return null;
  }
  return got === want ? null : `${what}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`;
}

export function runOptimCase(c: OptimCase): Result {
  const why = unsupportedReason(c);
  if (why) return { name: c.name, ok: false, skipped: true, message: `needs ${why}` };
  const problems: string[] = [];
  const run = (): void => {
    const names = Object.keys(c.params);
    const params = new Map<string, Tensor>(names.map((n) => [n, makeTensor(c.params[n], c.dtype).requiresGrad_(true)]));
    const Cls = OPTIM[c.optimizer.type];
    if (typeof Cls !== 'function') throw new Error(`torch.optim.${c.optimizer.type} is missing`);
    const groups = c.param_groups
      ? c.param_groups.map((g) => ({ ...camelKw(g), params: g.params.map((n) => params.get(n) as Tensor) }))
      : [...params.values()];
    const opt = new Cls(groups, camelKw(c.optimizer.kwargs));
    c.steps.forEach((s, i) => {
      for (const n of names) {
        const g = s.grads[n];
        (params.get(n) as Tensor).grad = g ? makeTensor(g, c.dtype) : null;
      }
      opt.step();
      for (const n of names) {
        const e = compare(`step ${i} ${n}`, params.get(n) as Tensor, s.expected[n], c.tolerance, c.dtype);
        if (e) problems.push(e);
      }
      const lr = sameJson(
        opt.paramGroups.map((g) => g.lr),
        s.lr,
        `step ${i} lr`,
      );
      if (lr) problems.push(lr);
    });
    const sd = opt.stateDict();
    const want = c.state_after;
    const gk = Object.keys(sd.state).sort();
    const wk = Object.keys(want.state).sort();
    if (gk.join() !== wk.join()) problems.push(`state_after: parameters [${gk}] != [${wk}]`);
    for (const k of wk) {
      const got = sd.state[k] ?? {};
      const exp = want.state[k];
      const a = Object.keys(got).sort();
      const b = Object.keys(exp).sort();
      if (a.join() !== b.join()) problems.push(`state_after[${k}]: keys [${a}] != [${b}]`);
      for (const key of b) {
        const ev = exp[key];
        const gv = got[key];
        if (isSpec(ev)) {
          const e = compare(`state_after[${k}].${key}`, gv instanceof torch.Tensor ? gv : null, ev, c.tolerance, c.dtype);
          if (e) problems.push(e);
        } else if (gv !== ev) problems.push(`state_after[${k}].${key}: ${String(gv)} != ${String(ev)}`);
      }
    }
    const pg = sameJson(sd.param_groups, want.param_groups as Json, 'state_after.param_groups');
    if (pg) problems.push(pg);
  };
  try {
    torch.scope(run);
  } catch (e) {
    problems.push(`threw ${(e as Error).name}: ${(e as Error).message}`);
  }
  return { name: c.name, ok: problems.length === 0, message: problems.join('; ') || undefined };
}
