"""Golden trajectories of torch_optimizer.Adahessian (torch-optimizer 0.3.0, hessian_power=1)
for Descent's AdaHessian parity test, float64, with INJECTED probe vectors.

torch-optimizer draws z = 2 * torch.randint_like(p, high=2) - 1; this script replaces
torch.randint_like by a queue of precomputed 0/1 tensors (from numpy's seeded PCG64), and stores
the probes z (±1, flattened row-major, per step and parameter) in the JSON so that the Swift test
feeds the same z through AdaHessian's test-only probe provider.

Problems (the Swift test writes the same losses in Descent ops):
  rosenbrock: x = [x0, x1], f = (1 - x0)^2 + 100 (x1 - x0^2)^2, start (-1.2, 1.0), 60 steps.
  mlp: X [8,3], Y [8,2] fixed (below); W1 [4,3], b1 [4], W2 [2,4], b2 [2], K [2,1,2,2];
       f = mean((tanh(X W1^T + b1) W2^T + b2 - Y)^2) + sum(A * K^2 + 0.1 K^4), 60 steps
       (K is a 4-D "convolution weight", so D is averaged over its last two dimensions).

Run: /work/venv-ref/bin/python scripts/golden/make_adahessian_golden.py
Writes Tests/DescentOptimizersTests/Golden/adahessian.json.
"""
import json
import math
import os

import numpy as np
import torch
import torch_optimizer

torch.set_default_dtype(torch.float64)
STEPS = 60


def values(n, scale, phase):
    return [scale * math.sin(1.7 * i + phase) for i in range(n)]


def mlp_data():
    X = torch.tensor(values(24, 1.0, 0.3)).reshape(8, 3)
    Y = torch.tensor(values(16, 0.8, 1.1)).reshape(8, 2)
    A = torch.tensor([0.5, 2.0, 1.0, 4.0, 0.25, 3.0, 1.5, 0.75]).reshape(2, 1, 2, 2)
    return X, Y, A


def problems():
    rosen = {
        "name": "rosenbrock",
        "learningRate": 0.15,
        "params": [("x", torch.tensor([-1.2, 1.0]))],
        "loss": lambda p: (1 - p["x"][0]) ** 2 + 100 * (p["x"][1] - p["x"][0] ** 2) ** 2,
    }
    X, Y, A = mlp_data()

    def mlp_loss(p):
        h = torch.tanh(X @ p["W1"].T + p["b1"])
        out = h @ p["W2"].T + p["b2"]
        return ((out - Y) ** 2).mean() + (A * p["K"] ** 2 + 0.1 * p["K"] ** 4).sum()

    mlp = {
        "name": "mlp",
        "learningRate": 0.05,
        "weightDecay": 0.01,
        "params": [
            ("W1", torch.tensor(values(12, 0.5, 0.0)).reshape(4, 3)),
            ("b1", torch.tensor(values(4, 0.1, 2.0))),
            ("W2", torch.tensor(values(8, 0.5, 1.0)).reshape(2, 4)),
            ("b2", torch.tensor(values(2, 0.1, 3.0))),
            ("K", torch.tensor(values(8, 0.7, 0.5)).reshape(2, 1, 2, 2)),
        ],
        "loss": mlp_loss,
    }
    return [rosen, mlp]


def run(problem, rng):
    names = [n for n, _ in problem["params"]]
    params = [t.clone().requires_grad_(True) for _, t in problem["params"]]
    lr = problem["learningRate"]
    wd = problem.get("weightDecay", 0.0)
    opt = torch_optimizer.Adahessian(params, lr=lr, weight_decay=wd, hessian_power=1.0)
    queue = []
    original = torch.randint_like

    def injected(p, high=2, **kwargs):
        assert high == 2
        return queue.pop(0).to(p.dtype)

    torch.randint_like = injected
    probes, trajectory, losses = [], [], []
    try:
        for _ in range(STEPS):
            bits = [torch.tensor(rng.integers(0, 2, size=tuple(p.shape))) for p in params]
            queue.extend(b.clone() for b in bits)
            probes.append([(2 * b - 1).reshape(-1).tolist() for b in bits])
            opt.zero_grad()
            loss = problem["loss"](dict(zip(names, params)))
            losses.append(loss.item())
            loss.backward(create_graph=True)
            opt.step()
            assert not queue
            trajectory.append([p.detach().reshape(-1).tolist() for p in params])
    finally:
        torch.randint_like = original
    return {
        "name": problem["name"],
        "learningRate": lr,
        "weightDecay": wd,
        "paths": names,
        "shapes": [list(t.shape) for _, t in problem["params"]],
        "initial": [t.reshape(-1).tolist() for _, t in problem["params"]],
        "probes": probes,
        "losses": losses,
        "trajectory": trajectory,
    }


def main():
    rng = np.random.default_rng(20260529)
    out = {
        "reference": f"torch_optimizer.Adahessian {torch_optimizer.__version__}, torch "
        f"{torch.__version__}, float64, hessian_power=1, injected probes",
        "steps": STEPS,
        "problems": [run(p, rng) for p in problems()],
    }
    path = os.path.join(
        os.path.dirname(__file__), "..", "..", "Tests", "DescentOptimizersTests", "Golden",
        "adahessian.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    for p in out["problems"]:
        print(p["name"], "loss", p["losses"][0], "->", p["losses"][-1])


if __name__ == "__main__":
    main()
