# Edge-case semantics computed by PyTorch 1.13: values and gradients at NaN, +-inf, +-0 and ties,
# dtype promotion of mixed-dtype ops, requires_grad of gradients built with create_graph=True (and
# the second-order values that follow), and the errors PyTorch raises.
#   /usr/bin/python3 tests/pytorch/semantics.py   writes tests/pytorch/semantics.json
# The TypeScript side (tests/semantics.test.ts) replays every case through asgrad's public API.
# Deterministic: no random numbers, every input is listed here.
import json, math, operator, os, warnings
import torch
import torch.nn.functional as F

warnings.filterwarnings('ignore')
torch.set_num_threads(1)
assert torch.__version__.startswith('1.13'), torch.__version__

NAN, INF = float('nan'), float('inf')
DT = {'float32': torch.float32, 'float64': torch.float64}


def enc(v):
    """JSON has no NaN/inf/-0: they travel as strings."""
    if isinstance(v, bool): return v
    if isinstance(v, int): return v
    if math.isnan(v): return 'nan'
    if v == INF: return 'inf'
    if v == -INF: return '-inf'
    if v == 0 and math.copysign(1, v) < 0: return '-0'
    return v


def tspec(data, shape=None, dtype='float64', rg=True):
    flat = data if isinstance(data, list) else [data]
    shape = [len(flat)] if shape is None and isinstance(data, list) else (shape if shape is not None else [])
    return {'t': {'data': [enc(float(v)) for v in flat], 'shape': shape, 'dtype': dtype, 'rg': rg}}


def idx(vals, shape=None):
    return {'idx': vals, 'shape': shape if shape is not None else ([len(vals)] if isinstance(vals, list) else [])}


def boolt(vals, shape=None):
    return {'bool': vals, 'shape': shape if shape is not None else [len(vals)]}


def mk(a):
    if isinstance(a, dict) and 't' in a:
        s = a['t']
        data = [float(v) if not isinstance(v, str) else {'nan': NAN, 'inf': INF, '-inf': -INF, '-0': -0.0}[v] for v in s['data']]
        t = torch.tensor(data, dtype=DT[s['dtype']]).reshape(s['shape'])
        return t.requires_grad_(s['rg'])
    if isinstance(a, dict) and 'idx' in a:
        return torch.tensor(a['idx'], dtype=torch.long).reshape(a['shape'])
    if isinstance(a, dict) and 'bool' in a:
        return torch.tensor(a['bool'], dtype=torch.bool).reshape(a['shape'])
    if isinstance(a, dict) and 'tl' in a:
        return [mk(x) for x in a['tl']]
    return a


def red(f):
    def g(x, dim=None, keepdim=False):
        if dim is None: return f(x)
        return f(x, dim=tuple(dim) if isinstance(dim, list) else dim, keepdim=keepdim)
    return g


def varlike(f):
    def g(x, dim=None, unbiased=True, keepdim=False):
        if dim is None: return f(x, unbiased=unbiased)
        return f(x, dim=tuple(dim) if isinstance(dim, list) else dim, unbiased=unbiased, keepdim=keepdim)
    return g


def binop(name, pyop):
    f = getattr(torch, name)
    return lambda a, b: f(a, b) if isinstance(a, torch.Tensor) else pyop(a, b)


