#!/usr/bin/env bash
# Builds the fuzz targets of test/fuzz with libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer in build-fuzz/, then runs each for SECONDS
# (default 30) on its seeds. A crash fails the script; the input that caused
# it is left in build-fuzz/fuzz/crashes/NAME/ and belongs, once fixed, in
# test/fuzz/regressions/NAME/ (CTest replays it from then on).
#
#   scripts/fuzz.sh [SECONDS] [NAME...]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
shift || true
scripts/install-deps.sh
export LLAMA4C_BUILD_DIR=build-fuzz
export LLAMA4C_CMAKE_ARGS="-DLLAMA4C_FUZZ=ON -DLLAMA4C_SANITIZE=address,undefined"
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  names=(config manifest safetensors checkpoint_index tokenizer_json
         tokenizer_encode chat_template image jinja_expression schedule
         prompt_ids)
fi
scripts/build.sh "${names[@]/%/-fuzzer}"

export ASAN_OPTIONS=detect_leaks=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for name in "${names[@]}"; do
  work=build-fuzz/fuzz/work/$name crashes=build-fuzz/fuzz/crashes/$name
  mkdir -p "$work" "$crashes"
  mapfile -t seeds < "build-fuzz/fuzz/$name.seeds"
  log=build-fuzz/fuzz/$name.log
  if build-fuzz/fuzz/"$name"-fuzzer -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$crashes/" \
      -print_final_stats=1 "$work" "${seeds[@]}" > "$log" 2>&1; then
    result=ok
  else
    result=CRASH
    status=1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  printf '%-18s %-6s %10s executions in %ss\n' "$name" "$result" "$runs" "$seconds"
  if [ "$result" = CRASH ]; then
    grep -m 3 -E 'ERROR|runtime error|SUMMARY' "$log" || tail -5 "$log"
  fi
done
exit $status
