// The determinism check: runs every public golden case through the public API and hashes the exact
// bytes of every forward value and every gradient (NaNs canonicalised), plus a seeded rand/randn
// stream and a short seeded MLP training run. Host-agnostic: no fs, no Node APIs; the golden files
// are handed in (read from disk, fetched or bundled by the caller).
// The built package, like the conformance runner it shares runProgram with (the bundles map it to the
// artefact each host loads).
import { torch, type Tensor } from '../../build/ts/index.js';
import { runProgram, makeTensor } from '../conformance/runner.js';
import { Sha256 } from './sha256.js';

type Spec = Parameters<typeof makeTensor>[0];
type Prog = Parameters<typeof runProgram>[0] & {
  name: string;
  backward?: { from: string; gradient: Spec | null } | null;
};
interface Case extends Prog {
  expected: { values: Record<string, unknown>; grads: Record<string, unknown> };
}
interface Trace extends Prog {
  loop: { params: string[]; update: 'sgd' | 'none'; lr: number | null; zero_grad: boolean };
  trace: unknown[];
}
export type GoldenFiles = Record<string, { group?: string; cases?: Case[]; traces?: Trace[] }>;

/** The golden files whose cases are hashed, in this order (print and gradfn_names compute no values). */
export const GOLDEN_FILES = ['seed', 'binary', 'unary', 'reduce', 'linalg_shape', 'nn', 'compose', 'seed_traces'];

/** Every group the check prints, in order. */
export const GROUPS = [...GOLDEN_FILES, 'rng', 'mlp', 'train', 'fashion'];

/** Training images of the `fashion` group: 100 steps of batch 64. */
export const FASHION_IMAGES = 6400;
/** The `fashion` group's data: the first FASHION_IMAGES images and labels as uncompressed IDX files, base64. */
export interface FashionSubset {
  images: string;
  labels: string;
}

/** Feeds a tensor's dtype, shape and raw little-endian bytes (NaN payloads canonicalised) to the hash. */
function hashTensor(h: Sha256, label: string, t: Tensor | null | undefined): void {
  if (!t) {
    h.updateString(`${label}:null;`);
    return;
  }
  h.updateString(`${label}:${t.dtype}[${t.shape.join(',')}];`);
  const a = t.toArray();
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
  const dv = new DataView(bytes.buffer);
  if (a instanceof Float32Array) {
    for (let i = 0; i < a.length; i++) if (Number.isNaN(a[i])) dv.setUint32(4 * i, 0x7fc00000, true);
  } else if (a instanceof Float64Array) {
    for (let i = 0; i < a.length; i++) {
      if (Number.isNaN(a[i])) {
        dv.setUint32(8 * i, 0, true);
        dv.setUint32(8 * i + 4, 0x7ff80000, true);
      }
    }
  }
  h.update(bytes);
}

function backward(p: Prog, env: Map<string, Tensor>): void {
  if (!p.backward) return;
  const root = env.get(p.backward.from) as Tensor;
  if (p.backward.gradient) root.backward(makeTensor(p.backward.gradient, p.dtype));
  else root.backward();
}

function hashCase(h: Sha256, c: Case): void {
  h.updateString(`case ${c.name};`);
  try {
    const env = runProgram(c);
    backward(c, env);
    for (const k of Object.keys(c.expected.values)) hashTensor(h, `value ${k}`, env.get(k));
    for (const k of Object.keys(c.expected.grads)) hashTensor(h, `grad ${k}`, env.get(k)?.grad);
  } catch {
    // Error texts differ between engines: only the fact of the failure is hashed.
    h.updateString('threw;');
  }
}

function hashTrace(h: Sha256, tr: Trace): void {
  h.updateString(`trace ${tr.name};`);
  try {
    const leaves = new Map<string, Tensor>();
    for (const [k, spec] of Object.entries(tr.inputs)) {
      const s = { ...spec, requires_grad: spec.requires_grad || tr.loop.params.includes(k) };
      leaves.set(k, makeTensor(s, tr.dtype));
    }
    for (let epoch = 0; epoch < tr.trace.length; epoch++) {
      const env = runProgram(tr, leaves);
      backward(tr, env);
      hashTensor(h, `epoch ${epoch} loss`, env.get(tr.backward?.from ?? ''));
      for (const p of tr.loop.params) {
        const w = leaves.get(p) as Tensor;
        hashTensor(h, `epoch ${epoch} grad ${p}`, w.grad);
        if (tr.loop.update === 'sgd') {
          const lr = tr.loop.lr as number;
          torch.noGrad(() => w.sub_((w.grad as Tensor).mul(lr)));
        }
        if (tr.loop.zero_grad) w.grad?.zero_();
        hashTensor(h, `epoch ${epoch} param ${p}`, w);
      }
    }
  } catch {
    h.updateString('threw;');
  }
}

