# Random cases in the golden format, computed by PyTorch 1.13: `/usr/bin/python3 tests/pytorch/gen.py 21`
# writes tests/pytorch/cases/<group>_s21.json (the committed set). They cover what the public
# golden files do not (0-d views, 4-D matmul, every dim of softmax, long compositions...).
# The unary, binary and reduction ops it draws are the registry's (tests/pytorch/ops.json, written by
# `npm run ops:export`): a new entry of those kinds is drawn without an edit here.
import sys, json, random, itertools
sys.path.insert(0, __import__('os').path.dirname(__file__))
from common import *

SEED = int(sys.argv[1]) if len(sys.argv) > 1 else 0
random.seed(SEED); np.random.seed(SEED); torch.manual_seed(SEED)

def fr(x, dtype):
    return float(np.float32(x)) if dtype == 'float32' else float(x)

def rdata(shape, dtype, kind='normal'):
    n = int(np.prod(shape)) if shape else 1
    if kind == 'normal': v = np.random.randn(n)
    elif kind == 'pos': v = np.random.uniform(0.2, 2.5, n)
    elif kind == 'kink':  # away from 0
        v = np.random.randn(n); v = np.sign(v) * (np.abs(v) + 0.05)
    elif kind == 'unit': v = np.random.uniform(0, 1, n)
    elif kind == 'small': v = np.random.uniform(-1, 1, n)
    elif kind == 'distinct':
        v = np.random.permutation(n).astype(float) * 0.37 + np.random.uniform(-0.1, 0.1) ; v = v - v.mean()
        v = v + np.random.uniform(-0.05, 0.05, n)
    else: raise ValueError(kind)
    return [fr(x, dtype) for x in v]

class CB:
    def __init__(self, dtype):
        self.dtype = dtype; self.inputs = {}; self.prog = []; self.n = 0; self.env = {}; self.backward = None
    def inp(self, name, shape, kind='normal', rg=True):
        spec = {'shape': list(shape), 'data': rdata(shape, self.dtype, kind), 'requires_grad': rg}
        self.inputs[name] = spec
        self.env[name] = mk(spec, self.dtype)
        return name
    def intinp(self, name, shape, data):
        self.inputs[name] = {'shape': list(shape), 'data': list(data), 'dtype': 'int64', 'requires_grad': False}
        self.env[name] = mk(self.inputs[name], self.dtype); return name
    def boolinp(self, name, shape):
        n = int(np.prod(shape)) if shape else 1
        self.inputs[name] = {'shape': list(shape), 'data': [bool(random.random() < 0.5) for _ in range(n)], 'dtype': 'bool', 'requires_grad': False}
        self.env[name] = mk(self.inputs[name], self.dtype); return name
    def op(self, op, args, kw=None, out=None):
        out = out or ('v%d' % self.n); self.n += 1
        st = {'out': out, 'op': op, 'args': args}
        if kw: st['kwargs'] = kw
        r = apply(op, [resolve(a, self.env) for a in args], kw or {})
        chk(torch.isfinite(r.detach().double()).all() if r.is_floating_point() else True)
        chk((r.detach().abs() < 1e4).all() if r.is_floating_point() else True)
        self.prog.append(st); self.env[out] = r
        return out
    def shape(self, name): return list(self.env[name].shape)
    def finish(self, mode=None, root=None):
        root = root or self.prog[-1]['out']
        sh = self.shape(root)
        if mode is None:
            mode = 'direct' if not sh else random.choice(['vjp', 'sum', 'mean', 'wsum', 'vjp'])
        if mode == 'direct' and sh: mode = 'sum'
        if mode == 'direct': self.backward = {'from': root, 'gradient': None}
        elif mode == 'vjp':
            self.backward = {'from': root, 'gradient': {'shape': sh, 'data': rdata(sh, self.dtype)}}
        elif mode == 'sum': self.op('sum', [root], out='s'); self.backward = {'from': 's', 'gradient': None}
        elif mode == 'mean': self.op('mean', [root], out='m'); self.backward = {'from': 'm', 'gradient': None}
        elif mode == 'wsum':
            self.inp('w_out', sh, rg=False); p = self.op('mul', [root, 'w_out'], out='p')
            self.op('sum', [p], out='s'); self.backward = {'from': 's', 'gradient': None}
        return mode
    def case(self):
        return {'dtype': self.dtype, 'inputs': self.inputs, 'program': self.prog, 'backward': self.backward}

