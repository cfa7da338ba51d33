#!/usr/bin/env python3
"""Build the multimodal golden fixture of llama4c from Hugging Face transformers.

A tiny Llama4ForConditionalGeneration (random weights, f32, eager attention:
a 2-layer vision tower at 28x28 tiles of 7x7 patches, 4 `<|patch|>` tokens
per tile, and a 4-layer text model with a chunked RoPE layer and a global
NoPE one) reads a prompt with three images: wide, tall and square, each of
several tiles, 12 tiles in all. Its vocabulary is the demo tokenizer's (examples/tiny-llama4/tokenizer.json),
with the two tile separators it lacks appended as ids 2048 and 2049, so
that every image token is a real special token and the runtime's processor
and tokenizer can rebuild the prompt themselves.

Writes test/golden/multimodal/:
  config.json, model.safetensors, preprocessor_config.json,
  tokenizer.json                                           the checkpoint
  images/{wide,tall,square}.png                            the three images
  reference.safetensors  input_ids [1, S] (i64), pixel_values [N, 3, 28, 28]
                         (f32, HF's processor output), aspect_ratios [3, 2]
                         (i64), vision_before_shuffle [N, 16, 32] and
                         vision_features [N, 4, 48] (the tower's output before
                         pixel shuffle and after the adapter, for diagnosis),
                         prefill_logits [1, S, V], generated_ids [1, G] and
                         decode_logits [1, G, V] (greedy; step 0 is the
                         prefill's last position), as test/golden/fixtures
                         lay them out, and bf16_prefill_logits [1, S, V]
                         (bf16: the same checkpoint loaded in bfloat16) and
                         bf16_f32_probs_prefill_logits (the same, with the
                         text attention's probabilities kept in f32 until
                         p.v, as llama4c's online softmax keeps them)

    pip install -r scripts/requirements-golden.txt
    python3 scripts/make_multimodal_golden.py
"""

import json
import os
import shutil
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_golden import check_versions, versions  # noqa: E402

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO_ROOT, "test", "golden", "multimodal")
DEMO_TOKENIZER = os.path.join(REPO_ROOT, "examples", "tiny-llama4", "tokenizer.json")
TILE_SEPARATORS = ["<|tile_x_separator|>", "<|tile_y_separator|>"]
SEED = 20261128
TILE = 28
MAX_PATCHES = 4
NEW_TOKENS = 6
PROMPT = "Look at <|image|>, at <|image|> and at <|image|>: which is wider?"


def make_tokenizer():
    """The demo tokenizer's JSON with the tile separators appended."""
    with open(DEMO_TOKENIZER) as f:
        tokenizer = json.load(f)
    added = tokenizer["added_tokens"]
    next_id = max(t["id"] for t in added) + 1
    for offset, content in enumerate(TILE_SEPARATORS):
        added.append(dict(added[-1], id=next_id + offset, content=content))
    return tokenizer


def special_ids(tokenizer):
    return {t["content"]: t["id"] for t in tokenizer["added_tokens"]}


def make_images():
    """A wide image (one row of 3 tiles + the global tile), a tall one
    (2 tiles + global) and a square one (2 x 2 tiles + global): gradients with seeded noise, so that every tile
    differs."""
    from PIL import Image

    rng = np.random.default_rng(SEED)

    def image(width, height):
        y, x = np.mgrid[0:height, 0:width]
        rgb = np.stack([255 * x / width, 255 * y / height, 128 + 60 * np.sin(x / 3.0 + y / 5.0)], axis=-1)
        rgb = rgb + rng.normal(0, 20, rgb.shape)
        return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")

    return {"wide": image(70, 30), "tall": image(20, 50), "square": image(60, 60)}


