"""Fashion-MNIST (or MNIST-family IDX files) as float tensors, for the PyTorch scripts."""
import gzip
import os

import numpy as np
import torch

DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(directory, stem):
    for name in (stem + ".gz", stem):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f"{directory}: no {stem}[.gz]")


def load(directory=DEFAULT_DIR):
    """Returns (train_x, train_y, test_x, test_y) with x as uint8 (N, 1, 28, 28) tensors."""
    out = []
    for split in ("train", "t10k"):
        x = read_idx(find(directory, f"{split}-images-idx3-ubyte"))
        y = read_idx(find(directory, f"{split}-labels-idx1-ubyte"))
        out += [torch.from_numpy(x.copy()).unsqueeze(1), torch.from_numpy(y.astype(np.int64))]
    return tuple(out)


def normalize(x_uint8, mean, std):
    return ((x_uint8.float() / 255.0) - mean) / std
