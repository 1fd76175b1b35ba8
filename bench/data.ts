// Deterministic inputs shared by every system (so their results can be compared).
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function uniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = prng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * r();
  return a;
}

export function labels(n: number, classes: number, seed: number): Int32Array {
  const r = prng(seed);
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.floor(r() * classes);
  return a;
}

export const MLP = { batch: 128, inF: 784, hidden: 256, out: 10, lr: 0.1 };

/** MLP inputs and initial weights (PyTorch-style uniform bounds). */
export function mlpData() {
  const { batch, inF, hidden, out } = MLP;
  return {
    x: uniform(batch * inF, 1, 0, 1),
    y: labels(batch, out, 2),
    w1: uniform(hidden * inF, 3, -1 / Math.sqrt(inF), 1 / Math.sqrt(inF)), // [hidden, inF]
    b1: uniform(hidden, 4, -1 / Math.sqrt(inF), 1 / Math.sqrt(inF)),
    w2: uniform(out * hidden, 5, -1 / Math.sqrt(hidden), 1 / Math.sqrt(hidden)), // [out, hidden]
    b2: uniform(out, 6, -1 / Math.sqrt(hidden), 1 / Math.sqrt(hidden)),
  };
}

export const W2_N = 1 << 20;
export const W4_N = 512;

/** W9: conv2d of x [N, C, H, W] by w [C, C, 3, 3], padding 1 (same size out). */
export const W9 = { N: 16, C: 64, H: 32, W: 32, K: 3 };
export const W9_FLOP = 2 * W9.N * W9.C * W9.H * W9.W * W9.C * W9.K * W9.K;
/** W9 inputs: x, weight (kaiming-uniform bound) and the fixed output gradient G. */
export function w9Data() {
  const { N, C, H, W, K } = W9;
  const b = 1 / Math.sqrt(C * K * K);
  return { x: uniform(N * C * H * W, 91), w: uniform(C * C * K * K, 92, -b, b), g: uniform(N * C * H * W, 93) };
}

/**
 * W8: the small CNN of WORKLOADS.md (Conv 1->16 5x5 pad 2, ReLU, MaxPool 2, Conv 16->32 5x5 pad 2,
 * ReLU, MaxPool 2, Flatten, Linear 1568->10) trained by Adam (lr 1e-3) on one fixed batch of 64
 * 1x28x28 images; initial weights at PyTorch's default-init bounds (1/sqrt(fan_in)).
 */
export const W8 = { batch: 64, lr: 1e-3 };
export const W8_PARAMS: [string, number[], number][] = [
  ['0.weight', [16, 1, 5, 5], 25],
  ['0.bias', [16], 25],
  ['3.weight', [32, 16, 5, 5], 400],
  ['3.bias', [32], 400],
  ['7.weight', [10, 1568], 1568],
  ['7.bias', [10], 1568],
];
export function w8Data(): { x: Float32Array; y: Int32Array; params: Float32Array[] } {
  return {
    x: uniform(W8.batch * 28 * 28, 81, 0, 1),
    y: labels(W8.batch, 10, 82),
    params: W8_PARAMS.map(([, shape, fanIn], i) => {
      const b = 1 / Math.sqrt(fanIn);
      return uniform(
        shape.reduce((a, d) => a * d, 1),
        83 + i,
        -b,
        b,
      );
    }),
  };
}

/**
 * W10: Adam (lr 1e-3, default betas, eps 1e-8) over 10M float32 parameters in 10 tensors of 1M.
 * `--quick` (a smoke test, not a figure) shrinks the tensors to 100k before any system reads them.
 */
export const W10 = { tensors: 10, size: 1_000_000, lr: 1e-3 };
/** W10 inputs: the parameters and their (fixed) gradients, tensor by tensor (made once; read-only). */
export function w10Data(): { params: Float32Array[]; grads: Float32Array[] } {
  W10_CACHE.data ??= makeW10();
  return W10_CACHE.data;
}
const W10_CACHE: { data?: { params: Float32Array[]; grads: Float32Array[] } } = {};
function makeW10(): { params: Float32Array[]; grads: Float32Array[] } {
  const params: Float32Array[] = [];
  const grads: Float32Array[] = [];
  for (let i = 0; i < W10.tensors; i++) {
    params.push(uniform(W10.size, 101 + i));
    grads.push(uniform(W10.size, 201 + i, -0.1, 0.1));
  }
  return { params, grads };
}
