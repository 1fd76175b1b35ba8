// The platform check's dedicated worker (started by browser.ts in a cross-origin isolated page):
// `torch.init()` fetches asgrad.threads.wasm beside the bundle, the pool starts helper Web Workers,
// and every group is hashed with 1, 2 and 3 threads.
import golden from 'asgrad-golden';
import { torch } from '../../../ts/index.js';
import { computeHashesThreads } from '../hashes.js';

const reply = (self as unknown as { postMessage(m: unknown): void }).postMessage.bind(self);
try {
  await torch.init();
  const hashes = await computeHashesThreads(golden);
  reply({ hashes, helperParts: torch._threads.helperParts(), userAgent: navigator.userAgent });
} catch (e) {
  reply({ error: String((e as Error)?.stack ?? e) });
}