function hashRng(h: Sha256): void {
  torch.manualSeed(42);
  for (const n of [0, 1, 3, 4, 5, 7, 8, 1000]) {
    hashTensor(h, `rand ${n}`, torch.rand([n]));
    hashTensor(h, `randn ${n}`, torch.randn([n]));
  }
  torch.manualSeed(2n ** 64n - 1n);
  hashTensor(h, 'rand f64', torch.rand([257], { dtype: 'float64' }));
  hashTensor(h, 'randn f64', torch.randn([3, 5, 7], { dtype: 'float64' }));
  torch.manualSeed(0);
  hashTensor(h, 'randn 2d', torch.randn([16, 9]));
}

function hashMlp(h: Sha256): void {
  torch.manualSeed(1234);
  const x = torch.randn([64, 8]);
  const y = x
    .narrow(1, 0, 1)
    .mul(x.narrow(1, 1, 1))
    .tanh()
    .add(x.narrow(1, 2, 1).sin());
  const l1 = new torch.nn.Linear(8, 32);
  const l2 = new torch.nn.Linear(32, 1);
  const params = [l1.weight, l1.bias as Tensor, l2.weight, l2.bias as Tensor];
  const opt = new torch.optim.SGD(params, { lr: 0.05, momentum: 0.9 });
  for (let step = 0; step < 20; step++) {
    opt.zeroGrad();
    const pred = l2.forward(l1.forward(x).relu());
    const loss = torch.nn.functional.mseLoss(pred, y);
    loss.backward();
    opt.step();
    hashTensor(h, `loss ${step}`, loss);
  }
  for (const [i, p] of params.entries()) hashTensor(h, `param ${i}`, p);
}

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Issue 13's same-bits check: the MLP recipe (SGD lr 0.01 momentum 0.9, batch 64, normalised
 * inputs) for 100 steps on the first 6,400 Fashion-MNIST training images, shuffled by a seeded
 * torch.Generator through the DataLoader; every 10th loss and the final weights are hashed.
 */
function hashFashion(h: Sha256, data: FashionSubset): void {
  const nn = torch.nn;
  const ds = torch.datasets.FashionMNIST.fromIdx(fromBase64(data.images), fromBase64(data.labels), {
    normalize: { mean: 0.286, std: 0.353 },
  });
  try {
    torch.manualSeed(0);
    const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 10));
    const opt = new torch.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
    const loader = new torch.utils.data.DataLoader(ds, { batchSize: 64, shuffle: true, generator: new torch.Generator().manualSeed(0) });
    const lossFn = new nn.CrossEntropyLoss();
    let step = 0;
    for (const [x, y] of loader as Iterable<[Tensor, Tensor]>) {
      torch.scope(() => {
        opt.zeroGrad();
        const loss = lossFn(model(x), y);
        loss.backward();
        opt.step();
        if (step % 10 === 0) hashTensor(h, `loss ${step}`, loss);
      });
      x.dispose();
      y.dispose();
      step++;
    }
    h.updateString(`steps ${step};`);
    for (const [k, p] of Object.entries(model.stateDict())) hashTensor(h, `param ${k}`, p);
  } finally {
    ds.dispose();
  }
}

/**
 * The layers and optimizers of a training run: a small CNN (conv, batch norm, pools, GELU, LSTM-free)
 * trained 4 steps by each optimizer of torch.optim with a scheduler and norm clipping, from the
 * seeded generator; every loss and final parameter is hashed.
 */
