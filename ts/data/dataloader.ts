// torch.utils.data.DataLoader (single process) and default_collate.
//
// Each batch is new tensors that belong to the caller: dispose them when the step is done
// (`x.dispose()`, `using`), or let the FinalizationRegistry reclaim them later. The loader keeps
// no reference to a batch once it has handed it out.
import { Tensor } from '../tensor.js';
import * as V from '../validate.js';
import { torchOps } from '../ops/index.js';
import { Generator, checkGenerator, randint, randperm } from '../ops/random.js';
import { scope } from '../scope.js';
import { type DatasetLike, type Dataset, checkDataset, datasetItem, datasetLength, hasBatch } from './dataset.js';

/**
 * torch.utils.data.default_collate: tensors are stacked along a new first dim; numbers become a
 * float64 tensor, bigints an int64 one, booleans a bool one; strings stay an array; arrays (tuples)
 * and plain objects are collated element by element / key by key.
 */
export function defaultCollate(batch: readonly unknown[]): unknown {
  if (!Array.isArray(batch)) throw new TypeError(`defaultCollate: batch must be an array, not ${V.typeName(batch)}`);
  const first = batch[0];
  if (first instanceof Tensor) return torchOps.stack(batch as Tensor[], 0);
  if (typeof first === 'number') return torchOps.tensor(batch as number[], { dtype: 'float64' });
  if (typeof first === 'bigint') return torchOps.tensor(batch as bigint[]);
  if (typeof first === 'boolean') return torchOps.tensor(batch as boolean[]);
  if (typeof first === 'string') return batch.slice();
  if (Array.isArray(first)) {
    const size = first.length;
    if (batch.some((b) => !Array.isArray(b) || b.length !== size)) throw new Error('each element in list of batch should be of equal size');
    const out: unknown[] = [];
    for (let j = 0; j < size; j++) out.push(defaultCollate(batch.map((b) => (b as unknown[])[j])));
    return out;
  }
  if (first !== null && typeof first === 'object' && Object.getPrototypeOf(first) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(first)) out[k] = defaultCollate(batch.map((b) => (b as Record<string, unknown>)[k]));
    return out;
  }
  throw new TypeError(
    `default_collate: batch must contain tensors, numbers, bigints, booleans, strings, arrays or plain objects; found ${V.typeName(first)}`,
  );
}

/** The type defaultCollate makes of a batch of samples of type T. */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | bigint | boolean
    ? Tensor
    : T extends string
      ? string[]
      : T extends readonly unknown[]
        ? { -readonly [K in keyof T]: Collated<T[K]> }
        : T extends object
          ? { [K in keyof T]: Collated<T[K]> }
          : unknown;

export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1); null yields the samples one by one, uncollated (PyTorch's batch_size=None). */
  batchSize?: number | null;
  /** Reshuffle at every epoch (a randperm of `generator`, default the default generator). */
  shuffle?: boolean;
  /** Drop the last incomplete batch. */
  dropLast?: boolean;
  /** Merges a list of samples into a batch (default: defaultCollate). */
  collateFn?: (samples: T[]) => B;
  generator?: Generator | null;
}

const LOADER_OPTS = V.optionSpec('DataLoader', { batchSize: 'any', shuffle: 'any', dropLast: 'any', collateFn: 'any', generator: 'any' }, [
  'sampler',
  'batchSampler',
  'numWorkers',
  'pinMemory',
  'timeout',
  'workerInitFn',
  'multiprocessingContext',
  'prefetchFactor',
  'persistentWorkers',
  'pinMemoryDevice',
]);

/**
 * torch.utils.data.DataLoader: `for (const [x, y] of loader)` iterates over batches; `loader.length`
 * is `len(loader)`. With the default collate and a dataset that has `getBatch` (TensorDataset,
 * the image datasets, Subsets of them) each batch is one index_select per tensor.
 */
export class DataLoader<T = unknown, B = Collated<T>> implements Iterable<B> {
  readonly dataset: DatasetLike<T>;
  readonly batchSize: number | null;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly generator: Generator | null;
  readonly collateFn: (samples: T[]) => B;
  readonly #defaultCollate: boolean;

