"""Triple stores over HTTP: where a store's services are, one request to them, and ``kg load``.

``kg load`` makes a store hold one build, with the SPARQL 1.1 Graph Store HTTP Protocol: every
named graph of the build -- the entities graph (actors, places, facts) and each document's
graph -- is PUT, so loading again replaces it and leaves no stale fact behind; the document
graphs of an earlier build that this build no longer has are DELETEd; graphs that are not
kg's are not touched. A store holds one build: resolution merges actors and facts across the
documents of a build, so corpora that belong together are built together.
"""
from __future__ import annotations

import base64
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.errors import EndpointError, GraphNotFound
from kg.vocab import KGD

ENTITIES_GRAPH = str(KGD["graph/entities"])
CURATION_GRAPH = str(KGD["graph/curation"])  # only with a curation file (kg.curation)
TIMEOUT_ENV = "KG_ENDPOINT_TIMEOUT"
USER_ENV = "KG_ENDPOINT_USER"
PASSWORD_ENV = "KG_ENDPOINT_PASSWORD"
DEFAULT_TIMEOUT = 300.0
KG_GRAPHS = str(KGD["graph/"])  # kg's named graphs: kgd:graph/entities and kgd:graph/<doc id>


@dataclass(frozen=True)
class Services:
    """The URLs of one store's services: Graph Store Protocol, SPARQL query, SPARQL update."""

    graph_store: str
    query: str
    update: str


# (the URL's path ends with, Graph Store path, query path, update path), relative to the part
# of the URL before that ending. Checked in order; the last row (Oxigraph's layout) is the default.
_LAYOUTS = (
    ("/store", "/store", "/query", "/update"),  # Oxigraph
    ("/query", "/store", "/query", "/update"),  # Oxigraph (query URL given)
    ("/update", "/store", "/query", "/update"),
    ("/data", "/data", "/query", "/update"),  # Fuseki dataset: http://host:3030/ds/data
    ("/sparql", "/sparql-graph-crud-auth", "/sparql", "/sparql"),  # Virtuoso
    ("/sparql-graph-crud-auth", "/sparql-graph-crud-auth", "/sparql", "/sparql"),
    ("/sparql-graph-crud", "/sparql-graph-crud", "/sparql", "/sparql"),
    ("/rdf-graphs/service", "/rdf-graphs/service", "", "/statements"),  # GraphDB, RDF4J
    ("/statements", "/rdf-graphs/service", "", "/statements"),
    ("", "/store", "/query", "/update"),  # a bare base URL: Oxigraph's layout
)