def build_model(ids):
    from transformers import Llama4Config, Llama4ForConditionalGeneration

    text = dict(
        vocab_size=max(ids.values()) + 1, hidden_size=64, intermediate_size=32, intermediate_size_mlp=96,
        num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2, head_dim=16,
        num_local_experts=3, num_experts_per_tok=1, interleave_moe_layer_step=2,
        attention_chunk_size=16, no_rope_layers=[1, 1, 1, 0], use_qk_norm=True,
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
        floor_scale=8, attn_scale=0.1, attn_temperature_tuning=True,
        max_position_embeddings=256, rms_norm_eps=1e-5, hidden_act="silu",
        bos_token_id=ids["<|begin_of_text|>"], eos_token_id=None, pad_token_id=None,
    )
    vision = dict(
        hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=128,
        image_size=TILE, patch_size=7, num_channels=3, vision_output_dim=48,
        projector_input_dim=48, projector_output_dim=48, pixel_shuffle_ratio=0.5,
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
    )
    config = Llama4Config(
        text_config=text, vision_config=vision, image_token_index=ids["<|patch|>"],
        boi_token_index=ids["<|image_start|>"], eoi_token_index=ids["<|image_end|>"],
        tie_word_embeddings=False, attn_implementation="eager", dtype="float32",
    )
    torch.manual_seed(SEED)
    model = Llama4ForConditionalGeneration(config).eval()
    g = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters(), key=lambda kv: kv[0]):
            if name.endswith("norm.weight") or "layernorm" in name and name.endswith(".weight"):
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=g))
            elif name.endswith("embed_tokens.weight"):
                p.copy_(torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.15 * torch.randn(p.shape, generator=g))
    model.generation_config.eos_token_id = None
    model.generation_config.pad_token_id = None
    return model


