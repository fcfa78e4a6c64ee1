"""The extractor on short news sentences written for this project (tests/data/sentences/*.yaml).

Each case lists the records a careful analyst reads in it; required items must be
extracted, and nothing of a class the case does not mention may be invented.
"""
from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import yaml

from kg.extract import extract
from kg.models import Document
from kg.resolve import Resolved, resolve

TABLE = Path(__file__).parent / "data" / "sentences"
CHECKER = Path(__file__).resolve().parent.parent / "tools" / "check_sentences.py"
sys.path.insert(0, str(CHECKER.parent))
from check_sentences import load_cases  # noqa: E402

CASES = load_cases([TABLE])


def norm(text: str) -> str:
    """Names compared as the scorer compares them."""
    text = unicodedata.normalize("NFKC", str(text)).replace("\u2019", "'").lower()
    text = re.sub(r"'s\b", "", text)
    text = re.sub(r"[^\w\s]", "", text)
    return re.sub(r"^the ", "", re.sub(r"\s+", " ", text).strip())


def _date(value):
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


@pytest.fixture(scope="module")
def results(nlp) -> dict[str, Resolved]:
    docs = [Document(id=c["id"], text=c["text"], published=_date(c.get("published")), text_is_source=False)
            for c in CASES]
    parsed = nlp.pipe([d.text for d in docs])
    return {d.id: resolve([extract(d, p)]) for d, p in zip(docs, parsed)}


class View:
    """One case's resolved records, looked up by names."""

    def __init__(self, res: Resolved):
        self.res = res
        self.names = {a.id: {norm(a.label), *map(norm, a.names)} for a in res.actors}
        self.names.update({p.id: {norm(p.label)} for p in res.places})
        self.kind = {a.id: a.kind for a in res.actors}

    def ids(self, name: str) -> set[str]:
        return {i for i, names in self.names.items() if norm(name) in names}

    def has_all(self, want: list[str], have) -> bool:
        return all(self.ids(w) & set(have) for w in want)

    def evidence_text(self, rec) -> str:
        return " ".join(s.text for s in rec.evidence)


def required(items):
    return [i for i in items or [] if not i.get("optional")]


def _problems(case: dict, res: Resolved) -> list[str]:
    v = View(res)
    out = []
    for a in required(case.get("actors")):
        ids = v.ids(a["name"])
        if not ids:
            out.append(f"actor {a['name']!r} missing")
        elif not any(v.kind.get(i) == a["type"] for i in ids):
            out.append(f"actor {a['name']!r} is {sorted(v.kind.get(i) for i in ids)}, not {a['type']}")
    for name in case.get("not_actors", []):  # no node of its own (an altLabel of the right actor is fine)
        if any(norm(a.label) == norm(name) for a in res.actors):
            out.append(f"{name!r} must not be an actor")
    for r in required(case.get("roles")):
        ok = [x for x in res.roles if v.ids(r["holder"]) & {x.holder} and r["title"].lower() in x.title.lower()
              and (not r.get("affiliation") or v.ids(r["affiliation"]) & {x.affiliation})]
        if not ok:
            out.append(f"role {r['holder']}: {r['title']} ({r.get('affiliation')}) missing; have "
                       f"{[(x.title, x.affiliation) for x in res.roles]}")
    for m in required(case.get("meetings")):
        ok = [x for x in res.meetings if v.has_all(m["participants"], x.participants) and x.status == m["status"]
              and (not m.get("mode") or x.mode == m["mode"])
              and (not m.get("location") or v.ids(m["location"]) & {x.location})
              and (not m.get("date") or (x.date and x.date.value == _date(m["date"])))]
        if not ok:
            out.append(f"meeting {m} missing; have {[(x.participants, x.status, x.mode, x.location, x.date) for x in res.meetings]}")
    for s in required(case.get("statements")):
        ok = [x for x in res.statements if v.ids(s["speaker"]) & {x.speaker}
              and (s["contains"].lower() in x.text.lower() or s["contains"].lower() in v.evidence_text(x).lower())]
        if not ok:
            out.append(f"statement {s} missing; have {[(x.speaker, x.text[:60]) for x in res.statements]}")
    for c in required(case.get("ceasefires")):
        ok = [x for x in res.ceasefires if v.has_all(c.get("parties", []), x.parties)
              and v.has_all(c.get("mediators", []), x.mediators) and x.status == c["status"]]
        if not ok:
            out.append(f"ceasefire {c} missing; have {[(x.parties, x.mediators, x.status) for x in res.ceasefires]}")
    for a in required(case.get("accusations")):
        ok = [x for x in res.accusations if v.ids(a["accused"]) & {x.accused}
              and (v.ids(a["accuser"]) & {x.accuser} if a["accuser"] is not None else x.accuser is None)]
        if not ok:
            out.append(f"accusation {a} missing; have {[(x.accuser, x.accused) for x in res.accusations]}")
    # nothing invented: no more events of a class than the case allows (required + optional); a
    # case without an accusations column is not checked for them
    checked = [("meetings", res.meetings), ("statements", res.statements), ("ceasefires", res.ceasefires)]
    if "accusations" in case:
        checked.append(("accusations", res.accusations))
    for key, have in checked:
        allowed = len(case.get(key) or [])
        if len(have) > allowed:
            out.append(f"{len(have)} {key} extracted, {allowed} expected: {[getattr(x, 'text', None) or x for x in have]}")
    return out


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_extract_sentence_table(case, results):
    problems = _problems(case, results[case["id"]])
    assert not problems, f"{case['text']}\n  " + "\n  ".join(problems)


