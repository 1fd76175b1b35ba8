// `asgrad` command line: train and evaluate the Fashion-MNIST recipes of issue 13.
//
//   asgrad train fashion-mnist [--model mlp|cnn] [--epochs N] [--batch-size B] [--optimizer sgd|adam]
//                              [--lr X] [--seed S] [--data DIR] [--save FILE] [--limit N] [--json]
//   asgrad eval fashion-mnist [--model mlp|cnn] FILE [--data DIR] [--limit N] [--json]
//   asgrad train fashion-mnist --eval FILE ...     (the spelling of eval)
//
// Errors (unknown command, flag or value) print the message and the usage on stderr, exit code 2.
import { torch } from '../ts/index.js';
import { loadFile, saveFile } from '../ts/node.js';
import { type ModelName, NORMALIZE, type OptimizerName, RECIPES, buildModel, buildOptimizer, evaluate, trainEpoch } from './fashion.js';

export const USAGE = `Usage:
  asgrad train fashion-mnist [options]        train a model, print the test accuracy per epoch
  asgrad eval fashion-mnist [options] FILE    test accuracy of saved weights (safetensors)

Options:
  --model mlp|cnn         the issue's MLP or CNN (default mlp)
  --epochs N              epochs (default: mlp 5, cnn 1)
  --batch-size B          batch size (default 64)
  --optimizer sgd|adam    SGD with momentum 0.9, or Adam (default: mlp sgd, cnn adam)
  --lr X                  learning rate (default: sgd 0.01, adam 0.001)
  --seed S                torch.manualSeed before the model is built (default 0)
  --data DIR              folder (or URL) of the IDX files (default /usr/share/datasets/fashion-mnist)
  --save FILE             write the trained weights as safetensors (PyTorch's state-dict keys)
  --eval FILE             with train: evaluate FILE instead of training
  --limit N               use only the first N images of each split
  --json                  print a JSON line of the results at the end
  --help                  this text
`;

export class UsageError extends Error {}

export interface Options {
  command: 'train' | 'eval';
  model: ModelName;
  epochs: number;
  batchSize: number;
  optimizer: OptimizerName;
  lr: number;
  seed: number;
  data: string;
  save: string | null;
  evalFile: string | null;
  limit: number | null;
  json: boolean;
}

const VALUE_FLAGS = ['--model', '--epochs', '--batch-size', '--optimizer', '--lr', '--seed', '--data', '--save', '--eval', '--limit'];

function positiveInt(flag: string, v: string, allowZero = false): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || (!allowZero && n === 0))
    throw new UsageError(`${flag} expects a ${allowZero ? 'non-negative' : 'positive'} integer, got '${v}'`);
  return n;
}

/** Parses argv (without node and the script). Throws UsageError on anything it does not know. */
export function parseArgs(argv: readonly string[]): Options | 'help' {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  const [command, dataset, ...rest] = argv;
  if (command !== 'train' && command !== 'eval')
    throw new UsageError(command === undefined ? 'missing command' : `unknown command '${command}'`);
  if (dataset !== 'fashion-mnist')
    throw new UsageError(dataset === undefined ? 'missing dataset (fashion-mnist)' : `unknown dataset '${dataset}' (known: fashion-mnist)`);
  const given = new Map<string, string>();
  const positional: string[] = [];
  let json = false;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--json') {
      json = true;
      continue;
    }
    if (a.startsWith('-')) {
      const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
      if (!VALUE_FLAGS.includes(flag)) throw new UsageError(`unknown option '${flag}'`);
      const v = inline ?? rest[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new UsageError(`${flag} needs a value`);
      if (given.has(flag)) throw new UsageError(`${flag} given twice`);
      given.set(flag, v);
    } else positional.push(a);
  }
  const model = (given.get('--model') ?? 'mlp') as ModelName;
  if (model !== 'mlp' && model !== 'cnn') throw new UsageError(`--model must be mlp or cnn, got '${model}'`);
  const recipe = RECIPES[model];
  const optimizer = (given.get('--optimizer') ?? recipe.optimizer) as OptimizerName;
  if (optimizer !== 'sgd' && optimizer !== 'adam') throw new UsageError(`--optimizer must be sgd or adam, got '${optimizer}'`);
  let lr = optimizer === recipe.optimizer ? recipe.lr : optimizer === 'sgd' ? 0.01 : 1e-3;
  if (given.has('--lr')) {
    const s = given.get('--lr') as string;
    lr = Number(s);
    if (s.trim() === '' || !Number.isFinite(lr) || lr <= 0) throw new UsageError(`--lr expects a positive number, got '${s}'`);
  }
  let evalFile = given.get('--eval') ?? null;
  if (command === 'eval') {
    if (evalFile !== null && positional.length) throw new UsageError('give the weights file once (FILE or --eval FILE)');
    if (evalFile === null) {
      if (positional.length !== 1)
        throw new UsageError(
          positional.length ? `eval takes one weights file, got ${positional.length}` : 'eval needs the weights file (safetensors)',
        );
      evalFile = positional[0];
    }
  } else if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
  const trainOnly = ['--epochs', '--batch-size', '--optimizer', '--lr', '--seed', '--save'].filter((f) => given.has(f));
  if (evalFile !== null && trainOnly.length) throw new UsageError(`${trainOnly[0]} has no meaning when evaluating a file`);
  return {
    command: evalFile !== null ? 'eval' : 'train',
    model,
    epochs: given.has('--epochs') ? positiveInt('--epochs', given.get('--epochs') as string) : recipe.epochs,
    batchSize: given.has('--batch-size') ? positiveInt('--batch-size', given.get('--batch-size') as string) : recipe.batchSize,
    optimizer,
    lr,
    seed: given.has('--seed') ? positiveInt('--seed', given.get('--seed') as string, true) : 0,
    data: given.get('--data') ?? '/usr/share/datasets/fashion-mnist',
    save: given.get('--save') ?? null,
    evalFile,
    limit: given.has('--limit') ? positiveInt('--limit', given.get('--limit') as string) : null,
    json,
  };
}

