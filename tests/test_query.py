"""kg query: the files in queries/, parameters, engines, output formats, refusals and errors.

The hand-written build in tests/data/query/build follows docs/graph-shape.md and models the
seed facts; `seed_build` (tests/conftest.py) is the real build of seeds/.
"""
from __future__ import annotations

import csv
import http.server
import io
import json
import os
import socket
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from click.testing import CliRunner
from conftest import unavailable
from query_support import answers, http_server
from rdflib import Graph
from rdflib.compare import isomorphic
from rdflib.query import Result

from kg import query as q
from kg.cli import main
from kg.errors import EndpointError, GraphNotFound, QueryError

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "queries"
QUERY_FILES = sorted(QUERIES.glob("*.rq"))
DATA = ROOT / "tests" / "data" / "query"
FIXTURE = DATA / "build"
BROKEN = DATA / "broken"
PARAM_CASES = yaml.safe_load((DATA / "param_cases.yaml").read_text(encoding="utf-8"))
KG = "https://w3id.org/kg-news/ontology#"
KGD = "https://w3id.org/kg-news/id/"
DOC_2021, DOC_2024 = "000_d2de068a82ff7819", "003_bf2bcb9fd38c8bbd"


def rows(build: Path, name: str, *params: str, **kwargs) -> list[dict[str, str]]:
    """A SELECT query's rows as {variable: value} (unbound variables left out), in order."""
    text = q.run_file(QUERIES / name, graph_dir=build, params=params, fmt="json", **kwargs)
    return [{k: v["value"] for k, v in b.items()} for b in json.loads(text)["results"]["bindings"]]


def one(found: list[dict[str, str]], **want) -> dict[str, str]:
    """The rows matching ``want`` (a value, or a predicate on the value); fails unless there are some."""
    def ok(row):
        return all(test(row.get(k)) if callable(test) else row.get(k) == test for k, test in want.items())

    matches = [r for r in found if ok(r)]
    assert matches, f"no row with {want} in {found}"
    return matches[0]


def has(*words):
    return lambda value: value is not None and all(w.lower() in value.lower() for w in words)


# --- the query files -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.name)
def test_query_file_header_documents_it(path):
    query = q.read_query(path)
    assert query.title != path.stem and query.answers, "a # title: and an # answers: line"
    assert query.examples and all(e.startswith(f"kg query queries/{path.name}") for e in query.examples)
    assert query.form in q.QUERY_FORMS
    for param in query.params:
        assert param.kind in q.PARAM_KINDS and param.doc, f"# param: {param.name} KIND description"
        assert param.name in query.variables, f"?{param.name} is documented but not in the query"


def test_query_files_are_enough():
    assert len(QUERY_FILES) >= 12
    forms = {q.read_query(p).form for p in QUERY_FILES}
    assert {"SELECT", "CONSTRUCT", "ASK"} <= forms


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.name)
def test_query_examples_run(path):
    for example in q.read_query(path).examples:
        if "--endpoint" in example:
            continue
        args = _split(example)[2:] + ["--graph", str(FIXTURE)]
        result = CliRunner().invoke(main, ["query", *args], catch_exceptions=False)
        assert result.exit_code == 0, (example, result.output)


def _split(command: str) -> list[str]:
    import shlex

    return shlex.split(command)


def test_query_list_shows_titles_and_parameters():
    result = CliRunner().invoke(main, ["query", "--list", str(QUERIES)])
    assert result.exit_code == 0
    for path in QUERY_FILES:
        query = q.read_query(path)
        line = next(line for line in result.stdout.splitlines() if line.startswith(f"{path} "))
        assert query.title in line
        assert all(p.name in line for p in query.params)
    assert f"({len(QUERY_FILES)} rows)" in result.stdout


def test_query_library_works_from_any_folder(tmp_path, monkeypatch):
    """`kg query --list` and `kg query NAME` find the queries shipped with kg, wherever kg runs."""
    monkeypatch.chdir(tmp_path)
    listed = CliRunner().invoke(main, ["query", "--list"])
    assert listed.exit_code == 0, listed.output
    assert {line.split()[0] for line in listed.stdout.splitlines()[4:-1]} == {p.stem for p in QUERY_FILES}
    for spec in ("meetings", "meetings.rq", "queries/meetings.rq"):
        result = CliRunner().invoke(main, ["query", spec, "--graph", str(FIXTURE)])
        assert result.exit_code == 0, result.output
        assert result.stdout == q.run_file(QUERIES / "meetings.rq", graph_dir=FIXTURE)


def test_query_unknown_name_suggests_close_ones(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["query", "meeting", "--graph", str(FIXTURE)])
    assert result.exit_code == QueryError.exit_code
    assert result.stderr.count("\n") == 1 and "close: meetings" in result.stderr and "kg query --list" in result.stderr


def test_query_library_is_the_queries_folder_in_a_checkout():
    assert q.library() == QUERIES


# --- expected rows on the hand-written build -----------------------------------------------------

def _fixture_meetings(build):
    found = rows(build, "meetings.rq")
    assert [(r.get("date"), r["kind"], r["participants"], r.get("location"), r.get("mode"), r["status"])
            for r in found] == [
        ("2021-05-20", "call", "Antony Blinken, Gabi Ashkenazi", None, KG + "phone", KG + "occurred"),
        ("2024-08-18", "visit", "Antony Blinken", "Israel", None, KG + "planned"),
        (None, "trip", "Antony Blinken", "Middle East", None, KG + "planned"),
    ]


def _fixture_actor_meetings(build):
    found = rows(build, "actor_meetings.rq", "actor=Gabi Ashkenazi")
    assert [(r["actor"], r["kind"], r["with"], r["date"]) for r in found] == [
        ("Gabi Ashkenazi", "call", "Antony Blinken", "2021-05-20")]
    assert len(rows(build, "actor_meetings.rq")) == 4  # 3 of Blinken's, 1 of Ashkenazi's


def _fixture_actor_statements(build):
    found = rows(build, "actor_statements.rq", "actor=Ned Price")
    assert len(found) == 3 and {r["actor"] for r in found} == {"Ned Price"}
    quote = one(found, text=has("praised Egypt's mediation efforts"))
    assert quote["quote"] == "true" and quote["about"] == "ceasefire: Israel, Hamas"
    assert quote["document"] == DOC_2021 and quote["published"] == "2021-05-21"
    assert quote["source"] == "https://example.org/news/blinken-middle-east"
    one(found, text=has("recovery efforts"), about="trip: Antony Blinken")


def _fixture_ceasefire_statements(build):
    ceasefire = one(rows(build, "ceasefires.rq"), status=KG + "underNegotiation")["ceasefire"]
    found = rows(build, "ceasefire_statements.rq", f"ceasefire=<{ceasefire}>")
    assert [(r["speaker"], r["date"], r["document"]) for r in found] == [
        ("senior Biden administration official", "2024-08-16", DOC_2024)]
    assert {r["speaker"] for r in rows(build, "ceasefire_statements.rq")} == {
        "Joe Biden", "Ned Price", "senior Biden administration official"}


