// Node (ESM and CommonJS), Deno and Bun: print the hashes as one JSON line (no top-level await: the
// CommonJS bundle has none).
import golden from 'asgrad-golden';
import { computeHashesThreads } from '../hashes.js';

void computeHashesThreads(golden).then(
  (hashes) => console.log(JSON.stringify({ hashes })),
  (e: unknown) => {
    console.log(JSON.stringify({ error: String((e as Error)?.stack ?? e) }));
    process.exitCode = 1;
  },
);
