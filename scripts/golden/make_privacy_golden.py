"""Reference values for DescentPrivacy's RDP accountant (Tests/DescentPrivacyTests/Golden/privacy.json).

Reference implementation: Opacus (the version printed into the JSON; made with opacus 1.6.0,
torch 2.13.0 CPU, scipy and numpy as printed):
  * opacus.accountants.RDPAccountant with its DEFAULT_ALPHAS — get_privacy_spent(delta) gives
    (epsilon, best order) of a history of phases (noise_multiplier, sample_rate, steps), composed
    by adding their RDP curves (opacus/accountants/analysis/rdp.py: compute_rdp, get_privacy_spent);
  * opacus.accountants.analysis.rdp.compute_rdp — one step's RDP at each default order, for a few
    (sigma, q) cells;
  * opacus.accountants.utils.get_noise_multiplier(target_epsilon, target_delta, sample_rate, steps,
    accountant="rdp") with its default epsilon_tolerance = 0.01.

Records:
  epsilon: {"phases": [[sigma, q, steps], ...], "delta", "epsilon", "order"}
  rdp:     {"sigma", "q", "rdp": [one step's RDP at each default order]}
  noise:   {"epsilon", "delta", "q", "steps", "sigma"}   (sigma null: Opacus refuses the budget)

Run:  /work/venv/bin/python scripts/golden/make_privacy_golden.py
It compares with the checked-in file and reports the largest difference; it rewrites the file only
when asked: DESCENT_REWRITE_GOLDEN=1 (or when the file does not exist yet).
"""

import json
import math
import os
import warnings

import numpy as np
import opacus
import scipy
import torch
from opacus.accountants import RDPAccountant
from opacus.accountants.analysis import rdp as rdp_analysis
from opacus.accountants.utils import get_noise_multiplier

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "DescentPrivacyTests",
                   "Golden", "privacy.json")

# Opacus warns when the best order is the first or last one; the value is still what it returns.
warnings.simplefilter("ignore")


def spent(phases, delta):
    accountant = RDPAccountant()
    accountant.history = [tuple(p) for p in phases]
    eps, order = accountant.get_privacy_spent(delta=delta)
    return float(eps), float(order)


epsilon_records = []

# Single phases over a grid: small (0.5) to large (100) noise, tiny (1e-4) to full (1) sampling.
for sigma in [0.5, 0.8, 1.0, 1.1, 2.0, 5.0, 20.0, 100.0]:
    for q in [1e-4, 0.004, 0.01, 0.05, 0.256, 1.0]:
        for steps in [1, 100, 10000]:
            for delta in [1e-5, 1e-3]:
                phases = [[sigma, q, steps]]
                eps, order = spent(phases, delta)
                epsilon_records.append(
                    {"phases": phases, "delta": delta, "epsilon": eps, "order": order})

# Heterogeneous composition: several phases of different noise and sampling.
for phases, delta in [
    ([[1.0, 0.01, 500], [2.0, 0.02, 300]], 1e-5),
    ([[0.7, 0.001, 2000], [1.5, 0.05, 100], [4.0, 0.2, 50]], 1e-6),
    ([[1.1, 0.256, 10], [1.1, 0.004, 1000], [0.9, 1.0, 3]], 1e-5),
    ([[3.0, 1e-4, 100000], [0.5, 0.01, 20]], 1e-3),
    ([[1.0, 0.01, 100], [1.0, 0.01, 100], [10.0, 0.5, 7]], 1e-5),
]:
    eps, order = spent(phases, delta)
    epsilon_records.append({"phases": phases, "delta": delta, "epsilon": eps, "order": order})

rdp_records = []
for sigma, q in [(0.5, 0.01), (0.5, 0.256), (1.0, 1e-4), (1.1, 0.01), (2.0, 0.5), (20.0, 0.05),
                 (1.0, 1.0)]:
    values = rdp_analysis.compute_rdp(q=q, noise_multiplier=sigma, steps=1,
                                      orders=RDPAccountant.DEFAULT_ALPHAS)
    rdp_records.append({"sigma": sigma, "q": q, "rdp": [float(v) for v in values]})

noise_records = []
for target, delta, q, steps in [
    (0.5, 1e-5, 0.01, 1000), (1.0, 1e-5, 0.01, 1000), (3.0, 1e-5, 0.01, 1000),
    (8.0, 1e-5, 0.01, 1000), (1.0, 1e-5, 0.001, 10000), (2.0, 1e-6, 0.05, 500),
    (5.0, 1e-3, 0.256, 100), (1.0, 1e-5, 1.0, 10), (10.0, 1e-5, 1e-4, 100000),
    (0.3, 1e-5, 0.004, 2500), (50.0, 1e-5, 0.01, 100), (1e-7, 1e-5, 1.0, 1000),
]:
    try:
        sigma = float(get_noise_multiplier(target_epsilon=target, target_delta=delta,
                                           sample_rate=q, steps=steps, accountant="rdp"))
    except ValueError:
        sigma = None
    noise_records.append({"epsilon": target, "delta": delta, "q": q, "steps": steps,
                          "sigma": sigma})

golden = {
    "reference": f"opacus {opacus.__version__}, torch {torch.__version__}, "
                 f"scipy {scipy.__version__}, numpy {np.__version__}",
    "orders": [float(a) for a in RDPAccountant.DEFAULT_ALPHAS],
    "epsilon": epsilon_records,
    "rdp": rdp_records,
    "noise": noise_records,
}


def largest_difference(old, new):
    worst = 0.0
    for a, b in zip(old["epsilon"], new["epsilon"]):
        worst = max(worst, abs(a["epsilon"] - b["epsilon"]) / max(abs(b["epsilon"]), 1e-300))
    for a, b in zip(old["noise"], new["noise"]):
        if a["sigma"] != b["sigma"]:
            worst = max(worst, math.inf)
    return worst


if os.path.exists(OUT) and os.environ.get("DESCENT_REWRITE_GOLDEN") != "1":
    with open(OUT) as f:
        old = json.load(f)
    print(f"{golden['reference']}: largest relative difference from the checked-in file "
          f"{largest_difference(old, golden):.3g} (DESCENT_REWRITE_GOLDEN=1 rewrites it)")
else:
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT}: {len(epsilon_records)} epsilon, {len(rdp_records)} rdp, "
          f"{len(noise_records)} noise records ({golden['reference']})")
