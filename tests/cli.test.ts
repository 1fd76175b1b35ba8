// The `asgrad` command (cli/): argument errors with the usage text, a short training run on a
// subset (output format, the saved file's keys and shapes against PyTorch's state dict, eval of it),
// the TTY progress bar, and eval of weights trained by PyTorch 1.13 giving PyTorch's exact count of
// correct test images (tests/fixtures/fashion_torch.json, from tests/pytorch/fashion_mnist.py).
// Needs Debian's dataset-fashion-mnist (.ci/run installs it): without it these fail with the
// missing-data message; they never skip.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { USAGE, main, parseArgs } from '../cli/main.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const TORCH = JSON.parse(readFileSync(join(FIXTURES, 'fashion_torch.json'), 'utf8')) as {
  stateDict: Record<'mlp' | 'cnn', [string, number[]][]>;
  cnnSeed0: { file: string; correct: number; total: number };
};

function capture(isTTY = false) {
  const chunks: string[] = [];
  return { isTTY, write: (s: string) => void chunks.push(s), text: () => chunks.join('') };
}

async function cli(args: string[], isTTY = false) {
  const out = capture(isTTY);
  const err = capture();
  const code = await main(args, out, err);
  return { code, out: out.text(), err: err.text() };
}

/** Keys and shapes of a safetensors file as its header lists them. */
function header(path: string): [string, number[]][] {
  const b = readFileSync(path);
  const n = Number(b.readBigUInt64LE(0));
  const h = JSON.parse(b.subarray(8, 8 + n).toString()) as Record<string, { shape: number[] }>;
  return Object.entries(h)
    .filter(([k]) => k !== '__metadata__')
    .map(([k, v]) => [k, v.shape] as [string, number[]])
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
}
const byKey = (l: [string, number[]][]) => l.slice().sort((a, b) => (a[0] < b[0] ? -1 : 1));

describe('asgrad CLI: arguments', () => {
  it("defaults are the issue's recipes", () => {
    expect(parseArgs(['train', 'fashion-mnist'])).toMatchObject({
      command: 'train',
      model: 'mlp',
      epochs: 5,
      batchSize: 64,
      optimizer: 'sgd',
      lr: 0.01,
      seed: 0,
    });
    expect(parseArgs(['train', 'fashion-mnist', '--model', 'cnn'])).toMatchObject({ model: 'cnn', epochs: 1, optimizer: 'adam', lr: 1e-3 });
    expect(parseArgs(['train', 'fashion-mnist', '--model=cnn', '--optimizer', 'sgd'])).toMatchObject({ optimizer: 'sgd', lr: 0.01 });
    expect(parseArgs(['train', 'fashion-mnist', '--eval', 'w.safetensors', '--model', 'cnn'])).toMatchObject({
      command: 'eval',
      evalFile: 'w.safetensors',
    });
    expect(parseArgs(['eval', 'fashion-mnist', 'w.safetensors'])).toMatchObject({
      command: 'eval',
      evalFile: 'w.safetensors',
      model: 'mlp',
    });
    expect(parseArgs(['train', 'fashion-mnist', '--help'])).toBe('help');
  });

  const bad: [string[], string][] = [
    [[], 'missing command'],
    [['fit', 'fashion-mnist'], "unknown command 'fit'"],
    [['train', 'cifar10'], "unknown dataset 'cifar10' (known: fashion-mnist)"],
    [['train', 'fashion-mnist', '--bogus', '1'], "unknown option '--bogus'"],
    [['train', 'fashion-mnist', '--model', 'resnet'], "--model must be mlp or cnn, got 'resnet'"],
    [['train', 'fashion-mnist', '--optimizer', 'rmsprop'], "--optimizer must be sgd or adam, got 'rmsprop'"],
    [['train', 'fashion-mnist', '--epochs', '0'], "--epochs expects a positive integer, got '0'"],
    [['train', 'fashion-mnist', '--batch-size', '6.4'], "--batch-size expects a positive integer, got '6.4'"],
    [['train', 'fashion-mnist', '--lr', 'fast'], "--lr expects a positive number, got 'fast'"],
    [['train', 'fashion-mnist', '--seed'], '--seed needs a value'],
    [['train', 'fashion-mnist', '--lr', '0.1', '--lr', '0.2'], '--lr given twice'],
    [['train', 'fashion-mnist', 'extra'], "unexpected argument 'extra'"],
    [['eval', 'fashion-mnist'], 'eval needs the weights file (safetensors)'],
    [['eval', 'fashion-mnist', 'a', '--epochs', '2'], '--epochs has no meaning when evaluating a file'],
  ];
  for (const [args, msg] of bad) {
    it(`${args.join(' ') || '(nothing)'}: ${msg}, the usage, exit code 2`, async () => {
      const r = await cli(args);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`asgrad: ${msg}\n\n${USAGE}`);
      expect(r.out).toBe('');
    });
  }

  it('a missing data folder: exit code 1 and the message naming the folder and how to get the files', async () => {
    const r = await cli(['train', 'fashion-mnist', '--data', '/nonexistent/fm']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('FashionMNIST: cannot find t10k-images-idx3-ubyte (or t10k-images-idx3-ubyte.gz) in /nonexistent/fm');
    expect(r.err).toContain('apt-get install dataset-fashion-mnist');
  });
});

