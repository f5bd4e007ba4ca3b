"""Golden numbers for DescentCurvature's empiricalNTK and ReLUNeuralTangentKernel.

References:
- the empirical NTK of a small NTK-parameterized ReLU network by PyTorch's torch.func recipe
  (jacrev of the outputs in the parameters, then J J^T), torch version written into the JSON;
- the infinite-width ReLU NTK by the recursion of Jacot et al. (2018) with the two Gaussian
  expectations E[relu(u)relu(v)] and E[relu'(u)relu'(v)] computed by one-dimensional adaptive
  quadrature (scipy), independently of the closed-form arc-cosine expressions the library uses.

Run: /work/venv/bin/python scripts/golden/make_ntk_golden.py
Writes Tests/DescentCurvatureTests/Golden/ntk.json.
"""
import json
import pathlib

import numpy as np
import scipy
import torch
from scipy.integrate import quad
from scipy.stats import norm
from torch.func import functional_call, jacrev

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(20261206)
beta = 0.1
n0, width, points = 3, 5, 4
x = rng.normal(size=(points, n0))
shapes = {"w0": (width, n0), "b0": (width,), "w1": (width, width), "b1": (width,),
          "w2": (1, width), "b2": (1,)}
params = {k: torch.tensor(rng.normal(size=s)) for k, s in shapes.items()}


def network(p, inputs):
    h = torch.relu(inputs @ p["w0"].T / np.sqrt(n0) + beta * p["b0"])
    h = torch.relu(h @ p["w1"].T / np.sqrt(width) + beta * p["b1"])
    return (h @ p["w2"].T / np.sqrt(width) + beta * p["b2"]).reshape(-1)


xt = torch.tensor(x)
jac = jacrev(network)(params, xt)
flat = torch.cat([jac[k].reshape(points, -1) for k in shapes], dim=1)
empirical = (flat @ flat.T).numpy()

# Infinite width by one-dimensional quadrature: with u = a z1, v = c z1 + d z2 (z ~ N(0, I)),
# E[relu(u) relu(v)] = int_0^inf a z1 E[relu(c z1 + d z2)] phi(z1) dz1, the inner expectation being
# the mean of a rectified Gaussian, m Phi(m/d) + d phi(m/d); E[relu'(u) relu'(v)] =
# int_0^inf Phi(c z1 / d) phi(z1) dz1 (scipy.integrate.quad).
def expectations(s11, s12, s22):
    a = np.sqrt(s11)
    c = s12 / a
    d = np.sqrt(max(s22 - c * c, 0.0))
    if d < 1e-12 * np.sqrt(s22):
        rectified = lambda z: max(c * z, 0.0)
        positive = lambda z: 1.0 if c * z > 0 else 0.0
    else:
        rectified = lambda z: c * z * norm.cdf(c * z / d) + d * norm.pdf(c * z / d)
        positive = lambda z: norm.cdf(c * z / d)
    relu = quad(lambda z: a * z * rectified(z) * norm.pdf(z), 0, np.inf, epsabs=1e-14, epsrel=1e-13)[0]
    step = quad(lambda z: positive(z) * norm.pdf(z), 0, np.inf, epsabs=1e-14, epsrel=1e-13)[0]
    return relu, step


def limit(inputs, hidden):
    sigma = inputs @ inputs.T / inputs.shape[1] + beta**2
    theta = sigma.copy()
    for _ in range(hidden):
        nxt = np.empty_like(sigma)
        dot = np.empty_like(sigma)
        for i in range(len(inputs)):
            for j in range(len(inputs)):
                nxt[i, j], dot[i, j] = expectations(sigma[i, i], sigma[i, j], sigma[j, j])
        sigma = nxt + beta**2
        theta = theta * dot + sigma
    return theta, sigma


angles = np.linspace(0, 2 * np.pi, 6, endpoint=False)
circle = np.stack([np.cos(angles), np.sin(angles)], axis=1)
out = {
    "versions": {"torch": torch.__version__, "numpy": np.__version__, "scipy": scipy.__version__},
    "beta": beta,
    "inputs": x.reshape(-1).tolist(), "inputShape": [points, n0],
    "parameters": {k: v.reshape(-1).tolist() for k, v in params.items()},
    "shapes": {k: list(s) for k, s in shapes.items()},
    "empirical": empirical.reshape(-1).tolist(),
    "circle": circle.reshape(-1).tolist(),
    "limit": {str(h): limit(circle, h)[0].reshape(-1).tolist() for h in (0, 1, 2, 3)},
    "nngp": {str(h): limit(circle, h)[1].reshape(-1).tolist() for h in (0, 1, 2, 3)},
}
path = pathlib.Path(__file__).resolve().parents[2] / "Tests/DescentCurvatureTests/Golden/ntk.json"
path.write_text(json.dumps(out, indent=1) + "\n")
print("wrote", path)
