// nn.MultiheadAttention, nn.TransformerEncoderLayer and nn.TransformerEncoder against PyTorch 1.13
// (tests/pytorch/attention.py wrote tests/pytorch/attention.json): masks of every kind, unbatched
// inputs, batch_first both ways, kdim/vdim, add_bias_kv, add_zero_attn, per-head weights, the encoder
// stack (outputs, input and parameter gradients, repr), PyTorch's error messages, and the deep-copy
// semantics of TransformerEncoder's layers.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { torch, type Tensor } from '../ts/index.js';
import { runModuleCase, type ModuleCase } from './conformance/modules.js';

const nn = torch.nn;
const REF = JSON.parse(readFileSync(fileURLToPath(new URL('./pytorch/attention.json', import.meta.url)), 'utf8')) as {
  cases: ModuleCase[];
  errors: Record<string, string>;
  repr_dropout: string;
};

describe('attention and transformer modules against PyTorch 1.13 (tests/pytorch/attention.json)', () => {
  it('has the cases', () => {
    expect(REF.cases.length).toBe(20);
  });
  for (const c of REF.cases) {
    it(c.name, () => {
      const r = runModuleCase(c);
      expect(r.message ?? '').toBe('');
      expect(r.ok).toBe(true);
    });
  }
});

/** "Name: message" as Python prints an exception (PyTorch's RuntimeError is an Error here). */
function thrown(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    const err = e as Error;
    return `${err.name === 'Error' ? 'RuntimeError' : err.name}: ${err.message}`;
  }
  return 'no error';
}

describe("PyTorch's messages", () => {
  torch.manualSeed(0);
  const mha = new nn.MultiheadAttention(8, 2);
  const sep = new nn.MultiheadAttention(8, 2, { kdim: 4, vdim: 6 });
  const x = torch.randn([5, 2, 8]);
  const x1 = x.select(1, 0);
  const bool = (shape: number[]): Tensor => torch.zeros(shape, { dtype: 'bool' });
  const long = (shape: number[]): Tensor => torch.zeros(shape, { dtype: 'int64' });
  const cases: Record<string, () => unknown> = {
    divisible: () => new nn.MultiheadAttention(7, 2),
    kpm_dtype: () => mha(x, x, x, { keyPaddingMask: long([2, 5]) }),
    attn_dtype: () => mha(x, x, x, { attnMask: long([5, 5]) }),
    attn_2d_shape: () => mha(x, x, x, { attnMask: bool([4, 5]) }),
    attn_3d_shape: () => mha(x, x, x, { attnMask: bool([3, 5, 5]) }),
    attn_4d: () => mha(x, x, x, { attnMask: bool([1, 4, 5, 5]) }),
    kpm_shape: () => mha(x, x, x, { keyPaddingMask: bool([2, 4]) }),
    kpm_dim: () => mha(x, x, x, { keyPaddingMask: bool([2, 5, 1]) }),
    query_dim: () => mha(x.unsqueeze(0), x.unsqueeze(0), x.unsqueeze(0)),
    kv_dims: () => mha(x, x.select(0, 0), x),
    unbatched_kv_dims: () => mha(x.select(0, 0), x, x.select(0, 0)),
    unbatched_kpm_dim: () => mha(x1, x1, x1, { keyPaddingMask: bool([2, 5]) }),
    unbatched_3d_mask: () => mha(x1, x1, x1, { attnMask: bool([4, 5, 5]) }),
    embed_dim: () => mha(torch.randn([5, 2, 6]), torch.randn([5, 2, 6]), torch.randn([5, 2, 6])),
    kv_shape: () => mha(x, x, torch.randn([4, 2, 8])),
    sep_kv_dims: () => sep(x, torch.randn([5, 2, 4]), torch.randn([4, 2, 6])),
    sep_weight: () => sep(x, torch.randn([5, 2, 5]), torch.randn([5, 2, 6])),
    activation: () => new nn.TransformerEncoderLayer(8, 2, { activation: 'tanh' as 'relu' }),
    layer_kpm_dtype: () => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 4 })(x, { srcKeyPaddingMask: long([2, 5]) }),
    encoder_kpm_dtype: () =>
      new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 4 }), 1)(x, { srcKeyPaddingMask: long([2, 5]) }),
  };
  it('covers every message of the reference', () => {
    expect(Object.keys(cases)).toEqual(Object.keys(REF.errors));
  });
  for (const [name, f] of Object.entries(cases)) {
    it(name, () => {
      expect(thrown(f)).toBe(REF.errors[name]);
    });
  }
  it('unknown forward options are refused with the keyword-argument message', () => {
    expect(() => mha(x, x, x, { attn_mask: bool([5, 5]) } as never)).toThrow("forward() got an unexpected keyword argument 'attn_mask'");
  });
});

