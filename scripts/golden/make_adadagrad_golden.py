"""Golden values of AdAdaGrad's adaptive batch-size tests for Descent's parity test, float64.

Reference: timlautk/AdAdaGrad, file tests.py, commit cc126fba4b57c8ea1ffcd5ff5d30dc8891bf9f17
(MIT licence; Lau, Liu & Kolar, arXiv:2402.11215): functions norm_test, inner_product_test,
orthogonality_test and inner_product_orthogonality_test, each called on a dict of per-sample
gradients {parameter name: tensor (B, ...)} as main.py calls them. The reference is imported from
a checkout given on the command line, never copied into Descent. Run with torch (CPU):

  python3 -m venv /work/venv-golden
  /work/venv-golden/bin/pip install torch
  /work/venv-golden/bin/python scripts/golden/make_adadagrad_golden.py --reference /path/to/AdAdaGrad

Writes Tests/DescentOptimizersTests/Golden/adadagrad.json.

How the reference is run (a shim around it, not a change of its arithmetic):
  * tests.py imports `chunked_cross_entropy` from litgpt.utils at the top, for its GPT loss only.
    litgpt (and its Lightning stack) is not needed for the tests: this script registers a stub
    module `litgpt.utils` whose chunked_cross_entropy raises if called (it is not).

Cases: fixed per-sample gradients (below, deterministic sines plus a per-coordinate offset so
that the batch gradient is not small), float64, as dicts of one or two parameter tensors. The
tests treat each tensor as a block: inner products and projections are per tensor and summed.
Each case stores the gradients flattened per sample (tensors concatenated in dict order,
row-major, as torch.nn.utils.parameters_to_vector), the block sizes, the constants, and every
returned value: (new batch size, numerator statistics, squared batch-gradient norm).
"""
import argparse
import json
import math
import os
import sys
import types

import torch

REFERENCE_COMMIT = "cc126fba4b57c8ea1ffcd5ff5d30dc8891bf9f17"


def values(n, scale, phase):
    return [scale * math.sin(1.7 * i + phase) for i in range(n)]


def per_sample(batch, shape, scale, phase, offset):
    """A (batch, *shape) tensor: sines around a per-coordinate offset."""
    size = math.prod(shape)
    noise = torch.tensor(values(batch * size, scale, phase)).reshape(batch, size)
    centre = torch.tensor(values(size, offset, phase + 0.5))
    return (noise + centre).reshape(batch, *shape)


# name, {parameter: (shape, scale, phase, offset)}, batch, eta, theta, nu
CASES = [
    ("two tensors, growth", {"weight": ((3, 4), 1.0, 0.3, 0.4), "bias": ((3,), 0.7, 1.1, 0.3)},
     6, 0.5, 0.2, 0.5),
    ("one tensor, larger batch", {"weight": ((2, 5, 3), 0.8, 0.9, 0.2)}, 40, 0.1, 0.1, 0.1),
    ("two tensors, no growth", {"weight": ((4, 2), 0.05, 2.0, 1.0), "bias": ((2,), 0.05, 0.2, 1.0)},
     5, 0.9, 0.9, 0.9),
    ("three tensors, mixed", {"a": ((5,), 1.5, 0.1, 0.1), "b": ((2, 3), 0.3, 1.7, 0.8),
                              "c": ((1,), 0.9, 2.9, -0.6)}, 17, 0.3, 0.3, 0.15),
]


def run_case(tests, name, spec, batch, eta, theta, nu):
    grads = {key: per_sample(batch, shape, scale, phase, offset)
             for key, (shape, scale, phase, offset) in spec.items()}
    flat = torch.cat([g.reshape(batch, -1) for g in grads.values()], dim=1)
    new_b, variance_sum, norm2 = tests.norm_test(grads, eta)
    ip_b, ip_variance, ip_norm2 = tests.inner_product_test(grads, theta)
    orth_b, orth_variance, orth_norm2 = tests.orthogonality_test(grads, nu)
    aug_b, aug_ip, aug_orth, aug_norm2 = tests.inner_product_orthogonality_test(grads, theta, nu)
    return {
        "name": name,
        "batchSize": batch,
        "blockSizes": [math.prod(g.shape[1:]) for g in grads.values()],
        "gradients": flat.tolist(),
        "eta": eta,
        "theta": theta,
        "nu": nu,
        "norm": {"batchSize": new_b, "varianceSum": variance_sum, "squaredNorm": norm2},
        "innerProduct": {"batchSize": ip_b, "variance": ip_variance, "squaredNorm": ip_norm2},
        "orthogonality": {"batchSize": orth_b, "varianceSum": orth_variance,
                          "squaredNorm": orth_norm2},
        "augmented": {"batchSize": aug_b, "innerProductVariance": aug_ip,
                      "orthogonalVarianceSum": aug_orth, "squaredNorm": aug_norm2},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reference", required=True, help="checkout of timlautk/AdAdaGrad")
    args = parser.parse_args()

    litgpt = types.ModuleType("litgpt")
    litgpt_utils = types.ModuleType("litgpt.utils")

    def chunked_cross_entropy(*_args, **_kwargs):
        raise RuntimeError("stub: litgpt is not installed; the batch-size tests do not use it")

    litgpt_utils.chunked_cross_entropy = chunked_cross_entropy
    litgpt.utils = litgpt_utils
    sys.modules["litgpt"] = litgpt
    sys.modules["litgpt.utils"] = litgpt_utils
    sys.path.insert(0, os.path.abspath(args.reference))
    import tests  # the reference tests.py

    torch.set_default_dtype(torch.float64)
    out = {
        "reference": f"timlautk/AdAdaGrad tests.py @ {REFERENCE_COMMIT} (MIT), "
        f"torch {torch.__version__}, CPU, float64, litgpt import stubbed",
        "cases": [run_case(tests, *case) for case in CASES],
    }
    for case in out["cases"]:
        print(f"{case['name']}: b={case['batchSize']} -> norm {case['norm']['batchSize']}, "
              f"ip {case['innerProduct']['batchSize']}, orth {case['orthogonality']['batchSize']}, "
              f"augmented {case['augmented']['batchSize']}")
    path = os.path.join(
        os.path.dirname(__file__), "..", "..", "Tests", "DescentOptimizersTests", "Golden",
        "adadagrad.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
