#!/usr/bin/env python3
"""Validate the table of test sentences (every tests/data/sentences/*.yaml, read as one table).

    .venv/bin/python tools/check_sentences.py [file or folder ...]

The table is split into files by topic so that work on one event kind touches one file.

Checks that the YAML parses; every case has a unique kebab-case id, a text and the five record
lists (and optionally `not_actors`: names written in the text that must not become actors);
every participant, speaker, holder, affiliation, party and mediator is one of the case's
actors; statuses and modes are the vocabulary's; country actors are gazetteer names
(kg/nlp/data/countries.tsv) written in the text by one of their forms; other named actors,
statement phrases, date texts and place locations occur in the text; dates are ISO dates and a
weekday / today / yesterday / tomorrow date agrees with `published`; there are at least 60
cases and 10 negatives (cases with no meeting, statement or ceasefire at all).
"""
from __future__ import annotations

import csv
import datetime as dt
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "tests" / "data" / "sentences"
GAZETTEER = ROOT / "kg" / "nlp" / "data" / "countries.tsv"

ACTOR_TYPES = {"Person", "Organization", "Country", "Group"}
MEETING_STATUSES = {"planned", "occurred", "cancelled"}
MEETING_MODES = {"in person", "phone", "video"}
CEASEFIRE_STATUSES = {"proposed", "under negotiation", "agreed", "in force", "violated", "collapsed"}
# Other ways the text may name an organisation actor.
ORG_FORMS = {"United Nations": ["UN", "U.N."], "European Union": ["EU", "E.U."]}
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
KEYS = {
    "case": {"id", "published", "text", "actors", "not_actors", "roles", "meetings", "statements", "ceasefires",
             "accusations"},
    "actors": {"name", "type", "optional"},
    "roles": {"holder", "title", "affiliation", "optional"},
    "meetings": {"participants", "status", "mode", "location", "date", "date_text", "optional"},
    "statements": {"speaker", "contains", "quote", "optional"},
    "ceasefires": {"parties", "mediators", "status", "optional"},
    # optional column: a case without it is not checked for accusations; `accuser: null` when the
    # text itself reports the violation
    "accusations": {"accuser", "accused", "optional"},
}


def table_files(paths: list[Path]) -> list[Path]:
    """The YAML files named, a folder standing for its *.yaml files in name order."""
    return [f for p in paths for f in (sorted(p.glob("*.yaml")) if p.is_dir() else [p])]


def load_cases(paths: list[Path] | None = None) -> list[dict]:
    """Every case of the table, file by file."""
    return [c for f in table_files(paths or [DEFAULT])
            for c in yaml.safe_load(f.read_text(encoding="utf-8"))["cases"]]


def gazetteer() -> dict[str, list[str]]:
    forms = {}
    with GAZETTEER.open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            forms[row["name"]] = [row["name"]] + [x for c in ("aliases", "demonyms", "capitals")
                                                  for x in row[c].split("|") if x]
    return forms


def as_date(v) -> dt.date | None:
    if v is None:
        return None
    if isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v))


def expected_date(date_text: str, published: dt.date, status: str | None) -> dt.date | None:
    t = date_text.lower()
    if t == "today":
        return published
    if t == "yesterday":
        return published - dt.timedelta(days=1)
    if t == "tomorrow":
        return published + dt.timedelta(days=1)
    for i, day in enumerate(WEEKDAYS):
        if re.search(rf"\b{day}\b", t):
            back = (published.weekday() - i) % 7
            if status == "planned":
                return published + dt.timedelta(days=(i - published.weekday()) % 7 or 7)
            return published - dt.timedelta(days=back)
    return None


