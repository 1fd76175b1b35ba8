#!/usr/bin/python3
"""Marks where a float32 fuzz program's own rounding exceeds the replay tolerance.

usage (repository root, PyTorch 1.13): /usr/bin/python3 tests/fuzz/noise.py programs.json out.json

A float32 program can be ill-conditioned (a softmax of inputs divided by 1e-3, a sum of terms
that cancel): PyTorch's float32 result is then itself off from the exact value by more than the
replay's float32 tolerance, and asgrad (another summation order) cannot be expected to land on
PyTorch's rounding. For each program that computes in float32, this runs its float64 twin (every
float32 input and cast made float64) in PyTorch and, for each element of the trace and of the
final grads where PyTorch's float32 values differ from the twin's by more than the float32
tolerance, records the tensor's largest gap: `prog["noise"] = {"trace": {step: gap}, "grads": {name: gap}}`.
The replayer then accepts asgrad's values of that tensor within twice PyTorch's own error. Tensors
that are well-conditioned keep the plain tolerance, and everything else (dtypes, names, errors) is
compared as before.
"""
import copy, json, math, os, sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, '..', '..', '..', 'shared', 'fuzz'))
import gen  # noqa: E402  (../shared/fuzz/gen.py: its executor, run_program)

RTOL, ATOL = 1e-4, 1e-5  # the replay's float32 tolerance (tests/fuzz/replay.ts)


def twin(prog):
    t = copy.deepcopy(prog)
    for s in t['steps']:
        if s['op'] == 'input' and s.get('dtype') == 'float32':
            s['dtype'] = 'float64'
        if s['op'] == 'to' and s['args'][1] == 'float32':
            s['args'][1] = 'float64'
    return t


def forked(fn, *args):
    """PyTorch 1.13 aborts on a few double-backward programs: run in a child, None if it dies."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rfd)
        try:
            data = json.dumps(fn(*args)).encode()
        except Exception:  # noqa
            data = b''
        with os.fdopen(wfd, 'wb') as f:
            f.write(data)
        os._exit(0)
    os.close(wfd)
    with os.fdopen(rfd, 'rb') as f:
        data = f.read()
    os.waitpid(pid, 0)
    return json.loads(data) if data else None


def num(v):
    return {'nan': math.nan, 'inf': math.inf, '-inf': -math.inf}.get(v, v) if isinstance(v, str) else float(v)


def gap(ref, tw):
    """How far PyTorch's float32 tensor is off from its float64 twin, when past the tolerance.

    The largest gap over the tensor's elements: the rounding of one computation is shared by its
    elements (an element can land on the exact value by chance while its neighbours do not).
    """
    if not ref or not tw or ref['shape'] != tw['shape'] or ref['dtype'] not in ('float32', 'float64'):
        return None
    worst, past = 0.0, False
    for a, b in zip(ref['data'], tw['data']):
        a, b = num(a), num(b)
        if math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
            continue
        d = abs(a - b)
        worst = max(worst, d)
        past = past or d > ATOL + RTOL * abs(b)
    return worst if past else None


def annotate(prog):
    if not any(s['op'] == 'input' and s.get('dtype') == 'float32' for s in prog['steps']):
        return None
    ref = prog['ref']
    tw = forked(gen.run_program, twin(prog))
    if tw is None or (tw['error'] is None) != (ref['error'] is None) or len(tw['trace']) != len(ref['trace']):
        return None
    noise = {'trace': {}, 'grads': {}}
    for i, (a, b) in enumerate(zip(ref['trace'], tw['trace'])):
        g = gap(a, b)
        if g is not None:
            noise['trace'][str(i)] = g
    for name, a in ref['grads'].items():
        g = gap(a, tw['grads'].get(name))
        if g is not None:
            noise['grads'][name] = g
    return noise if noise['trace'] or noise['grads'] else None


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src) as f:
        progs = json.load(f)
    marked = 0
    for p in progs:
        p.pop('noise', None)
        n = annotate(p)
        if n:
            p['noise'] = n
            marked += 1
    with open(dst, 'w') as f:
        json.dump(progs, f)
    print('%d of %d programs have float32 elements beyond the tolerance of their float64 twin -> %s' % (marked, len(progs), dst))


if __name__ == '__main__':
    main()
