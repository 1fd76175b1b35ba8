// torch.optim.lrScheduler and torch.nn.utils' gradient clipping against PyTorch 1.13: the
// golden-train optim.json cases that have a scheduler or a clip, checked on an optimizer double (their full trajectories run in tests/optim.test.ts),
// and tests/pytorch/schedulers.json (tests/pytorch/schedulers.py: lr sequences, state dicts, texts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { torch, type Tensor } from '../build/ts/index.js';
import { shared } from './shared.js';
import {
  camel,
  loadOptimCases,
  makeScheduler,
  runClipNorms,
  runScheduleCase,
  snake,
  type Optimizer,
  type Scheduler,
} from './conformance/optim.js';

const CASES = loadOptimCases(shared('golden-train', 'optim.json')).filter((c) => c.scheduler || c.clip);

describe('golden-train optim.json: schedulers on an optimizer double (lr, momentum, group keys)', () => {
  const cases = CASES.filter((c) => c.scheduler);
  it('has the scheduler cases', () => expect(cases.length).toBe(46));
  for (const c of cases) {
    it(c.name, () => {
      const r = runScheduleCase(c);
      expect(r.message ?? '').toBe('');
      expect(r.ok).toBe(true);
    });
  }
});

describe('golden-train optim.json: clip_grad_norm_ total norms from the given gradients', () => {
  const cases = CASES.filter((c) => c.clip?.expected_total_norm);
  for (const c of cases) {
    it(c.name, () => {
      const r = runClipNorms(c);
      expect(r.message ?? '').toBe('');
      expect(r.ok).toBe(true);
    });
  }
});

// ---- tests/pytorch/schedulers.json --------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface OptSpec {
  type: string;
  groups: Record<string, Json>[];
}
interface Spec {
  name: string;
  optimizer: OptSpec;
  scheduler: { type: string; kwargs: Record<string, Json> };
  steps: { epoch?: number; metric?: number }[];
  opt_step?: boolean;
}
interface FixtureCase extends Spec {
  lrs: number[][];
  momentum: Json[][];
  groups: Record<string, Json>[];
  state_dict: Record<string, Json>;
  warnings: string[];
  last_lr?: number[];
}
interface Fixture {
  cases: FixtureCase[];
  resume: (Spec & {
    resume_at: number;
    groups_at_resume: Record<string, Json>[];
    state_dict: Record<string, Json>;
    lrs_after: number[][];
  })[];
  errors: (Spec & { not_optimizer?: boolean; other_optimizer?: boolean; error: string; message: string })[];
  clip: {
    name: string;
    fn: string;
    kwargs: Record<string, Json>;
    dtype: 'float32' | 'float64';
    grads: ({ shape: number[]; data: number[] } | null)[];
    grads_after: ({ shape: number[]; data: number[] } | null)[];
    total_norm: { dtype: string; value: number } | null;
  }[];
  clip_errors: { norm_type: number | string; message: string }[];
}
const FIX = JSON.parse(readFileSync(join(import.meta.dirname, 'pytorch', 'schedulers.json'), 'utf8')) as Fixture;

/** The optimizer double of a fixture case: its groups (momentum or betas as the optimizer has), defaults, and a step. */
function double(o: OptSpec): Optimizer & { step(): void } {
  const defaults: Record<string, unknown> = { lr: o.groups[0].lr };
  if (o.type === 'SGD') defaults.momentum = 0;
  if (o.type === 'Adam') defaults.betas = [0.9, 0.999];
  const paramGroups = o.groups.map((g) => {
    const out: { lr: number; [k: string]: unknown } = { ...defaults, lr: g.lr as number };
    for (const [k, v] of Object.entries(g)) out[camel(k)] = Array.isArray(v) ? [...v] : v;
    return out;
  });
  return { paramGroups, defaults, step() {} };
}

/** A state value as the fixture writes it (Python's json: inf as "inf", no undefined). */
function jsonOf(v: unknown): Json {
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (Array.isArray(v)) return v.map(jsonOf);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonOf(x)]));
  return v as Json;
}

