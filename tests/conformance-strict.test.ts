// The conformance runner's strictness, tested: deliberately broken copies of the real golden files
// (built in a temp dir) must fail, each for its own reason, while the unbroken copy passes. A runner
// that checked less (no dtypes, missing keys, short data, truncated traces, missing groups, `extra`
// ignored, an empty folder) would pass these copies and fail this file.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDir, makeTensor } from './conformance/runner.js';
import { Tensor } from '../build/ts/index.js';
import { shared } from './shared.js';

const GOLDEN = shared('golden');
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TMP = mkdtempSync(join(tmpdir(), 'asgrad-strict-'));
let dirs = 0;
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

// biome-ignore lint/suspicious/noExplicitAny: free-form edits of golden JSON (tests only, not the public surface)
type J = any;

/** A fresh folder holding verbatim copies of `files` of the golden set. */
function copy(files: string[]): string {
  const dir = join(TMP, `copy${dirs++}`);
  mkdirSync(dir);
  for (const f of files) copyFileSync(join(GOLDEN, f), join(dir, f));
  return dir;
}

/** Rewrites `file` of `dir` through `fn`; a manifest in `dir` gets the new byte size, so only the edit differs. */
function edit(dir: string, file: string, fn: (d: J) => void): void {
  const d = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  fn(d);
  writeFileSync(join(dir, file), JSON.stringify(d));
  try {
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    for (const g of Object.values(m.groups) as { file: string; bytes: number }[])
      if (g.file === file) g.bytes = statSync(join(dir, file)).size;
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
  } catch {
    /* no manifest in this copy */
  }
}

/** Runs every item of `dir` in this process. */
function runDir(dir: string): { passed: number; failures: string[] } {
  let passed = 0;
  const failures: string[] = [];
  for (const g of loadDir(dir)) {
    for (const item of g.items) {
      const r = item.run();
      if (r.ok) passed++;
      else failures.push(`${r.name}: ${r.message}`);
    }
  }
  return { passed, failures };
}

function cli(...args: string[]): { status: number | null; lines: string[] } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'tests/conformance/cli.ts', ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, lines: r.stdout.trim().split('\n') };
}

const ALL = JSON.parse(readFileSync(join(GOLDEN, 'manifest.json'), 'utf8')) as { groups: Record<string, { file: string; count: number }> };
const FILES = ['manifest.json', ...Object.values(ALL.groups).map((g) => g.file)];
const TOTAL = Object.values(ALL.groups).reduce((n, g) => n + g.count, 0);

interface Break {
  what: string;
  file: string;
  edit: (d: J) => void;
  /** The message the broken item must fail with. */
  reason: RegExp;
}

const expectedOf = (c: J, i = 0): J => Object.values(c.expected.values)[i];

