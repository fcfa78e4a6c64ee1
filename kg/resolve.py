"""Mentions across documents -> one node per real-world actor and event, with stable ids.

Ids are derived from stable keys (a person's normalised full name, a state's ISO code, an
event's participants and date), never from build order, so rebuilding the same input gives
the same ids and adding a document does not rename what was there.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kg import identity
from kg.lifecycle import LINK_WINDOW_DAYS, Report, link, observation
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


def resolve(extractions: list[Extraction]) -> Resolved:
    extractions = sorted(extractions, key=lambda x: x.document.id)
    actor_map, actors = _resolve_actors(extractions)
    place_ids: dict[str, GPlace] = {}
    for x in extractions:
        for p in x.places:
            place_ids.setdefault(p.key, GPlace("place/" + slug(p.key.split(":", 1)[1]), p.label))

    def aid(doc_id: str, key: str | None) -> str | None:
        if key is None:
            return None
        if key.startswith("place:"):
            return place_ids[key].id if key in place_ids else None
        return actor_map.get((doc_id, key))

    def aids(doc_id, keys):
        out = []
        for k in keys:
            a = aid(doc_id, k)
            if a and a not in out:
                out.append(a)
        return tuple(sorted(out))

    published = {x.document.id: x.document.published for x in extractions}

    # roles: one per holder, title and affiliation
    roles: dict[tuple, list] = {}
    for x in extractions:
        d = x.document.id
        for r in x.roles:
            holder = aid(d, r.holder)
            if holder is None:
                continue
            key = (holder, _title_key(r.title), aid(d, r.affiliation))
            entry = roles.setdefault(key, [r.title, [], set()])
            entry[1].extend(r.evidence)
            entry[2].update(r.rules)
    g_roles = tuple(sorted((GRole("role/" + digest(*k), k[0], v[0], k[2], _spans(v[1]), tuple(sorted(v[2])))
                            for k, v in roles.items()),
                           key=lambda r: r.id))

    # meetings: merged across documents when the same people meet on the same day
    clusters: list[dict] = []
    # only meetings of the same kind group and the same participants can merge (neither changes on
    # merge): indexing by them keeps resolution linear in the corpus
    meeting_blocks: dict[tuple, list[dict]] = {}
    local_meeting: dict[tuple[str, int], dict] = {}
    for x in extractions:
        d = x.document.id
        for i, m in enumerate(x.meetings):
            parts = aids(d, m.participants)
            if not parts:
                continue
            rec: dict[str, Any] = {
                "kind": m.kind, "participants": set(parts), "status": m.status, "mode": m.mode,
                   "location": aid(d, m.location), "date": m.date, "evidence": list(m.evidence),
                   "first": (d, i), "published": published[d]}
            block = meeting_blocks.setdefault((meeting_group(m.kind), frozenset(parts)), [])
            target = next((c for c in block if _same_meeting(c, rec)), None)
            if target is None:
                clusters.append(rec)
                block.append(rec)
                target = rec
            else:
                _merge_meeting(target, rec)
            local_meeting[(d, i)] = target
    meeting_ids = {}
    g_meetings = []
    meeting_rules = _rules_of(extractions, local_meeting, "meetings")
    for c in clusters:
        key = ("meeting", meeting_group(c["kind"]), *sorted(c["participants"]),
               c["date"].value.isoformat() if c["date"] and c["date"].value else "doc:{}:{}".format(*c["first"]))
        mid = "meeting/" + digest(*key)
        meeting_ids[id(c)] = mid
        g_meetings.append(GMeeting(mid, c["kind"], tuple(sorted(c["participants"])), c["status"], c["mode"],
                                   c["location"], c["date"], _spans(c["evidence"]), meeting_rules.get(id(c), ())))

    # ceasefires: the reports of one truce linked across documents (kg.lifecycle)
    linked, local_truce = link_ceasefires(extractions, published, aids)
    g_truces = []
    truce_ids = {}
    truce_rules = _rules_of(extractions, local_truce, "ceasefires")
    for t in linked:
        anchor = t.first.published.isoformat() if t.first.published else f"doc:{t.first.doc_id}:{t.first.index}"
        tid = "ceasefire/" + digest("ceasefire", *sorted(t.parties), anchor)
        truce_ids[id(t)] = tid
        g_truces.append(GCeasefire(tid, tuple(sorted(t.parties)), tuple(sorted(t.mediators - t.parties)),
                                   t.status, t.date, _spans(t.evidence), t.observations, truce_rules.get(id(t), ())))

    # statements: each report is its own statement
    g_statements = {}
    for x in extractions:
        d = x.document.id
        for s in x.statements:
            speaker = aid(d, s.speaker)
            if speaker is None:
                continue
            about = []
            for ref in s.about:
                if ref.kind == "ceasefire" and (d, ref.index) in local_truce:
                    about.append(truce_ids[id(local_truce[(d, ref.index)])])
                elif ref.kind == "meeting" and (d, ref.index) in local_meeting:
                    about.append(meeting_ids[id(local_meeting[(d, ref.index)])])
            ev = s.evidence[0]
            sid = "statement/" + digest(d, ev.begin, ev.end, speaker, s.text)
            g_statements[sid] = GStatement(sid, speaker, s.text, s.quote, tuple(sorted(set(about))), s.date,
                                           _spans(s.evidence), tuple(sorted(set(s.rules))))
    return Resolved(
        documents=tuple(x.document for x in extractions),
        actors=actors,
        places=tuple(sorted(place_ids.values(), key=lambda p: p.id)),
        roles=g_roles,
        meetings=tuple(sorted(g_meetings, key=lambda m: m.id)),
        statements=tuple(sorted(g_statements.values(), key=lambda s: s.id)),
        ceasefires=tuple(sorted(g_truces, key=lambda c: c.id)),
        accusations=resolve_accusations(extractions, aid, {k: truce_ids[id(t)] for k, t in local_truce.items()}),
    )


# ---- actors ---------------------------------------------------------------------------------------
def _resolve_actors(extractions: list[Extraction]):
    """(doc id, local key) -> global actor id, and the global actors."""
    # one key per real-world actor: spelling variants, short forms and acronyms (kg/identity.py)
    linked = identity.global_keys((x.document.id, a) for x in extractions for a in x.actors)
    mapping: dict[tuple[str, str], str] = {}
    members: dict[str, list[tuple[str, Actor]]] = defaultdict(list)
    for x in extractions:
        d = x.document.id
        for a in x.actors:
            g = linked[(d, a.key)]
            mapping[(d, a.key)] = g
            members[g].append((d, a))
    ids: dict[str, str] = {}
    used: set[str] = set()
    actors = []
    for g in sorted(members):
        group = members[g]
        kinds = Counter(a.kind for _, a in group)
        kind = sorted(kinds, key=lambda k: (-kinds[k], k))[0]
        labels = Counter(a.label for _, a in group if a.key == g or g.startswith(a.key + "@"))
        if not labels:
            labels = Counter(a.label for _, a in group)
        label = sorted(labels, key=lambda lbl: (-len(lbl.split()) if kind == "Person" else 0, -labels[lbl], lbl))[0]
        names = sorted({n for _, a in group for n in (a.names + (a.label,)) if n and n != label})
        base = "actor/" + slug(g.split(":", 1)[1].split("@")[0] if not g.startswith(("country:", "org:")) or
                               g.split(":", 1)[1].islower() else label)
        if "@" in g:
            base += "-" + digest(g)[:8]
        iri = base if base not in used else f"{base}-{kind.lower()}"
        used.add(iri)
        ids[g] = iri
        docs = tuple(sorted({d for d, _ in group}))
        actors.append(GActor(iri, kind, label, tuple(names), docs))
    return {k: ids[v] for k, v in mapping.items()}, tuple(sorted(actors, key=lambda a: a.id))


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
    c["evidence"].extend(rec["evidence"])


def resolve_accusations(extractions: list[Extraction], aid, truce_of: dict[tuple[str, int], str]):
    """Each document's accusations, their actors and ceasefire resolved; each report its own node."""
    out = {}
    for x in extractions:
        d = x.document.id
        for a in x.accusations:
            accused, accuser = aid(d, a.accused), aid(d, a.accuser)
            if accused is None:
                continue
            ceasefire = truce_of.get((d, a.ceasefire.index)) if a.ceasefire else None
            ev = a.evidence[0]
            gid = "accusation/" + digest(d, ev.begin, ev.end, accuser or "", accused)
            out[gid] = GAccusation(gid, accuser, accused, ceasefire, a.date, _spans(a.evidence),
                                   tuple(sorted(set(a.rules))))
    return tuple(sorted(out.values(), key=lambda a: a.id))


def link_ceasefires(extractions: list[Extraction], published: dict, aids):
    """Each document's ceasefires as reports, linked across documents (kg.lifecycle)."""
    reports = [Report(x.document.id, i, frozenset(aids(x.document.id, cf.parties)),
                      frozenset(aids(x.document.id, cf.mediators)),
                      observation(cf, x.document.id, published[x.document.id]), published[x.document.id])
               for x in extractions for i, cf in enumerate(x.ceasefires)]
    return link(reports)


def _rules_of(extractions, local: dict, field: str) -> dict[int, tuple[str, ...]]:
    """The rule ids of each merged record (by id() of its cluster): the union of its reports' rules."""
    by_doc = {x.document.id: x for x in extractions}
    found: dict[int, set[str]] = {}
    for (d, i), target in local.items():
        found.setdefault(id(target), set()).update(getattr(by_doc[d], field)[i].rules)
    return {k: tuple(sorted(v)) for k, v in found.items()}


def _spans(spans) -> tuple[Span, ...]:
    return tuple(sorted(set(spans), key=lambda s: (s.doc_id, s.begin, s.end)))