def main() -> int:
    paths = [Path(a) for a in sys.argv[1:]] or [DEFAULT]
    countries = gazetteer()
    errors: list[str] = []
    cases = []
    for path in table_files(paths):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        part = data.get("cases") if isinstance(data, dict) else None
        if not isinstance(part, list):
            print(f"{path}: no list under 'cases'", file=sys.stderr)
            return 1
        cases.extend(part)
    path = ", ".join(map(str, paths))
    ids = set()
    negatives = 0
    for n, case in enumerate(cases):
        cid = case.get("id", f"#{n}")

        def err(msg: str) -> None:
            errors.append(f"{cid}: {msg}")

        if set(case) - KEYS["case"]:
            err(f"unknown keys {sorted(set(case) - KEYS['case'])}")
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", str(cid)):
            err("id is not kebab-case")
        if cid in ids:
            err("duplicate id")
        ids.add(cid)
        text = case.get("text")
        if not isinstance(text, str) or not text.strip():
            err("no text")
            continue
        low = text.lower()
        published = None
        if "published" in case:
            try:
                published = as_date(case["published"])
            except ValueError:
                err(f"bad published {case['published']!r}")
        for col in ("actors", "roles", "meetings", "statements", "ceasefires", "accusations"):
            if col == "accusations" and col not in case:
                continue
            if not isinstance(case.get(col), list):
                err(f"{col} must be a list")
                case[col] = []
            for item in case[col]:
                if not isinstance(item, dict):
                    err(f"{col}: {item!r} is not a mapping")
                elif set(item) - KEYS[col]:
                    err(f"{col}: unknown keys {sorted(set(item) - KEYS[col])}")
                elif "optional" in item and item["optional"] is not True:
                    err(f"{col}: optional must be true when given")
        actors = {}
        for a in case["actors"]:
            name, kind = a.get("name"), a.get("type")
            if not isinstance(name, str) or not name:
                err(f"actor without name: {a}")
                continue
            if name in actors:
                err(f"actor {name} listed twice")
            actors[name] = kind
            if kind not in ACTOR_TYPES:
                err(f"actor {name}: type {kind!r}")
            if a.get("optional"):
                pass  # an optional actor may be implied ("the North")
            elif kind == "Country":
                if name not in countries:
                    err(f"country {name!r} is not a gazetteer name")
                elif not any(re.search(rf"(?<!\w){re.escape(f)}(?!\w)", text) for f in countries[name]):
                    err(f"country {name!r}: none of its forms is in the text")
            elif not any(re.search(rf"(?<!\w){re.escape(f)}(?!\w)", text, re.I)
                         for f in [name] + ORG_FORMS.get(name, [])):
                err(f"actor {name!r} does not occur in the text")

        for name in case.get("not_actors", []):
            if not isinstance(name, str) or not re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.I):
                err(f"not_actors: {name!r} does not occur in the text")
            elif name in actors:
                err(f"{name!r} is both an actor and among not_actors")

        def ref(what: str, name) -> None:
            if name not in actors:
                err(f"{what} {name!r} is not among the actors")

        for r in case["roles"]:
            ref("holder", r.get("holder"))
            if r.get("affiliation") is not None:
                ref("affiliation", r["affiliation"])
            if not r.get("title"):
                err(f"role of {r.get('holder')} has no title")
            elif r["title"].lower() not in low:
                err(f"title {r['title']!r} is not in the text")
        for m in case["meetings"]:
            parts = m.get("participants")
            if not isinstance(parts, list) or not parts:
                err(f"meeting without participants: {m}")
                parts = []
            for p in parts:
                ref("participant", p)
            if m.get("status") not in MEETING_STATUSES:
                err(f"meeting status {m.get('status')!r}")
            if "mode" in m and m["mode"] not in MEETING_MODES:
                err(f"meeting mode {m['mode']!r}")
            loc = m.get("location")
            if loc is not None and actors.get(loc) != "Country" and loc.lower() not in low:
                err(f"location {loc!r} is neither a country actor nor in the text")
            if m.get("date_text") is not None and str(m["date_text"]).lower() not in low:
                err(f"date_text {m['date_text']!r} is not in the text")
            if "date" in m:
                try:
                    date = as_date(m["date"])
                except ValueError:
                    err(f"bad date {m['date']!r}")
                    continue
                if "date_text" not in m:
                    err("date without date_text")
                elif published is None and not re.search(r"\d", str(m["date_text"])):
                    err("a relative date needs `published`")
                elif published is not None:
                    exp = expected_date(str(m["date_text"]), published, m.get("status"))
                    if exp is not None and exp != date:
                        err(f"date {date} disagrees with {m['date_text']!r} published {published}: {exp}")
                    if exp is None and date.year != published.year:
                        err(f"date {date} is not in the publication year")
        for s in case["statements"]:
            ref("speaker", s.get("speaker"))
            c = s.get("contains")
            if not isinstance(c, str) or not (2 <= len(c.split()) <= 6):
                err(f"statement phrase {c!r} must be 2-6 words")
            elif c.lower() not in low:
                err(f"statement phrase {c!r} is not in the text")
            if "quote" in s and not isinstance(s["quote"], bool):
                err("quote must be true or false")
            if s.get("quote") and '"' not in text:
                err("a direct quote in a text without quotation marks")
        for c in case["ceasefires"]:
            if not isinstance(c.get("parties"), list) or not c["parties"]:
                err(f"ceasefire without parties: {c}")
            for p in c.get("parties") or []:
                ref("party", p)
            if not isinstance(c.get("mediators"), list):
                err("ceasefire mediators must be a list")
            for p in c.get("mediators") or []:
                ref("mediator", p)
            if c.get("status") not in CEASEFIRE_STATUSES:
                err(f"ceasefire status {c.get('status')!r}")
        for a in case.get("accusations") or []:
            if not isinstance(a, dict):
                continue
            if "accused" not in a or "accuser" not in a:
                err(f"accusation needs accuser (null when the text itself reports it) and accused: {a}")
            ref("accused", a.get("accused"))
            if a.get("accuser") is not None:
                ref("accuser", a["accuser"])
        if not case["meetings"] and not case["statements"] and not case["ceasefires"] and not case.get("accusations"):
            negatives += 1
    if len(cases) < 60:
        errors.append(f"only {len(cases)} cases (at least 60 wanted)")
    if negatives < 10:
        errors.append(f"only {negatives} negative cases (at least 10 wanted)")
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 1
    print(f"{path}: {len(cases)} cases, {negatives} negatives: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
