"""Reference values for Tests/DescentTests/Elementwise*Tests.swift.

Run with PyTorch 2.13.0 (CPU), float64:  python scripts/reference/elementwise.py
Prints Swift array literals that the tests paste with a comment naming this script.
"""
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def show(name, t):
    values = ", ".join("%.17g" % v for v in t.flatten().tolist())
    print(f"{name}: [{values}]")


x = torch.tensor([-3, -1.5, -0.5, -0.1, 0.2, 0.7, 1.3, 2.5])
positive = torch.tensor([0.05, 0.3, 1, 2.5, 7])
small = torch.tensor([-0.9, -0.3, 1e-8, 0.5, 3])
print("x =", x.tolist())
show("log1p(small)", torch.log1p(small))
show("expm1(small)", torch.expm1(small))
show("sqrt(positive)", torch.sqrt(positive))
show("rsqrt(positive)", torch.rsqrt(positive))
for name in ["abs", "sign", "sin", "cos", "tanh", "sigmoid", "square", "reciprocal"]:
    show(f"{name}(x)", getattr(torch, name)(x))
show("pow(positive, 2.5)", torch.pow(positive, 2.5))
show("pow(x, 3)", torch.pow(x, 3.0))
show("pow(x, -2)", torch.pow(x, -2.0))
a = torch.tensor([[0.5, 1.5, 2], [3, 0.2, 1.1]])
b = torch.tensor([1.3, -0.7, 2])
show("pow(a, b)", torch.pow(a, b))
show("relu(x)", F.relu(x))
show("leakyRelu(x, 0.2)", F.leaky_relu(x, 0.2))
show("elu(x, 0.5)", F.elu(x, 0.5))
show("selu(x)", F.selu(x))
show("gelu(x)", F.gelu(x))
show("gelu(x, tanh)", F.gelu(x, approximate="tanh"))
show("softplus(x)", F.softplus(x))
show("softplus(x, beta=2, threshold=4)", F.softplus(x, beta=2, threshold=4))
show("silu(x)", F.silu(x))

# Gradient conventions at kinks and ties.
p = torch.tensor([1.0, 2, 3, -1], requires_grad=True)
q = torch.tensor([1.0, 1, 4, -1], requires_grad=True)
torch.maximum(p, q).sum().backward()
show("maximum grad a", p.grad)
show("maximum grad b", q.grad)
p.grad = None
q.grad = None
torch.minimum(p, q).sum().backward()
show("minimum grad a", p.grad)
show("minimum grad b", q.grad)
c = torch.tensor([-1.0, 0, 0.5, 1, 2], requires_grad=True)
torch.clamp(c, 0, 1).sum().backward()
show("clamp(0, 1) grad", c.grad)
r = torch.tensor([-1.0, 0, 2], requires_grad=True)
F.relu(r).sum().backward()
show("relu grad at -1, 0, 2", r.grad)
z = torch.tensor([0.0, 0, 2], requires_grad=True)
e = torch.tensor([0.0, 1.5, 0], requires_grad=True)
torch.pow(z, e).sum().backward()
show("pow(z, e) grad base", z.grad)
show("pow(z, e) grad exponent", e.grad)
show("cast float -> int32", torch.tensor([-1.7, -0.5, 0.5, 2.9]).to(torch.int32))
show("cast float -> uint8", torch.tensor([-1.5, 2.7, 300.0]).to(torch.uint8))
show("cast int32 -> uint8", torch.tensor([300, -1, 7], dtype=torch.int32).to(torch.uint8))
