/**
 * Tensor printing: reproduces PyTorch 1.13's `str(tensor)` / `repr(tensor)`
 * (torch/_tensor_str.py) under the default print options:
 * precision 4, linewidth 80, threshold 1000, edgeitems 3, sci_mode auto.
 *
 * Only formatting happens here; values are taken exactly as given. Float32
 * values are expected to arrive already widened to double (exactly), which is
 * what PyTorch does (`tensor.item()` / `tolist()` yield Python floats).
 *
 * Numbers are rendered with exact decimal arithmetic on the binary value
 * (BigInt), so the output matches Python's `'{:.4f}'` / `'{:.4e}'`, which round
 * the exact binary value correctly (half-to-even only on exact ties).
 */

export type DTypeName = 'float32' | 'float64' | 'int64' | 'bool';

// PyTorch's default print options (torch._tensor_str.PRINT_OPTS).
const PRECISION = 4;
const THRESHOLD = 1000;
const EDGEITEMS = 3;
const LINEWIDTH = 80;

const PREFIX = 'tensor(';

// ---------------------------------------------------------------------------
// Exact decimal formatting of doubles (Python float.__format__ 'f' and 'e').
// ---------------------------------------------------------------------------

interface ExactDecimal {
  /** Sign bit of the double (true for negative numbers and -0). */
  readonly negative: boolean;
  /** |x| === digits / 10**scale exactly. */
  readonly digits: bigint;
  readonly scale: number;
}

const bitsView = new DataView(new ArrayBuffer(8));
const MANTISSA_MASK = (1n << 52n) - 1n;
const HIDDEN_BIT = 1n << 52n;

/** Exact decimal expansion of a finite double. */
function exactDecimal(x: number): ExactDecimal {
  bitsView.setFloat64(0, x);
  const bits = bitsView.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const biasedExp = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & MANTISSA_MASK;
  // |x| = mantissa * 2**exp2
  const mantissa = biasedExp === 0 ? fraction : fraction | HIDDEN_BIT;
  const exp2 = biasedExp === 0 ? -1074 : biasedExp - 1075;
  if (exp2 >= 0) {
    return { negative, digits: mantissa << BigInt(exp2), scale: 0 };
  }
  // mantissa / 2**k === mantissa * 5**k / 10**k
  const k = -exp2;
  return { negative, digits: mantissa * 5n ** BigInt(k), scale: k };
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Round n / divisor to an integer, ties to even (divisor > 0, n >= 0). */
function divRoundHalfEven(n: bigint, divisor: bigint): bigint {
  const q = n / divisor;
  const twiceRemainder = (n % divisor) * 2n;
  if (twiceRemainder > divisor || (twiceRemainder === divisor && (q & 1n) === 1n)) {
    return q + 1n;
  }
  return q;
}

function nonFiniteStr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  return x > 0 ? 'inf' : '-inf';
}

/** Python's `'{:.<prec>f}'.format(x)`. */
export function formatFixed(x: number, prec: number): string {
  if (!Number.isFinite(x)) return nonFiniteStr(x);
  const { negative, digits, scale } = exactDecimal(x);
  const scaled = scale <= prec ? digits * pow10(prec - scale) : divRoundHalfEven(digits, pow10(scale - prec));
  let s = scaled.toString();
  if (prec > 0) {
    if (s.length <= prec) s = '0'.repeat(prec + 1 - s.length) + s;
    s = s.slice(0, s.length - prec) + '.' + s.slice(s.length - prec);
  }
  return (negative ? '-' : '') + s;
}

/** Python's `'{:.<prec>e}'.format(x)`. */
export function formatExponential(x: number, prec: number): string {
  if (!Number.isFinite(x)) return nonFiniteStr(x);
  const { negative, digits, scale } = exactDecimal(x);
  const sig = prec + 1;
  let mantissa: string;
  let exponent: number;
  if (digits === 0n) {
    mantissa = '0'.repeat(sig);
    exponent = 0;
  } else {
    const len = digits.toString().length;
    exponent = len - 1 - scale;
    const drop = len - sig;
    let q = drop > 0 ? divRoundHalfEven(digits, pow10(drop)) : digits * pow10(-drop);
    mantissa = q.toString();
    if (mantissa.length > sig) {
      // rounding carried into a new leading digit (q === 10**sig)
      q /= 10n;
      mantissa = q.toString();
      exponent += 1;
    }
  }
  const head = prec > 0 ? mantissa.slice(0, 1) + '.' + mantissa.slice(1) : mantissa;
  const absExp = exponent < 0 ? -exponent : exponent;
  const expDigits = absExp < 10 ? '0' + String(absExp) : String(absExp);
  return (negative ? '-' : '') + head + 'e' + (exponent < 0 ? '-' : '+') + expDigits;
}

