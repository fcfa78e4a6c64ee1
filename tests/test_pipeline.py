"""The build (kg/pipeline.py, kg/parallel.py, kg/export.py, kg/rdf.py): parallel and streaming.

Every build here reads a few short documents with the real spaCy model; what is asserted is
behaviour (same bytes, failures reported, stores written), never time.
"""
from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.errors import BuildError
from kg.pipeline import BuildSettings, build

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
EXPORTS = ("kg.ttl", "kg.trig", "kg.nt", "kg.jsonld", "ontology.ttl", "build.json", "graph.html")

ARTICLES = [
    {"id": "a1", "published": "2024-05-15", "title": "Feld calls Wrona",
     "text": "German Chancellor Markus Feld telephoned Polish Prime Minister Tomasz Wrona on Tuesday to discuss "
             "border security.\n\n\"We are ready to work together,\" Feld told reporters."},
    {"id": "a2", "published": "2024-05-16", "title": "Border talks",
     "text": "Feld and Wrona spoke by phone on Tuesday, the Polish government said.\n\nWrona said the two countries "
             "would deepen their cooperation."},
    {"id": "a3", "published": "2023-11-24", "title": "Truce",
     "text": "A four-day truce between Israel and Hamas, brokered by Qatar, took effect on Friday morning.\n\n"
             "Qatari Foreign Minister Amira Haddad said the truce was a first step."},
    {"id": "a4", "published": "2024-02-06", "title": "Visit",
     "text": "Bangladeshi Foreign Minister Rafiq Hasan visited Myanmar last week.\n\nHasan met his counterpart "
             "in Naypyidaw."},
]


