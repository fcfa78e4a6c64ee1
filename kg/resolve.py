"""Mentions across documents -> one node per real-world actor and event, with stable ids.

Ids are derived from stable keys (a person's normalised full name, a state's ISO code, an
event's participants and date), never from build order, so rebuilding the same input gives
the same ids and adding a document does not rename what was there.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kg import identity
from kg.lifecycle import LINK_WINDOW_DAYS, Report, current_status, link, observation, observation_order
from kg.models import (
    Actor,
    ActorKind,
    CeasefireStatus,
    DateRef,
    Document,
    Extraction,
    MeetingKind,
    MeetingMode,
    MeetingStatus,
    Span,
    StatusObservation,
    meeting_group,
)

if TYPE_CHECKING:
    from kg.curation import Change

# Two reports of one ceasefire or meeting are at most this far apart (publication dates).
CEASEFIRE_WINDOW_DAYS = LINK_WINDOW_DAYS
MEETING_WINDOW_DAYS = 7


@dataclass(frozen=True)
class GActor:
    id: str  # "actor/antony-blinken"
    kind: ActorKind
    label: str
    names: tuple[str, ...]
    documents: tuple[str, ...]


@dataclass(frozen=True)
class GPlace:
    id: str
    label: str


@dataclass(frozen=True)
class GRole:
    id: str
    holder: str
    title: str
    affiliation: str | None
    evidence: tuple[Span, ...]
    rules: tuple[str, ...] = ()  # ids of the rules that produced it (every report's)


@dataclass(frozen=True)
class GMeeting:
    id: str
    kind: MeetingKind
    participants: tuple[str, ...]
    status: MeetingStatus | None
    mode: MeetingMode | None
    location: str | None
    date: DateRef | None
    evidence: tuple[Span, ...]
    rules: tuple[str, ...] = ()  # ids of the rules that produced it (every report's)


@dataclass(frozen=True)
class GStatement:
    id: str
    speaker: str
    text: str
    quote: bool
    about: tuple[str, ...]
    date: DateRef | None
    evidence: tuple[Span, ...]
    rules: tuple[str, ...] = ()  # ids of the rules that produced it (every report's)


@dataclass(frozen=True)
class GCeasefire:
    id: str
    parties: tuple[str, ...]
    mediators: tuple[str, ...]
    status: CeasefireStatus | None  # the current status: that of the latest observation
    date: DateRef | None
    evidence: tuple[Span, ...]
    observations: tuple[StatusObservation, ...] = ()  # each report's status, day and evidence
    rules: tuple[str, ...] = ()  # ids of the rules that produced it (every report's)


@dataclass(frozen=True)
class GAccusation:
    id: str
    accuser: str | None  # None: the article itself reports the violation
    accused: str
    ceasefire: str | None
    date: DateRef | None
    evidence: tuple[Span, ...]
    rules: tuple[str, ...] = ()  # ids of the rules that produced it


@dataclass(frozen=True)
class Resolved:
    documents: tuple[Document, ...]
    actors: tuple[GActor, ...]
    places: tuple[GPlace, ...]
    roles: tuple[GRole, ...]
    meetings: tuple[GMeeting, ...]
    statements: tuple[GStatement, ...]
    ceasefires: tuple[GCeasefire, ...]
    accusations: tuple[GAccusation, ...] = ()
    curation: tuple[Change, ...] = ()  # the curated changes applied (kg.curation), as provenance


def slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9]+", "-", text.lower()).strip("-")
    return text[:80] or "x"


def digest(*parts) -> str:
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class DocumentPart:
    """What one document contributes to the graph once resolved: its node, the actors it mentions,
    the evidence it gives each fact, its statements and accusations, and its reports of ceasefires'
    status (``kg.rdf.Writer.document`` writes it)."""

    document: Document
    actors: tuple[str, ...]  # ids of the actors it mentions
    evidence: tuple[tuple[str, tuple[Span, ...]], ...]  # (role, meeting or ceasefire id, its spans here)
    statements: tuple[GStatement, ...]
    accusations: tuple[GAccusation, ...] = ()
    observations: tuple[tuple[str, StatusObservation], ...] = ()  # (ceasefire id, this document's report of it)


def resolve(extractions: list[Extraction]) -> Resolved:
    """Every document's records -> the resolved graph, in memory (``resolve_stream`` for a corpus on disk)."""
    extractions = sorted(extractions, key=lambda x: x.document.id)
    entities, parts = resolve_stream(extractions, documents=True)
    return assemble(entities, parts, documents=tuple(x.document for x in extractions))