// ---------------------------------------------------------------------------
// Element access
// ---------------------------------------------------------------------------

type Elem = number | bigint | boolean;

function toFloat(v: Elem): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return v ? 1 : 0;
}

function intStr(v: Elem): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? '1' : '0';
  // BigInt() prints integer-valued doubles digit-exactly (and -0 as "0").
  return Number.isInteger(v) ? BigInt(v).toString() : String(v);
}

function boolStr(v: Elem): string {
  return v ? 'True' : 'False';
}

function padStart(s: string, width: number): string {
  return s.length >= width ? s : ' '.repeat(width - s.length) + s;
}

// ---------------------------------------------------------------------------
// _Formatter
// ---------------------------------------------------------------------------

interface Formatter {
  readonly width: number;
  format(index: number): string;
}

function makeFormatter(data: ArrayLike<Elem>, dtype: DTypeName, indices: readonly number[]): Formatter {
  if (dtype === 'int64' || dtype === 'bool') {
    const str = dtype === 'int64' ? intStr : boolStr;
    let maxWidth = 1;
    for (const i of indices) {
      const len = str(data[i] as Elem).length;
      if (len > maxWidth) maxWidth = len;
    }
    return { width: maxWidth, format: (i) => padStart(str(data[i] as Elem), maxWidth) };
  }

  // Floating point: statistics over nonzero finite values only.
  let intMode = true;
  let sciMode = false;
  let maxWidth = 1;
  const nonzeroFinite: number[] = [];
  for (const i of indices) {
    const v = toFloat(data[i] as Elem);
    if (Number.isFinite(v) && v !== 0) nonzeroFinite.push(v);
  }
  if (nonzeroFinite.length > 0) {
    let absMin = Infinity;
    let absMax = 0;
    for (const v of nonzeroFinite) {
      const a = v < 0 ? -v : v;
      if (a < absMin) absMin = a;
      if (a > absMax) absMax = a;
      if (!Number.isInteger(v)) intMode = false;
    }
    const ratioOrMaxTooBig = absMax / absMin > 1000.0 || absMax > 1.0e8;
    let render: (v: number) => string;
    let extra = 0;
    if (intMode) {
      if (ratioOrMaxTooBig) {
        sciMode = true;
        render = (v) => formatExponential(v, PRECISION);
      } else {
        render = (v) => formatFixed(v, 0);
        extra = 1; // the trailing "."
      }
    } else if (ratioOrMaxTooBig || absMin < 1.0e-4) {
      sciMode = true;
      render = (v) => formatExponential(v, PRECISION);
    } else {
      render = (v) => formatFixed(v, PRECISION);
    }
    for (const v of nonzeroFinite) {
      const len = render(v).length + extra;
      if (len > maxWidth) maxWidth = len;
    }
  }

  const width = maxWidth;
  const format = (i: number): string => {
    const v = toFloat(data[i] as Elem);
    let ret: string;
    if (sciMode) {
      ret = formatExponential(v, PRECISION);
    } else if (intMode) {
      ret = formatFixed(v, 0);
      if (Number.isFinite(v)) ret += '.';
    } else {
      ret = formatFixed(v, PRECISION);
    }
    return padStart(ret, width);
  };
  return { width, format };
}

// ---------------------------------------------------------------------------
// _tensor_str and friends
// ---------------------------------------------------------------------------

interface Layout {
  readonly shape: readonly number[];
  readonly strides: readonly number[];
}

/** Indices along one dimension that get printed (null marks the "..." gap). */
function dimIndices(size: number, summarize: boolean): (number | null)[] {
  const out: (number | null)[] = [];
  if (summarize && size > 2 * EDGEITEMS) {
    for (let i = 0; i < EDGEITEMS; i++) out.push(i);
    out.push(null);
    for (let i = size - EDGEITEMS; i < size; i++) out.push(i);
  } else {
    for (let i = 0; i < size; i++) out.push(i);
  }
  return out;
}

/** Flat indices of the elements get_summarized_data keeps (all when not summarizing). */
function printedIndices(layout: Layout, summarize: boolean): number[] {
  const out: number[] = [];
  const walk = (offset: number, dim: number): void => {
    if (dim === layout.shape.length) {
      out.push(offset);
      return;
    }
    const stride = layout.strides[dim] as number;
    for (const i of dimIndices(layout.shape[dim] as number, summarize)) {
      if (i !== null) walk(offset + i * stride, dim + 1);
    }
  };
  walk(0, 0);
  return out;
}

