// What is derived from the op registry besides methods, exports and gradcheck: the conformance
// runner's op map, the fuzz vocabulary, tests/pytorch/ops.json (gen.py's op lists) and docs/ops.md.
// Fails when a derived file is stale, when an op the golden files or the fuzz fixtures use has no
// entry, or when an entry is missing from any derivation.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
// The built package's registry, as the runner and the replay use it (one copy of the library).
import { ENTRIES } from '../build/ts/ops/index.js';
import type { OpSpec } from '../build/ts/ops/registry.js';
import { OPS_JSON, OPS_MD, opsJson as opsJsonOf, opsMarkdown as opsMarkdownOf } from '../scripts/ops-export.js';
import { OPS as RUNNER_OPS } from './conformance/runner.js';
import { FUZZ_ALIASES, HARNESS_STEPS, fuzzVocabulary, loadBuilt, loadPrograms } from './fuzz/replay.js';
import { shared } from './shared.js';

const GOLDEN = `${shared('golden')}/`;
const PYTORCH_CASES = fileURLToPath(new URL('./pytorch/cases/', import.meta.url));
const FUZZ = fileURLToPath(new URL('./fuzz/fixtures/', import.meta.url));

const opsJson = (entries: readonly OpSpec[] = ENTRIES): string => opsJsonOf(entries);
const opsMarkdown = (entries: readonly OpSpec[] = ENTRIES): string => opsMarkdownOf(entries);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** The op of every program statement of a golden folder (cases, traces, print and grad_fn constructs). */
function goldenOps(dir: string): Set<string> {
  const ops = new Set<string>();
  const visit = (v: Json): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v !== null && typeof v === 'object') {
      if (Array.isArray(v.program)) for (const s of v.program) if (s && typeof s === 'object' && !Array.isArray(s)) ops.add(String(s.op));
      Object.values(v).forEach(visit);
    }
  };
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json') && n !== 'manifest.json')) {
    visit(JSON.parse(readFileSync(dir + f, 'utf8')) as Json);
  }
  return ops;
}

function fuzzOps(): Set<string> {
  const ops = new Set<string>();
  for (const f of readdirSync(FUZZ).filter((n) => /\.json(\.gz)?$/.test(n))) {
    for (const p of loadPrograms(FUZZ + f)) for (const s of p.steps) ops.add(s.op);
  }
  return ops;
}

/** Names of `names` that no entry is (by PyTorch name). */
const withoutEntry = (names: Iterable<string>, entries: readonly OpSpec[]): string[] =>
  [...names].filter((n) => !entries.some((e) => e.py === n)).sort();

/** Entries whose row is not in the op list of the docs. */
const notDocumented = (doc: string, entries: readonly OpSpec[]): string[] =>
  entries.filter((e) => !doc.includes(`\n| ${e.name} | `)).map((e) => e.name);

describe('files generated from the registry (npm run ops:export)', () => {
  it('tests/pytorch/ops.json is what the registry gives now', () => {
    expect(readFileSync(OPS_JSON, 'utf8'), 'stale: run npm run ops:export').toBe(opsJson());
  });
  it('docs/ops.md is what the registry gives now', () => {
    expect(readFileSync(OPS_MD, 'utf8'), 'stale: run npm run ops:export').toBe(opsMarkdown());
  });
  it('a changed registry gives other files (the comparison can fail)', () => {
    const fewer = ENTRIES.filter((e) => e.py !== 'exp');
    expect(opsJson(fewer)).not.toBe(opsJson());
    expect(opsMarkdown(fewer)).not.toBe(opsMarkdown());
  });
  it('ops.json holds every entry with its golden signature and differentiability', () => {
    const ops = (JSON.parse(readFileSync(OPS_JSON, 'utf8')) as { ops: { py: string; golden: unknown; differentiable: boolean }[] }).ops;
    expect(ops.map((o) => o.py)).toEqual(ENTRIES.map((e) => e.py));
    for (const [i, e] of ENTRIES.entries()) {
      expect(ops[i].golden).toEqual(e.golden ?? null);
      expect(ops[i].differentiable).toBe(typeof e.test.grad === 'string');
    }
  });
  it('docs/ops.md has a row for every entry', () => {
    const doc = readFileSync(OPS_MD, 'utf8');
    expect(notDocumented(doc, ENTRIES)).toEqual([]);
    expect(notDocumented(doc.replace('\n| exp | ', '\n'), ENTRIES)).toEqual(['exp']);
  });
  it('README points to docs/ops.md instead of listing the ops', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain('[docs/ops.md](docs/ops.md)');
    expect(readme).not.toContain('ts/ops/table.ts');
  });
});

describe('the conformance runner and the golden files', () => {
  it('maps exactly the entries with a golden signature, with their argument forms and kwargs', () => {
    const golden = ENTRIES.filter((e) => e.golden);
    expect(Object.keys(RUNNER_OPS).sort()).toEqual(golden.map((e) => e.py).sort());
    for (const e of golden) {
      expect(RUNNER_OPS[e.py].args, e.py).toEqual(e.golden?.args);
      expect(RUNNER_OPS[e.py].kwargs, e.py).toEqual(e.golden?.kwargs ?? []);
    }
  });
  it('every op of the golden files and of our PyTorch cases has an entry with a golden signature', () => {
    const used = new Set([...goldenOps(GOLDEN), ...goldenOps(PYTORCH_CASES)]);
    expect(used.size).toBeGreaterThan(40);
    expect(withoutEntry(used, ENTRIES)).toEqual([]);
    expect([...used].filter((op) => !RUNNER_OPS[op]).sort()).toEqual([]);
    // Without the entry, the op is reported.
    expect(
      withoutEntry(
        used,
        ENTRIES.filter((e) => e.py !== 'matmul'),
      ),
    ).toEqual(['matmul']);
  });
});

describe('the fuzz vocabulary', () => {
  it('every op of the fuzz fixtures is an entry (by PyTorch name or gen.py alias) or a harness step', async () => {
    const used = fuzzOps();
    expect(used.size).toBeGreaterThan(40);
    const ops = [...used].filter((op) => !HARNESS_STEPS.includes(op)).map((op) => FUZZ_ALIASES[op] ?? op);
    expect(withoutEntry(ops, ENTRIES)).toEqual([]);
    const vocabulary = fuzzVocabulary(await loadBuilt());
    expect([...used].filter((op) => !HARNESS_STEPS.includes(op) && !vocabulary.has(op)).sort()).toEqual([]);
    expect(
      withoutEntry(
        ops,
        ENTRIES.filter((e) => e.py !== 'addmm'),
      ),
    ).toEqual(['addmm']);
  });
  it('covers every entry, each through the public API', async () => {
    const built = await loadBuilt();
    const vocabulary = fuzzVocabulary(built);
    for (const e of ENTRIES) expect(vocabulary.has(e.py), e.py).toBe(true);
    const x = built.torch.tensor([
      [1, -2],
      [3, 4],
    ]);
    expect(vocabulary.get('exp')?.([x]).dataSync()).toEqual(x.exp().dataSync());
    expect(vocabulary.get('sum')?.([x, 1, true]).shape).toEqual([2, 1]);
    expect(vocabulary.get('sum')?.([x, null, true]).shape).toEqual([]);
    expect(vocabulary.get('var')?.([x, 0, false, true]).dataSync()).toEqual(x.var({ dim: 0, unbiased: false, keepdim: true }).dataSync());
  });
});
