// Anomaly detection (torch.autograd.detect_anomaly / set_detect_anomaly), against PyTorch 1.13's
// messages and warnings. Each expected text comes from the Python program quoted beside it, run
// with /usr/bin/python3 (torch 1.13) under warnings.simplefilter("always").
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { torch, type Tensor } from '../ts/index.js';

const f64 = (xs: number[], requiresGrad = true): Tensor => torch.tensor(xs, { dtype: 'float64', requiresGrad });
const ENABLED_WARNING =
  'UserWarning: Anomaly Detection has been enabled. This mode will increase the runtime and should only be enabled for debugging.';

let warn: MockInstance<(...args: unknown[]) => void>;
const warnings = (): string[] => warn.mock.calls.map((c) => String(c[0]));
/** The first frame of a warning's trace (the line after its header). */
const firstFrame = (w: string): string => w.split('\n').find((l, i) => i > 0 && l.trim() !== '') ?? '';

beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => {
  warn.mockRestore();
  torch.autograd.setDetectAnomaly(false);
});

describe('anomaly mode: NaN in backward', () => {
  it("names the node and output as PyTorch does, and warns with the forward's stack", () => {
    // x = torch.tensor([0.], requires_grad=True)
    // with torch.autograd.detect_anomaly():
    //     y = x.log() * 0
    //     y.backward()
    // -> UserWarning: Anomaly Detection has been enabled. ...
    // -> UserWarning: Error detected in LogBackward0. Traceback of forward call that caused the error: (the line of y = ...)
    // -> RuntimeError: Function 'LogBackward0' returned nan values in its 0th output.
    const x = f64([0]);
    let err: unknown = null;
    try {
      torch.autograd.detectAnomaly(() => {
        const y = x.log().mul(0); // FORWARD-LINE-1
        y.backward();
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('RuntimeError');
    expect((err as Error).message).toBe("Function 'LogBackward0' returned nan values in its 0th output.");
    const ws = warnings();
    expect(ws[0]).toBe(ENABLED_WARNING);
    expect(ws[1].split('\n')[0]).toBe('UserWarning: Error detected in LogBackward0. Traceback of forward call that caused the error:');
    // The trace starts at the caller's line, not inside the library.
    expect(firstFrame(ws[1])).toContain('anomaly.test.ts');
    expect(ws).toHaveLength(2);
    // The previous mode is back after the throw, and the leaf was not touched.
    expect(torch.autograd.isAnomalyEnabled()).toBe(false);
    expect(x.grad).toBe(null);
  });

  it('checks the gradient of each input: SqrtBackward0 0th, DivBackward0 1th', () => {
    // with torch.autograd.detect_anomaly():
    //     x = torch.tensor([0., 1.], requires_grad=True)
    //     (x.sqrt() * torch.tensor([0., 1.])).sum().backward()
    // -> RuntimeError: Function 'SqrtBackward0' returned nan values in its 0th output.
    torch.autograd.setDetectAnomaly(true);
    const x = f64([0, 1]);
    expect(() =>
      x
        .sqrt()
        .mul(f64([0, 1], false))
        .sum()
        .backward(),
    ).toThrow("Function 'SqrtBackward0' returned nan values in its 0th output.");
    // a = torch.tensor([1.], dtype=torch.float64, requires_grad=True); b = torch.tensor([0.], dtype=torch.float64, requires_grad=True)
    // (a / b * 0).sum().backward()  -> Function 'DivBackward0' returned nan values in its 0th output.  (g / b = 0 / 0)
    // (torch.tensor([0.], dtype=torch.float64) / b * 0).sum().backward()  -> ... in its 1th output.
    const a = f64([1]);
    const b = f64([0]);
    expect(() => a.div(b).mul(0).sum().backward()).toThrow("Function 'DivBackward0' returned nan values in its 0th output.");
    // Only the input that needs a gradient is computed, hence checked: with a constant numerator it is the 1th.
    expect(() => f64([0], false).div(b).mul(0).sum().backward()).toThrow("Function 'DivBackward0' returned nan values in its 1th output.");
  });

  it('autograd.grad and a custom Function are checked too', () => {
    // class F(torch.autograd.Function):
    //     forward(ctx, a): return a * 2;  backward(ctx, g): return g * float('nan')
    // with torch.autograd.detect_anomaly(): F.apply(torch.ones(2, requires_grad=True)).sum().backward()
    // -> UserWarning: Error detected in FBackward. ...
    // -> RuntimeError: Function 'FBackward' returned nan values in its 0th output.
    class F extends torch.autograd.Function {
      static override forward(_ctx: InstanceType<typeof torch.autograd.FunctionCtx>, a: Tensor): Tensor {
        return a.mul(2);
      }
      static override backward(_ctx: InstanceType<typeof torch.autograd.FunctionCtx>, g: Tensor): Tensor {
        return g.mul(Number.NaN);
      }
    }
    const x = f64([1, 1]);
    torch.autograd.detectAnomaly(() => {
      expect(() => F.apply<Tensor>(x).sum().backward()).toThrow("Function 'FBackward' returned nan values in its 0th output.");
      expect(() => torch.autograd.grad(x.log().mul(0).sum(), x)).not.toThrow();
      const z = f64([0]);
      expect(() => torch.autograd.grad(z.log().mul(0).sum(), z)).toThrow("Function 'LogBackward0' returned nan values in its 0th output.");
    });
    expect(warnings().filter((w) => w.startsWith('UserWarning: Error detected in FBackward. Traceback of forward call'))).toHaveLength(1);
  });

  it('createGraph: a node made by a backward names the node whose backward made it', () => {
    // torch.autograd.set_detect_anomaly(True)
    // x = torch.tensor([0.], requires_grad=True); y = x.log()
    // g, = torch.autograd.grad(y.sum(), x, create_graph=True)    # g.grad_fn: DivBackward0
    // (g * 0).sum().backward()
    // -> UserWarning: Error detected in DivBackward0. Traceback of forward call that caused the error: (the grad line)
    // -> UserWarning: \n\nPrevious calculation was induced by LogBackward0. Traceback of forward call that induced the previous calculation: (y = x.log())
    // -> RuntimeError: Function 'DivBackward0' returned nan values in its 1th output.
    torch.autograd.setDetectAnomaly(true);
    const x = f64([0]);
    const y = x.log();
    const [g] = torch.autograd.grad(y.sum(), x, { createGraph: true });
    expect(String(g?.gradFn)).toBe('<DivBackward0>');
    expect(() => (g as Tensor).mul(0).sum().backward()).toThrow("Function 'DivBackward0' returned nan values in its 1th output.");
    const ws = warnings();
    expect(ws).toHaveLength(2);
    expect(ws[0].split('\n')[0]).toBe('UserWarning: Error detected in DivBackward0. Traceback of forward call that caused the error:');
    expect(firstFrame(ws[0])).toContain('anomaly.test.ts');
    expect(ws[1].split('\n').slice(0, 3)).toEqual([
      'UserWarning: ',
      '',
      'Previous calculation was induced by LogBackward0. Traceback of forward call that induced the previous calculation:',
    ]);
    expect(firstFrame(ws[1].replace(/^UserWarning: \n\n/, ''))).toContain('anomaly.test.ts');
    // The two traces point at different lines: the grad call and the log.
    expect(firstFrame(ws[0])).not.toBe(firstFrame(ws[1].replace(/^UserWarning: \n\n/, '')));
  });
});

describe('anomaly mode: other errors and switches', () => {
  it('a graph built before anomaly mode has no forward information, as PyTorch says', () => {
    // x = torch.tensor([0.], requires_grad=True); y = x.log() * 0
    // torch.autograd.set_detect_anomaly(True); y.backward()
    // -> UserWarning: Error detected in LogBackward0. No forward pass information available. Enable detect anomaly during forward pass for more information.
    const x = f64([0]);
    const y = x.log().mul(0);
    torch.autograd.setDetectAnomaly(true);
    expect(() => y.backward()).toThrow("Function 'LogBackward0' returned nan values in its 0th output.");
    expect(warnings()).toEqual([
      'UserWarning: Error detected in LogBackward0. No forward pass information available. Enable detect anomaly during forward pass for more information.',
    ]);
  });

  it('any error in a backward gets the warning (a second backward through a freed graph)', () => {
    // torch.autograd.set_detect_anomaly(True); x = torch.tensor([1.], requires_grad=True); y = x.exp()
    // y.sum().backward(); y.sum().backward()
    // -> UserWarning: Error detected in ExpBackward0. Traceback of forward call ...
    // -> RuntimeError: Trying to backward through the graph a second time ...
    torch.autograd.setDetectAnomaly(true);
    const x = f64([1]);
    const y = x.exp();
    y.sum().backward();
    expect(() => y.sum().backward()).toThrow('Trying to backward through the graph a second time');
    expect(warnings().map((w) => w.split('\n')[0])).toEqual([
      'UserWarning: Error detected in ExpBackward0. Traceback of forward call that caused the error:',
    ]);
  });

  it('checkNan false keeps the traces but lets NaN through; off, nothing is recorded or checked', () => {
    // torch.autograd.set_detect_anomaly(True, check_nan=False); torch.is_anomaly_check_nan_enabled() -> False
    // x = torch.tensor([0.], requires_grad=True); (x.log() * 0).backward(); x.grad -> tensor([nan])
    torch.autograd.setDetectAnomaly(true, { checkNan: false });
    expect(torch.autograd.isAnomalyEnabled()).toBe(true);
    expect(torch.autograd.isAnomalyCheckNanEnabled()).toBe(false);
    const x = f64([0]);
    const y = x.log();
    expect((y.gradFn as unknown as { anomaly: unknown }).anomaly).not.toBe(null);
    y.mul(0).backward();
    expect(x.grad?.tolist()).toEqual([Number.NaN]);
    torch.autograd.setDetectAnomaly(false);
    expect(torch.autograd.isAnomalyEnabled()).toBe(false);
    expect(torch.autograd.isAnomalyCheckNanEnabled()).toBe(true);
    const z = f64([0]);
    const w = z.log();
    expect((w.gradFn as unknown as { anomaly: unknown }).anomaly).toBe(null);
    w.mul(0).backward();
    expect(z.grad?.tolist()).toEqual([Number.NaN]);
    expect(warnings()).toEqual([]);
  });

  it('detectAnomaly returns the callback result and restores the previous mode and checkNan', () => {
    torch.autograd.setDetectAnomaly(true, { checkNan: false });
    const r = torch.autograd.detectAnomaly(() => {
      expect(torch.autograd.isAnomalyEnabled()).toBe(true);
      expect(torch.autograd.isAnomalyCheckNanEnabled()).toBe(true);
      return 42;
    });
    expect(r).toBe(42);
    expect(torch.autograd.isAnomalyEnabled()).toBe(true);
    expect(torch.autograd.isAnomalyCheckNanEnabled()).toBe(false);
    torch.autograd.setDetectAnomaly(false);
    expect(() =>
      torch.autograd.detectAnomaly(
        () => {
          expect(torch.autograd.isAnomalyCheckNanEnabled()).toBe(false);
          throw new Error('boom');
        },
        { checkNan: false },
      ),
    ).toThrow('boom');
    expect(torch.autograd.isAnomalyEnabled()).toBe(false);
    expect(torch.autograd.isAnomalyCheckNanEnabled()).toBe(true);
    expect(warnings()).toEqual([ENABLED_WARNING, ENABLED_WARNING]);
  });

  it("argument errors are PyTorch's", () => {
    // torch.autograd.set_detect_anomaly('yes') -> TypeError: set_anomaly_enabled(): argument 'enabled' (position 1) must be bool, not str
    // torch.autograd.set_detect_anomaly(True, check_nan=1) -> ... argument 'check_nan' (position 2) must be bool, not int
    const set = torch.autograd.setDetectAnomaly as (m: unknown, o?: unknown) => void;
    expect(() => set('yes')).toThrow("set_anomaly_enabled(): argument 'enabled' (position 1) must be bool, not str");
    expect(() => set(true, { checkNan: 1 })).toThrow("set_anomaly_enabled(): argument 'check_nan' (position 2) must be bool, not int");
    expect(() => set(true, { check_nan: true })).toThrow("set_detect_anomaly() got an unexpected keyword argument 'check_nan'");
    expect(() => torch.autograd.detectAnomaly(1 as never)).toThrow(TypeError);
    expect(torch.autograd.isAnomalyEnabled()).toBe(false);
    // The library keeps working.
    const x = f64([2]);
    x.square().backward();
    expect(x.grad?.tolist()).toEqual([4]);
  });
});
