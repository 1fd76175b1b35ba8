// Shape and stride arithmetic (integers only: no tensor values are computed here).

export type Shape = readonly number[];

/** `torch.Size`: an array of ints that prints as PyTorch does. */
export class Size extends Array<number> {
  static override from(dims: readonly number[]): Size {
    const s = dims.slice();
    Object.setPrototypeOf(s, Size.prototype);
    return Object.freeze(s) as Size;
  }
  override toString(): string {
    return `torch.Size([${this.join(', ')}])`;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
  // Array species would make map/filter return Size; plain arrays are what callers expect.
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
}

export function numelOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const st = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = acc;
    acc *= shape[i];
  }
  return st;
}

export function isContiguous(shape: Shape, strides: readonly number[]): boolean {
  // As PyTorch: a tensor with no elements is contiguous whatever its strides.
  if (shape.includes(0)) return true;
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== acc) return false;
    acc *= shape[i];
  }
  return true;
}

export function normDim(dim: number, ndim: number): number {
  const n = ndim === 0 ? 1 : ndim;
  if (!Number.isInteger(dim) || dim < -n || dim >= n) {
    throw new RangeError(`Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`);
  }
  return dim < 0 ? dim + n : dim;
}

/** normDim where a 0-d tensor has no dim at all (PyTorch's wrap_scalar=false: size(), stride()). */
export function normDimNoScalar(dim: number, ndim: number): number {
  if (ndim === 0) throw new RangeError(`Dimension specified as ${dim} but tensor has no dimensions`);
  return normDim(dim, ndim);
}

/**
 * The broadcast of several shapes, folded left to right as PyTorch does (infer_size on the shape so
 * far and the next one). Each step compares sizes from the trailing dim, so the error names the
 * last mismatching dimension, with the accumulated shape as tensor a.
 */
export function broadcastShapes(...shapes: Shape[]): number[] {
  let acc: number[] = [];
  for (const s of shapes) {
    const nd = Math.max(acc.length, s.length);
    const out = new Array<number>(nd);
    for (let i = nd - 1; i >= 0; i--) {
      const off = nd - 1 - i;
      const da = acc.length - 1 - off;
      const db = s.length - 1 - off;
      const sa = da >= 0 ? acc[da] : 1;
      const sb = db >= 0 ? s[db] : 1;
      if (sa !== sb && sa !== 1 && sb !== 1) {
        throw new Error(`The size of tensor a (${sa}) must match the size of tensor b (${sb}) at non-singleton dimension ${i}`);
      }
      out[i] = sa === 1 ? sb : sa;
    }
    acc = out;
  }
  return acc;
}

/** Strides of a tensor viewed as broadcast to `shape` (0 where a dim is broadcast). */
export function broadcastStrides(shape: Shape, strides: readonly number[], target: Shape): number[] {
  const out = new Array<number>(target.length).fill(0);
  const off = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[off + i] = shape[i] === 1 && target[off + i] !== 1 ? 0 : strides[i];
  return out;
}

/**
 * Merges adjacent dims that are contiguous with each other in every operand, so kernels see as few
 * (and as long) loops as possible. Returns the merged shape and the operands' merged strides.
 */
export function coalesce(shape: Shape, strides: (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const sh: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const k = sh.length - 1;
    if (k >= 0 && strides.every((s, j) => st[j][k] === s[i] * shape[i])) {
      sh[k] *= shape[i];
      for (let j = 0; j < strides.length; j++) st[j][k] = strides[j][i];
    } else {
      sh.push(shape[i]);
      for (let j = 0; j < strides.length; j++) st[j].push(strides[j][i]);
    }
  }
  return { shape: sh, strides: st };
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function fmtShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** Strides that let `shape` view memory laid out as (oldShape, oldStrides), or null (PyTorch's computeStride). */
export function viewStrides(oldShape: Shape, oldStrides: readonly number[], shape: Shape): number[] | null {
  if (numelOf(oldShape) === 0) return contiguousStrides(shape);
  // One element (sizes already checked): any shape of ones views it.
  if (oldShape.length === 0) return shape.map(() => 1);
  const newStrides = new Array<number>(shape.length).fill(0);
  let viewD = shape.length - 1;
  let chunkBase = oldStrides.length ? oldStrides[oldStrides.length - 1] : 1;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = oldShape.length - 1; d >= 0; d--) {
    tensorNumel *= oldShape[d];
    if (d === 0 || (oldShape[d - 1] !== 1 && oldStrides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || shape[viewD] === 1)) {
        newStrides[viewD] = viewNumel * chunkBase;
        viewNumel *= shape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = oldStrides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return newStrides;
}

export function inferSize(shape: readonly number[], numel: number): number[] {
  const out = shape.slice();
  const neg = out.indexOf(-1);
  const known = numelOf(out.filter((d) => d !== -1));
  if (neg >= 0) {
    if (out.indexOf(-1, neg + 1) >= 0) throw new Error('only one dimension can be inferred');
    if (known === 0 || numel % known !== 0) throw new Error(`shape '${fmtShape(shape)}' is invalid for input of size ${numel}`);
    out[neg] = numel / known;
  } else if (known !== numel) {
    throw new Error(`shape '${fmtShape(shape)}' is invalid for input of size ${numel}`);
  }
  return out;
}

/** Where a tensor's elements are in its storage. */
export interface Geometry {
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
}

/** Elements a buffer needs to hold `g` laid out from its first element (strides are non-negative). */
export function spanOf(g: Geometry): number {
  if (numelOf(g.shape) === 0) return 0;
  let n = 1;
  for (let i = 0; i < g.shape.length; i++) n += (g.shape[i] - 1) * g.strides[i];
  return n;
}

/** Dims along which a geometry repeats one element (stride 0 over more than one element). */
export function repeatedDims(g: Geometry): number[] {
  const out: number[] = [];
  for (let i = 0; i < g.shape.length; i++) if (g.strides[i] === 0 && g.shape[i] > 1) out.push(i);
  return out;
}

/**
 * Memory safety's last line: a view never reaches outside its storage, whatever arguments made it
 * (argument validation gives PyTorch's message first; this catches what slips through, e.g. an
 * index that is not an integer, before any kernel reads or writes through the view).
 */
export function checkViewBounds(shape: readonly number[], strides: readonly number[], offset: number, elements: number): void {
  // (x % 1 === 0 is false for NaN, infinities and fractions.)
  const nd = shape.length;
  let ok = strides.length === nd && offset % 1 === 0;
  let lo = offset;
  let hi = offset;
  for (let d = 0; d < nd && ok; d++) {
    const n = shape[d];
    const st = strides[d];
    ok = n >= 0 && n % 1 === 0 && st % 1 === 0;
    if (n === 0) {
      if (ok) return; // empty: touches nothing
    } else if (st < 0) lo += (n - 1) * st;
    else hi += (n - 1) * st;
  }
  if (ok && lo >= 0 && hi < elements) return;
  throw new RangeError(
    `asgrad: a view of shape [${shape.join(', ')}], strides [${strides.join(', ')}] and offset ${offset} ` +
      `would reach outside its storage of ${elements} elements`,
  );
}
