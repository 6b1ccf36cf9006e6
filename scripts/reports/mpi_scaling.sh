#!/usr/bin/env bash
# Data-parallel scaling on one host: smallcnn, --norm NORM (default group), global batch 64, one epoch
# of N training images (default 3200: 50 steps), --profile. Compares 1 process × T threads with
# T processes × 1 thread (shared memory, then loopback TCP), interleaved over REPEATS rounds, and
# prints images/s and the step's share spent in the gradient all-reduce (profile.json, rank 0).
#   scripts/reports/mpi_scaling.sh [NORM] [IMAGES] [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/../.."
norm=${1:-group} images=${2:-3200} repeats=${3:-2}
bin=.build/release/cnntrain
threads=$(nproc)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
recipe=(--norm "$norm" --epochs 1 --batch-size 64 --train-limit "$images" --test-limit 64 --profile --quiet)
tcp=(--mca btl self,tcp --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo)
report() {  # label, run directory
  python3 - "$1" "$2" <<'PY'
import json, sys
label, run = sys.argv[1], sys.argv[2]
summary = json.load(open(run + "/summary.json")); profile = json.load(open(run + "/profile.json"))
communication = next((k for k in profile["kinds"] if k["kind"] == "communication"), None)
share = f"{communication['share'] * 100:.1f}% ({communication['milliseconds']:.2f} ms)" if communication else "—"
print(f"{label:<34} {summary['meanImagesPerSecond']:7.0f} img/s   step {profile['stepMilliseconds']:6.1f} ms   all-reduce {share}")
PY
}
echo "$(lscpu | sed -n 's/^Model name: *//p'), $threads cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$repeats"); do
  $bin "${recipe[@]}" --threads "$threads" --out "$work/one-$round" >/dev/null
  report "1 process × $threads threads" "$work/one-$round"
  timeout 600 mpirun -np "$threads" --bind-to none --mca btl self,vader $bin "${recipe[@]}" --threads "$threads" --out "$work/shm-$round" >/dev/null
  report "$threads processes × 1 thread (shm)" "$work/shm-$round"
  timeout 600 mpirun -np "$threads" --bind-to none "${tcp[@]}" $bin "${recipe[@]}" --threads "$threads" --out "$work/tcp-$round" >/dev/null
  report "$threads processes × 1 thread (TCP lo)" "$work/tcp-$round"
done