/** Deep equality with numbers at 1e-12 relative; dict keys in the same order at the top. */
function sameJson(got: Json, want: Json, what: string): string | null {
  if (typeof want === 'number') {
    return typeof got === 'number' && (got === want || Math.abs(got - want) <= 1e-12 * Math.abs(want))
      ? null
      : `${what}: ${String(got)} != ${want}`;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) return `${what}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`;
    for (let i = 0; i < want.length; i++) {
      const m = sameJson(got[i], want[i], `${what}[${i}]`);
      if (m) return m;
    }
    return null;
  }
  if (want !== null && typeof want === 'object') {
    if (got === null || typeof got !== 'object' || Array.isArray(got)) return `${what}: not a dict`;
    if (Object.keys(got).join() !== Object.keys(want).join()) return `${what}: keys [${Object.keys(got)}] != [${Object.keys(want)}]`;
    for (const k of Object.keys(want)) {
      const m = sameJson(got[k], want[k], `${what}.${k}`);
      if (m) return m;
    }
    return null;
  }
  return got === want ? null : `${what}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`;
}

function stepCase(opt: Optimizer & { step(): void }, s: Scheduler, st: { epoch?: number; metric?: number }, optStep: boolean): void {
  if (optStep) opt.step();
  const f = s as unknown as { step(a?: number, b?: number): void };
  if (st.metric !== undefined) f.step(st.metric, st.epoch);
  else f.step(st.epoch);
}

const groupKeys = (opt: Optimizer): Json[] =>
  opt.paramGroups.map((g) => Object.fromEntries(Object.entries(g).map(([k, v]) => [snake(k), jsonOf(v)])));

/** Runs `fn` and returns the distinct warnings it printed (console.warn), without printing them. */
function warningsOf(fn: () => void): string[] {
  const spy = vi.spyOn(console, 'warn').mockImplementation(() => {});
  try {
    fn();
    return [...new Set(spy.mock.calls.map((c) => String(c[0]).replace(/^UserWarning: /, '')))];
  } finally {
    spy.mockRestore();
  }
}

describe('tests/pytorch/schedulers.json (PyTorch 1.13): lr sequences, state dicts, warnings', () => {
  it('was written by PyTorch 1.13', () => expect(String((FIX as unknown as { torch_version: string }).torch_version)).toMatch(/^1\.13/));
  for (const c of FIX.cases) {
    it(c.name, () => {
      const opt = double(c.optimizer);
      let sched: Scheduler | null = null;
      const lrs: number[][] = [];
      const moms: Json[][] = [];
      const mom = (): Json[] => opt.paramGroups.map((g) => jsonOf(g.betas ?? g.momentum ?? null));
      const warned = warningsOf(() => {
        sched = makeScheduler(opt, c.scheduler as never);
        lrs.push(opt.paramGroups.map((g) => g.lr));
        moms.push(mom());
        for (const st of c.steps) {
          stepCase(opt, sched, st, c.opt_step ?? false);
          lrs.push(opt.paramGroups.map((g) => g.lr));
          moms.push(mom());
        }
      });
      const s = sched as unknown as Scheduler & { stateDict(): unknown };
      expect(sameJson(lrs, c.lrs, 'lrs')).toBeNull();
      expect(sameJson(moms, c.momentum, 'momentum')).toBeNull();
      if (c.last_lr) expect(sameJson(s.getLastLr(), c.last_lr, 'getLastLr()')).toBeNull();
      const groups = groupKeys(opt).map((g) =>
        Object.fromEntries(Object.entries(g as Record<string, Json>).filter(([k]) => k in (c.groups[0] ?? {}) || k !== 'momentum')),
      );
      for (const [i, want] of c.groups.entries()) {
        for (const [k, v] of Object.entries(want))
          expect(sameJson((groups[i] as Record<string, Json>)[k], v, `group ${i} ${k}`)).toBeNull();
        for (const k of Object.keys(groups[i] as object)) expect(k in want || k === 'momentum').toBe(true);
      }
      expect(sameJson(jsonOf(s.stateDict()), c.state_dict, 'stateDict()')).toBeNull();
      expect(warned).toEqual(c.warnings);
    });
  }

  for (const c of FIX.resume) {
    it(`resume: ${c.name} (stateDict after ${c.resume_at} steps, loaded into a new scheduler)`, () => {
      warningsOf(() => {
        const opt = double(c.optimizer);
        const s = makeScheduler(opt, c.scheduler as never) as Scheduler & { stateDict(): Record<string, unknown> };
        for (const st of c.steps.slice(0, c.resume_at)) stepCase(opt, s, st, false);
        const sd = s.stateDict();
        expect(sameJson(jsonOf(sd), c.state_dict, 'stateDict()')).toBeNull();
        const saved = groupKeys(opt);
        const opt2 = double(c.optimizer);
        opt2.paramGroups = opt.paramGroups.map((g) => JSON.parse(JSON.stringify(g)) as { lr: number });
        const s2 = makeScheduler(opt2, c.scheduler as never) as Scheduler & { loadStateDict(d: unknown): void };
        s2.loadStateDict(JSON.parse(JSON.stringify(sd)));
        const lrs: number[][] = [];
        for (const st of c.steps.slice(c.resume_at)) {
          stepCase(opt2, s2, st, false);
          lrs.push(opt2.paramGroups.map((g) => g.lr));
        }
        expect(sameJson(lrs, c.lrs_after, 'lrs after resuming')).toBeNull();
        for (const [i, want] of c.groups_at_resume.entries()) {
          for (const [k, v] of Object.entries(want))
            expect(sameJson((saved[i] as Record<string, Json>)[k], v, `group ${i} ${k}`)).toBeNull();
        }
      });
    });
  }

  for (const c of FIX.errors) {
    it(`error: ${c.name}`, () => {
      let err: unknown = null;
      warningsOf(() => {
        try {
          const opt = double(c.optimizer);
          if (c.not_optimizer) {
            const kw = { ...c.scheduler.kwargs };
            makeScheduler([] as never, { type: c.scheduler.type, kwargs: kw } as never);
          } else if (c.other_optimizer) {
            const kw = c.scheduler.kwargs as { schedulers: Spec['scheduler'][]; milestones?: number[] };
            const subs = [makeScheduler(opt, kw.schedulers[0] as never), makeScheduler(double(c.optimizer), kw.schedulers[1] as never)];
            if (c.scheduler.type === 'ChainedScheduler') new torch.optim.lrScheduler.ChainedScheduler(subs as never);
            else new torch.optim.lrScheduler.SequentialLR(opt as never, subs as never, kw.milestones as number[]);
          } else {
            const s = makeScheduler(opt, c.scheduler as never);
            for (const st of c.steps ?? []) stepCase(opt, s, st, false);
          }
        } catch (e) {
          err = e;
        }
      });
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).name).toBe(c.error);
      expect((err as Error).message).toBe(c.message);
    });
  }
});

