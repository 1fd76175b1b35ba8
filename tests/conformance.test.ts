// Every golden case (computed by PyTorch) through the built package (the runner imports
// build/ts/index.js), one test each, plus the CLI's contract: a failure line per bad case, the
// summary line, a non-zero exit. The runner's strictness is tested in conformance-strict.test.ts.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDir } from './conformance/runner.js';
import { shared } from './shared.js';

const GOLDEN = shared('golden');
const PYTORCH_CASES = fileURLToPath(new URL('./pytorch/cases', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

for (const [label, group] of [
  ...loadDir(GOLDEN).map((g) => ['golden', g] as const),
  ...loadDir(PYTORCH_CASES).map((g) => ['pytorch random', g] as const),
]) {
  describe(`${label} ${group.file}`, () => {
    for (const item of group.items) {
      it(item.name, () => {
        const r = item.run();
        expect(r.message ?? '').toBe('');
        expect(r.ok).toBe(true);
      });
    }
  });
}

describe('conformance CLI', () => {
  it('reports each failure, counts, and exits non-zero (unknown op counts as a failure)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'asgrad-golden-'));
    const seed = JSON.parse(readFileSync(join(GOLDEN, 'seed.json'), 'utf8'));
    seed.cases[0].expected.grads.x.data[0] = 6.5;
    seed.cases[1].program[0].op = 'not_an_op';
    writeFileSync(join(dir, 'seed.json'), JSON.stringify(seed));
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'tests/conformance/cli.ts', '--dir', dir], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('FAIL '))).toHaveLength(2);
    expect(r.stdout).toContain("unknown op 'not_an_op'");
    expect(r.stdout).toMatch(/max error 5\.000e-1 > tolerance/);
    expect(lines.at(-1)).toBe(`${seed.cases.length - 2} passed, 2 failed, 0 skipped`);
  });

  it('passes every public golden case', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'tests/conformance/cli.ts'], { cwd: ROOT, encoding: 'utf8' });
    expect(out.trim().split('\n').at(-1)).toMatch(/^\d+ passed, 0 failed, 0 skipped$/);
  });
});