# The op vocabulary; tests/semantics.test.ts has the same names.
OPS = {
    **{n: getattr(torch, n) for n in ['neg', 'exp', 'log', 'sqrt', 'abs', 'sin', 'cos', 'tanh', 'sigmoid', 'relu',
                                      'square', 'reciprocal', 'sign']},
    **{n: getattr(torch, n) for n in ['maximum', 'minimum', 'where']},
    # A number first is Python's operator form (`2 - x`, `2 ** x`), which asgrad's torch.sub(2, x)
    # and torch.pow(2, x) stand for (JavaScript has no operator overloading), as in the fuzzer.
    **{n: binop(n, f) for n, f in [('add', operator.add), ('sub', operator.sub), ('mul', operator.mul),
                                    ('div', operator.truediv), ('pow', operator.pow)]},
    'leaky_relu': lambda x, s: F.leaky_relu(x, s),
    'clamp': lambda x, lo, hi: x.clamp(lo, hi),
    'sum': red(torch.sum), 'mean': red(torch.mean), 'amax': lambda x, dim=(), keepdim=False: torch.amax(x, dim, keepdim),
    'amin': lambda x, dim=(), keepdim=False: torch.amin(x, dim, keepdim),
    'logsumexp': lambda x, dim, keepdim=False: torch.logsumexp(x, dim, keepdim),
    'var': varlike(torch.var), 'std': varlike(torch.std),
    'softmax': lambda x, d: torch.softmax(x, d), 'log_softmax': lambda x, d: torch.log_softmax(x, d),
    'mse_loss': lambda a, b, r='mean': F.mse_loss(a, b, reduction=r),
    'bce_logits': lambda a, b, r='mean': F.binary_cross_entropy_with_logits(a, b, reduction=r),
    'nll_loss': lambda a, b, r='mean': F.nll_loss(a, b, reduction=r),
    'cross_entropy': lambda a, b, r='mean': F.cross_entropy(a, b, reduction=r),
    'linear': lambda x, w, b=None: F.linear(x, w, b),
    'select': lambda x, d, i: x.select(d, i), 'narrow': lambda x, d, s, l: x.narrow(d, s, l),
    'index_select': lambda x, d, i: x.index_select(d, i),
    'add_': lambda x, y: x.clone().add_(y) if x.requires_grad else x.add_(y),
    'mul_': lambda x, y: x.clone().mul_(y) if x.requires_grad else x.mul_(y),
    'matmul': torch.matmul,
    'relu_add': lambda a, b: torch.relu(a + b),
    'gt': lambda a, b: torch.gt(a, b),
    'relu_stack': lambda a, b: torch.relu(torch.stack([a, b], 1)),
    'mm': torch.mm, 'mv': torch.mv, 'bmm': torch.bmm, 'dot': torch.dot, 'addmm': torch.addmm,
    'cat': lambda a, b, d: torch.cat([a, b], d), 'stack': lambda a, b, d: torch.stack([a, b], d),
    'transpose': lambda x, a, b: x.transpose(a, b), 'squeeze': lambda x, d: x.squeeze(d),
    'unsqueeze': lambda x, d: x.unsqueeze(d), 'flatten': lambda x, a, b: x.flatten(a, b),
    'permute': lambda x, p: x.permute(p), 'expand': lambda x, s: x.expand(s), 'reshape': lambda x, s: x.reshape(s),
    't': lambda x: x.t(), 'to': lambda x, d: x.to(DT[d]), 'clone': lambda x: x.clone(),
    'size': lambda x, d: torch.tensor(float(x.size(d))), 'stride': lambda x, d: torch.tensor(float(x.stride(d))),
}

CASES = []


def rec(t):
    if t is None: return None
    return {'shape': list(t.shape), 'dtype': str(t.dtype).replace('torch.', ''),
            'data': [enc(float(v)) for v in t.detach().clone().reshape(-1).tolist()], 'rg': t.requires_grad}


def weights(n):
    return [0.5 + 0.25 * (k % 3) for k in range(n)]


def case(name, op, args, grad=1.0, create_graph=False, second=False, twice=False, bump=None, then_plain=False):
    """grad: number (upstream gradient filled with it), 'none' (forward only).
    second: with create_graph, backward Σ (x.grad * w).sum() over the grads that require grad."""
    c = {'name': name, 'op': op, 'args': [enc(a) if isinstance(a, float) else a for a in args], 'grad': enc(grad) if grad != 'none' else 'none',
         'createGraph': create_graph, 'second': second, 'twice': twice, 'bump': bump, 'thenPlain': then_plain}
    xs = [mk(a) for a in args]
    leaves = [x for x in xs if isinstance(x, torch.Tensor) and x.requires_grad]
    try:
        y = OPS[op](*xs)
    except Exception as e:
        c['error'] = {'at': 'forward', 'msg': str(e).split('\n')[0]}
        CASES.append(c)
        return
    c['value'] = rec(y)
    if bump is not None:
        # bump the version of a saved tensor (add 0 in place, outside autograd): what each node saved
        with torch.no_grad():
            (y if bump == 'out' else xs[bump]).add_(0)
    if grad != 'none' and y.requires_grad:
        try:
            y.backward(torch.full_like(y, grad), create_graph=create_graph)
        except Exception as e:
            c['error'] = {'at': 'backward', 'msg': str(e).split('\n')[0]}
            CASES.append(c)
            return
        c['grads'] = [rec(x.grad) for x in leaves]
        if then_plain:
            # a plain backward that accumulates into the .grad the createGraph backward stored
            z = None
            for x in leaves:
                term = (x * torch.tensor(weights(x.numel()), dtype=x.dtype).reshape(x.shape)).sum()
                z = term if z is None else z + term
            z.backward()
            c['gradsAfter'] = [rec(x.grad) for x in leaves]
        if twice:
            # a second backward without retainGraph: raises when a node of the graph saved a tensor
            try:
                y.backward(torch.full_like(y, grad))
                c['twiceError'] = None
            except RuntimeError as e:
                c['twiceError'] = str(e).split('\n')[0][:60]
        if second:
            gs = [x.grad for x in leaves]
            for x in leaves: x.grad = None
            tot = None
            for g in gs:
                if g is not None and g.requires_grad:
                    term = (g * torch.tensor(weights(g.numel()), dtype=g.dtype).reshape(g.shape)).sum()
                    tot = term if tot is None else tot + term
            c['second'] = tot is not None
            if tot is not None:
                tot.backward()
                c['grads2'] = [rec(x.grad) for x in leaves]
                # The second-order backward frees the nodes it ran through, original ones included
                # where a gradient formula read a saved result: backward from y again may then fail.
                try:
                    y.backward(torch.full_like(y, grad), create_graph=True)
                    c['againError'] = None
                except RuntimeError as e:
                    c['againError'] = str(e).split('\n')[0][:60]
    CASES.append(c)


