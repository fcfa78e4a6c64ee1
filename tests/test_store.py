"""kg load and kg query --endpoint against a real triple store: the Oxigraph server on 127.0.0.1."""
from __future__ import annotations

import http.server
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from click.testing import CliRunner
from query_support import Server, answers, free_port, http_server

from kg import query as q
from kg import store
from kg.cli import main
from kg.errors import EndpointError, GraphNotFound, QueryError

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "queries"
QUERY_FILES = sorted(QUERIES.glob("*.rq"))
DATA = ROOT / "tests" / "data" / "query"
FIXTURE = DATA / "build"
PARAM_CASES = yaml.safe_load((DATA / "param_cases.yaml").read_text(encoding="utf-8"))
KGD = "https://w3id.org/kg-news/id/"
DOC_2021, DOC_2024 = "000_d2de068a82ff7819", "003_bf2bcb9fd38c8bbd"


@pytest.fixture
def server(tmp_path):
    running = Server(tmp_path / "oxigraph")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def seed_store(seed_build, tmp_path_factory):
    """An Oxigraph server (union default graph) holding the seed build, loaded with `kg load`."""
    running = Server(tmp_path_factory.mktemp("seed-store") / "oxigraph")
    result = CliRunner().invoke(main, ["load", "--graph", str(seed_build), "--endpoint", running.url])
    assert result.exit_code == 0, result.output
    yield running
    running.stop()


# --- end to end: kg load, then every query through --endpoint ---------------------------------------

CASES = [(p.name, ()) for p in QUERY_FILES] + [(c["query"], tuple(c["params"])) for c in PARAM_CASES]


@pytest.mark.slow
@pytest.mark.parametrize("name,params", CASES, ids=[f"{n}{'+' if p else ''}{','.join(p)[:30]}" for n, p in CASES])
def test_store_endpoint_answers_equal_local(name, params, seed_store, seed_build):
    remote = answers(None, name, params, endpoint=seed_store.url + "/query")
    assert remote == answers(seed_build, name, params)
    if name == "meetings.rq" and not params:
        assert len(remote[1]) >= 3


@pytest.mark.slow
def test_store_endpoint_output_is_the_same_text(seed_store, seed_build):
    for fmt in q.FORMATS:
        local = q.run_file(QUERIES / "ceasefires.rq", graph_dir=seed_build, fmt=fmt)
        remote = q.run_file(QUERIES / "ceasefires.rq", endpoint=seed_store.url + "/query", fmt=fmt)
        assert remote == local


@pytest.mark.slow
def test_store_load_twice_changes_nothing(seed_store, seed_build):
    before = seed_store.dataset()
    result = CliRunner().invoke(main, ["load", "--graph", str(seed_build), "--endpoint", seed_store.url])
    assert result.exit_code == 0, result.output
    assert "2 document graphs (0 new, 2 replaced)" in result.stdout
    assert seed_store.dataset() == before


@pytest.mark.slow
def test_store_cli_query_through_endpoint(seed_store):
    result = CliRunner().invoke(main, ["query", str(QUERIES / "actor_meetings.rq"), "--endpoint",
                                       seed_store.url + "/query", "--param", "actor=Gabi Ashkenazi"])
    assert result.exit_code == 0, result.output
    assert "Antony Blinken" in result.stdout and "(1 row)" in result.stdout


# --- kg load ------------------------------------------------------------------------------------------

def _fixture_graphs() -> dict[str, set[str]]:
    """The build's graphs as an Oxigraph store keeps them (it stores xsd:nonNegativeInteger as xsd:integer)."""
    local = ox.Store()
    local.load(path=str(FIXTURE / "kg.trig"), format=ox.RdfFormat.TRIG)
    graphs: dict[str, set[str]] = {}
    for quad in local:
        graphs.setdefault(quad.graph_name.value, set()).add(str(quad.triple))
    return graphs


def test_store_load_one_named_graph_per_document(server):
    report = store.load(FIXTURE, server.url)
    expected = _fixture_graphs()
    assert {g.graph for g in report.graphs} == set(expected) == {
        KGD + f"graph/{DOC_2021}", KGD + f"graph/{DOC_2024}", KGD + "graph/entities"}
    for iri, triples in expected.items():
        assert server.graph(iri) == triples
    text = report.text()
    assert "2 document graphs (2 new, 0 replaced), 114 triples" in text
    assert "entities graph" in text and "(new), 146 triples" in text and "note" not in text