describe('MultiheadAttention behaviour', () => {
  it('needWeights: false gives the same output and null weights; weights rows sum to 1', () => {
    torch.manualSeed(1);
    const m = new nn.MultiheadAttention(6, 3, { batchFirst: true }).double();
    const x = torch.randn([2, 4, 6], { dtype: 'float64' });
    const [a, w] = m(x, x, x);
    const [b, none] = m(x, x, x, { needWeights: false });
    expect(none).toBe(null);
    expect(b.tolist()).toEqual(a.tolist());
    expect(w?.shape).toEqual([2, 4, 4]);
    const sums = (w as Tensor).sum(-1).tolist() as number[][];
    for (const v of sums.flat()) expect(v).toBeCloseTo(1, 12);
  });

  it('a full backward hook sees the gradients of both outputs and all three arguments, and its replacement applies to each', () => {
    torch.manualSeed(2);
    const m = new nn.MultiheadAttention(4, 2, { batchFirst: true }).double();
    const q = torch.randn([1, 3, 4], { dtype: 'float64', requiresGrad: true });
    const k = torch.randn([1, 3, 4], { dtype: 'float64', requiresGrad: true });
    const v = torch.randn([1, 3, 4], { dtype: 'float64', requiresGrad: true });
    const loss = (): void => {
      const [o, w] = m(q, k, v);
      o.sum()
        .add((w as Tensor).square().sum())
        .backward();
    };
    loss();
    const plain = [q, k, v].map((t) => (t.grad as Tensor).tolist());
    for (const t of [q, k, v]) t.grad = null;
    const seen: number[][] = [];
    m.registerFullBackwardHook((_m, gi, go) => {
      seen.push([gi.length, go.length, go.filter((g) => g !== null).length]);
      return gi.map((g, i) => (g as Tensor).mul(i + 2));
    });
    loss();
    expect(seen).toEqual([[3, 2, 2]]);
    [q, k, v].forEach((t, i) => {
      const want = (plain[i] as number[][][]).map((r) => r.map((row) => row.map((x) => x * (i + 2))));
      const got = (t.grad as Tensor).tolist() as number[][][];
      got.flat(2).forEach((x, j) => {
        expect(x).toBeCloseTo(want.flat(2)[j], 12);
      });
    });
  });

  it('dropout acts on the weights in training only, from the seeded generator', () => {
    torch.manualSeed(2);
    expect(String(new nn.MultiheadAttention(8, 2, { dropout: 0.5 }))).toBe(REF.repr_dropout);
    const m = new nn.MultiheadAttention(4, 2, { dropout: 0.5 });
    const x = torch.randn([6, 3, 4]);
    torch.manualSeed(5);
    const [, w1] = m(x, x, x, { averageAttnWeights: false });
    torch.manualSeed(5);
    const [, w2] = m(x, x, x, { averageAttnWeights: false });
    expect(w1?.tolist()).toEqual(w2?.tolist());
    const vals = [...(w1 as Tensor).dataSync()];
    expect(vals.filter((v) => v === 0).length).toBeGreaterThan(vals.length / 4);
    m.eval();
    const [, we] = m(x, x, x, { averageAttnWeights: false });
    for (const v of (we as Tensor).sum(-1).dataSync()) expect(v).toBeCloseTo(1, 5);
  });

  it('parameters of the separate projections, bias_k / bias_v, and PyTorch-style getters', () => {
    const m = new nn.MultiheadAttention(8, 2, { kdim: 4, vdim: 6, addBiasKv: true, bias: false });
    expect(m.namedParameters().map(([k, p]) => [k, [...p.shape]])).toEqual([
      ['q_proj_weight', [8, 8]],
      ['k_proj_weight', [8, 4]],
      ['v_proj_weight', [8, 6]],
      ['bias_k', [1, 1, 8]],
      ['bias_v', [1, 1, 8]],
      ['out_proj.weight', [8, 8]],
    ]);
    expect(m.inProjWeight).toBe(null);
    expect(m.inProjBias).toBe(null);
    expect(m.kProjWeight?.shape).toEqual([8, 4]);
    expect(m.outProj.outFeatures).toBe(8);
    expect(String(m.outProj)).toBe('NonDynamicallyQuantizableLinear(in_features=8, out_features=8, bias=False)');
  });

  it('default init: xavier-uniform in_proj_weight within its bound, zero biases, dtype option', () => {
    torch.manualSeed(3);
    const m = new nn.MultiheadAttention(16, 4, { dtype: 'float64' });
    const w = Array.from((m.inProjWeight as Tensor).dataSync(), Number);
    const bound = Math.sqrt(6 / (16 + 48));
    expect(w.every((v) => v >= -bound && v <= bound)).toBe(true);
    expect(Math.max(...w)).toBeGreaterThan(bound * 0.9);
    expect([...(m.inProjBias as Tensor).dataSync()].every((v) => v === 0)).toBe(true);
    expect([...(m.outProj.bias as Tensor).dataSync()].every((v) => v === 0)).toBe(true);
    expect(m.parameters().every((p) => p.dtype === 'float64')).toBe(true);
  });
});

