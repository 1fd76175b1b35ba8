// Kernel calls that allocate, fill, copy and convert: empty/full, typed-array upload, strided copy,
// dtype casts, and the random and range fills of creation ops.
import { Tensor } from '../../tensor.js';
import { Storage } from '../../storage.js';
import { type DType, ITEM_SIZE } from '../../dtype.js';
import { kernel, memoryBuffer } from '../../core/wasm.js';
import type { KernelName } from '../../core/wasm.js';
import { broadcastStrides, coalesce, isContiguous, type Shape } from '../../shape.js';
import { kernelFor, writeMeta } from './call.js';

export function empty(shape: Shape, dtype: DType): Tensor {
  return Tensor._empty(shape, dtype);
}

/** Writes `value` into every element of the contiguous tensor `out`. */
export function fillWith(out: Tensor, value: number): Tensor {
  const n = out.numel();
  const dtype = out.dtype;
  if (n === 0) return out;
  if (dtype === 'float32' || dtype === 'float64') {
    kernelFor('fill', dtype)(out._ptr(), n, value);
  } else if (dtype === 'int64') {
    // The pointer before the buffer: restoring a spilled storage may grow the memory.
    const p = out._ptr();
    new BigInt64Array(memoryBuffer(), p, n).fill(BigInt(Math.trunc(value)));
  } else {
    const p = out._ptr();
    new Uint8Array(memoryBuffer(), p, n).fill(value ? 1 : 0);
  }
  return out;
}

export function full(shape: Shape, value: number, dtype: DType): Tensor {
  return fillWith(empty(shape, dtype), value);
}

/** A 0-d constant the library shares (not tracked by scopes, not registered for collection). */
export function scalarConstant(v: number, dtype: DType): Tensor {
  return fillWith(new Tensor(Storage.forElements(1, dtype), [], [], 0, dtype, true), v);
}

/** A tensor holding a copy of `data` (already in the dtype's element type). */
export function fromTyped(data: Float32Array | Float64Array | BigInt64Array | Uint8Array, shape: Shape, dtype: DType): Tensor {
  const out = empty(shape, dtype);
  const n = out.numel();
  if (n === 0) return out;
  const p = out._ptr();
  const buf = memoryBuffer();
  switch (dtype) {
    case 'float32':
      new Float32Array(buf, p, n).set(data as Float32Array);
      break;
    case 'float64':
      new Float64Array(buf, p, n).set(data as Float64Array);
      break;
    case 'int64':
      new BigInt64Array(buf, p, n).set(data as BigInt64Array);
      break;
    default:
      new Uint8Array(buf, p, n).set(data as Uint8Array);
  }
  return out;
}

/** Copies `src` (broadcast to dst's shape) into the strided view `dst`. */
export function copyInto(dst: Tensor, src: Tensor): void {
  const n = dst.numel();
  if (n === 0) return;
  if (src.dtype !== dst.dtype) src = castTo(src, dst.dtype);
  const sst = broadcastStrides(src._shape, src._strides, dst._shape);
  const c = coalesce(dst._shape, [dst._strides, sst]);
  writeMeta(c.shape, c.strides[0], c.strides[1]);
  kernel(`copy_b${ITEM_SIZE[dst.dtype]}`)(dst._ptr('copy_'), src._ptr('copy_'), c.shape.length);
}

export function contiguousCopy(t: Tensor): Tensor {
  const out = empty(t._shape, t.dtype);
  copyInto(out, t);
  return out;
}

export function contiguousOf(t: Tensor): Tensor {
  return isContiguous(t._shape, t._strides) ? t : contiguousCopy(t);
}

/** The core's conversion kernels, by source and target dtype; int64 <-> bool has none (it goes through float64). */
const CAST: { readonly [F in DType]: { readonly [T in DType]?: Extract<KernelName, `cast_${string}`> } } = {
  float32: { float64: 'cast_f32_f64', int64: 'cast_f32_i64', bool: 'cast_f32_u8' },
  float64: { float32: 'cast_f64_f32', int64: 'cast_f64_i64', bool: 'cast_f64_u8' },
  int64: { float32: 'cast_i64_f32', float64: 'cast_i64_f64' },
  bool: { float32: 'cast_u8_f32', float64: 'cast_u8_f64' },
};

/** Dtype conversion (a copy), computed in the core. */
export function castTo(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  const x = contiguousOf(t);
  const out = empty(t._shape, dtype);
  const n = out.numel();
  if (n > 0) {
    const direct = CAST[t.dtype][dtype];
    if (direct === undefined) {
      // Through float64. The intermediate is made before any pointer is fetched (no Storage may be
      // made between a kernel call's pointer fetches and the call: see storage.ts).
      const mid = castTo(x, 'float64');
      // biome-ignore lint/style/noNonNullAssertion: CAST.float64 names a cast to every other dtype.
      kernel(CAST.float64[dtype]!)(out._ptr(), mid._ptr(), n);
      mid.dispose();
    } else {
      kernel(direct)(out._ptr(), x._ptr(), n);
    }
  }
  if (x !== t) x.dispose();
  return out;
}

export function randomK(kind: 'rand' | 'randn', shape: Shape, dtype: DType): Tensor {
  const out = empty(shape, dtype);
  if (out.numel() > 0) kernelFor(kind, dtype)(out._ptr(), out.numel());
  return out;
}

export function rangeK(kind: 'arange' | 'linspace', n: number, a: number, b: number, dtype: DType): Tensor {
  const kd = dtype === 'float64' ? 'float64' : 'float32';
  const out = empty([n], kd);
  if (n > 0) kernelFor(kind, kd)(out._ptr(), n, a, b);
  return castTo(out, dtype);
}
