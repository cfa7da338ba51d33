#!/usr/bin/env bash
# Builds with AddressSanitizer and UndefinedBehaviorSanitizer in
# build-asan/ and runs the tests there: the compiler, the runtime and
# llama4-run, on every test input, must not touch memory they do not own or
# hit undefined behaviour (the first report aborts the test).
#
#   scripts/sanitize.sh            everything (a long build: the compiler's
#                                  MLIR code is heavy under ASan)
#   scripts/sanitize.sh --runtime  what needs no compiler: the runtime and
#                                  llama4-run (on FakeModel), the config
#                                  parser and the fuzz replays (CI runs this)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
export LLAMA4C_BUILD_DIR=build-asan
export LLAMA4C_CMAKE_ARGS="-DLLAMA4C_SANITIZE=address,undefined"
labels=()
if [ "${1:-}" = --runtime ]; then
  scripts/build.sh llama4c-runtime-tests llama4c-unittests llama4c-fuzz-replays
  labels=(-L runtime)
else
  scripts/build.sh
fi
# LLVM's own libraries keep some allocations until exit by design. LLVM's
# BumpPtrAllocator poisons its free slab space when its header code is
# built with ASan (ours) but not when it runs inside the uninstrumented
# libMLIR.so, so MLIR writing into a slab our code grew looks like a
# use-after-poison: manual poisoning is off, ASan's own checks stay on.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:allow_user_poisoning=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd build-asan
ctest --output-on-failure -j "$(nproc)" "${labels[@]}"
