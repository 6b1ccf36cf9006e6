"""Golden values for SyncBatchNorm (Tests/Fixtures/golden/syncbatch.json), from PyTorch.

Run with Debian's python3-torch: /usr/bin/python3 scripts/golden/make_syncbatch.py
Read by Tests/CNNNormsTests/SyncBatchNormTests.swift through GoldenFile("syncbatch").

PyTorch has no CPU SyncBatchNorm, but on W ranks it computes what one BatchNorm2d computes on the
concatenation of the ranks' batches (global mean, biased variance to normalize, unbiased for the
running variance, Σdy and Σdy·x̂ over all ranks in the backward). So each case is BatchNorm2d in
training mode on the whole batch `x`, with the loss Σ y·dy; `shares` says how many samples of it
each rank takes (in order). dweight and dbias are the sums over ranks (what the gradient
all-reduce gives); running_mean / running_var are after this one step (momentum 0.1).
"""
import sys

import torch

sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(__file__)))
from golden_io import seeded_uniform, write  # noqa: E402

SCRIPT = "scripts/golden/make_syncbatch.py"


def case(shares, shape, seed, scale=2.0, offset=0.5):
    x = seeded_uniform(shape, seed) * scale + offset
    dy = seeded_uniform(shape, seed + 1)
    module = torch.nn.BatchNorm2d(shape[1])
    with torch.no_grad():
        module.weight.copy_(seeded_uniform(module.weight.shape, seed + 2, 0.5, 1.5))
        module.bias.copy_(seeded_uniform(module.bias.shape, seed + 3, -0.5, 0.5))
    result = {"x": x, "dy": dy, "weight": module.weight.detach().clone(), "bias": module.bias.detach().clone(),
              "shares": torch.tensor(shares, dtype=torch.float32)}
    xg = x.clone().requires_grad_(True)
    y = module(xg)
    (y * dy).sum().backward()
    result.update({"y": y, "dx": xg.grad, "dweight": module.weight.grad, "dbias": module.bias.grad,
                   "running_mean": module.running_mean, "running_var": module.running_var})
    return result


def main():
    torch.manual_seed(0)
    cases = {
        # Two ranks, equal shares.
        "two_even": case([3, 3], (6, 4, 5, 6), 110),
        # Four ranks, equal shares, one sample each at 3×3.
        "four_one_each": case([1, 1, 1, 1], (4, 3, 3, 3), 120),
        # Three ranks, unequal shares, data far from zero (the rank-order combine must keep digits).
        "three_uneven_offset": case([3, 1, 4], (8, 5, 4, 4), 130, scale=0.5, offset=40.0),
    }
    write("syncbatch", SCRIPT, cases)


if __name__ == "__main__":
    main()
