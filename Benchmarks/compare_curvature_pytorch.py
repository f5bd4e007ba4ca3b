"""The PyTorch side of `descent bench curvature` (Sources/DescentBenchmarks/CurvatureBenchmarks.swift):
one AdaHessian and one SophiaH step of pytorch_optimizer (version printed; 4.1.0 when measured),
with their Hessian-vector product, on the same 15.7M-parameter MLP, and the optimizers' update
alone.

Model (float32): Linear 1024->3072, tanh, Linear 3072->3072, tanh, Linear 3072->1024, mean
cross-entropy over 1024 classes, batch 64; nn.Linear's default initialization (uniform in
±1/sqrt(fan_in)); inputs uniform in [0, 1), random targets.

- gradient: zero_grad; loss.backward().
- hvp: loss.backward(create_graph=True) then torch.autograd.grad(grads, params, v) (what the
  optimizers' Hutchinson estimate does).
- adahessian.step / sophiah.step: zero_grad(set_to_none); loss = f(); loss.backward(create_graph=True);
  opt.step() -- pytorch_optimizer's documented loop, SophiaH with update_period=1 (an estimate
  every step, as the Descent side), AdaHessian with its defaults (update_period=1).
- adahessian.update / sophiah.update: opt.step() on a step without an estimate (update_period 10**9,
  after the first step), fixed gradients: the optimizer's own update. Default foreach path, and
  foreach=False.

Medians of --repetitions timed runs after warm-up, torch.set_num_threads(--threads).
Run: /work/venv-ref/bin/python Benchmarks/compare_curvature_pytorch.py [--threads 1] [--repetitions 9]
"""
import argparse
import importlib.metadata
import statistics
import time
import warnings

import pytorch_optimizer
import torch

warnings.filterwarnings("ignore", message="Using backward.*create_graph")


def median_time(fn, warmup, repetitions):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repetitions):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repetitions", type=int, default=9)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    sizes, batch = [1024, 3072, 3072, 1024], 64
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.Tanh())
    model = torch.nn.Sequential(*layers)
    params = list(model.parameters())
    count = sum(p.numel() for p in params)
    x = torch.rand(batch, sizes[0])
    y = torch.randint(0, sizes[-1], (batch,))
    loss_fn = torch.nn.CrossEntropyLoss()
    reps = args.repetitions
    print(f"torch {torch.__version__}, pytorch_optimizer "
          f"{importlib.metadata.version('pytorch_optimizer')}, threads {torch.get_num_threads()}, "
          f"{count} parameters")

    def report(name, seconds, note=""):
        print(f"{name:32s} {seconds * 1e3:9.2f} ms  {note}")

    def gradient():
        for p in params:
            p.grad = None
        loss_fn(model(x), y).backward()

    t_grad = median_time(gradient, 2, reps)
    report("curvature.gradient", t_grad)
    v = [torch.randn_like(p) for p in params]

    def hvp():
        loss = loss_fn(model(x), y)
        grads = torch.autograd.grad(loss, params, create_graph=True)
        torch.autograd.grad(grads, params, grad_outputs=v)

    t_hvp = median_time(hvp, 2, reps)
    report("curvature.hvp", t_hvp, f"{t_hvp / t_grad:.2f} x gradient")

    report("curvature.probe.gaussian", median_time(lambda: [torch.randn_like(p) for p in params], 1, reps))
    report("curvature.probe.rademacher",
           median_time(lambda: [torch.randint_like(p, 0, 2) * 2.0 - 1.0 for p in params], 1, reps))

    for name, make in [
        ("curvature.adahessian.step", lambda: pytorch_optimizer.AdaHessian(params)),
        ("curvature.sophiah.step", lambda: pytorch_optimizer.SophiaH(params, update_period=1)),
        ("curvature.sophiah-rademacher.step",
         lambda: pytorch_optimizer.SophiaH(params, update_period=1, hessian_distribution="rademacher")),
    ]:
        saved = [p.detach().clone() for p in params]
        opt = make()

        def step():
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward(create_graph=True)
            opt.step()

        report(name, median_time(step, 2, reps))
        for p in params:
            p.grad = None
        with torch.no_grad():
            for p, s in zip(params, saved):
                p.copy_(s)

    # The update alone: 32 B/param (AdaHessian), 24 B/param (SophiaH), as the Descent side counts.
    for name, make, nbytes in [
        ("curvature.adahessian.update",
         lambda fe: pytorch_optimizer.AdaHessian(params, update_period=10**9, foreach=fe), 32),
        ("curvature.sophiah.update",
         lambda fe: pytorch_optimizer.SophiaH(params, update_period=10**9, foreach=fe), 24),
    ]:
        for foreach in (None, False):
            opt = make(foreach)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward(create_graph=True)
            opt.step()  # the first step estimates the Hessian
            grads = [p.grad.detach().clone() for p in params]
            for p, g in zip(params, grads):
                p.grad = g
            seconds = median_time(opt.step, 3, reps)
            label = "foreach" if foreach is None else "foreach=False"
            report(name, seconds, f"{label}, {nbytes * count / seconds / 1e9:.1f} GB/s moved")
            for p in params:
                p.grad = None


if __name__ == "__main__":
    main()
