#!/usr/bin/env python3
"""Runs the PyTorch side of `descent bench` and prints Descent / PyTorch ratios from one run.

Reference: PyTorch (CPU build), whatever version is installed in the interpreter running this
script (it prints the version), and torch-optimizer (0.3.0) for diffGrad. Neither is ever a
dependency of Descent's build or tests.

Usage (from the repository root, after `swift build -c release`):
    python3 -m venv /tmp/venv-torch && /tmp/venv-torch/bin/pip install torch numpy torch-optimizer
    /tmp/venv-torch/bin/python Benchmarks/compare_pytorch.py [--suite core|optimizers|all]
        [--threads 1 2] [--descent .build/release/descent]

Each PyTorch benchmark mirrors a Descent one (same name and config): median of timed repetitions
after warm-up. Descent's records come from `descent bench SUITE --format json --threads T`, run
right before the PyTorch side at the same thread count, so both see the same machine state.

The optimizer suite times one `optimizer.step()` (gradients fixed) of torch.optim's SGD (momentum
0.9), Adagrad, Adadelta, RMSprop, Adam and AdamW in each implementation PyTorch has: the
single-tensor for-loop (foreach=False), the multi-tensor foreach=True and, where it exists,
fused=True; and torch-optimizer's DiffGrad. Hyperparameters are the defaults, as in Descent's.
AdaGradNorm has no PyTorch counterpart.
"""
import argparse
import json
import statistics
import subprocess
import sys
import time

import torch


