// npm run bench [-- --quick] [-- --json] [-- --only W1,W3]: the workloads of
// ../shared/bench/WORKLOADS.md for asgrad and its peers, interleaved in one run.
import { asgrad } from './systems/asgrad.js';
import { tfjsCpu, tfjsWasm, tfjsWasmThreads } from './systems/tfjs.js';
import { startPytorch } from './systems/pytorch.js';
import { runW6 } from './w6.js';
import { cpus } from 'node:os';
import type { Runner, System, WorkloadId } from './types.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const json = args.includes('--json');
const onlyArg = args.find((a) => a.startsWith('--only='))?.slice(7) ?? (args.includes('--only') ? args[args.indexOf('--only') + 1] : '');
const only = onlyArg ? new Set(onlyArg.split(',')) : null;

interface Workload {
  id: WorkloadId;
  title: string;
  metric: string;
  higherIsBetter: boolean;
  iters: number;
  /** The figure from milliseconds for `iters` iterations. */
  figure: (ms: number, iters: number) => number;
  /** Results that must agree across systems (relative tolerance). */
  rtol: number;
}

const N2 = 2 * 512 ** 3;
const WORKLOADS: Workload[] = [
  { id: 'W1', title: 'seed loop', metric: 'us_per_epoch', higherIsBetter: false, iters: quick ? 200 : 2000, figure: (ms, n) => (ms * 1000) / n, rtol: 1e-4 },
  { id: 'W2', title: 'chain 1M fwd+bwd', metric: 'ms_per_iter', higherIsBetter: false, iters: quick ? 2 : 10, figure: (ms, n) => ms / n, rtol: 1e-3 },
  { id: 'W3', title: 'MLP step', metric: 'ms_per_step', higherIsBetter: false, iters: quick ? 2 : 10, figure: (ms, n) => ms / n, rtol: 2e-3 },
  { id: 'W4', title: 'matmul 512 fwd+bwd', metric: 'gflops', higherIsBetter: true, iters: quick ? 1 : 4, figure: (ms, n) => (3 * N2 * n) / (ms * 1e6), rtol: 1e-3 },
  { id: 'W4f512', title: 'matmul fwd 512', metric: 'gflops', higherIsBetter: true, iters: quick ? 2 : 10, figure: (ms, n) => (N2 * n) / (ms * 1e6), rtol: 1e-3 },
  { id: 'W4f1024', title: 'matmul fwd 1024', metric: 'gflops', higherIsBetter: true, iters: quick ? 1 : 2, figure: (ms, n) => (8 * N2 * n) / (ms * 1e6), rtol: 1e-3 },
  { id: 'W5', title: 'small ops', metric: 'us_per_op', higherIsBetter: false, iters: quick ? 2 : 10, figure: (ms, n) => (ms * 1000) / (n * 1000), rtol: 1e-4 },
];
const ROUNDS = quick ? 2 : 6;

interface Cell {
  median: number;
  min: number;
  max: number;
  n: number;
  check: Record<string, number>;
  ok: boolean;
  note?: string;
}

function stats(xs: number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return { median: s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2, min: s[0], max: s[s.length - 1] };
}

async function timed(r: Runner, n: number): Promise<number> {
  const t0 = performance.now();
  const own = await r.run(n);
  const dt = performance.now() - t0;
  return typeof own === 'number' ? own : dt;
}

function agrees(a: Record<string, number>, b: Record<string, number>, rtol: number): boolean {
  return Object.keys(a).every((k) => Math.abs(a[k] - b[k]) <= rtol * Math.max(1, Math.abs(a[k])));
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(2);
}

