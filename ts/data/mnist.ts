// The MNIST family of image datasets (torchvision.datasets.MNIST / FashionMNIST), read from the IDX
// files, gzipped or not: from a folder where the host has a file system (Node, Deno, Bun, through
// process.getBuiltinModule, so no `node:` import reaches the browser bundle), from a URL base
// elsewhere (fetch). Gzip is undone by the host's DecompressionStream.
import { Tensor } from '../tensor.js';
import { kernel, memoryBuffer, nodeModule } from '../core/wasm.js';
import { noGrad } from '../grad_mode.js';
import * as V from '../validate.js';
import { TensorDataset } from './dataset.js';

/** Where the files are: a folder path or a URL (base) string, or a URL. */
export type DataSource = string | URL;

/** Options of `MNIST.load` / `FashionMNIST.load`. */
export interface MNISTLoadOptions {
  /** The training split (60,000 images) or the test split (10,000). Default true. */
  train?: boolean;
  /** Subtract `mean` and divide by `std` after scaling to [0, 1] (torchvision's Normalize). */
  normalize?: { mean: number; std: number } | null;
  /** Keep only the first `limit` samples. */
  limit?: number | null;
}

const LOAD_OPTS = V.optionSpec('MNIST.load', { train: 'bool', normalize: 'any', limit: 'any' }, [
  'download',
  'transform',
  'targetTransform',
]);

/** What distinguishes one dataset of the family from another. */
/** What tells one IDX image family from another: its name, class names and where to get its files. */
export interface FamilyInfo {
  name: string;
  classes: readonly string[];
  /** How to get the files, for the missing-file error. */
  howToGet: string;
}

/** An IDX file's dimensions and where its bytes start. */
export interface IdxHeader {
  dims: number[];
  offset: number;
}

/**
 * Checks an IDX file of unsigned bytes (magic 0x00000800 | ndim) with `ndim` dimensions and
 * exactly the bytes its header announces; `what` names the file in the errors.
 */
export function parseIdx(bytes: Uint8Array, ndim: number, what: string): IdxHeader {
  if (bytes.length < 4) throw new Error(`${what}: not an IDX file (${bytes.length} bytes, shorter than the 4-byte magic number)`);
  const magic = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  const hex = `0x${magic.toString(16).padStart(8, '0')}`;
  if (bytes[0] !== 0 || bytes[1] !== 0) throw new Error(`${what}: not an IDX file (magic number ${hex}, expected 0x0000080${ndim})`);
  if (bytes[2] !== 0x08)
    throw new Error(`${what}: IDX data type 0x${bytes[2].toString(16).padStart(2, '0')} is not unsigned bytes (0x08); magic number ${hex}`);
  if (bytes[3] !== ndim)
    throw new Error(
      `${what}: expected an IDX file of ${ndim} dimension${ndim > 1 ? 's' : ''} (magic 0x0000080${ndim}), got ${bytes[3]} (magic ${hex})`,
    );
  const offset = 4 + 4 * ndim;
  if (bytes.length < offset) throw new Error(`${what}: truncated IDX header (${bytes.length} bytes, the header needs ${offset})`);
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) {
    const p = 4 + 4 * i;
    dims.push(((bytes[p] << 24) | (bytes[p + 1] << 16) | (bytes[p + 2] << 8) | bytes[p + 3]) >>> 0);
  }
  const need = dims.reduce((a, b) => a * b, 1);
  if (bytes.length - offset !== need)
    throw new Error(`${what}: the header announces ${dims.join(' x ')} = ${need} bytes of data, the file holds ${bytes.length - offset}`);
  return { dims, offset };
}

/** The bytes of a gzip stream (magic 1f 8b) decompressed, others as they are. */
export async function gunzipIfNeeded(bytes: Uint8Array, what: string): Promise<Uint8Array> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  // Node's zlib where the host has it (about twice as fast as its DecompressionStream), else the web API.
  const zlib = nodeModule<{ gunzip(b: Uint8Array, cb: (e: Error | null, r: Uint8Array) => void): void }>('node:zlib');
  if (zlib) {
    return new Promise((resolve, reject) =>
      zlib.gunzip(bytes, (e, r) =>
        e ? reject(new Error(`${what}: corrupt gzip data (${e.message})`)) : resolve(new Uint8Array(r.buffer, r.byteOffset, r.length)),
      ),
    );
  }
  const DS = (globalThis as { DecompressionStream?: new (format: string) => TransformStream<Uint8Array, Uint8Array> }).DecompressionStream;
  if (!DS) throw new Error(`${what}: this host has no DecompressionStream to read a gzipped file; give the uncompressed file instead`);
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DS('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new Error(`${what}: corrupt gzip data (${(e as Error).message})`);
  }
}

interface FsPromises {
  readFile(path: string | URL): Promise<Uint8Array>;
}
interface NodePath {
  join(...parts: string[]): string;
}

function isUrlString(s: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^(blob|data):/i.test(s);
}

