#!/usr/bin/env python3
"""Writes the bad IDX and CIFAR-10 datasets under Tests/Fixtures/data/bad-idx and bad-cifar, and
an image folder without one usable image (data/no-usable-images).

Each case is a whole dataset directory that `cnntrain --data <dir>` must refuse with a message
naming the bad file (Tests/CLITests/BadDataTests.swift). They are made from the good fixtures in
Tests/Fixtures/data/idx and data/cifar. Run: /usr/bin/python3 scripts/make_bad_data_fixtures.py
"""
import os
import shutil
import struct

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "data")
good_idx = os.path.join(root, "idx")
good_cifar = os.path.join(root, "cifar")
names = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


def idx_case(case, replacements):
    """A copy of the good IDX dataset with some files replaced by the given bytes."""
    directory = os.path.join(root, "bad-idx", case)
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    for name in names:
        data = replacements.get(name)
        if data is None:
            data = open(os.path.join(good_idx, name), "rb").read()
        open(os.path.join(directory, name), "wb").write(data)


def cifar_case(case, replacements):
    directory = os.path.join(root, "bad-cifar", case)
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    for name in ["data_batch_1.bin", "data_batch_2.bin", "test_batch.bin"]:
        data = replacements.get(name)
        if data is None:
            data = open(os.path.join(good_cifar, name), "rb").read()
        open(os.path.join(directory, name), "wb").write(data)


images = open(os.path.join(good_idx, "train-images-idx3-ubyte"), "rb").read()
labels = open(os.path.join(good_idx, "train-labels-idx1-ubyte"), "rb").read()

# IDX: the magic of a label file on an image file (0x0801 instead of 0x0803).
idx_case("wrong-magic", {"train-images-idx3-ubyte": images[:3] + b"\x01" + images[4:]})
# IDX: the last image cut short by 5 bytes.
idx_case("short-data", {"train-images-idx3-ubyte": images[:-5]})
# IDX: 2 labels for 3 images.
idx_case("count-mismatch", {"train-labels-idx1-ubyte": struct.pack(">II", 0x0801, 2) + labels[8:10]})
# IDX: a header claiming 2^32−1 images of (2^32−1)² pixels (the product overflows 64 bits).
idx_case("huge-count", {"train-images-idx3-ubyte": struct.pack(">IIII", 0x0803, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF) + images[16:]})
# IDX: valid files holding no training image at all.
idx_case("zero-images", {"train-images-idx3-ubyte": struct.pack(">IIII", 0x0803, 0, 2, 3),
                         "train-labels-idx1-ubyte": struct.pack(">II", 0x0801, 0)})
# IDX: a training set, but a test set without one image.
idx_case("zero-test-images", {"t10k-images-idx3-ubyte": struct.pack(">IIII", 0x0803, 0, 2, 3),
                              "t10k-labels-idx1-ubyte": struct.pack(">II", 0x0801, 0)})

batch = open(os.path.join(good_cifar, "data_batch_1.bin"), "rb").read()
# CIFAR: a batch whose last record lacks its last byte.
cifar_case("partial-record", {"data_batch_2.bin": batch[:3073 + 3072]})
# CIFAR: a record with label 10 (CIFAR-10 has 0–9).
cifar_case("bad-label", {"test_batch.bin": b"\x0a" + batch[1:3073]})
# CIFAR: an empty batch file.
cifar_case("empty-batch", {"data_batch_1.bin": b""})
# An image folder whose every file is broken: no usable image at all.
folder = os.path.join(root, "no-usable-images")
shutil.rmtree(folder, ignore_errors=True)
broken = os.path.join(root, "..", "images", "broken")
for cls, name in [("cat", "truncated.png"), ("cat", "empty.png"), ("dog", "corrupt_idat.png"), ("dog", "random.jpg")]:
    os.makedirs(os.path.join(folder, cls), exist_ok=True)
    shutil.copy(os.path.join(broken, name), os.path.join(folder, cls, name))
print("wrote", folder)
print("wrote", os.path.join(root, "bad-idx"), "and", os.path.join(root, "bad-cifar"))
