"""The graph's shape (kg/rdf.py): every triple in one named graph, so a fact reported by several
documents is one row in every query -- on pyoxigraph, on rdflib and on a real Oxigraph server,
whether its default graph is the union of the named graphs or not.

`story_build` (tests/conftest.py) is one story of our own carried by six outlets.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from query_support import QUERIES, Server, answers

from kg import query as q
from kg.cli import main
from kg.vocab import KG, KGD

QUERY_FILES = sorted(QUERIES.glob("*.rq"))
ENTITIES = str(KGD["graph/entities"])
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
FACT_CLASSES = {str(KG.Role), str(KG.Meeting), str(KG.Statement), str(KG.Ceasefire)}


def quads(build: Path) -> list[ox.Quad]:
    return list(ox.parse(path=str(build / "kg.trig"), format=ox.RdfFormat.TRIG))


def cli_rows(build: Path, name: str, engine: str = "oxigraph", *args: str) -> list[tuple[str, ...]]:
    """A query's rows through the real CLI, as tuples of values, duplicates kept."""
    result = CliRunner().invoke(main, ["query", name, "--graph", str(build), "--format", "json", "--engine", engine,
                                       *args])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    if "boolean" in data:
        return [(str(data["boolean"]),)]
    names = data["head"]["vars"]
    return [tuple(b.get(n, {}).get("value", "") for n in names) for b in data["results"]["bindings"]]


def construct_triples(build: Path, name: str, engine: str) -> list[str]:
    result = CliRunner().invoke(main, ["query", name, "--graph", str(build), "--engine", engine, "--format", "xml"])
    assert result.exit_code == 0, result.output
    return [str(t) for t in ox.parse(result.stdout.encode(), format=ox.RdfFormat.RDF_XML)]


# --- the shape -----------------------------------------------------------------------------------

def test_rdf_every_triple_is_in_exactly_one_graph(story_build):
    found = quads(story_build)
    per_triple = Counter((qd.subject, qd.predicate, qd.object) for qd in found)
    assert found and max(per_triple.values()) == 1
    assert not any(isinstance(qd.graph_name, ox.DefaultGraph) for qd in found)


def test_rdf_facts_once_in_the_entities_graph_evidence_in_the_documents(story_build):
    found = quads(story_build)
    facts = {qd.subject for qd in found if qd.predicate.value == RDF_TYPE and qd.object.value in FACT_CLASSES}
    assert facts
    by_graph: dict[str, set] = {}
    for qd in found:
        by_graph.setdefault(qd.graph_name.value, set()).add(qd)
    documents = [g for g in by_graph if g != ENTITIES]
    assert len(documents) == 6
    for graph in documents:
        held = by_graph[graph]
        # a document's graph: its Document, its spans, evidence links, mentions; no fact's attributes
        assert sum(qd.predicate.value == RDF_TYPE and qd.object.value == str(KG.Document) for qd in held) == 1
        assert {qd.predicate.value for qd in held if qd.subject in facts} == {str(KG.evidence)}
    for qd in by_graph[ENTITIES]:
        assert qd.predicate.value not in (str(KG.evidence), str(KG.mentionedIn))
    # the story is told six times: its meetings and its ceasefire have evidence in every document
    evidence = {(qd.subject, qd.graph_name.value) for qd in found if qd.predicate.value == str(KG.evidence)}
    events = {qd.subject for qd in found
              if qd.predicate.value == RDF_TYPE and qd.object.value in (str(KG.Meeting), str(KG.Ceasefire))}
    assert events
    for event in events:
        assert {g for f, g in evidence if f == event} == set(documents), event


def _count(build: Path, cls: str, *required: str) -> int:
    """Facts of ``cls`` having each of the ``required`` properties, counted in the data itself."""
    found = quads(build)
    nodes = {qd.subject for qd in found if qd.predicate.value == RDF_TYPE and qd.object.value == cls}
    for prop in required:
        nodes &= {qd.subject for qd in found if qd.predicate.value == prop}
    return len(nodes)


# Queries with rows only when a curation file is applied (tests/test_curation.py has them).
NEEDS_CURATION = {"curation.rq"}

