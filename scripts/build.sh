#!/usr/bin/env bash
# Configures (once) and builds llama4c with clang-22, ninja and ccache, in
# build/ or in $LLAMA4C_BUILD_DIR with $LLAMA4C_CMAKE_ARGS added (the
# instrumented builds of scripts/sanitize.sh and scripts/fuzz.sh). Extra
# arguments go to ninja (e.g. a target name).
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${LLAMA4C_BUILD_DIR:-build}
if [ ! -f "$dir/build.ninja" ]; then
  # shellcheck disable=SC2086 # the extra arguments are words
  cmake -S . -B "$dir" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    ${LLAMA4C_CMAKE_ARGS:-}
fi
ninja -C "$dir" "$@"
