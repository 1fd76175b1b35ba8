# Cases for op options no public golden case covers (pool ceil_mode / return_indices /
# divisor_override, 1-D pools, ...), computed by PyTorch 1.13 in the golden format:
# `/usr/bin/python3 tests/pytorch/options.py` writes tests/pytorch/cases/options.json, which
# tests/conformance.test.ts runs through the built package like every golden file.
# Each case is one statement; float32 cases backpropagate a random gradient from its first
# output, float64 ones the sum of it.
import json, os
import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
rng = np.random.RandomState(10)
DT = {'float32': torch.float32, 'float64': torch.float64}
TOL = {'float32': {'rtol': 1e-4, 'atol': 1e-5}, 'float64': {'rtol': 1e-9, 'atol': 1e-11}}


def fr(v, dtype):
    return [float(np.float32(x)) if dtype == 'float32' else float(x) for x in v]


def spec(t):
    d = {'shape': list(t.shape), 'data': t.detach().reshape(-1).tolist()}
    if t.dtype == torch.int64: d['dtype'] = 'int64'
    if t.dtype == torch.bool: d['dtype'] = 'bool'
    return d


def case(name, op, inputs, args, kwargs=None, nout=1, after=()):
    """inputs: {name: shape | ('int64', data, shape)}; args: names or literals."""
    out = []
    for dtype in ('float32', 'float64'):
        ins, env = {}, {}
        for k, v in inputs.items():
            if isinstance(v, tuple) and v[0] == 'int64':
                t = torch.tensor(v[1], dtype=torch.int64).reshape(v[2])
                ins[k] = {'shape': list(v[2]), 'data': list(v[1]), 'dtype': 'int64', 'requires_grad': False}
            else:
                data = fr(rng.randn(int(np.prod(v))), dtype)
                ins[k] = {'shape': list(v), 'data': data, 'requires_grad': True}
                t = torch.tensor(data, dtype=DT[dtype]).reshape(v).requires_grad_()
            env[k] = t
        fn = getattr(torch, op) if op in ('norm', 'einsum') else getattr(F, op)
        call = [env[a] if isinstance(a, str) and a in env else [env[b] for b in a] if isinstance(a, list) and a and all(isinstance(b, str) for b in a) else a for a in args]
        r = fn(kwargs['equation'], *call) if op == 'einsum' else fn(*call, **(kwargs or {}))
        outs = ['y'] if nout == 1 else ['y'] + ['y%d' % i for i in range(1, nout)]
        rs = [r] if nout == 1 else list(r)
        stmt = {'out': outs[0] if nout == 1 else outs, 'op': op, 'args': list(args)}
        if kwargs: stmt['kwargs'] = kwargs
        prog = [stmt]
        values = {o: spec(t) for o, t in zip(outs, rs)}
        for a in after:  # clones of inputs after the op (an in-place effect, e.g. max_norm's renorm)
            prog.append({'out': a + '_after', 'op': 'clone', 'args': [a]})
            values[a + '_after'] = spec(env[a].detach().clone())
        if dtype == 'float32':
            g = torch.tensor(fr(rng.randn(rs[0].numel()), dtype), dtype=DT[dtype]).reshape(rs[0].shape)
            rs[0].backward(g)
            backward = {'from': 'y', 'gradient': {'shape': list(g.shape), 'data': g.reshape(-1).tolist()}}
        else:
            s = rs[0].sum()
            prog.append({'out': 's', 'op': 'sum', 'args': ['y']})
            values['s'] = spec(s)
            s.backward()
            backward = {'from': 's', 'gradient': None}
        grads = {k: (spec(t.grad) if t.grad is not None else None) for k, t in env.items() if t.requires_grad}
        out.append({
            'name': 'options/%s_%s' % (name, 'f32' if dtype == 'float32' else 'f64'),
            'dtype': dtype, 'inputs': ins, 'program': prog, 'backward': backward,
            'expected': {'values': values, 'grads': grads}, 'tolerance': TOL[dtype],
        })
    return out


