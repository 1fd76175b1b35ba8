// torch.autograd's entry points: grad(outputs, inputs, opts) and backward(tensors, grads, opts),
// PyTorch 1.13's argument checks and messages (_make_grads, the engine's input checks), over the
// engine's pass from several roots (./engine.ts runEngine).
import { Tensor } from './tensor.js';
import { AutogradError } from './autograd.js';
import { advanceGeneration } from './storage.js';
import * as V from './validate.js';
import { full } from './ops/internal.js';
import { runEngine } from './engine.js';

/** Keyword arguments of `torch.autograd.grad`: PyTorch's `grad_outputs`, `retain_graph`, `create_graph`, `allow_unused` (camelCase). */
export interface GradOptions {
  /** One gradient per output (null: ones for a scalar output), as grad_outputs. */
  gradOutputs?: Tensor | readonly (Tensor | null)[] | null;
  /** Keep the graph's saved tensors for another backward (PyTorch's `retain_graph`). */
  retainGraph?: boolean;
  /** Record the backward pass itself, for higher-order derivatives (PyTorch's `create_graph`). */
  createGraph?: boolean;
  /** Null (instead of an error) for an input the outputs do not depend on. */
  allowUnused?: boolean;
}
const GRAD_OPTS = V.optionSpec('grad', { gradOutputs: 'any', retainGraph: 'bool', createGraph: 'bool', allowUnused: 'bool' }, [
  'onlyInputs',
  'isGradsBatched',
]);
const AUTOGRAD_BACKWARD_OPTS = V.optionSpec('backward', { retainGraph: 'bool', createGraph: 'bool' }, ['gradVariables', 'inputs']);

/** One tensor or a list of tensors, as PyTorch's `_TensorOrTensors`. */
export type TensorOrTensors = Tensor | readonly Tensor[];
const asList = (x: TensorOrTensors, what: string): Tensor[] => {
  const xs = x instanceof Tensor ? [x] : Array.isArray(x) ? [...x] : null;
  if (xs === null) throw new TypeError(`${what} must be a Tensor or a list of Tensors, not ${V.typeName(x)}`);
  for (const t of xs)
    if (!(t instanceof Tensor)) throw new TypeError(`${what} must be a Tensor or a list of Tensors, not ${V.typeName(t)}`);
  return xs;
};

/** PyTorch's _make_grads: each output's gradient, checked, with ones for a scalar output that has none. */
function makeGrads(outputs: readonly Tensor[], given: TensorOrTensors | readonly (Tensor | null)[] | null | undefined): Tensor[] {
  const list: (Tensor | null)[] =
    given === undefined || given === null ? outputs.map(() => null) : given instanceof Tensor ? [given] : [...(given as (Tensor | null)[])];
  if (list.length !== outputs.length) {
    throw new AutogradError(`grad requires one gradient per output: got ${list.length} for ${outputs.length} outputs`);
  }
  return outputs.map((out, i) => {
    out._check('backward');
    const g = list[i];
    if (g !== null && g !== undefined && !(g instanceof Tensor)) {
      throw new TypeError(`gradients can be either Tensors or None, but got ${V.typeName(g)}`);
    }
    if (!out.requiresGrad) throw new AutogradError(`element ${i} of tensors does not require grad and does not have a grad_fn`);
    if (g === null || g === undefined) {
      if (out.numel() !== 1) throw new AutogradError('grad can be implicitly created only for scalar outputs');
      return full(out._shape, 1, out.dtype);
    }
    if (g.ndim !== out.ndim || !g._shape.every((d, k) => d === out._shape[k])) {
      throw new AutogradError(
        `Mismatch in shape: grad_output[${i}] has a shape of ${g.shape} and output[${i}] has a shape of ${out.shape}.`,
      );
    }
    return g;
  });
}

/**
 * torch.autograd.grad(outputs, inputs, opts): the gradients of the outputs (weighted by
 * gradOutputs) with respect to each input, returned, not accumulated into any `.grad`.
 */
export function grad(outputs: TensorOrTensors, inputs: TensorOrTensors, opts?: GradOptions): (Tensor | null)[] {
  V.options(GRAD_OPTS, opts);
  const o = opts ?? {};
  const outs = asList(outputs, 'outputs');
  const ins = asList(inputs, 'inputs');
  const gs = makeGrads(outs, o.gradOutputs);
  for (const t of ins) {
    t._check('grad');
    if (!t.requiresGrad) throw new AutogradError('One of the differentiated Tensors does not require grad');
  }
  const createGraph = o.createGraph ?? false;
  advanceGeneration();
  const res = runEngine(outs, gs, o.retainGraph ?? createGraph, createGraph, ins);
  if (!o.allowUnused && res.some((r) => r === null)) {
    throw new AutogradError(
      'One of the differentiated Tensors appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior.',
    );
  }
  return res;
}

/** torch.autograd.backward(tensors, grads, opts): backward from several roots at once, accumulating into `.grad`. */
export function backwardAll(
  tensors: TensorOrTensors,
  grads?: TensorOrTensors | readonly (Tensor | null)[] | null,
  opts?: { retainGraph?: boolean; createGraph?: boolean },
): void {
  V.options(AUTOGRAD_BACKWARD_OPTS, opts);
  const o = opts ?? {};
  const outs = asList(tensors, 'tensors');
  const gs = makeGrads(outs, grads);
  const createGraph = o.createGraph ?? false;
  advanceGeneration();
  runEngine(outs, gs, o.retainGraph ?? createGraph, createGraph, null);
  for (const t of outs) t._storage.address();
}
