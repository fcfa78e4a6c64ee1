"""The graph page (kg.viz): RDF -> networkx -> one offline HTML page, checked in real Chromium.

Browser tests drive Debian's headless Chromium over the DevTools protocol (bench/viz_bench.py's
``Chromium``) with the network disabled. They are skipped when Chromium is absent, except in
CI (CI set), where that is a failure. ``KG_UPDATE_SCREENSHOT=1`` copies the seeds' screenshot
to docs/graph.png.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from conftest import unavailable

from kg import viz
from kg.cli import main
from kg.errors import GraphNotFound, KgError
from kg.viz import CLASSES, ViewSettings
from kg.vocab import KGD

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "viz"
SEED_DOC = "000_d2de068a82ff7819"
BLINKEN = str(KGD["actor/antony-blinken"])
DATA_BLOCK = r'<script type="application/json" id="kg-data">.*?</script>'

_spec = importlib.util.spec_from_file_location("viz_bench", ROOT / "bench" / "viz_bench.py")
viz_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(viz_bench)

# Each would set window.__kgPwned if it ran (see tests/data/viz/hostile*).
PAYLOADS = (
    "<script>window.__kgPwned = 'script'</script>",
    "</script><script>window.__kgPwned = 'breakout'</script>",
    "<img src=x onerror=\"window.__kgPwned='img'\">",
    "<svg onload=\"window.__kgPwned='svg'\"></svg>",
    "Quote \" apostrophe ' backslash \\ end \\\"",
    "\u202eexe.txt\u202c \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 \u2028line\u2029para",
)


# --------------------------------------------------------------------------- builds

@pytest.fixture(scope="session")
def fixture_build(tmp_path_factory) -> Path:
    """The hand-written graph of the two seed articles (tests/data/viz/seeds.trig)."""
    out = tmp_path_factory.mktemp("viz-fixture")
    shutil.copy(DATA / "seeds.trig", out / "kg.trig")
    return out


@pytest.fixture(scope="session")
def large_build(tmp_path_factory) -> Path:
    """A generated build of about 3,000 nodes: above the default size limit."""
    return viz_bench.synthetic_build(tmp_path_factory.mktemp("viz-large"), 3000, seed=1)


@pytest.fixture(scope="session")
def hostile_fixture(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("viz-hostile")
    shutil.copy(DATA / "hostile.trig", out / "kg.trig")
    return out


@pytest.fixture(scope="session")
def hostile_build(tmp_path_factory) -> Path:
    """A real `kg build` of hostile articles (.txt and .html)."""
    from kg.pipeline import BuildSettings, build

    out = tmp_path_factory.mktemp("viz-hostile-build")
    build(BuildSettings(inputs=(DATA / "hostile-article.txt", DATA / "hostile-article.html"), out=out,
                        progress=False, cache=False))
    return out


@pytest.fixture(params=["fixture", "seeds", "large"])
def build_dir(request) -> tuple[str, Path]:
    name = {"fixture": "fixture_build", "seeds": "seed_build", "large": "large_build"}[request.param]
    return request.param, request.getfixturevalue(name)


def _focus_label(kind: str, network: nx.MultiDiGraph) -> str:
    if kind != "large":
        return "Antony Blinken"
    actors = [n for n, a in network.nodes(data=True) if a["cls"] in viz.ACTOR_CLASSES]
    return network.nodes[max(actors, key=lambda n: (network.nodes[n]["degree"], n))]["label"]


def _doc_id(kind: str) -> str:
    return SEED_DOC if kind != "large" else "d00003"


def page_data(html: str) -> dict:
    match = re.search(DATA_BLOCK.replace(".*?", "(.*?)"), html, re.S)
    assert match, "no data block"
    return json.loads(match.group(1))


# --------------------------------------------------------------------------- RDF -> networkx

def test_viz_missing_build_raises_graph_not_found(tmp_path):
    with pytest.raises(GraphNotFound, match=r"no build in .*: run `kg build \.\.\. --out .*` first"):
        viz.write_page(tmp_path, tmp_path / "graph.html", ViewSettings())
    assert not (tmp_path / "graph.html").exists()


def test_viz_network_reads_classes_edges_and_evidence(fixture_build):
    network = viz.read_network(fixture_build)
    classes = {c: sum(1 for _, a in network.nodes(data=True) if a["cls"] == c) for c in CLASSES}
    assert classes == {"Person": 4, "Organization": 1, "Country": 4, "Group": 1, "Role": 4,
                       "Meeting": 3, "Statement": 3, "Ceasefire": 2, "Accusation": 0}
    props = {key for _, _, key in network.edges(keys=True)}
    assert props == {"participant", "speaker", "party", "mediator", "holder", "affiliation", "about", "location"}
    call = next(a for _, a in network.nodes(data=True) if a["label"] == "call: Antony Blinken, Gabi Ashkenazi")
    assert (call["status"], call["mode"], call["date"], call["dateText"]) == \
        ("occurred", "phone", "2021-05-20", "on Thursday")
    assert any(sentence.startswith("State Department spokesman Ned Price said Blinken spoke")
               for _, sentence, _, _ in call["evidence"])
    trip = next(a for _, a in network.nodes(data=True) if a["label"] == "trip: Antony Blinken")
    assert trip["location"] == "Middle East"  # a Place is not drawn, it is said on the meeting
    ceasefire_2 = next(n for n, a in network.nodes(data=True)
                       if a["cls"] == "Ceasefire" and a["status"] == "under negotiation")
    mediators = {network.nodes[v]["label"] for _, v, k in network.out_edges(ceasefire_2, keys=True) if k == "mediator"}
    assert mediators == {"United States", "Qatar", "Egypt"}
    assert network.graph["documents"][str(KGD["doc/" + SEED_DOC])]["title"] \
        == "Antony Blinken will travel to the Middle East"


def test_viz_in_memory_graphs_give_the_same_network(fixture_build):
    import pyoxigraph
    import rdflib

    from_file = viz.read_network(fixture_build)
    dataset = rdflib.Dataset()
    dataset.parse(fixture_build / "kg.trig", format="trig")
    store = pyoxigraph.Store()
    store.load(path=str(fixture_build / "kg.trig"), format=pyoxigraph.RdfFormat.TRIG)
    for graph in (dataset, store):
        other = viz.network_from_graph(graph)
        assert set(other.nodes) == set(from_file.nodes)
        assert set(other.edges(keys=True)) == set(from_file.edges(keys=True))
        assert {n: a["evidence"] for n, a in other.nodes(data=True)} == \
               {n: a["evidence"] for n, a in from_file.nodes(data=True)}


def test_viz_write_page_from_graph_is_the_same_page(fixture_build, tmp_path):
    import rdflib

    dataset = rdflib.Dataset()
    dataset.parse(fixture_build / "kg.trig", format="trig")
    report = viz.write_page_from_graph(dataset, tmp_path / "memory.html", ViewSettings())
    assert report.nodes == 22 and "wrote" in report.text() and "22 of 22 nodes" in report.text()
    from_file = viz.write_page(fixture_build, tmp_path / "file.html", ViewSettings())
    assert report.path.read_bytes() == from_file.path.read_bytes()  # reproducible, whatever the parser


@pytest.mark.parametrize("name", ["kg.nt", "kg.ttl"])
def test_viz_reads_n_triples_or_turtle_builds(seed_build, tmp_path, name):
    shutil.copy(seed_build / name, tmp_path / name)
    assert viz.build_file(tmp_path).name == name
    other, trig = viz.read_network(tmp_path), viz.read_network(seed_build)
    assert set(other.edges(keys=True)) == set(trig.edges(keys=True))
    assert dict(other.nodes(data="label")) == dict(trig.nodes(data="label"))


# --------------------------------------------------------------------------- --focus, --doc, --classes, --max-nodes

def test_viz_focus_depth_one_is_the_neighbourhood(build_dir):
    kind, folder = build_dir
    network = viz.read_network(folder)
    label = _focus_label(kind, network)
    selection = viz.select(network, ViewSettings(focus=label, depth=1, max_nodes=100_000))
    focus = selection.focus
    assert network.nodes[focus]["label"] == label
    assert set(selection.graph) == {focus} | set(nx.all_neighbors(network, focus))
    deeper = viz.select(network, ViewSettings(focus=label, depth=2, max_nodes=100_000))
    assert set(selection.graph) < set(deeper.graph)
    page = page_data(viz.render_page(selection))
    assert page["nodes"][page["focus"]]["label"] == label


@pytest.mark.parametrize("how", ["iri", "alt", "case"])
def test_viz_focus_by_iri_alt_label_or_any_case(fixture_build, how):
    network = viz.read_network(fixture_build)
    wanted = {"iri": BLINKEN, "alt": "the head of US diplomacy",
              "case": "antony BLINKEN"}[how]
    assert viz.select(network, ViewSettings(focus=wanted)).focus == BLINKEN


def test_viz_unknown_focus_lists_close_matches(build_dir):
    kind, folder = build_dir
    network = viz.read_network(folder)
    label = _focus_label(kind, network)
    typo = label[:-1] + ("x" if label[-1] != "x" else "y")
    with pytest.raises(KgError, match="close matches") as caught:
        viz.select(network, ViewSettings(focus=typo))
    assert repr(label) in str(caught.value)


def test_viz_doc_shows_one_documents_facts(build_dir):
    kind, folder = build_dir
    network = viz.read_network(folder)
    doc_iri = next(iri for iri, d in network.graph["documents"].items() if d["id"] == _doc_id(kind))
    selection = viz.select(network, ViewSettings(doc=_doc_id(kind), max_nodes=100_000))
    shown = selection.graph
    facts = {n for n, a in shown.nodes(data=True) if a["cls"] not in viz.ACTOR_CLASSES}
    assert facts and all(doc_iri in shown.nodes[n]["docs"] for n in facts)
    for n in facts:  # every actor of those facts is there
        assert set(nx.all_neighbors(network, n)) <= set(shown)
    assert {n for n, a in network.nodes(data=True) if doc_iri in a["docs"]} <= set(shown)
    if kind != "large":
        labels = {a["label"] for _, a in shown.nodes(data=True)}
        assert "Qatar" not in labels and "call: Antony Blinken, Gabi Ashkenazi" in labels
    page = page_data(viz.render_page(selection))
    assert [d["id"] for d in page["documents"]][:1] and _doc_id(kind) in {d["id"] for d in page["documents"]}


def test_viz_unknown_doc_is_an_error(build_dir):
    kind, folder = build_dir
    with pytest.raises(KgError, match="no document 'nope-123'"):
        viz.select(viz.read_network(folder), ViewSettings(doc="nope-123"))


@pytest.mark.parametrize("classes", [("Person",), ("Meeting", "Ceasefire"), ("country", "ROLE")])
def test_viz_classes_keep_only_those(build_dir, classes):
    kind, folder = build_dir
    network = viz.read_network(folder)
    selection = viz.select(network, ViewSettings(classes=classes, max_nodes=100_000))
    wanted = {c.capitalize() for c in classes}
    assert {a["cls"] for _, a in selection.graph.nodes(data=True)} == wanted
    assert selection.graph.number_of_nodes() == sum(1 for _, a in network.nodes(data=True) if a["cls"] in wanted)


def test_viz_unknown_class_is_an_error(fixture_build):
    with pytest.raises(KgError, match="unknown class 'Actorz'.*choose from Person"):
        viz.select(viz.read_network(fixture_build), ViewSettings(classes=("Actorz",)))


@pytest.mark.parametrize("limit", [5, 12])
def test_viz_size_limit_keeps_the_most_connected(build_dir, limit):
    kind, folder = build_dir
    network = viz.read_network(folder)
    limit = limit * 40 if kind == "large" else limit
    selection = viz.select(network, ViewSettings(max_nodes=limit))
    shown = selection.graph
    assert shown.number_of_nodes() == limit and selection.truncated
    least_shown = min(a["degree"] for _, a in shown.nodes(data=True))
    assert all(a["degree"] <= least_shown for n, a in network.nodes(data=True) if n not in shown)
    assert sum(selection.omitted.values()) == network.number_of_nodes() - limit
    assert any("--focus" in h for h in selection.hints) and any("--doc" in h for h in selection.hints)
    page = page_data(viz.render_page(selection))
    assert page["stats"]["truncated"] and page["stats"]["matchedNodes"] == network.number_of_nodes()


def test_viz_default_limit_applies_to_large_graphs(large_build, tmp_path):
    report = viz.write_page(large_build, tmp_path / "graph.html", ViewSettings())
    assert report.nodes == viz.DEFAULT_MAX_NODES < report.total_nodes
    assert "size limit" in report.text() and "kg view --focus" in report.text()


def test_viz_focus_keeps_the_focus_under_the_limit(large_build):
    network = viz.read_network(large_build)
    label = _focus_label("large", network)
    selection = viz.select(network, ViewSettings(focus=label, depth=2, max_nodes=10))
    assert selection.focus in selection.graph and selection.graph.number_of_nodes() == 10


@pytest.mark.parametrize("bad", [ViewSettings(depth=-1), ViewSettings(max_nodes=0)])
def test_viz_bad_numbers_are_errors(fixture_build, bad):
    with pytest.raises(KgError):
        viz.select(viz.read_network(fixture_build), bad)


# --------------------------------------------------------------------------- the HTML

class _Refs(HTMLParser):
    LOADING = {"src", "href", "srcset", "action", "formaction", "poster", "data", "background", "manifest",
               "ping", "xlink:href", "codebase", "archive", "longdesc", "usemap", "icon", "lowsrc"}

    def __init__(self):
        super().__init__()
        self.refs, self.tags, self.styles, self.meta, self._in = [], [], [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in = tag
        for name, value in attrs:
            if name in self.LOADING or name.startswith("on"):
                self.refs.append((tag, name, value))
        if tag == "meta":
            self.meta.append(dict(attrs))

    def handle_data(self, data):
        if self._in == "style":
            self.styles.append(data)

    def handle_endtag(self, tag):
        self._in = None


# URLs that appear as text in the embedded scripts: licence comments, the SVG namespace, an error message.
NON_FETCHED = {
    "http://almende.com", "https://github.com/visjs", "http://www.apache.org/licenses/LICENSE-2.0",
    "http://opensource.org/licenses/MIT", "https://visjs.github.io/vis-network/", "http://www.w3.org/2000/svg",
    "https://github.com/zloirock/core-js", "https://github.com/zloirock/core-js/blob/v3.21.1/LICENSE",
    "https://github.com/uuidjs/uuid#getrandomvalues-not-supported",
}


@pytest.mark.parametrize("which", ["seeds", "hostile"])
def test_viz_html_references_no_external_url(which, request, tmp_path):
    folder = request.getfixturevalue("seed_build" if which == "seeds" else "hostile_fixture")
    out = viz.write_page(folder, tmp_path / "graph.html", ViewSettings()).path
    html = out.read_text(encoding="utf-8")
    parser = _Refs()
    parser.feed(html)
    assert parser.refs == []  # no src/href/... at all, no inline event handlers
    assert "link" not in parser.tags and "iframe" not in parser.tags and "base" not in parser.tags
    assert parser.tags.count("script") == 4  # boot, data (JSON), vis-network, kg's page script
    assert not re.search(r"<script[^>]*\ssrc\s*=", html, re.I)
    for style in parser.styles:
        assert "@import" not in style and not re.search(r"url\(\s*['\"]?(?!data:)", style)
    assert not any(m.get("http-equiv", "").lower() == "refresh" for m in parser.meta)
    csp = next(m["content"] for m in parser.meta if m.get("http-equiv", "").lower() == "content-security-policy")
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp and "'unsafe-eval'" not in csp
    assert not re.search(r"https?:|//", csp)
    outside_data = re.sub(DATA_BLOCK, "", html, flags=re.S)
    urls = set(re.findall(r"(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s\"'()<>]*", outside_data))
    assert urls <= NON_FETCHED, urls - NON_FETCHED
    assert "sourceMappingURL" not in html


def test_viz_json_block_cannot_break_out():
    hostile = {"a": "</script><script>alert(1)</script>", "b": "<!-- x -->", "c": "&amp;", "d": "\u2028\u2029"}
    text = viz.json_for_html(hostile)
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(text) == hostile


def test_viz_hostile_text_only_in_the_json_block(hostile_fixture, hostile_build, tmp_path):
    for folder in (hostile_fixture, hostile_build):
        html = viz.write_page(folder, tmp_path / "graph.html", ViewSettings()).path.read_text(encoding="utf-8")
        assert "__kgPwned" not in re.sub(DATA_BLOCK, "", html, flags=re.S)
        data = page_data(html)
        text = json.dumps(data, ensure_ascii=False)
        assert "window.__kgPwned" in text  # the payloads did reach the page, as data
    fixture_text = json.dumps(page_data(viz.write_page(hostile_fixture, tmp_path / "f.html").path.read_text()),
                              ensure_ascii=False)
    for payload in PAYLOADS:
        assert json.dumps(payload, ensure_ascii=False)[1:-1] in fixture_text


# --------------------------------------------------------------------------- GraphML / GEXF

@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_viz_export_network_for_gephi_and_cytoscape(fixture_build, tmp_path, fmt):
    out = viz.export_network(fixture_build, fmt, tmp_path / f"kg.{fmt}")
    graph = nx.read_graphml(out) if fmt == "graphml" else nx.read_gexf(out)
    network = viz.read_network(fixture_build)
    assert graph.number_of_nodes() == network.number_of_nodes()
    assert graph.number_of_edges() == network.number_of_edges()
    blinken = graph.nodes[BLINKEN]
    assert blinken["label"] == "Antony Blinken" and blinken["class"] == "Person"
    assert int(blinken["degree"]) == network.nodes[BLINKEN]["degree"]
    assert float(blinken["betweenness"]) > 0
    labels = {d.get("label") for _, _, d in graph.edges(data=True)}
    assert {"participant", "speaker", "party", "mediator", "holder", "about"} <= labels


def test_viz_export_network_carries_rules_and_codes(seed_build, tmp_path):
    graph = nx.read_graphml(viz.export_network(seed_build, "graphml", tmp_path / "kg.graphml"))
    call = next(d for _, d in graph.nodes(data=True) if d.get("kind") == "call")
    assert (call["cameo"], call["plover"], call["ploverMode"]) == ("041", "CONSULT", "phone")
    assert "meeting.with" in call["rules"].split("; ")
    israel = graph.nodes[str(KGD["actor/israel"])]
    assert (israel["iso3"], israel["cameoActorCode"]) == ("ISR", "ISR")
    assert israel["dbpedia"] == "http://dbpedia.org/resource/Israel"


def test_viz_export_missing_build(tmp_path):
    with pytest.raises(GraphNotFound):
        viz.export_network(tmp_path, "graphml", tmp_path / "kg.graphml")


# --------------------------------------------------------------------------- the CLI

def _run(*args) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output + (getattr(result, "stderr", "") or "")


def test_viz_cli_view_and_export(fixture_build, tmp_path):
    code, out = _run("view", "--graph", fixture_build, "--out", tmp_path / "g.html",
                     "--focus", "Antony Blinken", "--depth", "1", "--classes", "Person,Meeting,Role",
                     "--max-nodes", "50")
    assert code == 0, out
    assert "wrote" in out and "around Antony Blinken" in out
    assert {n["cls"] for n in page_data((tmp_path / "g.html").read_text())["nodes"]} <= {"Person", "Meeting", "Role"}
    code, out = _run("export", "--graph", fixture_build, "--format", "gexf", "--out", tmp_path / "kg.gexf")
    assert code == 0 and (tmp_path / "kg.gexf").is_file()


@pytest.mark.parametrize("args, code, message", [
    (("--focus", "Antony Blinkn"), 1, "close matches: 'Antony Blinken'"),
    (("--doc", "nope"), 1, "no document 'nope'"),
    (("--classes", "Person,Nope"), 1, "unknown class 'Nope'"),
])
def test_viz_cli_errors_are_one_line(fixture_build, tmp_path, args, code, message):
    exit_code, out = _run("view", "--graph", fixture_build, "--out", tmp_path / "g.html", *args)
    assert exit_code == code and message in out and "Traceback" not in out


def test_viz_cli_missing_build(tmp_path):
    exit_code, out = _run("view", "--graph", tmp_path / "none")
    assert exit_code == 2 and "no build in" in out


# --------------------------------------------------------------------------- in the browser

@pytest.fixture(scope="module")
def browser():
    if viz_bench.find_chromium() is None:
        unavailable("Chromium is not installed: `make browser` (or apt-get install chromium) runs these tests")
    with viz_bench.Chromium(timeout=120) as chromium:
        yield chromium


CANVAS_INK = """(() => { const c = document.querySelector('#kg-network canvas');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let inked = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 235 || d[i + 1] < 235 || d[i + 2] < 235)) inked++;
  return {width: c.width, height: c.height, inked}; })()"""


def _open(browser, page: Path) -> dict:
    browser.open(page.resolve().as_uri())
    browser.wait_for("window.kgViz && (kgViz.ready || kgViz.errors.length > 0)", timeout=120)
    return browser.evaluate("({errors: kgViz.errors, violations: kgViz.violations, nodes: kgViz.nodes.length,"
                            " drawn: Object.keys(kgViz.network.getPositions()).length, edges: kgViz.edges.length})")


def _offline_requests(browser) -> list[str]:
    return [u for u in browser.requests if not u.startswith(("file:", "data:"))]


def test_viz_browser_renders_the_seeds_offline(browser, seed_build, tmp_path):
    page = viz.write_page(seed_build, tmp_path / "graph.html", ViewSettings()).path
    data = page_data(page.read_text(encoding="utf-8"))
    state = _open(browser, page)
    assert state["errors"] == [] and state["violations"] == []
    assert state["nodes"] == state["drawn"] == len(data["nodes"]) > 10
    assert state["edges"] == len(data["edges"])
    ink = browser.evaluate(CANVAS_INK)
    assert ink["inked"] > 2000, ink
    assert browser.evaluate("kgViz.data.nodes.some(n => n.label === 'Antony Blinken')")
    assert _offline_requests(browser) == [] and browser.console_errors() == []
    assert browser.evaluate("document.querySelectorAll('#kg-legend-classes li').length") == len(CLASSES)
    # the picture in the README: the graph, and the Blinken-Ashkenazi call opened with its evidence
    call = browser.evaluate("kgViz.data.nodes.findIndex(n => n.cls === 'Meeting'"
                            " && n.label.startsWith('call: Antony Blinken'))")
    if call >= 0:
        browser.evaluate(f"kgViz.show({call})")
        browser.evaluate("(() => { const n = kgViz.network, s = n.getScale() * 0.85, p = n.getViewPosition();"
                         " n.moveTo({position: {x: p.x + 190 / s, y: p.y}, scale: s}); })()")  # clear of the panel
        assert "Evidence" in browser.evaluate("document.getElementById('kg-panel-body').textContent")
    browser.pump(0.3)
    png = browser.screenshot()
    info = viz_bench.png_info(png)
    assert (info["width"], info["height"]) == (1400, 900) and info["colours"] > 50, info
    (tmp_path / "graph.png").write_bytes(png)
    if os.environ.get("KG_UPDATE_SCREENSHOT"):
        (ROOT / "docs" / "graph.png").write_bytes(png)


def test_viz_browser_panel_search_and_filters(browser, seed_build, tmp_path):
    page = viz.write_page(seed_build, tmp_path / "graph.html", ViewSettings()).path
    _open(browser, page)
    hits = browser.evaluate("kgViz.search('blinken')")
    assert hits and browser.evaluate(f"kgViz.data.nodes[{hits[0]}].label") == "Antony Blinken"
    meeting = browser.evaluate("kgViz.data.nodes.findIndex(n => n.cls === 'Meeting' && n.evidence.length)")
    browser.evaluate(f"kgViz.select({meeting})")
    panel = browser.evaluate("document.getElementById('kg-panel').hidden ? null"
                             " : document.getElementById('kg-panel-body').textContent")
    sentence = browser.evaluate(f"kgViz.data.nodes[{meeting}].evidence[0][1]")
    doc = browser.evaluate(f"kgViz.data.documents[kgViz.data.nodes[{meeting}].evidence[0][0]]")
    assert panel and sentence in panel and (doc["title"] or doc["id"]) in panel and "Meeting" in panel
    assert sentence in browser.evaluate(f"kgViz.showTooltip({meeting})")
    total = browser.evaluate("kgViz.visibleNodes")
    persons = browser.evaluate("kgViz.data.nodes.filter(n => n.cls === 'Person').length")
    browser.evaluate("kgViz.setClass('Person', false)")
    assert browser.evaluate("kgViz.visibleNodes") == total - persons
    browser.evaluate("kgViz.setClass('Person', true); kgViz.setDocument(1)")
    assert 0 < browser.evaluate("kgViz.visibleNodes") < total
    assert browser.evaluate("kgViz.nodes.get().filter(n => !n.hidden)"
                            ".every(n => kgViz.data.nodes[n.id].docs.includes(1))")
    browser.evaluate("kgViz.setDocument(null)")
    assert browser.evaluate("kgViz.visibleNodes") == total


def test_viz_browser_large_graph_says_what_was_left_out(browser, large_build, tmp_path):
    page = viz.write_page(large_build, tmp_path / "graph.html", ViewSettings()).path
    state = _open(browser, page)
    assert state["errors"] == [] and state["drawn"] == viz.DEFAULT_MAX_NODES
    notice = browser.evaluate("document.getElementById('kg-notice').hidden ? ''"
                              " : document.getElementById('kg-notice').textContent")
    assert "Left out" in notice and "kg view --focus" in notice and "kg view --doc" in notice
    assert browser.evaluate(CANVAS_INK)["inked"] > 2000
    assert _offline_requests(browser) == []


@pytest.mark.parametrize("source", ["fixture", "build"])
@pytest.mark.parametrize("csp", [True, False], ids=["with-csp", "escaping-alone"])
def test_viz_browser_injection_runs_nothing(browser, request, tmp_path, source, csp):
    folder = request.getfixturevalue("hostile_fixture" if source == "fixture" else "hostile_build")
    page = viz.write_page(folder, tmp_path / "graph.html", ViewSettings()).path
    if not csp:  # the escaping must hold on its own, without the Content-Security-Policy behind it
        html = page.read_text(encoding="utf-8")
        page.write_text(re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html), encoding="utf-8")
    state = _open(browser, page)
    assert state["errors"] == [] and state["violations"] == []
    # open every panel and tooltip, search for the payloads, filter by the hostile document
    n, e = state["nodes"], state["edges"]
    seen, made = browser.evaluate(f"""(() => {{ let text = '', made = 0;
      const elements = () => document.querySelectorAll(
        ['#kg-panel-body', '#kg-tooltip', '#kg-search-results', '#kg-notice', '#kg-doc'].map(
          p => ['img', 'iframe', 'script', 'style', 'a', 'b', 'svg:not(:has(polygon, circle))', 'object', 'embed']
                 .map(t => p + ' ' + t).join(', ')).join(', ')).length;
      for (let i = 0; i < {n}; i++) {{ kgViz.select(i); text += document.getElementById('kg-panel-body').textContent;
                                       text += kgViz.showTooltip(i); made += elements(); }}
      for (let j = 0; j < {e}; j++) {{ kgViz.showEdge(j); text += document.getElementById('kg-panel-body').textContent;
                                       made += elements(); }}
      for (const q of ['<script', 'onerror', '<svg', 'window']) {{ kgViz.search(q); made += elements();
        text += document.getElementById('kg-search-results').textContent; }}
      kgViz.setDocument(0); kgViz.setDocument(null); made += elements();
      text += document.getElementById('kg-doc').textContent;
      return [text, made]; }})()""", timeout=120)
    browser.pump(0.5)
    assert browser.evaluate("typeof window.__kgPwned") == "undefined"
    assert made == 0  # no element was made from the text
    assert "window.__kgPwned" in seen  # shown, as text
    assert browser.evaluate("document.querySelectorAll('img, iframe, b, a, style:not(head style)').length") == 0
    assert browser.evaluate("document.querySelectorAll('script').length") == 4
    assert browser.evaluate("[...document.querySelectorAll('*')]"
                            ".filter(x => [...x.attributes].some(a => a.name.startsWith('on'))).length") == 0
    assert browser.evaluate("kgViz.violations") == [] and browser.evaluate("kgViz.errors") == []
    assert _offline_requests(browser) == []
    if source == "fixture":
        for payload in PAYLOADS:
            flat = seen.replace("\u2028", "").replace("\u2029", "")
            assert payload.replace("\u2028", "").replace("\u2029", "")[:20] in flat


def test_viz_browser_hostile_focus_in_the_title(browser, hostile_fixture, tmp_path):
    focus = "<script>window.__kgPwned = 'script'</script>"
    page = viz.write_page(hostile_fixture, tmp_path / "graph.html", ViewSettings(focus=focus, depth=2)).path
    state = _open(browser, page)
    assert state["errors"] == [] and state["violations"] == []
    title = browser.evaluate("document.title")
    assert title == f"kg graph: 2 hops around {focus}"
    assert browser.evaluate("document.getElementById('kg-title').textContent") == title
    assert focus in browser.evaluate("document.getElementById('kg-panel-body').textContent")  # the focus is open
    assert browser.evaluate("typeof window.__kgPwned") == "undefined"
    assert browser.evaluate("document.querySelectorAll('script').length") == 4


# --------------------------------------------------------------------------- filters, timeline, panels

# Reports from two outlets on three days (fictional people, real countries), built for real.
OUTLET_ARTICLES = [
    {"id": "r1", "title": "Kenya and Somalia talk", "published": "2023-03-06", "url": "https://news.example.org/r1",
     "text": "Kenyan President Samuel Otieno met Somali President Abdi Warsame in Nairobi on Monday."},
    {"id": "r2", "title": "A call", "published": "2023-03-08", "url": "https://www.wire.example.com/r2",
     "text": "Kenyan President Samuel Otieno held a phone call with Ethiopian Prime Minister Lemma Tadesse on "
             "Tuesday."},
    {"id": "r3", "title": "Truce", "published": "2023-03-10", "url": "https://news.example.org/r3",
     "text": "Sudan and South Sudan agreed to a ceasefire on Thursday, the African Union said."},
]

# Two dated status reports of the fixture's 2021 ceasefire, in the shape of kg:StatusObservation.
OBSERVATIONS = """
@prefix kg: <https://w3id.org/kg-news/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/kg-news/id/graph/entities> {
  <https://w3id.org/kg-news/id/ceasefire/c1> kg:statusObservation <https://w3id.org/kg-news/id/observation/o2>,
      <https://w3id.org/kg-news/id/observation/o1> .
  <https://w3id.org/kg-news/id/observation/o1> a kg:StatusObservation ; kg:date "2021-05-20"^^xsd:date ;
      kg:observedStatus kg:agreed .
  <https://w3id.org/kg-news/id/observation/o2> a kg:StatusObservation ; kg:date "2021-05-21"^^xsd:date ;
      kg:observedStatus kg:violated .
}
<https://w3id.org/kg-news/id/graph/000_d2de068a82ff7819> {
  <https://w3id.org/kg-news/id/observation/o1> kg:evidence <https://w3id.org/kg-news/id/span/000_d2de068a82ff7819/267-473> .
  <https://w3id.org/kg-news/id/observation/o2> kg:evidence <https://w3id.org/kg-news/id/span/000_d2de068a82ff7819/783-977> .
}
"""


@pytest.fixture(scope="module")
def outlets_build(tmp_path_factory) -> Path:
    from kg.pipeline import BuildSettings, build

    folder = tmp_path_factory.mktemp("viz-outlets")
    corpus = folder / "reports.jsonl"
    corpus.write_text("".join(json.dumps(a) + "\n" for a in OUTLET_ARTICLES), encoding="utf-8")
    build(BuildSettings(inputs=(corpus,), out=folder / "out", progress=False, cache=False, html=False))
    return folder / "out"


@pytest.fixture(scope="module")
def lifecycle_fixture(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("viz-lifecycle")
    (out / "kg.trig").write_text((DATA / "seeds.trig").read_text(encoding="utf-8") + OBSERVATIONS, encoding="utf-8")
    return out


def _visible(browser) -> list[dict]:
    return browser.evaluate("kgViz.nodes.get().filter(n => !n.hidden).map(n => kgViz.data.nodes[n.id])")


def test_viz_browser_date_range_and_source_filters(browser, outlets_build, tmp_path):
    page = viz.write_page(outlets_build, tmp_path / "graph.html", ViewSettings()).path
    _open(browser, page)
    total = browser.evaluate("kgViz.visibleNodes")
    sources = browser.evaluate("[...document.querySelectorAll('#kg-source option')].map(o => o.value)")
    assert sources == ["", "news.example.org", "wire.example.com"]
    docs = browser.evaluate("kgViz.data.documents")
    day = {k: d["date"] for k, d in enumerate(docs)}

    browser.evaluate("kgViz.setDateRange('2023-03-07', '2023-03-08')")
    shown = _visible(browser)
    assert 0 < len(shown) < total
    for n in shown:  # a fact by its own date, else its documents'; an actor by its documents'
        dates = [n["date"]] if n.get("date") and n["cls"] not in ("Person", "Country", "Organization", "Group") \
            else [day[k] for k in n["docs"]]
        assert any("2023-03-07" <= d <= "2023-03-08" for d in dates), n["label"]
    assert any(n["cls"] == "Meeting" and n.get("kind") == "call" for n in shown)
    assert not any(n["cls"] == "Ceasefire" for n in shown)
    assert browser.evaluate("document.querySelectorAll('#kg-timeline-track .kg-range').length") == 1

    browser.evaluate("kgViz.setDateRange('', ''); kgViz.setSource('news.example.org')")
    shown = _visible(browser)
    assert 0 < len(shown) < total
    assert all(any(docs[k]["publisher"] == "news.example.org" for k in n["docs"]) for n in shown)
    assert any(n["cls"] == "Ceasefire" for n in shown) and not any(n.get("kind") == "call" for n in shown)
    browser.evaluate("kgViz.setSource(null)")
    assert browser.evaluate("kgViz.visibleNodes") == total
    assert browser.evaluate("kgViz.errors") == [] and _offline_requests(browser) == []


def test_viz_browser_timeline_strip(browser, outlets_build, tmp_path):
    page = viz.write_page(outlets_build, tmp_path / "graph.html", ViewSettings()).path
    _open(browser, page)
    items = browser.evaluate("kgViz.timeline()")
    events = browser.evaluate("kgViz.data.nodes.map((n, k) => [n.cls, k]).filter(x => "
                              "['Meeting', 'Ceasefire', 'Statement'].includes(x[0])).map(x => x[1])")
    assert sorted(i["node"] for i in items if i["status"] is None) == sorted(events)  # one tick per event
    reports = sum(len(n.get("lifecycle", [])) for n in browser.evaluate("kgViz.data.nodes"))
    assert len([i for i in items if i["status"]]) == reports  # and one per dated status report
    assert [i["date"] for i in items] == sorted(i["date"] for i in items)
    assert browser.evaluate("document.querySelectorAll('#kg-timeline-track .kg-tick').length") == len(items)
    assert browser.evaluate("document.getElementById('kg-timeline-start').textContent") == "2023-03-06"
    assert browser.evaluate("document.getElementById('kg-timeline-end').textContent") == "2023-03-10"
    call = browser.evaluate("kgViz.data.nodes.findIndex(n => n.kind === 'call')")
    browser.evaluate(f"document.querySelector('.kg-tick[data-index=\"{call}\"]').click()")
    assert browser.evaluate("kgViz.panelNode") == call
    assert "call" in browser.evaluate("document.getElementById('kg-panel-body').textContent")
    browser.evaluate("kgViz.setDateRange('2023-03-09', '')")
    off = browser.evaluate("[...document.querySelectorAll('.kg-tick')].filter(t => !t.classList.contains('kg-off'))"
                           ".map(t => +t.dataset.index)")
    assert off and call not in off and browser.evaluate("kgViz.timelineTicks") == len(off)


def test_viz_browser_evidence_panel_shows_rules_and_codes(browser, seed_build, tmp_path):
    page = viz.write_page(seed_build, tmp_path / "graph.html", ViewSettings()).path
    _open(browser, page)
    call = browser.evaluate("kgViz.data.nodes.findIndex(n => n.cls === 'Meeting' && n.kind === 'call')")
    rules = browser.evaluate(f"kgViz.data.nodes[{call}].rules")
    assert rules and all("." in r for r in rules)
    browser.evaluate(f"kgViz.select({call})")
    panel = browser.evaluate("document.getElementById('kg-panel-body').textContent")
    assert all(r in panel for r in rules) and "Read by rules" in panel
    assert "CAMEO 041" in panel and "Discuss by telephone" in panel and "PLOVER CONSULT (phone)" in panel
    codes = browser.evaluate("[...document.querySelectorAll('#kg-panel-body .kg-rules code')].map(c => c.textContent)")
    assert codes == rules
    israel = browser.evaluate("kgViz.data.nodes.findIndex(n => n.label === 'Israel')")
    browser.evaluate(f"kgViz.select({israel})")
    panel = browser.evaluate("document.getElementById('kg-panel-body').textContent")
    assert "ISR" in panel and "https://en.wikipedia.org/wiki/Israel" in panel and "http://dbpedia.org/resource/Israel" in panel
    assert browser.evaluate("document.querySelectorAll('#kg-panel-body a').length") == 0  # shown as text, no links


def test_viz_browser_ceasefire_lifecycle_panel(browser, fixture_build, seed_build, lifecycle_fixture, tmp_path):
    page = viz.write_page(fixture_build, tmp_path / "single.html", ViewSettings()).path  # one status, no reports
    _open(browser, page)
    truce = browser.evaluate("kgViz.data.nodes.findIndex(n => n.iri.endsWith('/ceasefire/c1'))")
    browser.evaluate(f"kgViz.select({truce})")
    panel = browser.evaluate("document.getElementById('kg-panel-body').textContent")
    assert "Lifecycle" in panel and "Status: agreed (one status" in panel

    page = viz.write_page(seed_build, tmp_path / "seeds.html", ViewSettings()).path  # a real build's reports
    _open(browser, page)
    for truce in browser.evaluate("kgViz.data.nodes.map((n, k) => [n.cls, k]).filter(x => x[0] === 'Ceasefire')"
                                  ".map(x => x[1])"):
        browser.evaluate(f"kgViz.select({truce})")
        steps = browser.evaluate("[...document.querySelectorAll('#kg-panel-body ol.kg-lifecycle li')]"
                                 ".map(li => li.textContent)")
        lifecycle = browser.evaluate(f"kgViz.data.nodes[{truce}].lifecycle || []")
        assert len(steps) == len(lifecycle)
        for step, (day, status, _, sentence) in zip(steps, lifecycle):
            assert step.startswith(f"{day or 'undated'} · {status or 'status unknown'}") and (sentence or "") in step

    page = viz.write_page(lifecycle_fixture, tmp_path / "lifecycle.html", ViewSettings()).path
    _open(browser, page)
    truce = browser.evaluate("kgViz.data.nodes.findIndex(n => n.iri.endsWith('/ceasefire/c1'))")
    browser.evaluate(f"kgViz.select({truce})")
    steps = browser.evaluate("[...document.querySelectorAll('#kg-panel-body ol.kg-lifecycle li')].map(li => li.textContent)")
    assert len(steps) == 2
    assert steps[0].startswith("2021-05-20 · agreed") and steps[1].startswith("2021-05-21 · violated")
    assert "Israel and Hamas agreed to a ceasefire" in steps[0] and "broken by Egypt" in steps[1]
    reports = [i for i in browser.evaluate("kgViz.timeline()") if i["status"]]
    assert [(i["date"], i["status"]) for i in reports] == [("2021-05-20", "agreed"), ("2021-05-21", "violated")]
    assert browser.evaluate("kgViz.errors") == []


def test_viz_network_reads_status_observations(lifecycle_fixture, fixture_build):
    network = viz.read_network(lifecycle_fixture)
    c1 = str(KGD["ceasefire/c1"])
    assert [(d, s) for d, s, _, _ in network.nodes[c1]["lifecycle"]] == [("2021-05-20", "agreed"), ("2021-05-21", "violated")]
    assert viz.read_network(fixture_build).nodes[c1]["lifecycle"] == ()


@pytest.fixture(scope="module")
def accusation_build(tmp_path_factory) -> Path:
    from kg.pipeline import BuildSettings, build

    folder = tmp_path_factory.mktemp("viz-accusation")
    corpus = folder / "report.jsonl"
    corpus.write_text(json.dumps({"id": "v1", "published": "2023-05-03", "url": "https://news.example.org/v1",
                                  "text": "Sudan and South Sudan agreed to a ceasefire on Monday. On Tuesday Sudan "
                                          "accused South Sudan of violating the ceasefire."}) + "\n", encoding="utf-8")
    build(BuildSettings(inputs=(corpus,), out=folder / "out", progress=False, cache=False, html=False))
    return folder / "out"


def test_viz_browser_accusations_are_drawn(browser, accusation_build, tmp_path):
    page = viz.write_page(accusation_build, tmp_path / "graph.html", ViewSettings()).path
    _open(browser, page)
    k = browser.evaluate("kgViz.data.nodes.findIndex(n => n.cls === 'Accusation')")
    assert k >= 0 and browser.evaluate(f"kgViz.network.body.nodes[{k}].options.shape") == "custom"
    props = {e[2]: browser.evaluate(f"kgViz.data.nodes[{e[1]}].label")
             for e in browser.evaluate("kgViz.data.edges") if e[0] == k}
    assert props["accuser"] == "Sudan" and props["accused"] == "South Sudan" and props["concerns"].startswith("ceasefire")
    browser.evaluate(f"kgViz.select({k})")
    panel = browser.evaluate("document.getElementById('kg-panel-body').textContent")
    assert "CAMEO 112" in panel and "PLOVER ACCUSE (disapprove)" in panel and "Read by rule" in panel
    assert "accused South Sudan of violating" in panel
    assert any(i["node"] == k for i in browser.evaluate("kgViz.timeline()"))
    assert browser.evaluate(CANVAS_INK)["inked"] > 500 and browser.evaluate("kgViz.errors") == []
