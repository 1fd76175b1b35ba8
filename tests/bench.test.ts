// Keeps `npm run bench -- --quick` from rotting: every system's results must agree (never timing).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('benchmark', () => {
  it('--quick --json runs every workload and every correctness check passes', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    const lines = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map(
        (l) =>
          JSON.parse(l) as {
            system: string;
            workload: string;
            metric: string;
            check?: string;
            median?: number;
            unsupported?: string;
            skipped?: string;
          },
      );
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const workloads = new Set(lines.filter((l) => l.system === 'asgrad').map((l) => l.workload));
    for (const w of ['W1', 'W2', 'W3', 'W4', 'W4f', 'W5', 'W6', 'W7', 'W8', 'W9', 'W10', 'safetensors', 'matmul', 'bandwidth', 'simd_peak'])
      expect(workloads).toContain(w);
    const systems = new Set(lines.map((l) => l.system));
    for (const s of ['asgrad', 'tfjs', 'jax-js']) expect(systems).toContain(s);
    expect(lines.filter((l) => l.check !== undefined && l.check !== 'ok')).toEqual([]);
    // A peer that cannot run a workload says why (TF.js wasm has no conv2d weight gradient); one
    // far slower than the rest is not timed under --quick, and says so.
    const notTimed = lines.filter((l) => l.unsupported !== undefined || l.skipped !== undefined);
    for (const l of notTimed) expect(`${l.unsupported ?? l.skipped}`.length).toBeGreaterThan(10);
    expect(notTimed.filter((l) => l.system === 'asgrad')).toEqual([]);
    expect(lines.find((l) => l.system === 'tfjs' && l.workload === 'W9' && l.unsupported)?.unsupported).toMatch(/Conv2DBackpropFilter/);
    for (const l of lines) if (!notTimed.includes(l)) expect(Number.isFinite(l.median)).toBe(true);
  }, 300_000);
});
