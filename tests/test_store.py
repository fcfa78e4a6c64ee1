"""kg load and kg query --endpoint against a real triple store: the Oxigraph server on 127.0.0.1."""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from click.testing import CliRunner

from kg import query as q
from kg import store
from kg.cli import main
from query_support import answers
from kg.errors import EndpointError, GraphNotFound, QueryError

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "queries"
QUERY_FILES = sorted(QUERIES.glob("*.rq"))
DATA = ROOT / "tests" / "data" / "query"
FIXTURE = DATA / "build"
PARAM_CASES = yaml.safe_load((DATA / "param_cases.yaml").read_text(encoding="utf-8"))
KGD = "https://w3id.org/kg-news/id/"
DOC_2021, DOC_2024 = "000_d2de068a82ff7819", "003_bf2bcb9fd38c8bbd"


def _oxigraph() -> str:
    found = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
    if not found:
        pytest.skip("the Oxigraph server is not installed (pip install oxigraph==0.5.13)")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`oxigraph serve` on a free port of 127.0.0.1, stopped by stop()."""

    def __init__(self, location: Path, *, union: bool = True, read_only: bool = False):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [_oxigraph(), "serve-read-only" if read_only else "serve", "--location", str(location),
                "--bind", f"127.0.0.1:{self.port}"] + (["--union-default-graph"] if union else [])
        location.mkdir(parents=True, exist_ok=True)
        self.log = location.parent / f"oxigraph-{self.port}.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"oxigraph exited with {self.process.returncode}: {self.log.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        pytest.fail(f"oxigraph did not listen on {self.url} within 20 s: {self.log.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def dataset(self) -> set[str]:
        """Every quad in the store, through its Graph Store endpoint (N-Quads)."""
        req = urllib.request.Request(self.url + "/store", headers={"Accept": "application/n-quads"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return {str(quad) for quad in ox.parse(resp.read(), format=ox.RdfFormat.N_QUADS)}

    def graph(self, iri: str) -> set[str]:
        req = urllib.request.Request(self.url + "/store?" + urllib.parse.urlencode({"graph": iri}),
                                     headers={"Accept": "application/n-triples"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return {str(t) for t in ox.parse(resp.read(), format=ox.RdfFormat.N_TRIPLES)}

    def put(self, iri: str, ntriples: bytes) -> None:
        req = urllib.request.Request(self.url + "/store?" + urllib.parse.urlencode({"graph": iri}), data=ntriples,
                                     method="PUT", headers={"Content-Type": "application/n-triples"})
        urllib.request.urlopen(req, timeout=30).close()


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
    assert "2 document graphs (2 new, 0 replaced), 196 triples" in text
    assert "entities graph" in text and "50 triples" in text and "warning" not in text


def test_store_load_replaces_a_document_and_touches_nothing_else(server, tmp_path):
    other = b"<urn:x:s> <urn:x:p> <urn:x:o> .\n"
    server.put("urn:x:someone-else", other)
    store.load(FIXTURE, server.url)
    # the same build, with document 003 read differently: one fact fewer
    build = tmp_path / "build"
    build.mkdir()
    dropped = ox.NamedNode("https://w3id.org/kg-news/ontology#dateText")
    quads = [quad for quad in ox.parse(path=str(FIXTURE / "kg.trig"), format=ox.RdfFormat.TRIG)
             if not (quad.graph_name.value.endswith(DOC_2024) and quad.predicate == dropped)]
    ox.serialize(quads, str(build / "kg.trig"), format=ox.RdfFormat.TRIG)
    before_2021 = server.graph(KGD + f"graph/{DOC_2021}")
    report = store.load(build, server.url)
    assert [g.how for g in report.documents] == ["replaced", "replaced"]
    after = server.graph(KGD + f"graph/{DOC_2024}")
    assert after == {t for t in _fixture_graphs()[KGD + f"graph/{DOC_2024}"] if "#dateText>" not in t}
    assert len(after) == len(_fixture_graphs()[KGD + f"graph/{DOC_2024}"]) - 2
    assert server.graph(KGD + f"graph/{DOC_2021}") == before_2021
    assert server.graph("urn:x:someone-else") == {str(t) for t in ox.parse(other, format=ox.RdfFormat.N_TRIPLES)}


def test_store_load_keeps_other_builds_actors(server, tmp_path):
    server.put(KGD + "graph/entities", b'<https://w3id.org/kg-news/id/actor/x> '
                                        b'<http://www.w3.org/2000/01/rdf-schema#label> "X" .\n')
    store.load(FIXTURE, server.url)
    entities = server.graph(KGD + "graph/entities")
    assert any("actor/x>" in t for t in entities) and len(entities) == 51


def test_store_load_warns_without_union_default_graph(tmp_path):
    running = Server(tmp_path / "plain", union=False)
    try:
        text = store.load(FIXTURE, running.url).text()
        assert "warning" in text and "--union-default-graph" in text
        # the queries then see the documents with Oxigraph's per-request switch
        assert q.run_file(QUERIES / "graph_loaded.rq", endpoint=running.url + "/query") == "false\n"
        url = running.url + "/query?union-default-graph"
        assert answers(None, "meetings.rq", endpoint=url) == answers(FIXTURE, "meetings.rq")
    finally:
        running.stop()


def test_store_load_unreachable():
    url = f"http://127.0.0.1:{_free_port()}"
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
