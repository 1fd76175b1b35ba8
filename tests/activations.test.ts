// The activations and norms of ts/ops/activations.ts and norms.ts beyond the golden cases: erf
// against PyTorch 1.13's values across its approximation ranges, dropout's seeded mask, batch_norm's
// running statistics and the options' errors.
import { describe, expect, it } from 'vitest';
import { torch } from '../ts/index.js';

// torch.erf of PyTorch 1.13 (float64 and float32 of the float32-rounded inputs), by /usr/bin/python3.
const ERF_X = [
  0.0, -0, 1e-300, -2e-9, 0.1, 0.5, -0.84374, 0.84375, 1.0, -1.2499, 1.25, 2.0, 2.857, -2.8572, 3.5, 5.9999, 6.0, -27.0, -4.387629070651185,
  4.169204843246792, 3.165295427719368, -2.9391716911269397, -0.05477895489670814, -0.606107222535142, 1.8191156726731554,
  3.464680213626158, -4.873684958709181, -5.659830281735925, 4.029181247038437, -0.8067951851393591, 3.1473609894953043, -5.974727359786671,
  -0.6553536713423824, 2.658480388089391, -3.2548533447545682, 5.3432483466470675, 4.817129491337802, -5.632920203597358,
  -5.694649668078471, 0.49694967352195896, 5.269789953342126, -1.4255491477414513, -3.4008072344326394, -0.9346010930073927,
  -5.651510549101585, -3.3397000047235794, -0.7453488761931357, -0.05025310341779221, 3.2440870630552386e-11, 2.359695921934943e-7,
  -0.0005797634762192939, 9.610057021076563e-7, -0.326873573739992, -0.010431653760299813, 0.00029662459081100244, 0.00021196050803047524,
  0.008808164291306772, -4.502680391151617e-5, -0.017029632106259268, 0.017932571407039702,
];
const ERF_Y = [
  0.0, -0, 1.1283791670955126e-300, -2.2567583341910253e-9, 0.1124629160182849, 0.5204998778130465, -0.7672201241832406, 0.7672256612323417,
  0.8427007929497149, -0.922876473187532, 0.9229001282564583, 0.9953222650189527, 0.9999466417399131, -0.9999467060575912,
  0.9999992569016276, 1.0, 1.0, -1.0, -0.9999999994531859, 0.999999996279103, 0.9999924089123495, -0.9999677004453845,
  -0.061749660565849504, -0.608646327545039, 0.9899067473823285, 0.9999990406463855, -0.9999999999945153, -0.9999999999999988,
  0.9999999878866185, -0.7461220424380874, 0.9999914544816761, -1.0, -0.6459748340671861, 0.9998298549001348, -0.9999958366726414,
  0.9999999999999586, 0.9999999999904049, -0.9999999999999983, -0.9999999999999992, 0.5178152199042506, 0.9999999999999085,
  -0.9562032592874804, -0.9999984866726437, -0.8137404395811226, -0.9999999999999987, -0.9999976766520408, -0.7081548476535798,
  -0.056656857709658316, 3.660560258195598e-11, 2.662631718991579e-7, -0.0006541929551117059, 1.0843788137179418e-6, -0.356111602114895,
  -0.011770433829410908, 0.0003347049989028983, 0.00023917181792679145, 0.009938692058973376, -5.0807307460313783e-5, -0.01921402466472845,
  0.020232571187606727,
];
const ERF32_Y = [
  0.0, -0, 0.0, -2.256758335761333e-9, 0.11246291548013687, 0.5204998850822449, -0.7672200798988342, 0.7672256827354431, 0.8427007794380188,
  -0.9228764772415161, 0.9229001402854919, 0.9953222870826721, 0.999946653842926, -0.9999467134475708, 0.9999992847442627, 1.0, 1.0, -1.0,
  -1.0, 1.0, 0.9999924302101135, -0.9999676942825317, -0.0617496632039547, -0.6086463332176208, 0.9899067282676697, 0.9999990463256836,
  -1.0, -1.0, 1.0, -0.7461220622062683, 0.9999914765357971, -1.0, -0.6459748148918152, 0.9998298287391663, -0.9999958276748657, 1.0, 1.0,
  -1.0, -1.0, 0.5178152322769165, 1.0, -0.956203281879425, -0.9999985098838806, -0.8137404322624207, -1.0, -0.9999976754188538,
  -0.7081548571586609, -0.0566568598151207, 3.660560049523198e-11, 2.6626318572198215e-7, -0.0006541929906234145, 1.084378823179577e-6,
  -0.3561115860939026, -0.011770433746278286, 0.0003347049932926893, 0.00023917181533761322, 0.00993869174271822, -5.0807309889933094e-5,
  -0.019214024767279625, 0.02023257128894329,
];

const F = torch.nn.functional;

/** Distance in units in the last place between two numbers of one sign. */
function ulps(a: number, b: number, dtype: 'float32' | 'float64'): number {
  if (Object.is(a, b)) return 0;
  if (dtype === 'float32') {
    const u = new Int32Array(Float32Array.of(a, b).buffer);
    return Math.abs(u[0] - u[1]);
  }
  const u = new BigInt64Array(Float64Array.of(a, b).buffer);
  return Number(u[0] > u[1] ? u[0] - u[1] : u[1] - u[0]);
}