C = []
# ---- pools: ceil_mode, return_indices, divisor_override, dilation; 1-D pools
C += case('max_pool2d_k3_s2_p1_ceil', 'max_pool2d', {'x': [2, 3, 6, 7]}, ['x', 3], {'stride': 2, 'padding': 1, 'ceil_mode': True})
C += case('max_pool2d_k2_s2_ceil_odd', 'max_pool2d', {'x': [1, 2, 5, 5]}, ['x', 2], {'ceil_mode': True})
C += case('max_pool2d_k23_dil2_ceil', 'max_pool2d', {'x': [1, 2, 7, 6]}, ['x', [2, 3]], {'stride': [2, 2], 'dilation': [2, 1], 'ceil_mode': True})
C += case('max_pool2d_indices', 'max_pool2d', {'x': [2, 2, 5, 6]}, ['x', 2], {'return_indices': True}, nout=2)
C += case('max_pool2d_indices_unbatched_pad', 'max_pool2d', {'x': [3, 6, 5]}, ['x', 3], {'stride': 2, 'padding': 1, 'return_indices': True, 'ceil_mode': True}, nout=2)
C += case('avg_pool2d_k3_s2_p1_ceil', 'avg_pool2d', {'x': [2, 2, 6, 7]}, ['x', 3], {'stride': 2, 'padding': 1, 'ceil_mode': True})
C += case('avg_pool2d_k3_s2_p1_ceil_nopad', 'avg_pool2d', {'x': [2, 2, 6, 7]}, ['x', 3], {'stride': 2, 'padding': 1, 'ceil_mode': True, 'count_include_pad': False})
C += case('avg_pool2d_k2_ceil_odd', 'avg_pool2d', {'x': [1, 2, 5, 5]}, ['x', 2], {'ceil_mode': True})
C += case('avg_pool2d_divisor3', 'avg_pool2d', {'x': [2, 2, 6, 6]}, ['x', 3], {'stride': 2, 'padding': 1, 'divisor_override': 3})
C += case('avg_pool2d_divisor_ceil', 'avg_pool2d', {'x': [3, 5, 5]}, ['x', 2], {'ceil_mode': True, 'divisor_override': 2})
C += case('max_pool1d_k2', 'max_pool1d', {'x': [2, 3, 7]}, ['x', 2])
C += case('max_pool1d_k3_s2_p1_dil2_ceil', 'max_pool1d', {'x': [3, 9]}, ['x', 3], {'stride': 2, 'padding': 1, 'dilation': 2, 'ceil_mode': True})
C += case('max_pool1d_indices', 'max_pool1d', {'x': [2, 3, 8]}, ['x', 3], {'stride': 2, 'return_indices': True}, nout=2)
C += case('avg_pool1d_k2', 'avg_pool1d', {'x': [2, 3, 7]}, ['x', 2])
C += case('avg_pool1d_k3_s2_p1_ceil_nopad', 'avg_pool1d', {'x': [3, 8]}, ['x', 3], {'stride': 2, 'padding': 1, 'ceil_mode': True, 'count_include_pad': False})
C += case('adaptive_max_pool2d_23', 'adaptive_max_pool2d', {'x': [2, 3, 5, 7]}, ['x', [2, 3]])
C += case('adaptive_max_pool2d_indices_unbatched', 'adaptive_max_pool2d', {'x': [3, 6, 6]}, ['x', 4], {'return_indices': True}, nout=2)

def unpool_case(name, xshape, k, kw):
    out = []
    for dtype in ('float32', 'float64'):
        torch.manual_seed(len(C) + len(out))
        x0 = torch.randn(xshape, dtype=DT[dtype])
        y0, i0 = F.max_pool2d(x0, k, return_indices=True, **{kk: v for kk, v in kw.items() if kk in ('stride', 'padding')})
        data = fr(rng.randn(y0.numel()), dtype)
        y = torch.tensor(data, dtype=DT[dtype]).reshape(y0.shape).requires_grad_()
        u = F.max_unpool2d(y, i0, k, **kw)
        ins = {'y': {'shape': list(y.shape), 'data': data, 'requires_grad': True},
               'i': {'shape': list(i0.shape), 'data': i0.reshape(-1).tolist(), 'dtype': 'int64', 'requires_grad': False}}
        stmt = {'out': 'u', 'op': 'max_unpool2d', 'args': ['y', 'i', k]}
        if kw: stmt['kwargs'] = {kk: (list(v) if isinstance(v, tuple) else v) for kk, v in kw.items()}
        g = torch.tensor(fr(rng.randn(u.numel()), dtype), dtype=DT[dtype]).reshape(u.shape)
        u.backward(g)
        out.append({'name': 'options/%s_%s' % (name, 'f32' if dtype == 'float32' else 'f64'), 'dtype': dtype, 'inputs': ins,
                    'program': [stmt], 'backward': {'from': 'u', 'gradient': spec(g)},
                    'expected': {'values': {'u': spec(u)}, 'grads': {'y': spec(y.grad)}}, 'tolerance': TOL[dtype]})
    return out
