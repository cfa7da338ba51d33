#!/usr/bin/env python3
"""Builds test/tokenizer/fixtures/: a small byte-level BPE tokenizer.json in
the form Llama 4's takes (scripts/llama4_bpe.py), and corpus.json: test
strings with the ids and decoded text Hugging Face `tokenizers` gives them.

    pip install -r scripts/requirements-golden.txt
    python3 scripts/make_tokenizer_fixture.py

The training text is Vim's bundled user manual (usr_*.txt, Debian's
vim-runtime) plus the corpus itself, so that merges cover its scripts.
Deterministic: the same inputs always give the same files.
"""
import json
import pathlib

import tokenizers

from llama4_bpe import train_bpe

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "test/tokenizer/fixtures"

SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|header_start|>", "<|header_end|>",
            "<|eom|>", "<|eot|>", "<|image|>", "<|patch|>"]

CORPUS = [
    "Hello, world!",
    "Once upon a time, there was a little cow who lived by the sea.",
    "I'm sure they'll say it's fine; we've done what you'd've DONE'S.",
    "  leading spaces, trailing spaces   ",
    "tabs\tand\t\ttabs, new\nlines\n\n\nand\r\nCRLF",
    "Long digit runs: 1234567890 3.14159265 1,000,000 and 007.",
    "Emoji: 🐄🌊 👩‍👩‍👧 ❤️ and flags 🇫🇷🇯🇵",
    "CJK: 日本語のテキスト、中文文本，한국어 텍스트.",
    "Combining marks: e\u0301 n\u0303 a\u0308 — Zoë, naïve, café (NFC) vs cafe\u0301 (NFD).",
    "Telugu: తెలుగు నమస్కారం, Hindi: नमस्ते दुनिया, Arabic: مرحبا بالعالم",
    "Specials inside text: <|header_start|>user<|header_end|>\n\nHi!<|eot|>",
    "<|begin_of_text|>already has a BOS, then <|image|><|patch|><|patch|>",
    "Mixed CaSe WORDS, camelCaseIdentifiers and snake_case_names.",
    "Symbols: a->b, x<=y, path/to/file.txt, #include <vector>, $HOME, 50%!",
    "Whitespace before newline   \n   indented line",
    "",
    "    ",
    "\n",
]


def training_text():
    manual = sorted(pathlib.Path("/usr/share/vim").glob("vim*/doc/usr_*.txt"))
    texts = [path.read_text(encoding="utf-8", errors="replace") for path in manual]
    return texts + CORPUS * 20


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    tokenizer = train_bpe(training_text(), 1500, SPECIALS)
    tokenizer.save(str(OUT / "tokenizer.json"))
    cases = []
    for text in CORPUS:
        ids = tokenizer.encode(text).ids
        cases.append({
            "text": text,
            "ids": ids,
            "ids_without_bos": tokenizer.encode(text, add_special_tokens=False).ids,
            "decoded": tokenizer.decode(ids, skip_special_tokens=False),
        })
    (OUT / "corpus.json").write_text(json.dumps(
        {"tokenizers_version": tokenizers.__version__, "cases": cases},
        ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
