// TensorFlow.js 4.22 written as its users do: tf.variableGrads / tf.grad inside tf.tidy.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { MLP, mlpData, uniform, W2_N, W4_N, W9, w9Data, W10, w10Data } from '../data.js';
import { W7, w7Data, w7Missing, w7Params, w7Steps } from '../fmnist.js';
import type { Runner, System, Unsupported } from '../types.js';

let wasmReady = false;

async function use(backend: 'wasm' | 'cpu'): Promise<void> {
  if (backend === 'wasm' && !wasmReady) {
    const require = createRequire(import.meta.url);
    setWasmPaths(require.resolve('@tensorflow/tfjs-backend-wasm').replace(/[^/]*$/, ''));
    wasmReady = true;
  }
  if (tf.getBackend() !== backend) await tf.setBackend(backend);
}

function scalar(t: tf.Tensor): number {
  return (t.dataSync() as Float32Array)[0];
}

/** The W3 model in TF.js; `step` trains once and returns the loss (run it inside tf.tidy). */
export function tfMlp(): { step: () => number; dispose: () => void } {
  const d = mlpData();
  const { batch, inF, hidden, out } = MLP;
  const x = tf.tensor2d(d.x, [batch, inF]);
  const y = tf.oneHot(tf.tensor1d(d.y, 'int32'), out);
  // TF.js keeps weights as [in, out]: PyTorch's [out, in] values, transposed.
  const w1 = tf.variable(tf.transpose(tf.tensor2d(d.w1, [hidden, inF])));
  const b1 = tf.variable(tf.tensor1d(d.b1));
  const w2 = tf.variable(tf.transpose(tf.tensor2d(d.w2, [out, hidden])));
  const b2 = tf.variable(tf.tensor1d(d.b2));
  const opt = tf.train.sgd(MLP.lr);
  const loss = () => {
    const h = tf.relu(tf.add(tf.matMul(x, w1), b1));
    return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(h, w2), b2)) as tf.Scalar;
  };
  return {
    step: () => scalar(opt.minimize(loss, true)!),
    dispose: () => tf.dispose([x, y, w1, b1, w2, b2]),
  };
}

/** Runs `g(x)` n times, keeping the last gradient for the check. */
function gradLoop(g: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): Runner {
  let last: tf.Tensor | null = null;
  return {
    run(n) {
      for (let i = 0; i < n; i++) {
        last?.dispose();
        last = g(x);
      }
    },
    check: () => ({ gradSum: tf.tidy(() => scalar(tf.sum(last!))) }),
  };
}

