"""Golden values for the norms (Tests/Fixtures/golden/norms.json), from PyTorch.

Run with Debian's python3-torch: /usr/bin/python3 scripts/golden/make_norms.py
Read by Tests/CNNNormsTests/*Tests.swift through GoldenFile("norms").

Every case holds the seeded input `x`, non-trivial `weight` (γ) and `bias` (β), an output gradient
`dy`, and PyTorch's training-mode `y`, `dx`, `dweight`, `dbias` for the loss Σ y·dy.
Layers: BatchNorm2d/BatchNorm1d, LayerNorm([C, H, W]) / LayerNorm(C), GroupNorm(G, C),
InstanceNorm2d(C, affine=True) (ours is affine; PyTorch's default is not). ε = 1e-5, momentum 0.1.
"""
import sys

import torch

sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(__file__)))
from golden_io import seeded_uniform, write  # noqa: E402

SCRIPT = "scripts/golden/make_norms.py"


def run(module, x, dy):
    x = x.clone().requires_grad_(True)
    y = module(x)
    (y * dy).sum().backward()
    return {"y": y, "dx": x.grad, "dweight": module.weight.grad, "dbias": module.bias.grad}


def case(module, shape, seed, scale=2.0, offset=0.5):
    x = seeded_uniform(shape, seed) * scale + offset
    dy = seeded_uniform(shape, seed + 1)
    with torch.no_grad():
        module.weight.copy_(seeded_uniform(module.weight.shape, seed + 2, 0.5, 1.5))
        module.bias.copy_(seeded_uniform(module.bias.shape, seed + 3, -0.5, 0.5))
    result = {"x": x, "dy": dy, "weight": module.weight.detach().clone(), "bias": module.bias.detach().clone()}
    result.update(run(module, x, dy))
    return result


def main():
    torch.manual_seed(0)
    cases = {}
    shape = (3, 4, 5, 6)  # N, C, H, W
    cases["batch"] = case(torch.nn.BatchNorm2d(4), shape, 10)
    cases["layer"] = case(torch.nn.LayerNorm([4, 5, 6]), shape, 20)
    cases["instance"] = case(torch.nn.InstanceNorm2d(4, affine=True), shape, 30)
    cases["group"] = case(torch.nn.GroupNorm(2, 4), shape, 40)
    cases["group1"] = case(torch.nn.GroupNorm(1, 4), (2, 4, 3, 5), 45)
    cases["group6"] = case(torch.nn.GroupNorm(6, 6), (2, 6, 3, 4), 47)

    # Rank-2 (N, C) input.
    cases["batch_rank2"] = case(torch.nn.BatchNorm1d(7), (5, 7), 50)
    cases["layer_rank2"] = case(torch.nn.LayerNorm(7), (5, 7), 60)
    cases["group_rank2"] = case(torch.nn.GroupNorm(3, 6), (5, 6), 70)

    # BatchNorm running statistics: three training steps on three inputs, then inference.
    bn = torch.nn.BatchNorm2d(3)
    with torch.no_grad():
        bn.weight.copy_(seeded_uniform((3,), 82, 0.5, 1.5))
        bn.bias.copy_(seeded_uniform((3,), 83, -0.5, 0.5))
    steps = {"weight": bn.weight.detach().clone(), "bias": bn.bias.detach().clone()}
    bn.train()
    for step in range(3):
        x = seeded_uniform((4, 3, 2, 5), 90 + step) * (step + 1) + step
        steps[f"x{step}"] = x
        with torch.no_grad():
            bn(x)
    steps["running_mean"] = bn.running_mean
    steps["running_var"] = bn.running_var
    steps["num_batches_tracked"] = bn.num_batches_tracked.to(torch.float32).reshape(1)
    bn.eval()
    x = seeded_uniform((2, 3, 2, 5), 95) * 2
    steps["x_inference"] = x
    with torch.no_grad():
        steps["y_inference"] = bn(x)
    cases["batch_running"] = steps

    # Large offset: x = 1e4 + U(−1, 1) in float32; reference computed in float64 from the same floats.
    x32 = seeded_uniform((2, 4, 6, 7), 100) + 1e4
    gn64 = torch.nn.GroupNorm(2, 4).double()
    with torch.no_grad():
        y64 = gn64(x32.double())
    cases["group_offset"] = {"x": x32, "y": y64.float()}

    write("norms", SCRIPT, cases)


if __name__ == "__main__":
    main()
