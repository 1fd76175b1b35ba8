// torch.Generator, randperm, randint and the default generator's state.
//
// The core holds one xoshiro256** stream (assembly/rng.ts), the default generator. A Generator
// object keeps its own copy of that state (11 words) and swaps it into the core for the duration
// of one call, so every random kernel serves every generator and the bits are the same on every
// host. PyTorch's exact values are not reproduced (it uses mt19937 / Philox), its semantics are.
import type { Tensor } from '../tensor.js';
import { type DType, isFloating } from '../dtype.js';
import { getCore } from '../core/wasm.js';
import { kernel } from '../core/wasm.js';
import * as K from './internal.js';
import * as V from '../validate.js';
import type { TensorOptions } from './operands.js';
import { type OpSpec, defineOp } from './registry.js';

/** Words of a generator's state: s0..s3 (low half first), its seed (2 words), seeded flag. */
const STATE_WORDS = 11;
/** PyTorch's default_rng_seed_val: the initial seed of a new torch.Generator(). */
const DEFAULT_SEED = 67280421310721n;
/** Makes the default generator (whose state is the core's, not a copy). */
const DEFAULT_TOKEN: unique symbol = Symbol('asgrad.defaultGenerator');

function readCoreState(into: Uint32Array): void {
  const c = getCore();
  for (let i = 0; i < STATE_WORDS; i++) into[i] = c.rng_state_get(i);
}
function writeCoreState(from: Uint32Array): void {
  const c = getCore();
  for (let i = 0; i < STATE_WORDS; i++) c.rng_state_set(i, from[i]);
}

/** A seed as PyTorch's manual_seed takes it: an int (negative ones wrap to 64 bits). */
function seedBits(seed: unknown, entry: string): bigint {
  if (typeof seed === 'number') {
    if (!Number.isInteger(seed)) throw new Error(`${entry} expected a long, but got float`);
    seed = BigInt(seed);
  } else if (typeof seed !== 'bigint') throw V.argTypeError(entry, 'seed', 1, 'int', seed);
  const s = seed as bigint;
  if (s >= 2n ** 64n || s < -(2n ** 63n)) throw new Error('Overflow when unpacking long');
  return BigInt.asUintN(64, s);
}

function seedCore(s: bigint): void {
  getCore().rng_seed(Number(s & 0xffffffffn), Number(s >> 32n));
}

/**
 * torch.Generator: an independent random stream. `new torch.Generator()` starts from PyTorch's
 * default seed; `manualSeed(s)` reseeds it and returns it (`new Generator().manualSeed(0)`).
 * `torch.defaultGenerator` is the global stream that `torch.manualSeed` seeds.
 */
export class Generator {
  /** This generator's state while it is not in the core; null for the default generator (the core's own). */
  readonly #words: Uint32Array | null;

  constructor(opts?: { device?: 'cpu' }) {
    if ((opts as unknown) === DEFAULT_TOKEN) {
      this.#words = null;
      return;
    }
    if (opts !== undefined && (typeof opts !== 'object' || opts === null || Object.keys(opts).some((k) => k !== 'device')))
      throw new TypeError('Generator(): the only option is device');
    if (opts?.device !== undefined && opts.device !== 'cpu')
      throw new Error(`Generator(): only the cpu device exists here, got ${String(opts.device)}`);
    this.#words = new Uint32Array(STATE_WORDS);
    this.manualSeed(DEFAULT_SEED);
  }

  /** Runs `fn` with this generator's stream in the core (the default generator runs in place). */
  run<T>(fn: () => T): T {
    const own = this.#words;
    if (own === null) return fn();
    const saved = new Uint32Array(STATE_WORDS);
    readCoreState(saved);
    writeCoreState(own);
    try {
      return fn();
    } finally {
      readCoreState(own);
      writeCoreState(saved);
    }
  }

  /** Seeds the stream (PyTorch: negative seeds wrap to 64 bits); returns this generator. */
  manualSeed(seed: number | bigint): this {
    const s = seedBits(seed, 'manual_seed');
    this.run(() => seedCore(s));
    return this;
  }

  /** The seed last given to manualSeed (the default generator: 0 until torch.manualSeed is called). */
  initialSeed(): bigint {
    const w = this.getStateWords();
    return (BigInt(w[9]) << 32n) | BigInt(w[8]);
  }

