#!/usr/bin/env python3
"""Golden forward passes for Tests/DescentNNTests/LayerParityTests.swift and ModelParityTests.swift.

Reference implementation and version (checked at start-up): torch 2.13.0+cpu (torch.nn).

Run by hand only (golden files are never rewritten by the tests):
  /work/venv-ref/bin/python scripts/golden/make_nn_golden.py

Writes Tests/DescentNNTests/Golden/layers.json, models.json, trained.json and the safetensors
files trained-*.safetensors (safetensors 0.8.0).

layers.json: one case per layer configuration. Each case holds the torch module's full state_dict
(in order: path, shape, dtype, values; weights drawn from torch.manual_seed(case index)), the
input, and the output in the given mode. BatchNorm cases run two training steps and record the
buffers afterwards and an evaluation-mode output. Loss cases hold the inputs and each reduction.

models.json: MLP, LeNet, ResNet-20 and a small GPT. Their weights are not stored (ResNet-20 alone
has 0.27M): every floating-point tensor of the state_dict, number k in state_dict order, is filled
with u_i = sin(0.9 i + 1.7 k + 0.3) (i the flat index), scaled by kind:
  rank >= 2: u * sqrt(6 / fan_in), fan_in = product of shape[1:]
  *.running_var: 0.75 + 0.5 u^2
  other rank-1 tensors named *.weight (norm scales): 1 + 0.1 u
  every other rank-1 tensor (biases, running means): 0.1 u
The Swift test fills its model by the same rule; the file keeps the state_dict paths and shapes,
the input and the outputs.

trained.json: models trained in PyTorch (a few optimizer steps on fixed random data, so the weights
and batch-norm buffers are no longer their initial values), saved with safetensors.torch.save_file
as trained-<name>.safetensors; the file records an input and the evaluation-mode logits.

StableEmbedding: bitsandbytes is not installed; its module (nn/modules.py) is an nn.Embedding with
xavier_uniform_ init followed by nn.LayerNorm(embedding_dim) named `norm`, reproduced below.
"""
import json
import math
import os
import sys

import safetensors
import safetensors.torch
import torch
import torch.nn as nn
import torch.nn.functional as F

EXPECTED = {"torch": "2.13.0+cpu", "safetensors": "0.8.0"}
if torch.__version__ != EXPECTED["torch"] or safetensors.__version__ != EXPECTED["safetensors"]:
    sys.exit(f"need torch {EXPECTED['torch']} and safetensors {EXPECTED['safetensors']}, "
             f"found {torch.__version__} and {safetensors.__version__}")

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "Tests", "DescentNNTests", "Golden")
DTYPE_NAMES = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int32",
               torch.int32: "int32", torch.bool: "uint8"}


def tensor_json(t):
    t = t.detach()
    return {"shape": list(t.shape), "dtype": DTYPE_NAMES[t.dtype],
            "data": [float(v) if t.is_floating_point() else int(v) for v in t.flatten().tolist()]}


def state_json(module):
    return [dict(path=k, **tensor_json(v)) for k, v in module.state_dict().items()]


class StableEmbedding(nn.Embedding):
    """bitsandbytes.nn.StableEmbedding without the optimizer-state override."""

    def __init__(self, num_embeddings, embedding_dim, **kw):
        super().__init__(num_embeddings, embedding_dim, **kw)
        self.norm = nn.LayerNorm(embedding_dim, device=self.weight.device, dtype=self.weight.dtype)

    def reset_parameters(self):
        nn.init.xavier_uniform_(self.weight)

    def forward(self, x):
        return self.norm(F.embedding(x, self.weight))


class CausalSelfAttention(nn.Module):
    """nn.MultiheadAttention called as self-attention, optionally with a causal mask."""

    def __init__(self, e, h, causal):
        super().__init__()
        self.attn = nn.MultiheadAttention(e, h, batch_first=True)
        self.causal = causal

    def forward(self, x):
        t = x.shape[1]
        mask = torch.triu(torch.ones(t, t, dtype=torch.bool), 1) if self.causal else None
        return self.attn(x, x, x, attn_mask=mask, need_weights=False)[0]



