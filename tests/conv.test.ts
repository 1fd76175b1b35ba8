// Convolution and pooling: PyTorch 1.13's node names and its messages for bad arguments (each string
// as PyTorch 1.13 raised it); values and gradients are checked by the golden-train cases and by the
// registry's gradcheck / gradgradcheck.
import { describe, expect, it } from 'vitest';
import { torch } from '../ts/index.js';

const F = torch.nn.functional;
const r = (...shape: number[]) => torch.randn(shape);

describe('convolution', () => {
  it('records ConvolutionBackward0 (unbatched: squeezed) and double backward works', () => {
    const x = r(2, 3, 6, 6).requiresGrad_(true);
    const w = r(4, 3, 3, 3).requiresGrad_(true);
    expect(String(F.conv2d(x, w).gradFn)).toBe('<ConvolutionBackward0>');
    expect(String(F.conv1d(r(2, 3, 8).requiresGrad_(true), r(4, 3, 3)).gradFn)).toBe('<ConvolutionBackward0>');
    expect(String(F.convTranspose2d(x, r(3, 2, 3, 3)).gradFn)).toBe('<ConvolutionBackward0>');
    expect(String(F.conv2d(r(3, 6, 6).requiresGrad_(true), w).gradFn)).toBe('<SqueezeBackward1>');
    expect(F.conv2d(r(3, 6, 6), w)._shape).toEqual([4, 4, 4]);
    F.conv2d(x, w).pow(2).sum().backward(undefined, { createGraph: true });
    expect(x.grad?.requiresGrad).toBe(true);
  });

  it('output shapes: stride, padding, same, valid, dilation, groups, transposed', () => {
    const x = r(2, 4, 7, 6);
    expect(F.conv2d(x, r(6, 4, 3, 2), null, { stride: [2, 1], padding: 1 })._shape).toEqual([2, 6, 4, 7]);
    expect(F.conv2d(x, r(6, 2, 4, 3), null, { padding: 'same', dilation: [1, 2], groups: 2 })._shape).toEqual([2, 6, 7, 6]);
    expect(F.conv2d(x, r(6, 4, 3, 3), null, { padding: 'valid' })._shape).toEqual([2, 6, 5, 4]);
    expect(F.convTranspose2d(x, r(4, 3, 3, 3), null, { stride: 2, padding: 1, outputPadding: 1 })._shape).toEqual([2, 3, 14, 12]);
  });

  it("PyTorch's messages", () => {
    const x = r(2, 3, 6, 6);
    const w = r(4, 3, 3, 3);
    const cases: [() => unknown, string][] = [
      [() => F.conv2d(r(6, 6), w), 'Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [6, 6]'],
      [
        () => F.conv2d(x, r(4, 5, 3, 3)),
        'Given groups=1, weight of size [4, 5, 3, 3], expected input[2, 3, 6, 6] to have 5 channels, but got 3 channels instead',
      ],
      [
        () => F.conv2d(r(1, 3, 2, 2), w),
        "Calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3). Kernel size can't be greater than actual input size",
      ],
      [() => F.conv2d(x, w, null, { stride: 2, padding: 'same' }), "padding='same' is not supported for strided convolutions"],
      [
        () => F.conv2d(x, w, null, { groups: 2 }),
        'Given groups=2, weight of size [4, 3, 3, 3], expected input[2, 3, 6, 6] to have 6 channels, but got 3 channels instead',
      ],
      [() => F.conv2d(x, w, null, { stride: 0 }), 'non-positive stride is not supported'],
      [() => F.conv2d(x, w, null, { padding: -1 }), 'negative padding is not supported'],
      [() => F.conv2d(x, w, null, { padding: 'foo' as 'same' }), "Invalid padding string: 'foo'"],
      [
        () => F.conv2d(x, w, r(3)),
        'Given weight of size [4, 3, 3, 3], expected bias to be 1-dimensional with 4 elements, but got bias of size [3] instead',
      ],
      [
        () => F.conv2d(x, w.double()),
        'Input type (torch.FloatTensor) and weight type (torch.DoubleTensor) should be the same or input should be a MKLDNN tensor and weight is a dense tensor',
      ],
      [
        () => F.conv2d(x, w, null, { stride: [1, 1, 1] }),
        'expected stride to be a single integer value or a list of 2 values to match the convolution dimensions, but got stride=[1, 1, 1]',
      ],
      [
        () => F.conv2d(r(2, 4, 6, 6), r(3, 2, 3, 3), null, { groups: 2 }),
        'Given groups=2, expected weight to be divisible by 2 at dimension 0, but got weight of size [[3, 2, 3, 3]] instead',
      ],
      [() => F.conv2d(x, w, null, { groups: 0 }), 'non-positive groups is not supported'],
      [() => F.conv2d(x, w, null, { dilation: 0 }), 'non-positive dilation is not supported'],
      [
        () => F.conv1d(r(2, 4, 6), r(4, 4, 3), null, { stride: [1, 1] }),
        'expected stride to be a single integer value or a list of 1 values to match the convolution dimensions, but got stride=[1, 1]',
      ],
      [() => F.conv2d(r(2, 4, 6, 6), r(4, 4, 3, 3), r(4).double()), 'Input type (float) and bias type (double) should be the same'],
      [
        () => F.convTranspose2d(r(2, 4, 5, 5), r(3, 2, 3, 3)),
        'Given transposed=1, weight of size [3, 2, 3, 3], expected input[2, 4, 5, 5] to have 3 channels, but got 4 channels instead',
      ],
      [
        () => F.convTranspose2d(r(2, 4, 5, 5), r(4, 2, 3, 3), null, { outputPadding: 1 }),
        'output padding must be smaller than either stride or dilation, but got output_padding_height: 1 output_padding_width: 1 stride_height: 1 stride_width: 1 dilation_height: 1 dilation_width: 1',
      ],
      [
        () => F.convTranspose2d(r(2, 4, 5, 5), r(4, 2, 3, 3), r(4)),
        'Given transposed=1, weight of size [4, 2, 3, 3], expected bias to be 1-dimensional with 2 elements, but got bias of size [4] instead',
      ],
      [
        () => F.convTranspose2d(r(2, 4, 5, 5), r(4, 2, 3, 3), null, { padding: 5 }),
        'Given input size per channel: (5 x 5). Calculated output size per channel: (-3 x -3). Output size is too small',
      ],
    ];
    for (const [f, msg] of cases) expect(f).toThrow(msg);
  });
});

