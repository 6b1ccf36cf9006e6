#!/usr/bin/env bash
# Unpacks the CIFAR-10 binary version (cifar-10-binary.tar.gz, 162 MB, from the dataset's home
# page; not downloaded here: this machine reaches only package registries) into
# Datasets/generated/cifar10/ and checks it: 5 data_batch_*.bin + test_batch.bin of
# 10,000 records × 3,073 bytes each, and batches.meta.txt.
#   scripts/data/prepare_cifar10.sh PATH/cifar-10-binary.tar.gz
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
archive="${1:-}"
if [[ -z "$archive" || ! -f "$archive" ]]; then
  echo "usage: $0 PATH/cifar-10-binary.tar.gz   (the CIFAR-10 binary version; not found: '${archive}')" >&2
  exit 2
fi
out="$root/Datasets/generated/cifar10"
mkdir -p "$out"
tar -xzf "$archive" -C "$out"
dir="$out/cifar-10-batches-bin"
for f in data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin data_batch_5.bin test_batch.bin; do
  size=$(stat -c %s "$dir/$f" 2>/dev/null || echo 0)
  if [[ "$size" != 30730000 ]]; then
    echo "prepare: $dir/$f has $size bytes, expected 30730000 (10,000 records of 3,073 bytes)" >&2
    exit 1
  fi
done
echo "prepare: CIFAR-10 ready at $dir (use: cnntrain --data $dir)" >&2
