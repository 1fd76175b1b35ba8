#!/usr/bin/python3
"""Writes the PyTorch side of the safetensors round trip (run with PyTorch 1.13; numpy only besides):

  pytorch_model.safetensors   the state dict of a small PyTorch model, trained 3 steps so that its
                              BatchNorm running statistics and num_batches_tracked (I64) are not
                              their initial values
  pytorch_outputs.json        a fixed input and the model's eval-mode output, as PyTorch computes it

The file is written by the few lines of `write_safetensors` below, which follow the format's spec
(github.com/huggingface/safetensors) as the official writer lays it out: tensors by descending
dtype rank, then name; compact JSON header, "__metadata__" first; header padded with spaces to a
multiple of 8; data packed without gaps. roundtrip.ts loads it into the same model built with asgrad.
"""
import json
import os
import struct

import torch

RANK = ["BOOL", "U8", "I8", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64"]
NAMES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64", torch.bool: "BOOL"}


def write_safetensors(path, tensors, metadata=None):
    items = sorted(tensors.items(), key=lambda kv: (-RANK.index(NAMES[kv[1].dtype]), kv[0]))
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in items:
        raw = t.detach().contiguous().numpy().tobytes()  # little-endian on the machines PyTorch runs on
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        x = torch.randn(16, 6)
        loss = model(x).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    write_safetensors(os.path.join(here, "pytorch_model.safetensors"), model.state_dict(), {"format": "pt"})
    x = torch.randn(4, 6)
    with torch.no_grad():
        y = model(x)
    out = {"torch_version": torch.__version__, "input": x.tolist(), "output": y.tolist()}
    with open(os.path.join(here, "pytorch_outputs.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
