// Pointwise activations of nn.functional (gelu, silu, elu, softplus, hardtanh) and erf. Each is
// one kernel of assembly/activations.ts and a node under PyTorch's name whose rule is written with
// differentiable ops (derivatives.yaml of PyTorch 1.13), so higher orders work.
import type { Tensor } from '../tensor.js';
import { record } from '../autograd.js';
import { noGrad } from '../grad_mode.js';
import type { FloatKernel } from '../core/wasm.js';
import { SCALAR_NAME } from '../validate/names.js';
import * as K from './internal.js';
import * as V from '../validate.js';
import { isFloating } from '../dtype.js';
import { compare, logicalAnd, sub, where } from './binary.js';
import { erf } from './activations_erf.js';
import { defineOp } from './registry.js';

/** An activation: validates, runs the kernel with its parameters, records `node` reading the input. */
function activation(
  x: Tensor,
  entry: string,
  cpuName: string,
  kname: FloatKernel,
  node: string,
  params: readonly number[],
  rule: (g: Tensor, x: Tensor) => Tensor,
): Tensor {
  V.tensor(x, entry, 'input', 1);
  if (!isFloating(x.dtype)) throw new Error(`"${cpuName}" not implemented for '${SCALAR_NAME[x.dtype]}'`);
  const y = K.unary(kname, x, ...params);
  return record(
    node,
    y,
    [x],
    () => [x],
    (g, [s]) => [rule(g, s)],
  );
}

const GELU_OPTS = V.optionSpec('gelu', { approximate: 'any' });
const ELU_OPTS = V.optionSpec('elu', { alpha: 'number' }, ['inplace']);
const SOFTPLUS_OPTS = V.optionSpec('softplus', { beta: 'number', threshold: 'number' });
const HARDTANH_OPTS = V.optionSpec('hardtanh', { minVal: 'number', maxVal: 'number' }, ['inplace']);

// biome-ignore lint/suspicious/noApproximativeNumericConstant: the literal, as no Math.* may sit on a value path in ts/ (tests/platforms/rules.test.ts).
const SQRT1_2 = 0.7071067811865476;
const INV_SQRT_2PI = 0.3989422804014327;
const GELU_K = 0.7978845608028654; // sqrt(2 / pi)
const GELU_C = 0.044715;

/** gelu's derivative at s, written with differentiable ops. */
function geluPrime(s: Tensor, tanh: boolean): Tensor {
  if (tanh) {
    const s2 = s.mul(s);
    const t = s.add(s2.mul(s).mul(GELU_C)).mul(GELU_K).tanh();
    const left = t.add(1).mul(0.5);
    const right = s
      .mul(0.5)
      .mul(sub(1, t.mul(t)))
      .mul(
        s2
          .mul(3 * GELU_C)
          .add(1)
          .mul(GELU_K),
      );
    return left.add(right);
  }
  const cdf = erf(s.mul(SQRT1_2)).add(1).mul(0.5);
  const pdf = s.mul(s).mul(-0.5).exp().mul(INV_SQRT_2PI);
  return cdf.add(s.mul(pdf));
}

/**
 * gelu's second derivative at s: exact, pdf(s) * (2 - s^2); tanh, with t = tanh(u), u = k (s + c s^3):
 * (1 - t^2) (u' + s (u'' - 2 t u'^2) / 2).
 */
function geluSecond(s: Tensor, tanh: boolean): Tensor {
  const s2 = s.mul(s);
  if (tanh) {
    const t = s.add(s2.mul(s).mul(GELU_C)).mul(GELU_K).tanh();
    const du = s2
      .mul(3 * GELU_C)
      .add(1)
      .mul(GELU_K);
    const ddu = s.mul(6 * GELU_C * GELU_K);
    return sub(1, t.mul(t)).mul(du.add(s.mul(0.5).mul(ddu.sub(t.mul(2).mul(du.mul(du))))));
  }
  const pdf = s2.mul(-0.5).exp().mul(INV_SQRT_2PI);
  return pdf.mul(sub(2, s2));
}

