"""Curation kept across rebuilds: a researcher's corrections, applied on every build.

A curation file (``curation.yaml`` in a corpus folder, or ``kg build --curation FILE``) is a
YAML list of entries, applied in order to what resolution made of the documents -- so the IRIs
are those of the build, and a rebuild applies the same corrections to the same nodes:

    - action: merge                      # "Halvorsen" is Dmitri Halvorsen
      actors: [Halvorsen]                # labels, other names or IRIs (actor:halvorsen)
      into: Dmitri Halvorsen
      by: Ingrid Berg                    # who decided (required)
      when: 2024-05-02                   # when (required: the file's date, never the clock)
      why: the ministry's website names him so
    - {action: split, actor: Dmitri Halvorsen, alias: Halvorsen, kind: Organization, by: ..., when: ...}
    - {action: retype, actor: Sahel Monitor, kind: Organization, by: ..., when: ...}
    - {action: reject, actor: Prime Minister, by: ..., when: ...}       # not an actor
    - {action: reject, fact: meeting:6bec6a25ec6bc234, by: ..., when: ...}  # never happened
    - {action: fix, fact: statement:0a1b..., speaker: Dmitri Halvorsen, by: ..., when: ...}
    - {action: fix, fact: ceasefire:..., status: collapsed, date: 2024-05-01, by: ..., when: ...}
    - action: add                        # a fact the reader missed, with its source and evidence
      fact: ceasefire                    # meeting, statement, ceasefire or accusation
      parties: [Armenia, Azerbaijan]
      status: agreed
      date: 2024-04-30
      source: 000_d2de068a82ff7819       # a document of the build
      evidence: "The two sides agreed to halt fire at midnight."   # its exact words
      by: ..., when: ...

Every change is recorded as PROV-O provenance (``Change``, written by ``kg.rdf`` into the named
graph ``kgd:graph/curation``: what changed, from what, by whom, when, why). An entry that no
longer matches anything (a document edited, an actor gone) is reported in the build summary
and left in the file, never dropped silently. A malformed file is a ``CurationError``.

``kg curate`` appends entries to the file as text, so its comments and layout are kept.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kg.errors import CurationError
from kg.lifecycle import current_status
from kg.models import (
    ACTOR_KINDS,
    CEASEFIRE_STATUSES,
    MEETING_KINDS,
    MEETING_MODES,
    MEETING_STATUSES,
    DateRef,
    Span,
    StatusObservation,
    unique,
)
from kg.resolve import (
    DocumentPart,
    GAccusation,
    GActor,
    GCeasefire,
    GMeeting,
    GRole,
    GStatement,
    Resolved,
    assemble,
    digest,
    slug,
)
from kg.vocab import DATA_BASE

FILE_NAME = "curation.yaml"
ACTIONS = ("merge", "split", "retype", "reject", "fix", "add")
FACT_KINDS = ("meeting", "statement", "ceasefire", "accusation", "role")
ADDABLE = ("meeting", "statement", "ceasefire", "accusation")
FIXABLE = ("speaker", "status", "date")
ADDED_RULE = "curation.add"  # the rule (kg:rule) of a fact a curation file added
COMMON = ("action", "by", "when", "why")
# The keys each action takes besides COMMON: required, then optional.
KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "merge": (("actors", "into"), ()),
    "split": (("actor", "alias"), ("kind",)),
    "retype": (("actor", "kind"), ()),
    "reject": ((), ("actor", "fact")),
    "fix": (("fact",), FIXABLE),
    "add": (("fact", "source", "evidence"), ("kind", "participants", "location", "mode", "status", "date",
                                              "speaker", "text", "quote", "parties", "mediators", "accuser",
                                              "accused", "ceasefire")),
}

Note = Callable[[str], None]


@dataclass(frozen=True)
class Entry:
    """One curation entry, checked."""

    action: str
    fields: dict[str, Any]
    by: str
    when: str  # ISO 8601 date-time (a date is its midnight, UTC)
    why: str | None
    where: str  # "FILE: entry N", for messages

    @property
    def id(self) -> str:
        """Stable across rebuilds and moves in the file: a digest of what the entry says."""
        return digest(json.dumps({"action": self.action, **self.fields, "by": self.by, "when": self.when,
                                  "why": self.why}, sort_keys=True, default=str))

    def describe(self) -> str:
        f = self.fields
        if self.action == "merge":
            return f"merge {', '.join(map(str, f['actors']))} into {f['into']}"
        if self.action == "split":
            return f"split {f['alias']} off {f['actor']}"
        if self.action == "retype":
            return f"retype {f['actor']} as {f['kind']}"
        if self.action == "reject":
            return f"reject {f.get('actor') or f.get('fact')}"
        if self.action == "fix":
            return f"fix {f['fact']}: " + ", ".join(f"{k} = {f[k]}" for k in FIXABLE if k in f)
        return f"add {f['fact']} from {f['source']}"


@dataclass(frozen=True)
class Change:
    """One applied entry, as provenance: the nodes it used (as they were) and generated (as they
    are), and for an attribute its previous and new value."""

    entry: str  # Entry.id
    action: str
    label: str
    by: str
    when: str
    why: str | None
    used: tuple[str, ...] = ()  # data ids ("actor/halvorsen")
    generated: tuple[str, ...] = ()
    attribute: str | None = None
    previous: str | None = None
    new: str | None = None
    number: str = ""  # the entry's place in the curation file(s) ("0003", "0003-2"): the order of application


# ---- reading ------------------------------------------------------------------------------------
def curation_files(inputs: Iterable[Path], explicit: Path | None) -> list[Path]:
    """The curation file given, else the ``curation.yaml`` of each input folder (in input order)."""
    if explicit is not None:
        if not explicit.is_file():
            raise CurationError(f"--curation {explicit}: no such file")
        return [explicit]
    return [p / FILE_NAME for p in inputs if p.is_dir() and (p / FILE_NAME).is_file()]


def read_entries(path: Path, text: str | None = None) -> list[Entry]:
    """The entries of a curation file, every key checked: a problem is one CurationError naming
    the file, the entry and what to write instead."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8") if text is None else text)
    except yaml.YAMLError as exc:
        raise CurationError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CurationError(f"{path}: cannot be read ({exc})") from None
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise CurationError(f"{path}: expected a list of entries (each '- action: merge|split|retype|reject|fix|add')")
    return [_entry(item, f"{path}: entry {n}") for n, item in enumerate(raw, 1)]


