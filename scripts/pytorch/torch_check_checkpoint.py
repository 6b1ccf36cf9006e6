#!/usr/bin/python3
"""Loads a cnntrain checkpoint in PyTorch with load_state_dict(strict=True) and evaluates it on the
Fashion-MNIST test set with the checkpoint's stored normalization. Compare with `cnntrain eval`.

    /usr/bin/python3 scripts/pytorch/torch_check_checkpoint.py runs/<run>/checkpoint.safetensors [--data DIR]
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cnn_subset  # noqa: E402
import fashion_mnist  # noqa: E402
from torch_model import load_checkpoint  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint")
    parser.add_argument("--data", default=fashion_mnist.DEFAULT_DIR, help="folder of IDX files")
    parser.add_argument("--test-limit", type=int, default=None)
    args = parser.parse_args()

    model, metadata = load_checkpoint(args.checkpoint)
    model.eval()
    mean = torch.tensor(json.loads(metadata["normalization_mean"])).view(1, -1, 1, 1)
    std = torch.tensor(json.loads(metadata["normalization_std"])).view(1, -1, 1, 1)
    _, _, test_x, test_y = fashion_mnist.load(args.data)
    if args.test_limit:
        # cnntrain eval's subset: class-stratified, seeded by the run's seed (train's default 1).
        seed = json.loads(metadata.get("training_options", "{}")).get("seed", 1)
        keep = torch.tensor(cnn_subset.indices(test_y.tolist(), args.test_limit, cnn_subset.test_seed(seed)))
        test_x, test_y = test_x[keep], test_y[keep]
    correct = 0
    with torch.no_grad():
        for i in range(0, len(test_x), 500):
            logits = model(fashion_mnist.normalize(test_x[i:i + 500], mean, std))
            correct += (logits.argmax(1) == test_y[i:i + 500]).sum().item()
    print(f"loaded {args.checkpoint} with load_state_dict(strict=True): {len(model.state_dict())} tensors")
    print(f"pytorch test accuracy {100.0 * correct / len(test_x):.2f}% ({len(test_x)} images)")


if __name__ == "__main__":
    main()