# ---- elementwise at special points -----------------------------------------------------------
SPECIAL = [NAN, INF, -INF, 0.0, -0.0, 1.0, -1.0, 2.0, 0.5, -0.5]
UNARY = ['neg', 'exp', 'log', 'sqrt', 'abs', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'square', 'reciprocal', 'sign']
for dt in ['float64', 'float32']:
    for op in UNARY:
        for g in [1.0, INF, 0.0, NAN]:
            case(f'{op} {dt} g={g}', op, [tspec(SPECIAL, dtype=dt)], g)
    for g in [1.0, INF, NAN]:
        case(f'leaky_relu {dt} g={g}', 'leaky_relu', [tspec(SPECIAL, dtype=dt), 0.1], g)
        for lo, hi in [(-1.0, 1.0), (0.0, None), (None, 0.5), (-INF, 1.0), (1.0, -1.0), (0.5, 0.5)]:
            case(f'clamp({lo}, {hi}) {dt} g={g}', 'clamp', [tspec(SPECIAL, dtype=dt), lo, hi], g)
        for e in [0.0, 1.0, 2.0, 3.0, 0.5, -0.5, -1.0, -2.0, -3.0, 1.5, 0.3, -1.5, INF, -INF, NAN]:
            case(f'pow(x, {e}) {dt} g={g}', 'pow', [tspec(SPECIAL, dtype=dt), e], g)
        for b in [2.0, 0.0, -1.0, 1.0, 0.5, -2.0, INF, -INF, NAN, -0.0]:
            case(f'pow({b}, x) {dt} g={g}', 'pow', [b, tspec(SPECIAL + [3.0, -3.0, 0.25], dtype=dt)], g)

PAIRS_A = [a for a in SPECIAL for b in SPECIAL]
PAIRS_B = [b for a in SPECIAL for b in SPECIAL]
for dt in ['float64', 'float32']:
    for op in ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum']:
        for g in ([1.0, INF, 0.0] if dt == 'float64' else [1.0]):
            case(f'{op} grid {dt} g={g}', op, [tspec(PAIRS_A, dtype=dt), tspec(PAIRS_B, dtype=dt)], g)
        if op in ('maximum', 'minimum'): continue  # tensors only
        for s in [0.0, -0.0, INF, -1.0, NAN]:
            case(f'{op} grid by scalar {s} {dt}', op, [tspec(SPECIAL, dtype=dt), s], 1.0)
            case(f'{op} grid scalar {s} by {dt}', op, [s, tspec(SPECIAL, dtype=dt)], 1.0)
    case(f'where grid {dt}', 'where', [boolt([i % 2 == 0 for i in range(10)]), tspec(SPECIAL, dtype=dt),
                                       tspec(list(reversed(SPECIAL)), dtype=dt)], INF)