def assemble(entities: Resolved, parts: Iterable[DocumentPart], documents: tuple[Document, ...] | None = None,
             mentions: bool = False) -> Resolved:
    """The entities and every document's part as one ``Resolved`` in memory (evidence, statements,
    accusations, ceasefires' observations gathered); with ``mentions``, each actor's documents
    from the parts. ``documents`` (default: the parts') in the order given."""
    evidence: dict[str, list[Span]] = defaultdict(list)
    statements: dict[str, GStatement] = {}
    accusations: dict[str, GAccusation] = {}
    observations: dict[str, list[StatusObservation]] = defaultdict(list)
    mentioned: dict[str, list[str]] = defaultdict(list)
    docs: list[Document] = []
    for part in parts:
        docs.append(part.document)
        for fact, spans in part.evidence:
            evidence[fact].extend(spans)
        for s in part.statements:
            statements[s.id] = s
        for a in part.accusations:
            accusations[a.id] = a
        for c, o in part.observations:
            observations[c].append(o)
        if mentions:
            for actor in part.actors:
                mentioned[actor].append(part.document.id)
    actors = entities.actors if not mentions else tuple(
        dataclasses.replace(a, documents=tuple(sorted(set(a.documents) | set(mentioned[a.id]))))
        for a in entities.actors)
    return Resolved(
        documents=documents if documents is not None else tuple(docs),
        actors=actors,
        places=entities.places,
        roles=tuple(dataclasses.replace(r, evidence=_spans(evidence[r.id])) for r in entities.roles),
        meetings=tuple(dataclasses.replace(m, evidence=_spans(evidence[m.id])) for m in entities.meetings),
        statements=tuple(sorted(statements.values(), key=lambda s: s.id)),
        ceasefires=tuple(dataclasses.replace(c, evidence=_spans(evidence[c.id]),
                                             observations=tuple(sorted(observations[c.id], key=observation_order)))
                         for c in entities.ceasefires),
        accusations=tuple(sorted(accusations.values(), key=lambda a: a.id)),
        curation=entities.curation,
    )


def resolve_stream(records: Iterable[Extraction], documents: bool = False) -> tuple[Resolved, Iterator[DocumentPart]]:
    """Resolution in passes over ``records`` (re-iterable, in document id order: a list, or records read
    back from disk), holding one entry per actor, place, role and event, never every document's records.

    Returns the entities (a ``Resolved`` without documents, statements, accusations, evidence or
    ceasefires' observations; an actor's ``documents`` only when ``documents``) and an iterator over
    the documents' parts (one more pass).
    """
    keys = ActorKeys()
    place_ids: dict[str, GPlace] = {}
    for x in records:  # pass 1: what keying an actor needs to know of the corpus; the places
        keys.observe(x.document.id, x.actors)
        for p in x.places:
            place_ids.setdefault(p.key, GPlace("place/" + slug(p.key.split(":", 1)[1]), p.label))
    actor_ids, actors = _resolve_actors(records, keys, documents)  # pass 2
    events = _Events(records, keys, actor_ids, place_ids)  # pass 3
    entities = Resolved(
        documents=(), actors=actors, places=tuple(sorted(place_ids.values(), key=lambda p: p.id)),
        roles=tuple(sorted((GRole("role/" + digest(*k), k[0], title, k[2], (), tuple(sorted(events.role_rules[k])))
                            for k, title in events.roles.items()), key=lambda r: r.id)),
        meetings=tuple(sorted(events.g_meetings, key=lambda m: m.id)), statements=(),
        ceasefires=tuple(sorted(events.g_truces, key=lambda c: c.id)))
    return entities, (events.part(x) for x in records)  # pass 4, as the caller reads


