// The SVD kernel call: one-sided Jacobi in float64 (assembly/linalg.ts), float32 widened and
// narrowed around it.
import type { Tensor } from '../../tensor.js';
import { kernel } from '../../core/wasm.js';
import { castTo, contiguousOf, empty } from './memory.js';

export interface SvdParts {
  readonly u: Tensor | null;
  readonly s: Tensor;
  readonly vh: Tensor | null;
}

/**
 * The SVD of x ([..., m, n], float32 or float64): S ([..., k], descending), and with `vectors` U
 * ([..., m, m or k]) and Vh ([..., n or k, n]), `full` or reduced; all of x's dtype.
 */
export function svdK(x: Tensor, vectors: boolean, full: boolean): SvdParts {
  const shape = x._shape;
  const m = shape[shape.length - 2];
  const n = shape[shape.length - 1];
  const lead = shape.slice(0, -2);
  const batch = lead.reduce((a, b) => a * b, 1);
  const p = m > n ? m : n;
  const q = m < n ? m : n;
  const ucols = full ? m : q;
  const vrows = full ? n : q;
  const x64 = castTo(x, 'float64');
  const xc = contiguousOf(x64);
  const s = empty([...lead, q], 'float64');
  const u = vectors ? empty([...lead, m, ucols], 'float64') : null;
  const vh = vectors ? empty([...lead, vrows, n], 'float64') : null;
  // Also for an empty matrix (q = 0): the kernel then completes full factors to identities, as LAPACK.
  if (batch > 0) {
    const work = empty([p * p + q * q + 2 * q + 2 * p + 1], 'float64');
    kernel('svd_jacobi_f64')(
      xc._ptr('linalg.svd'),
      u ? u._ptr() : 0,
      s._ptr(),
      vh ? vh._ptr() : 0,
      batch,
      m,
      n,
      vectors ? (full ? 2 : 1) : 0,
      work._ptr(),
    );
    work.dispose();
  }
  if (xc !== x64) xc.dispose();
  if (x64 !== x) x64.dispose();
  const narrow = (t: Tensor | null): Tensor | null => {
    if (!t || x.dtype === 'float64') return t;
    const r = castTo(t, x.dtype);
    t.dispose();
    return r;
  };
  return { u: narrow(u), s: narrow(s) as Tensor, vh: narrow(vh) };
}
