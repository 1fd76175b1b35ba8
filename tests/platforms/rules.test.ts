// The rules that make "the same bits everywhere" true (docs/platforms.md), enforced.
import { describe, expect, it } from 'vitest';
import { tsFiles } from '../source-files.js';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import binaryen from 'binaryen';
import { ROOT } from './harness.js';
import { torch } from '../../ts/index.js';

/**
 * The only JavaScript `Math.*` calls allowed under ts/: index and shape arithmetic, where the
 * operands are integers and the result is exact in every engine. A tensor value is never computed
 * with `Math` (engines differ in exp, log, tanh, pow, ...): it is computed by the .wasm.
 */
const MATH_ALLOW: { file: string; line: RegExp; why: string }[] = [
  { file: 'ts/shape.ts', line: /Math\.(max|min)\(/, why: 'broadcast rank and dims' },
  { file: 'ts/ops/creation.ts', line: /Math\.max\(0, Math\.ceil\(\(end - start\) \/ step\)\)/, why: 'arange length' },
  { file: 'ts/ops/creation.ts', line: /BigInt\(Math\.trunc\(Number\(v\)\)\)/, why: 'int64 tensor from a JS number (exact)' },
  { file: 'ts/ops/kernels/memory.ts', line: /BigInt\(Math\.trunc\(value\)\)/, why: 'int64 fill value (exact)' },
  { file: 'ts/ops/kernels/reduce.ts', line: /Math\.(min|max)\(\.\.\.red\)/, why: 'range of reduced dims' },
  { file: 'ts/ops/kernels/matmul_index.ts', line: /Math\.max\(ba, bb\)/, why: 'matmul batch size' },
  { file: 'ts/storage.ts', line: /Math\.min\(this\.tenure \* 2, MAX_TENURE\)/, why: 'storage tenure (memory policy)' },
  {
    file: 'ts/autograd_graph.ts',
    line: /Math\.(max|min|round|ceil)\(/,
    why: "the graph picture's geometry (no tensor value; max, min, round and ceil are exact in every engine)",
  },
  { file: 'ts/data/dataloader.ts', line: /Math\.(floor|ceil)\(n \/ this\.batchSize\)/, why: 'len(loader): batches per epoch' },
  { file: 'ts/data/dataloader.ts', line: /Math\.min\(bs, n - start\)/, why: 'size of the last batch' },
  {
    file: 'ts/data/dataset.ts',
    line: /Math\.abs\(total - 1\) <= 1e-9/,
    why: "randomSplit: PyTorch's isclose(sum(lengths), 1) test of fractions",
  },
  { file: 'ts/data/dataset.ts', line: /Math\.floor\(n \* f\)/, why: 'randomSplit: a fraction of the sample count (int(n * f) in PyTorch)' },
  { file: 'ts/data/mnist.ts', line: /Math\.min\(limit, n\)/, why: 'how many images to read' },
  {
    file: 'ts/core/threads.ts',
    line: /Math\.(max|min|floor|ceil)\(/,
    why: 'thread counts and the bounds of the output parts a product is split into (integers)',
  },
];

/** The code of a line, without its // comment or a block comment line. */
function code(line: string): string {
  const t = line.trim();
  if (t.startsWith('*') || t.startsWith('/*')) return '';
  return line.replace(/\/\/.*$/, '');
}

describe('determinism rules', () => {
  it('no JavaScript Math.* on a value path under ts/ (only the allow-listed index arithmetic)', () => {
    const offending: string[] = [];
    for (const f of tsFiles(join(ROOT, 'ts'))) {
      const rel = relative(ROOT, f).split('\\').join('/');
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const c = code(line);
          if (!/\bMath\.[a-zA-Z]/.test(c)) return;
          if (MATH_ALLOW.some((a) => a.file === rel && a.line.test(c))) return;
          offending.push(`${rel}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(
      offending,
      'compute values in the core (or, for index arithmetic, add an entry to MATH_ALLOW in tests/platforms/rules.test.ts)',
    ).toEqual([]);
  });

  it.each(['asgrad.wasm', 'asgrad.threads.wasm'])('build/%s has SIMD128 but no relaxed-SIMD instruction and no FMA', (file) => {
    const bytes = readFileSync(join(ROOT, 'build', file));
    const mod = binaryen.readBinary(bytes);
    const text = mod.emitText();
    mod.dispose();
    expect(text).toMatch(/\bf32x4\.add\b/); // the disassembly does show SIMD
    const relaxed = text.match(/\b[a-z0-9]+x[0-9]+\.(relaxed_[a-z0-9_]+|dot_i8x16_i7x16[a-z0-9_]*)|\bfma\b|madd/g) ?? [];
    expect([...new Set(relaxed)]).toEqual([]);
    // Node 20 validates it without relaxed-SIMD support.
    expect(WebAssembly.validate(bytes)).toBe(true);
  });

  it('asconfig.json enables no relaxed SIMD', () => {
    const cfg = readFileSync(join(ROOT, 'asconfig.json'), 'utf8');
    expect(cfg).not.toMatch(/relaxed/i);
  });

  it('the reduction order is documented', () => {
    const doc = readFileSync(join(ROOT, 'docs/design.md'), 'utf8');
    expect(doc).toMatch(/reduction order/i);
    expect(readFileSync(join(ROOT, 'docs/platforms.md'), 'utf8')).toMatch(/reduction order/i);
  });

  it('torch.manualSeed gives the same stream (pinned bits: the same on every runtime, see platforms.test.ts)', () => {
    torch.manualSeed(7);
    const a = torch.rand([5]).toArray();
    torch.manualSeed(7);
    const b = torch.rand([5]).toArray();
    expect(b).toEqual(a);
  });

  it('every example directory exists and is run by the cross-runtime test', () => {
    for (const d of ['node', 'browser', 'deno', 'bun', 'workerd']) expect(existsSync(join(ROOT, 'examples', d))).toBe(true);
    const harness = readFileSync(join(ROOT, 'tests/platforms/harness.ts'), 'utf8');
    for (const f of [
      'examples/node/index.mjs',
      'examples/node/require.cjs',
      'examples/deno/main.ts',
      'examples/bun/index.ts',
      'examples/browser/index.html',
      'examples/workerd/config.capnp',
    ]) {
      expect(existsSync(join(ROOT, f))).toBe(true);
      expect(harness).toContain(f);
    }
  });
});
