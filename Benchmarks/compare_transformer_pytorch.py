#!/usr/bin/env python3
"""The PyTorch side of `descent bench transformer`, and Descent / PyTorch ratios from one run.

Reference: PyTorch (CPU build, eager mode), whatever version is installed in the interpreter
running this script (it prints the version; 2.13.0+cpu in BENCHMARKS.md). It is never a
dependency of Descent's build or tests.

Usage (from the repository root, after `swift build -c release --product descent`):
    /work/venv/bin/python Benchmarks/compare_transformer_pytorch.py [--threads 1 2]
        [--descent .build/release/descent] [--json out.json]

For each thread count it runs `descent bench transformer --format json --threads T`, then the same
work in PyTorch (torch.set_num_threads(T)), so both see the same machine state, and prints each
benchmark's two medians and the ratio Descent ÷ PyTorch (< 1: Descent is faster).

The model is the twin of `scripts/golden/make_nn_golden.py`'s GPT (nanoGPT-style, pre-LayerNorm,
nn.MultiheadAttention with a causal mask, exact GELU, untied head) at `descent train --model
gpt-char`'s defaults: vocabulary 63 (KJV's), context 64, 2 layers, 4 heads, dimension 64, batch 32,
mean next-token cross-entropy, AdamW (torch defaults but lr 1e-3: the update's cost does not
depend on it). One training step = forward, loss, zero_grad, backward, optimizer.step(); median of
timed steps after warm-up. The attention micro-suite times one causal multi-head self-attention
forward + backward at the same sizes, and softmax, LayerNorm, GELU, embedding and cross-entropy
forward + backward on the activations of that model.

With --train TEXT it also measures the issue's way: `descent train --model gpt-char:vocab=63
--data TEXT --optimizer adamw` for 10 and for 40 steps, per-step time = the difference ÷ 30 (so
start-up, data loading and the final evaluation cancel), against this script's own PyTorch
training loop run the same two ways in a child process; and each side's peak RSS (ru_maxrss of the
40-step child).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB, CONTEXT, LAYERS, HEADS, DIM, BATCH = 63, 64, 2, 4, 64, 32


def median_time(fn, warmup=5, reps=21):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


class Block(nn.Module):
    def __init__(self, e, h):
        super().__init__()
        self.ln_1 = nn.LayerNorm(e)
        self.attn = nn.MultiheadAttention(e, h, batch_first=True)
        self.ln_2 = nn.LayerNorm(e)
        self.mlp = nn.Sequential(nn.Linear(e, 4 * e), nn.GELU(), nn.Linear(4 * e, e), nn.Dropout(0))

    def forward(self, x):
        t = x.shape[1]
        mask = torch.triu(torch.ones(t, t, dtype=torch.bool), 1)
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, vocab, context, layers, heads, e):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab, e)
        self.position_embedding = nn.Embedding(context, e)
        self.blocks = nn.ModuleList([Block(e, heads) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(e)
        self.lm_head = nn.Linear(e, vocab, bias=False)

    def forward(self, idx):
        t = idx.shape[1]
        x = self.token_embedding(idx) + self.position_embedding(torch.arange(t))[None]
        for block in self.blocks:
            x = block(x)
        return self.lm_head(self.ln_f(x))


def torch_records(threads):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    out = []

    def rec(name, config, seconds, throughput, unit):
        out.append(dict(benchmark=name, config=config, threads=threads, medianSeconds=seconds,
                        throughput=throughput, unit=unit))

    model = GPT(VOCAB, CONTEXT, LAYERS, HEADS, DIM)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    tokens = torch.randint(0, VOCAB, (BATCH, CONTEXT + 1))
    inputs, targets = tokens[:, :-1], tokens[:, 1:].reshape(-1)

    def step():
        logits = model(inputs)
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    cfg = f"{LAYERS}L {HEADS}H {DIM}d ctx{CONTEXT} b{BATCH} vocab{VOCAB} AdamW float32"
    t = median_time(step)
    rec("transformer.gptChar.trainStep", cfg, t, 1 / t, "steps/s")

    # Micro-suite: forward + backward of one piece each, at the model's sizes.
    attention = nn.MultiheadAttention(DIM, HEADS, batch_first=True)
    mask = torch.triu(torch.ones(CONTEXT, CONTEXT, dtype=torch.bool), 1)
    x = torch.randn(BATCH, CONTEXT, DIM, requires_grad=True)

    def attend():
        y = attention(x, x, x, attn_mask=mask, need_weights=False)[0]
        y.backward(torch.ones_like(y))

    t = median_time(attend)
    rec("transformer.attention", f"causal B{BATCH} T{CONTEXT} E{DIM} H{HEADS} float32", t, 1 / t,
        "calls/s")

    scores = torch.randn(BATCH, HEADS, CONTEXT, CONTEXT, requires_grad=True)
    fmask = torch.zeros(CONTEXT, CONTEXT).masked_fill(mask, float("-inf"))

    def masked_softmax():
        y = torch.softmax(scores + fmask, dim=-1)
        y.backward(torch.ones_like(y))

    t = median_time(masked_softmax)
    rec("transformer.maskedSoftmax", f"[{BATCH},{HEADS},{CONTEXT},{CONTEXT}] causal float32", t,
        1 / t, "calls/s")

    norm = nn.LayerNorm(DIM)

    def layer_norm():
        y = norm(x)
        y.backward(torch.ones_like(y))

    t = median_time(layer_norm)
    rec("transformer.layerNorm", f"[{BATCH},{CONTEXT},{DIM}] float32", t, 1 / t, "calls/s")

    hidden = torch.randn(BATCH, CONTEXT, 4 * DIM, requires_grad=True)

    def gelu():
        y = F.gelu(hidden)
        y.backward(torch.ones_like(y))

    t = median_time(gelu)
    rec("transformer.gelu", f"[{BATCH},{CONTEXT},{4 * DIM}] float32", t, 1 / t, "calls/s")

    embedding = nn.Embedding(VOCAB, DIM)

    def embed():
        y = embedding(inputs)
        y.backward(torch.ones_like(y))

    t = median_time(embed)
    rec("transformer.embedding", f"[{BATCH},{CONTEXT}] from {VOCAB}×{DIM} float32", t, 1 / t,
        "calls/s")

    logits = torch.randn(BATCH * CONTEXT, VOCAB, requires_grad=True)

    def cross_entropy():
        F.cross_entropy(logits, targets).backward()

    t = median_time(cross_entropy)
    rec("transformer.crossEntropy", f"[{BATCH * CONTEXT},{VOCAB}] float32", t, 1 / t, "calls/s")
    return out


TORCH_TRAIN_CHILD = """
import sys, time, torch, torch.nn.functional as F
sys.path.insert(0, {here!r})
from compare_transformer_pytorch import GPT, VOCAB, CONTEXT, LAYERS, HEADS, DIM, BATCH
torch.set_num_threads({threads})
torch.manual_seed(0)
model = GPT(VOCAB, CONTEXT, LAYERS, HEADS, DIM)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
tokens = torch.randint(0, VOCAB, ({steps}, BATCH, CONTEXT + 1))
for step in range({steps}):
    logits = model(tokens[step, :, :-1])
    loss = F.cross_entropy(logits.reshape(-1, VOCAB), tokens[step, :, 1:].reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


def run_child(command):
    """Wall seconds and peak RSS (MiB) of one child process, through GNU time (a child forked
    from this interpreter would count the interpreter's own pages in its ru_maxrss)."""
    with tempfile.NamedTemporaryFile("r") as report:
        t0 = time.perf_counter()
        status = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", report.name] + command,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        seconds = time.perf_counter() - t0
        if status != 0:
            raise SystemExit(f"{' '.join(command[:3])}… exited with status {status}")
        return seconds, int(report.read().split()[-1]) / 1024


def train_records(descent, text, threads):
    """Per-step ms from 10- and 40-step runs (difference of the medians of three ÷ 30) and the
    largest 40-step peak RSS."""
    here = os.path.dirname(os.path.abspath(__file__))
    out = {}
    with tempfile.TemporaryDirectory() as scratch:
        def descent_run(steps):
            return run_child([
                descent, "train", "--model", "gpt-char:vocab=63", "--data", text, "--optimizer",
                "adamw", "--steps", str(steps), "--threads", str(threads), "--format", "json",
                "--store", os.path.join(scratch, "runs.sqlite"),
                "--checkpoint", os.path.join(scratch, "checkpoint.safetensors")])

        def torch_run(steps):
            code = TORCH_TRAIN_CHILD.format(here=here, threads=threads, steps=steps)
            return run_child([sys.executable, "-c", code])

        # Each length runs three times and the medians are subtracted: one process start-up
        # (PyTorch's import alone varies by a few hundred ms) is as long as 30 steps.
        for side, run in (("descent", descent_run), ("pytorch", torch_run)):
            short = statistics.median(run(10)[0] for _ in range(3))
            longs = [run(40) for _ in range(3)]
            long = statistics.median(seconds for seconds, _ in longs)
            out[side] = ((long - short) / 30, max(rss for _, rss in longs))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--descent", default=".build/release/descent")
    parser.add_argument("--json", help="also write every record (both sides) to this file")
    parser.add_argument("--train", metavar="TEXT",
                        help="also time `descent train` (10 and 40 steps) on this text file")
    args = parser.parse_args()
    print(f"PyTorch {torch.__version__}")
    rows = []
    everything = []
    for threads in args.threads:
        completed = subprocess.run(
            [args.descent, "bench", "transformer", "--format", "json", "--threads", str(threads)],
            check=True, capture_output=True, text=True)
        descent = {r["benchmark"]: r for r in json.loads(completed.stdout)}
        for r in torch_records(threads):
            d = descent.get(r["benchmark"])
            everything.append(dict(side="pytorch", **r))
            if d is None:
                continue
            everything.append(dict(side="descent", **d))
            rows.append((r["benchmark"], threads, d["medianSeconds"], r["medianSeconds"]))
    print(f"{'benchmark':34} thr  {'Descent':>10} {'PyTorch':>10}  Descent/PyTorch")
    for name, threads, d, p in rows:
        print(f"{name:34} {threads:>3}  {d * 1e3:8.3f}ms {p * 1e3:8.3f}ms  {d / p:.2f}")
    if args.train:
        print(f"{'descent train gpt-char (10 vs 40 steps)':34} thr  {'Descent':>10} {'PyTorch':>10}"
              "  Descent/PyTorch  peak RSS Descent / PyTorch")
        for threads in args.threads:
            r = train_records(args.descent, args.train, threads)
            (d, d_rss), (p, p_rss) = r["descent"], r["pytorch"]
            everything.append(dict(side="both", benchmark="train.gptChar", threads=threads,
                                   descentSecondsPerStep=d, pytorchSecondsPerStep=p,
                                   descentPeakRSSMiB=d_rss, pytorchPeakRSSMiB=p_rss))
            print(f"{'train.gptChar':34} {threads:>3}  {d * 1e3:8.2f}ms {p * 1e3:8.2f}ms  {d / p:.2f}"
                  f"             {d_rss:.0f} / {p_rss:.0f} MiB")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(everything, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
