// The parent's side of bench/child.ts: a JavaScript peer system, run in a child process, seen here
// as an ordinary System whose runners report the milliseconds the child measured.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Request } from './child.js';
import type { Runner, System, Unsupported, WorkloadId } from './types.js';

interface Reply {
  error?: string;
  ready?: boolean;
  threads?: number;
  workloads?: WorkloadId[];
  unsupported?: string;
  slow?: string;
  ms?: number;
  check?: Record<string, number>;
}

/** Where a peer lives: the module (relative to bench/systems) and the export of its System. */
export interface PeerSpec {
  module: string;
  name: string;
  system: string;
  backend: string;
}

export async function startRemote(spec: PeerSpec, quick: boolean): Promise<System> {
  const child: ChildProcess = fork(
    fileURLToPath(new URL('./child.ts', import.meta.url)),
    [fileURLToPath(new URL(`./systems/${spec.module}`, import.meta.url)), spec.name, quick ? '--quick' : ''],
    {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  child.on('message', (m: Reply) => {
    const w = waiting.shift();
    if (!w) return;
    if (m.error) w.reject(new Error(`${spec.system} ${spec.backend} (child process): ${m.error}`));
    else w.resolve(m);
  });
  let closing = false;
  child.on('exit', (code) => {
    // After close, a reply still on its way (a dispose's) no longer matters.
    for (const w of waiting.splice(0)) {
      if (closing) w.resolve({});
      else w.reject(new Error(`${spec.system} ${spec.backend}: its process exited (${code})`));
    }
  });
  const next = () => new Promise<Reply>((resolve, reject) => waiting.push({ resolve, reject }));
  const ask = (m: Request): Promise<Reply> => {
    const p = next();
    child.send(m);
    return p;
  };
  await next(); // ready
  const started = await ask({ op: 'start' });
  const workloads: System['workloads'] = {};
  for (const w of started.workloads ?? []) {
    workloads[w] = async (): Promise<Runner | Unsupported> => {
      const made = await ask({ op: 'make', w });
      if (made.unsupported !== undefined) return { unsupported: made.unsupported };
      return {
        slow: made.slow,
        run: async (n) => (await ask({ op: 'run', n })).ms!,
        check: async () => (await ask({ op: 'check' })).check!,
        // The parent does not wait for a dispose: the next request queues behind it.
        dispose: () => void ask({ op: 'dispose' }),
      };
    };
  }
  return {
    system: spec.system,
    backend: spec.backend,
    threads: started.threads ?? 1,
    workloads,
    close: () => {
      closing = true;
      child.send({ op: 'close' } satisfies Request);
    },
  };
}
