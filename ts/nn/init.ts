// torch.nn.init (PyTorch 1.13's torch/nn/init.py): each function fills its tensor in place under
// no_grad (a Parameter that requires grad stays a leaf; grad mode is restored), returns it, and
// draws from the seeded generator (torch.manualSeed). Values are computed by the core: uniform and
// normal draws by the rng kernels, erfinv and the Householder QR by assembly/init.ts, the scalar
// bounds (sqrt, erf) by 0-d float64 tensors, so no JavaScript Math touches a value.
//
// Arguments: PyTorch's, in PyTorch's order, positionally; the trailing ones may instead be given as
// one options object with camelCase keys (the rule of the module constructors):
//   init.uniform_(w, -0.1, 0.1)  or  init.uniform_(w, { a: -0.1, b: 0.1 })
//   init.kaimingUniform_(w, { a: Math.sqrt(5) })  or  init.kaimingUniform_(w, 0, { mode: 'fan_out' })
import type { Tensor } from '../tensor.js';
import type { DType } from '../dtype.js';
import { OPS } from '../ops/index.js';
import { noGrad } from '../grad_mode.js';
import { scope } from '../scope.js';
import { kernel } from '../core/wasm.js';
import * as K from '../ops/internal.js';
import * as V from '../validate.js';
import { erf, sqrt } from './scalar.js';
import { ZeroDivisionError } from './errors.js';

const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * The named arguments of a call: `names` in order, positional values first, then an optional
 * options object (camelCase keys; `undefined` is absent); `required` names must be given.
 * Python's messages for too many positional arguments, a duplicate and a missing argument.
 */
