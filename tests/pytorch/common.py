import torch, json, math, random
import torch.nn.functional as F
import numpy as np
torch.set_num_threads(1)

DT = {'float32': torch.float32, 'float64': torch.float64}

class Reject(Exception): pass

# The op lists come from the registry: tests/pytorch/ops.json is written from ts/ops/<kind>.ts by
# `npm run ops:export` (a vitest test fails when it is stale). Registry order is draw order.
import os as _os
OPS = json.load(open(_os.path.join(_os.path.dirname(__file__), 'ops.json')))['ops']
BY_PY = {o['py']: o for o in OPS}
def _golden(o, args):
    return o['golden'] is not None and o['golden']['args'] == args and o['differentiable']
# sign's gradient is zero everywhere: a gradient case would check nothing.
NO_GRADIENT_CASES = {'sign'}
# Unary float ops: one tensor, no keywords.
UN = [o['py'] for o in OPS if o['kind'] == 'elementwise' and _golden(o, [['T']]) and not o['golden'].get('kwargs')
      and o['py'] not in NO_GRADIENT_CASES]
# Binary arithmetic: tensor and tensor-or-number (comparisons are not differentiable).
BIN = [o['py'] for o in OPS if o['kind'] == 'elementwise' and _golden(o, [['T', 'N']])]
# Reductions over dims (dim / keepdim keywords); VAR are those that also take `unbiased`.
REDUCE = [o['py'] for o in OPS if o['kind'] == 'reduction' and _golden(o, [['T']]) and 'dim' in o['golden'].get('kwargs', [])]
VAR = [p for p in REDUCE if 'unbiased' in BY_PY[p]['golden']['kwargs']]

def known(*ops):
    """The ops a generator spells by hand must be entries of the registry with a golden signature."""
    missing = [op for op in ops if op not in BY_PY or BY_PY[op]['golden'] is None]
    if missing: raise SystemExit('not in the registry (tests/pytorch/ops.json): ' + ', '.join(missing))
    return list(ops)

def chk(cond):
    if not bool(cond): raise Reject()

def kinkcheck(op, args, kw):
    # sampling-rule checks on actual operand values (computed in whatever dtype)
    x = args[0] if args else None
    if op in ('relu', 'abs'):
        chk((x.detach().abs() >= 1e-3).all())
    elif op == 'leaky_relu':
        chk((x.detach().abs() >= 1e-3).all())
    elif op == 'clamp':
        xd = x.detach()
        if kw.get('min') is not None: chk(((xd - kw['min']).abs() >= 1e-3).all())
        if kw.get('max') is not None: chk(((xd - kw['max']).abs() >= 1e-3).all())
    elif op in ('maximum', 'minimum'):
        chk(((args[0].detach() - args[1].detach()).abs() >= 1e-3).all())
    elif op in ('log', 'sqrt'):
        chk((x.detach() >= 1e-3).all())
    elif op == 'reciprocal':
        chk((x.detach() >= 1e-2).all())
    elif op == 'div':
        b = args[1]
        if isinstance(b, torch.Tensor): chk((b.detach().abs() >= 1e-2).all())
        else: chk(abs(b) >= 1e-2)
    elif op == 'pow':
        b = args[1]
        if isinstance(b, torch.Tensor) or (float(b) != int(b)):
            chk((x.detach() >= 1e-3).all())
        if not isinstance(b, torch.Tensor) and b < 0:
            chk((x.detach().abs() >= 1e-1).all())
    elif op in ('amax', 'amin'):
        xd = x.detach()
        if xd.dim() == 0: return
        d = kw['dim']; d = [d] if isinstance(d, int) else list(d)
        d = [di % xd.dim() for di in d]
        rest = [i for i in range(xd.dim()) if i not in d]
        p = xd.permute(rest + d).reshape([xd.shape[i] for i in rest] + [-1])
        if p.shape[-1] >= 2:
            s = p.sort(dim=-1).values
            if op == 'amax': gap = s[..., -1] - s[..., -2]
            else: gap = s[..., 1] - s[..., 0]
            chk((gap >= 1e-3).all())
    elif op == 'std':
        pass

