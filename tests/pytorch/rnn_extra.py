# PyTorch 1.13 reference for tests/rnn.test.ts: nn.RNN, LSTM (projections, unbatched, eval with dropout),
# GRU (no bias, unbatched) and the cells RNNCell / LSTMCell / GRUCell, as module cases in the format of
# ../shared/golden-train/modules.json (README-ops-modules.md), float32 and float64, plus the error texts of
# the argument and shape checks.
# Run: /usr/bin/python3 tests/pytorch/rnn_extra.py > tests/pytorch/rnn_extra.json
import json
import torch
import torch.nn as nn

torch.set_num_threads(1)


def tspec(t, rg=False):
    d = {"shape": list(t.shape), "data": [float(v) for v in t.detach().reshape(-1).tolist()]}
    if rg:
        d["requires_grad"] = True
    return d


def nest(x, f):
    return [nest(v, f) for v in x] if isinstance(x, (list, tuple)) else f(x)


def flat(x):
    return [w for v in x for w in flat(v)] if isinstance(x, (list, tuple)) else [x]


# name, module type, args, kwargs, mode, inputs (name -> shape), forward args (refs; a list is a tuple)
SPECS = [
    ("RNN_tanh", "RNN", [3, 4], {}, "train", {"x": [5, 2, 3]}, ["x"]),
    ("RNN_relu_2layers_bidirectional_batch_first_h0", "RNN", [3, 4],
     {"num_layers": 2, "nonlinearity": "relu", "bidirectional": True, "batch_first": True}, "train",
     {"x": [2, 5, 3], "h0": [4, 2, 4]}, ["x", "h0"]),
    ("RNN_nobias_unbatched_h0", "RNN", [3, 4], {"bias": False}, "train", {"x": [5, 3], "h0": [1, 4]}, ["x", "h0"]),
    ("LSTM_proj_2layers_bidirectional_h0_c0", "LSTM", [3, 5], {"proj_size": 2, "num_layers": 2, "bidirectional": True},
     "train", {"x": [4, 2, 3], "h0": [4, 2, 2], "c0": [4, 2, 5]}, ["x", ["h0", "c0"]]),
    ("LSTM_unbatched_h0_c0", "LSTM", [3, 4], {}, "train", {"x": [5, 3], "h0": [1, 4], "c0": [1, 4]}, ["x", ["h0", "c0"]]),
    ("LSTM_3layers_dropout_eval", "LSTM", [3, 4, 3], {"dropout": 0.5}, "eval", {"x": [4, 2, 3]}, ["x"]),
    ("LSTM_positional_nobias_batch_first", "LSTM", [3, 4, 1, False, True], {}, "train", {"x": [2, 4, 3]}, ["x"]),
    ("GRU_nobias_bidirectional_unbatched", "GRU", [3, 4], {"bias": False, "bidirectional": True}, "train",
     {"x": [5, 3]}, ["x"]),
    ("GRU_seq_first_h0", "GRU", [2, 3], {}, "train", {"x": [6, 3, 2], "h0": [1, 3, 3]}, ["x", "h0"]),
    ("RNNCell_h", "RNNCell", [3, 4], {}, "train", {"x": [2, 3], "h": [2, 4]}, ["x", "h"]),
    ("RNNCell_relu_nobias_unbatched", "RNNCell", [3, 4], {"bias": False, "nonlinearity": "relu"}, "train",
     {"x": [3]}, ["x"]),
    ("LSTMCell_h_c", "LSTMCell", [3, 4], {}, "train", {"x": [2, 3], "h": [2, 4], "c": [2, 4]}, ["x", ["h", "c"]]),
    ("LSTMCell_unbatched", "LSTMCell", [3, 4], {}, "train", {"x": [3]}, ["x"]),
    ("GRUCell_h", "GRUCell", [3, 4], {}, "train", {"x": [2, 3], "h": [2, 4]}, ["x", "h"]),
    ("GRUCell_nobias_unbatched_h", "GRUCell", [3, 4], {"bias": False}, "train", {"x": [3], "h": [4]}, ["x", "h"]),
]

cases = []
seed = 0
for name, typ, args, kwargs, mode, ins, fargs in SPECS:
    for dt, sfx in ((torch.float32, "f32"), (torch.float64, "f64")):
        seed += 1
        torch.manual_seed(seed)
        m = getattr(nn, typ)(*args, **kwargs).to(dt)
        m.train(mode == "train")
        inputs = {k: torch.randn(s, dtype=dt).requires_grad_() for k, s in ins.items()}
        call = [nest(a, lambda r: inputs[r]) for a in fargs]
        out = m(*call)
        outs = flat(out)
        grads = [torch.randn(o.shape, dtype=dt) for o in outs]
        torch.autograd.backward(outs, grads)
        gi = iter(grads)
        expected_grads = {f"input:{k}": tspec(v.grad) for k, v in inputs.items()}
        expected_grads.update({k: tspec(p.grad) if p.grad is not None else None for k, p in m.named_parameters()})
        f32 = dt == torch.float32
        cases.append({
            "name": f"rnn_extra/{name}_{sfx}",
            "dtype": "float32" if f32 else "float64",
            "module": {"type": typ, "args": args, "kwargs": kwargs},
            "state_dict": {k: tspec(v) for k, v in m.state_dict().items()},
            "mode": mode,
            "inputs": {k: tspec(v, True) for k, v in inputs.items()},
            "forward": {"args": fargs},
            "backward": {"gradient": nest(out, lambda o: tspec(next(gi)))},
            "expected": {
                "output": nest(out, tspec),
                "grads": expected_grads,
                "state_dict_after": {},
                "repr": str(m),
                "parameters": [k for k, _ in m.named_parameters()],
                "num_parameters": sum(p.numel() for p in m.parameters()),
            },
            "tolerance": {"rtol": 5e-4, "atol": 5e-5} if f32 else {"rtol": 1e-8, "atol": 1e-10},
        })


