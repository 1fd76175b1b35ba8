# PyTorch 1.13 reference for tests/attention.test.ts: nn.MultiheadAttention, nn.TransformerEncoderLayer
# and nn.TransformerEncoder cases beyond ../shared/golden-train (masks of every kind and dtype, 3-D
# masks, unbatched inputs, batch_first both ways, kdim/vdim, add_bias_kv, add_zero_attn, per-head
# weights, a module activation, the encoder stack with and without a final norm), in the format of
# golden-train's modules.json (README-ops-modules.md; a module argument is {"module": spec}), plus
# PyTorch's error messages. Run: /usr/bin/python3 tests/pytorch/attention.py > tests/pytorch/attention.json
import json
import torch
import torch.nn as nn

torch.manual_seed(0)
DT = {'float32': torch.float32, 'float64': torch.float64}
TOL = {'float32': {'rtol': 5e-4, 'atol': 5e-5}, 'float64': {'rtol': 1e-8, 'atol': 1e-10}}


def enc(t, with_dtype=False):
    d = {'shape': list(t.shape), 'data': t.detach().reshape(-1).tolist()}
    if t.dtype == torch.bool:
        d['dtype'] = 'bool'
    elif t.dtype == torch.int64:
        d['dtype'] = 'int64'
    elif with_dtype:
        d['dtype'] = str(t.dtype).replace('torch.', '')
    return d


def build(spec, dt):
    kw = {}
    for k, v in (spec.get('kwargs') or {}).items():
        kw[k] = build(v['module'], dt) if isinstance(v, dict) and 'module' in v else v
    args = [build(a['module'], dt) if isinstance(a, dict) and 'module' in a else a for a in spec.get('args', [])]
    return getattr(nn, spec['type'])(*args, **kw).to(DT[dt])


def case(name, dt, spec, inputs, args, kwargs=None, mode='train', perturb=False):
    m = build(spec, dt)
    if perturb:  # distinct values per layer (the clones start equal)
        with torch.no_grad():
            for p in m.parameters():
                p.add_(torch.randn(p.shape, dtype=p.dtype) * 0.1)
    m.train(mode == 'train')
    sd = {k: enc(v) for k, v in m.state_dict().items()}
    env = {}
    for k, v in inputs.items():
        t = v.to(DT[dt]) if v.is_floating_point() else v
        if t.is_floating_point() and k in args:
            t.requires_grad_(True)
        env[k] = t
    out = m(*[env[a] for a in args], **{k: env[v] if isinstance(v, str) else v for k, v in (kwargs or {}).items()})
    outs = list(out) if isinstance(out, tuple) else [out]
    grads = [torch.randn(o.shape, dtype=o.dtype) for o in outs]
    torch.autograd.backward(outs, grads)
    expected_grads = {f'input:{k}': enc(t.grad) for k, t in env.items() if t.requires_grad}
    for k, p in m.named_parameters():
        expected_grads[k] = enc(p.grad)
    inputs_json = {}
    for k, t in env.items():
        e = enc(t, with_dtype=t.is_floating_point() and k not in args)
        e['requires_grad'] = t.requires_grad
        inputs_json[k] = e
    return {
        'name': name,
        'dtype': dt,
        'module': spec,
        'state_dict': sd,
        'mode': mode,
        'inputs': inputs_json,
        'forward': {'args': args, 'kwargs': kwargs or {}},
        'backward': {'gradient': [enc(g) for g in grads] if isinstance(out, tuple) else enc(grads[0])},
        'expected': {
            'output': [enc(o) for o in outs] if isinstance(out, tuple) else enc(out),
            'grads': expected_grads,
            'state_dict_after': {},
            'repr': str(m),
            'parameters': [k for k, _ in m.named_parameters()],
            'num_parameters': sum(p.numel() for p in m.parameters()),
        },
        'tolerance': TOL[dt],
    }


def causal(n):
    return torch.ones(n, n, dtype=torch.bool).triu(1)


