#!/usr/bin/python3
"""PyTorch's side of the safetensors save/load figures (bench/safetensors.ts).

  /usr/bin/python3 bench/safetensors_torch.py FILE ROUNDS

Reads FILE (written by asgrad) into torch tensors, with the safetensors package when it is installed
and otherwise with a few lines of numpy; then times, ROUNDS times after a warm-up, saving and loading
that state dict in memory: `safetensors.torch.save` / `load` when the package is there, else
`torch.save` / `torch.load` through io.BytesIO (PyTorch's own format: a reference, not the same
format). Prints one JSON line: {"api", "save_ms": [...], "load_ms": [...], "payload_bytes", "sum"}.
"""
import io
import json
import struct
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)
NP = {"F32": "<f4", "F64": "<f8", "I64": "<i8", "BOOL": "|b1"}


def read(blob):
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    header.pop("__metadata__", None)
    data = blob[8 + n:]
    out = {}
    for name, e in header.items():
        b, en = e["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[b:en], dtype=NP[e["dtype"]]).reshape(e["shape"]).copy())
    return out


def main():
    path, rounds = sys.argv[1], int(sys.argv[2])
    blob = open(path, "rb").read()
    try:
        import safetensors.torch as st
        api = "safetensors.torch.save/load"
        sd = st.load(blob)
        save = st.save
        load = st.load
    except ImportError:
        api = "torch.save/torch.load (BytesIO; PyTorch's own format)"
        sd = read(blob)

        def save(d):
            f = io.BytesIO()
            torch.save(d, f)
            return f.getvalue()

        def load(b):
            return torch.load(io.BytesIO(b))
    payload = sum(t.numel() * t.element_size() for t in sd.values())
    saved = save(sd)
    back = load(saved)
    save_ms, load_ms = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        saved = save(sd)
        save_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        back = load(saved)
        load_ms.append((time.perf_counter() - t0) * 1000)
    total = sum(float(t.double().sum()) for t in back.values())
    print(json.dumps({"api": api, "save_ms": save_ms, "load_ms": load_ms, "payload_bytes": payload, "sum": total}))


if __name__ == "__main__":
    main()
