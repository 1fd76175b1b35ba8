# PyTorch 1.13 reference for tests/autograd-graph.test.ts: the graph torchviz's make_dot draws for
# a few programs, read from PyTorch's own grad_fn / next_functions / variable / _base (no torchviz
# or graphviz needed). Nodes are numbered in the order make_dot first mentions them (a node
# statement or an edge), which is the order torch.autograd.graph.toDot numbers them in, so the two
# graphs compare as they are: per node its label lines and fill colour, and the edge list in order.
# Run: /usr/bin/python3 tests/pytorch/graph.py > tests/pytorch/graph.json
import json
import torch

torch.set_num_threads(1)
torch.manual_seed(0)


def walk(outputs, params):
    names = {id(v): k for k, v in params.items()}
    ids = {}
    nodes = {}
    edges = []
    seen = set()

    def nid(obj):
        if id(obj) not in ids:
            ids[id(obj)] = len(ids)
        return ids[id(obj)]

    def shape(t):
        return "(" + ", ".join(str(d) for d in t.shape) + ")"

    def var_node(t, fill):
        nodes[nid(t)] = {"label": [names.get(id(t), ""), " " + shape(t)], "fill": fill}

    def edge(a, b, style=None):
        e = [nid(a), nid(b)]
        if style:
            e.append(style)
        edges.append(e)

    def add_fn(fn):
        if fn in seen:
            return
        seen.add(fn)
        if hasattr(fn, "variable"):
            v = fn.variable
            seen.add(v)
            var_node(v, "lightblue")
            edge(v, fn)
        nodes[nid(fn)] = {"label": [type(fn).__name__], "fill": None}
        for u, _ in fn.next_functions:
            if u is not None:
                edge(u, fn)
                add_fn(u)

    def add_tensor(t, fill="darkolivegreen1"):
        if t in seen:
            return
        seen.add(t)
        var_node(t, fill)
        if t.grad_fn is not None:
            add_fn(t.grad_fn)
            edge(t.grad_fn, t)
        if t._is_view():
            add_tensor(t._base, "darkolivegreen3")
            edge(t._base, t, "dotted")

    for t in outputs:
        add_tensor(t)
    return {"nodes": [nodes[i] for i in range(len(ids))], "edges": edges}


class MyMul(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b, g * a


class TwoOut(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a):
        return a * 2, a * 3

    @staticmethod
    def backward(ctx, g1, g2):
        return g1 * 2 + g2 * 3


def seed():
    # ../shared/seed/ports/01_chain_rule.py, the graph of `out`
    x = torch.ones(3, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    return [out], {"x": x}


def shared():
    x = torch.tensor([0.5, -1.0], requires_grad=True)
    w = torch.tensor([2.0, 3.0], requires_grad=True)
    a = x * w
    return [(a.exp() + a.sin()).sum()], {"x": x, "w": w}


def unbind():
    a = torch.ones(4, requires_grad=True)
    p = a.unbind(0)
    return [p[1] * p[2]], {"a": a}


def split():
    a = torch.ones(5, 2, requires_grad=True)
    s = a.split(2)
    return [s[0].sum() + s[2].mul(2).sum()], {"a": a}


def custom():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    w = torch.tensor([3.0, 4.0], requires_grad=True)
    return [MyMul.apply(x, w).sum()], {"x": x, "w": w}


def custom_two_outputs():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    p, q = TwoOut.apply(x)
    return [p.mul(q).sum()], {"x": x}


def linear():
    torch.manual_seed(0)
    lin = torch.nn.Linear(4, 3)
    x = torch.ones(2, 4)
    return [lin(x).tanh().sum()], dict(lin.named_parameters())


def several_outputs():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.mul(2)
    return [y.sum(), y.exp()], {"x": x}


def view_output():
    x = torch.ones(2, 3, requires_grad=True)
    return [x.mul(2).view(3, 2)], {"x": x}


def unnamed_leaf():
    x = torch.ones(2, requires_grad=True)
    w = torch.ones(2, 2, requires_grad=True)
    return [w.mv(x)], {"w": w}


CASES = [seed, shared, unbind, split, custom, custom_two_outputs, linear, several_outputs, view_output, unnamed_leaf]

out = {"torch": torch.__version__, "cases": []}
for case in CASES:
    outputs, params = case()
    out["cases"].append({"name": case.__name__, **walk(outputs, params)})
print(json.dumps(out, indent=1))