C += unpool_case('max_unpool2d_k2', [2, 2, 4, 6], 2, {})
C += unpool_case('max_unpool2d_k3_s2_size', [1, 2, 5, 5], 3, {'stride': 2, 'output_size': [5, 5]})
C += unpool_case('max_unpool2d_overlap_unbatched', [2, 5, 4], 3, {'stride': 1, 'padding': 1})

# ---- F.pad modes
C += case('pad_reflect_1d', 'pad', {'x': [2, 3, 5]}, ['x', [3, 2]], {'mode': 'reflect'})
C += case('pad_reflect_1d_unbatched_neg', 'pad', {'x': [3, 6]}, ['x', [-2, 4]], {'mode': 'reflect'})
C += case('pad_reflect_2d', 'pad', {'x': [2, 2, 4, 5]}, ['x', [1, 3, 2, 3]], {'mode': 'reflect'})
C += case('pad_reflect_2d_unbatched', 'pad', {'x': [2, 3, 4]}, ['x', [2, 0, 1, 2]], {'mode': 'reflect'})
C += case('pad_replicate_1d', 'pad', {'x': [2, 3, 4]}, ['x', [5, 1]], {'mode': 'replicate'})
C += case('pad_replicate_2d_neg', 'pad', {'x': [1, 2, 4, 5]}, ['x', [3, -1, 2, 4]], {'mode': 'replicate'})
C += case('pad_replicate_3d', 'pad', {'x': [1, 2, 2, 3, 3]}, ['x', [1, 2, 0, 1, 2, 1]], {'mode': 'replicate'})
C += case('pad_circular_1d', 'pad', {'x': [2, 2, 5]}, ['x', [2, 5]], {'mode': 'circular'})
C += case('pad_circular_2d', 'pad', {'x': [2, 2, 3, 4]}, ['x', [1, 3, 2, 1]], {'mode': 'circular'})
C += case('pad_circular_2d_neg', 'pad', {'x': [1, 2, 4, 4]}, ['x', [-1, 2, 1, -2]], {'mode': 'circular'})

# ---- einsum: ellipsis (broadcasting), diagonals, implicit output
def einsum_case(name, eq, shapes):
    names = ['a', 'b', 'c'][:len(shapes)]
    return case(name, 'einsum', dict(zip(names, shapes)), [names], {'equation': eq})
C += einsum_case('einsum_ellipsis_batched_matmul', '...ij,...jk->...ik', [[3, 2, 3], [2, 1, 3, 4]])
C += einsum_case('einsum_ellipsis_implicit', '...ij,...jk', [[2, 3], [4, 3, 2]])
C += einsum_case('einsum_ellipsis_middle_summed', 'b...d,b...d->b', [[2, 3, 4], [2, 1, 4]])
C += einsum_case('einsum_ellipsis_out_last', 'i...->...i', [[2, 3, 4]])
C += einsum_case('einsum_diagonal', 'ii->i', [[4, 4]])
C += einsum_case('einsum_trace', 'ii->', [[3, 3]])
C += einsum_case('einsum_trace_implicit', 'ii', [[3, 3]])
C += einsum_case('einsum_batch_diagonal', 'bii->bi', [[2, 3, 3]])
C += einsum_case('einsum_diag_ellipsis', 'i...i->...', [[3, 2, 3]])
C += einsum_case('einsum_diag_times', 'iij,jk->ik', [[3, 3, 2], [2, 4]])
C += einsum_case('einsum_broadcast_letter', 'ij,jk->ik', [[2, 1], [3, 4]])
C += einsum_case('einsum_implicit_upper', 'Ab,bc', [[2, 3], [3, 4]])

