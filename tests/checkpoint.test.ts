// Checkpoints: the model's, the optimizer's and the scheduler's state saved mid-training (weights
// and optimizer tensors as safetensors bytes, the rest as JSON text), loaded into fresh objects,
// and training resumed, gives the same bits as never stopping.
import { describe, expect, it } from 'vitest';
import { torch, type Tensor } from '../build/ts/index.js';

const nn = torch.nn;
type Optim = InstanceType<typeof torch.optim.Optimizer>;
type Sched = { step(): void; stateDict(): Record<string, unknown>; loadStateDict(sd: Record<string, unknown>): void };

interface Checkpoint {
  weights: Uint8Array;
  optimTensors: Uint8Array;
  json: string;
}

function makeModel(): InstanceType<typeof nn.Sequential> {
  return new nn.Sequential(new nn.Linear(6, 8), new nn.BatchNorm1d(8), new nn.ReLU(), new nn.Linear(8, 3));
}

function save(model: InstanceType<typeof nn.Sequential>, opt: Optim, sched: Sched): Checkpoint {
  const osd = opt.stateDict();
  const tensors: Record<string, Tensor> = {};
  const state: Record<string, Record<string, unknown>> = {};
  for (const [i, st] of Object.entries(osd.state)) {
    state[i] = {};
    for (const [k, v] of Object.entries(st)) {
      if (v instanceof torch.Tensor) tensors[`${i}.${k}`] = v;
      else state[i][k] = v;
    }
  }
  return {
    weights: torch.safetensors.save(model.stateDict()),
    optimTensors: torch.safetensors.save(tensors),
    // Through text, as a file would carry it.
    json: JSON.stringify({ state, groups: osd.param_groups, sched: sched.stateDict() }),
  };
}

function load(ck: Checkpoint, model: InstanceType<typeof nn.Sequential>, opt: Optim, sched: Sched): void {
  model.loadStateDict(torch.safetensors.load(ck.weights));
  const rest = JSON.parse(ck.json) as {
    state: Record<string, Record<string, unknown>>;
    groups: Record<string, unknown>[];
    sched: Record<string, unknown>;
  };
  const state: Record<string, Record<string, Tensor | number | null>> = {};
  for (const [i, st] of Object.entries(rest.state)) state[i] = { ...(st as Record<string, number | null>) };
  for (const [key, t] of Object.entries(torch.safetensors.load(ck.optimTensors))) {
    const [i, k] = key.split('.');
    state[i][k] = t;
  }
  opt.loadStateDict({ state, param_groups: rest.groups });
  sched.loadStateDict(rest.sched);
}

const SETUPS: [string, (m: InstanceType<typeof nn.Sequential>) => [Optim, Sched]][] = [
  [
    'Adam + OneCycleLR',
    (m) => {
      const o = new torch.optim.Adam(m.parameters(), { lr: 0.01, amsgrad: true });
      return [o, new torch.optim.lrScheduler.OneCycleLR(o, 0.05, { totalSteps: 12 }) as unknown as Sched];
    },
  ],
  [
    'SGD nesterov + StepLR',
    (m) => {
      const o = new torch.optim.SGD(m.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-3 });
      return [o, new torch.optim.lrScheduler.StepLR(o, 3, { gamma: 0.5 }) as unknown as Sched];
    },
  ],
  [
    'RMSprop centered + CosineAnnealingLR',
    (m) => {
      const o = new torch.optim.RMSprop(m.parameters(), { lr: 0.01, centered: true, momentum: 0.5 });
      return [o, new torch.optim.lrScheduler.CosineAnnealingLR(o, 5) as unknown as Sched];
    },
  ],
];

function step(model: InstanceType<typeof nn.Sequential>, opt: Optim, sched: Sched, k: number): void {
  torch.scope(() => {
    torch.manualSeed(100 + k);
    const x = torch.randn([16, 6]);
    const y = torch.tensor(
      Array.from({ length: 16 }, (_, i) => (i * 7 + k) % 3),
      { dtype: 'int64' },
    );
    opt.zeroGrad();
    torch.nn.functional.crossEntropy(model(x), y).backward();
    opt.step();
    sched.step();
  });
}

const bits = (m: InstanceType<typeof nn.Sequential>): number[][] =>
  Object.values(m.stateDict()).map((t) => Array.from(t.dataSync(), Number));

describe('a checkpoint resumes training bit for bit', () => {
  for (const [name, setup] of SETUPS) {
    it(name, () => {
      torch.manualSeed(1);
      const a = makeModel();
      const [oa, sa] = setup(a);
      for (let k = 0; k < 10; k++) step(a, oa, sa, k);

      torch.manualSeed(1);
      const b = makeModel();
      const [ob, sb] = setup(b);
      for (let k = 0; k < 4; k++) step(b, ob, sb, k);
      const ck = save(b, ob, sb);

      torch.manualSeed(999); // other initial values: everything must come from the checkpoint
      const c = makeModel();
      const [oc, sc] = setup(c);
      load(ck, c, oc, sc);
      for (let k = 4; k < 10; k++) step(c, oc, sc, k);

      expect(bits(c)).toEqual(bits(a));
      expect(oc.paramGroups.map((g) => g.lr)).toEqual(oa.paramGroups.map((g) => g.lr));
    });
  }
});
