// torch.utils.data's datasets: Dataset, TensorDataset, Subset, randomSplit.
//
// JavaScript has no `dataset[i]`: a dataset is indexed by `getItem(i)` and sized by `length`.
// A dataset may also answer a whole batch at once (`getBatch(indices)`, an int64 tensor of
// indices): the DataLoader then skips the per-sample calls and the collation, which for tensors
// is one index_select kernel per tensor instead of a JS loop over samples.
import type { Tensor } from '../tensor.js';
import * as V from '../validate.js';
import { torchOps } from '../ops/index.js';
import { type Generator, checkGenerator } from '../ops/random.js';

/** Anything the DataLoader can read: a Dataset, or an array of samples (as PyTorch takes a list). */
export type DatasetLike<T> = Dataset<T> | readonly T[];

/** torch.utils.data.Dataset: subclass it and implement `getItem(index)` and `length`. */
export abstract class Dataset<T = unknown> {
  /** The sample at `index` (PyTorch's `__getitem__`). */
  abstract getItem(index: number): T;
  /** The number of samples (PyTorch's `__len__`). */
  abstract get length(): number;
  /**
   * Optional fast path: the collated batch of the samples at `indices` (int64, 1-D). Only used with
   * the default collate; it must equal `defaultCollate(indices.map(getItem))`.
   */
  getBatch?(indices: Tensor): T;
}

export function datasetLength(d: DatasetLike<unknown>): number {
  return Array.isArray(d) ? d.length : (d as Dataset<unknown>).length;
}
export function datasetItem<T>(d: DatasetLike<T>, i: number): T {
  return Array.isArray(d) ? (d as readonly T[])[i] : (d as Dataset<T>).getItem(i);
}

function checkDataset(d: unknown, entry: string): void {
  if (Array.isArray(d)) return;
  const ds = d as Dataset<unknown> | null;
  if (ds === null || typeof ds !== 'object' || typeof ds.getItem !== 'function' || typeof ds.length !== 'number')
    throw new TypeError(`${entry}: dataset must be a Dataset (getItem(index) and length) or an array, not ${V.typeName(d)}`);
}

/**
 * torch.utils.data.TensorDataset: sample i is `[t0[i], t1[i], ...]` (views of the tensors, which
 * the caller disposes). The tensors stay the caller's: the dataset neither copies nor disposes them.
 */
export class TensorDataset extends Dataset<Tensor[]> {
  readonly tensors: readonly Tensor[];
  constructor(...tensors: Tensor[]) {
    super();
    for (let i = 0; i < tensors.length; i++) V.tensor(tensors[i], 'TensorDataset', `tensors[${i}]`, i + 1);
    const n = tensors[0]?.shape[0];
    // PyTorch: assert all(tensors[0].size(0) == tensor.size(0) for tensor in tensors), "Size mismatch between tensors"
    if (tensors.some((t) => t.ndim === 0 || t.shape[0] !== n)) throw new Error('Size mismatch between tensors');
    this.tensors = tensors;
  }
  getItem(index: number): Tensor[] {
    V.int(index, 'TensorDataset.getItem', 'index', 1);
    return this.tensors.map((t) => t.select(0, index));
  }
  get length(): number {
    return this.tensors.length ? this.tensors[0].shape[0] : 0;
  }
  override getBatch(indices: Tensor): Tensor[] {
    return this.tensors.map((t) => t.indexSelect(0, indices));
  }
}