def write_corpus(folder: Path, articles=ARTICLES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "corpus.jsonl"
    path.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
    return path


def exports(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in EXPORTS}


def crashing_extract(document, doc):
    """kg's extractor, except that it raises on a document that asks for it (a test hook)."""
    if "CRASH" in document.text:
        raise RuntimeError("extraction crashed on purpose")
    from kg.extract import extract

    return extract(document, doc)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def single(tmp_path_factory, corpus):
    out = tmp_path_factory.mktemp("single")
    report = build(BuildSettings(inputs=(SEEDS, corpus), out=out, progress=False, jobs=1))
    return out, report


def test_pipeline_parallel_build_equals_single_process_build(tmp_path, corpus, single):
    out, report = single
    assert report.jobs == 1
    parallel = build(BuildSettings(inputs=(SEEDS, corpus), out=tmp_path, progress=False, jobs=2, cache=False))
    assert parallel.jobs == 2 and parallel.cached == 0
    assert exports(tmp_path) == exports(out)
    assert parallel.counts == report.counts


def test_pipeline_jobs_are_capped_at_the_documents_to_read(tmp_path):
    report = build(BuildSettings(inputs=(SEEDS / "000_d2de068a82ff7819.txt",), out=tmp_path, progress=False,
                                 jobs=8, html=False))
    assert report.jobs == 1 and report.documents == 1


def test_pipeline_rebuild_from_cache_gives_the_same_bytes(single):
    out, report = single
    before = exports(out)
    again = build(BuildSettings(inputs=report_inputs(out), out=out, progress=False))
    assert again.cached == report.documents and again.jobs == 0
    assert exports(out) == before


def report_inputs(out: Path) -> tuple[Path, ...]:
    return tuple(Path(p) for p in json.loads((out / "build.json").read_text())["inputs"])


def test_pipeline_crashing_document_is_reported_and_does_not_poison_the_cache(tmp_path, single):
    articles = ARTICLES + [{"id": "boom", "published": "2024-01-01", "text": "CRASH. Leaders met in Paris."}]
    corpus = write_corpus(tmp_path / "in", articles)
    out = tmp_path / "out"
    messages: list[str] = []
    report = build(BuildSettings(inputs=(SEEDS, corpus), out=out, progress=False, jobs=2), warn=messages.append,
                   extractor=crashing_extract)
    assert report.failed == 1 and report.documents == len(ARTICLES) + 2
    assert any("boom" in m and "extraction crashed on purpose" in m for m in messages)
    assert any("boom" in w and "RuntimeError" in w for w in report.warnings)
    doc_ids = [d["id"] for d in json.loads((out / "build.json").read_text())["documents"]]
    assert "boom" not in doc_ids and "a1" in doc_ids

    # the failure was not cached: the real extractor reads that document, and only that one
    again = build(BuildSettings(inputs=(SEEDS, corpus), out=out, progress=False, jobs=1))
    assert again.failed == 0 and again.cached == len(ARTICLES) + 2
    clean = build(BuildSettings(inputs=(SEEDS, corpus), out=tmp_path / "clean", progress=False, cache=False))
    assert exports(out) == exports(tmp_path / "clean")
    assert clean.counts == again.counts


def test_pipeline_every_document_failing_is_an_error(tmp_path):
    corpus = write_corpus(tmp_path / "in", [{"id": "x", "text": "CRASH here."}])
    with pytest.raises(BuildError, match="every document failed"):
        build(BuildSettings(inputs=(corpus,), out=tmp_path / "out", progress=False, jobs=1),
              extractor=crashing_extract)


def test_pipeline_store_holds_the_graph_and_a_stale_one_is_removed(tmp_path, corpus):
    out = tmp_path / "out"
    report = build(BuildSettings(inputs=(corpus,), out=out, progress=False, store=out / "store", html=False))
    assert report.store == out / "store"
    store = ox.Store.read_only(str(out / "store"))
    in_store = {str(q) for q in store}
    # Oxigraph stores xsd:nonNegativeInteger values as xsd:integer (so does `kg query` without a store)
    in_trig = {str(q).replace("XMLSchema#nonNegativeInteger>", "XMLSchema#integer>")
               for q in ox.parse(path=str(out / "kg.trig"))}
    assert in_store == in_trig and len(in_trig) == report.quads
    del store
    # a later build without a store must not leave the old one for `kg query` to read
    build(BuildSettings(inputs=(corpus,), out=out, progress=False, html=False))
    assert not (out / "store").exists()


def test_pipeline_store_refuses_a_folder_that_is_not_a_store(tmp_path, corpus):
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("not a store")
    with pytest.raises(BuildError, match="not an Oxigraph store"):
        build(BuildSettings(inputs=(corpus,), out=tmp_path / "out", progress=False, store=target, html=False))
    assert (target / "notes.txt").read_text() == "not a store"


def test_pipeline_external_sort_equals_in_memory_sort(tmp_path, single):
    from kg.export import sort_quads

    out, _ = single
    quads = list(ox.parse(path=str(out / "kg.trig")))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    whole = sort_quads(reversed(quads + quads[:50]), tmp_path / "a")
    spilled = sort_quads(quads + quads[:50], tmp_path / "b", run_size=37)
    assert whole.nquads.read_bytes() == spilled.nquads.read_bytes()
    assert whole.ntriples.read_bytes() == spilled.ntriples.read_bytes() == (out / "kg.nt").read_bytes()
    assert whole.n_quads == len(quads)


def test_pipeline_to_dataset_holds_the_exported_quads(single):
    """One source of truth: kg.rdf.to_dataset (rdflib) and the exports come from the same quads."""
    from kg.export import to_ox
    from kg.rdf import to_dataset
    from kg.resolve import resolve

    out, _ = single
    from kg.cache import ExtractionCache
    from kg.ingest import read_documents
    from kg.nlp.model import model_name

    docs = list(read_documents(report_inputs(out), lambda m: None))
    cache = ExtractionCache.for_build(out, model_name(None))
    found = cache.get_many({cache.key(d): d for d in docs})
    cache.close()
    ds = to_dataset(resolve(list(found.values())))
    from_rdflib = {str(ox.Quad(to_ox(s), to_ox(p), to_ox(o), to_ox(g))) for s, p, o, g in ds.quads()}
    assert from_rdflib == {str(q) for q in ox.parse(path=str(out / "kg.trig"))}


def test_pipeline_summary_gives_counts_warnings_and_stage_times(single):
    _, report = single
    text = report.summary()
    for word in ("actors:", "meetings:", "statements:", "read", "resolve", "write"):
        assert word in text
    assert set(report.seconds) >= {"read", "cache", "extract", "resolve", "rdf", "write"}


def test_pipeline_jobs_must_be_positive(tmp_path, corpus):
    with pytest.raises(BuildError, match="--jobs"):
        build(BuildSettings(inputs=(corpus,), out=tmp_path, progress=False, jobs=0))
