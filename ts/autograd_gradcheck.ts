// torch.autograd.gradcheck and gradgradcheck: PyTorch 1.13's slow mode (torch/autograd/gradcheck.py)
// over the library's own ops. For every (output, input) pair the full numerical Jacobian (central
// differences, one input element perturbed at a time) is compared with the analytical one (one
// autograd.grad per output element), then backward is checked to scale with grad_output and to
// accept undefined output gradients. Failures raise GradcheckError with PyTorch's texts; Jacobians
// are printed as PyTorch prints tensors. All arithmetic on values is tensor ops run by the core.
import { Tensor } from './tensor.js';
import { AutogradError, Node, recordMulti } from './autograd.js';
import type { DType } from './dtype.js';
import { scope } from './scope.js';
import * as V from './validate.js';
import { OPS } from './ops/index.js';
import { grad } from './autograd_api.js';
import { rt } from './runtime.js';

/** The error gradcheck and gradgradcheck raise when a check fails (a RuntimeError in PyTorch). */
export class GradcheckError extends AutogradError {
  override name = 'GradcheckError';
}

/** Python's AssertionError, for gradcheck's asserts. */
class AssertionError extends Error {
  override name = 'AssertionError';
}

/** Options of `torch.autograd.gradcheck`: PyTorch 1.13's keyword arguments in camelCase. */
export interface GradcheckOptions {
  /** Perturbation of the finite differences (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** Throw GradcheckError on failure (default); false: return false instead. */
  raiseException?: boolean;
  /** How far two backward passes with the same inputs may differ (default 0: equal). */
  nondetTol?: number;
  /** Also check that backward accepts undefined (absent) output gradients (default true). */
  checkUndefinedGrad?: boolean;
  /** Fail when a gradient's dtype is not its input's (default false). */
  checkGradDtypes?: boolean;
  /** Reverse mode is what is checked: must stay true (asgrad has no forward mode). */
  checkBackwardAd?: boolean;
}

/** Options of `torch.autograd.gradgradcheck`: gradcheck's, with reverse over reverse in place of backward AD. */
export interface GradgradcheckOptions extends Omit<GradcheckOptions, 'checkBackwardAd'> {
  /** Reverse over reverse is what is checked: must stay true. */
  checkRevOverRev?: boolean;
}

const GRADCHECK_OPTS = V.optionSpec(
  'gradcheck',
  {
    eps: 'number',
    atol: 'number',
    rtol: 'number',
    raiseException: 'bool',
    nondetTol: 'number',
    checkUndefinedGrad: 'bool',
    checkGradDtypes: 'bool',
    checkBackwardAd: 'bool',
  },
  ['checkSparseNnz', 'checkBatchedGrad', 'checkBatchedForwardGrad', 'checkForwardAd', 'fastMode'],
);
const GRADGRADCHECK_OPTS = V.optionSpec(
  'gradgradcheck',
  {
    eps: 'number',
    atol: 'number',
    rtol: 'number',
    raiseException: 'bool',
    nondetTol: 'number',
    checkUndefinedGrad: 'bool',
    checkGradDtypes: 'bool',
    checkRevOverRev: 'bool',
  },
  ['genNonContigGradOutputs', 'checkBatchedGrad', 'checkFwdOverRev', 'fastMode'],
);

interface Settings {
  eps: number;
  atol: number;
  rtol: number;
  nondetTol: number;
  checkUndefinedGrad: boolean;
  checkGradDtypes: boolean;
}

const FAILED_NONDET_MSG = `

NOTE: If your op relies on non-deterministic operations i.e., it is listed here:
https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html
this failure might be expected.

If you are adding a new operator, please file an issue and then use one of the
workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck.
If the test
- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck
  with \`nondet_tol=<tol>\` as a keyword argument.
- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test
  to have \`gradcheck_nondet_tol=<tol>\`.
- is a Module test (e.g., in common_nn.py), then modify the corresponding
  module_test entry to have \`gradcheck_nondet_tol=<tol>\`
`;

type Fn = (...args: unknown[]) => Tensor | readonly Tensor[];

const isFloat = (t: Tensor): boolean => t.dtype === 'float32' || t.dtype === 'float64';
const asTuple = (x: unknown): unknown[] => (Array.isArray(x) ? [...x] : [x]);
/**
 * The graphs the check makes: the nodes of every output of `func` it asked for, and the first
 * sequence number of the check. Graphs that never see a full backward (the perturbed calls, those
 * behind an undefined gradient) are freed at the end, as the leak check does, not left for the GC.
 */
