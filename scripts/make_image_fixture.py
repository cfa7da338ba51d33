#!/usr/bin/env python3
"""Builds test/vision/fixtures/: small images and what transformers'
Llama4ImageProcessor and Llama4Processor make of them, for
ImageProcessorTest to compare runtime/vision against.

    pip install -r scripts/requirements-golden.txt
    python3 scripts/make_image_fixture.py

Images are made here from gradients and seeded noise, in every PNG colour
type PIL reads (grey 1-16 bits, palette with and without tRNS, grey+alpha,
RGB(A) 8 and 16 bits, tRNS colour keys, Adam7) and as JPEG (baseline 4:2:0,
progressive, greyscale). They are loaded as transformers' users load them,
PIL.Image.open, and processed with small tiles (28 px, max_patches 6 or 16,
resize_to_max_canvas both ways) and once with the real defaults (336 px,
16 patches).

Written:
  images/                 the inputs (cmyk.jpg: one we refuse)
  pixel_values.safetensors  "CASE": pixel_values (BF16 [tiles, 3, T, T]);
                          "decoded/IMAGE": the RGB array the processor
                          starts from (convert_to_rgb(PIL image), U8 [h, w, 3])
  expected/               large expectations as lossless PNG (see cases.json)
  tokenizer.json          a byte-level tokenizer with Llama 4's image tokens
  cases.json              per case: image, settings, aspect ratio, tiles;
                          the prompt and its ids from Llama4Processor; and
                          "fits": image sizes with the canvas and resized
                          size transformers chooses for each.

Torch resizes uint8 images with its own fixed-point kernel only where
torchvision asks it to (AVX2, AVX512, ARM64); elsewhere it resizes in float
and rounds, which changes the last bit of some pixels. The script refuses
to run on such a machine.
"""
import hashlib
import json
import pathlib
import platform
import re
import struct
import zlib

import numpy as np
import PIL
import torch
import torchvision
import transformers
from PIL import Image, features
from safetensors.torch import save_file
from transformers import Llama4ImageProcessor, Llama4Processor, PreTrainedTokenizerFast
from transformers.image_transforms import convert_to_rgb

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "test/vision/fixtures"
IMAGES = OUT / "images"


def gradient(height, width, channels, seed, noise=10):
    """Smooth ramps in each channel plus seeded noise, as uint8."""
    rng = np.random.default_rng(seed)
    y = np.linspace(0, 1, height)[:, None, None]
    x = np.linspace(0, 1, width)[None, :, None]
    phase = np.arange(channels)[None, None, :]
    base = 127.5 + 120 * np.sin(3 * x + 2 * y + 1.3 * phase) * np.cos(2 * y - x + phase)
    return np.clip(base + rng.normal(0, noise, (height, width, channels)), 0, 255).astype(np.uint8)


# --- A PNG writer for what PIL cannot write (16-bit RGB, low bit depths,
# --- colour keys, Adam7).

def _chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def _pack_rows(samples, bit_depth):
    """samples: [rows, values] of ints -> filter byte 0 + packed bytes, per row."""
    out = b""
    for row in samples:
        if bit_depth == 16:
            data = row.astype(">u2").tobytes()
        elif bit_depth == 8:
            data = row.astype(np.uint8).tobytes()
        else:
            per_byte = 8 // bit_depth
            packed = bytearray((len(row) * bit_depth + 7) // 8)
            for i, value in enumerate(row):
                packed[i // per_byte] |= int(value) << (8 - bit_depth * (i % per_byte + 1))
            data = bytes(packed)
        out += b"\0" + data
    return out


ADAM7 = [(0, 0, 8, 8), (0, 4, 8, 8), (4, 0, 8, 4), (0, 2, 4, 4), (2, 0, 4, 2), (0, 1, 2, 2), (1, 0, 2, 1)]


def write_png(path, samples, color_type, bit_depth, plte=None, trns=None, interlace=False):
    """samples: [h, w, channels] integers in the file's sample units."""
    height, width, channels = samples.shape
    if interlace:
        raw = b""
        for y0, x0, dy, dx in ADAM7:
            sub = samples[y0::dy, x0::dx]
            if sub.size:
                raw += _pack_rows(sub.reshape(sub.shape[0], -1), bit_depth)
    else:
        raw = _pack_rows(samples.reshape(height, width * channels), bit_depth)
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, int(interlace))
    data = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr)
    if plte is not None:
        data += _chunk(b"PLTE", np.asarray(plte, np.uint8).tobytes())
    if trns is not None:
        data += _chunk(b"tRNS", trns)
    data += _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")
    path.write_bytes(data)