describe('pooling', () => {
  it('records PyTorch 1.13 nodes, also for unbatched input', () => {
    const x = r(2, 3, 6, 6).requiresGrad_(true);
    expect(String(F.maxPool2d(x, 2).gradFn)).toBe('<MaxPool2DWithIndicesBackward0>');
    expect(String(F.avgPool2d(x, 2).gradFn)).toBe('<AvgPool2DBackward0>');
    expect(String(F.adaptiveAvgPool2d(x, 2).gradFn)).toBe('<AdaptiveAvgPool2DBackward0>');
    const u = r(3, 6, 6).requiresGrad_(true);
    expect(F.maxPool2d(u, 2)._shape).toEqual([3, 3, 3]);
    expect(F.adaptiveAvgPool2d(u, [2, 3])._shape).toEqual([3, 2, 3]);
    F.maxPool2d(x, 2).pow(2).sum().backward(undefined, { createGraph: true });
    expect(x.grad?.requiresGrad).toBe(true);
  });

  it("PyTorch's messages", () => {
    const x = r(2, 4, 6, 6);
    const cases: [() => unknown, string][] = [
      [() => F.maxPool2d(x, 3, { padding: 2 }), 'pad should be at most half of kernel size, but got pad=2 and kernel_size=3'],
      [() => F.avgPool2d(x, 3, { padding: 2 }), 'pad should be at most half of kernel size, but got pad=2 and kernel_size=3'],
      [() => F.maxPool2d(r(6, 6), 2), 'non-empty 3D or 4D (batch mode) tensor expected for input'],
      [() => F.maxPool2d(r(1, 1, 1, 1), 2), 'Given input size: (1x1x1). Calculated output size: (1x0x0). Output size is too small'],
      [() => F.maxPool2d(x, 0), 'stride should not be zero'],
      [() => F.avgPool2d(x, 2, { stride: 0 }), 'stride should not be zero'],
      [() => F.avgPool2d(x, [2, 2, 2]), 'avg_pool2d: kernel_size must either be a single int, or a tuple of two ints'],
      [() => F.avgPool2d(x, 2, { stride: [1, 1, 1] }), 'avg_pool2d: stride must either be omitted, a single int, or a tuple of two ints'],
      [() => F.maxPool2d(x, 2, { stride: [1, 1, 1] }), 'max_pool2d: stride must either be omitted, a single int, or a tuple of two ints'],
      [() => F.maxPool2d(x, 2, { padding: [1, 1, 1] }), 'max_pool2d: padding must be either be a single int, or a tuple of two ints'],
      [() => F.avgPool2d(x, 2, { padding: [1, 1, 1] }), 'avg_pool2d: padding must either be a single int, or a tuple of two ints'],
      [() => F.maxPool2d(x, 2, { dilation: 0 }), 'dilation should be greater than zero, but got dilationH: 0 dilationW: 0'],
      [() => F.maxPool2d(x.long(), 2), `"max_pool2d" not implemented for 'Long'`],
      [() => F.adaptiveAvgPool2d(x, [2, 2, 2]), 'adaptive_avg_pool2d: output_size must be 2'],
      [() => F.adaptiveAvgPool2d(r(6, 6), [2, 2]), 'adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got [6, 6]'],
      [
        () => F.adaptiveAvgPool2d(r(2, 4, 0, 6), 2),
        'adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes [2, 4, 0, 6] with dimension 2 being empty',
      ],
    ];
    for (const [f, msg] of cases) expect(f).toThrow(msg);
  });
});

