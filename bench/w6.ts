// W6: the MLP step of W3 for 2,000 steps, three ways: as in the seed (no dispose, no scope), with
// torch.scope per step, and TensorFlow.js (wasm) with tf.tidy. Memory figures at checkpoints.
import * as tf from '@tensorflow/tfjs';
import { torch } from './lib.js';
import { mlpParams, mlpStep } from './systems/asgrad.js';
import { MLP } from './data.js';
import { tfMlp } from './systems/tfjs.js';

interface Snapshot {
  step: number;
  liveTensors: number;
  allocatedBytes: number;
  wasmBytes: number;
}

export async function runW6(quick: boolean): Promise<{ text: string[]; json: object[]; ok: boolean }> {
  const steps = quick ? 200 : 2000;
  const marks = quick ? [100, 150, 200] : [100, 1000, 2000];
  const results: { name: string; snaps: Snapshot[]; peak: number; loss: number }[] = [];

  for (const variant of ['no ceremony', 'torch.scope per step'] as const) {
    const p = mlpParams();
    const opt = new torch.optim.SGD([p.w1, p.b1, p.w2, p.b2], { lr: MLP.lr });
    torch.resetPeakMemory();
    const snaps: Snapshot[] = [];
    let loss = NaN;
    for (let s = 1; s <= steps; s++) {
      if (variant === 'no ceremony') loss = mlpStep(p, opt).item();
      else loss = torch.scope(() => mlpStep(p, opt).item());
      if (marks.includes(s)) {
        const m = torch.memory();
        snaps.push({ step: s, liveTensors: m.liveTensors, allocatedBytes: m.allocatedBytes, wasmBytes: m.wasmBytes });
      }
    }
    results.push({ name: `asgrad, ${variant}`, snaps, peak: torch.memory().peakAllocatedBytes, loss });
    for (const t of Object.values(p)) t.dispose();
    opt.zeroGrad();
  }

  // TensorFlow.js (wasm backend) with tf.tidy, as its users must write it.
  await tf.setBackend('wasm');
  {
    const mlp = tfMlp();
    const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    const snaps: Snapshot[] = [];
    let peak = 0;
    let loss = NaN;
    for (let s = 1; s <= steps; s++) {
      loss = tf.tidy(mlp.step);
      const m = tf.memory();
      peak = Math.max(peak, m.numBytes);
      if (marks.includes(s)) snaps.push({ step: s, liveTensors: m.numTensors, allocatedBytes: m.numBytes, wasmBytes: heap() });
    }
    results.push({ name: 'tfjs wasm, tf.tidy', snaps, peak, loss });
    mlp.dispose();
  }

  const text = [
    `W6 memory: W3 for ${steps} steps (liveTensors / allocatedBytes / WASM memory at steps ${marks.join(', ')}; peak allocated)`,
  ];
  const json: object[] = [];
  for (const r of results) {
    const cells = r.snaps.map(
      (s) => `@${s.step}: ${s.liveTensors} / ${(s.allocatedBytes / 2 ** 20).toFixed(2)} MiB / ${(s.wasmBytes / 2 ** 20).toFixed(0)} MiB`,
    );
    text.push(`  ${r.name.padEnd(28)} ${cells.join('   ')}   peak ${(r.peak / 2 ** 20).toFixed(2)} MiB   loss ${r.loss.toFixed(4)}`);
    const [system, variant] = r.name.split(', ');
    for (const s of r.snaps) {
      json.push({
        system,
        backend: variant,
        threads: 1,
        workload: 'W6',
        metric: `live_tensors_at_${s.step}`,
        median: s.liveTensors,
        min: s.liveTensors,
        max: s.liveTensors,
        n: 1,
      });
      json.push({
        system,
        backend: variant,
        threads: 1,
        workload: 'W6',
        metric: `allocated_bytes_at_${s.step}`,
        median: s.allocatedBytes,
        min: s.allocatedBytes,
        max: s.allocatedBytes,
        n: 1,
      });
    }
    json.push({
      system,
      backend: variant,
      threads: 1,
      workload: 'W6',
      metric: 'peak_allocated_bytes',
      median: r.peak,
      min: r.peak,
      max: r.peak,
      n: 1,
    });
  }
  const [free, scoped] = results;
  const flat = (r: typeof free) =>
    r.snaps.every((s) => s.liveTensors === r.snaps[0].liveTensors && s.allocatedBytes === r.snaps[0].allocatedBytes);
  const ratio = free.peak / scoped.peak;
  const ok = flat(free) && flat(scoped) && ratio <= 1.5 && Math.abs(free.loss - scoped.loss) < 1e-5;
  text.push(
    `  no-ceremony flat: ${flat(free)}; scoped flat: ${flat(scoped)}; peak ratio no-ceremony/scoped ${ratio.toFixed(2)} (target <= 1.5); ${ok ? 'OK' : 'FAILED'}`,
  );
  return { text, json, ok };
}
