#!/usr/bin/env bash
# One thread's GFLOP/s of the short-reduction kernels (R < 32) against im2col + OpenBLAS on first
# layers: builds scripts/bench/conv_kernels_short_harness.c against Sources/CKernels and libopenblas.
#   scripts/bench/conv_kernels_short.sh [batch] [repetitions]     (defaults 32 and 10)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
${CC:-clang} -O3 -std=gnu11 -I"$root/Sources/CKernels/include" -I"$root/Sources/CKernels" \
  "$root/scripts/bench/conv_kernels_short_harness.c" -o "$out/conv_kernels_short" -lopenblas -lm
OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-SkylakeX}" OPENBLAS_NUM_THREADS=1 "$out/conv_kernels_short" "$@"
