// The golden-train cases (PyTorch 1.13, ../shared/golden-train/ops.json) of the losses of issue 10
// and cosine_similarity, through the conformance runner and the built package: every case whose
// program uses only these ops (and log_softmax / sum, which feed or reduce them).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCase } from './conformance/runner.js';

const FILE = fileURLToPath(new URL('../../shared/golden-train/ops.json', import.meta.url));
const LOSSES = [
  'l1_loss',
  'smooth_l1_loss',
  'huber_loss',
  'nll_loss',
  'cross_entropy',
  'binary_cross_entropy',
  'kl_div',
  'cosine_similarity',
];
const ALSO = ['log_softmax', 'sum'];

interface Stmt {
  op: string;
}
const cases = (JSON.parse(readFileSync(FILE, 'utf8')) as { cases: { name: string; program: Stmt[] }[] }).cases.filter(
  (c) => c.program.some((s) => LOSSES.includes(s.op)) && c.program.every((s) => LOSSES.includes(s.op) || ALSO.includes(s.op)),
);

describe('golden-train: losses and cosine_similarity', () => {
  it('has the cases of every op', () => {
    for (const op of LOSSES) expect(cases.some((c) => c.program.some((s) => s.op === op))).toBe(true);
    expect(cases.length).toBe(72);
  });
  for (const c of cases) {
    it(c.name, () => {
      const r = runCase(c as unknown as Parameters<typeof runCase>[0]);
      expect(r.message ?? '').toBe('');
      expect(r.ok).toBe(true);
    });
  }
});
