#!/usr/bin/env bash
# Writes the synthetic 32×32 RGB "shapes" dataset (8 classes: checker, circle, cross, hstripes,
# ring, square, triangle, vstripes; random colours, positions and sizes; seeded) as an image folder:
#   Datasets/generated/shapes/{train,test}/<class>/NNNNN.png
# train: COUNT images per class; test: COUNT/5 per class. The same seed gives the same files.
#   scripts/data/prepare_shapes.sh [COUNT=1000] [SEED=1] [png|jpeg]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
count="${1:-1000}"
seed="${2:-1}"
format="${3:-png}"
scripts/setup.sh
out="Datasets/generated/shapes"
rm -rf "$out"
.build/release/cnntrain data shapes --out "$out" --count-per-class "$count" --seed "$seed" --format "$format"
echo "prepare: wrote $out ($count train + $((count / 5 > 0 ? count / 5 : 1)) test images per class)" >&2