/** Reads `name` (or `name.gz`) from `source`; null when neither exists. */
async function readOne(source: DataSource, name: string): Promise<{ bytes: Uint8Array; tried: string[] }> {
  const candidates = [`${name}.gz`, name];
  const tried: string[] = [];
  const src = String(source);
  const fs = nodeModule<{ promises: FsPromises }>('node:fs');
  const path = nodeModule<NodePath>('node:path');
  const local = fs && path && (source instanceof URL ? source.protocol === 'file:' : !isUrlString(src) || src.startsWith('file:'));
  for (const c of candidates) {
    if (local && fs && path) {
      const where = source instanceof URL || src.startsWith('file:') ? new URL(c, src.endsWith('/') ? src : `${src}/`) : path.join(src, c);
      tried.push(String(where));
      try {
        return { bytes: await fs.promises.readFile(where), tried };
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
      }
    } else {
      const base = src.endsWith('/') ? src : `${src}/`;
      const url = `${base}${c}`;
      tried.push(url);
      let res: Response;
      try {
        res = await fetch(url);
      } catch (e) {
        throw new Error(`fetching ${url} failed: ${(e as Error).message}`);
      }
      if (res.ok) return { bytes: new Uint8Array(await res.arrayBuffer()), tried };
      if (res.status !== 404) throw new Error(`fetching ${url} failed: HTTP ${res.status}`);
    }
  }
  throw Object.assign(new Error('missing'), { tried });
}

/** Copies bytes into the core and converts them there: pixels to float32 / 255, labels to int64. */
function bytesToTensor(bytes: Uint8Array, shape: number[], kind: 'images' | 'labels'): Tensor {
  const out = Tensor._empty(shape, kind === 'images' ? 'float32' : 'int64');
  const n = bytes.length;
  if (n === 0) return out;
  const raw = Tensor._empty([n], 'bool');
  try {
    // Both tensors exist before any pointer is fetched (no storage may be made in between).
    const po = out._ptr('MNIST.load');
    const pr = raw._ptr('MNIST.load');
    new Uint8Array(memoryBuffer(), pr, n).set(bytes);
    if (kind === 'images') kernel('u8_to_f32_div')(po, pr, n, 255);
    else kernel('u8_to_i64')(po, pr, n);
  } finally {
    raw.dispose();
  }
  return out;
}

/**
 * torchvision.datasets.MNIST's counterpart: `await MNIST.load(root, { train })`. Sample i is
 * `[image, label]`: a float32 [1, 28, 28] image in [0, 1] (or normalised) and an int64 0-d label.
 * `data` ([N, 1, 28, 28]) and `targets` ([N]) are the dataset's own tensors: `dispose()` frees them.
 */
export class MNIST extends TensorDataset {
  /** The family's name, class names and how to get its files (used in messages). */
  static readonly info: FamilyInfo = {
    name: 'MNIST',
    classes: ['0 - zero', '1 - one', '2 - two', '3 - three', '4 - four', '5 - five', '6 - six', '7 - seven', '8 - eight', '9 - nine'],
    howToGet:
      'download train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz from https://ossci-datasets.s3.amazonaws.com/mnist/ into it',
  };
  /** The images, float32 [N, 1, 28, 28]. */
  readonly data: Tensor;
  /** The labels, int64 [N]. */
  readonly targets: Tensor;
  /** Whether this is the training split. */
  readonly train: boolean;
  /** The class names, by label (torchvision's `classes`). */
  readonly classes: readonly string[];

  /** Wraps tensors already loaded (`load` is the usual way in): images [N, 1, 28, 28], labels [N]. */
  constructor(data: Tensor, targets: Tensor, train = true) {
    super(data, targets);
    this.data = data;
    this.targets = targets;
    this.train = train;
    this.classes = (this.constructor as typeof MNIST).info.classes;
  }

  /** Reads the split's two IDX files from `root` (a folder, or a URL base in a browser). */
  static async load(root: DataSource, opts?: MNISTLoadOptions): Promise<MNIST> {
    const { data, targets, train } = await loadFamily(MNIST.info, root, opts);
    return new MNIST(data, targets, train);
  }

  /**
   * The dataset from the bytes of the two uncompressed IDX files (images, labels), synchronously:
   * for hosts that got the bytes themselves (a worker handed them, a bundle embeds them).
   */
  static fromIdx(images: Uint8Array, labels: Uint8Array, opts?: MNISTLoadOptions): MNIST {
    const { data, targets, train } = fromBytes(MNIST.info, images, labels, opts);
    return new MNIST(data, targets, train);
  }

  /** Frees `data` and `targets`. */
  dispose(): void {
    this.data.dispose();
    this.targets.dispose();
  }
}

interface Loaded {
  data: Tensor;
  targets: Tensor;
  train: boolean;
}

