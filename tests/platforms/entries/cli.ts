// Node (ESM and CommonJS), Deno and Bun: print the hashes as one JSON line.
import golden from 'asgrad-golden';
import { computeHashes } from '../hashes.js';

console.log(JSON.stringify({ hashes: computeHashes(golden) }));
