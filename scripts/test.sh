#!/usr/bin/env bash
# Installs what the tests need and runs the whole suite: the README's test command.
# Tests run on the release build (the numerical tests are heavy in a debug build).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-torch   # PyTorch: the checkpoint-interoperability test
# Formatting: the committed .swift-format, checked (apply it with: swift format format -r -i -p Sources Tests Package.swift scripts/robustness/fuzz).
if ! swift format lint --strict -r -p Sources Tests Package.swift scripts/robustness/fuzz; then
  echo "test: the Swift files above are not formatted; run: swift format format -r -i -p Sources Tests Package.swift scripts/robustness/fuzz" >&2
  exit 1
fi
# The README's course-notes blocks must match the committed studies (studies/*/results.json).
/usr/bin/python3 scripts/reports/claims.py --check
swift build -c release --build-tests
swift test -c release --skip-build "$@"