describe('asgrad CLI: training and eval on a subset', () => {
  it("train prints a line per epoch with the test accuracy; the saved file has PyTorch's keys and shapes and evaluates to the same count", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asgrad-cli-'));
    const file = join(dir, 'mlp.safetensors');
    const r = await cli(['train', 'fashion-mnist', '--limit', '640', '--epochs', '2', '--save', file, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toBe('training mlp on Fashion-MNIST: 640 images, 2 epochs, batch 64, sgd lr 0.01, seed 0');
    const re = /^epoch (\d)\/2 loss (\d+\.\d{4}) time \d+\.\ds \d+ samples\/s test accuracy (\d+\.\d\d)% \((\d+)\/640\)$/;
    const e1 = re.exec(lines[1]);
    const e2 = re.exec(lines[2]);
    expect(e1?.[1]).toBe('1');
    expect(e2?.[1]).toBe('2');
    expect(r.out).not.toContain('\r'); // not a TTY: plain lines
    // learning happened: the loss falls and 2 epochs on 640 images beat chance (10%) by far
    expect(Number(e2?.[2])).toBeLessThan(Number(e1?.[2]));
    expect(Number(e2?.[4])).toBeGreaterThan(320);
    expect(lines[3]).toBe(`saved ${file}`);
    const json = JSON.parse(lines[4]) as { epochs: { correct: number }[] };
    expect(json.epochs.map((e) => e.correct)).toEqual([Number(e1?.[4]), Number(e2?.[4])]);
    expect(header(file)).toEqual(byKey(TORCH.stateDict.mlp));
    const ev = await cli(['eval', 'fashion-mnist', '--limit', '640', file]);
    expect(ev.out).toBe(`mlp ${file}: test accuracy ${e2?.[3]}% (${e2?.[4]}/640)\n`);
    // the same seed trains the same weights, bit for bit
    const again = join(dir, 'again.safetensors');
    await cli(['train', 'fashion-mnist', '--limit', '640', '--epochs', '2', '--save', again]);
    expect(readFileSync(again).equals(readFileSync(file))).toBe(true);
  });

  it('on a TTY: a progress bar per epoch with loss, samples/s and ETA, redrawn in place', async () => {
    const r = await cli(['train', 'fashion-mnist', '--model', 'cnn', '--limit', '192', '--batch-size', '32'], true);
    expect(r.code).toBe(0);
    // ESC [ K (erase to the end of the line) after each redraw; ESC written as a string escape
    const frames = r.out.split('\r').filter((f) => f.startsWith('epoch 1/1 ['));
    expect(frames.length).toBeGreaterThan(0);
    for (const f of frames) expect(f.slice(0, -3)).toMatch(/^epoch 1\/1 \[[=> ]{24}\] \d\/6 loss \d+\.\d{4} \d+ samples\/s ETA \d+s$/);
    for (const f of frames) expect(f.endsWith('\u001b[K')).toBe(true);
    expect(r.out).toContain('\repoch 1/1 [========================] 6/6 loss');
    const last = r.out.slice(r.out.lastIndexOf('\r') + 1);
    expect(last.startsWith('\u001b[K')).toBe(true);
    expect(last.slice(3)).toMatch(/^epoch 1\/1 loss \d+\.\d{4} time .* test accuracy .*\(\d+\/192\)\n$/);
  });

  it("eval of the CNN trained by PyTorch 1.13 (seed 0): PyTorch's count of correct test images, exactly", async () => {
    const file = join(FIXTURES, TORCH.cnnSeed0.file);
    const r = await cli(['eval', 'fashion-mnist', '--model', 'cnn', file, '--json']);
    expect(r.err).toBe('');
    const res = JSON.parse(r.out.trimEnd().split('\n')[1]) as { correct: number; total: number };
    expect(res).toMatchObject({ correct: TORCH.cnnSeed0.correct, total: TORCH.cnnSeed0.total });
    expect(header(file)).toEqual(byKey(TORCH.stateDict.cnn));
    // the spelling: train ... --eval FILE
    const r2 = await cli(['train', 'fashion-mnist', '--model', 'cnn', '--limit', '100', '--eval', file]);
    expect(r2.out).toMatch(/^cnn .*: test accuracy \d+\.\d\d% \(\d+\/100\)\n$/);
    // a file of the other model: loadStateDict's error, exit code 1
    const r3 = await cli(['eval', 'fashion-mnist', '--model', 'mlp', '--limit', '10', file]);
    expect(r3.code).toBe(1);
    expect(r3.err).toContain('Error(s) in loading state_dict for Sequential');
  });

  it('the built command (package.json bin -> build/cli.mjs) runs from the build', () => {
    const bin = fileURLToPath(new URL('../build/cli.mjs', import.meta.url));
    expect(existsSync(bin), 'build/cli.mjs is missing: run `npm run build`').toBe(true);
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin.asgrad).toBe('./build/cli.mjs');
    const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(help.stdout).toBe(USAGE);
    const bad = spawnSync(process.execPath, [bin, 'train', 'fashion-mnist', '--lr', 'x'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("asgrad: --lr expects a positive number, got 'x'");
  });
});
