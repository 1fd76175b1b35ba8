// npx tsx scripts/ab-threads.ts [W3,W4,W7,W8,W9] [rounds]: the bench's asgrad workloads with 1 and 2
// threads, alternated round by round in one process (a machine shared with other jobs drifts less
// between two neighbouring rounds than between two runs), wall and CPU time per iteration. For
// finding what the thread pool gains; the figures of record come from `npm run bench`.
import { asgrad, asgrad2 } from '../bench/systems/asgrad.js';
import type { Runner, WorkloadId } from '../bench/types.js';

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
  const time = async (r: Runner): Promise<[number, number]> => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await r.run(k);
    const t = performance.now() - t0;
    const c = process.cpuUsage(c0);
    return [t / k, (c.user + c.system) / 1000 / k];
  };
  await time(one);
  await time(two);
  const w1: number[] = [];
  const w2: number[] = [];
  const c1: number[] = [];
  const c2: number[] = [];
  const ratio: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const [a, ca] = await time(one);
    const [b, cb] = await time(two);
    w1.push(a);
    w2.push(b);
    c1.push(ca);
    c2.push(cb);
    ratio.push(a / b);
  }
  console.log(
    `${id}: wall ms/iter 1 thread ${median(w1).toFixed(2)} (min ${Math.min(...w1).toFixed(2)}), 2 threads ${median(w2).toFixed(2)} (min ${Math.min(...w2).toFixed(2)}); ` +
      `speed-up median of rounds ${median(ratio).toFixed(2)}x, of mins ${(Math.min(...w1) / Math.min(...w2)).toFixed(2)}x; cpu ms/iter ${median(c1).toFixed(2)} / ${median(c2).toFixed(2)}`,
  );
  one.dispose?.();
  two.dispose?.();
}
