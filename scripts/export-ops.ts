// npm run ops:export: writes what the registry (ts/ops/<kind>.ts, collected in ts/ops/index.ts)
// gives to readers outside TypeScript — tests/pytorch/ops.json, the op list our PyTorch case
// generator (tests/pytorch/gen.py) draws from, tests/pytorch/elementwise_ops.json, the ops whose
// values at NaN/inf/0/huge/tiny tests/pytorch/extremes.py records, and docs/ops.md, the op list of
// the docs. All are committed; tests/registry-derived.test.ts fails when either differs from what the registry gives
// now, so neither can go stale.
import { writeFileSync } from 'node:fs';
import { ENTRIES } from '../ts/ops/index.js';
import { OPS_JSON, OPS_MD, opsJson, opsMarkdown } from './ops-export.js';
import { elementwiseForExtremes } from '../tests/registry/extremes.js';

const ELEMENTWISE_JSON = new URL('../tests/pytorch/elementwise_ops.json', import.meta.url);
writeFileSync(OPS_JSON, opsJson(ENTRIES));
writeFileSync(OPS_MD, opsMarkdown(ENTRIES));
// What tests/pytorch/extremes.py (npm run pytorch:extremes) computes PyTorch's extreme values for.
writeFileSync(ELEMENTWISE_JSON, `${JSON.stringify(elementwiseForExtremes(), null, 1)}\n`);
console.log(`wrote ${OPS_JSON}, ${OPS_MD} and tests/pytorch/elementwise_ops.json (${ENTRIES.length} ops)`);
