#!/usr/bin/env bash
# The README's first command: install what is missing, build, describe the
# bundled Scout config, then compile the bundled demo Llama 4 and let it
# write, and its multimodal twin read two images.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh llama4c llama4-opt llama4-run

# Scout: config.json -> the verified llama4 module, and what it computes.
build/bin/llama4c compile examples/configs/scout/config.json --emit mlir -o build/scout.mlir
build/bin/llama4-opt build/scout.mlir --llama4-verify-model --llama4-describe-model -o /dev/null

# A small Llama 4 trained on the King James Bible (MoE, NoPE layers, chunked
# attention), compiled for the CPU and run on its checkpoint directory: the
# text streams out, sampled as its generation_config.json says.
time build/bin/llama4c compile examples/tiny-llama4/config.json -o build/tiny-llama4.so
build/bin/llama4-run build/tiny-llama4.so --weights examples/tiny-llama4 \
  --prompt "Once upon a time" --max-new-tokens 64

# The same text model with a (randomly initialised) Llama 4 vision tower in
# one model.so: a PNG and a JPEG of different aspect ratios become tiles,
# <|patch|> tokens and image features in the prompt.
time build/bin/llama4c compile examples/tiny-llama4-vision/config.json -o build/tiny-llama4-vision.so
build/bin/llama4-run build/tiny-llama4-vision.so --weights examples/tiny-llama4-vision \
  --image examples/tiny-llama4-vision/images/sunset.png \
  --image examples/tiny-llama4-vision/images/tree.jpg \
  --prompt "<|image|><|image|>And God saw the light, that it was good" --max-new-tokens 48