def make_images():
    """Writes images/ and returns {name: file name}."""
    IMAGES.mkdir(parents=True, exist_ok=True)
    files = {}

    def save(name, image, **options):
        image.save(IMAGES / name, **options)
        files[name.rsplit(".", 1)[0]] = name

    save("square.png", Image.fromarray(gradient(130, 130, 3, 1, noise=4)))
    save("wide.png", Image.fromarray(gradient(60, 90, 3, 2)))
    save("tall.png", Image.fromarray(gradient(130, 40, 3, 3)))
    save("tiny.png", Image.fromarray(gradient(17, 11, 3, 4)))
    save("grey.png", Image.fromarray(gradient(37, 50, 1, 5)[..., 0]))
    rgba = gradient(47, 33, 4, 6)
    rgba[..., 3] = np.linspace(0, 255, 33).astype(np.uint8)[None, :]  # alpha 0 ... 255
    save("rgba.png", Image.fromarray(rgba))
    grey_alpha = gradient(29, 31, 2, 7)
    save("grey-alpha.png", Image.fromarray(grey_alpha))
    # A palette image whose tRNS makes some entries (partly) transparent.
    indices = (gradient(30, 45, 1, 8)[..., 0] // 16).astype(np.uint8)
    palette = Image.frombytes("P", (45, 30), indices.tobytes())
    palette.putpalette(gradient(1, 16, 3, 9, noise=60).reshape(-1).tolist())
    save("palette.png", palette, transparency=bytes([0, 64, 128] + [255] * 13))
    grey16 = gradient(23, 26, 1, 10)[..., 0].astype("<u2") * 3  # 0..765: PIL clips to 255
    save("grey16.png", Image.frombytes("I;16", (26, 23), grey16.tobytes()))
    save("bilevel.png", Image.fromarray(gradient(21, 35, 1, 11)[..., 0] > 127).convert("1"))
    save("photo.jpg", Image.fromarray(gradient(72, 96, 3, 12, noise=4)), quality=90, subsampling=2)
    save("progressive.jpg", Image.fromarray(gradient(50, 70, 3, 13)), quality=85, progressive=True)
    save("grey-photo.jpg", Image.fromarray(gradient(40, 30, 1, 14)[..., 0]), quality=90)

    def write(name, *args, **kwargs):
        write_png(IMAGES / name, *args, **kwargs)
        files[name.rsplit(".", 1)[0]] = name

    rng = np.random.default_rng(15)
    rgb16 = gradient(25, 27, 3, 16).astype(np.int64) * 257 + rng.integers(-200, 200, (25, 27, 3))
    rgb16 = np.clip(rgb16, 0, 65535)
    rgb16[3:6, 4:9] = [0x1234, 0x5678, 0x9ABC]  # the colour key, in 16 bits
    write("rgb16-key.png", rgb16, 2, 16, trns=struct.pack(">HHH", 0x1234, 0x5678, 0x9ABC))
    grey4 = gradient(19, 24, 1, 17) // 16
    write("grey4-key.png", grey4, 0, 4, trns=struct.pack(">H", 119))  # keys scaled value 7*17
    write("palette2.png", gradient(18, 22, 1, 18) // 64, 3, 2,
          plte=[[200, 30, 40], [20, 220, 60], [70, 80, 250], [250, 250, 0]])
    write("interlaced.png", gradient(33, 37, 3, 19), 2, 8, interlace=True)
    rgb_key = gradient(20, 20, 3, 20)
    rgb_key[5:9, 5:9] = [10, 20, 30]
    write("rgb-key.png", rgb_key, 2, 8, trns=struct.pack(">HHH", 10, 20, 30))

    # Every (alpha, value) pair through convert_to_rgb's compositing; its
    # expectation is large, so it goes to expected/ as a PNG.
    alpha = np.arange(256)[:, None].repeat(256, 1)
    value = np.arange(256)[None, :].repeat(256, 0)
    all_pairs = np.stack([value, 255 - value, (value * 7) % 256, alpha], -1).astype(np.uint8)
    save("alpha-pairs.png", Image.fromarray(all_pairs))
    # PIL converts CMYK JPEGs; we refuse them (not in `files`).
    Image.frombytes("CMYK", (8, 8), gradient(8, 8, 4, 21).tobytes()).save(IMAGES / "cmyk.jpg", quality=90)
    return files


def open_rgb(name):
    return convert_to_rgb(Image.open(IMAGES / name), return_numpy=True)


class SizeRecorder(Llama4ImageProcessor):
    """Records the sizes the processor resizes to, without resizing."""

    def resize(self, image, size, resample=None, **kwargs):
        self.sizes.append((int(size.height), int(size.width)))
        return torch.zeros(image.shape[:-2] + (int(size.height), int(size.width)), dtype=image.dtype)


def fit_sizes(tile, max_patches, rng):
    """Image sizes around the tile and canvas sizes, ties and thin strips,
    random ones, and ones where float32 and float64 arithmetic floor
    differently."""
    sides = sorted({1, 2, 3, tile - 1, tile, tile + 1, 2 * tile - 1, 2 * tile, 2 * tile + 1,
                    3 * tile, 4 * tile + 3, 5 * tile, 7 * tile})
    sizes = {(h, w) for h in sides for w in sides}
    limit = min(tile * (max_patches + 2), 1800)
    sizes |= {(int(h), int(w)) for h, w in rng.integers(1, limit, (160, 2))}
    # h * (t / w) just below an integer in one precision and not the other.
    found = 0
    for _ in range(200000):
        h, w = (int(v) for v in rng.integers(1, limit, 2))
        for t in {tile * k for k in range(1, max_patches + 1)} | {h, w}:
            exact = h * t / w
            single = float(np.float32(h) * (np.float32(t) / np.float32(w)))
            if np.floor(exact) != np.floor(single):
                sizes.add((h, w))
                found += 1
                break
        if found >= 60:
            break
    return sorted(sizes)


def fits(tile, max_patches, resize_to_max_canvas, rng):
    """[h, w, canvas h, canvas w, resized h, resized w] per size."""
    processor = SizeRecorder(size={"height": tile, "width": tile}, max_patches=max_patches,
                             resize_to_max_canvas=resize_to_max_canvas)
    rows = []
    for h, w in fit_sizes(tile, max_patches, rng):
        processor.sizes = []
        image = torch.zeros((3, h, w), dtype=torch.uint8)
        out = processor(image, input_data_format="channels_first", return_tensors="pt")
        ratio_h, ratio_w = (int(v) for v in out["aspect_ratios"][0])
        resized = processor.sizes[0]
        rows.append([h, w, ratio_h * tile, ratio_w * tile, resized[0], resized[1]])
    return {"tile_size": tile, "max_patches": max_patches,
            "resize_to_max_canvas": resize_to_max_canvas, "sizes": rows}


def byte_level_tokenizer():
    """tokenizer.json: GPT-2's byte alphabet, no merges, Llama 4's
    pre-tokenizer, and the special tokens of an image prompt."""
    alphabet = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    chars, extra = {}, 0
    for byte in range(256):
        if byte in alphabet:
            chars[byte] = chr(byte)
        else:
            chars[byte] = chr(256 + extra)
            extra += 1
    vocab = {chars[b]: b for b in range(256)}
    specials = ["<|begin_of_text|>", "<|image_start|>", "<|image_end|>", "<|image|>", "<|patch|>",
                "<|tile_x_separator|>", "<|tile_y_separator|>"]
    template = json.loads((ROOT / "examples/tiny-llama4/tokenizer.json").read_text(encoding="utf-8"))
    added = [{"id": 256 + i, "content": token, "single_word": False, "lstrip": False,
              "rstrip": False, "normalized": False, "special": True} for i, token in enumerate(specials)]
    bos = {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [256], "tokens": ["<|begin_of_text|>"]}}
    post = dict(template["post_processor"], special_tokens=bos)
    model = dict(template["model"], vocab=vocab, merges=[])
    return {"version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
            "normalizer": None, "pre_tokenizer": template["pre_tokenizer"], "post_processor": post,
            "decoder": template["decoder"], "model": model}


