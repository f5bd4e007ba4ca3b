#!/usr/bin/env python3
"""Runs the PyTorch side of `descent bench conv` and prints Descent / PyTorch ratios from one run.

Reference: PyTorch 2.13 (CPU build) eager mode, whatever version the interpreter has (printed).
The models are the project's golden-script twins (scripts/golden/make_nn_golden.py: `LeNet`, the
CIFAR `ResNet` with option-A shortcuts), imported from there, so both sides train the same
architectures. PyTorch is never a dependency of Descent's build or tests.

Usage (from the repository root, after `swift build -c release --product descent`):
    /work/venv/bin/python Benchmarks/compare_conv_pytorch.py [--threads 1 2]
        [--descent .build/release/descent] [--repetitions 9] [--json out.json]

Each PyTorch benchmark mirrors a Descent one of `descent bench conv --format json --threads T`
(same name and config), run right before the PyTorch side at the same thread count
(`torch.set_num_threads(T)`), so both see the same machine state. Every number is the median of
timed repetitions after warm-up.

- `train.lenet`, `train.resnet20`: one training step as `descent train` takes it (forward in
  training mode, mean cross-entropy, backward, SGD with momentum 0.9, lr 0.01 here and in Descent),
  float32, on fixed random inputs (uniform [0, 1)) and labels; LeNet-5 28×28 batch 64, ResNet-20
  32×32 batch 128. Peak RSS of the process after the suite is printed for each side.
- `conv2d.forward`, `conv2d.forwardBackward`: one `F.conv2d` and one forward plus backward of its
  sum with respect to input and weight, for the convolution shapes of the two models.
- `batchnorm2d.forwardBackward`, `maxpool2d.forwardBackward`: the same for the other layers.

`--train-runs DATA_DIR` instead measures as the 2026-12-02 numbers of issue 18 were taken: the
per-step time of `descent train` (SGD, lr 0.01, momentum 0.9, no standardization, 5% held out)
from two run lengths, so start-up and the final evaluation cancel, on NPY files DATA_DIR/
{mnist,cifar}_{x,y}.npy (random images and labels; see `write_random_data`), against PyTorch
training the twin model for the same two lengths. Both wall time and CPU time (user + system) per
step are printed: on a shared machine whose load changes from second to second, 1-thread CPU
time is the steadier measure of work.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts", "golden"))
from make_nn_golden import LeNet, ResNet  # noqa: E402  (the golden twins of the Swift models)

# name, config, input shape, weight shape, stride, padding — the same list as
# Sources/DescentBenchmarks/ConvolutionBenchmarks.swift.
CONV_CASES = [
    ("lenet.conv1", [64, 1, 28, 28], [6, 1, 5, 5], 1, 2),
    ("lenet.conv2", [64, 6, 14, 14], [16, 6, 5, 5], 1, 0),
    ("resnet.stage1", [128, 16, 32, 32], [16, 16, 3, 3], 1, 1),
    ("resnet.stage2.down", [128, 16, 32, 32], [32, 16, 3, 3], 2, 1),
    ("resnet.stage2", [128, 32, 16, 16], [32, 32, 3, 3], 1, 1),
    ("resnet.stage3", [128, 64, 8, 8], [64, 64, 3, 3], 1, 1),
]


def median_time(fn, warmup=2, reps=9):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def conv_config(name, x, w, stride, padding):
    return f"{name} x{x} w{w} s{stride} p{padding} float32"


def torch_records(threads, reps):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    out = []

    def rec(name, config, seconds, throughput, unit):
        out.append(dict(benchmark=name, config=config, threads=threads, medianSeconds=seconds,
                        throughput=throughput, unit=unit))

    for name, model, batch, shape in [
        ("train.lenet", LeNet(), 64, [1, 28, 28]),
        ("train.resnet20", ResNet(3), 128, [3, 32, 32]),
    ]:
        x = torch.rand([batch] + shape)
        y = torch.randint(0, 10, (batch,))
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

        def step():
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()

        t = median_time(step, warmup=3, reps=reps)
        config = ("LeNet-5 28x28 batch 64" if name == "train.lenet" else "ResNet-20 32x32 batch 128") \
            + " SGD-momentum float32"
        rec(name, config, t, batch / t, "examples/s")

    for name, xs, ws, stride, padding in CONV_CASES:
        x = torch.rand(xs)
        w = torch.randn(ws) * 0.1
        cfg = conv_config(name, xs, ws, stride, padding)
        flops = 2 * xs[0] * ws[0] * ws[1] * ws[2] * ws[3] * \
            ((xs[2] + 2 * padding - ws[2]) // stride + 1) * ((xs[3] + 2 * padding - ws[3]) // stride + 1)
        with torch.no_grad():
            t = median_time(lambda: F.conv2d(x, w, stride=stride, padding=padding), reps=reps)
        rec("conv2d.forward", cfg, t, flops / t / 1e9, "GFLOP/s")
        xg = x.clone().requires_grad_()
        wg = w.clone().requires_grad_()

        def fb():
            gx, gw = torch.autograd.grad(F.conv2d(xg, wg, stride=stride, padding=padding).sum(), [xg, wg])
        t = median_time(fb, reps=reps)
        rec("conv2d.forwardBackward", cfg, t, 3 * flops / t / 1e9, "GFLOP/s")

    bn_shape = [128, 16, 32, 32]
    x = torch.rand(bn_shape, requires_grad=True)
    gamma = torch.ones(16, requires_grad=True)
    beta = torch.zeros(16, requires_grad=True)
    rm, rv = torch.zeros(16), torch.ones(16)

    def bn():
        torch.autograd.grad(F.batch_norm(x, rm, rv, gamma, beta, training=True).square().sum(), [x, gamma, beta])
    t = median_time(bn, reps=reps)
    rec("batchnorm2d.forwardBackward", f"x{bn_shape} training float32", t,
        x.numel() / t / 1e9, "Gelem/s")

    pool_shape = [64, 6, 28, 28]
    x = torch.rand(pool_shape, requires_grad=True)

    def pool():
        torch.autograd.grad(F.max_pool2d(x, 2).square().sum(), [x])
    t = median_time(pool, reps=reps)
    rec("maxpool2d.forwardBackward", f"x{pool_shape} kernel 2 float32", t, x.numel() / t / 1e9, "Gelem/s")
    return out


def write_random_data(folder):
    """Random float32 images in [0, 1) and labels in 0..<10: 1600 MNIST-shaped and 1600 CIFAR-shaped."""
    import numpy as np
    os.makedirs(folder, exist_ok=True)
    r = np.random.default_rng(0)
    for name, shape in [("mnist", (1, 28, 28)), ("cifar", (3, 32, 32))]:
        x = os.path.join(folder, f"{name}_x.npy")
        if not os.path.exists(x):
            np.save(x, r.random((1600,) + shape, dtype=np.float32))
            np.save(os.path.join(folder, f"{name}_y.npy"), r.integers(0, 10, 1600).astype(np.int64))


def descent_train_cost(descent, folder, model, threads, steps):
    """(wall seconds, CPU seconds) of one `descent train` run of `steps` steps."""
    data, batch = ("cifar", 128) if model == "resnet20" else ("mnist", 64)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(
        [descent, "train", "--model", model, "--data",
         f"{folder}/{data}_x.npy,{folder}/{data}_y.npy", "--optimizer", "sgd", "--lr", "0.01",
         "--set", "momentum=0.9", "--batch-size", str(batch), "--steps", str(steps),
         "--threads", str(threads), "--no-store", "--checkpoint", f"{folder}/checkpoint.safetensors",
         "--test-fraction", "0.05", "--no-standardize", "--format", "json"],
        check=True, capture_output=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def torch_train_cost(model_name, threads, steps):
    """(wall seconds, CPU seconds) of `steps` PyTorch training steps of the twin model."""
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model, batch, shape = (ResNet(3), 128, [3, 32, 32]) if model_name == "resnet20" else (LeNet(), 64, [1, 28, 28])
    x = torch.rand([batch] + shape)
    y = torch.randint(0, 10, (batch,))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return time.perf_counter() - t0, time.process_time() - c0


def train_runs(args):
    write_random_data(args.train_runs)
    lengths = {"cnn": (20, 120), "resnet20": (3, 13)}
    for t in args.threads:
        for model in ["cnn", "resnet20"]:
            short, long = lengths[model]
            d = [descent_train_cost(args.descent, args.train_runs, model, t, n) for n in (short, long)]
            p = [torch_train_cost(model, t, n) for n in (short, long)]
            dw, dc = [(d[1][i] - d[0][i]) / (long - short) * 1e3 for i in (0, 1)]
            pw, pc = [(p[1][i] - p[0][i]) / (long - short) * 1e3 for i in (0, 1)]
            print(f"{model:9} threads={t}: Descent {dw:8.2f} ms/step wall {dc:8.2f} CPU | "
                  f"PyTorch {pw:8.2f} wall {pc:8.2f} CPU | ratio wall {dw / pw:5.2f} CPU {dc / pc:5.2f}",
                  flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: PyTorch process {peak:.0f} MB, largest Descent process {peak_child:.0f} MB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--descent", default=".build/release/descent")
    parser.add_argument("--repetitions", type=int, default=9)
    parser.add_argument("--json", help="write every record (both sides) to this file")
    parser.add_argument("--skip-descent", action="store_true", help="PyTorch side only")
    parser.add_argument("--train-runs", metavar="DATA_DIR",
                        help="time `descent train` runs of two lengths against PyTorch (see above)")
    args = parser.parse_args()
    if args.train_runs:
        train_runs(args)
        return
    print(f"torch {torch.__version__}, {torch.backends.mkldnn.is_available() and 'oneDNN' or 'no oneDNN'}")
    records = []
    for t in args.threads:
        descent = []
        if not args.skip_descent:
            proc = subprocess.run(
                [args.descent, "bench", "conv", "--threads", str(t), "--format", "json",
                 "--repetitions", str(args.repetitions)],
                check=True, capture_output=True, text=True)
            descent = json.loads(proc.stdout)
            for r in descent:
                r["side"] = "descent"
        ours = torch_records(t, args.repetitions)
        for r in ours:
            r["side"] = "pytorch"
        records += descent + ours
        print(f"\n{t} thread(s)")
        print(f"{'benchmark':28} {'config':58} {'Descent':>11} {'PyTorch':>11} {'D/P':>6}")
        for p in ours:
            d = next((r for r in descent if r["benchmark"] == p["benchmark"] and r["config"] == p["config"]), None)
            dt = f"{d['medianSeconds'] * 1e3:9.3f}ms" if d else "-"
            ratio = f"{d['medianSeconds'] / p['medianSeconds']:6.2f}" if d else "-"
            print(f"{p['benchmark']:28} {p['config']:58} {dt:>11} {p['medianSeconds'] * 1e3:9.3f}ms {ratio:>6}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\npeak RSS: PyTorch process {peak:.0f} MB, Descent process {peak_child:.0f} MB")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(records, f, indent=1)


if __name__ == "__main__":
    main()
