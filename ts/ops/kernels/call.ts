// Shared by the kernel calls of ./*.ts: the metadata area and per-dtype kernel lookup.
import { type DType, kernelSuffix } from '../../dtype.js';
import { kernel, meta } from '../../core/wasm.js';
import type { FloatKernel, KernelFn } from '../../core/wasm.js';
import { threadedKernel } from '../../core/threads.js';
import { rt } from '../../runtime.js';

export function writeMeta(...groups: (readonly number[])[]): void {
  const m = meta();
  let k = 0;
  for (const g of groups) for (const v of g) m[k++] = v;
}

/**
 * `name_f32` / `name_f64`, resolved once per name (cached in rt.ops.typedKernels). The matrix
 * product is the thread pool's (core/threads.ts), which calls the plain kernel for small products; so are max
 * pooling and the SGD / Adam steps.
 */
export function kernelFor(name: FloatKernel, dtype: DType): KernelFn {
  let k = rt.ops.typedKernels.get(name);
  if (!k) {
    k = { f32: null, f64: null };
    rt.ops.typedKernels.set(name, k);
  }
  if (dtype === 'float64') {
    k.f64 ??= threadedKernel(name, 'f64') ?? kernel(`${name}_f64`);
    return k.f64;
  }
  const suffix = kernelSuffix(dtype);
  k.f32 ??= threadedKernel(name, suffix) ?? kernel(`${name}_${suffix}`);
  return k.f32;
}
