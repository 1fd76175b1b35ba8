// A JavaScript peer system in a process of its own (bench/remote.ts starts it with tsx). Peers
// used to run in the bench's own process: jax-js eager or TF.js then grew the shared V8 heap, and
// every system in that process paid for its collections (asgrad's W5 took 2.15 µs per op beside
// jax-js against 0.76 alone). A user runs one library; so does each process here.
//
// argv: the system module's path, its export name, then "--quick" or nothing. Messages (IPC):
// {op: 'start'} -> {threads, workloads}; {op: 'make', w} -> {slow?} | {unsupported};
// {op: 'run', n} -> {ms} (timed here, around the runner's own run); {op: 'check'} -> {check};
// {op: 'dispose'}; {op: 'close'}. Every reply may be {error} instead.
import { W10 } from './data.js';
import { W7 } from './fmnist.js';
import type { Runner, System, WorkloadId } from './types.js';

export type Request =
  | { op: 'start' }
  | { op: 'make'; w: WorkloadId }
  | { op: 'run'; n: number }
  | { op: 'check' }
  | { op: 'dispose' }
  | { op: 'close' };

const [modulePath, exportName, quickFlag] = process.argv.slice(2);
// The same sizes as the parent's (see run.ts), before any workload makes its data.
if (quickFlag === '--quick') {
  W10.size = 100_000;
  W7.images = 3200;
}

const reply = (m: object) => process.send?.(m);
const describe = (e: unknown) => (e instanceof Error ? (e.stack ?? e.message) : String(e));
let runner: Runner | null = null;

async function handle(sys: System, m: Request): Promise<object> {
  switch (m.op) {
    case 'start':
      await sys.start?.();
      return { threads: sys.threads, workloads: Object.keys(sys.workloads) };
    case 'make': {
      const made = await sys.workloads[m.w]!();
      if ('unsupported' in made) return { unsupported: made.unsupported };
      runner = made;
      return { slow: made.slow };
    }
    case 'run': {
      const t0 = performance.now();
      const own = await runner!.run(m.n);
      const dt = performance.now() - t0;
      return { ms: typeof own === 'number' ? own : dt };
    }
    case 'check':
      return { check: await runner!.check() };
    case 'dispose':
      runner?.dispose?.();
      runner = null;
      return {};
    case 'close':
      sys.close?.();
      process.exit(0);
  }
}

// The listener first: it keeps the IPC channel (and so the process) alive while the module loads.
const loaded = import(modulePath).then((mod: Record<string, System>) => {
  const sys = mod[exportName];
  if (!sys) throw new Error(`${modulePath} has no system ${exportName}`);
  return sys;
});
// One request at a time: the parent awaits each reply before it sends the next.
process.on('message', (m: Request) => {
  loaded.then((sys) => handle(sys, m)).then(reply, (e: unknown) => reply({ error: describe(e) }));
});
loaded.then(
  () => reply({ ready: true }),
  (e: unknown) => reply({ error: describe(e) }),
);
