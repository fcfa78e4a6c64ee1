"""Frozen records passed between the pipeline stages (no spaCy, no rdflib in here).

text -> Document (ingest) -> Extraction (extract) -> Resolved (resolve) -> graph (rdf)
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, get_args

ActorKind = Literal["Person", "Organization", "Country", "Group"]
MeetingKind = Literal["call", "visit", "trip", "mission", "talks", "meeting", "summit"]
MeetingStatus = Literal["planned", "occurred", "cancelled"]
MeetingMode = Literal["in person", "phone", "video"]
# Ordered: a later status supersedes an earlier one when mentions of one ceasefire disagree.
CeasefireStatus = Literal["proposed", "under negotiation", "agreed", "in force", "violated", "collapsed"]
EventKind = Literal["meeting", "ceasefire"]

ACTOR_KINDS: tuple[ActorKind, ...] = get_args(ActorKind)
MEETING_KINDS: tuple[MeetingKind, ...] = get_args(MeetingKind)
MEETING_STATUSES: tuple[MeetingStatus, ...] = get_args(MeetingStatus)
MEETING_MODES: tuple[MeetingMode, ...] = get_args(MeetingMode)
CEASEFIRE_STATUSES: tuple[CeasefireStatus, ...] = get_args(CeasefireStatus)
TRAVEL_KINDS: tuple[MeetingKind, ...] = ("visit", "trip", "mission")


def status_rank(status: str | None) -> int:
    """A ceasefire status's place in CEASEFIRE_STATUSES (-1 when unknown): the later one wins."""
    return CEASEFIRE_STATUSES.index(status) if status in CEASEFIRE_STATUSES else -1


def meeting_group(kind: str) -> Literal["travel", "talk"]:
    """Kinds of meeting that can be one event: travel (visit, trip, mission) or talk (the rest)."""
    return "travel" if kind in TRAVEL_KINDS else "talk"


def unique(items) -> list:
    """The items without repeats or empties, in their first order."""
    out = []
    for x in items:
        if x and x not in out:
            out.append(x)
    return out


@dataclass(frozen=True)
class Document:
    """One source article: the text that every offset counts in, and its metadata."""

    id: str
    text: str
    title: str | None = None
    published: dt.date | None = None
    source: str | None = None  # URL, when known
    path: str | None = None  # the file it was read from
    text_is_source: bool = True  # False when `text` is not the file's own text (HTML, JSONL)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Span:
    """An exact span of a document: ``doc.text[begin:end] == text``."""

    doc_id: str
    begin: int
    end: int
    text: str


@dataclass(frozen=True)
class Actor:
    """An actor as one document sees it: every surface form that refers to it there."""

    key: str  # stable within the document; "country:ISR", "person:antony blinken", ...
    label: str  # canonical name
    kind: ActorKind
    names: tuple[str, ...] = ()  # other surface forms seen ("Blinken", "the head of US diplomacy")
    described: bool = False  # named only by a description ("a senior official"): not merged across documents


@dataclass(frozen=True)
class Place:
    key: str
    label: str


@dataclass(frozen=True)
class DateRef:
    """A date as written, and the day it resolves to when the text and publication date allow."""

    text: str
    value: dt.date | None = None


@dataclass(frozen=True)
class EventRef:
    """One of the document's own events, by its place in ``Extraction.meetings`` or ``.ceasefires``."""

    kind: EventKind
    index: int


# Every event record carries ``rules``: the ids of the triggers and argument patterns that
# produced it ("meeting.verb", "arg.with"), for `kg explain`; merged records unite them.
@dataclass(frozen=True)
class Role:
    holder: str  # Actor.key
    title: str
    affiliation: str | None  # Actor.key
    evidence: tuple[Span, ...]
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class Meeting:
    kind: MeetingKind
    participants: tuple[str, ...]  # Actor.key
    status: MeetingStatus | None
    mode: MeetingMode | None
    location: str | None  # Actor.key of a Country, or Place.key
    date: DateRef | None
    evidence: tuple[Span, ...]
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class Statement:
    speaker: str  # Actor.key
    text: str  # the quote when direct, else the reported content
    quote: bool
    about: tuple[EventRef, ...]  # the document's events named inside what was said
    date: DateRef | None
    evidence: tuple[Span, ...]
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ceasefire:
    parties: tuple[str, ...]
    mediators: tuple[str, ...]
    status: CeasefireStatus | None
    date: DateRef | None
    evidence: tuple[Span, ...]
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class Accusation:
    """One side said to have violated a ceasefire, and by whose account: "X accused Y of
    violating the truce", "Y violated the ceasefire, X said". ``accuser`` is None when the
    document itself reports the violation ("Y violated the truce on Sunday")."""

    accuser: str | None  # Actor.key
    accused: str  # Actor.key
    ceasefire: EventRef | None  # the document's ceasefire it concerns
    date: DateRef | None
    evidence: tuple[Span, ...]
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class StatusObservation:
    """One document's report of a ceasefire's status, as of one day (see kg/lifecycle.py)."""

    doc_id: str
    status: CeasefireStatus | None
    day: dt.date | None  # the day the status holds as of: the date read, else the publication date
    date: DateRef | None  # the date as the text gives it
    evidence: tuple[Span, ...]


@dataclass(frozen=True)
class Extraction:
    """Everything read from one document."""

    document: Document
    actors: tuple[Actor, ...] = ()
    places: tuple[Place, ...] = ()
    roles: tuple[Role, ...] = ()
    meetings: tuple[Meeting, ...] = ()
    statements: tuple[Statement, ...] = ()
    ceasefires: tuple[Ceasefire, ...] = ()
    warnings: tuple[str, ...] = ()
    accusations: tuple[Accusation, ...] = ()
