"""The exports: every file parses back in a strict parser to the same triples, and exports/ is the seeds' build."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.pipeline import BuildSettings, build
from kg.vocab import KG, NIF

ROOT = Path(__file__).resolve().parent.parent
FORMATS = {"kg.ttl": ox.RdfFormat.TURTLE, "kg.nt": ox.RdfFormat.N_TRIPLES, "kg.jsonld": ox.RdfFormat.JSON_LD,
           "kg.trig": ox.RdfFormat.TRIG}


def triples(path: Path) -> set:
    return {(q.subject, q.predicate, q.object) for q in ox.parse(path=str(path), format=FORMATS[path.name])}


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_exports_every_format_parses_back_to_the_same_triples(seed_build, name):
    reference = triples(seed_build / "kg.nt")
    assert reference and triples(seed_build / name) == reference


def test_exports_trig_has_a_graph_per_document_and_the_entities(seed_build):
    graphs = {str(q.graph_name.value) for q in ox.parse(path=str(seed_build / "kg.trig"), format=ox.RdfFormat.TRIG)}
    assert {g.rsplit("/", 1)[-1] for g in graphs} == {"000_d2de068a82ff7819", "003_bf2bcb9fd38c8bbd", "entities"}


def test_exports_trig_holds_each_triple_in_one_graph(seed_build):
    """A fact is stored once (docs/graph-shape.md): the named graphs add up to the union, no triple twice."""
    quads = list(ox.parse(path=str(seed_build / "kg.trig"), format=ox.RdfFormat.TRIG))
    assert len(quads) == len({(q.subject, q.predicate, q.object) for q in quads}) == len(triples(seed_build / "kg.nt"))


def test_exports_jsonld_has_a_context(seed_build):
    data = json.loads((seed_build / "kg.jsonld").read_text(encoding="utf-8"))
    assert isinstance(data, dict) and "@context" in data
    assert data["@context"]["kg"] == str(KG._NS)


def test_exports_turtle_matches_rdflib_reading(seed_build):
    """Two independent parsers (pyoxigraph, rdflib) read the same graph."""
    a = Graph().parse(seed_build / "kg.ttl", format="turtle")
    b = Graph().parse(seed_build / "kg.nt", format="nt")
    assert isomorphic(a, b)


def test_exports_every_span_slices_its_document(seed_build):
    g = Graph().parse(seed_build / "kg.ttl", format="turtle")
    texts = {doc: str(text) for doc, text in g.subject_objects(NIF.isString)}
    spans = list(g.subjects(NIF.anchorOf, None))
    assert spans
    for span in spans:
        doc = g.value(span, KG.document)
        begin, end = int(g.value(span, NIF.beginIndex)), int(g.value(span, NIF.endIndex))
        assert texts[doc][begin:end] == str(g.value(span, NIF.anchorOf))
    facts = set(g.subjects(KG.evidence, None))
    for cls in (KG.Role, KG.Meeting, KG.Statement, KG.Ceasefire):
        assert set(g.subjects(None, cls)) <= facts  # every fact has evidence


def test_exports_folder_is_the_build_of_the_seeds(tmp_path, monkeypatch):
    """exports/ in the repository is exactly what `make demo` writes (rebuilds are byte-identical)."""
    if not (ROOT / "exports" / "kg.ttl").is_file():
        pytest.fail("exports/ holds no build: run `make demo` and commit exports/")
    monkeypatch.chdir(ROOT)
    build(BuildSettings(inputs=(Path("seeds"),), out=tmp_path, progress=False, cache=False))
    stale = [p.name for p in sorted((ROOT / "exports").iterdir())
             if p.is_file() and (tmp_path / p.name).read_bytes() != p.read_bytes()]
    assert not stale, f"exports/ is stale ({', '.join(stale)}): run `make demo` and commit exports/"
    if os.environ.get("CI"):
        assert (tmp_path / "graph.html").is_file()
