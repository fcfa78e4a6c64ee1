"""The extraction cache (kg/cache.py) and incremental builds.

An incremental build must give the bytes a clean build of the same inputs gives, and re-read
only what changed; the cache must follow the model and never keep a failure.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from kg.cache import CACHE_DIR, CACHE_FILE, ExtractionCache, document_key, fingerprinted_files, model_fingerprint
from kg.models import Document
from kg.pipeline import BuildSettings, build
from test_pipeline import ARTICLES, exports, write_corpus


def settings(corpus: Path, out: Path, **kw) -> BuildSettings:
    return BuildSettings(inputs=(corpus,), out=out, progress=False, jobs=1, **kw)


def test_cache_incremental_build_equals_clean_build(tmp_path):
    out = tmp_path / "out"
    first = build(settings(write_corpus(tmp_path / "v1"), out))
    assert first.cached == 0 and first.documents == 4

    changed = [dict(a) for a in ARTICLES[1:]]  # a1 removed
    changed[0]["text"] = changed[0]["text"].replace("Tuesday", "Wednesday")  # a2 changed
    changed.append({"id": "a5", "published": "2024-03-01", "title": "New",  # a5 added
                    "text": "French President Claire Dubois hosted Italian Prime Minister Marco Rossi in Paris on "
                            "Thursday."})
    corpus = write_corpus(tmp_path / "v2", changed)
    second = build(settings(corpus, out))
    assert second.cached == 2  # a3, a4: only the changed and the new document were read
    clean = build(settings(corpus, tmp_path / "clean", cache=False))
    assert exports(out) == exports(tmp_path / "clean")
    assert second.counts == clean.counts
    ids = [d["id"] for d in json.loads((out / "build.json").read_text())["documents"]]
    assert ids == ["a2", "a3", "a4", "a5"]
    # the removed and the superseded entries are gone from the cache
    cache = ExtractionCache.for_build(out, _model())
    assert len(cache) == 4
    cache.close()


def test_cache_incremental_store_equals_the_exports(tmp_path):
    """A rebuild replaces the changed named graphs of the store; it then holds what kg.trig holds."""
    import pyoxigraph as ox

    from test_pipeline import SEEDS

    out = tmp_path / "out"
    first = build(BuildSettings(inputs=(SEEDS, write_corpus(tmp_path / "in")), out=out, progress=False, jobs=1,
                                store=out / "store", html=False))
    assert first.store_graphs == 7  # 6 documents and the entities
    changed = [dict(a) for a in ARTICLES]
    changed[1]["text"] = changed[1]["text"].replace("Wrona said", "Feld said")
    write_corpus(tmp_path / "in", changed)
    second = build(BuildSettings(inputs=(SEEDS, tmp_path / "in" / "corpus.jsonl"), out=out, progress=False, jobs=1,
                                 store=out / "store", html=False))
    assert second.cached == 5 and 1 <= second.store_graphs < 7
    in_store = {str(q) for q in ox.Store.read_only(str(out / "store"))}
    # Oxigraph keeps xsd:nonNegativeInteger values as xsd:integer
    in_trig = {str(q).replace("XMLSchema#nonNegativeInteger>", "XMLSchema#integer>")
               for q in ox.parse(path=str(out / "kg.trig"))}
    assert in_store == in_trig


def test_cache_model_change_invalidates_the_cache(tmp_path):
    """The same pipeline under another name and version: nothing read with the old one is reused."""
    import spacy.util

    from kg.nlp.model import model_name

    name = model_name(None)
    source = Path(spacy.util.get_package_path(name))
    data = next(p for p in source.iterdir() if p.is_dir() and (p / "config.cfg").is_file())
    other = tmp_path / "other-model"
    shutil.copytree(data, other)
    meta = json.loads((other / "meta.json").read_text())
    meta["version"] = meta["version"] + "-other"
    (other / "meta.json").write_text(json.dumps(meta))
    assert model_fingerprint(str(other)) != model_fingerprint(name)

    corpus = write_corpus(tmp_path / "in", ARTICLES[:2])
    out = tmp_path / "out"
    assert build(settings(corpus, out, html=False)).cached == 0
    assert build(settings(corpus, out, html=False)).cached == 2
    switched = build(settings(corpus, out, html=False, model=str(other)))
    assert switched.cached == 0 and switched.documents == 2
    assert build(settings(corpus, out, html=False, model=str(other))).cached == 2


def test_cache_no_cache_rereads_every_document(tmp_path):
    corpus = write_corpus(tmp_path / "in", ARTICLES[:2])
    out = tmp_path / "out"
    build(settings(corpus, out))
    before = exports(out)
    again = build(settings(corpus, out, cache=False))
    assert again.cached == 0 and again.documents == 2
    assert exports(out) == before


def test_cache_unreadable_cache_is_replaced(tmp_path):
    corpus = write_corpus(tmp_path / "in", ARTICLES[:1])
    out = tmp_path / "out"
    (out / CACHE_DIR).mkdir(parents=True)
    (out / CACHE_DIR / CACHE_FILE).write_bytes(b"this is not a database" * 100)
    messages: list[str] = []
    report = build(settings(corpus, out, html=False), warn=messages.append)
    assert report.documents == 1 and any("cache cannot be read" in m for m in messages)
    assert build(settings(corpus, out, html=False)).cached == 1


def test_cache_key_follows_content_not_path():
    doc = Document(id="d", text="Leaders met.", title="T", path="a/one.txt")
    moved = Document(id="d", text="Leaders met.", title="T", path="b/two.txt")
    assert document_key(doc, "f") == document_key(moved, "f")
    for other in (Document(id="d", text="Leaders met!", title="T"), Document(id="e", text="Leaders met.", title="T"),
                  Document(id="d", text="Leaders met.", title="U")):
        assert document_key(other, "f") != document_key(doc, "f")
    assert document_key(doc, "g") != document_key(doc, "f")


def test_cache_fingerprint_covers_the_extraction_rules():
    import kg

    root = Path(kg.__file__).resolve().parent
    names = {p.relative_to(root).as_posix() for p in fingerprinted_files()}
    package = {p.relative_to(root).as_posix() for p in (root / "extract").rglob("*.py")}
    assert len(package) > 5 and package <= names and "models.py" in names
    assert any(n.startswith("nlp/data/") for n in names) and "nlp/model.py" in names
    assert not any("__pycache__" in n for n in names)


def _model() -> str:
    from kg.nlp.model import model_name

    return model_name(None)
