# PyTorch 1.13's values and gradients of the registry's elementwise ops at extreme inputs (NaN,
# ±inf, ±0, huge, tiny, subnormal), in float32 and float64: `/usr/bin/python3 tests/pytorch/extremes.py`
# reads elementwise_ops.json (written from the registry by `npm run ops:export`) and writes
# extremes.json. Every number is stored as the hex of its float64 bits (float32 results widened
# exactly), so NaN, infinities and -0 survive JSON.
import json, math, os, struct
import torch
torch.set_num_threads(1)

HERE = os.path.dirname(os.path.abspath(__file__))
NAN, INF = float('nan'), float('inf')
UNARY = [NAN, INF, -INF, 0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 1e-30, -1e-30, 1e30, -1e30, 1e-40, 5e-324, 1e300, -1e300, 3e38]
BINARY = [NAN, INF, -INF, 0.0, -0.0, 1.0, -2.5, 1e-30, 1e30]
DT = {'float32': torch.float32, 'float64': torch.float64}

def hexes(t):
    return [struct.pack('>d', float(v)).hex() for v in t.detach().double().reshape(-1).tolist()]

def run(op, dtype):
    # torch.<py>, else nn.functional's (gelu, silu, elu, softplus, hardtanh)
    f = getattr(torch, op['py'], None) or getattr(torch.nn.functional, op['py'])
    if op['arity'] == 1:
        xs = [torch.tensor(UNARY, dtype=DT[dtype], requires_grad=op['grad'])]
        args = [xs[0], *op['extra']]
        inputs = [UNARY]
    else:
        a = [p for p in BINARY for _ in BINARY]
        b = [q for _ in BINARY for q in BINARY]
        xs = [torch.tensor(a, dtype=DT[dtype], requires_grad=op['grad']), torch.tensor(b, dtype=DT[dtype], requires_grad=op['grad'])]
        args = xs
        inputs = [a, b]
    y = f(*args)
    out = {'inputs': [hexes(torch.tensor(v, dtype=DT[dtype])) for v in inputs], 'value': hexes(y)}
    if op['grad']:
        y.backward(torch.ones_like(y))
        out['grads'] = [hexes(x.grad) if x.grad is not None else None for x in xs]
    return out

ops = json.load(open(os.path.join(HERE, 'elementwise_ops.json')))
res = {op['name']: {dt: run(op, dt) for dt in DT} for op in ops}
json.dump(res, open(os.path.join(HERE, 'extremes.json'), 'w'), indent=0, sort_keys=True)
print(f'{len(res)} ops')