def _fixture_actor_roles(build):
    found = rows(build, "actor_roles.rq")
    assert [(r["actor"], r["title"], r["affiliation"], r["firstSeen"], r["lastSeen"], r["documents"])
            for r in found] == [
        ("Antony Blinken", "Secretary of State", "United States", "2021-05-21", "2024-08-17", "2"),
        ("Gabi Ashkenazi", "Foreign Minister", "Israel", "2021-05-21", "2021-05-21", "1"),
        ("Joe Biden", "President", "United States", "2021-05-21", "2021-05-21", "1"),
        ("Ned Price", "spokesman", "State Department", "2021-05-21", "2021-05-21", "1"),
    ]


def _fixture_ceasefires(build):
    found = rows(build, "ceasefires.rq")
    assert [(r.get("date"), r["reported"], r["status"], r["parties"], r["mediators"]) for r in found] == [
        ("2021-05-20", "2021-05-21", KG + "agreed", "Hamas, Israel", "Egypt"),
        (None, "2024-08-17", KG + "underNegotiation", "Hamas, Israel", "Egypt, Qatar, United States"),
    ]


def _fixture_timeline(build):
    found = rows(build, "timeline.rq")
    assert len(found) == 11
    keys = [r.get("date") or r.get("reported") or "9999" for r in found]  # undated last
    assert keys == sorted(keys)
    assert [r["label"] for r in rows(build, "timeline.rq", "type=kg:Meeting")] == [
        "call: Antony Blinken, Gabi Ashkenazi", "trip: Antony Blinken", "visit: Antony Blinken"]


def _fixture_mediators(build):
    found = rows(build, "mediators.rq")
    assert [(r["mediator"], r["ceasefires"], r["status"]) for r in found] == [
        ("Egypt", "2", KG + "underNegotiation"), ("Egypt", "2", KG + "agreed"),
        ("Qatar", "1", KG + "underNegotiation"), ("United States", "1", KG + "underNegotiation")]


def _fixture_co_occurrence(build):
    found = rows(build, "co_occurrence.rq", "actor=Egypt")
    assert {r["partner"]: (r["events"], r["ceasefires"]) for r in found} == {
        "Hamas": ("2", "2"), "Israel": ("2", "2"), "Qatar": ("1", "1"), "United States": ("1", "1")}
    one(rows(build, "co_occurrence.rq"), actor="Antony Blinken", partner="Gabi Ashkenazi", meetings="1")


def _fixture_evidence(build):
    call = one(rows(build, "meetings.rq"), kind="call")["meeting"]
    found = rows(build, "evidence.rq", f"fact=<{call}>")
    assert [(r["document"], r["begin"], r["end"]) for r in found] == [(DOC_2021, "783", "977"),
                                                                     (DOC_2021, "1180", "1357")]
    _offsets_match(rows(build, "evidence.rq"), build)


def _offsets_match(found, build):
    """Every evidence sentence is the text of its document between its offsets."""
    texts = {r["document"]: r["text"] for r in rows_of_documents(build)}
    for r in found:
        assert texts[r["document"]][int(r["begin"]):int(r["end"])] == r["sentence"], r


def rows_of_documents(build):
    store = q.open_local(build)
    kg_doc, ident = ox.NamedNode(KG + "Document"), ox.NamedNode("http://purl.org/dc/terms/identifier")
    text = ox.NamedNode("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#isString")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    for quad in store.quads_for_pattern(None, rdf_type, kg_doc):
        doc = quad.subject
        yield {"document": next(store.quads_for_pattern(doc, ident, None)).object.value,
               "text": next(store.quads_for_pattern(doc, text, None)).object.value}


def _fixture_document_counts(build):
    found = rows(build, "document_counts.rq")
    assert [(r["document"], r["actors"], r["roles"], r["meetings"], r["statements"], r["ceasefires"])
            for r in found] == [(DOC_2021, "9", "4", "2", "5", "1"), (DOC_2024, "7", "1", "1", "1", "1")]


def _fixture_quality_checks(build):
    assert {r["check"] for r in rows(build, "quality_checks.rq")} == {"event without a date"}
    found = rows(BROKEN, "quality_checks.rq")
    assert {(r["check"], r["node"].removeprefix(KGD)) for r in found} == {
        ("actor without a type", "actor/mystery"),
        ("event without a date", "meeting/m2"),
        ("statement without a speaker", "statement/s1"),
        ("meeting without participants", "meeting/m2"),
        ("ceasefire without parties", "ceasefire/c1"),
        ("fact without evidence", "role/r1"),
    }


def _fixture_actors(build):
    found = rows(build, "actors.rq", "type=kg:Person")
    assert {r["actor"] for r in found} == {"Antony Blinken", "Gabi Ashkenazi", "Ned Price", "Joe Biden",
                                           "senior Biden administration official"}
    assert one(found, actor="Antony Blinken")["documents"] == "2"


def _fixture_actor_facts(build):
    text = q.run_file(QUERIES / "actor_facts.rq", graph_dir=build, params=["actor=Gabi Ashkenazi"])
    graph = Graph().parse(data=text, format="turtle")
    subjects = {str(s).removeprefix(KGD).split("/")[0] for s in graph.subjects()}
    assert subjects == {"actor", "meeting", "role"}
    assert len(set(graph.subjects())) == 3  # Ashkenazi, the call, the role


def _fixture_events_on_date(build):
    found = rows(build, "events_on_date.rq", "date=2021-05-20")
    assert [(r["type"], r["label"]) for r in found] == [
        (KG + "Ceasefire", "ceasefire: Israel, Hamas"), (KG + "Meeting", "call: Antony Blinken, Gabi Ashkenazi")]


def _fixture_graph_loaded(build):
    assert q.run_file(QUERIES / "graph_loaded.rq", graph_dir=build) == "true\n"


def _fixture_ceasefire_timeline(build):
    found = rows(build, "ceasefire_timeline.rq")
    assert [(r["date"], r["status"], r["document"]) for r in found] == [
        ("2021-05-20", KG + "agreed", DOC_2021), ("2024-08-17", KG + "underNegotiation", DOC_2024)]
    assert found[0]["sentence"].startswith("The head of US diplomacy")  # the report's first sentence
    one_truce = rows(build, "ceasefire_timeline.rq", "ceasefire=ceasefire:c1d0ce3bf82e7730")
    assert [r["status"] for r in one_truce] == [KG + "underNegotiation"]


def _fixture_ceasefires_on_date(build):
    assert [(r["status"], r["since"]) for r in rows(build, "ceasefires_on_date.rq", "date=2021-06-01")] == [
        (KG + "agreed", "2021-05-20")]
    assert rows(build, "ceasefires_on_date.rq", "date=2021-05-19") == []
    assert len(rows(build, "ceasefires_on_date.rq")) == 2


def _fixture_accusations(build):
    assert rows(build, "accusations.rq") == []  # the seeds report no violation (rows: tests/test_lifecycle.py)


def _no_curation(build):
    assert rows(build, "curation.rq") == []  # no curation file (rows: tests/test_curation.py)