# ---- reductions ------------------------------------------------------------------------------
ROWS = {
    'nan': [1.0, NAN, 2.0], 'inf': [1.0, INF, 2.0], 'ninf': [1.0, -INF, 2.0], 'allninf': [-INF, -INF, -INF],
    'allinf': [INF, INF, INF], 'infs': [INF, -INF, 0.0], 'const': [1.5, 1.5, 1.5], 'tie': [2.0, 1.0, 2.0],
    'zeros': [0.0, -0.0, 0.0], 'plain': [0.5, -1.25, 2.0],
}
for dt in ['float64', 'float32']:
    for rname, row in ROWS.items():
        x = lambda: tspec(row + [0.25, 0.75, -0.5], shape=[2, 3], dtype=dt)
        for g in [1.0, INF]:
            for op in ['sum', 'mean', 'amax', 'amin']:
                case(f'{op} all {rname} {dt} g={g}', op, [x()], g)
                case(f'{op} dim 1 {rname} {dt} g={g}', op, [x(), 1, False], g)
            case(f'logsumexp dim 1 {rname} {dt} g={g}', 'logsumexp', [x(), 1], g)
            case(f'logsumexp all {rname} {dt} g={g}', 'logsumexp', [x(), [0, 1]], g)
            for op in ['var', 'std']:
                for unb in [True, False]:
                    case(f'{op} all {rname} unbiased={unb} {dt} g={g}', op, [x(), None, unb], g)
                    case(f'{op} dim 1 {rname} unbiased={unb} {dt} g={g}', op, [x(), 1, unb, True], g)
                    case(f'{op} dim 0 {rname} unbiased={unb} {dt} g={g}', op, [x(), 0, unb], g)
            for op in ['softmax', 'log_softmax']:
                case(f'{op} dim 1 {rname} {dt} g={g}', op, [x(), 1], g)
    for op in ['var', 'std']:
        for unb in [True, False]:
            for shape in [[], [1], [1, 3], [3, 1]]:
                n = 1
                for s in shape: n *= s
                data = [1.5, 0.5, 1.5][:n]
                case(f'{op} one element {shape} unbiased={unb} {dt}', op, [tspec(data, shape=shape, dtype=dt), None, unb])
                if shape:
                    case(f'{op} dim 0 {shape} unbiased={unb} {dt}', op, [tspec(data, shape=shape, dtype=dt), 0, unb])
                    case(f'{op} dim -1 keepdim {shape} unbiased={unb} {dt}', op,
                         [tspec(data, shape=shape, dtype=dt), -1, unb, True])
            case(f'{op} dim 0 of 0-d unbiased={unb} {dt}', op, [tspec(1.5, dtype=dt), 0, unb])
            case(f'{op} dim [] of 0-d unbiased={unb} {dt}', op, [tspec(1.5, dtype=dt), [], unb])
            for kd in [False, True]:
                case(f'{op} dim [] unbiased={unb} keepdim={kd} {dt}', op,
                     [tspec([0.5, 1.0, 2.5, 1.5, -1.0, 0.25], shape=[2, 3], dtype=dt), [], unb, kd])

# tied zeros: PyTorch keeps the earlier of equal values (rows and columns, small sizes)
ZROWS = [0.0, -0.0, -0.0, 0.0, -0.0, 0.0, 0.0, -0.0, -0.0, -0.0, 0.0, 1.0]
for dt in ['float64', 'float32']:
    for op in ['amax', 'amin']:
        for d in [0, 1]:
            case(f'{op} dim {d} tied zeros {dt}', op, [tspec(ZROWS, shape=[3, 4], dtype=dt), d], 1.0)
        case(f'{op} all tied zeros {dt}', op, [tspec(ZROWS[:4], dtype=dt)], 1.0)

# ---- reductions and dims: errors and empty tensors -------------------------------------------
E = lambda shape, rg=True: tspec([], shape=shape, rg=rg)
X = lambda: tspec([0.5, -1.0, 2.0, 0.25, 1.5, -0.75], shape=[2, 3])
S = lambda: tspec(1.5)
for op in ['sum', 'mean', 'amax', 'amin', 'logsumexp']:
    case(f'{op} repeated dims', op, [X(), [0, 0]])
    case(f'{op} repeated dims negative', op, [X(), [1, -1]])
    case(f'{op} repeated dims 0-d', op, [S(), [0, 0]])
    case(f'{op} repeated dims 0-d -1', op, [S(), [0, -1]])
    case(f'{op} dim out of range', op, [X(), 2])
    case(f'{op} dim 0 of 0-d', op, [S(), 0])
    case(f'{op} dim -1 of 0-d keepdim', op, [S(), -1, True])
    case(f'{op} dim 1 of 0-d', op, [S(), 1])
    case(f'{op} empty dim list', op, [X(), []])
    case(f'{op} empty dim list 0-d', op, [S(), []])
    for shape in [[0], [2, 0], [0, 3]]:
        case(f'{op} all of {shape}', op, [E(shape), []] if op == 'logsumexp' else [E(shape)])
        for d in range(len(shape)):
            case(f'{op} dim {d} of {shape}', op, [E(shape), d])
            case(f'{op} dim {d} keepdim of {shape}', op, [E(shape), d, True])
for op in ['var', 'std']:
    for shape in [[0], [2, 0], [0, 3]]:
        case(f'{op} all of {shape} unbiased=False', op, [E(shape), None, False])
        case(f'{op} dim 0 of {shape} unbiased=False', op, [E(shape), 0, False])
    case(f'{op} repeated dims', op, [X(), [0, 0]])
    case(f'{op} repeated dims negative', op, [X(), [-2, 0], True, True])
    case(f'{op} repeated dims 0-d', op, [S(), [0, 0]])
    case(f'{op} dim 0 of 0-d', op, [S(), 0])
    for shape in [[0], [2, 0], [0, 3]]:
        case(f'{op} all of {shape}', op, [E(shape)])
        for d in range(len(shape)):
            case(f'{op} dim {d} of {shape}', op, [E(shape), d])