interface Graphs {
  readonly from: number;
  readonly roots: Node[];
}
const newGraphs = (): Graphs => ({ from: rt.autograd.nodeSeq, roots: [] });

/** Releases the saved tensors of every node made since `g.from` that the check's outputs reach. */
function freeGraphs(g: Graphs): void {
  const seen = new Set<Node>();
  const stack = [...g.roots];
  while (stack.length) {
    const n = stack.pop() as Node;
    if (seen.has(n) || n.seq < g.from) continue;
    seen.add(n);
    if (n.inner) stack.push(n.inner);
    for (const e of n.next) if (e instanceof Node) stack.push(e);
    n.release();
  }
}

const call = (func: Fn, args: readonly unknown[], graphs: Graphs): Tensor[] => {
  const out: unknown = func(...args);
  const outs = asTuple(out);
  for (const o of outs)
    if (!(o instanceof Tensor))
      throw new TypeError(`gradcheck: the function must return a Tensor or a list of Tensors, not ${V.typeName(o)}`);
  for (const o of outs as Tensor[]) {
    const n = o._rawGradFn();
    if (n) graphs.roots.push(n);
  }
  return outs as Tensor[];
};
const diffInputs = (args: readonly unknown[]): Tensor[] => args.filter((a): a is Tensor => a instanceof Tensor && a.requiresGrad);

/** PyTorch's _check_inputs: the float64 warning, the stride-0 refusal, at least one input requiring grad. */
function checkInputs(args: readonly unknown[]): void {
  let any = false;
  args.forEach((inp, idx) => {
    if (!(inp instanceof Tensor) || !inp.requiresGrad) return;
    if (inp.dtype !== 'float64') {
      console.warn(
        `UserWarning: Input #${idx} requires gradient and is not a double precision floating point or complex. ` +
          'This check will likely fail if all the inputs are not of double precision floating point or complex. ',
      );
    }
    const st = inp.stride();
    if (!inp.shape.every((sz, d) => st[d] > 0 || sz <= 1)) {
      throw new AutogradError(
        `The ${idx}th input has a dimension with stride 0. gradcheck only supports inputs that are non-overlapping ` +
          'to be able to compute the numerical gradients correctly. You should call .contiguous on the input before passing it to gradcheck.',
      );
    }
    any = true;
  });
  if (!any) {
    throw new V.ValueError(
      'gradcheck expects at least one input tensor to require gradient, but none of the them have requires_grad=True.',
    );
  }
}

/** The row-major multi-index of flat position `k` in `shape` (PyTorch's itertools.product order). */
function unravel(k: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = k % shape[d];
    k = (k - idx[d]) / shape[d];
  }
  return idx;
}

/**
 * The numerical Jacobians, per input that requires grad and per float output: [input.numel,
 * output.numel], row k the central difference of the outputs when element k moves by +-eps. The
 * function sees a copy of the input (a leaf with the input's requiresGrad) perturbed in place, so
 * the caller's tensors and the graph already recorded from them stay untouched.
 */
function numericalJacobians(func: Fn, args: readonly unknown[], funcOut: readonly Tensor[], eps: number, graphs: Graphs): Tensor[][] {
  const result: Tensor[][] = [];
  args.forEach((x, k) => {
    if (!(x instanceof Tensor) || !x.requiresGrad) return;
    const xin = x.detach().clone().requiresGrad_(true);
    try {
      const data = xin.detach();
      const withX = args.map((a, j) => (j === k ? xin : a));
      const rows: Tensor[][] = funcOut.filter(isFloat).map(() => []);
      for (let e = 0; e < x.numel(); e++) {
        const idx = unravel(e, x.shape);
        let entry = data;
        for (const i of idx) entry = entry.select(0, i);
        const cols = scope(() => {
          const orig = entry.clone();
          entry.copy_(orig.sub(eps));
          const outa = call(func, withX, graphs);
          entry.copy_(orig.add(eps));
          const outb = call(func, withX, graphs);
          entry.copy_(orig);
          const out: Tensor[] = [];
          outa.forEach((a, i) => {
            const b = outb[i];
            if (a.shape.length !== b.shape.length || a.shape.some((s, d) => s !== b.shape[d])) {
              // PyTorch's message, its unformatted "{idx}" included.
              throw new AssertionError(
                `Expected \`func\` to return outputs with the same shape when inputs are perturbed on index {idx} by ${eps}, but got: shapes ${a.size()} and ${b.size()}.`,
              );
            }
            if (isFloat(a))
              out.push(
                b
                  .sub(a)
                  .div(2 * eps)
                  .detach()
                  .reshape([-1]),
              );
          });
          return out;
        });
        cols.forEach((c, i) => {
          rows[i].push(c);
        });
      }
      result.push(
        rows.map((r, i) => {
          const o = funcOut.filter(isFloat)[i];
          return r.length ? OPS.stack.fn(r, 0) : OPS.zeros.fn([0, o.numel()], { dtype: o.dtype });
        }),
      );
    } finally {
      xin.dispose();
    }
  });
  return result;
}

