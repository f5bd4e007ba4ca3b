#!/usr/bin/env python3
"""Checks the Descent → PyTorch direction of weight interchange.

Reference: PyTorch 2.13.0 (CPU) and safetensors 0.8.0 (the versions this was last run with are
printed). Loads Tests/DescentNNTests/Golden/descent-trained-mlp.safetensors — a model trained by
Descent (TrainedModelInteropTests.trainDescentModel), written with PyTorch state_dict names plus
`check.input` and `check.logits` — into the same PyTorch architecture and compares PyTorch's
evaluation-mode logits with Descent's. Run by hand:

    /path/to/venv/bin/python scripts/golden/verify_descent_export.py
"""
import pathlib
import sys

import safetensors
import safetensors.torch
import torch

root = pathlib.Path(__file__).resolve().parents[2]
path = root / "Tests/DescentNNTests/Golden/descent-trained-mlp.safetensors"
tensors = safetensors.torch.load_file(str(path))
inputs = tensors.pop("check.input")
expected = tensors.pop("check.logits")
model = torch.nn.Sequential(
    torch.nn.Linear(12, 32), torch.nn.BatchNorm1d(32), torch.nn.ReLU(), torch.nn.Linear(32, 5))
state = {k: (v.long() if k.endswith("num_batches_tracked") else v) for k, v in tensors.items()}
model.load_state_dict(state, strict=True)
model.eval()
with torch.no_grad():
    logits = model(inputs)
difference = (logits - expected).abs().max().item()
print(f"torch {torch.__version__}, safetensors {safetensors.__version__}: "
      f"max |PyTorch − Descent| logits = {difference:.3g}")
sys.exit(0 if difference <= 1e-5 else 1)