for op in ['softmax', 'log_softmax']:
    for shape in [[0], [2, 0], [0, 3]]:
        for d in range(len(shape)):
            case(f'{op} dim {d} of {shape}', op, [E(shape), d])
    case(f'{op} 0-d dim 0', op, [S(), 0])
    case(f'{op} 0-d dim -1', op, [S(), -1])
    case(f'{op} 0-d dim 1', op, [S(), 1])
for op, args in [('transpose', [0, 0]), ('transpose', [0, 1]), ('transpose', [-1, -1]), ('squeeze', [0]),
                 ('squeeze', [1]), ('unsqueeze', [0]), ('unsqueeze', [1]), ('unsqueeze', [-1]), ('unsqueeze', [-2]),
                 ('flatten', [0, 0]), ('flatten', [0, -1]), ('flatten', [0, 1]), ('flatten', [1, 0]), ('permute', [[]]),
                 ('permute', [[0]]), ('t', []), ('expand', [[]]), ('expand', [[3]]), ('reshape', [[]]), ('reshape', [[1, 1]]),
                 ('size', [0]), ('size', [-1]), ('stride', [0]), ('index_select', [1, idx([0])])]:
    case(f'{op} of 0-d {args}', op, [S()] + args)
for args in [[S(), S(), 0], [S(), tspec([0.5, 1.0]), 0], [tspec([0.5, 1.0]), S(), 0]]:
    case(f'cat of 0-d {json.dumps(args)[:60]}', 'cat', args)
for d in [0, -1, 1, 2]:
    case(f'stack of 0-d dim {d}', 'stack', [S(), S(), d])
# cat skips 1-D empty tensors whatever the dim, but they stay inputs of CatBackward0 (zero grads)
case('cat legacy empty with 2-D', 'cat', [X(), E([0]), 1])
case('cat legacy empty first', 'cat', [E([0]), X(), 0])
case('cat of legacy empties, two dtypes', 'cat', [E([0]), tspec([], shape=[0], dtype='float32'), 0])
case('cat legacy empty, other dims mismatch', 'cat', [E([0]), tspec([0.5, 1.0], shape=[1, 2]), 1])
case('select 0-d', 'select', [S(), 0, 0])
case('select 0-d dim -1', 'select', [S(), -1, 0])
case('narrow 0-d', 'narrow', [S(), 0, 0, 1])
case('narrow 0-d dim -1', 'narrow', [S(), -1, 0, 0])
case('select dim out of range', 'select', [X(), 2, 0])
for n in [1, 2, 3]:  # with no index, PyTorch returns uninitialised memory
    case(f'index_select 0-d with {n} indices', 'index_select', [S(), 0, idx([0] * n)], grad=2.0)
case('index_select 0-d dim -1 with 2 indices', 'index_select', [S(), -1, idx([0, 0])], grad=2.0)

# ---- broadcasting errors: which sizes and dimension PyTorch names --------------------------------
BSHAPES = [([2, 3], [4]), ([5, 2, 3], [4, 2, 4]), ([1, 2, 3], [2, 4, 3]), ([2, 1, 5, 4], [3, 2, 4]),
           ([3], [2, 4]), ([4, 3, 2], [5, 3]), ([2, 3, 4], [3, 2, 1, 1]), ([2, 5, 1, 4], [3, 5, 2, 1])]
def ones(shape, rg=True):
    n = 1
    for s in shape: n *= s
    return tspec([0.5 + 0.125 * k for k in range(n)], shape=shape, rg=rg)
for a, b in BSHAPES:
    for op in ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum']:
        case(f'{op} broadcast {a} {b}', op, [ones(a), ones(b)])
    case(f'where broadcast cond {a} {b}', 'where', [boolt([True] * (math.prod(a)), shape=a), ones(b), ones([1])])
    case(f'where broadcast x {a} {b}', 'where', [boolt([True]), ones(a), ones(b)])
    case(f'where broadcast all three {a} {b}', 'where', [boolt([True] * (math.prod(a)), shape=a), ones(b),
                                                         ones(b[:-1] + [7])])
    case(f'mse_loss broadcast {a} {b}', 'mse_loss', [ones(a), ones(b)])
    case(f'gt broadcast {a} {b}', 'gt', [ones(a, rg=False), ones(b, rg=False)], grad='none')
    case(f'add_ broadcast {a} {b}', 'add_', [ones(a, rg=False), ones(b, rg=False)], grad='none')
    case(f'mul_ broadcast {a} {b}', 'mul_', [ones(a, rg=False), ones(b, rg=False)], grad='none')

