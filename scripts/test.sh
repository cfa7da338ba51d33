#!/usr/bin/env bash
# The README's second command: install what is missing, build everything,
# and run every test (lit + FileCheck and GoogleTest, through CTest).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh
cd build
ctest --output-on-failure -j "$(nproc)"
