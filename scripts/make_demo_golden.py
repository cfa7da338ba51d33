#!/usr/bin/env python3
"""Builds test/golden/demo/generations.json: what transformers generates
greedily with the bundled demo model (examples/tiny-llama4), for DemoTest
to compare llama4-run with, token for token.

    pip install -r scripts/requirements-golden.txt
    python3 scripts/make_demo_golden.py

"prompts": raw text continued by generate(do_sample=False) after the
tokenizer's BOS. "chat": one conversation, turn by turn, as llama4-run
--chat builds it: each user line is appended, apply_chat_template(...,
add_generation_prompt=True) is tokenised and continued greedily until an
eos id, and the reply's text (eos left out) becomes the assistant message.
Long enough to cross the model's 64-token attention chunks several times.

"min_margin" is the smallest gap between the best and second-best logit
over every greedy step: a comparison is only meaningful when it is well
above the numerical differences between implementations.

bf16_prefill.safetensors: the prefill logits of the model run in bf16
("input_ids" [S], "logits" [S, V] bf16, as transformers computes them) for
a prompt that crosses the 64-token chunk, for DemoTest's bf16 build. In
bf16 the top logits of greedy steps tie exactly, so these are compared by
relative L2, not by ids.
"""
import json
import pathlib

import torch
import transformers
from safetensors.torch import save_file
from transformers import AutoTokenizer, Llama4ForCausalLM

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples/tiny-llama4"
OUT = ROOT / "test/golden/demo/generations.json"
BF16_OUT = ROOT / "test/golden/demo/bf16_prefill.safetensors"
BF16_PROMPT = " ".join(["And it came to pass, when the king of Israel heard these words,"] * 6)
NEW_TOKENS = 40

PROMPTS = [
    "Once upon a time",
    "In the beginning",
    "And the king said unto",
    "The LORD is my shepherd",
    "Blessed are the",
    "Then Jesus answered and said,",
]
CHAT = [
    "Who made the heaven and the earth?",
    "And what of the sea?",
    "Tell me of the king.",
]


def greedy(model, ids):
    """New tokens and the smallest top-1 margin of generate(do_sample=False)."""
    out = model.generate(torch.tensor([ids]), do_sample=False, max_new_tokens=NEW_TOKENS,
                         output_logits=True, return_dict_in_generate=True)
    new = out.sequences[0, len(ids):].tolist()
    margin = min((lambda top: (top[0] - top[1]).item())(step[0].topk(2).values)
                 for step in out.logits)
    return new, margin


def text_of(tokenizer, eos, tokens):
    if tokens and tokens[-1] in eos:
        tokens = tokens[:-1]
    return tokenizer.decode(tokens)


def main():
    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(DEMO)
    model = Llama4ForCausalLM.from_pretrained(DEMO, dtype=torch.float32).eval()
    eos = model.generation_config.eos_token_id
    margins = []

    prompts = []
    for prompt in PROMPTS:
        ids = tokenizer(prompt).input_ids
        new, margin = greedy(model, ids)
        margins.append(margin)
        prompts.append({"prompt": prompt, "prompt_ids": ids, "tokens": new,
                        "text": text_of(tokenizer, eos, new)})

    messages, turns = [], []
    for line in CHAT:
        messages.append({"role": "user", "content": line})
        ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True,
                                            tokenize=True, return_dict=False)
        new, margin = greedy(model, ids)
        margins.append(margin)
        content = text_of(tokenizer, eos, new)
        messages.append({"role": "assistant", "content": content})
        turns.append({"user": line, "conversation_tokens": len(ids), "tokens": new,
                      "content": content})

    bf16 = Llama4ForCausalLM.from_pretrained(DEMO, dtype=torch.bfloat16).eval()
    ids = tokenizer(BF16_PROMPT).input_ids
    with torch.no_grad():
        logits = bf16(torch.tensor([ids])).logits[0]
    save_file({"input_ids": torch.tensor(ids), "logits": logits.to(torch.bfloat16).contiguous()},
              str(BF16_OUT))

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "transformers_version": transformers.__version__, "torch_version": torch.__version__,
        "max_new_tokens": NEW_TOKENS, "min_margin": min(margins),
        "prompts": prompts, "chat": turns}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}; smallest top-1 margin {min(margins):.4f}")


if __name__ == "__main__":
    main()
