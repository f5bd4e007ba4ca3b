"""Reference trajectories for Descent's SophiaG (Tests/DescentOptimizersTests/Golden/sophia.json)
and SophiaH (Golden/sophiah.json).

SophiaG
-------

Reference: the official SophiaG of Liu et al. (github.com/Liuhong99/Sophia, sophia.py, the
single-tensor path with capturable=False), reimplemented here from its equations in PyTorch
float64 (not copied):

    update_hessian():  h <- beta2*h + (1-beta2) * grad*grad      (grad: loss on sampled labels)
    step(bs):          theta <- theta*(1 - lr*wd)
                       m <- beta1*m + (1-beta1)*grad
                       ratio <- clamp(|m| / (rho*bs*h + 1e-15), max=1)
                       theta <- theta - lr * sign(m) * ratio

and the official training loop's order: step t, then (when t % k == 0, t 1-based) the Hessian
update from the gradient on sampled labels. Gradients and sampled-label gradients are fixed
seeded arrays, so no model is needed. win_rate[t] is the fraction of coordinates with ratio < 1.

SophiaH
-------
Reference: pytorch_optimizer 4.1.0's `SophiaH` itself (pytorch_optimizer/optimizer/sophia.py,
imported, not reimplemented; torch float64, its default foreach path), with INJECTED probes:
its Hutchinson estimate (BaseOptimizer.compute_hutchinson_hessian) draws u = torch.randn_like(p)
('gaussian') or torch.randint_like(p, 0, 2) * 2.0 - 1.0 ('rademacher'); this script replaces those
two torch functions by a queue of precomputed arrays (numpy's seeded PCG64) and stores the probes
u (per estimate step, sample and parameter, flattened row-major) so the Swift test feeds the same u
through SophiaH's test-only probe provider. The training loop is pytorch_optimizer's documented
one: zero_grad; loss = f(θ); loss.backward(create_graph=True); step(). Problems (the Swift test
writes the same losses in Descent ops):
  rosenbrock: x = [x0, x1], f = (1 - x0)^2 + 100 (x1 - x0^2)^2, start (-1.2, 1.0).
  mlp: X [8,3], Y [8,2] fixed (below); W1 [4,3], b1 [4], W2 [2,4], b2 [2], K [2,1,2,2];
       f = mean((tanh(X W1^T + b1) W2^T + b2 - Y)^2) + sum(A * K^2 + 0.1 K^4).

Run:  /work/venv-ref/bin/python scripts/golden/make_sophia_golden.py
It compares with the checked-in files and reports the largest difference; it rewrites a file only
when asked: DESCENT_REWRITE_GOLDEN=1 (or when the file does not exist yet).
"""

import json
import os

import importlib.metadata
import math

import numpy as np
import pytorch_optimizer
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "DescentOptimizersTests",
                   "Golden", "sophia.json")
OUT_H = os.path.join(os.path.dirname(OUT), "sophiah.json")
SHAPES = {"layer.weight": [3, 4], "layer.bias": [5]}
STEPS = 50


class ReferenceSophiaG(torch.optim.Optimizer):
    def __init__(self, params, lr, betas, rho, weight_decay):
        super().__init__(params, dict(lr=lr, betas=betas, rho=rho, weight_decay=weight_decay))

    def _state(self, p):
        state = self.state[p]
        if len(state) == 0:
            state["step"] = 0
            state["exp_avg"] = torch.zeros_like(p)
            state["hessian"] = torch.zeros_like(p)
        return state

    @torch.no_grad()
    def update_hessian(self):
        for group in self.param_groups:
            beta2 = group["betas"][1]
            for p in group["params"]:
                state = self._state(p)
                state["hessian"].mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)

    @torch.no_grad()
    def step(self, bs):
        unclipped, total = 0, 0
        for group in self.param_groups:
            beta1, _ = group["betas"]
            lr, rho, wd = group["lr"], group["rho"], group["weight_decay"]
            for p in group["params"]:
                state = self._state(p)
                state["step"] += 1
                p.mul_(1 - lr * wd)
                state["exp_avg"].mul_(beta1).add_(p.grad, alpha=1 - beta1)
                ratio = (state["exp_avg"].abs() / (rho * bs * state["hessian"] + 1e-15)).clamp(None, 1)
                unclipped += int((ratio < 1).sum())
                total += ratio.numel()
                p.addcmul_(state["exp_avg"].sign(), ratio, value=-lr)
        return unclipped / total


