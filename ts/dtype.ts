/** A tensor's element type: PyTorch's torch.float32 / float64 / int64 / bool, spelled as strings (`torch.float32` is `'float32'`). */
export type DType = 'float32' | 'float64' | 'int64' | 'bool';

// Literal sizes, so a kernel name built from one (`copy_b${ITEM_SIZE[dtype]}`) is checked against the core's exports.
export const ITEM_SIZE = { float32: 4, float64: 8, int64: 8, bool: 1 } as const satisfies Readonly<Record<DType, number>>;

/** Kernel-name suffix for the floating dtypes the core computes in. */
export function kernelSuffix(dtype: DType): 'f32' | 'f64' {
  if (dtype === 'float32') return 'f32';
  if (dtype === 'float64') return 'f64';
  throw new TypeError(`asgrad: no floating kernel for dtype ${dtype}`);
}

export function isFloating(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

const CATEGORY: Readonly<Record<DType, number>> = { bool: 0, int64: 1, float32: 2, float64: 2 };

/** PyTorch's legacy type name used in error messages (`torch.FloatTensor`). */
export function legacyTypeName(dtype: DType): string {
  return { float32: 'torch.FloatTensor', float64: 'torch.DoubleTensor', int64: 'torch.LongTensor', bool: 'torch.BoolTensor' }[dtype];
}

function wider(a: DType, b: DType): DType {
  if (a === b) return a;
  const ca = CATEGORY[a];
  const cb = CATEGORY[b];
  if (ca !== cb) return ca > cb ? a : b;
  return a === 'float64' || b === 'float64' ? 'float64' : a;
}

/**
 * PyTorch's result_type: dimensioned tensors decide, zero-dim tensors count only when they are of a
 * higher category, Python scalars only when they are of a higher category still (a float scalar
 * makes an integer tensor's result the default float dtype).
 */
export function resultType(dims: DType[], zeroDims: DType[], scalars: ('int' | 'float' | 'bool')[]): DType {
  let r: DType | null = null;
  for (const d of dims) r = r ? wider(r, d) : d;
  let z: DType | null = null;
  for (const d of zeroDims) z = z ? wider(z, d) : d;
  if (z && (!r || CATEGORY[z] > CATEGORY[r])) r = z;
  for (const s of scalars) {
    const sd: DType = s === 'float' ? 'float32' : s === 'int' ? 'int64' : 'bool';
    if (!r) r = sd;
    else if (CATEGORY[sd] > CATEGORY[r]) r = sd;
  }
  return r ?? 'float32';
}
