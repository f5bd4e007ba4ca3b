"""The two test problems of the optimizer parity goldens (Golden/optimizer-<name>.json), shared by
make_optimizer_golden.py and make_catalogue2_golden.py so every golden file uses the same
start points, data and operation order as Tests/DescentOptimizersTests/TestProblems.swift:

  rosenbrock  (1-x)^2 + 100 (y-x^2)^2 from (-1.5, 2), gradient written analytically;
  mlp         a 4-8-3 MLP with SiLU written as z / (1 + exp(-z)), mean squared error on 16 fixed
              examples (numpy PCG64 seed 20261129), gradients by torch autograd in float64.
"""
import numpy as np
import torch

STEPS = 100
ROSENBROCK_START = (-1.5, 2.0)
MLP_PARAMETER_ORDER = ("0.weight", "0.bias", "2.weight", "2.bias")


def rosenbrock_loss(x, y):
    # Same operation order as rosenbrock_gradient: r = y - x*x.
    r = y - x * x
    return (1.0 - x) * (1.0 - x) + 100.0 * r * r


def rosenbrock_gradient(x, y):
    # Same operation order as the Swift test.
    r = y - x * x
    return (-2.0 * (1.0 - x) - 400.0 * x * r, 200.0 * r)


def mlp_setup():
    rng = np.random.default_rng(20261129)
    params = {
        "0.weight": rng.uniform(-0.5, 0.5, (8, 4)), "0.bias": rng.uniform(-0.5, 0.5, (8,)),
        "2.weight": rng.uniform(-0.5, 0.5, (3, 8)), "2.bias": rng.uniform(-0.5, 0.5, (3,)),
    }
    inputs = rng.uniform(-1, 1, (16, 4))
    targets = rng.uniform(-1, 1, (16, 3))
    return params, inputs, targets


def mlp_loss(params, inputs, targets, sign):
    h = inputs @ params[0].T + params[1]
    a = h / (1.0 + torch.exp(-h))
    y = a @ params[2].T + params[3]
    loss = ((y - targets) * (y - targets)).mean()
    return sign * loss


def mlp_document(setup):
    """The "mlp" object of a golden file: initial parameters, inputs and targets."""
    params, inputs, targets = setup
    return {"parameters": {k: {"shape": list(v.shape), "values": v.reshape(-1).tolist()}
                           for k, v in params.items()},
            "inputs": inputs.reshape(-1).tolist(), "targets": targets.reshape(-1).tolist(),
            "inputShape": list(inputs.shape), "targetShape": list(targets.shape)}