def run(case, seed):
    rng = np.random.default_rng(seed)
    params = {k: rng.uniform(-1, 1, size=s) for k, s in SHAPES.items()}
    tensors = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    opt = ReferenceSophiaG(list(tensors.values()), lr=case["learningRate"],
                           betas=(case["beta1"], case["beta2"]), rho=case["rho"],
                           weight_decay=case["weightDecay"])
    k = case["hessianUpdateInterval"]
    gradients, sampled, trajectory, win_rates = [], {}, [], []
    for t in range(1, STEPS + 1):
        g = {n: rng.normal(0, case["gradientScale"], size=s) for n, s in SHAPES.items()}
        gradients.append({n: v.ravel().tolist() for n, v in g.items()})
        for n, p in tensors.items():
            p.grad = torch.tensor(g[n], dtype=torch.float64)
        win_rates.append(opt.step(bs=case["batchSize"]))
        trajectory.append({n: p.detach().numpy().ravel().tolist() for n, p in tensors.items()})
        if t % k == 0:
            s = {n: rng.normal(0, case["sampledScale"], size=sh) for n, sh in SHAPES.items()}
            sampled[str(t)] = {n: v.ravel().tolist() for n, v in s.items()}
            for n, p in tensors.items():
                p.grad = torch.tensor(s[n], dtype=torch.float64)
            opt.update_hessian()
    return {
        "settings": {key: case[key] for key in
                     ["learningRate", "beta1", "beta2", "rho", "weightDecay", "batchSize",
                      "hessianUpdateInterval"]},
        "shapes": SHAPES,
        "initial": {n: v.ravel().tolist() for n, v in params.items()},
        "gradients": gradients,
        "sampledLabelGradients": sampled,
        "parameters": trajectory,
        "winRates": win_rates,
    }


CASES = [
    # The official defaults, batchSize 5120 (official step's default bs).
    dict(learningRate=1e-4, beta1=0.965, beta2=0.99, rho=0.04, weightDecay=0.1, batchSize=5120,
         hessianUpdateInterval=10, gradientScale=1.0, sampledScale=0.01),
    # Small batch: a mix of clipped and unclipped coordinates.
    dict(learningRate=0.01, beta1=0.9, beta2=0.95, rho=0.1, weightDecay=0.0, batchSize=16,
         hessianUpdateInterval=10, gradientScale=1.0, sampledScale=0.5),
    # Estimate every 3 steps, strong decay.
    dict(learningRate=0.05, beta1=0.965, beta2=0.99, rho=0.04, weightDecay=0.5, batchSize=64,
         hessianUpdateInterval=3, gradientScale=0.3, sampledScale=1.0),
]



# ---------------------------------------------------------------------------------------------
# SophiaH: pytorch_optimizer 4.1.0 with injected probes.

H_STEPS = 40


def values(n, scale, phase):
    return [scale * math.sin(1.7 * i + phase) for i in range(n)]


def h_problem(name):
    f64 = torch.float64
    if name == "rosenbrock":
        params = [("x", torch.tensor([-1.2, 1.0], dtype=f64))]

        def loss(p):
            return (1 - p["x"][0]) ** 2 + 100 * (p["x"][1] - p["x"][0] ** 2) ** 2

        return params, loss
    X = torch.tensor(values(24, 1.0, 0.3), dtype=f64).reshape(8, 3)
    Y = torch.tensor(values(16, 0.8, 1.1), dtype=f64).reshape(8, 2)
    A = torch.tensor([0.5, 2.0, 1.0, 4.0, 0.25, 3.0, 1.5, 0.75], dtype=f64).reshape(2, 1, 2, 2)
    params = [
        ("W1", torch.tensor(values(12, 0.5, 0.0), dtype=f64).reshape(4, 3)),
        ("b1", torch.tensor(values(4, 0.1, 2.0), dtype=f64)),
        ("W2", torch.tensor(values(8, 0.5, 1.0), dtype=f64).reshape(2, 4)),
        ("b2", torch.tensor(values(2, 0.1, 3.0), dtype=f64)),
        ("K", torch.tensor(values(8, 0.7, 0.5), dtype=f64).reshape(2, 1, 2, 2)),
    ]

    def loss(p):
        h = torch.tanh(X @ p["W1"].T + p["b1"])
        out = h @ p["W2"].T + p["b2"]
        return ((out - Y) ** 2).mean() + (A * p["K"] ** 2 + 0.1 * p["K"] ** 4).sum()

    return params, loss


# Settings in Descent's names; the keyword arguments of pytorch_optimizer.SophiaH in H_KWARGS.
H_CASES = [
    # pytorch_optimizer's defaults (lr 6e-2, betas (0.96, 0.99), p 1e-2, update_period 10, ...).
    dict(problem="mlp"),
    # Large steps, every step an estimate, coupled decay, two Rademacher probes per estimate.
    dict(problem="mlp", learningRate=0.5, clip=0.2, hessianUpdateInterval=1, weightDecay=0.05,
         decoupledWeightDecay=False, samples=2, probeDistribution="rademacher"),
    # Rosenbrock: estimate every 3 steps, decoupled decay, ratios mostly unclipped.
    dict(problem="rosenbrock", learningRate=0.05, beta1=0.9, beta2=0.95, clip=1.0,
         hessianUpdateInterval=3, weightDecay=0.1),
    # fixed_decay, maximize, beta1 above 1/2 (torch's lerp then takes its other branch), eps large.
    dict(problem="mlp", learningRate=0.02, beta1=0.3, beta2=0.4, clip=0.5,
         hessianUpdateInterval=2, weightDecay=0.2, fixedDecay=True, maximize=True, epsilon=1e-3),
]
H_DEFAULTS = dict(learningRate=6e-2, beta1=0.96, beta2=0.99, weightDecay=0.0,
                  decoupledWeightDecay=True, fixedDecay=False, clip=1e-2, hessianUpdateInterval=10,
                  samples=1, probeDistribution="gaussian", epsilon=1e-12, maximize=False)


