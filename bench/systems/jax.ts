// jax-js 0.1 on its wasm device, eager and jit, with its reference-counted ownership (`.ref`).
// In Node it needs init('wasm') and an await of blockUntilReady() every step.
import { init, numpy as np, nn, lax, grad, valueAndGrad, jit, blockUntilReady } from '@jax-js/jax';
import type { Array as JArray } from '@jax-js/jax';
import { MLP, mlpData, uniform, W2_N, W4_N, W9, w9Data, W10, w10Data } from '../data.js';
import { W7, w7Data, w7Missing, w7Params, w7Steps } from '../fmnist.js';
import type { Runner, System, Unsupported } from '../types.js';

let ready: Promise<unknown> | null = null;
const start = () => (ready ??= init('wasm'));
const first = async (a: JArray): Promise<number> => ((await a.ref.data()) as Float32Array)[0];
const arr = (d: Float32Array, shape?: number[]) => (shape ? np.array(d).reshape(shape) : np.array(d));

/** Runs `g(x)` n times (x kept by reference), keeping the last gradient for the check. */
function gradLoop(g: (x: JArray) => JArray, x: JArray): Runner {
  let last: JArray | null = null;
  return {
    async run(n) {
      for (let i = 0; i < n; i++) {
        last?.dispose();
        last = g(x.ref);
        await blockUntilReady(last);
      }
    },
    check: async () => ({ gradSum: await first(np.sum(last!.ref)) }),
  };
}

