#!/usr/bin/env bash
# Installs what the tests need and runs the whole suite: the README's test command.
# Tests run on the release build (the numerical tests are heavy in a debug build).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-torch   # PyTorch: the checkpoint-interoperability test
swift build -c release --build-tests
swift test -c release --skip-build "$@"