  constructor(dataset: DatasetLike<T>, opts?: DataLoaderOptions<T, B>) {
    checkDataset(dataset, 'DataLoader');
    V.options(LOADER_OPTS, opts);
    const o = opts ?? {};
    const bs = o.batchSize === undefined ? 1 : o.batchSize;
    if (bs !== null && (typeof bs !== 'number' || !Number.isInteger(bs) || bs <= 0))
      throw new Error(`batch_size should be a positive integer value, but got batch_size=${String(bs)}`);
    const shuffle = o.shuffle ?? false;
    if (typeof shuffle !== 'boolean') throw new TypeError(`shuffle should be a boolean value, but got shuffle=${String(shuffle)}`);
    const dropLast = o.dropLast ?? false;
    if (typeof dropLast !== 'boolean') throw new TypeError(`drop_last should be a boolean value, but got drop_last=${String(dropLast)}`);
    if (bs === null && dropLast) throw new Error('batch_size=None option disables auto-batching and is mutually exclusive with drop_last');
    checkGenerator(o.generator, 'DataLoader');
    if (o.collateFn !== undefined && typeof o.collateFn !== 'function')
      throw new TypeError(`DataLoader: collateFn must be a function, not ${V.typeName(o.collateFn)}`);
    const n = datasetLength(dataset);
    // RandomSampler's check, made when PyTorch builds it (in the DataLoader's constructor).
    if (shuffle && n <= 0) throw new Error(`num_samples should be a positive integer value, but got num_samples=${n}`);
    this.dataset = dataset;
    this.batchSize = bs;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.generator = o.generator ?? null;
    this.#defaultCollate = o.collateFn === undefined;
    this.collateFn = o.collateFn ?? (defaultCollate as (samples: T[]) => B);
  }

  /** PyTorch's len(loader): batches per epoch. */
  get length(): number {
    const n = datasetLength(this.dataset);
    if (this.batchSize === null) return n;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  *[Symbol.iterator](): Iterator<B> {
    const n = datasetLength(this.dataset);
    // PyTorch's iterator draws a base seed for its workers from the loader's generator (or the
    // default one) at every epoch; drawn here too, so the streams advance as PyTorch's do.
    randint(0, 2n ** 63n - 1n, [], { generator: this.generator }).dispose();
    let order: Tensor;
    if (this.shuffle) {
      // RandomSampler: the loader's generator, else a fresh one seeded from the default generator.
      let gen = this.generator;
      if (gen === null) {
        const seed = randint(0, 2n ** 63n - 1n, [], {});
        const s = (seed.toArray() as BigInt64Array)[0];
        seed.dispose();
        gen = new Generator().manualSeed(s);
      }
      order = randperm(n, { generator: gen });
    } else order = torchOps.arange(n);
    try {
      const bs = this.batchSize;
      if (bs === null) {
        const idx = Array.from(order.toArray() as BigInt64Array, Number);
        for (const i of idx) yield datasetItem(this.dataset, i) as unknown as B;
        return;
      }
      const batches = this.length;
      const fast = this.#defaultCollate && hasBatch(this.dataset);
      const flat = fast ? null : Array.from(order.toArray() as BigInt64Array, Number);
      for (let b = 0; b < batches; b++) {
        const start = b * bs;
        const len = Math.min(bs, n - start);
        // In a scope: the samples' own tensors (views made by getItem) are released once collated;
        // what the collate returns survives it and is the caller's.
        if (fast) {
          yield scope(() => (this.dataset as Dataset<T>).getBatch?.(order.narrow(0, start, len)) as unknown as B);
        } else {
          yield scope(() => {
            const samples: T[] = [];
            // biome-ignore lint/style/noNonNullAssertion: flat is set when not on the fast path
            for (let k = start; k < start + len; k++) samples.push(datasetItem(this.dataset, flat![k]));
            return this.collateFn(samples);
          });
        }
      }
    } finally {
      order.dispose();
    }
  }
}