FIXTURE_CHECKS = {
    "curation.rq": _no_curation,
    "accusations.rq": _fixture_accusations,
    "ceasefire_timeline.rq": _fixture_ceasefire_timeline, "ceasefires_on_date.rq": _fixture_ceasefires_on_date,
    "meetings.rq": _fixture_meetings, "actor_meetings.rq": _fixture_actor_meetings,
    "actor_statements.rq": _fixture_actor_statements, "ceasefire_statements.rq": _fixture_ceasefire_statements,
    "actor_roles.rq": _fixture_actor_roles, "ceasefires.rq": _fixture_ceasefires, "timeline.rq": _fixture_timeline,
    "mediators.rq": _fixture_mediators, "co_occurrence.rq": _fixture_co_occurrence, "evidence.rq": _fixture_evidence,
    "document_counts.rq": _fixture_document_counts, "quality_checks.rq": _fixture_quality_checks,
    "actors.rq": _fixture_actors, "actor_facts.rq": _fixture_actor_facts,
    "events_on_date.rq": _fixture_events_on_date, "graph_loaded.rq": _fixture_graph_loaded,
}



def _fixture_interop(name):
    def check(build):  # the hand-written fixture predates rule ids and codes: none in it, and no error
        assert all("iso3" not in r for r in rows(build, name))
        assert name == "country_codes.rq" or rows(build, name) == []
    return check


FIXTURE_CHECKS.update({name: _fixture_interop(name) for name in ("facts_by_rule.rq", "event_codes.rq",
                                                                  "country_codes.rq")})

@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.name)
def test_query_expected_rows_on_fixture(path):
    assert path.name in FIXTURE_CHECKS, f"add the expected rows of {path.name}"
    FIXTURE_CHECKS[path.name](FIXTURE)


# --- expected rows on the seed build (the facts of shared/gold/seeds.yaml) ------------------------

def _seed_meetings(build):
    found = rows(build, "meetings.rq")
    one(found, kind="call", participants=has("Antony Blinken", "Gabi Ashkenazi"), status=KG + "occurred")
    one(found, participants=has("Antony Blinken"), location="Middle East", status=KG + "planned")
    one(found, participants=has("Antony Blinken"), location="Israel", status=KG + "planned")
    held = rows(build, "meetings.rq", "status=kg:occurred")
    assert held and {r["status"] for r in held} == {KG + "occurred"}
    one(held, participants=has("Antony Blinken", "Gabi Ashkenazi"))


def _seed_actor_meetings(build):
    found = rows(build, "actor_meetings.rq", "actor=Antony Blinken")
    assert {r["actor"] for r in found} == {"Antony Blinken"}
    one(found, status=KG + "occurred", **{"with": has("Gabi Ashkenazi")})
    one(found, location="Israel")


def _seed_actor_statements(build):
    found = rows(build, "actor_statements.rq", "actor=Ned Price")
    assert {r["actor"] for r in found} == {"Ned Price"}
    one(found, text=has("welcomed"), document=DOC_2021)
    one(found, text=has("recovery efforts"), document=DOC_2021)


def _seed_ceasefire_statements(build):
    ceasefire = _seed_ceasefire(build, 2021)["ceasefire"]
    found = rows(build, "ceasefire_statements.rq", f"ceasefire=<{ceasefire}>")
    assert found and {r["ceasefire"] for r in found} == {ceasefire}


def _seed_ceasefire(build, year):
    found = rows(build, "ceasefires.rq")
    if year == 2021:
        return one(found, parties=has("Israel", "Hamas"), mediators="Egypt",
                   status=lambda s: s in (KG + "agreed", KG + "inForce"))
    return one(found, parties=has("Israel", "Hamas"), mediators=has("Egypt", "Qatar", "United States"),
               status=lambda s: s in (KG + "proposed", KG + "underNegotiation"))


def _seed_actor_roles(build):
    found = rows(build, "actor_roles.rq")
    one(found, actor="Antony Blinken", title=has("secretary of state"))
    one(found, actor="Ned Price", title=has("spokesman"))
    one(found, actor="Joe Biden", title=has("president"))
    assert {r["actor"] for r in rows(build, "actor_roles.rq", "actor=Ned Price")} == {"Ned Price"}


def _seed_ceasefires(build):
    _seed_ceasefire(build, 2021)
    _seed_ceasefire(build, 2024)
    assert {r["status"] for r in rows(build, "ceasefires.rq", "status=kg:underNegotiation")} == {
        KG + "underNegotiation"}


def _seed_timeline(build):
    found = rows(build, "timeline.rq")
    assert {r["type"] for r in found} == {KG + "Meeting", KG + "Statement", KG + "Ceasefire"}
    keys = [r.get("date") or r.get("reported") or "9999" for r in found]  # undated last
    assert keys == sorted(keys)
    meetings = rows(build, "timeline.rq", "type=kg:Meeting")
    assert len(meetings) == len(rows(build, "meetings.rq")) and {r["type"] for r in meetings} == {KG + "Meeting"}


def _seed_mediators(build):
    count = {r["mediator"]: r["ceasefires"] for r in rows(build, "mediators.rq")}
    assert count == {"Egypt": "2", "Qatar": "1", "United States": "1"}
    assert {r["mediator"] for r in rows(build, "mediators.rq", "mediator=Qatar")} == {"Qatar"}


def _seed_co_occurrence(build):
    found = rows(build, "co_occurrence.rq", "actor=Antony Blinken")
    one(found, partner="Gabi Ashkenazi", meetings=lambda n: int(n) >= 1)
    one(rows(build, "co_occurrence.rq", "actor=Qatar"), partner="Egypt", ceasefires="1")


def _seed_evidence(build):
    call = one(rows(build, "meetings.rq"), kind="call", participants=has("Gabi Ashkenazi"))["meeting"]
    found = rows(build, "evidence.rq", f"fact=<{call}>")
    assert found and {r["document"] for r in found} == {DOC_2021}
    assert any("Ashkenazi" in r["sentence"] for r in found)
    everything = rows(build, "evidence.rq")
    _offsets_match(everything, build)
    seeds = {p.stem: p.read_text(encoding="utf-8") for p in (ROOT / "seeds").glob("*.txt")}
    for r in everything:  # the offsets count in the article's own text
        assert seeds[r["document"]][int(r["begin"]):int(r["end"])] == r["sentence"]


def _seed_document_counts(build):
    found = {r["document"]: r for r in rows(build, "document_counts.rq")}
    assert set(found) == {DOC_2021, DOC_2024}
    assert int(found[DOC_2021]["meetings"]) >= 2 and found[DOC_2021]["ceasefires"] == "1"
    assert int(found[DOC_2024]["meetings"]) >= 1 and found[DOC_2024]["ceasefires"] == "1"
    assert int(found[DOC_2021]["statements"]) >= 5
    assert rows(build, "document_counts.rq", f"document={DOC_2024}") == [found[DOC_2024]]


def _seed_quality_checks(build):
    checks = {r["check"] for r in rows(build, "quality_checks.rq")}
    assert not checks & {"actor without a type", "statement without a speaker", "fact without evidence",
                         "meeting without participants", "ceasefire without parties"}


