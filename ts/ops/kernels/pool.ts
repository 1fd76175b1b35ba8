// Kernel calls of the pools that live only in assembly/pool.ts (adaptive_max_pool2d); the others
// are called through ./conv.ts. Geometry as ./conv.ts writes it.
import type { Tensor } from '../../tensor.js';
import { kernelFor, writeMeta } from './call.js';
import type { Geometry } from './conv.js';
import { contiguousOf, empty } from './memory.js';

/** adaptive_max_pool2d: values and int64 indices (within each plane). */
export function adaptiveMaxK(x: Tensor, g: Geometry): [Tensor, Tensor] {
  const out = empty([g.N, g.C, ...g.o], x.dtype);
  const idx = empty([g.N, g.C, ...g.o], 'int64');
  const xc = contiguousOf(x);
  if (out.numel() > 0) {
    writeMeta([g.N, g.C, g.H, g.W, ...g.k, ...g.s, ...g.p, ...g.d, ...g.o, 0, 0]);
    kernelFor('adaptive_max_pool2d', x.dtype)(out._ptr(), idx._ptr(), xc._ptr('adaptive_max_pool2d'));
  }
  if (xc !== x) xc.dispose();
  return [out, idx];
}

/** max_unpool2d: x [N, C, H, W] placed at idx in zeros [N, C, oH, oW]; null when an index is out of
 *  range, else [out, -1]; or [null, position of the last bad index] (nothing written). */
export function maxUnpoolK(x: Tensor, idx: Tensor, g: Geometry): [Tensor | null, number] {
  const out = empty([g.N, g.C, ...g.o], x.dtype);
  const xc = contiguousOf(x);
  const ic = contiguousOf(idx);
  let bad = -1;
  if (x.numel() > 0 || out.numel() > 0) {
    writeMeta([g.N, g.C, g.H, g.W, ...g.k, ...g.s, ...g.p, ...g.d, ...g.o, 0, 0]);
    bad = kernelFor('max_unpool2d', x.dtype)(out._ptr(), xc._ptr('max_unpool2d'), ic._ptr('max_unpool2d')) as number;
  }
  if (xc !== x) xc.dispose();
  if (ic !== idx) ic.dispose();
  if (bad >= 0) {
    out.dispose();
    return [null, bad];
  }
  return [out, -1];
}