/**
 * gelu's gradient g * gelu'(s), recorded as PyTorch's gelu_backward (GeluBackwardBackward0): one
 * node over the upstream gradient and the input, so its graph and names are PyTorch's at every order.
 */
function geluBackward(g: Tensor, s: Tensor, tanh: boolean): Tensor {
  const out = noGrad(() => g.mul(geluPrime(s, tanh)));
  return record(
    'GeluBackwardBackward0',
    out,
    [g, s],
    (n) => (n[1] ? [g, s] : [s]),
    (gg, saved, n) => {
      const ss = saved[saved.length - 1];
      return [n[0] ? geluBackward(gg, ss, tanh) : null, n[1] ? gg.mul(saved[0]).mul(geluSecond(ss, tanh)) : null];
    },
  );
}

/** F.gelu(x, { approximate: 'none' | 'tanh' }). */
export function gelu(x: Tensor, opts?: { approximate?: 'none' | 'tanh' }): Tensor {
  V.options(GELU_OPTS, opts);
  const approximate = opts?.approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') throw new Error(`approximate argument must be either none or tanh.`);
  const tanh = approximate === 'tanh';
  return activation(
    x,
    'gelu',
    'GeluKernelImpl',
    tanh ? 'gelu_tanh' : 'gelu',
    'GeluBackward0',
    [],
    (g, s): Tensor => geluBackward(g, s, tanh),
  );
}

/** F.silu(x) = x * sigmoid(x). */
export function silu(x: Tensor): Tensor {
  return activation(x, 'silu', 'silu_cpu', 'silu', 'SiluBackward0', [], (g, s): Tensor => {
    const sg = s.sigmoid();
    return g.mul(sg).mul(s.mul(sub(1, sg)).add(1));
  });
}

/** F.elu(x, { alpha }): x for x > 0, alpha * (exp(x) - 1) otherwise. */
export function elu(x: Tensor, opts?: { alpha?: number }): Tensor {
  V.options(ELU_OPTS, opts);
  const alpha = opts?.alpha ?? 1;
  return activation(
    x,
    'elu',
    'elu_cpu',
    'elu',
    'EluBackward0',
    [alpha],
    (g, s): Tensor => where(compare('gt', s, 0), g, g.mul(s.exp().mul(alpha))),
  );
}

/** F.softplus(x, { beta, threshold }): log(1 + exp(beta x)) / beta, x where beta x > threshold. */
export function softplus(x: Tensor, opts?: { beta?: number; threshold?: number }): Tensor {
  V.options(SOFTPLUS_OPTS, opts);
  const beta = opts?.beta ?? 1;
  const threshold = opts?.threshold ?? 20;
  return activation(x, 'softplus', 'softplus_cpu', 'softplus', 'SoftplusBackward0', [beta, threshold], (g, s): Tensor => {
    const bx = s.mul(beta);
    return where(compare('gt', bx, threshold), g, g.mul(bx.sigmoid()));
  });
}

/**
 * F.hardtanh(x, { minVal, maxVal }): x clamped to [minVal, maxVal]; the gradient passes strictly
 * inside them only (NaN gets 0, as PyTorch 1.13's vectorised hardtanh_backward gives).
 */
export function hardtanh(x: Tensor, opts?: { minVal?: number; maxVal?: number }): Tensor {
  V.options(HARDTANH_OPTS, opts);
  const lo = opts?.minVal ?? -1;
  const hi = opts?.maxVal ?? 1;
  V.tensor(x, 'hardtanh', 'input', 1);
  const a = isFloating(x.dtype) ? x : K.castTo(x, 'float32');
  return activation(
    a,
    'hardtanh',
    'hardtanh_cpu',
    'hardtanh',
    'HardtanhBackward0',
    [lo, hi],
    (g, s): Tensor => where(logicalAnd(compare('gt', s, lo), compare('lt', s, hi)), g, 0),
  );
}