def services(url: str) -> Services:
    """Find a store's services from its base URL or from the URL of one of its services."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise EndpointError(f"the endpoint must be an http(s) URL such as http://127.0.0.1:7878, got {url!r}")
    path = parsed.path.rstrip("/")
    if "/repositories/" in path and not path.endswith(("/rdf-graphs/service", "/statements")):
        repository = parsed._replace(path=path, query="", fragment="").geturl()  # GraphDB, RDF4J
        return Services(repository + "/rdf-graphs/service", url, repository + "/statements")
    for ending, graph_store, query, update in _LAYOUTS:
        if path.endswith(ending):
            base = parsed._replace(path=path[: len(path) - len(ending)], query="", fragment="").geturl()
            return Services(base + graph_store, base + query if query else base, base + update)
    raise AssertionError("unreachable: the last layout matches every path")  # pragma: no cover


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    body: bytes


def _timeout() -> float:
    raw = os.environ.get(TIMEOUT_ENV)
    try:
        return float(raw) if raw else DEFAULT_TIMEOUT
    except ValueError:
        raise EndpointError(f"${TIMEOUT_ENV} must be a number of seconds, got {raw!r}") from None


def _first_line(body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip()
    return (text.splitlines() or [""])[0][:300]


_NOT_FOUND_HINT = {
    "query": "give the SPARQL query URL (Oxigraph: http://HOST:7878/query, Fuseki: http://HOST:3030/DATASET/query)",
    "update": "give the SPARQL query URL; the update URL is found from it (Oxigraph: /query -> /update)",
    "graph store": "give the store's base URL (Oxigraph: http://HOST:7878) or its Graph Store URL "
                   "(Fuseki: http://HOST:3030/DATASET/data)",
}


def request(method: str, url: str, *, body: bytes | None = None, content_type: str | None = None,
            accept: str | None = None, what: str = "the request", service: str = "query",
            refused: type[Exception] = EndpointError, timeout: float | None = 0) -> Response:
    """Send one HTTP request; turn every failure into a one-line EndpointError (``refused`` for HTTP 400).

    ``service`` ("query", "update" or "graph store") picks the advice given when the URL is wrong.
    ``timeout``: seconds to wait (None: no limit; 0: $KG_ENDPOINT_TIMEOUT, else 300).
    Credentials, when the store needs them, come from $KG_ENDPOINT_USER / $KG_ENDPOINT_PASSWORD
    (HTTP basic authentication), never from the command line.
    """
    headers = {"User-Agent": "kg"}
    if content_type:
        headers["Content-Type"] = content_type
    if accept:
        headers["Accept"] = accept
    user = os.environ.get(USER_ENV)
    if user:
        token = f"{user}:{os.environ.get(PASSWORD_ENV, '')}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(token).decode("ascii")
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    where = url.split("?", 1)[0]
    if timeout == 0:
        timeout = _timeout()
    too_slow = (f"{where} did not answer within {timeout:g} s; check the store, or raise "
                f"{'--timeout' if service == 'query' else '$' + TIMEOUT_ENV}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return Response(resp.status, resp.headers.get_content_type(), resp.read())
    except urllib.error.HTTPError as exc:
        detail = _first_line(exc.read() or b"") or exc.reason
        if exc.code == 400:
            raise refused(f"{where} refused {what} (HTTP 400): {detail}") from None
        if exc.code == 401:
            hint = ("check $KG_ENDPOINT_USER and $KG_ENDPOINT_PASSWORD" if user
                    else "set $KG_ENDPOINT_USER and $KG_ENDPOINT_PASSWORD")
            raise EndpointError(f"{where} requires credentials (HTTP 401): {hint}") from None
        if exc.code == 403:
            raise EndpointError(f"{where} refused {what} (HTTP 403 Forbidden): the store may be read-only, "
                                f"or the account may not do that; check the store's permissions") from None
        if exc.code in (404, 405):
            raise EndpointError(f"{where} answered HTTP {exc.code} ({exc.reason}) to {what}: no {service} "
                                f"service there; {_NOT_FOUND_HINT.get(service, 'check the URL')}") from None
        raise EndpointError(f"{where} failed on {what} (HTTP {exc.code} {exc.reason}): {detail}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, ConnectionRefusedError):
            raise EndpointError(f"cannot reach {where}: connection refused; is the triple store running "
                                f"(e.g. `oxigraph serve --location DIR --union-default-graph`)?") from None
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise EndpointError(too_slow) from None
        raise EndpointError(f"cannot reach {where}: {reason}; check the URL and the network") from None
    except TimeoutError:
        raise EndpointError(too_slow) from None
    except OSError as exc:
        raise EndpointError(f"lost the connection to {where}: {exc}; is the store still running?") from None


@dataclass(frozen=True)
class GraphLoad:
    """One named graph sent to the store."""

    graph: str
    triples: int
    how: str  # "new" or "replaced"


@dataclass(frozen=True)
class LoadReport:
    build: Path
    services: Services
    graphs: tuple[GraphLoad, ...]
    removed: tuple[str, ...] = ()  # document graphs of an earlier build, deleted
    skipped_default: int = 0  # triples of the build's default graph, not sent
    union_default_graph: bool | None = None  # None: not checked

    @property
    def documents(self) -> tuple[GraphLoad, ...]:
        return tuple(g for g in self.graphs if g.graph not in (ENTITIES_GRAPH, CURATION_GRAPH))

    def text(self) -> str:
        docs = self.documents
        new = sum(g.how == "new" for g in docs)
        lines = [
            f"loaded {self.build} into {self.services.graph_store}",
            f"  {len(docs)} document graphs ({new} new, {len(docs) - new} replaced), "
            f"{sum(g.triples for g in docs)} triples",
        ]
        lines += [f"  entities graph <{g.graph}> ({g.how}), {g.triples} triples"
                  for g in self.graphs if g.graph == ENTITIES_GRAPH]
        lines += [f"  curation graph <{g.graph}> ({g.how}), {g.triples} triples"
                  for g in self.graphs if g.graph == CURATION_GRAPH]
        if self.removed:
            lines.append(f"  {len(self.removed)} document graph(s) of an earlier build removed (not in this build)")
        if self.skipped_default:
            lines.append(f"  {self.skipped_default} triples of the build's default graph were not sent "
                         f"(kg load writes named graphs only)")
        lines.append(f"  queries: kg query NAME --endpoint {self.services.query}")
        if self.union_default_graph is False:
            lines.append("  note: this store's default graph is not the union of its named graphs: kg's queries "
                         "name their graphs and work; a query of your own needs GRAPH patterns too")
        return "\n".join(lines)


def _build_dataset(graph_dir: Path) -> Path:
    trig = Path(graph_dir) / "kg.trig"
    if not trig.is_file():
        raise GraphNotFound(f"no build in {graph_dir} (kg.trig is missing): run `kg build ARTICLES --out "
                            f"{graph_dir}` first")
    return trig


def _graph_url(service: str, graph: str) -> str:
    return service + "?" + urllib.parse.urlencode({"graph": graph})


def load(graph_dir: Path, endpoint: str) -> LoadReport:
    """Make the store at ``endpoint`` hold the build in ``graph_dir``: each named graph replaced,
    the document graphs of documents no longer in the build removed."""
    trig = _build_dataset(graph_dir)
    where = services(endpoint)
    graphs: dict[str, list[ox.Triple]] = {}
    skipped = 0
    try:
        for quad in ox.parse(path=str(trig), format=ox.RdfFormat.TRIG):
            if isinstance(quad.graph_name, ox.DefaultGraph):
                skipped += 1
                continue
            graphs.setdefault(quad.graph_name.value, []).append(quad.triple)
    except SyntaxError as exc:
        raise GraphNotFound(f"{trig} cannot be read ({exc}): rebuild it with `kg build ... --out {graph_dir}`") \
            from None
    # Documents first, the entities graph after them, stale documents last: a load that fails
    # midway leaves a mix of the two builds, which loading again (every graph is replaced) repairs.
    order = sorted(graphs, key=lambda g: (g == ENTITIES_GRAPH, g))
    loaded = []
    for graph in order:
        triples = graphs[graph]
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        resp = request("PUT", _graph_url(where.graph_store, graph), body=body, content_type="application/n-triples",
                       what=f"the graph <{graph}>", service="graph store")
        loaded.append(GraphLoad(graph, len(triples), "new" if resp.status == 201 else "replaced"))
    stale = sorted(g for g in _ask_rows(where, "document_graphs.rq", "graph")
                   if g.startswith(KG_GRAPHS) and g not in graphs)
    for graph in stale:
        request("DELETE", _graph_url(where.graph_store, graph), what=f"the graph <{graph}>", service="graph store")
    if not _ask(where, "graph_loaded.rq"):
        raise EndpointError(f"{where.graph_store} accepted the graphs, but {where.query} does not find them: is "
                            f"that the query service of the same store?")
    return LoadReport(Path(graph_dir), where, tuple(loaded), tuple(stale), skipped,
                      _ask(where, "default_graph_sees_documents.rq"))


def _sparql(name: str) -> str:
    from importlib import resources

    if name == "graph_loaded.rq":  # the library's own check, the one users run first
        from kg.query import library

        return (library() / "graph_loaded.rq").read_text(encoding="utf-8")
    return (resources.files("kg") / "sparql" / name).read_text(encoding="utf-8")


def _results(where: Services, name: str):
    body = urllib.parse.urlencode({"query": _sparql(name)}).encode()
    resp = request("POST", where.query, body=body, content_type="application/x-www-form-urlencoded",
                   accept="application/sparql-results+json", what=f"the check query {name}")
    form = ox.QueryResultsFormat.from_media_type(resp.content_type)
    if form is None:
        raise EndpointError(f"{where.query} answered with {resp.content_type}, not SPARQL query results; "
                            f"is it a SPARQL store (Oxigraph: http://HOST:7878)?")
    try:
        result = ox.parse_query_results(resp.body, form)
        return bool(result) if isinstance(result, ox.QueryBoolean) else [dict(
            (v.value, s[v.value]) for v in result.variables) for s in result]
    except (SyntaxError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EndpointError(f"{where.query} sent results that cannot be read ({first}); is it a SPARQL "
                            f"store?") from None


def _ask(where: Services, name: str) -> bool:
    answer = _results(where, name)
    if not isinstance(answer, bool):
        raise EndpointError(f"{where.query} answered an ASK query with rows; is it a SPARQL store?")
    return answer


def _ask_rows(where: Services, name: str, column: str) -> list[str]:
    answer = _results(where, name)
    if isinstance(answer, bool):
        raise EndpointError(f"{where.query} answered a SELECT query with a boolean; is it a SPARQL store?")
    return [row[column].value for row in answer if isinstance(row.get(column), ox.NamedNode)]
