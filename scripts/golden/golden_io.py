"""Shared writer for golden-value fixtures (Tests/Fixtures/golden/<name>.json).

Format: {"script": "scripts/golden/<file>.py", "cases": {case: {tensor: {"shape": [...], "values": [...]}}}}
Values are float32 printed with 9 significant digits (enough to round-trip a float32).
Read by Tests/TestSupport/Golden.swift. Run with Debian's python3-torch: /usr/bin/python3 scripts/golden/<file>.py
"""
import json
import os

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN_DIR = os.path.join(ROOT, "Tests", "Fixtures", "golden")


def tensor_entry(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "values": [float(f"{v:.9g}") for v in t.reshape(-1).tolist()]}


def write(name, script, cases):
    """cases: {case_name: {tensor_name: torch.Tensor}}"""
    os.makedirs(GOLDEN_DIR, exist_ok=True)
    out = {"script": script, "cases": {c: {k: tensor_entry(v) for k, v in d.items()} for c, d in cases.items()}}
    path = os.path.join(GOLDEN_DIR, name + ".json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes, {len(cases)} cases)")


def seeded_uniform(shape, seed, low=-1.0, high=1.0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(shape, generator=g, dtype=torch.float32) * (high - low) + low
