// torch.autograd.functional: jacobian, hessian, vjp, jvp, hvp, vhp, written as PyTorch 1.13 writes
// them (torch/autograd/functional.py, its non-vectorized reverse-mode paths) over autograd.grad, so
// every value is the same sequence of backward passes PyTorch runs.
import { Tensor } from './tensor.js';
import { AutogradError } from './autograd.js';
import { isGradEnabled, withGradMode } from './grad_mode.js';
import * as V from './validate.js';
import { OPS } from './ops/index.js';
import { grad } from './autograd_api.js';

/** A function of tensors returning a tensor or a tuple (array) of them. */
export type TensorFunction = (...inputs: Tensor[]) => Tensor | Tensor[];
/** One tensor or a list of them (a list gives results per element, as a Python tuple). @inline */
type Inputs = Tensor | Tensor[];
/** Keyword arguments shared by `torch.autograd.functional` (PyTorch's `create_graph`, `strict`, camelCase). */
export interface FunctionalOptions {
  /** Record the backward pass itself, for higher-order derivatives (PyTorch's `create_graph`). */
  createGraph?: boolean;
  /** Raise PyTorch's errors when an output is independent of an input instead of returning zeros (default false). */
  strict?: boolean;
}
/** Keyword arguments of `jacobian` / `hessian` (adds PyTorch's `vectorize` and `strategy`). */
export interface JacobianOptions extends FunctionalOptions {
  /** PyTorch's speed hint (vmap over the rows): accepted; the rows are computed one backward pass each. */
  vectorize?: boolean;
  /** `'reverse-mode'` (the one computed) or `'forward-mode'` (PyTorch's `strategy`). */
  strategy?: 'reverse-mode' | 'forward-mode';
}

const FN_OPTS = (name: string): V.OptionSpec => V.optionSpec(name, { createGraph: 'bool', strict: 'bool' });
const JAC_OPTS = V.optionSpec('jacobian', { createGraph: 'bool', strict: 'bool', vectorize: 'bool', strategy: 'any' });
const HESS_OPTS = V.optionSpec('hessian', { createGraph: 'bool', strict: 'bool', vectorize: 'bool', outerJacobianStrategy: 'any' });
const VJP_OPTS = FN_OPTS('vjp');
const JVP_OPTS = FN_OPTS('jvp');
const HVP_OPTS = FN_OPTS('hvp');
const VHP_OPTS = FN_OPTS('vhp');

function checkOptions(o: JacobianOptions): void {
  if (o.strategy !== undefined && o.strategy !== 'reverse-mode')
    throw new Error(`asgrad: strategy '${String(o.strategy)}' is not supported`);
}

/** PyTorch's _as_tuple: whether it was a tuple, and the list. */
function asTuple(x: Inputs | Tensor[], what: string, fn: string): [boolean, Tensor[]] {
  const list = Array.isArray(x) ? x : [x];
  for (const t of list) {
    if (!(t instanceof Tensor)) {
      throw new TypeError(
        `The ${what} given to ${fn} must be either a Tensor or a tuple of Tensors but the value at index ${list.indexOf(t)} has type ${V.typeName(t)}.`,
      );
    }
  }
  return [Array.isArray(x), list];
}

/** _grad_preprocess: inputs the function is differentiated at (a view when building a graph, else a fresh leaf). */
function preprocess(inputs: Tensor[], createGraph: boolean, needGraph: boolean): Tensor[] {
  return inputs.map((t) => (createGraph && t.requiresGrad ? t.view(t.shape) : t.detach().requiresGrad_(needGraph)));
}

/** _grad_postprocess: results outside any graph unless createGraph. */
const postprocess = (xs: (Tensor | null)[], createGraph: boolean): (Tensor | null)[] =>
  createGraph ? xs : xs.map((t) => (t ? t.detach() : t));