async function main(): Promise<void> {
  const systems: System[] = [asgrad, tfjsWasm, tfjsCpu];
  const torchStart = await startPytorch();
  let torchNote = '';
  if ('system' in torchStart) {
    systems.push(torchStart.system);
    torchNote = `PyTorch ${torchStart.info.torch}, ${torchStart.info.threads} thread, BLAS: ${torchStart.info.blas}`;
  } else torchNote = `PyTorch not run: ${torchStart.missing}`;
  tfjsWasm.threads = await tfjsWasmThreads();
  const results = new Map<string, Cell>();
  const key = (w: string, s: System) => `${w}|${s.system}/${s.backend}`;

  for (const w of WORKLOADS) {
    if (only && !only.has(w.id) && !only.has(w.id.slice(0, 3))) continue;
    const runners: (Runner | null)[] = [];
    for (const s of systems) runners.push(s.workloads[w.id] ? await s.workloads[w.id]!() : null);
    // Warm-up (excluded), then rounds in which every system takes its turn.
    for (const r of runners) if (r) await r.run(w.iters);
    const figures: number[][] = runners.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, r] of runners.entries()) if (r) figures[i].push(w.figure(await timed(r, w.iters), w.iters));
    }
    // Every system has now run the same iterations from the same inputs: their results must agree.
    const checks = await Promise.all(runners.map((r) => (r ? r.check() : null)));
    const ref = checks[0]!;
    for (const [i, s] of systems.entries()) {
      if (!runners[i]) continue;
      const ok = agrees(ref, checks[i]!, w.rtol) && Object.values(checks[i]!).every(Number.isFinite);
      results.set(key(w.id, s), { ...stats(figures[i]), n: figures[i].length, check: checks[i]!, ok });
      runners[i]!.dispose?.();
    }
    if (!json) process.stderr.write(`${w.id} done\n`);
  }

  const w6 = !only || only.has('W6') ? await runW6(quick) : null;
  for (const s of systems) s.close?.();

  if (json) {
    for (const w of WORKLOADS) {
      for (const s of systems) {
        const c = results.get(key(w.id, s));
        if (!c) continue;
        const workload = w.id.startsWith('W4f') ? 'W4f' : w.id;
        const metric = w.id.startsWith('W4f') ? `${w.metric}_${w.id.slice(3)}` : w.metric;
        console.log(JSON.stringify({ system: s.system, backend: s.backend, threads: s.threads, workload, metric, median: c.median, min: c.min, max: c.max, n: c.n, check: c.ok ? 'ok' : 'FAILED', values: c.check }));
      }
    }
    if (w6) for (const line of w6.json) console.log(JSON.stringify(line));
    return;
  }

  const header = ['workload', ...systems.map((s) => `${s.system} ${s.backend.split(' ')[0]}`)];
  const rows: string[][] = [];
  let failed = 0;
  for (const w of WORKLOADS) {
    const a = results.get(key(w.id, asgrad));
    if (!a) continue;
    const row = [`${w.id} ${w.title} (${w.metric})`];
    for (const s of systems) {
      const c = results.get(key(w.id, s));
      if (!c) {
        row.push('—');
        continue;
      }
      if (!c.ok) failed++;
      const ratio = s === asgrad ? '' : ` [x${fmt(w.higherIsBetter ? a.median / c.median : c.median / a.median)}]`;
      row.push(`${fmt(c.median)} (${fmt(c.min)}–${fmt(c.max)})${c.ok ? '' : ' CHECK FAILED'}${ratio}`);
    }
    rows.push(row);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
  console.log(`asgrad benchmark (${quick ? 'quick' : 'full'}: ${ROUNDS} rounds after a warm-up; median (min–max)); ${cpus()[0]?.model ?? ''}, ${cpus().length} cores, Node ${process.version}`);
  console.log(`[xN] = how many times faster asgrad is than that system (>1: asgrad faster). ${torchNote}. TF.js wasm threads: ${tfjsWasm.threads}.`);
  console.log(`W2 GB/s uses the byte model of WORKLOADS.md (9 passes over 4 MiB per iteration).`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) console.log(line(r));
  const w2 = results.get(key('W2', asgrad));
  if (w2) console.log(`W2 asgrad: ${fmt((9 * 4 * 2 ** 20) / (w2.median * 1e6))} GB/s under the byte model`);
  if (w6) for (const l of w6.text) console.log(l);
  console.log(failed ? `${failed} correctness check(s) FAILED` : 'all correctness checks passed');
  if (failed || (w6 && !w6.ok)) process.exitCode = 1;
}

await main();
