// torch.optim.lrScheduler and torch.nn.utils' gradient clipping against PyTorch 1.13: the
// golden-train optim.json cases that have a scheduler or a clip (tests/conformance/optim_sched.ts),
// and tests/pytorch/schedulers.json (tests/pytorch/schedulers.py: lr sequences, state dicts, texts).
import { describe, expect, it } from 'vitest';
import { shared } from './shared.js';
import { loadOptimCases, optimizerReady, runClipNorms, runOptimCase, runScheduleCase } from './conformance/optim_sched.js';

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

// Optimizer types of these cases that torch.optim does not have yet with the Optimizer base
// (paramGroups, stateDict): their trajectories run as soon as it does (then remove them here).
const NOT_YET = ['Adam', 'AdamW', 'RMSprop', 'SGD'];

describe('golden-train optim.json: scheduler and clip trajectories with torch.optim', () => {
  const types = [...new Set(CASES.map((c) => c.optimizer.type))].sort();
  const ready = new Map(types.map((t) => [t, optimizerReady(t)]));
  it('every optimizer type of these cases runs, but NOT_YET', () => {
    expect(types.filter((t) => !ready.get(t))).toEqual(NOT_YET);
  });
  for (const c of CASES.filter((c) => ready.get(c.optimizer.type))) {
    it(c.name, () => {
      const r = runOptimCase(c);
      expect(r.message ?? '').toBe('');
      expect(r.ok).toBe(true);
    });
  }
});