describe('erf', () => {
  for (const [dtype, want] of [
    ['float64', ERF_Y],
    ['float32', ERF32_Y],
  ] as const) {
    it(`is within 1 ulp of PyTorch 1.13 in ${dtype} on every range of its approximation, signs of zero included`, () =>
      torch.scope(() => {
        const got = torch.tensor(ERF_X, { dtype }).erf().tolist() as number[];
        const bad = got.flatMap((g, i) =>
          Object.is(g, want[i]) || (g !== 0 && ulps(g, want[i], dtype) <= 1) ? [] : [`erf(${ERF_X[i]}) = ${g}, PyTorch ${want[i]}`],
        );
        expect(bad).toEqual([]);
      }));
  }
  it('is torch.erf and a method; erf(NaN) is NaN and erf(+-inf) is +-1', () =>
    torch.scope(() => {
      expect(torch.erf(torch.tensor([Number.NaN, Infinity, -Infinity], { dtype: 'float64' })).tolist()).toEqual([Number.NaN, 1, -1]);
    }));
});

describe('dropout', () => {
  it('returns its input itself when p = 0 or not training', () =>
    torch.scope(() => {
      const x = torch.randn([3, 4]);
      expect(F.dropout(x, { p: 0 })).toBe(x);
      expect(F.dropout(x, { p: 0.5, training: false })).toBe(x);
    }));
  it('in training keeps each element with probability 1 - p, scaled by 1 / (1 - p), from the seeded generator', () =>
    torch.scope(() => {
      const x = torch.ones([4000], { dtype: 'float64' }).requiresGrad_();
      torch.manualSeed(7);
      const y = F.dropout(x, { p: 0.25 });
      const v = y.tolist() as number[];
      expect(v.every((a) => a === 0 || a === 1 / 0.75)).toBe(true);
      const kept = v.filter((a) => a !== 0).length;
      // Binomial(4000, 0.75): mean 3000, sd 27.4; 5 sd either side.
      expect(Math.abs(kept - 3000)).toBeLessThan(137);
      y.sum().backward();
      expect(x.grad?.tolist()).toEqual(v);
      torch.manualSeed(7);
      expect(F.dropout(x.detach(), { p: 0.25 }).tolist()).toEqual(v);
      expect(y.gradFn?.name()).toBe('MulBackward0');
    }));
  it("refuses p outside [0, 1] with PyTorch's message", () =>
    torch.scope(() => {
      expect(() => F.dropout(torch.ones([2]), { p: 1.5 })).toThrow('dropout probability has to be between 0 and 1, but got 1.5');
    }));
});

describe('batch_norm', () => {
  it('in training updates the running statistics in place (momentum, unbiased variance); eval reads them', () =>
    torch.scope(() => {
      const x = torch.tensor(
        [
          [1, 2],
          [3, 6],
          [5, 10],
        ],
        { dtype: 'float64' },
      );
      const rm = torch.zeros([2], { dtype: 'float64' });
      const rv = torch.ones([2], { dtype: 'float64' });
      F.batchNorm(x, rm, rv, null, null, { training: true, momentum: 0.5 });
      expect(rm.tolist()).toEqual([1.5, 3]);
      // unbiased variances 4 and 16
      expect(rv.tolist()).toEqual([2.5, 8.5]);
      const y = F.batchNorm(x, rm, rv, null, null, { eps: 0 });
      const col = (y.tolist() as number[][]).map((r) => r[0]);
      for (const [i, d] of [-0.5, 1.5, 3.5].entries()) expect(col[i]).toBeCloseTo(d / Math.sqrt(2.5), 14);
    }));
  it('names its node and the options it does not know', () =>
    torch.scope(() => {
      const x = torch.randn([4, 3]).requiresGrad_();
      expect(F.batchNorm(x, null, null, null, null, { training: true }).gradFn?.name()).toBe('NativeBatchNormBackward0');
      expect(() => F.batchNorm(x, null, null, null, null, { train: true } as never)).toThrow(
        "batchNorm() got an unexpected keyword argument 'train'",
      );
    }));
});

describe('layer_norm, group_norm, embedding, pad', () => {
  it("give PyTorch's errors for shapes they cannot take", () =>
    torch.scope(() => {
      const x = torch.randn([2, 3]);
      expect(() => F.layerNorm(x, [2])).toThrow(
        'Given normalized_shape=[2], expected input with shape [*, 2], but got input of size[2, 3]',
      );
      expect(() => F.groupNorm(torch.randn([2, 3, 2]), 2)).toThrow('Expected number of channels in input to be divisible by num_groups');
      expect(() => F.embedding(torch.tensor([0, 7], { dtype: 'int64' }), x)).toThrow('index out of range in self');
      expect(() => F.pad(x, [1])).toThrow('Padding length must be divisible by 2');
    }));
  it('record the nodes PyTorch records', () =>
    torch.scope(() => {
      const x = torch.randn([2, 4]).requiresGrad_();
      expect(F.layerNorm(x, [4]).gradFn?.name()).toBe('NativeLayerNormBackward0');
      expect(F.groupNorm(x, 2).gradFn?.name()).toBe('NativeGroupNormBackward0');
      expect(F.embedding(torch.tensor([1], { dtype: 'int64' }), x).gradFn?.name()).toBe('EmbeddingBackward0');
      expect(F.pad(x, [1, 1]).gradFn?.name()).toBe('ConstantPadNdBackward0');
      expect(F.gelu(x).gradFn?.name()).toBe('GeluBackward0');
      expect(F.silu(x).gradFn?.name()).toBe('SiluBackward0');
      expect(F.elu(x).gradFn?.name()).toBe('EluBackward0');
      expect(F.softplus(x).gradFn?.name()).toBe('SoftplusBackward0');
      expect(F.hardtanh(x).gradFn?.name()).toBe('HardtanhBackward0');
      expect(x.erf().gradFn?.name()).toBe('ErfBackward0');
    }));
});
