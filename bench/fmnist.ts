// W7's data: the Fashion-MNIST training set from Debian's dataset-fashion-mnist package, parsed
// here (bench code) so every system trains on the same normalised float32 values in memory.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { uniform } from './data.js';

export const FMNIST_DIR = '/usr/share/datasets/fashion-mnist';
/** W7: MLP 784-256-10, SGD lr 0.01 momentum 0.9, batch 64; `--quick` trains on the first 3,200 images. */
export const W7 = { images: 60_000, batch: 64, lr: 0.01, momentum: 0.9, inF: 784, hidden: 256, out: 10, mean: 0.286, std: 0.353 };
export const w7Steps = (): number => Math.ceil(W7.images / W7.batch);

function idx(file: string, magic: number): Uint8Array {
  const raw = gunzipSync(readFileSync(join(FMNIST_DIR, file)));
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (dv.getUint32(0) !== magic) throw new Error(`${file}: not an IDX file of magic ${magic.toString(16)}`);
  const dims = magic & 0xff;
  return raw.subarray(4 + 4 * dims);
}

const CACHE: { data?: { x: Float32Array; y: Int32Array } } = {};

/** Why W7 cannot run here, or null. */
export function w7Missing(): string | null {
  return existsSync(join(FMNIST_DIR, 'train-images-idx3-ubyte.gz'))
    ? null
    : `Fashion-MNIST not found in ${FMNIST_DIR} (apt-get install dataset-fashion-mnist)`;
}

/** The first W7.images training images ([n, 784], scaled to [0, 1] then normalised) and labels. */
export function w7Data(): { x: Float32Array; y: Int32Array } {
  if (CACHE.data && CACHE.data.y.length === W7.images) return CACHE.data;
  const n = W7.images;
  const px = idx('train-images-idx3-ubyte.gz', 0x803);
  const lb = idx('train-labels-idx1-ubyte.gz', 0x801);
  const x = new Float32Array(n * W7.inF);
  // In double, rounded once to float32: torch_server.py computes the same values with numpy float64.
  for (let i = 0; i < x.length; i++) x[i] = (px[i] / 255 - W7.mean) / W7.std;
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = lb[i];
  CACHE.data = { x, y };
  return CACHE.data;
}

/** W7's initial weights at PyTorch's default-init bounds, PyTorch layouts ([out, in]). */
export function w7Params(): { w1: Float32Array; b1: Float32Array; w2: Float32Array; b2: Float32Array } {
  const { inF, hidden, out } = W7;
  const b1 = 1 / Math.sqrt(inF);
  const b2 = 1 / Math.sqrt(hidden);
  return {
    w1: uniform(hidden * inF, 71, -b1, b1),
    b1: uniform(hidden, 72, -b1, b1),
    w2: uniform(out * hidden, 73, -b2, b2),
    b2: uniform(out, 74, -b2, b2),
  };
}