# ---- losses ----------------------------------------------------------------------------------
LOGP = [[-0.5, -INF, -1.0], [-INF, -0.25, -2.0], [-1.0, -1.5, -INF]]
for dt in ['float64', 'float32']:
    for r in ['mean', 'sum', 'none']:
        for g in [1.0, INF]:
            case(f'nll_loss -inf non-target {r} {dt} g={g}', 'nll_loss',
                 [tspec(sum(LOGP, []), shape=[3, 3], dtype=dt), idx([0, 1, 0]), r], g)
            case(f'nll_loss nan non-target {r} {dt} g={g}', 'nll_loss',
                 [tspec([-0.5, NAN, -1.0], shape=[1, 3], dtype=dt), idx([2]), r], g)
            case(f'nll_loss 1-d {r} {dt} g={g}', 'nll_loss', [tspec([-0.5, -INF, -1.0], dtype=dt), idx(0), r], g)
            case(f'cross_entropy -inf non-target {r} {dt} g={g}', 'cross_entropy',
                 [tspec(sum(LOGP, []), shape=[3, 3], dtype=dt), idx([0, 1, 0]), r], g)
            case(f'cross_entropy -inf target {r} {dt} g={g}', 'cross_entropy',
                 [tspec(sum(LOGP, []), shape=[3, 3], dtype=dt), idx([1, 1, 2]), r], g)
            case(f'cross_entropy inf {r} {dt} g={g}', 'cross_entropy',
                 [tspec([INF, 1.0, 0.5, 2.0, INF, -1.0], shape=[2, 3], dtype=dt), idx([0, 2]), r], g)
    for r in ['mean', 'none']:
        case(f'nll_loss empty batch {r} {dt}', 'nll_loss', [tspec([], shape=[0, 3], dtype=dt), idx([]), r])
        case(f'cross_entropy empty batch {r} {dt}', 'cross_entropy', [tspec([], shape=[0, 3], dtype=dt), idx([]), r])
    for g in [1.0, INF]:
        for r in ['mean', 'sum', 'none']:
            case(f'bce_logits special {r} {dt} g={g}', 'bce_logits',
                 [tspec(SPECIAL, dtype=dt), tspec([0.0, 1.0, 0.5, 1.0, 0.0, 0.25, 1.0, 0.0, 0.75, 1.0], dtype=dt), r], g)
            case(f'mse_loss special {r} {dt} g={g}', 'mse_loss',
                 [tspec(SPECIAL, dtype=dt), tspec(list(reversed(SPECIAL)), dtype=dt), r], g)

case('bce_logits shape mismatch', 'bce_logits', [tspec([0.5, 1.0]), tspec([0.5, 1.0, 0.0])])
case('bce_logits shape mismatch 0-d', 'bce_logits', [tspec(0.5), tspec([0.5])])

# mixed dtypes: result dtype and gradient dtypes
for da, db in [('float32', 'float64'), ('float64', 'float32')]:
    for r in ['mean', 'sum', 'none']:
        for rga, rgb in [(True, True), (True, False), (False, True)]:
            a = lambda: tspec([0.5, -1.25, 2.0, 3.0], shape=[2, 2], dtype=da, rg=rga)
            b = lambda: tspec([0.25, 0.75, 1.0, 0.0], shape=[2, 2], dtype=db, rg=rgb)
            case(f'mse_loss {da} {db} {r} rg={rga},{rgb}', 'mse_loss', [a(), b(), r])
            case(f'bce_logits {da} {db} {r} rg={rga},{rgb}', 'bce_logits', [a(), b(), r])
    case(f'mse_loss broadcast {da} {db}', 'mse_loss', [tspec([0.5, -1.25], shape=[2, 1], dtype=da),
                                                        tspec([0.25, 0.75, 1.0], dtype=db)])
    for xs, bias in [([2, 3], True), ([2, 3], False), ([3], True), ([4, 2, 3], True), ([0, 3], True), ([0, 3], False),
                     ([2, 0, 3], True)]:
        n = math.prod(xs)
        for wdt in [da]:  # a weight of another dtype is the matmul family's dtype check
            args = [tspec([0.5 + 0.25 * k for k in range(n)], shape=xs, dtype=da),
                    tspec([0.1 * k - 0.3 for k in range(6)], shape=[2, 3], dtype=wdt)]
            if bias: args.append(tspec([0.5, -0.5], dtype=db))
            if bias and len(xs) != 1: continue  # addmm's dtype check, as above
            case(f'linear x{xs} {da} w {wdt} bias={bias and db}', 'linear', args)
