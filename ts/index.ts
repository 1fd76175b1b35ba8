// asgrad: PyTorch's tensors and autograd, computed by a WebAssembly core.
import { Tensor } from './tensor.js';
import { grad, backwardAll } from './autograd_api.js';
import * as functional from './autograd_functional.js';
import { AutogradFunction, FunctionCtx } from './autograd_function.js';
import { GradcheckError, gradcheck, gradgradcheck } from './autograd_gradcheck.js';
import { detectAnomaly, isAnomalyCheckNanEnabled, isAnomalyEnabled, setDetectAnomaly } from './anomaly_mode.js';
import { toDot, toSvg } from './autograd_graph.js';
import { linalg, torchOps } from './ops/index.js';
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
import { getNumThreads, helperParts, setNumThreads, setThreadMinWork, threadsReady } from './core/threads.js';
import { stats } from './storage.js';
import { scope, keep } from './scope.js';
import { Size } from './shape.js';
import * as V from './validate.js';
import type { Tensor as TensorT } from './tensor.js';

export type { SvdResult } from './ops/svd.js';
export type { DType } from './dtype.js';
export type { GradOptions } from './autograd_api.js';
export type { AnomalyOptions } from './anomaly_mode.js';
export type { GradcheckOptions, GradgradcheckOptions } from './autograd_gradcheck.js';
export { GradcheckError };
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
export type { DataSource, MNISTLoadOptions, IdxHeader, FamilyInfo } from './data/mnist.js';
export { Generator, Dataset, TensorDataset, Subset, DataLoader, MNIST, FashionMNIST };
// Also loads the declaration that gives Tensor its registry methods (ops/index.ts).
export type { TensorMethods, TensorProperties, TorchOps, Functional } from './ops/index.js';
// The types the ops' signatures name, so that the API reference can show (and link) them.
export type { BackwardOpts, NestedList } from './tensor.js';
export type { TensorHook, RemovableHandle } from './autograd.js';
export type { AutogradFunction, FunctionCtx } from './autograd_function.js';
/** torch.autograd.functional (the `torch.autograd.functional` object), as a namespace of types for the reference. */
export type * as autogradFunctional from './autograd_functional.js';
export type { TensorOrTensors } from './autograd_api.js';
export type { NestedNumbers, TypedData } from './ops/operands.js';
export type { ShapeArgs, RandomShapeArgs } from './ops/creation.js';
export type { ValuesIndices } from './ops/extrema.js';
export type { DimOpts, NormOpts } from './ops/scan.js';
export type { NllOpts } from './ops/losses.js';
export type { KlReduction } from './ops/losses_more.js';
export type { ConvOptions } from './ops/conv.js';
export type { ConvTransposeOptions } from './ops/conv_transpose.js';
export type { IntOrPair, MaxPoolOptions, AvgPoolOptions, MaxPool1dOptions, AvgPool1dOptions, MaxUnpoolOptions } from './ops/pool.js';
export type { EmbeddingFnOptions, PadMode } from './ops/embedding.js';
export { Tensor, Size };
/** torch.nn: Module, the layers, losses and containers, `nn.functional`, `nn.init` and `nn.utils` (also `torch.nn`). */
export { nn };
/** torch.optim: the optimizers and `lrScheduler` (PyTorch's `torch.optim.lr_scheduler`) (also `torch.optim`). */
export { optim };
/** The safetensors format: `save(tensors)` -> bytes, `load(bytes)` -> named tensors (also `torch.safetensors`; files: `asgrad/node`). */
export { safetensors };

