// PyTorch through /usr/bin/python3 (Debian's python3-torch), one thread, OpenBLAS when installed.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { mlpData, uniform, W2_N, W4_N, w8Data, w9Data, w10Data } from '../data.js';
import { W7, w7Missing, w7Params } from '../fmnist.js';
import type { Runner, System, Unsupported, WorkloadId } from '../types.js';

const OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-openmp';

export interface TorchInfo {
  torch: string;
  blas: string;
  threads: number;
}

export type TorchSystem = System & { mm: (n: number, form: string, iters: number) => Promise<number> };

export async function startPytorch(): Promise<{ system: TorchSystem; info: TorchInfo } | { missing: string }> {
  if (!existsSync('/usr/bin/python3')) return { missing: '/usr/bin/python3 not found' };
  const dir = mkdtempSync(join(tmpdir(), 'asgrad-bench-'));
  const d = mlpData();
  const files: Record<string, ArrayBufferView> = {
    x: d.x,
    y: d.y,
    w1: d.w1,
    b1: d.b1,
    w2: d.w2,
    b2: d.b2,
    w2x: uniform(W2_N, 11),
    a: uniform(W4_N * W4_N, 21),
    b: uniform(W4_N * W4_N, 22),
    g: uniform(W4_N * W4_N, 23),
    f512a: uniform(512 * 512, 31),
    f512b: uniform(512 * 512, 32),
    f1024a: uniform(1024 * 1024, 31),
    f1024b: uniform(1024 * 1024, 32),
    w9x: w9Data().x,
    w9w: w9Data().w,
    w9g: w9Data().g,
  };
  const w8 = w8Data();
  files.w8x = w8.x;
  files.w8y = w8.y;
  w8.params.forEach((p, i) => {
    files[`w8p${i}`] = p;
  });
  const w7 = w7Params();
  files.w7w1 = w7.w1;
  files.w7b1 = w7.b1;
  files.w7w2 = w7.w2;
  files.w7b2 = w7.b2;
  const w10 = w10Data();
  w10.params.forEach((p, i) => {
    files[`w10p${i}`] = p;
    files[`w10g${i}`] = w10.grads[i];
  });
  for (const [k, v] of Object.entries(files)) writeFileSync(join(dir, `${k}.bin`), new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
  if (existsSync(OPENBLAS)) {
    env.LD_LIBRARY_PATH = OPENBLAS;
    env.OPENBLAS_CORETYPE = 'SkylakeX';
  }
  const script = fileURLToPath(new URL('../torch_server.py', import.meta.url));
  const proc: ChildProcessWithoutNullStreams = spawn('/usr/bin/python3', [script, dir], { env });
  const lines: Interface = createInterface({ input: proc.stdout });
  const queue: { resolve: (s: string) => void; reject: (e: Error) => void }[] = [];
  const stderr: string[] = [];
  proc.stderr.on('data', (b: Buffer) => stderr.push(b.toString()));
  lines.on('line', (l) => queue.shift()?.resolve(l));
  proc.on('exit', () => {
    for (const q of queue.splice(0)) q.reject(new Error(`python exited: ${stderr.join('')}`));
  });
  const next = () => new Promise<string>((resolve, reject) => queue.push({ resolve, reject }));
  let first: string;
  try {
    first = await next();
  } catch (e) {
    return { missing: `python3-torch not usable (${(e as Error).message.split('\n').slice(-2).join(' ')})` };
  }
  const info = JSON.parse(first) as TorchInfo & { ready: boolean };
  const ask = async (cmd: object): Promise<Record<string, number>> => {
    const p = next();
    proc.stdin.write(`${JSON.stringify(cmd)}\n`);
    return JSON.parse(await p) as Record<string, number>;
  };
  const runner = (w: WorkloadId) => async (): Promise<Runner | Unsupported> => {
    if (w === 'W7') {
      const missing = w7Missing();
      if (missing) return { unsupported: missing };
    }
    await ask({ cmd: 'setup', w, w7: W7 });
    return {
      run: async (n) => (await ask({ cmd: 'run', w, n })).ms,
      check: () => ask({ cmd: 'check', w }),
    };
  };
  const ids: WorkloadId[] = ['W1', 'W2', 'W3', 'W4', 'W4f512', 'W4f1024', 'W5', 'W7', 'W8', 'W9', 'W10'];
  const system: System & { mm: (n: number, form: string, iters: number) => Promise<number> } = {
    mm: async (n, form, iters) => (await ask({ cmd: 'mm', n, form, iters })).ms,
    system: 'pytorch',
    backend: `cpu ${info.blas}`,
    threads: info.threads,
    workloads: Object.fromEntries(ids.map((w) => [w, runner(w)])),
    close: () => proc.kill(),
  };
  return { system, info };
}
