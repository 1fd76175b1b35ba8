// A page (Chromium, Firefox), served cross-origin isolated (COOP/COEP): the hashes are computed in a
// dedicated worker (browser-worker.ts), the one place of a page where the thread pool runs, and
// posted back to the test server with what the page's own thread reports about threads.
import { torch } from '../../../ts/index.js';

const id = new URLSearchParams(location.search).get('id') ?? '';
const post = (result: Record<string, unknown>): void => {
  void fetch(`/result?id=${encodeURIComponent(id)}`, { method: 'POST', body: JSON.stringify(result) }).then(() => {
    document.title = 'done';
  });
};

/**
 * The page's thread may not block in Atomics.wait, so it must stay on one thread even when handed
 * the threaded core and asked for more: what getNumThreads says after setNumThreads(3), and the
 * parts helpers ran for a product that would be split in a worker.
 */
async function mainThread(): Promise<{ mainThreads: number; mainHelperParts: number }> {
  await torch.init({ url: new URL('../asgrad.threads.wasm', import.meta.url) });
  torch.setNumThreads(3);
  const old = torch._threads.setMinWork(1);
  try {
    torch.scope(() =>
      torch
        .ones([64, 64])
        .matmul(torch.ones([64, 64]))
        .sum()
        .item(),
    );
  } finally {
    torch._threads.setMinWork(old);
  }
  return { mainThreads: torch.getNumThreads(), mainHelperParts: torch._threads.helperParts() };
}

try {
  // Served under /plain/ (no COOP/COEP) on purpose: its worker only reports its thread count.
  const plain = location.pathname.startsWith('/plain/');
  if (!crossOriginIsolated && !plain) throw new Error('the page is not cross-origin isolated: the server must send COOP and COEP');
  const main = plain ? {} : await mainThread();
  const worker = new Worker(new URL('./browser-worker.js', import.meta.url), { type: 'module' });
  const done = (result: Record<string, unknown>): void => {
    worker.terminate(); // and with it its helpers
    post({ ...result, ...main });
  };
  worker.onmessage = (e: MessageEvent<Record<string, unknown>>) => done(e.data);
  worker.onerror = (e: ErrorEvent) => done({ error: `the worker failed: ${e.message}` });
} catch (e) {
  post({ error: String((e as Error)?.stack ?? e) });
}
