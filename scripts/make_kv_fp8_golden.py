#!/usr/bin/env python3
"""Reference logits of the golden fixtures with float8 KV caches, from Hugging Face transformers.

``llama4c compile --kv-dtype fp8`` stores every cached key and value vector (one head at one
position) as float8 e4m3 codes times a power-of-two scale: ``scale = 2^(e - 7)`` for ``e`` the
binary exponent of the vector's largest magnitude (clamped to [-119, 127]), the codes ``x / scale``
rounded to nearest even. A call attends to its own keys and values as computed and to earlier
calls' as the cache holds them. This script computes the same with transformers' own Llama 4
(eager attention, float32) and torch's own ``float8_e4m3fn`` conversion: each cache layer's
``update`` returns the keys it was given as they are and keeps them quantized.

For every fixture under test/golden/fixtures it feeds the reference prompt in pieces of 3 tokens
(so that later pieces read the cache), then the reference's generated tokens one at a time, and
writes ``kv_fp8_reference.safetensors`` beside the fixture: ``prefill_logits`` [B, S, V] and
``decode_logits`` [B, N, V] (step 0 the prompt's last, step t after feeding generated_ids[:, t-1]).

Self-checks: without quantization the same protocol must reproduce reference.safetensors to 1e-5
(the cache and positions are fed right), and with it the logits must move (the patch is engaged).

Usage:
  python3 scripts/make_kv_fp8_golden.py            # (re)write every fixture's file
  python3 scripts/make_kv_fp8_golden.py --check    # recompute and compare with the files (1e-5)
"""

import argparse
import os
import sys

import torch
from safetensors.torch import load_file, save_file
from transformers import DynamicCache, Llama4ForCausalLM

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(REPO_ROOT, "test", "golden", "fixtures")
PIECE = 3
CHECK_TOL = 1e-5
FILE = "kv_fp8_reference.safetensors"


def e4m3_round_trip(x):
    """x [..., d] as the cache holds it: e4m3 codes times a power-of-two scale per vector."""
    amax = x.abs().amax(dim=-1, keepdim=True)
    # frexp: amax = m * 2^k with m in [0.5, 1), so amax's exponent is k - 1.
    exponent = torch.frexp(amax).exponent - 1
    exponent = torch.where(amax > 0, exponent, torch.full_like(exponent, -119))
    scale = torch.ldexp(torch.ones_like(amax), exponent.clamp(-119, 127) - 7)
    codes = (x / scale).to(torch.float8_e4m3fn)
    return codes.to(torch.float32) * scale


def quantizing(layer):
    """Wraps a cache layer's update: returns the new states as given, keeps them quantized."""
    update = layer.update

    def wrapped(key_states, value_states, *args, **kwargs):
        keys, values = update(key_states, value_states, *args, **kwargs)
        keys, values = keys.clone(), values.clone()
        # The new tokens are the last ones the layer keeps.
        for stored in (layer.keys, layer.values):
            new = min(key_states.shape[-2], stored.shape[-2])
            stored[..., -new:, :] = e4m3_round_trip(stored[..., -new:, :])
        return keys, values

    layer.update = wrapped


def run(model, input_ids, generated, quantize):
    """The logits of the prompt fed in pieces, then of each generated token fed back."""
    B, S = input_ids.shape
    N = generated.shape[1]
    cache = DynamicCache(config=model.config)
    logits, fed = [], 0

    def feed(ids):
        nonlocal fed
        if quantize and not getattr(cache, "quantizing", False):
            for layer in cache.layers:
                quantizing(layer)
            cache.quantizing = True
        L = ids.shape[1]
        out = model(input_ids=ids, past_key_values=cache, use_cache=True,
                    attention_mask=torch.ones(B, fed + L, dtype=torch.long),
                    cache_position=torch.arange(fed, fed + L))
        fed += L
        return out.logits.float()

    with torch.no_grad():
        for start in range(0, S, PIECE):
            logits.append(feed(input_ids[:, start:start + PIECE]))
        prefill = torch.cat(logits, dim=1)
        steps = [prefill[:, -1]]
        for t in range(1, N):
            steps.append(feed(generated[:, t - 1:t])[:, -1])
    return prefill, torch.stack(steps, dim=1)


def build(name):
    directory = os.path.join(FIXTURES, name)
    model = Llama4ForCausalLM.from_pretrained(directory, attn_implementation="eager",
                                              dtype=torch.float32)
    model.eval()
    ref = load_file(os.path.join(directory, "reference.safetensors"))
    input_ids, generated = ref["input_ids"], ref["generated_ids"]

    exact_prefill, exact_decode = run(model, input_ids, generated, quantize=False)
    e_prefill = float((exact_prefill - ref["prefill_logits"]).abs().max())
    e_decode = float((exact_decode - ref["decode_logits"]).abs().max())
    if max(e_prefill, e_decode) > CHECK_TOL:
        sys.exit(f"{name}: the protocol without quantization misses the reference by "
                 f"{e_prefill:.3g} (prefill), {e_decode:.3g} (decode)")

    prefill, decode = run(model, input_ids, generated, quantize=True)
    moved = float((decode - ref["decode_logits"]).abs().max())
    if moved <= CHECK_TOL:
        sys.exit(f"{name}: float8 caches left the logits unchanged ({moved:.3g})")
    print(f"{name}: float8 caches move the decode logits by up to {moved:.3g}")
    return {"prefill_logits": prefill.contiguous(), "decode_logits": decode.contiguous()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the files on disk instead of writing them")
    args = parser.parse_args()
    failed = False
    for name in sorted(os.listdir(FIXTURES)):
        tensors = build(name)
        path = os.path.join(FIXTURES, name, FILE)
        if args.check:
            old = load_file(path)
            diff = max(float((tensors[k] - old[k]).abs().max()) for k in tensors)
            print(f"{name}: max abs diff {diff:.3g}")
            failed |= diff > CHECK_TOL
        else:
            metadata = {"torch": torch.__version__, "piece": str(PIECE),
                        "description": "logits with e4m3 KV caches, scale 2^(e - 7) per vector"}
            save_file(tensors, path, metadata=metadata)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
