// npm start: runs every seed port in order, each under a heading.
import { EXAMPLES } from './index.js';

for (const name of EXAMPLES) {
  console.log(`\n=== ${name} ===`);
  await import(`./${name}.ts`);
}
