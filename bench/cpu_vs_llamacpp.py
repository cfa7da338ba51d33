#!/usr/bin/env python3
"""Benchmark: llama4c against llama.cpp on the CPU, side by side: the same
weights (a Hugging Face checkpoint, converted to GGUF for llama.cpp), the
same prompt ids, threads and precision, greedy outputs compared.

    python3 bench/cpu_vs_llamacpp.py [--models bench156m,demo] [--dtypes f32,bf16]
        [--threads 1,2] [--reps 3] [--work build/llamacpp] [--out bench/cpu_vs_llamacpp.json]

llama.cpp is built from the copy inside the PyPI source package of
llama-cpp-python (pinned below; `pip download --no-binary :all:`), with
GGML_NATIVE, under --work; its converter and gguf-py convert the weights.
Nothing of it enters this repository. Both sides run as llama4-run does:
one process per run, the prompt as one call (prefill: until its first
token), then one step per new token (decode); the best of --reps runs of
each, interleaved. llama.cpp runs through bench/llamacpp_greedy.cpp, a
small driver of its C API that takes token ids, so that tokenizers play no
part. Speeds: llama.cpp's fastest setting on each row, of flash attention
on or off and its weights mapped (its default) or read into its own
buffers (--no-mmap); its KV cache holds the model's precision (f32 or
bf16, not its default f16), as llama4c's does. llama4-run runs with its
default `--load auto`, which here copies the weights into 2 MiB pages.

Models: `bench156m` is bench/cpu_decode.py's ~156M random-weight model
(128-token prompt, 64 new tokens); `demo` is examples/tiny-llama4 (32 + 32
tokens). llama.cpp's Llama 4 graph ignores the config's
`attention_chunk_size` and the temperature-tuning `floor_scale` (it uses
8192 for both): the demo's are 64, so past position 63 llama.cpp computes
another function. Its rows stay within the first 64 positions, where the
two agree.

The greedy ids are compared with llama.cpp's run without flash attention,
which computes in the model's precision (its CPU flash attention converts
to f16, enough to flip a near-tie of random weights); both are reported.

Needs build/bin/llama4c and build/bin/llama4-run (scripts/build.sh), torch,
transformers and numpy (scripts/requirements-golden.txt), cmake, ninja and
a C++ compiler. Not a test: it asserts only that the greedy ids agree.
"""
import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from cpu_decode import CONFIG, active_parameters  # noqa: E402

LLAMA_CPP_PYTHON = "0.3.36"
DEMO = ROOT / "examples/tiny-llama4"
# (prompt tokens, new tokens) per model.
LENGTHS = {"bench156m": (128, 64), "demo": (32, 32)}
BYTES = {"f32": 4, "bf16": 2}


def run(command, **kwargs):
    return subprocess.run([str(c) for c in command], check=True, **kwargs)


def fetch_llamacpp(work):
    source = work / "src"
    if source.exists():
        return source
    with tempfile.TemporaryDirectory() as scratch:
        run([sys.executable, "-m", "pip", "download", "--no-binary", ":all:",
             "--no-deps", f"llama-cpp-python=={LLAMA_CPP_PYTHON}", "-d", scratch])
        archive = next(pathlib.Path(scratch).glob("*.tar.gz"))
        with tarfile.open(archive) as tar:
            tar.extractall(scratch, filter="data")
        vendored = next(pathlib.Path(scratch).glob("*/vendor/llama.cpp"))
        shutil.copytree(vendored, source, symlinks=True)
    return source


def build_llamacpp(source, work):
    build = work / "build"
    run(["cmake", "-S", source, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
         "-DGGML_NATIVE=ON", "-DBUILD_SHARED_LIBS=ON", "-DLLAMA_BUILD_TESTS=OFF",
         "-DLLAMA_BUILD_EXAMPLES=OFF", "-DLLAMA_BUILD_SERVER=OFF", "-DLLAMA_OPENSSL=OFF"],
        stdout=subprocess.DEVNULL)
    run(["ninja", "-C", build, "llama"], stdout=subprocess.DEVNULL)
    driver = work / "llamacpp_greedy"
    run(["c++", "-O2", "-std=c++17", ROOT / "bench/llamacpp_greedy.cpp",
         "-I", source / "include", "-I", source / "ggml/include",
         "-L", build / "bin", "-lllama", f"-Wl,-rpath,{build / 'bin'}", "-o", driver])
    return driver


