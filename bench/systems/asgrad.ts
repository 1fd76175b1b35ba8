import { torch, type Tensor } from '../lib.js';
import { MLP, mlpData, uniform, W2_N, W4_N, W8, W8_PARAMS, w8Data, W9, w9Data, W10, w10Data } from '../data.js';
import { W7, w7Data, w7Missing, w7Params, w7Steps } from '../fmnist.js';
import type { Runner, System, Unsupported } from '../types.js';

const F = torch.nn.functional;

function w1(): Runner {
  const X = torch.tensor([1, 2, 3, 4]);
  const Y = torch.tensor([2, 4, 6, 8]);
  const w = torch.tensor([0.0], { requiresGrad: true });
  return {
    run(n) {
      for (let i = 0; i < n; i++) {
        const l = w.mul(X).sub(Y).pow(2).mean();
        l.backward();
        torch.noGrad(() => w.sub_(w.grad!.mul(0.01)));
        w.grad!.zero_();
      }
    },
    check: () => ({ w: w.item() }),
  };
}

function w2(): Runner {
  const x = torch.fromArray(uniform(W2_N, 11)).requiresGrad_(true);
  return {
    run(n) {
      for (let i = 0; i < n; i++) {
        x.grad = null;
        const y = x.add(2);
        const z = y.mul(y).mul(3);
        z.mean().backward();
      }
    },
    check: () => ({ gradSum: x.grad!.sum().item() }),
  };
}

export function mlpParams() {
  const d = mlpData();
  const { batch, inF, hidden, out } = MLP;
  return {
    x: torch.fromArray(d.x, [batch, inF]),
    y: torch.tensor(
      Array.from(d.y, (v) => BigInt(v)),
      { dtype: 'int64' },
    ),
    w1: torch.fromArray(d.w1, [hidden, inF]).requiresGrad_(true),
    b1: torch.fromArray(d.b1).requiresGrad_(true),
    w2: torch.fromArray(d.w2, [out, hidden]).requiresGrad_(true),
    b2: torch.fromArray(d.b2).requiresGrad_(true),
  };
}

/** One W3 step written as a PyTorch user would (no dispose, no scope). */
export function mlpStep(p: ReturnType<typeof mlpParams>, opt: InstanceType<typeof torch.optim.SGD>): Tensor {
  const h = F.linear(p.x, p.w1, p.b1).relu();
  const loss = F.crossEntropy(F.linear(h, p.w2, p.b2), p.y);
  opt.zeroGrad();
  loss.backward();
  opt.step();
  return loss;
}

function w3(): Runner {
  const p = mlpParams();
  const opt = new torch.optim.SGD([p.w1, p.b1, p.w2, p.b2], { lr: MLP.lr });
  let last = NaN;
  return {
    run(n) {
      for (let i = 0; i < n; i++) last = mlpStep(p, opt).item();
    },
    check: () => ({ loss: last }),
  };
}

function w4(): Runner {
  const A = torch.fromArray(uniform(W4_N * W4_N, 21), [W4_N, W4_N]).requiresGrad_(true);
  const B = torch.fromArray(uniform(W4_N * W4_N, 22), [W4_N, W4_N]).requiresGrad_(true);
  const G = torch.fromArray(uniform(W4_N * W4_N, 23), [W4_N, W4_N]);
  let loss = NaN;
  return {
    run(n) {
      for (let i = 0; i < n; i++) {
        A.grad = null;
        B.grad = null;
        const l = A.matmul(B).mul(G).sum();
        loss = l.item();
        l.backward();
      }
    },
    check: () => ({ loss, gA: A.grad!.sum().item(), gB: B.grad!.sum().item() }),
  };
}

function w4f(n: number): () => Runner {
  return () => {
    const A = torch.fromArray(uniform(n * n, 31), [n, n]);
    const B = torch.fromArray(uniform(n * n, 32), [n, n]);
    let c: Tensor | null = null;
    return {
      run(iters) {
        for (let i = 0; i < iters; i++) {
          c?.dispose();
          c = A.matmul(B);
        }
      },
      check: () => ({ sum: c!.sum().item() }),
    };
  };
}

function w5(): Runner {
  const x = torch.tensor([1, 2, 3], { requiresGrad: true });
  return {
    run(n) {
      for (let i = 0; i < n; i++) {
        x.grad = null;
        let y = x;
        for (let k = 0; k < 500; k++) y = y.mul(1.0001).add(0.0001);
        y.sum().backward();
      }
    },
    check: () => ({ gradSum: x.grad!.sum().item() }),
  };
}

/**
 * W7: one Fashion-MNIST epoch of the MLP, written as a PyTorch user would (batches sliced from the
 * tensors in memory, in order; the loss read every step as a progress bar does).
 */
function w7(): Runner | Unsupported {
  const missing = w7Missing();
  if (missing) return { unsupported: missing };
  const d = w7Data();
  const p = w7Params();
  const { inF, hidden, out, batch } = W7;
  const nn = torch.nn;
  const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(inF, hidden), new nn.ReLU(), new nn.Linear(hidden, out));
  model.loadStateDict({
    '1.weight': torch.fromArray(p.w1, [hidden, inF]),
    '1.bias': torch.fromArray(p.b1),
    '3.weight': torch.fromArray(p.w2, [out, hidden]),
    '3.bias': torch.fromArray(p.b2),
  });
  const X = torch.fromArray(d.x, [W7.images, 1, 28, 28]);
  const Y = torch.fromArray(BigInt64Array.from(d.y, (v) => BigInt(v)));
  const opt = new torch.optim.SGD(model.parameters(), { lr: W7.lr, momentum: W7.momentum });
  const losses: number[] = [];
  return {
    run(n) {
      for (let e = 0; e < n; e++) {
        let sum = 0;
        for (let s = 0; s < w7Steps(); s++) {
          torch.scope(() => {
            const len = Math.min(batch, W7.images - s * batch);
            const loss = F.crossEntropy(model(X.narrow(0, s * batch, len)), Y.narrow(0, s * batch, len));
            opt.zeroGrad();
            loss.backward();
            opt.step();
            sum += loss.item();
          });
        }
        losses.push(sum / w7Steps());
      }
    },
    // The first epoch started from the same weights in every system (slow peers run fewer epochs).
    check: () => ({ firstEpochLoss: losses[0] }),
    dispose() {
      X.dispose();
      Y.dispose();
    },
  };
}

