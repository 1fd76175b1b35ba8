// Micro-benchmark of the WebAssembly core's kernels, loading build/asgrad.wasm directly.
//   node bench/kernels.mjs [path/to/asgrad.wasm] [--mm] [--bw] [--quick]
// Matmul: GFLOP/s (2*M*N*K / time) for A·B, G·Bᵀ (B read through transposed strides) and
// Aᵀ·G (A read through transposed strides). Bandwidth: GB/s = bytes read + written / time,
// compared with copy_b4 (a single memory.copy of the same buffer).
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith("--")) ?? new URL("../build/asgrad.wasm", import.meta.url);
const doMM = args.includes("--mm") || !args.includes("--bw");
const doBW = args.includes("--bw") || !args.includes("--mm");
const quick = args.includes("--quick");

const { instance } = await WebAssembly.instantiate(readFileSync(file), {});
const w = instance.exports;
const mem = w.memory;

function allocF(n, bytesPer) {
  const p = w.alloc(n * bytesPer);
  if (!p) throw new Error("alloc failed");
  return p;
}
function fill(p, n, f64) {
  const a = f64 ? new Float64Array(mem.buffer, p, n) : new Float32Array(mem.buffer, p, n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s >>> 8) / 16777216 - 0.5;
  }
}
function setMeta(vals) {
  const m = new Int32Array(mem.buffer, w.meta_ptr(), vals.length);
  m.set(vals);
}
/** Best time (ms) of fn over enough repetitions to take >= minMs in total. */
function timeBest(fn, minMs = quick ? 150 : 400, minReps = 3) {
  fn();
  let best = Infinity, total = 0, reps = 0;
  while (total < minMs || reps < minReps) {
    const t0 = performance.now();
    fn();
    const dt = performance.now() - t0;
    best = Math.min(best, dt);
    total += dt;
    reps++;
  }
  return best;
}

if (doMM) {
  const sizes = [64, 128, 256, 512, 1024];
  console.log("matmul GFLOP/s (single thread, best of reps)");
  console.log("dtype     n      A·B    G·Bᵀ    Aᵀ·G");
  const run = (dt, n) => {
    const f64 = dt === "f64";
    const bp = f64 ? 8 : 4;
    const mm = f64 ? w.matmul_f64 : w.matmul_f32;
    const a = allocF(n * n, bp), b = allocF(n * n, bp), o = allocF(n * n, bp);
    fill(a, n * n, f64);
    fill(b, n * n, f64);
    const fl = (2 * n * n * n) / 1e9;
    const t1 = timeBest(() => mm(o, a, b, 1, n, n, n, 0, n, 1, 0, n, 1));
    // G·Bᵀ: B stored [N,K], read as K x N with b_rs=1, b_cs=K
    const t2 = timeBest(() => mm(o, a, b, 1, n, n, n, 0, n, 1, 0, 1, n));
    // Aᵀ·G: A stored [K,M], read as M x K with a_rs=1, a_cs=M
    const t3 = timeBest(() => mm(o, a, b, 1, n, n, n, 0, 1, n, 0, n, 1));
    console.log(
      `${dt}  ${String(n).padStart(5)}  ${(fl / t1 * 1e3).toFixed(2).padStart(6)}  ${(fl / t2 * 1e3).toFixed(2).padStart(6)}  ${(fl / t3 * 1e3).toFixed(2).padStart(6)}`,
    );
    w.free(a); w.free(b); w.free(o);
  };
  for (const n of sizes) run("f32", n);
  run("f64", 512);
}

if (doBW) {
  const n = 4 * 1024 * 1024;
  const a = allocF(n, 4), b = allocF(n, 4), o = allocF(n, 4), s = allocF(16, 4);
  fill(a, n, false);
  fill(b, n, false);
  const gb = (bytes, ms) => (bytes / 1e9 / (ms / 1e3)).toFixed(2);
  const rows = [];
  const copyMs = timeBest(() => { setMeta([n, 1, 1]); w.copy_b4(o, a, 1); });
  rows.push(["memory.copy (copy_b4)", 8 * n, copyMs]);
  rows.push(["add_f32 contiguous", 12 * n, timeBest(() => { setMeta([n, 1, 1]); w.add_f32(o, a, b, 1); })]);
  rows.push(["mul_f32 by scalar (stride 0)", 8 * n, timeBest(() => { setMeta([n, 1, 0]); w.mul_f32(o, a, s, 1); })]);
  rows.push(["scale_f32 (unary x*s)", 8 * n, timeBest(() => w.scale_f32(o, a, n, 0.5))]);
  rows.push(["relu_f32", 8 * n, timeBest(() => w.relu_f32(o, a, n))]);
  rows.push(["add_f32 [2048,2048]+[2048] row bcast", 8 * n, timeBest(() => { setMeta([2048, 2048, 2048, 1, 0, 1]); w.add_f32(o, a, b, 2); })]);
  rows.push(["add_f32 [2048,2048]+[2048,1] col bcast", 8 * n, timeBest(() => { setMeta([2048, 2048, 2048, 1, 1, 0]); w.add_f32(o, a, b, 2); })]);
  rows.push(["add_f32 [65536,64]+[64] row bcast", 8 * n, timeBest(() => { setMeta([65536, 64, 64, 1, 0, 1]); w.add_f32(o, a, b, 2); })]);
  rows.push(["add_f32 [65536,64]+[65536,1] col bcast", 8 * n, timeBest(() => { setMeta([65536, 64, 64, 1, 1, 0]); w.add_f32(o, a, b, 2); })]);
  rows.push(["sum_f32 all (inner=1)", 4 * n, timeBest(() => w.sum_f32(o, a, 1, n, 1))]);
  rows.push(["sum_f32 rows [4096,1024] dim1", 4 * n, timeBest(() => w.sum_f32(o, a, 4096, 1024, 1))]);
  rows.push(["sum_f32 [4096,1024] dim0 (inner>1)", 4 * n, timeBest(() => w.sum_f32(o, a, 1, 4096, 1024))]);
  rows.push(["sum_f32 [64,1024,64] dim1 (inner=64)", 4 * n, timeBest(() => w.sum_f32(o, a, 64, 1024, 64))]);
  rows.push(["max_f32 all", 4 * n, timeBest(() => w.max_f32(o, a, 1, n, 1))]);
  console.log(`\nbandwidth at ${n} float32 elements (GB/s = bytes read+written / time)`);
  for (const [name, bytes, ms] of rows) {
    console.log(`${name.padEnd(42)} ${ms.toFixed(3).padStart(8)} ms  ${gb(bytes, ms).padStart(7)} GB/s  (${(copyMs / ms * bytes / (8 * n) * 100).toFixed(0)}% of copy)`);
  }
}