cases = []
for dt in ('float32', 'float64'):
    f = dt[-2:]
    E, H, L, S, N = 8, 2, 4, 5, 2
    # sequence-first, self-attention, a float 2-D mask (added), eval mode
    cases.append(case(f'mha_seq_first_float_mask_eval_{f}', dt, {'type': 'MultiheadAttention', 'args': [E, H]},
                      {'x': torch.randn(L, N, E), 'mask': torch.randn(L, L)}, ['x', 'x', 'x'], {'attn_mask': 'mask'}, mode='eval'))
    # cross-attention (key is value), 3-D bool mask, float key padding mask, batch_first
    m3 = torch.rand(N * H, L, S) < 0.3
    m3[..., 0] = False
    kpm_or = torch.zeros(N, S)  # nonzero is true in the logical_or with a bool mask
    kpm_or[1, 2] = 0.5
    cases.append(case(f'mha_kv_3d_bool_mask_float_kpm_{f}', dt, {'type': 'MultiheadAttention', 'args': [E, H], 'kwargs': {'batch_first': True}},
                      {'q': torch.randn(N, L, E), 'kv': torch.randn(N, S, E), 'mask': m3, 'kpm': kpm_or},
                      ['q', 'kv', 'kv'], {'attn_mask': 'mask', 'key_padding_mask': 'kpm'}))
    # a float key padding mask alone: added to the scores
    cases.append(case(f'mha_float_kpm_added_{f}', dt, {'type': 'MultiheadAttention', 'args': [E, H]},
                      {'x': torch.randn(S, N, E), 'kpm': torch.randn(N, S)}, ['x', 'x', 'x'], {'key_padding_mask': 'kpm'}))
    # float attn_mask with a bool key padding mask: masked_fill(-inf)
    kpmb = torch.zeros(N, S, dtype=torch.bool)
    kpmb[1, -2:] = True
    cases.append(case(f'mha_float_mask_bool_kpm_{f}', dt, {'type': 'MultiheadAttention', 'args': [E, H], 'kwargs': {'batch_first': True}},
                      {'x': torch.randn(N, S, E), 'mask': torch.randn(S, S), 'kpm': kpmb}, ['x', 'x', 'x'], {'attn_mask': 'mask', 'key_padding_mask': 'kpm'}))
    # unbatched query/key/value (three tensors), 1-D padding mask, 3-D [H, L, S] mask; per-head weights
    ub = torch.rand(H, L, S) < 0.3
    ub[..., 1] = False
    kp1 = torch.zeros(S, dtype=torch.bool)
    kp1[-1] = True
    cases.append(case(f'mha_unbatched_per_head_{f}', dt, {'type': 'MultiheadAttention', 'args': [E, H], 'kwargs': {'batch_first': True}},
                      {'q': torch.randn(L, E), 'k': torch.randn(S, E), 'v': torch.randn(S, E), 'mask': ub, 'kpm': kp1},
                      ['q', 'k', 'v'], {'attn_mask': 'mask', 'key_padding_mask': 'kpm', 'average_attn_weights': False}))
    # kdim/vdim (separate projection weights), add_bias_kv, add_zero_attn, both masks padded
    kpm2 = torch.zeros(N, S, dtype=torch.bool)
    kpm2[0, 0] = True
    cases.append(case(f'mha_kdim_vdim_bias_kv_zero_attn_{f}', dt,
                      {'type': 'MultiheadAttention', 'args': [E, H], 'kwargs': {'kdim': 3, 'vdim': 5, 'add_bias_kv': True, 'add_zero_attn': True}},
                      {'q': torch.randn(L, N, E), 'k': torch.randn(S, N, 3), 'v': torch.randn(S, N, 5), 'mask': torch.rand(L, S) < 0.3, 'kpm': kpm2},
                      ['q', 'k', 'v'], {'attn_mask': 'mask', 'key_padding_mask': 'kpm'}))
    # encoder layer: sequence-first, padding mask, eval mode (dropout 0.1 inactive), relu
    kp = torch.zeros(N, S, dtype=torch.bool)
    kp[1, -1] = True
    cases.append(case(f'tel_seq_first_kpm_eval_{f}', dt, {'type': 'TransformerEncoderLayer', 'args': [E, H], 'kwargs': {'dim_feedforward': 16}},
                      {'x': torch.randn(S, N, E), 'kpm': kp}, ['x'], {'src_key_padding_mask': 'kpm'}, mode='eval'))
    # encoder layer: a module activation (a child, printed), norm_first, layer_norm_eps
    cases.append(case(f'tel_gelu_module_norm_first_{f}', dt,
                      {'type': 'TransformerEncoderLayer', 'args': [E, H],
                       'kwargs': {'dim_feedforward': 12, 'dropout': 0.0, 'activation': {'module': {'type': 'GELU', 'args': ['tanh']}},
                                  'layer_norm_eps': 1e-3, 'norm_first': True, 'batch_first': True}},
                      {'x': torch.randn(N, S, E), 'mask': torch.randn(S, S)}, ['x'], {'src_mask': 'mask'}))
    # the encoder: two clones (perturbed apart), a final LayerNorm, causal mask and padding mask
    layer = {'type': 'TransformerEncoderLayer', 'args': [E, H], 'kwargs': {'dim_feedforward': 16, 'dropout': 0.0, 'batch_first': True}}
    cases.append(case(f'encoder_2_layers_norm_{f}', dt,
                      {'type': 'TransformerEncoder', 'args': [{'module': layer}, 2], 'kwargs': {'norm': {'module': {'type': 'LayerNorm', 'args': [E]}}}},
                      {'x': torch.randn(N, S, E), 'mask': causal(S), 'kpm': kpmb}, ['x'], {'mask': 'mask', 'src_key_padding_mask': 'kpm'}, perturb=True))
    # the encoder without a norm, sequence-first, gelu, three layers
    layer2 = {'type': 'TransformerEncoderLayer', 'args': [E, H], 'kwargs': {'dim_feedforward': 8, 'dropout': 0.0, 'activation': 'gelu'}}
    cases.append(case(f'encoder_3_layers_{f}', dt, {'type': 'TransformerEncoder', 'args': [{'module': layer2}, 3]},
                      {'x': torch.randn(S, N, E)}, ['x'], perturb=True))


