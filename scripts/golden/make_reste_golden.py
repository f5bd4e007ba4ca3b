"""Golden numbers for DescentNN's BinarizationEstimator (ReSTE, arXiv:2308.06689).

Reference: the official ReSTE code, DravenALG/ReSTE (commit 0d3c36a): the autograd Function
`Binary_ReSTE` of `model/binary_module/binarized_modules.py` (forward sign, backward g(x)) and
`ReSTE_Forward` of `utils/tools.py` (the forward estimate sign(x)|x|^(1/o)); torch version written
into the JSON. The official repository is read from a path outside this project:

Run: RESTE_REPO=/path/to/ReSTE /work/venv/bin/python scripts/golden/make_reste_golden.py
Writes Tests/DescentNNTests/Golden/reste.json.
"""
import json
import os
import pathlib
import subprocess
import sys

import types

import torch

# utils/tools.py imports torchvision.models for helpers this script does not call; an empty
# stand-in avoids installing torchvision.
sys.modules.setdefault("torchvision", types.ModuleType("torchvision"))
sys.modules.setdefault("torchvision.models", types.ModuleType("torchvision.models"))

repo = pathlib.Path(os.environ["RESTE_REPO"])
sys.path.insert(0, str(repo))
sys.argv = sys.argv[:1]  # the reference parses its command line at import
from model.binary_module.binarized_modules import Binary_ReSTE  # noqa: E402
from utils.tools import ReSTE_Forward  # noqa: E402

torch.set_default_dtype(torch.float64)
# The digest's points, the segment boundaries (±0.1, ±1.5) and points around them.
points = [-2.0, -1.5, -1.2, -1.0, -0.5, -0.1, -0.05, 0.0, 0.05, 0.1, 0.10001, 0.5, 1.0, 1.2,
          1.4999, 1.5, 1.50001, 2.0]
cases = []
for o in [1.0, 2.0, 3.0, 4.0, 1.7]:
    x = torch.tensor(points, requires_grad=True)
    y = Binary_ReSTE.apply(x, torch.tensor(1.5), torch.tensor(o))
    upstream = torch.linspace(0.5, 1.5, len(points))
    y.backward(upstream)
    cases.append({
        "power": o,
        "upstream": upstream.tolist(),
        "output": y.detach().tolist(),
        "gradient": x.grad.tolist(),
        "forwardEstimate": ReSTE_Forward(torch.tensor(points), o).tolist(),
    })

commit = subprocess.run(
    ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True
).stdout.strip()
golden = {"reference": f"DravenALG/ReSTE {commit}, torch {torch.__version__}",
          "threshold": 1.5, "interval": 0.1, "points": points, "cases": cases}
path = pathlib.Path(__file__).resolve().parents[2] / "Tests/DescentNNTests/Golden/reste.json"
path.write_text(json.dumps(golden, indent=1) + "\n")
print("wrote", path)
