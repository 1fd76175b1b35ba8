# LR schedulers and gradient clipping by PyTorch 1.13: `/usr/bin/python3 tests/pytorch/schedulers.py`
# writes tests/pytorch/schedulers.json (committed), which tests/optim-sched.test.ts replays.
#
# cases: a scheduler on an optimizer (real torch.optim here; a plain paramGroups double in the
#   test) stepped through `steps` ({} = step(), {"epoch": e} = step(e), {"metric": m} for
#   ReduceLROnPlateau); recorded: every group's lr (and momentum / betas) after construction and
#   after each step, get_last_lr(), the groups' scheduler keys, the scheduler's state_dict (JSON:
#   inf -> "inf", Counter -> dict, tuples -> lists; OneCycleLR's bound `anneal_func` left out, as a
#   function has no state) and the distinct warnings. `opt_step` calls optimizer.step() before each
#   scheduler step (no "Detected call" warning then).
# resume: state_dict after k steps loaded into a fresh scheduler, then continued (lrs must match).
# errors: constructor / step misuse with PyTorch's exception type and text.
# clip: clip_grad_norm_ / clip_grad_value_ on given gradients (grads after, the returned norm).
import json, math, os, warnings
from collections import Counter
import torch
from torch.optim import lr_scheduler as L

HERE = os.path.dirname(os.path.abspath(__file__))
LAMBDAS = {'inv': lambda e: 1.0 / (e + 1), 'step3': lambda e: 1.0 if e < 3 else 0.5, 'mul9': lambda e: 0.9}


def jsonable(v):
    if isinstance(v, float):
        if math.isinf(v):
            return 'inf' if v > 0 else '-inf'
        return v
    if isinstance(v, Counter):
        return {str(k): n for k, n in v.items()}
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items() if k != 'anneal_func'}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    return v


def make_opt(spec):
    groups = []
    for g in spec['groups']:
        p = torch.nn.Parameter(torch.zeros(2))
        groups.append(dict(g, params=[p]))
    return getattr(torch.optim, spec['type'])(groups, lr=spec['groups'][0]['lr'])


def make_sched(opt, s):
    kw = dict(s.get('kwargs', {}))
    t = s['type']
    if t in ('SequentialLR', 'ChainedScheduler'):
        subs = [make_sched(opt, c) for c in kw.pop('schedulers')]
        return L.ChainedScheduler(subs) if t == 'ChainedScheduler' else L.SequentialLR(opt, subs, **kw)
    if t in ('LambdaLR', 'MultiplicativeLR'):
        f = kw.pop('lr_lambda')
        kw['lr_lambda'] = [LAMBDAS[x] for x in f] if isinstance(f, list) else LAMBDAS[f]
    return getattr(L, t)(opt, **kw)


def group_keys(opt):
    keys = ['lr', 'initial_lr', 'max_lr', 'min_lr', 'max_momentum', 'base_momentum', 'momentum', 'betas']
    return [{k: jsonable(g[k]) for k in keys if k in g} for g in opt.param_groups]


def momenta(opt):
    return [jsonable(g['betas'] if 'betas' in g else g.get('momentum')) for g in opt.param_groups]


def step(opt, sched, st, opt_step):
    if opt_step:
        opt.step()
    if 'metric' in st:
        sched.step(st['metric'], st.get('epoch'))
    elif 'epoch' in st:
        sched.step(st['epoch'])
    else:
        sched.step()


def run_case(c):
    opt = make_opt(c['optimizer'])
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        sched = make_sched(opt, c['scheduler'])
        lrs = [[g['lr'] for g in opt.param_groups]]
        moms = [momenta(opt)]
        for st in c['steps']:
            step(opt, sched, st, c.get('opt_step', False))
            lrs.append([g['lr'] for g in opt.param_groups])
            moms.append(momenta(opt))
    msgs = []
    for x in w:
        m = str(x.message)
        if m not in msgs:
            msgs.append(m)
    out = dict(c, lrs=lrs, momentum=moms, groups=group_keys(opt), state_dict=jsonable(sched.state_dict()), warnings=msgs)
    if hasattr(sched, 'get_last_lr'):
        out['last_lr'] = sched.get_last_lr()
    return out


