// The `asgrad` executable (package.json "bin", built to build/cli.mjs by scripts/build-bundles.mjs).
import { main } from './main.js';

const out = { isTTY: Boolean(process.stdout.isTTY), write: (s: string) => void process.stdout.write(s) };
const err = { isTTY: Boolean(process.stderr.isTTY), write: (s: string) => void process.stderr.write(s) };
process.exitCode = await main(process.argv.slice(2), out, err);
