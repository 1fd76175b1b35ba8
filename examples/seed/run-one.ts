// npm run example -- <name>: runs one seed port (e.g. 07_autograd_gd).
import { EXAMPLES } from './index.js';

const name = process.argv[2];
if (!name || !(EXAMPLES as readonly string[]).includes(name)) {
  console.error(`usage: npm run example -- <name>, one of: ${EXAMPLES.join(', ')}`);
  process.exit(2);
}
await import(`./${name}.ts`);
