// Reading a tensor's values out of WASM memory: the bodies of Tensor's toArray, dataSync, tolist,
// item and toString (tensor.ts keeps the methods, which call these). Tensor is known here only as
// a type (tensor.ts imports this file); a non-contiguous tensor is copied through `late`, as the
// kernels sit above tensor.ts.
import type { NestedList, Tensor } from './tensor.js';
import { withGradMode } from './grad_mode.js';
import { memoryBuffer } from './core/wasm.js';
import { formatTensor } from './print.js';
import { late } from './late.js';
import { ValueError } from './validate.js';

/** A copy of the values, row-major, as a typed array of the tensor's dtype. */
export function toArray(t: Tensor): Float32Array | Float64Array | BigInt64Array | Uint8Array {
  t._check('toArray');
  const c = t.isContiguous() ? t : withGradMode(false, () => late.contiguousCopy(t));
  const n = t.numel();
  // The pointer first: bringing a spilled storage back may grow (and so detach) the buffer.
  const p = c._ptr();
  const buf = memoryBuffer();
  // A fresh array filled by set(): slice() of a view on the threaded core's shared memory takes
  // V8's slow path (about 20x set's time: 0.2 ms for 64 KiB).
  let out: Float32Array | Float64Array | BigInt64Array | Uint8Array;
  switch (t.dtype) {
    case 'float32':
      out = new Float32Array(n);
      out.set(new Float32Array(buf, p, n));
      break;
    case 'float64':
      out = new Float64Array(n);
      out.set(new Float64Array(buf, p, n));
      break;
    case 'int64':
      out = new BigInt64Array(n);
      out.set(new BigInt64Array(buf, p, n));
      break;
    default:
      out = new Uint8Array(n);
      out.set(new Uint8Array(buf, p, n));
  }
  if (c !== t) c.dispose();
  return out;
}

/** Values as plain JS numbers (booleans for bool), row-major. */
export function dataSync(t: Tensor): number[] | boolean[] {
  const a = toArray(t);
  // Indexed loops into a preallocated array: Array.from over a typed array goes through the
  // iterator protocol, about 70 ns an element in V8 (1.1 ms for a 64x256 result).
  const n = a.length;
  if (t.dtype === 'bool') {
    const u = a as Uint8Array;
    const out = new Array<boolean>(n);
    for (let i = 0; i < n; i++) out[i] = u[i] !== 0;
    return out;
  }
  const out = new Array<number>(n);
  if (t.dtype === 'int64') {
    const b = a as BigInt64Array;
    for (let i = 0; i < n; i++) out[i] = Number(b[i]);
  } else {
    const f = a as Float32Array | Float64Array;
    for (let i = 0; i < n; i++) out[i] = f[i];
  }
  return out;
}

/** Nested arrays like torch.Tensor.tolist(); a 0-d tensor gives its number. */
export function tolist(t: Tensor): NestedList {
  const flat = dataSync(t);
  const shape = t._shape;
  let pos = 0;
  const build = (d: number): NestedList => {
    if (d === shape.length) return flat[pos++];
    const out: NestedList[] = [];
    for (let i = 0; i < shape[d]; i++) out.push(build(d + 1));
    return out;
  };
  return build(0);
}

/** The value of a one-element tensor as a number (bool as 0 / 1). */
export function item(t: Tensor): number {
  const n = t.numel();
  if (n !== 1) throw new ValueError('only one element tensors can be converted to Python scalars');
  const v = dataSync(t)[0];
  return typeof v === 'boolean' ? (v ? 1 : 0) : v;
}

/** PyTorch's repr: the values, then grad_fn=<...> or requires_grad=True. */
export function tensorString(t: Tensor): string {
  const suffixes: string[] = [];
  const fn = t.gradFn;
  if (fn) suffixes.push(`grad_fn=${fn}`);
  else if (t.requiresGrad) suffixes.push('requires_grad=True');
  return formatTensor(dataSync(t), t._shape, t.dtype, suffixes);
}
