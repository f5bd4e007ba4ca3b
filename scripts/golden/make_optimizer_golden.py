#!/usr/bin/env python3
"""Golden optimizer trajectories for Tests/DescentOptimizersTests/OptimizerParityTests.swift.

Reference implementations and versions (checked at start-up):
  torch 2.13.0+cpu          torch.optim.SGD, Adagrad, Adadelta, RMSprop, Adam, AdamW
  torch-optimizer 0.3.0     torch_optimizer.DiffGrad (jettify; the diffGrad_v2 rule)
  AdaGrad-Norm has no library implementation: its rule is written below in torch ops.

Run by hand only (golden files are never rewritten by the tests):
  /work/venv-ref/bin/python scripts/golden/make_optimizer_golden.py

Each optimizer gets Golden/optimizer-<name>.json holding, for several hyperparameter settings
(default, weight decay, the variant flags, maximize), 100 float64 steps on
  (a) the 2-D Rosenbrock function (1-x)^2 + 100 (y-x^2)^2 from (-1.5, 2), with the analytic
      gradient written in the same operation order as the Swift test, and
  (b) a 4-8-3 MLP with SiLU activations written as z / (1 + exp(-z)) (ops Descent has),
      mean squared error on 16 fixed examples, gradients by torch autograd each step.
For `maximize` settings the objective is negated (-f), so maximizing it minimizes f.
The trajectory lists the parameters flattened in order (PyTorch state_dict order for the MLP)
after steps 0 (start) .. 100. Both problems live in optimizer_problems.py, shared with
make_catalogue2_golden.py.
"""
import json
import math
import os
import sys

import torch
import torch_optimizer

from optimizer_problems import STEPS, mlp_document, mlp_loss, mlp_setup, rosenbrock_gradient

EXPECTED = {"torch": "2.13.0+cpu", "torch_optimizer": "0.3.0"}
if torch.__version__ != EXPECTED["torch"] or torch_optimizer.__version__ != EXPECTED["torch_optimizer"]:
    sys.exit(f"need torch {EXPECTED['torch']} and torch-optimizer {EXPECTED['torch_optimizer']}, "
             f"found {torch.__version__} and {torch_optimizer.__version__}")

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "Tests", "DescentOptimizersTests", "Golden")


class AdaGradNorm(torch.optim.Optimizer):
    """v <- v + ||g||^2 over all parameters; p <- p - lr * g / (sqrt(v) + eps)."""

    def __init__(self, params, lr=1e-2, initial_accumulator_value=0.0, eps=1e-10,
                 weight_decay=0.0, maximize=False):
        super().__init__(params, dict(lr=lr, eps=eps, weight_decay=weight_decay, maximize=maximize))
        self.accumulator = initial_accumulator_value

    @torch.no_grad()
    def step(self):
        group = self.param_groups[0]
        grads = []
        for p in group["params"]:
            g = -p.grad if group["maximize"] else p.grad
            if group["weight_decay"] != 0:
                g = g.add(p, alpha=group["weight_decay"])
            grads.append(g)
        self.accumulator += sum(float((g * g).sum()) for g in grads)
        denom = math.sqrt(self.accumulator) + group["eps"]
        for p, g in zip(group["params"], grads):
            p.add_(-group["lr"] * g / denom)


def diffgrad(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, maximize=False):
    # torch-optimizer has no `maximize`; the harness negates the gradient instead (exact).
    return torch_optimizer.DiffGrad(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)


# Swift names -> torch keyword arguments.
def torch_kwargs(settings):
    kw = {}
    betas = [None, None]
    for key, value in settings.items():
        if key == "learningRate": kw["lr"] = value
        elif key == "beta1": betas[0] = value
        elif key == "beta2": betas[1] = value
        elif key == "epsilon": kw["eps"] = value
        elif key == "weightDecay": kw["weight_decay"] = value
        elif key == "lrDecay": kw["lr_decay"] = value
        elif key == "initialAccumulatorValue": kw["initial_accumulator_value"] = value
        else: kw[key] = value  # momentum, dampening, nesterov, amsgrad, rho, alpha, centered, maximize
    if betas != [None, None]:
        kw["betas"] = (betas[0] if betas[0] is not None else 0.9, betas[1] if betas[1] is not None else 0.999)
    return kw


FACTORIES = {
    "sgd": torch.optim.SGD, "adagrad": torch.optim.Adagrad, "adadelta": torch.optim.Adadelta,
    "rmsprop": torch.optim.RMSprop, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
    "diffgrad": diffgrad, "adagradnorm": AdaGradNorm,
}

