// npm run bench [-- --quick] [-- --json] [-- --only W1,W3]: the workloads of
// ../shared/bench/WORKLOADS.md for asgrad and its peers, interleaved in one run.
import { asgrad, asgrad2 } from './systems/asgrad.js';
import { torch } from './lib.js';
import { startPytorch } from './systems/pytorch.js';
import { type PeerSpec, startRemote } from './remote.js';
import { runW6 } from './w6.js';
import { runSafetensors } from './safetensors.js';
import { bandwidth, cpuMs, FORMS, matmulFigures, peakCpu, peakSample, simdPeak } from './kernels.js';
import type { Figure, Form } from './kernels.js';
import { writeReport } from './report.js';
import type { Row } from './report.js';
import { cpus } from 'node:os';
import { W9_FLOP, W10 } from './data.js';
import { W7 } from './fmnist.js';
import type { Runner, System, Unsupported, WorkloadId } from './types.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const json = args.includes('--json');
const report = args.includes('--report');
const onlyArg = args.find((a) => a.startsWith('--only='))?.slice(7) ?? (args.includes('--only') ? args[args.indexOf('--only') + 1] : '');
// Before any system makes its W10 data (see data.ts).
if (quick) {
  W10.size = 100_000;
  W7.images = 3200;
}
const only = onlyArg ? new Set(onlyArg.split(',')) : null; // W1..W6, W4f, kernels, safetensors
// --skip=tfjs/wasm,tfjs/cpu: leave peers out of an intermediate run (system/backend prefixes; the
// table says which were skipped). A full run skips nothing.
const skipArg = args.find((a) => a.startsWith('--skip='))?.slice(7) ?? '';
const skip = skipArg ? skipArg.split(',') : [];
const PEERS: PeerSpec[] = [
  { module: 'tfjs.ts', name: 'tfjsWasm', system: 'tfjs', backend: 'wasm' },
  { module: 'tfjs.ts', name: 'tfjsCpu', system: 'tfjs', backend: 'cpu' },
  { module: 'jax.ts', name: 'jaxEager', system: 'jax-js', backend: 'wasm-eager' },
  { module: 'jax.ts', name: 'jaxJit', system: 'jax-js', backend: 'wasm-jit' },
];

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
  {
    id: 'W1',
    title: 'seed loop',
    metric: 'us_per_epoch',
    higherIsBetter: false,
    iters: quick ? 200 : 2000,
    figure: (ms, n) => (ms * 1000) / n,
    rtol: 1e-4,
  },
  {
    id: 'W2',
    title: 'chain 1M fwd+bwd',
    metric: 'ms_per_iter',
    higherIsBetter: false,
    iters: quick ? 2 : 10,
    figure: (ms, n) => ms / n,
    rtol: 1e-3,
  },
  {
    id: 'W3',
    title: 'MLP step',
    metric: 'ms_per_step',
    higherIsBetter: false,
    iters: quick ? 2 : 10,
    figure: (ms, n) => ms / n,
    rtol: 2e-3,
  },
  {
    id: 'W4',
    title: 'matmul 512 fwd+bwd',
    metric: 'gflops',
    higherIsBetter: true,
    iters: quick ? 1 : 4,
    figure: (ms, n) => (3 * N2 * n) / (ms * 1e6),
    rtol: 1e-3,
  },
  {
    id: 'W4f512',
    title: 'matmul fwd 512',
    metric: 'gflops',
    higherIsBetter: true,
    iters: quick ? 2 : 10,
    figure: (ms, n) => (N2 * n) / (ms * 1e6),
    rtol: 1e-3,
  },
  {
    id: 'W4f1024',
    title: 'matmul fwd 1024',
    metric: 'gflops',
    higherIsBetter: true,
    iters: quick ? 1 : 2,
    figure: (ms, n) => (8 * N2 * n) / (ms * 1e6),
    rtol: 1e-3,
  },
  {
    id: 'W5',
    title: 'small ops',
    metric: 'us_per_op',
    higherIsBetter: false,
    iters: quick ? 2 : 10,
    figure: (ms, n) => (ms * 1000) / (n * 1000),
    rtol: 1e-4,
  },
  {
    id: 'W7',
    title: 'Fashion-MNIST MLP epoch',
    metric: 's_per_epoch',
    higherIsBetter: false,
    iters: 1,
    figure: (ms, n) => ms / (1000 * n),
    // The first epoch's mean loss: 938 steps of float32 training in different summation orders.
    rtol: 1e-3,
  },
  {
    id: 'W8',
    title: 'CNN step (Adam, batch 64)',
    metric: 'ms_per_step',
    higherIsBetter: false,
    iters: quick ? 1 : 5,
    figure: (ms, n) => ms / n,
    rtol: 2e-3,
  },
  {
    id: 'W9',
    title: 'conv2d fwd+bwd',
    metric: 'gflops',
    higherIsBetter: true,
    iters: quick ? 1 : 3,
    figure: (ms, n) => (3 * W9_FLOP * n) / (ms * 1e6),
    rtol: 1e-3,
  },
  {
    id: 'W10',
    title: 'Adam step 10M params',
    metric: 'mparams_per_s',
    higherIsBetter: true,
    iters: quick ? 1 : 5,
    figure: (ms, n) => (W10.tensors * W10.size * n) / (ms * 1e3),
    rtol: 1e-4,
  },
];
const ROUNDS = quick ? 2 : 6;

