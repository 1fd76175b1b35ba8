// node scripts/handoff.mjs: how long a hand-off to another thread takes on this machine, from
// Atomics.notify to the other thread's answer, when that thread is still polling the shared word and
// when it has blocked in Atomics.wait, after gaps of 0-300 µs since its last hand-off (the gaps
// between parts in a training step). Sets the polling times of ts/core/threads.ts.
import { Worker } from 'node:worker_threads';

const sab = new SharedArrayBuffer(64);
const c = new Int32Array(sab);
for (const spinMs of [0, 1]) {
  const w = new Worker(
    `const { sab, spinMs } = require('node:worker_threads').workerData;
const c = new Int32Array(sab);
let seen = Atomics.load(c, 0);
for (;;) {
  let s = Atomics.load(c, 0);
  const until = performance.now() + spinMs;
  while (s === seen && performance.now() < until) for (let i = 0; s === seen && i < 256; i++) s = Atomics.load(c, 0);
  if (s === seen) { Atomics.wait(c, 0, seen); continue; }
  seen = s;
  if (s < 0) break;
  Atomics.store(c, 1, s);
  Atomics.notify(c, 1);
}`,
    { eval: true, workerData: { sab, spinMs } },
  );
  await new Promise((r) => setTimeout(r, 200));
  for (const gapUs of [0, 20, 100, 300]) {
    const lat = [];
    for (let it = 1; it <= 2000; it++) {
      const g0 = performance.now();
      while (performance.now() - g0 < gapUs / 1000) {}
      const seq = (Atomics.load(c, 0) + 1) | 0;
      const t0 = performance.now();
      Atomics.store(c, 0, seq);
      Atomics.notify(c, 0);
      while (Atomics.load(c, 1) !== seq) {}
      lat.push((performance.now() - t0) * 1000);
    }
    lat.sort((a, b) => a - b);
    const q = (f) => lat[Math.floor(f * lat.length)].toFixed(1);
    console.log(
      `other thread ${spinMs ? `polls ${spinMs} ms` : 'blocks at once'}, gap ${gapUs} µs: median ${q(0.5)} µs, p90 ${q(0.9)}, p99 ${q(0.99)}`,
    );
  }
  Atomics.store(c, 0, -1);
  Atomics.notify(c, 0);
  await w.terminate();
}