def _entry(item: Any, where: str) -> Entry:
    if not isinstance(item, dict):
        raise CurationError(f"{where}: expected a mapping with 'action', 'by' and 'when', not {item!r}")
    action = item.get("action")
    if action not in ACTIONS:
        raise CurationError(f"{where}: action {action!r} is not one of {', '.join(ACTIONS)}")
    where = f"{where} ({action})"
    required, optional = KEYS[action]
    unknown = sorted(set(map(str, item)) - set(COMMON) - set(required) - set(optional))
    if unknown:
        raise CurationError(f"{where}: unknown key(s) {', '.join(unknown)} (it takes "
                            f"{', '.join([*required, *optional, *COMMON[1:]])})")
    for key in (*required, "by", "when"):
        if item.get(key) in (None, "", []):
            raise CurationError(f"{where}: '{key}' is missing")
    if not isinstance(item["by"], str):
        raise CurationError(f"{where}: 'by' must be a name, not {item['by']!r}")
    if item.get("why") is not None and not isinstance(item["why"], str):
        raise CurationError(f"{where}: 'why' must be text")
    fields = {k: v for k, v in item.items() if k not in COMMON}
    _check_fields(action, fields, where)
    return Entry(action, fields, item["by"].strip(), _when(item["when"], where), item.get("why"), where)