  /** The generator's state as an int64 tensor of 11 words (PyTorch: a ByteTensor); give it back to setState. */
  getState(): Tensor {
    return K.fromTyped(
      BigInt64Array.from(this.getStateWords(), (w) => BigInt(w)),
      [STATE_WORDS],
      'int64',
    );
  }

  /** Restores a state from getState(). */
  setState(state: Tensor): this {
    V.tensor(state, 'set_state', 'new_state', 1);
    if (state.dtype !== 'int64') throw new TypeError('RNG state must be an int64 tensor (from getState())');
    if (state.numel() !== STATE_WORDS)
      throw new Error(
        `Expected an RNG state of ${STATE_WORDS} words (from getState()) but found the input RNG state size to be ${state.numel()}`,
      );
    const arr = state.toArray() as BigInt64Array;
    const words = new Uint32Array(STATE_WORDS);
    for (let i = 0; i < STATE_WORDS; i++) {
      const v = arr[i];
      if (v < 0n || v > 0xffffffffn) throw new Error('RNG state must hold 32-bit words (from getState())');
      words[i] = Number(v);
    }
    if (this.#words === null) writeCoreState(words);
    else this.#words.set(words);
    return this;
  }

  /** @internal */
  getStateWords(): Uint32Array {
    const w = new Uint32Array(STATE_WORDS);
    if (this.#words === null) readCoreState(w);
    else w.set(this.#words);
    return w;
  }

  get device(): string {
    return 'cpu';
  }

  toString(): string {
    return '<torch._C.Generator object>';
  }
}

/** torch.default_generator: the core's own stream, which torch.manualSeed seeds. */
// Frozen, and stateless on the JS side: its stream lives in the core (rt.core), like the rest of the state.
export const defaultGenerator: Generator = Object.freeze(new Generator(DEFAULT_TOKEN as unknown as { device?: 'cpu' })) as Generator;

/** torch.getRngState(): the default generator's state. */
export function getRngState(): Tensor {
  return defaultGenerator.getState();
}
/** torch.setRngState(state): restores the default generator's state. */
export function setRngState(state: Tensor): void {
  defaultGenerator.setState(state);
}
/** torch.initialSeed(): the default generator's seed. */
export function initialSeed(): bigint {
  return defaultGenerator.initialSeed();
}

/** `generator` option of a random entry: a Generator or absent. */
export function checkGenerator(g: unknown, entry: string): asserts g is Generator | null | undefined {
  if (g !== undefined && g !== null && !(g instanceof Generator))
    throw new TypeError(`${entry}(): argument 'generator' must be torch.Generator, not ${V.typeName(g)}`);
}

/** Runs `fn` on `g`'s stream, or on the default one. */
export function withGenerator<T>(g: Generator | null | undefined, fn: () => T): T {
  return g ? g.run(fn) : fn();
}

export interface RandomOptions extends TensorOptions {
  generator?: Generator | null;
}

const RANDPERM_OPTS = V.optionSpec('randperm', { dtype: 'dtype', requiresGrad: 'bool', generator: 'any' }, [
  'device',
  'layout',
  'pinMemory',
  'out',
]);
const RANDINT_OPTS = V.optionSpec('randint', { dtype: 'dtype', requiresGrad: 'bool', generator: 'any' }, [
  'device',
  'layout',
  'pinMemory',
  'out',
]);

const GRAD_DTYPE = 'Only Tensors of floating point and complex dtype can require gradients';

function finishRandom(t: Tensor, dtype: DType, opts: RandomOptions): Tensor {
  const out = K.castTo(t, dtype);
  if (out !== t) t.dispose();
  if (opts.requiresGrad) out.requiresGrad_(true);
  return out;
}

/** torch.randperm(n, { generator, dtype }): a random permutation of 0..n-1 (int64 by default). */
export function randperm(n: number, opts?: RandomOptions): Tensor {
  V.int(n, 'randperm', 'n', 1);
  V.options(RANDPERM_OPTS, opts);
  const o = opts ?? {};
  checkGenerator(o.generator, 'randperm');
  if (n < 0) throw new Error(`Trying to create tensor with negative dimension ${n}: [${n}]`);
  const dtype = o.dtype ?? 'int64';
  if (dtype === 'bool') throw new Error(`"randperm" not implemented for 'Bool'`);
  // float32 holds every integer only up to 2^24 (PyTorch's check, from randperm_cpu).
  if (dtype === 'float32' && n > 2 ** 24 + 1) throw new Error(`n cannot be greater than 2^24+1 for Float type.`);
  if (o.requiresGrad && !isFloating(dtype)) throw new Error(GRAD_DTYPE);
  const out = K.empty([n], 'int64');
  if (n > 0) withGenerator(o.generator, () => kernel('randperm_i64')(out._ptr(), n, 1));
  return finishRandom(out, dtype, o);
}

function intArg(v: unknown, name: string, pos: number): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  throw new TypeError(`randint(): argument '${name}' (position ${pos}) must be int, not ${V.typeName(v)}`);
}

/**
 * torch.randint(high, size, opts) / randint(low, high, size, opts): integers drawn uniformly from
 * [low, high) (low defaults to 0), int64 unless `dtype` says otherwise.
 */
export function randint(high: number | bigint, size: readonly number[], opts?: RandomOptions): Tensor;
export function randint(low: number | bigint, high: number | bigint, size: readonly number[], opts?: RandomOptions): Tensor;
export function randint(...args: unknown[]): Tensor {
  let n = args.length;
  while (n > 0 && args[n - 1] === undefined) n--;
  let opts: RandomOptions = {};
  if (n > 0 && V.isOptions(args[n - 1])) {
    opts = args[n - 1] as RandomOptions;
    V.options(RANDINT_OPTS, opts);
    n--;
  }
  if (n !== 2 && n !== 3)
    throw new TypeError(`randint() takes (high, size) or (low, high, size) and an optional options object, got ${n} positional arguments`);
  const low = n === 3 ? intArg(args[0], 'low', 1) : 0n;
  const high = intArg(args[n - 2], 'high', n - 1);
  const size = args[n - 1];
  V.size(size, 'randint', 'size', n);
  checkGenerator(opts.generator, 'randint');
  const dtype = opts.dtype ?? 'int64';
  if (low >= high) throw new Error(`random_ expects 'from' to be less than 'to', but got from=${low} >= to=${high}`);
  if (dtype === 'bool' && (low < 0n || high > 2n)) throw new Error(`to - 1 is out of bounds for bool`);
  if (dtype === 'int64' && (low < -(2n ** 63n) || high - 1n >= 2n ** 63n)) throw new Error(`to - 1 is out of bounds for long`);
  if (opts.requiresGrad && !isFloating(dtype)) throw new Error(GRAD_DTYPE);
  const range = high - low;
  const lo = BigInt.asUintN(64, low);
  const out = K.empty(size as number[], 'int64');
  const count = out.numel();
  if (count > 0)
    withGenerator(opts.generator, () =>
      kernel('randint_i64')(
        out._ptr(),
        count,
        Number(lo & 0xffffffffn),
        Number(lo >> 32n),
        Number(range & 0xffffffffn),
        Number(range >> 32n),
      ),
    );
  return finishRandom(out, dtype, opts);
}

const RANDOM_FACTORY = {
  kind: 'creation',
  nodes: [],
  saves: 'nothing',
  dtype: 'options',
  test: { grad: { no: 'a factory makes a leaf' } },
} as const satisfies Partial<OpSpec>;

export const RANDOM_OPS = {
  randperm: defineOp({
    ...RANDOM_FACTORY,
    name: 'randperm',
    py: 'randperm',
    fn: randperm,
    doc: 'A random permutation of 0..n-1 (int64), from the default generator or `generator`.',
    kernels: ['randperm_i64'],
    test: { ...RANDOM_FACTORY.test, samples: [{ args: [5] }] },
  }),
  randint: defineOp({
    ...RANDOM_FACTORY,
    name: 'randint',
    py: 'randint',
    fn: randint,
    doc: 'Integers drawn uniformly from [low, high) (low defaults to 0), int64 by default.',
    kernels: ['randint_i64'],
    test: { ...RANDOM_FACTORY.test, samples: [{ args: [0, 5, [2, 3]] }] },
  }),
} as const;
