import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatExponential, formatFixed, formatSize, formatTensor, type DTypeName } from '../ts/print.js';
import { shared } from './shared.js';

// ---------------------------------------------------------------------------
// Golden file (PyTorch 1.13 str(tensor) under default print options)
// ---------------------------------------------------------------------------

type JsonScalar = number | boolean | string;

interface JsonTensor {
  shape: number[];
  data: JsonScalar[];
  dtype?: DTypeName;
  requires_grad?: boolean;
}

interface LeafConstruct {
  tensor: JsonTensor & { dtype: DTypeName; requires_grad: boolean };
}

interface ProgramConstruct {
  dtype: DTypeName;
  inputs: Record<string, JsonTensor>;
  program: unknown[];
  backward?: unknown;
  print: string | { grad: string };
}

interface Item {
  name: string;
  construct: LeafConstruct | ProgramConstruct;
  repr: string;
}

const golden = JSON.parse(readFileSync(shared('golden', 'print.json'), 'utf8')) as { items: Item[] };

function isLeaf(c: Item['construct']): c is LeafConstruct {
  return 'tensor' in c;
}

/** Golden data: non-finite floats are written as "nan", "inf", "-inf". */
function decode(data: readonly JsonScalar[]): (number | boolean)[] {
  return data.map((v) => {
    if (typeof v !== 'string') return v;
    if (v === 'nan') return NaN;
    if (v === 'inf') return Infinity;
    if (v === '-inf') return -Infinity;
    throw new Error(`unexpected value ${v}`);
  });
}

const leaves = golden.items.filter((item) => isLeaf(item.construct));
const programs = golden.items.filter((item) => !isLeaf(item.construct));

describe('golden print.json: leaf tensors', () => {
  it('has leaf items', () => {
    expect(leaves.length).toBeGreaterThan(40);
  });
  for (const item of leaves) {
    it(item.name, () => {
      const { tensor } = item.construct as LeafConstruct;
      const suffixes = tensor.requires_grad ? ['requires_grad=True'] : [];
      expect(formatTensor(decode(tensor.data), tensor.shape, tensor.dtype, suffixes)).toBe(item.repr);
    });
  }
});

// ---------------------------------------------------------------------------
// Program items: only those whose printed value is an input, or an exactly
// computable function of the inputs (elementwise float32/float64 arithmetic
// with a single rounding, transposes, relu of positive values, integer-valued
// results). Values are never taken from the expected strings.
// ---------------------------------------------------------------------------

interface Computed {
  data: number[];
  shape: number[];
  suffix: string | null;
}

const f32 = Math.fround;

function input(item: Item, name: string): JsonTensor {
  const t = (item.construct as ProgramConstruct).inputs[name];
  if (t === undefined) throw new Error(`${item.name}: no input ${name}`);
  return t;
}

function nums(t: JsonTensor): number[] {
  return t.data.map((v) => {
    if (typeof v !== 'number') throw new Error('expected numbers');
    return v;
  });
}

