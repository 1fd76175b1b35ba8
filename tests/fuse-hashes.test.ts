// The platform check's hashes (tests/platforms/hashes.ts: every golden case's values and gradients,
// the seeded streams, the MLP and Fashion-MNIST training runs) with elementwise fusion forced on for
// every result of two elements or more: the committed hashes, so fusing changes no bit anywhere.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeHashes, GOLDEN_FILES, type GoldenFiles } from './platforms/hashes.js';
import { fashionSubset, GOLDEN_DIR } from './platforms/harness.js';
// The hashes run on the built package: force fusion in that copy of the library.
import { setFusionMinElements } from '../build/ts/fuse/graph.js';
import { torch } from '../build/ts/index.js';

describe('fusion and the committed hashes', () => {
  it('every group hashes as committed with fusion forced on small tensors', {
    timeout: 600_000,
    meta: { leaks: 'the hash run uses the built package, a second copy of asgrad the leak check does not see' },
  }, () => {
    const golden: Record<string, unknown> = {};
    for (const g of GOLDEN_FILES) golden[g] = JSON.parse(readFileSync(join(GOLDEN_DIR, `${g}.json`), 'utf8'));
    golden.fashion = fashionSubset();
    const expected = JSON.parse(readFileSync(join(import.meta.dirname, 'platforms/expected-hashes.json'), 'utf8'));
    const prev = setFusionMinElements(2);
    try {
      // (the setting reaches the copy the hashes run on)
      const probe = torch.ones([4]).mul(2);
      expect((probe as unknown as { _storage: { fusePending: object | null } })._storage.fusePending).not.toBeNull();
      probe.dispose();
      expect(computeHashes(golden as GoldenFiles)).toEqual(expected);
    } finally {
      setFusionMinElements(prev);
    }
  });
});