def apply(op, args, kw):
    kinkcheck(op, args, kw)
    a = args
    if op == 'add': return torch.add(a[0], a[1])
    if op == 'sub': return torch.sub(a[0], a[1])
    if op == 'mul': return torch.mul(a[0], a[1])
    if op == 'div': return torch.div(a[0], a[1])
    if op == 'pow': return torch.pow(a[0], a[1])
    if op == 'maximum': return torch.maximum(a[0], a[1])
    if op == 'minimum': return torch.minimum(a[0], a[1])
    if op in UN:
        return getattr(torch, op)(a[0])
    if op == 'clamp': return torch.clamp(a[0], min=kw.get('min'), max=kw.get('max'))
    def dimv():
        d = kw['dim']; return tuple(d) if isinstance(d, list) else d
    if op in ('sum', 'mean'):
        f = getattr(torch, op)
        if 'dim' in kw: return f(a[0], dim=dimv(), keepdim=kw.get('keepdim', False))
        return f(a[0])
    if op in ('amax', 'amin', 'logsumexp'):
        return getattr(torch, op)(a[0], dim=dimv(), keepdim=kw.get('keepdim', False))
    if op in ('var', 'std'):
        f = getattr(torch, op)
        if 'dim' in kw: r = f(a[0], dim=dimv(), unbiased=kw.get('unbiased', True), keepdim=kw.get('keepdim', False))
        else: r = f(a[0], unbiased=kw.get('unbiased', True))
        if op == 'std': chk((r.detach() >= 1e-3).all())
        return r
    if op == 'matmul': return torch.matmul(a[0], a[1])
    if op == 'transpose': return torch.transpose(a[0], a[1], a[2])
    if op == 't': return torch.t(a[0])
    if op == 'reshape': return torch.reshape(a[0], a[1])
    if op == 'view': return a[0].view(a[1])
    if op == 'flatten': return torch.flatten(a[0], kw.get('start_dim', 0), kw.get('end_dim', -1))
    if op == 'squeeze': return torch.squeeze(a[0], a[1]) if len(a) > 1 else torch.squeeze(a[0])
    if op == 'unsqueeze': return torch.unsqueeze(a[0], a[1])
    if op == 'expand': return a[0].expand(a[1])
    if op == 'permute': return a[0].permute(a[1])
    if op == 'cat': return torch.cat(a[0], a[1])
    if op == 'stack': return torch.stack(a[0], a[1])
    if op == 'narrow': return torch.narrow(a[0], a[1], a[2], a[3])
    if op == 'index_select': return torch.index_select(a[0], a[1], a[2])
    if op == 'softmax': return F.softmax(a[0], dim=kw['dim'])
    if op == 'log_softmax': return F.log_softmax(a[0], dim=kw['dim'])
    if op == 'mse_loss': return F.mse_loss(a[0], a[1], reduction=kw.get('reduction', 'mean'))
    if op == 'cross_entropy': return F.cross_entropy(a[0], a[1], reduction=kw.get('reduction', 'mean'))
    if op == 'binary_cross_entropy_with_logits':
        return F.binary_cross_entropy_with_logits(a[0], a[1], reduction=kw.get('reduction', 'mean'))
    if op == 'linear': return F.linear(a[0], a[1], a[2] if len(a) > 2 else None)
    if op == 'leaky_relu': return F.leaky_relu(a[0], kw.get('negative_slope', 0.01))
    if op == 'where': return torch.where(a[0], a[1], a[2])
    raise ValueError(op)

def mk(spec, dtype):
    dt = spec.get('dtype', dtype)
    if dt == 'int64': t = torch.tensor(spec['data'], dtype=torch.int64)
    elif dt == 'bool': t = torch.tensor(spec['data'], dtype=torch.bool)
    else: t = torch.tensor(spec['data'], dtype=DT[dt])
    t = t.reshape(spec['shape'])
    if spec.get('requires_grad'): t.requires_grad_(True)
    return t

def resolve(arg, env):
    if isinstance(arg, str): return env[arg]
    if isinstance(arg, list) and arg and all(isinstance(x, str) for x in arg): return [env[x] for x in arg]
    return arg