function checkLoadOptions(info: FamilyInfo, entry: string, opts?: MNISTLoadOptions): void {
  V.options({ ...LOAD_OPTS, entry: `${info.name}.${entry}` }, opts);
  const norm = opts?.normalize ?? null;
  if (norm !== null && (typeof norm !== 'object' || typeof norm.mean !== 'number' || typeof norm.std !== 'number'))
    throw new TypeError(`${info.name}.${entry}: normalize must be { mean: number, std: number }`);
  const limit = opts?.limit ?? null;
  if (limit !== null && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0))
    throw new TypeError(`${info.name}.${entry}: limit must be a non-negative int, got ${String(limit)}`);
}

/** The tensors of a split from its two uncompressed IDX files (checked first). */
function fromBytes(info: FamilyInfo, imgBytes: Uint8Array, lblBytes: Uint8Array, opts?: MNISTLoadOptions, names?: string[]): Loaded {
  if (!(imgBytes instanceof Uint8Array) || !(lblBytes instanceof Uint8Array))
    throw new TypeError(`${info.name}.fromIdx: images and labels must be Uint8Arrays (the IDX files' bytes)`);
  checkLoadOptions(info, names ? 'load' : 'fromIdx', opts);
  const train = opts?.train ?? true;
  const norm = opts?.normalize ?? null;
  const limit = opts?.limit ?? null;
  const [imgName, lblName] = names ?? ['images', 'labels'];
  for (const [b, what] of [
    [imgBytes, imgName],
    [lblBytes, lblName],
  ] as const) {
    if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b)
      throw new Error(`${info.name}.fromIdx: ${what} is gzipped: decompress it first, or use load()`);
  }
  const img = parseIdx(imgBytes, 3, imgName);
  const lbl = parseIdx(lblBytes, 1, lblName);
  const [n, rows, cols] = img.dims;
  if (lbl.dims[0] !== n) throw new Error(`${info.name}: ${imgName} holds ${n} images but ${lblName} holds ${lbl.dims[0]} labels`);
  const count = limit === null ? n : Math.min(limit, n);
  const data = bytesToTensor(imgBytes.subarray(img.offset, img.offset + count * rows * cols), [count, 1, rows, cols], 'images');
  if (norm) noGrad(() => data.sub_(norm.mean).div_(norm.std));
  const targets = bytesToTensor(lblBytes.subarray(lbl.offset, lbl.offset + count), [count], 'labels');
  return { data, targets, train };
}

async function loadFamily(info: FamilyInfo, root: DataSource, opts?: MNISTLoadOptions): Promise<Loaded> {
  if (typeof root !== 'string' && !(root instanceof URL))
    throw new TypeError(`${info.name}.load: root must be a folder path or URL, not ${V.typeName(root)}`);
  checkLoadOptions(info, 'load', opts);
  const prefix = (opts?.train ?? true) ? 'train' : 't10k';
  const files = [`${prefix}-images-idx3-ubyte`, `${prefix}-labels-idx1-ubyte`];
  const read = async (name: string): Promise<Uint8Array> => {
    let got: { bytes: Uint8Array; tried: string[] };
    try {
      got = await readOne(root, name);
    } catch (e) {
      const tried = (e as { tried?: string[] }).tried;
      if (!tried) throw e;
      throw new Error(
        `${info.name}: cannot find ${name} (or ${name}.gz) in ${String(root)} (tried ${tried.join(', ')}). ` +
          `To get the files: ${info.howToGet}.`,
      );
    }
    return gunzipIfNeeded(got.bytes, name);
  };
  // Both files are fetched at once, but a failure is reported in file order (images first), so the
  // message does not depend on which request happened to fail first.
  const [img, lbl] = await Promise.allSettled(files.map(read));
  if (img.status === 'rejected') throw img.reason;
  if (lbl.status === 'rejected') throw lbl.reason;
  const imgBytes = img.value;
  const lblBytes = lbl.value;
  return fromBytes(info, imgBytes, lblBytes, opts, files);
}

/** torchvision.datasets.FashionMNIST's counterpart (Zalando's 28x28 clothing images, 10 classes). */
export class FashionMNIST extends MNIST {
  /** Fashion-MNIST's name, class names and download instructions. */
  static override readonly info: FamilyInfo = {
    name: 'FashionMNIST',
    classes: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    howToGet:
      "on Debian/Ubuntu `apt-get install dataset-fashion-mnist` puts them in /usr/share/datasets/fashion-mnist; or download train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz from http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/ (Zalando's Fashion-MNIST) into the folder",
  };

  static override fromIdx(images: Uint8Array, labels: Uint8Array, opts?: MNISTLoadOptions): FashionMNIST {
    const { data, targets, train } = fromBytes(FashionMNIST.info, images, labels, opts);
    return new FashionMNIST(data, targets, train);
  }

  static override async load(root: DataSource, opts?: MNISTLoadOptions): Promise<FashionMNIST> {
    const { data, targets, train } = await loadFamily(FashionMNIST.info, root, opts);
    return new FashionMNIST(data, targets, train);
  }
}
