// Options of existing ops (pool ceil_mode / return_indices / divisor_override, 1-D pools, ...):
// PyTorch 1.13's node names, reprs and messages (each string as PyTorch 1.13 printed or raised it).
// Values and gradients: tests/pytorch/cases/options.json (tests/pytorch/options.py) and the
// registry's gradcheck / gradgradcheck on each entry's samples.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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

interface Spec {
  shape: number[];
  data: number[];
}
interface ModuleCase {
  name: string;
  repr: string;
  state: Record<string, Spec>;
  input: Spec;
  output: Spec;
  grad_output: Spec;
  grad_input: Spec;
  grads: Record<string, Spec>;
}
const MODULES = JSON.parse(readFileSync(fileURLToPath(new URL('./pytorch/options_modules.json', import.meta.url)), 'utf8')) as ModuleCase[];
const t64 = (s: Spec) => torch.tensor(s.data, { dtype: 'float64' }).reshape(s.shape);
const close = (got: InstanceType<typeof torch.Tensor> | null | undefined, want: Spec) => {
  expect(got?.shape).toEqual(want.shape);
  const g = got?.dataSync() as number[];
  const worst = Math.max(0, ...g.map((v, i) => Math.abs(v - want.data[i]) - 1e-9 * Math.abs(want.data[i])));
  expect(worst).toBeLessThanOrEqual(1e-9);
};

const MAKE: Record<string, () => InstanceType<typeof nn.Module>> = {
  conv2d_reflect: () => new nn.Conv2d(2, 3, 3, { padding: 1, paddingMode: 'reflect' }),
  conv2d_replicate_pad21_stride2: () => new nn.Conv2d(2, 4, [3, 2], { stride: 2, padding: [2, 1], paddingMode: 'replicate', bias: false }),
  conv2d_circular_same_dil2: () => new nn.Conv2d(2, 2, 3, { padding: 'same', dilation: 2, paddingMode: 'circular' }),
  conv1d_reflect_groups: () => new nn.Conv1d(4, 2, 3, { padding: 2, groups: 2, paddingMode: 'reflect' }),
  conv1d_circular: () => new nn.Conv1d(2, 3, 4, { padding: 3, paddingMode: 'circular' }),
  conv1d_replicate_same_unbatched: () => new nn.Conv1d(3, 2, 4, { padding: 'same', paddingMode: 'replicate' }),
};