export interface Output {
  isTTY: boolean;
  write(s: string): void;
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '--';
  if (s < 60) return `${s.toFixed(0)}s`;
  return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

function pct(correct: number, n: number): string {
  return `${((100 * correct) / n).toFixed(2)}% (${correct}/${n})`;
}

/** Runs a parsed command; returns the process exit code. */
export async function run(o: Options, out: Output): Promise<number> {
  const load = (train: boolean) => torch.datasets.FashionMNIST.load(o.data, { train, normalize: NORMALIZE, limit: o.limit });
  const test = await load(false);
  try {
    if (o.command === 'eval') {
      const model = buildModel(o.model);
      const weights = loadFile(o.evalFile as string);
      try {
        model.loadStateDict(weights);
      } finally {
        for (const t of Object.values(weights)) t.dispose();
      }
      const correct = evaluate(model, test.data, test.targets);
      out.write(`${o.model} ${o.evalFile}: test accuracy ${pct(correct, test.length)}\n`);
      if (o.json)
        out.write(
          `${JSON.stringify({ model: o.model, file: o.evalFile, correct, total: test.length, accuracy: (100 * correct) / test.length })}\n`,
        );
      return 0;
    }
    const train = await load(true);
    try {
      torch.manualSeed(o.seed);
      const model = buildModel(o.model);
      const opt = buildOptimizer(o.optimizer, model, o.lr);
      // shuffled from the default generator, as PyTorch's DataLoader(shuffle=True) without a generator
      const loader = new torch.utils.data.DataLoader(train, { batchSize: o.batchSize, shuffle: true });
      out.write(
        `training ${o.model} on Fashion-MNIST: ${train.length} images, ${o.epochs} epoch${o.epochs > 1 ? 's' : ''}, batch ${o.batchSize}, ` +
          `${o.optimizer} lr ${o.lr}, seed ${o.seed}\n`,
      );
      const epochs: { loss: number; seconds: number; correct: number; accuracy: number }[] = [];
      for (let e = 1; e <= o.epochs; e++) {
        const t0 = performance.now();
        let lastDraw = 0;
        const loss = trainEpoch(model, opt, loader, (r) => {
          if (!out.isTTY) return;
          const now = performance.now();
          if (r.step !== r.steps && now - lastDraw < 100) return;
          lastDraw = now;
          const secs = (now - t0) / 1000;
          const rate = r.samples / secs;
          const eta = (train.length - r.samples) / rate;
          const width = 24;
          const done = Math.round((width * r.step) / r.steps);
          const bar = `${'='.repeat(Math.max(0, done - 1))}${done ? (done === width ? '=' : '>') : ''}${' '.repeat(width - done)}`;
          out.write(
            `\repoch ${e}/${o.epochs} [${bar}] ${r.step}/${r.steps} loss ${r.meanLoss.toFixed(4)} ${rate.toFixed(0)} samples/s ETA ${fmtTime(eta)}\x1b[K`,
          );
        });
        const seconds = (performance.now() - t0) / 1000;
        const correct = evaluate(model, test.data, test.targets);
        epochs.push({ loss, seconds, correct, accuracy: (100 * correct) / test.length });
        if (out.isTTY) out.write('\r\x1b[K');
        out.write(
          `epoch ${e}/${o.epochs} loss ${loss.toFixed(4)} time ${seconds.toFixed(1)}s ${(train.length / seconds).toFixed(0)} samples/s ` +
            `test accuracy ${pct(correct, test.length)}\n`,
        );
      }
      if (o.save) {
        saveFile(o.save, model.stateDict());
        out.write(`saved ${o.save}\n`);
      }
      if (o.json)
        out.write(
          `${JSON.stringify({ model: o.model, seed: o.seed, optimizer: o.optimizer, lr: o.lr, batchSize: o.batchSize, epochs })}\n`,
        );
      return 0;
    } finally {
      train.dispose();
    }
  } finally {
    test.dispose();
  }
}

/** The whole command: argv in, exit code out. */
export async function main(argv: readonly string[], out: Output, err: Output): Promise<number> {
  let o: Options | 'help';
  try {
    o = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err.write(`asgrad: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (o === 'help') {
    out.write(USAGE);
    return 0;
  }
  try {
    return await run(o, out);
  } catch (e) {
    err.write(`asgrad: ${(e as Error).message}\n`);
    return 1;
  }
}
