// safetensors save / load throughput: a float32 state dict (tensors of 1 Mi elements) saved to bytes
// and loaded back in memory, in MB of tensor data per second (1 MB = 1e6 bytes). PyTorch beside it:
// safetensors.torch.save / load when the Python package is installed, else torch.save / torch.load
// through BytesIO, labelled as such (PyTorch's own format, the reference its users have).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { torch, type Tensor } from './lib.js';
import { uniform } from './data.js';

export interface StFigure {
  system: string;
  backend: string;
  metric: 'save_mb_per_s' | 'load_mb_per_s';
  median: number;
  min: number;
  max: number;
  n: number;
}

const median = (xs: number[]): { median: number; min: number; max: number } => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return { median: s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2, min: s[0], max: s[s.length - 1] };
};

export function runSafetensors(quick: boolean, rounds: number): { text: string[]; json: object[]; ok: boolean } {
  const count = quick ? 4 : 16;
  const n = 1 << 20;
  const sd: Record<string, Tensor> = {};
  for (let i = 0; i < count; i++) sd[`layer${String(i).padStart(2, '0')}.weight`] = torch.fromArray(uniform(n, 100 + i), [1024, 1024]);
  const payload = count * n * 4;
  const mbps = (ms: number): number => payload / 1e6 / (ms / 1000);
  const st = torch.safetensors;

  let bytes = st.save(sd);
  const loadOnce = (): void => {
    for (const t of Object.values(st.load(bytes))) t.dispose();
  };
  loadOnce();
  const save: number[] = [];
  const load: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let t0 = performance.now();
    bytes = st.save(sd);
    save.push(mbps(performance.now() - t0));
    t0 = performance.now();
    const back = st.load(bytes);
    load.push(mbps(performance.now() - t0));
    for (const t of Object.values(back)) t.dispose();
  }
  // Correct: what was loaded writes the same bytes again.
  const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
  const back = st.load(bytes);
  const ok = sha(st.save(back)) === sha(bytes);
  for (const t of Object.values(back)) t.dispose();
  const sum = Object.values(sd).reduce((s, t) => s + t.double().sum().item(), 0);

  const figures: StFigure[] = [
    { system: 'asgrad', backend: 'wasm', metric: 'save_mb_per_s', ...median(save), n: save.length },
    { system: 'asgrad', backend: 'wasm', metric: 'load_mb_per_s', ...median(load), n: load.length },
  ];
  let torchLine = 'PyTorch not run: /usr/bin/python3 not found';
  let torchOk = true;
  if (existsSync('/usr/bin/python3')) {
    const dir = mkdtempSync(join(tmpdir(), 'asgrad-st-bench-'));
    try {
      writeFileSync(join(dir, 'sd.safetensors'), bytes);
      const script = fileURLToPath(new URL('./safetensors_torch.py', import.meta.url));
      const r = spawnSync('/usr/bin/python3', [script, join(dir, 'sd.safetensors'), String(rounds)], {
        encoding: 'utf8',
        env: { ...process.env, OMP_NUM_THREADS: '1' },
      });
      const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
      if (r.status === 0 && line) {
        const p = JSON.parse(line) as { api: string; save_ms: number[]; load_ms: number[]; payload_bytes: number; sum: number };
        const backend = p.api.startsWith('safetensors') ? 'safetensors' : 'torch.save';
        figures.push(
          { system: 'pytorch', backend, metric: 'save_mb_per_s', ...median(p.save_ms.map(mbps)), n: p.save_ms.length },
          { system: 'pytorch', backend, metric: 'load_mb_per_s', ...median(p.load_ms.map(mbps)), n: p.load_ms.length },
        );
        torchOk = p.payload_bytes === payload && Math.abs(p.sum - sum) <= 1e-9 * Math.max(1, Math.abs(sum));
        torchLine = `PyTorch: ${p.api}, 1 thread${torchOk ? '' : ' (CHECK FAILED: it read other values)'}`;
      } else torchLine = `PyTorch not run: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  for (const t of Object.values(sd)) t.dispose();
  const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
  const text = [
    `safetensors in memory: a state dict of ${count} float32 tensors [1024, 1024] (${payload / 1e6} MB of data), MB/s median (min–max). ${torchLine}`,
    ...figures.map(
      (f) => `  ${f.system} ${f.backend} ${f.metric.replace('_mb_per_s', '')}: ${fmt(f.median)} (${fmt(f.min)}–${fmt(f.max)}) MB/s`,
    ),
    `  the loaded tensors write the same bytes again: ${ok ? 'ok' : 'FAILED'}`,
  ];
  const json = figures.map((f) => ({ ...f, threads: 1, workload: 'safetensors', check: ok && torchOk ? 'ok' : 'FAILED' }));
  return { text, json, ok: ok && torchOk };
}