def median_time(fn, warmup=2, reps=9):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def torch_records(threads, reps):
    torch.set_num_threads(threads)
    out = []

    def rec(name, config, seconds, throughput, unit):
        out.append(dict(benchmark=name, config=config, threads=threads, medianSeconds=seconds,
                        throughput=throughput, unit=unit))

    n = 1 << 24
    a = torch.full((n,), 1.5)
    b = torch.full((n,), 0.25)
    cfg = f"n={n} float32"
    t = median_time(lambda: a + b, reps=reps); rec("elementwise.add", cfg, t, 12 * n / t / 1e9, "GB/s")
    t = median_time(lambda: a * 0.5, reps=reps); rec("elementwise.multiplyScalar", cfg, t, 8 * n / t / 1e9, "GB/s")
    t = median_time(lambda: a.exp(), reps=reps); rec("elementwise.exp", cfg, t, 8 * n / t / 1e9, "GB/s")
    t = median_time(lambda: a.sum(), reps=reps); rec("reduction.sum", cfg, t, 4 * n / t / 1e9, "GB/s")
    side = int(n ** 0.5)
    m = torch.full((side, side), 0.5)
    t = median_time(lambda: m.sum(0), reps=reps); rec("reduction.sumAxis0", cfg, t, 4 * n / t / 1e9, "GB/s")
    t = median_time(lambda: m.sum(1), reps=reps); rec("reduction.sumAxis1", cfg, t, 4 * n / t / 1e9, "GB/s")
    for size in [256, 512, 1024, 2048]:
        x = torch.full((size, size), 0.5)
        y = torch.full((size, size), 0.25)
        r = max(3, reps // 2) if size >= 2048 else reps
        t = median_time(lambda: torch.mm(x, y), warmup=1, reps=r)
        rec("matmul", f"n={size} float32", t, 2 * size ** 3 / t / 1e9, "GFLOP/s")
    x4 = torch.tensor([1.0, 2, 3, 4])
    y4 = torch.tensor([0.5, 0.25, 2, 1])

    def chain(start):
        z = start
        for _ in range(1000):
            z = z + y4
        return z
    with torch.no_grad():
        t = median_time(lambda: chain(x4), warmup=3, reps=21) / 1000
    rec("overhead.add", "4 elements, no gradient recording", t, t * 1e6, "µs/op")
    xt = x4.clone().requires_grad_(True)
    t = median_time(lambda: chain(xt), warmup=3, reps=21) / 1000
    rec("overhead.add", "4 elements, recording gradients", t, t * 1e6, "µs/op")
    out.extend(mlp_records(threads, reps))
    out.extend(conv_records(threads, reps))
    return out


def conv_records(threads, reps):
    """conv2d [32,16,32,32] * [32,16,3,3], padding 1: forward, and forward + backward."""
    g = torch.Generator().manual_seed(5)
    x = torch.randn(32, 16, 32, 32, generator=g)
    w = torch.randn(32, 16, 3, 3, generator=g) * 0.1
    cfg = "[32,16,32,32] * [32,16,3,3] pad 1 float32"
    flops = 2.0 * 32 * 32 * 16 * 9 * 32 * 32
    with torch.no_grad():
        tf = median_time(lambda: torch.nn.functional.conv2d(x, w, padding=1), reps=reps)
    xr = x.clone().requires_grad_(True)
    wr = w.clone().requires_grad_(True)
    tb = median_time(lambda: torch.autograd.grad(
        torch.nn.functional.conv2d(xr, wr, padding=1).sum(), [xr, wr]), reps=reps)
    return [
        dict(benchmark="conv2d.forward", config=cfg, threads=threads, medianSeconds=tf,
             throughput=flops / tf / 1e9, unit="GFLOP/s"),
        dict(benchmark="conv2d.forwardBackward", config=cfg, threads=threads, medianSeconds=tb,
             throughput=3 * flops / tb / 1e9, unit="GFLOP/s"),
    ]


def mlp_records(threads, reps):
    """MLP 784-512-512-10, batch 128, ReLU, cross-entropy: gradient and HVP (double backward)."""
    g = torch.Generator().manual_seed(0)
    sizes = [784, 512, 512, 10]
    params = []
    for i in range(3):
        bound = 1 / sizes[i] ** 0.5
        params.append(((torch.rand(sizes[i + 1], sizes[i], generator=g) * 2 - 1) * bound).requires_grad_(True))
        params.append(((torch.rand(sizes[i + 1], generator=g) * 2 - 1) * bound).requires_grad_(True))
    x = torch.rand(128, 784, generator=g)
    y = torch.randint(0, 10, (128,), generator=g)
    v = [torch.randn(p.shape, generator=g) for p in params]

    def loss():
        h = x
        for i in range(3):
            h = h @ params[2 * i].T + params[2 * i + 1]
            if i < 2:
                h = torch.relu(h)
        return torch.nn.functional.cross_entropy(h, y)

    def gradient():
        return torch.autograd.grad(loss(), params)

    def hvp():
        gs = torch.autograd.grad(loss(), params, create_graph=True)
        dot = sum((gi * vi).sum() for gi, vi in zip(gs, v))
        return torch.autograd.grad(dot, params)

    cfg = "784-512-512-10 batch 128 float32"
    tg = median_time(gradient, warmup=5, reps=max(reps, 15))
    th = median_time(hvp, warmup=5, reps=max(reps, 15))
    return [
        dict(benchmark="autodiff.mlp.gradient", config=cfg, threads=threads, medianSeconds=tg,
             throughput=1 / tg, unit="steps/s"),
        dict(benchmark="autodiff.mlp.hvp", config=cfg, threads=threads, medianSeconds=th,
             throughput=1 / th, unit="steps/s"),
    ]


def optimizer_records(threads, reps):
    """`descent bench optimizers`' cases: {(benchmark, config): {variant: record}}."""
    import torch_optimizer
    torch.set_num_threads(threads)
    n = 1 << 24
    cases = [
        ("optimizer.sgd-momentum", torch.optim.SGD, dict(lr=1e-3, momentum=0.9), True),
        ("optimizer.adagrad", torch.optim.Adagrad, dict(lr=1e-2), True),
        ("optimizer.adadelta", torch.optim.Adadelta, dict(), False),
        ("optimizer.rmsprop", torch.optim.RMSprop, dict(lr=1e-2), False),
        ("optimizer.adam", torch.optim.Adam, dict(lr=1e-3), True),
        ("optimizer.adamw", torch.optim.AdamW, dict(lr=1e-3), True),
    ]
    out = {}
    for tensors in [1, 100]:
        config = f"1 tensor n={n} float32" if tensors == 1 else f"{tensors} tensors n={n} float32"
        sizes = [n // tensors + (1 if i < n % tensors else 0) for i in range(tensors)]

        def parameters():
            ps = [torch.full((k,), 1.0).requires_grad_(True) for k in sizes]
            for p in ps:
                p.grad = torch.full_like(p, 0.01)
            return ps
        variants = []
        for name, cls, kwargs, has_fused in cases:
            variants.append((name, "for-loop", lambda ps, c=cls, k=kwargs: c(ps, foreach=False, **k)))
            variants.append((name, "foreach", lambda ps, c=cls, k=kwargs: c(ps, foreach=True, **k)))
            if has_fused:
                variants.append((name, "fused", lambda ps, c=cls, k=kwargs: c(ps, fused=True, **k)))
        variants.append(("optimizer.diffgrad", "torch-optimizer",
                         lambda ps: torch_optimizer.DiffGrad(ps)))
        for name, variant, make in variants:
            ps = parameters()
            opt = make(ps)
            t = median_time(opt.step, warmup=3, reps=reps)
            out.setdefault((name, config), {})[variant] = dict(
                benchmark=name, config=config, threads=threads, medianSeconds=t,
                throughput=n / t / 1e6, unit="Mparam/s", variant=variant)
            del opt, ps
    return out


def print_optimizer_table(rows):
    """rows: (descent record, {variant: pytorch record}). Speed ratio > 1: Descent is faster."""
    variants = ["for-loop", "foreach", "fused", "torch-optimizer"]
    print(f"{'benchmark':<24} {'config':<28} {'thr':>3} {'descent':>10} {'of limit':>8}  "
          + "  ".join(f"{v + ' (ratio)':>24}" for v in variants))
    for d, ref in rows:
        def cell(v):
            r = ref.get(v)
            if r is None:
                return f"{'-':>24}"
            return f"{r['medianSeconds'] * 1e3:9.2f} ms ({r['medianSeconds'] / d['medianSeconds']:5.2f}×)".rjust(24)
        frac = d.get("fractionOfLimit")
        frac_text = f"{frac * 100:.0f}%" if frac is not None else "-"
        print(f"{d['benchmark']:<24} {d['config']:<28} {d['threads']:>3} "
              f"{d['medianSeconds'] * 1e3:7.2f} ms {frac_text:>8}  " + "  ".join(cell(v) for v in variants))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", choices=["core", "optimizers", "all"], default="core")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--descent", default=".build/release/descent")
    parser.add_argument("--repetitions", type=int, default=9)
    parser.add_argument("--json", help="also write all records to this file")
    args = parser.parse_args()
    print(f"PyTorch {torch.__version__}, {torch.backends.cpu.get_cpu_capability()}", file=sys.stderr)
    rows = []
    everything = []
    optimizer_rows = []
    for threads in args.threads:
        if args.suite in ("optimizers", "all"):
            descent = json.loads(subprocess.run(
                [args.descent, "bench", "optimizers", "--format", "json", "--threads", str(threads),
                 "--repetitions", str(args.repetitions)],
                check=True, capture_output=True, text=True).stdout)
            reference = optimizer_records(threads, args.repetitions)
            everything += [dict(r, implementation="descent") for r in descent]
            everything += [dict(r, implementation="pytorch") for v in reference.values() for r in v.values()]
            for r in descent:
                ref = reference.get((r["benchmark"], r["config"]))
                if ref:
                    optimizer_rows.append((r, ref))
        if args.suite == "optimizers":
            continue
        descent = json.loads(subprocess.run(
            [args.descent, "bench", "core", "--format", "json", "--threads", str(threads),
             "--repetitions", str(args.repetitions)],
            check=True, capture_output=True, text=True).stdout)
        reference = torch_records(threads, args.repetitions)
        everything += [dict(r, implementation="descent") for r in descent]
        everything += [dict(r, implementation="pytorch") for r in reference]
        by_key = {(r["benchmark"], r["config"]): r for r in reference}
        for r in descent:
            ref = by_key.get((r["benchmark"], r["config"]))
            if ref is None:
                continue
            # Speed ratio: > 1 means Descent is faster.
            ratio = ref["medianSeconds"] / r["medianSeconds"]
            rows.append((r["benchmark"], r["config"], threads, r["medianSeconds"], ref["medianSeconds"], ratio))
    if rows:
        print(f"{'benchmark':<26} {'config':<36} {'thr':>3} {'descent':>12} {'pytorch':>12} {'speed ratio':>11}")
    for name, config, threads, ds, ps, ratio in rows:
        def fmt(s):
            return f"{s * 1e6:.3f} µs" if s < 1e-3 else f"{s * 1e3:.3f} ms"
        print(f"{name:<26} {config:<36} {threads:>3} {fmt(ds):>12} {fmt(ps):>12} {ratio:>10.2f}×")
    if optimizer_rows:
        if rows:
            print()
        print_optimizer_table(optimizer_rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(everything, f, indent=1)


if __name__ == "__main__":
    main()
