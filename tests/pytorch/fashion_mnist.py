"""The issue-13 Fashion-MNIST recipes in PyTorch 1.13 (one thread): the reference asgrad's CLI is
compared with. Writes the trained weights as safetensors (by hand: the format is an 8-byte header
length, a JSON header, then the raw little-endian bytes) and prints the test accuracy, the number
of correct test images and the seconds per epoch as one JSON line.

    /usr/bin/python3 tests/pytorch/fashion_mnist.py --model cnn --seed 0 --save tests/fixtures/fashion_cnn_torch_seed0.safetensors
"""
import argparse
import gzip
import json
import os
import struct
import time

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

MEAN, STD = 0.2860, 0.3530


def read_idx(path, ndim):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    assert raw[:4] == bytes([0, 0, 8, ndim]), path
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def split(root, train):
    p = "train" if train else "t10k"
    x = read_idx(os.path.join(root, f"{p}-images-idx3-ubyte.gz"), 3)
    y = read_idx(os.path.join(root, f"{p}-labels-idx1-ubyte.gz"), 1)
    # torchvision's ToTensor (float().div(255)) then Normalize ((x - mean) / std)
    x = torch.from_numpy(x.copy()).float().div(255).unsqueeze(1)
    x = x.sub(MEAN).div(STD)
    return x, torch.from_numpy(y.astype(np.int64))


def model_for(name):
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    return nn.Sequential(
        nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1568, 10))


def save_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, t in tensors.items():
        b = t.detach().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=["mlp", "cnn"], default="cnn")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--save")
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    xtr, ytr = split(a.data, True)
    xte, yte = split(a.data, False)
    model = model_for(a.model)
    if a.model == "mlp":
        opt, epochs = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9), a.epochs or 5
    else:
        opt, epochs = torch.optim.Adam(model.parameters(), lr=1e-3), a.epochs or 1
    loader = DataLoader(TensorDataset(xtr, ytr), batch_size=64, shuffle=True)
    loss_fn = nn.CrossEntropyLoss()
    times = []
    for _ in range(epochs):
        model.train()
        t0 = time.perf_counter()
        for x, y in loader:
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    model.eval()
    with torch.no_grad():
        correct = sum(int((model(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum()) for i in range(0, len(xte), 1000))
    if a.save:
        save_safetensors(a.save, model.state_dict())
    print(json.dumps({"model": a.model, "seed": a.seed, "epochs": epochs, "correct": correct,
                      "accuracy": 100.0 * correct / len(xte), "seconds_per_epoch": times}))


if __name__ == "__main__":
    main()
