"""Golden values for the CNNLayers tests: forward outputs and all gradients from PyTorch.

Every case stores its inputs (x, weights, upstream gradient dy, labels) and PyTorch's results
(y, dx, dw, db, loss), so the Swift tests need no random-number agreement with PyTorch.
Run: /usr/bin/python3 scripts/golden/make_layers.py  → Tests/Fixtures/golden/layers.json
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from golden_io import seeded_uniform, write

SCRIPT = "scripts/golden/make_layers.py"
cases = {}
seed = [100]


def u(*shape, low=-1.0, high=1.0):
    seed[0] += 1
    return seeded_uniform(shape, seed[0], low, high)


def run(name, module, x, extra=None):
    """Forward x through module, backward an upstream gradient dy; record everything."""
    x = x.clone().requires_grad_(True)
    y = module(x)
    dy = u(*y.shape)
    y.backward(dy)
    case = {"x": x, "y": y, "dy": dy, "dx": x.grad}
    for pname, p in module.named_parameters():
        case[pname] = p.detach().clone()
        case["d" + pname] = p.grad
    case.update(extra or {})
    cases[name] = case


def conv(name, n, c, h, w, f, k, stride, padding, bias=True):
    m = nn.Conv2d(c, f, k, stride=stride, padding=padding, bias=bias)
    with torch.no_grad():
        m.weight.copy_(u(f, c, k, k, low=-0.5, high=0.5))
        if bias:
            m.bias.copy_(u(f, low=-0.5, high=0.5))
    run(name, m, u(n, c, h, w))


conv("conv_k3_s1_p1", 2, 3, 5, 7, 4, 3, 1, 1)
conv("conv_k3_s2_p0", 2, 2, 7, 6, 3, 3, 2, 0)
conv("conv_k5_s1_p2", 1, 2, 6, 5, 3, 5, 1, 2)
conv("conv_k1_s1_p0", 2, 4, 3, 5, 3, 1, 1, 0)
conv("conv_k3_s2_p1_nobias", 2, 3, 8, 8, 5, 3, 2, 1, bias=False)
conv("conv_k2_s2_p0", 3, 2, 5, 5, 2, 2, 2, 0)
# F ≤ C at stride 1: the input gradient takes the flipped-weight convolution path.
conv("conv_k3_s1_p1_shrink", 2, 4, 5, 6, 3, 3, 1, 1)
conv("conv_k5_s1_p2_shrink", 1, 3, 6, 5, 2, 5, 1, 2)
conv("conv_k3_s1_p0_same", 2, 3, 6, 7, 3, 3, 1, 0)

lin = nn.Linear(10, 4)
with torch.no_grad():
    lin.weight.copy_(u(4, 10, low=-0.5, high=0.5))
    lin.bias.copy_(u(4, low=-0.5, high=0.5))
run("linear", lin, u(3, 10))
lin4 = nn.Linear(12, 3)
with torch.no_grad():
    lin4.weight.copy_(u(3, 12, low=-0.5, high=0.5))
    lin4.bias.copy_(u(3, low=-0.5, high=0.5))
run("linear_rank4", nn.Sequential(nn.Flatten(), lin4), u(2, 2, 3, 2))
# the Sequential's parameter names are "1.weight": rename for the test
cases["linear_rank4"] = {k.replace("1.", ""): v for k, v in cases["linear_rank4"].items()}

run("maxpool_k2_s2", nn.MaxPool2d(2), u(2, 3, 6, 5))
run("maxpool_k3_s2_p1", nn.MaxPool2d(3, stride=2, padding=1), u(2, 2, 7, 6))
run("avgpool_k2_s2", nn.AvgPool2d(2), u(2, 3, 6, 5))
run("avgpool_k3_s2_p1", nn.AvgPool2d(3, stride=2, padding=1), u(2, 2, 7, 6))
run("global_avgpool", nn.AdaptiveAvgPool2d(1), u(2, 3, 4, 5))
run("relu", nn.ReLU(), u(2, 3, 4, 5))
run("sigmoid", nn.Sigmoid(), u(2, 3, 4, 5, low=-4, high=4))
run("tanh", nn.Tanh(), u(2, 3, 4, 5, low=-3, high=3))
run("leaky_relu", nn.LeakyReLU(0.1), u(2, 3, 4, 5))

for smoothing in (0.0, 0.1):
    logits = (u(5, 7) * 3).requires_grad_(True)
    labels = torch.tensor([0, 3, 6, 2, 3])
    loss = nn.CrossEntropyLoss(label_smoothing=smoothing)(logits, labels)
    loss.backward()
    cases[f"cross_entropy_ls{smoothing}"] = {
        "logits": logits, "labels": labels.float(), "loss": loss, "dlogits": logits.grad,
        "probabilities": F.softmax(logits, dim=1),
    }

# Cases added later come last, so that the seeds (and numbers) of the ones above stay as they were.
run("silu", nn.SiLU(), u(2, 3, 4, 5, low=-5, high=5))

write("layers", SCRIPT, cases)