describe('TransformerEncoderLayer and TransformerEncoder', () => {
  it("activation: 'relu', a function and a module give the same result; a module is a child", () => {
    torch.manualSeed(4);
    const a = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 6, dropout: 0 });
    const b = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 6, dropout: 0, activation: (t: Tensor) => t.relu() });
    const c = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 6, dropout: 0, activation: new nn.ReLU() });
    b.loadStateDict(a.stateDict());
    c.loadStateDict(a.stateDict());
    const x = torch.randn([3, 2, 4]);
    expect(b(x).tolist()).toEqual(a(x).tolist());
    expect(c(x).tolist()).toEqual(a(x).tolist());
    expect(String(b)).toBe(String(a));
    expect(String(c).endsWith('  (activation): ReLU()\n)')).toBe(true);
    expect([a.activationReluOrGelu, b.activationReluOrGelu, c.activationReluOrGelu]).toEqual([1, 0, 1]);
  });

  it('layers are deep copies: the same initial values, their own storage, the original left out', () => {
    torch.manualSeed(5);
    const layer = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 6 });
    const enc = new nn.TransformerEncoder(layer, 3);
    const sd = enc.stateDict();
    const own = layer.stateDict();
    expect(Object.keys(sd)).toEqual([0, 1, 2].flatMap((i) => Object.keys(own).map((k) => `layers.${i}.${k}`)));
    for (const k of Object.keys(own)) {
      for (const i of [0, 1, 2]) expect(sd[`layers.${i}.${k}`].tolist()).toEqual(own[k].tolist());
    }
    const l0 = enc.layers.at(0) as InstanceType<typeof nn.TransformerEncoderLayer>;
    const l1 = enc.layers.at(1) as InstanceType<typeof nn.TransformerEncoderLayer>;
    expect(l0).not.toBe(layer);
    expect(l0.constructor).toBe(nn.TransformerEncoderLayer);
    const params = new Set(enc.parameters());
    expect(params.size).toBe(3 * layer.parameters().length);
    for (const p of layer.parameters()) expect(params.has(p)).toBe(false);
    expect(enc.parameters().every((p) => p.isLeaf && p.requiresGrad && p.grad === null)).toBe(true);
    torch.noGrad(() => l0.linear1.weight.fill_(7));
    expect([...l1.linear1.weight.dataSync()].includes(7)).toBe(false);
    expect([...layer.linear1.weight.dataSync()].includes(7)).toBe(false);
    // Settings are copied; train/eval reaches the copies.
    enc.eval();
    expect(enc.modules().every((m) => !m.training)).toBe(true);
    expect(layer.training).toBe(true);
    expect(l1.dropout.p).toBe(0.1);
  });

  it('the copies keep the hooks (same functions) and refuse a non-leaf tensor field, as deepcopy', () => {
    const layer = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 6, dropout: 0 });
    const seen: string[] = [];
    const h = layer.registerForwardHook((m) => {
      seen.push(m === layer ? 'original' : 'copy');
    });
    const enc = new nn.TransformerEncoder(layer, 2);
    h.remove();
    enc(torch.randn([3, 1, 4]));
    expect(seen).toEqual(['copy', 'copy']);
    const bad = new nn.Identity();
    bad.registerBuffer('b', torch.ones([2], { requiresGrad: true }).mul(2));
    expect(() => new nn.TransformerEncoder(bad, 1)).toThrow(
      'Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol at the moment',
    );
  });

  it('a stack trains: the gradients reach every layer', () => {
    torch.manualSeed(6);
    const enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 6, batchFirst: true }), 2, {
      norm: new nn.LayerNorm(4),
    });
    const x = torch.randn([2, 3, 4]);
    enc(x).pow(2).sum().backward();
    expect(enc.namedParameters().every(([, p]) => p.grad !== null)).toBe(true);
    expect(String(enc).split('\n').at(-2)).toBe('  (norm): LayerNorm((4,), eps=1e-05, elementwise_affine=True)');
  });
});