interface Cell {
  median: number;
  min: number;
  max: number;
  n: number;
  check: Record<string, number>;
  ok: boolean;
  /** Not timed: why (the system cannot run the workload, or it is too slow for --quick). */
  note?: { kind: 'unsupported' | 'skipped'; why: string };
}

const isUnsupported = (r: Runner | Unsupported): r is Unsupported => 'unsupported' in r;
/** Rounds of a slow runner (one iteration each) in a full run. */
const SLOW_ROUNDS = 1;

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

const NOT_TIMED = { median: NaN, min: NaN, max: NaN, n: 0, check: {}, ok: true } as const;

async function main(): Promise<void> {
  // One thread unless a system says otherwise (asgrad2 runs its workloads with 2; the kernel
  // figures and W6 are one thread's).
  torch.setNumThreads(1);
  // W6 measures memory in a fresh process state: first, before other workloads (asgrad's and the
  // peers') have grown heaps and tuned the spill volume, so its figures do not depend on what ran before.
  const w6 = !only || only.has('W6') ? await runW6(quick) : null;
  const skipped = (s: { system: string; backend: string }) => skip.some((k) => `${s.system}/${s.backend}`.startsWith(k));
  // The JavaScript peers each in a process of their own (bench/child.ts): none pays for another's heap.
  const peers = await Promise.all(PEERS.filter((p) => !skipped(p)).map((p) => startRemote(p, quick)));
  const systems: System[] = [...[asgrad, asgrad2].filter((s) => !skipped(s)), ...peers];
  const tfjsWasm = peers.find((s) => s.system === 'tfjs' && s.backend === 'wasm');
  if (skip.length) console.log(`skipped systems: ${skip.join(', ')}`);
  const torchStart = await startPytorch();
  let torchNote = '';
  if ('system' in torchStart) {
    systems.push(torchStart.system);
    torchNote = `PyTorch ${torchStart.info.torch}, ${torchStart.info.threads} thread, BLAS: ${torchStart.info.blas}`;
  } else torchNote = `PyTorch not run: ${torchStart.missing}`;
  const results = new Map<string, Cell>();
  /** W9 against the peak, read right after each of asgrad's W9 rounds: the best of short calls
   *  (wall time), and, over as much CPU time as the round took, the peak in CPU time beside the
   *  round's own CPU-time figure (the ratio of those two is what the load cannot move). */
  const w9Peak = { peaks: [] as number[], cpu: [] as number[], cpuPeaks: [] as number[], ratios: [] as number[] };
  const key = (w: string, s: System) => `${w}|${s.system}/${s.backend}/${s.threads}`;

  for (const w of WORKLOADS) {
    if (only && !only.has(w.id) && !only.has(w.id.slice(0, 3))) continue;
    const runners: (Runner | null)[] = [];
    for (const s of systems) {
      const made = s.workloads[w.id] ? await s.workloads[w.id]!() : null;
      if (made && isUnsupported(made)) {
        results.set(key(w.id, s), { ...NOT_TIMED, note: { kind: 'unsupported', why: made.unsupported } });
        runners.push(null);
      } else if (made?.slow && quick) {
        results.set(key(w.id, s), { ...NOT_TIMED, note: { kind: 'skipped', why: `not run under --quick: ${made.slow}` } });
        made.dispose?.();
        runners.push(null);
      } else runners.push(made);
    }
    // Warm-up (excluded), then rounds in which every system takes its turn (a slow one runs one
    // iteration per round, in its first SLOW_ROUNDS rounds).
    const itersOf = (r: Runner) => (r.slow ? 1 : w.iters);
    for (const r of runners) if (r) await r.run(itersOf(r));
    const figures: number[][] = runners.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, r] of runners.entries()) {
        if (!r || (r.slow && round >= SLOW_ROUNDS)) continue;
        const c0 = cpuMs();
        figures[i].push(w.figure(await timed(r, itersOf(r)), itersOf(r)));
        if (w.id === 'W9' && systems[i] === asgrad) {
          const cpu = cpuMs() - c0;
          const own = w.figure(cpu, itersOf(r));
          const peak = peakCpu(cpu);
          w9Peak.cpu.push(own);
          w9Peak.cpuPeaks.push(peak);
          w9Peak.ratios.push(own / peak);
          w9Peak.peaks.push(peakSample());
        }
      }
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

  torch.setNumThreads(1);
  const wantKernels = !only || only.has('kernels');
  const sizes = quick ? [64, 256] : [64, 128, 256, 512, 1024];
  const kernels: Figure[] = wantKernels
    ? [simdPeak(ROUNDS), ...bandwidth(ROUNDS), ...(await matmulFigures(sizes, ROUNDS, 'system' in torchStart ? torchStart.system : null))]
    : [];
  const st = !only || only.has('safetensors') ? runSafetensors(quick, ROUNDS) : null;
  for (const s of systems) s.close?.();

  let failed = 0;
  if (st && !st.ok) failed++;
  for (const c of results.values()) if (!c.ok) failed++;
  const label = (s: System) => `${s.system} ${s.system === 'pytorch' ? 'cpu' : s.backend}${s === asgrad2 ? ` ${s.threads} threads` : ''}`;

  if (json) {
    for (const w of WORKLOADS) {
      for (const s of systems) {
        const c = results.get(key(w.id, s));
        if (!c) continue;
        const workload = w.id.startsWith('W4f') ? 'W4f' : w.id;
        const metric = w.id.startsWith('W4f') ? `${w.metric}_${w.id.slice(3)}` : w.metric;
        if (c.note) {
          const line = { system: s.system, backend: s.backend, threads: s.threads, workload, metric, [c.note.kind]: c.note.why };
          console.log(JSON.stringify(line));
          continue;
        }
        console.log(
          JSON.stringify({
            system: s.system,
            backend: s.backend,
            threads: s.threads,
            workload,
            metric,
            median: c.median,
            min: c.min,
            max: c.max,
            n: c.n,
            check: c.ok ? 'ok' : 'FAILED',
            values: c.check,
          }),
        );
      }
    }
    if (w6) for (const line of w6.json) console.log(JSON.stringify(line));
    if (st) for (const line of st.json) console.log(JSON.stringify(line));
    for (const k of kernels) console.log(JSON.stringify({ ...k, threads: 1 }));
    if (failed || (w6 && !w6.ok)) process.exitCode = 1;
    return;
  }

  const out: string[] = [];
  const header = ['workload', ...systems.map(label)];
  const rows: string[][] = [];
  const notes: string[] = [];
  const chartRows: Row[] = [];
  for (const w of WORKLOADS) {
    const a = results.get(key(w.id, asgrad));
    if (!a) continue;
    const row = [`${w.id} ${w.title} (${w.metric})`];
    chartRows.push({
      workload: w.id,
      title: `${w.id} ${w.title}`,
      higherIsBetter: w.higherIsBetter,
      cells: systems.map((s) => {
        const c = results.get(key(w.id, s));
        return { label: label(s), median: c?.median ?? NaN, min: c?.min ?? NaN, max: c?.max ?? NaN, ok: c?.ok ?? false };
      }),
    });
    for (const s of systems) {
      const c = results.get(key(w.id, s));
      if (!c) {
        row.push('—');
        continue;
      }
      if (c.note) {
        notes.push(`${w.id} ${label(s)}: ${c.note.kind}: ${c.note.why}`);
        row.push(`${c.note.kind} [${notes.length}]`);
        continue;
      }
      // asgrad with threads: its speed-up over one thread; the peers: how many times faster asgrad (one thread) is
      const ratio =
        s === asgrad
          ? ''
          : s === asgrad2
            ? ` [${fmt(w.higherIsBetter ? c.median / a.median : a.median / c.median)}x 1 thread]`
            : ` [x${fmt(w.higherIsBetter ? a.median / c.median : c.median / a.median)}]`;
      row.push(`${fmt(c.median)} (${fmt(c.min)}–${fmt(c.max)})${c.ok ? '' : ' CHECK FAILED'}${ratio}`);
    }
    rows.push(row);
  }
  const table = (head: string[], body: string[][]): string[] => {
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => (c ?? '').padEnd(widths[i])).join(' | ')} |`;
    return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)];
  };
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`;
  out.push(`asgrad benchmark (${quick ? 'quick' : 'full'}: ${ROUNDS} rounds after a warm-up; median (min–max)); ${machine}`);
  out.push(
    `[xN] = how many times faster asgrad is than that system (>1: asgrad faster). ${torchNote}. TF.js wasm threads: ${tfjsWasm?.threads ?? 'not run'}.`,
  );
  out.push('');
  out.push(...table(header, rows));
  if (notes.length) out.push('', ...notes.map((n, i) => `[${i + 1}] ${n}`));
  const w2 = results.get(key('W2', asgrad));
  if (w2)
    out.push(
      '',
      `W2 asgrad: ${fmt((9 * 4 * 2 ** 20) / (w2.median * 1e6))} GB/s under the byte model of WORKLOADS.md (9 passes over 4 MiB per iteration; asgrad, fusing the chain, actually makes 3: the forward reads x once for the mean, the backward reads x and writes the leaf's .grad, y and the gradients between recomputed in L1 tiles and never written)`,
    );
  const w9 = results.get(key('W9', asgrad));
  if (w9 && w9Peak.peaks.length) {
    const p = stats(w9Peak.peaks);
    const c = stats(w9Peak.cpu);
    const cp = stats(w9Peak.cpuPeaks);
    const q = stats(w9Peak.ratios);
    const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
    out.push(
      '',
      `W9 asgrad against the SIMD128 f32x4 mul+add peak, read right after each of its rounds: in CPU time W9 ${fmt(c.median)} GFLOP/s (${fmt(c.min)}–${fmt(c.max)}), peak ${fmt(cp.median)} (${fmt(cp.min)}–${fmt(cp.max)}), W9 / peak per round ${pct(q.median)} (${pct(q.min)}–${pct(q.max)}); in wall time W9 ${fmt(w9.median)} (${fmt(w9.min)}–${fmt(w9.max)}), peak as the best of 40 short calls ${fmt(p.median)} (${fmt(p.min)}–${fmt(p.max)}), best W9 round / best peak ${pct(w9.max / p.max)}`,
    );
  }
  if (w6) out.push('', ...w6.text);
  if (st) out.push('', ...st.text);
  if (kernels.length) {
    const peak = kernels.find((k) => k.workload === 'simd_peak');
    out.push(
      '',
      `SIMD128 f32x4 mul+add peak of this machine (12 independent chains, best of 40 short calls per round): ${fmt(peak!.median)} GFLOP/s (${fmt(peak!.min)}–${fmt(peak!.max)})`,
    );
    out.push('', 'Bandwidth of large contiguous float32 kernels (4 Mi elements, bytes read + written, per second of CPU time):');
    const bw = kernels.filter((k) => k.workload === 'bandwidth');
    // The plain elementwise SIMD pass over the same bytes, the yardstick of the row normalisations.
    const ref = bw.find((k) => k.metric === 'gbps_mul by scalar');
    out.push(
      ...table(
        ['kernel', 'GB/s median (min–max)', 'of mul by scalar'],
        bw.map((k) => [
          k.metric.slice(5),
          `${fmt(k.median)} (${fmt(k.min)}–${fmt(k.max)})`,
          ref ? `${((100 * k.median) / ref.median).toFixed(0)}%` : '',
        ]),
      ),
    );
    const mm = kernels.filter((k) => k.workload === 'matmul');
    const sysNames = [...new Set(mm.map((k) => `${k.system} ${k.backend}`))];
    const body: string[][] = [];
    for (const n of sizes)
      for (const form of Object.keys(FORMS) as Form[]) {
        body.push([
          `${n} ${FORMS[form]}`,
          ...sysNames.map((sn) => {
            const k = mm.find((q) => `${q.system} ${q.backend}` === sn && q.metric === `gflops_${form}_${n}`);
            return k ? `${fmt(k.median)} (${fmt(k.min)}–${fmt(k.max)})` : '—';
          }),
        ]);
      }
    out.push('', 'Matmul GFLOP/s (2·n³ per product) by size and form:');
    out.push(...table(['n, form', ...sysNames], body));
  }
  const failLine =
    failed || (w6 && !w6.ok)
      ? `${failed} correctness check(s) FAILED${w6 && !w6.ok ? ' (W6 FAILED)' : ''}`
      : 'all correctness checks passed';
  out.push('', failLine);
  console.log(out.join('\n'));
  if (report) {
    const md = [
      '# Benchmarks',
      '',
      `Made by \`npm run bench -- --report\` on ${new Date().toISOString().slice(0, 10)}: ${machine}. Every system ran in the`,
      'same process run, interleaved round by round (PyTorch in a persistent child process); figures are',
      'medians with (min–max). Workloads: ../shared/bench/WORKLOADS.md. Read them as ratios: this machine',
      'is shared and noisy.',
      '',
      '![relative speed per workload](bench.svg)',
      '',
      '```',
      ...out,
      '```',
      '',
    ].join('\n');
    writeReport(md, chartRows);
  }
  if (failed || (w6 && !w6.ok)) process.exitCode = 1;
}

await main();