describe('F.pad modes and conv padding_mode', () => {
  for (const c of MODULES) {
    it(`${c.name}: repr, output and gradients as PyTorch 1.13's`, () => {
      const m = MAKE[c.name]().double();
      expect(String(m)).toBe(c.repr);
      m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, t64(v)])));
      const x = t64(c.input).requiresGrad_(true);
      const y = m(x);
      close(y, c.output);
      y.backward(t64(c.grad_output));
      close(x.grad, c.grad_input);
      for (const [k, p] of m.namedParameters()) close(p.grad, c.grads[k]);
    });
  }

  it('node names', () => {
    const x = r(1, 2, 3, 4).requiresGrad_(true);
    expect(String(F.pad(x, [1, 2, 1, 0], { mode: 'reflect' }).gradFn)).toBe('<ReflectionPad2DBackward0>');
    expect(String(F.pad(x.select(0, 0), [1, 2], { mode: 'replicate' }).gradFn)).toBe('<ReplicationPad1DBackward0>');
    expect(String(F.pad(x, [1, 2, 1, 0], { mode: 'circular' }).gradFn)).toBe('<CopySlices>');
    const x1 = r(2, 3).requiresGrad_(true);
    const y = F.pad(x1, [1, 2], { mode: 'reflect' });
    y.backward(torch.onesLike(y), { createGraph: true });
    // The gradient depends on x1 only through reflection_pad1d_backward's self (derivative zero).
    expect(x1.grad?.requiresGrad).toBe(true);
  });

  it('messages', () => {
    const x = r(1, 2, 3, 4);
    expect(() => F.pad(x, [1, 1], { mode: 'foo' as 'reflect' })).toThrow('Unrecognised padding mode foo');
    expect(() => F.pad(x, [1, 1], { mode: 'reflect' })).toThrow(
      'Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now',
    );
    expect(() => F.pad(x, [1, 1, 1, 1], { mode: 'reflect', value: 1 })).toThrow('Padding mode "reflect" doesn\'t take in value argument');
    expect(() => F.pad(x, [4, 1, 1, 1], { mode: 'reflect' })).toThrow(
      'Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (4, 1) at dimension 3 of input 4',
    );
    expect(() => F.pad(x, [1, 1, 3, 1], { mode: 'reflect' })).toThrow(
      'Argument #6: Padding size should be less than the corresponding input dimension, but got: padding (3, 1) at dimension 2 of input 4',
    );
    expect(() => F.pad(x.select(0, 0), [4, 1], { mode: 'reflect' })).toThrow(
      'Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (4, 1) at dimension 2 of input [2, 3, 4]',
    );
    expect(() => F.pad(x.select(0, 0), [-5, 1], { mode: 'replicate' })).toThrow('input (W: 4) is too small. Calculated output W: 0');
    expect(() => F.pad(r(2, 0, 3), [1, 1], { mode: 'replicate' })).toThrow(
      'Expected 2D or 3D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: [2, 0, 3]',
    );
    expect(() => F.pad(r(2, 0, 3), [1, 1], { mode: 'reflect' })).toThrow(
      '2D or 3D (batch mode) tensor expected for input, but got: [ torch.FloatTensor{2,0,3} ]',
    );
    expect(() => F.pad(x, [5, 1, 1, 1], { mode: 'circular' })).toThrow('Padding value causes wrapping around more than once.');
    expect(() => F.pad(x, [-3, -2, 1, 1], { mode: 'circular' })).toThrow('Negative padding value is resulting in an empty dimension');
    expect(() => F.pad(r(3, 4), [1, 1], { mode: 'circular' })).toThrow('Invalid padding size, expected 0 but got 2');
    expect(() => F.pad(r(2, 3, 4, 5), [1, 1, 1, 1, 1, 1], { mode: 'circular' })).toThrow('Invalid padding size, expected 4 but got 6');
    expect(() => F.pad(torch.zeros([3, 4], { dtype: 'int64' }), [1, 1], { mode: 'reflect' })).toThrow(
      '"reflection_pad1d" not implemented for \'Long\'',
    );
    expect(() => new nn.Conv2d(2, 3, 3, { paddingMode: 'foo' as 'reflect' })).toThrow(
      "padding_mode must be one of {'zeros', 'replicate', 'reflect', 'circular'}, but got padding_mode='foo'",
    );
  });
});

describe('einsum: ellipsis, diagonals, broadcasting', () => {
  it('shapes', () => {
    expect(torch.einsum('...ij,...jk->...ik', r(5, 2, 3), r(4, 1, 3, 4)).shape).toEqual([4, 5, 2, 4]);
    expect(torch.einsum('...ij,...jk->ik', r(5, 2, 3), r(4, 1, 3, 4)).shape).toEqual([2, 4]);
    expect(torch.einsum('ij->...', r(3, 3)).shape).toEqual([]);
    expect(torch.einsum('i...->...i', r(2, 3, 4)).shape).toEqual([3, 4, 2]);
    expect(torch.einsum('iij->ji', r(3, 3, 2)).shape).toEqual([2, 3]);
    expect(torch.einsum('ii', r(3, 3)).shape).toEqual([]);
  });

  it('messages', () => {
    const t =
      (eq: string, ...xs: InstanceType<typeof torch.Tensor>[]) =>
      () =>
        torch.einsum(eq, ...xs);
    expect(t('ij,jk->ik', r(2, 3), r(2, 4))).toThrow(
      'einsum(): subscript j has size 2 for operand 1 which does not broadcast with previously seen size 3',
    );
    expect(t('...ij,...jk->...ik', r(5, 2, 3), r(4, 2, 3, 4))).toThrow(
      'einsum(): dimension 1 covered by ellipsis in operand 1has size 2 which does not broadcast with previously seen ellipsis with size 5 for the respective dimension',
    );
    expect(t('ii->i', r(3, 4))).toThrow("einsum(): subscript i is repeated for operand 0 but the sizes don't match, 4 != 3");
    expect(t('..i->i', r(3))).toThrow("einsum(): found '.' for operand 0 that is not part of any ellipsis");
    expect(t('...i...->i', r(3))).toThrow("einsum(): found '.' for operand 0 for which an ellipsis was already found");
    expect(t('i->i..', r(2))).toThrow("einsum(): found '.' for output that is not part of any ellipsis (...)");
    expect(t('...ij', r(2))).toThrow(
      'einsum(): the number of subscripts in the equation (2) is more than the number of dimensions (1) for operand 0',
    );
    expect(t('ij', r(2))).toThrow(
      'einsum(): the number of subscripts in the equation (2) does not match the number of dimensions (1) for operand 0 and no ellipsis was given',
    );
    expect(t('i1->i', r(2, 3))).toThrow(
      'einsum(): invalid subscript given at index 1 in the equation string, subscripts must be in [a-zA-Z]',
    );
    expect(t('ij->i1', r(2, 3))).toThrow(
      'einsum(): invalid subscript given at index 5 in the equation string, subscripts must be in [a-zA-Z]',
    );
  });
});

