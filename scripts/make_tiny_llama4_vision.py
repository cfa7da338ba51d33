#!/usr/bin/env python3
"""Build examples/tiny-llama4-vision: the demo model with a vision tower.

The text model is examples/tiny-llama4 (trained on the King James Bible),
its vocabulary grown by the two tile separators Llama 4's image prompts need
and its tokenizer likewise (ids 2048 and 2049; their embedding is the mean
embedding, their lm_head rows are zero). The vision tower, adapter and
projector are random (seeded): the model reads images through the whole
Llama 4 vision path, but nothing taught it what they show, so it answers in
Biblical prose regardless. Weights are saved in bfloat16, as real Llama 4
checkpoints are. Two sample images come along: a wide PNG and a tall JPEG.
What transformers generates (greedy, bf16) for a prompt with both goes to
test/golden/demo/vision_generation.json, for MultimodalTest.

    pip install -r scripts/requirements-golden.txt
    python3 scripts/make_tiny_llama4_vision.py
"""

import json
import os
import shutil
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_golden import check_versions  # noqa: E402
from make_multimodal_golden import make_tokenizer, multimodal_forward  # noqa: E402

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO = os.path.join(REPO_ROOT, "examples", "tiny-llama4")
OUT = os.path.join(REPO_ROOT, "examples", "tiny-llama4-vision")
SEED = 4
TILE = 56
MAX_PATCHES = 4
GOLDEN = os.path.join(REPO_ROOT, "test", "golden", "demo", "vision_generation.json")
PROMPT = "<|image|><|image|>And God saw the light, that it was good"
NEW_TOKENS = 12


def sample_images():
    """A wide sunset (PNG) and a tall tree (JPEG), drawn with numpy."""
    from PIL import Image

    rng = np.random.default_rng(SEED)
    y, x = np.mgrid[0:90, 0:200] / np.array([90.0, 200.0])[:, None, None]
    sky = np.stack([230 - 80 * y, 120 + 60 * y, 90 + 100 * y], axis=-1)
    sun = ((x - 0.5) ** 2 * 4 + (y - 0.7) ** 2) < 0.02
    sky[sun] = [255, 210, 80]
    sky[y > 0.75] = [40, 60, 90]
    wide = Image.fromarray(np.clip(sky + rng.normal(0, 4, sky.shape), 0, 255).astype(np.uint8))

    y, x = np.mgrid[0:150, 0:70] / np.array([150.0, 70.0])[:, None, None]
    scene = np.stack([150 + 60 * y, 200 - 40 * y, 250 - 50 * y], axis=-1)
    crown = ((x - 0.5) ** 2 + (y - 0.35) ** 2 * 0.5) < 0.08
    trunk = (abs(x - 0.5) < 0.07) & (y > 0.5)
    scene[crown] = [40, 130, 50]
    scene[trunk] = [100, 70, 40]
    scene[y > 0.9] = [90, 160, 60]
    tall = Image.fromarray(np.clip(scene + rng.normal(0, 4, scene.shape), 0, 255).astype(np.uint8))
    return wide, tall


def main():
    check_versions()
    from safetensors.torch import load_file
    from transformers import Llama4Config, Llama4ForConditionalGeneration, Llama4ImageProcessor

    tokenizer = make_tokenizer()
    vocab = max(t["id"] for t in tokenizer["added_tokens"]) + 1
    ids = {t["content"]: t["id"] for t in tokenizer["added_tokens"]}
    with open(os.path.join(DEMO, "config.json")) as f:
        text = json.load(f)
    for key in ("architectures", "transformers_version", "dtype", "torch_dtype"):
        text.pop(key, None)
    text["vocab_size"] = vocab
    vision = dict(
        hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=256,
        image_size=TILE, patch_size=14, num_channels=3, vision_output_dim=128,
        projector_input_dim=128, projector_output_dim=128, pixel_shuffle_ratio=0.5,
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
    )
    config = Llama4Config(
        text_config=text, vision_config=vision, image_token_index=ids["<|patch|>"],
        boi_token_index=ids["<|image_start|>"], eoi_token_index=ids["<|image_end|>"],
        tie_word_embeddings=False, dtype="bfloat16",
    )
    torch.manual_seed(SEED)
    model = Llama4ForConditionalGeneration(config).eval()

    demo = load_file(os.path.join(DEMO, "model.safetensors"))
    state = {}
    for name, tensor in demo.items():
        target = "language_model." + name
        if name in ("model.embed_tokens.weight", "lm_head.weight"):
            extra = vocab - tensor.shape[0]
            row = tensor.mean(0, keepdim=True) if name.startswith("model.") else torch.zeros(1, tensor.shape[1])
            tensor = torch.cat([tensor, row.repeat(extra, 1)])
        state[target] = tensor
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected, unexpected
    assert all(not n.startswith("language_model.") for n in missing), missing

    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    os.makedirs(os.path.join(OUT, "images"))
    # nn.Module.to would cast the vision RoPE's complex buffer to real;
    # only the parameters are saved, so cast those alone.
    with torch.no_grad():
        for p in model.parameters():
            p.data = p.data.to(torch.bfloat16)
    model.save_pretrained(OUT, safe_serialization=True)
    os.remove(os.path.join(OUT, "generation_config.json"))
    with open(os.path.join(OUT, "tokenizer.json"), "w") as f:
        json.dump(tokenizer, f, ensure_ascii=False)
    for name in ("tokenizer_config.json", "generation_config.json", "chat_template.jinja"):
        shutil.copy(os.path.join(DEMO, name), OUT)
    Llama4ImageProcessor(size={"height": TILE, "width": TILE}, max_patches=MAX_PATCHES).save_pretrained(OUT)
    wide, tall = sample_images()
    wide.save(os.path.join(OUT, "images", "sunset.png"))
    tall.save(os.path.join(OUT, "images", "tree.jpg"), quality=90)
    record_generation()
    print(f"wrote {OUT} and {GOLDEN}")


def record_generation():
    """transformers' greedy continuation of PROMPT with both images, from
    the saved checkpoint loaded in bf16 as a user would load it."""
    from PIL import Image
    from tokenizers import Tokenizer
    from transformers import Llama4ForConditionalGeneration, Llama4ImageProcessor
    from transformers.models.llama4.processing_llama4 import Llama4Processor

    model = Llama4ForConditionalGeneration.from_pretrained(
        OUT, dtype=torch.bfloat16, attn_implementation="eager").eval()
    images = ["images/sunset.png", "images/tree.jpg"]
    batch = Llama4ImageProcessor.from_pretrained(OUT)(
        [Image.open(os.path.join(OUT, name)) for name in images], return_tensors="pt")
    tokens_per_tile = (TILE // 14) ** 2 // 4
    pieces = PROMPT.split("<|image|>")
    text = pieces[0]
    for aspect, piece in zip(batch["aspect_ratios"], pieces[1:]):
        text += Llama4Processor._prompt_split_image(None, tuple(aspect.tolist()), tokens_per_tile) + piece
    prompt = torch.tensor([Tokenizer.from_file(os.path.join(OUT, "tokenizer.json")).encode(text).ids])
    sequence = prompt
    with torch.no_grad():
        for _ in range(NEW_TOKENS):
            logits = multimodal_forward(model, sequence, batch["pixel_values"].to(torch.bfloat16))
            sequence = torch.cat([sequence, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    with open(GOLDEN, "w") as f:
        json.dump({"prompt": PROMPT, "images": images, "prompt_tokens": prompt.shape[1],
                   "generated_ids": sequence[0, prompt.shape[1]:].tolist()}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
