// npx tsx scripts/ab-threads.ts [W3,W4,W7,W8,W9] [rounds]: the bench's asgrad workloads with 1 and 2
// threads, alternated round by round in one process (a machine shared with other jobs drifts less
// between two neighbouring rounds than between two runs), wall and CPU time per iteration. On a
// loaded machine wall time cannot show a split (both threads wait for cores); the CPU time of the
// busiest thread (Linux /proc/self/task/N/schedstat) bounds what the split run would take on two
// free cores (it includes polling). For finding what the thread pool gains; the figures of record
// come from `npm run bench`.
import { asgrad, asgrad2 } from '../bench/systems/asgrad.js';
import type { Runner, WorkloadId } from '../bench/types.js';
import { readdirSync, readFileSync } from 'node:fs';
import { helperParts } from '../ts/core/threads.js';

/** CPU ms of each thread of this process (Linux: /proc/self/task/N/schedstat, in ns); empty elsewhere. */
function threadCpu(): Map<string, number> {
  const m = new Map<string, number>();
  try {
    for (const t of readdirSync('/proc/self/task'))
      m.set(t, Number(readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8').split(' ')[0]) / 1e6);
  } catch {}
  return m;
}

const ids = (process.argv[2] ?? 'W3,W4,W8,W9').split(',') as WorkloadId[];
const rounds = +(process.argv[3] ?? 7);
const ITERS: Partial<Record<WorkloadId, number>> = { W3: 40, W4: 6, W7: 1, W8: 6, W9: 3 };
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1] as number;

for (const id of ids) {
  const one = await asgrad.workloads[id]?.();
  const two = await asgrad2.workloads[id]?.();
  if (!one || !two || 'unsupported' in one || 'unsupported' in two) {
    console.log(id, 'not run');
    continue;
  }
  const k = ITERS[id] ?? 5;
  const time = async (r: Runner): Promise<[number, number, number]> => {
    const c0 = process.cpuUsage();
    const p0 = threadCpu();
    const h0 = helperParts();
    const t0 = performance.now();
    await r.run(k);
    const t = performance.now() - t0;
    const c = process.cpuUsage(c0);
    const busy = [...threadCpu()]
      .map(([id, v]) => v - (p0.get(id) ?? 0))
      .filter((v) => v > 0)
      .sort((a, b) => b - a);
    if (process.env.AB_VERBOSE)
      console.log(
        `  ${(t / k).toFixed(2)} ms, helper parts ${helperParts() - h0}, busiest threads' cpu ms ${busy
          .slice(0, 3)
          .map((v) => v.toFixed(0))
          .join(' ')}`,
      );
    return [t / k, (c.user + c.system) / 1000 / k, (busy[0] ?? 0) / k];
  };
  await time(one);
  await time(two);
  const w1: number[] = [];
  const w2: number[] = [];
  const c1: number[] = [];
  const c2: number[] = [];
  const ratio: number[] = [];
  const b2: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const [a, ca] = await time(one);
    const [b, cb, bb] = await time(two);
    b2.push(bb);
    w1.push(a);
    w2.push(b);
    c1.push(ca);
    c2.push(cb);
    ratio.push(a / b);
  }
  console.log(
    `${id}: wall ms/iter 1 thread ${median(w1).toFixed(2)} (min ${Math.min(...w1).toFixed(2)}), 2 threads ${median(w2).toFixed(2)} (min ${Math.min(...w2).toFixed(2)}); ` +
      `speed-up median of rounds ${median(ratio).toFixed(2)}x, of mins ${(Math.min(...w1) / Math.min(...w2)).toFixed(2)}x; cpu ms/iter ${median(c1).toFixed(2)} / ${median(c2).toFixed(2)}, ` +
      `busiest thread ${median(b2).toFixed(2)} (1-thread cpu / busiest thread of 2: ${(median(c1) / median(b2)).toFixed(2)}x)`,
  );
  one.dispose?.();
  two.dispose?.();
}
