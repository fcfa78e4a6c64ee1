"""The Python API (kg.api): kg.build -> Dataset, kg.query -> DataFrame, kg.events, kg.network -> pyvis
Network, on a real build of a small corpus (fictional people, real countries), the pages checked in
real headless Chromium."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import unavailable
from pyvis.network import Network

import kg
from kg.errors import GraphNotFound, KgError, QueryError
from kg.viz import ViewSettings, write_page

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("viz_bench", ROOT / "bench" / "viz_bench.py")
viz_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(viz_bench)

# Three reports from two outlets on three days (fictional people, real countries).
ARTICLES = [
    {"id": "a1", "title": "Kenya and Somalia talk", "published": "2023-03-06", "url": "https://news.example.org/a1",
     "text": "Kenyan President Samuel Otieno met Somali President Abdi Warsame in Nairobi on Monday. "
             "Otieno said the talks were productive."},
    {"id": "a2", "title": "A call", "published": "2023-03-08", "url": "https://wire.example.com/a2",
     "text": "Kenyan President Samuel Otieno held a phone call with Ethiopian Prime Minister Lemma Tadesse on "
             "Tuesday."},
    {"id": "a3", "title": "Truce", "published": "2023-03-10", "url": "https://news.example.org/a3",
     "text": "Sudan and South Sudan agreed to a ceasefire on Thursday, the African Union said."},
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("api-corpus")
    path = folder / "articles.jsonl"
    path.write_text("".join(json.dumps(a) + "\n" for a in ARTICLES), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def dataset(corpus, tmp_path_factory) -> kg.Dataset:
    return kg.build([corpus], tmp_path_factory.mktemp("api-build") / "out", cache=False)


def test_api_build_returns_a_dataset(dataset):
    assert isinstance(dataset, kg.Dataset) and dataset.report is not None
    files = dataset.files()
    assert {"kg.ttl", "kg.trig", "graph.html"} <= set(files)
    assert len(dataset.store()) > 0 and len(dataset.rdflib()) > 0
    assert kg.open_build(dataset.path).path == dataset.path


def test_api_build_into_a_temporary_folder(corpus):
    ds = kg.build(corpus, html=False, cache=False)
    assert ds.path.is_dir() and "kg-build-" in ds.path.name and (ds.path / "kg.ttl").exists()


def test_api_build_keeps_its_warnings(tmp_path):
    article = tmp_path / "undated.txt"
    article.write_text("Kenyan President Samuel Otieno met Somali President Abdi Warsame in Nairobi on Monday.\n")
    ds = kg.build(article, tmp_path / "out", html=False, cache=False)
    assert any("no publication date" in w for w in ds.warnings)
    heard: list[str] = []
    kg.build(article, tmp_path / "out2", html=False, cache=False, warn=heard.append)
    assert heard and heard == list(ds.warnings)


def test_api_query_gives_typed_dataframes(dataset):
    meetings = kg.query("meetings", dataset)
    assert isinstance(meetings, pd.DataFrame) and len(meetings) >= 2
    assert str(meetings["date"].dtype).startswith("datetime64")
    assert set(meetings["kind"].dropna()) >= {"call"}
    counts = kg.query("document_counts", dataset)
    assert str(counts["meetings"].dtype) == "Int64" and counts["meetings"].sum() >= 2
    assert kg.query("graph_loaded", dataset)["result"].tolist() == [True]
    facts = kg.query("actor_facts", dataset, actor="samuel otieno")  # a CONSTRUCT query: its triples
    assert list(facts.columns) == ["subject", "predicate", "object"] and "Samuel Otieno" in set(facts["object"])


def test_api_query_binds_parameters_by_name(dataset):
    found = kg.query("actor_meetings", dataset, actor="Samuel Otieno")
    assert len(found) >= 2 and set(found["actor"]) == {"Samuel Otieno"}
    call = kg.query("event_codes", dataset, cameo="041")
    assert set(call["cameo"]) == {"041"} and set(call["plover"]) == {"CONSULT"}


def test_api_query_module_is_still_the_module():
    assert callable(kg.query) and hasattr(kg.query, "execute") and hasattr(kg.query, "read_query")


def test_api_names_survive_importing_every_submodule():
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(kg.__path__):
        importlib.import_module(f"kg.{module.name}")
    for name in ("build", "open_build", "events", "network"):
        assert getattr(kg, name) is getattr(kg.api, name), name
    assert isinstance(kg.Dataset, type) and callable(kg.query)


@pytest.mark.parametrize("call, error", [
    (lambda ds: kg.query("no_such_query", ds), QueryError),
    (lambda ds: kg.query("meetings", ds.path.parent / "nothing"), GraphNotFound),
    (lambda ds: kg.query("meetings", 42), KgError),
    (lambda ds: kg.network(ds, focus="Nobody Atall"), KgError),
    (lambda ds: kg.build([]), KgError),
])
def test_api_bad_input_is_a_kg_error(dataset, call, error):
    with pytest.raises(error):
        call(dataset)


def test_api_events_is_the_event_table(dataset):
    table = kg.events(dataset)
    assert str(table["date"].dtype).startswith("datetime64")
    call = table[table["cameo_code"] == "041"].iloc[0]
    assert {"Samuel Otieno", "Lemma Tadesse"} <= set(call["actors"]) and call["documents"] == ["a2"]
    assert call["sources"] == ["https://wire.example.com/a2"] and len(call["rules"]) >= 1


def test_api_network_is_a_pyvis_network(dataset):
    net = kg.network(dataset, focus="Samuel Otieno")
    assert isinstance(net, Network)
    labels = {n["label"] for n in net.nodes}
    assert "Samuel Otieno" in labels and all("cls" in n and "evidence" in n for n in net.nodes)
    assert all({"from", "to", "prop"} <= set(e) for e in net.edges)


def test_api_view_page_is_the_networks_page(dataset, tmp_path):
    page = write_page(dataset.path, tmp_path / "view.html", ViewSettings(focus="Samuel Otieno")).path
    assert page.read_text(encoding="utf-8") == kg.network(dataset, focus="Samuel Otieno").generate_html()


@pytest.fixture(scope="module")
def browser():
    if viz_bench.find_chromium() is None:
        unavailable("Chromium is not installed: `make browser` (or apt-get install chromium) runs these tests")
    with viz_bench.Chromium(timeout=120) as chromium:
        yield chromium


def _open(browser, page: Path) -> None:
    browser.open(page.resolve().as_uri())
    browser.wait_for("window.kgViz && (kgViz.ready || kgViz.errors.length > 0)", timeout=120)
    assert browser.evaluate("kgViz.errors") == [] and browser.evaluate("kgViz.violations") == []


def test_api_browser_restyled_network_is_drawn_as_styled(browser, dataset, tmp_path):
    net = kg.network(dataset)
    otieno = next(n for n in net.nodes if n["label"] == "Samuel Otieno")
    otieno["color"] = "#ff00ff"
    otieno["shape"] = "box"
    net.add_node("note", label="<b>my own note</b>", color="#00ff00")  # a node of the user's, no kg fields
    net.add_edge("note", otieno["id"])
    net.toggle_physics(False)
    net.write_html(str(tmp_path / "mine.html"))
    _open(browser, tmp_path / "mine.html")
    k = browser.evaluate("kgViz.data.nodes.findIndex(n => n.label === 'Samuel Otieno')")
    drawn = browser.evaluate(f"(() => {{ const b = kgViz.network.body.nodes[{k}].options;"
                             " return [b.color.background, b.shape]; })()")
    assert drawn == ["#ff00ff", "box"]
    assert browser.evaluate("kgViz.network.physics.options.enabled") is False
    note = browser.evaluate("kgViz.data.nodes.findIndex(n => n.id === 'note')")
    browser.evaluate(f"kgViz.select({note})")
    assert "<b>my own note</b>" in browser.evaluate("document.getElementById('kg-panel-body').textContent")
    assert browser.evaluate("document.querySelectorAll('#kg-panel-body b').length") == 0
    assert [u for u in browser.requests if not u.startswith(("file:", "data:"))] == []
