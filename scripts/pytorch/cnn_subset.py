"""cnntrain's --train-limit / --test-limit rule in Python, for the PyTorch scripts.

A line-for-line copy of Sources/CNNData/Subset.swift ("stratified-v1"): image i gets the key
mix(mix(seed) ^ i) (SplitMix64's finalizer); within its class an image's rank r is its position by
key; images are ordered by r / n_c (n_c = images of its class), ties by key; the first `limit` are
kept, in their original order. The test subset of a run seeded s uses the seed test_seed(s).
Tests/CLITests/PyTorchInteropTests checks that both sides pick the same images.
"""
from fractions import Fraction

MASK = (1 << 64) - 1


def mix(value):
    z = (value + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def test_seed(seed):
    """The seed of a run's test subset (DataSelection.testSeed)."""
    return mix(seed ^ 0x74657374)


def indices(labels, limit, seed):
    """The sorted indices of the `limit` images kept out of `labels` (all when limit is None or large)."""
    labels = [int(label) for label in labels]
    if limit is None or limit >= len(labels):
        return list(range(len(labels)))
    seed_key = mix(seed & MASK)
    keys = [mix(seed_key ^ i) for i in range(len(labels))]
    members = {}
    for index, label in enumerate(labels):
        members.setdefault(label, []).append(index)
    entries = []
    for group in members.values():
        ordered = sorted(group, key=lambda i: keys[i])
        for rank, index in enumerate(ordered):
            entries.append((Fraction(rank, len(ordered)), keys[index], index))
    entries.sort()
    return sorted(index for _, _, index in entries[:limit])
