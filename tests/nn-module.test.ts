// nn.Module: registration from fields, traversal order and dotted names, state_dict, modes, hooks,
// printing, the containers and layers, against PyTorch 1.13 (tests/pytorch/nn_module.py wrote
// tests/pytorch/nn_module.json) and the golden-train module cases (../shared/golden-train/modules.json).
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { torch, type Tensor } from '../ts/index.js';
import { loadModuleCases, runModuleCase, supported } from './conformance/modules.js';
import { runInitItem, type InitItem } from './conformance/init.js';
import { shared } from './shared.js';

const nn = torch.nn;
const REF = JSON.parse(readFileSync(fileURLToPath(new URL('./pytorch/nn_module.json', import.meta.url)), 'utf8'));
const MODULES = shared('golden-train', 'modules.json');
// Module types of the golden-train files that torch.nn does not have (none now: every case and item runs).
const NOT_YET: string[] = [];

class Block extends nn.Module {
  scale = new nn.Parameter(torch.ones([3]));
  lin = new nn.Linear(3, 3);
  constructor() {
    super();
    this.registerBuffer('steps', torch.zeros([], { dtype: 'int64' }));
    this.registerBuffer('tmp', torch.zeros([2]), { persistent: false });
  }
}

class Net extends nn.Module {
  embed = new nn.Linear(4, 3, { bias: false });
  blocks = new nn.ModuleList([new Block(), new Block()]);
  heads = new nn.ModuleDict({ cls: new nn.Sequential(new nn.ReLU(true), new nn.Linear(3, 2)), reg: new nn.Identity() });
  act = new nn.LeakyReLU();
  sm = new nn.Softmax();
  drop = new nn.Dropout();
  flat = new nn.Flatten(0, 1);
  unf = new nn.Unflatten(-1, [2, 2]);
  ls = new nn.LogSoftmax({ dim: -1 });
  loss = new nn.CrossEntropyLoss({ reduction: 'sum' });
}

const names = (xs: [string, unknown][]): string[] => xs.map(([k]) => k);