/**
 * The analytical Jacobian of one output, per input that requires grad: [input.numel,
 * output.numel], column j the gradient for a one-hot grad_output at j (PyTorch's
 * _compute_analytical_jacobian_rows), checked for size, dtype and reentrancy as PyTorch does.
 */
function analyticalJacobians(args: readonly unknown[], output: Tensor, s: Settings): Tensor[] {
  const ins = diffInputs(args);
  const once = (): { jac: Tensor[]; sizesOk: boolean; typesOk: boolean } => {
    const base = OPS.zeros.fn(output.shape, { dtype: output.dtype });
    const flat = base.view([-1]);
    const cols: Tensor[][] = ins.map(() => []);
    let sizesOk = true;
    let typesOk = true;
    for (let j = 0; j < output.numel(); j++) {
      flat.zero_();
      flat.select(0, j).fill_(1);
      const gs = grad([output], ins, { gradOutputs: [base], retainGraph: true, allowUnused: true });
      gs.forEach((g, i) => {
        const inp = ins[i];
        if (g !== null && (g.shape.length !== inp.shape.length || g.shape.some((d, q) => d !== inp.shape[q]))) sizesOk = false;
        else if (g !== null && g.dtype !== inp.dtype) typesOk = false;
        cols[i].push(g === null ? OPS.zeros.fn([inp.numel()], { dtype: inp.dtype }) : g.clone().reshape([-1]).to(inp.dtype));
      });
    }
    const jac = cols.map((c, i) => (c.length ? OPS.stack.fn(c, 1) : OPS.zeros.fn([ins[i].numel(), 0], { dtype: ins[i].dtype })));
    return { jac, sizesOk, typesOk };
  };
  const first = once();
  const second = once();
  const reentrant = first.jac.every((j1, i) => j1.numel() === 0 || j1.sub(second.jac[i]).abs().max().item() <= s.nondetTol);
  // PyTorch 1.13 unpacks _stack_and_check_tensors's (sizes, types) flags in the other order, so a
  // wrong size reads as a dtype mismatch and the other way round; its texts are kept with its logic.
  if (!first.sizesOk && s.checkGradDtypes) throw new GradcheckError('Gradient has dtype mismatch');
  if (!first.typesOk) throw new GradcheckError('Analytical gradient has incorrect size');
  if (!reentrant) {
    throw new GradcheckError(
      'Backward is not reentrant, i.e., running backward with same input and grad_output multiple times gives different values, ' +
        `although analytical gradient matches numerical gradient.The tolerance for nondeterminism was ${pyFloat(s.nondetTol)}.${FAILED_NONDET_MSG}`,
    );
  }
  return first.jac;
}

