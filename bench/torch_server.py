# PyTorch 1.13 peer for `npm run bench`: a persistent process so its runs interleave with the
# JavaScript systems. Reads one JSON command per line, answers one JSON line.
import json, os, sys, time
import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
DATA = sys.argv[1]


def load(name, shape=None):
    a = np.fromfile(os.path.join(DATA, name + ".bin"), dtype=np.float32)
    t = torch.from_numpy(a.copy())
    return t.reshape(shape) if shape else t


def blas():
    try:
        with open("/proc/self/maps") as f:
            maps = f.read()
        if "openblas" in maps:
            return "openblas " + os.environ.get("OPENBLAS_CORETYPE", "auto")
    except OSError:
        pass
    cfg = torch.__config__.show()
    return "openblas" if "OpenBLAS" in cfg else ("blas (reference)" if "BLAS" in cfg else "unknown")


class W1:
    def __init__(self):
        self.X = torch.tensor([1.0, 2, 3, 4]); self.Y = torch.tensor([2.0, 4, 6, 8])
        self.w = torch.tensor([0.0], requires_grad=True)
    def run(self, n):
        w, X, Y = self.w, self.X, self.Y
        for _ in range(n):
            l = ((w * X - Y) ** 2).mean()
            l.backward()
            with torch.no_grad():
                w -= 0.01 * w.grad
            w.grad.zero_()
    def check(self):
        return {"w": self.w.item()}


class W2:
    def __init__(self):
        self.x = load("w2x").requires_grad_(True)
    def run(self, n):
        x = self.x
        for _ in range(n):
            x.grad = None
            y = x + 2
            z = y * y * 3
            z.mean().backward()
    def check(self):
        return {"gradSum": self.x.grad.sum().item()}


class W3:
    def __init__(self):
        b, i, h, o = 128, 784, 256, 10
        self.x = load("x", (b, i)); self.y = torch.from_numpy(np.fromfile(os.path.join(DATA, "y.bin"), dtype=np.int32).astype(np.int64))
        self.p = [load("w1", (h, i)).requires_grad_(True), load("b1").requires_grad_(True),
                  load("w2", (o, h)).requires_grad_(True), load("b2").requires_grad_(True)]
        self.opt = torch.optim.SGD(self.p, lr=0.1)
        self.last = float("nan")
    def run(self, n):
        w1, b1, w2, b2 = self.p
        for _ in range(n):
            h = F.linear(self.x, w1, b1).relu()
            loss = F.cross_entropy(F.linear(h, w2, b2), self.y)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            self.last = loss.item()
    def check(self):
        return {"loss": self.last}


class W4:
    def __init__(self):
        n = 512
        self.A = load("a", (n, n)).requires_grad_(True); self.B = load("b", (n, n)).requires_grad_(True)
        self.G = load("g", (n, n)); self.loss = float("nan")
    def run(self, n):
        for _ in range(n):
            self.A.grad = None; self.B.grad = None
            l = ((self.A @ self.B) * self.G).sum()
            self.loss = l.item()
            l.backward()
    def check(self):
        return {"loss": self.loss, "gA": self.A.grad.sum().item(), "gB": self.B.grad.sum().item()}


class W4f:
    def __init__(self, n):
        self.A = load("f%da" % n, (n, n)); self.B = load("f%db" % n, (n, n)); self.c = None
    def run(self, n):
        for _ in range(n):
            self.c = self.A @ self.B
    def check(self):
        return {"sum": self.c.sum().item()}


class W5:
    def __init__(self):
        self.x = torch.tensor([1.0, 2, 3], requires_grad=True)
    def run(self, n):
        x = self.x
        for _ in range(n):
            x.grad = None
            y = x
            for _ in range(500):
                y = y * 1.0001 + 0.0001
            y.sum().backward()
    def check(self):
        return {"gradSum": self.x.grad.sum().item()}


class W7:
    # One Fashion-MNIST epoch of the MLP, batches sliced in order from the tensors in memory.
    def __init__(self, cfg):
        import gzip
        n, i, h, o = cfg["images"], cfg["inF"], cfg["hidden"], cfg["out"]
        d = "/usr/share/datasets/fashion-mnist"
        with gzip.open(os.path.join(d, "train-images-idx3-ubyte.gz")) as f:
            px = np.frombuffer(f.read(), dtype=np.uint8, offset=16)[: n * i]
        with gzip.open(os.path.join(d, "train-labels-idx1-ubyte.gz")) as f:
            lb = np.frombuffer(f.read(), dtype=np.uint8, offset=8)[:n]
        # In float64, rounded once to float32: the values bench/fmnist.ts computes.
        x = ((px.astype(np.float64) / 255 - cfg["mean"]) / cfg["std"]).astype(np.float32)
        self.X = torch.from_numpy(x).reshape(n, 1, 28, 28)
        self.Y = torch.from_numpy(lb.astype(np.int64))
        nn = torch.nn
        self.model = nn.Sequential(nn.Flatten(), nn.Linear(i, h), nn.ReLU(), nn.Linear(h, o))
        self.model.load_state_dict({"1.weight": load("w7w1", (h, i)), "1.bias": load("w7b1"),
                                    "3.weight": load("w7w2", (o, h)), "3.bias": load("w7b2")})
        self.opt = torch.optim.SGD(self.model.parameters(), lr=cfg["lr"], momentum=cfg["momentum"])
        self.batch = cfg["batch"]; self.losses = []
    def run(self, n):
        X, Y, b = self.X, self.Y, self.batch
        for _ in range(n):
            total = 0.0; steps = 0
            for s in range(0, X.shape[0], b):
                loss = F.cross_entropy(self.model(X[s:s + b]), Y[s:s + b])
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
                total += loss.item(); steps += 1
            self.losses.append(total / steps)
    def check(self):
        return {"firstEpochLoss": self.losses[0]}