function vectorStr(layout: Layout, offset: number, indent: number, summarize: boolean, formatter: Formatter): string {
  const dim = layout.shape.length - 1;
  const elementLength = formatter.width + 2;
  const perLine = (LINEWIDTH - indent - ((LINEWIDTH - indent) % elementLength)) / elementLength;
  const elementsPerLine = perLine > 1 ? perLine : 1;
  const stride = layout.strides[dim] as number;
  const items = dimIndices(layout.shape[dim] as number, summarize).map((i) =>
    i === null ? ' ...' : formatter.format(offset + i * stride),
  );
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += elementsPerLine) {
    lines.push(items.slice(i, i + elementsPerLine).join(', '));
  }
  return '[' + lines.join(',\n' + ' '.repeat(indent + 1)) + ']';
}

function tensorStrWithFormatter(
  layout: Layout,
  offset: number,
  dim: number,
  indent: number,
  summarize: boolean,
  formatter: Formatter,
): string {
  const remaining = layout.shape.length - dim;
  if (remaining === 0) return formatter.format(offset);
  if (remaining === 1) return vectorStr(layout, offset, indent, summarize, formatter);
  const stride = layout.strides[dim] as number;
  const slices = dimIndices(layout.shape[dim] as number, summarize).map((i) =>
    i === null ? '...' : tensorStrWithFormatter(layout, offset + i * stride, dim + 1, indent + 1, summarize, formatter),
  );
  return '[' + slices.join(',' + '\n'.repeat(remaining - 1) + ' '.repeat(indent + 1)) + ']';
}

function addSuffixes(tensorStr: string, suffixes: readonly string[], indent: number): string {
  const parts = [tensorStr];
  let lastLineLen = tensorStr.length - tensorStr.lastIndexOf('\n') + 1;
  for (const suffix of suffixes) {
    if (lastLineLen + suffix.length + 2 > LINEWIDTH) {
      parts.push(',\n' + ' '.repeat(indent) + suffix);
      lastLineLen = indent + suffix.length;
    } else {
      parts.push(', ' + suffix);
      lastLineLen += suffix.length + 2;
    }
  }
  parts.push(')');
  return parts.join('');
}

/** Python's `str(tuple(shape))`. */
function tupleStr(shape: readonly number[]): string {
  if (shape.length === 1) return '(' + String(shape[0]) + ',)';
  return '(' + shape.join(', ') + ')';
}

function checkShape(shape: readonly number[]): number {
  let numel = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`invalid shape [${shape.join(', ')}]`);
    numel *= d;
  }
  return numel;
}

/**
 * PyTorch's `str(tensor)` for a CPU strided tensor.
 *
 * @param data flat row-major values: numbers for float dtypes (NaN, ±Infinity
 *   and -0 allowed), numbers or bigints for int64, booleans (or 0/1) for bool.
 * @param suffixes extra `key=value` strings appended after PyTorch's own
 *   (`size=...` for empty tensors, `dtype=...`), e.g. `['requires_grad=True']`
 *   or `['grad_fn=<MulBackward0>']`.
 */
export function formatTensor(
  data: ArrayLike<number | bigint | boolean>,
  shape: readonly number[],
  dtype: DTypeName,
  suffixes: readonly string[],
): string {
  const numel = checkShape(shape);
  if (data.length !== numel) {
    throw new RangeError(`data has ${data.length} elements but shape [${shape.join(', ')}] needs ${numel}`);
  }
  const indent = PREFIX.length;
  const allSuffixes: string[] = [];
  let tensorStr: string;
  if (numel === 0) {
    if (shape.length !== 1) allSuffixes.push('size=' + tupleStr(shape));
    if (dtype !== 'float32') allSuffixes.push('dtype=torch.' + dtype);
    tensorStr = '[]';
  } else {
    if (dtype === 'float64') allSuffixes.push('dtype=torch.float64');
    const strides: number[] = new Array<number>(shape.length);
    let stride = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      strides[d] = stride;
      stride *= shape[d] as number;
    }
    const layout: Layout = { shape, strides };
    const summarize = numel > THRESHOLD;
    const formatter = makeFormatter(data, dtype, printedIndices(layout, summarize));
    tensorStr = tensorStrWithFormatter(layout, 0, 0, indent, summarize, formatter);
  }
  allSuffixes.push(...suffixes);
  return addSuffixes(PREFIX + tensorStr, allSuffixes, indent);
}

/** `str(tensor.shape)`: "torch.Size([2, 3])". */
export function formatSize(shape: readonly number[]): string {
  return 'torch.Size([' + shape.join(', ') + '])';
}
