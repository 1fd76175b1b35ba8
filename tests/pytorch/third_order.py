# PyTorch 1.13's third derivatives of the registry's differentiable elementwise ops, in float64:
# `/usr/bin/python3 tests/pytorch/third_order.py` reads elementwise_ops.json (written from the
# registry by `npm run ops:export`) and writes third_order.json. For each op, at fixed inputs away
# from kinks and outside the domain's edges:
#   g1 = grad(f(*xs).sum(), xs, create_graph)   s1 = sum of every g1
#   g2 = grad(s1, xs, create_graph)             s2 = sum of every g2 (None: skipped)
#   g3 = grad(s2, xs)                           (None where PyTorch has no third-order graph)
# so g3[k][i] is the derivative of s2 with respect to xs[k][i]. Floats are written with repr, which
# round-trips float64 exactly.
import json, os
import torch
torch.set_num_threads(1)

HERE = os.path.dirname(os.path.abspath(__file__))
X = [-1.3, -0.2, 0.3, 0.55, 1.3]          # away from the kinks 0, +-1, -0.5, 0.7 (relu, abs, hardtanh, clamp)
POS = [0.3, 0.55, 1.3, 1.7, 2.2]          # log, sqrt: inside their domain
B = [0.7, -0.9, 1.1, 0.2, -0.4]           # never equal to X (maximum/minimum ties), never 0 (div)
BPOS = [0.7, 0.9, 1.1, 0.2, 0.4]          # xlogy's y
FIRST = {'log': POS, 'sqrt': POS, 'pow': POS}
SECOND = {'xlogy': BPOS}

def lists(ts):
    # A zero gradient may come back as PyTorch's ZeroTensor (no storage): written as its zeros.
    return [None if t is None else (torch.zeros(t.shape, dtype=t.dtype) if t._is_zerotensor() else t.detach()).tolist() for t in ts]

def run(op):
    f = getattr(torch, op['py'], None) or getattr(torch.nn.functional, op['py'])
    data = [FIRST.get(op['name'], X)] if op['arity'] == 1 else [FIRST.get(op['name'], X), SECOND.get(op['name'], B)]
    xs = [torch.tensor(d, dtype=torch.float64, requires_grad=True) for d in data]
    y = f(*xs, *op['extra'])
    g1 = torch.autograd.grad(y.sum(), xs, create_graph=True, allow_unused=True)
    s1 = sum(g.sum() for g in g1 if g is not None)
    g2 = torch.autograd.grad(s1, xs, create_graph=True, allow_unused=True) if s1.requires_grad else [None] * len(xs)
    live = [g for g in g2 if g is not None]
    s2 = sum(g.sum() for g in live) if live else None
    has = s2 is not None and s2.requires_grad
    g3 = torch.autograd.grad(s2, xs, allow_unused=True) if has else [None] * len(xs)
    return {'inputs': data, 'extra': op['extra'], 'g2': lists(g2), 'g3': lists(g3), 'hasThird': has}

ops = [op for op in json.load(open(os.path.join(HERE, 'elementwise_ops.json'))) if op['grad']]
res = {op['name']: run(op) for op in ops}
with open(os.path.join(HERE, 'third_order.json'), 'w') as fh:
    json.dump({'generatedBy': '/usr/bin/python3 tests/pytorch/third_order.py', 'torch': torch.__version__, 'ops': res}, fh, indent=1)
print(len(res), 'ops;', 'no third-order graph:', [k for k, v in res.items() if not v['hasThird']])