def rshape(rmin=0, rmax=4, dmax=5):
    r = random.randint(rmin, rmax)
    return [random.choice([1, 2, 3, 4, 5][:dmax]) if random.random() < 0.85 else 1 for _ in range(r)]

def bcast_pair():
    out = rshape(0, 4)
    def derive():
        k = random.randint(0, len(out))
        s = out[k:]
        return [1 if random.random() < 0.3 else d for d in s]
    a, b = derive(), derive()
    if random.random() < 0.5: a = out[:]
    return a, b

def sname(s): return 'x'.join(map(str, s)) if s else '0d'

# ---------- generators: each returns (CB, namehint) -------------
def g_binary(dt):
    b = CB(dt)
    op = random.choice(BIN)
    sa, sb = bcast_pair()
    if random.random() < 0.5: sa, sb = sb, sa
    rga, rgb = random.choice([(True, True), (True, True), (True, False), (False, True)])
    variant = random.random()
    if op == 'pow':
        if variant < 0.5:
            e = random.choice([2, 3, -1, -2, 0.5, 1.5, -0.5, 0, 1, 2.5, 0.3, 4, -3, 1.0, 2.0])
            kind = 'pos' if (float(e) != int(e)) else random.choice(['kink', 'pos'])
            b.inp('a', sa, kind)
            b.op('pow', ['a', e])
            return b, f'pow_scalar{e}_{sname(sa)}'
        b.inp('a', sa, 'pos', rga); b.inp('b', sb, 'normal', rgb)
        b.op('pow', ['a', 'b']); return b, f'pow_tt_{sname(sa)}_{sname(sb)}'
    if variant < 0.25 and op not in ('maximum', 'minimum'):
        sc = random.choice([2, -3, 0.5, -1.25, 1e-3 * 37, 7, 0, 1.5])
        if op == 'div' and sc == 0: sc = 3
        b.inp('a', sa, 'normal'); b.op(op, ['a', sc]); return b, f'{op}_pyscalar{sc}_{sname(sa)}'
    if variant < 0.32:
        b.inp('a', sa, 'kink' if op == 'div' else 'normal'); b.op(op, ['a', 'a']) if op not in ('maximum', 'minimum') else b.op(op, ['a', 'a'])
        return b, f'{op}_same_{sname(sa)}'
    b.inp('a', sa, 'normal', rga); b.inp('b', sb, 'kink' if op == 'div' else 'normal', rgb)
    b.op(op, ['a', 'b']); return b, f'{op}_bcast_{sname(sa)}_{sname(sb)}'

# UN, BIN, REDUCE and VAR are the registry's (common.py reads tests/pytorch/ops.json).
def g_unary(dt):
    b = CB(dt)
    s = rshape(0, 4)
    op = random.choice(UN + ['clamp', 'clamp', 'leaky_relu'])
    kind = 'pos' if op in ('log', 'sqrt', 'reciprocal') else ('kink' if op in ('abs', 'relu', 'leaky_relu') else 'normal')
    b.inp('x', s, kind)
    if op == 'clamp':
        c = random.choice([{'min': -0.5}, {'max': 0.8}, {'min': -0.5, 'max': 0.8}, {'min': 0.3}, {'max': -0.2}, {'min': -1, 'max': 1},
                           {'min': 0.5, 'max': -0.5}, {'min': 0, 'max': 0.75}, {'min': 1}, {'max': 0}])
        b.op('clamp', ['x'], c); return b, f'clamp_{c}_{sname(s)}'.replace(' ', '').replace("'", '')
    if op == 'leaky_relu':
        sl = random.choice([None, 0.1, 0.2, 0.5, 1.5, -0.1, 0.0])
        b.op('leaky_relu', ['x'], None if sl is None else {'negative_slope': sl}); return b, f'leaky_relu_{sl}_{sname(s)}'
    if random.random() < 0.2:
        y = b.op(op, ['x']); b.op('mul', [y, 'x']); return b, f'{op}_times_input_{sname(s)}'
    b.op(op, ['x']); return b, f'{op}_{sname(s)}'

