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