function make(mode: 'eager' | 'jit'): System {
  const J = <F extends (...a: JArray[]) => JArray | JArray[]>(f: F): F => (mode === 'jit' ? (jit(f) as unknown as F) : f);

  const w1 = async (): Promise<Runner> => {
    await start();
    const X = arr(new Float32Array([1, 2, 3, 4]));
    const Y = arr(new Float32Array([2, 4, 6, 8]));
    let w = arr(new Float32Array([0]));
    const loss = (w: JArray) => np.mean(np.square(w.mul(X.ref).sub(Y.ref)));
    const step = J((w: JArray) => w.ref.sub(grad(loss)(w).mul(0.01)));
    return {
      async run(n) {
        for (let i = 0; i < n; i++) {
          w = step(w);
          await blockUntilReady(w);
        }
      },
      check: async () => ({ w: await first(w) }),
    };
  };

  const w2 = async (): Promise<Runner> => {
    await start();
    const x = arr(uniform(W2_N, 11));
    const loss = (x: JArray) => {
      const y = x.add(2);
      return np.mean(y.ref.mul(y).mul(3));
    };
    const g = J((x: JArray) => grad(loss)(x));
    return gradLoop(g, x);
  };

  const w3 = async (): Promise<Runner> => {
    await start();
    const d = mlpData();
    const { batch, inF, hidden, out } = MLP;
    const x = arr(d.x, [batch, inF]);
    const y = nn.oneHot(np.array(d.y), out);
    // [in, out] layouts holding PyTorch's [out, in] values transposed.
    let p = [arr(d.w1, [hidden, inF]).transpose(), arr(d.b1), arr(d.w2, [out, hidden]).transpose(), arr(d.b2)];
    const loss = (w1: JArray, b1: JArray, w2: JArray, b2: JArray) => {
      const h = nn.relu(np.matmul(x.ref, w1).add(b1));
      const logp = nn.logSoftmax(np.matmul(h, w2).add(b2), -1);
      return np.mean(np.sum(logp.mul(y.ref), -1)).mul(-1);
    };
    const step = J((w1: JArray, b1: JArray, w2: JArray, b2: JArray) => {
      const [l, gs] = valueAndGrad(loss, { argnums: [0, 1, 2, 3] })(w1.ref, b1.ref, w2.ref, b2.ref) as unknown as [JArray, JArray[]];
      return [l, w1.sub(gs[0].mul(MLP.lr)), b1.sub(gs[1].mul(MLP.lr)), w2.sub(gs[2].mul(MLP.lr)), b2.sub(gs[3].mul(MLP.lr))];
    });
    let last = NaN;
    return {
      async run(n) {
        for (let i = 0; i < n; i++) {
          const [l, ...np2] = step(p[0], p[1], p[2], p[3]) as JArray[];
          p = np2;
          last = await first(l);
          l.dispose();
        }
      },
      check: () => ({ loss: last }),
    };
  };

  // W7: one Fashion-MNIST epoch; batches sliced in order from the arrays in memory, SGD with
  // momentum written as PyTorch's (buf = m·buf + g; p -= lr·buf), the loss read every step.
  const w7 = async (): Promise<Runner | Unsupported> => {
    const missing = w7Missing();
    if (missing) return { unsupported: missing };
    await start();
    const d = w7Data();
    const w = w7Params();
    const { inF, hidden, out, batch } = W7;
    const X = arr(d.x, [W7.images, inF]);
    const Y = nn.oneHot(np.array(d.y), out);
    let p = [arr(w.w1, [hidden, inF]).transpose(), arr(w.b1), arr(w.w2, [out, hidden]).transpose(), arr(w.b2)];
    let bufs = [np.zeros([inF, hidden]), np.zeros([hidden]), np.zeros([hidden, out]), np.zeros([out])];
    const loss = (w1: JArray, b1: JArray, w2: JArray, b2: JArray, xb: JArray, yb: JArray) => {
      const h = nn.relu(np.matmul(xb, w1).add(b1));
      const logp = nn.logSoftmax(np.matmul(h, w2).add(b2), -1);
      return np.mean(np.sum(logp.mul(yb), -1)).mul(-1);
    };
    const step = J(
      (w1: JArray, b1: JArray, w2: JArray, b2: JArray, m1: JArray, m2: JArray, m3: JArray, m4: JArray, xb: JArray, yb: JArray) => {
        const [l, gs] = valueAndGrad(loss, { argnums: [0, 1, 2, 3] })(w1.ref, b1.ref, w2.ref, b2.ref, xb, yb) as unknown as [
          JArray,
          JArray[],
        ];
        const ms = [m1, m2, m3, m4].map((m, k) => m.mul(W7.momentum).add(gs[k]));
        const ps = [w1, b1, w2, b2].map((q, k) => q.sub(ms[k].ref.mul(W7.lr)));
        return [l, ...ps, ...ms];
      },
    );
    const losses: number[] = [];
    return {
      async run(n) {
        for (let e = 0; e < n; e++) {
          let sum = 0;
          for (let s = 0; s < w7Steps(); s++) {
            const end = Math.min(W7.images, (s + 1) * batch);
            const xb = X.ref.slice([s * batch, end]);
            const yb = Y.ref.slice([s * batch, end]);
            const [l, ...rest] = step(p[0], p[1], p[2], p[3], bufs[0], bufs[1], bufs[2], bufs[3], xb, yb) as JArray[];
            p = rest.slice(0, 4);
            bufs = rest.slice(4);
            sum += await first(l);
            l.dispose();
          }
          losses.push(sum / w7Steps());
        }
      },
      check: () => ({ firstEpochLoss: losses[0] }),
      ...(mode === 'eager' ? { slow: 'jax-js eager takes tens of seconds per W7 epoch' } : {}),
    };
  };

  const w4 = async (): Promise<Runner> => {
    await start();
    const A = arr(uniform(W4_N * W4_N, 21), [W4_N, W4_N]);
    const B = arr(uniform(W4_N * W4_N, 22), [W4_N, W4_N]);
    const G = arr(uniform(W4_N * W4_N, 23), [W4_N, W4_N]);
    const loss = (A: JArray, B: JArray) => np.sum(np.matmul(A, B).mul(G.ref));
    const vg = J((A: JArray, B: JArray) => {
      const [v, gs] = valueAndGrad(loss, { argnums: [0, 1] })(A, B) as unknown as [JArray, JArray[]];
      return [v, gs[0], gs[1]];
    });
    let res: JArray[] = [];
    let lossValue = NaN;
    return {
      async run(n) {
        for (let i = 0; i < n; i++) {
          for (const r of res) r.dispose();
          res = vg(A.ref, B.ref) as JArray[];
          lossValue = await first(res[0]);
          await blockUntilReady(res);
        }
      },
      check: async () => ({ loss: lossValue, gA: await first(np.sum(res[1].ref)), gB: await first(np.sum(res[2].ref)) }),
    };
  };

  const w4f = (n: number) => async (): Promise<Runner> => {
    await start();
    const A = arr(uniform(n * n, 31), [n, n]);
    const B = arr(uniform(n * n, 32), [n, n]);
    const mm = J((a: JArray, b: JArray) => np.matmul(a, b));
    let c: JArray | null = null;
    return {
      async run(iters) {
        for (let i = 0; i < iters; i++) {
          c?.dispose();
          c = mm(A.ref, B.ref);
          await blockUntilReady(c);
        }
      },
      check: async () => ({ sum: await first(np.sum(c!.ref)) }),
    };
  };

  const w5 = async (): Promise<Runner> => {
    await start();
    const x = arr(new Float32Array([1, 2, 3]));
    const loss = (x: JArray) => {
      let y = x;
      for (let k = 0; k < 500; k++) y = y.mul(1.0001).add(0.0001);
      return np.sum(y);
    };
    const g = J((x: JArray) => grad(loss)(x));
    return gradLoop(g, x);
  };

  // W10: Adam written with jax-js numpy (PyTorch's formula; jax-js 0.1 has no optimizer package
  // installed here), one call per parameter tensor; the step's scalars enter as 0-d arrays so
  // the jit traces once.
  const w10 = async (): Promise<Runner> => {
    await start();
    const d = w10Data();
    let ps = d.params.map((p) => arr(p));
    const gs = d.grads.map((g) => arr(g));
    let ms = ps.map(() => np.zeros([W10.size]));
    let vs = ps.map(() => np.zeros([W10.size]));
    const upd = J((p: JArray, g: JArray, m: JArray, v: JArray, stepSize: JArray, bc2s: JArray) => {
      const m2 = m.mul(0.9).add(g.ref.mul(0.1));
      const v2 = v.mul(0.999).add(g.ref.mul(g).mul(0.001));
      const den = np.sqrt(v2.ref).div(bc2s).add(1e-8);
      return [p.sub(m2.ref.mul(stepSize).div(den)), m2, v2];
    });
    let t = 0;
    return {
      async run(n) {
        for (let i = 0; i < n; i++) {
          t++;
          const stepSize = W10.lr / (1 - 0.9 ** t);
          const bc2s = Math.sqrt(1 - 0.999 ** t);
          const out = ps.map((p, k) => upd(p, gs[k].ref, ms[k], vs[k], np.array([stepSize]), np.array([bc2s])) as JArray[]);
          ps = out.map((o) => o[0]);
          ms = out.map((o) => o[1]);
          vs = out.map((o) => o[2]);
          await blockUntilReady(ps);
        }
      },
      check: async () => {
        let s = 0;
        for (const p of ps) s += await first(np.sum(np.abs(p.ref)));
        return { absSum: s };
      },
    };
  };

  const w9 = async (): Promise<Runner> => {
    await start();
    const d = w9Data();
    const { N, C, H, W, K } = W9;
    const x = arr(d.x, [N, C, H, W]);
    const w = arr(d.w, [C, C, K, K]);
    const G = arr(d.g, [N, C, H, W]);
    const loss = (x: JArray, w: JArray) => np.sum(lax.conv(x, w, [1, 1], 'SAME').mul(G.ref));
    const vg = J((x: JArray, w: JArray) => {
      const [v, gs] = valueAndGrad(loss, { argnums: [0, 1] })(x, w) as unknown as [JArray, JArray[]];
      return [v, gs[0], gs[1]];
    });
    let res: JArray[] = [];
    let lossValue = NaN;
    return {
      async run(n) {
        for (let i = 0; i < n; i++) {
          for (const r of res) r.dispose();
          res = vg(x.ref, w.ref) as JArray[];
          lossValue = await first(res[0]);
          await blockUntilReady(res);
        }
      },
      check: async () => ({
        loss: lossValue,
        gx: await first(np.sum(np.abs(res[1].ref))),
        gw: await first(np.sum(np.abs(res[2].ref))),
      }),
      slow: 'jax-js takes tens of seconds per W9 iteration',
    };
  };

  return {
    system: 'jax-js',
    backend: `wasm-${mode}`,
    threads: 1,
    workloads: { W1: w1, W2: w2, W3: w3, W4: w4, W4f512: w4f(512), W4f1024: w4f(1024), W5: w5, W7: w7, W9: w9, W10: w10 },
  };
}

export const jaxEager = make('eager');
export const jaxJit = make('jit');