def _seed_actors(build):
    types = {r["actor"]: r["type"] for r in rows(build, "actors.rq")}
    for person in ("Antony Blinken", "Gabi Ashkenazi", "Ned Price", "Joe Biden"):
        assert types[person] == KG + "Person"
    for country in ("Israel", "Egypt", "Qatar", "United States"):
        assert types[country] == KG + "Country"
    assert types["Hamas"] == KG + "Organization"
    assert {r["type"] for r in rows(build, "actors.rq", "type=kg:Country")} == {KG + "Country"}


def _seed_actor_facts(build):
    text = q.run_file(QUERIES / "actor_facts.rq", graph_dir=build, params=["actor=Gabi Ashkenazi"])
    graph = Graph().parse(data=text, format="turtle")
    call = one(rows(build, "meetings.rq"), kind="call")["meeting"]  # among Ashkenazi's facts, both in it
    participants = {str(o) for s, p, o in graph if str(s) == call and str(p) == KG + "participant"}
    assert participants == {KGD + "actor/antony-blinken", KGD + "actor/gabi-ashkenazi"}


def _seed_events_on_date(build):
    for r in rows(build, "events_on_date.rq"):
        assert r["date"] and r["type"] in (KG + "Meeting", KG + "Statement", KG + "Ceasefire")


def _seed_graph_loaded(build):
    assert q.run_file(QUERIES / "graph_loaded.rq", graph_dir=build) == "true\n"


def _seed_ceasefire_timeline(build):
    found = rows(build, "ceasefire_timeline.rq")
    assert {r["document"] for r in found} == {DOC_2021, DOC_2024}  # two truces years apart: two timelines
    assert len({r["ceasefire"] for r in found}) == 2
    for r in found:
        assert r["status"] == r["current"]  # one report each: the current status is the report's


def _seed_ceasefires_on_date(build):
    assert {r["since"] for r in rows(build, "ceasefires_on_date.rq")} == {"2021-05-21", "2024-08-17"}
    assert len(rows(build, "ceasefires_on_date.rq", "date=2022-01-01")) == 1


def _seed_accusations(build):
    # "the ceasefire was enforced, broken by Egypt": Egypt mediates it, so no violation is read
    assert rows(build, "accusations.rq") == []


SEED_CHECKS = {
    "curation.rq": _no_curation,
    "accusations.rq": _seed_accusations,
    "ceasefire_timeline.rq": _seed_ceasefire_timeline, "ceasefires_on_date.rq": _seed_ceasefires_on_date,
    "meetings.rq": _seed_meetings, "actor_meetings.rq": _seed_actor_meetings,
    "actor_statements.rq": _seed_actor_statements, "ceasefire_statements.rq": _seed_ceasefire_statements,
    "actor_roles.rq": _seed_actor_roles, "ceasefires.rq": _seed_ceasefires, "timeline.rq": _seed_timeline,
    "mediators.rq": _seed_mediators, "co_occurrence.rq": _seed_co_occurrence, "evidence.rq": _seed_evidence,
    "document_counts.rq": _seed_document_counts, "quality_checks.rq": _seed_quality_checks,
    "actors.rq": _seed_actors, "actor_facts.rq": _seed_actor_facts, "events_on_date.rq": _seed_events_on_date,
    "graph_loaded.rq": _seed_graph_loaded,
}



def _seed_facts_by_rule(build):
    found = rows(build, "facts_by_rule.rq")
    assert {r["class"] for r in found} >= {"Meeting", "Statement", "Ceasefire", "Role"}
    call = one(rows(build, "meetings.rq"), kind="call")["meeting"]
    assert {r["rule"] for r in found if r["fact"] == call}  # the call was read by some rule
    rule = found[0]["rule"]
    assert {r["rule"] for r in rows(build, "facts_by_rule.rq", f"rule={rule}")} == {rule}


def _seed_event_codes(build):
    found = rows(build, "event_codes.rq")
    call = one(rows(build, "meetings.rq"), kind="call")["meeting"]
    assert one(found, event=call)["cameo"] == "041" and one(found, event=call)["plover"] == "CONSULT"
    assert {r["cameo"] for r in rows(build, "event_codes.rq", "cameo=010")} == {"010"}


def _seed_country_codes(build):
    found = {r["country"]: r for r in rows(build, "country_codes.rq")}
    assert found["Israel"]["iso3"] == "ISR" and found["Egypt"]["cameo"] == "EGY"
    assert found["Qatar"]["wikipedia"] == "https://en.wikipedia.org/wiki/Qatar"


SEED_CHECKS.update({"facts_by_rule.rq": _seed_facts_by_rule, "event_codes.rq": _seed_event_codes,
                    "country_codes.rq": _seed_country_codes})

@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.name)
def test_query_expected_rows_on_seeds(path, seed_build):
    assert path.name in SEED_CHECKS, f"add the expected rows of {path.name} on the seeds"
    SEED_CHECKS[path.name](seed_build)


def test_query_seed_dates(seed_build):
    """The dates the gold gives: the call on 2021-05-20, the visit on 2024-08-18, the publication dates."""
    meetings = rows(seed_build, "meetings.rq")
    one(meetings, kind="call", participants=has("Gabi Ashkenazi"), date="2021-05-20", mode=KG + "phone")
    one(meetings, location="Israel", date="2024-08-18")
    one(rows(seed_build, "events_on_date.rq", "date=2021-05-20"), type=KG + "Meeting",
        label=has("Antony Blinken", "Gabi Ashkenazi"))
    roles = [r for r in rows(seed_build, "actor_roles.rq", "actor=Antony Blinken")]
    assert min(r["firstSeen"] for r in roles) == "2021-05-21"
    assert max(r["lastSeen"] for r in roles) == "2024-08-17"
    reported = {r["reported"] for r in rows(seed_build, "ceasefires.rq")}
    assert reported == {"2021-05-21", "2024-08-17"}


# --- engines -------------------------------------------------------------------------------------

CASES = [(p.name, ()) for p in QUERY_FILES] + [(c["query"], tuple(c["params"])) for c in PARAM_CASES]


@pytest.mark.parametrize("name,params", CASES, ids=[f"{n}{'+' if p else ''}{','.join(p)[:30]}" for n, p in CASES])
def test_query_engines_agree(name, params, seed_build):
    for build in (FIXTURE, seed_build):
        assert answers(build, name, params, engine="rdflib") == answers(build, name, params, engine="oxigraph")


def test_query_reads_an_on_disk_store(tmp_path):
    build = tmp_path / "build"
    (build / "store").mkdir(parents=True)
    store = ox.Store(str(build / "store"))
    store.bulk_load(path=str(FIXTURE / "kg.trig"), format=ox.RdfFormat.TRIG)
    store.flush()
    del store
    assert not (build / "kg.trig").exists()
    assert answers(build, "meetings.rq") == answers(FIXTURE, "meetings.rq")


def test_query_no_build_says_what_to_do(tmp_path):
    with pytest.raises(GraphNotFound, match=r"kg build .* --out"):
        q.run_file(QUERIES / "meetings.rq", graph_dir=tmp_path)


# --- parameters ----------------------------------------------------------------------------------

def test_query_param_literal_restricts_and_unbound_means_all():
    everyone = rows(FIXTURE, "actor_statements.rq")
    price = rows(FIXTURE, "actor_statements.rq", "actor=Ned Price")
    assert 0 < len(price) < len(everyone)
    assert price == [r for r in everyone if r["actor"] == "Ned Price"]