def layer_cases():
    cases = []

    def add(name, make, input_fn, dtype=torch.float64, mode="eval", randomize=True):
        torch.manual_seed(len(cases))
        module = make().to(dtype)
        if randomize:
            with torch.no_grad():
                for p in module.parameters():
                    p.copy_(torch.randn_like(p) * 0.5)
        x = input_fn(dtype)
        module.train(mode == "train")
        y = module(x)
        state_module = module.attn if isinstance(module, CausalSelfAttention) else module
        cases.append({"name": name, "mode": mode, "state": state_json(state_module),
                      "input": tensor_json(x), "output": tensor_json(y)})

    rand = lambda *shape: (lambda dt: torch.randn(*shape, dtype=dt))
    add("linear", lambda: nn.Linear(5, 3), rand(4, 5))
    add("linear-3d", lambda: nn.Linear(5, 3), rand(2, 3, 5))
    add("linear-nobias", lambda: nn.Linear(5, 3, bias=False), rand(4, 5))
    add("linear-float32", lambda: nn.Linear(7, 4), rand(6, 7), dtype=torch.float32)
    add("linear-default-init", lambda: nn.Linear(5, 3), rand(4, 5), randomize=False)
    add("conv2d", lambda: nn.Conv2d(3, 4, 3, padding=1), rand(2, 3, 7, 7))
    add("conv2d-strided-dilated-grouped",
        lambda: nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 2), dilation=(2, 1), groups=2),
        rand(2, 4, 9, 8))
    add("conv2d-float32", lambda: nn.Conv2d(3, 5, 3, stride=2), rand(2, 3, 8, 8), dtype=torch.float32)
    add("maxpool2d", lambda: nn.MaxPool2d(3, stride=2, padding=1), rand(2, 3, 9, 9))
    add("maxpool2d-dilated", lambda: nn.MaxPool2d(2, stride=1, dilation=2), rand(1, 2, 6, 6))
    add("avgpool2d", lambda: nn.AvgPool2d(2), rand(2, 3, 8, 6))
    add("avgpool2d-padded", lambda: nn.AvgPool2d(3, stride=2, padding=1), rand(2, 3, 9, 9))
    add("globalavgpool2d", lambda: nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten()),
        rand(2, 3, 5, 4))
    add("flatten", lambda: nn.Flatten(), rand(2, 3, 4, 5))
    add("layernorm", lambda: nn.LayerNorm(6), rand(3, 4, 6))
    add("layernorm-2d-shape", lambda: nn.LayerNorm([3, 4]), rand(2, 3, 4))
    add("embedding", lambda: nn.Embedding(10, 4), lambda dt: torch.tensor([[1, 7, 3], [0, 9, 7]]),
        randomize=False)
    add("stable-embedding", lambda: StableEmbedding(10, 6),
        lambda dt: torch.tensor([[2, 5, 9, 2], [0, 1, 8, 3]]))
    for name, act in [("relu", nn.ReLU()), ("leaky-relu", nn.LeakyReLU(0.2)),
                      ("elu", nn.ELU(0.7)), ("selu", nn.SELU()), ("gelu", nn.GELU()),
                      ("gelu-tanh", nn.GELU(approximate="tanh")),
                      ("softplus", nn.Softplus(beta=2, threshold=3)), ("silu", nn.SiLU()),
                      ("tanh", nn.Tanh()), ("sigmoid", nn.Sigmoid()),
                      ("softmax", nn.Softmax(dim=-1)), ("log-softmax", nn.LogSoftmax(dim=0)),
                      ("identity", nn.Identity())]:
        add("activation-" + name, lambda act=act: act, lambda dt: torch.randn(4, 6, dtype=dt) * 2)
    add("attention", lambda: CausalSelfAttention(8, 2, causal=False), rand(2, 5, 8))
    add("attention-causal", lambda: CausalSelfAttention(8, 2, causal=True), rand(2, 5, 8))
    add("attention-causal-float32", lambda: CausalSelfAttention(12, 3, causal=True), rand(3, 4, 12),
        dtype=torch.float32)
    return cases


def batchnorm_cases():
    cases = []
    for name, make, shape in [("batchnorm2d", lambda: nn.BatchNorm2d(3), (4, 3, 5, 5)),
                              ("batchnorm1d", lambda: nn.BatchNorm1d(5), (8, 5)),
                              ("batchnorm1d-3d", lambda: nn.BatchNorm1d(3, momentum=0.3), (4, 3, 6))]:
        torch.manual_seed(100 + len(cases))
        module = make().double()
        with torch.no_grad():
            module.weight.copy_(torch.rand_like(module.weight) + 0.5)
            module.bias.copy_(torch.randn_like(module.bias))
        initial = state_json(module)
        x1 = torch.randn(*shape, dtype=torch.float64) * 2 + 1
        x2 = torch.randn(*shape, dtype=torch.float64) - 0.5
        module.train()
        y1 = module(x1)
        y2 = module(x2)
        module.eval()
        y_eval = module(x1)
        cases.append({"name": name, "momentum": module.momentum, "state": initial,
                      "inputs": [tensor_json(x1), tensor_json(x2)],
                      "training_outputs": [tensor_json(y1), tensor_json(y2)],
                      "state_after": state_json(module), "eval_output": tensor_json(y_eval)})
    return cases