def err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return f'{type(e).__name__}: {e}'
    raise SystemExit('expected an error')


mha = nn.MultiheadAttention(8, 2)
sep = nn.MultiheadAttention(8, 2, kdim=4, vdim=6)
x = torch.randn(5, 2, 8)
errors = {
    'divisible': err(lambda: nn.MultiheadAttention(7, 2)),
    'kpm_dtype': err(lambda: mha(x, x, x, key_padding_mask=torch.zeros(2, 5, dtype=torch.int64))),
    'attn_dtype': err(lambda: mha(x, x, x, attn_mask=torch.zeros(5, 5, dtype=torch.int64))),
    'attn_2d_shape': err(lambda: mha(x, x, x, attn_mask=torch.zeros(4, 5, dtype=torch.bool))),
    'attn_3d_shape': err(lambda: mha(x, x, x, attn_mask=torch.zeros(3, 5, 5, dtype=torch.bool))),
    'attn_4d': err(lambda: mha(x, x, x, attn_mask=torch.zeros(1, 4, 5, 5, dtype=torch.bool))),
    'kpm_shape': err(lambda: mha(x, x, x, key_padding_mask=torch.zeros(2, 4, dtype=torch.bool))),
    'kpm_dim': err(lambda: mha(x, x, x, key_padding_mask=torch.zeros(2, 5, 1, dtype=torch.bool))),
    'query_dim': err(lambda: mha(x[None], x[None], x[None])),
    'kv_dims': err(lambda: mha(x, x[0], x)),
    'unbatched_kv_dims': err(lambda: mha(x[0], x, x[0])),
    'unbatched_kpm_dim': err(lambda: mha(x[:, 0], x[:, 0], x[:, 0], key_padding_mask=torch.zeros(2, 5, dtype=torch.bool))),
    'unbatched_3d_mask': err(lambda: mha(x[:, 0], x[:, 0], x[:, 0], attn_mask=torch.zeros(4, 5, 5, dtype=torch.bool))),
    'embed_dim': err(lambda: mha(torch.randn(5, 2, 6), torch.randn(5, 2, 6), torch.randn(5, 2, 6))),
    'kv_shape': err(lambda: mha(x, x, torch.randn(4, 2, 8))),
    'sep_kv_dims': err(lambda: sep(x, torch.randn(5, 2, 4), torch.randn(4, 2, 6))),
    'sep_weight': err(lambda: sep(x, torch.randn(5, 2, 5), torch.randn(5, 2, 6))),
    'activation': err(lambda: nn.TransformerEncoderLayer(8, 2, activation='tanh')),
    'layer_kpm_dtype': err(lambda: nn.TransformerEncoderLayer(8, 2)(x, src_key_padding_mask=torch.zeros(2, 5, dtype=torch.int64))),
    'encoder_kpm_dtype': err(lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2), 1)(x, src_key_padding_mask=torch.zeros(2, 5, dtype=torch.int64))),
}

# need_weights=False: the same output, no weights; dropout on the weights in training only
m = nn.MultiheadAttention(8, 2, dropout=0.5)
json.dump({'format': 1, 'group': 'modules', 'torch_version': torch.__version__, 'cases': cases, 'errors': errors,
           'repr_dropout': str(m)}, __import__('sys').stdout, allow_nan=False)
