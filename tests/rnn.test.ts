// nn.RNN / LSTM / GRU and the cells RNNCell / LSTMCell / GRUCell against PyTorch 1.13:
// tests/pytorch/rnn_extra.py wrote tests/pytorch/rnn_extra.json (module cases in the golden-train
// modules.json format, float32 and float64: state dict, inputs, output, input and parameter gradients,
// repr; then the error texts of the argument and shape checks). The golden-train LSTM/GRU cases run in
// tests/nn-module.test.ts.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { torch, type Tensor } from '../ts/index.js';
import { loadModuleCases, runModuleCase } from './conformance/modules.js';
import { gradcheck, leaf } from './helpers.js';

const nn = torch.nn;
const FILE = fileURLToPath(new URL('./pytorch/rnn_extra.json', import.meta.url));
const REF = JSON.parse(readFileSync(FILE, 'utf8')) as { errors: Record<string, [string, string]>; reprs: string[] };

describe('recurrent modules: PyTorch 1.13 cases (tests/pytorch/rnn_extra.py)', () => {
  const cases = loadModuleCases(FILE);
  it('has every module type in float32 and float64', () => {
    const kinds = new Set(cases.map((c) => `${c.module.type} ${c.dtype}`));
    for (const t of ['RNN', 'LSTM', 'GRU', 'RNNCell', 'LSTMCell', 'GRUCell'])
      for (const d of ['float32', 'float64']) expect(kinds.has(`${t} ${d}`)).toBe(true);
  });
  for (const c of cases) {
    it(c.name, () => {
      const r = runModuleCase(c);
      expect(r.message ?? '').toBe('');
      expect(r.ok).toBe(true);
    });
  }
});