def loss_cases():
    torch.manual_seed(7)
    logits = torch.randn(6, 5, dtype=torch.float64) * 2
    labels = torch.tensor([0, 4, 2, 2, 1, 3])
    labels_ignore = torch.tensor([0, -100, 2, 2, -100, 3])
    seq_logits = torch.randn(2, 3, 4, dtype=torch.float64)
    seq_labels = torch.tensor([[0, 3, 1], [2, 2, 0]])
    pred = torch.randn(4, 3, dtype=torch.float64) * 2
    target = torch.randn(4, 3, dtype=torch.float64)
    bce_logits = torch.randn(4, 3, dtype=torch.float64) * 3
    bce_targets = torch.rand(4, 3, dtype=torch.float64)
    pos_weight = torch.tensor([0.5, 2.0, 1.5], dtype=torch.float64)
    results = {}
    for red in ["mean", "sum", "none"]:
        results[f"cross_entropy-{red}"] = F.cross_entropy(logits, labels, reduction=red)
        results[f"cross_entropy-smoothing-{red}"] = F.cross_entropy(
            logits, labels, label_smoothing=0.15, reduction=red)
        results[f"cross_entropy-ignore-{red}"] = F.cross_entropy(
            logits, labels_ignore, ignore_index=-100, reduction=red)
        results[f"cross_entropy-ignore-smoothing-{red}"] = F.cross_entropy(
            logits, labels_ignore, ignore_index=-100, label_smoothing=0.15, reduction=red)
        results[f"nll-{red}"] = F.nll_loss(F.log_softmax(logits, 1), labels, reduction=red)
        results[f"mse-{red}"] = F.mse_loss(pred, target, reduction=red)
        results[f"l1-{red}"] = F.l1_loss(pred, target, reduction=red)
        results[f"huber-{red}"] = F.huber_loss(pred, target, delta=0.7, reduction=red)
        results[f"bce_with_logits-{red}"] = F.binary_cross_entropy_with_logits(
            bce_logits, bce_targets, reduction=red)
        results[f"bce_with_logits-pos_weight-{red}"] = F.binary_cross_entropy_with_logits(
            bce_logits, bce_targets, pos_weight=pos_weight, reduction=red)
    # classes on the last axis in Descent, on axis 1 in PyTorch
    results["cross_entropy-sequence-mean"] = F.cross_entropy(seq_logits.transpose(1, 2), seq_labels)
    inputs = {"logits": logits, "labels": labels, "labels_ignore": labels_ignore, "seq_logits": seq_logits,
              "seq_labels": seq_labels, "predictions": pred, "targets": target,
              "bce_logits": bce_logits, "bce_targets": bce_targets, "pos_weight": pos_weight}
    return {"inputs": {k: tensor_json(v) for k, v in inputs.items()},
            "results": {k: tensor_json(v) for k, v in results.items()}}


# ---- models ----