/** Python's repr of a float (0.0, 1e-06, 0.5): exponent form below 1e-4 and from 1e16. */
function pyFloat(v: number): string {
  const a = v < 0 ? -v : v;
  if (v !== 0 && Number.isFinite(v) && (a < 1e-4 || a >= 1e16)) return v.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

/** torch.allclose after type promotion (NaN is never close; equal values, infinities included, are). */
function allclose(a: Tensor, b: Tensor, rtol: number, atol: number): boolean {
  const dtype: DType = a.dtype === 'float64' || b.dtype === 'float64' ? 'float64' : 'float32';
  const x = a.to(dtype);
  const y = b.to(dtype);
  if (x.numel() === 0) return true;
  const within = x.sub(y).abs().le(y.abs().mul(rtol).add(atol)).double();
  const equal = x.eq(y).double();
  return within.add(equal).amin().item() > 0;
}

function mismatch(a: Tensor, n: Tensor, outputIdx: number, inputIdx: number): GradcheckError {
  return new GradcheckError(
    `Jacobian mismatch for output ${outputIdx} with respect to input ${inputIdx},\nnumerical:${n}\nanalytical:${a}\n`,
  );
}

/** PyTorch's _slow_gradcheck (reverse mode). */
function slowGradcheck(
  func: Fn,
  args: readonly unknown[],
  funcOut: readonly Tensor[],
  outputs: readonly Tensor[],
  s: Settings,
  graphs: Graphs,
): void {
  const numerical = numericalJacobians(func, args, funcOut, s.eps, graphs);
  if (outputs.length === 0) {
    // With no differentiable output the function must not depend on its inputs.
    for (const perInput of numerical)
      for (const j of perInput)
        if (j.numel() && j.ne(0).double().sum().item() > 0) throw new GradcheckError('Numerical gradient for function expected to be zero');
    return;
  }
  // numerical[input][float output] -> per differentiable output, per input.
  const floats = funcOut.filter(isFloat);
  outputs.forEach((o, i) => {
    const oi = floats.indexOf(o);
    const analytical = analyticalJacobians(args, o, s);
    analytical.forEach((a, j) => {
      const n = numerical[j][oi];
      if (!allclose(a, n, s.rtol, s.atol)) throw mismatch(a, n, i, j);
    });
  });
}

/** PyTorch's _test_backward_mul_by_grad_output: zero grad_outputs give zero gradients of the inputs' dtype and size. */
function testBackwardMulByGradOutput(outputs: readonly Tensor[], args: readonly unknown[]): void {
  const ins = diffInputs(args);
  const gs = grad([...outputs], ins, { gradOutputs: outputs.map((o) => OPS.zerosLike.fn(o)), allowUnused: true });
  gs.forEach((gi, i) => {
    if (gi === null) return;
    const di = ins[i];
    if (gi.ne(0).double().sum().item() > 0) throw new GradcheckError('backward not multiplied by grad_output');
    if (gi.dtype !== di.dtype) throw new GradcheckError('grad is incorrect type');
    if (gi.shape.length !== di.shape.length || gi.shape.some((d, q) => d !== di.shape[q]))
      throw new GradcheckError('grad is incorrect size');
  });
}

/** PyTorch's UndefinedGrad: the identity, whose backward passes on no gradient at all. */
function undefinedGrad(o: Tensor): Tensor {
  return recordMulti(
    'UndefinedGradBackward',
    [o.detach()],
    [o],
    () => [],
    () => [null],
  )[0];
}

/** PyTorch's _test_undefined_backward_mode: backward accepts absent output gradients and then gives none or zeros. */
function testUndefinedBackwardMode(func: Fn, args: readonly unknown[], nOutputs: number, graphs: Graphs): void {
  const ins = diffInputs(args);
  const warnBc = (): void =>
    console.warn(
      'UserWarning: Backwards compatibility: New undefined gradient support checking feature is enabled by default, but it may ' +
        'break existing callers of this function. If this is true for you, you can call this function with "check_undefined_grad=False" to disable the feature',
    );
  const check = (outs: readonly Tensor[]): void => {
    let gs: (Tensor | null)[];
    try {
      gs = grad([...outs], ins, { gradOutputs: outs.map((o) => OPS.zerosLike.fn(o)), allowUnused: true });
    } catch (e) {
      if (!(e instanceof Error) || e.name !== 'RuntimeError') throw e;
      warnBc();
      throw new GradcheckError(
        'Expected backward function to handle undefined output grads. Please look at "Notes about undefined output gradients" in "tools/autograd/derivatives.yaml"',
      );
    }
    for (const gi of gs) {
      if (gi !== null && gi.ne(0).double().sum().item() > 0) {
        warnBc();
        throw new GradcheckError(
          'Expected all input grads to be undefined or zero when all output grads are undefined or zero. Please look at "Notes about undefined output gradients" in "tools/autograd/derivatives.yaml"',
        );
      }
    }
  };
  const differentiable = (): Tensor[] => call(func, args, graphs).filter((o) => o.requiresGrad);
  const all = differentiable().map(undefinedGrad);
  check(all);
  // With several outputs, each one undefined on its own.
  if (all.length > 1) {
    for (let u = 0; u < nOutputs; u++) check(differentiable().map((o, i) => (i === u ? undefinedGrad(o) : o)));
  }
}

function settings(o: GradcheckOptions | GradgradcheckOptions): Settings {
  return {
    eps: o.eps ?? 1e-6,
    atol: o.atol ?? 1e-5,
    rtol: o.rtol ?? 1e-3,
    nondetTol: o.nondetTol ?? 0,
    checkUndefinedGrad: o.checkUndefinedGrad ?? true,
    checkGradDtypes: o.checkGradDtypes ?? false,
  };
}

function gradcheckHelper(func: Fn, args: readonly unknown[], s: Settings, graphs: Graphs): boolean {
  checkInputs(args);
  const funcOut = call(func, args, graphs);
  const outputs = funcOut.filter((o) => o.requiresGrad);
  slowGradcheck(func, args, funcOut, outputs, s, graphs);
  testBackwardMulByGradOutput(outputs, args);
  if (s.checkUndefinedGrad) testUndefinedBackwardMode(func, args, outputs.length, graphs);
  return true;
}

/** Runs a check inside its own scope; with raiseException false a GradcheckError becomes `false`. */
function run(raise: boolean, body: (graphs: Graphs) => boolean): boolean {
  const graphs = newGraphs();
  try {
    return scope(() => {
      try {
        return body(graphs);
      } finally {
        freeGraphs(graphs);
      }
    });
  } catch (e) {
    if (!raise && e instanceof GradcheckError) return false;
    throw e;
  }
}

/**
 * torch.autograd.gradcheck(func, inputs, opts): checks the gradients `func`'s backward computes
 * against central finite differences, for every output and every input that requires grad (PyTorch
 * 1.13's slow mode), and that backward scales with grad_output and accepts absent output
 * gradients. `inputs` is a tensor or the list of `func`'s arguments (non-tensors are passed through).
 * Returns true, or throws GradcheckError (`raiseException: false`: returns false). Use float64 inputs.
 */
export function gradcheck<A extends unknown[]>(
  func: (...args: A) => Tensor | readonly Tensor[],
  inputs: Tensor | A,
  opts?: GradcheckOptions,
): boolean {
  V.callback(func, 'gradcheck');
  V.options(GRADCHECK_OPTS, opts);
  const o = opts ?? {};
  if (o.checkBackwardAd === false) throw new AssertionError('Expected at least one of check_forward_ad or check_backward_ad to be True');
  const args = asTuple(inputs);
  const s = settings(o);
  return run(o.raiseException ?? true, (graphs) => gradcheckHelper(func as unknown as Fn, args, s, graphs));
}

/**
 * torch.autograd.gradgradcheck(func, inputs, gradOutputs, opts): gradcheck of the gradients
 * themselves (as functions of the inputs and of grad_outputs, computed with createGraph), i.e. of
 * the second derivatives. Without `gradOutputs`, random ones in [-1, 1) that require grad are used.
 */
export function gradgradcheck<A extends unknown[]>(
  func: (...args: A) => Tensor | readonly Tensor[],
  inputs: Tensor | A,
  gradOutputs?: Tensor | readonly Tensor[] | null,
  opts?: GradgradcheckOptions,
): boolean {
  V.callback(func, 'gradgradcheck');
  V.options(GRADGRADCHECK_OPTS, opts);
  const o = opts ?? {};
  if (o.checkRevOverRev === false) throw new AssertionError('Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True');
  const args = asTuple(inputs);
  const s = settings(o);
  return run(o.raiseException ?? true, (graphs) => {
    let made: Tensor[] = [];
    try {
      let gouts: Tensor[];
      if (gradOutputs === undefined || gradOutputs === null) {
        const outs = call(func as unknown as Fn, args, graphs).filter((t) => t.requiresGrad);
        made = outs.map((t) => {
          const dtype: DType = isFloat(t) ? t.dtype : 'float64';
          return OPS.rand.fn(t.shape, { dtype }).mul(2).sub(1).detach().requiresGrad_(true);
        });
        gouts = made;
      } else {
        gouts = asTuple(gradOutputs) as Tensor[];
        gouts.forEach((g, i) => {
          V.tensor(g, 'gradgradcheck', `grad_outputs[${i}]`);
        });
      }
      const nOut = gouts.length;
      const diffArgs = new Set(args.flatMap((a, i) => (a instanceof Tensor && a.requiresGrad ? [i] : [])));
      const newFunc = (...all: unknown[]): Tensor[] => {
        const inputArgs = all.slice(0, all.length - nOut);
        const outs = call(func as unknown as Fn, inputArgs, graphs).filter((t) => t.requiresGrad);
        const gs = all.slice(all.length - nOut) as Tensor[];
        const diff = inputArgs.filter((_, i) => diffArgs.has(i)) as Tensor[];
        const r = grad(outs, diff, { gradOutputs: gs, createGraph: true, allowUnused: true });
        return r.filter((g): g is Tensor => g !== null);
      };
      return gradcheckHelper(newFunc, [...args, ...gouts], s, graphs);
    } finally {
      for (const t of made) t.dispose();
    }
  });
}