class W8:
    # The small CNN trained by Adam (lr 1e-3) on one fixed batch of 64 1x28x28 images.
    def __init__(self):
        nn = torch.nn
        self.model = nn.Sequential(nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                                   nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                                   nn.Flatten(), nn.Linear(1568, 10))
        shapes = [(16, 1, 5, 5), (16,), (32, 16, 5, 5), (32,), (10, 1568), (10,)]
        names = ["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias"]
        self.model.load_state_dict({k: load("w8p%d" % i, s) for i, (k, s) in enumerate(zip(names, shapes))})
        self.x = load("w8x", (64, 1, 28, 28))
        self.y = torch.from_numpy(np.fromfile(os.path.join(DATA, "w8y.bin"), dtype=np.int32).astype(np.int64))
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3); self.loss = float("nan")
    def run(self, n):
        for _ in range(n):
            self.opt.zero_grad()
            l = F.cross_entropy(self.model(self.x), self.y)
            self.loss = l.item()
            l.backward()
            self.opt.step()
    def check(self):
        with torch.no_grad():
            return {"loss": self.loss, "w": sum(p.abs().sum().item() for p in self.model.parameters())}


class W9:
    def __init__(self):
        self.x = load("w9x", (16, 64, 32, 32)).requires_grad_(True)
        self.w = load("w9w", (64, 64, 3, 3)).requires_grad_(True)
        self.G = load("w9g", (16, 64, 32, 32)); self.loss = float("nan")
    def run(self, n):
        for _ in range(n):
            self.x.grad = None; self.w.grad = None
            l = (torch.nn.functional.conv2d(self.x, self.w, padding=1) * self.G).sum()
            self.loss = l.item()
            l.backward()
    def check(self):
        return {"loss": self.loss, "gx": self.x.grad.abs().sum().item(), "gw": self.w.grad.abs().sum().item()}


class W10:
    # torch.optim.Adam (lr 1e-3, default betas and eps; 1.13's default single-tensor loop on CPU)
    # over 10 float32 parameters of 1M with fixed gradients.
    def __init__(self):
        self.ps = [load("w10p%d" % i).requires_grad_(True) for i in range(10)]
        for i, p in enumerate(self.ps):
            p.grad = load("w10g%d" % i)
        self.opt = torch.optim.Adam(self.ps, lr=1e-3)
    def run(self, n):
        for _ in range(n):
            self.opt.step()
    def check(self):
        with torch.no_grad():
            return {"absSum": sum(p.abs().sum().item() for p in self.ps)}


MAKE = {"W1": W1, "W2": W2, "W3": W3, "W4": W4, "W4f512": lambda: W4f(512), "W4f1024": lambda: W4f(1024), "W5": W5, "W7": None, "W8": W8, "W9": W9, "W10": W10}
live = {}
print(json.dumps({"ready": True, "torch": torch.__version__, "blas": blas(), "threads": torch.get_num_threads()}), flush=True)
for line in sys.stdin:
    cmd = json.loads(line)
    if cmd["cmd"] == "mm":
        n, form, iters = cmd["n"], cmd["form"], cmd["iters"]
        g = torch.Generator().manual_seed(n)
        a = torch.rand(n, n, generator=g); b = torch.rand(n, n, generator=g)
        f = {"ab": lambda: a @ b, "abt": lambda: a @ b.t(), "atb": lambda: a.t() @ b}[form]
        f()
        t0 = time.perf_counter()
        for _ in range(iters):
            f()
        print(json.dumps({"ms": (time.perf_counter() - t0) * 1000}), flush=True)
        continue
    w = cmd["w"]
    if cmd["cmd"] == "setup":
        live[w] = W7(cmd["w7"]) if w == "W7" else MAKE[w]()
        out = {}
    elif cmd["cmd"] == "run":
        t0 = time.perf_counter()
        live[w].run(cmd["n"])
        out = {"ms": (time.perf_counter() - t0) * 1000}
    else:
        out = live[w].check()
    print(json.dumps(out), flush=True)
