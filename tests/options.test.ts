// Options of existing ops (pool ceil_mode / return_indices / divisor_override, 1-D pools, ...):
// PyTorch 1.13's node names, reprs and messages (each string as PyTorch 1.13 printed or raised it).
// Values and gradients: tests/pytorch/cases/options.json (tests/pytorch/options.py) and the
// registry's gradcheck / gradgradcheck on each entry's samples.
import { describe, expect, it } from 'vitest';
import { torch } from '../ts/index.js';

const F = torch.nn.functional;
const nn = torch.nn;
const r = (...shape: number[]) => torch.randn(shape);

describe('pool options', () => {
  it('ceil_mode output sizes follow PyTorch (the last window starts inside the input or left padding)', () => {
    expect(F.maxPool2d(r(1, 2, 5, 6), 3, { stride: 2, padding: 1, ceilMode: true }).shape).toEqual([1, 2, 3, 4]);
    expect(F.avgPool2d(r(1, 2, 5, 6), 3, { stride: 2, padding: 1, ceilMode: true }).shape).toEqual([1, 2, 3, 4]);
    expect(F.maxPool1d(r(2, 5, 6), 2, { ceilMode: true, stride: 4 }).shape).toEqual([2, 5, 2]);
    expect(F.avgPool1d(r(2, 5, 6), 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }).shape).toEqual([2, 5, 4]);
  });

  it('returnIndices gives [values, int64 indices]; 1-D pools record SqueezeBackward1 over the 2-D node', () => {
    const x = r(2, 5, 6).requiresGrad_(true);
    const [y, i] = F.maxPool2d(x, 2, { returnIndices: true });
    expect(String(y.gradFn)).toBe('<MaxPool2DWithIndicesBackward0>');
    expect(i.dtype).toBe('int64');
    expect(i.requiresGrad).toBe(false);
    const [y1, i1] = F.maxPool1d(x, 2, { returnIndices: true });
    expect(String(y1.gradFn)).toBe('<SqueezeBackward1>');
    expect(y1.shape).toEqual([2, 5, 3]);
    expect(i1.shape).toEqual([2, 5, 3]);
    expect(String(F.avgPool1d(x, 2).gradFn)).toBe('<SqueezeBackward1>');
    const m = new nn.MaxPool2d(2, { returnIndices: true });
    const out = m(x) as unknown as [typeof x, typeof x];
    expect(out).toHaveLength(2);
  });

  it('messages', () => {
    const x = r(2, 5, 6);
    const xg = r(2, 5, 6).requiresGrad_(true);
    expect(() => F.avgPool2d(r(1, 2, 5, 6), 2, { divisorOverride: 0 })).toThrow('divisor must be not zero');
    expect(() => F.avgPool2d(r(1, 2, 5, 6), 2, { divisorOverride: 1.5 })).toThrow(
      "avg_pool2d(): argument 'divisor_override' must be int, not float",
    );
    expect(() => F.maxPool2d(x, 2, { padding: -1 })).toThrow('pad must be non-negative, but got pad: -1');
    // max_pool1d without indices (no grad) has checks of its own ...
    expect(() => F.maxPool1d(x, [2, 2])).toThrow(
      'max_pool1d() kernel_size must be an int, list of ints or tuple of ints of size 1 but got size 2',
    );
    expect(() => F.maxPool1d(x, 2, { stride: [1, 1] })).toThrow(
      'max_pool1d() stride must be None, an int, list of ints, or tuple of ints of size 1 but got size 2',
    );
    expect(() => F.maxPool1d(x, 2, { padding: 2 })).toThrow(
      'max_pool1d() padding should be at most half of kernel size, but got padding=2 and kernel_size=2',
    );
    expect(() => F.maxPool1d(x, 2, { dilation: 0 })).toThrow('max_pool1d() dilation must be greater than zero, but got 0');
    expect(F.maxPool1d(x, 7).shape).toEqual([2, 5, 0]);
    // ... the path with indices (grad, returnIndices) those of max_pool2d_with_indices.
    expect(() => F.maxPool1d(xg, 2, { dilation: [1, 1] })).toThrow("max_pool1d() argument 'dilation' should contain one int (got 2)");
    expect(() => F.maxPool1d(xg, 7)).toThrow('Given input size: (5x1x6). Calculated output size: (5x1x0). Output size is too small');
    expect(() => F.maxPool1d(r(1, 2, 5, 6), 2)).toThrow(
      'max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but got:[1, 2, 5, 6]',
    );
    expect(() => F.avgPool1d(r(6), 2)).toThrow(
      "Expected 2 to 3 dimensions, but got 1-dimensional tensor for argument #1 'self' (while checking arguments for avg_pool1d)",
    );
    expect(() => F.avgPool1d(xg, 2, { padding: [1, 2] })).toThrow("avg_pool1d() argument 'padding' should contain one int (got 2)");
  });

  it('module reprs', () => {
    expect(String(new nn.AvgPool1d(2))).toBe('AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))');
    expect(String(new nn.AvgPool1d(3, { stride: 2, padding: 1, ceilMode: true }))).toBe(
      'AvgPool1d(kernel_size=(3,), stride=(2,), padding=(1,))',
    );
    expect(String(new nn.MaxPool1d(2))).toBe('MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)');
    expect(String(new nn.AvgPool2d(2, { divisorOverride: 2, ceilMode: true }))).toBe('AvgPool2d(kernel_size=2, stride=2, padding=0)');
    expect(String(new nn.MaxPool2d(3, { ceilMode: true }))).toBe(
      'MaxPool2d(kernel_size=3, stride=3, padding=0, dilation=1, ceil_mode=True)',
    );
  });
});