def _when(value: Any, where: str) -> str:
    """An xsd:dateTime in canonical form (UTC written Z); a date is its midnight, UTC."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime(value.year, value.month, value.day)
    else:
        try:
            parsed = dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise CurationError(f"{where}: 'when' must be a date (YYYY-MM-DD) or a date and time, "
                                f"not {value!r}") from None
    text = (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).isoformat()
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text


def _day(value: Any, where: str, key: str = "date") -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise CurationError(f"{where}: '{key}' must be a day, YYYY-MM-DD, not {value!r}") from None


def _names(value: Any, where: str, key: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(x, str) and x.strip() for x in items):
        raise CurationError(f"{where}: '{key}' must be a name or IRI, or a list of them")
    return [x.strip() for x in items]


def _check_fields(action: str, f: dict[str, Any], where: str) -> None:
    for key in ("actor", "into", "alias", "speaker", "accuser", "accused", "location", "fact", "source", "ceasefire"):
        if key in f and (not isinstance(f[key], str) or not f[key].strip()):
            raise CurationError(f"{where}: '{key}' must be text, not {f[key]!r}")
    for key in ("actors", "participants", "parties", "mediators"):
        if key in f:
            f[key] = _names(f[key], where, key)
    if "kind" in f:
        kinds = MEETING_KINDS if action == "add" else ACTOR_KINDS
        if f["kind"] not in kinds:
            raise CurationError(f"{where}: kind {f['kind']!r} is not one of {', '.join(kinds)}")
    if "date" in f:
        f["date"] = _day(f["date"], where).isoformat()
    if "status" in f and f["status"] not in (*MEETING_STATUSES, *CEASEFIRE_STATUSES):
        raise CurationError(f"{where}: status {f['status']!r} is not a meeting status ({', '.join(MEETING_STATUSES)}) "
                            f"or a ceasefire status ({', '.join(CEASEFIRE_STATUSES)})")
    if "mode" in f and f["mode"] not in MEETING_MODES:
        raise CurationError(f"{where}: mode {f['mode']!r} is not one of {', '.join(MEETING_MODES)}")
    if "quote" in f and not isinstance(f["quote"], bool):
        raise CurationError(f"{where}: 'quote' must be true or false")
    if action == "reject" and ("actor" in f) == ("fact" in f):
        raise CurationError(f"{where}: give either 'actor' or 'fact'")
    if action == "fix" and not any(k in f for k in FIXABLE):
        raise CurationError(f"{where}: say what to fix: {', '.join(FIXABLE)}")
    if action == "add":
        kind = f["fact"]
        if kind not in ADDABLE:
            raise CurationError(f"{where}: fact {kind!r} is not one of {', '.join(ADDABLE)}")
        needs = {"meeting": ("participants",), "statement": ("speaker", "text"), "ceasefire": ("parties",),
                 "accusation": ("accused",)}[kind]
        for key in needs:
            if key not in f:
                raise CurationError(f"{where}: a {kind} needs '{key}'")
        if not isinstance(f["evidence"], str) or not f["evidence"].strip():
            raise CurationError(f"{where}: 'evidence' must be the exact words of the source")
        statuses = MEETING_STATUSES if kind == "meeting" else CEASEFIRE_STATUSES
        if "status" in f and f["status"] not in statuses:
            raise CurationError(f"{where}: status {f['status']!r} is not a {kind} status ({', '.join(statuses)})")


# ---- applying -----------------------------------------------------------------------------------
def curate(res: Resolved, inputs: Iterable[Path], explicit: Path | None, note: Note) -> tuple[Resolved, int]:
    """The build's records with the curation files' entries applied, provenance attached
    (``Resolved.curation``); entries that match nothing are passed to ``note``. Also returns
    the number of entries applied."""
    entries = [e for path in curation_files(inputs, explicit) for e in read_entries(path)]
    if not entries:
        return res, 0
    return _apply(res, entries, note)


def _apply(res: Resolved, entries: list[Entry], note: Note) -> tuple[Resolved, int]:
    state = _State(res)
    changes: list[Change] = []
    for n, entry in enumerate(entries, 1):
        try:
            made = state.apply(entry)
            changes.extend(dataclasses.replace(c, number=f"{n:04d}" + (f"-{k}" if k else ""))
                           for k, c in enumerate(made))
        except _NoMatch as miss:
            note(f"curation: {entry.where}: {entry.describe()}: matches nothing in this build ({miss}); "
                 "the entry is kept in the file")
    return state.result(tuple(changes)), len(changes)


def curate_stream(entities: Resolved, parts: Iterator[DocumentPart], inputs: Iterable[Path], explicit: Path | None,
                  note: Note) -> tuple[Resolved, Iterator[DocumentPart], int]:
    """``curate`` for a build's entities and documents' parts (``kg.resolve.resolve_stream``): without
    curation entries, both as they are (nothing read); with entries, the records gathered in memory
    (``kg.resolve.assemble``), curated, and split into parts again (``kg.rdf.document_parts``)."""
    entries = [e for path in curation_files(inputs, explicit) for e in read_entries(path)]
    if not entries:
        return entities, parts, 0
    from kg.rdf import document_parts

    res, n = _apply(assemble(entities, parts, mentions=True), entries, note)
    return res, document_parts(res), n


class _NoMatch(Exception):
    """An entry that names something the build does not have."""


_PREFIXED = re.compile(r"^(actor|meeting|statement|ceasefire|accusation|role|doc):(.+)$")


def _data_id(ref: str) -> str | None:
    """'actor:x', 'actor/x' or the full IRI -> 'actor/x'; None when ``ref`` is not an IRI form."""
    ref = ref.strip().strip("<>")
    if ref.startswith(DATA_BASE):
        return ref[len(DATA_BASE):]
    m = _PREFIXED.match(ref)
    if m:
        return f"{m.group(1)}/{m.group(2)}"
    if re.match(r"^(actor|meeting|statement|ceasefire|accusation|role)/\S+$", ref):
        return ref
    return None


def _norm(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().lower()


class _State:
    """The records while entries are applied (mutable copies; frozen again by ``result``)."""

    def __init__(self, res: Resolved):
        self.res = res
        self.actors: dict[str, GActor] = {a.id: a for a in res.actors}
        self.roles: dict[str, GRole] = {r.id: r for r in res.roles}
        self.meetings: dict[str, GMeeting] = {m.id: m for m in res.meetings}
        self.statements: dict[str, GStatement] = {s.id: s for s in res.statements}
        self.ceasefires: dict[str, GCeasefire] = {c.id: c for c in res.ceasefires}
        self.accusations: dict[str, GAccusation] = {a.id: a for a in res.accusations}
        self.texts = {d.id: d.text for d in res.documents}

    # ---- lookups --------------------------------------------------------------------------------
    def actor(self, ref: str) -> str:
        """The actor a label, another name or an IRI names (a label before another name)."""
        iri = _data_id(ref)
        if iri is not None:
            if iri in self.actors:
                return iri
            raise _NoMatch(f"no actor {ref}")
        key = _norm(ref)
        for field in ("label", "names"):
            found = sorted(a.id for a in self.actors.values()
                           if (key == _norm(a.label) if field == "label" else key in map(_norm, a.names)))
            if len(found) == 1:
                return found[0]
            if found:
                raise _NoMatch(f"{ref!r} names {len(found)} actors ({', '.join(found)}): give an IRI")
        raise _NoMatch(f"no actor named {ref!r}")

    def fact(self, ref: str) -> tuple[str, str]:
        """(kind, id) of a fact named by its IRI."""
        iri = _data_id(ref)
        if iri is None or iri.split("/", 1)[0] not in FACT_KINDS:
            raise _NoMatch(f"{ref!r} is not a fact IRI (meeting:..., statement:..., ceasefire:..., accusation:..., "
                           "role:...)")
        kind = iri.split("/", 1)[0]
        if iri not in self._table(kind):
            raise _NoMatch(f"no {kind} {ref}")
        return kind, iri

    def _table(self, kind: str) -> dict[str, Any]:
        tables: dict[str, dict[str, Any]] = {"meeting": self.meetings, "statement": self.statements, "ceasefire": self.ceasefires,
                "accusation": self.accusations, "role": self.roles}
        return tables[kind]

    # ---- actions --------------------------------------------------------------------------------
    def apply(self, e: Entry) -> list[Change]:
        change = {"merge": self._merge, "split": self._split, "retype": self._retype, "reject": self._reject,
                  "fix": self._fix, "add": self._add}[e.action](e)
        return change

    def _change(self, e: Entry, **kw: Any) -> Change:
        return Change(e.id, e.action, e.describe(), e.by, e.when, e.why, **kw)

    def _merge(self, e: Entry) -> list[Change]:
        into = self.actor(e.fields["into"])
        gone = unique(a for a in (self.actor(r) for r in e.fields["actors"]) if a != into)
        if not gone:
            raise _NoMatch(f"{', '.join(e.fields['actors'])} is already {into}")
        target = self.actors[into]
        names = set(target.names)
        docs = set(target.documents)
        for g in gone:
            old = self.actors.pop(g)
            names |= {old.label, *old.names}
            docs |= set(old.documents)
        self.actors[into] = dataclasses.replace(target, names=tuple(sorted(names - {target.label})),
                                                documents=tuple(sorted(docs)))
        self._replace_actor({g: into for g in gone})
        return [self._change(e, used=(*gone, into), generated=(into,), attribute="actor",
                             previous=", ".join(gone), new=into)]

    def _split(self, e: Entry) -> list[Change]:
        source = self.actor(e.fields["actor"])
        alias = e.fields["alias"].strip()
        actor = self.actors[source]
        if _norm(alias) not in map(_norm, actor.names):
            raise _NoMatch(f"{alias!r} is not another name of {source}")
        kind = e.fields.get("kind", actor.kind)
        new = "actor/" + slug(alias)
        while new in self.actors:
            new += "-" + kind.lower()
        pattern = re.compile(rf"(?<!\w){re.escape(alias)}(?!\w)", re.IGNORECASE)
        own = [actor.label, *[n for n in actor.names if _norm(n) != _norm(alias)]]
        own_pattern = re.compile("|".join(rf"(?<!\w){re.escape(n)}(?!\w)" for n in own), re.IGNORECASE)

        def alias_only(spans: tuple[Span, ...]) -> bool:
            """Evidence that names the alias and none of the actor's other names."""
            return any(pattern.search(s.text) for s in spans) and not any(own_pattern.search(s.text) for s in spans)

        self.actors[source] = dataclasses.replace(actor, names=tuple(n for n in actor.names if _norm(n) != _norm(alias)))
        docs = tuple(sorted(d for d in actor.documents if pattern.search(self.texts.get(d, ""))))
        self.actors[new] = GActor(new, kind, alias, (), docs)
        moved = self._replace_actor({source: new}, only=alias_only)
        return [self._change(e, used=(source,), generated=(source, new, *moved), attribute="alias",
                             previous=f"{alias} ({source})", new=f"{alias} ({new})")]

    def _retype(self, e: Entry) -> list[Change]:
        iri = self.actor(e.fields["actor"])
        actor = self.actors[iri]
        if actor.kind == e.fields["kind"]:
            raise _NoMatch(f"{iri} is already a {actor.kind}")
        self.actors[iri] = dataclasses.replace(actor, kind=e.fields["kind"])
        return [self._change(e, used=(iri,), generated=(iri,), attribute="type", previous=actor.kind,
                             new=e.fields["kind"])]

    def _reject(self, e: Entry) -> list[Change]:
        if "fact" in e.fields:
            kind, iri = self.fact(e.fields["fact"])
            del self._table(kind)[iri]
            self._drop_references({iri})
            return [self._change(e, used=(iri,), attribute=kind, previous=iri)]
        iri = self.actor(e.fields["actor"])
        label = self.actors.pop(iri).label
        dropped = self._replace_actor({iri: None})
        return [self._change(e, used=(iri, *dropped), attribute="actor", previous=f"{label} ({iri})")]

    def _fix(self, e: Entry) -> list[Change]:
        kind, iri = self.fact(e.fields["fact"])
        table = self._table(kind)
        record = table[iri]
        changes = []
        for attr in FIXABLE:
            if attr not in e.fields:
                continue
            value = e.fields[attr]
            if attr == "speaker":
                if kind != "statement":
                    raise _NoMatch(f"a {kind} has no speaker")
                new = self.actor(value)
                previous, record = record.speaker, dataclasses.replace(record, speaker=new)
                changes.append(self._change(e, used=(iri, previous), generated=(iri, new), attribute="speaker",
                                            previous=previous, new=new))
            elif attr == "status":
                allowed = {"meeting": MEETING_STATUSES, "ceasefire": CEASEFIRE_STATUSES}.get(kind, ())
                if value not in allowed:
                    raise _NoMatch(f"{value!r} is not a status of a {kind}")
                previous, record = record.status, dataclasses.replace(record, status=value)
                changes.append(self._change(e, used=(iri,), generated=(iri,), attribute="status",
                                            previous=previous, new=value))
            else:
                if not hasattr(record, "date"):
                    raise _NoMatch(f"a {kind} has no date")
                day = dt.date.fromisoformat(value)
                old = record.date
                record = dataclasses.replace(record, date=DateRef(old.text if old else value, day))
                changes.append(self._change(e, used=(iri,), generated=(iri,), attribute="date",
                                            previous=old.value.isoformat() if old and old.value else
                                            (old.text if old else None), new=value))
        table[iri] = record
        return changes

    def _add(self, e: Entry) -> list[Change]:
        f = e.fields
        doc = f["source"]
        if doc not in self.texts:
            raise _NoMatch(f"no document {doc!r} in this build")
        words = f["evidence"].strip()
        at = self.texts[doc].find(words)
        if at < 0:
            raise _NoMatch(f"document {doc} does not contain the evidence {words[:60]!r}")
        span = (Span(doc, at, at + len(words), words),)
        date = DateRef(f["date"], dt.date.fromisoformat(f["date"])) if "date" in f else None
        kind = f["fact"]
        iri = f"{kind}/" + digest("curated", e.id)
        if kind == "meeting":
            parts = tuple(sorted({self.actor(p) for p in f["participants"]}))
            location = self.actor(f["location"]) if "location" in f else None
            self.meetings[iri] = GMeeting(iri, f.get("kind", "meeting"), parts, f.get("status"), f.get("mode"),
                                          location, date, span, rules=(ADDED_RULE,))
            used = parts
        elif kind == "statement":
            speaker = self.actor(f["speaker"])
            self.statements[iri] = GStatement(iri, speaker, str(f["text"]), bool(f.get("quote", False)), (), date, span,
                                              rules=(ADDED_RULE,))
            used = (speaker,)
        elif kind == "ceasefire":
            parties = tuple(sorted({self.actor(p) for p in f["parties"]}))
            mediators = tuple(sorted({self.actor(p) for p in f.get("mediators", [])} - set(parties)))
            obs = (StatusObservation(doc, f.get("status"), date.value if date else None, date, span),)
            self.ceasefires[iri] = GCeasefire(iri, parties, mediators, current_status(obs), date, span, obs,
                                              rules=(ADDED_RULE,))
            used = parties + mediators
        else:
            accused = self.actor(f["accused"])
            accuser = self.actor(f["accuser"]) if "accuser" in f else None
            ceasefire = self.fact(f["ceasefire"])[1] if "ceasefire" in f else None
            self.accusations[iri] = GAccusation(iri, accuser, accused, ceasefire, date, span, (ADDED_RULE,))
            used = tuple(a for a in (accuser, accused, ceasefire) if a)
        for a in used:
            if a in self.actors and doc not in self.actors[a].documents:
                self.actors[a] = dataclasses.replace(self.actors[a], documents=tuple(sorted({*self.actors[a].documents,
                                                                                            doc})))
        return [self._change(e, used=tuple(used), generated=(iri,), attribute=kind, new=iri)]

    # ---- consequences ---------------------------------------------------------------------------
    def _replace_actor(self, mapping: dict[str, str | None], only=None) -> list[str]:
        """Every fact with the actors of ``mapping`` replaced (None: removed); with ``only``, just
        the facts whose evidence it accepts. A fact left without its required actor is dropped.
        Returns the facts changed or dropped."""
        touched: list[str] = []

        def swap(ids: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(sorted({x for x in (mapping.get(i, i) for i in ids) if x is not None}))

        def one(i: str | None) -> str | None:
            return mapping.get(i, i) if i is not None else None

        def hit(record, *ids) -> bool:
            return any(i in mapping for i in ids if i) and (only is None or only(record.evidence))

        for iri, r in list(self.roles.items()):
            if hit(r, r.holder, r.affiliation):
                touched.append(iri)
                holder = one(r.holder)
                if holder is None:
                    del self.roles[iri]
                else:
                    self.roles[iri] = dataclasses.replace(r, holder=holder, affiliation=one(r.affiliation))
        for iri, m in list(self.meetings.items()):
            if hit(m, *m.participants, m.location):
                touched.append(iri)
                parts = swap(m.participants)
                if not parts:
                    del self.meetings[iri]
                else:
                    self.meetings[iri] = dataclasses.replace(m, participants=parts, location=one(m.location))
        for iri, s in list(self.statements.items()):
            if hit(s, s.speaker):
                touched.append(iri)
                speaker = one(s.speaker)
                if speaker is None:
                    del self.statements[iri]
                else:
                    self.statements[iri] = dataclasses.replace(s, speaker=speaker)
        for iri, c in list(self.ceasefires.items()):
            if hit(c, *c.parties, *c.mediators):
                touched.append(iri)
                parties = swap(c.parties)
                self.ceasefires[iri] = dataclasses.replace(c, parties=parties,
                                                           mediators=tuple(x for x in swap(c.mediators)
                                                                           if x not in parties))
        for iri, a in list(self.accusations.items()):
            if hit(a, a.accuser, a.accused):
                touched.append(iri)
                accused = one(a.accused)
                if accused is None:
                    del self.accusations[iri]
                else:
                    accuser = one(a.accuser)
                    self.accusations[iri] = dataclasses.replace(a, accuser=accuser if accuser != accused else None,
                                                                accused=accused)
        self._drop_references({i for i in touched if not any(i in t for t in self._tables())})
        return touched

    def _tables(self):
        return (self.roles, self.meetings, self.statements, self.ceasefires, self.accusations)

    def _drop_references(self, gone: set[str]) -> None:
        """Statements no longer about a fact that is gone; accusations no longer concerning it."""
        if not gone:
            return
        for iri, s in list(self.statements.items()):
            if set(s.about) & gone:
                self.statements[iri] = dataclasses.replace(s, about=tuple(x for x in s.about if x not in gone))
        for iri, a in list(self.accusations.items()):
            if a.ceasefire in gone:
                self.accusations[iri] = dataclasses.replace(a, ceasefire=None)

    def result(self, changes: tuple[Change, ...]) -> Resolved:
        live = set(self.actors) | {p.id for p in self.res.places}
        for iri, s in list(self.statements.items()):  # "about" may name an actor
            if any(x.startswith("actor/") and x not in live for x in s.about):
                self.statements[iri] = dataclasses.replace(s, about=tuple(x for x in s.about if x in live
                                                                          or not x.startswith("actor/")))

        def ordered(table: dict[str, Any]) -> tuple:
            return tuple(sorted(table.values(), key=lambda r: r.id))

        return dataclasses.replace(
            self.res, actors=ordered(self.actors), roles=ordered(self.roles), meetings=ordered(self.meetings),
            statements=ordered(self.statements), ceasefires=ordered(self.ceasefires),
            accusations=ordered(self.accusations), curation=changes)


# ---- writing (kg curate) ------------------------------------------------------------------------
def new_entry(action: str, by: str | None, when: str | None, why: str | None, **fields: Any) -> dict[str, Any]:
    """An entry as ``kg curate`` writes it: the fields given (empty ones left out), who (``by``,
    else $KG_CURATOR, else the login name) and when (``when``, else today: written into the file,
    so every later build uses that date)."""
    import getpass
    import os

    item: dict[str, Any] = {"action": action}
    for key, value in fields.items():
        if value not in (None, (), []):
            item[key] = list(value) if isinstance(value, tuple) else value
    who = by or os.environ.get("KG_CURATOR") or getpass.getuser()
    item["by"] = who
    item["when"] = when or dt.date.today().isoformat()
    if why:
        item["why"] = why
    return item


def append_entry(path: Path, item: dict[str, Any]) -> Entry:
    """Check ``item`` as an entry and append it to the curation file as YAML text: the entries,
    comments and layout already there are kept byte for byte."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    before = read_entries(path, old) if old.strip() else []
    entry = _entry(dict(item), f"{path}: entry {len(before) + 1}")
    block = yaml.safe_dump([item], allow_unicode=True, sort_keys=False, default_flow_style=False, width=100)
    head = old if not old or old.endswith("\n") else old + "\n"
    if not old:
        head = "# kg curation: corrections applied on every build (see `kg curate --help`).\n"
    text = head + block
    after = read_entries(path, text)
    if [e.id for e in after] != [e.id for e in before] + [entry.id]:  # pragma: no cover - a safeguard
        raise CurationError(f"{path}: appending the entry would change the others; edit the file by hand")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return entry