class _Local:
    """A document's actor and place keys -> global ids."""

    def __init__(self, doc_id: str, x: Extraction, keys: ActorKeys, actor_ids: dict[str, str],
                 place_ids: dict[str, GPlace]):
        self.place_ids = place_ids
        self.actors = {a.key: actor_ids[keys.key(doc_id, a)] for a in x.actors}

    def aid(self, key: str | None) -> str | None:
        if key is None:
            return None
        if key.startswith("place:"):
            return self.place_ids[key].id if key in self.place_ids else None
        return self.actors.get(key)

    def aids(self, keys) -> tuple[str, ...]:
        out = []
        for k in keys:
            a = self.aid(k)
            if a and a not in out:
                out.append(a)
        return tuple(sorted(out))


class _Events:
    """Roles, meetings and ceasefires merged across documents (one pass), and each document's part."""

    def __init__(self, records: Iterable[Extraction], keys: ActorKeys, actor_ids: dict[str, str],
                 place_ids: dict[str, GPlace]):
        self.keys, self.actor_ids, self.place_ids = keys, actor_ids, place_ids
        # roles: one per holder, title and affiliation (the first title seen); the rules of all its reports
        self.roles: dict[tuple, str] = {}
        self.role_rules: dict[tuple, set[str]] = defaultdict(set)
        # meetings: merged across documents when the same people meet on the same day
        clusters: list[dict] = []
        # only meetings of the same kind group and the same participants can merge (neither changes on
        # merge): indexing by them keeps resolution linear in the corpus
        meeting_blocks: dict[tuple, list[dict]] = {}
        # ceasefires: each document's reports (without their evidence), linked across documents once all
        # are seen (kg.lifecycle: in order of their day)
        reports: list[Report] = []
        report_rules: dict[tuple[str, int], tuple[str, ...]] = {}
        # each document's meetings -> the number of their cluster; its number of ceasefires
        meeting_local: dict[str, tuple[int | None, ...]] = {}
        n_truces: dict[str, int] = {}
        for x in records:
            d = x.document.id
            local = _Local(d, x, keys, actor_ids, place_ids)
            for r in x.roles:
                holder = local.aid(r.holder)
                if holder is not None:
                    key = (holder, _title_key(r.title), local.aid(r.affiliation))
                    self.roles.setdefault(key, r.title)
                    self.role_rules[key].update(r.rules)
            mine: list[int | None] = []
            for i, m in enumerate(x.meetings):
                parts = local.aids(m.participants)
                if not parts:
                    mine.append(None)
                    continue
                rec: dict[str, Any] = {
                    "kind": m.kind, "participants": set(parts), "status": m.status, "mode": m.mode,
                    "location": local.aid(m.location), "date": m.date, "first": (d, i),
                    "published": x.document.published, "rules": set(m.rules)}
                block = meeting_blocks.setdefault((meeting_group(m.kind), frozenset(parts)), [])
                target = next((c for c in block if _same_meeting(c, rec)), None)
                if target is None:
                    rec["n"] = len(clusters)
                    clusters.append(rec)
                    block.append(rec)
                    target = rec
                else:
                    _merge_meeting(target, rec)
                    target["rules"] |= rec["rules"]
                mine.append(target["n"])
            for i, cf in enumerate(x.ceasefires):
                seen = observation(cf, d, x.document.published)
                reports.append(Report(d, i, frozenset(local.aids(cf.parties)), frozenset(local.aids(cf.mediators)),
                                      dataclasses.replace(seen, evidence=()), x.document.published))
                report_rules[(d, i)] = cf.rules
            if mine:
                meeting_local[d] = tuple(mine)
            if x.ceasefires:
                n_truces[d] = len(x.ceasefires)
        self.meeting_ids: list[str] = []
        self.g_meetings: list[GMeeting] = []
        for c in clusters:
            key = ("meeting", meeting_group(c["kind"]), *sorted(c["participants"]),
                   c["date"].value.isoformat() if c["date"] and c["date"].value else "doc:{}:{}".format(*c["first"]))
            mid = "meeting/" + digest(*key)
            self.meeting_ids.append(mid)
            self.g_meetings.append(GMeeting(mid, c["kind"], tuple(sorted(c["participants"])), c["status"], c["mode"],
                                            c["location"], c["date"], (), tuple(sorted(c["rules"]))))
        # ceasefires: the reports of one truce linked across documents (kg.lifecycle); the current
        # status from the latest report
        linked, of = link(reports)
        del reports
        truce_rules: dict[int, set[str]] = defaultdict(set)
        for where, rules in report_rules.items():
            truce_rules[of[where].number].update(rules)
        self.truce_ids: list[str] = []
        self.g_truces: list[GCeasefire] = []
        for t in linked:
            anchor = t.first.published.isoformat() if t.first.published else f"doc:{t.first.doc_id}:{t.first.index}"
            tid = "ceasefire/" + digest("ceasefire", *sorted(t.parties), anchor)
            self.truce_ids.append(tid)
            self.g_truces.append(GCeasefire(tid, tuple(sorted(t.parties)), tuple(sorted(t.mediators - t.parties)),
                                            current_status(r.observation for r in t.reports), t.date, (), (),
                                            tuple(sorted(truce_rules[t.number]))))
        # each document's meetings and ceasefires -> the number of their cluster
        self.local: dict[str, tuple[tuple[int | None, ...], tuple[int, ...]]] = {
            d: (meeting_local.get(d, ()), tuple(of[(d, i)].number for i in range(n_truces.get(d, 0))))
            for d in sorted(meeting_local.keys() | n_truces.keys())}

    def part(self, x: Extraction) -> DocumentPart:
        d = x.document.id
        local = _Local(d, x, self.keys, self.actor_ids, self.place_ids)
        meetings, truces = self.local.get(d, ((), ()))
        evidence: list[tuple[str, tuple[Span, ...]]] = []
        for r in x.roles:
            holder = local.aid(r.holder)
            if holder is not None:
                evidence.append(("role/" + digest(holder, _title_key(r.title), local.aid(r.affiliation)), r.evidence))
        for m, n in zip(x.meetings, meetings):
            if n is not None:
                evidence.append((self.meeting_ids[n], m.evidence))
        observations: list[tuple[str, StatusObservation]] = []
        for cf, n in zip(x.ceasefires, truces):
            evidence.append((self.truce_ids[n], cf.evidence))
            observations.append((self.truce_ids[n], observation(cf, d, x.document.published)))
        # statements: each report is its own statement
        statements: dict[str, GStatement] = {}
        for s in x.statements:
            speaker = local.aid(s.speaker)
            if speaker is None:
                continue
            about = []
            for ref in s.about:
                if ref.kind == "ceasefire" and ref.index < len(truces):
                    about.append(self.truce_ids[truces[ref.index]])
                elif ref.kind == "meeting" and ref.index < len(meetings) and meetings[ref.index] is not None:
                    about.append(self.meeting_ids[meetings[ref.index]])  # type: ignore[index]
            ev = s.evidence[0]
            sid = "statement/" + digest(d, ev.begin, ev.end, speaker, s.text)
            statements[sid] = GStatement(sid, speaker, s.text, s.quote, tuple(sorted(set(about))), s.date,
                                         _spans(s.evidence), tuple(sorted(set(s.rules))))
        # accusations: each report is its own node
        accusations: dict[str, GAccusation] = {}
        for a in x.accusations:
            accused, accuser = local.aid(a.accused), local.aid(a.accuser)
            if accused is None:
                continue
            ceasefire = self.truce_ids[truces[a.ceasefire.index]] \
                if a.ceasefire and a.ceasefire.index < len(truces) else None
            ev = a.evidence[0]
            gid = "accusation/" + digest(d, ev.begin, ev.end, accuser or "", accused)
            accusations[gid] = GAccusation(gid, accuser, accused, ceasefire, a.date, _spans(a.evidence),
                                           tuple(sorted(set(a.rules))))
        return DocumentPart(x.document, tuple(sorted(set(local.actors.values()))), tuple(evidence),
                            tuple(statements.values()), tuple(accusations.values()), tuple(observations))


