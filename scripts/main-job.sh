#!/usr/bin/env bash
# The README's first command: install what is missing, build, describe the
# bundled Scout config, then compile the bundled tiny Llama 4 and generate.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh llama4c llama4-opt llama4-run

# Scout: config.json -> the verified llama4 module, and what it computes.
build/bin/llama4c compile examples/configs/scout/config.json --emit mlir -o build/scout.mlir
build/bin/llama4-opt build/scout.mlir --llama4-verify-model --llama4-describe-model -o /dev/null

# A tiny text Llama 4 (MoE, NoPE layers, chunked attention; random weights):
# compiled for the CPU and run to generated token ids.
time build/bin/llama4c compile examples/tiny/config.json -o build/tiny.so
build/bin/llama4-run build/tiny.so --weights examples/tiny --prompt-ids 1,2,3 --max-new-tokens 16
