#!/usr/bin/env bash
# This CPU's single-precision AVX-512 FMA peak (GFLOP/s), one thread and all threads: the hardware
# ceiling for `cnntrain bench kernels` (sgemm) and the convolution kernels. Builds
# scripts/bench/fma_peak.c and runs it.
#   scripts/bench/fma_peak.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
compiler="${CC:-}"  # CC=gcc to compare compilers
if [ -z "$compiler" ]; then compiler=cc; command -v clang >/dev/null && compiler=clang; fi  # clang: the compiler of the project's C targets (SwiftPM builds them with it)
"$compiler" -O2 -std=gnu11 -pthread "$root/scripts/bench/fma_peak.c" -o "$out/fma_peak"
"$out/fma_peak"
