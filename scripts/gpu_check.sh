#!/usr/bin/env bash
# The checks that need an NVIDIA GPU (sm_90: H100/H200), in two halves,
# because the GPU machine has CUDA, PyTorch and transformers but not LLVM:
#
#   scripts/gpu_check.sh --prepare   here: builds build-gpu/ (every golden
#                                    model compiled for sm_90, llama4-run,
#                                    the golden tests) and the Scout-slice
#                                    model of bench/gpu_decode.py, and
#                                    prints the paths to carry
#   scripts/gpu_check.sh             on the GPU machine: the golden tests
#                                    against the Hugging Face references
#                                    (f32 <= 1e-4 relative; bf16 demo ids),
#                                    then bench/gpu_decode.py; a short table
#                                    last, JSON and logs under $OUT
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-gpu

if [ "${1:-}" = --prepare ]; then
  LLAMA4C_BUILD_DIR=$build LLAMA4C_CMAKE_ARGS="-DLLAMA4C_GOLDEN_TARGET=sm_90" \
    scripts/build.sh llama4c llama4-run llama4c-golden-tests llama4c-golden-models
  # The tests know their inputs by absolute path; the GPU machine may
  # check the tree out elsewhere.
  pwd > $build/source-root
  rm -rf $build/bench
  LLAMA4C_BUILD_DIR=$build python3 bench/gpu_decode.py --prepare $build/bench
  echo "carry: $build/bin/llama4-run $build/test/golden $build/bench $build/source-root"
  du -csh $build/bin/llama4-run $build/test/golden $build/bench | tail -1
  exit 0
fi

out=${OUT:-gpu-check}
mkdir -p "$out"
root=$(cat $build/source-root)
if [ "$root" != "$PWD" ] && [ ! -e "$root" ]; then
  mkdir -p "$(dirname "$root")"
  ln -s "$PWD" "$root"
fi
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader \
  | tee "$out/gpu.txt"

status=0
$build/test/golden/llama4c-golden-tests --gtest_output="json:$out/golden.json" \
  > "$out/golden.log" 2>&1 || status=1
python3 bench/gpu_decode.py --run $build/bench --runner $build/bin/llama4-run \
  --out "$out/gpu_decode.json" > "$out/gpu_decode.log" 2>&1 || status=1

echo "== golden tests on the GPU (sm_90 models against the HF references)"
grep -E '^\[  (PASSED|FAILED|SKIPPED) ' "$out/golden.log" | tail -12 || true
echo "== bench/gpu_decode.py"
tail -8 "$out/gpu_decode.log"
exit $status