# ---- actors ---------------------------------------------------------------------------------------
class ActorKeys:
    """The one place an actor mention gets its corpus-wide key: mentions with one key are one actor.

    ``observe`` sees every document's actors first (a pass over the corpus); ``key`` then keys a
    mention (kg/identity.py): an actor named only by a description stays its document's own;
    spelling variants, short forms and acronyms join the one actor of the corpus they can be;
    any other actor is its key.
    """

    def __init__(self) -> None:
        self.identity = identity.Identity()

    def observe(self, doc_id: str, actors: Iterable[Actor]) -> None:
        self.identity.observe(doc_id, actors)

    def key(self, doc_id: str, a: Actor) -> str:
        return self.identity.key(doc_id, a)


class _Group:
    """What the mentions of one actor say, summed (kinds, labels, names, documents)."""

    __slots__ = ("kinds", "own", "labels", "names", "docs")

    def __init__(self) -> None:
        self.kinds: Counter[ActorKind] = Counter()
        self.own: Counter[str] = Counter()  # labels of mentions keyed as the actor itself
        self.labels: Counter[str] = Counter()
        self.names: set[str] = set()
        self.docs: set[str] = set()


def _resolve_actors(records: Iterable[Extraction], keys: ActorKeys, documents: bool = True):
    """Global actor key -> actor id, and the global actors (their documents only when ``documents``)."""
    members: dict[str, _Group] = defaultdict(_Group)
    for x in records:
        d = x.document.id
        for a in x.actors:
            g = keys.key(d, a)
            group = members[g]
            group.kinds[a.kind] += 1
            if a.key == g or g.startswith(a.key + "@"):
                group.own[a.label] += 1
            group.labels[a.label] += 1
            group.names.update(n for n in a.names + (a.label,) if n)
            if documents:
                group.docs.add(d)
    ids: dict[str, str] = {}
    used: set[str] = set()
    actors = []
    for g in sorted(members):
        group = members[g]
        kinds = group.kinds
        kind = sorted(kinds, key=lambda k: (-kinds[k], k))[0]
        labels = group.own or group.labels
        label = sorted(labels, key=lambda lbl: (-len(lbl.split()) if kind == "Person" else 0, -labels[lbl], lbl))[0]
        names = sorted(n for n in group.names if n != label)
        base = "actor/" + slug(g.split(":", 1)[1].split("@")[0] if not g.startswith(("country:", "org:")) or
                               g.split(":", 1)[1].islower() else label)
        if "@" in g:
            base += "-" + digest(g)[:8]
        iri = base if base not in used else f"{base}-{kind.lower()}"
        used.add(iri)
        ids[g] = iri
        actors.append(GActor(iri, kind, label, tuple(names), tuple(sorted(group.docs))))
    return ids, tuple(sorted(actors, key=lambda a: a.id))


