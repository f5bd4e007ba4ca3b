"""Golden trajectories and inverse-Fisher products of the reference M-FAC for Descent's parity
tests, float64.

Reference: IST-DASLab/M-FAC, file optim.py, commit 835320e17164b84a470ef122b1422d90c379885a
(MIT licence, Frantar, Kurtic & Alistarh, arXiv:2107.03356): classes MFAC (the torch optimizer),
HInvFastUpMulti (the dynamic algorithm) and HInvSlow (the naive Woodbury recursion). The reference
is imported from a checkout given on the command line, never copied into Descent. Run with
torch 2.13.0 (CPU):

  /work/venv-ref/bin/python scripts/golden/make_mfac_golden.py --reference /path/to/M-FAC

Writes Tests/DescentOptimizersTests/Golden/mfac.json.

How the reference is run (each point is a shim around it, not a change of its arithmetic):
  * CPU: `hinv_cuda` is absent, so USE_CUDA is False and the Python loops compute B and the
    products; moddev = optdev = cpu, gpus = [cpu].
  * float64: MFAC builds its m x d buffer with dtype=torch.float (float32). After constructing
    MFAC this script replaces `opt.hinv` by HInvFastUpMulti on a float64 zero buffer (same m, d,
    damp, devices), and sets torch's default dtype to float64 so that the momentum buffer `opt.v`
    is float64 too. Everything else (`MFAC.step`, `update_mul`, `setup`, `mul`) is the reference.
  * torch.lu(A, pivot=False) is not implemented on the CPU ("LU without pivoting is not
    implemented on the CPU"); the reference calls it only with pivot=False on the SPD matrix
    lambda * G G^T + m I, so this script substitutes a plain Doolittle elimination without
    pivoting (the same factorization the GPU kernel computes) for that one call.
  * torch.nn.parallel.parallel_apply needs an accelerator in torch 2.13 ("Cannot access
    accelerator device when none is available"); with the single device gpus = [cpu] it is a
    plain sequential call, which this script substitutes.

Problems (the Swift test writes the same losses in Descent ops):
  quadratic: W [3,4], b [4], s [2];
    f = 0.5 sum(AW * W^2) + 0.5 |M b - y|^2 + 0.5 sum(AS * s^2) + 0.05 (sum W + sum b + sum s)^2
  mlp: X [8,3], Y [8,2] fixed; W1 [4,3], b1 [4], W2 [2,4], b2 [2];
    f = mean((tanh(X W1^T + b1) W2^T + b2 - Y)^2)
All inputs come from values(n, scale, phase)[i] = scale * sin(1.7 i + phase).
Six runs (see RUNS), 30 steps each (12 at the default damp): m = 8 and m = 4 (the ring buffer
wraps), with and without momentum and weight decay, damp from 1e-5 (the reference default) to 1;
every run's loss falls. Each run also stores its "sensitivity": how far the reference's own
trajectory moves when every gradient is perturbed by about one rounding error (2e-16 relative).
Independent float64 code (other summation orders) cannot agree better than that, so the runs are
chosen with sensitivity <= 1e-10, a hundred times below the 1e-9 parity tolerance (at damp 1e-5
the products cancel terms of size 1e5 |g|, and 30 steps would reach a sensitivity of 2e-10).

Inverse case: d = 50, m = 8, damp = 1e-5 (the reference default); 11 gradients from numpy's
PCG64 (seed below) are added to HInvFastUpMulti one by one (the buffer wraps: it then holds
gradients 3..10 in slots 3,...,7,0,1,2); products with 3 vectors x are stored after the first 3
additions (empty slots are zero gradients) and after all 11, from HInvFastUpMulti.mul and from
HInvSlow on the same m x d buffer (zero rows included, so both use the fixed m).
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch

STEPS = 30
CPU = torch.device("cpu")


def lu_without_pivoting(A, pivot=True, get_infos=False, out=None):
    assert not pivot and not get_infos and out is None, "only the reference's call is shimmed"
    lu = A.clone()
    n = lu.shape[0]
    for k in range(n - 1):
        lu[k + 1 :, k] /= lu[k, k]
        lu[k + 1 :, k + 1 :] -= torch.outer(lu[k + 1 :, k], lu[k, k + 1 :])
    return lu, torch.arange(1, n + 1, dtype=torch.int32)


def sequential_apply(modules, inputs, kwargs_tup=None, devices=None):
    assert kwargs_tup is None and devices is None, "only the reference's call is shimmed"
    return [module(x) for module, x in zip(modules, inputs)]


def values(n, scale, phase):
    return [scale * math.sin(1.7 * i + phase) for i in range(n)]


def quadratic_problem():
    AW = torch.tensor([0.5 + 3.0 * (1 + math.sin(2.3 * i)) for i in range(12)]).reshape(3, 4)
    M = torch.tensor(values(16, 1.0, 0.7)).reshape(4, 4) + 2.0 * torch.eye(4)
    y = torch.tensor(values(4, 1.0, 2.5))
    AS = torch.tensor([0.2, 5.0])

    def loss(p):
        r = M @ p["b"] - y
        total = p["W"].sum() + p["b"].sum() + p["s"].sum()
        return (
            0.5 * (AW * p["W"] ** 2).sum()
            + 0.5 * (r**2).sum()
            + 0.5 * (AS * p["s"] ** 2).sum()
            + 0.05 * total**2
        )

    params = [
        ("W", torch.tensor(values(12, 1.0, 0.0)).reshape(3, 4)),
        ("b", torch.tensor(values(4, 0.5, 1.0))),
        ("s", torch.tensor([1.5, -0.8])),
    ]
    return params, loss


def mlp_problem():
    X = torch.tensor(values(24, 1.0, 0.3)).reshape(8, 3)
    Y = torch.tensor(values(16, 0.8, 1.1)).reshape(8, 2)

    def loss(p):
        h = torch.tanh(X @ p["W1"].T + p["b1"])
        return ((h @ p["W2"].T + p["b2"] - Y) ** 2).mean()

    params = [
        ("W1", torch.tensor(values(12, 0.5, 0.0)).reshape(4, 3)),
        ("b1", torch.tensor(values(4, 0.1, 2.0))),
        ("W2", torch.tensor(values(8, 0.5, 1.0)).reshape(2, 4)),
        ("b2", torch.tensor(values(2, 0.1, 3.0))),
    ]
    return params, loss


RUNS = [
    # name, problem, lr, momentum, weight decay, m (ngrads), damp, steps
    ("quadratic-m8", quadratic_problem, 0.1, 0.0, 0.0, 8, 1e-1, STEPS),
    ("quadratic-m4-momentum-decay", quadratic_problem, 0.1, 0.9, 0.01, 4, 1e-1, STEPS),
    ("quadratic-m8-momentum-decay", quadratic_problem, 0.1, 0.5, 1e-3, 8, 1.0, STEPS),
    ("mlp-m4-default-damping", mlp_problem, 0.001, 0.0, 0.0, 4, 1e-5, 12),
    ("mlp-m4-momentum-decay", mlp_problem, 0.03, 0.9, 0.01, 4, 1e-3, STEPS),
    ("mlp-m8", mlp_problem, 0.01, 0.0, 0.0, 8, 1e-3, STEPS),
]


def run(optim, name, make_problem, lr, momentum, weight_decay, ngrads, damp, steps, noise=None):
    initial, loss_function = make_problem()
    names = [n for n, _ in initial]
    params = [t.clone().requires_grad_(True) for _, t in initial]
    opt = optim.MFAC(
        params, lr=lr, momentum=momentum, weight_decay=weight_decay, ngrads=ngrads, damp=damp,
        moddev=CPU, optdev=CPU, gpus=[CPU])
    d = sum(p.numel() for p in params)
    opt.hinv = optim.HInvFastUpMulti(
        torch.zeros((ngrads, d), dtype=torch.float64), dev=CPU, gpus=[CPU], damp=damp)
    if momentum > 0:
        assert opt.v.dtype == torch.float64
    losses, trajectory = [], []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_function(dict(zip(names, params)))
        losses.append(loss.item())
        loss.backward()
        if noise is not None:  # relative perturbations of about one rounding error
            for p in params:
                p.grad.mul_(1 + 2e-16 * torch.randn(p.grad.shape, generator=noise))
        opt.step()
        trajectory.append([p.detach().reshape(-1).tolist() for p in params])
    return {
        "name": name,
        "steps": steps,
        "problem": make_problem.__name__.replace("_problem", ""),
        "learningRate": lr,
        "momentum": momentum,
        "weightDecay": weight_decay,
        "numGradients": ngrads,
        "damping": damp,
        "paths": names,
        "shapes": [list(t.shape) for _, t in initial],
        "initial": [t.reshape(-1).tolist() for _, t in initial],
        "losses": losses,
        "trajectory": trajectory,
    }


def sensitivity(optim, spec):
    """The largest change of the reference trajectory, |a - e| / max(|e|, 1e-3), when every
    gradient is perturbed by about one rounding error: the floor below which no independent
    implementation can agree with the reference on this run."""
    exact = run(optim, *spec)["trajectory"]
    noisy = run(optim, *spec, noise=torch.Generator().manual_seed(0))["trajectory"]
    return max(
        abs(a - e) / max(abs(e), 1e-3)
        for step_e, step_a in zip(exact, noisy)
        for tensor_e, tensor_a in zip(step_e, step_a)
        for e, a in zip(tensor_e, tensor_a))


def inverse_case(optim, rng):
    d, m, damp = 50, 8, 1e-5
    gradients = torch.tensor(rng.standard_normal((m + 3, d)))
    xs = torch.tensor(rng.standard_normal((3, d)))
    xs[1] += 0.5 * gradients[4] - 0.3 * gradients[9]  # partly in the span of the buffer
    fast = optim.HInvFastUpMulti(torch.zeros((m, d), dtype=torch.float64), CPU, [CPU], damp=damp)
    checkpoints = []
    for count, g in enumerate(gradients, start=1):
        fast.update(g.clone())
        if count in (3, m + 3):
            buffer = fast.grads[0].clone()
            slow = optim.HInvSlow(buffer.clone(), damp=damp)
            checkpoints.append({
                "added": count,
                "fast": [fast.mul(x.clone()).tolist() for x in xs],
                "slow": [slow.mul(x.clone()).tolist() for x in xs],
            })
    return {
        "dimension": d,
        "capacity": m,
        "damping": damp,
        "gradients": gradients.tolist(),
        "vectors": xs.tolist(),
        "checkpoints": checkpoints,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reference", required=True, help="checkout of IST-DASLab/M-FAC")
    args = parser.parse_args()
    sys.path.insert(0, os.path.abspath(args.reference))
    import optim  # the reference optim.py

    assert not optim.USE_CUDA
    torch.set_default_dtype(torch.float64)
    torch.lu = lu_without_pivoting
    optim.nn.parallel.parallel_apply = sequential_apply
    out = {
        "reference": "IST-DASLab/M-FAC optim.py @ 835320e17164b84a470ef122b1422d90c379885a "
        f"(MIT), torch {torch.__version__}, CPU, float64 buffer, no-pivot LU shim",
        "steps": STEPS,
        "runs": [dict(run(optim, *r), sensitivity=sensitivity(optim, r)) for r in RUNS],
        "inverse": inverse_case(optim, np.random.default_rng(20261129)),
    }
    for c in out["inverse"]["checkpoints"]:
        worst = max(
            float(np.linalg.norm(np.subtract(f, s)) / np.linalg.norm(s))
            for f, s in zip(c["fast"], c["slow"]))
        print(f"inverse after {c['added']} gradients: fast vs slow relative error {worst:.2e}")
    path = os.path.join(
        os.path.dirname(__file__), "..", "..", "Tests", "DescentOptimizersTests", "Golden",
        "mfac.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    for r in out["runs"]:
        print(
            f"{r['name']}: loss {r['losses'][0]:.6g} -> {r['losses'][-1]:.6g}, "
            f"sensitivity to one-ulp gradient noise {r['sensitivity']:.1e}")


if __name__ == "__main__":
    main()