def bf16_bits(tensor):
    return tensor.contiguous().view(torch.int16).numpy().astype(np.uint16)


def main():
    capability = torch.backends.cpu.get_cpu_capability()
    if capability not in ("AVX2", "AVX512") and platform.machine() not in ("aarch64", "arm64"):
        raise SystemExit(f"torch CPU capability {capability}: torchvision resizes uint8 in float "
                         "here; generate the fixture on an AVX2, AVX512 or ARM64 machine")
    files = make_images()
    tensors = {}
    for name, file in files.items():
        if name != "alpha-pairs":
            tensors[f"decoded/{name}"] = torch.from_numpy(open_rgb(file).copy())
    expected = OUT / "expected"
    expected.mkdir(exist_ok=True)
    Image.fromarray(open_rgb(files["alpha-pairs"])).save(expected / "alpha-pairs.rgb.png")

    # The main shapes at 28 px tiles; the other colour types, which test
    # decoding more than resizing, at 14 px to keep the fixture small.
    main = ["square", "wide", "tall", "tiny", "grey", "rgba", "palette", "photo"]
    others = [n for n in files if n not in main and n != "alpha-pairs"]
    settings = [(n, 28, 6, False) for n in main] + [(n, 14, 6, False) for n in others] + [
        ("wide", 28, 6, True), ("tall", 28, 6, True), ("tiny", 28, 6, True), ("square", 28, 6, True),
        ("tall", 28, 16, False), ("photo", 336, 16, False)]
    cases = []
    for image, tile, max_patches, to_max in settings:
        processor = Llama4ImageProcessor(size={"height": tile, "width": tile}, max_patches=max_patches,
                                         resize_to_max_canvas=to_max)
        out = processor(Image.open(IMAGES / files[image]), return_tensors="pt")
        pixels = out["pixel_values"]
        assert pixels.dtype == torch.bfloat16
        name = f"{image}-t{tile}-m{max_patches}" + ("-max" if to_max else "")
        case = {"name": name, "image": image, "tile_size": tile, "max_patches": max_patches,
                "resize_to_max_canvas": to_max,
                "aspect_ratio": [int(v) for v in out["aspect_ratios"][0]], "tiles": pixels.shape[0]}
        if tile < 100:
            tensors[name] = pixels.contiguous()
        else:
            # A 336 px tile is 677 KB of bf16; its values take at most 256
            # levels per channel (one per input byte), so it is stored as a
            # PNG of level indices with the levels' bf16 bits here.
            bits = bf16_bits(pixels)
            levels = [sorted(set(bits[:, c].reshape(-1).tolist())) for c in range(3)]
            assert all(len(l) <= 256 for l in levels)
            index = np.stack([np.searchsorted(levels[c], bits[:, c]) for c in range(3)], -1)
            tiles = index.reshape(-1, tile, 3).astype(np.uint8)  # tiles stacked vertically
            png = f"{name}.levels.png"
            Image.fromarray(tiles).save(expected / png)
            case["pixel_values_png"] = png
            case["levels"] = levels
        cases.append(case)

    # The prompt: Llama4Processor expands each <|image|> and tokenizes.
    tokenizer_json = byte_level_tokenizer()
    (OUT / "tokenizer.json").write_text(json.dumps(tokenizer_json, ensure_ascii=False), encoding="utf-8")
    tokenizer = PreTrainedTokenizerFast(tokenizer_file=str(OUT / "tokenizer.json"),
                                        bos_token="<|begin_of_text|>")
    patch_size, tile = 7, 28
    processor = Llama4Processor(
        image_processor=Llama4ImageProcessor(size={"height": tile, "width": tile}, max_patches=6),
        tokenizer=tokenizer, patch_size=patch_size, pixel_shuffle_ratio=0.5)
    prompt_images = ["square", "tiny", "wide"]
    text = "Compare <|image|> with <|image|>, then <|image|>."
    images = [Image.open(IMAGES / files[n]) for n in prompt_images]
    out = processor(text=text, images=images, return_tensors="pt")
    # The processor keeps aspect_ratios to itself (unused_input_names).
    ratios = processor.image_processor(images, return_tensors="pt")["aspect_ratios"]
    prompt = {"text": text, "images": prompt_images, "tile_size": tile, "max_patches": 6,
              "patch_size": patch_size, "pixel_shuffle_ratio": 0.5,
              "tokens_per_tile": (tile // patch_size) ** 2 // 4,
              "aspect_ratios": [[int(v) for v in r] for r in ratios],
              "input_ids": out["input_ids"][0].tolist()}

    rng = np.random.default_rng(0)
    fit_tables = [fits(28, 6, False, rng), fits(28, 6, True, rng), fits(336, 16, False, rng),
                  fits(336, 16, True, rng)]

    save_file(tensors, str(OUT / "pixel_values.safetensors"))
    manifest = {
        "versions": {"transformers": transformers.__version__, "torch": torch.__version__,
                     "torchvision": torchvision.__version__, "pillow": PIL.__version__,
                     "pillow_libjpeg_turbo": features.version("libjpeg_turbo"),
                     "torch_cpu_capability": capability},
        "images": {name: {"file": file, "mode": Image.open(IMAGES / file).mode,
                          "sha1": hashlib.sha1((IMAGES / file).read_bytes()).hexdigest()[:16]}
                   for name, file in files.items()},
        "cases": cases, "prompt": prompt, "fits": fit_tables}
    text = json.dumps(manifest, indent=1)
    # Arrays of numbers on one line each: the fit table and levels are long.
    text = re.sub(r"\[[-\d,\s]*\]", lambda m: "[" + ",".join(m.group(0)[1:-1].split()).replace(",,", ",") + "]", text)
    (OUT / "cases.json").write_text(text + "\n", encoding="utf-8")
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"{len(cases)} cases, {sum(len(f['sizes']) for f in fit_tables)} fits, {total} bytes in {OUT}")


if __name__ == "__main__":
    main()
