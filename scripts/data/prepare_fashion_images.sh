#!/usr/bin/env bash
# Writes Fashion-MNIST (Debian dataset-fashion-mnist, IDX) as image-folder trees, for the decode
# benchmark and for trying the ImageFolder path on a known dataset:
#   Datasets/generated/fashion-png/{train,test}/<class>/NNNNN.png   (70,000 8-bit gray PNGs)
#   Datasets/generated/fashion-jpeg/{train,test}/<class>/NNNNN.jpg  (70,000 gray JPEGs, quality 90)
# Class directories are the class names with "/" replaced by "_" (T-shirt_top), so ImageFolder's
# sorted order differs from the IDX label order. Uses the project's own encoders (libpng,
# libjpeg) through `cnntrain data export`. Safe to run again: an existing tree is kept
# (pass --force to rewrite).
#   scripts/data/prepare_fashion_images.sh [--force] [png|jpeg ...]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
force=0
formats=()
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    png|jpeg) formats+=("$arg") ;;
    *) echo "usage: $0 [--force] [png|jpeg ...]" >&2; exit 2 ;;
  esac
done
((${#formats[@]})) || formats=(png jpeg)
scripts/setup.sh
for format in "${formats[@]}"; do
  out="Datasets/generated/fashion-$format"
  if [[ -d "$out/train" && $force -eq 0 ]]; then
    echo "prepare: $out exists (use --force to rewrite)" >&2
    continue
  fi
  rm -rf "$out"
  echo "prepare: writing $out" >&2
  .build/release/cnntrain data export --format "$format" --quality 90 --out "$out"
done
