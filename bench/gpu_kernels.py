#!/usr/bin/env python3
"""Benchmark: each decode kernel's measured GPU time next to what
`--emit report` predicts for it, on the model and weights that
bench/gpu_decode.py prepared and ran (run that first).

    python3 bench/gpu_kernels.py DIR --runner build-gpu/bin/llama4-run [--out FILE]

Nsight Compute (`ncu`, on the device machine) times every launch of a short
generation (one duration metric: no replay); the launches of kernels the
report's batch-1 decode call names are summed per kernel and divided by the
decode steps, next to the report's prediction for the kernel (a chained
launch's phases, `kernel/p` in the report, summed). A benchmark, not a
test: it asserts nothing.
"""
import argparse
import csv
import glob
import io
import json
import pathlib
import shutil
import subprocess
from collections import defaultdict

PROMPT_TOKENS = 128
NEW_TOKENS = 4  # the first is sampled by prefill: NEW_TOKENS - 1 decode steps
UNIT_SECONDS = {"nsecond": 1e-9, "ns": 1e-9, "usecond": 1e-6, "us": 1e-6,
                "msecond": 1e-3, "ms": 1e-3, "second": 1.0, "s": 1.0}


def find_ncu():
    found = shutil.which("ncu")
    if found:
        return found
    candidates = sorted(glob.glob("/opt/nvidia/nsight-compute/*/ncu") +
                        glob.glob("/usr/local/cuda/bin/ncu"))
    return candidates[-1] if candidates else None


def measure(ncu, directory, runner, log):
    # bench/gpu_decode.py's prompt, so that the context is the report's.
    vocab = json.loads((directory / "config.json").read_text())["vocab_size"]
    prompt = ",".join(str((7 * i + 3) % vocab) for i in range(PROMPT_TOKENS))
    subprocess.run([ncu, "--clock-control", "none", "--metrics", "gpu__time_duration.sum",
                    "--csv", "--print-units", "base", "--log-file", str(log),
                    runner, str(directory / "model.so"), "--weights", str(directory / "weights"),
                    "--prompt-ids", prompt, "--max-new-tokens", str(NEW_TOKENS),
                    "--temperature", "0"], check=True, stdout=subprocess.DEVNULL)
    text = log.read_text()
    header = text.find('"ID"')
    seconds = defaultdict(float)
    launches = defaultdict(int)
    for row in csv.DictReader(io.StringIO(text[header:])):
        if row.get("Metric Name") != "gpu__time_duration.sum":
            continue
        value = float(row["Metric Value"].replace(",", ""))
        seconds[row["Kernel Name"]] += value * UNIT_SECONDS[row["Metric Unit"]]
        launches[row["Kernel Name"]] += 1
    return seconds, launches


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("directory", type=pathlib.Path)
    parser.add_argument("--runner", required=True)
    parser.add_argument("--out", default="gpu_kernels.json")
    args = parser.parse_args()
    ncu = find_ncu()
    if ncu is None:
        raise SystemExit("gpu_kernels: no ncu on this machine")
    report = json.loads((args.directory / "report.json").read_text())
    decode = next(c for c in report["calls"] if c["call"] == "decode" and c["batch"] == 1)
    device = "H200"
    seconds, launches = measure(ncu, args.directory, args.runner, args.directory / "ncu.csv")
    steps = NEW_TOKENS - 1
    by_kernel = {}
    for kernel in decode["kernels"]:
        name = kernel["name"].split("/")[0]
        row = by_kernel.setdefault(name, {
            "kernel": name, "launches_per_step": launches.get(name, 0) / steps,
            "predicted_launches": 0, "measured_us": 1e6 * seconds.get(name, 0.0) / steps,
            "predicted_us": 0.0})
        row["predicted_launches"] += kernel["launches"]
        row["predicted_us"] += 1e6 * kernel["predicted_seconds"][device]
    rows = list(by_kernel.values())
    rows.sort(key=lambda r: -r["measured_us"])
    total = {"measured_us": sum(r["measured_us"] for r in rows),
             "predicted_us": sum(r["predicted_us"] for r in rows)}
    pathlib.Path(args.out).write_text(json.dumps({"device": device, "decode_steps": steps,
                                                  "total": total, "kernels": rows}, indent=2) + "\n")
    print(f"decode kernels, per step: measured {total['measured_us']:.0f} us of GPU time, "
          f"predicted {total['predicted_us']:.0f} us ({device})")
    width = max(len(r["kernel"]) for r in rows[:8]) + 2
    print(f"{'kernel':{width}}{'launches':>10}{'measured us':>13}{'predicted us':>14}")
    for r in rows[:8]:
        print(f"{r['kernel']:{width}}{r['launches_per_step']:10.0f}"
              f"{r['measured_us']:13.1f}{r['predicted_us']:14.1f}")


if __name__ == "__main__":
    main()
