"""Golden numbers for DescentNN's SNNK random-feature layers.

Reference: the official SNNK code, arijitthegame/neural-network-kernels (commit 45129f5),
`src/nnk/nnk.py`: `phi_relu_mapping_torch` (SNNK-ReLU features) and
`input_to_rfs_torch_vectorized` (exponential / URF features), both called with a fixed
`proj_matrix` so the features are deterministic; torch version written into the JSON. The
official repository is read from a path outside this project:

Run: NNK_REPO=/path/to/neural-network-kernels /work/venv/bin/python scripts/golden/make_snnk_golden.py
Writes Tests/DescentNNTests/Golden/snnk.json.
"""
import json
import math
import os
import pathlib
import subprocess
import sys

import torch

repo = pathlib.Path(os.environ["NNK_REPO"])
sys.path.insert(0, str(repo / "src"))
from nnk.nnk import input_to_rfs_torch_vectorized, phi_relu_mapping_torch  # noqa: E402

torch.set_default_dtype(torch.float64)
n, out, d, m = 5, 3, 6, 8


def pattern(shape, phase, scale=1.0):
    count = math.prod(shape)
    values = [scale * math.sin(0.7 * i + phase) + 0.1 * math.cos(1.3 * i) for i in range(count)]
    return torch.tensor(values).reshape(shape)


x = pattern((n, d), 0.2)
w = pattern((out, d), 1.1, 0.5)
g = pattern((m, d), 2.3, 1.5)
xis = pattern((m,), 0.4, 0.5)


def ab_fun(xi):
    return 0.5 + 0.25 * xi


def AB_fun(xi):
    return 1.0 + 0.5 * xi


relu_x = phi_relu_mapping_torch(x, m, dim=d, proj_matrix=g)
relu_w = phi_relu_mapping_torch(w, m, dim=d, proj_matrix=g)
leaky_x = phi_relu_mapping_torch(x, m, dim=d, proj_matrix=g, constant=-0.1)
exp_x = input_to_rfs_torch_vectorized(x, AB_fun, ab_fun, xis, m, d, "cpu", proj_matrix=g)
exp_w = input_to_rfs_torch_vectorized(w, AB_fun, ab_fun, xis, m, d, "cpu", proj_matrix=g)

commit = subprocess.run(
    ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True
).stdout.strip()


def flat(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1)]}


golden = {
    "reference": f"arijitthegame/neural-network-kernels {commit}, torch {torch.__version__}",
    "x": flat(x), "w": flat(w), "projection": flat(g),
    "rates": flat(ab_fun(xis)), "amplitudes": flat(AB_fun(xis)),
    "reluFeaturesX": flat(relu_x), "reluFeaturesW": flat(relu_w),
    "reluOutput": flat(relu_x @ relu_w.T),
    "leakyFeaturesX": flat(leaky_x), "leakyFloor": -0.1,
    "exponentialFeaturesX": flat(exp_x), "exponentialFeaturesW": flat(exp_w),
    "exponentialOutput": flat(exp_x @ exp_w.T),
}
path = pathlib.Path(__file__).resolve().parents[2] / "Tests/DescentNNTests/Golden/snnk.json"
path.write_text(json.dumps(golden, indent=1) + "\n")
print("wrote", path)