/** torch.utils.data.Subset: the samples of `dataset` at `indices`, in that order. */
export class Subset<T> extends Dataset<T> {
  readonly dataset: DatasetLike<T>;
  readonly indices: readonly number[];
  constructor(dataset: DatasetLike<T>, indices: readonly number[]) {
    super();
    checkDataset(dataset, 'Subset');
    if (!Array.isArray(indices)) throw new TypeError(`Subset: indices must be an array of ints, not ${V.typeName(indices)}`);
    for (let i = 0; i < indices.length; i++) V.int(indices[i], 'Subset', `indices[${i}]`);
    this.dataset = dataset;
    this.indices = indices.slice();
  }
  getItem(index: number): T {
    V.int(index, 'Subset.getItem', 'index', 1);
    const i = index < 0 ? index + this.indices.length : index;
    if (!(i >= 0 && i < this.indices.length)) throw new RangeError(`list index out of range`);
    return datasetItem(this.dataset, this.indices[i]);
  }
  get length(): number {
    return this.indices.length;
  }
  /** Maps the batch's indices through this subset's (index bookkeeping, a batch's worth), then asks the dataset. */
  override getBatch(indices: Tensor): T {
    const inner = this.dataset as Dataset<T>;
    if (Array.isArray(this.dataset) || typeof inner.getBatch !== 'function')
      throw new Error('Subset.getBatch: the underlying dataset has no getBatch');
    const mine = indices.toArray() as BigInt64Array;
    const mapped = new BigInt64Array(mine.length);
    const n = this.indices.length;
    for (let k = 0; k < mine.length; k++) {
      const i = Number(mine[k]);
      mapped[k] = BigInt(this.indices[i < 0 ? i + n : i]);
    }
    const idx = torchOps.tensor(mapped);
    try {
      return inner.getBatch(idx);
    } finally {
      idx.dispose();
    }
  }
}

/** Whether the DataLoader may call `d.getBatch` (a Subset only when what it wraps can). */
export function hasBatch(d: DatasetLike<unknown>): boolean {
  if (Array.isArray(d)) return false;
  const ds = d as Dataset<unknown>;
  if (typeof ds.getBatch !== 'function') return false;
  return ds instanceof Subset ? hasBatch(ds.dataset) : true;
}

/**
 * torch.utils.data.random_split: `lengths` (counts, or fractions summing to 1) of a random
 * permutation of the dataset, drawn from `generator` (default: the default generator).
 */
export function randomSplit<T>(dataset: DatasetLike<T>, lengths: readonly number[], generator?: Generator | null): Subset<T>[] {
  checkDataset(dataset, 'randomSplit');
  checkGenerator(generator, 'randomSplit');
  if (!Array.isArray(lengths)) throw new TypeError(`randomSplit: lengths must be an array of numbers, not ${V.typeName(lengths)}`);
  for (let i = 0; i < lengths.length; i++) V.number(lengths[i], 'randomSplit', `lengths[${i}]`);
  const n = datasetLength(dataset);
  let counts = lengths.slice();
  const total = lengths.reduce((a, b) => a + b, 0);
  // PyTorch's test: math.isclose(sum(lengths), 1) and sum(lengths) <= 1
  if (Math.abs(total - 1) <= 1e-9 && total <= 1) {
    // Fractions (PyTorch 1.13): floor(n * f) each, then the remainder one by one, round-robin.
    counts = lengths.map((f, i) => {
      if (f < 0 || f > 1) throw new Error(`Fraction at index ${i} is not between 0 and 1`);
      return Math.floor(n * f);
    });
    const rest = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; i < rest; i++) counts[i % counts.length] += 1;
  }
  if (counts.some((c) => !Number.isInteger(c) || c < 0))
    throw new TypeError('randomSplit: lengths must be non-negative ints or fractions summing to 1');
  if (counts.reduce((a, b) => a + b, 0) !== n) throw new Error('Sum of input lengths does not equal the length of the input dataset!');
  const perm = torchOps.randperm(n, { generator });
  const order = Array.from(perm.toArray() as BigInt64Array, Number);
  perm.dispose();
  let offset = 0;
  return counts.map((c) => {
    const s = new Subset(dataset, order.slice(offset, offset + c));
    offset += c;
    return s;
  });
}

/** Asserts `d` is usable as a dataset (a Dataset or an array). */
export { checkDataset };
