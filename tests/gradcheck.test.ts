// torch.autograd.gradcheck / gradgradcheck (PyTorch 1.13's slow mode) against PyTorch: the same
// functions and values checked with /usr/bin/python3 (torch 1.13), whose results and messages are
// quoted beside each case. Failure texts include the Jacobians printed as PyTorch prints them.
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { torch, type Tensor } from '../ts/index.js';

type Ctx = InstanceType<typeof torch.autograd.FunctionCtx>;
const f64 = (xs: number[] | number[][], requiresGrad = true): Tensor => torch.tensor(xs, { dtype: 'float64', requiresGrad });
const { gradcheck, gradgradcheck, GradcheckError } = torch.autograd;

/** The error a call throws (or null). */
function thrown(f: () => unknown): Error | null {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  return null;
}

let warn: MockInstance<(...args: unknown[]) => void>;
beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => warn.mockRestore());

// class Wrong(torch.autograd.Function):
//     forward(ctx, x): ctx.save_for_backward(x); return x * x
//     backward(ctx, g): x, = ctx.saved_tensors; return g * 3 * x
class Wrong extends torch.autograd.Function {
  static override forward(ctx: Ctx, x: Tensor): Tensor {
    ctx.saveForBackward(x);
    return x.mul(x);
  }
  static override backward(ctx: Ctx, g: Tensor): Tensor {
    const [x] = ctx.savedTensors;
    return g.mul(3).mul(x);
  }
}
const wrong = (t: Tensor): Tensor => Wrong.apply<Tensor>(t);

