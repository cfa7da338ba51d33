#!/usr/bin/env bash
# Builds everything with AddressSanitizer and UndefinedBehaviorSanitizer in
# build-asan/ and runs the whole test suite there: the compiler, the runtime
# and llama4-run, on every test input, must not touch memory they do not
# own or hit undefined behaviour (the first report aborts the test).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
export LLAMA4C_BUILD_DIR=build-asan
export LLAMA4C_CMAKE_ARGS="-DLLAMA4C_SANITIZE=address,undefined"
scripts/build.sh
# LLVM's own libraries keep some allocations until exit by design.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd build-asan
ctest --output-on-failure -j "$(nproc)"