def make_checkpoint(name, dtype, work):
    """The Hugging Face checkpoint of `name` in `dtype`, with a tokenizer
    for the converter (the demo's: its ids are never used)."""
    import torch
    from transformers import Llama4ForCausalLM, Llama4TextConfig
    directory = work / "models" / f"{name}-{dtype}"
    if (directory / "config.json").exists():
        return directory
    if name == "demo":
        model = Llama4ForCausalLM.from_pretrained(DEMO, dtype=torch.float32)
    else:
        torch.manual_seed(0)
        model = Llama4ForCausalLM(Llama4TextConfig(**CONFIG))
    model = model.to(torch.bfloat16 if dtype == "bf16" else torch.float32).eval()
    model.save_pretrained(directory, safe_serialization=True)
    for tokenizer_file in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(DEMO / tokenizer_file, directory / tokenizer_file)
    return directory


def convert(source, checkpoint, dtype):
    """checkpoint -> GGUF with llama.cpp's converter. It names the BPE
    pre-tokenizer from a hash of known tokenizers; the demo's is Llama 4's
    split with its own vocabulary, so it is named `llama4` directly."""
    gguf = checkpoint / f"model-{dtype}.gguf"
    if gguf.exists():
        return gguf
    wrapper = (
        "import runpy, sys\n"
        f"sys.path[:0] = [{str(source)!r}, {str(source / 'gguf-py')!r}]\n"
        "from conversion import base\n"
        "base.TextModel.get_vocab_base_pre = lambda self, tokenizer: 'llama4'\n"
        f"sys.argv = ['convert_hf_to_gguf.py', {str(checkpoint)!r}, '--outtype', {dtype!r},"
        f" '--outfile', {str(gguf)!r}]\n"
        f"runpy.run_path({str(source / 'convert_hf_to_gguf.py')!r}, run_name='__main__')\n")
    run([sys.executable, "-c", wrapper], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return gguf


def compile_llama4c(checkpoint, dtype):
    so = checkpoint / f"model-{dtype}.so"
    start = time.perf_counter()
    run([ROOT / "build/bin/llama4c", "compile", checkpoint / "config.json",
         "--dtype", dtype, "--cpu", "native", "-o", so])
    return so, time.perf_counter() - start


def run_llama4c(so, checkpoint, prompt, new, threads):
    out = run([ROOT / "build/bin/llama4-run", so, "--weights", checkpoint,
               "--prompt-ids", ",".join(map(str, prompt)), "--max-new-tokens", new,
               "--temperature", "0", "--threads", threads, "--json"],
              capture_output=True, text=True).stdout
    result = json.loads(out)
    timing = result["timing"]
    return {"prefill_tok_s": timing["prefill"]["tokens_per_second"],
            "decode_tok_s": timing["decode"]["tokens_per_second"],
            "ids": result["rows"][0]["tokens"]}


def run_llamacpp(driver, gguf, prompt, new, threads, flash, load, dtype):
    out = run([driver, gguf, threads, new, int(flash), dtype, load, ",".join(map(str, prompt))],
              capture_output=True, text=True).stdout
    return json.loads(out)


def streaming_read_gb_s(threads):
    """What a plain streaming read of 1 GiB reaches with `threads`: the
    bound for a decode step, which reads every weight once."""
    import torch
    torch.set_num_threads(threads)
    data = torch.ones(1 << 28, dtype=torch.float32)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        data.sum()
        best = min(best, time.perf_counter() - start)
    return data.numel() * 4 / best / 1e9


def agreeing(a, b):
    """How many leading ids two greedy runs share."""
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def best_of(runs):
    return {"prefill_tok_s": max(r["prefill_tok_s"] for r in runs),
            "decode_tok_s": max(r["decode_tok_s"] for r in runs)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="bench156m,demo")
    parser.add_argument("--dtypes", default="f32,bf16")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--work", default=str(ROOT / "build/llamacpp"))
    parser.add_argument("--out", default=str(ROOT / "bench/cpu_vs_llamacpp.json"))
    args = parser.parse_args()
    work = pathlib.Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    source = fetch_llamacpp(work)
    driver = build_llamacpp(source, work)

    import torch
    from transformers import AutoConfig, Llama4ForCausalLM
    threads_list = [int(t) for t in args.threads.split(",")]
    bandwidth = {t: streaming_read_gb_s(t) for t in threads_list}
    rows = []
    for name in args.models.split(","):
        prompt_tokens, new = LENGTHS[name]
        for dtype in args.dtypes.split(","):
            checkpoint = make_checkpoint(name, dtype, work)
            gguf = convert(source, checkpoint, dtype)
            so, compile_s = compile_llama4c(checkpoint, dtype)
            config = AutoConfig.from_pretrained(checkpoint)
            with torch.device("meta"):
                total = sum(p.numel() for p in Llama4ForCausalLM(config).parameters())
            active = active_parameters(total, config)
            prompt = [(7 * i + 3) % config.vocab_size for i in range(prompt_tokens)]
            for threads in threads_list:
                # llama.cpp with and without flash attention, its weights
                # mapped (its default) or read into its buffers (--no-mmap).
                settings = [(flash, load) for flash in (True, False) for load in ("mmap", "read")]
                ours, theirs = [], {setting: [] for setting in settings}
                for _ in range(args.reps):
                    ours.append(run_llama4c(so, checkpoint, prompt, new, threads))
                    for flash, load in settings:
                        theirs[flash, load].append(run_llamacpp(
                            driver, gguf, prompt, new, threads, flash, load, dtype))
                # llama.cpp's best setting, by prefill + decode time.
                def seconds(r):
                    return prompt_tokens / r["prefill_tok_s"] + (new - 1) / r["decode_tok_s"]
                flash, load = min(settings, key=lambda s: seconds(best_of(theirs[s])))
                plain = theirs[False, "mmap"]
                row = {"model": name, "dtype": dtype, "threads": threads,
                       "prompt_tokens": prompt_tokens, "new_tokens": new,
                       "active_parameters": active, "llama4c_compile_s": compile_s,
                       "llama4c": best_of(ours), "llamacpp": best_of(theirs[flash, load]),
                       "llamacpp_flash_attn": flash, "llamacpp_load": load,
                       # Without flash attention llama.cpp computes attention in
                       # the model's precision; its CPU flash attention rounds to f16.
                       "same_greedy_ids": ours[0]["ids"] == plain[0]["ids"],
                       "agreeing_greedy_ids": {
                           "flash_attn_off": agreeing(ours[0]["ids"], plain[0]["ids"]),
                           "flash_attn_on": agreeing(ours[0]["ids"],
                                                     theirs[True, "mmap"][0]["ids"])},
                       "streaming_read_gb_s": bandwidth[threads]}
                for side in ("llama4c", "llamacpp"):
                    r = row[side]
                    r["prefill_gflop_s"] = 2 * active * r["prefill_tok_s"] / 1e9
                    r["decode_weight_gb_s"] = BYTES[dtype] * active * r["decode_tok_s"] / 1e9
                    r["decode_of_streaming_read"] = r["decode_weight_gb_s"] / bandwidth[threads]
                row["ratio_prefill"] = row["llama4c"]["prefill_tok_s"] / row["llamacpp"]["prefill_tok_s"]
                row["ratio_decode"] = row["llama4c"]["decode_tok_s"] / row["llamacpp"]["decode_tok_s"]
                rows.append(row)
                print_row(row)
    report = {"llamacpp": f"vendor/llama.cpp of llama-cpp-python {LLAMA_CPP_PYTHON}",
              "cpu": cpu_name(), "rows": rows}
    pathlib.Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print_table(rows)
    if not all(r["same_greedy_ids"] for r in rows):
        sys.exit("greedy ids differ between llama4c and llama.cpp without flash attention")


def cpu_name():
    for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def print_row(r):
    print(f"{r['model']} {r['dtype']} {r['threads']} thread(s): prefill "
          f"{r['llama4c']['prefill_tok_s']:.0f} / {r['llamacpp']['prefill_tok_s']:.0f} tok/s, "
          f"decode {r['llama4c']['decode_tok_s']:.1f} / {r['llamacpp']['decode_tok_s']:.1f} tok/s, "
          f"same ids: {r['agreeing_greedy_ids']} of {r['new_tokens']}", flush=True)


def print_table(rows):
    print("\n| model | dtype | threads | prefill tok/s llama4c / llama.cpp | ratio "
          "| decode tok/s llama4c / llama.cpp | ratio | prefill GFLOP/s | decode GB/s "
          "(streaming read) | same greedy ids (FA off / on) | llama.cpp's setting |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        a, b = r["llama4c"], r["llamacpp"]
        print(f"| {r['model']} | {r['dtype']} | {r['threads']} "
              f"| {a['prefill_tok_s']:.0f} / {b['prefill_tok_s']:.0f} | {r['ratio_prefill']:.2f}x "
              f"| {a['decode_tok_s']:.1f} / {b['decode_tok_s']:.1f} | {r['ratio_decode']:.2f}x "
              f"| {a['prefill_gflop_s']:.0f} / {b['prefill_gflop_s']:.0f} "
              f"| {a['decode_weight_gb_s']:.1f} / {b['decode_weight_gb_s']:.1f} "
              f"({r['streaming_read_gb_s']:.1f}) | {r['agreeing_greedy_ids']['flash_attn_off']} / "
              f"{r['agreeing_greedy_ids']['flash_attn_on']} of {r['new_tokens']} "
              f"| FA {'on' if r['llamacpp_flash_attn'] else 'off'}, {r['llamacpp_load']} |")


if __name__ == "__main__":
    main()
