# PyTorch 1.13 reference for tests/nn-init.test.ts: calculate_gain values, fans, the exact fills
# (eye_, dirac_, constant_), the distribution each random init must follow (its bounds or std as
# torch.nn.init computes them), and the error messages.
# Run: /usr/bin/python3 tests/pytorch/nn_init.py > tests/pytorch/nn_init.json
import json, math, warnings
import torch
import torch.nn.init as init

out = {'torch': torch.__version__}

gains = []
for nl in ['linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d',
           'sigmoid', 'tanh', 'relu', 'selu']:
    gains.append({'nonlinearity': nl, 'param': None, 'gain': float(init.calculate_gain(nl))})
for p in [None, 0, 0.2, math.sqrt(5), -1.5, 3]:
    gains.append({'nonlinearity': 'leaky_relu', 'param': p, 'gain': float(init.calculate_gain('leaky_relu', p))})
out['gains'] = gains

shapes = [[3, 5], [5, 3], [4, 3, 2], [6, 2, 3, 3], [2, 3, 1, 2, 2], [1, 7]]
out['fans'] = [{'shape': s, 'fans': list(init._calculate_fan_in_and_fan_out(torch.empty(s)))} for s in shapes]

# Exact fills: eye_ and dirac_ are deterministic.
exact = []
for s in [[3, 5], [4, 2], [1, 1]]:
    exact.append({'fn': 'eye_', 'shape': s, 'args': [], 'kwargs': {}, 'values': init.eye_(torch.empty(s)).flatten().tolist()})
for s, g in [([4, 2, 3], 1), ([4, 2, 3], 2), ([6, 3, 3, 3], 3), ([2, 4, 3, 2], 1), ([4, 2, 3, 3, 2], 2), ([3, 5, 4], 1)]:
    exact.append({'fn': 'dirac_', 'shape': s, 'args': [g], 'kwargs': {},
                  'values': init.dirac_(torch.empty(s), g).flatten().tolist()})
for s, v in [([2, 3], 0.25), ([4], -3.0)]:
    exact.append({'fn': 'constant_', 'shape': s, 'args': [v], 'kwargs': {}, 'values': init.constant_(torch.empty(s), v).flatten().tolist()})
exact.append({'fn': 'ones_', 'shape': [2, 2], 'args': [], 'kwargs': {}, 'values': init.ones_(torch.empty(2, 2)).flatten().tolist()})
exact.append({'fn': 'zeros_', 'shape': [3], 'args': [], 'kwargs': {}, 'values': init.zeros_(torch.ones(3)).flatten().tolist()})
out['exact'] = exact

# Distributions: the parameters torch.nn.init derives (same formulas, same float arithmetic).
def norm_cdf(x):
    return (1. + math.erf(x / math.sqrt(2.))) / 2.
def trunc_moments(mean, std, a, b):
    al, be = (a - mean) / std, (b - mean) / std
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    z = norm_cdf(be) - norm_cdf(al)
    m = mean + std * (pdf(al) - pdf(be)) / z
    v = std * std * (1 + (al * pdf(al) - be * pdf(be)) / z - ((pdf(al) - pdf(be)) / z) ** 2)
    return m, v

dists = []
def uniform_case(fn, shape, args, kwargs, lo, hi):
    dists.append({'fn': fn, 'shape': shape, 'args': args, 'kwargs': kwargs, 'distribution': 'uniform', 'low': lo, 'high': hi})
def normal_case(fn, shape, args, kwargs, mean, std):
    dists.append({'fn': fn, 'shape': shape, 'args': args, 'kwargs': kwargs, 'distribution': 'normal', 'mean': mean, 'std': std})

uniform_case('uniform_', [200, 50], [], {}, 0.0, 1.0)
uniform_case('uniform_', [200, 50], [-3.0, 0.5], {}, -3.0, 0.5)
uniform_case('uniform_', [10000], [], {'a': 2.0, 'b': 2.5}, 2.0, 2.5)
normal_case('normal_', [200, 50], [], {}, 0.0, 1.0)
normal_case('normal_', [10000], [1.5, 0.25], {}, 1.5, 0.25)
normal_case('normal_', [10000], [], {'std': 3.0}, 0.0, 3.0)
for shape, gain in [([300, 40], 1.0), ([64, 16, 3, 3], 2.0), ([50, 70], init.calculate_gain('relu'))]:
    fi, fo = init._calculate_fan_in_and_fan_out(torch.empty(shape))
    std = gain * math.sqrt(2.0 / float(fi + fo))
    a = math.sqrt(3.0) * std
    uniform_case('xavier_uniform_', shape, [gain] if gain != 1.0 else [], {}, -a, a)
    normal_case('xavier_normal_', shape, [], {'gain': gain}, 0.0, std)
