// Writes tests/pytorch/elementwise_ops.json: the registry's unary and binary elementwise entries
// (and comparisons) as extremes.py needs them. Run `npx tsx tests/pytorch/export_elementwise.ts`,
// then `/usr/bin/python3 tests/pytorch/extremes.py`, whenever such an entry is added.
import { writeFileSync } from 'node:fs';
import { elementwiseForExtremes } from '../registry/extremes.js';

const ops = elementwiseForExtremes();
writeFileSync(new URL('./elementwise_ops.json', import.meta.url), `${JSON.stringify(ops, null, 1)}\n`);
console.log(`${ops.length} elementwise ops`);