def rdims(s, allow_none=True):
    r = len(s)
    if r == 0:
        return random.choice([0, -1, [0], [-1]]) if not allow_none or random.random() < 0.7 else None
    if allow_none and random.random() < 0.2: return None
    if random.random() < 0.5:
        d = random.randrange(r); return d - r if random.random() < 0.4 else d
    k = random.randint(1, r)
    ds = random.sample(range(r), k)
    return [d - r if random.random() < 0.4 else d for d in ds]

def g_reduce(dt):
    b = CB(dt)
    op = random.choice(REDUCE + VAR)  # the variances drawn twice as often
    s = rshape(0, 4)
    if random.random() < 0.08: s = [random.randint(10, 40), random.randint(10, 40)]
    b.inp('x', s, 'distinct' if op in ('amax', 'amin') else 'normal')
    d = rdims(s, allow_none=op in ('sum', 'mean', 'var', 'std'))
    kw = {}
    if d is not None:
        kw['dim'] = d
        if random.random() < 0.5: kw['keepdim'] = random.random() < 0.6
    if op in ('var', 'std') and random.random() < 0.5: kw['unbiased'] = random.random() < 0.4
    b.op(op, ['x'], kw or None)
    return b, f'{op}_{sname(s)}_{json.dumps(kw).replace(" ","")}'

def g_matmul(dt):
    b = CB(dt)
    combo = random.choice(['1,1', '1,2', '2,1', '2,2', '1,3', '3,1', '2,3', '3,2', '3,3', '3,3b', '4,4', '4,4b', '1,4', '4,1', '4,2', '2,4', '4,3', '3,4'])
    n, k, m = random.randint(1, 5), random.randint(1, 6), random.randint(1, 5)
    B = random.randint(1, 3); B2 = random.randint(1, 3)
    ra, rb = int(combo[0]), int(combo[2])
    def batch(r):
        if r <= 2: return []
        bs = [B] if r == 3 else [B2, B]
        if combo.endswith('b'): bs = [1 if random.random() < 0.5 else x for x in bs]
        return bs
    ba, bb = batch(ra), batch(rb)
    if combo.endswith('b') and ra == rb:
        # make broadcastable: one side 1
        ba = [1 if random.random() < 0.5 else x for x in ba]; bb = [x if a == 1 else (1 if random.random() < 0.5 else a) for a, x in zip(ba, bb)]
    sa = [k] if ra == 1 else ba + [n, k]
    sb = [k] if rb == 1 else bb + [k, m]
    rga, rgb = random.choice([(True, True), (True, True), (True, False), (False, True)])
    b.inp('a', sa, 'normal', rga); b.inp('b', sb, 'normal', rgb)
    if random.random() < 0.15 and ra >= 2:
        # transposed operand
        b.inputs['a']['shape'] = sa[:-2] + [sa[-1], sa[-2]]; b.env['a'] = mk(b.inputs['a'], dt)
        at = b.op('transpose', ['a', -1, -2]); b.op('matmul', [at, 'b'])
    else:
        b.op('matmul', ['a', 'b'])
    return b, f'matmul_{sname(sa)}_{sname(sb)}'

def g_shape(dt):
    b = CB(dt)
    s = rshape(0, 4)
    b.inp('x', s)
    cur = 'x'
    for _ in range(random.randint(1, 4)):
        cur = shape_op(b, cur)
    return b, f'shape_{sname(s)}_' + '_'.join(st['op'] for st in b.prog)

