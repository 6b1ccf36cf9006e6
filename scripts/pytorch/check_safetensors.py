#!/usr/bin/env python3
"""Load a .safetensors file with PyTorch and list its tensors: proves a cnntrain checkpoint loads there.

    /usr/bin/python3 scripts/pytorch/check_safetensors.py FILE [--values] [--reader auto|package|plain]

Reader "package" is `safetensors.torch.load_file` (pip install safetensors); "plain" is the small
reader below (json header + struct + torch.frombuffer) that needs only torch and validates the
layout the way the reference implementation does; "auto" (default) uses the package when it is
installed and the plain reader otherwise. Exits 1 with a message when the file is not valid.

    /usr/bin/python3 scripts/pytorch/check_safetensors.py --write-fixture Tests/Fixtures/safetensors/reference.safetensors

writes the test fixture with the reference `safetensors` package (required for this mode), so that
the Swift reader is tested on bytes it did not write itself.
"""
import argparse
import json
import struct
import sys

import torch

DTYPES = {"F32": (torch.float32, 4), "I64": (torch.int64, 8), "F64": (torch.float64, 8),
          "F16": (torch.float16, 2), "BF16": (torch.bfloat16, 2), "I32": (torch.int32, 4),
          "I16": (torch.int16, 2), "I8": (torch.int8, 1), "U8": (torch.uint8, 1), "BOOL": (torch.bool, 1)}


def load_plain(path):
    """Returns ({name: tensor}, metadata) or raises ValueError saying what is wrong."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{len(data)} bytes, fewer than the 8 of the header length")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise ValueError(f"header length {n} but only {len(data) - 8} bytes follow")
    header = json.loads(data[8:8 + n].decode("utf-8"))
    buffer = memoryview(data)[8 + n:]
    metadata = header.pop("__metadata__", {}) or {}
    tensors, spans = {}, []
    for name, info in header.items():
        if info["dtype"] not in DTYPES:
            raise ValueError(f"{name}: unknown dtype {info['dtype']}")
        dtype, size = DTYPES[info["dtype"]]
        shape = info["shape"]
        begin, end = info["data_offsets"]
        count = 1
        for d in shape:
            count *= d
        if not (0 <= begin <= end <= len(buffer)) or end - begin != count * size:
            raise ValueError(f"{name}: data_offsets {[begin, end]} do not fit {info['dtype']} {shape} in a {len(buffer)}-byte buffer")
        spans.append((begin, end, name))
        raw = bytearray(buffer[begin:end])  # a writable copy for frombuffer
        t = torch.frombuffer(raw, dtype=dtype) if count else torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(shape)
    position = 0
    for begin, end, name in sorted(spans):
        if begin != position:
            raise ValueError(f"{name}: starts at {begin}, expected {position} (hole or overlap)")
        position = end
    if position != len(buffer):
        raise ValueError(f"tensors cover {position} of {len(buffer)} buffer bytes")
    return tensors, metadata


def load(path, reader):
    if reader in ("auto", "package"):
        try:
            from safetensors import safe_open
            from safetensors.torch import load_file
        except ImportError:
            if reader == "package":
                raise SystemExit("the safetensors package is not installed (pip install safetensors)")
        else:
            with safe_open(path, framework="pt") as f:
                metadata = f.metadata() or {}
            return load_file(path), metadata, "safetensors.torch.load_file"
    tensors, metadata = load_plain(path)
    return tensors, metadata, "plain reader + torch.frombuffer"


def write_fixture(path):
    from safetensors.torch import save_file
    import safetensors
    tensors = {
        "0.weight": torch.arange(6, dtype=torch.float32).reshape(2, 3) / 4 - 0.5,
        "1.bias": torch.tensor([1.5, -2.25], dtype=torch.float32),
        "1.num_batches_tracked": torch.tensor(123456789012, dtype=torch.int64),
        "2.scalar": torch.tensor(3.5, dtype=torch.float32),
    }
    save_file(tensors, path, metadata={"format": "pt", "norm": "batch", "note": "written by safetensors " + safetensors.__version__})
    print(f"wrote {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file")
    parser.add_argument("--values", action="store_true", help="print the first values of each tensor")
    parser.add_argument("--reader", choices=["auto", "package", "plain"], default="auto")
    parser.add_argument("--write-fixture", action="store_true", help="write FILE with the reference package instead")
    args = parser.parse_args()
    if args.write_fixture:
        write_fixture(args.file)
        return
    try:
        tensors, metadata, how = load(args.file, args.reader)
    except Exception as error:  # any failure is a file PyTorch cannot load
        print(f"{args.file}: cannot load: {error}", file=sys.stderr)
        sys.exit(1)
    print(f"{args.file}: {len(tensors)} tensors ({how})")
    for name in sorted(tensors):
        t = tensors[name]
        line = f"  {name:40s} {str(t.dtype).replace('torch.', ''):8s} {list(t.shape)}"
        if args.values:
            line += "  " + str(t.reshape(-1)[:6].tolist())
        print(line)
    for key in sorted(metadata):
        value = metadata[key]
        print(f"  __metadata__[{key!r}] = {value if len(value) <= 80 else value[:77] + '...'!r}")


if __name__ == "__main__":
    main()