@pytest.mark.parametrize("value", ["kg:occurred", f"<{KG}occurred>", f"{KG}occurred"])
def test_query_param_iri_forms(value):
    found = rows(FIXTURE, "meetings.rq", f"status={value}")
    assert [r["kind"] for r in found] == ["call"]


def test_query_param_takes_an_iri_as_the_table_shows_it():
    call = one(rows(FIXTURE, "meetings.rq"), kind="call")["meeting"]
    shown = q.cell(ox.NamedNode(call))
    found = rows(FIXTURE, "evidence.rq", f"fact={shown}")
    assert len(found) == 2 and {r["fact"] for r in found} == {call}


def test_query_param_date_is_typed():
    assert q.parse_params(["date=2021-05-20"], q.read_query(QUERIES / "events_on_date.rq")) == {
        "date": ox.Literal("2021-05-20", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))}
    assert len(rows(FIXTURE, "events_on_date.rq", "date=2021-05-20")) == 2
    assert rows(FIXTURE, "events_on_date.rq", "date=2021-05-19") == []


def test_query_param_type_follows_the_header():
    query = q.read_query(QUERIES / "actor_statements.rq")
    # declared a literal: a value that looks like a date or an IRI stays a string
    assert q.parse_params(["actor=2021-05-20"], query)["actor"] == ox.Literal("2021-05-20")
    assert q.parse_params(["actor=kg:Person"], query)["actor"] == ox.Literal("kg:Person")


@pytest.mark.parametrize("spec,message", [
    ("nobody=x", r"\?nobody is not a variable of .*meetings.rq \(its parameters: status\)"),
    ("status", r"NAME=VALUE"),
    ("status=not an iri", r"expects an IRI"),
])
def test_query_param_errors(spec, message):
    with pytest.raises(QueryError, match=message):
        q.run_file(QUERIES / "meetings.rq", graph_dir=FIXTURE, params=[spec])


def test_query_param_bad_date():
    with pytest.raises(QueryError, match="expects a date YYYY-MM-DD"):
        q.run_file(QUERIES / "events_on_date.rq", graph_dir=FIXTURE, params=["date=20 May"])


@pytest.mark.parametrize("engine", q.ENGINES)
def test_query_param_value_cannot_change_the_query(engine):
    sneaky = 'actor=Ned Price" } UNION { ?statement ?p ?text } #'
    assert rows(FIXTURE, "actor_statements.rq", sneaky, engine=engine) == []


@pytest.mark.parametrize("value", ["Antony Blinken", "antony blinken", "BLINKEN", "  blinken ",
                                   "the head of US diplomacy", "The Head Of Us Diplomacy"])
@pytest.mark.parametrize("engine", q.ENGINES)
def test_query_param_name_matches_labels_and_other_names_in_any_case(value, engine):
    found = rows(FIXTURE, "actor_meetings.rq", f"actor={value}", engine=engine)
    assert found == rows(FIXTURE, "actor_meetings.rq", "actor=Antony Blinken") and len(found) == 3
    assert {r["actor"] for r in found} == {"Antony Blinken"}


def test_query_param_name_matching_nothing_is_noted_with_close_names():
    result = CliRunner().invoke(main, ["query", "actor_meetings", "--graph", str(FIXTURE), "--param", "actor=ashkenaz"])
    assert result.exit_code == 0 and "(0 rows)" in result.stdout
    assert result.stderr == 'kg: note: --param actor="ashkenaz" matched no name; close: "Gabi Ashkenazi"\n'
    result = CliRunner().invoke(main, ["query", "actor_meetings", "--graph", str(FIXTURE), "--param", "actor=Zzyzx"])
    assert "matched no name; `kg query actors` lists every actor" in result.stderr


def test_query_param_name_of_two_actors_is_an_error_naming_them(tmp_path):
    build = tmp_path / "build"
    build.mkdir()
    extra = ('<https://w3id.org/kg-news/id/actor/vincent-price> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
             '<https://w3id.org/kg-news/ontology#Person> <https://w3id.org/kg-news/id/graph/entities> .\n'
             '<https://w3id.org/kg-news/id/actor/vincent-price> <http://www.w3.org/2000/01/rdf-schema#label> '
             '"Vincent Price" <https://w3id.org/kg-news/id/graph/entities> .\n'
             '<https://w3id.org/kg-news/id/actor/vincent-price> <http://www.w3.org/2004/02/skos/core#altLabel> '
             '"Price" <https://w3id.org/kg-news/id/graph/entities> .\n')
    quads = list(ox.parse(path=str(FIXTURE / "kg.trig"), format=ox.RdfFormat.TRIG))
    quads += list(ox.parse(extra.encode(), format=ox.RdfFormat.N_QUADS))
    ox.serialize(quads, str(build / "kg.trig"), format=ox.RdfFormat.TRIG)
    result = CliRunner().invoke(main, ["query", "actor_statements", "--graph", str(build), "--param", "actor=price"])
    assert result.exit_code == QueryError.exit_code and result.stderr.count("\n") == 1
    assert '"Ned Price", "Vincent Price"; give the one you mean' in result.stderr
    assert len(rows(build, "actor_statements.rq", "actor=ned price")) == 3


@pytest.mark.parametrize("spec", ["document=no-such-document", "fact=meeting:000000", "status=kg:cancelled"])
def test_query_param_matching_nothing_is_noted(spec):
    name = {"document": "evidence", "fact": "evidence", "status": "meetings"}[spec.split("=")[0]]
    result = CliRunner().invoke(main, ["query", name, "--graph", str(FIXTURE), "--param", spec])
    assert result.exit_code == 0 and "(0 rows)" in result.stdout
    assert result.stderr.startswith(f"kg: note: --param {spec.split('=')[0]}=") and "not in the graph" in result.stderr


def test_query_param_that_matches_is_not_noted():
    result = CliRunner().invoke(main, ["query", "events_on_date", "--graph", str(FIXTURE), "--param", "date=2021-05-19"])
    assert result.exit_code == 0 and "(0 rows)" in result.stdout
    assert "kg: note" in result.stderr  # no event that day, and the date is nowhere in the graph
    result = CliRunner().invoke(main, ["query", "evidence", "--graph", str(FIXTURE), "--param", f"document={DOC_2021}"])
    assert result.exit_code == 0 and result.stderr == ""


# --- formats -------------------------------------------------------------------------------------

def _values(result: Result) -> list[list[str]]:
    return [[str(v) if v is not None else "" for v in row] for row in result]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "xml"])
def test_query_format_parses_back(fmt):
    expected = rows(FIXTURE, "meetings.rq")
    names = ["date", "kind", "participants", "location", "mode", "status", "dateText", "meeting"]
    text = q.run_file(QUERIES / "meetings.rq", graph_dir=FIXTURE, fmt=fmt)
    parsed = Result.parse(io.StringIO(text), format=fmt)
    assert [str(v) for v in parsed.vars] == names
    assert _values(parsed) == [[r.get(n, "") for n in names] for r in expected]
    if fmt == "csv":  # and a spreadsheet's reader
        assert list(csv.DictReader(io.StringIO(text)))[0]["participants"] == "Antony Blinken, Gabi Ashkenazi"


