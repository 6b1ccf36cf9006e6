#!/usr/bin/python3
"""Did the conv biases of the conv-bias study learn anything? For each norm, compares the biases of
the `convBias yes` cells after training with the same model at initialization (seed by seed), and
prints how much each moved beyond a common rescaling (which weight decay alone causes).

    cnntrain study studies/conv-bias.json          # the trained cells (studies/conv-bias/cells/)
    /usr/bin/python3 scripts/reports/conv_bias_check.py [--cnntrain .build/release/cnntrain]

Under a norm that subtracts each channel's own mean (batch, instance) a per-channel bias has a zero
gradient, so it can only shrink; under one that subtracts a mean over several channels (layer,
group) or none, it learns.
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CELLS = os.path.join(ROOT, "studies", "conv-bias", "cells")
DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64}


def load(path):
    """The tensors of a safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + size])
    tensors = {}
    for name, entry in header.items():
        if name != "__metadata__":
            start, end = entry["data_offsets"]
            tensors[name] = np.frombuffer(data[8 + size + start:8 + size + end],
                                          dtype=DTYPES[entry["dtype"]]).reshape(entry["shape"])
    return tensors


def initial_weights(cnntrain, norm, seed, directory):
    """The model at initialization: one step at a learning rate of 1e-12, no momentum, no decay."""
    out = os.path.join(directory, f"{norm}-s{seed}")
    subprocess.run([cnntrain, "train", "--norm", norm, "--conv-bias", "yes", "--seed", str(seed), "--steps", "1",
                    "--lr", "1e-12", "--momentum", "0", "--weight-decay", "0", "--train-limit", "64",
                    "--test-limit", "20", "--train-eval-images", "0", "--out", out, "--quiet"],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return load(os.path.join(out, "checkpoint.safetensors"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cnntrain", default=os.path.join(ROOT, ".build", "release", "cnntrain"))
    arguments = parser.parse_args()
    if not os.path.isdir(CELLS):
        sys.exit(f"{CELLS} not found: run `cnntrain study studies/conv-bias.json` first")
    print("| norm | largest change of a conv bias beyond a common rescaling (seeds 1, 2, 3) |")
    print("| --- | --- |")
    with tempfile.TemporaryDirectory() as directory:
        for norm in ["none", "batch", "layer", "instance", "group"]:
            changes = []
            for seed in (1, 2, 3):
                start = initial_weights(arguments.cnntrain, norm, seed, directory)
                end = load(os.path.join(CELLS, f"{norm}-b64-lr0.05-convBiasyes-s{seed}", "checkpoint.safetensors"))
                biases = [k for k in start if k.endswith(".bias") and start[k.replace(".bias", ".weight")].ndim == 4]
                moved = 0.0
                for key in biases:
                    a, b = start[key].astype(np.float64), end[key].astype(np.float64)
                    scale = np.dot(a, b) / np.dot(a, a)
                    moved = max(moved, np.linalg.norm(b - scale * a) / np.linalg.norm(a))
                changes.append(moved)
            print(f"| {norm} | " + ", ".join(f"{c:.2g}" for c in changes) + " |")


if __name__ == "__main__":
    main()
