// conv_transpose2d (stride, padding, output_padding, groups, dilation, optional bias): the GEMM then
// col2im, as the input gradient of the conv2d it transposes; ConvolutionBackward0 with
// differentiable gradients.
import type { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { noGrad } from '../grad_mode.js';
import { withTemps } from '../scope.js';
import { isTensor } from '../brand.js';
import * as K from './internal.js';
import * as V from '../validate.js';
import { cat } from './indexing.js';
import { defineOp } from './registry.js';
import { CONV, type IntOrPair, convolutionBackward, fmt, im2col, intList, perGroup, sumOuter } from './conv.js';

// ---- conv_transpose2d --------------------------------------------------------------------------

/** Keyword arguments of `conv_transpose2d`: PyTorch's `bias`, `stride`, `padding`, `output_padding`, `groups`, `dilation` (camelCase). */
export interface ConvTransposeOptions {
  /** Stride of the convolution, one int or one per dimension (default 1). */
  readonly stride?: IntOrPair;
  /** `dilation * (kernel_size - 1) - padding` zero padding on both sides of the input (PyTorch's `padding`). */
  readonly padding?: IntOrPair;
  /** Extra size added to one side of the output (PyTorch's `output_padding`). */
  readonly outputPadding?: IntOrPair;
  /** Blocked connections from input to output channels (PyTorch's `groups`). */
  readonly groups?: number;
  /** Spacing between window elements (PyTorch's `dilation`). */
  readonly dilation?: IntOrPair;
}
const CONVT_OPTS = V.optionSpec('convTranspose2d', { stride: 'any', padding: 'any', outputPadding: 'any', groups: 'int', dilation: 'any' });

/**
 * conv_transpose2d's geometry, as the conv2d whose input gradient it is: that conv's input is the
 * result [N, Cout, Ho, Wo], its output the given input (o = [H, W]).
 */
function convTransposeGeometry(
  x: Tensor,
  w: Tensor,
  bias: Tensor | null,
  opts: ConvTransposeOptions | undefined,
): { g: K.Geometry; groups: number } {
  V.options(CONVT_OPTS, opts);
  if (typeof opts?.padding === 'string') throw new TypeError("conv_transpose2d(): argument 'padding' must be tuple of ints, not str");
  const stride = intList(opts?.stride, 'stride', 2, 1);
  const padding = intList(opts?.padding, 'padding', 2, 0);
  const outPad = intList(opts?.outputPadding, 'output_padding', 2, 0);
  const dilation = intList(opts?.dilation, 'dilation', 2, 1);
  const groups = opts?.groups ?? 1;
  if (stride.some((v) => v <= 0)) throw new Error('non-positive stride is not supported');
  if (padding.some((v) => v < 0)) throw new Error('negative padding is not supported');
  if (outPad.some((v) => v < 0)) throw new Error('negative output_padding is not supported');
  if (dilation.some((v) => v <= 0)) throw new Error('non-positive dilation is not supported');
  if (groups <= 0) throw new Error('non-positive groups is not supported');
  if (w.ndim !== 4) {
    const wn = w.ndim > 2 ? w.ndim - 2 : 1;
    throw new Error(
      `expected stride to be a single integer value or a list of ${wn} values to match the convolution dimensions, but got stride=${fmt(stride)}`,
    );
  }
  if (x.ndim !== 4 || x.numel() === 0)
    throw new Error(`Expected 3D (unbatched) or 4D (batched) input to conv_transpose2d, but got input of size: ${fmt(x._shape)}`);
  if (x.dtype !== 'float32' && x.dtype !== 'float64')
    throw new Error(`conv_transpose2d: integer inputs are not supported by asgrad (got ${x.dtype})`);
  if (w.dtype !== x.dtype) {
    const tn = (d: string): string => (d === 'float64' ? 'torch.DoubleTensor' : d === 'float32' ? 'torch.FloatTensor' : 'torch.LongTensor');
    throw new Error(
      `Input type (${tn(x.dtype)}) and weight type (${tn(w.dtype)}) should be the same or input should be a MKLDNN tensor and weight is a dense tensor`,
    );
  }
  const [cin, cog, kH, kW] = w._shape;
  if (cin % groups !== 0)
    throw new Error(
      `Given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, but got weight of size [${fmt(w._shape)}] instead`,
    );
  if (x._shape[1] !== cin) {
    throw new Error(
      `Given transposed=1, weight of size ${fmt(w._shape)}, expected input${fmt(x._shape)} to have ${cin} channels, but got ${x._shape[1]} channels instead`,
    );
  }
  const cout = cog * groups;
  if (bias && (bias.ndim !== 1 || bias._shape[0] !== cout)) {
    throw new Error(
      `Given transposed=1, weight of size ${fmt(w._shape)}, expected bias to be 1-dimensional with ${cout} elements, but got bias of size ${fmt(bias._shape)} instead`,
    );
  }
  if (bias && bias.dtype !== x.dtype) {
    const nm = (d: string): string => (d === 'float64' ? 'double' : d === 'float32' ? 'float' : 'long');
    throw new Error(`Input type (${nm(x.dtype)}) and bias type (${nm(bias.dtype)}) should be the same`);
  }
  if (outPad.some((v, i) => v >= stride[i] && v >= dilation[i])) {
    throw new Error(
      `output padding must be smaller than either stride or dilation, but got output_padding_height: ${outPad[0]} output_padding_width: ${outPad[1]} stride_height: ${stride[0]} stride_width: ${stride[1]} dilation_height: ${dilation[0]} dilation_width: ${dilation[1]}`,
    );
  }
  const [H, W] = x._shape.slice(2);
  const ks = [kH, kW];
  const o = [H, W].map((n, i) => (n - 1) * stride[i] - 2 * padding[i] + dilation[i] * (ks[i] - 1) + outPad[i] + 1);
  if (o.some((v) => v <= 0)) {
    throw new Error(
      `Given input size per channel: (${H} x ${W}). Calculated output size per channel: (${o.join(' x ')}). Output size is too small`,
    );
  }
  return {
    g: {
      N: x._shape[0],
      C: cout,
      H: o[0],
      W: o[1],
      k: [kH, kW],
      s: [stride[0], stride[1]],
      p: [padding[0], padding[1]],
      d: [dilation[0], dilation[1]],
      o: [H, W],
    },
    groups,
  };
}

/** col2im(W_gᵀ @ x_g per group) (+ bias): [N, Cout, Ho, Wo]. */
function convTransposeForward(x: Tensor, w: Tensor, bias: Tensor | null, g: K.Geometry, groups: number): Tensor {
  return noGrad(() =>
    withTemps(() => {
      const xc = K.contiguousOf(x);
      const wc = K.contiguousOf(w);
      const cin = w._shape[0];
      const cig = cin / groups;
      const ckg = w._shape[1] * g.k[0] * g.k[1];
      const L = g.o[0] * g.o[1];
      const parts: Tensor[] = [];
      for (let j = 0; j < groups; j++) {
        const a = wc._view([1, ckg, cig], [0, 1, ckg], wc._offset + j * cig * ckg);
        const b = xc._view([g.N, cig, L], [cin * L, L, 1], xc._offset + j * cig * L);
        parts.push(K.matmul3(a, b));
      }
      const cols = groups === 1 ? parts[0] : cat(parts, 1);
      let y = K.col2imK(cols, g);
      if (bias) y = y.add(bias.view([1, g.C, 1, 1]));
      return y;
    }),
  );
}

/** torch.nn.functional.conv_transpose2d(input, weight, bias?, { stride, padding, outputPadding, groups, dilation }). */
export function convTranspose2d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts?: ConvTransposeOptions): Tensor {
  V.tensor(input, 'convTranspose2d', 'input', 1);
  V.tensor(weight, 'convTranspose2d', 'weight', 2);
  V.optTensor(bias, 'convTranspose2d', 'bias', 3);
  if (input.ndim === 3 && weight.ndim === 4 && input.numel() > 0) return convTranspose2d(input.unsqueeze(0), weight, bias, opts).squeeze(0);
  const b = bias ?? null;
  const { g, groups } = convTransposeGeometry(input, weight, b, opts);
  const y = withTemps(() => convTransposeForward(input, weight, b, g, groups));
  return record(
    'ConvolutionBackward0',
    y,
    [input, weight, b],
    () => [input, weight],
    (gy, [x, w], need) =>
      convolutionBackward(
        gy,
        x,
        w,
        need,
        (gy2, x2, w2, n2) => {
          const cig = w2._shape[0] / groups;
          const ckg = w2._shape[1] * g.k[0] * g.k[1];
          const L = g.o[0] * g.o[1];
          const cols = im2col(gy2, g);
          const gx = n2[0] ? perGroup(w2.reshape([groups, cig, ckg]), cols, g.N, groups, cig, ckg, L).reshape(x2._shape) : null;
          const gw = n2[1] ? sumOuter(x2, cols, g.N, groups, cig, ckg, L).reshape(w2._shape) : null;
          return [gx, gw, n2[2] ? gy2.sum([0, 2, 3]) : null];
        },
        (x2, w2) => convTranspose2d(x2, w2, null, opts),
      ),
  );
}

