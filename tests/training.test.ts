// ../shared/golden-train/training.json (PyTorch 1.13): MLPs and a small CNN trained 10 steps with
// SGD (momentum), Adam and AdamW from a fixed state dict; every loss and the final state dict.
import { describe, expect, it } from 'vitest';
import { loadTrainingTraces, runTrainingTrace } from './conformance/training.js';
import { shared } from './shared.js';

const TRACES = loadTrainingTraces(shared('golden-train', 'training.json'));

describe('golden-train training.json', () => {
  it('has every trace', () => expect(TRACES.length).toBe(10));
  for (const tr of TRACES) {
    it(tr.name, () => {
      const r = runTrainingTrace(tr);
      expect(r.message ?? '').toBe('');
      expect(r.ok).toBe(true);
    });
  }
});
