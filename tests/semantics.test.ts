// Edge-case semantics against PyTorch 1.13 (tests/pytorch/semantics.py writes the cases): values and
// gradients at NaN, +-inf, +-0 and ties, mixed-dtype promotion, requires_grad of gradients built
// with createGraph (and the second-order values after them), and the errors PyTorch raises.
import { describe, it, expect } from 'vitest';
import { CASES, run } from './semantics_cases.js';
import type { Case } from './semantics_cases.js';

const groups = new Map<string, Case[]>();
for (const c of CASES) {
  const key = c.name.split(' ')[0];
  groups.set(key, [...(groups.get(key) ?? []), c]);
}

describe('semantics vs PyTorch 1.13', () => {
  it('has the committed cases', () => {
    expect(CASES.length).toBeGreaterThan(2000);
  });
  for (const [key, cases] of groups) {
    it(`${key} (${cases.length} cases)`, () => {
      const bad: string[] = [];
      for (const c of cases) {
        const m = run(c);
        if (m) bad.push(`${c.name}: ${m}`);
      }
      expect(bad).toEqual([]);
    });
  }
});
