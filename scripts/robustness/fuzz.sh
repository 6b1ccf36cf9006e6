#!/usr/bin/env bash
# Fuzzes cnntrain's parsers with libFuzzer: builds scripts/robustness/fuzz (a package that depends on this one
# by path) with -sanitize=fuzzer,address, the C shims with -fsanitize=fuzzer-no-link,address, and
# runs each target for the given time on a corpus seeded from Tests/Fixtures.
#
#   scripts/robustness/fuzz.sh [seconds-per-target] [target…]     targets: png jpeg idx cifar model checkpoint
#
# Everything goes under .fuzz/ (git-ignored): build/, corpus/<target>/ (kept between runs, so a
# later run continues where this one stopped), crashes/<target>/ (crash-*, timeout-*, oom-*
# inputs), logs/<target>.log. Prints per target how long it ran, how many inputs it executed and
# what it found; exits 1 when any target found something. Runs under `nice -n 10`.
# To reproduce a finding: .fuzz/build/release/fuzz-<target> .fuzz/crashes/<target>/crash-…
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

seconds=${1:-60}
shift || true
all=(png jpeg idx cifar model checkpoint)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")
for target in "${targets[@]}"; do
    [[ " ${all[*]} " == *" $target "* ]] || { echo "unknown target '$target'; use: ${all[*]}" >&2; exit 2; }
done
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "seconds-per-target must be a whole number, got '$seconds'" >&2; exit 2; }

build=$root/.fuzz/build
echo "building fuzz targets (release, fuzzer + address sanitizer) in $build …"
nice -n 10 swift build -c release --package-path scripts/robustness/fuzz --build-path "$build" \
    -Xswiftc -sanitize=fuzzer,address \
    -Xcc -fsanitize=fuzzer-no-link,address 2>&1 | grep -E "error|warning: unre|Compiling fuzz|Build complete" || true
binaries=$(nice -n 10 swift build -c release --package-path scripts/robustness/fuzz --build-path "$build" --show-bin-path \
    -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address)

# Seeds: the test fixtures of each format (good and bad files alike).
seeds() {
    case $1 in
    png) ls Tests/Fixtures/images/*.png Tests/Fixtures/images/broken/*.png Tests/Fixtures/fuzz/png/* ;;
    jpeg) ls Tests/Fixtures/images/*.jpg Tests/Fixtures/images/broken/*.jpg Tests/Fixtures/fuzz/jpeg/* ;;
    idx) ls Tests/Fixtures/data/idx/* Tests/Fixtures/data/bad-idx/*/* Tests/Fixtures/fuzz/idx/* ;;
    cifar) ls Tests/Fixtures/data/cifar/*.bin Tests/Fixtures/data/bad-cifar/*/*.bin Tests/Fixtures/fuzz/cifar/* ;;
    model) ls Models/*.cfg Tests/Fixtures/models/*.cfg Tests/Fixtures/fuzz/model/* ;;
    checkpoint) ls Tests/Fixtures/safetensors/*.safetensors Tests/Fixtures/fuzz/checkpoint/* ;;
    esac 2>/dev/null || true
}
max_len() {
    case $1 in png|jpeg) echo 16384 ;; cifar) echo 9300 ;; checkpoint) echo 16384 ;; *) echo 4096 ;; esac
}

failed=0
report=()
for target in "${targets[@]}"; do
    corpus=$root/.fuzz/corpus/$target crashes=$root/.fuzz/crashes/$target log=$root/.fuzz/logs/$target.log
    mkdir -p "$corpus" "$crashes" "$(dirname "$log")"
    for seed in $(seeds "$target"); do cp -n "$seed" "$corpus/seed-$(basename "$seed")" 2>/dev/null || true; done
    before=$(ls "$crashes" | wc -l)
    echo "fuzzing $target for $seconds s (corpus $(ls "$corpus" | wc -l) files) …"
    start=$(date +%s)
    # -fork=0: one process; -timeout: an input running 10 s is a hang; -rss_limit_mb: 2 GB is an OOM.
    set +e
    ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 nice -n 10 "$binaries/fuzz-$target" "$corpus" \
        -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
        -max_len="$(max_len "$target")" -artifact_prefix="$crashes/" >"$log" 2>&1
    status=$?
    set -e
    elapsed=$(( $(date +%s) - start ))
    runs=$(grep -o 'stat::number_of_executed_\(runs\|units\): *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    after=$(ls "$crashes" | wc -l)
    found="nothing"
    if [ "$status" -ne 0 ] || [ "$after" -gt "$before" ]; then
        found="FOUND $(( after - before )) input(s) in $crashes (exit $status; see $log)"
        failed=1
    fi
    report+=("$(printf '%-11s %6s s %12s runs   corpus %5s   %s' "$target" "$elapsed" "${runs:-?}" "$(ls "$corpus" | wc -l)" "$found")")
done

echo
echo "target        time     executions"
printf '%s\n' "${report[@]}"
exit $failed
