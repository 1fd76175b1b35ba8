// Kernel-level figures: matmul GFLOP/s per size and product form (A·B, G·Bᵀ, Aᵀ·G) against the
// peers, the machine's SIMD128 mul+add peak, and elementwise/reduction bandwidth against memory.copy.
import * as tf from '@tensorflow/tfjs';
import { numpy as np, jit, blockUntilReady } from '@jax-js/jax';
import type { Array as JArray } from '@jax-js/jax';
import { torch, type Tensor, kernel } from './lib.js';
import { uniform } from './data.js';
import type { TorchSystem } from './systems/pytorch.js';

export type Form = 'ab' | 'abt' | 'atb';
export const FORMS: Record<Form, string> = { ab: 'A·B', abt: 'G·Bᵀ', atb: 'Aᵀ·G' };

export interface Figure {
  system: string;
  backend: string;
  workload: string;
  metric: string;
  median: number;
  min: number;
  max: number;
  n: number;
}

function summary(xs: number[]): { median: number; min: number; max: number; n: number } {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return { median: s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2, min: s[0], max: s[s.length - 1], n: s.length };
}

async function time(fn: () => unknown | Promise<unknown>, iters: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) await fn();
  return performance.now() - t0;
}

export async function matmulFigures(sizes: number[], rounds: number, pt: TorchSystem | null): Promise<Figure[]> {
  const out: Figure[] = [];
  const jitted = {
    ab: jit((a: JArray, b: JArray) => np.matmul(a, b)),
    abt: jit((a: JArray, b: JArray) => np.matmul(a, b.transpose())),
    atb: jit((a: JArray, b: JArray) => np.matmul(a.transpose(), b)),
  };
  for (const n of sizes) {
    const flops = 2 * n ** 3;
    const iters = Math.max(1, Math.round(1.5e8 / flops));
    const A = uniform(n * n, 41);
    const B = uniform(n * n, 42);
    const ta = torch.fromArray(A, [n, n]);
    const tb = torch.fromArray(B, [n, n]);
    await tf.setBackend('wasm');
    const fa = tf.tensor2d(A, [n, n]);
    const fb = tf.tensor2d(B, [n, n]);
    const ja = np.array(A).reshape([n, n]);
    const jb = np.array(B).reshape([n, n]);
    for (const form of Object.keys(FORMS) as Form[]) {
      const runs: Record<string, () => unknown | Promise<unknown>> = {
        asgrad: () => {
          const r = form === 'ab' ? ta.matmul(tb) : form === 'abt' ? ta.matmul(tb.t()) : ta.t().matmul(tb);
          r.dispose();
        },
        'tfjs wasm': () => tf.matMul(fa, fb, form === 'atb', form === 'abt').dispose(),
        'jax-js jit': async () => {
          const r = jitted[form](ja.ref, jb.ref);
          await blockUntilReady(r);
          r.dispose();
        },
      };
      const figs: Record<string, number[]> = { asgrad: [], 'tfjs wasm': [], 'jax-js jit': [], pytorch: [] };
      for (const f of Object.values(runs)) await f(); // warm-up
      if (pt) await pt.mm(n, form, 1);
      for (let r = 0; r < rounds; r++) {
        for (const [name, f] of Object.entries(runs)) {
          if (name === 'tfjs wasm') await tf.setBackend('wasm');
          figs[name].push((flops * iters) / ((await time(f, iters)) * 1e6));
        }
        if (pt) figs.pytorch.push((flops * iters) / ((await pt.mm(n, form, iters)) * 1e6));
      }
      for (const [name, xs] of Object.entries(figs)) {
        if (!xs.length) continue;
        const [system, backend] =
          name === 'asgrad' ? ['asgrad', 'wasm-simd128'] : name === 'pytorch' ? ['pytorch', 'cpu'] : name.split(' ');
        out.push({ system, backend, workload: 'matmul', metric: `gflops_${form}_${n}`, ...summary(xs) });
      }
    }
    for (const t of [ta, tb]) t.dispose();
    tf.dispose([fa, fb]);
    ja.dispose();
    jb.dispose();
  }
  return out;
}

let peakWarm = false;

/**
 * One reading of the SIMD128 mul+add peak (GFLOP/s): the fastest of `bursts` short calls of the
 * twelve-chain kernel (about 40 µs each). Other processes can only slow a call down, so on a shared
 * machine the fastest of many short calls is the hardware's limit, where the median of long runs
 * reads whatever share of the core was left (it read 12-26 GFLOP/s here against the 45 that the
 * best GEMM shapes reach).
 */
export function peakSample(bursts = 40): number {
  const f = kernel('simd_peak_f32');
  if (!peakWarm) {
    for (let i = 0; i < 300; i++) f(1e4); // let the engine tier the function up
    peakWarm = true;
  }
  const iters = 2e4;
  let best = 0;
  for (let i = 0; i < bursts; i++) {
    const t0 = performance.now();
    f(iters);
    best = Math.max(best, (96 * iters) / ((performance.now() - t0) * 1e6));
  }
  return best;
}