/** _autograd_grad: autograd.grad over the outputs that require grad (nulls where unused). */
function autogradGrad(
  outputs: readonly Tensor[],
  inputs: readonly Tensor[],
  gradOutputs: readonly (Tensor | null)[] | null,
  createGraph: boolean,
  retainGraph?: boolean,
): (Tensor | null)[] {
  const outs: Tensor[] = [];
  const gos: (Tensor | null)[] = [];
  outputs.forEach((o, i) => {
    if (o.requiresGrad) {
      outs.push(o);
      gos.push(gradOutputs ? gradOutputs[i] : null);
    }
  });
  if (outs.length === 0) return inputs.map(() => null);
  return grad(outs, [...inputs], { gradOutputs: gos, createGraph, retainGraph: retainGraph ?? createGraph, allowUnused: true });
}

/** Zeros of each reference's shape where a gradient is null. */
const fillZeros = (xs: (Tensor | null)[], refs: readonly Tensor[]): Tensor[] => xs.map((x, i) => x ?? OPS.zerosLike.fn(refs[i]));

type Checked = 'outputs' | 'grad_inputs' | 'jacobian' | 'hessian';
const STRICT = ' This is not allowed in strict mode.';
/** PyTorch's _check_requires_grad: in strict mode, what must depend on the inputs does. */
function checkRequiresGrad(xs: readonly (Tensor | null)[], kind: Checked, strict: boolean): void {
  if (!strict) return;
  xs.forEach((x, i) => {
    if (x === null) throw new AutogradError(`The output of the user-provided function is independent of input ${i}.${STRICT}`);
    if (x.requiresGrad) return;
    if (kind === 'hessian') {
      throw new AutogradError(
        `The hessian of the user-provided function with respect to input ${i} is independent of the input.${STRICT} You should ensure that your function is thrice differentiable and that the hessian depends on the inputs.`,
      );
    }
    if (kind === 'jacobian') {
      throw new AutogradError(
        `While computing the hessian, found that the jacobian of the user-provided function with respect to input ${i} is independent of the input. This is not allowed in strict mode. You should ensure that your function is twice differentiable and that the jacobian depends on the inputs (this would be violated by a linear function for example).`,
      );
    }
    if (kind === 'grad_inputs') {
      throw new AutogradError(
        `The gradient with respect to input ${i} is independent of the inputs of the user-provided function.${STRICT}`,
      );
    }
    throw new AutogradError(
      `Output ${i} of the user-provided function does not require gradients. The outputs must be computed in a differentiable manner from the input when running in strict mode.`,
    );
  });
}

type Stage = 'back' | 'back_trick' | 'double_back' | 'double_back_trick';
/** PyTorch's _fill_in_zeros: zeros where a gradient is null, or in strict mode its error for the stage. */
function fillIn(xs: (Tensor | null)[], refs: readonly Tensor[], strict: boolean, createGraph: boolean, stage: Stage): Tensor[] {
  if (strict) {
    xs.forEach((x, i) => {
      if (x === null) {
        if (stage === 'back') throw new AutogradError(`The output of the user-provided function is independent of input ${i}.${STRICT}`);
        if (stage === 'back_trick') {
          throw new AutogradError(
            `The gradient with respect to the input is independent of entry ${i} in the grad_outputs when using the double backward trick to compute forward mode gradients.${STRICT}`,
          );
        }
        if (stage === 'double_back')
          throw new AutogradError(`The jacobian of the user-provided function is independent of input ${i}.${STRICT}`);
        throw new AutogradError(
          `The hessian of the user-provided function is independent of entry ${i} in the grad_jacobian. This is not allowed in strict mode as it prevents from using the double backward trick to replace forward mode AD.`,
        );
      }
      if (createGraph && !x.requiresGrad) {
        const what = stage.includes('double') ? 'hessian' : 'jacobian';
        throw new AutogradError(
          `The ${what} of the user-provided function is independent of input ${i}. This is not allowed in strict mode when create_graph=True.`,
        );
      }
    });
  }
  return fillZeros(xs, refs);
}

