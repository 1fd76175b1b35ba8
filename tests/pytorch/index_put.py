# PyTorch 1.13's index_put / index_put_ with int64 index tensors and bool masks: results, gradients
# of self and values (loss = sum(out * W)), node names, and error messages.
# `/usr/bin/python3 tests/pytorch/index_put.py` writes index_put.json (floats by repr: exact).
import json, os
import torch
torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(3)

def enc(t):
    return {'bools' if t.dtype == torch.bool else 'ints': t.flatten().tolist(), 'shape': list(t.shape)}

def L(*v):
    return torch.tensor(v, dtype=torch.int64)

SPECS = [
    ([3, 4], [L(0, 2)], [4], False),
    ([3, 4], [L(0, 2)], [], True),
    ([3, 4], [L(2, -3, 1), L(1, 3, -1)], [3], False),
    ([3, 4], [L(0, 2, 0)], [4], True),
    ([3, 4], [L(1, 1, 1), L(2, 2, 0)], [3], True),
    ([3, 4], [L(1, 1), L(2, 2)], [2], False),
    ([2, 3, 4], [torch.tensor([[1, 0], [0, 1]]), L(2, 0)], [2, 2, 4], False),
    ([2, 3, 4], [L(1), L(0, 2)], [1, 4], True),
    ([2, 3, 4], [torch.tensor([True, False]), L(1, 2)], [2, 4], False),
    ([2, 3, 4], [torch.tensor([[True, False, True], [False, False, True]])], [4], True),
    ([2, 3, 4], [torch.tensor(1), L(2, 0), L(-1, 1)], [], False),
    ([2, 3], [L(1, 0), L(2, 2)], [2], True),
]
cases = []
for shape, idx, vshape, acc in SPECS:
    x = torch.randn(shape, dtype=torch.float64, requires_grad=True)
    v = torch.randn(vshape, dtype=torch.float64, requires_grad=True)
    out = torch.index_put(x, tuple(idx), v, accumulate=acc)
    W = torch.rand(out.shape, dtype=torch.float64) + 0.5
    gx, gv = torch.autograd.grad((out * W).sum(), (x, v), create_graph=True)
    # in place on a non-leaf: the node of the written tensor
    y = x * 1
    y.index_put_(tuple(idx), v, accumulate=acc)
    cases.append({'shape': shape, 'x': x.tolist(), 'indices': [enc(t) for t in idx], 'vshape': vshape, 'v': v.tolist(), 'accumulate': acc,
                  'out': out.tolist(), 'W': W.tolist(), 'gx': gx.tolist(), 'gv': gv.tolist(),
                  'node': out.grad_fn.name(), 'inplaceNode': y.grad_fn.name(),
                  'gvNode': gv.grad_fn.name() if gv.grad_fn else None, 'gxNode': gx.grad_fn.name() if gx.grad_fn else None,
                  'inplaceOut': y.tolist()})

f32 = torch.randn(3, 4)
f32v = torch.randn(4)
f32out = f32.clone().index_put_((L(1, 1, 0),), f32v, accumulate=True)

def err(f):
    try:
        f()
    except Exception as e:
        return [type(e).__name__, str(e)]
    return None

z = lambda: torch.zeros(3, 4)
errors = {
    'outOfRange': err(lambda: z().index_put_((L(5),), torch.tensor(1.))),
    'negOutOfRange': err(lambda: z().index_put_((L(-4),), torch.tensor(1.))),
    'secondDim': err(lambda: z().index_put_((L(0), L(7)), torch.tensor(1.))),
    'broadcastIdx': err(lambda: z().index_put_((L(0, 1), L(1, 2, 3)), torch.tensor(1.))),
    'valuesShape': err(lambda: z().index_put_((L(0, 1), L(1, 2)), torch.tensor([1., 2, 3]))),
    'valuesShape2': err(lambda: z().index_put_((L(1, 2),), torch.tensor([5., 6]))),
    'floatIndex': err(lambda: z().index_put_((torch.tensor([0., 0]),), torch.tensor([1.]))),
    'tooMany': err(lambda: z().index_put_((L(0), L(0), L(0)), torch.tensor([1.]))),
    'dtype': err(lambda: z().index_put_((L(1, 2),), torch.tensor([5., 6, 7, 8], dtype=torch.float64))),
    'dtypeAndShape': err(lambda: z().index_put_((L(1, 2),), torch.tensor([5., 6], dtype=torch.float64))),
    'none': err(lambda: z().index_put_((None, L(1, 2)), torch.tensor(1.))),
    'maskShape': err(lambda: z().index_put_((torch.tensor([True, False]),), torch.tensor(1.))),
}
json.dump({'cases': cases, 'float32': {'x': f32.tolist(), 'v': f32v.tolist(), 'out': f32out.tolist()}, 'errors': errors},
          open(os.path.join(HERE, 'index_put.json'), 'w'))
print('index_put.json:', len(cases), 'cases')
print(errors)
print([(c['node'], c['inplaceNode'], c['gvNode'], c['gxNode']) for c in cases][:3])
