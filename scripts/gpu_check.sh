#!/usr/bin/env bash
# The checks that need an NVIDIA GPU (sm_90: H100/H200), in two halves,
# because the GPU machine has CUDA, PyTorch and transformers but no LLVM,
# no network and maybe another Linux than Debian 12:
#
#   scripts/gpu_check.sh --prepare    here: builds build-gpu/ (every golden
#                                     model compiled for sm_90, llama4-run,
#                                     the golden tests), the Scout-slice
#                                     model of bench/gpu_decode.py and its
#                                     --emit report, and packs them with the
#                                     shared libraries they need from
#                                     Debian into build-gpu/bundle.tar.xz,
#                                     the one path to carry
#   scripts/gpu_check.sh              on the GPU machine: unpacks the
#                                     bundle, runs the golden tests against
#                                     the Hugging Face references (f32 <=
#                                     1e-4 relative; bf16 demo ids), then
#                                     bench/gpu_decode.py next to the
#                                     report's prediction, then
#                                     bench/gpu_kernels.py (each decode
#                                     kernel timed by ncu next to its
#                                     prediction), then the decode with half
#                                     the routed experts in host memory,
#                                     and with 1, 4 and 8 token rows a GEMV
#                                     warp and unchained; a short table last, JSON
#                                     and logs under $OUT
#   scripts/gpu_check.sh --rehearse   here: the second half in a fresh copy
#                                     of the tree plus the bundle, with
#                                     only the bundle's libraries beside
#                                     the C and C++ runtimes, and no GPU:
#                                     every binary must start and report the
#                                     missing driver, within the device
#                                     tool's 64 MiB
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-gpu
bundle=$build/bundle.tar.xz
# What the device tool carries: the tracked tree plus the bundle.
limit=$((64 << 20))
# Libraries every Linux the bundle may run on has (glibc, GCC's runtime);
# everything else a bundled binary needs travels in lib/.
system_libs='^(linux-vdso|ld-linux|libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s)\.'
# The bundle's binaries, under $build.
binaries="bin/llama4-run test/golden/llama4c-golden-tests"

# "NAME PATH" of each library the binaries under $1 load, as ldd resolves
# them (with the environment's LD_LIBRARY_PATH).
loaded_libraries() {
  for binary in $binaries; do
    ldd "$1/$binary" | awk '$3 ~ /^\// { print $1, $3 }'
  done | sort -u
}

