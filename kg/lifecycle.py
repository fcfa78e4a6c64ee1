"""Ceasefires over time: the reports of one truce across documents, and its status history.

A truce is reported by many articles on many days: proposed, agreed, in force, violated,
collapsed. Each document's ceasefire is one *report*; reports are linked into one ceasefire
when they share its parties and fall inside its period:

* the parties: at least two in common (or all of the smaller side when a report names one);
* the period: a report's day (the date read in the text, else the publication date) lies
  within ``LINK_WINDOW_DAYS`` of the days already reported, and the whole period stays within
  ``MAX_SPAN_DAYS``: two truces years apart are never one, however many reports lie between;
* a truce observed collapsed is over: a later report of a proposal, negotiation or agreement
  between the same parties is a new truce.

Reports are linked in order of their day (then document id), so the result does not depend
on the order the documents were read in. Each report stays a dated ``StatusObservation``
(status, day, document, evidence); the ceasefire's current status is that of its latest
observation with a status (on one day, the later status of ``CEASEFIRE_STATUSES`` wins).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from kg.models import Ceasefire, CeasefireStatus, DateRef, Span, StatusObservation, status_rank

LINK_WINDOW_DAYS = 30
MAX_SPAN_DAYS = 365
# Statuses that begin a truce: reported after its collapse, they begin another one.
BEGINNINGS: frozenset[str] = frozenset({"proposed", "under negotiation", "agreed"})


@dataclass
class Report:
    """One document's ceasefire, its actors resolved to graph ids."""

    doc_id: str
    index: int  # its place in the document's Extraction.ceasefires
    parties: frozenset[str]
    mediators: frozenset[str]
    observation: StatusObservation
    published: dt.date | None


@dataclass
class LinkedCeasefire:
    """One ceasefire across documents: the reports linked into it, in order of their day."""

    reports: list[Report] = field(default_factory=list)
    parties: set[str] = field(default_factory=set)
    mediators: set[str] = field(default_factory=set)
    number: int = 0  # order of creation
    # kept as reports are added, so that linking a report costs the same however long the truce
    documents: set[str] = field(default_factory=set)
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    ended: dt.date | None = None  # the latest day it was reported collapsed

    def add(self, report: Report) -> None:
        self.reports.append(report)
        self.parties |= report.parties
        self.mediators |= report.mediators
        self.documents.add(report.doc_id)
        day = report.observation.day
        if day is not None:
            self.first_day = min(self.first_day or day, day)
            self.last_day = max(self.last_day or day, day)
            if report.observation.status == "collapsed":
                self.ended = max(self.ended or day, day)

    @property
    def first(self) -> Report:
        return self.reports[0]

    @property
    def observations(self) -> tuple[StatusObservation, ...]:
        return tuple(sorted((r.observation for r in self.reports), key=observation_order))

    @property
    def days(self) -> list[dt.date]:
        return [r.observation.day for r in self.reports if r.observation.day is not None]

    @property
    def status(self) -> CeasefireStatus | None:
        return current_status(self.observations)

    @property
    def date(self) -> DateRef | None:
        """The first date read of it with a day, else the first date read."""
        dates = [r.observation.date for r in self.reports if r.observation.date]
        return next((d for d in dates if d.value), dates[0] if dates else None)

    @property
    def evidence(self) -> list[Span]:
        return [s for r in self.reports for s in r.observation.evidence]


def observation(cf: Ceasefire, doc_id: str, published: dt.date | None) -> StatusObservation:
    """What one document reports of a ceasefire, as of the day it names (else its publication day)."""
    day = cf.date.value if cf.date and cf.date.value else published
    return StatusObservation(doc_id, cf.status, day, cf.date, tuple(cf.evidence))


def observation_order(o: StatusObservation) -> tuple:
    return (o.day or dt.date.max, status_rank(o.status), o.doc_id, [(s.begin, s.end) for s in o.evidence])


def current_status(observations: Iterable[StatusObservation]) -> CeasefireStatus | None:
    """The status of the latest observation that has one (the later status on the same day);
    without dated ones, the latest status of the order of statuses."""
    with_status = [o for o in observations if o.status]
    dated = [o for o in with_status if o.day is not None]
    if dated:
        return max(dated, key=lambda o: (o.day, status_rank(o.status))).status
    return max(with_status, key=lambda o: status_rank(o.status)).status if with_status else None


def status_on(observations: Iterable[StatusObservation], day: dt.date) -> CeasefireStatus | None:
    """The status a ceasefire had on ``day``: that of the latest observation on or before it."""
    return current_status(o for o in observations if o.day is not None and o.day <= day)


def _parties_match(a: set[str] | frozenset[str], b: set[str] | frozenset[str]) -> bool:
    shared = a & b
    return bool(shared) and len(shared) >= min(2, len(a), len(b))


def belongs(truce: LinkedCeasefire, report: Report) -> bool:
    """Whether ``report`` is a report of ``truce``: same parties, inside its period, not after its end."""
    if report.doc_id in truce.documents:
        return False  # one document's reports of one truce were merged by the extractor
    if not _parties_match(truce.parties, report.parties):
        return False
    day, first, last = report.observation.day, truce.first_day, truce.last_day
    if day is None or first is None or last is None:
        return False
    if not (first - dt.timedelta(days=LINK_WINDOW_DAYS) <= day <= last + dt.timedelta(days=LINK_WINDOW_DAYS)):
        return False
    if (max(last, day) - min(first, day)).days > MAX_SPAN_DAYS:
        return False
    return not (report.observation.status in BEGINNINGS and truce.ended is not None and day > truce.ended)


def link(reports: Iterable[Report]) -> tuple[list[LinkedCeasefire], dict[tuple[str, int], LinkedCeasefire]]:
    """The ceasefires the reports are of, in order of creation, and each report's ceasefire by
    (document id, index). Only ceasefires sharing a party are compared (linear in the corpus)."""
    ordered = sorted(reports, key=lambda r: (r.observation.day or dt.date.max, r.doc_id, r.index))
    truces: list[LinkedCeasefire] = []
    by_party: dict[str, dict[int, LinkedCeasefire]] = {}
    of: dict[tuple[str, int], LinkedCeasefire] = {}
    for report in ordered:
        candidates = sorted({n: t for p in report.parties for n, t in by_party.get(p, {}).items()}.items())
        target = next((t for _, t in candidates if belongs(t, report)), None)
        if target is None:
            target = LinkedCeasefire(number=len(truces))
            truces.append(target)
        target.add(report)
        for p in target.parties:  # a report can add parties
            by_party.setdefault(p, {})[target.number] = target
        of[(report.doc_id, report.index)] = target
    return truces, of