def fill_pattern(module):
    with torch.no_grad():
        k = 0
        for path, t in module.state_dict().items():
            if not t.is_floating_point():
                continue
            i = torch.arange(t.numel(), dtype=torch.float64)
            u = torch.sin(0.9 * i + 1.7 * k + 0.3)
            if t.dim() >= 2:
                v = u * math.sqrt(6 / (t.numel() // t.shape[0]))
            elif path.endswith("running_var"):
                v = 0.75 + 0.5 * u * u
            elif path.endswith("weight"):
                v = 1 + 0.1 * u
            else:
                v = 0.1 * u
            t.copy_(v.reshape(t.shape).to(t.dtype))
            k += 1


class LeNet(nn.Module):
    def __init__(self, c=1, size=28, classes=10):
        super().__init__()
        s = (size // 2 - 4) // 2
        self.conv1 = nn.Conv2d(c, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * s * s, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class LambdaLayer(nn.Module):
    def __init__(self, f):
        super().__init__()
        self.f = f

    def forward(self, x):
        return self.f(x)


class BasicBlock(nn.Module):
    """Yerlan Idelbayev's pytorch_resnet_cifar10 BasicBlock (option A or B)."""

    def __init__(self, in_planes, planes, stride=1, option="A"):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            if option == "A":
                self.shortcut = LambdaLayer(lambda x: F.pad(
                    x[:, :, ::2, ::2], (0, 0, 0, 0, planes // 4, planes // 4), "constant", 0))
            else:
                self.shortcut = nn.Sequential(
                    nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet(nn.Module):
    def __init__(self, n, classes=10, option="A"):
        super().__init__()
        self.in_planes = 16
        self.conv1 = nn.Conv2d(3, 16, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = self._make_layer(16, n, 1, option)
        self.layer2 = self._make_layer(32, n, 2, option)
        self.layer3 = self._make_layer(64, n, 2, option)
        self.linear = nn.Linear(64, classes)

    def _make_layer(self, planes, n, stride, option):
        layers = []
        for s in [stride] + [1] * (n - 1):
            layers.append(BasicBlock(self.in_planes, planes, s, option))
            self.in_planes = planes
        return nn.Sequential(*layers)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        out = F.avg_pool2d(out, out.size()[3])
        return self.linear(out.view(out.size(0), -1))


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


def model_cases():
    cases = []

    def add(name, module, x, dtype, modes=("eval",)):
        module = module.to(dtype)
        fill_pattern(module)
        case = {"name": name, "dtype": DTYPE_NAMES[dtype],
                "paths": [{"path": k, "shape": list(v.shape)} for k, v in module.state_dict().items()],
                "parameter_count": sum(p.numel() for p in module.parameters()),
                "input": tensor_json(x), "outputs": {}}
        for mode in modes:
            module.train(mode == "train")
            case["outputs"][mode] = tensor_json(module(x))
        if "train" in modes:
            case["state_after_train"] = [
                dict(path=k, **tensor_json(v)) for k, v in module.state_dict().items()
                if k.endswith("running_mean") or k.endswith("running_var")][:4]
        cases.append(case)

    torch.manual_seed(1234)
    add("mlp", nn.Sequential(nn.Linear(6, 16), nn.GELU(), nn.Linear(16, 16), nn.GELU(),
                             nn.Linear(16, 4)),
        torch.randn(5, 6), torch.float32)
    add("mlp-tanh", nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 2)),
        torch.randn(4, 3, dtype=torch.float64), torch.float64)
    add("lenet", LeNet(), torch.randn(2, 1, 28, 28, dtype=torch.float64), torch.float64)
    add("resnet20", ResNet(3), torch.randn(2, 3, 32, 32, dtype=torch.float64), torch.float64,
        modes=("eval", "train"))
    add("resnet20-projection", ResNet(3, option="B"), torch.randn(2, 3, 16, 16, dtype=torch.float64),
        torch.float64)
    add("gpt", GPT(11, 16, 2, 2, 16), torch.randint(0, 11, (2, 10)), torch.float64)
    add("gpt-float32", GPT(11, 16, 2, 2, 16), torch.randint(0, 11, (2, 10)), torch.float32)
    # sizes only (no outputs): ResNet-32's state_dict
    r32 = ResNet(5)
    cases.append({"name": "resnet32", "dtype": "float32",
                  "paths": [{"path": k, "shape": list(v.shape)} for k, v in r32.state_dict().items()],
                  "parameter_count": sum(p.numel() for p in r32.parameters())})
    return cases


def trained_cases():
    cases = []

    def train(name, module, inputs, labels, steps, lr, x_eval, flatten_logits=False):
        torch.manual_seed(len(cases) + 50)
        optimizer = torch.optim.Adam(module.parameters(), lr=lr)
        module.train()
        for _ in range(steps):
            logits = module(inputs)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        module.eval()
        with torch.no_grad():
            out = module(x_eval)
        file = f"trained-{name}.safetensors"
        safetensors.torch.save_file(
            {k: v.contiguous() for k, v in module.state_dict().items()}, os.path.join(OUT, file),
            metadata={"torch": torch.__version__, "steps": str(steps)})
        cases.append({"name": name, "file": file, "input": tensor_json(x_eval),
                      "output": tensor_json(out), "final_loss": float(loss.detach())})

    torch.manual_seed(4321)
    mlp = nn.Sequential(nn.Linear(12, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 5))
    x = torch.randn(64, 12)
    y = (x[:, :5] * torch.arange(1, 6)).argmax(1)
    train("mlp-batchnorm", mlp, x, y, 30, 1e-2, torch.randn(7, 12))
    gpt = GPT(11, 16, 2, 2, 16)
    tokens = torch.randint(0, 11, (8, 12))
    train("gpt", gpt, tokens[:, :-1], tokens[:, 1:], 20, 3e-3, torch.randint(0, 11, (3, 9)))
    return cases


def main():
    os.makedirs(OUT, exist_ok=True)
    layers = {"torch": torch.__version__, "cases": layer_cases(), "batchnorm": batchnorm_cases(),
              "losses": loss_cases()}
    models = {"torch": torch.__version__, "cases": model_cases()}
    trained = {"torch": torch.__version__, "safetensors": safetensors.__version__,
               "cases": trained_cases()}
    for name, content in [("layers.json", layers), ("models.json", models),
                          ("trained.json", trained)]:
        with open(os.path.join(OUT, name), "w") as f:
            json.dump(content, f, separators=(",", ":"))
        print("wrote", name, os.path.getsize(os.path.join(OUT, name)), "bytes")


if __name__ == "__main__":
    main()