function callArgs(entry: string, kinds: Record<string, V.OptKind>, required: number, args: readonly unknown[]): Record<string, unknown> {
  const names = Object.keys(kinds);
  const pos = [...args];
  while (pos.length && pos[pos.length - 1] === undefined) pos.pop();
  const last = pos[pos.length - 1];
  const opts = pos.length && V.isOptions(last) ? (pos.pop() as Record<string, unknown>) : {};
  if (pos.length > names.length) {
    const total = names.length + 1;
    const takes = required === names.length ? `${total}` : `from ${required + 1} to ${total}`;
    throw new TypeError(`${entry}() takes ${takes} positional argument${total === 1 ? '' : 's'} but ${pos.length + 1} were given`);
  }
  V.options(V.optionSpec(entry, kinds), opts);
  const out: Record<string, unknown> = {};
  pos.forEach((v, i) => {
    if (names[i] in opts && opts[names[i]] !== undefined)
      throw new TypeError(`${entry}() got multiple values for argument '${snake(names[i])}'`);
    out[names[i]] = v;
  });
  for (const k of Object.keys(opts)) if (opts[k] !== undefined) out[k] = opts[k];
  const missing = names.slice(0, required).filter((k) => out[k] === undefined);
  if (missing.length) {
    const quoted = missing.map((k) => `'${snake(k)}'`);
    const list = quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`;
    throw new TypeError(`${entry}() missing ${missing.length} required positional argument${missing.length === 1 ? '' : 's'}: ${list}`);
  }
  return out;
}

/** A number argument (a bool is Python's int), or its default when absent. */
function num(v: unknown, dflt: number, entry: string, name: string, pos: number): number {
  if (v === undefined || v === null) return dflt;
  V.number(v, entry, name, pos);
  return +v;
}

/** C++'s ostream (%g, precision 6) spelling of a double, as PyTorch's TORCH_CHECK messages print it. */
function cfmt(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mant, expText] = x.toExponential(5).split('e');
  const exp = Number(expText);
  const strip = (s: string): string => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exp < -4 || exp >= 6) return `${strip(mant)}e${exp < 0 ? '-' : '+'}${String(exp < 0 ? -exp : exp).padStart(2, '0')}`;
  return strip(x.toFixed(5 - exp));
}

/** The largest finite value of a float dtype (undefined for the others). */
function floatMax(dtype: DType): number | undefined {
  if (dtype === 'float32') return 3.4028234663852886e38;
  return dtype === 'float64' ? Number.MAX_VALUE : undefined;
}

/** Writes `make()` (a fresh tensor of t's shape and dtype) into t under no_grad; returns t. */
function fill(t: Tensor, make: () => Tensor): Tensor {
  noGrad(() =>
    scope(() => {
      t.copy_(make());
    }),
  );
  return t;
}

/** U(a, b) in t's dtype: a + (b - a) u with u from torch.rand's stream; PyTorch's checks first. */
function uniformInto(t: Tensor, a: number, b: number): Tensor {
  const max = floatMax(t.dtype);
  if (max !== undefined) {
    const name = t.dtype === 'float32' ? 'float' : 'double';
    if (!(a >= -max && a <= max)) throw new Error(`from is out of bounds for ${name}`);
    if (!(b >= -max && b <= max)) throw new Error(`to is out of bounds for ${name}`);
    if (a > b) throw new Error(`uniform_ expects to return a [from, to) range, but found from=${cfmt(a)} > to=${cfmt(b)}`);
  }
  return fill(t, () =>
    OPS.rand
      .fn([...t.shape], { dtype: t.dtype })
      .mul(b - a)
      .add(a),
  );
}

/** N(mean, std^2) in t's dtype: mean + std z with z from torch.randn's stream. */
function normalInto(t: Tensor, mean: number, std: number): Tensor {
  if (!(std >= 0)) throw new Error(`normal expects std >= 0.0, but found std ${cfmt(std)}`);
  return fill(t, () =>
    OPS.randn
      .fn([...t.shape], { dtype: t.dtype })
      .mul(std)
      .add(mean),
  );
}

function tensorArg(t: unknown, entry: string): asserts t is Tensor {
  V.tensor(t, entry, 'tensor', 1);
}

// ---- gains and fans ------------------------------------------------------------------------------

/** The nonlinearities of gain 1: PyTorch's linear_fns and sigmoid. */
function gainOne(nl: unknown): boolean {
  switch (nl) {
    case 'linear':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'conv_transpose1d':
    case 'conv_transpose2d':
    case 'conv_transpose3d':
    case 'sigmoid':
      return true;
    default:
      return false;
  }
}

/** Python's str() of a value in a message. */
function pyStr(v: unknown): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return `[${v.map(pyStr).join(', ')}]`;
  return String(v);
}

/**
 * torch.nn.init.calculate_gain(nonlinearity, param=None): the recommended gain of a nonlinearity
 * (1 for the linear ones and sigmoid, 5/3 tanh, sqrt(2) relu, sqrt(2 / (1 + slope^2)) leaky_relu
 * with slope `param` (default 0.01), 3/4 selu).
 */
export function calculateGain(nonlinearity: string, param?: number | null | { param?: number | null }): number {
  const a = callArgs('calculate_gain', { nonlinearity: 'any', param: 'any' }, 1, [nonlinearity, param]);
  const nl = a.nonlinearity;
  const p = a.param;
  if (gainOne(nl)) return 1;
  if (nl === 'tanh') return 5.0 / 3;
  if (nl === 'relu') return sqrt(2.0);
  if (nl === 'leaky_relu') {
    let slope: number;
    if (p === undefined || p === null) slope = 0.01;
    else if (typeof p === 'number') slope = p;
    else throw new V.ValueError(`negative_slope ${pyStr(p)} not a valid number`);
    return sqrt(2.0 / (1 + slope * slope));
  }
  if (nl === 'selu') return 3.0 / 4;
  throw new V.ValueError(`Unsupported nonlinearity ${pyStr(nl)}`);
}

/** PyTorch's _calculate_fan_in_and_fan_out: [size(1), size(0)] times the receptive field size. */
export function _calculateFanInAndFanOut(tensor: Tensor): [number, number] {
  tensorArg(tensor, '_calculate_fan_in_and_fan_out');
  const s = tensor.shape;
  if (s.length < 2) throw new V.ValueError('Fan in and fan out can not be computed for tensor with fewer than 2 dimensions');
  let receptive = 1;
  for (const k of s.slice(2)) receptive *= k;
  return [s[1] * receptive, s[0] * receptive];
}

function correctFan(t: Tensor, mode: unknown): number {
  if (typeof mode !== 'string') throw new TypeError(`mode must be a str, not ${V.typeName(mode)}`);
  const m = mode.toLowerCase();
  if (m !== 'fan_in' && m !== 'fan_out') throw new V.ValueError(`Mode ${m} not supported, please use one of ['fan_in', 'fan_out']`);
  const [fanIn, fanOut] = _calculateFanInAndFanOut(t);
  return m === 'fan_in' ? fanIn : fanOut;
}

/** Python's float division, which refuses a zero divisor. */
function fdiv(a: number, b: number): number {
  if (b === 0) throw new ZeroDivisionError('float division by zero');
  return a / b;
}

// ---- the fills ---------------------------------------------------------------------------------

/** uniform_(tensor, a = 0, b = 1): U(a, b). */
export function uniform_<T extends Tensor>(tensor: T, a?: number | { a?: number; b?: number }, b?: number): T {
  tensorArg(tensor, 'uniform_');
  const o = callArgs('uniform_', { a: 'number', b: 'number' }, 0, [a, b]);
  uniformInto(tensor, num(o.a, 0, 'uniform_', 'a', 2), num(o.b, 1, 'uniform_', 'b', 3));
  return tensor;
}

/** normal_(tensor, mean = 0, std = 1): N(mean, std^2). */
export function normal_<T extends Tensor>(tensor: T, mean?: number | { mean?: number; std?: number }, std?: number): T {
  tensorArg(tensor, 'normal_');
  const o = callArgs('normal_', { mean: 'number', std: 'number' }, 0, [mean, std]);
  normalInto(tensor, num(o.mean, 0, 'normal_', 'mean', 2), num(o.std, 1, 'normal_', 'std', 3));
  return tensor;
}

/** trunc_normal_'s keyword arguments. @inline */
interface TruncNormalOptions {
  mean?: number;
  std?: number;
  a?: number;
  b?: number;
}

/**
 * trunc_normal_(tensor, mean = 0, std = 1, a = -2, b = 2): N(mean, std^2) truncated to [a, b], by
 * PyTorch's inverse-CDF method: u ~ U(2 cdf(a') - 1, 2 cdf(b') - 1), then mean + std sqrt(2) erfinv(u),
 * clamped to [a, b] (a', b' standardised; cdf from erf). erfinv runs in the core.
 */
export function truncNormal_<T extends Tensor>(
  tensor: T,
  mean?: number | TruncNormalOptions,
  std?: number | TruncNormalOptions,
  a?: number | TruncNormalOptions,
  b?: number | TruncNormalOptions,
): T {
  tensorArg(tensor, 'trunc_normal_');
  const o = callArgs('trunc_normal_', { mean: 'number', std: 'number', a: 'number', b: 'number' }, 0, [mean, std, a, b]);
  const m = num(o.mean, 0, 'trunc_normal_', 'mean', 2);
  const s = num(o.std, 1, 'trunc_normal_', 'std', 3);
  const lo = num(o.a, -2, 'trunc_normal_', 'a', 4);
  const hi = num(o.b, 2, 'trunc_normal_', 'b', 5);
  const sqrt2 = sqrt(2.0);
  const cdf = (x: number): number => (1 + erf(x / sqrt2)) / 2;
  const l = cdf(fdiv(lo - m, s));
  const u = cdf(fdiv(hi - m, s));
  const from = 2 * l - 1;
  const to = 2 * u - 1;
  if (from > to) throw new Error(`uniform_ expects to return a [from, to) range, but found from=${cfmt(from)} > to=${cfmt(to)}`);
  return fill(tensor, () => {
    const v = OPS.rand
      .fn([...tensor.shape], { dtype: tensor.dtype })
      .mul(to - from)
      .add(from);
    if (v.numel() > 0) kernel(tensor.dtype === 'float64' ? 'erfinv_f64' : 'erfinv_f32')(v._ptr('erfinv'), v._ptr('erfinv'), v.numel());
    return v
      .mul(s * sqrt2)
      .add(m)
      .clamp(lo, hi);
  }) as T;
}

/** constant_(tensor, val): every element val. */
export function constant_<T extends Tensor>(tensor: T, val: number | { val: number }): T {
  tensorArg(tensor, 'constant_');
  const o = callArgs('constant_', { val: 'number' }, 1, [val]);
  const v = num(o.val, 0, 'constant_', 'val', 2);
  noGrad(() => tensor.fill_(v));
  return tensor;
}

/** ones_(tensor): every element 1. */
export function ones_<T extends Tensor>(tensor: T): T {
  tensorArg(tensor, 'ones_');
  noGrad(() => tensor.fill_(1));
  return tensor;
}

/** zeros_(tensor): every element 0. */
export function zeros_<T extends Tensor>(tensor: T): T {
  tensorArg(tensor, 'zeros_');
  noGrad(() => tensor.zero_());
  return tensor;
}

/** Sets the elements of t at `offset` + k (stride) for k < n to 1 (t already zeroed). */
function ones_along(t: Tensor, n: number, stride: number, offset: number): void {
  if (n <= 0) return;
  const line = t._view([n], [stride], offset);
  try {
    line.fill_(1);
  } finally {
    line.dispose();
  }
}

/** eye_(tensor): the identity matrix (2-D only), as torch.eye writes it. */
export function eye_<T extends Tensor>(tensor: T): T {
  tensorArg(tensor, 'eye_');
  if (tensor.ndim !== 2) throw new V.ValueError('Only tensors with 2 dimensions are supported');
  const [r, c] = tensor.shape;
  const st = tensor.stride();
  noGrad(() => {
    tensor.zero_();
    ones_along(tensor, r < c ? r : c, st[0] + st[1], tensor._offset);
  });
  return tensor;
}

/**
 * dirac_(tensor, groups = 1): the Dirac delta of a convolution's weight (3-, 4- or 5-D): for each
 * group g and d < min(out/groups, in), a 1 at [g * out/groups + d, d, centre...].
 */
export function dirac_<T extends Tensor>(tensor: T, groups?: number | { groups?: number }): T {
  tensorArg(tensor, 'dirac_');
  const o = callArgs('dirac_', { groups: 'int' }, 0, [groups]);
  const g = o.groups === undefined ? 1 : (o.groups as number);
  V.int(g, 'dirac_', 'groups', 2);
  const dims = tensor.ndim;
  if (dims !== 3 && dims !== 4 && dims !== 5) throw new V.ValueError('Only tensors with 3, 4, or 5 dimensions are supported');
  const sizes = tensor.shape;
  if (g === 0) throw new Error('integer division or modulo by zero');
  if (((sizes[0] % g) + g) % g !== 0) throw new V.ValueError('dim 0 must be divisible by groups');
  const perGroup = (sizes[0] - (((sizes[0] % g) + g) % g)) / g;
  const minDim = perGroup < sizes[1] ? perGroup : sizes[1];
  const st = tensor.stride();
  let centre = tensor._offset;
  for (let k = 2; k < dims; k++) centre += ((sizes[k] - (sizes[k] % 2)) / 2) * st[k];
  noGrad(() => {
    tensor.zero_();
    for (let grp = 0; grp < g; grp++) ones_along(tensor, minDim, st[0] + st[1], centre + grp * perGroup * st[0]);
  });
  return tensor;
}

/** xavier_uniform_(tensor, gain = 1): U(-a, a), a = gain sqrt(6 / (fan_in + fan_out)). */
export function xavierUniform_<T extends Tensor>(tensor: T, gain?: number | { gain?: number }): T {
  tensorArg(tensor, 'xavier_uniform_');
  const o = callArgs('xavier_uniform_', { gain: 'number' }, 0, [gain]);
  const gn = num(o.gain, 1, 'xavier_uniform_', 'gain', 2);
  const [fanIn, fanOut] = _calculateFanInAndFanOut(tensor);
  const std = gn * sqrt(fdiv(2.0, fanIn + fanOut));
  const a = sqrt(3.0) * std;
  uniformInto(tensor, -a, a);
  return tensor;
}

/** xavier_normal_(tensor, gain = 1): N(0, std^2), std = gain sqrt(2 / (fan_in + fan_out)). */
export function xavierNormal_<T extends Tensor>(tensor: T, gain?: number | { gain?: number }): T {
  tensorArg(tensor, 'xavier_normal_');
  const o = callArgs('xavier_normal_', { gain: 'number' }, 0, [gain]);
  const gn = num(o.gain, 1, 'xavier_normal_', 'gain', 2);
  const [fanIn, fanOut] = _calculateFanInAndFanOut(tensor);
  normalInto(tensor, 0, gn * sqrt(fdiv(2.0, fanIn + fanOut)));
  return tensor;
}

/** Keyword arguments of the kaiming initialisers: PyTorch's `a`, `mode`, `nonlinearity`. */
export interface KaimingOptions {
  /** The negative slope of the rectifier after this layer (only used with 'leaky_relu'). */
  a?: number;
  /** `'fan_in'` (default) keeps the forward variance, `'fan_out'` the backward's. */
  mode?: 'fan_in' | 'fan_out';
  /** The activation after the layer (`'leaky_relu'` by default, or `'relu'`...). */
  nonlinearity?: string;
}

/** The std of kaiming_*: gain / sqrt(fan), or null for a zero-element tensor (a no-op). */
function kaimingStd(entry: string, tensor: Tensor, args: readonly unknown[]): number | null {
  tensorArg(tensor, entry);
  // a goes to calculate_gain as given (it refuses a non-number only for 'leaky_relu', as PyTorch)
  const o = callArgs(entry, { a: 'any', mode: 'any', nonlinearity: 'any' }, 0, args);
  const a = o.a ?? 0;
  // PyTorch warns "Initializing zero-element tensors is a no-op" and returns the tensor.
  if (tensor.shape.includes(0)) return null;
  const fan = correctFan(tensor, o.mode ?? 'fan_in');
  const gain = calculateGain((o.nonlinearity ?? 'leaky_relu') as string, a as number);
  return gain / sqrt(fan);
}

/** kaiming_uniform_(tensor, a = 0, mode = 'fan_in', nonlinearity = 'leaky_relu'): U(-b, b), b = sqrt(3) gain / sqrt(fan). */
export function kaimingUniform_<T extends Tensor>(
  tensor: T,
  a?: number | KaimingOptions,
  mode?: string | KaimingOptions,
  nonlinearity?: string | KaimingOptions,
): T {
  const std = kaimingStd('kaiming_uniform_', tensor, [a, mode, nonlinearity]);
  if (std === null) return tensor;
  const bound = sqrt(3.0) * std;
  uniformInto(tensor, -bound, bound);
  return tensor;
}

/** kaiming_normal_(tensor, a = 0, mode = 'fan_in', nonlinearity = 'leaky_relu'): N(0, std^2), std = gain / sqrt(fan). */
export function kaimingNormal_<T extends Tensor>(
  tensor: T,
  a?: number | KaimingOptions,
  mode?: string | KaimingOptions,
  nonlinearity?: string | KaimingOptions,
): T {
  const std = kaimingStd('kaiming_normal_', tensor, [a, mode, nonlinearity]);
  if (std === null) return tensor;
  normalInto(tensor, 0, std);
  return tensor;
}

/**
 * orthogonal_(tensor, gain = 1): a (semi-)orthogonal matrix (trailing dims flattened) times gain:
 * the Q of the Householder QR of a [rows, cols] standard normal matrix (transposed when wide),
 * with PyTorch's sign fix (each column times sign(R[j, j])); the QR runs in the core.
 */
export function orthogonal_<T extends Tensor>(tensor: T, gain?: number | { gain?: number }): T {
  tensorArg(tensor, 'orthogonal_');
  const o = callArgs('orthogonal_', { gain: 'number' }, 0, [gain]);
  const gn = num(o.gain, 1, 'orthogonal_', 'gain', 2);
  if (tensor.ndim < 2) throw new V.ValueError('Only tensors with 2 or more dimensions are supported');
  if (tensor.numel() === 0) return tensor;
  const dtype = tensor.dtype;
  if (dtype !== 'float32' && dtype !== 'float64') throw new Error(`"normal_kernel_cpu" not implemented for '${V.scalarName(dtype)}'`);
  const rows = tensor.shape[0];
  const cols = tensor.numel() / rows;
  const wide = rows < cols;
  const [m, n] = wide ? [cols, rows] : [rows, cols];
  const sfx = dtype === 'float64' ? 'f64' : 'f32';
  return fill(tensor, () => {
    const flat = OPS.randn.fn([rows, cols], { dtype });
    const a = K.contiguousCopy(wide ? flat.t() : flat);
    const tau = K.empty([n], dtype);
    const q = K.empty([m, n], dtype);
    kernel(`householder_qr_${sfx}`)(a._ptr('orthogonal_'), tau._ptr('orthogonal_'), m, n);
    kernel(`householder_q_${sfx}`)(q._ptr('orthogonal_'), a._ptr('orthogonal_'), tau._ptr('orthogonal_'), m, n, 1);
    return (wide ? q.t() : q).mul(gn).reshape([...tensor.shape]);
  }) as T;
}

/**
 * sparse_(tensor, sparsity, std = 0.01): N(0, std^2) with ceil(sparsity * rows) entries of each
 * column set to zero, the rows chosen by a random permutation per column (drawn in the core).
 */
export function sparse_<T extends Tensor>(tensor: T, sparsity: number | { sparsity: number; std?: number }, std?: number): T {
  tensorArg(tensor, 'sparse_');
  const o = callArgs('sparse_', { sparsity: 'number', std: 'number' }, 1, [sparsity, std]);
  const sp = num(o.sparsity, 0, 'sparse_', 'sparsity', 2);
  const sd = num(o.std, 0.01, 'sparse_', 'std', 3);
  if (tensor.ndim !== 2) throw new V.ValueError('Only tensors with 2 dimensions are supported');
  const [rows, cols] = tensor.shape;
  // int(math.ceil(sparsity * rows)), then Python's slice [:k] of a permutation of rows
  const p = sp * rows;
  if (!Number.isFinite(p))
    throw new Error(Number.isNaN(p) ? 'cannot convert float NaN to integer' : 'cannot convert float infinity to integer');
  let k = p - (p % 1);
  if (k < p) k += 1;
  if (k < 0) k = rows + k < 0 ? 0 : rows + k;
  if (!(sd >= 0)) throw new Error(`normal expects std >= 0.0, but found std ${cfmt(sd)}`);
  return fill(tensor, () => {
    const values = OPS.randn.fn([rows, cols], { dtype: tensor.dtype }).mul(sd);
    if (rows === 0 || cols === 0) return values;
    const perms = K.empty([cols, rows], 'int64');
    kernel('randperm_i64')(perms._ptr('sparse_'), rows, cols);
    // row r of column c is zeroed when perm_c[r] < k: a uniformly random k-subset of the rows, as
    // PyTorch's first k entries of a permutation (the inverse of a uniform permutation is uniform)
    return values.maskedFill(perms.lt(k).t(), 0);
  }) as T;
}