const BREAKS: Break[] = [
  {
    what: 'wrong dtype of an expected value',
    file: 'seed.json',
    edit: (d) => (d.cases[0].expected.values.out.dtype = 'float64'),
    reason: /value out: dtype float32 != expected float64/,
  },
  {
    what: 'wrong dtype of an expected grad',
    file: 'binary.json',
    edit: (d) => ((Object.values(d.cases.find((c: J) => c.dtype === 'float32').expected.grads).find((g) => g) as J).dtype = 'float64'),
    reason: /grad \w+: dtype float32 != expected float64/,
  },
  {
    what: 'wrong dtype of a trace param',
    file: 'seed_traces.json',
    edit: (d) => (d.traces[2].trace[1].params.weights.dtype = 'float64'),
    reason: /epoch 2 param weights: dtype float32 != expected float64/,
  },
  {
    what: 'a missing expected value',
    file: 'seed.json',
    edit: (d) => delete d.cases[0].expected.values.y,
    reason: /expected\.values: missing key 'y'/,
  },
  {
    what: 'a missing expected grad',
    file: 'seed.json',
    edit: (d) => delete d.cases[3].expected.grads.w,
    reason: /expected\.grads: missing key 'w'/,
  },
  { what: 'a missing tolerance', file: 'unary.json', edit: (d) => delete d.cases[7].tolerance, reason: /missing key 'tolerance'/ },
  { what: 'a missing backward', file: 'nn.json', edit: (d) => delete d.cases[3].backward, reason: /missing key 'backward'/ },
  {
    what: 'a missing trace record key',
    file: 'seed_traces.json',
    edit: (d) => delete d.traces[1].trace[4].grad,
    reason: /trace\[4\]: missing key 'grad'/,
  },
  {
    what: 'short expected data',
    file: 'binary.json',
    edit: (d) => expectedOf(d.cases[0]).data.pop(),
    reason: /data has \d+ entries, shape \[[\d, ]*\] needs \d+/,
  },
  {
    what: 'long expected data',
    file: 'reduce.json',
    edit: (d) => expectedOf(d.cases[10]).data.push(0),
    reason: /data has \d+ entries, shape \[[\d, ]*\] needs \d+/,
  },
  {
    what: 'short input data',
    file: 'linalg_shape.json',
    edit: (d) => (Object.values(d.cases[3].inputs)[0] as J).data.pop(),
    reason: /input '\w+': data has \d+ entries/,
  },
  {
    what: 'short trace param data',
    file: 'seed_traces.json',
    edit: (d) => d.traces[3].trace[2].params.weights.data.pop(),
    reason: /trace\[2\]\.params\.weights: data has 3 entries, shape \[4\] needs 4/,
  },
  {
    what: 'a truncated trace',
    file: 'seed_traces.json',
    edit: (d) => d.traces[0].trace.splice(40),
    reason: /trace has 40 records, the loop runs 50 epochs/,
  },
  {
    what: 'a trace missing its first epoch',
    file: 'seed_traces.json',
    edit: (d) => d.traces[1].trace.shift(),
    reason: /trace has 99 records|trace\[0\]: epoch 2, expected 1/,
  },
  {
    what: 'a wrong extra value',
    file: 'seed_traces.json',
    edit: (d) => (d.traces[0].extra.f5_after += 0.01),
    reason: /extra f5_after: got 9\.99\d+ expected 10\.00/,
  },
  {
    what: 'a wrong extra value before training',
    file: 'seed_traces.json',
    edit: (d) => (d.traces[0].extra.f5_before = 0.5),
    reason: /extra f5_before: got 0 expected 0\.5/,
  },
  {
    what: 'an extra key the runner cannot check',
    file: 'seed_traces.json',
    edit: (d) => (d.traces[0].extra.f5_middle = 3),
    reason: /extra key 'f5_middle' is not understood/,
  },
  {
    what: 'a kwarg the op does not take',
    file: 'reduce.json',
    edit: (d) => renameKwarg(d, 'keepdim', 'keep_dim'),
    reason: /takes no kwarg 'keep_dim'/,
  },
  {
    what: 'an unknown op',
    file: 'compose.json',
    edit: (d) => (d.cases[2].program[0].op = 'frobnicate'),
    reason: /unknown op 'frobnicate'/,
  },
  {
    what: 'a wrong expected number',
    file: 'unary.json',
    edit: (d) => (expectedOf(d.cases[0]).data[0] = Math.fround(expectedOf(d.cases[0]).data[0] + 1)),
    reason: /element 0 got .* max error/,
  },
  // Flipping a kwarg must change the result: kwargs reach the library, none are dropped.
  {
    what: 'unbiased flipped in a var case',
    file: 'reduce.json',
    edit: (d) => flipKwarg(d, 'unbiased'),
    reason: /value \w+: element \d+ got/,
  },
  { what: 'a leaky_relu slope changed', file: 'nn.json', edit: (d) => changeSlope(d), reason: /element \d+ got/ },
];

function firstWithKwarg(d: J, key: string): J {
  const c = d.cases.find((x: J) => x.program.some((s: J) => s.kwargs && key in s.kwargs));
  if (!c) throw new Error(`no case with kwarg ${key}`);
  return c;
}

function renameKwarg(d: J, from: string, to: string): void {
  const s = firstWithKwarg(d, from).program.find((x: J) => x.kwargs && from in x.kwargs);
  s.kwargs[to] = s.kwargs[from];
  delete s.kwargs[from];
}

/** Triples negative_slope where leaky_relu reads an input with a negative entry (so the slope matters). */
function changeSlope(d: J): void {
  for (const c of d.cases) {
    const s = c.program.find(
      (x: J) => x.op === 'leaky_relu' && x.kwargs?.negative_slope !== undefined && c.inputs[x.args[0]]?.data.some((v: number) => v < 0),
    );
    if (s) {
      s.kwargs.negative_slope *= 3;
      return;
    }
  }
  throw new Error('no leaky_relu case with a negative input');
}

function flipKwarg(d: J, key: string): void {
  const s = firstWithKwarg(d, key).program.find((x: J) => x.kwargs && key in x.kwargs);
  s.kwargs[key] = typeof s.kwargs[key] === 'boolean' ? !s.kwargs[key] : s.kwargs[key] * 3;
}

