// asgrad: PyTorch's tensors and autograd, computed by a WebAssembly core.
import { Tensor } from './tensor.js';
import * as O from './ops/table.js';
import * as nn from './nn.js';
import { SGD } from './optim.js';
import { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './grad_mode.js';
import { init } from './core/wasm.js';
import { getCore } from './core/wasm.js';
import { stats } from './storage.js';
import { Size } from './shape.js';

export type { DType } from './dtype.js';
export type { TensorOptions, TensorLike, Scalar, Reduction } from './ops/table.js';
export type { InitOptions } from './core/wasm.js';
export { Tensor, Size, nn };

export interface MemoryInfo {
  wasmBytes: number;
  allocatedBytes: number;
  peakAllocatedBytes: number;
  liveTensors: number;
  liveStorages: number;
}

function memory(): MemoryInfo {
  const c = getCore();
  return {
    wasmBytes: c.heap_bytes(),
    allocatedBytes: c.allocated_bytes(),
    peakAllocatedBytes: c.peak_allocated_bytes(),
    liveTensors: stats.liveTensors,
    liveStorages: stats.liveStorages,
  };
}

export const torch = {
  Tensor,
  Size,
  init,
  memory,
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
  noGrad,
  enableGrad,
  isGradEnabled,
  setGradEnabled,
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
  gt: (a: Tensor, b: O.TensorLike | O.Scalar) => O.compare('gt', a, b),
  lt: (a: Tensor, b: O.TensorLike | O.Scalar) => O.compare('lt', a, b),
  ge: (a: Tensor, b: O.TensorLike | O.Scalar) => O.compare('ge', a, b),
  le: (a: Tensor, b: O.TensorLike | O.Scalar) => O.compare('le', a, b),
  eq: (a: Tensor, b: O.TensorLike | O.Scalar) => O.compare('eq', a, b),
  ne: (a: Tensor, b: O.TensorLike | O.Scalar) => O.compare('ne', a, b),
  float32: 'float32' as const,
  float64: 'float64' as const,
  int64: 'int64' as const,
  bool: 'bool' as const,
  nn: { ...nn, functional: nn.functional },
  optim: { SGD },
};

export default torch;