describe('gradcheck', () => {
  it('passes on correct functions (several inputs, non-tensor arguments, several outputs)', () => {
    const x = f64([1, 2]);
    const y = f64([0.5, -1]);
    expect(gradcheck((a: Tensor) => a.sin().mul(a), [x])).toBe(true);
    expect(gradcheck((a: Tensor, b: Tensor) => [a.mul(b).exp(), a.div(b.add(3))], [x, y])).toBe(true);
    // gradcheck(lambda t, k: t * k, (x, 3.0)) -> True
    expect(gradcheck((a: Tensor, k: number) => a.mul(k), [x, 3])).toBe(true);
    expect(gradcheck((a: Tensor) => a.pow(3).sum(), x)).toBe(true);
    // A non-contiguous input and an input that needs no gradient.
    const m = f64([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(gradcheck((a: Tensor, b: Tensor) => a.t().matmul(b), [m, f64([[1], [2]], false)])).toBe(true);
    expect(gradcheck((a: Tensor) => a.tanh(), [m.t()])).toBe(true);
    expect(warn).not.toHaveBeenCalled();
    // The inputs are left as they were: values, no .grad.
    expect(x.tolist()).toEqual([1, 2]);
    expect(x.grad).toBe(null);
  });

  it("fails on a wrong custom backward with PyTorch's exact message; raiseException: false returns false", () => {
    // x = torch.tensor([[1., 2.], [3., 4.]], dtype=torch.float64, requires_grad=True); gradcheck(Wrong.apply, (x,))
    const x = f64([
      [1, 2],
      [3, 4],
    ]);
    const e = thrown(() => gradcheck(wrong, [x]));
    expect(e).toBeInstanceOf(GradcheckError);
    expect(e?.name).toBe('GradcheckError');
    expect(e?.message).toBe(
      'Jacobian mismatch for output 0 with respect to input 0,\nnumerical:tensor([[2.0000, 0.0000, 0.0000, 0.0000],\n        [0.0000, 4.0000, 0.0000, 0.0000],\n        [0.0000, 0.0000, 6.0000, 0.0000],\n        [0.0000, 0.0000, 0.0000, 8.0000]], dtype=torch.float64)\nanalytical:tensor([[ 3.,  0.,  0.,  0.],\n        [ 0.,  6.,  0.,  0.],\n        [ 0.,  0.,  9.,  0.],\n        [ 0.,  0.,  0., 12.]], dtype=torch.float64)\n',
    );
    // gradcheck(Wrong.apply, (x,), raise_exception=False) -> False
    expect(gradcheck(wrong, [x], { raiseException: false })).toBe(false);
  });

  it('names the failing output and input', () => {
    // class Two: forward(a, b) = (a * b, a + b.exp()); backward(g1, g2) = (g1 * b + g2, g1 * a + g2 * b.exp() * 1.5)
    // a = [0.5, -1.], b = [0.25, 2.] (float64): gradcheck(Two.apply, (a, b))
    class Two extends torch.autograd.Function {
      static override forward(ctx: Ctx, a: Tensor, b: Tensor): Tensor[] {
        ctx.saveForBackward(a, b);
        return [a.mul(b), a.add(b.exp())];
      }
      static override backward(ctx: Ctx, g1: Tensor, g2: Tensor): Tensor[] {
        const [a, b] = ctx.savedTensors;
        return [g1.mul(b).add(g2), g1.mul(a).add(g2.mul(b.exp()).mul(1.5))];
      }
    }
    const e = thrown(() => gradcheck((a: Tensor, b: Tensor) => Two.apply<Tensor[]>(a, b), [f64([0.5, -1]), f64([0.25, 2])]));
    expect(e?.message).toBe(
      'Jacobian mismatch for output 1 with respect to input 1,\nnumerical:tensor([[1.2840, 0.0000],\n        [0.0000, 7.3891]], dtype=torch.float64)\nanalytical:tensor([[ 1.9260,  0.0000],\n        [ 0.0000, 11.0836]], dtype=torch.float64)\n',
    );
  });

  it('eps, atol and rtol are used as PyTorch uses them', () => {
    const x = f64([
      [1, 2],
      [3, 4],
    ]);
    // gradcheck(Wrong.apply, (x,), atol=100) -> True; gradcheck(Wrong.apply, (x,), rtol=0.6) -> True
    expect(gradcheck(wrong, [x], { atol: 100 })).toBe(true);
    expect(gradcheck(wrong, [x], { rtol: 0.6 })).toBe(true);
    expect(gradcheck(wrong, [x], { rtol: 0.4, raiseException: false })).toBe(false);
    // x = [1., 2.]: gradcheck(lambda t: t**3, (x,), eps=0.1, raise_exception=False) -> False; with atol=0.05 -> True
    const y = f64([1, 2]);
    expect(gradcheck((t: Tensor) => t.pow(3), [y], { eps: 0.1, raiseException: false })).toBe(false);
    expect(gradcheck((t: Tensor) => t.pow(3), [y], { eps: 0.1, atol: 0.05 })).toBe(true);
  });

  it('checks that backward scales with grad_output and is reentrant (nondetTol)', () => {
    const x = f64([1, 2]);
    // backward(ctx, g): return g * 2 + 1e-9  -> GradcheckError: backward not multiplied by grad_output
    class NotMul extends torch.autograd.Function {
      static override forward(_ctx: Ctx, t: Tensor): Tensor {
        return t.mul(2);
      }
      static override backward(_ctx: Ctx, g: Tensor): Tensor {
        return g.mul(2).add(1e-9);
      }
    }
    expect(thrown(() => gradcheck((t: Tensor) => NotMul.apply<Tensor>(t), [x]))?.message).toBe('backward not multiplied by grad_output');
    // backward(ctx, g): n += 1; return g * 2 + g * (1e-9 * n)
    let n = 0;
    class Noisy extends torch.autograd.Function {
      static override forward(_ctx: Ctx, t: Tensor): Tensor {
        return t.mul(2);
      }
      static override backward(_ctx: Ctx, g: Tensor): Tensor {
        n += 1;
        return g.mul(2).add(g.mul(1e-9 * n));
      }
    }
    const msg = thrown(() => gradcheck((t: Tensor) => Noisy.apply<Tensor>(t), [x]))?.message ?? '';
    expect(msg.split('\n')[0]).toBe(
      'Backward is not reentrant, i.e., running backward with same input and grad_output multiple times gives different values, although analytical gradient matches numerical gradient.The tolerance for nondeterminism was 0.0.',
    );
    expect(msg).toContain('  with `nondet_tol=<tol>` as a keyword argument.\n');
    // gradcheck(Noisy.apply, (x,), nondet_tol=1e-6) -> True
    expect(gradcheck((t: Tensor) => Noisy.apply<Tensor>(t), [x], { nondetTol: 1e-6 })).toBe(true);
  });

  it('undefined output gradients: a backward that invents a gradient fails (checkUndefinedGrad)', () => {
    // forward: ctx.set_materialize_grads(False); return x * 2, x * 3
    // backward(g1, g2): (ones if g1 is None else g1 * 2) + (zeros if g2 is None else g2 * 3)
    // gradcheck(UndefTwo.apply, (x,)) -> Jacobian mismatch for output 1 with respect to input 0 (g1 absent there)
    class UndefTwo extends torch.autograd.Function {
      static override forward(ctx: Ctx, t: Tensor): Tensor[] {
        ctx.setMaterializeGrads(false);
        return [t.mul(2), t.mul(3)];
      }
      static override backward(_ctx: Ctx, g1: Tensor | null, g2: Tensor | null): Tensor {
        const a = g1 === null ? torch.ones([2], { dtype: 'float64' }) : g1.mul(2);
        const b = g2 === null ? torch.zeros([2], { dtype: 'float64' }) : g2.mul(3);
        return a.add(b);
      }
    }
    const x = f64([1, 2]);
    expect(thrown(() => gradcheck((t: Tensor) => UndefTwo.apply<Tensor[]>(t), [x]))?.message).toBe(
      'Jacobian mismatch for output 1 with respect to input 0,\nnumerical:tensor([[3.0000, 0.0000],\n        [0.0000, 3.0000]], dtype=torch.float64)\nanalytical:tensor([[4., 1.],\n        [1., 4.]], dtype=torch.float64)\n',
    );
    // A backward right whenever an output's gradient is defined, that invents one when output 0's
    // is absent and output 1's is zero: only the undefined-gradient check catches it.
    // backward(g1, g2): None if both None; if g1 is None: ones if g2 is all zero else g2 * 3; ...
    // gradcheck(Invents.apply, (x,)) -> UserWarning: Backwards compatibility: ... and
    // GradcheckError: Expected all input grads to be undefined or zero when all output grads are undefined or zero. ...
    // gradcheck(Invents.apply, (x,), check_undefined_grad=False) -> True
    class Invents extends torch.autograd.Function {
      static override forward(ctx: Ctx, t: Tensor): Tensor[] {
        ctx.setMaterializeGrads(false);
        return [t.mul(2), t.mul(3)];
      }
      static override backward(_ctx: Ctx, g1: Tensor | null, g2: Tensor | null): Tensor | null {
        if (g1 === null && g2 === null) return null;
        if (g1 === null) return (g2 as Tensor).abs().sum().item() === 0 ? torch.ones([2], { dtype: 'float64' }) : (g2 as Tensor).mul(3);
        if (g2 === null) return g1.mul(2);
        return g1.mul(2).add(g2.mul(3));
      }
    }
    const inv = (t: Tensor): Tensor[] => Invents.apply<Tensor[]>(t);
    expect(gradcheck(inv, [x], { checkUndefinedGrad: false })).toBe(true);
    expect(warn).not.toHaveBeenCalled();
    expect(thrown(() => gradcheck(inv, [x]))?.message).toBe(
      'Expected all input grads to be undefined or zero when all output grads are undefined or zero. Please look at "Notes about undefined output gradients" in "tools/autograd/derivatives.yaml"',
    );
    expect(warn.mock.calls.map((c) => c[0])).toEqual([
      'UserWarning: Backwards compatibility: New undefined gradient support checking feature is enabled by default, but it may break existing callers of this function. If this is true for you, you can call this function with "check_undefined_grad=False" to disable the feature',
    ]);
  });

  it('no differentiable output: the function must not depend on the inputs', () => {
    // gradcheck(lambda t: t.detach() * 2, (x,)) -> GradcheckError: Numerical gradient for function expected to be zero
    const x = f64([1, 2]);
    expect(thrown(() => gradcheck((t: Tensor) => t.detach().mul(2), [x]))?.message).toBe(
      'Numerical gradient for function expected to be zero',
    );
    expect(gradcheck((t: Tensor) => t.detach().mul(0), [x])).toBe(true);
  });

  it("input errors and the float32 warning are PyTorch's", () => {
    // gradcheck(lambda t: t * 2, (torch.tensor([1., 2.], requires_grad=True),), eps=1e-3, atol=1e-3) -> True, and warns:
    expect(gradcheck((t: Tensor) => t.mul(2), [torch.tensor([1, 2], { requiresGrad: true })], { eps: 1e-3, atol: 1e-3 })).toBe(true);
    expect(warn.mock.calls.map((c) => c[0])).toEqual([
      'UserWarning: Input #0 requires gradient and is not a double precision floating point or complex. This check will likely fail if all the inputs are not of double precision floating point or complex. ',
    ]);
    // -> ValueError: gradcheck expects at least one input tensor to require gradient, but none of the them have requires_grad=True.
    const e1 = thrown(() => gradcheck((t: Tensor) => t.mul(2), [f64([1, 2], false)]));
    expect([e1?.name, e1?.message]).toEqual([
      'ValueError',
      'gradcheck expects at least one input tensor to require gradient, but none of the them have requires_grad=True.',
    ]);
    // torch.ones(1, dtype=torch.float64, requires_grad=True).expand(3) -> RuntimeError: The 0th input has a dimension with stride 0. ...
    const e2 = thrown(() => gradcheck((t: Tensor) => t.mul(2), [f64([1]).expand([3])]));
    expect([e2?.name, e2?.message]).toEqual([
      'RuntimeError',
      'The 0th input has a dimension with stride 0. gradcheck only supports inputs that are non-overlapping to be able to compute the numerical gradients correctly. You should call .contiguous on the input before passing it to gradcheck.',
    ]);
    const x = f64([1]);
    expect(() => gradcheck((t: Tensor) => t, [x], { fast_mode: true } as never)).toThrow(
      "gradcheck() got an unexpected keyword argument 'fast_mode'",
    );
    expect(() => gradcheck((t: Tensor) => t, [x], { fastMode: true } as never)).toThrow(
      "gradcheck() got an unexpected keyword argument 'fastMode' (PyTorch has it; asgrad does not support it)",
    );
    expect(() => gradcheck((t: Tensor) => t, [x], { eps: 'a' } as never)).toThrow(TypeError);
    expect(() => gradcheck(1 as never, [x])).toThrow(TypeError);
    // The library keeps working and a later check passes.
    expect(gradcheck((t: Tensor) => t.exp(), [x])).toBe(true);
  });
});

describe('gradgradcheck', () => {
  it('passes on correct second derivatives, with given or random grad_outputs', () => {
    const x = f64([1, 2]);
    const y = f64([0.5, -1]);
    // gradgradcheck(lambda t: t.sin() * t, (x,), (go,)) -> True; gradgradcheck(lambda a, b: (a * b).sin(), (x, y)) -> True
    expect(gradgradcheck((t: Tensor) => t.sin().mul(t), [x], [f64([1, -1])])).toBe(true);
    expect(gradgradcheck((a: Tensor, b: Tensor) => a.mul(b).sin(), [x, y])).toBe(true);
    expect(gradgradcheck((t: Tensor) => t.pow(3).sum(), x)).toBe(true);
    expect(x.grad).toBe(null);
  });

  it("fails with PyTorch's message on a backward that is not differentiable", () => {
    // class WrongSecond: forward x ** 3; backward g * 3 * x.detach() ** 2
    // gradgradcheck(WrongSecond.apply, (xs,), (go,)) with xs = [1., 2.], go = [1., -1.]
    class WrongSecond extends torch.autograd.Function {
      static override forward(ctx: Ctx, t: Tensor): Tensor {
        ctx.saveForBackward(t);
        return t.pow(3);
      }
      static override backward(ctx: Ctx, g: Tensor): Tensor {
        const [t] = ctx.savedTensors;
        return g.mul(3).mul(t.detach().pow(2));
      }
    }
    const ws = (t: Tensor): Tensor => WrongSecond.apply<Tensor>(t);
    const xs = f64([1, 2]);
    const go = f64([1, -1]);
    expect(gradcheck(ws, [xs])).toBe(true);
    const e = thrown(() => gradgradcheck(ws, [xs], [go]));
    expect(e).toBeInstanceOf(GradcheckError);
    expect(e?.message).toBe(
      'Jacobian mismatch for output 0 with respect to input 0,\nnumerical:tensor([[  6.0000,   0.0000],\n        [  0.0000, -12.0000]], dtype=torch.float64)\nanalytical:tensor([[0., 0.],\n        [0., 0.]], dtype=torch.float64)\n',
    );
    expect(gradgradcheck(ws, [xs], [go], { raiseException: false })).toBe(false);
    expect(() => gradgradcheck(ws, [xs], [go], { gen_non_contig_grad_outputs: true } as never)).toThrow(
      "gradgradcheck() got an unexpected keyword argument 'gen_non_contig_grad_outputs'",
    );
  });
});
