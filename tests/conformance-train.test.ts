// ../shared/golden-train/ops.json (PyTorch 1.13, issue 10's op vocabulary) through the conformance
// runner and the built package. Every case whose program uses only ops the registry has runs and
// must pass; the ops it lacks are listed below, so work not done yet is visible here, not skipped
// silently: adding an op makes this test fail until the op leaves the list and its cases pass.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { OPS, runCase } from './conformance/runner.js';
import { shared } from './shared.js';

const FILE = shared('golden-train', 'ops.json');

/** Ops of golden-train/ops.json the registry does not have yet (issue 10). */
const NOT_YET: readonly string[] = [];

interface Stmt {
  op: string;
}
type Case = Parameters<typeof runCase>[0] & { name: string; program: Stmt[] };
const all = (JSON.parse(readFileSync(FILE, 'utf8')) as { cases: Case[] }).cases;
const used = [...new Set(all.flatMap((c) => c.program.map((s) => s.op)))].sort();
const runnable = all.filter((c) => c.program.every((s) => s.op in OPS));

describe('golden-train ops.json', () => {
  it('the ops without an entry are exactly the ones listed as not yet done', () => {
    expect(used.filter((op) => !(op in OPS))).toEqual([...NOT_YET].sort());
  });
  for (const c of runnable) {
    it(c.name, () => {
      const r = runCase(c);
      expect(r.message ?? '').toBe('');
      expect(r.ok).toBe(true);
    });
  }
});
