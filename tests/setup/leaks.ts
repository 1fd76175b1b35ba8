// The suite's leak check (vitest setupFiles): every test runs inside torch.scope, and afterwards
// no tensor handle made for it may still be counted in torch.memory().liveTensors.
//
// What a test legitimately leaves behind is released first, as a program dropping it would:
// - the tensors it made that scopes spare on purpose (leaves that require grad, their .grad, kept
//   tensors), found through the one call every tensor reaching user code goes through
//   (Tensor._register, wrapped below), are disposed;
// - graphs that never saw backward are freed (their nodes' saved tensors released), as PyTorch frees
//   a graph whose outputs are dropped; asgrad otherwise reclaims them only when a generation
//   boundary spills them (docs/memory.md).
// What is still counted then is a handle nobody can release: a leak.
//
// The count is taken per storage the test's tensors use (its handles on it now against those it had
// when the test first reached it), not as the difference of the global liveTensors before and
// after: that moves for reasons of other tests (a module-level tensor spilled during this test
// leaves the global count until it is touched again; the library's cache of scalar constants
// fills and evicts), so it cannot tell a leak from a spill.
//
// A test that must run without it (one about what happens to tensors nobody disposes, which a scope
// would dispose) says why in its options: it(name, { meta: { leaks: 'why' } }, fn).
import { aroundEach } from 'vitest';
import { torch, Tensor } from '../../ts/index.js';
import { Node } from '../../ts/autograd.js';
import type { Storage } from '../../ts/storage.js';

interface Internal {
  _register(): void;
  _gradInternal(): Tensor | null;
  _rawGradFn(): Node | null;
  _storage: Storage;
}
const proto = Tensor.prototype as unknown as Internal;
const register = proto._register;
if (typeof register !== 'function') throw new Error('leak check: Tensor.prototype._register is gone; tests/setup/leaks.ts must follow');
let made: Set<Tensor> | null = null;
/** Handles each storage the test touched already had when the test first reached it (module-level tensors, cached constants). */
let before: Map<Storage, number> | null = null;
proto._register = function (this: Tensor & Internal) {
  if (made && before && !made.has(this)) {
    made.add(this);
    const s = this._storage;
    if (!before.has(s)) before.set(s, s.refs - 1);
  }
  register.call(this);
};

// The check sees what it must see, or fails loudly (not silently passing if the library changes).
{
  const probe = new Set<Tensor>();
  made = probe;
  before = new Map();
  const t = torch.scope(() => torch.keep(torch.ones([2])));
  made = null;
  before = null;
  if (!probe.has(t)) throw new Error('leak check: a tensor made in user code was not seen; tests/setup/leaks.ts must follow the library');
  t.dispose();
}

declare module '@vitest/runner' {
  interface TaskMeta {
    /**
     * Why this test must run outside the leak check: `it(name, { meta: { leaks: 'why' } }, fn)`.
     * It then runs without the enclosing scope too (a test of what happens to dropped tensors).
     */
    leaks?: string;
  }
}

/** The sequence number the next graph node will get (nodes are numbered as they are made). */
function nextSeq(): number {
  return new Node('LeakCheckProbe', [], [], () => []).seq + 1;
}

/**
 * Frees every node made since `from` that is reachable from `fn` (saved tensors released). Older
 * nodes, and so all their inputs' nodes, belong to graphs made before the test (module-level
 * fixtures a later test may still run backward through): they are left alone.
 */
function freeGraph(fn: Node | null, seen: Set<Node>, from: number): void {
  const stack: Node[] = fn ? [fn] : [];
  while (stack.length) {
    const n = stack.pop() as Node;
    if (seen.has(n) || n.seq < from) continue;
    seen.add(n);
    if (n.inner) stack.push(n.inner);
    for (const e of n.next) if (e !== null && !(e instanceof Tensor)) stack.push(e);
    for (const r of n.retained ?? []) (r as unknown as Internal)._gradInternal()?.dispose();
    n.release();
  }
}

aroundEach(async (runTest, ctx) => {
  const reason = ctx.task.meta.leaks;
  if (reason !== undefined) {
    if (reason.trim() === '') throw new Error('meta.leaks needs a reason');
    await runTest();
    return;
  }
  const mine = new Set<Tensor>();
  const start = new Map<Storage, number>();
  const from = nextSeq();
  made = mine;
  before = start;
  try {
    await torch.scope(async () => {
      await runTest();
    });
  } finally {
    made = null;
    before = null;
  }
  const seen = new Set<Node>();
  for (const t of mine) {
    const x = t as unknown as Internal;
    const g = x._gradInternal();
    if (g) freeGraph((g as unknown as Internal)._rawGradFn(), seen, from);
    freeGraph(x._rawGradFn(), seen, from);
  }
  for (const t of mine) {
    (t as unknown as Internal)._gradInternal()?.dispose();
    t.dispose();
  }
  let live = 0;
  const where: string[] = [];
  for (const [s, n] of start) {
    // A storage recounted at some point (refsExact false) no longer counts every handle:
    // a handle from before it touches it again is counted anew (a cached constant, a module-level
    // tensor), so its count says nothing about this test.
    if (!s.refsExact || s.refs <= n) continue;
    live += s.refs - n;
    const t = [...mine].find((x) => (x as unknown as Internal)._storage === s);
    where.push(`${s.refs - n} on the storage of a ${t?.dtype} tensor of shape [${t?.shape.join(', ')}]`);
  }
  if (live !== 0) {
    throw new Error(
      `leak check: ${live} tensor handle(s) of this test are still live after it ended (${ctx.task.name}: ${where.join('; ')}); ` +
        'release them (or, for a test about undisposed tensors, give the reason in meta.leaks)',
    );
  }
});
