"""Golden numbers for DescentSolvers' CoLiDE (arXiv:2310.02895).

Reference: the official CoLiDE code, SAMiatto/colide (commit f3697593c4a8f6d50360fb542da2cb1dfaea3547,
Apache-2.0), `model.py`: `colide_ev` and `colide_nv`, called through their `fit` exactly as the demo
`main.py` does (T = 4, s = [1.0, 0.9, 0.8, 0.7], lr = 3e-4, lambda = 0.05), with fewer Adam
iterations per stage than the demo's 2e4 / 7e4 so the Swift tests stay fast (the same code path:
checkpoints every 1000 iterations, tolerance 1e-6). Two more cases run EV with lr = 0.3 and
lr = 1.0 so the M-matrix safeguard is exercised: failed stages are retried with lr / 2 and
s + 0.1 (lr = 0.3: once in the last stage; lr = 1.0: in three stages, and with s raised above
0.9 the step-undoing lr halving inside `minimize` is reachable); each case records every call of
`minimize` (mu, s, lr), and `sensitivity`: the largest change of the official W when the data is
scaled by 1 + 1e-15 (about 3e-3 at lr = 0.3, whose Adam path is chaotic; about 3e-13 elsewhere).

The data (d = 5 variables, n = 200 samples of a random linear SEM on a fixed DAG, equal and
non-equal Gaussian noise) is made here with numpy's default_rng(2024) and written into the JSON,
so the Swift side fits the same numbers. The official repository is read from a path outside
this project; model.py imports tqdm only for a progress bar, so a silent stand-in is used when
tqdm is not installed (no numerical effect).

Run: COLIDE_REPO=/tmp/colide-ref /work/venv/bin/python scripts/golden/make_colide_golden.py
     (COLIDE_REPO: a clone of https://github.com/SAMiatto/colide)
Writes Tests/DescentSolversTests/Golden/colide.json.
"""
import json
import os
import pathlib
import subprocess
import sys
import types

import numpy as np
import scipy

repo = pathlib.Path(os.environ["COLIDE_REPO"])
try:
    import tqdm.auto  # noqa: F401
except ImportError:
    class _SilentBar:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def update(self, n=1):
            pass

    stand_in = types.ModuleType("tqdm")
    auto = types.ModuleType("tqdm.auto")
    auto.tqdm = _SilentBar
    stand_in.auto = auto
    sys.modules["tqdm"], sys.modules["tqdm.auto"] = stand_in, auto
sys.path.insert(0, str(repo))
from model import colide_ev, colide_nv  # noqa: E402

d, n = 5, 200
rng = np.random.default_rng(2024)
# A fixed DAG: edges 0->1, 0->2, 1->3, 2->3, 3->4, 1->4 in a permuted labelling.
upper = np.zeros((d, d))
for (i, j), w in {(0, 1): 1.2, (0, 2): -0.8, (1, 3): 1.5, (2, 3): 0.7, (3, 4): -1.1,
                  (1, 4): 0.6}.items():
    upper[i, j] = w
perm = np.array([3, 0, 4, 1, 2])
W_true = np.zeros((d, d))
for i in range(d):
    for j in range(d):
        W_true[perm[i], perm[j]] = upper[i, j]
order = [perm[k] for k in range(d)]


def sample(std):
    X = np.zeros((n, d))
    for j in order:
        X[:, j] = X @ W_true[:, j] + std[j] * rng.standard_normal(n)
    return X + rng.uniform(-1, 1, size=d)  # non-zero means, so centring matters


X_ev = sample(np.ones(d))
X_nv = sample(np.sqrt(np.array([0.5, 4.0, 1.5, 8.0, 2.5])))

common = dict(lambda1=0.05, T=4, warm_iter=3000, max_iter=6000, checkpoint=1000)


def run(cls, X, lr):
    model = cls(seed=0)
    calls = []
    original = model.minimize

    def counted(W, sigma, mu, max_iter, s, lr, **kwargs):
        calls.append({"mu": mu, "s": s, "lr": lr})
        return original(W, sigma, mu, max_iter, s, lr, **kwargs)

    model.minimize = counted
    W, sigma = model.fit(X.copy(), s=[1.0, 0.9, 0.8, 0.7], lr=lr, **common)
    return W, np.atleast_1d(sigma), calls


cases = []
for name, cls, X, lr in [
    ("ev", colide_ev, X_ev, 3e-4),
    ("nv", colide_nv, X_nv, 3e-4),
    ("ev-retry", colide_ev, X_ev, 0.3),
    ("ev-fallback", colide_ev, X_ev, 1.0),
]:
    W, sigma, calls = run(cls, X, lr)
    # How far the official code itself moves when the data moves by one part in 1e15: large
    # learning rates make the Adam path chaotic, and no port can then match to 1e-4.
    W_perturbed, _, _ = run(cls, X * (1 + 1e-15), lr)
    cases.append({
        "name": name,
        "method": "colide-nv" if cls is colide_nv else "colide-ev",
        "learningRate": lr,
        "data": X.tolist(),
        "W": W.tolist(),
        "sigma": sigma.tolist(),
        "minimizeCalls": calls,
        "sensitivity": float(np.abs(W_perturbed - W).max()),
    })

commit = subprocess.run(
    ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True
).stdout.strip()
golden = {
    "reference": f"SAMiatto/colide {commit} model.py (colide_ev, colide_nv)",
    "numpy": np.__version__,
    "scipy": scipy.__version__,
    "configuration": {"lambda": 0.05, "stages": 4, "s": [1.0, 0.9, 0.8, 0.7],
                      "warmIterations": 3000, "maxIterations": 6000, "checkpoint": 1000},
    "trueW": W_true.tolist(),
    "cases": cases,
}
out = pathlib.Path(__file__).resolve().parents[2] / "Tests/DescentSolversTests/Golden/colide.json"
out.write_text(json.dumps(golden, indent=1) + "\n")
for case in cases:
    print(case["name"], "sigma", case["sigma"], "sensitivity", case["sensitivity"], "calls",
          [(c["s"], c["lr"]) for c in case["minimizeCalls"]])