def run_resume(c):
    warnings.simplefilter('ignore')
    opt = make_opt(c['optimizer'])
    sched = make_sched(opt, c['scheduler'])
    k = c['resume_at']
    for st in c['steps'][:k]:
        step(opt, sched, st, False)
    sd = sched.state_dict()
    osd = opt.state_dict()
    opt2 = make_opt(c['optimizer'])
    opt2.load_state_dict(osd)
    s2 = dict(c['scheduler'])
    sched2 = make_sched(opt2, s2)
    sched2.load_state_dict(sd)
    lrs = []
    for st in c['steps'][k:]:
        step(opt2, sched2, st, False)
        lrs.append([g['lr'] for g in opt2.param_groups])
    return dict(c, groups_at_resume=group_keys(opt), state_dict=jsonable(sd), lrs_after=lrs)


def run_error(c):
    warnings.simplefilter('ignore')
    opt = make_opt(c['optimizer'])
    try:
        if c.get('not_optimizer'):
            getattr(L, c['scheduler']['type'])([], **c['scheduler'].get('kwargs', {}))
        elif c.get('other_optimizer'):
            opt2 = make_opt(c['optimizer'])
            kw = dict(c['scheduler']['kwargs'])
            subs = [make_sched(opt, kw['schedulers'][0]), make_sched(opt2, kw['schedulers'][1])]
            if c['scheduler']['type'] == 'ChainedScheduler':
                L.ChainedScheduler(subs)
            else:
                L.SequentialLR(opt, subs, kw['milestones'])
        else:
            sched = make_sched(opt, c['scheduler'])
            for st in c.get('steps', []):
                step(opt, sched, st, False)
    except Exception as e:
        return dict(c, error=type(e).__name__, message=str(e))
    raise AssertionError(f"no error: {c['name']}")


SGD = lambda *groups: {'type': 'SGD', 'groups': [dict({'lr': 0.1, 'momentum': 0.9}, **g) for g in groups] or [{'lr': 0.1, 'momentum': 0.9}]}
ADAM = lambda *groups: {'type': 'Adam', 'groups': [dict({'lr': 0.01}, **g) for g in groups] or [{'lr': 0.01}]}
N = lambda n: [{} for _ in range(n)]
S = lambda t, **kw: {'type': t, 'kwargs': kw}

