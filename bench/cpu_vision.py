#!/usr/bin/env python3
"""Benchmark: the vision tower's time per tile on the CPU, llama4c against
transformers (PyTorch eager) on the same weights, pixels and threads.

The model has Scout's vision tower (1408 wide, 16 heads, 336-pixel tiles,
pixel shuffle, adapter, projector) cut to --layers encoder layers (Scout
has 34; the time per tile grows linearly with them) in front of a one-layer
text model, random weights, f32. llama4c's share is the prefill time of the
prompt with its image minus that of the same token ids without pixel values
(the text model then embeds the <|patch|> tokens as themselves); the image
processor's own time is reported apart. transformers' share is
vision_model + multi_modal_projector on the same pixel values.

    python3 bench/cpu_vision.py [--threads 2] [--layers 2] [--tiles 5] [--out bench/cpu_vision.json]

Needs build/bin/llama4c and build/bin/llama4-run (scripts/build.sh) and
`pip install -r scripts/requirements-golden.txt`. A benchmark, not a test:
it asserts nothing but that both sides ran.
"""
import argparse
import json
import pathlib
import shutil
import subprocess
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
TOKENIZER = ROOT / "examples" / "tiny-llama4-vision" / "tokenizer.json"
# Scout's vision_config (examples/configs/scout/config.json) but the depth.
VISION = dict(
    hidden_size=1408, num_attention_heads=16, intermediate_size=5632, image_size=336,
    patch_size=14, num_channels=3, vision_output_dim=4096, projector_input_dim=4096,
    projector_output_dim=4096, pixel_shuffle_ratio=0.5,
    rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
)
# Side of a square image giving this many tiles (local + global) at max_patches 16.
SIDES = {1: 336, 5: 672, 10: 1008, 17: 1344}


def make_checkpoint(directory, layers):
    import torch
    from transformers import Llama4Config, Llama4ForConditionalGeneration, Llama4ImageProcessor

    with open(TOKENIZER) as f:
        ids = {t["content"]: t["id"] for t in json.load(f)["added_tokens"]}
    text = dict(vocab_size=max(ids.values()) + 1, hidden_size=64, intermediate_size=64,
                intermediate_size_mlp=128, num_hidden_layers=1, num_attention_heads=4,
                num_key_value_heads=2, head_dim=16, num_local_experts=2, num_experts_per_tok=1,
                interleave_moe_layer_step=1, attention_chunk_size=8192, max_position_embeddings=8192,
                eos_token_id=None, bos_token_id=ids["<|begin_of_text|>"], pad_token_id=None)
    config = Llama4Config(text_config=text, vision_config=dict(VISION, num_hidden_layers=layers),
                          image_token_index=ids["<|patch|>"], attn_implementation="eager",
                          dtype="float32", tie_word_embeddings=False)
    torch.manual_seed(0)
    model = Llama4ForConditionalGeneration(config).eval()
    model.save_pretrained(directory, safe_serialization=True)
    shutil.copy(TOKENIZER, directory / "tokenizer.json")
    Llama4ImageProcessor().save_pretrained(directory)
    return model, ids


def run(args):
    out = subprocess.run(args, check=True, capture_output=True, text=True)
    report = json.loads(out.stdout)
    return report["timing"]["prefill"]["seconds"], out.stderr


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--tiles", type=int, default=5, choices=sorted(SIDES))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "bench" / "cpu_vision.json"))
    args = ap.parse_args()

    import torch
    from PIL import Image
    from tokenizers import Tokenizer
    from transformers import Llama4ImageProcessor
    from transformers.models.llama4.processing_llama4 import Llama4Processor

    torch.set_num_threads(args.threads)
    work = pathlib.Path(tempfile.mkdtemp(prefix="llama4c-vision-bench-"))
    try:
        model, ids = make_checkpoint(work, args.layers)
        side = SIDES[args.tiles]
        rng = np.random.default_rng(0)
        image_path = work / "image.png"
        Image.fromarray(rng.integers(0, 256, (side, side, 3), dtype=np.uint8)).save(image_path)
        pixels = Llama4ImageProcessor.from_pretrained(work)([Image.open(image_path)], return_tensors="pt")
        tiles = pixels["pixel_values"].shape[0]
        assert tiles == args.tiles, tiles
        layout = Llama4Processor._prompt_split_image(None, tuple(pixels["aspect_ratios"][0].tolist()), 144)
        tokenizer = Tokenizer.from_file(str(TOKENIZER))
        expanded = tokenizer.encode(layout).ids
        placeholder = tokenizer.encode("<|image|>").ids

        so = work / "model.so"
        start = time.perf_counter()
        subprocess.run([str(ROOT / "build/bin/llama4c"), "compile", str(work / "config.json"), "-o", str(so)],
                       check=True)
        compile_seconds = time.perf_counter() - start
        runner = [str(ROOT / "build/bin/llama4-run"), str(so), "--weights", str(work), "--threads",
                  str(args.threads), "--max-new-tokens", "1", "--temperature", "0", "--json"]
        with_image = runner + ["--prompt-ids", ",".join(map(str, placeholder)), "--image", str(image_path)]
        without = runner + ["--prompt-ids", ",".join(map(str, expanded))]
        ours, text_only, processing = [], [], []
        for _ in range(args.repeats):
            seconds, stderr = run(with_image)
            ours.append(seconds)
            processing.append(float(stderr.split("processed in ")[1].split(" ms")[0]) / 1e3)
            text_only.append(run(without)[0])
        ours_tower = min(ours) - min(text_only)

        values = pixels["pixel_values"].to(torch.float32)
        hf = []
        with torch.no_grad():
            for _ in range(args.repeats):
                start = time.perf_counter()
                features = model.get_image_features(pixel_values=values, return_dict=True).last_hidden_state
                model.multi_modal_projector(features.view(-1, features.size(-1)))
                hf.append(time.perf_counter() - start)
        hf_tower = min(hf)
    finally:
        shutil.rmtree(work)

    report = {
        "model": f"Scout's vision tower with {args.layers} of 34 encoder layers, f32, random weights",
        "threads": args.threads, "tiles": tiles, "image": f"{side}x{side} PNG",
        "compile_seconds": compile_seconds,
        "llama4c": {"tower_seconds": ours_tower, "ms_per_tile": 1e3 * ours_tower / tiles,
                    "image_processor_ms": 1e3 * min(processing)},
        "transformers": {"tower_seconds": hf_tower, "ms_per_tile": 1e3 * hf_tower / tiles},
        "speedup": hf_tower / ours_tower,
    }
    pathlib.Path(args.out).write_text(json.dumps(report, indent=1) + "\n")
    print(f"vision tower, {tiles} tiles of 336 px, {args.layers} layers, {args.threads} threads (f32)")
    print(f"{'':14}{'ms/tile':>10}")
    for name in ("llama4c", "transformers"):
        print(f"{name:14}{report[name]['ms_per_tile']:>10.1f}")
    print(f"speedup {report['speedup']:.2f}x; image processor {report['llama4c']['image_processor_ms']:.1f} ms; "
          f"compile {compile_seconds:.1f} s; wrote {args.out}")


if __name__ == "__main__":
    main()
