#!/usr/bin/env bash
# The README's first command: install what is missing, build, and compile
# the bundled Scout config.json into a verified llama4 module, then print
# what each of its layers computes.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh llama4c llama4-opt

config=examples/configs/scout/config.json
time build/bin/llama4c compile "$config" --emit mlir -o build/scout.mlir
echo "llama4c: wrote build/scout.mlir ($(wc -c < build/scout.mlir) bytes)"
build/bin/llama4-opt build/scout.mlir --llama4-verify-model --llama4-describe-model -o /dev/null