# Per optimizer: learning rates for (rosenbrock, mlp), then settings besides the learning rate.
# RMSprop's MLP rate is 3e-4: at 1e-3 one weight oscillates so that the ulp-level differences
# between torch's and Descent's gradients (vectorized exp, matmul summation order) grow to about
# 5e-9 relative by step 90, above the tests' 1e-9 tolerance, although the optimizer arithmetic agrees.
CASES = {
    "sgd": ((1e-4, 0.05), [{}, {"weightDecay": 0.01}, {"momentum": 0.9},
                            {"momentum": 0.9, "nesterov": True},
                            {"momentum": 0.5, "dampening": 0.1, "weightDecay": 0.01},
                            {"momentum": 0.9, "maximize": True}]),
    "adagrad": ((0.1, 0.05), [{}, {"weightDecay": 0.01},
                              {"lrDecay": 0.01, "initialAccumulatorValue": 0.1, "epsilon": 1e-8},
                              {"maximize": True}]),
    "adadelta": ((1.0, 1.0), [{}, {"weightDecay": 0.01}, {"rho": 0.95, "epsilon": 1e-5},
                              {"maximize": True}]),
    "rmsprop": ((1e-3, 3e-4), [{}, {"weightDecay": 0.01}, {"centered": True},
                               {"centered": True, "momentum": 0.9}, {"momentum": 0.5, "alpha": 0.9},
                               {"maximize": True}]),
    "adam": ((0.01, 0.01), [{}, {"weightDecay": 0.01}, {"amsgrad": True},
                            {"beta1": 0.5, "beta2": 0.9, "epsilon": 1e-6},
                            {"amsgrad": True, "weightDecay": 0.1, "maximize": True}]),
    "adamw": ((0.01, 0.01), [{}, {"weightDecay": 0.1}, {"amsgrad": True},
                             {"maximize": True}]),
    "diffgrad": ((0.01, 0.01), [{}, {"weightDecay": 0.01}, {"beta1": 0.95, "beta2": 0.99},
                                {"maximize": True}]),
    "adagradnorm": ((0.1, 0.1), [{}, {"weightDecay": 0.01},
                                 {"initialAccumulatorValue": 1.0, "epsilon": 1e-8},
                                 {"maximize": True}]),
}


def run_rosenbrock(name, settings):
    p = torch.tensor([-1.5, 2.0])
    p.requires_grad_(False)
    param = torch.nn.Parameter(p.clone())
    opt = FACTORIES[name]([param], **torch_kwargs(settings))
    sign = -1.0 if settings.get("maximize") else 1.0
    negate_for_diffgrad = name == "diffgrad" and settings.get("maximize")
    trajectory = [param.detach().tolist()]
    for _ in range(STEPS):
        x, y = param.detach().tolist()
        gx, gy = rosenbrock_gradient(x, y)
        g = torch.tensor([sign * gx, sign * gy])
        if negate_for_diffgrad:
            g = -g
        param.grad = g
        opt.step()
        trajectory.append(param.detach().tolist())
    return trajectory


def run_mlp(name, settings, setup):
    init, inputs, targets = setup
    params = [torch.nn.Parameter(torch.tensor(init[k])) for k in ("0.weight", "0.bias", "2.weight", "2.bias")]
    x, t = torch.tensor(inputs), torch.tensor(targets)
    opt = FACTORIES[name](params, **torch_kwargs(settings))
    sign = -1.0 if settings.get("maximize") else 1.0
    negate_for_diffgrad = name == "diffgrad" and settings.get("maximize")
    flat = lambda: torch.cat([p.detach().reshape(-1) for p in params]).tolist()
    trajectory = [flat()]
    for _ in range(STEPS):
        opt.zero_grad()
        mlp_loss(params, x, t, sign).backward()
        if negate_for_diffgrad:
            for p in params:
                p.grad.neg_()
        opt.step()
        trajectory.append(flat())
    return trajectory


def main():
    os.makedirs(OUT, exist_ok=True)
    setup = mlp_setup()
    mlp = mlp_document(setup)
    for name, ((lr_rosenbrock, lr_mlp), settings_list) in CASES.items():
        cases = []
        for extra in settings_list:
            for problem, lr in (("rosenbrock", lr_rosenbrock), ("mlp", lr_mlp)):
                settings = {"learningRate": lr, **extra}
                run = run_rosenbrock if problem == "rosenbrock" else (lambda n, s: run_mlp(n, s, setup))
                trajectory = run(name, settings)
                assert all(math.isfinite(v) for row in trajectory for v in row), (name, settings, problem)
                cases.append({"problem": problem, "settings": settings, "trajectory": trajectory})
        document = {
            "optimizer": name,
            "reference": ("torch-optimizer 0.3.0 DiffGrad" if name == "diffgrad" else
                          "AdaGrad-Norm written in torch ops" if name == "adagradnorm" else
                          f"torch.optim ({FACTORIES[name].__name__})") + f", torch {torch.__version__}",
            "script": "scripts/golden/make_optimizer_golden.py",
            "steps": STEPS,
            "start": {"rosenbrock": [-1.5, 2.0]},
            "mlp": mlp,
            "cases": cases,
        }
        path = os.path.join(OUT, f"optimizer-{name}.json")
        with open(path, "w") as f:
            json.dump(document, f, indent=None, separators=(",", ":"))
            f.write("\n")
        print(f"wrote {os.path.relpath(path)}: {len(cases)} cases")


if __name__ == "__main__":
    main()