def shape_op(b, cur, allow_multi=True):
    s = b.shape(cur); r = len(s)
    choices = known('transpose', 't', 'reshape', 'view', 'flatten', 'squeeze', 'unsqueeze', 'expand', 'permute', 'narrow', 'index_select')
    if allow_multi: choices += known('cat', 'stack')
    op = random.choice(choices)
    for _ in range(20):
        try:
            if op == 'transpose':
                if r == 0: d0 = d1 = random.choice([0, -1])
                else: d0, d1 = random.randrange(-r, r), random.randrange(-r, r)
                return b.op('transpose', [cur, d0, d1])
            if op == 't':
                if r > 2: op = 'permute'; continue
                return b.op('t', [cur])
            if op in ('reshape', 'view'):
                n = int(np.prod(s)) if s else 1
                # random factorization
                fs = []; m = n
                for p in [2, 3, 5, 2, 2, 3]:
                    if m % p == 0 and random.random() < 0.6: fs.append(p); m //= p
                fs.append(m); random.shuffle(fs)
                if random.random() < 0.3: fs = [f for f in fs if f != 1] or [1]
                if random.random() < 0.2: fs.insert(random.randint(0, len(fs)), 1)
                if n == 1 and random.random() < 0.3: fs = []
                if fs and random.random() < 0.5: fs[random.randrange(len(fs))] = -1
                t = b.env[cur]
                if op == 'view' and not t.is_contiguous(): op = 'reshape'
                return b.op(op, [cur, fs])
            if op == 'flatten':
                if r == 0: return b.op('flatten', [cur])
                sd = random.randrange(-r, r); ed = random.randrange(-r, r)
                if (sd % r) > (ed % r): sd, ed = ed, sd
                kw = {}
                if sd != 0 or random.random() < 0.3: kw['start_dim'] = sd
                if ed != -1 or random.random() < 0.3: kw['end_dim'] = ed
                return b.op('flatten', [cur], kw or None)
            if op == 'squeeze':
                if r == 0 or random.random() < 0.3: return b.op('squeeze', [cur])
                ones = [i for i in range(r) if s[i] == 1]
                d = random.choice(ones) if ones and random.random() < 0.8 else random.randrange(r)
                if random.random() < 0.4: d -= r
                return b.op('squeeze', [cur, d])
            if op == 'unsqueeze':
                d = random.randrange(-r - 1, r + 1)
                return b.op('unsqueeze', [cur, d])
            if op == 'expand':
                new = []
                for x in s:
                    if x == 1: new.append(random.choice([1, 2, 3, -1]))
                    else: new.append(random.choice([x, -1]))
                lead = [random.randint(1, 3) for _ in range(random.randint(0, 2 if r < 4 else 0))]
                return b.op('expand', [cur, lead + new])
            if op == 'permute':
                p = list(range(r)); random.shuffle(p)
                p = [d - r if random.random() < 0.3 else d for d in p]
                return b.op('permute', [cur, p])
            if op == 'narrow':
                if r == 0: op = 'unsqueeze'; continue
                d = random.randrange(r); n = s[d]
                st = random.randrange(n); ln = random.randint(0 if random.random() < 0.05 else 1, n - st)
                if random.random() < 0.3: st = st - n
                if random.random() < 0.3: d = d - r
                return b.op('narrow', [cur, d, st, ln])
            if op == 'index_select':
                if r == 0:
                    d = random.choice([0, -1]); idx = [0]
                    ishape = [len(idx)] if random.random() < 0.7 else []
                    if not ishape: idx = [0]
                else:
                    d = random.randrange(r); n = s[d]
                    idx = [random.randrange(n) for _ in range(random.randint(1, 6))]
                    ishape = [len(idx)]
                    if random.random() < 0.1: idx = [idx[0]]; ishape = []
                    if random.random() < 0.3: d -= r
                nm = 'idx%d' % b.n
                b.intinp(nm, ishape, idx)
                return b.op('index_select', [cur, d, nm])
            if op in ('cat', 'stack'):
                k = random.randint(1, 4)
                names = [cur]
                if op == 'cat':
                    if r == 0: op = 'stack'; continue
                    d = random.randrange(r)
                    for i in range(k - 1):
                        sh = list(s); sh[d] = random.randint(1, 3)
                        nm = f'c{b.n}_{i}'; b.inp(nm, sh, rg=random.random() < 0.8); names.append(nm)
                    if random.random() < 0.2: names.append(cur)
                    random.shuffle(names)
                    if random.random() < 0.4: d -= r
                    return b.op('cat', [names, d])
                d = random.randrange(r + 1)
                for i in range(k - 1):
                    nm = f'c{b.n}_{i}'; b.inp(nm, s, rg=random.random() < 0.8); names.append(nm)
                if random.random() < 0.2: names.append(cur)
                random.shuffle(names)
                if random.random() < 0.4: d -= r + 1
                return b.op('stack', [names, d])
        except Reject:
            raise
        except RuntimeError as e:
            raise Reject()
    raise Reject()

