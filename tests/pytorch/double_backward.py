# PyTorch 1.13's double backward of conv1d / conv2d / conv_transpose2d (ConvolutionBackwardBackward0),
# layer_norm (NativeLayerNormBackwardBackward0) and batch_norm (NativeBatchNormBackwardBackward0):
#   y = f(x, w, b); R (the upstream gradient) requires grad
#   gx, gw, gb = grad(y, (x, w, b), grad_outputs=R, create_graph=True)
#   h = grad(sum(gx * A) + sum(gw * B) + sum(gb * C), (x, w, R))
# with the node names of gx's grad_fn and its next functions.
# `/usr/bin/python3 tests/pytorch/double_backward.py` writes double_backward.json (floats by repr).
import json, os
import torch
import torch.nn.functional as F
torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(11)

def r(*shape):
    return torch.randn(*shape, dtype=torch.float64)

CASES = [
    ('conv2d', [2, 3, 5, 5], [4, 3, 3, 3], [4], {'padding': 1}),
    ('conv2d', [1, 4, 6, 5], [4, 2, 3, 2], [4], {'stride': 2, 'groups': 2}),
    ('conv1d', [2, 3, 7], [4, 3, 3], [4], {'dilation': 2}),
    ('conv_transpose2d', [2, 3, 4, 4], [3, 2, 3, 3], [2], {'stride': 2, 'output_padding': 1}),
    ('layer_norm', [2, 3, 5], [5], [5], {}),
    ('batch_norm', [4, 3, 2], [3], [3], {'training': True}),
    ('batch_norm', [4, 3, 2], [3], [3], {'training': False}),
]
out = []
for op, xs, ws, bs, kw in CASES:
    x = r(*xs).requires_grad_(); w = r(*ws).requires_grad_(); b = r(*bs).requires_grad_()
    rm, rv = r(*ws) * 0.1, r(*ws).abs() + 0.5
    if op == 'layer_norm':
        f = lambda x, w, b: F.layer_norm(x, ws, w, b)
    elif op == 'batch_norm':
        f = lambda x, w, b: F.batch_norm(x, rm.clone(), rv.clone(), w, b, **kw)
    else:
        f = lambda x, w, b: getattr(F, op)(x, w, b, **kw)
    y = f(x, w, b)
    R = r(*y.shape).requires_grad_()
    gx, gw, gb = torch.autograd.grad(y, (x, w, b), grad_outputs=R, create_graph=True)
    A, B, C = r(*gx.shape), r(*gw.shape), r(*gb.shape)
    hx, hw, hR = torch.autograd.grad((gx * A).sum() + (gw * B).sum() + (gb * C).sum(), (x, w, R), allow_unused=True)
    z = lambda t, s: (t if t is not None else torch.zeros(s, dtype=torch.float64)).tolist()
    out.append({'op': op, 'kw': kw, 'x': x.tolist(), 'w': w.tolist(), 'b': b.tolist(), 'rm': rm.tolist(), 'rv': rv.tolist(),
                'R': R.tolist(), 'A': A.tolist(), 'B': B.tolist(), 'C': C.tolist(),
                'xshape': xs, 'wshape': ws, 'bshape': bs, 'yshape': list(y.shape),
                'gx': gx.tolist(), 'hx': z(hx, xs), 'hw': z(hw, ws), 'hR': z(hR, list(y.shape)),
                'node': gx.grad_fn.name(), 'next': [n.name() if n else None for n, _ in gx.grad_fn.next_functions],
                'sameNode': gw.grad_fn is gx.grad_fn})
json.dump(out, open(os.path.join(HERE, 'double_backward.json'), 'w'))
for c in out: print(c['op'], c['kw'], c['node'], c['next'], c['sameNode'])
