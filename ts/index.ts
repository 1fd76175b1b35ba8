// asgrad: PyTorch's tensors and autograd, computed by a WebAssembly core.
import { Tensor } from './tensor.js';
import * as O from './ops/table.js';
import * as nn from './nn.js';
import { SGD } from './optim.js';
import { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './grad_mode.js';
import { init } from './core/wasm.js';
import { getCore } from './core/wasm.js';
import { stats } from './storage.js';
import { scope, keep } from './scope.js';
import { Size } from './shape.js';
import * as V from './validate.js';
import type { Tensor as TensorT } from './tensor.js';

export type { DType } from './dtype.js';
export type { TensorOptions, TensorLike, Scalar, Reduction } from './ops/table.js';
export type { InitOptions } from './core/wasm.js';
export { Tensor, Size, nn };

export interface MemoryInfo {
  /** Size of the WASM linear memory. */
  wasmBytes: number;
  /** Bytes in live allocator blocks (tensor storages and the kernels' scratch arena). */
  allocatedBytes: number;
  peakAllocatedBytes: number;
  /** Undisposed tensor handles whose storage is in WASM memory. */
  liveTensors: number;
  /** Storages in WASM memory. */
  liveStorages: number;
  /** Storages moved out to JS memory so far because nothing touched them (see docs/memory.md). */
  spills: number;
  /** Spilled storages brought back because a handle used them again. */
  restores: number;
}

function memory(): MemoryInfo {
  const c = getCore();
  return {
    wasmBytes: c.heap_bytes(),
    // usize results arrive as signed i32: read them unsigned (they pass 2 GiB).
    allocatedBytes: c.allocated_bytes() >>> 0,
    peakAllocatedBytes: c.peak_allocated_bytes() >>> 0,
    liveTensors: stats.liveTensors,
    liveStorages: stats.liveStorages,
    spills: stats.spills,
    restores: stats.restores,
  };
}

/** Caps the WASM memory at `bytes` (default and maximum: 4 GiB); beyond it allocation fails. */
function setMemoryLimit(bytes: number): void {
  getCore().set_limit_bytes(bytes);
}

/** Resets peakAllocatedBytes to the current allocation. */
function resetPeakMemory(): void {
  getCore().reset_peak();
}

export const torch = {
  Tensor,
  Size,
  init,
  memory,
  setMemoryLimit,
  resetPeakMemory,
  scope: <T>(fn: () => T): T => scope(V.callback(fn, 'scope')),
  keep: <T extends TensorT>(t: T): T => {
    V.tensor(t, 'keep', 'tensor', 1);
    return keep(t);
  },
  // creation
  tensor: O.tensor,
  fromArray: O.fromArray,
  zeros: O.zeros,
  ones: O.ones,
  empty: O.empty,
  full: O.full,
  arange: O.arange,
  linspace: O.linspace,
  rand: O.rand,
  randn: O.randn,
  zerosLike: O.zerosLike,
  onesLike: O.onesLike,
  fullLike: O.fullLike,
  randLike: O.randLike,
  randnLike: O.randnLike,
  manualSeed: O.manualSeed,
  // grad mode
  noGrad: <T>(fn: () => T): T => noGrad(V.callback(fn, 'noGrad')),
  enableGrad: <T>(fn: () => T): T => enableGrad(V.callback(fn, 'enableGrad')),
  isGradEnabled,
  setGradEnabled: (enabled: boolean): void => {
    if (typeof enabled !== 'boolean') throw new TypeError(`enabled must be a bool (got ${V.typeName(enabled)})`);
    setGradEnabled(enabled);
  },
  // ops
  add: O.add,
  sub: O.sub,
  mul: O.mul,
  div: O.div,
  pow: O.pow,
  maximum: O.maximum,
  minimum: O.minimum,
  neg: O.neg,
  exp: O.exp,
  log: O.log,
  sqrt: O.sqrt,
  abs: O.abs,
  sin: O.sin,
  cos: O.cos,
  tanh: O.tanh,
  sigmoid: O.sigmoid,
  relu: O.relu,
  square: O.square,
  reciprocal: O.reciprocal,
  sign: O.sign,
  clamp: O.clamp,
  clip: O.clamp,
  sum: O.sum,
  mean: O.mean,
  amax: O.amax,
  amin: O.amin,
  logsumexp: O.logsumexp,
  var: O.var_,
  std: O.std,
  matmul: O.matmul,
  mm: O.mm,
  mv: O.mv,
  bmm: O.bmm,
  dot: O.dot,
  addmm: O.addmm,
  transpose: O.transpose,
  t: O.t,
  reshape: O.reshape,
  flatten: O.flatten,
  squeeze: O.squeeze,
  unsqueeze: O.unsqueeze,
  permute: O.permute,
  narrow: O.narrow,
  select: O.select,
  cat: O.cat,
  stack: O.stack,
  indexSelect: O.indexSelect,
  where: O.where,
  softmax: O.softmax,
  logSoftmax: O.logSoftmax,
  gt: (a: Tensor | O.Scalar, b: Tensor | O.Scalar) => O.compare('gt', a, b),
  lt: (a: Tensor | O.Scalar, b: Tensor | O.Scalar) => O.compare('lt', a, b),
  ge: (a: Tensor | O.Scalar, b: Tensor | O.Scalar) => O.compare('ge', a, b),
  le: (a: Tensor | O.Scalar, b: Tensor | O.Scalar) => O.compare('le', a, b),
  eq: (a: Tensor | O.Scalar, b: Tensor | O.Scalar) => O.compare('eq', a, b),
  ne: (a: Tensor | O.Scalar, b: Tensor | O.Scalar) => O.compare('ne', a, b),
  float32: 'float32' as const,
  float64: 'float64' as const,
  int64: 'int64' as const,
  bool: 'bool' as const,
  nn: { ...nn, functional: nn.functional },
  optim: { SGD },
};

export default torch;
