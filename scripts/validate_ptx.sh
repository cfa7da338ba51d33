#!/usr/bin/env bash
# Compiles CONFIG's kernels for one GPU and assembles them with ptxas, as CI
# does for every golden fixture and for Scout and Maverick: no machine with
# a GPU is needed. Prints one line per kernel (registers, shared memory,
# spills, from ptxas -v) and a summary; fails on any ptxas error.
#
#   scripts/validate_ptx.sh LLAMA4C PTXAS CONFIG sm_80|sm_90 OUT_DIR [VARIANT FLAG...]
#
# A VARIANT (e.g. kv_fp8) names a build with more `llama4c compile` FLAGs.
set -euo pipefail
llama4c=$1 ptxas=$2 config=$3 arch=$4 out=$5 variant=${6:-}
shift $(($# < 6 ? $# : 6))
mkdir -p "$out"
name=$(basename "$(dirname "$config")")${variant:+-$variant}-$arch
"$llama4c" compile "$config" --target "$arch" --emit ptx "$@" -o "$out/$name.ptx"
"$ptxas" -arch="$arch" -v "$out/$name.ptx" -o "$out/$name.cubin" \
  2> "$out/$name.ptxas.log"
awk -v name="$name" '
  /Compiling entry function/ { kernel = $(NF - 2); gsub(/\047/, "", kernel) }
  /bytes stack frame/ { spills = $5 + $9 }
  /Used [0-9]+ registers/ {
    registers = $5
    smem = 0
    if (match($0, /[0-9]+ bytes smem/)) smem = substr($0, RSTART, RLENGTH) + 0
    printf "%s: %d registers, %d bytes shared, %d bytes spilled\n", kernel, registers, smem, spills
    kernels++; if (registers > most) most = registers
    if (spills > 0) spilling++
  }
  /error/ { errors++ }
  END {
    printf "%s: %d kernels, at most %d registers, %d spilling, %d ptxas errors\n", name, kernels, most, spilling, errors
    exit errors > 0 || kernels == 0
  }' "$out/$name.ptxas.log"
