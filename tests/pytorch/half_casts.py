#!/usr/bin/python3
"""float32 -> float16 / bfloat16 as PyTorch 1.13 rounds them (x.half(), x.bfloat16()), for the
safetensors writer's F16 / BF16 output (tests/safetensors.test.ts). Writes half_casts.json:
{"f32", "f16", "bf16"}: base64 of little-endian uint32 / uint16 bit patterns, over every rounding case class: each
half value, the midpoints between neighbours (ties to even both ways) and one ulp either side,
the overflow and subnormal boundaries, zeros, infinities, NaNs, and random bit patterns.
"""
import base64
import json
import os

import numpy as np
import torch


def main():
    rng = np.random.default_rng(11)
    bits = set()
    halves = np.arange(0, 0x10000, dtype=np.uint32).astype(np.uint16).view(np.float16)
    finite = halves[np.isfinite(halves)].astype(np.float32)
    fb = finite.view(np.uint32)
    bits.update(int(b) for b in fb[::17])
    # midpoints between consecutive positive halves (exact in float32), +-1 ulp
    pos = np.sort(np.unique(np.abs(finite)))
    mids = ((pos[:-1].astype(np.float64) + pos[1:]) / 2).astype(np.float32).view(np.uint32)
    for m in mids[::23]:
        for d in (-1, 0, 1):
            bits.add(int(m) + d)
            bits.add((int(m) + d) | 0x80000000)
    # bfloat16 ties: low 16 bits exactly 0x8000, +-1
    for hi in rng.integers(0, 0x10000, 600):
        for lo in (0x7FFF, 0x8000, 0x8001, 0x0000):
            bits.add((int(hi) << 16) | lo)
    for b in (0x477FE000, 0x477FEFFF, 0x477FF000, 0x477FF001, 0x47800000, 0x7F7FFFFF, 0x7F800000, 0xFF800000, 0x7FC00000,
              0xFFC00001, 0x7F800001, 0x7FBFFFFF, 0x00000000, 0x80000000, 0x00000001, 0x33000000, 0x33000001, 0x32FFFFFF,
              0x337FFFFF, 0x33800000, 0x387FC000, 0x387FE000, 0x387FF000, 0x38800000, 0x7F7F8000, 0x7F7F7FFF):
        bits.add(b)
        bits.add(b ^ 0x80000000)
    bits.update(int(b) for b in rng.integers(0, 2 ** 32, 6000, dtype=np.uint64))
    f32 = np.array(sorted(bits), dtype=np.uint32)
    x = torch.from_numpy(f32.view(np.float32).copy())
    f16 = x.half().view(torch.int16).numpy().view(np.uint16)
    bf16 = x.bfloat16().view(torch.int16).numpy().view(np.uint16)
    b64 = lambda a: base64.b64encode(a.astype(a.dtype.newbyteorder("<")).tobytes()).decode()
    out = {"torch_version": torch.__version__, "count": len(f32), "f32": b64(f32), "f16": b64(f16), "bf16": b64(bf16)}
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "half_casts.json"), "w") as f:
        json.dump(out, f, indent=0)
        f.write("\n")
    print(len(f32), "values")


if __name__ == "__main__":
    main()
