"""Reference trajectories for Descent's SophiaG (Tests/DescentOptimizersTests/Golden/sophia.json).

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

Run:  /work/venv-ref/bin/python scripts/golden/make_sophia_golden.py
It compares with the checked-in file and reports the largest difference; it rewrites the file only
when asked: DESCENT_REWRITE_GOLDEN=1 (or when the file does not exist yet).
"""

import json
import os

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "DescentOptimizersTests",
                   "Golden", "sophia.json")
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


def main():
    golden = {
        "reference": "official SophiaG (Liuhong99/Sophia sophia.py) equations in torch "
                     + torch.__version__ + " float64",
        "steps": STEPS,
        "cases": [run(case, seed=100 + i) for i, case in enumerate(CASES)],
    }
    for c in golden["cases"]:
        print("win rates:", min(c["winRates"]), max(c["winRates"]))
    if os.path.exists(OUT) and os.environ.get("DESCENT_REWRITE_GOLDEN") != "1":
        with open(OUT) as f:
            old = json.load(f)
        diff = max(abs(a - b)
                   for co, cn in zip(old["cases"], golden["cases"])
                   for so, sn in zip(co["parameters"], cn["parameters"])
                   for n in so for a, b in zip(so[n], sn[n]))
        print(f"largest difference from the checked-in file: {diff:.3e} (not rewritten)")
        return
    with open(OUT, "w") as f:
        json.dump(golden, f)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