describe("torch.norm p='fro' / 'nuc'", () => {
  it('node names and messages', () => {
    const x = r(3, 4).requiresGrad_(true);
    expect(String(torch.norm(x, 'fro').gradFn)).toBe('<NormBackward1>');
    expect(String(torch.norm(x, 'fro', 1).gradFn)).toBe('<NormBackward1>');
    expect(String(torch.norm(x, 'fro', [0, 1]).gradFn)).toBe('<SqrtBackward0>');
    expect(torch.norm(x, 'fro', null, true).shape).toEqual([1, 1]);
    expect(() => torch.norm(x, 'foo' as 'fro')).toThrow("only valid string values are 'fro' and 'nuc', found foo");
    expect(() => torch.norm(r(2, 3, 4), 'fro', [0, 1, 2])).toThrow('Expected at most 2 dimensions, but got 3 dimensions instead.');
    expect(() => torch.norm(x, 'fro', [1, -1])).toThrow('Expected dims to be different, got [1, -1] instead');
    expect(() => torch.norm(r(3), 'nuc')).toThrow('Expected a tensor with 2 dimensions, but got a tensor with 1 dimension instead.');
    expect(() => torch.norm(r(2, 3, 4), 'nuc', [0])).toThrow("nuclear norm requires a 'dim' argument of size 2");
    expect(() => torch.norm(r(2, 3, 4), 'nuc', [1, 1])).toThrow('duplicate or invalid dimensions');
    // 'nuc' is the sum of the singular values (values against PyTorch: tests/linalg.test.ts).
    expect(String(torch.norm(x, 'nuc').gradFn)).toBe('<SumBackward1>');
    expect(torch.norm(x, 'nuc').item()).toBeCloseTo(torch.linalg.svdvals(x).sum().item(), 6);
  });
});

describe('embedding maxNorm / scaleGradByFreq, nn.Embedding options and fromPretrained', () => {
  it('reprs (PyTorch 1.13 printed these)', () => {
    expect(String(new nn.Embedding(5, 3, { maxNorm: 1.0, normType: 1.0, scaleGradByFreq: true, paddingIdx: 0 }))).toBe(
      'Embedding(5, 3, padding_idx=0, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True)',
    );
    expect(String(new nn.Embedding(5, 3, { normType: 1 }))).toBe('Embedding(5, 3, norm_type=1.0)');
    const w = torch.randn([4, 3]);
    const e = nn.Embedding.fromPretrained(w, { paddingIdx: 1, maxNorm: 1.5 });
    expect(String(e)).toBe('Embedding(4, 3, padding_idx=1, max_norm=1.5)');
    expect(e.weight.requiresGrad).toBe(false);
    expect(nn.Embedding.fromPretrained(w, { freeze: false }).weight.requiresGrad).toBe(true);
    expect(() => nn.Embedding.fromPretrained(torch.randn([4]))).toThrow('Embeddings parameter is expected to be 2-dimensional');
  });

  it('fromPretrained shares the tensor (PyTorch: Parameter(_weight)); maxNorm renormalises it in place', () => {
    const w = torch.tensor([
      [3, 4],
      [0.3, 0.4],
      [6, 8],
    ]);
    const e = nn.Embedding.fromPretrained(w, { maxNorm: 1 });
    const y = e(torch.tensor([0, 1, 0], { dtype: 'int64' }));
    // Row 0 (norm 5) becomes (3, 4) * 1 / (5 + 1e-7); row 2 is not referenced and stays.
    expect(w.dataSync()[0]).toBeCloseTo(0.6, 6);
    expect(w.dataSync()[4]).toBe(6);
    expect(y.shape).toEqual([3, 2]);
    expect(w.dataSync()[2]).toBeCloseTo(0.3, 7);
  });

  it('module gradient scaled by frequency', () => {
    const e = new nn.Embedding(4, 2, { scaleGradByFreq: true });
    e(torch.tensor([1, 1, 1, 3], { dtype: 'int64' }))
      .sum()
      .backward();
    const g = e.weight.grad?.dataSync() as number[];
    expect(g.map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0, 0, 1, 1, 0, 0, 1, 1]);
  });
});