# ---- torch.norm p='fro'
C += case('norm_fro_all', 'norm', {'x': [3, 4]}, ['x'], {'p': 'fro'})
C += case('norm_fro_all_keepdim', 'norm', {'x': [2, 3, 4]}, ['x'], {'p': 'fro', 'keepdim': True})
C += case('norm_fro_dim1', 'norm', {'x': [3, 4]}, ['x'], {'p': 'fro', 'dim': 1})
C += case('norm_fro_dims02', 'norm', {'x': [2, 3, 4]}, ['x'], {'p': 'fro', 'dim': [0, 2]})
C += case('norm_fro_dims_keepdim', 'norm', {'x': [2, 3, 4]}, ['x'], {'p': 'fro', 'dim': [-1, 1], 'keepdim': True})
C += case('norm_default_dims', 'norm', {'x': [2, 3, 4]}, ['x'], {'dim': [2, 0]})
C += case('norm_p2_keepdim_all', 'norm', {'x': [3, 4]}, ['x'], {'p': 2, 'keepdim': True})

# ---- F.embedding max_norm (renormalises the referenced rows in place) and scale_grad_by_freq
IDX = ('int64', [0, 2, 2, 4, 2, 0], [2, 3])
C += case('embedding_max_norm', 'embedding', {'idx': IDX, 'w': [6, 3]}, ['idx', 'w'], {'max_norm': 1.0}, after=['w'])
C += case('embedding_max_norm_p1', 'embedding', {'idx': IDX, 'w': [6, 3]}, ['idx', 'w'], {'max_norm': 1.5, 'norm_type': 1.0}, after=['w'])
C += case('embedding_scale_grad_by_freq', 'embedding', {'idx': IDX, 'w': [6, 3]}, ['idx', 'w'], {'scale_grad_by_freq': True})
C += case('embedding_all_options', 'embedding', {'idx': IDX, 'w': [6, 3]}, ['idx', 'w'],
          {'padding_idx': 2, 'max_norm': 0.8, 'norm_type': 3.0, 'scale_grad_by_freq': True}, after=['w'])

# ---- modules whose forward adds to an op (conv padding_mode): float64 state, input, output and
# gradients, for tests/options.test.ts -> tests/pytorch/options_modules.json
M = []
def module_case(name, make, in_shape):
    torch.manual_seed(len(M))
    m = make().double()
    x = torch.randn(in_shape, dtype=torch.float64, requires_grad=True)
    y = m(x)
    g = torch.randn(y.shape, dtype=torch.float64)
    y.backward(g)
    M.append({'name': name, 'repr': repr(m), 'state': {k: spec(v) for k, v in m.state_dict().items()},
              'input': spec(x), 'output': spec(y), 'grad_output': spec(g), 'grad_input': spec(x.grad),
              'grads': {k: spec(p.grad) for k, p in m.named_parameters()}})
module_case('conv2d_reflect', lambda: torch.nn.Conv2d(2, 3, 3, padding=1, padding_mode='reflect'), [2, 2, 5, 6])
module_case('conv2d_replicate_pad21_stride2', lambda: torch.nn.Conv2d(2, 4, (3, 2), stride=2, padding=(2, 1), padding_mode='replicate', bias=False), [1, 2, 5, 5])
module_case('conv2d_circular_same_dil2', lambda: torch.nn.Conv2d(2, 2, 3, padding='same', dilation=2, padding_mode='circular'), [1, 2, 6, 5])
module_case('conv1d_reflect_groups', lambda: torch.nn.Conv1d(4, 2, 3, padding=2, groups=2, padding_mode='reflect'), [2, 4, 7])
module_case('conv1d_circular', lambda: torch.nn.Conv1d(2, 3, 4, padding=3, padding_mode='circular'), [1, 2, 6])
module_case('conv1d_replicate_same_unbatched', lambda: torch.nn.Conv1d(3, 2, 4, padding='same', padding_mode='replicate'), [3, 8])
with open(os.path.join(os.path.dirname(__file__), 'options_modules.json'), 'w') as f:
    json.dump(M, f)

path = os.path.join(os.path.dirname(__file__), 'cases', 'options.json')
with open(path, 'w') as f:
    json.dump({'format': 1, 'group': 'options', 'cases': C}, f)
print('%d cases -> %s' % (len(C), path))
