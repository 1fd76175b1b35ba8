// Kernel calls of reflect / replicate padding (assembly/pad.ts): a contiguous [B, D1, D2, D3] with
// the padded dims last (unused ones of size 1, pad 0), written to the metadata area.
import type { Tensor } from '../../tensor.js';
import { kernelFor, writeMeta } from './call.js';
import { contiguousOf, empty } from './memory.js';

/** Sizes [B, D1, D2, D3] in, [O1, O2, O3] out, left pads [P1, P2, P3], mode 0 reflect / 1 replicate. */
export interface PadGeometry {
  readonly inp: readonly [number, number, number, number];
  readonly out: readonly [number, number, number];
  readonly left: readonly [number, number, number];
  readonly mode: 0 | 1;
}

function run(name: 'pad_nd' | 'pad_nd_back', g: PadGeometry, shape: readonly number[], x: Tensor): Tensor {
  const out = empty(shape, x.dtype);
  const xc = contiguousOf(x);
  if (out.numel() > 0) {
    writeMeta(g.inp, g.out, g.left, [g.mode]);
    kernelFor(name, x.dtype)(out._ptr(), xc._ptr(name));
  }
  if (xc !== x) xc.dispose();
  return out;
}

/** x padded (shape: the output's, numel B*O1*O2*O3). */
export const padK = (x: Tensor, g: PadGeometry, shape: readonly number[]): Tensor => run('pad_nd', g, shape, x);
/** The adjoint: each gradient added to the input position its output read (shape: the input's). */
export const padBackK = (gy: Tensor, g: PadGeometry, shape: readonly number[]): Tensor => run('pad_nd_back', g, shape, gy);