# ---- events ---------------------------------------------------------------------------------------
def _title_key(title: str) -> str:
    return re.sub(r"\s+", " ", title.lower()).strip()


def _close(a: dt.date | None, b: dt.date | None, days: int) -> bool:
    return a is not None and b is not None and abs((a - b).days) <= days


def _same_meeting(c: dict, rec: dict) -> bool:
    if c["first"][0] == rec["first"][0]:
        return False  # one document's meetings were already merged by the extractor
    if meeting_group(c["kind"]) != meeting_group(rec["kind"]) or c["participants"] != rec["participants"]:
        return False
    if c["status"] and rec["status"] and c["status"] != rec["status"]:
        return False
    cd = c["date"].value if c["date"] else None
    rd = rec["date"].value if rec["date"] else None
    if cd and rd:
        return cd == rd
    if c["location"] and rec["location"] and c["location"] != rec["location"]:
        return False
    return _close(c["published"], rec["published"], MEETING_WINDOW_DAYS)


def _merge_meeting(c: dict, rec: dict) -> None:
    c["status"] = c["status"] or rec["status"]
    if rec["mode"] and (c["mode"] in {None, "in person"}):
        c["mode"] = rec["mode"] if c["mode"] is None or rec["mode"] != "in person" else c["mode"]
    c["location"] = c["location"] or rec["location"]
    if not (c["date"] and c["date"].value):
        c["date"] = rec["date"] or c["date"]


def _spans(spans) -> tuple[Span, ...]:
    return tuple(sorted(set(spans), key=lambda s: (s.doc_id, s.begin, s.end)))
