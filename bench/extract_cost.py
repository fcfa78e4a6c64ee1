"""What extraction costs beside parsing, in one process: CPU time of kg's readers over CPU time of
spaCy's ``nlp.pipe`` on the same texts.

    .venv/bin/python bench/extract_cost.py [FILES or folders ...] [--repeat 3]

Default texts: the seeds and the 28 real texts of the development set (../shared/dev/texts). The texts are
parsed once (timed), then extracted from the parsed docs ``--repeat`` times (the best run counts).
CPU time (``time.process_time``) rather than wall time, so a busy machine skews the ratio less.
Run it on two checkouts to compare their extraction cost: the ratio to the parse carries over
between machines, the seconds do not.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _texts(paths: list[Path]) -> list[str]:
    out = []
    for p in paths:
        files = sorted(p.rglob("*.txt")) if p.is_dir() else [p]
        out += [f.read_text(encoding="utf-8", errors="replace") for f in files]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from kg.extract import extract
    from kg.models import Document
    from kg.nlp.model import load

    texts = _texts(args.paths or [p for p in (ROOT / "seeds", ROOT.parent / "shared" / "dev" / "texts") if p.is_dir()])
    nlp = load()
    docs = [Document(id=f"d{i}", text=t, published=None, text_is_source=False) for i, t in enumerate(texts)]
    start = time.process_time()
    parsed = list(nlp.pipe(texts, batch_size=32))
    parse = time.process_time() - start
    runs = []
    for _ in range(args.repeat):
        start = time.process_time()
        for d, p in zip(docs, parsed):
            extract(d, p)
        runs.append(time.process_time() - start)
    best = min(runs)
    words = sum(len(p) for p in parsed)
    print(f"texts {len(texts)}, tokens {words}")
    print(f"parse (nlp.pipe) CPU {parse:.2f} s; extraction CPU {best:.2f} s (best of {args.repeat})")
    print(f"extraction / parse = {best / parse:.3f}; build CPU vs raw spaCy = {(parse + best) / parse:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