const computable: Record<string, (item: Item) => Computed> = {
  'print/seed_a_leaf_requires_grad': (it) => {
    const x = input(it, 'x');
    return { data: nums(x), shape: x.shape, suffix: 'requires_grad=True' };
  },
  'print/seed_a_y_AddBackward0': (it) => {
    const x = input(it, 'x');
    return { data: nums(x).map((v) => f32(v + 2)), shape: x.shape, suffix: 'grad_fn=<AddBackward0>' };
  },
  'print/seed_a_z_MulBackward0': (it) => {
    const x = input(it, 'x');
    const z = nums(x).map((v) => f32(f32(f32(v + 2) * f32(v + 2)) * 3));
    return { data: z, shape: x.shape, suffix: 'grad_fn=<MulBackward0>' };
  },
  'print/seed_a_out_0d_MeanBackward0': (it) => {
    // x = [1, 1, 1]: z = 27 everywhere, the mean of equal integers is exact
    const z = nums(input(it, 'x')).map((v) => f32(f32(f32(v + 2) * f32(v + 2)) * 3));
    expect(new Set(z).size).toBe(1);
    return { data: [z[0] as number], shape: [], suffix: 'grad_fn=<MeanBackward0>' };
  },
  'print/seed_a_x_grad_integer_valued': (it) => {
    // d/dx mean(3 (x+2)^2) = 2 (x+2) (n = 3 cancels the 3)
    const x = input(it, 'x');
    return { data: nums(x).map((v) => f32(2 * f32(v + 2))), shape: x.shape, suffix: null };
  },
  'print/seed_b_y_fixed_4_digits_MulBackward0': (it) => {
    const x = input(it, 'x');
    return { data: nums(x).map((v) => f32(v * 2048)), shape: x.shape, suffix: 'grad_fn=<MulBackward0>' };
  },
  'print/seed_b_x_grad_scientific': (it) => {
    const c = it.construct as ProgramConstruct;
    const g = (c.backward as { gradient: JsonTensor }).gradient;
    return { data: nums(g).map((v) => f32(v * 2048)), shape: g.shape, suffix: null };
  },
  'print/seed_c_model_output_SumBackward0': (it) => {
    const w = nums(input(it, 'weights'));
    let s = 0;
    for (const v of w) s = f32(s + f32(v * 3)); // small integers: exact in any order
    return { data: [s], shape: [], suffix: 'grad_fn=<SumBackward0>' };
  },
  'print/seed_c_weights_grad': (it) => {
    const w = input(it, 'weights');
    return { data: nums(w).map(() => 3), shape: w.shape, suffix: null };
  },
  'print/seed_d_diff_SubBackward0': (it) => {
    const [X, Y, w] = [nums(input(it, 'X')), nums(input(it, 'Y')), nums(input(it, 'w'))[0] as number];
    const diff = X.map((x, i) => f32(f32(w * x) - (Y[i] as number)));
    return { data: diff, shape: [X.length], suffix: 'grad_fn=<SubBackward0>' };
  },
  'print/seed_d_sq_PowBackward0': (it) => {
    const [X, Y, w] = [nums(input(it, 'X')), nums(input(it, 'Y')), nums(input(it, 'w'))[0] as number];
    const sq = X.map((x, i) => {
      const d = f32(f32(w * x) - (Y[i] as number));
      return f32(d * d);
    });
    return { data: sq, shape: [X.length], suffix: 'grad_fn=<PowBackward0>' };
  },
  'print/seed_d_loss_MeanBackward0': (it) => {
    const [X, Y, w] = [nums(input(it, 'X')), nums(input(it, 'Y')), nums(input(it, 'w'))[0] as number];
    let s = 0;
    X.forEach((x, i) => {
      const d = f32(f32(w * x) - (Y[i] as number));
      s += f32(d * d); // integers: exact
    });
    return { data: [f32(s / X.length)], shape: [], suffix: 'grad_fn=<MeanBackward0>' };
  },
  'print/seed_d_w_grad_0d': (it) => {
    // d/dw mean((w X - Y)^2) = mean(2 (w X - Y) X)
    const [X, Y, w] = [nums(input(it, 'X')), nums(input(it, 'Y')), nums(input(it, 'w'))[0] as number];
    let s = 0;
    X.forEach((x, i) => {
      s += 2 * f32(f32(w * x) - (Y[i] as number)) * x; // integers: exact
    });
    return { data: [f32(s / X.length)], shape: [], suffix: null };
  },
  'print/div_DivBackward0': (it) => {
    const x = input(it, 'x');
    return { data: nums(x).map((v) => f32(v / 3)), shape: x.shape, suffix: 'grad_fn=<DivBackward0>' };
  },
  'print/sum_dim_SumBackward1': (it) => {
    const x = input(it, 'x');
    const [r, c] = x.shape as [number, number];
    expect(r).toBe(2); // a single float32 addition per column: correctly rounded
    const v = nums(x);
    const data = Array.from({ length: c }, (_, j) => f32((v[j] as number) + (v[c + j] as number)));
    return { data, shape: [c], suffix: 'grad_fn=<SumBackward1>' };
  },
  'print/t_TBackward0_f64': (it) => {
    const x = input(it, 'x');
    const [r, c] = x.shape as [number, number];
    const v = nums(x);
    const data: number[] = [];
    for (let j = 0; j < c; j++) for (let i = 0; i < r; i++) data.push(v[i * c + j] as number);
    return { data, shape: [c, r], suffix: 'grad_fn=<TBackward0>' };
  },
  'print/relu_3d_ReluBackward0': (it) => {
    const x = input(it, 'x');
    return { data: nums(x).map((v) => Math.max(v, 0)), shape: x.shape, suffix: 'grad_fn=<ReluBackward0>' };
  },
  'print/f64_2d_MulBackward0': (it) => {
    const x = input(it, 'x');
    return { data: nums(x).map((v) => v * 2.5), shape: x.shape, suffix: 'grad_fn=<MulBackward0>' };
  },
};

