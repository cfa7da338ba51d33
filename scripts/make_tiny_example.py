#!/usr/bin/env python3
"""Writes examples/tiny: a bf16 copy of the golden fixture
moe_top2_chunk8_llama3eq (4 layers, MoE top-2 of 4 experts, NoPE layers,
chunked attention, llama3 RoPE scaling; random weights), the model the
README's main job compiles and runs.

    pip install -r scripts/requirements-golden.txt
    python3 scripts/make_tiny_example.py
"""
import pathlib

import torch
from transformers import Llama4ForCausalLM

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCE = ROOT / "test/golden/fixtures/moe_top2_chunk8_llama3eq"
TARGET = ROOT / "examples/tiny"


def main():
    model = Llama4ForCausalLM.from_pretrained(SOURCE, dtype=torch.bfloat16)
    model.save_pretrained(TARGET, safe_serialization=True)
    (TARGET / "generation_config.json").unlink(missing_ok=True)
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
