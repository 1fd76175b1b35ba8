// Documentation (issue 13, part 7): every public name has a doc comment, the published declarations
// leave out `@internal` members yet still compile for a consumer, and the "From PyTorch" page's
// examples run.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ENTRIES, undocumented } from './docs/coverage.js';

const ROOT = resolve(import.meta.dirname, '..');

describe('doc comments', () => {
  it('every public export, torch property and public class member has one', () => {
    expect(existsSync(join(ROOT, 'ts/ops/registry.generated.ts')), 'run `npm run typecheck` (generates the registry types)').toBe(true);
    const missing = undocumented(ENTRIES).map((m) => `${m.name} (${m.at})`);
    expect(missing).toEqual([]);
  });

  it('the check names what is undocumented, and only that', () => {
    const dir = mkdtempSync(join(tmpdir(), 'asgrad-docs-'));
    try {
      const file = join(dir, 'synthetic.ts');
      writeFileSync(
        file,
        `/** Documented. */
export function documented(): void {}
export function bare(): void {}
/** A documented class. */
export class Thing {
  /** Documented. */
  a = 1;
  b = 2;
  private c = 3;
  /** @internal */
  d = 4;
  /** Documented. */
  m(): number { return this.c; }
  n(): void {}
}
/** A documented subclass: its override inherits the comment of Thing.m. */
export class Sub extends Thing {
  override m(): number { return 2; }
}
export class Bare {}
/** A documented object. */
export const obj = {
  /** Documented. */
  x: 1,
  y: 2,
  documented,
  bare,
  /** Documented. */
  nested: { z: 3 },
};
export type Opt = { a: number };
/** Documented. */
export interface Documented { a: number }
`,
      );
      expect(undocumented([file]).map((m) => m.name)).toEqual([
        'bare',
        'Thing.b',
        'Thing.n',
        'Bare',
        'obj.y',
        'obj.bare',
        'obj.nested.z',
        'Opt',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