/** Results of transcendental functions or multi-term reductions: not reproducible exactly here. */
const skipped = new Set([
  'print/exp_2d_ExpBackward0',
  'print/softmax_2d_SoftmaxBackward0',
  'print/mean_0d_f64_MeanBackward0',
  'print/std_0d_StdBackward0',
  'print/cross_entropy_NllLossBackward0',
  'print/matmul_MmBackward0',
]);

describe('golden print.json: program items computable exactly', () => {
  it('every program item is either checked or explicitly skipped', () => {
    for (const item of programs) {
      expect(item.name in computable || skipped.has(item.name), item.name).toBe(true);
    }
  });
  for (const item of programs) {
    const compute = computable[item.name];
    if (compute === undefined) continue;
    it(item.name, () => {
      const { dtype } = item.construct as ProgramConstruct;
      const r = compute(item);
      const suffixes = r.suffix === null ? [] : [r.suffix];
      expect(formatTensor(r.data, r.shape, dtype, suffixes)).toBe(item.repr);
    });
  }
});

// ---------------------------------------------------------------------------
// Hand-written cases (expected strings follow torch/_tensor_str.py 1.13)
// ---------------------------------------------------------------------------

describe('suffix wrapping (_add_suffixes)', () => {
  it('0-d with grad_fn stays on one line', () => {
    expect(formatTensor([4.8000001907348633], [], 'float32', ['grad_fn=<SumBackward0>'])).toBe('tensor(4.8000, grad_fn=<SumBackward0>)');
  });
  it('float64 dtype and grad_fn on a short 1-D tensor', () => {
    expect(formatTensor([1, 2.5], [2], 'float64', ['grad_fn=<MulBackward0>'])).toBe(
      'tensor([1.0000, 2.5000], dtype=torch.float64, grad_fn=<MulBackward0>)',
    );
  });
  it('grad_fn wraps to a new line indented under the data', () => {
    // last line "        [ 5.5000, -6.2500,  7.0000,  8.0000]]" + ", dtype=torch.float64" = 66 chars
    const data = [1.5, -2, 3.25, 4, 5.5, -6.25, 7, 8];
    expect(formatTensor(data, [2, 4], 'float64', ['grad_fn=<MulBackward0>'])).toBe(
      'tensor([[ 1.5000, -2.0000,  3.2500,  4.0000],\n' +
        '        [ 5.5000, -6.2500,  7.0000,  8.0000]], dtype=torch.float64,\n' +
        '       grad_fn=<MulBackward0>)',
    );
  });
  it('the first suffix can also wrap', () => {
    // "tensor([" + 8 elements of width 7 joined by ", " + "]" = 79 chars on one line
    const data = [1.5, -2, 3.25, 4, 5.5, -6.25, 7, 8];
    expect(formatTensor(data, [8], 'float32', ['grad_fn=<AddBackward0>'])).toBe(
      'tensor([ 1.5000, -2.0000,  3.2500,  4.0000,  5.5000, -6.2500,  7.0000,  8.0000],\n' + '       grad_fn=<AddBackward0>)',
    );
  });
  it('after a wrapped suffix, the next one continues on the same line if it fits', () => {
    const data = [1.5, -2, 3.25, 4, 5.5, -6.25, 7, 8];
    expect(formatTensor(data, [8], 'float64', ['requires_grad=True'])).toBe(
      'tensor([ 1.5000, -2.0000,  3.2500,  4.0000,  5.5000, -6.2500,  7.0000,  8.0000],\n' +
        '       dtype=torch.float64, requires_grad=True)',
    );
  });
  it('boundary: exactly linewidth is kept, one more wraps', () => {
    // last_line_len = len + 2 when there is no newline (Python's rfind returns -1)
    const fits = 'x'.repeat(80 - 'tensor(1.)'.length - 2 - 2 + 1);
    expect(formatTensor([1], [], 'float32', [fits])).toBe(`tensor(1., ${fits})`);
    const wraps = `${fits}x`;
    expect(formatTensor([1], [], 'float32', [wraps])).toBe(`tensor(1.,\n       ${wraps})`);
  });
});