CASES = [
    ('steplr', SGD(), S('StepLR', step_size=3, gamma=0.5), N(10)),
    ('steplr_default_gamma_two_groups', SGD({}, {'lr': 0.3}), S('StepLR', step_size=2), N(7)),
    ('steplr_epochs', SGD(), S('StepLR', step_size=3, gamma=0.5), [{}, {'epoch': 7}, {}, {'epoch': 2}, {}]),
    ('multisteplr_repeated', ADAM(), S('MultiStepLR', milestones=[2, 5, 5, 8], gamma=0.5), N(10)),
    ('multisteplr_epochs', ADAM(), S('MultiStepLR', milestones=[2, 5, 5], gamma=0.5), [{'epoch': 6}, {}, {'epoch': 1}]),
    ('exponentiallr', SGD(), S('ExponentialLR', gamma=0.9), N(8)),
    ('exponentiallr_epoch', SGD(), S('ExponentialLR', gamma=0.9), [{}, {'epoch': 5}, {}]),
    ('cosine', ADAM(), S('CosineAnnealingLR', T_max=6, eta_min=0.001), N(20)),
    ('cosine_epochs', ADAM(), S('CosineAnnealingLR', T_max=6), [{}, {'epoch': 4}, {}, {'epoch': 9}, {}]),
    ('cosine_two_groups', SGD({}, {'lr': 0.5}), S('CosineAnnealingLR', T_max=3, eta_min=0.01), N(9)),
    ('warm_restarts_tmult2', SGD(), S('CosineAnnealingWarmRestarts', T_0=2, T_mult=2, eta_min=0.001), N(16)),
    ('warm_restarts_epochs', SGD(), S('CosineAnnealingWarmRestarts', T_0=3, T_mult=2), [{'epoch': 0.5}, {'epoch': 4.25}, {}, {'epoch': 11}, {'epoch': 1}, {}]),
    ('warm_restarts_tmult1_epochs', SGD(), S('CosineAnnealingWarmRestarts', T_0=4), [{}, {'epoch': 9}, {}, {'epoch': 2.5}]),
    ('linearlr_default', SGD(), S('LinearLR'), N(8)),
    ('linearlr_decay_epochs', SGD(), S('LinearLR', start_factor=1.0, end_factor=0.2, total_iters=4), [{}, {'epoch': 2}, {}, {'epoch': 10}]),
    ('constantlr_default', ADAM(), S('ConstantLR'), N(8)),
    ('constantlr_epochs', ADAM(), S('ConstantLR', factor=0.25, total_iters=3), [{}, {'epoch': 4}, {'epoch': 1}, {}]),
    ('onecycle_sgd', SGD(), S('OneCycleLR', max_lr=1.0, total_steps=10), N(9)),
    ('onecycle_adam_betas', ADAM({}, {'lr': 0.5, 'betas': (0.8, 0.99)}), S('OneCycleLR', max_lr=[0.1, 0.2], epochs=2, steps_per_epoch=5, pct_start=0.4), N(9)),
    ('onecycle_three_phase_linear', SGD(), S('OneCycleLR', max_lr=0.5, total_steps=12, three_phase=True, anneal_strategy='linear', base_momentum=0.8, max_momentum=0.9), N(11)),
    ('onecycle_no_cycle_momentum', ADAM(), S('OneCycleLR', max_lr=0.1, total_steps=7, cycle_momentum=False, div_factor=5.0, final_div_factor=50.0), N(6)),
    ('plateau_min_rel', SGD(), S('ReduceLROnPlateau', patience=1, factor=0.5), [{'metric': m} for m in [1, 0.9, 0.95, 0.97, 0.8, 0.85, 0.86, 0.87, 0.5]]),
    ('plateau_max_abs_cooldown', ADAM({}, {'lr': 0.02}), S('ReduceLROnPlateau', mode='max', threshold_mode='abs', threshold=0.05, patience=0, cooldown=2, min_lr=[0.001, 0.004]), [{'metric': m} for m in [0.1, 0.12, 0.3, 0.31, 0.2, 0.2, 0.2, 0.5, 0.5, 0.5, 0.5]]),
    ('plateau_eps', SGD({'lr': 1e-8}), S('ReduceLROnPlateau', patience=0, eps=1e-9), [{'metric': m} for m in [1, 1, 1, 1, 1]]),
    ('plateau_epoch', SGD(), S('ReduceLROnPlateau', patience=0), [{'metric': 1}, {'metric': 2, 'epoch': 7}, {'metric': 3}]),
    ('lambdalr', SGD(), S('LambdaLR', lr_lambda='inv'), N(5)),
    ('lambdalr_per_group', SGD({}, {'lr': 0.2}), S('LambdaLR', lr_lambda=['inv', 'step3']), N(6)),
    ('multiplicativelr', SGD(), S('MultiplicativeLR', lr_lambda='mul9'), N(5)),
    ('multiplicativelr_per_group', SGD({}, {'lr': 0.2}), S('MultiplicativeLR', lr_lambda=['inv', 'mul9']), N(5)),
    ('polynomiallr', SGD(), S('PolynomialLR', total_iters=4, power=2.0), N(7)),
    ('polynomiallr_default_epochs', ADAM(), S('PolynomialLR'), [{}, {'epoch': 3}, {}, {'epoch': 9}]),
    ('sequential_warmup_cosine', SGD(), S('SequentialLR', schedulers=[S('LinearLR', start_factor=0.1, total_iters=3), S('CosineAnnealingLR', T_max=8)], milestones=[3]), N(12)),
    ('sequential_three', ADAM(), S('SequentialLR', schedulers=[S('ConstantLR', factor=0.5, total_iters=2), S('ExponentialLR', gamma=0.8), S('StepLR', step_size=2, gamma=0.5)], milestones=[3, 6]), N(10)),
    ('chained', SGD(), S('ChainedScheduler', schedulers=[S('ConstantLR', factor=0.1, total_iters=2), S('ExponentialLR', gamma=0.9)]), N(6)),
    ('chained_step_linear_two_groups', ADAM({}, {'lr': 0.04}), S('ChainedScheduler', schedulers=[S('StepLR', step_size=3, gamma=0.5), S('LinearLR', start_factor=0.5, total_iters=4)]), N(8)),
]

