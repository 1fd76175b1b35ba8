// xlogy: x * log(y), 0 where x == 0 unless y is NaN (PyTorch's xlogy kernel), on the shared binary
// loop of elementwise.ts.

import { binary } from "./binary_loop";
import { tlog } from "./math";

@final class BXlogy {
  // @ts-ignore: decorator
  @inline s<T>(x: T, y: T): T {
    if (y != y) return y;
    if (x == <T>0) return <T>0;
    return x * tlog<T>(y);
  }
}

export function xlogy_f32(out: usize, a: usize, b: usize, ndim: i32): void { binary<f32, f32, BXlogy>(out, a, b, ndim); }
export function xlogy_f64(out: usize, a: usize, b: usize, ndim: i32): void { binary<f64, f64, BXlogy>(out, a, b, ndim); }