describe('empty tensors (_str_intern)', () => {
  it('prints size for non-1-D and dtype whenever it is not the default float32', () => {
    expect(formatTensor([], [0], 'float32', [])).toBe('tensor([])');
    expect(formatTensor([], [0], 'int64', [])).toBe('tensor([], dtype=torch.int64)');
    expect(formatTensor([], [0], 'bool', [])).toBe('tensor([], dtype=torch.bool)');
    expect(formatTensor([], [2, 0, 4], 'float64', ['requires_grad=True'])).toBe(
      'tensor([], size=(2, 0, 4), dtype=torch.float64, requires_grad=True)',
    );
  });
});

describe('0-d tensors', () => {
  it('formats single values', () => {
    expect(formatTensor([4.800000190734863], [], 'float32', [])).toBe('tensor(4.8000)');
    expect(formatTensor([6], [], 'float32', [])).toBe('tensor(6.)');
    expect(formatTensor([f32(1e-5)], [], 'float32', [])).toBe('tensor(1.0000e-05)');
    expect(formatTensor([0], [], 'float32', [])).toBe('tensor(0.)');
    expect(formatTensor([-0], [], 'float32', [])).toBe('tensor(-0.)');
    expect(formatTensor([NaN], [], 'float32', [])).toBe('tensor(nan)');
    expect(formatTensor([-Infinity], [], 'float64', [])).toBe('tensor(-inf, dtype=torch.float64)');
    expect(formatTensor([2e8], [], 'float32', [])).toBe('tensor(2.0000e+08)');
    expect(formatTensor([-7n], [], 'int64', [])).toBe('tensor(-7)');
    expect(formatTensor([0], [], 'bool', [])).toBe('tensor(False)');
  });
});

describe('element formatting', () => {
  it('int64 accepts bigints beyond 2^53', () => {
    expect(formatTensor([9223372036854775807n, -9223372036854775808n, 0n], [3], 'int64', [])).toBe(
      'tensor([ 9223372036854775807, -9223372036854775808,                    0])',
    );
  });
  it('bool accepts 0/1 numbers', () => {
    expect(formatTensor([1, 0], [2], 'bool', [])).toBe('tensor([ True, False])');
  });
  it('sci mode pads nan/inf to the common width', () => {
    expect(formatTensor([NaN, 1e-5, -Infinity], [3], 'float32', [])).toBe('tensor([       nan, 1.0000e-05,       -inf])');
  });
  it('fixed mode prints negative values that round to zero with their sign', () => {
    expect(formatTensor([-0.00004, 0.5, 0], [3], 'float64', [])).toBe(
      'tensor([-4.0000e-05,  5.0000e-01,  0.0000e+00], dtype=torch.float64)',
    );
    expect(formatTensor([-0.00004999, 0.1], [2], 'float64', [])).toBe('tensor([-4.9990e-05,  1.0000e-01], dtype=torch.float64)');
    expect(formatTensor([-0.00001, 0.5], [2], 'float64', [])).toBe('tensor([-1.0000e-05,  5.0000e-01], dtype=torch.float64)');
    expect(formatTensor([-0.2, 0.5, -0], [3], 'float32', [])).toBe('tensor([-0.2000,  0.5000, -0.0000])');
  });
  it('int mode with huge values switches to sci (max > 1e8)', () => {
    expect(formatTensor([100000000, 1000000], [2], 'float32', [])).toBe('tensor([100000000.,   1000000.])');
    expect(formatTensor([100000001, 1e8], [2], 'float64', [])).toBe('tensor([1.0000e+08, 1.0000e+08], dtype=torch.float64)');
  });
  it('ratio exactly 1000 is not sci, just above is', () => {
    expect(formatTensor([1, 1000], [2], 'float32', [])).toBe('tensor([   1., 1000.])');
    expect(formatTensor([0.5, 500], [2], 'float32', [])).toBe('tensor([  0.5000, 500.0000])');
    expect(formatTensor([0.5, 500.5], [2], 'float32', [])).toBe('tensor([5.0000e-01, 5.0050e+02])');
  });
});