function hashTrain(h: Sha256): void {
  const nn = torch.nn;
  const O = torch.optim;
  const S = O.lrScheduler;
  type Opt = InstanceType<typeof O.Optimizer>;
  const makers: [string, (ps: Tensor[]) => Opt][] = [
    ['SGD', (ps) => new O.SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 })],
    ['Adam', (ps) => new O.Adam(ps, { lr: 0.01, amsgrad: true })],
    ['AdamW', (ps) => new O.AdamW(ps, { lr: 0.01 })],
    ['RMSprop', (ps) => new O.RMSprop(ps, { lr: 0.01, centered: true, momentum: 0.5 })],
    ['Adagrad', (ps) => new O.Adagrad(ps, { lr: 0.1 })],
    ['Adadelta', (ps) => new O.Adadelta(ps)],
    ['Adamax', (ps) => new O.Adamax(ps)],
    ['NAdam', (ps) => new O.NAdam(ps)],
    ['RAdam', (ps) => new O.RAdam(ps)],
  ];
  for (const [name, make] of makers) {
    torch.scope(() => {
      torch.manualSeed(7);
      const model = new nn.Sequential(
        new nn.Conv2d(2, 4, 3, { padding: 1 }),
        new nn.BatchNorm2d(4),
        new nn.GELU(),
        new nn.MaxPool2d(2),
        new nn.Conv2d(4, 6, 3, { padding: 'same', paddingMode: 'reflect' }),
        new nn.ReLU(),
        new nn.AdaptiveAvgPool2d(1),
        new nn.Flatten(),
        new nn.LayerNorm(6),
        new nn.Linear(6, 3),
      );
      const x = torch.randn([5, 2, 8, 8]);
      const y = torch.tensor([0, 2, 1, 1, 0], { dtype: 'int64' });
      const opt = make([...model.parameters()]);
      // Adagrad and Adadelta have neither momentum nor betas for OneCycleLR to cycle.
      const sched = new S.OneCycleLR(opt, 0.05, { totalSteps: 4, cycleMomentum: name !== 'Adagrad' && name !== 'Adadelta' });
      for (let step = 0; step < 4; step++) {
        torch.scope(() => {
          opt.zeroGrad();
          const loss = nn.functional.crossEntropy(model(x), y, { labelSmoothing: 0.1 });
          loss.backward();
          hashTensor(h, `${name} loss ${step}`, loss);
          hashTensor(h, `${name} norm ${step}`, nn.utils.clipGradNorm_(model.parameters(), 1.0));
          opt.step();
          sched.step();
        });
      }
      for (const [k, t] of Object.entries(model.stateDict())) hashTensor(h, `${name} ${k}`, t);
    });
  }
}

/** One SHA-256 (hex) per group of GROUPS. `golden` maps a file's base name (e.g. 'binary') to its parsed JSON. */
export function computeHashes(golden: GoldenFiles): Record<string, string> {
  const out: Record<string, string> = {};
  for (const g of GOLDEN_FILES) {
    const d = golden[g];
    if (!d) throw new Error(`golden file ${g}.json is missing`);
    const h = new Sha256();
    torch.scope(() => {
      for (const c of d.cases ?? []) torch.scope(() => hashCase(h, c));
      for (const t of d.traces ?? []) torch.scope(() => hashTrace(h, t));
    });
    out[g] = h.digest();
  }
  const rng = new Sha256();
  torch.scope(() => hashRng(rng));
  out.rng = rng.digest();
  const mlp = new Sha256();
  torch.scope(() => hashMlp(mlp));
  out.mlp = mlp.digest();
  const train = new Sha256();
  torch.scope(() => hashTrain(train));
  out.train = train.digest();
  const fashion = (golden as Record<string, unknown>).fashion as FashionSubset | undefined;
  if (!fashion) throw new Error('the fashion group needs the Fashion-MNIST subset (golden.fashion)');
  const fh = new Sha256();
  torch.scope(() => hashFashion(fh, fashion));
  out.fashion = fh.digest();
  return out;
}

/** The thread counts every group is hashed with where threads exist (one elsewhere). */
export const THREAD_COUNTS = [1, 2, 3];

/**
 * computeHashes once per thread count of THREAD_COUNTS the host can run (torch.setNumThreads, with
 * every product split however small); a group whose hash differs between counts gets a hash that
 * names each count's, so it fails the comparison. `threads` lists the counts that ran ("1,2,3" where
 * the pool exists, "1" elsewhere).
 */
export async function computeHashesThreads(golden: GoldenFiles): Promise<Record<string, string>> {
  const before = torch.getNumThreads();
  const runs: [number, Record<string, string>][] = [];
  for (const n of THREAD_COUNTS) {
    torch.setNumThreads(n);
    if (torch.getNumThreads() !== n) continue;
    if ((await torch._threads.ready()) !== n) throw new Error(`only ${torch.getNumThreads()} of ${n} threads started`);
    const minWork = torch._threads.setMinWork(1);
    const parts = torch._threads.helperParts();
    try {
      runs.push([n, computeHashes(golden)]);
    } finally {
      torch._threads.setMinWork(minWork);
    }
    if (n > 1 && torch._threads.helperParts() === parts) throw new Error(`with ${n} threads no product was split`);
  }
  torch.setNumThreads(before);
  const [first, ...rest] = runs;
  if (!first) throw new Error('no thread count ran');
  const out: Record<string, string> = {};
  for (const [g, h] of Object.entries(first[1])) {
    out[g] = rest.every(([, r]) => r[g] === h) ? h : runs.map(([n, r]) => `${n} threads: ${r[g]}`).join(', ');
  }
  out.threads = runs.map(([n]) => n).join(',');
  return out;
}