def test_query_format_table():
    text = q.run_file(QUERIES / "meetings.rq", graph_dir=FIXTURE)
    lines = text.splitlines()
    assert lines[0].split() == ["date", "kind", "participants", "location", "mode", "status", "dateText", "meeting"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    call = ox.NamedNode(one(rows(FIXTURE, "meetings.rq"), kind="call")["meeting"])
    assert "kg:phone" in lines[2] and q.cell(call) in lines[2] and "Antony Blinken, Gabi Ashkenazi" in lines[2]
    assert not q.cell(call).startswith("https:")  # IRIs are shortened with kg's prefixes
    assert lines[-1] == "(3 rows)"


def test_query_format_table_cuts_long_cells():
    text = q.run_file(QUERIES / "actor_statements.rq", graph_dir=FIXTURE, params=["actor=Ned Price"])
    assert "The two leaders praised Egypt's mediation efforts, and the" in text and "…" in text
    full = q.run_file(QUERIES / "actor_statements.rq", graph_dir=FIXTURE, params=["actor=Ned Price"], fmt="tsv")
    assert "other stakeholders in the region" in full


@pytest.mark.parametrize("fmt,answer", [("table", "true\n"), ("json", None), ("xml", None)])
def test_query_format_ask(fmt, answer):
    text = q.run_file(QUERIES / "graph_loaded.rq", graph_dir=FIXTURE, fmt=fmt)
    if answer:
        assert text == answer
    else:
        assert Result.parse(io.StringIO(text), format=fmt).askAnswer is True


@pytest.mark.parametrize("fmt,rdf_format", [("table", "turtle"), ("json", "json-ld"), ("xml", "xml")])
def test_query_format_construct(fmt, rdf_format):
    text = q.run_file(QUERIES / "actor_facts.rq", graph_dir=FIXTURE, params=["actor=Gabi Ashkenazi"], fmt=fmt)
    graph = Graph().parse(data=text, format=rdf_format)
    turtle = q.run_file(QUERIES / "actor_facts.rq", graph_dir=FIXTURE, params=["actor=Gabi Ashkenazi"])
    assert len(graph) > 10 and isomorphic(graph, Graph().parse(data=turtle, format="turtle"))


def test_query_format_construct_has_no_table_form():
    with pytest.raises(QueryError, match="returns a graph"):
        q.run_file(QUERIES / "actor_facts.rq", graph_dir=FIXTURE, fmt="csv")


# --- updates, syntax errors, endpoints -------------------------------------------------------------

UPDATES = {
    "insert.rq": "PREFIX kg: <https://w3id.org/kg-news/ontology#>\nINSERT DATA { <urn:x> a kg:Meeting }\n",
    "delete.rq": "# title: wipe meetings\nPREFIX kg: <https://w3id.org/kg-news/ontology#>\n"
                 "DELETE WHERE { GRAPH ?g { ?m a kg:Meeting } }\n",
    "load.rq": "LOAD <http://example.org/data.ttl>\n",
    "clear.rq": "CLEAR ALL\n",
    "drop.rq": "drop graph <https://w3id.org/kg-news/id/graph/entities>\n",
}


@pytest.mark.parametrize("name", UPDATES)
def test_query_update_refused(name, tmp_path):
    path = tmp_path / name
    path.write_text(UPDATES[name], encoding="utf-8")
    before = (FIXTURE / "kg.trig").read_bytes()
    result = CliRunner().invoke(main, ["query", str(path), "--graph", str(FIXTURE)])
    assert result.exit_code == QueryError.exit_code
    assert result.stderr.count("\n") == 1 and "refused" in result.stderr and "--allow-update" in result.stderr
    assert "Traceback" not in result.output
    assert (FIXTURE / "kg.trig").read_bytes() == before


def test_query_update_allowed_on_a_local_store(tmp_path):
    build = tmp_path / "build"
    (build / "store").mkdir(parents=True)
    store = ox.Store(str(build / "store"))
    store.bulk_load(path=str(FIXTURE / "kg.trig"), format=ox.RdfFormat.TRIG)
    del store
    path = tmp_path / "delete.rq"
    path.write_text(UPDATES["delete.rq"], encoding="utf-8")
    assert "applied" in q.run_file(path, graph_dir=build, allow_update=True)
    assert rows(build, "meetings.rq") == []


def test_query_update_allowed_needs_a_store(tmp_path):
    path = tmp_path / "delete.rq"
    path.write_text(UPDATES["delete.rq"], encoding="utf-8")
    with pytest.raises(QueryError, match="kg load"):
        q.run_file(path, graph_dir=FIXTURE, allow_update=True)


SYNTAX_ERRORS = {
    # file text, then what the one-line message must say: file:line:col and the offending text
    "filter.rq": ("PREFIX kg: <https://w3id.org/kg-news/ontology#>\nSELECT ?m WHERE {\n  ?m a kg:Meeting ;\n"
                  "     kg:status ?status\n  FILTER (?status = )\n}\n", ":5:3: ", "FILTER (?status = )"),
    "prefix.rq": ("SELECT ?m WHERE { ?m a foo:Meeting }\n", ":1:24: ", "unknown prefix 'foo:'"),
    "order.rq": ("SELECT ?m WHERE { ?m ?p ?o }\nORDER BY ?m ?\n", ":2:13: ", "'ORDER BY ?m ?'"),
    "keyword.rq": ("SELEKT * WHERE { ?s ?p ?o }\n", ":1:1: ", "SELEKT"),
    "brace.rq": ("SELECT ?m WHERE {\n  ?m ?p ?o .\n", ":3:1: ", "end of the query"),
}


@pytest.mark.parametrize("name", SYNTAX_ERRORS)
@pytest.mark.parametrize("engine", q.ENGINES)
def test_query_syntax_error_message(name, engine, tmp_path):
    text, where, what = SYNTAX_ERRORS[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["query", str(path), "--graph", str(FIXTURE), "--engine", engine])
    assert result.exit_code == QueryError.exit_code
    message = result.stderr
    assert message.startswith("kg: error: ") and message.count("\n") == 1 and "Traceback" not in result.output
    assert f"{path}{where}" in message and what in message


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_query_unreachable_endpoint():
    url = f"http://127.0.0.1:{_free_port()}/query"
    with pytest.raises(EndpointError, match="connection refused; is the triple store running"):
        q.run_file(QUERIES / "meetings.rq", endpoint=url)
    result = CliRunner().invoke(main, ["query", str(QUERIES / "meetings.rq"), "--endpoint", url])
    assert result.exit_code == EndpointError.exit_code and result.stderr.count("\n") == 1


def test_query_endpoint_url_must_be_http():
    with pytest.raises(EndpointError, match="http"):
        q.run_file(QUERIES / "meetings.rq", endpoint="127.0.0.1:7878/query")


class _GuardedEndpoint(http.server.BaseHTTPRequestHandler):
    """A SPARQL endpoint behind HTTP basic authentication (kg's user "ann", password "s3cret")."""

    answer = ox.Store().query("ASK {}").serialize(format=ox.QueryResultsFormat.JSON)

    def do_POST(self):  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Authorization") != "Basic YW5uOnMzY3JldA==":
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="kg"')
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.end_headers()
        self.wfile.write(self.answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def guarded_endpoint():
    with http_server(_GuardedEndpoint) as url:
        yield url + "/query"


def test_query_endpoint_credentials_come_from_the_environment(guarded_endpoint, monkeypatch):
    monkeypatch.delenv("KG_ENDPOINT_USER", raising=False)
    with pytest.raises(EndpointError, match=r"requires credentials .*set \$KG_ENDPOINT_USER"):
        q.run_file(QUERIES / "graph_loaded.rq", endpoint=guarded_endpoint)
    monkeypatch.setenv("KG_ENDPOINT_USER", "ann")
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", "wrong")
    with pytest.raises(EndpointError, match=r"check \$KG_ENDPOINT_USER"):
        q.run_file(QUERIES / "graph_loaded.rq", endpoint=guarded_endpoint)
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", "s3cret")
    assert q.run_file(QUERIES / "graph_loaded.rq", endpoint=guarded_endpoint) == "true\n"


class _BrokenResults(http.server.BaseHTTPRequestHandler):
    """A SPARQL endpoint whose JSON results are cut off in the middle."""

    body = b'{"head": {"vars": ["meeting"]}, "results": {"bindings": [{"meeting": {"type": "uri", "val'

    def do_POST(self):  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def test_query_endpoint_sending_malformed_results_is_one_line():
    with http_server(_BrokenResults) as base:
        url = base + "/query"
        result = CliRunner().invoke(main, ["query", "meetings", "--endpoint", url])
        assert result.exit_code == EndpointError.exit_code, result.output
        assert result.stderr.startswith("kg: error: ") and result.stderr.count("\n") == 1
        assert "sent results that cannot be read" in result.stderr
        assert result.exception is None or isinstance(result.exception, SystemExit)


# --- runaway queries: time, rows, memory ------------------------------------------------------------

# Four unconnected patterns: every combination of four triples (~10^10 on the fixture).
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }\n"
# Three, all kept and sorted: ~1.5 x 10^7 rows held in memory.
SORTED_PRODUCT = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g\n"


@pytest.mark.parametrize("engine", q.ENGINES)
def test_query_runaway_is_stopped_at_the_timeout(engine, tmp_path):
    path = tmp_path / "runaway.rq"
    path.write_text(CARTESIAN, encoding="utf-8")
    start = time.monotonic()
    result = CliRunner().invoke(main, ["query", str(path), "--graph", str(FIXTURE), "--engine", engine,
                                       "--timeout", "1"])
    assert time.monotonic() - start < 30
    assert result.exit_code == QueryError.exit_code, result.output
    assert result.stderr.count("\n") == 1 and "ran longer than 1 s and was stopped" in result.stderr
    assert "--timeout" in result.stderr


def test_query_runaway_is_stopped_at_its_memory_allowance(tmp_path, monkeypatch):
    path = tmp_path / "runaway.rq"
    path.write_text(SORTED_PRODUCT, encoding="utf-8")
    monkeypatch.setenv(q.MEMORY_ENV, "200")
    result = CliRunner().invoke(main, ["query", str(path), "--graph", str(FIXTURE), "--timeout", "120"])
    assert result.exit_code == QueryError.exit_code, result.output
    assert result.stderr.count("\n") == 1 and "used more than 200 MB and was stopped" in result.stderr


def test_query_memory_allowance_must_be_a_number(monkeypatch):
    monkeypatch.setenv(q.MEMORY_ENV, "lots")
    with pytest.raises(QueryError, match=r"\$KG_QUERY_MEMORY_MB must be a number"):
        q.run_file(QUERIES / "meetings.rq", graph_dir=FIXTURE)


@pytest.mark.parametrize("engine", q.ENGINES)
def test_query_limit_keeps_the_first_rows_and_says_so(engine):
    everything = rows(FIXTURE, "evidence.rq", engine=engine, limit=0)
    assert len(everything) > 5
    result = CliRunner().invoke(main, ["query", "evidence", "--graph", str(FIXTURE), "--engine", engine,
                                       "--limit", "5", "--format", "json"])
    assert result.exit_code == 0, result.output
    kept = [{k: v["value"] for k, v in b.items()} for b in json.loads(result.stdout)["results"]["bindings"]]
    assert kept == everything[:5]
    assert result.stderr == "kg: note: stopped at the first 5 rows (--limit 5); --limit 0 gives all of them, " \
                            "a parameter fewer\n"
    assert rows(FIXTURE, "evidence.rq", engine=engine, limit=len(everything)) == everything  # exactly: no note


def test_query_limit_applies_to_triples():
    out = q.execute(QUERIES / "actor_facts.rq", graph_dir=FIXTURE, limit=4)
    assert out.count == 4 and out.truncated and "4 triples" in out.notes[-1]
    assert len(list(ox.parse(out.text, format=ox.RdfFormat.TURTLE))) == 4


@pytest.mark.parametrize("option", ["--timeout=-1", "--limit=-5"])
def test_query_negative_bounds_are_refused(option):
    result = CliRunner().invoke(main, ["query", "meetings", "--graph", str(FIXTURE), option])
    assert result.exit_code == 2 and "Invalid value" in result.stderr


# --- SERVICE: no request leaves from a query file unless allowed ----------------------------------------

class _Recorder(http.server.BaseHTTPRequestHandler):
    """A SPARQL endpoint that records every request it gets and answers one empty row."""

    requests: list[str] = []
    answer = ox.Store().query("SELECT ?x WHERE {}").serialize(format=ox.QueryResultsFormat.JSON)

    def _record(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(self.answer)))
        self.end_headers()
        self.wfile.write(self.answer)

    do_GET = do_POST = _record  # noqa: N815 - http.server's names

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    _Recorder.requests = []
    with http_server(_Recorder) as url:
        yield url + "/sparql"


