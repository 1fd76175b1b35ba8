// The registry: every op entry of ops/<kind>.ts in one table, and what is derived from it — the
// Tensor methods and properties, the `torch.*` ops and `nn.functional`. Everything that uses ops
// imports them from here, so binding the Tensor class (bindTensor below) happens before any
// tensor can exist.
import { Tensor } from '../tensor.js';
import { bindLate } from '../late.js';
import { regenerateViewGradFn } from './inplace.js';
import * as K from './internal.js';
import { backward } from '../engine.js';
import type { AnyFn, OpSpec } from './registry.js';
import type { Functional, TensorMethods, TensorProperties, TorchOps } from './registry.generated.js';
import { CONVERSION_OPS } from './operands.js';
import { CREATION_OPS } from './creation.js';
import { BINARY_OPS } from './binary.js';
import { UNARY_OPS } from './unary.js';
import { REDUCTION_OPS } from './reduction.js';
import { VIEW_OPS } from './views.js';
import { SLICING_OPS } from './slicing.js';
import { INDEXING_OPS } from './indexing.js';
import { LINALG_OPS } from './linalg.js';
import { NN_OPS } from './nn_functional.js';
import { LOSS_OPS } from './losses.js';
import { LOSS_MORE_OPS } from './losses_more.js';
import { LOSS_LOGITS_OPS } from './losses_logits.js';
import { SIMILARITY_OPS } from './similarity.js';
import { EINSUM_OPS } from './einsum.js';
import { INPLACE_OPS } from './inplace.js';
import { SCAN_OPS } from './scan.js';
import { EXTREMA_OPS } from './extrema.js';
import { ACTIVATION_OPS } from './activations.js';
import { ERF_OPS } from './activations_erf.js';
import { RANDOM_OPS } from './random.js';
import { NORM_OPS } from './norms.js';
import { EMBEDDING_OPS } from './embedding.js';
import { CONV_OPS } from './conv.js';
import { CONV_TRANSPOSE_OPS } from './conv_transpose.js';
import { POOL_OPS } from './pool.js';
import { SPLIT_OPS } from './split.js';
import { XLOGY_OPS } from './xlogy.js';
import { MASKED_OPS } from './masked.js';
import { SVD_OPS } from './svd.js';

export const OPS = {
  ...CREATION_OPS,
  ...CONVERSION_OPS,
  ...BINARY_OPS,
  ...UNARY_OPS,
  ...REDUCTION_OPS,
  ...VIEW_OPS,
  ...SLICING_OPS,
  ...INDEXING_OPS,
  ...LINALG_OPS,
  ...NN_OPS,
  ...LOSS_OPS,
  ...LOSS_MORE_OPS,
  ...LOSS_LOGITS_OPS,
  ...SIMILARITY_OPS,
  ...EINSUM_OPS,
  ...INPLACE_OPS,
  ...SCAN_OPS,
  ...EXTREMA_OPS,
  ...ERF_OPS,
  ...RANDOM_OPS,
  ...ACTIVATION_OPS,
  ...NORM_OPS,
  ...EMBEDDING_OPS,
  ...CONV_OPS,
  ...CONV_TRANSPOSE_OPS,
  ...POOL_OPS,
  ...SPLIT_OPS,
  ...XLOGY_OPS,
  ...MASKED_OPS,
  ...SVD_OPS,
} as const;
/** The entries, for code that reads them as data (tests, docs). */
export const ENTRIES: readonly OpSpec[] = Object.values(OPS);
export type { Functional, TensorMethods, TensorProperties, TorchOps };

declare module '../tensor.js' {
  // The methods and properties the registry gives every Tensor (bindTensor installs them; their
  // types are generated from the entries by scripts/registry-types.mjs).
  interface Tensor extends TensorMethods, TensorProperties {}
}

/** A method calling `fn` with the receiver first (no rest arguments: nothing allocated per call). */
function asMethod(fn: AnyFn): (this: Tensor, a?: unknown, b?: unknown, c?: unknown, d?: unknown) => unknown {
  return function (this: Tensor, a?: unknown, b?: unknown, c?: unknown, d?: unknown) {
    return fn(this, a, b, c, d);
  };
}

function pick<R>(entries: readonly OpSpec[], key: 'aliases' | 'functional', withName: boolean): R {
  const out: Record<string, AnyFn> = {};
  for (const e of entries) {
    if (withName && e.torch !== false) out[e.name] = e.fn;
    for (const [name, f] of Object.entries(e[key] ?? {})) out[name] = f === true ? e.fn : f;
  }
  return Object.freeze(out) as R;
}

/** `torch.*` ops (with aliases such as clip), from the registry. */
export const torchOps: TorchOps = pick<TorchOps>(ENTRIES, 'aliases', true);
/** `torch.linalg`: the registry's linalg.* entries (torch: false) under PyTorch's short names. */
export const linalg = Object.freeze({
  svd: OPS.linalgSvd.fn,
  svdvals: OPS.linalgSvdvals.fn,
  matrixNorm: OPS.linalgMatrixNorm.fn,
});
/** `nn.functional`, from the registry. */
export const functional: Functional = pick<Functional>(ENTRIES, 'functional', false);

/**
 * Installs the registry's methods and properties on Tensor.prototype and gives the Tensor class
 * what it needs from the layers above it (the engine, view regeneration, kernel copies). Runs once,
 * when this module is evaluated: every path to a tensor goes through this module.
 */
function bindTensor(): void {
  const proto = Tensor.prototype as unknown as Record<string, unknown>;
  for (const e of ENTRIES) {
    for (const [name, m] of Object.entries(e.methods ?? {})) {
      // Adapters with rest parameters (reshape(...shape)) are installed as they are.
      const value =
        m === true
          ? asMethod(e.fn)
          : function (this: Tensor, ...args: unknown[]) {
              return m(this, ...args);
            };
      Object.defineProperty(proto, name, { value, writable: true, configurable: true, enumerable: false });
    }
    for (const [name, get] of Object.entries(e.properties ?? {})) {
      Object.defineProperty(proto, name, {
        get(this: Tensor) {
          return get(this);
        },
        configurable: true,
        enumerable: false,
      });
    }
  }
  bindLate({ backward, regenerateViewGradFn, contiguousCopy: K.contiguousCopy });
}
bindTensor();
