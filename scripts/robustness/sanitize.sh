#!/usr/bin/env bash
# Runs the test suite under Swift's address or thread sanitizer (or both, one after the other):
#
#   scripts/robustness/sanitize.sh [address|thread|all] [extra swift test arguments, e.g. --filter CNNDataTests]
#
# Each sanitizer builds in its own git-ignored directory (.build-asan, .build-tsan) in release mode
# (optimised code keeps the end-to-end trainings affordable; the sanitizers work the same on it),
# under `nice -n 10`; the first build takes a few minutes. The CLI tests run the cnntrain built in
# the same directory, so the tool is instrumented too. Tests named in $SANITIZE_SKIP (a regular
# expression for `swift test --skip`, default: none) are left out, e.g.
#   SANITIZE_SKIP='PyTorchInteropTests|CompareCommandTests' scripts/robustness/sanitize.sh thread
# CNNTRAIN_SANITIZER=<address|thread> is set for the tests.
# The test log is .build-<asan|tsan>/sanitize.log, the reports .build-<asan|tsan>/reports/; the suppressions for reports outside our code are
# scripts/robustness/sanitizers/*.supp (each one explained there).
set -uo pipefail
cd "$(dirname "$0")/../.."
which=${1:-all}
shift || true
extra=("$@")  # passed on to swift test
case $which in address|thread|all) ;; *) echo "usage: scripts/robustness/sanitize.sh [address|thread|all] [swift test arguments…]" >&2; exit 2 ;; esac

status=0
run() {  # run <sanitizer> <build path>
    local sanitizer=$1 build=$2 log=$2/sanitize.log
    mkdir -p "$build"
    echo "== $sanitizer sanitizer: building in $build …"
    local start=$(date +%s)
    if ! nice -n 10 swift build -c release --build-tests --sanitize="$sanitizer" --build-path "$build" >"$build/build.log" 2>&1; then
        tail -20 "$build/build.log"; echo "== $sanitizer: build failed (see $build/build.log)"; status=1; return
    fi
    echo "== $sanitizer: built in $(( $(date +%s) - start )) s; testing …"
    start=$(date +%s)
    # Every process (the test bundle and each cnntrain it starts) writes its reports to
    # $build/reports/<pid files>, so a report inside a CLI child is not lost in a captured pipe.
    # halt_on_error=1: the first report ends that process (a failing test).
    local reports_dir=$PWD/$build/reports
    rm -rf "$reports_dir"; mkdir -p "$reports_dir"
    CNNTRAIN_SANITIZER=$sanitizer \
    ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:log_path=$reports_dir/asan:suppressions=$PWD/scripts/robustness/sanitizers/asan.supp" \
    TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:log_path=$reports_dir/tsan:suppressions=$PWD/scripts/robustness/sanitizers/tsan.supp" \
        nice -n 10 swift test -c release --skip-build --sanitize="$sanitizer" --build-path "$build" ${SANITIZE_SKIP:+--skip "$SANITIZE_SKIP"} "${extra[@]}" >"$log" 2>&1
    local code=$?
    local reports=$(cat "$reports_dir"/* 2>/dev/null | grep -c "^SUMMARY: \(Address\|Thread\)Sanitizer")
    echo "== $sanitizer: tests exited $code after $(( $(date +%s) - start )) s; $reports sanitizer report(s) in $reports_dir;$(grep -E "Executed [0-9]+ tests" "$log" | tail -1)"
    cat "$reports_dir"/* 2>/dev/null | grep -E "^SUMMARY: " | sort | uniq -c
    [ "$code" -eq 0 ] && [ "$reports" -eq 0 ] || status=1
}

[ "$which" = address ] || [ "$which" = all ] && run address .build-asan
[ "$which" = thread ] || [ "$which" = all ] && run thread .build-tsan
exit $status
