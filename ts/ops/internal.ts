// Kernel calls: each function allocates its result and hands pointers, shapes and strides to the
// WebAssembly core. Nothing here records autograd history (the op entries of ./<kind>.ts do).
// The calls live in ./kernels/ by kind; this file is the one namespace the op files import
// (`import * as K from './internal.js'`), so it lists exactly what they may call.
export type { FloatKernel, KernelName } from '../core/wasm.js';
export {
  castTo,
  contiguousCopy,
  contiguousOf,
  copyInto,
  empty,
  fillWith,
  fromTyped,
  full,
  randomK,
  rangeK,
  scalarConstant,
} from './kernels/memory.js';
export { copyPreservingLayout, outputLayout } from './kernels/layout.js';
export { binary, binaryInto, thresholdBackwardK, unary, whereK } from './kernels/elementwise.js';
export { type ReduceKind, reduce, softmaxBackwardK, softmaxK } from './kernels/reduce.js';
export { layerNormRowsBackwardK, layerNormRowsK } from './kernels/norm.js';
export { indexAddK, indexSelectK, matmul3 } from './kernels/matmul_index.js';
export { indexAccumulateK, indexLinearStepK, indexPutK, maskPositionsK } from './kernels/masked.js';
export {
  type Geometry,
  adaptiveAvgBackK,
  adaptiveAvgK,
  avgPoolBackK,
  avgPoolK,
  col2imK,
  convGemmK,
  convGradInputK,
  convGradWeightK,
  im2colK,
  maxPoolBackK,
  maxPoolGatherK,
  maxPoolK,
} from './kernels/conv.js';
export { type PadGeometry, padBackK, padK } from './kernels/pad.js';
export { adaptiveMaxK, maxUnpoolK } from './kernels/pool.js';
export { svdK, type SvdParts } from './kernels/svd.js';
