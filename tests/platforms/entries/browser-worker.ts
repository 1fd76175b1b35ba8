// The platform check's dedicated worker (started by browser.ts in a cross-origin isolated page):
// `torch.init()` fetches asgrad.threads.wasm beside the bundle, the pool starts helper Web Workers,
// and every group is hashed with 1, 2 and 3 threads. In a page without COOP/COEP it only reports
// its thread count, which must stay 1.
import golden from 'asgrad-golden';
import { torch } from '../../../ts/index.js';
import { computeHashesThreads } from '../hashes.js';

async function run(): Promise<Record<string, unknown>> {
  await torch.init();
  if (!self.crossOriginIsolated) {
    torch.setNumThreads(3);
    return { plainThreads: torch.getNumThreads() };
  }
  const hashes = await computeHashesThreads(golden);
  return { hashes, helperParts: torch._threads.helperParts(), userAgent: navigator.userAgent };
}

const reply = (self as unknown as { postMessage(m: unknown): void }).postMessage.bind(self);
run().then(reply, (e: unknown) => reply({ error: String((e as Error)?.stack ?? e) }));
