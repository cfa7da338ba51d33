#!/usr/bin/env python3
"""Benchmark: prefill and decode tokens/s of a few-layer slice of Llama 4
Scout (its real shapes: hidden 5120, 40 heads, 16 experts top-1, vocab
202048; the first --layers layers, with their RoPE/NoPE pattern) with random
bf16 weights on one NVIDIA GPU: llama4c (--target sm_90) next to transformers
on the same GPU, config, weights and prompt, and next to the HBM roofline
(the weight bytes a decode token reads over the copy bandwidth measured in
the same run). llama4c runs twice: as it runs by default, each decode step
one CUDA graph launch, and eagerly (LLAMA4C_CUDA_GRAPHS=0), one launch a
kernel; the difference over the report's kernels a step is what a graph
saves a launch. Then its decode at batch 1 and 8 with nn.Linear's warps
taking 1, 4 and 8 (the default) token rows (gpu_warp_rows): what the
registers and loads in flight of more rows cost a batch of one, which the
report does not model; and with the decode step's kernels launched one by
one (gpu_chained_entry empty), not chained into 3 launches a layer: what a
chain's waits cost next to a graph's launches. And with --offload, its
decode with every weight on the device next to a --device-memory budget
that leaves about half the routed experts in pinned host memory, read by
the kernels across the bus: the greedy ids must not change, and the time
the difference takes per byte read there is the link's measured rate.

    python3 bench/gpu_decode.py --prepare DIR [--layers 2]   # here: config, model.so, report.json
    python3 bench/gpu_decode.py --run DIR [--prompt 128] [--new 32] [--out FILE]
    python3 bench/gpu_decode.py --variants DIR [--prompt 32] [--new 16] [--out FILE]   # after --run
    python3 bench/gpu_decode.py --offload DIR [--prompt 32] [--new 16] [--out FILE]    # after --run

--prepare needs $LLAMA4C_BUILD_DIR/bin/llama4c (default build/; no GPU); --run needs a GPU, PyTorch and
transformers (the device machine has them) and build-gpu/bin/llama4-run (or
--runner). A benchmark, not a test: it asserts nothing; it reports whether
both sides chose the same greedy tokens.
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


# The slice's builds besides model.so (the defaults: 8 token rows a GEMV
# warp, the decode step chained), by file: what each --pipeline sets.
VARIANTS = {"model-rows1.so": "gpu_warp_rows: 1\n",
            "model-rows4.so": "gpu_warp_rows: 4\n",
            "model-unchained.so": "gpu_chained_entry: \"\"\n"}


def scout_slice(layers):
    config = json.loads((ROOT / "examples/configs/scout/config.json").read_text())
    text = config["text_config"]
    text["no_rope_layers"] = text["no_rope_layers"][:layers]
    text["num_hidden_layers"] = layers
    text["eos_token_id"] = None  # run every requested token
    text["torch_dtype"] = "bfloat16"
    text["architectures"] = ["Llama4ForCausalLM"]
    return text


def prepare(directory, layers, prompt_tokens):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps(scout_slice(layers), indent=2))
    start = time.perf_counter()
    compiler = ROOT / os.environ.get("LLAMA4C_BUILD_DIR", "build") / "bin/llama4c"
    subprocess.run([str(compiler), "compile", str(directory / "config.json"),
                    "--target", "sm_90", "-o", str(directory / "model.so")], check=True)
    (directory / "compile.json").write_text(json.dumps({"compile_s": time.perf_counter() - start}))
    # What the compiler predicts for the same model, prompt and batch.
    subprocess.run([str(compiler), "compile", str(directory / "config.json"),
                    "--target", "sm_90", "--emit", "report", "--report-tokens", str(prompt_tokens),
                    "--report-batch", "1", "-o", str(directory / "report.json")],
                   check=True, stdout=subprocess.DEVNULL)
    for model, settings in VARIANTS.items():
        schedule = directory / model.replace(".so", ".yaml")
        schedule.write_text(settings)
        subprocess.run([str(compiler), "compile", str(directory / "config.json"),
                        "--target", "sm_90", "--pipeline", str(schedule),
                        "-o", str(directory / model)], check=True)


def predicted(directory, gpu_name, prompt_tokens):
    """The --emit report prediction (tok/s) of prefill and decode for the
    GPU `gpu_name` names, or None (no report for that GPU or prompt)."""
    path = directory / "report.json"
    if not path.exists():
        return None
    device = "H200" if "H200" in gpu_name else "H100-SXM" if "H100" in gpu_name else None
    if device is None:
        return None
    calls = json.loads(path.read_text())["calls"]
    if any(c["call"] == "prefill" and c["new_tokens_per_row"] != prompt_tokens for c in calls):
        return None
    batch1 = {c["call"]: c for c in calls if c["batch"] == 1}
    rate = {name: c["devices"][device]["predicted_tokens_per_second"] for name, c in batch1.items()}
    return {"prefill_tok_s": rate["prefill"], "decode_tok_s": rate["decode"], "device": device,
            "decode_launches": batch1["decode"]["launches"]}


def make_weights(directory):
    import torch
    from transformers import Llama4ForCausalLM, Llama4TextConfig
    torch.manual_seed(0)
    config = Llama4TextConfig(**json.loads((directory / "config.json").read_text()))
    with torch.device("cuda"):
        model = Llama4ForCausalLM(config).to(torch.bfloat16).eval()
    model.save_pretrained(directory / "weights", safe_serialization=True)
    return model


def copy_bandwidth():
    """Bytes read plus written per second by a 4 GiB device-to-device copy,
    the median of 20 after 3 warm-ups."""
    import torch
    source = torch.empty(4 << 30, dtype=torch.uint8, device="cuda")
    target = torch.empty_like(source)
    times = []
    for i in range(23):
        begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        begin.record()
        target.copy_(source)
        end.record()
        torch.cuda.synchronize()
        if i >= 3:
            times.append(begin.elapsed_time(end) / 1e3)
    return 2 * source.numel() / statistics.median(times)


def run_transformers(model, prompt, new_tokens):
    import torch
    ids = torch.tensor([prompt], device="cuda")
    with torch.no_grad():
        model.generate(ids, max_new_tokens=2, do_sample=False)  # warm-up
        torch.cuda.synchronize()
        start = time.perf_counter()
        model(ids, use_cache=True)
        torch.cuda.synchronize()
        prefill_s = time.perf_counter() - start
        start = time.perf_counter()
        generated = model.generate(ids, max_new_tokens=new_tokens, do_sample=False)
        torch.cuda.synchronize()
        total_s = time.perf_counter() - start
    ids = generated[0, len(prompt):].tolist()
    return {"prefill_tok_s": len(prompt) / prefill_s,
            "decode_tok_s": (len(ids) - 1) / max(total_s - prefill_s, 1e-9), "ids": ids}


def run_llama4c(directory, runner, prompt, new_tokens, graphs, model="model.so", batch=1,
                extra=()):
    """llama4-run's tok/s, row 0's new ids and the weight bytes it left in
    host memory: `batch` rows of `prompt`, with `extra` flags."""
    env = dict(os.environ, LLAMA4C_CUDA_GRAPHS="1" if graphs else "0")
    rows = []
    for _ in range(batch):
        rows += ["--prompt-ids", ",".join(map(str, prompt))]
    out = subprocess.run([runner, str(directory / model), "--weights", str(directory / "weights")]
                         + rows + ["--max-new-tokens", str(new_tokens), "--temperature", "0", "--json"]
                         + list(extra),
                         check=True, capture_output=True, text=True, env=env).stdout
    result = json.loads(out)
    timing = result["timing"]
    return {"prefill_tok_s": timing["prefill"]["tokens_per_second"],
            "decode_tok_s": timing["decode"]["tokens_per_second"], "ids": result["rows"][0]["tokens"],
            "host_weight_bytes": result["memory"]["host_weight_bytes"]}


def decode_weight_bytes(model):
    """bf16 bytes one decode token reads: every weight but the unselected
    experts and the embedding table (a gather reads one row of it)."""
    c = model.config
    total = sum(p.numel() for p in model.parameters())
    per_expert = 3 * c.hidden_size * c.intermediate_size
    moe_layers = len(getattr(c, "moe_layers", None) or range(c.num_hidden_layers))
    unselected = moe_layers * (c.num_local_experts - c.num_experts_per_tok) * per_expert
    return 2 * (total - unselected - c.vocab_size * c.hidden_size), total


def run(directory, runner, prompt_tokens, new_tokens, out):
    import torch
    model = make_weights(directory)
    prompt = [(7 * i + 3) % model.config.vocab_size for i in range(prompt_tokens)]
    bandwidth = copy_bandwidth()
    ours = run_llama4c(directory, runner, prompt, new_tokens, graphs=True)
    eager = run_llama4c(directory, runner, prompt, new_tokens, graphs=False)
    theirs = run_transformers(model, prompt, new_tokens)
    weight_bytes, parameters = decode_weight_bytes(model)
    roofline = bandwidth / weight_bytes
    report = {
        "gpu": torch.cuda.get_device_name(), "layers": model.config.num_hidden_layers,
        "parameters": parameters, "decode_weight_bytes": weight_bytes,
        "copy_bandwidth_gb_s": bandwidth / 1e9, "roofline_decode_tok_s": roofline,
        "prompt_tokens": prompt_tokens, "new_tokens": new_tokens,
        "llama4c": {k: v for k, v in ours.items() if k != "ids"},
        "llama4c eager": {k: v for k, v in eager.items() if k != "ids"},
        "graph_same_ids": ours["ids"] == eager["ids"],
        "transformers": {k: v for k, v in theirs.items() if k != "ids"},
        "same_greedy_ids": ours["ids"] == theirs["ids"],
        # Where the two greedy continuations part (None: they do not).
        "first_different_id": None if ours["ids"] == theirs["ids"] else next(
            (i for i, (a, b) in enumerate(zip(ours["ids"], theirs["ids"])) if a != b),
            min(len(ours["ids"]), len(theirs["ids"]))),
        "compile_s": json.loads((directory / "compile.json").read_text())["compile_s"],
    }
    prediction = predicted(directory, report["gpu"], prompt_tokens)
    if prediction:
        report["llama4c predicted"] = prediction
        # Seconds a step's graph saves over launching its kernels one by one.
        saved = 1 / eager["decode_tok_s"] - 1 / ours["decode_tok_s"]
        report["graph_saves_us_per_launch"] = 1e6 * saved / prediction["decode_launches"]
    for name in ("llama4c", "llama4c eager", "llama4c predicted", "transformers"):
        if name in report:
            report[name]["decode_of_roofline"] = report[name]["decode_tok_s"] / roofline
    report["ratio_prefill"] = ours["prefill_tok_s"] / theirs["prefill_tok_s"]
    report["ratio_decode"] = ours["decode_tok_s"] / theirs["decode_tok_s"]
    pathlib.Path(out).write_text(json.dumps(report, indent=2) + "\n")
    print(f"{report['gpu']}, Scout slice of {report['layers']} layers "
          f"({parameters / 1e9:.2f}B parameters), copy {bandwidth / 1e9:.0f} GB/s, "
          f"decode roofline {roofline:.1f} tok/s")
    print(f"{'':18}{'prefill tok/s':>15}{'decode tok/s':>15}{'of roofline':>13}")
    for name in ("llama4c", "llama4c eager", "llama4c predicted", "transformers"):
        if name not in report:
            continue
        r = report[name]
        print(f"{name:18}{r['prefill_tok_s']:15.1f}{r['decode_tok_s']:15.2f}{r['decode_of_roofline']:13.1%}")
    print(f"{'ratio':18}{report['ratio_prefill']:15.3f}{report['ratio_decode']:15.3f}")
    if "graph_saves_us_per_launch" in report:
        print(f"one CUDA graph a step saves {report['graph_saves_us_per_launch']:.2f} us a launch "
              f"({report['llama4c predicted']['decode_launches']} launches a step)")
    print(f"graph and eager greedy ids equal: {report['graph_same_ids']}")
    print(f"same greedy ids: {report['same_greedy_ids']}"
          + ("" if report["same_greedy_ids"] else f" (first difference at new token {report['first_different_id']})"))


def compare_variants(directory, runner, prompt_tokens, new_tokens, out):
    """Decode tok/s at batch 1 and 8 of model.so and each variant build, on
    the weights a --run left in `directory`."""
    import torch
    config = json.loads((directory / "config.json").read_text())
    prompt = [(7 * i + 3) % config["vocab_size"] for i in range(prompt_tokens)]
    builds = ["model.so", *VARIANTS]
    table = {model: {batch: run_llama4c(directory, runner, prompt, new_tokens, graphs=True,
                                        model=model, batch=batch)["decode_tok_s"]
                     for batch in (1, 8)}
             for model in builds}
    report = {"gpu": torch.cuda.get_device_name(), "copy_bandwidth_gb_s": copy_bandwidth() / 1e9,
              "prompt_tokens": prompt_tokens, "new_tokens": new_tokens,
              "settings": {model: VARIANTS.get(model, "defaults").strip() for model in builds},
              "decode_tok_s": {model: {str(b): v for b, v in rates.items()}
                               for model, rates in table.items()}}
    pathlib.Path(out).write_text(json.dumps(report, indent=2) + "\n")
    print(f"{'build':22}{'batch 1 tok/s':>15}{'batch 8 tok/s':>15}")
    for model, rates in table.items():
        print(f"{model:22}{rates[1]:15.2f}{rates[8]:15.2f}")


def expert_bytes(weights):
    """(bytes of the routed experts, bytes of every other tensor) of the
    safetensors files in `weights`, from their headers."""
    experts = others = 0
    for path in weights.glob("*.safetensors"):
        with open(path, "rb") as f:
            header = json.loads(f.read(int.from_bytes(f.read(8), "little")))
        for name, tensor in header.items():
            if name == "__metadata__":
                continue
            size = tensor["data_offsets"][1] - tensor["data_offsets"][0]
            if ".feed_forward.experts." in name:
                experts += size
            else:
                others += size
    return experts, others


def compare_offload(directory, runner, prompt_tokens, new_tokens, out):
    """Decode of model.so with its weights on the device, then with a budget
    of the other weights, half the routed experts and 256 MiB (the KV cache)."""
    config = json.loads((directory / "config.json").read_text())
    prompt = [(7 * i + 3) % config["vocab_size"] for i in range(prompt_tokens)]
    experts, others = expert_bytes(directory / "weights")
    budget = others + experts // 2 + (256 << 20)
    resident = run_llama4c(directory, runner, prompt, new_tokens, graphs=True)
    offloaded = run_llama4c(directory, runner, prompt, new_tokens, graphs=True,
                            extra=["--device-memory", str(budget)])
    chosen = config["num_experts_per_tok"] / config["num_local_experts"]
    read_in_host = offloaded["host_weight_bytes"] * chosen  # a token, uniform routing
    extra_s = 1 / offloaded["decode_tok_s"] - 1 / resident["decode_tok_s"]
    report = {"budget_bytes": budget, "routed_expert_bytes": experts,
              "host_weight_bytes": offloaded["host_weight_bytes"],
              "host_bytes_read_per_token": read_in_host,
              "decode_tok_s": {"resident": resident["decode_tok_s"],
                               "offloaded": offloaded["decode_tok_s"]},
              "link_gb_s": read_in_host / extra_s / 1e9 if extra_s > 0 else None,
              "same_greedy_ids": resident["ids"] == offloaded["ids"]}
    pathlib.Path(out).write_text(json.dumps(report, indent=2) + "\n")
    print(f"--device-memory {budget / 2**30:.2f} GiB: {report['host_weight_bytes'] / 2**30:.2f} GiB of "
          f"{experts / 2**30:.2f} GiB routed experts in host memory, "
          f"{read_in_host / 1e9:.3f} GB read there a token")
    print(f"decode tok/s: {resident['decode_tok_s']:.2f} resident, {offloaded['decode_tok_s']:.2f} offloaded; "
          f"link {report['link_gb_s'] or 0:.1f} GB/s; same greedy ids: {report['same_greedy_ids']}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--prepare", type=pathlib.Path)
    parser.add_argument("--run", type=pathlib.Path)
    parser.add_argument("--variants", type=pathlib.Path,
                        help="after a --run of DIR: decode at batch 1 and 8 of each build")
    parser.add_argument("--offload", type=pathlib.Path,
                        help="after a --run of DIR: decode with half the routed experts in host memory")
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--prompt", type=int, default=128)
    parser.add_argument("--new", type=int, default=32)
    parser.add_argument("--runner", default=str(ROOT / "build-gpu/bin/llama4-run"))
    parser.add_argument("--out", default="gpu_decode.json")
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare, args.layers, args.prompt)
    if args.run:
        run(args.run, args.runner, args.prompt, args.new, args.out)
    if args.variants:
        compare_variants(args.variants, args.runner, args.prompt, args.new, args.out)
    if args.offload:
        compare_offload(args.offload, args.runner, args.prompt, args.new, args.out)


if __name__ == "__main__":
    main()