def h_kwargs(s):
    return dict(lr=s["learningRate"], betas=(s["beta1"], s["beta2"]), weight_decay=s["weightDecay"],
                weight_decouple=s["decoupledWeightDecay"], fixed_decay=s["fixedDecay"], p=s["clip"],
                update_period=s["hessianUpdateInterval"], num_samples=s["samples"],
                hessian_distribution=s["probeDistribution"], eps=s["epsilon"],
                maximize=s["maximize"])


def run_sophiah(case, rng):
    settings = dict(H_DEFAULTS)
    settings.update({k: v for k, v in case.items() if k != "problem"})
    named, loss_fn = h_problem(case["problem"])
    names = [n for n, _ in named]
    params = [t.clone().requires_grad_(True) for _, t in named]
    opt = pytorch_optimizer.SophiaH(params, **h_kwargs(settings))
    queue = []
    original = (torch.randn_like, torch.randint_like)

    def randn_like(p, **kwargs):
        return queue.pop(0).to(p.dtype)

    def randint_like(p, low=0, high=None, **kwargs):
        assert (low, high) == (0, 2)
        return queue.pop(0).to(p.dtype)

    torch.randn_like, torch.randint_like = randn_like, randint_like
    probes, losses, trajectory, hessians = {}, [], [], []
    try:
        for t in range(1, H_STEPS + 1):
            if (t - 1) % settings["hessianUpdateInterval"] == 0:
                step_probes = []
                for _ in range(settings["samples"]):
                    if settings["probeDistribution"] == "gaussian":
                        draws = [torch.tensor(rng.normal(size=tuple(p.shape))) for p in params]
                        step_probes.append([d.reshape(-1).tolist() for d in draws])
                    else:
                        draws = [torch.tensor(rng.integers(0, 2, size=tuple(p.shape)))
                                 for p in params]
                        step_probes.append([(2 * d - 1).reshape(-1).tolist() for d in draws])
                    queue.extend(draws)
                probes[str(t)] = step_probes
            opt.zero_grad()
            loss = loss_fn(dict(zip(names, params)))
            losses.append(loss.item())
            loss.backward(create_graph=True)
            opt.step()
            assert not queue
            trajectory.append([p.detach().reshape(-1).tolist() for p in params])
            hessians.append([opt.state[p]["hessian_moment"].reshape(-1).tolist() for p in params])
    finally:
        torch.randn_like, torch.randint_like = original
    return {
        "problem": case["problem"],
        "settings": settings,
        "paths": names,
        "shapes": [list(t.shape) for _, t in named],
        "initial": [t.reshape(-1).tolist() for _, t in named],
        "probes": probes,
        "losses": losses,
        "trajectory": trajectory,
        "hessian": hessians,
    }


def sophiah_golden():
    rng = np.random.default_rng(20261129)
    return {
        "reference": "pytorch_optimizer.SophiaH "
                     + importlib.metadata.version("pytorch_optimizer") + ", torch "
                     + torch.__version__ + ", float64, injected probes",
        "steps": H_STEPS,
        "cases": [run_sophiah(case, rng) for case in H_CASES],
    }


def write_or_compare(path, golden, key):
    if os.path.exists(path) and os.environ.get("DESCENT_REWRITE_GOLDEN") != "1":
        with open(path) as f:
            old = json.load(f)
        diff = max(abs(a - b)
                   for co, cn in zip(old["cases"], golden["cases"])
                   for so, sn in zip(co[key], cn[key])
                   for xo, xn in (zip(so.values(), sn.values()) if isinstance(so, dict)
                                  else zip(so, sn))
                   for a, b in zip(xo, xn))
        print(f"{os.path.basename(path)}: largest difference from the checked-in file: "
              f"{diff:.3e} (not rewritten)")
        return
    with open(path, "w") as f:
        json.dump(golden, f)
    print("wrote", path)


def main():
    golden = {
        "reference": "official SophiaG (Liuhong99/Sophia sophia.py) equations in torch "
                     + torch.__version__ + " float64",
        "steps": STEPS,
        "cases": [run(case, seed=100 + i) for i, case in enumerate(CASES)],
    }
    for c in golden["cases"]:
        print("win rates:", min(c["winRates"]), max(c["winRates"]))
    write_or_compare(OUT, golden, "parameters")
    h = sophiah_golden()
    for c in h["cases"]:
        print(c["problem"], "loss", c["losses"][0], "->", c["losses"][-1])
    write_or_compare(OUT_H, h, "trajectory")


if __name__ == "__main__":
    main()
