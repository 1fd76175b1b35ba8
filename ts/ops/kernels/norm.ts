// Fused normalisation kernel calls.
import type { Tensor } from '../../tensor.js';
import { kernelFor } from './call.js';
import { contiguousOf, empty } from './memory.js';

/**
 * layer_norm's forward over the last `n` elements of contiguous rows (x, and weight / bias when
 * given, contiguous and of x's dtype): the same bits as the composed ops (assembly/norm_rows.ts).
 */
export function layerNormRowsK(x: Tensor, n: number, weight: Tensor | null, bias: Tensor | null, eps: number): Tensor {
  const out = empty(x._shape, x.dtype);
  const total = out.numel();
  if (total > 0) {
    kernelFor('layer_norm_rows', x.dtype)(
      out._ptr(),
      x._ptr('layerNorm'),
      weight ? weight._ptr('layerNorm') : 0,
      bias ? bias._ptr('layerNorm') : 0,
      total / n,
      n,
      eps,
    );
  }
  return out;
}

/**
 * layer_norm's input gradient over the last `n` elements of contiguous rows (x, and weight when
 * given, contiguous and of x's dtype; g any layout of x's shape and dtype): the bits of the composed
 * rule (assembly/norm_rows.ts).
 */
export function layerNormRowsBackwardK(g: Tensor, x: Tensor, n: number, weight: Tensor | null, eps: number): Tensor {
  const gc = contiguousOf(g);
  const out = empty(x._shape, x.dtype);
  const total = out.numel();
  if (total > 0) {
    kernelFor('layer_norm_rows_backward', x.dtype)(
      out._ptr(),
      gc._ptr('layerNorm'),
      x._ptr('layerNorm'),
      weight ? weight._ptr('layerNorm') : 0,
      total / n,
      n,
      eps,
    );
  }
  if (gc !== g) gc.dispose();
  return out;
}