def err(f):
    try:
        f()
    except Exception as e:  # noqa: BLE001
        return [type(e).__name__, str(e)]
    raise AssertionError("no error")


r = torch.randn
errors = {
    "lstm_input_size": err(lambda: nn.LSTM(3, 4)(r(5, 2, 4))),
    "lstm_4d": err(lambda: nn.LSTM(3, 4)(r(2, 2, 2, 3))),
    "lstm_1d": err(lambda: nn.LSTM(3, 4)(r(3))),
    "lstm_c_size": err(lambda: nn.LSTM(3, 4, 2)(r(5, 2, 3), (r(2, 2, 4), r(1, 2, 4)))),
    "lstm_h_size": err(lambda: nn.LSTM(3, 4, 2)(r(5, 2, 3), (r(2, 3, 4), r(2, 2, 4)))),
    "lstm_proj_h_size": err(lambda: nn.LSTM(3, 4, proj_size=2)(r(5, 2, 3), (r(1, 2, 4), r(1, 2, 4)))),
    "lstm_unbatched_hx": err(lambda: nn.LSTM(3, 4, 2)(r(5, 3), (r(2, 2, 4), r(2, 4)))),
    "lstm_batched_hx": err(lambda: nn.LSTM(3, 4)(r(5, 2, 3), (r(2, 4), r(1, 2, 4)))),
    "gru_unbatched_hx": err(lambda: nn.GRU(3, 4)(r(5, 3), r(1, 1, 4))),
    "gru_batched_hx": err(lambda: nn.GRU(3, 4)(r(5, 1, 3), r(1, 4))),
    "rnn_hidden_size": err(lambda: nn.RNN(3, 4)(r(5, 1, 3), r(1, 2, 4))),
    "rnn_batch_first_hidden": err(lambda: nn.RNN(3, 4, batch_first=True)(r(2, 5, 3), r(1, 5, 4))),
    "dropout_range": err(lambda: nn.LSTM(3, 4, dropout=2)),
    "proj_too_big": err(lambda: nn.LSTM(3, 4, proj_size=4)),
    "proj_negative": err(lambda: nn.LSTM(3, 4, proj_size=-1)),
    "proj_gru": err(lambda: nn.GRU(3, 4, proj_size=2)),
    "proj_rnn": err(lambda: nn.RNN(3, 4, proj_size=2)),
    "nonlinearity": err(lambda: nn.RNN(3, 4, nonlinearity="gelu")),
    "cell_input_size": err(lambda: nn.GRUCell(3, 4)(r(2, 5))),
    "cell_batch": err(lambda: nn.LSTMCell(3, 4)(r(2, 3), (r(3, 4), r(2, 4)))),
    "cell_hidden_size": err(lambda: nn.RNNCell(3, 4)(r(2, 3), r(2, 5))),
    "cell_c_hidden_size": err(lambda: nn.LSTMCell(3, 4)(r(2, 3), (r(2, 4), r(2, 5)))),
    "cell_unbatched_batched_h": err(lambda: nn.GRUCell(3, 4)(r(3), r(2, 4))),
    "cell_3d": err(lambda: nn.LSTMCell(3, 4)(r(2, 2, 3))),
    "rnncell_3d": err(lambda: nn.RNNCell(3, 4)(r(2, 2, 3))),
    "empty_sequence": err(lambda: nn.LSTM(3, 4, batch_first=True)(r(2, 0, 3))),
    "empty_sequence_unbatched": err(lambda: nn.RNN(3, 4)(r(0, 3))),
    "gru_kwarg": err(lambda: nn.GRU(3, 4, batchfirst=True)),
}
reprs = [str(m) for m in [
    nn.LSTM(3, 4, num_layers=2, batch_first=True, bidirectional=True),
    nn.LSTM(3, 4, proj_size=2, dropout=0.25, bias=False, num_layers=2),
    nn.RNN(3, 4, nonlinearity="relu"),
    nn.GRU(10, 20, 3, dropout=1.0),
    nn.RNNCell(3, 4, bias=False, nonlinearity="relu"),
    nn.LSTMCell(3, 4),
    nn.GRUCell(3, 4, False),
    nn.Sequential(nn.LSTM(2, 3), nn.GRUCell(3, 3)),
]]
json.dump({"format": 1, "group": "modules", "torch_version": torch.__version__, "cases": cases,
           "errors": errors, "reprs": reprs}, __import__("sys").stdout)