for xs in [[0, 3], [2, 0, 3], [0, 2, 3]]:
    for bias in [True, False]:
        args = [tspec([], shape=xs), tspec([0.1 * k - 0.3 for k in range(6)], shape=[2, 3])]
        if bias: args.append(tspec([0.5, -0.5]))
        case(f'linear zero-size batch {xs} bias={bias}', 'linear', args)
case('linear in_features 0', 'linear', [tspec([], shape=[2, 0]), tspec([], shape=[3, 0]), tspec([0.5, -0.5, 1.0])])

# ---- create_graph: requires_grad of the gradients and second-order values --------------------
P = lambda dt='float64', rg=True: tspec([0.5, -1.25, 2.0, -0.75, 1.5, 0.25], shape=[2, 3], dtype=dt, rg=rg)
Q = lambda dt='float64', rg=True: tspec([1.5, 0.25, -0.5, 2.0, -1.0, 0.75], shape=[2, 3], dtype=dt, rg=rg)
POS = lambda rg=True: tspec([0.5, 1.25, 2.0, 0.75, 1.5, 0.25], shape=[2, 3], rg=rg)
TIE = lambda rg=True: tspec([0.5, 2.0, 2.0, -0.75, -0.75, 0.25], shape=[2, 3], rg=rg)
CG = [
    *[(op, [P()]) for op in ['neg', 'exp', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'square', 'sign', 'abs']],
    *[(op, [POS()]) for op in ['log', 'sqrt', 'reciprocal']],
    ('leaky_relu', [P(), 0.1]), ('clamp', [P(), -1.0, 1.0]), ('clamp', [P(), 0.0, None]),
    ('pow', [P(), 2.0]), ('pow', [P(), 0.0]), ('pow', [P(), 1.0]), ('pow', [POS(), 0.5]), ('pow', [2.0, P()]),
    ('pow', [0.0, P()]), ('pow', [POS(), Q()]), ('pow', [POS(rg=False), Q()]), ('pow', [POS(), Q(rg=False)]),
    *[(op, [P(), Q()]) for op in ['add', 'sub', 'mul', 'div', 'maximum', 'minimum']],
    *[(op, [P(), Q(rg=False)]) for op in ['add', 'sub', 'mul', 'div', 'maximum', 'minimum']],
    *[(op, [P(rg=False), Q()]) for op in ['add', 'sub', 'mul', 'div', 'maximum', 'minimum']],
    ('maximum', [TIE(), tspec([0.5, 2.0, 1.0, -0.75, 0.0, 0.25], shape=[2, 3])]),
    ('mul', [P(), 3.0]), ('div', [P(), 3.0]), ('div', [3.0, POS()]), ('sub', [3.0, P()]),
    ('where', [boolt([True, False, True, False, False, True], shape=[2, 3]), P(), Q()]),
    ('where', [boolt([True, False, True, False, False, True], shape=[2, 3]), P(), Q(rg=False)]),
    ('sum', [P()]), ('sum', [P(), 1]), ('mean', [P()]), ('mean', [P(), 0, True]),
    ('amax', [P()]), ('amax', [P(), 1]), ('amin', [TIE(), 1]), ('amax', [TIE()]),
    ('logsumexp', [P(), 1]), ('var', [P()]), ('var', [P(), 1]), ('std', [P()]), ('std', [P(), 0, False, True]),
    ('std', [tspec([1.5, 1.5, 1.5, 0.5, 1.0, 2.0], shape=[2, 3]), 1]),
    ('softmax', [P(), 1]), ('log_softmax', [P(), 0]),
    ('mse_loss', [P(), Q()]), ('mse_loss', [P(), Q(rg=False)]), ('mse_loss', [P(rg=False), Q()]),
    ('bce_logits', [P(), Q()]), ('bce_logits', [P(), Q(rg=False)]), ('bce_logits', [P(rg=False), Q()]),
    ('nll_loss', [P(), idx([2, 0])]), ('cross_entropy', [P(), idx([2, 0])]),
    ('nll_loss', [P(), idx([2, 0]), 'sum']), ('cross_entropy', [P(), idx([1, 0]), 'none']),
    ('select', [P(), 1, 2]), ('narrow', [P(), 1, 1, 2]), ('index_select', [P(), 1, idx([2, 0, 2])]),
    ('linear', [P(), Q(), tspec([0.5, -0.5])]),
    ('relu_add', [P('float32'), Q()]), ('relu_add', [P(), Q('float32')]), ('mul', [P('float32'), Q()]),
    ('relu_stack', [P('float32'), Q()]),
    ('mm', [P(), tspec([0.5, -1.0, 0.25, 2.0, 1.0, -0.5], shape=[3, 2])]), ('mm', [P(rg=False), tspec([0.5, -1.0, 0.25, 2.0, 1.0, -0.5], shape=[3, 2])]),
    ('mv', [P(), tspec([0.5, -1.0, 0.25])]), ('mv', [P(rg=False), tspec([0.5, -1.0, 0.25])]),
    ('dot', [tspec([0.5, -1.0, 0.25]), tspec([1.5, 2.0, -0.5])]), ('dot', [tspec([0.5, -1.0, 0.25], rg=False), tspec([1.5, 2.0, -0.5])]),
    ('bmm', [tspec([0.5, -1.0, 0.25, 2.0, 1.0, -0.5], shape=[1, 2, 3]), tspec([0.5, -1.0, 0.25, 2.0, 1.0, -0.5], shape=[1, 3, 2])]),
    ('addmm', [tspec([0.5, -0.5]), P(), tspec([0.5, -1.0, 0.25, 2.0, 1.0, -0.5], shape=[3, 2])]),
    ('cat', [P(), Q(), 1]), ('stack', [P(), Q(), 0]), ('transpose', [P(), 0, 1]), ('squeeze', [tspec([0.5, 1.0], shape=[2, 1]), 1]),
    ('unsqueeze', [P(), 1]), ('flatten', [P(), 0, 1]), ('permute', [P(), [1, 0]]), ('expand', [tspec([0.5, 1.0], shape=[2, 1]), [2, 3]]),
    ('reshape', [P(), [3, 2]]), ('t', [P()]), ('to', [P(), 'float32']), ('to', [P('float32'), 'float64']), ('clone', [P()]), ('bce_logits', [P('float32'), Q()]), ('bce_logits', [P(), Q('float32')]), ('matmul', [P(), tspec([0.5, -1.0, 0.25, 2.0, 1.0, -0.5], shape=[3, 2])]),
]
for op, args in CG:
    case(f'backward twice {op} {json.dumps(args)[:80]}', op, args, 1.0, twice=True)