describe('the conformance runner is strict', () => {
  it('the unbroken copy passes: every item, exit 0', () => {
    const r = cli('--dir', copy(FILES));
    expect(r.lines.filter((l) => l.startsWith('FAIL'))).toEqual([]);
    expect(r.lines.at(-1)).toBe(`${TOTAL} passed, 0 failed, 0 skipped`);
    expect(TOTAL).toBe(970);
    expect(r.status).toBe(0);
  });

  describe.each(BREAKS)('$what ($file)', (b) => {
    it('fails that item, and only that one, for that reason', () => {
      const intact = runDir(copy([b.file]));
      expect(intact.failures).toEqual([]);
      const dir = copy([b.file]);
      edit(dir, b.file, b.edit);
      const r = runDir(dir);
      expect(r.failures).toHaveLength(1);
      expect(r.failures[0]).toMatch(b.reason);
      expect(r.passed).toBe(intact.passed - 1);
    });
  });

  it('a group file named by the manifest but missing fails, and the CLI exits non-zero', () => {
    const dir = copy(FILES);
    rmSync(join(dir, 'unary.json'));
    const r = cli('--dir', dir);
    expect(r.status).not.toBe(0);
    expect(r.lines).toContain(`FAIL ${dir}: unary.json is named by manifest.json but missing`);
    expect(r.lines.at(-1)).toBe(`${TOTAL - ALL.groups.unary.count} passed, 1 failed, 0 skipped`);
  });

  it('a group holding fewer cases than the manifest says fails', () => {
    const dir = copy(FILES);
    edit(dir, 'binary.json', (d) => d.cases.pop());
    const r = runDir(dir);
    expect(r.failures).toEqual([`${dir}: binary.json holds 191 items, manifest.json says 192`]);
  });

  it('a group file the manifest does not list fails', () => {
    const dir = copy(FILES);
    copyFileSync(join(GOLDEN, 'seed.json'), join(dir, 'seed_copy.json'));
    expect(runDir(dir).failures.join('\n')).toMatch(/seed_copy\.json is not listed in manifest\.json/);
  });

  it('a gradfn_names table that disagrees with its variants fails', () => {
    const dir = copy(['gradfn_names.json']);
    edit(dir, 'gradfn_names.json', (d) => d.table.add.push('AddBackward1'));
    expect(runDir(dir).failures).toEqual([
      `${dir}: gradfn_names.json: table.add is ["AddBackward0","AddBackward1"], its variants give ["AddBackward0"]`,
    ]);
  });

  it('a changed widened tolerance fails', () => {
    const dir = copy(FILES);
    edit(dir, 'binary.json', (d) => {
      const c = d.cases.find((x: J) => x.name === 'binary/mul_bcast_3x4_0d_sum_f32');
      c.tolerance.rtol *= 2;
    });
    expect(runDir(dir).failures.join('\n')).toMatch(/'binary\/mul_bcast_3x4_0d_sum_f32' has tolerance .* manifest\.json says/);
  });

  it('an empty --dir, a folder with no cases and a missing folder give a non-zero exit', () => {
    const empty = join(TMP, 'empty');
    mkdirSync(empty);
    const r = cli('--dir', empty);
    expect(r.status).not.toBe(0);
    expect(r.lines).toEqual([`FAIL ${empty}: no golden cases in this folder`, '0 passed, 1 failed, 0 skipped']);

    const readmeOnly = copy(['README.md']);
    expect(cli('--dir', readmeOnly).status).not.toBe(0);

    const noCases = copy([]);
    writeFileSync(join(noCases, 'seed.json'), JSON.stringify({ format: 1, group: 'seed', cases: [] }));
    const n = cli('--dir', noCases);
    expect(n.status).not.toBe(0);
    expect(n.lines.join('\n')).toMatch(/its cases list is empty/);

    const missing = cli('--dir', join(TMP, 'no-such-folder'));
    expect(missing.status).not.toBe(0);
    expect(missing.lines[0]).toMatch(/cannot read the golden folder/);

    expect(cli('--dir').status).not.toBe(0);
  });

  it("absent kwargs are left to the library, whose defaults are PyTorch 1.13's", () => {
    // PyTorch's documented defaults (README, op vocabulary): every kwarg equal to one is removed;
    // the runner passes none of them, so the library's own defaults must give the same numbers.
    const DEFAULTS: Record<string, unknown> = {
      keepdim: false,
      unbiased: true,
      reduction: 'mean',
      start_dim: 0,
      end_dim: -1,
      negative_slope: 0.01,
    };
    const files = ['reduce.json', 'nn.json', 'linalg_shape.json', 'compose.json'];
    const dir = copy(files);
    let removed = 0;
    for (const f of files) {
      edit(dir, f, (d) => {
        for (const c of d.cases) {
          for (const s of c.program) {
            for (const [k, v] of Object.entries(s.kwargs ?? {})) {
              if (k in DEFAULTS && DEFAULTS[k] === v) {
                delete s.kwargs[k];
                removed++;
              }
            }
          }
        }
      });
    }
    expect(removed).toBeGreaterThanOrEqual(20);
    const r = runDir(dir);
    expect(r.failures).toEqual([]);
    expect(r.passed).toBe(files.reduce((n, f) => n + Object.values(ALL.groups).find((g) => g.file === f)!.count, 0));
  });

  it('runs the built package (build/ts/index.js), not the sources', () => {
    const t = makeTensor({ shape: [2], data: [1, 2] }, 'float32');
    expect(t).toBeInstanceOf(Tensor);
    expect(readFileSync(join(ROOT, 'tests/conformance/runner.ts'), 'utf8')).toMatch(/from '\.\.\/\.\.\/build\/ts\/index\.js'/);
  });
});