def execute(case, dtype):
    env = {k: mk(v, dtype) for k, v in case['inputs'].items()}
    inputs = dict(env)
    for s in case['program']:
        args = [resolve(a, env) for a in s['args']]
        r = apply(s['op'], args, s.get('kwargs', {}))
        env[s['out']] = r
    bw = case.get('backward')
    if bw:
        root = env[bw['from']]
        if bw['gradient'] is None: root.backward()
        else: root.backward(mk(bw['gradient'], dtype))
    vals = {s['out']: env[s['out']].detach() for s in case['program']}
    grads = {k: (v.grad if v.grad is None else v.grad.detach()) for k, v in inputs.items() if v.requires_grad}
    return vals, grads

def tspec(t):
    return {'shape': list(t.shape), 'data': t.reshape(-1).tolist()}

LEVELS = {'float32': [(1e-5, 1e-6), (1e-4, 1e-5), (5e-4, 5e-5)],
          'float64': [(1e-10, 1e-12), (1e-9, 1e-11), (1e-8, 1e-10)]}
L1OPS = {'matmul', 'linear', 'softmax', 'log_softmax', 'logsumexp', 'var', 'std', 'mse_loss', 'cross_entropy',
         'binary_cross_entropy_with_logits'}

def level(case):
    n = len(case['program'])
    lv = 0
    if n > 6: lv = 1
    if any(s['op'] in L1OPS for s in case['program']): lv = max(lv, 1)
    # big reductions
    for k, v in case['inputs'].items():
        numel = int(np.prod(v['shape'])) if v['shape'] else 1
        if numel > 16: lv = max(lv, 1)
        if numel > 1000: lv = 2
    if n >= 20: lv = 2
    return lv

def finalize(case, name):
    """case without expected/tolerance; computes them. raises Reject."""
    dtype = case['dtype']
    vals, grads = execute(case, dtype)
    for t in list(vals.values()) + [g for g in grads.values() if g is not None]:
        if t.is_floating_point():
            chk(torch.isfinite(t).all()); chk((t.abs() < 1e5).all())
    # f64 rerun for precision
    v64, g64 = execute(case, 'float64')
    rtol, atol = LEVELS[dtype][level(case)]
    def maxerr_ratio(rt, at):
        worst = 0.0
        for k in vals:
            a = vals[k].double(); b = v64[k].double()
            if not a.is_floating_point(): continue
            e = (a - b).abs(); allowed = at + rt * b.abs()
            worst = max(worst, float((e / allowed).max()) if e.numel() else 0.0)
        for k in grads:
            if grads[k] is None: continue
            a = grads[k].double(); b = g64[k].double()
            e = (a - b).abs(); allowed = at + rt * b.abs()
            worst = max(worst, float((e / allowed).max()) if e.numel() else 0.0)
        return worst
    # estimate error
    if dtype == 'float32':
        est = lambda rt, at: maxerr_ratio(rt, at)
    else:
        # compare f32 vs f64 run, scale by 2^-29
        v32, g32 = execute(case, 'float32')
        def est(rt, at):
            worst = 0.0
            for k in vals:
                if not vals[k].is_floating_point(): continue
                e = (v32[k].double() - vals[k]).abs() * 2**-29
                worst = max(worst, float((e / (at + rt * vals[k].abs())).max()) if e.numel() else 0)
            for k in grads:
                if grads[k] is None: continue
                e = (g32[k].double() - grads[k]).abs() * 2**-29
                worst = max(worst, float((e / (at + rt * grads[k].abs())).max()) if e.numel() else 0)
            return worst
    factors = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
    for f in factors:
        if est(rtol * f, atol * f) <= 0.1: break
    else:
        raise Reject()
    case = dict(case)
    case['name'] = name
    case['expected'] = {'values': {k: tspec(v) for k, v in vals.items()},
                        'grads': {k: (None if g is None else tspec(g)) for k, g in grads.items()}}
    case['tolerance'] = {'rtol': rtol * f, 'atol': atol * f}
    return {k: case[k] for k in ['name', 'dtype', 'inputs', 'program', 'backward', 'expected', 'tolerance']}
