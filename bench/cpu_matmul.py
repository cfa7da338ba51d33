#!/usr/bin/env python3
"""Benchmark: GFLOP/s of the matmuls llama4c generates for the CPU against
PyTorch (torch.nn.functional.linear / torch.matmul) on the same number of
threads, and against the cores' FMA peak.

    python3 bench/cpu_matmul.py [--threads 1] [--rows 128] [--lanes 16] [--dtype f32|bf16] [--out bench/cpu_matmul.json]

Each case is one linalg.contract in the form the llama4 lowerings write,
configured by --llama4-select-lowering-config for the CPU (register tiles
of --lanes f32 lanes: 16 where the CPU has AVX-512, as `llama4c compile
--cpu native` chooses, else 8) and lowered by llama4-opt with the same CPU
passes as a model (the register tiling of --llama4-tile-contractions, its
outer loop split between threads by OpenMP, then loops and LLVM), compiled
with clang -O2 -march=native as llama4c compiles a model for its host.
Shapes are those of bench/cpu_decode.py's model for a 128-token prefill;
the LM head is its largest matmul. With --dtype bf16, x and W are bf16
(a bf16 model's products), multiplied in pairs (vdpbf16ps) where the CPU
has AVX512_BF16, as `llama4c compile` does for it; PyTorch multiplies the
same bf16 tensors. Needs build/bin/llama4-opt, mlir-translate-22,
clang-22, numpy and torch. Asserts only that both sides agree to 1e-4
(f32) or 1e-2 (bf16: PyTorch rounds its output to bf16).
"""
import argparse
import ctypes
import json
import os
import pathlib
import re
import subprocess
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
LLVM_BIN = pathlib.Path("/usr/lib/llvm-22/bin")
LLVM_LIB = pathlib.Path("/usr/lib/llvm-22/lib")

# (name, k, n, layout): layout "out_in" is nn.Linear's [N, K] weight,
# "in_out" an MoE expert's [K, N].
CASES = [
    ("attention q/o projection", 640, 640, "out_in"),
    ("mlp gate/up", 640, 2560, "out_in"),
    ("mlp down", 2560, 640, "out_in"),
    ("lm head (largest)", 640, 32000, "out_in"),
    ("expert gate_up", 640, 2560, "in_out"),
    ("expert down", 1280, 640, "in_out"),
]

# Step 6 of compiler/Pipeline.cpp, for a function on plain buffers.
LOWERING = [
    "llama4-tile-contractions", "convert-scf-to-openmp", "canonicalize",
    "llama4-inline-static-schedule",
    "convert-linalg-to-loops", "lower-affine",
    "convert-scf-to-cf", "expand-strided-metadata", "finalize-memref-to-llvm",
    "arith-emulate-unsupported-floats{source-types=bf16 target-type=f32}",
    "arith-expand{include-bf16=1}",
    "convert-vector-to-llvm{reassociate-fp-reductions=1 enable-x86vector=1}",
    "convert-math-to-llvm", "convert-arith-to-llvm", "convert-index-to-llvm",
    "convert-func-to-llvm{use-bare-ptr-memref-call-conv=1}", "convert-openmp-to-llvm",
    "convert-cf-to-llvm", "reconcile-unrealized-casts",
]


def cpu_flags():
    return set(re.search(r"flags\s*:\s*(.*)", pathlib.Path("/proc/cpuinfo").read_text())
               .group(1).split())


def passes(lanes, bf16_pairs):
    select = (f"llama4-select-lowering-config{{target=cpu cpu-vector-lanes={lanes} "
              f"cpu-bf16-pairs={int(bf16_pairs)}}}")
    return ",".join([select] + LOWERING)


def kernel_mlir(m, k, n, layout, dtype):
    # Loops (n, m, k) for nn.Linear's W [out, in], as buildLinearF32 writes
    # them; (m, n, k) for an expert's W [in, out].
    if layout == "out_in":
        weight, maps = f"memref<{n}x{k}x{dtype}>", ["(n, m, k) -> (m, k)", "(n, m, k) -> (n, k)",
                                                    "(n, m, k) -> (m, n)"]
    else:
        weight, maps = f"memref<{k}x{n}x{dtype}>", ["(m, n, k) -> (m, k)", "(m, n, k) -> (k, n)",
                                                    "(m, n, k) -> (m, n)"]
    maps = ", ".join(f"affine_map<{m_}>" for m_ in maps)
    return f"""
func.func @matmul(%x: memref<{m}x{k}x{dtype}>, %w: {weight}, %out: memref<{m}x{n}xf32>) {{
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%out : memref<{m}x{n}xf32>)
  linalg.contract indexing_maps = [{maps}]
      ins(%x, %w : memref<{m}x{k}x{dtype}>, {weight}) outs(%out : memref<{m}x{n}xf32>)
  return
}}
"""


def compile_kernel(directory, m, k, n, layout, lanes, dtype, bf16_pairs):
    base = pathlib.Path(directory) / f"{layout}_{m}x{k}x{n}"
    base.with_suffix(".mlir").write_text(kernel_mlir(m, k, n, layout, dtype))
    subprocess.run([str(ROOT / "build/bin/llama4-opt"), str(base.with_suffix(".mlir")),
                    f"--pass-pipeline=builtin.module({passes(lanes, bf16_pairs)})",
                    "-o", str(base.with_suffix(".llvm.mlir"))], check=True)
    subprocess.run([str(LLVM_BIN / "mlir-translate"), "--mlir-to-llvmir",
                    str(base.with_suffix(".llvm.mlir")), "-o", str(base.with_suffix(".ll"))],
                   check=True)
    so = base.with_suffix(".so")
    subprocess.run(["clang-22", "-O2", "-march=native", "-shared", "-fPIC",
                    "-Wno-override-module", str(base.with_suffix(".ll")), "-o", str(so),
                    f"-L{LLVM_LIB}", "-lomp", f"-Wl,-rpath,{LLVM_LIB}"], check=True)
    function = ctypes.CDLL(str(so)).matmul
    function.argtypes = [ctypes.c_void_p] * 3
    return function


