"""Date expressions resolved against a publication date; nothing guessed without one."""
from __future__ import annotations

import datetime as dt

import pytest

from kg.extract.dates import resolve

FRIDAY = dt.date(2021, 5, 21)
SATURDAY = dt.date(2024, 8, 17)


@pytest.mark.parametrize("text, published, future, expected", [
    ("on Thursday", FRIDAY, False, dt.date(2021, 5, 20)),
    ("Friday", FRIDAY, False, FRIDAY),  # the publication day itself
    ("on Sunday", SATURDAY, True, dt.date(2024, 8, 18)),  # planned: the next Sunday
    ("on Friday", SATURDAY, False, dt.date(2024, 8, 16)),
    ("on Saturday", SATURDAY, True, dt.date(2024, 8, 24)),  # planned "on Saturday" published Saturday: next week
    ("today", SATURDAY, False, SATURDAY),
    ("yesterday", SATURDAY, False, dt.date(2024, 8, 16)),
    ("tomorrow", SATURDAY, True, dt.date(2024, 8, 18)),
    ("May 20, 2021", None, False, dt.date(2021, 5, 20)),
    ("20 May", FRIDAY, False, dt.date(2021, 5, 20)),
    ("in the next few days", FRIDAY, True, None),
    ("last week", FRIDAY, False, None),
    ("10-month", SATURDAY, False, None),
    ("on Thursday", None, False, None),  # no publication date: no guess
    ("May 20", None, False, None),  # no year anywhere: no guess
    # Days outside the calendar Python knows stay as their wording, never an error.
    ("yesterday", dt.date(1, 1, 1), False, None),
    ("on Friday", dt.date(1, 1, 1), False, None),  # 1 January of year 1 is a Monday
    ("on Sunday", dt.date(9999, 12, 31), True, None),
    ("tomorrow", dt.date(9999, 12, 31), True, None),
    ("December 31", dt.date(9999, 12, 31), True, dt.date(9999, 12, 31)),
    ("January 1", dt.date(9999, 12, 31), True, None),
])
def test_extract_dates_resolve(text, published, future, expected):
    ref = resolve(text, published, future)
    assert ref.text == text
    assert ref.value == expected


@pytest.mark.parametrize("text, published, expected", [
    # the dateline's day (a Thursday) is the story's day; the manifest's date is a later reprint
    ("MARENBURG, March 7 (Wire) - Foreign Minister Paulo Reis met Prime Minister Lars Holm on Monday.",
     dt.date(2024, 3, 20), dt.date(2024, 3, 4)),
    # no dateline: the publication date
    ("Foreign Minister Paulo Reis met Prime Minister Lars Holm on Monday.", dt.date(2024, 3, 20), dt.date(2024, 3, 18)),
])
def test_extract_dates_dateline_day_is_the_story_day(nlp, text, published, expected):
    from kg.extract import extract
    from kg.models import Document

    found = extract(Document(id="wire", text=text, published=published), nlp(text))
    assert [m.date.value for m in found.meetings if m.date] == [expected]
