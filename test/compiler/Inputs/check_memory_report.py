"""Checks the memory part of an --emit report JSON against the shapes a
Llama 4 config.json gives, computed here on their own: the KV caches (a
chunked layer's window of attention_chunk_size slots whatever the context,
a global (NoPE) layer's every position; transformers' DynamicCache keeps a
chunked layer's last chunk - 1), the routed experts (gate_up [E, H, 2I] and
down [E, I, H] in each MoE layer), and that each GPU's placement adds up:
less the reserve, the weights other than routed experts first, then the
cache (the global layers' pages beyond the GPU in host memory), then the
experts that fit; streamed bytes are the missing share of a token's
experts plus the cache in host memory (a step reads every position of a
global layer), a faster link predicts more, a larger GPU keeps more
experts or more of the cache.

    check_memory_report.py CONFIG.json REPORT.json"""
import json
import sys

config = json.load(open(sys.argv[1]))
memory = json.load(open(sys.argv[2]))["memory"]
text = config.get("text_config", config)
element = {"bfloat16": 2, "float32": 4}[text.get("torch_dtype") or config.get("torch_dtype") or "float32"]
layers = text["num_hidden_layers"]
chunked = sum(text["no_rope_layers"]) if text.get("attention_chunk_size") else 0
slot = 2 * text["num_key_value_heads"] * text["head_dim"] * element  # keys and values
chunk = text.get("attention_chunk_size") or 0
step = text.get("interleave_moe_layer_step") or 1
moe = text.get("moe_layers") or [i for i in range(layers) if (i + 1) % step == 0]
experts = len(moe) * text["num_local_experts"] * 3 * text["hidden_size"] * text["intermediate_size"] * element
per_token = experts * text["num_experts_per_tok"] / text["num_local_experts"]


def close(got, expected, what):
    if abs(got - expected) > 1e-9 * max(abs(expected), 1):
        sys.exit(f"{what}: {got}, expected {expected}")


weights = memory["weights"]
close(weights["routed_expert_bytes"], experts, "routed_expert_bytes")
close(weights["routed_expert_bytes_per_token"], per_token, "routed_expert_bytes_per_token")
for row in memory["kv_cache"]:
    n = row["context"]
    close(row["bytes"], slot * (chunked * chunk + (layers - chunked) * n), f"kv bytes at {n}")
    close(row["transformers_dynamic_cache_bytes"],
          slot * (chunked * min(n, chunk - 1) + (layers - chunked) * n), f"DynamicCache at {n}")
    close(row["read_per_decode_step_bytes"],
          slot * (chunked * ((n - 1) % chunk + 1) + (layers - chunked) * n), f"decode reads at {n}")

cache_bytes = {row["context"]: row["bytes"] for row in memory["kv_cache"]}
others = weights["total_bytes"] - experts  # every step, embedding, vision
shares = {}
for name, device in memory["devices"].items():
    budget = device["memory_bytes"] - memory["reserved_bytes"]
    for row in device["contexts"]:
        if row["fits"] or not row["offloadable"]:
            continue
        cache = cache_bytes[row["context"]]
        in_host = max(0, others + cache - budget)
        close(row["kv_cache_in_host_bytes"], in_host, f"{name} cache in host memory")
        share = row["resident_expert_share"]
        close(share, min(1, max(0, budget - others - cache) / experts), f"{name} resident share")
        if not 0 <= share < 1:
            sys.exit(f"{name} at {row['context']}: resident share {share}")
        close(row["streamed_bytes_per_decode_step"], (1 - share) * per_token + in_host,
              f"{name} streamed")
        rates = row["predicted_decode_tokens_per_second"]
        if not rates["NVLink-C2C"] > rates["PCIe 5.0 x16"] > 0:
            sys.exit(f"{name} at {row['context']}: rates {rates}")
        shares.setdefault(row["context"], []).append((device["memory_bytes"], share, in_host))
# A larger GPU keeps more experts or more of the cache.
for context, rows in shares.items():
    rows.sort()
    for a, b in zip(rows, rows[1:]):
        if a[0] < b[0] and not (b[1] >= a[1] and b[2] <= a[2] and (b[1] > a[1] or b[2] < a[2])):
            sys.exit(f"at {context}: more memory keeps no more: {rows}")
print(f"memory as the config's shapes give it; {sum(map(len, shares.values()))} offloaded placements")
