"""Date expressions -> DateRef: the wording always, the day only when it can be resolved.

Relative expressions ("on Thursday", "today", "yesterday") resolve against the document's
publication date; weekday names point back to the last such day for past events and
forward to the next one for planned events, as news writing uses them. Vague expressions
("in the next few days", "last month", "10-month") keep their wording and get no day.
Absolute dates ("May 20, 2021", "20 May") are parsed by python-dateutil.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from kg.models import DateRef
from kg.nlp.lexicon import DateWords, lexicon, words_pattern


@dataclass(frozen=True)
class _Patterns:
    words: DateWords
    strip: re.Pattern  # words before a date that do not change it ("on", "early")
    relative: re.Pattern  # "last", "next", "this": another week
    absolute: re.Pattern  # a day-precision absolute date: a month name with a day number, or an ISO date
    duration: re.Pattern


@lru_cache(maxsize=1)
def _patterns() -> _Patterns:
    w = lexicon().dates
    months = words_pattern(w.months) + r"[a-z]*\.?"
    absolute = re.compile(rf"(\b\d{{1,2}}(st|nd|rd|th)?\s+{months}(\s+\d{{4}})?\b)"
                          rf"|(\b{months}\s+\d{{1,2}}(st|nd|rd|th)?\b(,?\s+\d{{4}})?)"
                          r"|(\b\d{4}-\d{2}-\d{2}\b)", re.I)
    duration = re.compile(rf"^(\d+|{words_pattern(w.duration_counts)})[- ](\w+[- ])?{words_pattern(w.duration_units)}s?"
                          rf"( {words_pattern(w.duration_suffixes)})?$", re.I)
    return _Patterns(w, re.compile(rf"^{words_pattern(w.prefixes)}\s+", re.I),
                     re.compile(rf"\b{words_pattern(w.relative_markers)}\b", re.I), absolute, duration)


def is_duration(text: str) -> bool:
    """'7-day', '10-month', 'two weeks': a length of time, not a point in it."""
    p = _patterns()
    text = text.strip().lower()
    for article in p.words.duration_articles:
        text = text.removeprefix(article + " ")
    return bool(p.duration.match(text))


@lru_cache(maxsize=4096)
def resolve(text: str, published: dt.date | None, future: bool = False) -> DateRef:
    """Resolve one date expression; ``future`` when the event it dates is planned."""
    p = _patterns()
    w = p.words
    wording = text.strip()
    core = wording.lower().rstrip(".,")
    for _ in range(2):
        core = p.strip.sub("", core)
    for article in w.articles:
        core = core.removeprefix(article + " ")
    value = None
    try:
        if core in w.relative_days and published:
            value = published + dt.timedelta(days=w.relative_days[core])
        elif core in w.weekdays and published and not p.relative.search(wording):
            value = _weekday(published, w.weekdays.index(core), future)
        elif p.absolute.search(wording):
            value = _absolute(wording, published, future)
    except OverflowError:  # "yesterday" of 1 January of year 1: no such day, the wording stays
        value = None
    return DateRef(text=wording, value=value)


def dateline_date(text: str, published: dt.date | None) -> dt.date | None:
    """The day a wire dateline names ("MARENBURG, March 12 (Wire) -"): the story's own day, on or
    before the publication date when the year is left out."""
    if not _patterns().absolute.search(text):
        return None
    return _absolute(text, published, False)


def _weekday(published: dt.date, weekday: int, future: bool) -> dt.date:
    if future:
        delta = (weekday - published.weekday()) % 7 or 7
        return published + dt.timedelta(days=delta)
    delta = (published.weekday() - weekday) % 7
    return published - dt.timedelta(days=delta)


def _absolute(wording: str, published: dt.date | None, future: bool) -> dt.date | None:
    """A day-precision date as written ("May 20, 2021", "20 May"), parsed by python-dateutil; a
    missing year is the publication year, moved by one when the event's direction requires it."""
    from dateutil import parser

    match = _patterns().absolute.search(wording)
    if match is None:
        return None
    has_year = bool(re.search(r"\b\d{4}\b", match.group(0)))
    if not has_year and published is None:
        return None  # "May 20" with no publication year: the year would be a guess
    default = dt.datetime(published.year if published else 2000, 1, 1)
    try:
        value = parser.parse(match.group(0), default=default, fuzzy=True).date()
    except (ValueError, OverflowError):
        return None
    if not has_year and published is not None:
        step = 1 if future and value < published else -1 if not future and value > published else 0
        try:
            value = value.replace(year=value.year + step)
        except ValueError:  # 29 February in a year without one, or a year outside 1..9999
            return None
    return value
