"""Reference values for Descent's schedules (Tests/DescentOptimizersTests/Golden/schedules.json).

Reference implementations:
  * PyTorch torch.optim.lr_scheduler (the version printed into the JSON; made with 2.13.0 CPU):
    StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, CosineAnnealingWarmRestarts, LinearLR,
    PolynomialLR, SequentialLR (linear warmup then another schedule) and OneCycleLR.
  * numpy: the refinement schedule of Defazio et al., "When, Why and How Much? Adaptive Learning
    Rate Scheduling by Refinement" (arXiv 2310.07831), written directly from its formula:
    median filter (odd width 2*floor(floor(T/10)/2)+1, reflect-padded by 2w at the end, nearest at
    the start), weights w_t = G_t^-2 (SGD, l2 norms) or G_t^-1 (Adam, l1 norms),
    s_t = w_t * sum_{p>t} w_p, normalized so that max s = peak learning rate.

Every record is {"name", "kind", "parameters", "values"} where values[t] is the learning rate used
by the update at 0-based step t (what `optimizer.param_groups[0]["lr"]` holds before the (t+1)-th
`optimizer.step()`).

Run:  /work/venv-ref/bin/python scripts/golden/make_schedule_golden.py
It compares with the checked-in file and reports the largest difference; it rewrites the file only
when asked: DESCENT_REWRITE_GOLDEN=1 (or when the file does not exist yet).
"""

import json
import math
import os

import numpy as np
import torch
from torch.optim import lr_scheduler as L

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "DescentOptimizersTests",
                   "Golden", "schedules.json")


def torch_values(make, steps, lr=1.0):
    parameter = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    optimizer = torch.optim.SGD([parameter], lr=lr, momentum=0.9)
    scheduler = make(optimizer)
    values, momenta = [], []
    for _ in range(steps):
        values.append(optimizer.param_groups[0]["lr"])
        momenta.append(optimizer.param_groups[0]["momentum"])
        optimizer.step()
        scheduler.step()
    return values, momenta


records = []


def add(name, kind, parameters, make, steps, lr):
    values, momenta = torch_values(make, steps, lr)
    record = {"name": name, "kind": kind, "parameters": parameters, "values": values}
    if kind == "oneCycle":
        record["momentum"] = momenta
    records.append(record)


add("step", "step", {"initial": 0.1, "stepSize": 7, "gamma": 0.5},
    lambda o: L.StepLR(o, step_size=7, gamma=0.5), 40, 0.1)
add("multiStep", "multiStep", {"initial": 0.3, "milestones": [5, 12, 12, 30], "gamma": 0.1},
    lambda o: L.MultiStepLR(o, milestones=[5, 12, 12, 30], gamma=0.1), 40, 0.3)
add("exponential", "exponential", {"initial": 0.05, "gamma": 0.97},
    lambda o: L.ExponentialLR(o, gamma=0.97), 60, 0.05)
add("cosine", "cosine", {"initial": 0.1, "decaySteps": 50, "minimum": 0.001},
    lambda o: L.CosineAnnealingLR(o, T_max=50, eta_min=0.001), 51, 0.1)
add("cosineNoMinimum", "cosine", {"initial": 2.0, "decaySteps": 17, "minimum": 0.0},
    lambda o: L.CosineAnnealingLR(o, T_max=17, eta_min=0.0), 18, 2.0)
add("cosineRestarts", "cosineRestarts",
    {"initial": 0.1, "period": 10, "periodMultiplier": 1, "minimum": 0.0},
    lambda o: L.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=1, eta_min=0.0), 45, 0.1)
add("cosineRestartsGrowing", "cosineRestarts",
    {"initial": 0.1, "period": 5, "periodMultiplier": 2, "minimum": 0.01},
    lambda o: L.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.01), 80, 0.1)
add("linear", "linear", {"initial": 0.2, "final": 0.02, "steps": 25},
    lambda o: L.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=25), 40, 0.2)
add("polynomial", "polynomial", {"initial": 0.1, "final": 0.0, "steps": 30, "power": 2.0},
    lambda o: L.PolynomialLR(o, total_iters=30, power=2.0), 40, 0.1)
add("polynomialRoot", "polynomial", {"initial": 0.5, "final": 0.0, "steps": 12, "power": 0.5},
    lambda o: L.PolynomialLR(o, total_iters=12, power=0.5), 20, 0.5)