describe('recurrent modules: repr, arguments and shape checks as PyTorch', () => {
  const r = (...shape: number[]): Tensor => torch.randn(shape);
  const thrown = (f: () => unknown): [string, string] => {
    try {
      f();
    } catch (e) {
      return [(e as Error).name, (e as Error).message];
    }
    throw new Error('no error');
  };
  const CALLS: Record<string, () => unknown> = {
    lstm_input_size: () => new nn.LSTM(3, 4)(r(5, 2, 4)),
    lstm_4d: () => new nn.LSTM(3, 4)(r(2, 2, 2, 3)),
    lstm_1d: () => new nn.LSTM(3, 4)(r(3)),
    lstm_c_size: () => new nn.LSTM(3, 4, 2)(r(5, 2, 3), [r(2, 2, 4), r(1, 2, 4)]),
    lstm_h_size: () => new nn.LSTM(3, 4, 2)(r(5, 2, 3), [r(2, 3, 4), r(2, 2, 4)]),
    lstm_proj_h_size: () => new nn.LSTM(3, 4, { projSize: 2 })(r(5, 2, 3), [r(1, 2, 4), r(1, 2, 4)]),
    lstm_unbatched_hx: () => new nn.LSTM(3, 4, 2)(r(5, 3), [r(2, 2, 4), r(2, 4)]),
    lstm_batched_hx: () => new nn.LSTM(3, 4)(r(5, 2, 3), [r(2, 4), r(1, 2, 4)]),
    gru_unbatched_hx: () => new nn.GRU(3, 4)(r(5, 3), r(1, 1, 4)),
    gru_batched_hx: () => new nn.GRU(3, 4)(r(5, 1, 3), r(1, 4)),
    rnn_hidden_size: () => new nn.RNN(3, 4)(r(5, 1, 3), r(1, 2, 4)),
    rnn_batch_first_hidden: () => new nn.RNN(3, 4, { batchFirst: true })(r(2, 5, 3), r(1, 5, 4)),
    dropout_range: () => new nn.LSTM(3, 4, { dropout: 2 }),
    proj_too_big: () => new nn.LSTM(3, 4, { projSize: 4 }),
    proj_negative: () => new nn.LSTM(3, 4, { projSize: -1 }),
    proj_gru: () => new nn.GRU(3, 4, { projSize: 2 } as object),
    proj_rnn: () => new nn.RNN(3, 4, { projSize: 2 } as object),
    nonlinearity: () => new nn.RNN(3, 4, { nonlinearity: 'gelu' as 'relu' }),
    cell_input_size: () => new nn.GRUCell(3, 4)(r(2, 5)),
    cell_batch: () => new nn.LSTMCell(3, 4)(r(2, 3), [r(3, 4), r(2, 4)]),
    cell_hidden_size: () => new nn.RNNCell(3, 4)(r(2, 3), r(2, 5)),
    cell_c_hidden_size: () => new nn.LSTMCell(3, 4)(r(2, 3), [r(2, 4), r(2, 5)]),
    cell_unbatched_batched_h: () => new nn.GRUCell(3, 4)(r(3), r(2, 4)),
    cell_3d: () => new nn.LSTMCell(3, 4)(r(2, 2, 3)),
    rnncell_3d: () => new nn.RNNCell(3, 4)(r(2, 2, 3)),
    empty_sequence: () => new nn.LSTM(3, 4, { batchFirst: true })(r(2, 0, 3)),
    empty_sequence_unbatched: () => new nn.RNN(3, 4)(r(0, 3)),
    gru_kwarg: () => new nn.GRU(3, 4, { batchfirst: true } as object),
  };
  it('covers every error of the fixture', () => {
    expect(Object.keys(CALLS).sort()).toEqual(Object.keys(REF.errors).sort());
  });
  const PY_TO_JS: Record<string, string> = { RuntimeError: 'Error' };
  for (const [k, [type, msg]] of Object.entries(REF.errors)) {
    it(`${k}: ${type}`, () => {
      const [name, message] = thrown(CALLS[k]);
      expect(name).toBe(PY_TO_JS[type] ?? type);
      // asgrad adds a "did you mean" hint after an unknown keyword's message.
      expect(k === 'gru_kwarg' ? message.replace(/ \(did you mean .*\)$/, '') : message).toBe(msg);
    });
  }

  it('prints as PyTorch', () => {
    const ms = [
      new nn.LSTM(3, 4, { numLayers: 2, batchFirst: true, bidirectional: true }),
      new nn.LSTM(3, 4, { projSize: 2, dropout: 0.25, bias: false, numLayers: 2 }),
      new nn.RNN(3, 4, { nonlinearity: 'relu' }),
      new nn.GRU(10, 20, 3, { dropout: 1.0 }),
      new nn.RNNCell(3, 4, { bias: false, nonlinearity: 'relu' }),
      new nn.LSTMCell(3, 4),
      new nn.GRUCell(3, 4, false),
      new nn.Sequential(new nn.LSTM(2, 3), new nn.GRUCell(3, 3)),
    ];
    expect(ms.map(String)).toEqual(REF.reprs);
  });
});