describe('nn.Module', () => {
  it('prints exactly what print(model) prints, through String and console.log', () => {
    const net = new Net();
    expect(String(net)).toBe(REF.repr);
    expect(inspect(net)).toBe(REF.repr);
    const seq = new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU(), new nn.Tanh(), new nn.Sigmoid());
    expect(String(seq.slice(1, 3))).toBe(REF.slice);
    expect(String(seq.at(-1))).toBe(REF.neg);
    expect(String(seq.slice(-2))).toBe(REF.slice_neg);
    expect(String(new nn.ModuleList([new nn.ReLU(), new nn.Tanh(), new nn.Sigmoid()]).slice(1))).toBe(REF.ml_slice);
  });

  it('finds parameters, buffers and children from fields, in PyTorch order with dotted names', () => {
    const net = new Net();
    expect(names(net.namedParameters())).toEqual(REF.params);
    expect(names(net.namedBuffers())).toEqual(REF.buffers);
    expect(Object.keys(net.stateDict())).toEqual(REF.state);
    expect(names(net.namedModules())).toEqual(REF.modules);
    expect(names(net.namedChildren())).toEqual(REF.children);
    expect(net.parameters()).toHaveLength(REF.params.length);
    expect(net.children()[0]).toBe(net.embed);
    expect(net.modules()[0]).toBe(net);
  });

  it('a module shared twice is listed once; its parameters too', () => {
    const lin = new nn.Linear(2, 2);
    const seq = new nn.Sequential(lin, lin);
    expect(seq.parameters()).toHaveLength(2);
    expect(names(seq.namedModules())).toEqual(['', '0']);
    expect(seq.length).toBe(2);
    expect([...seq]).toEqual([lin, lin]);
  });

  it('loadStateDict: PyTorch missing/unexpected/size-mismatch errors, strict=false result', () => {
    const net = new Net();
    expect(() =>
      net.loadStateDict({ 'embed.weight': torch.zeros([3, 4]), foo: torch.zeros([1]), 'blocks.0.bar': torch.zeros([1]) }),
    ).toThrow(REF.load_err);
    const l = new nn.Linear(2, 3);
    expect(() => l.loadStateDict({ weight: torch.zeros([2, 2]), bias: torch.zeros([3]) })).toThrow(REF.size_err);
    const r = l.loadStateDict({ weight: torch.zeros([3, 2]), extra: torch.zeros([1]) }, { strict: false });
    expect([r.missingKeys, r.unexpectedKeys]).toEqual(REF.nonstrict);
    expect([...l.weight.dataSync()]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('round-trips a state dict into a fresh model (values copied, parameters stay leaves)', () => {
    torch.manualSeed(1);
    const a = new Net();
    const b = new Net();
    b.loadStateDict(a.stateDict());
    for (const [[ka, pa], [kb, pb]] of a.namedParameters().map((p, i) => [p, b.namedParameters()[i]] as const)) {
      expect(kb).toBe(ka);
      expect([...pb.dataSync()]).toEqual([...pa.dataSync()]);
      expect(pb.isLeaf && pb.requiresGrad).toBe(true);
    }
  });

  it("PyTorch's errors for registration, indexing, dropout p, to(int64) and a missing forward", () => {
    const seq = new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU(), new nn.Tanh(), new nn.Sigmoid());
    expect(() => seq.at(4)).toThrow(REF.idx_err);
    expect(() => new nn.Dropout(1.5)).toThrow(REF.drop_err);
    const l = new nn.Linear(2, 3);
    expect(() => l.registerBuffer('weight', torch.zeros([1]))).toThrow(REF.buf_err);
    expect(() => l.registerParameter('a.b', null)).toThrow(REF.par_err);
    (l as unknown as { weight: Tensor }).weight = torch.zeros([3, 2]);
    expect(() => l.parameters()).toThrow(REF.assign_err);
    expect(() => new nn.Linear(2, 2).to({ dtype: 'int64' })).toThrow(REF.to_err);
    expect(() => new nn.ModuleList([new nn.ReLU()])(torch.zeros([1]))).toThrow(REF.fwd_err);
  });

  it('to(dtype) keeps the Parameter objects (PyTorch sets param.data), converts their grads, replaces buffers', () => {
    const m = new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNorm1d(2));
    const lin = m.at(0) as InstanceType<typeof nn.Linear>;
    const w = lin.weight;
    w.grad = torch.ones([2, 3]);
    const mean = m.stateDict()['1.running_mean'];
    const opt = new torch.optim.SGD([w], { lr: 0.5 });
    const before = Array.from(w.dataSync(), Number);
    expect(m.to('float64')).toBe(m);
    expect(lin.weight).toBe(w);
    expect([...m.parameters()][0]).toBe(w);
    expect(w.dtype).toBe('float64');
    expect(w.isLeaf && w.requiresGrad).toBe(true);
    expect(w.grad?.dtype).toBe('float64');
    expect(Array.from(w.dataSync(), Number)).toEqual(before.map((v) => Math.fround(v)));
    expect(m.stateDict()['1.running_mean'].dtype).toBe('float64');
    expect(mean.dtype).toBe('float32');
    // The optimizer made before the conversion updates the converted parameter.
    opt.step();
    expect(Array.from(w.dataSync(), Number)).toEqual(before.map((v) => v - 0.5));
    m.to({ dtype: 'float32' });
    expect(w.dtype).toBe('float32');
    expect(w.grad?.dtype).toBe('float32');
  });

  it('a full backward hook of a two-input module sees both grad_inputs at once and replaces both (PyTorch 1.13 values)', () => {
    const m = new nn.Bilinear(2, 3, 1).double();
    m.loadStateDict({
      weight: torch.tensor([
        [
          [0.5, -1.0, 2.0],
          [1.5, 0.25, -0.5],
        ],
      ]),
      bias: torch.tensor([0.1]),
    });
    const a = torch.tensor([[1.0, 2.0]], { dtype: 'float64', requiresGrad: true });
    const b = torch.tensor([[3.0, -1.0, 0.5]], { dtype: 'float64', requiresGrad: true });
    const seen: number[][] = [];
    m.registerFullBackwardHook((_m, gi, go) => {
      seen.push([gi.length, go.length, gi.filter((g) => g !== null).length]);
      return [(gi[0] as Tensor).mul(2), (gi[1] as Tensor).mul(3)];
    });
    const y = m(a, b);
    expect(y.gradFn?.name()).toBe('BackwardHookFunctionBackward');
    y.sum().backward();
    expect(seen).toEqual([[2, 1, 2]]);
    expect(a.grad?.tolist()).toEqual([[7, 8]]);
    expect(b.grad?.tolist()).toEqual([[10.5, -1.5, 3]]);
    expect(m.weight.grad?.tolist()).toEqual([
      [
        [3, -1, 0.5],
        [6, -2, 1],
      ],
    ]);
  });

  it('is callable: model(x) equals model.call(x) and model.forward(x)', () => {
    const m = new nn.Sequential(new nn.Linear(3, 2), new nn.Tanh());
    const x = torch.randn([4, 3]);
    expect(typeof m).toBe('function');
    expect(m instanceof nn.Module).toBe(true);
    expect([...m(x).dataSync()]).toEqual([...m.call(x).dataSync()]);
    expect([...m(x).dataSync()]).toEqual([...m.forward(x).dataSync()]);
  });

  it('forward pre-hooks, forward hooks and full backward hooks as PyTorch (values and grad_fn)', () => {
    const lin = new nn.Linear(3, 2).double();
    lin.loadStateDict({
      weight: torch.tensor([
        [0.5, -1.0, 2.0],
        [1.5, 0.25, -0.5],
      ]),
      bias: torch.tensor([0.1, -0.2]),
    });
    const x = torch.tensor(
      [
        [1.0, 2.0, 3.0],
        [-1.0, 0.5, 2.0],
      ],
      { dtype: 'float64', requiresGrad: true },
    );
    const rec: { gi?: (number[][] | null)[]; go?: number[][][] } = {};
    const h1 = lin.registerFullBackwardHook((_m, gi, go) => {
      rec.gi = gi.map((g) => (g ? (g.tolist() as number[][]) : null));
      rec.go = go.map((g) => g?.tolist() as number[][]);
      return [gi[0]?.mul(2) ?? null];
    });
    const h2 = lin.registerForwardPreHook((_m, a) => [a[0].mul(3)]);
    const h3 = lin.registerForwardHook((_m, _a, o) => o.add(1));
    const y = lin(x);
    expect(y.gradFn?.name()).toBe(REF.hooks.fn);
    y.mul(
      torch.tensor(
        [
          [1.0, 2.0],
          [3.0, 4.0],
        ],
        { dtype: 'float64' },
      ),
    )
      .sum()
      .backward();
    const close = (a: unknown, b: unknown): void => {
      expect((a as number[]).flat(3).map((v) => Number(v.toFixed(6)))).toEqual((b as number[]).flat(3).map((v) => Number(v.toFixed(6))));
    };
    close(y.tolist(), REF.hooks.y);
    close(rec.gi, REF.hooks.gi);
    close(rec.go, REF.hooks.go);
    close(x.grad?.tolist(), REF.hooks.xgrad);
    close(lin.weight.grad?.tolist(), REF.hooks.wgrad);
    for (const h of [h1, h2, h3]) h.remove();
    const y2 = lin(x);
    expect(y2.gradFn?.name()).toBe('AddmmBackward0');
  });

  it('prints floats, flags, tuples and empty containers as PyTorch', () => {
    const ms = [
      new nn.LeakyReLU(1e-5),
      new nn.LeakyReLU(0.5, true),
      new nn.Dropout(0.25),
      new nn.Softmax({ dim: 0 }),
      new nn.Sequential(),
      new nn.ModuleList(),
      new nn.ModuleDict(),
      new nn.Sequential(new nn.Sequential(new nn.Identity()), new nn.ModuleList([new nn.Tanh()])),
      new nn.Bilinear(2, 3, 4, { bias: false }),
      new nn.Flatten(),
      new nn.Unflatten(0, [4]),
      new nn.NLLLoss(),
      new nn.MSELoss({ reduction: 'sum' }),
    ];
    expect(ms.map(String)).toEqual(REF.extra.reprs);
  });

  it('a backward hook on a two-input module (Bilinear) sees both input gradients', () => {
    const bl = new nn.Bilinear(2, 2, 1).double();
    bl.loadStateDict({
      weight: torch.tensor([
        [
          [1.0, 2.0],
          [3.0, -1.0],
        ],
      ]),
      bias: torch.tensor([0.5]),
    });
    const a = torch.tensor([[1.0, -2.0]], { dtype: 'float64', requiresGrad: true });
    const b = torch.tensor([[0.5, 3.0]], { dtype: 'float64', requiresGrad: true });
    const seen: { gi?: unknown; go?: unknown } = {};
    bl.registerFullBackwardHook((_m, gi, go) => {
      seen.gi = gi.map((g) => g?.tolist());
      seen.go = go.map((g) => g?.tolist());
    });
    bl(a, b).sum().backward();
    expect(seen).toEqual(REF.extra.bilinear_hook);
    expect(a.grad?.tolist()).toEqual(REF.extra.bilinear_hook.gi[0]);
    expect(b.grad?.tolist()).toEqual(REF.extra.bilinear_hook.gi[1]);
  });

  it('a backward hook on a module whose input needs no grad gets grad_input [null]', () => {
    const lin = new nn.Linear(2, 2);
    let seen: (Tensor | null)[] | null = null;
    lin.registerFullBackwardHook((_m, gi) => {
      seen = gi;
    });
    lin(torch.ones([1, 2]))
      .sum()
      .backward();
    expect(seen).toEqual([null]);
  });

  it('train/eval reach every submodule; Dropout is the identity in eval and scales by 1/(1-p) in training', () => {
    const m = new nn.Sequential(new nn.Dropout(0.5), new nn.Sequential(new nn.Dropout(0.25)));
    expect(
      m
        .eval()
        .modules()
        .map((x) => x.training),
    ).toEqual([false, false, false, false]);
    const x = torch.ones([1000]);
    expect(m(x)).toBe(x);
    m.train();
    expect(m.modules().every((x) => x.training)).toBe(true);
    torch.manualSeed(3);
    const d = new nn.Dropout(0.5)(x);
    const vals = [...d.dataSync()];
    expect(vals.every((v) => v === 0 || v === 2)).toBe(true);
    const kept = vals.filter((v) => v === 2).length;
    expect(kept).toBeGreaterThan(430);
    expect(kept).toBeLessThan(570);
    torch.manualSeed(3);
    expect([...new nn.Dropout(0.5)(x).dataSync()]).toEqual(vals);
  });

  it('zeroGrad zeroes in place (PyTorch 1.13 default) or sets null; requiresGrad_, apply, double/float', () => {
    const m = new nn.Linear(2, 1);
    m(torch.ones([1, 2]))
      .sum()
      .backward();
    const g = m.weight.grad;
    m.zeroGrad();
    expect(m.weight.grad).toBe(g);
    expect([...(m.weight.grad?.dataSync() ?? [])]).toEqual([0, 0]);
    m.zeroGrad({ setToNone: true });
    expect(m.weight.grad).toBe(null);
    m.requiresGrad_(false);
    expect(m.parameters().map((p) => p.requiresGrad)).toEqual([false, false]);
    const seen: string[] = [];
    new nn.Sequential(new nn.ReLU(), new nn.Tanh()).apply((x) => seen.push(x.constructor.name));
    expect(seen).toEqual(['ReLU', 'Tanh', 'Sequential']);
    const n = new Net().double();
    expect(n.namedParameters().every(([, p]) => p.dtype === 'float64')).toBe(true);
    expect(n.namedBuffers().map(([, b]) => b.dtype)).toEqual(['int64', 'float64', 'int64', 'float64']);
    expect(n.float().embed.weight.dtype).toBe('float32');
  });

  it('Sequential append, ModuleDict keys/get, Parameter is a leaf tensor that requires grad', () => {
    const s = new nn.Sequential(new nn.ReLU()).append(new nn.Tanh());
    expect(s.length).toBe(2);
    expect(String(s)).toBe('Sequential(\n  (0): ReLU()\n  (1): Tanh()\n)');
    const d = new nn.ModuleDict({ b: new nn.ReLU(), a: new nn.Tanh() });
    expect(d.keys()).toEqual(['b', 'a']);
    expect(String(d.get('a'))).toBe('Tanh()');
    const p = new nn.Parameter(torch.zeros([2]));
    expect(p instanceof nn.Parameter && p.isLeaf && p.requiresGrad).toBe(true);
    expect(torch.zeros([2]) instanceof nn.Parameter).toBe(false);
  });
});

describe('golden-train init.json: default initialisation, checked statistically over 30 draws', () => {
  const all = (JSON.parse(readFileSync(shared('golden-train', 'init.json'), 'utf8')) as { items: InitItem[] }).items;
  it('runs every item but those of the module types not implemented yet', () => {
    expect([...new Set(all.filter((i) => !supported(i.module)).map((i) => i.module.type))]).toEqual(NOT_YET);
  });
  for (const item of all.filter((i) => supported(i.module))) {
    it(`${item.name}: ${item.distribution}`, () => {
      const r = runInitItem(item);
      expect(r.message ?? '').toBe('');
      expect(r.ok).toBe(true);
    });
  }
});

describe('golden-train modules.json (PyTorch 1.13) for the implemented module types', () => {
  const all = loadModuleCases(MODULES);
  const cases = all.filter((c) => supported(c.module));
  it('runs every case but those of the module types not implemented yet', () => {
    expect([...new Set(all.filter((c) => !supported(c.module)).map((c) => c.module.type))]).toEqual(NOT_YET);
  });
  for (const c of cases) {
    it(c.name, () => {
      const r = runModuleCase(c);
      expect(r.message ?? '').toBe('');
      expect(r.ok).toBe(true);
    });
  }
});
