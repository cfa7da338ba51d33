#!/usr/bin/env python3
"""Benchmark: encoding speed of llama4c's tokenizer (llama4-tokenize, C++,
one thread) against Hugging Face `tokenizers` on the same tokenizer.json
and text, and whether both give the same ids.

    python3 bench/tokenizer.py [--tokenizer test/tokenizer/fixtures/tokenizer.json]
                               [--text FILE] [--out bench/tokenizer.json]

The default text is Vim's bundled documentation (~9.5 MB of English with
some Unicode, /usr/share/vim/vim*/doc/*.txt). `tokenizers` is timed on the
text as one string and line by line (encode_batch, RAYON_NUM_THREADS=1);
llama4c on the text as one string (its time excludes loading, as
`tokenizers`' does). Needs build/bin/llama4-tokenize and `pip install
tokenizers`.
"""
import argparse
import json
import os
import pathlib
import re
import subprocess
import time

os.environ["RAYON_NUM_THREADS"] = "1"  # before tokenizers starts its pool

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokenizer", default=str(ROOT / "test/tokenizer/fixtures/tokenizer.json"))
    parser.add_argument("--text")
    parser.add_argument("--out", default=str(ROOT / "bench/tokenizer.json"))
    args = parser.parse_args()
    if args.text:
        text = pathlib.Path(args.text).read_text(encoding="utf-8")
    else:
        docs = sorted(pathlib.Path("/usr/share/vim").glob("vim*/doc/*.txt"))
        text = "".join(p.read_text(encoding="utf-8", errors="replace") for p in docs)
    data = text.encode("utf-8")

    run = subprocess.run([str(ROOT / "build/bin/llama4-tokenize"), args.tokenizer],
                         input=data, capture_output=True, check=True)
    ours_ids = [int(t) for t in run.stdout.split()]
    ours_ms = float(re.search(rb"in ([\d.]+) ms", run.stderr).group(1))

    from tokenizers import Tokenizer
    tokenizer = Tokenizer.from_file(args.tokenizer)
    start = time.perf_counter()
    theirs_ids = tokenizer.encode(text).ids
    whole_s = time.perf_counter() - start
    lines = text.splitlines(keepends=True)
    start = time.perf_counter()
    tokenizer.encode_batch(lines, add_special_tokens=False)
    lines_s = time.perf_counter() - start

    mb = len(data) / 1e6
    report = {
        "bytes": len(data), "ids": len(theirs_ids),
        "same_ids": ours_ids == theirs_ids,
        "llama4c_mb_s": mb / (ours_ms / 1e3),
        "tokenizers_whole_text_mb_s": mb / whole_s,
        "tokenizers_line_by_line_mb_s": mb / lines_s,
    }
    report["ratio_to_tokenizers_line_by_line"] = (
        report["llama4c_mb_s"] / report["tokenizers_line_by_line_mb_s"])
    pathlib.Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(f"{mb:.1f} MB, {len(theirs_ids)} ids, same ids: {report['same_ids']}")
    print(f"llama4c (one string)               {report['llama4c_mb_s']:6.2f} MB/s")
    print(f"tokenizers (one string)            {report['tokenizers_whole_text_mb_s']:6.2f} MB/s")
    print(f"tokenizers (line by line, 1 thread) {report['tokenizers_line_by_line_mb_s']:6.2f} MB/s")


if __name__ == "__main__":
    main()
