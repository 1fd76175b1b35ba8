// What `npm run ops:export` (scripts/export-ops.ts) writes, from a list of registry entries:
// tests/pytorch/ops.json (the op lists of our PyTorch case generator, tests/pytorch/gen.py) and
// docs/ops.md (the op list of the docs). No registry import here, so a test can pass the entries
// of the built package and load one copy of the library.
import { fileURLToPath } from 'node:url';
import type { OpKind, PySignature } from '../ts/ops/registry.js';

/** What the export reads of a registry entry (structural, so the built package's entries fit too). */
export interface OpSpec {
  readonly name: string;
  readonly py: string;
  readonly kind: OpKind;
  readonly doc: string;
  readonly nodes: readonly string[];
  readonly dtype: string;
  readonly saves: string;
  readonly torch?: boolean;
  readonly methods?: Readonly<Record<string, unknown>>;
  readonly properties?: Readonly<Record<string, unknown>>;
  readonly aliases?: Readonly<Record<string, unknown>>;
  readonly functional?: Readonly<Record<string, unknown>>;
  readonly golden?: PySignature;
  readonly test: { readonly grad: unknown; readonly domain?: readonly number[]; readonly kinks?: readonly number[] };
}

/** One entry as tests/pytorch/ops.json holds it (JSON: no functions). */
export interface ExportedOp {
  name: string;
  py: string;
  kind: OpKind;
  /** `torch.<name>` when exported there, else null. */
  torch: string | null;
  methods: string[];
  functional: string[];
  /** How the golden files and the fuzzer spell a call (null: they do not use the op). */
  golden: PySignature | null;
  test: { domain: readonly number[] | null; kinks: readonly number[] };
  /** Whether gradcheck applies (the entry's test.grad is not `{no: reason}`). */
  differentiable: boolean;
}

export function exportOp(e: OpSpec): ExportedOp {
  return {
    name: e.name,
    py: e.py,
    kind: e.kind,
    torch: e.torch === false ? null : e.name,
    methods: Object.keys(e.methods ?? {}),
    functional: Object.keys(e.functional ?? {}),
    golden: e.golden ?? null,
    test: { domain: e.test.domain ?? null, kinks: e.test.kinks ?? [] },
    differentiable: typeof e.test.grad === 'string',
  };
}

/** tests/pytorch/ops.json's text: every entry, in registry order. */
export function opsJson(entries: readonly OpSpec[]): string {
  // One op a line: a registry change shows as the lines of the ops it touches.
  const ops = entries.map((e) => `  ${JSON.stringify(exportOp(e))}`).join(',\n');
  return `{\n "generatedBy": "npm run ops:export",\n "ops": [\n${ops}\n ]\n}\n`;
}

const KIND_TITLES: Record<OpKind, string> = {
  creation: 'Creation',
  conversion: 'Conversion',
  elementwise: 'Elementwise',
  comparison: 'Comparison',
  reduction: 'Reduction',
  movement: 'Movement and views',
  indexing: 'Indexing and joining',
  linalg: 'Linear algebra',
  nn: 'nn.functional',
  loss: 'Losses',
  inplace: 'In-place',
};

/** A table cell: pipes escaped, no line breaks. */
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

function forms(e: OpSpec): string {
  const out: string[] = [];
  if (e.torch !== false) out.push(`torch.${e.name}`);
  for (const a of Object.keys(e.aliases ?? {})) out.push(`torch.${a}`);
  for (const m of Object.keys(e.methods ?? {})) out.push(`x.${m}()`);
  for (const p of Object.keys(e.properties ?? {})) out.push(`x.${p}`);
  for (const f of Object.keys(e.functional ?? {})) out.push(`F.${f}`);
  return out.map((f) => `\`${f}\``).join(', ');
}

/** docs/ops.md's text: the entries grouped by kind, one table row each. */
export function opsMarkdown(entries: readonly OpSpec[]): string {
  const lines = [
    '# Ops',
    '',
    '<!-- Generated from the op registry (ts/ops/<kind>.ts) by `npm run ops:export`: do not edit by hand.',
    '     tests/registry-derived.test.ts fails when this file differs from what the registry gives. -->',
    '',
    `Every op of asgrad is one entry of the registry, ts/ops/<kind>.ts (${entries.length} entries). ` +
      'Forms: `torch.*` functions, Tensor methods (`x.m()`) and properties, `torch.nn.functional` (`F.*`). ' +
      'Nodes are the `grad_fn` names it records (as PyTorch 1.13); dtype is how the result dtype follows the inputs.',
    '',
  ];
  const kinds = [...new Set(entries.map((e) => e.kind))];
  for (const kind of kinds) {
    lines.push(
      `## ${KIND_TITLES[kind]}`,
      '',
      '| op | forms | PyTorch | nodes | dtype | saves | summary |',
      '|---|---|---|---|---|---|---|',
    );
    for (const e of entries.filter((x) => x.kind === kind)) {
      const nodes = e.nodes.length ? e.nodes.map((n) => `\`${n}\``).join(', ') : '—';
      lines.push(`| ${e.name} | ${forms(e)} | \`${e.py}\` | ${nodes} | ${e.dtype} | ${cell(e.saves)} | ${cell(e.doc)} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

export const OPS_JSON = fileURLToPath(new URL('../tests/pytorch/ops.json', import.meta.url));
export const OPS_MD = fileURLToPath(new URL('../docs/ops.md', import.meta.url));
