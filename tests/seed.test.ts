// The seven seed ports print exactly what PyTorch printed (../shared/seed/expected).
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EXAMPLES } from '../examples/seed/index.js';
import { shared } from './shared.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EXPECTED = `${shared('seed', 'expected')}/`;

function run(args: string[]): string {
  return execFileSync(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, encoding: 'utf8' });
}

describe('seed walkthrough', () => {
  for (const name of EXAMPLES) {
    it(`${name} prints the PyTorch output`, () => {
      expect(run(['examples/seed/run-one.ts', name])).toBe(readFileSync(`${EXPECTED}${name}.txt`, 'utf8'));
    });
  }
  it('npm start runs all seven in order, each under a heading', () => {
    const out = run(['examples/seed/run-all.ts']);
    let expected = '';
    for (const name of EXAMPLES) expected += `\n=== ${name} ===\n${readFileSync(`${EXPECTED}${name}.txt`, 'utf8')}`;
    expect(out).toBe(expected);
  });
});