def g_nn(dt):
    b = CB(dt)
    op = random.choice(['softmax', 'log_softmax', 'mse_loss', 'cross_entropy', 'bce', 'linear', 'linear', 'where', 'where', 'softmax', 'log_softmax'])
    if op in ('softmax', 'log_softmax'):
        s = rshape(0, 4)
        b.inp('x', s); r = len(s)
        d = random.randrange(-r, r) if r else random.choice([0, -1])
        b.op(op, ['x'], {'dim': d})
        mode = random.choice(['vjp', 'wsum', 'wsum'])
        if random.random() < 0.15:
            b.prog.pop(); y = b.op(op, ['x'], {'dim': d}); b.op('mul', [y, 'x'])
        return b, f'{op}_{sname(s)}_dim{d}', mode
    if op == 'mse_loss':
        s = rshape(0, 4)
        b.inp('x', s); b.inp('y', s, rg=random.random() < 0.5)
        red = random.choice([None, 'mean', 'sum', 'none'])
        b.op('mse_loss', ['x', 'y'], None if red is None else {'reduction': red})
        return b, f'mse_{sname(s)}_{red}', None
    if op == 'cross_entropy':
        C = random.randint(1, 7)
        red = random.choice([None, 'mean', 'sum', 'none'])
        if random.random() < 0.3:
            b.inp('x', [C]); b.intinp('t', [], [random.randrange(C)])
            s = [C]
        else:
            N = random.randint(1, 8); s = [N, C]
            b.inp('x', s); b.intinp('t', [N], [random.randrange(C) for _ in range(N)])
        if random.random() < 0.2:
            # scale logits
            x2 = b.op('mul', ['x', 3.0]); b.op('cross_entropy', [x2, 't'], None if red is None else {'reduction': red})
        else:
            b.op('cross_entropy', ['x', 't'], None if red is None else {'reduction': red})
        return b, f'ce_{sname(s)}_{red}', None
    if op == 'bce':
        s = rshape(0, 4)
        b.inp('x', s)
        hard = random.random() < 0.4
        if hard:
            n = int(np.prod(s)) if s else 1
            b.inputs['y'] = {'shape': s, 'data': [float(random.randint(0, 1)) for _ in range(n)], 'requires_grad': random.random() < 0.3}
            b.env['y'] = mk(b.inputs['y'], dt)
        else: b.inp('y', s, 'unit', rg=random.random() < 0.5)
        red = random.choice([None, 'mean', 'sum', 'none'])
        if random.random() < 0.2:
            x2 = b.op('mul', ['x', 4.0]); b.op('binary_cross_entropy_with_logits', [x2, 'y'], None if red is None else {'reduction': red})
        else:
            b.op('binary_cross_entropy_with_logits', ['x', 'y'], None if red is None else {'reduction': red})
        return b, f'bce_{sname(s)}_{red}', None
    if op == 'linear':
        inn, out = random.randint(1, 6), random.randint(1, 5)
        xr = random.choice([1, 2, 2, 3, 4])
        xs = [random.randint(1, 3) for _ in range(xr - 1)] + [inn]
        b.inp('x', xs, rg=random.random() < 0.8); b.inp('W', [out, inn], rg=random.random() < 0.85)
        args = ['x', 'W']
        if random.random() < 0.6:
            bs = [out] if random.random() < 0.9 else []
            b.inp('b', bs, rg=random.random() < 0.85); args.append('b')
        b.op('linear', args)
        return b, f'linear_{sname(xs)}_{out}_{len(args)}', None
    if op == 'where':
        sc, sa, sb = rshape(0, 3), rshape(0, 3), rshape(0, 3)
        out = torch.broadcast_shapes  # check broadcastable
        try:
            torch.broadcast_shapes(sc, sa, sb)
        except RuntimeError:
            # derive from common shape
            base = rshape(0, 3)
            def der():
                k = random.randint(0, len(base)); return [1 if random.random() < 0.3 else d for d in base[k:]]
            sc, sa, sb = der(), der(), der()
        b.boolinp('c', sc); b.inp('a', sa, rg=random.random() < 0.85); b.inp('bb', sb, rg=random.random() < 0.7)
        b.op('where', ['c', 'a', 'bb'])
        return b, f'where_{sname(sc)}_{sname(sa)}_{sname(sb)}', None

