// Differential fuzzing: every committed fixture (programs from ../shared/fuzz/gen.py with PyTorch
// 1.13's results, see docs/fuzzing.md) replayed through the built package must agree with PyTorch.
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadBuilt, loadPrograms, Replayer, formatReport } from './fuzz/replay.js';

const DIR = fileURLToPath(new URL('./fuzz/fixtures/', import.meta.url));
const files = readdirSync(DIR).filter((f) => /\.json(\.gz)?$/.test(f)).sort();

describe('differential fuzzing against PyTorch 1.13', () => {
  it('has fixtures', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const f of files) {
    it(f, async () => {
      const replayer = new Replayer(await loadBuilt());
      const programs = loadPrograms(DIR + f);
      expect(programs.length).toBeGreaterThan(0);
      const report = replayer.runAll(programs);
      // On failure the message lists each failure class with one example (program id + message).
      expect(report.total - report.passed, formatReport(report)).toBe(0);
    });
  }
});