for shape, a, mode, nl in [([300, 40], 0, 'fan_in', 'leaky_relu'), ([64, 16, 3, 3], math.sqrt(5), 'fan_in', 'leaky_relu'),
                           ([50, 70], 0, 'fan_out', 'relu'), ([40, 30, 5], 0.1, 'FAN_OUT', 'leaky_relu'),
                           ([120, 80], 0, 'fan_in', 'tanh')]:
    fan = init._calculate_correct_fan(torch.empty(shape), mode)
    gain = init.calculate_gain(nl, a)
    std = gain / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    kw = {}
    if a != 0: kw['a'] = a
    if mode != 'fan_in': kw['mode'] = mode
    if nl != 'leaky_relu': kw['nonlinearity'] = nl
    uniform_case('kaiming_uniform_', shape, [], kw, -bound, bound)
    normal_case('kaiming_normal_', shape, [], kw, 0.0, std)
for shape, args, kwargs in [([20000], [], {}), ([200, 100], [0.5, 2.0, -1.0, 3.0], {}), ([20000], [], {'mean': 1.0, 'std': 0.5, 'a': 0.0, 'b': 1.2})]:
    p = dict(zip(['mean', 'std', 'a', 'b'], args))
    p.update(kwargs)
    mean, std, a, b = p.get('mean', 0.), p.get('std', 1.), p.get('a', -2.), p.get('b', 2.)
    m, v = trunc_moments(mean, std, a, b)
    dists.append({'fn': 'trunc_normal_', 'shape': shape, 'args': args, 'kwargs': kwargs, 'distribution': 'trunc_normal',
                  'low': a, 'high': b, 'mean': m, 'std': math.sqrt(v)})
out['distributions'] = dists

# sparse_: the count of zeros per column, int(math.ceil(sparsity * rows)).
out['sparse'] = [{'shape': s, 'sparsity': sp, 'std': sd, 'zeros_per_column': int(math.ceil(sp * s[0]))}
                 for s, sp, sd in [([100, 30], 0.1, 0.01), ([50, 40], 0.35, 1.0), ([7, 3], 0.0, 0.5), ([9, 4], 1.0, 2.0)]]

errors = []
def err(fn, shape, args=(), kwargs=None, dtype='float32'):
    kwargs = kwargs or {}
    f = getattr(init, fn)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            if shape is None:
                f(*args, **kwargs)
            else:
                f(torch.empty(shape, dtype=getattr(torch, dtype)), *args, **kwargs)
        raise SystemExit(f'{fn} {shape} {args} {kwargs} did not raise')
    except (ValueError, RuntimeError, ZeroDivisionError) as e:
        errors.append({'fn': fn, 'shape': shape, 'args': list(args), 'kwargs': kwargs, 'dtype': dtype,
                       'type': type(e).__name__, 'message': str(e)})
err('calculate_gain', None, ['foo'])
err('calculate_gain', None, ['softmax'])
err('calculate_gain', None, ['leaky_relu', 'x'])
err('calculate_gain', None, ['leaky_relu', True])
err('_calculate_fan_in_and_fan_out', [3])
err('_calculate_fan_in_and_fan_out', [])
err('xavier_uniform_', [5])
err('xavier_normal_', [])
err('kaiming_uniform_', [4], [])
err('kaiming_normal_', [3, 4], [], {'mode': 'fan_avg'})
err('kaiming_uniform_', [3, 4], [0, 'FAN_x'])
err('kaiming_uniform_', [3, 4], [], {'nonlinearity': 'gelu'})
err('eye_', [3])
err('eye_', [2, 2, 2])
err('dirac_', [3, 3])
err('dirac_', [2, 2, 2, 2, 2, 2])
err('dirac_', [5, 2, 3], [2])
err('orthogonal_', [4])
err('sparse_', [4], [0.5])
err('sparse_', [2, 3, 4], [0.5])
err('uniform_', [3], [1.0, 0.0])
err('normal_', [3], [0.0, -1.0])
err('kaiming_normal_', [3, 4], [], {'mode': 'fan_in', 'nonlinearity': 'leaky_relu', 'a': 'x'})
err('uniform_', [3], [], {}, 'int64')
err('normal_', [3], [], {}, 'int64')
err('xavier_uniform_', [0, 0])
out['errors'] = errors

print(json.dumps(out, indent=1))
