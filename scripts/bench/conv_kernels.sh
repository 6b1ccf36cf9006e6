#!/usr/bin/env bash
# One thread's GFLOP/s of our convolution kernels per product (forward, ∂W, ∂x) on smallcnn's
# 3×3 convolutions: builds scripts/bench/conv_kernels_harness.c against Sources/CKernels and runs it.
#   scripts/bench/conv_kernels.sh [batch] [repetitions]     (defaults 16 and 6)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# clang, as SwiftPM builds the engine's C targets: gcc 12 builds the same kernels measurably slower
# (∂W 95.7–98.1 against 99.5–104.0 GFLOP/s at batch 64, session 8: `CC=gcc` against the default), and
# figures before session 8 were gcc's.
compiler="${CC:-}"  # CC=gcc to compare compilers
if [ -z "$compiler" ]; then compiler=cc; command -v clang >/dev/null && compiler=clang; fi
"$compiler" -O3 -std=gnu11 -I"$root/Sources/CKernels/include" -I"$root/Sources/CKernels" \
  "$root/scripts/bench/conv_kernels_harness.c" -o "$out/conv_kernels"
"$out/conv_kernels" "$@"