function callFn(func: TensorFunction, inputs: Tensor[], what: string): [boolean, Tensor[]] {
  V.callback(func, what);
  return asTuple(func(...inputs), 'outputs of the user-provided function', what);
}

function vectors(v: Inputs | null | undefined, refs: Tensor[], fn: string, what: 'outputs' | 'inputs'): Tensor[] | null {
  if (v === null || v === undefined) return null;
  const [, vs] = asTuple(v, 'v', fn);
  if (vs.length !== refs.length) {
    throw new AutogradError(`v is a tuple of invalid length: should be ${refs.length} but got ${vs.length}.`);
  }
  vs.forEach((x, i) => {
    if (x.shape.join() !== refs[i].shape.join()) {
      throw new AutogradError(
        `Entry ${i} in v has invalid size: should be ${refs[i].shape} but got ${x.shape}.`.replace(/^/, what === 'outputs' ? '' : ''),
      );
    }
  });
  return vs.map((x) => x.detach());
}

const unwrap = <T>(xs: T[], tuple: boolean): T | T[] => (tuple ? xs : xs[0]);

/** vjp(func, inputs, v): [func(inputs), v^T J]. */
export function vjp(func: TensorFunction, inputs: Inputs, v?: Inputs | null, opts?: FunctionalOptions): [Inputs, Inputs] {
  V.options(VJP_OPTS, opts);
  checkOptions(opts ?? {});
  const createGraph = opts?.createGraph ?? false;
  const strict = opts?.strict ?? false;
  const [inTuple, ins0] = asTuple(inputs, 'inputs', 'vjp');
  const r = withGradMode(true, () => {
    const ins = preprocess(ins0, createGraph, true);
    const [outTuple, outs] = callFn(func, ins, 'vjp');
    checkRequiresGrad(outs, 'outputs', strict);
    const vs = vectors(v, outs, 'vjp', 'outputs');
    if (vs === null && (outs.length !== 1 || outs[0].numel() !== 1)) {
      throw new AutogradError('The vector v can only be None if the user-provided function returns a single Tensor with a single element.');
    }
    return { ins, outs, outTuple, vs };
  });
  const res = withGradMode(createGraph || isGradEnabled(), () =>
    fillIn(autogradGrad(r.outs, r.ins, r.vs, createGraph), r.ins, strict, createGraph, 'back'),
  );
  return [unwrap(postprocess(r.outs, createGraph) as Tensor[], r.outTuple), unwrap(postprocess(res, createGraph) as Tensor[], inTuple)];
}

/** jvp(func, inputs, v): [func(inputs), J v], by PyTorch's double-backward trick. */
export function jvp(func: TensorFunction, inputs: Inputs, v?: Inputs | null, opts?: FunctionalOptions): [Inputs, Inputs] {
  V.options(JVP_OPTS, opts);
  checkOptions(opts ?? {});
  const createGraph = opts?.createGraph ?? false;
  const strict = opts?.strict ?? false;
  const [, ins0] = asTuple(inputs, 'inputs', 'jvp');
  return withGradMode(true, () => {
    const ins = preprocess(ins0, createGraph, true);
    let vs = vectors(v, ins, 'jvp', 'inputs');
    if (vs === null) {
      if (ins.length !== 1 || ins[0].numel() !== 1) {
        throw new AutogradError(
          'The vector v can only be None if the input to the user-provided function is a single Tensor with a single element.',
        );
      }
      vs = null;
    }
    const [outTuple, outs] = callFn(func, ins, 'jvp');
    checkRequiresGrad(outs, 'outputs', strict);
    const gradOutputs = outs.map((o) => OPS.zerosLike.fn(o, { requiresGrad: true }));
    const gradInputs = autogradGrad(outs, ins, gradOutputs, true);
    checkRequiresGrad(gradInputs, 'grad_inputs', strict);
    const live = gradInputs.flatMap((g, i) => (g ? [[g, vs ? vs[i] : null] as const] : []));
    const res = withGradMode(createGraph, () =>
      live.length
        ? autogradGrad(
            live.map(([g]) => g),
            gradOutputs,
            live.map(([, x]) => x),
            createGraph,
          )
        : gradOutputs.map(() => null),
    );
    const out = fillIn(res, outs, strict, createGraph, 'back_trick');
    return [unwrap(postprocess(outs, createGraph) as Tensor[], outTuple), unwrap(postprocess(out, createGraph) as Tensor[], outTuple)];
  });
}