case('backward twice mean dim []', 'mean', [P(), []], 1.0, twice=True)
# what each node saves: an in-place change of a saved input or output is caught at backward
for op, args in [('pow', [POS(), Q()]), ('pow', [POS(), Q(rg=False)]), ('pow', [POS(rg=False), Q()]), ('pow', [2.0, P()]),
                 ('pow', [0.0, P()]), ('pow', [P(), 2.5]), ('relu', [P()]), ('leaky_relu', [P(), 0.1]),
                 ('nll_loss', [P(), idx([2, 0])]), ('cross_entropy', [P(), idx([2, 0])]), ('mse_loss', [P(), Q()]),
                 ('bce_logits', [P(), Q()]), ('std', [P(), 0]), ('var', [P()]), ('mean', [P(), 0]), ('mean', [P()]),
                 ('maximum', [P(), Q()]), ('div', [P(), Q()]), ('amax', [P(), 1]), ('logsumexp', [P(), 1]), ('sign', [P()]),
                 ('abs', [P()]), ('clamp', [P(), -1.0, 1.0]), ('cat', [P(), Q(), 0])]:
    targets = ['out'] + [i for i, a in enumerate(args) if isinstance(a, dict) and 't' in a]
    for t in targets:
        case(f'saved {op} bump {t} {json.dumps(args)[:70]}', op, args, 1.0, bump=t)
case('backward twice mean all', 'mean', [P()], 1.0, twice=True)
case('backward twice sum dim', 'sum', [P(), 0], 1.0, twice=True)
for op, args in CG:
    for g in [1.0, 0.5]:
        case(f'create_graph {op} {json.dumps(args)[:80]} g={g}', op, args, g, create_graph=True, second=True)
for op in UNARY:
    case(f'create_graph {op} special', op, [tspec(SPECIAL)], 1.0, create_graph=True, second=False)
for op, args in [('mean', [P()]), ('sum', [P()]), ('mean', [P(), 1, True]), ('amax', [P(), 1]), ('relu', [P()]),
                 ('expand', [tspec([0.5, 1.0], shape=[2, 1]), [2, 3]]), ('mul', [P(), 3.0]), ('mse_loss', [P(), Q()])]:
    case(f'create_graph then a plain backward {op} {json.dumps(args)[:60]}', op, args, 1.0, create_graph=True,
         then_plain=True)
for op in ['maximum', 'minimum', 'mul', 'div', 'pow']:
    case(f'create_graph {op} grid', op, [tspec(PAIRS_A), tspec(PAIRS_B)], 1.0, create_graph=True, second=False)

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'semantics.json')
with open(out, 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': CASES}, f, separators=(',', ':'))
print(f'{len(CASES)} cases -> {out}')
