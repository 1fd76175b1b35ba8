// Fashion-MNIST from a URL base: the four IDX files (gzipped, or not when the .gz is absent), read
// with fetch and DecompressionStream, checked, and turned into tensors scaled to [0, 1] then
// normalised as the issue's recipes are (mean 0.2860, std 0.3530).
import { torch } from '../../build/asgrad.browser.js';

export const MEAN = 0.286;
export const STD = 0.353;

const HOW_TO_GET =
  'Debian/Ubuntu: apt-get install dataset-fashion-mnist (files in /usr/share/datasets/fashion-mnist, which ' +
  '`npm run example:fashion-mnist` serves), or the four *-ubyte.gz files of https://github.com/zalandoresearch/fashion-mnist';

async function fetchBytes(base, name, report) {
  const gz = new URL(`${name}.gz`, base);
  let res = await fetch(gz);
  let gzipped = true;
  if (res.status === 404) {
    res = await fetch(new URL(name, base));
    gzipped = false;
  }
  if (!res.ok) throw new Error(`${name}(.gz) is missing at ${base} (HTTP ${res.status}). ${HOW_TO_GET}`);
  report(`loading ${gzipped ? `${name}.gz` : name}…`);
  const body = gzipped ? res.body.pipeThrough(new DecompressionStream('gzip')) : res.body;
  return new Uint8Array(await new Response(body).arrayBuffer());
}

/** The items of an IDX file after its header: images as [n, rows, cols] bytes, labels as [n] bytes. */
function parseIdx(bytes, name, kind) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const want = kind === 'images' ? 0x803 : 0x801; // unsigned bytes, 3 or 1 dims
  if (bytes.length < 8 || view.getUint32(0) !== want) {
    const got = bytes.length >= 4 ? `0x${view.getUint32(0).toString(16)}` : 'nothing';
    throw new Error(`${name}: not an IDX ${kind} file (magic ${got}, expected 0x${want.toString(16)})`);
  }
  const n = view.getUint32(4);
  const dims = kind === 'images' ? [n, view.getUint32(8), view.getUint32(12)] : [n];
  const offset = 4 + 4 * dims.length;
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== offset + size) throw new Error(`${name}: ${bytes.length} bytes, the header promises ${offset + size}`);
  return { dims, items: bytes.subarray(offset) };
}

async function split(base, prefix, report) {
  const imgName = `${prefix}-images-idx3-ubyte`;
  const lblName = `${prefix}-labels-idx1-ubyte`;
  const img = parseIdx(await fetchBytes(base, imgName, report), imgName, 'images');
  const lbl = parseIdx(await fetchBytes(base, lblName, report), lblName, 'labels');
  if (img.dims[0] !== lbl.dims[0]) throw new Error(`${imgName} has ${img.dims[0]} images but ${lblName} ${lbl.dims[0]} labels`);
  // Bytes to float32 is the one conversion done in JavaScript (the core has no uint8 dtype); the
  // scaling and normalisation run in the core, in place.
  const x = torch.fromArray(new Float32Array(img.items), [img.dims[0], 1, img.dims[1], img.dims[2]]);
  x.div_(255).sub_(MEAN).div_(STD);
  const y = torch.fromArray(lbl.items); // int64, as PyTorch's class labels
  return { x, y };
}

/** Loads the training and test splits from `base` (a URL ending in a slash); `report` gets progress texts. */
export async function loadFashionMNIST(base, report = () => {}) {
  const train = await split(base, 'train', report);
  const test = await split(base, 't10k', report);
  return { trainX: train.x, trainY: train.y, testX: test.x, testY: test.y };
}
