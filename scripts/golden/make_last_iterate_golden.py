"""Golden optima for DescentSolvers' LeastAbsoluteDeviations (the F* of the last-iterate
experiment, arXiv:2312.08531), from scipy.optimize.linprog with method="highs" (the versions are
written into the JSON), and numpy closed forms for the proxes.

Problems: F(x) = (1/n)||Ax - b||_1 + lam ||x||_1 as the LP
    min (1/n) sum t + lam sum s  s.t.  -t <= Ax - b <= t,  -s <= x <= s.
The inputs are generated here with numpy and stored with the outputs.

Run: /work/venv/bin/python scripts/golden/make_last_iterate_golden.py
Writes Tests/DescentSolversTests/Golden/last_iterate.json.
"""
import json
import pathlib

import numpy as np
import scipy
from scipy.optimize import linprog
from scipy.sparse import csr_matrix, eye, hstack, vstack

rng = np.random.default_rng(20261206)
out = {"versions": {"numpy": np.__version__, "scipy": scipy.__version__,
                    "method": "scipy.optimize.linprog(method='highs')"}}


def lad(A, b, lam):
    n, d = A.shape
    Ac = csr_matrix(A)
    Z, Zd = csr_matrix((n, d)), csr_matrix((d, n))
    blocks = [hstack([Ac, -eye(n), Z]), hstack([-Ac, -eye(n), Z]),
              hstack([eye(d), Zd, -eye(d)]), hstack([-eye(d), Zd, -eye(d)])]
    res = linprog(np.concatenate([np.zeros(d), np.ones(n) / n, lam * np.ones(d)]),
                  A_ub=vstack(blocks), b_ub=np.concatenate([b, -b, np.zeros(2 * d)]),
                  bounds=[(None, None)] * d + [(0, None)] * (n + d), method="highs",
                  options={"primal_feasibility_tolerance": 1e-10,
                           "dual_feasibility_tolerance": 1e-10})
    assert res.status == 0, res.message
    x = res.x[:d]
    value = np.abs(A @ x - b).mean() + lam * np.abs(x).sum()
    return x, float(value)


cases = []
for n, d, lam, noise in [(200, 10, 0.01, 1.0), (300, 8, 0.0, 0.5), (150, 12, 0.05, 0.0)]:
    A = rng.normal(size=(n, d))
    truth = rng.normal(size=d) * (rng.random(d) < 0.5)
    b = A @ truth + noise * rng.normal(size=n)
    x, value = lad(A, b, lam)
    cases.append({"n": n, "d": d, "l1": lam, "design": A.ravel().tolist(), "targets": b.tolist(),
                  "point": x.tolist(), "value": value})
out["lad"] = cases

# Prox closed forms (numpy): soft threshold, group soft threshold, simplex projection by
# bisection on the threshold (independent of the sort-based algorithm under test).
y = rng.normal(size=12) * 2
eta = 0.7
out["prox"] = {"y": y.tolist(), "stepSize": eta, "l1Strength": 0.9,
               "softThreshold": (np.sign(y) * np.maximum(np.abs(y) - eta * 0.9, 0)).tolist()}
lo, hi = y.min() - 1, y.max()
for _ in range(200):
    mid = (lo + hi) / 2
    if np.maximum(y - mid, 0).sum() > 1:
        lo = mid
    else:
        hi = mid
out["prox"]["simplex"] = np.maximum(y - (lo + hi) / 2, 0).tolist()
groups = [[0, 1, 2], [3, 4], [5, 6, 7, 8]]
g = y.copy()
for idx in groups:
    norm = np.linalg.norm(y[idx])
    g[idx] = max(0.0, 1 - eta * 0.9 / norm) * y[idx]
out["prox"]["groups"] = groups
out["prox"]["groupSoftThreshold"] = g.tolist()

path = pathlib.Path(__file__).resolve().parents[2] / "Tests/DescentSolversTests/Golden/last_iterate.json"
path.write_text(json.dumps(out))
print("wrote", path, [c["value"] for c in cases])
