"""One node per real-world actor and event across documents, with stable ids."""
from __future__ import annotations

import datetime as dt

import pytest

from kg.extract import extract
from kg.models import Document
from kg.resolve import resolve

DOCS = {
    "a": ("2023-03-10", "U.S. Secretary of State Laura Benton spoke by phone with Egyptian Foreign Minister Sami Fawzi "
                        "on Thursday. Benton thanked Egypt for its mediation between Israel and Hamas."),
    "b": ("2023-03-11", "Benton and Fawzi discussed the Gaza truce in a phone call on Thursday, the State Department said. "
                        "Washington and Cairo agreed to stay in close contact."),
    "c": ("2021-05-21", "Israel and Hamas agreed to a ceasefire brokered by Egypt on Thursday."),
    "d": ("2024-08-17", "Israel and Hamas are negotiating a ceasefire, with Egypt and Qatar mediating."),
}


@pytest.fixture(scope="module")
def extractions(nlp):
    docs = [Document(id=k, text=t, published=dt.date.fromisoformat(p)) for k, (p, t) in DOCS.items()]
    return {d.id: extract(d, nlp(d.text)) for d in docs}


def test_resolve_one_actor_across_documents(extractions):
    res = resolve(list(extractions.values()))
    benton = [a for a in res.actors if "Benton" in (a.label, *a.names)]
    assert len(benton) == 1 and benton[0].label == "Laura Benton" and set(benton[0].documents) == {"a", "b"}
    us = [a for a in res.actors if a.label == "United States"]
    assert len(us) == 1 and "Washington" in us[0].names
    assert len([a for a in res.actors if a.label == "Egypt"]) == 1


def test_resolve_same_call_in_two_reports_is_one_meeting(extractions):
    res = resolve([extractions["a"], extractions["b"]])
    calls = [m for m in res.meetings if m.kind == "call"]
    assert len(calls) == 1
    call = calls[0]
    assert {s.doc_id for s in call.evidence} == {"a", "b"}
    assert call.date.value == dt.date(2023, 3, 9) and call.mode == "phone"


def test_resolve_truces_years_apart_stay_apart(extractions):
    res = resolve([extractions["c"], extractions["d"]])
    assert len(res.ceasefires) == 2
    statuses = sorted(c.status for c in res.ceasefires)
    assert statuses == ["agreed", "under negotiation"]


def test_resolve_ids_are_stable_when_a_document_is_added(extractions):
    before = resolve([extractions["a"], extractions["c"]])
    after = resolve(list(extractions.values()))
    ids_before = {a.label: a.id for a in before.actors}
    ids_after = {a.label: a.id for a in after.actors}
    for label, iri in ids_before.items():
        assert ids_after[label] == iri
    truce_2021 = [c.id for c in before.ceasefires]
    assert set(truce_2021) <= {c.id for c in after.ceasefires}


def test_resolve_is_independent_of_input_order(extractions):
    xs = list(extractions.values())
    assert resolve(xs) == resolve(list(reversed(xs)))