def _without(build: Path, *, fact: str | None = None, document: str | None = None) -> Path:
    """The fixture build read differently: without one fact (and its evidence), or without one document."""
    build.mkdir()
    kept = []
    for quad in ox.parse(path=str(FIXTURE / "kg.trig"), format=ox.RdfFormat.TRIG):
        if fact and fact in (quad.subject.value, getattr(quad.object, "value", None)):
            continue
        if document and quad.graph_name.value.endswith(document):
            continue
        kept.append(quad)
    ox.serialize(kept, str(build / "kg.trig"), format=ox.RdfFormat.TRIG)
    return build


def test_store_reload_leaves_no_stale_fact_and_touches_nothing_else(server, tmp_path):
    other = b"<urn:x:s> <urn:x:p> <urn:x:o> .\n"
    server.put("urn:x:someone-else", other)
    store.load(FIXTURE, server.url)
    # the same build, with the 2024 visit read differently: gone from the entities graph and from document 003
    visit = next(t.split(" ")[0][1:-1] for t in _fixture_graphs()[KGD + "graph/entities"] if "visit: Antony Blinken" in t)
    build = _without(tmp_path / "build", fact=visit)
    before_2021 = server.graph(KGD + f"graph/{DOC_2021}")
    report = store.load(build, server.url)
    assert [g.how for g in report.graphs] == ["replaced", "replaced", "replaced"]
    assert not any(visit in t for t in server.dataset())  # no stale fact, nor a stale evidence link
    assert server.graph(KGD + "graph/entities") == _fixture_graphs()[KGD + "graph/entities"] - {
        t for t in _fixture_graphs()[KGD + "graph/entities"] if visit in t}
    assert server.graph(KGD + f"graph/{DOC_2021}") == before_2021
    assert server.graph("urn:x:someone-else") == {str(t) for t in ox.parse(other, format=ox.RdfFormat.N_TRIPLES)}
    assert answers(None, "meetings.rq", endpoint=server.url + "/query") == answers(build, "meetings.rq")


def test_store_load_removes_the_documents_of_an_earlier_build(server, tmp_path):
    store.load(FIXTURE, server.url)
    other = b"<urn:x:s> <urn:x:p> <urn:x:o> .\n"
    server.put("urn:x:someone-else", other)
    build = _without(tmp_path / "build", document=DOC_2024)
    result = CliRunner().invoke(main, ["load", "--graph", str(build), "--endpoint", server.url])
    assert result.exit_code == 0, result.output
    assert "1 document graph(s) of an earlier build removed" in result.stdout
    assert server.graphs() == {KGD + "graph/entities", KGD + f"graph/{DOC_2021}", "urn:x:someone-else"}
    assert answers(None, "document_counts.rq", endpoint=server.url + "/query") == answers(build, "document_counts.rq")


@pytest.mark.parametrize("union", [True, False], ids=["union-default-graph", "plain-default-graph"])
def test_store_queries_need_no_union_default_graph(tmp_path, union):
    running = Server(tmp_path / "store", union=union)
    try:
        text = store.load(FIXTURE, running.url).text()
        assert ("default graph is not the union" in text) is not union
        endpoint = running.url + "/query"
        for path in QUERY_FILES:
            assert answers(None, path.name, endpoint=endpoint) == answers(FIXTURE, path.name), path.name
    finally:
        running.stop()


class _HtmlPage(http.server.BaseHTTPRequestHandler):
    """A web server that answers every request with an HTML page (a proxy's login page, a wrong port)."""

    page = b"<!doctype html><html><body><h1>Welcome</h1></body></html>"

    def _answer(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.page)))
        self.end_headers()
        self.wfile.write(self.page)

    do_GET = do_POST = do_PUT = do_DELETE = _answer  # noqa: N815 - http.server's names

    def log_message(self, *args):
        pass


@pytest.fixture
def html_server():
    with http_server(_HtmlPage) as url:
        yield url