def prompt_ids(aspect_ratios, ids, tokenizer_json):
    """The prompt's ids with each <|image|> expanded as Llama4Processor does
    (processing_llama4.py), built from the processor's own token layout."""
    from tokenizers import Tokenizer
    from transformers.models.llama4.processing_llama4 import Llama4Processor

    tokens_per_tile = (TILE // 7) ** 2 // 4
    pieces = PROMPT.split("<|image|>")
    text = pieces[0]
    for aspect, piece in zip(aspect_ratios, pieces[1:]):
        text += Llama4Processor._prompt_split_image(None, aspect, tokens_per_tile) + piece
    tokenizer = Tokenizer.from_str(json.dumps(tokenizer_json))
    encoded = tokenizer.encode(text).ids
    assert encoded[0] == ids["<|begin_of_text|>"]
    return encoded


def multimodal_forward(model, input_ids, pixel_values):
    """Llama4ForConditionalGeneration.forward's steps, called one by one:
    transformers 5.24's forward itself fails to build its output (it reads
    `image_outputs` off the language model's output)."""
    embeds = model.get_input_embeddings()(input_ids)
    features = model.get_image_features(pixel_values=pixel_values, return_dict=True).last_hidden_state
    projected = model.multi_modal_projector(features.view(-1, features.size(-1)))
    mask = model.get_placeholder_mask(input_ids, inputs_embeds=embeds, image_features=projected)
    embeds = embeds.masked_scatter(mask, projected)
    return model.language_model(inputs_embeds=embeds, use_cache=False).logits


def text_attention_with_f32_probabilities(module, query, key, value, attention_mask, scaling,
                                          dropout=0.0, **kwargs):
    """transformers' eager text attention, except that the softmax and p.v
    stay in f32 and only the output is rounded: what llama4c computes."""
    from transformers.models.llama4.modeling_llama4 import repeat_kv

    key = repeat_kv(key, module.num_key_value_groups)
    value = repeat_kv(value, module.num_key_value_groups)
    scores = torch.matmul(query, key.transpose(2, 3)) * scaling
    if attention_mask is not None:
        scores = scores + attention_mask
    probabilities = torch.softmax(scores.float(), dim=-1)
    out = torch.matmul(probabilities, value.float()).to(query.dtype)
    return out.transpose(1, 2).contiguous(), probabilities


def main():
    check_versions()
    from safetensors.torch import save_file
    from transformers import Llama4ImageProcessor

    tokenizer_json = make_tokenizer()
    ids = special_ids(tokenizer_json)
    images = make_images()
    processor = Llama4ImageProcessor(size={"height": TILE, "width": TILE}, max_patches=MAX_PATCHES)
    batch = processor(list(images.values()), return_tensors="pt")
    pixel_values = batch["pixel_values"].to(torch.float32)
    aspect_ratios = [tuple(int(v) for v in a) for a in batch["aspect_ratios"]]
    assert aspect_ratios == [(1, 3), (2, 1), (2, 2)], aspect_ratios

    model = build_model(ids)
    input_ids = torch.tensor([prompt_ids(aspect_ratios, ids, tokenizer_json)], dtype=torch.int64)
    patches = int((input_ids == ids["<|patch|>"]).sum())
    assert patches == pixel_values.shape[0] * 4, (patches, pixel_values.shape)

    captured = {}
    vision = model.model.vision_model if hasattr(model, "model") else model.vision_model

    def keep_post_norm(module, inputs, output):
        captured["post"] = output[:, :-1, :]  # returns None: the output stays as it is

    hook = vision.layernorm_post.register_forward_hook(keep_post_norm)
    with torch.no_grad():
        features = vision(pixel_values).last_hidden_state
        hook.remove()
        # Greedy decoding by full forwards, one per new token.
        sequence = input_ids
        step_logits = []
        for _ in range(NEW_TOKENS):
            logits = multimodal_forward(model, sequence, pixel_values)
            step_logits.append(logits[:, -1])
            if sequence is input_ids:
                prefill = logits
            sequence = torch.cat([sequence, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    new_ids = sequence[:, input_ids.shape[1]:]
    step_logits = torch.stack(step_logits, dim=1)  # [1, G, V]

    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    os.makedirs(os.path.join(OUT, "images"))
    for name, image in images.items():
        image.save(os.path.join(OUT, "images", name + ".png"))
    model.save_pretrained(OUT, safe_serialization=True)
    with open(os.path.join(OUT, "tokenizer.json"), "w") as f:
        json.dump(tokenizer_json, f, ensure_ascii=False)
    os.remove(os.path.join(OUT, "generation_config.json"))
    processor.save_pretrained(OUT)
    from transformers import Llama4ForConditionalGeneration

    bf16_model = Llama4ForConditionalGeneration.from_pretrained(
        OUT, dtype=torch.bfloat16, attn_implementation="eager").eval()
    import transformers.models.llama4.modeling_llama4 as modeling

    with torch.no_grad():
        bf16_logits = multimodal_forward(bf16_model, input_ids, pixel_values.to(torch.bfloat16))
        eager = modeling.eager_attention_forward
        modeling.eager_attention_forward = text_attention_with_f32_probabilities
        f32_probs_logits = multimodal_forward(bf16_model, input_ids, pixel_values.to(torch.bfloat16))
        modeling.eager_attention_forward = eager
    reference = {
        "input_ids": input_ids,
        "pixel_values": pixel_values.contiguous(),
        "aspect_ratios": torch.tensor(aspect_ratios, dtype=torch.int64),
        "vision_before_shuffle": captured["post"].contiguous(),
        "vision_features": features.contiguous(),
        "prefill_logits": prefill.contiguous(),
        "generated_ids": new_ids.contiguous(),
        "decode_logits": step_logits.contiguous(),
        "bf16_prefill_logits": bf16_logits.contiguous(),
        "bf16_f32_probs_prefill_logits": f32_probs_logits.contiguous(),
    }
    meta = dict(versions())
    meta.update({"generator": "scripts/make_multimodal_golden.py", "seed": str(SEED), "prompt": PROMPT,
                 "attn_implementation": "eager", "dtype": "float32"})
    save_file(reference, os.path.join(OUT, "reference.safetensors"), metadata=meta)
    print(f"wrote {OUT}: {input_ids.shape[1]} prompt tokens, {pixel_values.shape[0]} tiles, "
          f"generated {new_ids.tolist()}")


if __name__ == "__main__":
    main()