describe('convolution bits', () => {
  // Every output element is the sum over (c, ki, kj) in increasing order from +0, each product and
  // each addition rounded once (docs/design.md): written out here with Math.fround, it must match
  // bit for bit, through the padded-plane im2col (stride 1) and the general one (stride 2, dilation 2).
  const cases = [
    { H: 6, W: 3, k: 3, p: [1, 1], s: 1, d: 1 },
    { H: 5, W: 4, k: 3, p: [0, 0], s: 1, d: 1 },
    { H: 7, W: 14, k: 5, p: [2, 2], s: 1, d: 1 },
    { H: 9, W: 9, k: 3, p: [1, 2], s: 1, d: 1 },
    { H: 9, W: 10, k: 3, p: [1, 1], s: 2, d: 1 },
    { H: 9, W: 10, k: 3, p: [2, 2], s: 1, d: 2 },
  ];
  for (const c of cases) {
    it(`float32 x [2, 3, ${c.H}, ${c.W}], kernel ${c.k}, padding ${c.p}, stride ${c.s}, dilation ${c.d}`, () => {
      torch.manualSeed(c.H * 100 + c.W);
      const [N, C, Co] = [2, 3, 4];
      const x = torch.randn([N, C, c.H, c.W]);
      const w = torch.randn([Co, C, c.k, c.k]);
      const y = torch.nn.functional.conv2d(x, w, null, { padding: c.p, stride: c.s, dilation: c.d });
      const [oH, oW] = y.shape.slice(2);
      const xv = x.reshape([-1]).tolist() as number[];
      const wv = w.reshape([-1]).tolist() as number[];
      const f = Math.fround;
      const want: number[] = [];
      for (let n = 0; n < N; n++)
        for (let co = 0; co < Co; co++)
          for (let oi = 0; oi < oH; oi++)
            for (let oj = 0; oj < oW; oj++) {
              let s = 0;
              for (let ci = 0; ci < C; ci++)
                for (let ki = 0; ki < c.k; ki++)
                  for (let kj = 0; kj < c.k; kj++) {
                    const ih = oi * c.s - c.p[0] + ki * c.d;
                    const iw = oj * c.s - c.p[1] + kj * c.d;
                    const xe = ih >= 0 && ih < c.H && iw >= 0 && iw < c.W ? xv[((n * C + ci) * c.H + ih) * c.W + iw] : 0;
                    s = f(s + f(wv[((co * C + ci) * c.k + ki) * c.k + kj] * xe));
                  }
              want.push(s);
            }
      const got = y.reshape([-1]).tolist() as number[];
      expect(got.findIndex((v, i) => !Object.is(v, want[i]))).toBe(-1);
      for (const t of [x, w, y]) t.dispose();
    });
  }
});