describe('recurrent modules: initialisation and dropout', () => {
  it('every parameter is drawn from U(-1/sqrt(hidden), 1/sqrt(hidden)) by the seeded generator, in order', () => {
    for (const make of [() => new nn.GRU(3, 16, 2), () => new nn.LSTMCell(5, 16), () => new nn.RNN(2, 16, { bidirectional: true })]) {
      torch.manualSeed(11);
      const a = make();
      torch.manualSeed(11);
      const b = make();
      for (const [[ka, pa], [kb, pb]] of a.namedParameters().map((p, i) => [p, b.namedParameters()[i]] as const)) {
        expect(kb).toBe(ka);
        const va = Array.from(pa.dataSync(), Number);
        expect(va).toEqual(Array.from(pb.dataSync(), Number));
        expect(va.every((v) => v >= -0.25 && v <= 0.25)).toBe(true);
        expect(Math.max(...va) - Math.min(...va)).toBeGreaterThan(0.2);
      }
      // Successive draws: a second module differs.
      expect([...make().parameters()[0].dataSync()]).not.toEqual([...a.parameters()[0].dataSync()]);
    }
  });

  it('dropout acts between layers in training only: p = 1 feeds the last layer zeros', () => {
    torch.manualSeed(5);
    const lstm = new nn.LSTM(3, 4, 2, { dropout: 1 }).double();
    const x = torch.randn([6, 2, 3], { dtype: 'float64' });
    // The second layer alone, on a zero input, gives the training output.
    const top = new nn.LSTM(4, 4).double();
    const sd = lstm.stateDict();
    top.loadStateDict({
      weight_ih_l0: sd.weight_ih_l1,
      weight_hh_l0: sd.weight_hh_l1,
      bias_ih_l0: sd.bias_ih_l1,
      bias_hh_l0: sd.bias_hh_l1,
    });
    const [yTrain, [hTrain]] = lstm(x);
    const [yTop] = top(torch.zeros([6, 2, 4], { dtype: 'float64' }));
    expect([...yTrain.dataSync()]).toEqual([...yTop.dataSync()]);
    expect(hTrain.shape).toEqual([2, 2, 4]);
    lstm.eval();
    const [yEval] = lstm(x);
    expect([...yEval.dataSync()]).not.toEqual([...yTrain.dataSync()]);
  });

  it('allWeights lists the parameters of each layer and direction, as PyTorch all_weights', () => {
    const m = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true, projSize: 2 });
    const byName = new Map(m.namedParameters());
    expect(m.allWeights.map((ws) => ws.map((w) => [...byName].find(([, p]) => p === w)?.[0]))).toEqual(
      ['_l0', '_l0_reverse', '_l1', '_l1_reverse'].map((s) =>
        ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh', 'weight_hr'].map((n) => n + s),
      ),
    );
  });

  it('gradcheck in float64: input and initial states through layers, directions, projections and the cells', () => {
    torch.manualSeed(2);
    const flat = (ts: Tensor[]): Tensor => torch.cat(ts.map((t) => t.reshape([-1])));
    const lstm = new nn.LSTM(2, 3, { numLayers: 2, bidirectional: true, projSize: 2, batchFirst: true }).double();
    gradcheck(
      (x, h, c) => {
        const [o, [hn, cn]] = lstm(x, [h, c]);
        return flat([o, hn, cn]);
      },
      [leaf([2, 3, 2]), leaf([4, 2, 2]), leaf([4, 2, 3])],
    );
    const gru = new nn.GRU(2, 3, 2).double();
    gradcheck((x, h) => flat(gru(x, h)), [leaf([3, 2]), leaf([2, 3])]);
    const rnn = new nn.RNN(2, 3, { bidirectional: true }).double();
    gradcheck((x, h) => flat(rnn(x, h)), [leaf([3, 2, 2]), leaf([2, 2, 3])]);
    const cell = new nn.LSTMCell(2, 3).double();
    gradcheck((x, h, c) => flat(cell(x, [h, c])), [leaf([2, 2]), leaf([2, 3]), leaf([2, 3])]);
    const gcell = new nn.GRUCell(2, 3).double();
    gradcheck((x, h) => gcell(x, h), [leaf([2, 2]), leaf([2, 3])]);
  });

  it('typed results: LSTM gives [output, [h_n, c_n]], GRU/RNN [output, h_n], LSTMCell [h, c]', () => {
    const [o, [h, c]] = new nn.LSTM(3, 4, { batchFirst: true })(torch.randn([2, 5, 3]));
    const [o2, h2] = new nn.GRU(3, 4)(torch.randn([5, 2, 3]));
    const [h3, c3] = new nn.LSTMCell(3, 4)(torch.randn([2, 3]));
    const h4 = new nn.GRUCell(3, 4)(torch.randn([2, 3]));
    expect([o, h, c, o2, h2, h3, c3, h4].map((t) => t.shape)).toEqual([
      [2, 5, 4],
      [1, 2, 4],
      [1, 2, 4],
      [5, 2, 4],
      [1, 2, 4],
      [2, 4],
      [2, 4],
      [2, 4],
    ]);
  });
});
