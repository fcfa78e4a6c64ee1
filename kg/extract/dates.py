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
from functools import lru_cache

from kg.models import DateRef

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RELATIVE = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1}
_STRIP = re.compile(r"^(on|by|from|since|until|till|in|at|during|early|late|later|earlier|this|last|next)\s+", re.I)
# A day-precision absolute date: a month name with a day number, or an ISO date.
_MONTHS = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_ABSOLUTE = re.compile(rf"(\b\d{{1,2}}(st|nd|rd|th)?\s+{_MONTHS}(\s+\d{{4}})?\b)"
                       rf"|(\b{_MONTHS}\s+\d{{1,2}}(st|nd|rd|th)?\b(,?\s+\d{{4}})?)"
                       r"|(\b\d{4}-\d{2}-\d{2}\b)", re.I)


_DURATION = re.compile(r"^(a|an|the|\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|few|"
                       r"many)[- ](\w+[- ])?(day|week|month|year|hour|decade)s?( long| old)?$", re.I)


def is_duration(text: str) -> bool:
    """'7-day', '10-month', 'two weeks': a length of time, not a point in it."""
    return bool(_DURATION.match(text.strip().lower().removeprefix("the ").removeprefix("a ")))


@lru_cache(maxsize=4096)
def resolve(text: str, published: dt.date | None, future: bool = False) -> DateRef:
    """Resolve one date expression; ``future`` when the event it dates is planned."""
    wording = text.strip()
    core = wording.lower().rstrip(".,")
    for _ in range(2):
        core = _STRIP.sub("", core)
    if core.startswith("the "):
        core = core[4:]
    value = None
    if core in _RELATIVE and published:
        value = published + dt.timedelta(days=_RELATIVE[core])
    elif core in WEEKDAYS and published and not re.search(r"\b(last|next|this)\b", wording, re.I):
        value = _weekday(published, WEEKDAYS.index(core), future)
    elif _ABSOLUTE.search(wording):
        value = _absolute(wording, published, future)
    return DateRef(text=wording, value=value)


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

    match = _ABSOLUTE.search(wording)
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
        except ValueError:  # 29 February in a year without one
            return None
    return value