export const ACTIVATION_OPS = {
  gelu: defineOp({
    name: 'gelu',
    py: 'gelu',
    kind: 'elementwise',
    fn: gelu,
    doc: "x * Phi(x) (approximate: 'none'), or its tanh approximation ('tanh').",
    nodes: ['GeluBackward0'],
    kernels: ['gelu', 'gelu_tanh'],
    dtype: 'same',
    saves: 'self',
    torch: false,
    functional: { gelu: true },
    golden: { args: [['T']], kwargs: ['approximate'], via: 'functional' },
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [7], domain: [-3, 3] }] },
        { args: [{ shape: [2, 3], domain: [-3, 3] }, { options: { approximate: 'tanh' } }] },
      ],
    },
  }),
  silu: defineOp({
    name: 'silu',
    py: 'silu',
    kind: 'elementwise',
    fn: silu,
    doc: 'x * sigmoid(x).',
    nodes: ['SiluBackward0'],
    kernels: ['silu'],
    dtype: 'same',
    saves: 'self',
    torch: false,
    functional: { silu: true },
    golden: { args: [['T']], via: 'functional' },
    test: { grad: 'twice', samples: [{ args: [{ shape: [7], domain: [-4, 4] }] }] },
  }),
  elu: defineOp({
    name: 'elu',
    py: 'elu',
    kind: 'elementwise',
    fn: elu,
    doc: 'x for x > 0, alpha * (exp(x) - 1) otherwise.',
    nodes: ['EluBackward0'],
    kernels: ['elu'],
    dtype: 'same',
    saves: 'self',
    torch: false,
    functional: { elu: true },
    golden: { args: [['T']], kwargs: ['alpha'], via: 'functional' },
    test: {
      grad: 'twice',
      kinks: [0],
      samples: [
        { args: [{ shape: [3, 2], domain: [0.1, 2] }] },
        { args: [{ shape: [5], domain: [-2, -0.1] }, { options: { alpha: 0.5 } }] },
      ],
    },
  }),
  softplus: defineOp({
    name: 'softplus',
    py: 'softplus',
    kind: 'elementwise',
    fn: softplus,
    doc: 'log(1 + exp(beta x)) / beta, linear where beta x > threshold.',
    nodes: ['SoftplusBackward0'],
    kernels: ['softplus'],
    dtype: 'same',
    saves: 'self',
    torch: false,
    functional: { softplus: true },
    golden: { args: [['T']], kwargs: ['beta', 'threshold'], via: 'functional' },
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [7], domain: [-3, 3] }] },
        { args: [{ shape: [5], domain: [-1, 1] }, { options: { beta: 2, threshold: 3 } }] },
        { args: [{ shape: [4], domain: [2, 3] }, { options: { beta: 2, threshold: 3 } }], note: 'linear part' },
      ],
    },
  }),
  hardtanh: defineOp({
    name: 'hardtanh',
    py: 'hardtanh',
    kind: 'elementwise',
    fn: hardtanh,
    doc: 'x clamped to [minVal, maxVal] (default [-1, 1]).',
    nodes: ['HardtanhBackward0'],
    kernels: ['hardtanh'],
    dtype: 'float',
    saves: 'self',
    torch: false,
    functional: { hardtanh: true },
    golden: { args: [['T']], kwargs: ['min_val', 'max_val'], via: 'functional' },
    test: {
      grad: 'twice',
      samples: [
        { args: [{ shape: [4], domain: [-0.9, 0.9] }] },
        { args: [{ shape: [4], domain: [1.1, 2] }] },
        { args: [{ shape: [5], domain: [-0.4, 1.4] }, { options: { minVal: -0.5, maxVal: 1.5 } }] },
      ],
    },
  }),
} as const;