SERVICE_QUERIES = {
    "plain": "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "optional": "PREFIX kg: <https://w3id.org/kg-news/ontology#>\nSELECT * WHERE {{ ?m a kg:Meeting "
                "OPTIONAL {{ SERVICE SILENT <{url}> {{ ?m ?p ?o }} }} }}",
    "subquery": "SELECT * WHERE {{ {{ SELECT ?s WHERE {{ GRAPH ?g {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }} }}",
    "ask": "ask {{ service <{url}> {{ ?s ?p ?o }} }}",
    "construct": "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
}


@pytest.mark.parametrize("engine", q.ENGINES)
@pytest.mark.parametrize("name", SERVICE_QUERIES)
def test_query_service_is_refused_unless_allowed(name, engine, recorder, tmp_path):
    path = tmp_path / f"{name}.rq"
    path.write_text(SERVICE_QUERIES[name].format(url=recorder), encoding="utf-8")
    result = CliRunner().invoke(main, ["query", str(path), "--graph", str(FIXTURE), "--engine", engine])
    assert result.exit_code == QueryError.exit_code, result.output
    assert result.stderr.count("\n") == 1 and f"SERVICE <{recorder}>" in result.stderr
    assert "--allow-service" in result.stderr
    assert _Recorder.requests == []  # not even to check its syntax