describe('tests/pytorch/schedulers.json (PyTorch 1.13): clipGradNorm_ / clipGradValue_', () => {
  for (const c of FIX.clip) {
    it(c.name, () => {
      torch.scope(() => {
        const params = c.grads.map((g) => torch.zeros(g ? g.shape : [2], { dtype: c.dtype }).requiresGrad_(true));
        params.forEach((p, i) => {
          const g = c.grads[i];
          p.grad = g ? torch.tensor(g.data, { dtype: c.dtype }).reshape(g.shape) : null;
        });
        const kw: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(c.kwargs)) kw[camel(k)] = v;
        let total: Tensor | undefined;
        if (c.fn === 'clip_grad_value_') torch.nn.utils.clipGradValue_(params, kw.clipValue as number);
        else total = torch.nn.utils.clipGradNorm_(params, kw.maxNorm as number, { normType: kw.normType as number | 'inf' | undefined });
        const rtol = c.dtype === 'float32' ? 2e-6 : 1e-12;
        for (const [i, p] of params.entries()) {
          const want = c.grads_after[i];
          if (!want) {
            expect(p.grad).toBeNull();
            continue;
          }
          const got = (p.grad as Tensor).dataSync() as number[];
          for (const [j, v] of got.entries()) expect(Math.abs(v - want.data[j])).toBeLessThanOrEqual(rtol * Math.abs(want.data[j]) + 1e-30);
        }
        if (c.total_norm) {
          expect(total?.dtype).toBe(c.total_norm.dtype);
          expect(total?.ndim).toBe(0);
          expect(Math.abs((total?.item() as number) - c.total_norm.value)).toBeLessThanOrEqual(rtol * c.total_norm.value);
        } else expect(total).toBeUndefined();
      });
    });
  }
  it('errorIfNonfinite: PyTorch’s text', () => {
    for (const e of FIX.clip_errors) {
      const p = torch.zeros([2]).requiresGrad_(true);
      p.grad = torch.tensor([Infinity, 1]);
      expect(() => torch.nn.utils.clipGradNorm_([p], 1.0, { normType: e.norm_type as number | 'inf', errorIfNonfinite: true })).toThrow(
        e.message,
      );
      expect(() => torch.nn.utils.clipGradNorm_(p, 1.0, e.norm_type as number | 'inf', true)).toThrow(e.message);
    }
  });
});