# Linear warmup from 0.1*peak to the peak over 10 steps, then cosine decay over 40 steps.
add("warmupCosine", "warmupCosine",
    {"peak": 0.1, "warmupSteps": 10, "startFactor": 0.1, "decaySteps": 40, "minimum": 0.0},
    lambda o: L.SequentialLR(o, [L.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=10),
                                 L.CosineAnnealingLR(o, T_max=40, eta_min=0.0)], milestones=[10]),
    51, 0.1)
add("warmupStep", "warmupStep",
    {"peak": 0.5, "warmupSteps": 4, "startFactor": 0.25, "stepSize": 5, "gamma": 0.5},
    lambda o: L.SequentialLR(o, [L.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=4),
                                 L.StepLR(o, step_size=5, gamma=0.5)], milestones=[4]),
    30, 0.5)
for name, three_phase, pct, strategy in [("oneCycle", False, 0.3, "cos"),
                                         ("oneCycleThreePhase", True, 0.25, "cos"),
                                         ("oneCycleLinear", False, 0.4, "linear")]:
    add(name, "oneCycle",
        {"maximum": 0.8, "totalSteps": 100, "percentStart": pct, "divFactor": 25.0,
         "finalDivFactor": 1e4, "threePhase": three_phase, "annealStrategy": strategy,
         "baseMomentum": 0.85, "maxMomentum": 0.95},
        lambda o, three_phase=three_phase, pct=pct, strategy=strategy: L.OneCycleLR(
            o, max_lr=0.8, total_steps=100, pct_start=pct, anneal_strategy=strategy,
            div_factor=25.0, final_div_factor=1e4, three_phase=three_phase,
            base_momentum=0.85, max_momentum=0.95),
        100, 0.8)


def median_filter_reflect_nearest(g, width):
    """Median of each odd `width` window; reflect-pads 2*width at the end, repeats g[0] before it."""
    t = len(g)
    padded = np.pad(g, (0, 2 * width), mode="reflect")
    half = width // 2
    out = np.empty(t)
    for i in range(t):
        idx = np.clip(np.arange(i - half, i + half + 1), 0, len(padded) - 1)
        out[i] = np.median(padded[idx])
    return out


def refined(norms, peak, kind, width=None):
    norms = np.asarray(norms, dtype=np.float64)
    t = len(norms)
    if width is None:
        width = 2 * ((t // 10) // 2) + 1
    g = median_filter_reflect_nearest(norms, width)
    w = g ** -2.0 if kind == "sgd" else g ** -1.0
    tail = np.concatenate([np.cumsum(w[::-1])[::-1][1:], [0.0]])  # sum_{p>t} w_p
    s = w * tail
    return (s / s.max() * peak).tolist()


rng = np.random.default_rng(20231011)
refined_cases = []
for name, norms, kind, peak, width in [
    ("randomSGD", rng.lognormal(0.0, 0.5, 200), "sgd", 0.1, None),
    ("randomAdam", rng.lognormal(0.0, 0.5, 137), "adam", 3e-4, None),
    ("randomSGDWidth5", rng.lognormal(0.0, 1.0, 40), "sgd", 1.0, 5),
    ("largeEarly", 1 + 9 * np.exp(-np.arange(1000) / 100.0), "sgd", 1.0, None),
]:
    refined_cases.append({"name": name, "kind": kind, "peak": peak, "width": width,
                          "norms": norms.tolist(), "values": refined(norms, peak, kind, width)})

golden = {"reference": f"torch {torch.__version__}, numpy {np.__version__}",
          "schedules": records, "refined": refined_cases}
if os.path.exists(OUT) and os.environ.get("DESCENT_REWRITE_GOLDEN") != "1":
    with open(OUT) as f:
        old = json.load(f)
    worst = 0.0
    for new_list, old_list in [(golden["schedules"], old["schedules"]),
                               (golden["refined"], old["refined"])]:
        if [r["name"] for r in new_list] != [r["name"] for r in old_list]:
            raise SystemExit("record names differ from the checked-in file; "
                             "set DESCENT_REWRITE_GOLDEN=1 to rewrite it")
        for new, previous in zip(new_list, old_list):
            worst = max([worst] + [abs(a - b) for a, b in zip(new["values"], previous["values"])])
    print(f"checked-in {os.path.normpath(OUT)} agrees within {worst:.3g}; "
          "set DESCENT_REWRITE_GOLDEN=1 to rewrite it")
else:
    with open(OUT, "w") as f:
        json.dump(golden, f, indent=1)
    print("wrote", os.path.normpath(OUT), len(records), "schedules,", len(refined_cases), "refined")