# ---- compositions ----
def pick(b, pred=None):
    names = [k for k, v in b.env.items() if v.is_floating_point() and k != 'w_out' and (pred is None or pred(v))]
    return random.choice(names[-4:] if random.random() < 0.7 else names)

def comp_step(b):
    cur = pick(b)
    s = b.shape(cur); r = len(s)
    cat = random.random()
    if cat < 0.3:
        op = random.choice(UN + ['clamp', 'leaky_relu'])
        if op in ('log', 'sqrt', 'reciprocal'):
            # make positive first
            p = b.op(random.choice(['exp', 'sigmoid', 'square']), [cur]) if random.random() < 0.7 else cur
            if op == 'reciprocal' or random.random() < 0.5: p = b.op('add', [p, 0.5])
            return b.op(op, [p])
        if op == 'clamp':
            c = random.choice([{'min': -0.5}, {'max': 0.8}, {'min': -0.5, 'max': 0.8}, {'min': 0.1}])
            return b.op('clamp', [cur], c)
        if op == 'leaky_relu': return b.op('leaky_relu', [cur], random.choice([None, {'negative_slope': 0.2}]))
        if op == 'exp': cur = b.op('tanh', [cur]) if random.random() < 0.5 else cur
        return b.op(op, [cur])
    if cat < 0.5:
        op = random.choice(BIN)
        if random.random() < 0.3 and op not in ('maximum', 'minimum'):
            sc = random.choice([2, -1.5, 0.5, 3, 0.25])
            if op == 'pow':
                sc = random.choice([2, 3, 0.5, -1, 1.5])
                if sc != int(sc) or sc < 0: cur = b.op('add', [b.op('sigmoid', [cur]), 0.5])
            return b.op(op, [cur, sc])
        # pick another with broadcast-compatible shape
        other = pick(b, lambda v: broadcastable(v.shape, s))
        if op == 'div':
            other = b.op('add', [b.op('exp', [other]), 0.2]) if random.random() < 0.8 else other
        if op == 'pow':
            cur = b.op('add', [b.op('sigmoid', [cur]), 0.5]); other = b.op('tanh', [other])
        args = [cur, other] if random.random() < 0.5 or op in ('div', 'pow') else [other, cur]
        return b.op(op, args)
    if cat < 0.65:
        op = random.choice(REDUCE)
        if r == 0 and op in ('var', 'std'): op = 'sum'
        d = rdims(s, allow_none=op in ('sum', 'mean', 'var', 'std'))
        kw = {}
        if d is not None:
            kw['dim'] = d
            if random.random() < 0.5: kw['keepdim'] = random.random() < 0.5
        if op in ('var', 'std') and random.random() < 0.5: kw['unbiased'] = False
        return b.op(op, [cur], kw or None)
    if cat < 0.85:
        return shape_op(b, cur)
    op = random.choice(known('softmax', 'log_softmax', 'matmul', 'linear', 'mse_loss', 'where'))
    if op in ('softmax', 'log_softmax'):
        d = random.randrange(-r, r) if r else 0
        return b.op(op, [cur], {'dim': d})
    if op == 'matmul':
        if r == 0: raise Reject()
        k = s[-1]
        rb = random.choice([1, 2, 3])
        if rb == 1: sh = [k]
        elif rb == 2: sh = [k, random.randint(1, 4)]
        else: sh = [random.choice([1, 2]), k, random.randint(1, 4)]
        nm = 'm%d' % b.n; b.inp(nm, sh, rg=random.random() < 0.7)
        return b.op('matmul', [cur, nm])
    if op == 'linear':
        if r == 0 or r > 4: raise Reject()
        k = s[-1]; o = random.randint(1, 4)
        nm = 'W%d' % b.n; b.inp(nm, [o, k]); args = [cur, nm]
        if random.random() < 0.5: bn = 'bl%d' % b.n; b.inp(bn, [o]); args.append(bn)
        return b.op('linear', args)
    if op == 'mse_loss':
        nm = 'tg%d' % b.n; b.inp(nm, s, rg=random.random() < 0.5)
        return b.op('mse_loss', [cur, nm], random.choice([None, {'reduction': 'sum'}, {'reduction': 'none'}]))
    if op == 'where':
        other = pick(b, lambda v: broadcastable(v.shape, s))
        cs = s[random.randint(0, r):] if r else []
        cn = 'cd%d' % b.n; b.boolinp(cn, cs)
        return b.op('where', [cn, cur, other])

