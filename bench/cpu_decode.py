#!/usr/bin/env python3
"""Benchmark: prefill and decode tokens/s of a ~100M-parameter Llama 4 text
model on the CPU, llama4c against transformers (PyTorch eager) on the same
config, the same random weights, the same prompt and the same thread count.
--model DIR benchmarks a checkpoint instead (the demo: examples/tiny-llama4).

    python3 bench/cpu_decode.py [--threads 2] [--prompt 128] [--new 32] [--model DIR] [--cpu NAME] [--out bench/cpu_decode.json]

Needs build/bin/llama4c and build/bin/llama4-run (scripts/build.sh) and
`pip install -r scripts/requirements-golden.txt`. Writes a JSON report and
prints a short table. A benchmark, not a test: it asserts nothing but that
both sides produced the same greedy tokens.
"""
import argparse
import json
import os
import pathlib
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent

# ~100M parameters: MoE (4 experts, top-1) every other layer, NoPE every 4th,
# chunked attention, GQA.
CONFIG = dict(
    model_type="llama4_text", vocab_size=32000, hidden_size=640,
    intermediate_size=1280, intermediate_size_mlp=2560, num_hidden_layers=12,
    num_attention_heads=10, num_key_value_heads=2, head_dim=64,
    num_local_experts=4, num_experts_per_tok=1, interleave_moe_layer_step=2,
    attention_chunk_size=256, rope_theta=500000.0, max_position_embeddings=4096,
    use_qk_norm=True, rms_norm_eps=1e-5, eos_token_id=None, bos_token_id=1,
    pad_token_id=0,
)


def make_model(directory):
    import torch
    from transformers import Llama4ForCausalLM, Llama4TextConfig
    torch.manual_seed(0)
    config = Llama4TextConfig(**CONFIG)
    model = Llama4ForCausalLM(config).eval()
    model.save_pretrained(directory, safe_serialization=True)
    return model


def load_model(directory):
    import torch
    from transformers import Llama4ForCausalLM
    return Llama4ForCausalLM.from_pretrained(directory, dtype=torch.float32).eval()


def run_transformers(model, prompt, new_tokens, threads):
    import torch
    torch.set_num_threads(threads)
    ids = torch.tensor([prompt])
    with torch.no_grad():
        model.generate(ids, max_new_tokens=2, do_sample=False)  # warm-up
        start = time.perf_counter()
        out = model(ids, use_cache=True)
        prefill_s = time.perf_counter() - start
        start = time.perf_counter()
        generated = model.generate(ids, max_new_tokens=new_tokens, do_sample=False)
        total_s = time.perf_counter() - start
    decode_s = max(total_s - prefill_s, 1e-9)
    ids = generated[0, len(prompt):].tolist()  # fewer if an eos id came
    return {
        "prefill_tok_s": len(prompt) / prefill_s,
        "decode_tok_s": (len(ids) - 1) / decode_s,
        "ids": ids,
        "params": sum(p.numel() for p in model.parameters()),
    }


def run_llama4c(directory, scratch, prompt, new_tokens, threads, cpu):
    so = pathlib.Path(scratch) / "model.so"
    start = time.perf_counter()
    subprocess.run([str(ROOT / "build/bin/llama4c"), "compile",
                    str(pathlib.Path(directory) / "config.json"), "--dtype", "f32",
                    "--cpu", cpu, "-o", str(so)], check=True)
    compile_s = time.perf_counter() - start
    # Greedy and without stop ids, as transformers' side runs.
    out = subprocess.run([str(ROOT / "build/bin/llama4-run"), str(so), "--weights",
                          str(directory), "--prompt-ids", ",".join(map(str, prompt)),
                          "--max-new-tokens", str(new_tokens), "--temperature", "0",
                          "--threads", str(threads), "--json"],
                         check=True, capture_output=True, text=True).stdout
    result = json.loads(out)
    timing = result["timing"]
    return {"prefill_tok_s": timing["prefill"]["tokens_per_second"],
            "decode_tok_s": timing["decode"]["tokens_per_second"],
            "ids": result["rows"][0]["tokens"], "compile_s": compile_s}


def active_parameters(total, c):
    """Weights one token multiplies by: all but the unselected experts and
    the embedding table (a gather reads one row of it)."""
    moe_layers = len(c.moe_layers)
    per_expert = 3 * c.hidden_size * c.intermediate_size
    unselected = moe_layers * (c.num_local_experts - c.num_experts_per_tok) * per_expert
    return total - unselected - c.vocab_size * c.hidden_size


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--prompt", type=int, default=128)
    parser.add_argument("--new", type=int, default=32)
    parser.add_argument("--model", help="a checkpoint directory (default: random weights)")
    parser.add_argument("--cpu", default="native",
                        help="llama4c compile --cpu: the CPU the model is compiled for")
    parser.add_argument("--out", default=str(ROOT / "bench/cpu_decode.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        directory = args.model or scratch
        model = load_model(directory) if args.model else make_model(directory)
        config = model.config
        prompt = [(7 * i + 3) % config.vocab_size for i in range(args.prompt)]
        ours = run_llama4c(directory, scratch, prompt, args.new, args.threads, args.cpu)
        theirs = run_transformers(model, prompt, args.new, args.threads)
    report = {
        "model": args.model or "random weights",
        "config": config.to_diff_dict(), "parameters": theirs["params"], "threads": args.threads,
        "cpu": args.cpu,
        "prompt_tokens": args.prompt, "new_tokens": args.new,
        "llama4c": {k: v for k, v in ours.items() if k != "ids"},
        "transformers": {k: v for k, v in theirs.items() if k not in ("ids", "params")},
        "same_greedy_ids": ours["ids"] == theirs["ids"],
        "ratio_prefill": ours["prefill_tok_s"] / theirs["prefill_tok_s"],
        "ratio_decode": ours["decode_tok_s"] / theirs["decode_tok_s"],
    }
    # 2 FLOPs per active parameter and token (the matmuls; attention over a
    # short prompt is small beside them); f32 weights read once per decode step.
    active = active_parameters(theirs["params"], config)
    for name in ("llama4c", "transformers"):
        report[name]["prefill_gflop_s"] = 2 * active * report[name]["prefill_tok_s"] / 1e9
        report[name]["decode_weight_gb_s"] = 4 * active * report[name]["decode_tok_s"] / 1e9
    report["active_parameters"] = active
    pathlib.Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(f"{'':14}{'prefill tok/s':>15}{'decode tok/s':>15}{'prefill GFLOP/s':>17}{'decode GB/s':>13}")
    for name in ("llama4c", "transformers"):
        r = report[name]
        print(f"{name:14}{r['prefill_tok_s']:15.1f}{r['decode_tok_s']:15.2f}"
              f"{r['prefill_gflop_s']:17.1f}{r['decode_weight_gb_s']:13.1f}")
    print(f"{'ratio':14}{report['ratio_prefill']:15.3f}{report['ratio_decode']:15.3f}")
    print(f"same greedy ids: {report['same_greedy_ids']}; {report['parameters'] / 1e6:.1f}M parameters;"
          f" compile {ours['compile_s']:.1f} s")


if __name__ == "__main__":
    main()
