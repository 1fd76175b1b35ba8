#!/usr/bin/python3
"""Trains the issue's MLP recipe on Fashion-MNIST with PyTorch 1.13 and writes its weights for the page.

  /usr/bin/python3 examples/fashion-mnist/pytorch_mlp.py [DATA_DIR]

DATA_DIR defaults to /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist). Recipe:
nn.Sequential(Flatten, Linear(784, 256), ReLU, Linear(256, 10)), inputs scaled to [0, 1] and normalised
with mean 0.2860 / std 0.3530, SGD lr 0.01 momentum 0.9, batch 64 shuffled, 5 epochs, seed 0, one thread.

Writes beside this script:
  pytorch-mlp.safetensors   the state dict stored as F16 (half the bytes of F32; asgrad widens F16 to
                            float32 exactly, so both libraries evaluate the same float32 weights)
  pytorch-mlp.json          PyTorch's test accuracy of those F16-rounded weights (and of the float32 ones)
The safetensors file is written by hand (the format is 8 bytes of header length, a JSON header, the
data) because Debian has no python3-safetensors.
"""
import gzip
import json
import os
import struct
import sys
import time

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530


def idx(name):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        raw = f.read()
    magic, n = struct.unpack(">II", raw[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", raw[8:16])
        return np.frombuffer(raw, np.uint8, offset=16).reshape(n, 1, rows, cols)
    assert magic == 2049, f"{name}: bad magic {magic}"
    return np.frombuffer(raw, np.uint8, offset=8)


def images(name):
    x = torch.from_numpy(idx(name).astype(np.float32)) / 255.0
    return (x - MEAN) / STD


def accuracy(model, x, y):
    with torch.no_grad():
        return int((model(x).argmax(1) == y).sum())


def save_f16(path, state):
    header, chunks, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in state.items():
        data = t.detach().half().contiguous().numpy().astype("<f2").tobytes()
        header[name] = {"dtype": "F16", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def main():
    torch.set_num_threads(1)
    torch.manual_seed(0)
    train_x, train_y = images("train-images-idx3-ubyte.gz"), torch.from_numpy(idx("train-labels-idx1-ubyte.gz").astype(np.int64))
    test_x, test_y = images("t10k-images-idx3-ubyte.gz"), torch.from_numpy(idx("t10k-labels-idx1-ubyte.gz").astype(np.int64))
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(train_x, train_y), batch_size=64, shuffle=True)
    start = time.time()
    for epoch in range(5):
        for x, y in loader:
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
        print(f"epoch {epoch + 1}: {accuracy(model, test_x, test_y)} / {len(test_y)} correct", flush=True)
    f32 = accuracy(model, test_x, test_y)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.half().float())
    f16 = accuracy(model, test_x, test_y)
    save_f16(os.path.join(HERE, "pytorch-mlp.safetensors"), model.state_dict())
    info = {
        "recipe": "MLP 784-256-10, SGD lr 0.01 momentum 0.9, batch 64, 5 epochs, seed 0, normalised (0.2860, 0.3530)",
        "torch": torch.__version__,
        "test_images": len(test_y),
        "correct": f16,
        "accuracy": round(100 * f16 / len(test_y), 2),
        "correct_float32_before_rounding": f32,
        "seconds": round(time.time() - start, 1),
    }
    with open(os.path.join(HERE, "pytorch-mlp.json"), "w") as f:
        f.write(json.dumps(info, indent=2) + "\n")
    print(json.dumps(info))


if __name__ == "__main__":
    main()
