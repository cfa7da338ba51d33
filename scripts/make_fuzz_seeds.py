#!/usr/bin/env python3
"""Writes test/fuzz/corpus/NAME/: seed inputs for the fuzz targets that
have no seeds elsewhere in the tree (test/fuzz/CMakeLists.txt lists the
other seed directories each target also reads).

    python3 scripts/make_fuzz_seeds.py

Deterministic: taken from the committed fixtures and small hand-made files.
"""
import hashlib
import json
import pathlib
import re
import struct

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "test/fuzz/corpus"


def write(name, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    directory = OUT / name
    directory.mkdir(parents=True, exist_ok=True)
    (directory / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def safetensors(tensors, metadata=None):
    """tensors: name -> (dtype, shape, bytes)."""
    header, offset, body = {}, 0, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, (dtype, shape, data) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        body += data
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + body


def main():
    write("safetensors", safetensors({"w": ("F32", [2, 2], struct.pack("<4f", 1, 2, 3, 4)),
                                      "b": ("BF16", [3], b"\x80\x3f" * 3)},
                                     {"format": "pt"}))
    write("safetensors", safetensors({"scalar": ("F32", [], struct.pack("<f", 1.5)),
                                      "empty": ("F32", [0, 4], b"")}))
    write("safetensors", safetensors({"ids": ("I64", [2], struct.pack("<2q", 7, 9))}))

    shard = "model-00001-of-00001.safetensors"
    write("checkpoint_index", json.dumps({"metadata": {"total_size": 8}, "weight_map": {"w": shard}}))
    write("checkpoint_index", json.dumps({"weight_map": {"w": shard, "v": "other.safetensors"}}))

    manifest = {"llama4c_version": "0.1.0", "abi_version": 9, "target": "cpu",
                "emulated": False, "cpu": {"name": "x86-64-v3", "features": ["avx2", "fma"]},
                "dtype": "f32", "vocab_size": 16,
                "max_position_embeddings": 32, "multimodal": False, "image_token_index": None,
                "config": {"model_type": "llama4_text", "eos_token_id": [15, 14]},
                "weights": [{"name": "bias", "dtype": "f32", "shape": [16],
                             "role": "every_step"},
                            {"name": "table", "dtype": "f32", "shape": [2, 3],
                             "role": "embedding"}],
                "kv_cache": [{"layer": 0, "kind": "key", "dtype": "f32", "kv_heads": 1,
                              "window": 0, "page_size": 256, "head_dim": 2},
                             {"layer": 0, "kind": "value", "dtype": "f32", "kv_heads": 1,
                              "window": 4, "page_size": 0, "head_dim": 2}]}
    write("manifest", json.dumps(manifest))
    # A multimodal GPU model's: vision settings, weights of every role, and a float8 KV cache of
    # chunked layers (a window of slots) beside global ones (pages of
    # positions), each layer's keys and values with their f32 scales.
    layers = [{"layer": layer, "kind": kind,
               "dtype": "f32" if kind.endswith("scales") else "f8_e4m3", "kv_heads": 2,
               "window": 0 if layer % 4 == 3 else 64,
               "page_size": 256 if layer % 4 == 3 else 0,
               "head_dim": 1 if kind.endswith("scales") else 64}
              for layer in range(4)
              for kind in ("key", "value", "key_scales", "value_scales")]
    write("manifest", json.dumps(dict(
        manifest, target="sm_90", emulated=True, dtype="bf16",
        vocab_size=2050, max_position_embeddings=2048, multimodal=True,
        image_token_index=2047,
        vision={"image_size": 56, "num_channels": 3, "tokens_per_tile": 4},
        weights=manifest["weights"] + [
            {"name": "experts", "dtype": "bf16", "shape": [4, 8, 16], "role": "routed_experts"},
            {"name": "patch", "dtype": "bf16", "shape": [8, 3], "role": "vision"}],
        kv_cache=layers)))

    for case in json.loads((ROOT / "test/tokenizer/fixtures/corpus.json").read_text())["cases"]:
        write("tokenizer_encode", case["text"])

    cases = json.loads((ROOT / "test/chat-template/fixtures/cases.json").read_text())
    for source in cases["templates"].values():
        write("chat_template", source)
    for snippet in cases["snippets"]:
        write("chat_template", snippet["template"])
    # The inside of the snippets' {{ ... }} tags, for the expression target.
    for snippet in cases["snippets"]:
        for expression in re.findall(r"\{\{-?(.*?)-?\}\}", snippet["template"], re.S):
            write("jinja_expression", expression.strip())

    # Tile schedules: every key once, and the GPU's keys.
    write("schedule", "attention_key_block: 16\ncpu_attention_query_block: 64\n"
                      "cpu_weight_block_bytes: 4096\ncpu_team_multiply_adds: 0\n")
    write("schedule", "# decode on the GPU\ngpu_warp_rows: 4\ngpu_block_threads: 256\n"
                      "gpu_attention_split_keys: 8\ngpu_chained_entry: decode\n"
                      "moe_dispatch: per-token\n")
    write("schedule", "{attention_key_block: 8, moe_dispatch: grouped}\n")

    # The image fixtures' small files: each PNG colour type and JPEG kind,
    # and the CMYK JPEG the decoder refuses.
    for path in sorted((ROOT / "test/vision/fixtures/images").iterdir()):
        if path.stat().st_size <= 4200:
            write("image", path.read_bytes())

    # Prompt ids as --prompt-ids and --prompt-ids-file take them.
    write("prompt_ids", "1,2,3")
    write("prompt_ids", "200000 17\n42\t9, 8 ,7\n")
    write("prompt_ids", "9223372036854775807,0")
    write("prompt_ids", "1,,2")


if __name__ == "__main__":
    main()
