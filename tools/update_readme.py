"""Regenerate the CLI reference in README.md from the commands' own --help (or --check it)."""
from __future__ import annotations

import re
import sys
from pathlib import Path

from click.testing import CliRunner

from kg.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"
BEGIN, END = "<!-- cli-reference:begin -->", "<!-- cli-reference:end -->"


def reference() -> str:
    runner = CliRunner()
    parts = []
    for name in ["", *sorted(main.commands)]:
        args = [name, "--help"] if name else ["--help"]
        text = runner.invoke(main, args, prog_name="kg", terminal_width=100).output.rstrip()
        parts.append(f"### `kg {name}`\n\n```\n{text}\n```\n" if name else f"```\n{text}\n```\n")
    return "\n".join(parts)


def render(readme: str) -> str:
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    return pattern.sub(lambda _m: f"{BEGIN}\n{reference()}\n{END}", readme)


if __name__ == "__main__":
    current = README.read_text(encoding="utf-8")
    wanted = render(current)
    if "--check" in sys.argv:
        sys.exit(0 if wanted == current else "README.md's CLI reference is out of date: run python tools/update_readme.py")
    README.write_text(wanted, encoding="utf-8")