def test_extract_sentence_table_is_valid():
    """tools/check_sentences.py: ids, record lists, actors named in the text, dates that agree with `published`."""
    done = subprocess.run([sys.executable, str(CHECKER), str(TABLE)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"{len(CASES)} cases" in done.stdout


@pytest.mark.parametrize("edit, problem", [
    (lambda c: c[0].update(id="Not Kebab"), "id is not kebab-case"),
    (lambda c: c[0]["meetings"][0].update(date="2023-03-08"), "disagrees with 'on Thursday'"),
    (lambda c: c[0]["meetings"][0].update(participants=["Nobody"]), "participant 'Nobody' is not among the actors"),
    (lambda c: c[0].update(not_actors=["Atlantis"]), "not_actors: 'Atlantis' does not occur in the text"),
])
def test_extract_sentence_table_checker_reports_a_broken_table(tmp_path, edit, problem):
    cases = load_cases([TABLE / "core.yaml"])  # its first case has a dated meeting
    edit(cases)
    broken = tmp_path / "sentences.yaml"
    broken.write_text(yaml.safe_dump({"cases": cases}, allow_unicode=True), encoding="utf-8")
    done = subprocess.run([sys.executable, str(CHECKER), str(broken)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and problem in done.stderr, done.stderr


def test_extract_sentence_table_is_large_enough():
    assert len(CASES) >= 40
    assert sum(1 for c in CASES if c["id"].startswith("negative")) >= 10


def test_extract_evidence_slices_the_text(results):
    texts = {c["id"]: c["text"] for c in CASES}
    for doc_id, res in results.items():
        for rec in (*res.roles, *res.meetings, *res.statements, *res.ceasefires, *res.accusations):
            for span in rec.evidence:
                assert texts[doc_id][span.begin:span.end] == span.text


def test_extract_every_kind_status_and_mode_has_its_term():
    """The Literal types of kg/models.py and their terms in kg/vocab.py name the same values."""
    from kg import models, vocab

    assert set(vocab.ACTOR_CLASSES) == set(models.ACTOR_KINDS)
    assert set(vocab.MEETING_STATUS) == set(models.MEETING_STATUSES)
    assert set(vocab.MEETING_MODE) == set(models.MEETING_MODES)
    assert list(vocab.CEASEFIRE_STATUS) == list(models.CEASEFIRE_STATUSES)
