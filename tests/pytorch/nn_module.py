# PyTorch 1.13 reference for tests/nn-module.test.ts: module printing, traversal order, state_dict
# keys and errors, hooks. Run: /usr/bin/python3 tests/pytorch/nn_module.py > tests/pytorch/nn_module.json
import torch, torch.nn as nn, json
class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(3))
        self.lin = nn.Linear(3, 3)
        self.register_buffer('steps', torch.zeros((), dtype=torch.int64))
        self.register_buffer('tmp', torch.zeros(2), persistent=False)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(4, 3, bias=False)
        self.blocks = nn.ModuleList([Block(), Block()])
        self.heads = nn.ModuleDict({'cls': nn.Sequential(nn.ReLU(inplace=True), nn.Linear(3, 2)), 'reg': nn.Identity()})
        self.act = nn.LeakyReLU()
        self.sm = nn.Softmax()
        self.drop = nn.Dropout()
        self.flat = nn.Flatten(0, 1)
        self.unf = nn.Unflatten(-1, (2, 2))
        self.ls = nn.LogSoftmax(dim=-1)
        self.loss = nn.CrossEntropyLoss(reduction='sum')
net = Net()
out = {}
out['repr'] = str(net)
out['params'] = [k for k, _ in net.named_parameters()]
out['buffers'] = [k for k, _ in net.named_buffers()]
out['state'] = list(net.state_dict().keys())
out['modules'] = [k for k, _ in net.named_modules()]
out['children'] = [k for k, _ in net.named_children()]
seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Tanh(), nn.Sigmoid())
out['slice'] = str(seq[1:3]); out['neg'] = str(seq[-1]); out['slice_neg'] = str(seq[-2:])
ml = nn.ModuleList([nn.ReLU(), nn.Tanh(), nn.Sigmoid()]); out['ml_slice'] = str(ml[1:])
try: net.load_state_dict({'embed.weight': torch.zeros(3, 4), 'foo': torch.zeros(1), 'blocks.0.bar': torch.zeros(1)})
except RuntimeError as e: out['load_err'] = str(e)
l = nn.Linear(2, 3)
try: l.load_state_dict({'weight': torch.zeros(2, 2), 'bias': torch.zeros(3)})
except RuntimeError as e: out['size_err'] = str(e)
r = l.load_state_dict({'weight': torch.zeros(3, 2), 'extra': torch.zeros(1)}, strict=False)
out['nonstrict'] = [r.missing_keys, r.unexpected_keys]
try: seq[4]
except IndexError as e: out['idx_err'] = str(e)
try: nn.Dropout(1.5)
except ValueError as e: out['drop_err'] = str(e)
try: l.register_buffer('weight', torch.zeros(1))
except KeyError as e: out['buf_err'] = e.args[0]
try: l.register_parameter('a.b', None)
except KeyError as e: out['par_err'] = e.args[0]
try: l.weight = torch.zeros(3, 2)
except TypeError as e: out['assign_err'] = str(e)
try: l.to(torch.int64)
except TypeError as e: out['to_err'] = str(e)
try: nn.ModuleList([nn.ReLU()])(torch.zeros(1))
except NotImplementedError as e: out['fwd_err'] = str(e)
# hooks on a Linear with fixed values
torch.manual_seed(0)
lin = nn.Linear(3, 2).double()
with torch.no_grad():
    lin.weight.copy_(torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]])); lin.bias.copy_(torch.tensor([0.1, -0.2]))
x = torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]], dtype=torch.float64, requires_grad=True)
rec = {}
def bh(m, gi, go):
    rec['gi'] = [g.tolist() if g is not None else None for g in gi]; rec['go'] = [g.tolist() for g in go]
    return (gi[0] * 2,)
lin.register_full_backward_hook(bh)
lin.register_forward_pre_hook(lambda m, a: (a[0] * 3,))
lin.register_forward_hook(lambda m, a, o: o + 1)
y = lin(x)
(y * torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)).sum().backward()
rec['y'] = y.tolist(); rec['xgrad'] = x.grad.tolist(); rec['wgrad'] = lin.weight.grad.tolist(); rec['fn'] = type(y.grad_fn).__name__
out['hooks'] = rec
# extra reprs (floats as Python prints them, empty containers)
out2 = {}
out2['reprs'] = [str(m) for m in [nn.LeakyReLU(1e-05), nn.LeakyReLU(0.5, True), nn.Dropout(0.25), nn.Softmax(dim=0), nn.Sequential(),
                                  nn.ModuleList(), nn.ModuleDict(), nn.Sequential(nn.Sequential(nn.Identity()), nn.ModuleList([nn.Tanh()])),
                                  nn.Bilinear(2, 3, 4, bias=False), nn.Flatten(), nn.Unflatten(0, (4,)), nn.NLLLoss(), nn.MSELoss(reduction='sum')]]
# a backward hook on a two-input module: grad_input has both gradients
bl = nn.Bilinear(2, 2, 1).double()
with torch.no_grad():
    bl.weight.copy_(torch.tensor([[[1.0, 2.0], [3.0, -1.0]]])); bl.bias.fill_(0.5)
a = torch.tensor([[1.0, -2.0]], dtype=torch.float64, requires_grad=True)
b = torch.tensor([[0.5, 3.0]], dtype=torch.float64, requires_grad=True)
seen = {}
def bh2(m, gi, go):
    seen['gi'] = [g.tolist() for g in gi]; seen['go'] = [g.tolist() for g in go]
bl.register_full_backward_hook(bh2)
bl(a, b).sum().backward()
out2['bilinear_hook'] = seen
out['extra'] = out2
print(json.dumps(out, indent=1))
