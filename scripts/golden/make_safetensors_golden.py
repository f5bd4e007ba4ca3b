#!/usr/bin/env python3
"""safetensors compatibility fixtures for DescentData, in both directions.

Python -> Swift (run to regenerate the checked-in fixture):

    /work/venv-ref/bin/python scripts/golden/make_safetensors_golden.py

writes Tests/DescentDataTests/Fixtures/python_written.safetensors with the Python `safetensors`
package (0.8.0; torch 2.13.0 for the tensors). The Swift test `safetensorsPythonFixture` reads it
and checks every value listed in EXPECTED below (the values are small integers / dyadic fractions,
exact in every dtype, so the test compares them exactly).

Swift -> Python (run by hand after `swift test --filter DescentDataTests`):

    /work/venv-ref/bin/python scripts/golden/make_safetensors_golden.py --verify PATH

where PATH is the file the Swift test `safetensorsWrittenForPython` leaves at
$TMPDIR/descent-swift-written.safetensors (the test prints the path). The script loads it with
`safetensors.torch.load_file` and `safetensors.safe_open`, and checks the tensors and metadata
the Swift test wrote (SWIFT_WRITTEN below); it exits with status 1 on any difference.
"""
import sys

import safetensors
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

FIXTURE = "Tests/DescentDataTests/Fixtures/python_written.safetensors"

# name -> (torch dtype, shape, values row-major)
EXPECTED = {
    "linear.weight": (torch.float32, [2, 3], [0.5, -1.25, 2.0, 3.0, -0.125, 4.0]),
    "linear.bias": (torch.float64, [2], [0.25, -8.0]),
    "step": (torch.int32, [], [42]),
    "pixels": (torch.uint8, [2, 2], [0, 1, 128, 255]),
    "labels": (torch.int64, [3], [7, -2, 2147483647]),
    "empty": (torch.float32, [0, 4], []),
}
METADATA = {"format": "pt", "producer": "make_safetensors_golden.py"}

# What the Swift test writes (kept in sync with DescentDataTests/SafetensorsTests.swift).
SWIFT_WRITTEN = {
    "w": (torch.float32, [2, 2], [1.5, -2.0, 0.0, 3.25]),
    "d": (torch.float64, [3], [0.1, -1e300, 5.0]),
    "i": (torch.int32, [2], [-7, 2147483647]),
    "u": (torch.uint8, [3], [0, 7, 255]),
}
SWIFT_METADATA = {"writer": "DescentData", "note": "quote \" and backslash \\"}


def make_fixture():
    tensors = {
        name: torch.tensor(values, dtype=dtype).reshape(shape)
        for name, (dtype, shape, values) in EXPECTED.items()
    }
    metadata = dict(METADATA, versions=f"safetensors {safetensors.__version__}, torch {torch.__version__}")
    save_file(tensors, FIXTURE, metadata=metadata)
    print(f"wrote {FIXTURE} with safetensors {safetensors.__version__}, torch {torch.__version__}")


def verify(path):
    tensors = load_file(path)
    ok = set(tensors) == set(SWIFT_WRITTEN)
    for name, (dtype, shape, values) in SWIFT_WRITTEN.items():
        t = tensors.get(name)
        expected = torch.tensor(values, dtype=dtype).reshape(shape)
        good = t is not None and t.dtype == dtype and list(t.shape) == shape and torch.equal(t, expected)
        print(f"{name}: {'ok' if good else f'MISMATCH {t!r}'}")
        ok &= good
    with safe_open(path, framework="pt") as f:
        metadata = f.metadata()
    print(f"metadata: {metadata}")
    ok &= metadata == SWIFT_METADATA
    print("all ok" if ok else "FAILED")
    return ok


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--verify":
        sys.exit(0 if verify(sys.argv[2]) else 1)
    make_fixture()
