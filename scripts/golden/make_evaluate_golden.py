#!/usr/bin/env python3
"""Golden file for Tests/DescentTrainingTests/EvaluateTests.swift (`descent evaluate`).

Reference implementation and version (checked at start-up): torch 2.13.0+cpu, safetensors.

Run by hand only (golden files are never rewritten by the tests):
  /work/venv-ref/bin/python scripts/golden/make_evaluate_golden.py

Trains a 64-32-10 ReLU MLP (nn.Sequential(Linear, ReLU, Linear): state_dict names 0.weight,
0.bias, 2.weight, 2.bias) in PyTorch for 15 full-batch Adam steps (lr 1e-2, seed 0) on the
embedded digits data set (Sources/DescentData/Resources/digits.csv.gz, raw pixel values 0...16,
no standardization; few steps so that loss and accuracy are far from their limits), saves its weights with safetensors.torch.save_file as
Tests/DescentTrainingTests/Golden/digits-mlp.safetensors, and records PyTorch's mean
cross-entropy and accuracy over all 1797 examples (float32) in digits-mlp.json.
"""
import gzip
import json
import pathlib

import numpy as np
import torch
from safetensors.torch import save_file

assert torch.__version__.startswith("2.13.0"), torch.__version__

root = pathlib.Path(__file__).resolve().parents[2]
out = root / "Tests/DescentTrainingTests/Golden"
out.mkdir(parents=True, exist_ok=True)

with gzip.open(root / "Sources/DescentData/Resources/digits.csv.gz", "rt") as f:
    rows = np.loadtxt(f, delimiter=",", dtype=np.float64)
x = torch.tensor(rows[:, :64], dtype=torch.float32)
y = torch.tensor(rows[:, 64], dtype=torch.int64)

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
for _ in range(15):
    optimizer.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()

model.eval()
with torch.no_grad():
    logits = model(x)
    loss = torch.nn.functional.cross_entropy(logits, y).item()
    accuracy = (logits.argmax(1) == y).double().mean().item()

save_file({k: v.contiguous() for k, v in model.state_dict().items()}, out / "digits-mlp.safetensors")
(out / "digits-mlp.json").write_text(
    json.dumps(
        {
            "reference": f"torch {torch.__version__}",
            "model": "mlp:64-32-10",
            "data": "digits (all 1797 examples, raw features)",
            "loss": loss,
            "accuracy": accuracy,
        },
        indent=2,
    )
    + "\n"
)
print(f"loss {loss:.9g} accuracy {accuracy:.6f}")
