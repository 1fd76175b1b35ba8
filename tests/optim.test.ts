// torch.optim: the golden-train optimizer trajectories (../shared/golden-train/optim.json, PyTorch
// 1.13) and the behaviour around them (param groups, zeroGrad, stateDict / loadStateDict, messages).
import { describe, expect, it } from 'vitest';
import { torch, type Tensor } from '../build/ts/index.js';
import { loadOptimCases, runOptimCase } from './conformance/optim.js';
import { shared } from './shared.js';

const CASES = loadOptimCases(shared('golden-train', 'optim.json'));

describe('golden-train optim.json (PyTorch 1.13): every trajectory, with its scheduler and clipping', () => {
  it('has every case', () => expect(CASES.length).toBe(184));
  for (const c of CASES) {
    it(c.name, () => {
      const r = runOptimCase(c);
      expect(r.message ?? '').toBe('');
      expect(r.ok).toBe(true);
    });
  }
});

type AnyOptim = InstanceType<typeof torch.optim.Optimizer>;
const OPTIMIZERS: [string, (ps: Tensor[]) => AnyOptim][] = [
  ['SGD', (ps) => new torch.optim.SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
  ['Adam', (ps) => new torch.optim.Adam(ps, { lr: 0.01, amsgrad: true })],
  ['AdamW', (ps) => new torch.optim.AdamW(ps, { lr: 0.01 })],
  ['RMSprop', (ps) => new torch.optim.RMSprop(ps, { lr: 0.01, momentum: 0.5, centered: true })],
  ['Adagrad', (ps) => new torch.optim.Adagrad(ps, { lr: 0.1, lrDecay: 0.01 })],
  ['Adadelta', (ps) => new torch.optim.Adadelta(ps, {})],
  ['Adamax', (ps) => new torch.optim.Adamax(ps, {})],
  ['NAdam', (ps) => new torch.optim.NAdam(ps, {})],
  ['RAdam', (ps) => new torch.optim.RAdam(ps, {})],
];

/** Parameters of both dtypes, one of them not contiguous (a transposed leaf). */
function makeParams(): Tensor[] {
  torch.manualSeed(3);
  const a = torch.randn(5, 7, { requiresGrad: true });
  const b = torch.randn(7, 3).t().detach().requiresGrad_(true);
  return [a, b];
}
function train(opt: AnyOptim, ps: Tensor[], steps: number, from: number): void {
  for (let k = 0; k < steps; k++) {
    opt.zeroGrad();
    ps[0]
      .sin()
      .mul(from + k + 1)
      .sum()
      .add(ps[1].pow(2).sum())
      .backward();
    opt.step();
  }
}

describe('optimizers: state dicts, resuming, groups', () => {
  for (const [name, make] of OPTIMIZERS) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${name} ${dtype}: resuming from stateDict() gives the bits of never stopping`, () => {
        const ps = makeParams().map((p) => p.detach().to(dtype).requiresGrad_(true));
        const straight = ps.map((p) => p.detach().clone().requiresGrad_(true));
        const o1 = make(straight);
        train(o1, straight, 6, 0);
        const o2 = make(ps);
        train(o2, ps, 3, 0);
        const sd = o2.stateDict();
        const resumed = ps.map((p) => p.detach().clone().requiresGrad_(true));
        const o3 = make(resumed);
        o3.loadStateDict(sd);
        train(o2, ps, 1, 3); // the loaded state is a copy: o2 going on does not move o3
        train(o3, resumed, 3, 3);
        for (let i = 0; i < ps.length; i++) expect(resumed[i].tolist()).toEqual(straight[i].tolist());
        expect(o3.stateDict().param_groups).toEqual(o1.stateDict().param_groups);
      });
    }
  }

  it('a parameter without a gradient is skipped: no state, no change', () => {
    const a = torch.tensor([1, 2], { requiresGrad: true });
    const b = torch.tensor([3, 4], { requiresGrad: true });
    const opt = new torch.optim.Adam([a, b], { lr: 0.1 });
    a.mul(a).sum().backward();
    opt.step();
    expect(b.tolist()).toEqual([3, 4]);
    expect(Object.keys(opt.stateDict().state)).toEqual(['0']);
    const st = opt.stateDict().state['0'];
    expect((st.step as Tensor).dtype).toBe('float32');
    expect((st.step as Tensor).shape).toEqual([]);
    expect((st.step as Tensor).item()).toBe(1);
  });

  it('param groups: per-group options, defaults filled in, addParamGroup, snake_case state dict', () => {
    const a = torch.ones(2, { requiresGrad: true });
    const b = torch.ones(3, { requiresGrad: true });
    const c = torch.ones(1, { requiresGrad: true });
    const opt = new torch.optim.SGD([{ params: [a] }, { params: b, lr: 0.5, weightDecay: 0.1 }], { lr: 0.1, momentum: 0.9 });
    expect(opt.paramGroups[1].lr).toBe(0.5);
    expect(opt.paramGroups[1].momentum).toBe(0.9);
    opt.addParamGroup({ params: [c], nesterov: true });
    opt.paramGroups[0].initialLr = 0.1;
    opt.paramGroups[0].lr = 0.01;
    const sd = opt.stateDict();
    expect(sd.param_groups.map((g) => g.params)).toEqual([[0], [1], [2]]);
    expect(sd.param_groups[0]).toEqual({
      lr: 0.01,
      momentum: 0.9,
      dampening: 0,
      weight_decay: 0,
      nesterov: false,
      maximize: false,
      foreach: null,
      differentiable: false,
      initial_lr: 0.1,
      params: [0],
    });
    expect(sd.param_groups[2].nesterov).toBe(true);
    const again = new torch.optim.SGD([{ params: [a] }, { params: [b] }, { params: [c] }], { lr: 1 });
    again.loadStateDict(sd);
    expect(again.paramGroups[0].initialLr).toBe(0.1);
    expect(again.paramGroups[0].lr).toBe(0.01);
    expect(again.paramGroups[1].weightDecay).toBe(0.1);
    expect(again.paramGroups[0].params[0]).toBe(a);
    expect(String(new torch.optim.Adam([a], { lr: 0.1 }))).toBe(
      'Adam (\nParameter Group 0\n    amsgrad: False\n    betas: (0.9, 0.999)\n    capturable: False\n    differentiable: False\n' +
        '    eps: 1e-08\n    foreach: None\n    fused: False\n    lr: 0.1\n    maximize: False\n    weight_decay: 0\n)',
    );
  });

  it('a state of the wrong size or dtype is refused before the kernel runs; options switched on later get buffers', () => {
    const w = torch.ones(4, { requiresGrad: true });
    const opt = new torch.optim.Adam([w], { lr: 0.1 });
    w.sum().backward();
    opt.step();
    const sd = opt.stateDict();
    sd.state['0'].exp_avg = torch.zeros(2);
    const other = new torch.optim.Adam([w], { lr: 0.1 });
    other.loadStateDict(sd);
    const before = w.tolist();
    expect(() => other.step()).toThrow(
      "optimizer state 'exp_avg' is a float32 tensor of shape [2]; expected float32 of the parameter's shape [4]",
    );
    expect(w.tolist()).toEqual(before);
    opt.paramGroups[0].amsgrad = true;
    opt.step();
    expect(Object.keys(opt.stateDict().state['0'])).toEqual(['step', 'exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']);
    const r = new torch.optim.RMSprop([w]);
    r.step();
    r.paramGroups[0].momentum = 0.5;
    r.paramGroups[0].centered = true;
    r.step();
    expect(Object.keys(r.stateDict().state['0']).sort()).toEqual(['grad_avg', 'momentum_buffer', 'square_avg', 'step']);
  });

  it('zeroGrad zeroes in place (PyTorch 1.13 default) or sets null', () => {
    const w = torch.ones(2, { requiresGrad: true });
    const opt = new torch.optim.Adam([w]);
    w.mul(3).sum().backward();
    const g = w.grad!;
    opt.zeroGrad();
    expect(w.grad).toBe(g);
    expect(g.tolist()).toEqual([0, 0]);
    opt.zeroGrad({ setToNone: true });
    expect(w.grad).toBeNull();
  });

  it('PyTorch 1.13’s ValueError texts', () => {
    const w = torch.ones(2, { requiresGrad: true });
    const v = torch.ones(1, { requiresGrad: true });
    const cases: [() => unknown, string][] = [
      [() => new torch.optim.Adam([w], { betas: [0.9, 1.5] }), 'Invalid beta parameter at index 1: 1.5'],
      [() => new torch.optim.AdamW([w], { betas: [-0.5, 0.9] }), 'Invalid beta parameter at index 0: -0.5'],
      [() => new torch.optim.Adam([w], { eps: -0.1 }), 'Invalid epsilon value: -0.1'],
      [() => new torch.optim.Adadelta([w], { rho: 1.5 }), 'Invalid rho value: 1.5'],
      [() => new torch.optim.SGD([w], { lr: 0.1, nesterov: true }), 'Nesterov momentum requires a momentum and zero dampening'],
      [() => new torch.optim.Adagrad([w], { lrDecay: -0.5 }), 'Invalid lr_decay value: -0.5'],
      [() => new torch.optim.Adagrad([w], { initialAccumulatorValue: -0.5 }), 'Invalid initial_accumulator_value value: -0.5'],
      [() => new torch.optim.RMSprop([w], { alpha: -0.5 }), 'Invalid alpha value: -0.5'],
      [() => new torch.optim.NAdam([w], { momentumDecay: -0.5 }), 'Invalid momentum_decay value: -0.5'],
      [() => new torch.optim.RAdam([w], { lr: -0.5 }), 'Invalid learning rate: -0.5'],
      [
        () => new torch.optim.SGD([{ params: [w] }, { params: [w] }], { lr: 0.1 }),
        'some parameters appear in more than one parameter group',
      ],
      [
        () =>
          new torch.optim.SGD([w], { lr: 0.1 }).loadStateDict(
            new torch.optim.SGD([{ params: [w] }, { params: [v] }], { lr: 0.1 }).stateDict(),
          ),
        'loaded state dict has a different number of parameter groups',
      ],
      [
        () => new torch.optim.SGD([w], { lr: 0.1 }).loadStateDict(new torch.optim.SGD([w, v], { lr: 0.1 }).stateDict()),
        "loaded state dict contains a parameter group that doesn't match the size of optimizer's group",
      ],
    ];
    for (const [f, msg] of cases) {
      let err: Error | null = null;
      try {
        f();
      } catch (e) {
        err = e as Error;
      }
      expect(err?.message).toBe(msg);
      expect(err?.name).toBe('ValueError');
    }
  });
});
