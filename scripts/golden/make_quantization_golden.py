#!/usr/bin/env python3
"""Golden dynamic quantization maps and block-wise quantization for
Tests/DescentOptimizersTests/QuantizationGoldenTests.swift.

Reference implementation and version (checked at start-up):
  bitsandbytes 0.50.2  functional.create_dynamic_map(signed=...)
                       functional.quantize_blockwise / dequantize_blockwise on CPU tensors
  torch 2.13.0+cpu

Run by hand only (golden files are never rewritten by the tests):
  /work/venv-ref/bin/pip install bitsandbytes==0.50.2
  /work/venv-ref/bin/python scripts/golden/make_quantization_golden.py

Writes Golden/quantization.json:
  maps.signed / maps.unsigned: the 256 float32 map entries as their IEEE bit patterns (uint32),
    so the test compares them bit for bit;
  cases: for each input (float32 bit patterns), map kind and block size, bitsandbytes' codes
    (uint8), absmax (float32 bits) and dequantized values (float32 bits). Inputs: normal, a
    heavy-tailed first moment m = N(0,1)*lognormal(0,2)*1e-3 (signed map) and v = m^2*U(0.5,2)
    (unsigned map), with lengths that leave a partial last block; a block of zeros; exact ties.
"codes" are the nearest codes as bitsandbytes' pure-torch default kernel
(backends/default/ops.py) computes them: x * (1/absmax), clamp to [-1, 1], bucketize on the
midpoints of the map with ties going down. Descent follows that kernel. bitsandbytes' native CPU
kernel (cquantize_blockwise_cpu_fp32, used by quantize_blockwise on CPU tensors) walks a binary
tree that does not always reach the nearest code (small values, zero blocks); how many of its
codes differ is recorded per case as "cpuKernelCodesDiffering", for information only. The absmax
values and the dequantization (functional.dequantize_blockwise) are bitsandbytes' own.
"""
import json
import os
import sys

import numpy as np
import torch

import bitsandbytes
import bitsandbytes.functional as F

EXPECTED = {"bitsandbytes": "0.50.2", "torch": "2.13.0+cpu"}
if bitsandbytes.__version__ != EXPECTED["bitsandbytes"] or torch.__version__ != EXPECTED["torch"]:
    sys.exit(f"need bitsandbytes {EXPECTED['bitsandbytes']} and torch {EXPECTED['torch']}, found "
             f"{bitsandbytes.__version__} and {torch.__version__}")

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "Tests", "DescentOptimizersTests", "Golden")


def bits(t):
    return t.detach().contiguous().to(torch.float32).view(torch.int32).numpy().astype(np.uint32).tolist()


def default_kernel(x, code, blocksize):
    """bitsandbytes/backends/default/ops.py quantize_blockwise, verbatim arithmetic."""
    a = x.reshape(-1).float()
    n = a.numel()
    rem = n % blocksize
    full = n - rem
    blocks = full // blocksize
    com = a[:full].reshape(blocks, blocksize)
    absmax = com.abs().max(dim=-1)[0]
    scaled = torch.clamp(com * (1.0 / absmax.clamp(min=1e-38).view(-1, 1)), -1, 1).reshape(-1)
    if rem:
        am = a[full:].abs().max().clamp(min=1e-38)
        absmax = torch.cat([absmax, am.unsqueeze(0)])
        scaled = torch.cat([scaled, torch.clamp(a[full:] / am, -1, 1)])
    bounds = (code[:-1] + code[1:]) / 2
    return torch.bucketize(scaled, bounds, out_int32=True).to(torch.uint8), absmax


def main():
    signed = F.create_dynamic_map(signed=True)
    unsigned = F.create_dynamic_map(signed=False)
    assert signed.dtype == torch.float32 and signed.numel() == 256 and unsigned.numel() == 256

    rng = np.random.default_rng(20221006)
    m = (rng.standard_normal(5000) * rng.lognormal(0, 2, 5000) * 1e-3).astype(np.float32)
    v = (m.astype(np.float64) ** 2 * rng.uniform(0.5, 2, 5000)).astype(np.float32)
    normal = rng.standard_normal(1000).astype(np.float32)
    # Exact midpoints of the signed map scaled by absmax 1 (ties: bucketize sends them down).
    mids = ((signed[:-1] + signed[1:]) / 2).numpy()
    ties = np.concatenate([[1.0], mids[::5]]).astype(np.float32)
    inputs = [
        ("normal", normal, "signed", 256),
        ("normal", normal, "signed", 2048),
        ("heavy-tailed m", m, "signed", 256),
        ("heavy-tailed m", m, "signed", 2048),
        ("heavy-tailed v", v, "unsigned", 256),
        ("heavy-tailed v", v, "unsigned", 2048),
        ("zeros", np.zeros(300, np.float32), "signed", 256),
        ("midpoint ties", ties, "signed", 256),
    ]
    cases = []
    for name, x, kind, blocksize in inputs:
        code = signed if kind == "signed" else unsigned
        xt = torch.from_numpy(x.copy())
        q, state = F.quantize_blockwise(xt, code=code, blocksize=blocksize)
        dq, dabsmax = default_kernel(xt, code, blocksize)
        # The default kernel stores a zero partial block's absmax clamped to 1e-38, the CPU kernel
        # stores 0 (as both do for full blocks); the dequantized values are 0 either way.
        assert torch.equal(dabsmax.clamp(min=1e-38), state.absmax.clamp(min=1e-38))
        # bitsandbytes' own dequantization of the nearest codes.
        deq = F.dequantize_blockwise(dq, state)
        diff = int((dq != q).sum())
        cases.append({
            "name": name, "map": kind, "blockSize": blocksize,
            "input": bits(xt), "codes": dq.numpy().astype(int).tolist(),
            "absmax": bits(state.absmax), "dequantized": bits(deq),
            "cpuKernelCodesDiffering": diff,
        })
    doc = {
        "reference": f"bitsandbytes {bitsandbytes.__version__}, torch {torch.__version__}",
        "maps": {"signed": bits(signed), "unsigned": bits(unsigned)},
        "cases": cases,
    }
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "quantization.json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", os.path.join(OUT, "quantization.json"))


if __name__ == "__main__":
    main()
