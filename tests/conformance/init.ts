// The items of ../shared/golden-train/init.json (format in its README-ops-modules.md): the default
// initialisation of one state_dict entry of a freshly built module, as a distribution. PyTorch's
// RNG is not asgrad's, so the check is statistical: build the module 30 times from the seeded
// generator and test bounds, mean and variance within sampling error (5 standard errors).
import { torch } from '../../build/ts/index.js';
import type { Result } from './runner.js';
import { buildModule, type ModuleSpec } from './modules.js';

export interface InitItem {
  name: string;
  module: ModuleSpec;
  param: string;
  kind: 'parameter' | 'buffer';
  shape: number[];
  dtype: string;
  distribution: 'uniform' | 'constant' | 'normal';
  low?: number;
  high?: number;
  value?: number;
  mean?: number;
  std?: number;
  zero_rows?: number[];
}

const DRAWS = 30;

/** The problems of one item (empty when it holds). */
function problems(item: InitItem): string[] {
  torch.manualSeed(7);
  const vals: number[] = [];
  const errs: string[] = [];
  for (let k = 0; k < DRAWS && errs.length === 0; k++) {
    torch.scope(() => {
      const m = buildModule(item.module, {}, 'float32');
      const group = item.kind === 'buffer' ? m.namedBuffers() : m.namedParameters();
      const p = new Map([...group]).get(item.param);
      if (!p) return void errs.push(`the module has no ${item.kind} ${item.param}`);
      if (p.shape.join() !== item.shape.join()) errs.push(`shape [${p.shape}] != [${item.shape}]`);
      if (p.dtype !== item.dtype) errs.push(`dtype ${p.dtype} != ${item.dtype}`);
      const row = item.shape.length === 2 ? item.shape[1] : 0;
      Array.from(p.dataSync(), Number).forEach((v, i) => {
        if (item.zero_rows?.includes(row ? (i - (i % row)) / row : -1)) {
          if (v !== 0) errs.push(`padding row value ${v} is not 0`);
        } else vals.push(v);
      });
    });
  }
  if (errs.length) return errs.slice(0, 3);
  const n = vals.length;
  const mean = vals.reduce((s, v) => s + v, 0) / n;
  const variance = vals.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
  const check = (ok: boolean, what: string): void => {
    if (!ok) errs.push(what);
  };
  if (item.distribution === 'constant') {
    check(
      vals.every((v) => v === item.value),
      `not the constant ${item.value}`,
    );
  } else if (item.distribution === 'uniform') {
    const lo = item.low ?? 0;
    const hi = item.high ?? 0;
    const w = hi - lo;
    check(
      vals.every((v) => v >= lo && v <= hi),
      `values outside [${lo}, ${hi}]`,
    );
    check(Math.min(...vals) - lo < (w * 10) / n, `the low bound ${lo} is not approached (min ${Math.min(...vals)})`);
    check(hi - Math.max(...vals) < (w * 10) / n, `the high bound ${hi} is not approached (max ${Math.max(...vals)})`);
    check(Math.abs(mean - (lo + hi) / 2) < 5 * Math.sqrt((w * w) / 12 / n), `mean ${mean} is not ${(lo + hi) / 2}`);
    check(Math.abs(variance - (w * w) / 12) < 5 * Math.sqrt(w ** 4 / 180 / n), `variance ${variance} is not ${(w * w) / 12}`);
  } else {
    const sd = item.std ?? 1;
    check(Math.abs(mean - (item.mean ?? 0)) < (5 * sd) / Math.sqrt(n), `mean ${mean} is not ${item.mean ?? 0}`);
    check(Math.abs(variance - sd * sd) < 5 * sd * sd * Math.sqrt(2 / n), `variance ${variance} is not ${sd * sd}`);
  }
  return errs;
}

export function runInitItem(item: InitItem): Result {
  let errs: string[];
  try {
    errs = problems(item);
  } catch (err) {
    errs = [`threw: ${(err as Error).message}`];
  }
  return errs.length ? { name: item.name, ok: false, message: errs.join('; ') } : { name: item.name, ok: true };
}