def broadcastable(a, b):
    try: torch.broadcast_shapes(a, b); return True
    except RuntimeError: return False

def g_compose(dt):
    b = CB(dt)
    n_in = random.randint(1, 3)
    for i in range(n_in):
        b.inp('x%d' % i, rshape(0, 4), rg=random.random() < 0.9)
    target = random.randint(5, 25)
    tries = 0
    while len(b.prog) < target and tries < 200:
        tries += 1
        saved = (list(b.prog), dict(b.env), dict(b.inputs), b.n)
        try:
            comp_step(b)
        except (Reject, RuntimeError, IndexError, ValueError):
            b.prog, b.env, b.inputs, b.n = saved[0], saved[1], saved[2], saved[3]
    if not b.prog: raise Reject()
    # root: prefer the last
    return b, f'compose_{len(b.prog)}', None

GENS = {'binary': g_binary, 'unary': g_unary, 'reduce': g_reduce, 'matmul': g_matmul, 'shape': g_shape, 'nn': g_nn, 'compose': g_compose}

def make(gname, idx):
    for attempt in range(200):
        dt = random.choice(['float32', 'float64'])
        try:
            r = GENS[gname](dt)
            if len(r) == 3: b, nm, mode = r
            else: (b, nm), mode = r, None
            # ensure some input requires grad and reaches
            mode = b.finish(mode)
            c = b.case()
            if not any(v.get('requires_grad') for v in c['inputs'].values()): continue
            return finalize(c, f'{gname}/{nm}_{mode}_{idx}_{dt[-2:]}')
        except (Reject, RuntimeError, IndexError, ValueError) as e:
            continue
    return None

if __name__ == '__main__':
    counts = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {'binary': 250, 'unary': 150, 'reduce': 250, 'matmul': 150, 'shape': 250, 'nn': 250, 'compose': 300}
    for g, n in counts.items():
        cases = []
        for i in range(n):
            c = make(g, i)
            if c: cases.append(c)
        with open(__import__('os').path.join(__import__('os').path.dirname(__file__), 'cases', f'{g}_s{SEED}.json'), 'w') as f:
            json.dump({'format': 1, 'group': g, 'cases': cases}, f)
        print(g, len(cases), flush=True)