describe('summarization', () => {
  it('formatter statistics use the summarized data only', () => {
    // the huge middle value is not printed and does not trigger sci mode
    const data = Array.from({ length: 1001 }, (_, i) => (i === 500 ? 1e10 : 1.5));
    expect(formatTensor(data, [1001], 'float32', [])).toBe('tensor([1.5000, 1.5000, 1.5000,  ..., 1.5000, 1.5000, 1.5000])');
    // not summarized at exactly 1000 elements: the huge value forces sci mode
    const full = formatTensor(data.slice(0, 1000), [1000], 'float32', []);
    expect(full.startsWith('tensor([1.5000e+00, 1.5000e+00,')).toBe(true);
  });
  it('summarizes dims of size > 6 only, the others print in full', () => {
    const data = Array.from({ length: 2 * 600 }, (_, i) => i);
    expect(formatTensor(data, [2, 600], 'int64', [])).toBe(
      'tensor([[   0,    1,    2,  ...,  597,  598,  599],\n' + '        [ 600,  601,  602,  ..., 1197, 1198, 1199]])',
    );
    expect(formatTensor(data, [600, 2], 'int64', [])).toBe(
      'tensor([[   0,    1],\n' +
        '        [   2,    3],\n' +
        '        [   4,    5],\n' +
        '        ...,\n' +
        '        [1194, 1195],\n' +
        '        [1196, 1197],\n' +
        '        [1198, 1199]])',
    );
  });
  it('4-D summary separates blocks with blank lines', () => {
    const data = Array.from({ length: 8 * 1 * 1 * 131 }, (_, i) => i % 2 === 0);
    const s = formatTensor(data, [8, 1, 1, 131], 'bool', []);
    expect(s).toBe(
      'tensor([[[[ True, False,  True,  ...,  True, False,  True]]],\n\n\n' +
        '        [[[False,  True, False,  ..., False,  True, False]]],\n\n\n' +
        '        [[[ True, False,  True,  ...,  True, False,  True]]],\n\n\n' +
        '        ...,\n\n\n' +
        '        [[[False,  True, False,  ..., False,  True, False]]],\n\n\n' +
        '        [[[ True, False,  True,  ...,  True, False,  True]]],\n\n\n' +
        '        [[[False,  True, False,  ..., False,  True, False]]]])',
    );
  });
});

describe('formatSize', () => {
  it('prints torch.Size', () => {
    expect(formatSize([3])).toBe('torch.Size([3])');
    expect(formatSize([])).toBe('torch.Size([])');
    expect(formatSize([2, 3])).toBe('torch.Size([2, 3])');
    expect(formatSize([0, 3, 1])).toBe('torch.Size([0, 3, 1])');
  });
});

describe('rounding matches Python format() (checked with python3)', () => {
  // [x, '{:.4f}'.format(x), '{:.4e}'.format(x), '{:.0f}'.format(x)]
  const cases: [number, string, string, string][] = [
    [0.03125, '0.0312', '3.1250e-02', '0'],
    [0.09375, '0.0938', '9.3750e-02', '0'],
    [1.03125, '1.0312', '1.0312e+00', '1'],
    [1.09375, '1.0938', '1.0938e+00', '1'],
    [0.5, '0.5000', '5.0000e-01', '0'],
    [1.5, '1.5000', '1.5000e+00', '2'],
    [2.5, '2.5000', '2.5000e+00', '2'],
    [-0, '-0.0000', '-0.0000e+00', '-0'],
    [0.00015, '0.0001', '1.5000e-04', '0'],
    [0.000125, '0.0001', '1.2500e-04', '0'],
    [2.5e-5, '0.0000', '2.5000e-05', '0'],
    [1.25e-5, '0.0000', '1.2500e-05', '0'],
    [9.99995, '10.0000', '1.0000e+01', '10'],
    [99999.99995, '99999.9999', '1.0000e+05', '100000'],
    [123456.78905, '123456.7891', '1.2346e+05', '123457'],
    [1e-300, '0.0000', '1.0000e-300', '0'],
    [5e-324, '0.0000', '4.9407e-324', '0'],
  ];
  for (const [x, f4, e4, f0] of cases) {
    it(`${x}`, () => {
      expect(formatFixed(x, 4)).toBe(f4);
      expect(formatExponential(x, 4)).toBe(e4);
      expect(formatFixed(x, 0)).toBe(f0);
    });
  }
  it('exact ties through formatTensor', () => {
    expect(formatTensor([0.03125, 0.09375], [2], 'float32', [])).toBe('tensor([0.0312, 0.0938])');
    // sci ties: 1.03125e-4 * 2^k style values are not exact; use exact binary ties in sci mode
    expect(formatTensor([1.03125, 1.09375, 4096], [3], 'float32', [])).toBe('tensor([1.0312e+00, 1.0938e+00, 4.0960e+03])');
    expect(formatTensor([-1.03125], [], 'float32', [])).toBe('tensor(-1.0312)');
  });
});