# One row per fact: what each query must count, in the data itself (independent of the engines).
ONE_ROW_PER = {
    "meetings.rq": lambda b: _count(b, str(KG.Meeting), str(KG.status)),
    "ceasefires.rq": lambda b: _count(b, str(KG.Ceasefire), str(KG.status)),
    "actor_statements.rq": lambda b: _count(b, str(KG.Statement), str(KG.speaker)),
    "timeline.rq": lambda b: sum(_count(b, str(c)) for c in (KG.Meeting, KG.Statement, KG.Ceasefire)),
    "actors.rq": lambda b: sum(_count(b, str(c)) for c in (KG.Person, KG.Organization, KG.Country, KG.Group)),
    "document_counts.rq": lambda b: _count(b, str(KG.Document)),
    "evidence.rq": lambda b: sum(qd.predicate.value == str(KG.evidence) for qd in quads(b)),
    "accusations.rq": lambda b: sum(qd.predicate.value == str(KG.evidence) for qd in quads(b)
                                    if "/accusation/" in qd.subject.value),
    "ceasefire_timeline.rq": lambda b: _count(b, str(KG.StatusObservation)),
    "ceasefires_on_date.rq": lambda b: _count(b, str(KG.Ceasefire), str(KG.status)),
}


@pytest.mark.parametrize("engine", q.ENGINES)
@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.name)
def test_rdf_one_row_per_fact_in_every_query(story_build, path, engine):
    form = q.read_query(path).form
    if form in ("CONSTRUCT", "DESCRIBE"):
        triples = construct_triples(story_build, path.stem, engine)
        assert triples and len(triples) == len(set(triples))
        return
    rows = cli_rows(story_build, path.stem, engine)
    if path.name in NEEDS_CURATION:
        assert not rows
        return
    assert rows, f"{path.name} finds nothing in the story"
    assert len(rows) == len(set(rows)), f"{path.name} repeats rows: {Counter(rows).most_common(1)}"
    if path.name in ONE_ROW_PER:
        assert len(rows) == ONE_ROW_PER[path.name](story_build)


def test_rdf_six_documents_answer_like_one(story_build):
    """The meetings and ceasefires of the story are one each, however many outlets carry it."""
    meetings = cli_rows(story_build, "meetings")
    assert len(meetings) == len({m[-1] for m in meetings}) == _count(story_build, str(KG.Meeting), str(KG.status))
    ceasefire = cli_rows(story_build, "ceasefires")
    assert len(ceasefire) == 1
    evidence = cli_rows(story_build, "evidence", "oxigraph", "--param", f"fact={ceasefire[0][-1]}")
    assert len({row[3] for row in evidence}) == 6  # read in each of the six documents


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.name)
def test_rdf_engines_agree_on_the_story(story_build, path):
    assert answers(story_build, path.name, engine="rdflib") == answers(story_build, path.name)


@pytest.fixture(scope="module", params=[True, False], ids=["union-default-graph", "plain-default-graph"])
def story_store(request, story_build, tmp_path_factory):
    """A real Oxigraph server, started with and without --union-default-graph, loaded with `kg load`."""
    running = Server(tmp_path_factory.mktemp("story-store") / "oxigraph", union=request.param)
    try:
        result = CliRunner().invoke(main, ["load", "--graph", str(story_build), "--endpoint", running.url])
        assert result.exit_code == 0, result.output
        assert ("not the union" in result.stdout) is (not request.param)
        yield running
    finally:
        running.stop()


@pytest.mark.slow
@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.name)
def test_rdf_one_row_per_fact_on_a_server(story_store, story_build, path):
    endpoint = story_store.url + "/query"
    remote = answers(None, path.name, endpoint=endpoint)
    assert remote == answers(story_build, path.name)
    form = q.read_query(path).form
    if form == "SELECT":
        result = CliRunner().invoke(main, ["query", path.stem, "--endpoint", endpoint, "--format", "json"])
        assert result.exit_code == 0, result.output
        bindings = json.loads(result.stdout)["results"]["bindings"]
        rows = [json.dumps(b, sort_keys=True) for b in bindings]
        assert (rows or path.name in NEEDS_CURATION) and len(rows) == len(set(rows))
        if path.name in ONE_ROW_PER:
            assert len(rows) == ONE_ROW_PER[path.name](story_build)
