# The autograd graphs PyTorch 1.13 records for kl_div, cross_entropy (label smoothing, weight,
# ignore_index, K-dim), xlogy's three forms and the bool-mask ops: `/usr/bin/python3
# tests/pytorch/loss_graphs.py` writes loss_graphs.json, which tests/loss-graphs.test.ts compares
# with asgrad's graphs. A graph is written depth first from the result's grad_fn, one line per node
# (its name, indented by depth; inputs that need no gradient are skipped; a node met again is
# marked ' *' and not expanded again; leaves are AccumulateGrad).
import json, os
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


def walk(t):
    seen, out = [], []

    def w(fn, d):
        if fn is None:
            return
        name = fn.name().replace('torch::autograd::', '')
        if any(fn is s for s in seen):
            out.append('  ' * d + name + ' *')
            return
        out.append('  ' * d + name)
        seen.append(fn)
        for n, _ in fn.next_functions:
            w(n, d + 1)

    w(t.grad_fn, 0)
    return out


def leaf(*shape, grad=True):
    return torch.rand(*shape, dtype=torch.float64).requires_grad_(grad)


def cls(*vals, shape=None):
    t = torch.tensor(vals, dtype=torch.int64)
    return t.reshape(shape) if shape is not None else t


def index_put(x, mask, v):
    y = x * 1
    y[mask] = v
    return y


def masked_fill_(x, mask, v):
    y = x * 1
    y.masked_fill_(mask, v)
    return y


# name -> the computation; tests/loss-graphs.test.ts has the same table.
CASES = {
    'kl_div mean': lambda: F.kl_div(leaf(2, 3), leaf(2, 3), reduction='mean'),
    'kl_div sum': lambda: F.kl_div(leaf(2, 3), leaf(2, 3), reduction='sum'),
    'kl_div none': lambda: F.kl_div(leaf(2, 3), leaf(2, 3), reduction='none'),
    'kl_div batchmean': lambda: F.kl_div(leaf(2, 3), leaf(2, 3), reduction='batchmean'),
    'kl_div batchmean, target without grad': lambda: F.kl_div(leaf(2, 3), leaf(2, 3, grad=False), reduction='batchmean'),
    'kl_div log_target': lambda: F.kl_div(leaf(2, 3), leaf(2, 3), reduction='batchmean', log_target=True),
    'cross_entropy': lambda: F.cross_entropy(leaf(4, 3), cls(0, 2, 1, 2)),
    'cross_entropy ls mean': lambda: F.cross_entropy(leaf(4, 3), cls(0, 2, 1, 2), label_smoothing=0.1),
    'cross_entropy ls sum': lambda: F.cross_entropy(leaf(4, 3), cls(0, 2, 1, 2), reduction='sum', label_smoothing=0.1),
    'cross_entropy ls none': lambda: F.cross_entropy(leaf(4, 3), cls(0, 2, 1, 2), reduction='none', label_smoothing=0.1),
    'cross_entropy ls ignore_index': lambda: F.cross_entropy(leaf(4, 3), cls(0, 2, 1, 2), ignore_index=1, label_smoothing=0.2),
    'cross_entropy ls weight mean': lambda: F.cross_entropy(leaf(4, 3), cls(0, 2, 1, 2), leaf(3, grad=False), label_smoothing=0.1),
    'cross_entropy ls weight sum': lambda: F.cross_entropy(
        leaf(4, 3), cls(0, 2, 1, 2), leaf(3, grad=False), reduction='sum', label_smoothing=0.1
    ),
    'cross_entropy ls weight none ignore_index': lambda: F.cross_entropy(
        leaf(4, 3), cls(0, 2, 1, 2), leaf(3, grad=False), reduction='none', ignore_index=2, label_smoothing=0.1
    ),
    'cross_entropy ls K-dim': lambda: F.cross_entropy(leaf(2, 3, 4), cls(0, 2, 1, 2, 1, 1, 0, 2, shape=(2, 4)), ignore_index=1, label_smoothing=0.2),
    'cross_entropy ls 4-D weight': lambda: F.cross_entropy(
        leaf(2, 3, 2, 2), cls(0, 2, 1, 2, 1, 1, 0, 2, shape=(2, 2, 2)), leaf(3, grad=False), label_smoothing=0.3
    ),
    'cross_entropy ls one sample': lambda: F.cross_entropy(leaf(3), cls(1, shape=()), label_smoothing=0.1),
    'xlogy': lambda: torch.xlogy(leaf(2, 3), leaf(3)),
    'xlogy number self': lambda: torch.xlogy(2.5, leaf(3)),
    'xlogy number other': lambda: torch.xlogy(leaf(3), 3),
    'masked_select': lambda: torch.masked_select(leaf(2, 3), torch.tensor([True, False, True])),
    'index_put_ mask': lambda: index_put(leaf(2, 3), torch.tensor([False, True]), leaf(3)),
    'index_put_ number': lambda: index_put(leaf(2, 3), torch.tensor([[False, True, True], [True, False, False]]), 0.5),
    'masked_fill_': lambda: masked_fill_(leaf(2, 3), torch.tensor([True, False, True]), 0.5),
}

if __name__ == '__main__':
    torch.manual_seed(0)
    out = {'pytorch': torch.__version__, 'graphs': {name: walk(f()) for name, f in CASES.items()}}
    with open(os.path.join(HERE, 'loss_graphs.json'), 'w') as fh:
        json.dump(out, fh, indent=1)
        fh.write('\n')
    print(len(CASES), 'graphs')