RESUMES = [
    ('steplr', SGD(), S('StepLR', step_size=3, gamma=0.5), N(10), 4),
    ('cosine', ADAM(), S('CosineAnnealingLR', T_max=6, eta_min=0.001), N(14), 5),
    ('warm_restarts', SGD(), S('CosineAnnealingWarmRestarts', T_0=2, T_mult=2), N(12), 5),
    ('onecycle', SGD(), S('OneCycleLR', max_lr=1.0, total_steps=12), N(11), 4),
    ('polynomial', ADAM(), S('PolynomialLR', total_iters=6, power=0.5), N(8), 2),
    ('multistep', ADAM(), S('MultiStepLR', milestones=[2, 6, 6], gamma=0.5), N(9), 3),
    ('plateau', SGD(), S('ReduceLROnPlateau', patience=1, factor=0.5, cooldown=1), [{'metric': m} for m in [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5]], 3),
]

ERRORS = [
    ('not_an_optimizer', SGD(), S('StepLR', step_size=3), {'not_optimizer': True}),
    ('plateau_not_an_optimizer', SGD(), S('ReduceLROnPlateau'), {'not_optimizer': True}),
    ('resume_without_initial_lr', SGD(), S('StepLR', step_size=3, last_epoch=4), {}),
    ('constant_factor', SGD(), S('ConstantLR', factor=1.5), {}),
    ('linear_start_factor', SGD(), S('LinearLR', start_factor=1.5), {}),
    ('linear_end_factor', SGD(), S('LinearLR', end_factor=-0.5), {}),
    ('warm_restarts_t0', SGD(), S('CosineAnnealingWarmRestarts', T_0=0), {}),
    ('warm_restarts_t0_float', SGD(), S('CosineAnnealingWarmRestarts', T_0=2.5), {}),
    ('warm_restarts_tmult', SGD(), S('CosineAnnealingWarmRestarts', T_0=2, T_mult=0), {}),
    ('warm_restarts_negative_epoch', SGD(), S('CosineAnnealingWarmRestarts', T_0=2), {'steps': [{'epoch': -1}]}),
    ('onecycle_no_steps', SGD(), S('OneCycleLR', max_lr=0.1), {}),
    ('onecycle_total_steps', SGD(), S('OneCycleLR', max_lr=0.1, total_steps=0), {}),
    ('onecycle_epochs', SGD(), S('OneCycleLR', max_lr=0.1, epochs=0, steps_per_epoch=3), {}),
    ('onecycle_steps_per_epoch', SGD(), S('OneCycleLR', max_lr=0.1, epochs=2, steps_per_epoch=-1), {}),
    ('onecycle_pct_start', SGD(), S('OneCycleLR', max_lr=0.1, total_steps=5, pct_start=1.5), {}),
    ('onecycle_anneal', SGD(), S('OneCycleLR', max_lr=0.1, total_steps=5, anneal_strategy='exp'), {}),
    ('onecycle_max_lr_list', SGD(), S('OneCycleLR', max_lr=[0.1, 0.2], total_steps=5), {}),
    ('onecycle_no_momentum', {'type': 'Adagrad', 'groups': [{'lr': 0.1}]}, S('OneCycleLR', max_lr=0.1, total_steps=5), {}),
    ('onecycle_too_many_steps', SGD(), S('OneCycleLR', max_lr=0.1, total_steps=3), {'steps': N(4)}),
    ('plateau_factor', SGD(), S('ReduceLROnPlateau', factor=1.0), {}),
    ('plateau_mode', SGD(), S('ReduceLROnPlateau', mode='median'), {}),
    ('plateau_threshold_mode', SGD(), S('ReduceLROnPlateau', threshold_mode='relative'), {}),
    ('plateau_min_lr_list', SGD(), S('ReduceLROnPlateau', min_lr=[0.1, 0.2]), {}),
    ('lambda_count', SGD(), S('LambdaLR', lr_lambda=['inv', 'inv']), {}),
    ('multiplicative_count', SGD(), S('MultiplicativeLR', lr_lambda=['inv', 'inv']), {}),
    ('sequential_milestones', SGD(), S('SequentialLR', schedulers=[S('ConstantLR'), S('ExponentialLR', gamma=0.9)], milestones=[2, 4]), {}),
    ('sequential_other_optimizer', SGD(), S('SequentialLR', schedulers=[S('ConstantLR'), S('ExponentialLR', gamma=0.9)], milestones=[2]), {'other_optimizer': True}),
    ('chained_other_optimizer', SGD(), S('ChainedScheduler', schedulers=[S('ConstantLR'), S('ExponentialLR', gamma=0.9)]), {'other_optimizer': True}),
]