def test_query_service_runs_when_allowed(recorder, tmp_path):
    path = tmp_path / "remote.rq"
    path.write_text(SERVICE_QUERIES["plain"].format(url=recorder), encoding="utf-8")
    result = CliRunner().invoke(main, ["query", str(path), "--graph", str(FIXTURE), "--allow-service"])
    assert result.exit_code == 0, result.output
    assert _Recorder.requests  # the engine did call the endpoint


def test_query_service_in_an_update_needs_both_permissions(recorder, tmp_path):
    path = tmp_path / "copy.rq"
    path.write_text(f"INSERT {{ GRAPH <urn:x> {{ ?s ?p ?o }} }} WHERE {{ SERVICE <{recorder}> {{ ?s ?p ?o }} }}\n",
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["query", str(path), "--graph", str(FIXTURE), "--allow-update"])
    assert result.exit_code == QueryError.exit_code and "--allow-service" in result.stderr
    assert _Recorder.requests == []


def test_query_the_word_service_in_a_string_is_not_a_service(tmp_path):
    path = tmp_path / "words.rq"
    path.write_text('SELECT ?x WHERE { GRAPH ?g { ?s ?p ?x FILTER (?x = "SERVICE <http://example.org/>") } }\n',
                    encoding="utf-8")
    assert q.run_file(path, graph_dir=FIXTURE).endswith("(0 rows)\n")


def test_query_rdflib_does_not_fetch_from_graphs(recorder, tmp_path):
    """rdflib reads FROM <url> from the web by default; kg keeps it to the build."""
    path = tmp_path / "from.rq"
    path.write_text(f"SELECT * FROM <{recorder}/data.ttl> WHERE {{ ?s ?p ?o }}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["query", str(path), "--graph", str(FIXTURE), "--engine", "rdflib"])
    assert result.exit_code == 0, result.output
    assert _Recorder.requests == []


# --- the header and the query form -----------------------------------------------------------------

def test_query_header_parsing(tmp_path):
    path = tmp_path / "x.rq"
    path.write_text("# title: Some title\n#   continued\n# answers: What it\n#   answers.\n"
                    "# param: who  literal  a name, e.g. \"Ann\"\n# param: when  a date\n"
                    "# example: kg query queries/x.rq --param who=Ann\n"
                    "PREFIX kg: <https://w3id.org/kg-news/ontology#> # title: not this\n"
                    "SELECT ?who ?when WHERE { ?x kg:a ?who }\n", encoding="utf-8")
    query = q.read_query(path)
    assert query.title == "Some title continued" and query.answers == "What it answers."
    assert query.params == (q.Param("who", "literal", 'a name, e.g. "Ann"'), q.Param("when", None, "a date"))
    assert query.examples == ("kg query queries/x.rq --param who=Ann",) and query.form == "SELECT"


@pytest.mark.parametrize("text,form", [
    ("SELECT * {}", "SELECT"),
    ("# c\nPREFIX a: <http://x/#>\nBASE <http://y/>\n  ask {}", "ASK"),
    ("PREFIX : <urn:x#> CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
    ("prefix insert: <urn:insert>\nSELECT * {}", "SELECT"),
    ("PREFIX kg: <urn:x>\ninsert data { <urn:a> <urn:b> <urn:c> }", "UPDATE"),
    ("WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "UPDATE"),
    ("LOAD <http://x>", "UPDATE"), ("CLEAR ALL", "UPDATE"), ("DROP ALL", "UPDATE"),
])
def test_query_form_detection(text, form):
    assert q.query_form(text) == form


# --- fuzzing: any --param value gives a result or one clear line ---------------------------------------

FUZZ_EXAMPLES = int(os.environ.get("KG_FUZZ_EXAMPLES", "2000"))
FUZZ_TRIED: list[int] = []
# Values that have broken query layers elsewhere: quotes and braces, SPARQL fragments, IRIs of every
# shape, prefixed names, dates that are not dates, control and right-to-left characters, huge numbers.
AWKWARD = ['"', "'", "\\", "}", "{", "<>", "<", ">", "#", "?x", "$x", "\x00", "\n", "\r\n", "\u202e", "\ufeff",
           '" } UNION { ?s ?p ?o } #', "> } ; DROP ALL ; #", "SERVICE <http://127.0.0.1:9/>", "kg:", "kg:x y",
           "meeting:6bec6a25ec6bc234", "<https://w3id.org/kg-news/ontology#occurred>", "<not an iri>", "urn:x",
           "http://", "2021-02-30", "2021-13-01", "0000-00-00", "9999-12-31", "-1", "1e999", "9" * 400,
           "Antony Blinken", "antony blinken", "BLINKEN", "Blinken ", " ", "", "Ned", "price", "ñed prîce", "Ⅻ",
           "ß", "İstanbul", "🙂" * 3, "\U0010ffff", "a" * 5000]


def _fuzz_value():
    from hypothesis import strategies as st

    return st.one_of(st.sampled_from(AWKWARD), st.text(max_size=40),
                     st.builds(lambda a, b: a + b, st.sampled_from(AWKWARD), st.text(max_size=10)))


def _fuzz_case():
    from hypothesis import strategies as st

    def params_of(path):
        query = q.read_query(path)
        names = sorted(query.variables) + ["nobody", "", "1x", "?actor", "$status"]
        spec = st.builds(lambda n, v, sep: f"{n}{sep}{v}", st.sampled_from(names), _fuzz_value(),
                         st.sampled_from(["=", "=", "=", "", "==", " = "]))
        return st.tuples(st.just(path), st.lists(spec, max_size=3), st.sampled_from(q.FORMATS),
                         st.sampled_from(q.ENGINES))

    return st.sampled_from(QUERY_FILES).flatmap(params_of)


@pytest.mark.slow
def test_query_fuzz_params_give_a_result_or_one_clear_line():
    """Random --param values through the real CLI: a result, or one line saying what is wrong -- never a
    traceback. KG_FUZZ_EXAMPLES sets the number of cases (default 2,000; the README gives the count run)."""
    try:
        from hypothesis import HealthCheck, given, settings
    except ImportError:
        unavailable("Hypothesis is not installed (pip install hypothesis==6.170.17)")

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(_fuzz_case())
    def check(case):
        path, params, fmt, engine = case
        FUZZ_TRIED.append(1)
        args = ["query", path.stem, "--graph", str(FIXTURE), "--format", fmt, "--engine", engine]
        for spec in params:
            args += ["--param", spec]
        result = CliRunner().invoke(main, args)
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert "Traceback" not in result.output
        if result.exit_code == 0:
            assert result.stdout, "a result prints something"
            if fmt == "json" and q.read_query(path).form != "CONSTRUCT":
                json.loads(result.stdout)
            assert all(line.startswith("kg: note: ") for line in result.stderr.splitlines())
        else:
            assert result.exit_code in (QueryError.exit_code, 2), result.output
            lines = result.stderr.strip().splitlines()
            assert lines and (len(lines) == 1 and lines[0].startswith("kg: error: ") or lines[-1].startswith("Error: "))

    check()
    assert len(FUZZ_TRIED) >= min(FUZZ_EXAMPLES, 100)
