# PyTorch 1.13 reference for tests/split.test.ts: torch.unbind / split / chunk (ts/ops/split.ts) —
# output shapes and values, node names and output numbers, the input's gradient when only some
# outputs receive one (the others count as zeros), float32 and float64; the argument errors; and the
# errors of in-place modification of an output (multi-output views); unsafe_split / unsafe_chunk,
# whose outputs are not views; the node names of an LSTM's and a GRU's graph.
# Run: /usr/bin/python3 tests/pytorch/split.py > tests/pytorch/split.json
import json
import torch

torch.set_num_threads(1)
torch.manual_seed(0)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


# name, op, input shape, args, outputs that receive a gradient
CASES = [
    ("unbind_dim0", "unbind", [3, 4], [], [0, 1, 2]),
    ("unbind_dim1_partial", "unbind", [2, 3, 2], [1], [0, 2]),
    ("unbind_last_one_grad", "unbind", [2, 3], [-1], [1]),
    ("split_int", "split", [5, 3], [2], [0, 1, 2]),
    ("split_int_dim1_partial", "split", [3, 5], [2, 1], [2]),
    ("split_bigger_than_dim", "split", [4, 2], [10], [0]),
    ("split_sizes", "split", [3, 6], [[1, 0, 5], -1], [0, 2]),
    ("split_sizes_dim0", "split", [4, 2], [[3, 1]], [1]),
    ("chunk_3", "chunk", [5, 3], [3], [0, 1]),
    ("chunk_fewer", "chunk", [3, 6], [4, 1], [0, 2]),
    ("chunk_exact", "chunk", [6], [3], [1, 2]),
    ("chunk_empty_dim", "chunk", [0, 3], [3], [0, 1, 2]),
    ("split_zero_empty", "split", [0, 3], [0], [0]),
    ("unsafe_chunk_gates", "unsafe_chunk", [2, 8], [4, 1], [0, 3]),
    ("unsafe_chunk_empty_dim", "unsafe_chunk", [0, 2], [2], [1]),
    ("unsafe_split_int", "unsafe_split", [5, 3], [2], [1, 2]),
]

cases = []
for dt in ("float32", "float64"):
    dtype = {"float32": torch.float32, "float64": torch.float64}[dt]
    for name, op, shape, args, grads in CASES:
        x = torch.randn(shape, dtype=dtype, requires_grad=True)
        outs = getattr(torch, op)(x, *args)
        ws = [torch.randn(o.shape, dtype=dtype) for o in outs]
        loss = sum((outs[i] * ws[i]).sum() for i in grads)
        if isinstance(loss, torch.Tensor) and loss.requires_grad:
            loss.backward()
        cases.append({
            "name": f"{name}_{dt}", "op": op, "dtype": dt, "args": args,
            "input": {"shape": shape, "data": flat(x)},
            "outputs": [{"shape": list(o.shape), "data": flat(o), "grad_fn": o.grad_fn.name(), "output_nr": o.output_nr,
                         "is_view": o._base is x} for o in outs],
            "grads": grads, "weights": [flat(w) for w in ws],
            "input_grad": flat(x.grad) if x.grad is not None else None,
        })

# op, input shape, args, error type, message
ERRORS = [
    ("split", [4, 3], [0]), ("split", [4, 3], [-1]), ("split", [4, 3], [[1, 2]]), ("split", [4, 3], [[1, 2], -2]),
    ("split", [4, 3], [[1, -1, 4]]), ("split", [4, 3], [2, 5]), ("split", [], [1]),
    ("chunk", [4, 3], [0]), ("chunk", [4, 3], [-1]), ("chunk", [4, 3], [0, 5]), ("chunk", [4, 3], [2, -3]), ("chunk", [], [1]),
    ("unbind", [4, 3], [2]), ("unbind", [], [0]),
]
errors = []
for op, shape, args in ERRORS:
    try:
        getattr(torch, op)(torch.zeros(shape), *args)
        raise SystemExit(f"{op}{args} did not raise")
    except (RuntimeError, IndexError) as e:
        errors.append({"op": op, "shape": shape, "args": args, "type": type(e).__name__, "message": str(e)})


# In-place modification of outputs: scenario name -> PyTorch's error (None: allowed).
def scenario(f):
    try:
        f()
        return None
    except RuntimeError as e:
        return str(e)


def y():
    return torch.randn(4, 3, requires_grad=True) * 1


def nograd_write():
    r = y().unbind(0)
    with torch.no_grad():
        r[0].add_(1)


def nograd_made():
    b = y()
    with torch.no_grad():
        r = b.unbind(0)
    r[0].add_(1)


def untracked_base():
    r = torch.randn(4, 3).unbind(0)
    r[0].add_(torch.randn(3, requires_grad=True))


def no_grad_anywhere():
    r = torch.randn(4, 3).unbind(0)
    r[0].add_(1)


def base_written():
    b = y()
    r = b.unbind(0)
    b.add_(1)
    r[0].grad_fn


def leaf_view():
    torch.randn(4, 3, requires_grad=True).unbind(0)[0].add_(1)


SCENARIOS = {
    "unbind_output1_add_": lambda: y().unbind(0)[1].add_(1),
    "split_output1_mul_": lambda: y().split(2)[1].mul_(2),
    "split_sizes_output1_zero_": lambda: y().split([1, 3])[1].zero_(),
    "chunk_output0_single_fill_": lambda: y().chunk(1)[0].fill_(1),
    "view_of_output_add_": lambda: y().unbind(0)[0].view(3).add_(1),
    "select_of_output_add_": lambda: y().split(2)[1][0].add_(1),
    "leaf_view_add_": leaf_view,
    "untracked_base_add_tracked": untracked_base,
    "nograd_write": nograd_write,
    "nograd_made": nograd_made,
    "no_grad_anywhere": no_grad_anywhere,
    "base_written_then_grad_fn": base_written,
    "unsafe_chunk_output_add_": lambda: y().unsafe_chunk(2)[0].add_(1),
    "unsafe_chunk_of_leaf_add_": lambda: torch.randn(4, 3, requires_grad=True).unsafe_chunk(2)[1].add_(1),
}
inplace = {k: scenario(f) for k, f in SCENARIOS.items()}

# The node names of the graphs of an LSTM and a GRU (time steps taken with unbind, gates with
# unsafe_chunk, as PyTorch's CPU RNN does).
def graph_names(*ts):
    names, stack, seen = set(), [t.grad_fn for t in ts], set()
    while stack:
        fn = stack.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        if fn.name() != "torch::autograd::AccumulateGrad":
            names.add(fn.name())
        stack.extend(f for f, _ in fn.next_functions)
    return sorted(names)


out, (h, c) = torch.nn.LSTM(2, 3)(torch.randn(4, 1, 2, requires_grad=True))
gout, gh = torch.nn.GRU(2, 3)(torch.randn(4, 1, 2, requires_grad=True))
graphs = {"LSTM": graph_names(out, h, c), "GRU": graph_names(gout, gh)}

print(json.dumps({"torch": torch.__version__, "cases": cases, "errors": errors, "inplace": inplace, "graphs": graphs}, indent=1))
