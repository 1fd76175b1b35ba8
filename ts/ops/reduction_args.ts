// The arguments of the reductions: (x, dim | options, keepdim) and var/std's unbiased/correction,
// checked and normalised into a ReduceSpec, and the shape helpers their backward rules share.
import type { Tensor } from '../tensor.js';
import { normDim, numelOf, type Shape } from '../shape.js';
import * as V from '../validate.js';

/** A reduction's `dim`: one dimension or a list of them (negative counts from the end). */
export type ReduceDims = number | readonly number[];
/** Keyword arguments of reductions (`sum`, `mean`...): PyTorch's `dim`, `keepdim`. */
export interface ReduceOpts {
  /** The dimension(s) to reduce (PyTorch's `dim`; negative counts from the end; default all). */
  dim?: ReduceDims;
  /** Keep reduced dimensions with size 1 (PyTorch's `keepdim`). */
  keepdim?: boolean;
}
/** Keyword arguments of `var` / `std`: adds PyTorch's `unbiased` and `correction`. */
export interface VarOpts extends ReduceOpts {
  /** Bessel's correction, dividing by N - 1 (PyTorch's `unbiased`). */
  unbiased?: boolean;
  /** Subtracted from N in the divisor (PyTorch's `correction`). */
  correction?: number;
}

export interface ReduceSpec {
  dims: number[];
  keepdim: boolean;
  all: boolean;
  /** The dims as the caller gave them (PyTorch's empty-reduction messages quote them). */
  given: number[];
}

// Each reduction's options (../validate.ts checks keys and kinds).
const reduceOpts = (entry: string): V.OptionSpec => V.optionSpec(entry, { dim: 'dims', keepdim: 'bool' }, ['dtype', 'out']);
export const SUM_OPTS = reduceOpts('sum');
export const MEAN_OPTS = reduceOpts('mean');
export const AMAX_OPTS = reduceOpts('amax');
export const AMIN_OPTS = reduceOpts('amin');
export const LOGSUMEXP_OPTS = reduceOpts('logsumexp');
const varOpts = (entry: string): V.OptionSpec =>
  V.optionSpec(entry, { dim: 'dims', keepdim: 'bool', unbiased: 'bool', correction: 'int' }, ['out']);
export const VAR_OPTS = varOpts('var');
export const STD_OPTS = varOpts('std');

/** A reduction's (x, dim | options, keepdim) arguments, checked against its spec. */
export function parseReduce(
  x: Tensor,
  dim: ReduceDims | ReduceOpts | null | undefined,
  keepdim: boolean | undefined,
  spec: V.OptionSpec,
): ReduceSpec {
  const entry = spec.entry;
  V.tensor(x, entry, 'input', 1);
  let d: ReduceDims | null | undefined = dim as ReduceDims | null | undefined;
  let kd = false;
  if (V.isOptions(dim)) {
    if (keepdim !== undefined) throw new TypeError(`${entry}(): keepdim given both in the options object and as an argument`);
    V.options(spec, dim);
    const o = dim as ReduceOpts;
    d = o.dim;
    kd = o.keepdim ?? false;
  } else {
    V.dims(dim, entry, 'dim', 1);
    if (keepdim !== undefined) {
      V.bool(keepdim, entry, 'keepdim', 2);
      kd = keepdim;
    }
  }
  if (d === undefined || d === null) return { dims: [], keepdim: false, all: true, given: [] };
  const list = typeof d === 'number' ? [d] : [...d];
  // Every dim is wrapped (range-checked) first, then repeats are refused, as PyTorch's dim bitset.
  const wrapped = list.map((v) => normDim(v, x.ndim));
  const seen = new Set<number>();
  for (const w of wrapped) {
    if (seen.has(w)) throw new Error(`dim ${w} appears multiple times in the list of dims`);
    seen.add(w);
  }
  // dim=[] reduces every dim, like no dim, but PyTorch still records the dim overload (…Backward1).
  const dims = list.length === 0 ? x._shape.map((_, i) => i) : wrapped.sort((p, q) => p - q);
  if (x.ndim === 0) return { dims: [], keepdim: kd, all: false, given: list };
  return { dims, keepdim: kd, all: false, given: list };
}

/** Reshapes a reduced gradient so it broadcasts against the input (re-inserting reduced dims). */
export function keepShape(g: Tensor, inShape: Shape, spec: ReduceSpec): Tensor {
  if (spec.keepdim || spec.all) return spec.all && g.ndim !== inShape.length ? g.reshape(inShape.map(() => 1)) : g;
  const shape = inShape.map((d, i) => (spec.dims.includes(i) ? 1 : d));
  return g.reshape(shape);
}

export function reducedCount(x: Tensor, spec: ReduceSpec): number {
  if (spec.all || spec.dims.length === 0) return x.numel();
  return numelOf(spec.dims.map((i) => x._shape[i]));
}

export function parseVar(
  x: Tensor,
  dim: ReduceDims | VarOpts | null | undefined,
  unbiased: boolean | VarOpts | undefined,
  keepdim: boolean | undefined,
  spec: V.OptionSpec,
): { spec: ReduceSpec; correction: number } {
  const entry = spec.entry;
  let o: VarOpts = {};
  if (V.isOptions(dim)) {
    V.options(spec, dim);
    if (unbiased !== undefined || keepdim !== undefined) {
      throw new TypeError(`${entry}(): give unbiased/keepdim either in the options object or as arguments, not both`);
    }
    o = dim as VarOpts;
  } else {
    V.dims(dim, entry, 'dim', 1);
    if (V.isOptions(unbiased)) {
      V.options(spec, unbiased);
      if (keepdim !== undefined) throw new TypeError(`${entry}(): keepdim given both in the options object and as an argument`);
      o = { ...unbiased };
    } else if (unbiased !== undefined) {
      V.bool(unbiased, entry, 'unbiased', 2);
      o.unbiased = unbiased;
    }
    o.dim = (dim ?? undefined) as ReduceDims | undefined;
    if (keepdim !== undefined) {
      V.bool(keepdim, entry, 'keepdim', 3);
      o.keepdim = keepdim;
    }
  }
  if (o.correction !== undefined && o.unbiased !== undefined) {
    throw new Error(`${entry}(): cannot specify both unbiased and correction`);
  }
  const correction = o.correction ?? (o.unbiased === false ? 0 : 1);
  return { spec: parseReduce(x, o.dim, o.keepdim, spec), correction };
}
