#!/usr/bin/env python3
"""Benchmark: long prompts on the demo's weights, on the CPU.

Compiles examples/tiny-llama4/config-long.json (the demo with Scout's 10,485,760 positions), then
  1. runs llama4-run on prompts of 1K to 100K random ids, fed in calls of the attention chunk
     (the default) and in one call: prefill and decode tok/s and peak RSS;
  2. runs build/bench/llama4c-decode-context-bench: one decode step at contexts of 1K, 32K, 128K
     and 1M tokens, and the KV cache's size.

    python3 bench/long_context.py [--threads 2] [--out bench/long_context.json]

Needs build/bin/llama4c, build/bin/llama4-run and build/bench/llama4c-decode-context-bench
(`ninja -C build`). A benchmark, not a test: it asserts nothing but that every way of feeding a
prompt gives the same tokens.
"""
import argparse
import json
import os
import pathlib
import random
import re
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "tiny-llama4"
BIN = ROOT / "build" / "bin"
PROMPTS = [1024, 8192, 32768, 100000]


def peak_rss_kib(args):
    """Runs args under /usr/bin/time; returns (stdout, peak RSS in KiB)."""
    result = subprocess.run(["/usr/bin/time", "-f", "%M"] + args, capture_output=True, text=True, check=True)
    return result.stdout, int(result.stderr.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=str(ROOT / "bench" / "long_context.json"))
    args = ap.parse_args()

    report = {"threads": args.threads, "model": "examples/tiny-llama4/config-long.json (f32)", "prompts": []}
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "long.so")
        subprocess.run([str(BIN / "llama4c"), "compile", str(DEMO / "config-long.json"), "-o", model], check=True)
        rng = random.Random(1)
        print(f"{'prompt':>8} {'calls':>6} {'prefill tok/s':>14} {'decode tok/s':>13} {'peak RSS MiB':>13}")
        for length in PROMPTS:
            ids_file = os.path.join(tmp, f"ids{length}")
            with open(ids_file, "w") as f:
                f.write(" ".join(str(rng.randrange(2000)) for _ in range(length)))
            tokens = None
            for chunk in [None, length]:
                command = [str(BIN / "llama4-run"), model, "--weights", str(DEMO), "--prompt-ids-file", ids_file,
                           "--max-new-tokens", "32", "--threads", str(args.threads), "--json"]
                if chunk:
                    command += ["--prefill-chunk", str(chunk)]
                out, rss = peak_rss_kib(command)
                result = json.loads(out)
                timing = result["timing"]
                row_tokens = result["rows"][0]["tokens"]
                assert tokens is None or row_tokens == tokens, "the tokens depend on how the prompt was fed"
                tokens = row_tokens
                row = {"prompt_tokens": length, "prefill_calls": timing["prefill"]["calls"],
                       "prefill_tok_s": timing["prefill"]["tokens_per_second"],
                       "decode_tok_s": timing["decode"]["tokens_per_second"], "peak_rss_mib": rss / 1024}
                report["prompts"].append(row)
                print(f"{length:>8} {row['prefill_calls']:>6} {row['prefill_tok_s']:>14.1f} "
                      f"{row['decode_tok_s']:>13.1f} {row['peak_rss_mib']:>13.1f}")

        bench_json = os.path.join(tmp, "decode_context.json")
        env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
        subprocess.run([str(ROOT / "build" / "bench" / "llama4c-decode-context-bench"), model, str(DEMO),
                        "--benchmark_min_time=1", "--benchmark_out_format=json", f"--benchmark_out={bench_json}"],
                       check=True, env=env, capture_output=True)
        with open(bench_json) as f:
            runs = json.load(f)["benchmarks"]
        report["decode_at_context"] = []
        print(f"\n{'context':>8} {'decode tok/s':>13} {'KV cache MiB':>13}")
        for run in runs:
            context = int(re.search(r"/(\d+)", run["name"]).group(1))
            row = {"context": context, "decode_tok_s": run["tokens_per_second"],
                   "kv_cache_mib": run["kv_cache_bytes"] / 2**20}
            report["decode_at_context"].append(row)
            print(f"{context:>8} {row['decode_tok_s']:>13.1f} {row['kv_cache_mib']:>13.1f}")
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