/** jacobian(func, inputs): d out_i / d in_j, of shape out_i.shape + in_j.shape (nested as PyTorch's tuples). */
export function jacobian(func: TensorFunction, inputs: Inputs, opts?: JacobianOptions): Inputs | Inputs[] {
  V.options(JAC_OPTS, opts);
  return jacobianImpl(func, inputs, opts ?? {});
}

function jacobianImpl(func: TensorFunction, inputs: Inputs, o: JacobianOptions): Inputs | Inputs[] {
  checkOptions(o);
  const createGraph = o.createGraph ?? false;
  const strict = o.strict ?? false;
  const [inTuple, ins0] = asTuple(inputs, 'inputs', 'jacobian');
  return withGradMode(true, () => {
    const ins = preprocess(ins0, createGraph, true);
    const [outTuple, outs] = callFn(func, ins, 'jacobian');
    checkRequiresGrad(outs, 'outputs', strict);
    if (strict && o.vectorize) {
      throw new AutogradError(
        'torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not supported together. Please either set `strict=False` or `vectorize=False`.',
      );
    }
    const result = outs.map((out, i) => {
      const rows: Tensor[][] = ins.map(() => []);
      const flat = out.reshape([-1]);
      for (let j = 0; j < out.numel(); j++) {
        const vj = autogradGrad([flat.select(0, j)], ins, null, createGraph, true);
        for (const [k, g] of vj.entries()) {
          // PyTorch's messages as 1.13 writes them (the create_graph one names the output index).
          if (strict && g === null) {
            throw new AutogradError(`Output ${i} of the user-provided function is independent of input ${k}.${STRICT}`);
          }
          if (strict && createGraph && g !== null && !g.requiresGrad) {
            throw new AutogradError(
              `The jacobian of the user-provided function is independent of input ${i}. This is not allowed in strict mode when create_graph=True.`,
            );
          }
          rows[k].push(g ?? OPS.zerosLike.fn(ins[k]));
        }
      }
      return rows.map((r, k) => {
        const stacked = r.length ? OPS.stack.fn(r, 0) : OPS.zeros.fn([0, ...ins[k].shape], { dtype: ins[k].dtype });
        return stacked.view([...out.shape, ...ins[k].shape]);
      });
    });
    const post = result.map((r) => postprocess(r, createGraph) as Tensor[]);
    if (!outTuple) return unwrap(post[0], inTuple);
    return post.map((r) => unwrap(r, inTuple));
  });
}

/** hessian(func, inputs): the Jacobian of the gradient of a scalar function. */
export function hessian(
  func: TensorFunction,
  inputs: Inputs,
  opts?: JacobianOptions & { outerJacobianStrategy?: string },
): Inputs | Inputs[] {
  V.options(HESS_OPTS, opts);
  const o = opts ?? {};
  checkOptions(o);
  V.callback(func, 'hessian');
  const [inTuple] = asTuple(inputs, 'inputs', 'hessian');
  const single = (...xs: Tensor[]): Tensor => {
    const out = func(...xs);
    const [tuple, outs] = asTuple(out, 'outputs of the user-provided function', 'hessian');
    checkRequiresGrad(outs, 'outputs', o.strict ?? false);
    if (tuple && outs.length !== 1) throw new AutogradError('The function given to hessian should return a single Tensor');
    if (outs[0].numel() !== 1)
      throw new AutogradError('The Tensor returned by the function given to hessian should contain a single element');
    return outs[0].squeeze();
  };
  const jacFunc = (...xs: Tensor[]): Tensor[] => {
    const j = (
      inTuple ? jacobianImpl(single, xs, { createGraph: true }) : [jacobianImpl(single, xs[0], { createGraph: true })]
    ) as Tensor[];
    checkRequiresGrad(j, 'jacobian', o.strict ?? false);
    return j;
  };
  const res = jacobianImpl((...xs) => jacFunc(...xs), inputs, { createGraph: o.createGraph, strict: o.strict, vectorize: o.vectorize });
  // jac_func returns a tuple exactly when the inputs are one (PyTorch's _tuple_postprocess(res, (is_inputs_tuple, is_inputs_tuple))).
  return inTuple ? res : (res as Inputs[])[0];
}

