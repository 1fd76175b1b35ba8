// The registry's elementwise entries that tests/pytorch/extremes.py computes at extreme values
// (NaN, ±inf, ±0, huge, tiny): what the generator and the test agree on.
import { ENTRIES } from '../../ts/ops/index.js';
import type { OpSpec } from '../../ts/ops/registry.js';

export interface ExtremeOp {
  /** The entry's name (camelCase). */
  name: string;
  /** PyTorch's name: torch.<py>. */
  py: string;
  arity: 1 | 2;
  /** Trailing number arguments (clamp's bounds), from the entry's first sample. */
  extra: number[];
  grad: boolean;
}

function arityOf(e: OpSpec): 1 | 2 | null {
  const sig = e.golden?.args[0];
  if (e.kind !== 'elementwise' && e.kind !== 'comparison') return null;
  if (sig?.length === 1 && sig[0] === 'T') return 1;
  if (sig?.length === 2 && sig[0] === 'T' && (sig[1] === 'N' || sig[1] === 'T')) return 2;
  return null;
}

export function elementwiseForExtremes(): ExtremeOp[] {
  const out: ExtremeOp[] = [];
  for (const e of ENTRIES) {
    const arity = arityOf(e);
    if (arity === null) continue;
    const first = e.test.samples?.[0]?.args ?? [];
    const extra = arity === 1 ? first.slice(1).filter((a): a is number => typeof a === 'number') : [];
    out.push({ name: e.name, py: e.py, arity, extra, grad: typeof e.test.grad === 'string' });
  }
  return out;
}
