"""The build (kg/pipeline.py, kg/parallel.py, kg/export.py, kg/rdf.py): parallel and streaming.

Every build here reads a few short documents with the real spaCy model; what is asserted is
behaviour (same bytes, failures reported, stores written), never time.
"""
from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.cli import main
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


@pytest.mark.parametrize("jobs, budget", [(2, {}), (1, {"doc_timeout": 0, "doc_memory": 0})])
def test_pipeline_parallel_build_equals_single_process_build(tmp_path, corpus, single, jobs, budget):
    """Two workers, or no worker at all (one job, no budget: read in this process): the same bytes
    as one worker process."""
    out, report = single
    assert report.jobs == 1
    other = build(BuildSettings(inputs=(SEEDS, corpus), out=tmp_path, progress=False, jobs=jobs, cache=False, **budget))
    assert other.jobs == jobs and other.cached == 0
    assert exports(tmp_path) == exports(out)
    assert other.counts == report.counts


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


# ---- budgets: one document cannot stall or sink a build --------------------------------------------------
def unpunctuated_line(size: int) -> str:
    """A line of clauses with no sentence punctuation (a transcript, a scraped run of text), ``size`` characters."""
    import random

    rng = random.Random(size)
    people = ["Kenyan President Amina Okafor", "Norwegian envoy Lena Berg", "Chilean Foreign Minister Sofia Costa",
              "the Polish delegation", "Ghana", "officials in Oslo"]
    verbs = ["met", "said", "called", "welcomed", "urged", "hosted"]
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < size:
        words += [rng.choice(people), rng.choice(verbs), rng.choice(people), rng.choice(["and", "while", "as", "after"])]
    return " ".join(words)[:size] + "\n"


def dying_extract(document, doc):
    """kg's extractor, except that the process reading a document that asks for it dies (a test hook)."""
    if "DIE" in document.text:
        os.kill(os.getpid(), signal.SIGKILL)
    from kg.extract import extract

    return extract(document, doc)


def cli_build(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["build", "--quiet", "--no-html", *args])
    return result.exit_code, result.stderr


@pytest.fixture(scope="module")
def with_a_runaway(tmp_path_factory) -> Path:
    """Two ordinary articles and one 100 KB line without punctuation (several seconds, 120 MB to read)."""
    folder = tmp_path_factory.mktemp("runaway")
    (folder / "manifest.csv").write_text("file,published\na.txt,2024-05-13\nb.txt,2024-05-14\nrunaway.txt,2024-05-15\n")
    (folder / "a.txt").write_text(ARTICLES[0]["text"])
    (folder / "b.txt").write_text(ARTICLES[2]["text"])
    (folder / "runaway.txt").write_text(unpunctuated_line(100_000))
    return folder


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("option, message", [
    (("--doc-timeout", "1"), "runaway.txt: skipped: took longer than 1 s (--doc-timeout)"),
    (("--doc-memory", "50"), "runaway.txt: skipped: needed more than 50 MB of memory (--doc-memory)"),
])
def test_pipeline_document_over_budget_is_skipped_and_the_rest_built(tmp_path, with_a_runaway, jobs, option, message):
    code, err = cli_build(str(with_a_runaway), "--out", str(tmp_path / "out"), "--jobs", jobs, "--no-cache", *option)
    assert code == 0, err
    line = f"{with_a_runaway}/{message}"
    assert err.splitlines() == [f"kg: warning: {line}"]  # and nothing else: no traceback, no other document
    built = json.loads((tmp_path / "out" / "build.json").read_text())
    assert [d["id"] for d in built["documents"]] == ["a", "b"] and built["warnings"] == [line]


def test_pipeline_runaway_line_is_read_in_bounded_sentences(tmp_path):
    """A 40 KB line without punctuation builds under the default budget, every evidence sentence bounded."""
    from rdflib import Graph

    from kg.nlp.model import MAX_SENTENCE_TOKENS, load
    from kg.vocab import NIF

    (tmp_path / "line.txt").write_text(unpunctuated_line(40_000))
    code, err = cli_build(str(tmp_path / "line.txt"), "--out", str(tmp_path / "out"))
    assert code == 0 and "skipped" not in err, err
    g = Graph().parse(tmp_path / "out" / "kg.ttl")
    anchors = [str(a) for a in g.objects(None, NIF.anchorOf)]
    assert anchors and max(len(load().tokenizer(a)) for a in anchors) <= MAX_SENTENCE_TOKENS


def test_pipeline_dead_worker_costs_one_document(tmp_path):
    """A worker that dies (a crash in the parser, the system's OOM killer) is replaced; its document is
    retried once in a fresh worker, then reported; the rest of its batch is read."""
    articles = ARTICLES[:2] + [{"id": "doomed", "published": "2024-01-01", "text": "DIE. Leaders met in Paris."}] \
        + ARTICLES[2:]
    corpus = write_corpus(tmp_path / "in", articles)
    messages: list[str] = []
    for jobs in (1, 2):
        report = build(BuildSettings(inputs=(corpus,), out=tmp_path / f"out{jobs}", progress=False, jobs=jobs,
                                     batch_size=8, cache=False, html=False), warn=messages.append, extractor=dying_extract)
        assert report.failed == 1 and report.counts["documents"] == len(ARTICLES)
        assert f"{corpus}#3 (document 'doomed'): skipped: the process reading it was killed by signal 9" in messages
    assert exports_without_html(tmp_path / "out1") == exports_without_html(tmp_path / "out2")


def exports_without_html(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in EXPORTS if name != "graph.html"}


def test_pipeline_slow_short_document_parsed_with_others_is_found_alone(tmp_path):
    """Short documents are parsed together; a group over budget is read again one document at a time,
    so only the slow one is skipped."""
    from kg.parallel import ALONE_CHARS

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "manifest.csv").write_text("file,published\na.txt,2024-05-13\nb.txt,2024-05-14\nslow.txt,2024-05-15\n")
    (folder / "a.txt").write_text(ARTICLES[0]["text"])
    (folder / "b.txt").write_text(ARTICLES[2]["text"])
    (folder / "slow.txt").write_text(unpunctuated_line(ALONE_CHARS - 1000))
    code, err = cli_build(str(folder), "--out", str(tmp_path / "out"), "--jobs", "1", "--doc-timeout", "0.2")
    assert code == 0, err
    assert err.splitlines() == [f"kg: warning: {folder}/slow.txt: skipped: took longer than 0.2 s (--doc-timeout)"]
    assert [d["id"] for d in json.loads((tmp_path / "out" / "build.json").read_text())["documents"]] == ["a", "b"]