/** vhp(func, inputs, v): [func(inputs), v^T H]. */
export function vhp(func: TensorFunction, inputs: Inputs, v?: Inputs | null, opts?: FunctionalOptions): [Tensor, Inputs] {
  V.options(VHP_OPTS, opts);
  return hessianProduct('vhp', func, inputs, v, opts ?? {});
}

/** hvp(func, inputs, v): [func(inputs), H v], by the double-backward trick (as PyTorch's). */
export function hvp(func: TensorFunction, inputs: Inputs, v?: Inputs | null, opts?: FunctionalOptions): [Tensor, Inputs] {
  V.options(HVP_OPTS, opts);
  return hessianProduct('hvp', func, inputs, v, opts ?? {});
}

function hessianProduct(
  which: 'vhp' | 'hvp',
  func: TensorFunction,
  inputs: Inputs,
  v: Inputs | null | undefined,
  o: FunctionalOptions,
): [Tensor, Inputs] {
  checkOptions(o);
  const createGraph = o.createGraph ?? false;
  const strict = o.strict ?? false;
  const [inTuple, ins0] = asTuple(inputs, 'inputs', which);
  return withGradMode(true, () => {
    const ins = preprocess(ins0, createGraph, true);
    const vs = vectors(v, ins, which, 'inputs');
    const [outTuple, outs] = callFn(func, ins, which);
    checkRequiresGrad(outs, 'outputs', strict);
    if (outTuple && outs.length !== 1) throw new AutogradError(`The function given to ${which} should return a single Tensor`);
    if (outs[0].numel() !== 1)
      throw new AutogradError(`The Tensor returned by the function given to ${which} should contain a single element`);
    if (vs === null && (ins.length !== 1 || ins[0].numel() !== 1)) {
      throw new AutogradError(
        'The vector v can only be None if the input to the user-provided function is a single Tensor with a single element.',
      );
    }
    const jac = autogradGrad(outs, ins, null, true);
    checkRequiresGrad(jac, 'jacobian', strict);
    const live = (xs: (Tensor | null)[]): Tensor[] => xs.map((x, i) => x ?? OPS.zerosLike.fn(ins[i]));
    let res: (Tensor | null)[];
    if (which === 'vhp') {
      res = withGradMode(createGraph, () => autogradGrad(live(jac), ins, vs, createGraph));
    } else {
      const gradJac = ins.map((x) => OPS.zerosLike.fn(x, { requiresGrad: true }));
      const doubleBack = autogradGrad(live(jac), ins, gradJac, true);
      // PyTorch 1.13 checks jac again here (not doubleBack).
      checkRequiresGrad(jac, 'hessian', strict);
      res = withGradMode(createGraph, () => autogradGrad(live(doubleBack), gradJac, vs, createGraph));
    }
    const out = fillIn(res, ins, strict, createGraph, which === 'vhp' ? 'double_back' : 'double_back_trick');
    return [postprocess(outs, createGraph)[0] as Tensor, unwrap(postprocess(out, createGraph) as Tensor[], inTuple)];
  });
}