describe('lrScheduler API', () => {
  const LRS = torch.optim.lrScheduler;
  const opt = (lr = 0.1): Optimizer & { step(): void; calls: number } => ({
    paramGroups: [{ lr, momentum: 0.9 }],
    defaults: { lr, momentum: 0 },
    calls: 0,
    step() {
      this.calls++;
    },
  });

  it('options: camelCase keys, PyTorch’s unexpected-keyword text with a hint for snake_case', () => {
    expect(() => new LRS.StepLR(opt() as never, 3, { step_size: 2 } as never)).toThrow(
      "StepLR() got an unexpected keyword argument 'step_size'",
    );
    expect(() => new LRS.CosineAnnealingLR(opt() as never, 5, { eta_min: 0.1 } as never)).toThrow(
      "CosineAnnealingLR() got an unexpected keyword argument 'eta_min' (did you mean etaMin?)",
    );
    expect(() => new LRS.StepLR(opt() as never, 1.5)).toThrow(TypeError);
    expect(() => new LRS.StepLR(torch.zeros([1]) as never, 2)).toThrow('Tensor is not an Optimizer');
  });

  it('wraps optimizer.step: the order warning only when the scheduler steps first; the step still runs', () => {
    const o = opt();
    const s = new LRS.StepLR(o as never, 1, { gamma: 0.5 });
    expect(warningsOf(() => s.step())).toEqual([
      expect.stringMatching(/^Detected call of `lr_scheduler.step\(\)` before `optimizer.step\(\)`/),
    ]);
    const o2 = opt();
    const s2 = new LRS.StepLR(o2 as never, 1, { gamma: 0.5 });
    expect(
      warningsOf(() => {
        o2.step();
        s2.step();
        o2.step();
        s2.step();
      }),
    ).toEqual([]);
    expect(o2.calls).toBe(2);
    expect(s2.getLastLr()).toEqual([0.025]);
    expect(o2.paramGroups[0].initialLr).toBe(0.1);
  });

  it('verbose prints PyTorch’s lines', () => {
    const spy = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const o = opt();
      const s = new LRS.ExponentialLR(o as never, 0.5, { verbose: true });
      o.step();
      s.step();
      const p = new LRS.ReduceLROnPlateau(o as never, { patience: 0, verbose: true });
      p.step(1);
      p.step(2);
      expect(spy.mock.calls.map((c) => c[0])).toEqual([
        'Adjusting learning rate of group 0 to 1.0000e-01.',
        'Adjusting learning rate of group 0 to 5.0000e-02.',
        'Epoch 00002: reducing learning rate of group 0 to 5.0000e-03.',
      ]);
    } finally {
      spy.mockRestore();
    }
  });

  it('ReduceLROnPlateau takes a one-element tensor as its metric (Python’s float())', () => {
    const o = opt();
    const p = new LRS.ReduceLROnPlateau(o as never, { patience: 0, factor: 0.5 });
    p.step(torch.tensor(1.0));
    p.step(torch.tensor([2.0], { dtype: 'float64' }));
    expect(p.getLastLr()).toEqual([0.05]);
    expect(() => p.step('a' as never)).toThrow("float() argument must be a string or a number, not 'str'");
  });

  it('nn.utils is exported beside nn.functional; clipGradNorm_ takes a tensor or an iterable (a generator too)', () => {
    const a = torch.tensor([3, 4]).requiresGrad_(true);
    a.mul(a).sum().backward(); // grad [6, 8], norm 10
    function* gen(): Generator<Tensor> {
      yield a;
    }
    const total = torch.nn.utils.clipGradNorm_(gen(), 5);
    expect(total.item()).toBeCloseTo(10, 5);
    expect(Array.from(a.grad?.toArray() as Float32Array)).toEqual([expect.closeTo(3, 5), expect.closeTo(4, 5)]);
    expect(() => torch.nn.utils.clipGradNorm_(5 as never, 1)).toThrow(TypeError);
    expect(() => torch.nn.utils.clipGradNorm_([a], 1, 'two' as never)).toThrow("could not convert string to float: 'two'");
  });
});
