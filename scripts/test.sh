#!/usr/bin/env bash
# The README's second command: install what is missing, build everything,
# run every test (lit + FileCheck and GoogleTest, through CTest), then the
# runtime's tests again under ASan and UBSan, then each fuzzer for 30 s.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh
(cd build && ctest --output-on-failure -j "$(nproc)")
scripts/sanitize.sh --runtime
scripts/fuzz.sh 30