/** Milliseconds of this process's CPU time (user + system): what a run costs whatever else the
 *  machine is doing, where wall time also counts the slices other processes took. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * The peak in CPU time (GFLOP/s per CPU second) over at least `ms` of CPU time: the reading to set
 * beside a workload's own CPU-time figure from the same moment, both independent of the load.
 */
export function peakCpu(ms: number): number {
  const f = kernel('simd_peak_f32');
  peakSample(1); // warm
  const iters = 2e4;
  const c0 = cpuMs();
  let calls = 0;
  do {
    f(iters);
    calls++;
  } while (cpuMs() - c0 < ms);
  return (96 * iters * calls) / ((cpuMs() - c0) * 1e6);
}

export function simdPeak(rounds: number): Figure {
  const xs: number[] = [];
  for (let r = 0; r < rounds; r++) xs.push(peakSample());
  return { system: 'asgrad', backend: 'wasm-simd128', workload: 'simd_peak', metric: 'gflops_f32x4_mul_add', ...summary(xs) };
}

/** GB/s (per CPU second) of large contiguous float32 (and a few float64) kernels (bytes read + written) next to memory.copy's. */
export function bandwidth(rounds: number, n = 1 << 22): Figure[] {
  const a = torch.fromArray(uniform(n, 51));
  const b = torch.fromArray(uniform(n, 52));
  const dst = torch.zeros(n);
  const lw = torch.fromArray(uniform(1024, 53));
  const lb = torch.fromArray(uniform(1024, 54));
  // float64 rows read and write 16 bytes per element
  const a64 = a.double();
  const copy = kernel('copy_bytes');
  // Gradients alone (12 bytes per element: read g and the saved tensor, write the result), from
  // graphs kept across calls.
  const xg = a.view(4096, 1024).detach().requiresGrad_(true);
  const g = b.view(4096, 1024);
  const graphs = {
    softmax: xg.softmax(-1),
    logSoftmax: xg.logSoftmax(-1),
    layerNorm: torch.nn.functional.layerNorm(xg, [1024], lw, lb),
  };
  const gradOf = (y: Tensor) => () => torch.autograd.grad(y, xg, { gradOutputs: g, retainGraph: true })[0] ?? undefined;
  const ops: [string, number, () => Tensor | undefined][] = [
    ['memory.copy', 8, () => void copy(dst._ptr(), a._ptr(), 4 * n)],
    ['add (a+b)', 12, () => a.add(b)],
    ['mul by scalar', 8, () => a.mul(1.5)],
    ['row broadcast add', 8, () => a.view(2048, 2048).add(b.narrow(0, 0, 2048))],
    ['relu', 8, () => a.relu()],
    ['sum', 4, () => a.sum()],
    // Row-wise normalisations over rows of 1024: each reads x and writes y once at best (the goal
    // of issue 10: near the elementwise bandwidth).
    // The elementwise reference of the rows below: exp over the same bytes (softmax's work per
    // element, beside "mul by scalar", the plain SIMD pass).
    ['exp', 8, () => a.exp()],
    ['layer_norm rows 1024', 8, () => torch.nn.functional.layerNorm(a.view(4096, 1024), [1024], lw, lb)],
    ['softmax rows 1024', 8, () => a.view(4096, 1024).softmax(-1)],
    ['log_softmax rows 1024', 8, () => a.view(4096, 1024).logSoftmax(-1)],
    ['softmax dim 0 of 1024x4096', 8, () => a.view(1024, 4096).softmax(0)],
    ['log_softmax dim 0 of 1024x4096', 8, () => a.view(1024, 4096).logSoftmax(0)],
    ['exp float64', 16, () => a64.exp()],
    ['softmax rows 1024 float64', 16, () => a64.view(4096, 1024).softmax(-1)],
    ['log_softmax rows 1024 float64', 16, () => a64.view(4096, 1024).logSoftmax(-1)],
    ['sigmoid', 8, () => a.sigmoid()],
    ['softmax rows 1024 backward', 12, gradOf(graphs.softmax)],
    ['log_softmax rows 1024 backward', 12, gradOf(graphs.logSoftmax)],
    ['layer_norm rows 1024 backward (dx)', 12, gradOf(graphs.layerNorm)],
  ];
  const out: Figure[] = [];
  for (const [name, bytes, f] of ops) {
    // An elementwise result may be pending (fusion computes it at its first address): asking for
    // the address makes every row measure the kernel's pass, not the bookkeeping of a lazy value.
    const run = () => {
      const t = f() as Tensor | undefined;
      t?._ptr();
      t?.dispose();
    };
    for (let i = 0; i < 3; i++) run();
    const xs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      // CPU time: on a shared machine wall time mostly measures the other processes (medians
      // moved 2-3x between runs; CPU-time medians stay within about 10%).
      const c0 = cpuMs();
      for (let i = 0; i < 10; i++) run();
      xs.push((bytes * n * 10) / ((cpuMs() - c0) * 1e6));
    }
    out.push({ system: 'asgrad', backend: 'wasm-simd128', workload: 'bandwidth', metric: `gbps_${name}`, ...summary(xs) });
  }
  for (const t of [a, a64, b, dst, xg, lw, lb, ...Object.values(graphs)]) t.dispose();
  return out;
}
