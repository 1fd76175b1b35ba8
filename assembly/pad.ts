// Reflect / replicate padding of a contiguous [B, D1, D2, D3] (the padded dims last; unused ones
// have size 1 and pad 0), and its adjoint.
//
// Geometry is read from the metadata area (META, i32):
//   0 B, 1 D1, 2 D2, 3 D3 (input), 4 O1, 5 O2, 6 O3 (output), 7 P1, 8 P2, 9 P3 (left pads, may be
//   negative), 10 mode (0 reflect, 1 replicate)
// Output index o of a dim reads input index o - P, reflected about the edges (reflect) or clamped
// to them (replicate).
//
// Determinism: the adjoint visits the output in order (plane, o1, o2, o3 ascending) and adds each
// gradient to the input position it was read from, as PyTorch's CPU kernels do.

import { ld, st, boff } from "./math";
import { meta } from "./memory";

// @ts-ignore: decorator
@inline function src(o: i32, p: i32, n: i32, mode: i32): i32 {
  let i = o - p;
  if (mode == 0) {
    if (i < 0) i = -i;
    if (i >= n) i = 2 * (n - 1) - i;
  } else {
    i = i < 0 ? 0 : i >= n ? n - 1 : i;
  }
  return i;
}

// @ts-ignore: decorator
@inline function padT<T>(out: usize, x: usize, adjoint: bool): void {
  let B = meta(0), D1 = meta(1), D2 = meta(2), D3 = meta(3), O1 = meta(4), O2 = meta(5), O3 = meta(6);
  let P1 = meta(7), P2 = meta(8), P3 = meta(9), mode = meta(10);
  let plane = D1 * D2 * D3;
  if (adjoint) {
    let total = B * plane;
    for (let i = 0; i < total; i++) st<T>(out, i, <T>0);
  }
  let o = 0;
  for (let b = 0; b < B; b++) {
    let base = b * plane;
    for (let o1 = 0; o1 < O1; o1++) {
      let r1 = base + src(o1, P1, D1, mode) * D2 * D3;
      for (let o2 = 0; o2 < O2; o2++) {
        let r2 = r1 + src(o2, P2, D2, mode) * D3;
        for (let o3 = 0; o3 < O3; o3++) {
          let i = r2 + src(o3, P3, D3, mode);
          if (adjoint) st<T>(out, i, ld<T>(out, i) + ld<T>(x, o));
          else st<T>(out, o, ld<T>(x, i));
          o++;
        }
      }
    }
  }
}

export function pad_nd_f32(out: usize, x: usize): void { padT<f32>(out, x, false); }
export function pad_nd_f64(out: usize, x: usize): void { padT<f64>(out, x, false); }
export function pad_nd_back_f32(out: usize, g: usize): void { padT<f32>(out, g, true); }
export function pad_nd_back_f64(out: usize, g: usize): void { padT<f64>(out, g, true); }