/** nn.functional.conv_transpose2d, as conv2dFunctional. */
export function convTranspose2dFunctional(
  input: Tensor,
  weight: Tensor,
  bias?: Tensor | null | ConvTransposeOptions,
  opts?: ConvTransposeOptions,
): Tensor {
  return bias === undefined || bias === null || isTensor(bias)
    ? convTranspose2d(input, weight, bias, opts)
    : convTranspose2d(input, weight, null, bias);
}

export const CONV_TRANSPOSE_OPS = {
  convTranspose2d: defineOp({
    ...CONV,
    name: 'convTranspose2d',
    py: 'conv_transpose2d',
    fn: convTranspose2d,
    doc: '2-D transposed convolution (GEMM + col2im): stride, padding, outputPadding, groups, dilation, optional bias.',
    nodes: ['ConvolutionBackward0', 'UnsqueezeBackward0', 'SqueezeBackward1'],
    functional: { convTranspose2d: convTranspose2dFunctional },
    golden: { ...CONV.golden, kwargs: ['stride', 'padding', 'output_padding', 'groups', 'dilation'] },
    test: {
      grad: 'twice',
      samples: [
        {
          args: [
            { shape: [2, 3, 3, 4] },
            { shape: [3, 2, 3, 3] },
            { shape: [2] },
            { options: { stride: 2, padding: 1, outputPadding: 1 } },
          ],
        },
        {
          args: [{ shape: [1, 4, 3, 3] }, { shape: [4, 1, 2, 3] }, null, { options: { stride: [1, 2], dilation: [2, 1], groups: 2 } }],
          note: 'grouped, dilated',
        },
        { args: [{ shape: [2, 3, 3] }, { shape: [2, 3, 2, 2] }], note: 'unbatched' },
      ],
    },
  }),
} as const;
