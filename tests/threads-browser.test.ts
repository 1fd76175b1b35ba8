// Where the thread pool may run in a browser (ts/core/wasm.ts, threadsPossible): only in a dedicated
// worker of a cross-origin isolated page, which may block in Atomics.wait and start helper Web
// Workers; never on a page's main thread, never without COOP/COEP, never without Worker. The hosts
// are imitated here by what the check reads of globalThis (Node's own node:worker_threads hidden);
// the real thing runs in Chromium and Firefox in the platform check (tests/platforms: helpers ran
// parts in the worker, the page's thread stayed on one thread).
import { afterEach, describe, expect, it } from 'vitest';
import { threadsPossible } from '../ts/core/wasm.js';

type Host = { worker: boolean; isolated: boolean | undefined; Worker: boolean };
const g = globalThis as Record<string, unknown>;
const proc = process as unknown as { getBuiltinModule?: unknown };
const saved = {
  getBuiltinModule: proc.getBuiltinModule,
  crossOriginIsolated: Object.getOwnPropertyDescriptor(g, 'crossOriginIsolated'),
  Worker: Object.getOwnPropertyDescriptor(g, 'Worker'),
  Dedicated: Object.getOwnPropertyDescriptor(g, 'DedicatedWorkerGlobalScope'),
};

/** Makes globalThis look like a browser host: a dedicated worker's scope or a page's window. */
function imitate(h: Host): void {
  proc.getBuiltinModule = undefined; // no node:worker_threads, as in a browser
  // globalThis is an instance of DedicatedWorkerGlobalScope only inside a dedicated worker.
  const Scope = Object.defineProperty(() => {}, Symbol.hasInstance, { value: (x: unknown) => h.worker && x === globalThis });
  Object.defineProperty(g, 'DedicatedWorkerGlobalScope', { value: Scope, configurable: true, writable: true });
  Object.defineProperty(g, 'crossOriginIsolated', { value: h.isolated, configurable: true, writable: true });
  Object.defineProperty(g, 'Worker', { value: h.Worker ? class {} : undefined, configurable: true, writable: true });
}

afterEach(() => {
  proc.getBuiltinModule = saved.getBuiltinModule;
  for (const [k, d] of [
    ['crossOriginIsolated', saved.crossOriginIsolated],
    ['Worker', saved.Worker],
    ['DedicatedWorkerGlobalScope', saved.Dedicated],
  ] as const) {
    if (d) Object.defineProperty(g, k, d);
    else delete g[k];
  }
});

describe('threadsPossible in a browser', () => {
  it('holds in a dedicated worker of a cross-origin isolated page', () => {
    imitate({ worker: true, isolated: true, Worker: true });
    expect(threadsPossible()).toBe(true);
  });

  it("not on a page's main thread, even cross-origin isolated (it may not block in Atomics.wait)", () => {
    imitate({ worker: false, isolated: true, Worker: true });
    expect(threadsPossible()).toBe(false);
  });

  it('not in a worker of a page without COOP/COEP, nor where crossOriginIsolated is unknown', () => {
    imitate({ worker: true, isolated: false, Worker: true });
    expect(threadsPossible()).toBe(false);
    imitate({ worker: true, isolated: undefined, Worker: true });
    expect(threadsPossible()).toBe(false);
  });

  it('not in a worker that cannot start workers (no helpers)', () => {
    imitate({ worker: true, isolated: true, Worker: false });
    expect(threadsPossible()).toBe(false);
  });

  it('Node itself (node:worker_threads) keeps its pool, and the imitation is undone', () => {
    expect(threadsPossible()).toBe(true);
    expect(g.DedicatedWorkerGlobalScope).toBeUndefined();
  });
});