function make(backend: 'wasm' | 'cpu'): System {
  // Every runner switches to its backend first, since the systems are interleaved.
  const wrap = (f: () => Runner | Unsupported) => async (): Promise<Runner | Unsupported> => {
    await use(backend);
    const r = f();
    if ('unsupported' in r) return r;
    return {
      slow: r.slow,
      async run(n) {
        await use(backend);
        await r.run(n);
      },
      async check() {
        await use(backend);
        return r.check();
      },
      dispose: r.dispose,
    };
  };

  const w1 = (): Runner => {
    const X = tf.tensor1d([1, 2, 3, 4]);
    const Y = tf.tensor1d([2, 4, 6, 8]);
    const w = tf.variable(tf.tensor1d([0]));
    const f = () => tf.mean(tf.square(tf.sub(tf.mul(w, X), Y))) as tf.Scalar;
    return {
      run(n) {
        for (let i = 0; i < n; i++) {
          tf.tidy(() => {
            const { grads } = tf.variableGrads(f, [w]);
            w.assign(tf.sub(w, tf.mul(grads[w.name], 0.01)));
          });
        }
      },
      check: () => ({ w: scalar(w) }),
    };
  };

  const w2 = (): Runner => {
    const x = tf.tensor1d(uniform(W2_N, 11));
    const g = tf.grad((x: tf.Tensor) => {
      const y = tf.add(x, 2);
      return tf.mean(tf.mul(tf.mul(y, y), 3));
    });
    return gradLoop(g, x);
  };

  const w3 = (): Runner => {
    const mlp = tfMlp();
    let last = NaN;
    return {
      run(n) {
        for (let i = 0; i < n; i++) last = tf.tidy(mlp.step);
      },
      check: () => ({ loss: last }),
    };
  };

  const w4 = (): Runner => {
    const A = tf.variable(tf.tensor2d(uniform(W4_N * W4_N, 21), [W4_N, W4_N]));
    const B = tf.variable(tf.tensor2d(uniform(W4_N * W4_N, 22), [W4_N, W4_N]));
    const G = tf.tensor2d(uniform(W4_N * W4_N, 23), [W4_N, W4_N]);
    let loss = NaN;
    let grads: tf.NamedTensorMap = {};
    return {
      run(n) {
        for (let i = 0; i < n; i++) {
          for (const g of Object.values(grads)) g.dispose();
          const r = tf.variableGrads(() => tf.sum(tf.mul(tf.matMul(A, B), G)) as tf.Scalar, [A, B]);
          loss = scalar(r.value);
          r.value.dispose();
          grads = r.grads;
        }
      },
      check: () => ({ loss, gA: tf.tidy(() => scalar(tf.sum(grads[A.name]))), gB: tf.tidy(() => scalar(tf.sum(grads[B.name]))) }),
    };
  };

  const w4f = (n: number) => (): Runner => {
    const A = tf.tensor2d(uniform(n * n, 31), [n, n]);
    const B = tf.tensor2d(uniform(n * n, 32), [n, n]);
    let c: tf.Tensor | null = null;
    return {
      run(iters) {
        for (let i = 0; i < iters; i++) {
          c?.dispose();
          c = tf.matMul(A, B);
        }
      },
      check: () => ({ sum: tf.tidy(() => scalar(tf.sum(c!))) }),
    };
  };

  const w5 = (): Runner => {
    const x = tf.tensor1d([1, 2, 3]);
    const g = tf.grad((x: tf.Tensor) => {
      let y = x;
      for (let k = 0; k < 500; k++) y = tf.add(tf.mul(y, 1.0001), 0.0001);
      return tf.sum(y);
    });
    return gradLoop(g, x);
  };

  // W10: tf.train.adam (its eps set to PyTorch's 1e-8) applying fixed gradients to 10 variables.
  const w10 = (): Runner => {
    const d = w10Data();
    const tag = `w10_${backend}_${Date.now()}`;
    const vars = d.params.map((p, i) => tf.variable(tf.tensor1d(p), true, `${tag}_${i}`));
    const grads = d.grads.map((g, i) => ({ name: `${tag}_${i}`, tensor: tf.tensor1d(g) }));
    const opt = tf.train.adam(W10.lr, 0.9, 0.999, 1e-8);
    return {
      run(n) {
        for (let i = 0; i < n; i++) opt.applyGradients(grads);
        for (const v of vars) v.dataSync();
      },
      check: () => ({ absSum: tf.tidy(() => vars.reduce((s, v) => s + scalar(tf.sum(tf.abs(v))), 0)) }),
      dispose: () => {
        opt.dispose();
        tf.dispose([...vars, ...grads.map((g) => g.tensor)]);
      },
    };
  };

  // W7: one Fashion-MNIST epoch, batches sliced in order from the tensors in memory, tf.train.momentum
  // (the same update as PyTorch's SGD with momentum and no dampening), the loss read every step.
  const w7 = (): Runner | Unsupported => {
    const missing = w7Missing();
    if (missing) return { unsupported: missing };
    const d = w7Data();
    const p = w7Params();
    const { inF, hidden, out, batch } = W7;
    const X = tf.tensor2d(d.x, [W7.images, inF]);
    const Y = tf.tidy(() => tf.oneHot(tf.tensor1d(d.y, 'int32'), out));
    const w1 = tf.variable(tf.tidy(() => tf.transpose(tf.tensor2d(p.w1, [hidden, inF]))));
    const b1 = tf.variable(tf.tensor1d(p.b1));
    const w2 = tf.variable(tf.tidy(() => tf.transpose(tf.tensor2d(p.w2, [out, hidden]))));
    const b2 = tf.variable(tf.tensor1d(p.b2));
    const opt = tf.train.momentum(W7.lr, W7.momentum);
    const losses: number[] = [];
    return {
      run(n) {
        for (let e = 0; e < n; e++) {
          let sum = 0;
          for (let s = 0; s < w7Steps(); s++) {
            sum += tf.tidy(() => {
              const len = Math.min(batch, W7.images - s * batch);
              const xb = tf.slice(X, [s * batch, 0], [len, inF]);
              const yb = tf.slice(Y, [s * batch, 0], [len, out]);
              const loss = () => {
                const h = tf.relu(tf.add(tf.matMul(xb, w1), b1));
                return tf.losses.softmaxCrossEntropy(yb, tf.add(tf.matMul(h, w2), b2)) as tf.Scalar;
              };
              return scalar(opt.minimize(loss, true)!);
            });
          }
          losses.push(sum / w7Steps());
        }
      },
      check: () => ({ firstEpochLoss: losses[0] }),
      dispose: () => {
        opt.dispose();
        tf.dispose([X, Y, w1, b1, w2, b2]);
      },
      slow: 'TF.js wasm takes tens of seconds per W7 epoch',
    };
  };

  const w9 = (): Runner | Unsupported => {
    const d = w9Data();
    const { N, C, H, W, K } = W9;
    // TF.js convolves NHWC inputs with [kH, kW, in, out] filters: the same values, transposed.
    const x = tf.variable(tf.tidy(() => tf.transpose(tf.tensor4d(d.x, [N, C, H, W]), [0, 2, 3, 1])));
    const w = tf.variable(tf.tidy(() => tf.transpose(tf.tensor4d(d.w, [C, C, K, K]), [2, 3, 1, 0])));
    const G = tf.tidy(() => tf.transpose(tf.tensor4d(d.g, [N, C, H, W]), [0, 2, 3, 1]));
    const f = () => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'), G)) as tf.Scalar;
    let loss = NaN;
    let grads: tf.NamedTensorMap = {};
    const step = () => {
      for (const g of Object.values(grads)) g.dispose();
      const r = tf.variableGrads(f, [x, w]);
      loss = scalar(r.value);
      r.value.dispose();
      grads = r.grads;
    };
    const dispose = () => tf.dispose([x, w, G, ...Object.values(grads)]);
    try {
      step(); // the gradients TF.js cannot compute fail here (wasm: no Conv2DBackpropFilter kernel)
    } catch (e) {
      dispose();
      return { unsupported: `conv2d's weight gradient fails: ${(e as Error).message}` };
    }
    const absSum = (t: tf.Tensor) => tf.tidy(() => scalar(tf.sum(tf.abs(t))));
    return {
      run(n) {
        for (let i = 0; i < n; i++) step();
      },
      check: () => ({ loss, gx: absSum(grads[x.name]), gw: absSum(grads[w.name]) }),
      dispose,
    };
  };

  const sys: System = {
    system: 'tfjs',
    backend,
    threads: backend === 'wasm' ? 0 : 1,
    start:
      backend === 'wasm'
        ? async () => {
            sys.threads = await tfjsWasmThreads();
          }
        : undefined,
    workloads: {
      W1: wrap(w1),
      W2: wrap(w2),
      W3: wrap(w3),
      W4: wrap(w4),
      W4f512: wrap(w4f(512)),
      W4f1024: wrap(w4f(1024)),
      W5: wrap(w5),
      // tfjs-cpu (plain JavaScript) takes about a minute per W10 round and minutes per W9 run: the wasm
      // backend stands for TF.js there (for W9 it reports why it cannot run it).
      ...(backend === 'wasm'
        ? { W7: wrap(w7), W9: wrap(w9), W10: wrap(w10) }
        : { W7: () => ({ unsupported: 'not timed: tfjs-cpu would take minutes per epoch (see W3); tfjs wasm stands for TF.js' }) }),
    },
  };
  return sys;
}

export const tfjsWasm = make('wasm');
export const tfjsCpu = make('cpu');

/** TF.js wasm's thread count as it reports it (it uses threads when SharedArrayBuffer exists). */
export async function tfjsWasmThreads(): Promise<number> {
  await use('wasm');
  const b = tf.backend() as unknown as { wasm?: { _getThreadsCount?: () => number } };
  return b.wasm?._getThreadsCount?.() ?? 1;
}
