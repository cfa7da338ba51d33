#!/usr/bin/env python3
"""Trains examples/tiny-llama4: the small Llama 4 the README's main job
compiles and talks to.

    apt-get install bible-kjv        # the King James Bible (public domain)
    pip install -r scripts/requirements-golden.txt
    python3 scripts/train_tiny_llama4.py [--steps N]

The model is a text Llama 4 with every feature the compiler handles: MoE
layers (top-1 of 4 experts plus the shared expert) interleaved with dense
ones, RoPE with llama3 scaling, a NoPE layer with attention temperature
tuning, chunked local attention (64-token chunks, shorter than the 256-token
training windows) and qk L2-norm. It is f32, about 4.4 M parameters
(17 MiB), and learns the King James Bible's English in about twelve minutes
on two CPU cores.

The tokenizer is a 2,048-token byte-level BPE trained on the same text in
Llama 4's form (scripts/llama4_bpe.py), with Llama 4's special tokens and
its official chat template, so that `llama4-run --chat` runs the real
template (the model itself is not instruction-tuned).

Deterministic for a given torch build: fixed seeds, one data order.
"""
import argparse
import json
import pathlib
import re
import subprocess
import time

import torch
from transformers import GenerationConfig, Llama4ForCausalLM, Llama4TextConfig, PreTrainedTokenizerFast

from llama4_bpe import train_bpe

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "examples/tiny-llama4"
CHAT_TEMPLATE = (ROOT / "scripts/llama4_chat_template.jinja").read_text(encoding="utf-8")

VOCAB = 2048
SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|header_start|>", "<|header_end|>",
            "<|eom|>", "<|eot|>", "<|step|>", "<|python_start|>", "<|python_end|>",
            "<|finetune_right_pad|>", "<|image_start|>", "<|image_end|>", "<|image|>", "<|patch|>"]
WINDOW = 256


def bible_chapters():
    """The KJV as one paragraph per chapter, verse numbers dropped."""
    listing = subprocess.run(["bible", "-f", "Gen1:1-Rev22:21"], check=True,
                             capture_output=True, text=True).stdout
    chapters, current, verses = [], None, []
    for line in listing.splitlines():
        match = re.match(r"(\w+?\d+):\d+ (.*)", line)
        if not match:
            continue
        if match.group(1) != current and verses:
            chapters.append(" ".join(verses))
            verses = []
        current = match.group(1)
        verses.append(match.group(2).strip())
    chapters.append(" ".join(verses))
    return chapters


def model_config(tokenizer):
    return Llama4TextConfig(
        vocab_size=VOCAB, hidden_size=256, num_hidden_layers=4,
        num_attention_heads=4, num_key_value_heads=2, head_dim=64,
        intermediate_size=256, intermediate_size_mlp=384,
        num_local_experts=4, num_experts_per_tok=1, interleave_moe_layer_step=2,
        no_rope_layer_interval=4, attention_chunk_size=64,
        attn_temperature_tuning=True, floor_scale=64, attn_scale=0.1,
        use_qk_norm=True, max_position_embeddings=2048,
        rope_parameters={"rope_type": "llama3", "rope_theta": 10000.0, "factor": 8.0,
                         "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                         "original_max_position_embeddings": 256},
        bos_token_id=tokenizer.token_to_id("<|begin_of_text|>"),
        eos_token_id=[tokenizer.token_to_id("<|end_of_text|>"), tokenizer.token_to_id("<|eot|>")],
        pad_token_id=tokenizer.token_to_id("<|finetune_right_pad|>"),
        tie_word_embeddings=False, dtype="float32")


def train(model, ids, bos, steps, batch):
    """AdamW on random BOS-led windows of the token stream, cosine schedule."""
    generator = torch.Generator().manual_seed(0)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, betas=(0.9, 0.95), weight_decay=0.1)
    warmup = max(steps // 20, 1)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, 0.5 * (1 + torch.cos(torch.tensor(step / steps * torch.pi)).item())))
    model.train()
    start = time.time()
    for step in range(steps):
        offsets = torch.randint(0, len(ids) - WINDOW, (batch,), generator=generator)
        rows = torch.stack([ids[o:o + WINDOW - 1] for o in offsets.tolist()])
        inputs = torch.cat([torch.full((batch, 1), bos), rows], dim=1)
        loss = model(input_ids=inputs, labels=inputs).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        if step % 25 == 0 or step == steps - 1:
            print(f"step {step:4d}  loss {loss.item():.3f}  {time.time() - start:6.0f} s", flush=True)


def save(model, tokenizer):
    OUT.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(OUT, safe_serialization=True)
    PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, bos_token="<|begin_of_text|>", eos_token="<|eot|>",
        pad_token="<|finetune_right_pad|>", chat_template=CHAT_TEMPLATE,
        model_max_length=model.config.max_position_embeddings).save_pretrained(OUT)
    GenerationConfig(
        do_sample=True, temperature=0.7, top_p=0.9, top_k=50,
        bos_token_id=model.config.bos_token_id, eos_token_id=model.config.eos_token_id,
        pad_token_id=model.config.pad_token_id).save_pretrained(OUT)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch", type=int, default=16)
    args = parser.parse_args()

    torch.manual_seed(0)
    chapters = bible_chapters()
    tokenizer = train_bpe(chapters, VOCAB - len(SPECIALS), SPECIALS)
    assert tokenizer.get_vocab_size() == VOCAB
    eos = tokenizer.token_to_id("<|end_of_text|>")
    stream = []
    for chapter in chapters:
        stream += tokenizer.encode(chapter, add_special_tokens=False).ids + [eos]
    ids = torch.tensor(stream)
    print(f"{len(chapters)} chapters, {len(ids)} tokens")

    model = Llama4ForCausalLM(model_config(tokenizer))
    print(f"{sum(p.numel() for p in model.parameters()) / 1e6:.2f} M parameters")
    train(model, ids, tokenizer.token_to_id("<|begin_of_text|>"), args.steps, args.batch)
    save(model.eval(), tokenizer)
    print(json.dumps({"wrote": str(OUT)}))


if __name__ == "__main__":
    main()
