#!/usr/bin/env python3
"""Checks that every row of docs/errors.md names tests that exist.

    check_errors_doc.py docs/errors.md BUILD_DIR

In each table whose last column is "test", that column lists tests in
backticks: a lit file
(`name.test`, anywhere under test/), a CTest test (`Suite.Name`, also
matching instantiated `Prefix/Suite.Name/Param`), every test of a suite
(`Suite.*`), or one case of a parameterised suite (`Suite/Case`). A bare
name continues the previous one's suite: `SafetensorsTest.RejectsA`,
`RejectsB`. Rows whose last column names no test fail, as do names that
match nothing.
"""
import pathlib
import re
import subprocess
import sys


def main():
    doc, build = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    root = doc.resolve().parent.parent
    listing = subprocess.run(["ctest", "-N"], cwd=build, check=True,
                             capture_output=True, text=True).stdout
    tests = re.findall(r"Test +#\d+: (\S+)", listing)
    lit_files = {path.name for path in (root / "test").rglob("*.test")}

    def exists(name):
        if name.endswith(".test"):
            return (root / name).is_file() if "/" in name else name in lit_files
        if name.endswith("/*"):
            return any(name[:-2] + "." in t for t in tests)
        if name.endswith(".*"):
            return any(t.startswith(name[:-1]) or ("/" + name[:-1]) in t for t in tests)
        if "/" in name:
            suite, case = name.split("/", 1)
            return any(suite in t and t.endswith("/" + case) for t in tests)
        return any(t == name or t.endswith("/" + name) or ("/" + name + "/") in t for t in tests)

    errors, rows, checked = [], 0, False
    for line in doc.read_text().splitlines():
        if not line.startswith("|"):
            checked = False
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if set("".join(cells)) <= set("- "):
            continue
        if cells[-1] == "test":  # the header of a table to check
            checked = True
            continue
        if not checked:
            continue
        names = re.findall(r"`([^`]+)`", cells[-1])
        rows += 1
        if not names:
            errors.append(f"row '{cells[0]}' names no test")
        prefix = ""
        for name in names:
            if "." not in name and "/" not in name:
                name = prefix + name
            cut = max(name.rfind("."), name.rfind("/"))
            prefix = name[:cut + 1] if not name.endswith(".test") else ""
            if not exists(name):
                errors.append(f"row '{cells[0]}': no test '{name}'")
    for error in errors:
        print(f"{doc}: {error}")
    print(f"{rows} rows checked")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