def clip_cases():
    g = torch.Generator().manual_seed(3)
    out = []
    specs = [
        ('norm2_active', 'clip_grad_norm_', {'max_norm': 1.0}, ['float32', 'float64']),
        ('norm2_inactive', 'clip_grad_norm_', {'max_norm': 100.0}, ['float32']),
        ('norm_inf', 'clip_grad_norm_', {'max_norm': 0.5, 'norm_type': 'inf'}, ['float32', 'float64']),
        ('norm_p1', 'clip_grad_norm_', {'max_norm': 2.0, 'norm_type': 1.0}, ['float32', 'float64']),
        ('norm_p3', 'clip_grad_norm_', {'max_norm': 0.75, 'norm_type': 3}, ['float32', 'float64']),
        ('norm_p0_5', 'clip_grad_norm_', {'max_norm': 4.0, 'norm_type': 0.5}, ['float64']),
        ('value', 'clip_grad_value_', {'clip_value': 0.3}, ['float32', 'float64']),
    ]
    for name, fn, kw, dts in specs:
        for dt in dts:
            dtype = getattr(torch, dt)
            shapes = [[3, 4], [5], []]
            grads = [torch.randn(s, generator=g, dtype=torch.float64).to(dtype) for s in shapes]
            ps = [torch.zeros(s, dtype=dtype, requires_grad=True) for s in shapes] + [torch.zeros(2, dtype=dtype, requires_grad=True)]
            for p, gr in zip(ps, grads):
                p.grad = gr.clone()
            r = getattr(torch.nn.utils, fn)(ps, **kw)
            out.append({
                'name': f'{name}_{dt[-2:]}', 'fn': fn, 'kwargs': kw, 'dtype': dt,
                'grads': [{'shape': list(x.shape), 'data': x.reshape(-1).tolist()} for x in grads] + [None],
                'grads_after': [{'shape': list(p.grad.shape), 'data': p.grad.reshape(-1).tolist()} for p in ps[:3]] + [None],
                'total_norm': None if r is None else {'dtype': str(r.dtype).replace('torch.', ''), 'value': r.item()},
            })
    # No gradients at all: torch.tensor(0.) (float32 whatever the params are).
    ps = [torch.zeros(2, dtype=torch.float64, requires_grad=True)]
    r = torch.nn.utils.clip_grad_norm_(ps, 1.0)
    out.append({'name': 'no_grads', 'fn': 'clip_grad_norm_', 'kwargs': {'max_norm': 1.0}, 'dtype': 'float64', 'grads': [None], 'grads_after': [None],
                'total_norm': {'dtype': str(r.dtype).replace('torch.', ''), 'value': r.item()}})
    errors = []
    p = torch.zeros(2, requires_grad=True)
    p.grad = torch.tensor([float('inf'), 1.0])
    for nt in (2.0, 'inf'):
        try:
            torch.nn.utils.clip_grad_norm_([p], 1.0, norm_type=nt, error_if_nonfinite=True)
        except RuntimeError as e:
            errors.append({'norm_type': nt, 'message': str(e)})
    return out, errors


def main():
    cases = [run_case({'name': n, 'optimizer': o, 'scheduler': s, 'steps': st}) for n, o, s, st in CASES]
    cases.append(run_case({'name': 'steplr_order_ok', 'optimizer': SGD(), 'scheduler': S('StepLR', step_size=2), 'steps': N(3), 'opt_step': True}))
    resumes = [run_resume({'name': n, 'optimizer': o, 'scheduler': s, 'steps': st, 'resume_at': k}) for n, o, s, st, k in RESUMES]
    errors = [run_error(dict({'name': n, 'optimizer': o, 'scheduler': s}, **extra)) for n, o, s, extra in ERRORS]
    clips, clip_errors = clip_cases()
    out = {'torch_version': torch.__version__, 'cases': cases, 'resume': resumes, 'errors': errors, 'clip': clips, 'clip_errors': clip_errors}
    with open(os.path.join(HERE, 'schedulers.json'), 'w') as f:
        json.dump(out, f, indent=1, allow_nan=False)
        f.write('\n')
    print(f'{len(cases)} cases, {len(resumes)} resumes, {len(errors)} errors, {len(clips)} clips')


main()
