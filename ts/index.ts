// asgrad: PyTorch's tensors and autograd, computed by a WebAssembly core.
import { Tensor } from './tensor.js';
import { grad, backwardAll } from './autograd_api.js';
import * as functional from './autograd_functional.js';
import { AutogradFunction, FunctionCtx } from './autograd_function.js';
import { GradcheckError, gradcheck, gradgradcheck } from './autograd_gradcheck.js';
import { detectAnomaly, isAnomalyCheckNanEnabled, isAnomalyEnabled, setDetectAnomaly } from './anomaly_mode.js';
import { toDot, toSvg } from './autograd_graph.js';
import { torchOps } from './ops/index.js';
import { manualSeed } from './ops/creation.js';
import { Generator, defaultGenerator, getRngState, setRngState, initialSeed } from './ops/random.js';
import { Dataset, TensorDataset, Subset, randomSplit } from './data/dataset.js';
import { DataLoader, defaultCollate } from './data/dataloader.js';
import { MNIST, FashionMNIST, parseIdx } from './data/mnist.js';
import * as nn from './nn.js';
import * as optim from './optim.js';
import * as safetensors from './safetensors.js';
import { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './grad_mode.js';
import { init } from './core/wasm.js';
import { getCore } from './core/wasm.js';
import { stats } from './storage.js';
import { scope, keep } from './scope.js';
import { Size } from './shape.js';
import * as V from './validate.js';
import type { Tensor as TensorT } from './tensor.js';

export type { DType } from './dtype.js';
export type { GradOptions } from './autograd_api.js';
export type { AnomalyOptions } from './anomaly_mode.js';
export type { GradcheckOptions, GradgradcheckOptions } from './autograd_gradcheck.js';
export type { GraphOptions, GraphParams } from './autograd_graph.js';
export type { TensorFunction, FunctionalOptions, JacobianOptions } from './autograd_functional.js';
export type { TensorOptions, TensorLike, Scalar } from './ops/operands.js';
export type { Reduction } from './ops/losses.js';
export type { AlphaOptions } from './ops/binary.js';
export type { ReduceDims, ReduceOpts, VarOpts } from './ops/reduction.js';
export type { InitOptions } from './core/wasm.js';
export type { RandomOptions } from './ops/random.js';
export type { DatasetLike } from './data/dataset.js';
export type { DataLoaderOptions, Collated } from './data/dataloader.js';
export type { DataSource, MNISTLoadOptions, IdxHeader } from './data/mnist.js';
export { Generator, Dataset, TensorDataset, Subset, DataLoader, MNIST, FashionMNIST };
// Also loads the declaration that gives Tensor its registry methods (ops/index.ts).
export type { TensorMethods, TorchOps, Functional } from './ops/index.js';
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
  /**
   * torch.autograd: `grad(outputs, inputs, opts)`, `backward(tensors, grads, opts)`, `functional`
   * (jacobian, hessian, vjp, jvp, hvp, vhp), custom `Function`, `graph` (the graph as DOT or SVG:
   * toDot, toSvg), anomaly detection (`detectAnomaly(fn, { checkNan })`, `setDetectAnomaly(mode,
   * { checkNan })`, `isAnomalyEnabled()`), and `gradcheck` / `gradgradcheck` (raising `GradcheckError`).
   */
  autograd: {
    grad,
    backward: backwardAll,
    functional,
    Function: AutogradFunction,
    FunctionCtx,
    graph: { toDot, toSvg },
    detectAnomaly,
    setDetectAnomaly,
    isAnomalyEnabled,
    isAnomalyCheckNanEnabled,
    gradcheck,
    gradgradcheck,
    GradcheckError,
  },
  scope: <T>(fn: () => T): T => scope(V.callback(fn, 'scope')),
  keep: <T extends TensorT>(t: T): T => {
    V.tensor(t, 'keep', 'tensor', 1);
    return keep(t);
  },
  manualSeed,
  /** torch.Generator: an independent seeded random stream (`new torch.Generator().manualSeed(0)`). */
  Generator,
  /** The global stream that torch.manualSeed seeds and random ops use without a `generator`. */
  defaultGenerator,
  getRngState,
  setRngState,
  initialSeed,
  /** torch.utils.data: datasets and the DataLoader. */
  utils: { data: { Dataset, TensorDataset, Subset, randomSplit, DataLoader, defaultCollate } },
  /** torchvision.datasets' counterparts: `await torch.datasets.FashionMNIST.load(root, { train })`. */
  datasets: { MNIST, FashionMNIST, parseIdx },
  // grad mode
  noGrad: <T>(fn: () => T): T => noGrad(V.callback(fn, 'noGrad')),
  enableGrad: <T>(fn: () => T): T => enableGrad(V.callback(fn, 'enableGrad')),
  isGradEnabled,
  setGradEnabled: (enabled: boolean): void => {
    if (typeof enabled !== 'boolean') throw new TypeError(`enabled must be a bool (got ${V.typeName(enabled)})`);
    setGradEnabled(enabled);
  },
  // every op of the registry exported as torch.<name> (ops/index.ts)
  ...torchOps,
  float32: 'float32' as const,
  float64: 'float64' as const,
  int64: 'int64' as const,
  bool: 'bool' as const,
  nn: { ...nn, functional: nn.functional },
  optim: {
    Optimizer: optim.Optimizer,
    SGD: optim.SGD,
    Adam: optim.Adam,
    AdamW: optim.AdamW,
    RMSprop: optim.RMSprop,
    Adagrad: optim.Adagrad,
    Adadelta: optim.Adadelta,
    Adamax: optim.Adamax,
    NAdam: optim.NAdam,
    RAdam: optim.RAdam,
    lrScheduler: optim.lrScheduler,
  },
  safetensors,
};

export default torch;
