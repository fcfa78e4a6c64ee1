"""Scraped-page noise -> regions of the text that the extractor skips.

The text itself is never changed, so every offset still slices the original text. The
rules are general (data/noise.yaml): photo credits and captions, comment forms, "X contributed
to this report", sidebars of related headlines with bylines and times, tag and navigation lines,
social-media handles, an author's bio closing the page.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kg.nlp.lexicon import NoiseWords, lexicon


@dataclass(frozen=True)
class Region:
    begin: int
    end: int
    reason: str


@dataclass(frozen=True)
class NoiseRules:
    tail_markers: tuple[re.Pattern, ...]
    line_patterns: tuple[re.Pattern, ...]
    closing_patterns: tuple[re.Pattern, ...]
    prefix_patterns: tuple[re.Pattern, ...]
    byline_time: re.Pattern
    tail_min_share: float
    teaser_min_run: int
    teaser_lines_above: int
    label_line_max_words: int
    function_words: frozenset[str]


@lru_cache(maxsize=4)
def rules(words: NoiseWords | None = None) -> NoiseRules:
    """The noise rules of data/noise.yaml (or of ``words``), compiled."""
    w = words or lexicon().noise
    return NoiseRules(
        tuple(re.compile(p, re.I) for p in w.tail_markers), tuple(re.compile(p, re.I) for p in w.line_patterns),
        tuple(re.compile(p, re.I) for p in w.closing_patterns),
        tuple(re.compile(p) for p in w.prefix_patterns),  # case matters: datelines are upper case
        re.compile(w.byline_time, re.I), w.tail_min_share, w.teaser_min_run, w.teaser_lines_above,
        w.label_line_max_words, w.label_function_words)


_LOWER_WORD = re.compile(r"\b[a-z][a-z'’-]*\b")
_WORD = re.compile(r"[^\W\d_][\w'’.-]*")


def is_label_line(line: str, max_words: int, function_words: frozenset[str] | None = None) -> bool:
    """A short line of capitalised words with no sentence punctuation: a tag, kicker or breadcrumb."""
    stripped = line.strip()
    if not stripped or stripped[-1] in '.!?"”:' or "|" in stripped:
        return False
    words = _WORD.findall(stripped)
    if not words or len(words) > max_words:
        return False
    allowed = rules().function_words if function_words is None else function_words
    lower = [w for w in _LOWER_WORD.findall(stripped) if w not in allowed]
    return not lower


def noise_regions(text: str, words: NoiseWords | None = None) -> tuple[Region, ...]:
    """Regions of ``text`` that are page furniture, not article (sorted, non-overlapping)."""
    r = rules(words)
    lines = []  # (begin, end, stripped)
    pos = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        lines.append((pos, pos + len(body), body.strip()))
        pos += len(raw)
    regions: list[Region] = []
    tail_at = None
    for begin, _end, line in lines:
        if line and begin >= r.tail_min_share * len(text) and any(p.search(line) for p in r.tail_markers):
            tail_at = begin
            regions.append(Region(begin, len(text), "end of article: " + line[:60]))
            break
    bylines = []
    for i, (begin, end, line) in enumerate(lines):
        if tail_at is not None and begin >= tail_at:
            break
        if not line:
            continue
        raw_line = text[begin:end]
        lead = len(raw_line) - len(raw_line.lstrip())
        for p in r.prefix_patterns:
            m = p.match(raw_line.lstrip())
            if m and m.end() < len(raw_line.strip()):
                regions.append(Region(begin + lead, begin + lead + m.end(), "dateline: " + m.group(0)[:40]))
                break
        if any(p.search(line) for p in r.line_patterns):
            regions.append(Region(begin, end, "page furniture: " + line[:60]))
            if "|" in line or r.byline_time.search(line):
                bylines.append(i)
        elif is_label_line(line, r.label_line_max_words, r.function_words):
            regions.append(Region(begin, end, "label line: " + line[:60]))
    last = [ln for ln in lines if ln[2]][-1:]
    for begin, end, line in last:  # an author's bio closing the page
        if any(p.search(line) for p in r.closing_patterns):
            regions.append(Region(begin, end, "author bio: " + line[:60]))
    if len(bylines) >= r.teaser_min_run:
        for i in bylines:
            above, j = 0, i - 1
            while j >= 0 and above < r.teaser_lines_above:
                begin, end, line = lines[j]
                if line:
                    regions.append(Region(begin, end, "related headline: " + line[:60]))
                    above += 1
                j -= 1
    return _merge(regions)


def _merge(regions: list[Region]) -> tuple[Region, ...]:
    out: list[Region] = []
    for reg in sorted(regions, key=lambda x: (x.begin, -x.end)):
        if out and reg.begin <= out[-1].end:
            if reg.end > out[-1].end:
                out[-1] = Region(out[-1].begin, reg.end, out[-1].reason)
            continue
        out.append(reg)
    return tuple(out)


def in_noise(regions: tuple[Region, ...], begin: int, end: int) -> bool:
    """True when most of [begin, end) lies in noise."""
    covered = sum(max(0, min(end, r.end) - max(begin, r.begin)) for r in regions)
    return covered * 2 > (end - begin)