def test_store_load_into_a_server_answering_html_is_one_line(html_server):
    result = CliRunner().invoke(main, ["load", "--graph", str(FIXTURE), "--endpoint", html_server])
    assert result.exit_code == EndpointError.exit_code, result.output
    assert result.stderr.startswith("kg: error: ") and result.stderr.count("\n") == 1
    assert "text/html" in result.stderr and "SPARQL" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_store_load_unreachable():
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(EndpointError, match="connection refused; is the triple store running"):
        store.load(FIXTURE, url)
    result = CliRunner().invoke(main, ["load", "--graph", str(FIXTURE), "--endpoint", url])
    assert result.exit_code == EndpointError.exit_code
    assert result.stderr.startswith("kg: error: cannot reach") and result.stderr.count("\n") == 1


def test_store_load_refused_by_a_read_only_store(tmp_path):
    (tmp_path / "ro").mkdir()
    ox.Store(str(tmp_path / "ro")).flush()  # an empty store for the read-only server to open
    running = Server(tmp_path / "ro", read_only=True)
    try:
        with pytest.raises(EndpointError, match=r"refused the graph .* \(HTTP 403 Forbidden\): the store may be "
                                                r"read-only"):
            store.load(FIXTURE, running.url)
    finally:
        running.stop()


def test_store_load_wrong_url(server):
    with pytest.raises(EndpointError, match=r"HTTP 404 .* no graph store service there; give the store's base URL"):
        store.load(FIXTURE, server.url + "/nothing/here")


def test_store_load_needs_a_build(tmp_path, server):
    with pytest.raises(GraphNotFound, match=r"run `kg build ARTICLES --out"):
        store.load(tmp_path, server.url)


# --- queries and updates on an endpoint ---------------------------------------------------------------

def test_store_query_endpoint_errors(server):
    with pytest.raises(EndpointError, match="no query service there"):
        q.run_file(QUERIES / "meetings.rq", endpoint=server.url + "/nothing")
    bad = ROOT / "tests" / "data" / "query" / "bad_syntax.rq"
    with pytest.raises(QueryError, match=r"bad_syntax.rq:5:3: syntax error at 'FILTER \(\?status = \)'"):
        q.run_file(bad, endpoint=server.url + "/query")


def test_store_update_on_endpoint_only_when_allowed(server, tmp_path):
    store.load(FIXTURE, server.url)
    path = tmp_path / "delete.rq"
    path.write_text("PREFIX kg: <https://w3id.org/kg-news/ontology#>\n"
                    "DELETE WHERE { GRAPH ?g { ?m a kg:Meeting } }\n", encoding="utf-8")
    endpoint = server.url + "/query"
    before = server.dataset()
    with pytest.raises(QueryError, match="--allow-update"):
        q.run_file(path, endpoint=endpoint)
    assert server.dataset() == before
    assert "applied" in q.run_file(path, endpoint=endpoint, allow_update=True)
    assert answers(None, "meetings.rq", endpoint=endpoint)[1] == []


@pytest.mark.parametrize("url,expected", [
    ("http://h:7878", ("http://h:7878/store", "http://h:7878/query", "http://h:7878/update")),
    ("http://h:7878/", ("http://h:7878/store", "http://h:7878/query", "http://h:7878/update")),
    ("http://h:7878/query", ("http://h:7878/store", "http://h:7878/query", "http://h:7878/update")),
    ("http://h:3030/ds/data", ("http://h:3030/ds/data", "http://h:3030/ds/query", "http://h:3030/ds/update")),
    ("http://h:7200/repositories/kg", ("http://h:7200/repositories/kg/rdf-graphs/service",
                                       "http://h:7200/repositories/kg", "http://h:7200/repositories/kg/statements")),
    ("http://h:8890/sparql", ("http://h:8890/sparql-graph-crud-auth", "http://h:8890/sparql",
                              "http://h:8890/sparql")),
])
def test_store_services_found_from_the_url(url, expected):
    assert store.services(url) == store.Services(*expected)


def test_store_services_need_http():
    with pytest.raises(EndpointError, match="http"):
        store.services("ftp://h/store")