/** W8: the small CNN, Adam steps on one fixed batch. */
function w8(): Runner {
  const d = w8Data();
  const nn = torch.nn;
  const model = new nn.Sequential(
    new nn.Conv2d(1, 16, 5, { padding: 2 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(16, 32, 5, { padding: 2 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(1568, 10),
  );
  model.loadStateDict(Object.fromEntries(W8_PARAMS.map(([k, shape], i) => [k, torch.fromArray(d.params[i], shape)])));
  const x = torch.fromArray(d.x, [W8.batch, 1, 28, 28]);
  const y = torch.tensor(Array.from(d.y), { dtype: 'int64' });
  const opt = new torch.optim.Adam(model.parameters(), { lr: W8.lr });
  let loss = NaN;
  return {
    run(n) {
      for (let i = 0; i < n; i++) {
        torch.scope(() => {
          opt.zeroGrad();
          const l = F.crossEntropy(model(x), y);
          loss = l.item();
          l.backward();
          opt.step();
        });
      }
    },
    check: () => torch.scope(() => ({ loss, w: [...model.parameters()].reduce((s, p) => s + p.abs().sum().item(), 0) })),
  };
}

function w9(): Runner {
  const d = w9Data();
  const { N, C, H, W, K } = W9;
  const x = torch.fromArray(d.x, [N, C, H, W]).requiresGrad_(true);
  const w = torch.fromArray(d.w, [C, C, K, K]).requiresGrad_(true);
  const G = torch.fromArray(d.g, [N, C, H, W]);
  let loss = NaN;
  return {
    run(n) {
      for (let i = 0; i < n; i++) {
        x.grad = null;
        w.grad = null;
        torch.scope(() => {
          const l = F.conv2d(x, w, null, { padding: 1 }).mul(G).sum();
          loss = l.item();
          l.backward();
        });
      }
    },
    check: () => torch.scope(() => ({ loss, gx: x.grad!.abs().sum().item(), gw: w.grad!.abs().sum().item() })),
    // Released at once (8 MiB and its gradients), so that later workloads (W6's memory figures) start clean.
    dispose() {
      for (const t of [x.grad, w.grad, x, w, G]) t?.dispose();
    },
  };
}

/** W10: torch.optim.Adam over 10 parameters of 1M float32, with fixed gradients. */
function w10(): Runner {
  const d = w10Data();
  const ps = d.params.map((p) => torch.fromArray(p, [W10.size]).requiresGrad_(true));
  ps.forEach((p, i) => {
    p.grad = torch.fromArray(d.grads[i], [W10.size]);
  });
  const opt = new torch.optim.Adam(ps, { lr: W10.lr });
  return {
    run(n) {
      for (let i = 0; i < n; i++) opt.step();
    },
    check: () => torch.scope(() => ({ absSum: ps.reduce((s, p) => s + p.abs().sum().item(), 0) })),
    dispose() {
      for (const p of ps) {
        p.grad?.dispose();
        p.dispose();
      }
      for (const s of opt.state.values()) for (const v of Object.values(s)) if (v && typeof v === 'object') v.dispose();
    },
  };
}

type Workloads = System['workloads'];

/**
 * The workloads run with `n` threads (torch.setNumThreads before every run and check: the systems
 * take turns in one process, so each sets its own count), once every helper has started.
 */
function withThreads(n: number, workloads: Workloads): Workloads {
  const out: Workloads = {};
  for (const [id, make] of Object.entries(workloads) as [keyof Workloads, NonNullable<Workloads[keyof Workloads]>][]) {
    out[id] = async () => {
      torch.setNumThreads(n);
      if ((await torch._threads.ready()) < n) return { unsupported: `only ${torch.getNumThreads()} thread(s) can run here` };
      const r = await make();
      if ('unsupported' in r) return r;
      return {
        ...r,
        run(k) {
          torch.setNumThreads(n);
          return r.run(k);
        },
        check() {
          torch.setNumThreads(n);
          return r.check();
        },
      };
    };
  }
  return out;
}

const ALL: Workloads = { W1: w1, W2: w2, W3: w3, W4: w4, W4f512: w4f(512), W4f1024: w4f(1024), W5: w5, W7: w7, W8: w8, W9: w9, W10: w10 };

export const asgrad: System = {
  system: 'asgrad',
  backend: 'wasm-simd128',
  threads: 1,
  workloads: withThreads(1, ALL),
};

/** asgrad with 2 threads on the workloads whose products the thread pool splits (issue 14: W4 and W9 >= 1.7x one thread; W3, W7 and W8 show what a default two-core run gains). */
export const asgrad2: System = {
  system: 'asgrad',
  backend: 'wasm-simd128',
  threads: 2,
  workloads: withThreads(2, { W3: w3, W4: w4, W4f512: w4f(512), W4f1024: w4f(1024), W7: w7, W8: w8, W9: w9 }),
};