def best_seconds(run, repeats):
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_gflop_s(threads, bf16_pairs):
    """`threads` cores' multiply-add peak at the nominal clock: 2 FMA pipes
    x vector lanes x 2 FLOPs (Zen 3 and recent Intel cores issue 2 FMAs per
    cycle), where AMD's 256-bit pipes take a 512-bit FMA together (Zen 4:
    one a cycle); twice that in bf16 pairs (vdpbf16ps, 2 multiply-adds a
    lane)."""
    info = pathlib.Path("/proc/cpuinfo").read_text()
    mhz = float(re.search(r"cpu MHz\s*:\s*([\d.]+)", info).group(1))
    flags = cpu_flags()
    lanes = 16 if "avx512f" in flags else 8 if "avx2" in flags else 4
    pipes = 1 if lanes == 16 and "AuthenticAMD" in info else 2
    return threads * pipes * lanes * 2 * (2 if bf16_pairs else 1) * mhz / 1e3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rows", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--lanes", type=int, choices=(8, 16),
                        help="f32 lanes of the register tiles (default: 16 "
                             "with AVX-512, else 8)")
    parser.add_argument("--dtype", choices=("f32", "bf16"), default="f32",
                        help="element type of x and W (the output is f32)")
    parser.add_argument("--out", default=str(ROOT / "bench/cpu_matmul.json"))
    args = parser.parse_args()
    bf16_pairs = args.dtype == "bf16" and "avx512_bf16" in cpu_flags()
    # Read by each kernel's OpenMP runtime when it loads.
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    import torch
    torch.set_num_threads(args.threads)
    peak = peak_gflop_s(args.threads, bf16_pairs)
    lanes = args.lanes or (16 if "avx512f" in cpu_flags() else 8)
    torch_dtype = torch.bfloat16 if args.dtype == "bf16" else torch.float32
    rng = np.random.default_rng(0)
    operands = []
    for name, k, n, layout in CASES:
        # Each as torch tensors in the benchmark's dtype and as the raw
        # buffers the kernel reads (bf16: the tensor's bits as int16).
        x = torch.from_numpy(rng.standard_normal((args.rows, k), dtype=np.float32))
        w = torch.from_numpy(rng.standard_normal((n, k) if layout == "out_in" else (k, n),
                                                 dtype=np.float32))
        operands.append((x.to(torch_dtype), w.to(torch_dtype)))

    # PyTorch first, before any kernel loads LLVM's OpenMP runtime: the two
    # runtimes' idle threads spin and would slow each other down.
    torch_seconds, references = [], []
    for (name, k, n, layout), (tx, tw) in zip(CASES, operands):
        torch_op = ((lambda: torch.nn.functional.linear(tx, tw)) if layout == "out_in"
                    else (lambda: torch.matmul(tx, tw)))
        torch_seconds.append(best_seconds(torch_op, args.repeats))
        references.append(torch_op().float().numpy())

    results = []
    with tempfile.TemporaryDirectory() as directory:
        for (name, k, n, layout), (tx, tw), torch_s, reference in zip(
                CASES, operands, torch_seconds, references):
            m = args.rows
            out = np.empty((m, n), dtype=np.float32)
            kernel = compile_kernel(directory, m, k, n, layout, lanes, args.dtype, bf16_pairs)
            x, w = tx.contiguous(), tw.contiguous()
            ours_s = best_seconds(lambda: kernel(x.data_ptr(), w.data_ptr(), out.ctypes.data),
                                  args.repeats)
            error = float(np.abs(out - reference).max() / np.abs(reference).max())
            assert error < (1e-2 if args.dtype == "bf16" else 1e-4), \
                f"{name}: relative error {error}"
            flops = 2 * m * k * n
            results.append({
                "name": name, "m": m, "k": k, "n": n, "weight_layout": layout,
                "llama4c_gflop_s": flops / ours_s / 1e9,
                "torch_gflop_s": flops / torch_s / 1e9,
                "ratio_to_torch": torch_s / ours_s,
                "fraction_of_peak": flops / ours_s / 1e9 / peak,
                "max_relative_error": error,
            })
    report = {"threads": args.threads, "lanes": lanes, "dtype": args.dtype,
              "bf16_pairs": bf16_pairs, "peak_gflop_s": peak, "cases": results}
    pathlib.Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    unit = "bf16 pairs" if bf16_pairs else "f32 FMA"
    print(f"{args.threads} thread(s), {lanes}-lane tiles, {args.dtype}: {unit} peak "
          f"{peak:.1f} GFLOP/s; {args.rows} rows")
    print(f"{'':26}{'M x K x N':>18}{'llama4c':>9}{'torch':>8}{'ratio':>7}{'of peak':>9}")
    for r in results:
        shape = f"{r['m']}x{r['k']}x{r['n']}"
        print(f"{r['name']:26}{shape:>18}{r['llama4c_gflop_s']:9.1f}{r['torch_gflop_s']:8.1f}"
              f"{r['ratio_to_torch']:7.2f}{r['fraction_of_peak']:9.0%}")


if __name__ == "__main__":
    main()