describe('adaptive_max_pool2d', () => {
  it('node names, reprs, messages (PyTorch 1.13)', () => {
    const x = r(1, 2, 5, 7).requiresGrad_(true);
    expect(String(F.adaptiveMaxPool2d(x, [2, 3]).gradFn)).toBe('<AdaptiveMaxPool2DBackward0>');
    expect(F.adaptiveMaxPool2d(r(2, 5, 7), [2, null]).shape).toEqual([2, 2, 7]);
    const [y, i] = F.adaptiveMaxPool2d(r(2, 5, 7), 2, { returnIndices: true });
    expect(y.shape).toEqual([2, 2, 2]);
    expect(i.dtype).toBe('int64');
    expect(String(new nn.AdaptiveMaxPool2d(2))).toBe('AdaptiveMaxPool2d(output_size=2)');
    expect(String(new nn.AdaptiveMaxPool2d([2, null], { returnIndices: true }))).toBe('AdaptiveMaxPool2d(output_size=(2, None))');
    expect(() => F.adaptiveMaxPool2d(r(5, 7), 2)).toThrow('adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: [5, 7]');
    expect(() => F.adaptiveMaxPool2d(r(2, 5, 7), [2, 3, 4])).toThrow('Input dimension should be at least 4');
    expect(() => F.adaptiveMaxPool2d(r(2, 0, 5, 7), [2, 3])).toThrow(
      'adaptive_max_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes [2, 0, 5, 7] with dimension 1 being empty',
    );
    expect(() => F.adaptiveMaxPool2d(r(2, 5, 7), [-1, 2])).toThrow('Trying to create tensor with negative dimension -1: [2, -1, 2]');
    const nan = torch.tensor([
      [
        [1, Number.NaN, 3],
        [4, 5, Number.NaN],
      ],
    ]);
    const [v, j] = F.adaptiveMaxPool2d(nan, 1, { returnIndices: true });
    expect(Number.isNaN(v.item() as number)).toBe(true);
    expect(j.item()).toBe(5);
  });
});

describe('max_unpool2d', () => {
  it('reprs and messages (PyTorch 1.13)', () => {
    expect(String(new nn.MaxUnpool2d(2))).toBe('MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))');
    expect(String(new nn.MaxUnpool2d([2, 3], { stride: 1, padding: [0, 1] }))).toBe(
      'MaxUnpool2d(kernel_size=(2, 3), stride=(1, 1), padding=(0, 1))',
    );
    const [y, i] = F.maxPool2d(r(1, 2, 4, 4), 2, { returnIndices: true });
    expect(String(F.maxUnpool2d(y.requiresGrad_(true), i, 2).gradFn)).toBe('<MaxUnpool2DBackward0>');
    expect(F.maxUnpool2d(y, i, 2, { outputSize: [1, 2, 5, 5] }).shape).toEqual([1, 2, 5, 5]);
    expect(() => F.maxUnpool2d(y, i, 2, { outputSize: [6, 6] })).toThrow('invalid output_size "(6, 6)" (dim 0 must be between 2 and 6)');
    expect(() => F.maxUnpool2d(y, i.to('float32'), 2)).toThrow('elements in indices should be type int64 but got: Float');
    expect(() => F.maxUnpool2d(y, i.narrow(3, 0, 1), 2)).toThrow(
      'Expected shape of indices to be same as that of the input tensor ([1, 2, 2, 2]) but got indices tensor with shape: [1, 2, 2, 1]',
    );
    // PyTorch reports the last invalid index it met.
    const last = (i.reshape([-1]).select(0, 7).item() as number) + 20;
    expect(() => F.maxUnpool2d(y, i.add(20), 2)).toThrow(`Found an invalid max index: ${last} (output volumes are of size 4x4`);
    expect(() => F.maxUnpool2d(y.select(0, 0).select(0, 0), i.select(0, 0).select(0, 0), 2)).toThrow(
      'Input to max_unpooling2d should be a 3d or 4d Tensor, but got a tensor with 2 dimensions.',
    );
  });
});
