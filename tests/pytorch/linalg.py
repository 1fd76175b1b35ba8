# PyTorch 1.13's torch.linalg.svd / svdvals / matrix_norm and torch.norm(p='nuc'): values, gradients
# (sign-invariant losses, since singular vectors are defined up to sign), second derivatives, node
# chains and error messages. `/usr/bin/python3 tests/pytorch/linalg.py` writes linalg.json; floats
# are written with repr (float64 round-trips exactly).
import json, os
import torch
torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(7)

def mat(shape, dtype=torch.float64):
    return torch.randn(shape, dtype=torch.float64).to(dtype)

def chain(t):
    out, f = [], t.grad_fn
    while f is not None:
        out.append(type(f).__name__)
        nf = [n for n, _ in f.next_functions if n is not None]
        f = nf[0] if nf else None
    return out

def tree(f):
    # Every node below f in preorder, None for an input that needs no gradient.
    if f is None:
        return [None]
    out = [type(f).__name__]
    for n, _ in f.next_functions:
        out += tree(n)
    return out

def weights(shape, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(shape, generator=g, dtype=torch.float64) + 0.5

cases = []
for shape in [[3, 4], [4, 3], [3, 3], [2, 3, 5], [5, 2], [1, 4], [2, 2, 3, 2]]:
    a = mat(shape)
    k = min(shape[-2:])
    c = {'shape': shape, 'A': a.tolist()}
    U, S, Vh = torch.linalg.svd(a, full_matrices=False)
    c['S'] = S.tolist(); c['U'] = U.tolist(); c['Vh'] = Vh.tolist()
    c['nuc'] = torch.linalg.matrix_norm(a, 'nuc').tolist()
    c['two'] = torch.linalg.matrix_norm(a, 2).tolist()
    c['minusTwo'] = torch.linalg.matrix_norm(a, -2).tolist()
    ws = weights(S.shape, 1); wu = weights(U.shape, 2); wv = weights(Vh.shape, 3); w2 = weights(a.shape, 4)
    c['wS'] = ws.tolist(); c['wU'] = wu.tolist(); c['wVh'] = wv.tolist(); c['w2'] = w2.tolist()
    x = a.clone().requires_grad_()
    # svdvals, and the second derivative: d/dA sum(w2 * d(sum(wS * S))/dA)
    s = torch.linalg.svdvals(x)
    g, = torch.autograd.grad((s * ws).sum(), x, create_graph=True)
    c['gradSvdvals'] = g.tolist()
    c['grad2Svdvals'] = torch.autograd.grad((g * w2).sum(), x)[0].tolist()
    for full in (False, True):
        U, S, Vh = torch.linalg.svd(x, full_matrices=full)
        Ur, Vhr = U[..., :k], Vh[..., :k, :]
        loss = (ws * S).sum() + (wu * Ur * Ur).sum() + (wv * Vhr * Vhr).sum()
        g, = torch.autograd.grad(loss, x, create_graph=True)
        key = 'Full' if full else 'Reduced'
        c['gradSvd' + key] = g.tolist()
        c['grad2Svd' + key] = torch.autograd.grad((g * w2).sum(), x)[0].tolist()
    for name, ord in (('Nuc', 'nuc'), ('Two', 2), ('MinusTwo', -2)):
        n = torch.linalg.matrix_norm(x, ord)
        c['w' + name] = weights(n.shape, 5).tolist()
        g, = torch.autograd.grad((n * weights(n.shape, 5)).sum(), x, create_graph=True)
        c['grad' + name] = g.tolist()
        c['grad2' + name] = torch.autograd.grad((g * w2).sum(), x)[0].tolist()
    cases.append(c)

# float32: values (computed in float64 inside asgrad, rounded), a gradient.
f32 = []
for shape in [[3, 4], [4, 2]]:
    a = mat(shape, torch.float32)
    x = a.clone().requires_grad_()
    n = torch.norm(x, 'nuc')
    n.backward()
    f32.append({'A': a.tolist(), 'S': torch.linalg.svdvals(a).tolist(), 'nuc': n.item(), 'grad': x.grad.tolist()})

# torch.norm(p='nuc') over dims, keepdim
x = mat([2, 3, 4]).requires_grad_()
normDims = []
for dim, keep in (((0, 2), False), ((2, 0), True), ((-1, -2), False), ((1, 2), True)):
    n = torch.norm(x, 'nuc', dim=dim, keepdim=keep)
    g, = torch.autograd.grad(n.sum(), x)
    normDims.append({'dim': list(dim), 'keepdim': keep, 'value': n.tolist(), 'shape': list(n.shape), 'grad': g.tolist(), 'chain': chain(n)})
md = []
for ord in ('fro', 'nuc', 2, -2):
    for dim, keep in (((-2, -1), False), ((2, 0), True)):
        n = torch.linalg.matrix_norm(x, ord, dim=dim, keepdim=keep)
        g, = torch.autograd.grad(n.sum(), x)
        md.append({'ord': ord, 'dim': list(dim), 'keepdim': keep, 'value': n.tolist(), 'shape': list(n.shape), 'grad': g.tolist(), 'chain': chain(n)})

x0 = x[0].detach().clone().requires_grad_()
chains = {
    'svdvals': chain(torch.linalg.svdvals(x)),
    'svd': [chain(t) for t in torch.linalg.svd(x)],
    'nuc2d': chain(torch.norm(x[0], 'nuc')),
    'grad2nuc': chain(torch.autograd.grad(torch.norm(x0, 'nuc'), x0, create_graph=True)[0]),
    'grad2fro': tree(torch.autograd.grad(torch.linalg.matrix_norm(x, dim=(2, 0)).sum(), x, create_graph=True)[0].grad_fn),
}
# 'fro' of an all-zero matrix: PyTorch's gradient is 0 there (the masked division), not NaN.
z = torch.zeros(2, 3, dtype=torch.float64, requires_grad=True)
chains['zeroFroGrad'] = torch.autograd.grad(torch.linalg.matrix_norm(z), z)[0].flatten().tolist()
x2 = x.detach().clone().requires_grad_()
g1, = torch.autograd.grad(torch.linalg.matrix_norm(x2, dim=(0, 2)).sum(), x2, create_graph=True)
w3 = weights([2, 3, 4], 3)
chains['fro2ndW'] = w3.flatten().tolist()
chains['fro2ndGrad'] = torch.autograd.grad((g1 * w3).sum(), x2)[0].flatten().tolist()

def err(f):
    try:
        f()
    except Exception as e:
        return [type(e).__name__, str(e)]
    return None

errors = {
    'svd1d': err(lambda: torch.linalg.svd(torch.randn(3))),
    'svdvals1d': err(lambda: torch.linalg.svdvals(torch.randn(3))),
    'svdLong': err(lambda: torch.linalg.svd(torch.ones(3, 3, dtype=torch.int64))),
    'svdvalsLong': err(lambda: torch.linalg.svdvals(torch.ones(3, 3, dtype=torch.int64))),
    'nucLong': err(lambda: torch.norm(torch.ones(3, 3, dtype=torch.int64), 'nuc')),
    'nuc3d': err(lambda: torch.norm(torch.randn(2, 3, 3), 'nuc')),
    'nucOneDim': err(lambda: torch.norm(torch.randn(3, 3), 'nuc', dim=[0])),
    'mn1d': err(lambda: torch.linalg.matrix_norm(torch.randn(3), 'nuc')),
    'mnOrd3': err(lambda: torch.linalg.matrix_norm(torch.randn(3, 3), 3)),
    'mnOrdFoo': err(lambda: torch.linalg.matrix_norm(torch.randn(3, 3), 'foo')),
    'mnSameDims': err(lambda: torch.linalg.matrix_norm(torch.randn(3, 3), 'nuc', dim=(0, 0))),
    'mnLong': err(lambda: torch.linalg.matrix_norm(torch.ones(3, 3, dtype=torch.int64), 'nuc')),
}
# empty matrices: full factors are identities
U, S, Vh = torch.linalg.svd(torch.zeros(0, 3, dtype=torch.float64))
empty = {'U': list(U.shape), 'S': list(S.shape), 'Vh': Vh.tolist()}

json.dump({'x3': x.tolist(), 'cases': cases, 'float32': f32, 'normDims': normDims, 'matrixNormDims': md, 'chains': chains, 'errors': errors, 'empty': empty},
          open(os.path.join(HERE, 'linalg.json'), 'w'))
print('linalg.json:', len(cases), 'cases')