if [ "${1:-}" = --prepare ]; then
  LLAMA4C_BUILD_DIR=$build LLAMA4C_CMAKE_ARGS="-DLLAMA4C_GOLDEN_TARGET=sm_90" \
    scripts/build.sh llama4c llama4-run llama4c-golden-tests llama4c-golden-models
  rm -rf $build/bench $build/stage
  LLAMA4C_BUILD_DIR=$build python3 bench/gpu_decode.py --prepare $build/bench
  stage=$build/stage
  mkdir -p $stage/bin $stage/lib $stage/test/golden
  cp $build/bin/llama4-run $stage/bin/
  cp $build/test/golden/llama4c-golden-tests $build/test/golden/*.so \
    $stage/test/golden/
  cp -r $build/bench $stage/bench
  # The tests know their inputs by absolute path; the GPU machine may check
  # the tree out elsewhere.
  pwd > $stage/source-root
  loaded_libraries $stage | while read -r name path; do
    if ! grep -Eq "$system_libs" <<< "$name"; then cp -L "$path" $stage/lib/; fi
  done
  tar -C $stage -cJf $bundle .
  rm -rf $stage
  tree=$(git ls-files -z --cached --others --exclude-standard |
         xargs -0 du -cb | tail -1 | cut -f1)
  size=$(stat -c %s $bundle)
  echo "carry: $bundle ($((size >> 20)) MiB; with the tracked tree" \
       "$(((size + tree) >> 20)) of 64 MiB)"
  if [ $((size + tree)) -gt $limit ]; then
    echo "gpu_check: the tree and the bundle exceed the device tool's 64 MiB" >&2
    exit 1
  fi
  exit 0
fi

if [ "${1:-}" = --rehearse ]; then
  [ -f $bundle ] || { echo "gpu_check: run --prepare first" >&2; exit 1; }
  fresh=$(mktemp -d /tmp/llama4c-rehearsal.XXXXXX)
  trap 'rm -rf "$fresh"' EXIT
  # What the device tool sends: tracked and untracked-not-ignored files.
  git ls-files -z --cached --others --exclude-standard |
    tar --null -T - -cf - | tar -C "$fresh" -xf -
  mkdir -p "$fresh/$build"
  cp $bundle "$fresh/$bundle"
  size=$(du -sb --exclude=.git "$fresh" | cut -f1)
  echo "rehearsal: $fresh, $((size >> 20)) MiB to carry"
  [ "$size" -le $limit ] || { echo "rehearsal: over 64 MiB" >&2; exit 1; }
  cd "$fresh"
  env -i PATH=/usr/bin:/bin HOME="$fresh" OUT="$fresh/out" \
    bash scripts/gpu_check.sh > rehearsal.log 2>&1 || true
  cat rehearsal.log
  status=0
  # Each library a bundled binary loads is the system's C/C++ runtime or
  # the bundle's own: the Debian ones are not needed.
  LD_LIBRARY_PATH=$PWD/$build/lib loaded_libraries $build |
    while read -r name path; do
      if ! grep -Eq "$system_libs" <<< "$name" &&
         [ "${path#"$PWD/$build/lib/"}" = "$path" ]; then
        echo "rehearsal: the bundle loads $path from outside it" >&2
        exit 1
      fi
    done || status=1
  if ! grep -q "the CUDA driver cannot be loaded" out/golden.log; then
    echo "rehearsal: the golden tests did not reach the models" >&2
    status=1
  fi
  if [ $status -eq 0 ]; then
    echo "rehearsal: the bundle runs from a fresh tree (no GPU here: every" \
         "model reports the missing driver)"
  fi
  exit $status
fi

out=${OUT:-gpu-check}
mkdir -p "$out"
tar -C $build -xJf $bundle
export LD_LIBRARY_PATH=$PWD/$build/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
root=$(cat $build/source-root)
if [ "$root" != "$PWD" ] && [ ! -e "$root" ]; then
  mkdir -p "$(dirname "$root")"
  ln -s "$PWD" "$root"
fi
for binary in $binaries; do
  if ldd "$build/$binary" | grep -q "not found"; then
    echo "gpu_check: $binary misses libraries:" >&2
    ldd "$build/$binary" | grep "not found" >&2
  fi
done
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader \
  2>&1 | tee "$out/gpu.txt" || true

status=0
# One process per test: a kernel fault is sticky for its CUDA context, and
# would otherwise fail every later test. The first failing test runs again
# under compute-sanitizer, which names the kernel and the access.
golden=$build/test/golden/llama4c-golden-tests
: > "$out/golden.log"
failed=()
deadline=$((SECONDS + 150))
for test in $($golden --gtest_list_tests |
              awk '/^[^ ]/ { suite = $1 } /^  / { print suite $1 }'); do
  if [ $SECONDS -ge $deadline ]; then
    echo "gpu_check: out of time before $test" >> "$out/golden.log"
    failed+=("$test"); continue
  fi
  timeout 60 $golden --gtest_filter="$test" >> "$out/golden.log" 2>&1 ||
    failed+=("$test")
done
[ ${#failed[@]} -eq 0 ] || status=1
sanitizer=$(command -v compute-sanitizer ||
            echo /usr/local/cuda/bin/compute-sanitizer)
if [ ${#failed[@]} -gt 0 ] && [ -x "$sanitizer" ]; then
  timeout 45 "$sanitizer" --tool memcheck --print-limit 8 \
    $golden --gtest_filter="${failed[0]}" > "$out/memcheck.log" 2>&1 || true
fi
timeout 240 python3 bench/gpu_decode.py --run $build/bench \
  --runner $build/bin/llama4-run --out "$out/gpu_decode.json" \
  > "$out/gpu_decode.log" 2>&1 || status=1
# The same at a 2048-token context, where attention reads 16 times the keys.
timeout 150 python3 bench/gpu_decode.py --run $build/bench --prompt 2048 --new 16 \
  --runner $build/bin/llama4-run --out "$out/gpu_decode_2k.json" \
  >> "$out/gpu_decode.log" 2>&1 || status=1
timeout 100 python3 bench/gpu_kernels.py $build/bench \
  --runner $build/bin/llama4-run --out "$out/gpu_kernels.json" \
  > "$out/gpu_kernels.log" 2>&1 || status=1
# The same slice with half its routed experts in pinned host memory
# (--device-memory): the same greedy ids, and the link's rate.
timeout 90 python3 bench/gpu_decode.py --offload $build/bench --prompt 32 --new 16 \
  --runner $build/bin/llama4-run --out "$out/gpu_offload.json" \
  > "$out/gpu_offload.log" 2>&1 || status=1
# Last, as the first to go when time runs short: the decode of the same
# slice with nn.Linear's warps taking 1, 4 and 8 token rows, and with its
# kernels launched one by one, not chained, batch 1 and 8.
timeout 110 python3 bench/gpu_decode.py --variants $build/bench --prompt 32 --new 16 \
  --runner $build/bin/llama4-run --out "$out/gpu_variants.json" \
  > "$out/gpu_variants.log" 2>&1 || status=1

echo "== golden tests on the GPU (sm_90 models against the HF references)"
echo "$(grep -c '^\[       OK \]' "$out/golden.log") passed," \
  "$(grep -cE '^\[  SKIPPED \] .* \([0-9]+ ms\)$' "$out/golden.log") skipped, ${#failed[@]} failed" \
  "${failed[*]:0:8}"
[ ! -s "$out/memcheck.log" ] || grep -m 12 -E '^=========  *(Invalid|at |by |Access|and is)' "$out/memcheck.log" || true
echo "== bench/gpu_decode.py (measured) next to --emit report (predicted)"
tail -20 "$out/gpu_decode.log"
echo "== bench/gpu_kernels.py: decode kernels timed by ncu next to the report"
tail -11 "$out/gpu_kernels.log"
echo "== bench/gpu_decode.py --offload: experts read in host memory (measured)"
tail -2 "$out/gpu_offload.log"
echo "== bench/gpu_decode.py --variants: decode tok/s by build (measured)"
tail -5 "$out/gpu_variants.log"
exit $status
