// npm run fuzz -- <programs.json|.json.gz> [-v] [--only id,id]: replays a gen.py programs file
// through the built package (run `npm run build` first) and prints the failure classes.
import { loadBuilt, loadPrograms, Replayer, formatReport } from './replay.js';

const args = process.argv.slice(2);
const file = args.find((a, i) => !a.startsWith('-') && args[i - 1] !== '--only');
if (!file) {
  console.error('usage: npm run fuzz -- <programs.json|.json.gz> [-v] [--only id,id]');
  process.exit(2);
}
const verbose = args.includes('-v');
const oi = args.indexOf('--only');
const only = oi >= 0 ? new Set(args[oi + 1].split(',').map(Number)) : undefined;

const built = await loadBuilt();
const torch = built.torch;
const programs = loadPrograms(file);
const t0 = Date.now();
const report = new Replayer(built).runAll(programs, only, (id, issues) => {
  if (verbose) console.log(id, JSON.stringify(issues));
});
console.log(formatReport(report).replace(/% pass\)/, `% pass), ${((Date.now() - t0) / 1000).toFixed(1)}s`));
console.log('memory', JSON.stringify(torch.memory()));
process.exit(report.passed === report.total ? 0 : 1);