/** What `torch.memory()` reports about the WebAssembly memory and the live tensors. */
export interface MemoryInfo {
  /** Size of the WASM linear memory. */
  wasmBytes: number;
  /** Bytes in live allocator blocks (tensor storages and the kernels' scratch arena). */
  allocatedBytes: number;
  /** The highest allocatedBytes since start or resetPeakMemory(). */
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

/** Memory statistics of the WebAssembly core and the live tensors (compare PyTorch's `torch.cuda.memory_allocated()`). */
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

/**
 * PyTorch's `torch` module: `import torch from 'asgrad'`, then `torch.tensor(...)`, `torch.nn.Linear`,
 * `torch.optim.SGD`... The ops (`torch.add`, `torch.matmul`...) come from the op registry (see TorchOps);
 * PyTorch's snake_case names are camelCase (`torch.zeros_like` is `torch.zerosLike`) and keyword
 * arguments go in a last options object (`torch.sum(x, { dim: 1, keepdim: true })`).
 * @namespace
 */
export const torch = {
  /** The tensor class (PyTorch's `torch.Tensor`), for `instanceof` and static use. */
  Tensor,
  Size,
  init,
  memory,
  setMemoryLimit,
  resetPeakMemory,
  /**
   * torch.autograd: `grad(outputs, inputs, opts)`, `backward(tensors, grads, opts)`, `functional`,
   * custom `Function`, `graph`, anomaly detection and `gradcheck` / `gradgradcheck`.
   */
  autograd: {
    grad,
    backward: backwardAll,
    /** PyTorch's `torch.autograd.functional`: jacobian, hessian, vjp, jvp, hvp, vhp. */
    functional,
    Function: AutogradFunction,
    FunctionCtx,
    /** The graph as a picture (torchviz's make_dot): `toDot(output, opts)` gives DOT text, `toSvg(output, opts)` a standalone SVG. */
    graph: { toDot, toSvg },
    detectAnomaly,
    setDetectAnomaly,
    isAnomalyEnabled,
    isAnomalyCheckNanEnabled,
    gradcheck,
    gradgradcheck,
    GradcheckError,
  },
  /**
   * Runs `fn` and then disposes every tensor made inside it except those it returns (or `keep`s):
   * JavaScript has no reference counting, so this is how loops free their temporaries. No PyTorch
   * counterpart (tf.tidy in TensorFlow.js).
   */
  scope: <T>(fn: () => T): T => scope(V.callback(fn, 'scope')),
  /** Marks a tensor to survive every enclosing `torch.scope`, and returns it. */
  keep: <T extends TensorT>(t: T): T => {
    V.tensor(t, 'keep', 'tensor', 1);
    return keep(t);
  },
  manualSeed,
  /**
   * Sets how many threads matrix products (matmul, linear, convolutions) may use, the calling one
   * included (PyTorch's `torch.set_num_threads(n)`). Results are bit-identical for every count:
   * products are split by output, never along a sum. In a browser, threads run in a dedicated
   * worker of a cross-origin isolated page after `await torch.init()`; where threads cannot run (a
   * page's main thread, a page without COOP/COEP, Cloudflare workers, no SharedArrayBuffer) the
   * count stays 1. docs/platforms.md, "Threads in a page"; docs/design.md, "Threads".
   */
  setNumThreads: (...args: [n: number]): void => {
    if (args.length !== 1) throw new TypeError(`torch.set_num_threads() takes exactly one argument (${args.length} given)`);
    const n = args[0] as unknown;
    if (typeof n !== 'number' || !Number.isInteger(n)) throw new Error(`set_num_threads expects an int, but got ${V.typeName(n)}`);
    if (n <= 0) throw new Error('set_num_threads expects a positive integer');
    setNumThreads(n);
  },
  /** The threads matrix products may use (PyTorch's `torch.get_num_threads()`): by default the cores available, 1 where threads cannot run. */
  getNumThreads: (...args: []): number => {
    if (args.length !== 0) throw new TypeError(`torch.get_num_threads() takes no arguments (${args.length} given)`);
    return getNumThreads();
  },
  /**
   * @internal The thread pool's test hooks, reachable from any build or bundle of the library (the
   * platform check splits even the golden cases' small products): wait until every helper of the
   * current count has started, set the multiply-adds below which a product stays on one thread,
   * count the parts helpers ran.
   */
  _threads: { ready: threadsReady, setMinWork: setThreadMinWork, helperParts },
  /** torch.Generator: an independent seeded random stream (`new torch.Generator().manualSeed(0)`). */
  Generator,
  /** The global stream that torch.manualSeed seeds and random ops use without a `generator`. */
  defaultGenerator,
  getRngState,
  setRngState,
  initialSeed,
  /** torch.utils.data: datasets and the DataLoader. */
  utils: {
    /** PyTorch's torch.utils.data: Dataset, TensorDataset, Subset, randomSplit, DataLoader, defaultCollate. */
    data: { Dataset, TensorDataset, Subset, randomSplit, DataLoader, defaultCollate },
  },
  /** torchvision.datasets' counterparts: `await torch.datasets.FashionMNIST.load(root, { train })`. */
  datasets: { MNIST, FashionMNIST, parseIdx },
  // grad mode
  /** Runs `fn` with gradient tracking off and returns its result: PyTorch's `with torch.no_grad():`. */
  noGrad: <T>(fn: () => T): T => noGrad(V.callback(fn, 'noGrad')),
  /** Runs `fn` with gradient tracking on and returns its result: PyTorch's `with torch.enable_grad():`. */
  enableGrad: <T>(fn: () => T): T => enableGrad(V.callback(fn, 'enableGrad')),
  isGradEnabled,
  /** Turns gradient tracking on or off until changed again (PyTorch's `torch.set_grad_enabled(mode)`). */
  setGradEnabled: (enabled: boolean): void => {
    if (typeof enabled !== 'boolean') throw new TypeError(`enabled must be a bool (got ${V.typeName(enabled)})`);
    setGradEnabled(enabled);
  },
  // every op of the registry exported as torch.<name> (ops/index.ts)
  ...torchOps,
  /** PyTorch's `torch.linalg`: `svd(A, { fullMatrices })`, `svdvals(A)`, `matrixNorm(A, ord, { dim, keepdim })`. */
  linalg,
  /** PyTorch's `torch.float32` (the default dtype), here the string `'float32'`. */
  float32: 'float32' as const,
  /** PyTorch's `torch.float64`, here the string `'float64'`. */
  float64: 'float64' as const,
  /** PyTorch's `torch.int64` (class labels, indices; `torch.tensor([1n, 2n])`), here the string `'int64'`. */
  int64: 'int64' as const,
  /** PyTorch's `torch.bool`, here the string `'bool'`. */
  bool: 'bool' as const,
  /** PyTorch's `torch.nn`: modules, losses, `functional`, `init`, `utils`. */
  // Typed as the namespace (the value is a plain copy of it): the reference then links torch.nn to nn.
  nn: { ...nn, functional: nn.functional } as typeof nn,
  /** PyTorch's `torch.optim`: the optimizers and `lrScheduler` (`torch.optim.lr_scheduler`). */
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
    /** PyTorch's `torch.optim.lr_scheduler`: StepLR, CosineAnnealingLR, OneCycleLR, ReduceLROnPlateau... */
    lrScheduler: optim.lrScheduler,
  },
  /** The safetensors format (Hugging Face's `safetensors.torch`): `save(tensors)` -> bytes, `load(bytes)` -> named tensors. */
  safetensors,
};

export default torch;
