"""The PyTorch equivalent of a cnntrain model, built from its resolved JSON.

The JSON comes from `cnntrain info --model M --norm K --json` or from a checkpoint's
`__metadata__["model"]`. Layer indices and attribute names match cnntrain's, so a cnntrain
checkpoint loads with `load_state_dict(strict=True)`.
"""
import json
import struct

import torch
from torch import nn


class Residual(nn.Module):
    """body(x) + shortcut(x); identity shortcut when there is none (cnntrain's `residual` block)."""

    def __init__(self, body, shortcut=None):
        super().__init__()
        self.body = body
        if shortcut is not None:
            self.shortcut = shortcut
        else:
            self.shortcut = None

    def forward(self, x):
        return self.body(x) + (self.shortcut(x) if self.shortcut is not None else x)


# Checkpoints written before cnntrain's layer table name these fields as the older JSON did.
FORMER_NAMES = {"inputChannels": "inChannels", "outputChannels": "outChannels", "kernelSize": "kernel",
                "inputFeatures": "inChannels", "outputFeatures": "outChannels"}


def field(spec, name):
    """spec[name], or its former name in an older checkpoint."""
    return spec[name] if name in spec else spec[FORMER_NAMES[name]]


def build_layers(specs):
    """The PyTorch twin of each cnntrain layer kind (Sources/CNNModels/LayerTable.swift)."""
    layers = []
    for s in specs:
        t = s["type"]
        if t == "conv":
            layers.append(nn.Conv2d(field(s, "inputChannels"), field(s, "outputChannels"), field(s, "kernelSize"),
                                    s["stride"], s["padding"], bias=s["bias"]))
        elif t == "linear":
            layers.append(nn.Linear(field(s, "inputFeatures"), field(s, "outputFeatures"), bias=s["bias"]))
        elif t == "norm":
            shape, kind = s["inputShape"], s["norm"]
            c = shape[0]
            if kind in ("batch", "syncbatch"):
                # syncbatch's state_dict is BatchNorm's (its statistics span processes only in training).
                layers.append(nn.BatchNorm2d(c) if len(shape) == 3 else nn.BatchNorm1d(c))
            elif kind == "layer" and shape[1:] == [1, 1]:
                # cnntrain's layer norm on a 1×1 map normalizes its C values with γ, β of shape (C);
                # GroupNorm(1, C) computes the same and has that state_dict (LayerNorm's would be (C, 1, 1)).
                layers.append(nn.GroupNorm(1, c))
            elif kind == "layer":
                layers.append(nn.LayerNorm(shape))
            elif kind == "instance":
                layers.append(nn.InstanceNorm2d(c, affine=True))
            elif kind == "group":
                layers.append(nn.GroupNorm(s["groups"], c))
            else:
                raise ValueError(f"unknown norm {kind}")
        elif t == "relu":
            layers.append(nn.ReLU())
        elif t == "sigmoid":
            layers.append(nn.Sigmoid())
        elif t == "tanh":
            layers.append(nn.Tanh())
        elif t == "silu":
            layers.append(nn.SiLU())
        elif t == "leakyrelu":
            layers.append(nn.LeakyReLU(s.get("slope", 0.01)))
        elif t == "maxpool":
            layers.append(nn.MaxPool2d(field(s, "kernelSize"), s["stride"], s["padding"]))
        elif t == "avgpool":
            layers.append(nn.AvgPool2d(field(s, "kernelSize"), s["stride"], s["padding"]))
        elif t == "globalavgpool":
            layers.append(nn.AdaptiveAvgPool2d(1))
        elif t == "flatten":
            layers.append(nn.Flatten())
        elif t == "dropout":
            layers.append(nn.Dropout(s["probability"]))
        elif t == "residual":
            body = nn.Sequential(*build_layers(s["body"]))
            shortcut = nn.Sequential(*build_layers(s["shortcut"])) if s.get("shortcut") else None
            layers.append(Residual(body, shortcut))
        else:
            raise ValueError(f"unknown layer type {t}")
    return layers


def build_model(resolved):
    """resolved: the dict of a ResolvedModel (name, inputShape, classCount, layers, norm, …)."""
    return nn.Sequential(*build_layers(resolved["layers"]))


def read_safetensors(path):
    """A plain safetensors reader (no extra package): returns ({name: tensor}, metadata)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    metadata = header.pop("__metadata__", {})
    base = 8 + n
    dtypes = {"F32": torch.float32, "I64": torch.int64}
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        t = torch.frombuffer(bytearray(data[base + begin:base + end]), dtype=dtypes[entry["dtype"]])
        tensors[name] = t.reshape(entry["shape"]).clone()
    return tensors, metadata


def load_checkpoint(path):
    """Builds the model a cnntrain checkpoint was saved from and loads it with strict=True."""
    try:
        from safetensors.torch import load_file  # the official loader, when installed
        state = load_file(path)
        _, metadata = read_safetensors(path)
    except ImportError:
        state, metadata = read_safetensors(path)
    resolved = json.loads(metadata["model"])
    model = build_model(resolved)
    model.load_state_dict(state, strict=True)
    return model, metadata
