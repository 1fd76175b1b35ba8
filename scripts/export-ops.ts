// npm run ops:export: writes what the registry (ts/ops/<kind>.ts, collected in ts/ops/index.ts)
// gives to readers outside TypeScript — tests/pytorch/ops.json, the op list our PyTorch case
// generator (tests/pytorch/gen.py) draws from, and docs/ops.md, the op list of the docs. Both are
// committed; tests/registry-derived.test.ts fails when either differs from what the registry gives
// now, so neither can go stale.
import { writeFileSync } from 'node:fs';
import { ENTRIES } from '../ts/ops/index.js';
import { OPS_JSON, OPS_MD, opsJson, opsMarkdown } from './ops-export.js';

writeFileSync(OPS_JSON, opsJson(ENTRIES));
writeFileSync(OPS_MD, opsMarkdown(ENTRIES));
console.log(`wrote ${OPS_JSON} and ${OPS_MD} (${ENTRIES.length} ops)`);
