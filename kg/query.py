"""SPARQL files -> results, on the local build (an embedded store) or on a SPARQL 1.1 endpoint.

A query file opens with a comment header that ``kg query --list`` reads::

    # title: Who met whom
    # answers: Every meeting with its participants, ...
    #   (a line indented under a key continues it)
    # param: status  iri  kg:planned, kg:occurred or kg:cancelled
    # example: kg query queries/meetings.rq --param status=kg:occurred

A parameter is a plain ``?variable`` of the query's results; ``--param name=value`` binds it
through the engine's own bindings (pyoxigraph substitutions, rdflib ``initBindings``) and, on
an endpoint, through a trailing ``VALUES`` block written from the serialised RDF term (the
SPARQL protocol's only way to send a binding). Left unbound, a parameter means "all". A
parameter of kind ``name`` names an actor by its label or any other name, in any case: kg
looks the value up among the actors' names (``kg/sparql/names.rq``) and binds the label.

The queries name the graphs they read (``GRAPH graph:entities { ... }``, ``GRAPH ?graph``:
docs/graph-shape.md), so they give the same answers whether a store's default graph is the
union of its named graphs or not. Local queries also see the union as the default graph.

A local query runs in a child process (on Linux) that is stopped when it runs longer than its
timeout or grows beyond its memory allowance; at most ``limit`` rows are read from the engine.
A query whose SERVICE clause would make the engine send requests elsewhere is refused unless
it is allowed.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import json
import multiprocessing
import os
import re
import sys
import time
import types
import urllib.parse
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg import store as stores
from kg.errors import EndpointError, GraphNotFound, KgError, QueryError
from kg.vocab import PREFIXES

FORMATS = ("table", "csv", "tsv", "json", "xml")
ENGINES = ("oxigraph", "rdflib")
QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")
PARAM_KINDS = ("iri", "literal", "name", "date", "integer")
CELL_MAX = 60  # a table cell longer than this is cut (the other formats keep everything)
DEFAULT_TIMEOUT = 60.0  # seconds a query may run
DEFAULT_LIMIT = 10_000  # rows (or triples) read from the engine
MEMORY_ENV = "KG_QUERY_MEMORY_MB"
DEFAULT_MEMORY_MB = 4096  # what a local query may add to its process's memory

_RESULT_FORMATS = {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV,
                   "json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML}
_GRAPH_FORMATS = {"table": ox.RdfFormat.TURTLE, "json": ox.RdfFormat.JSON_LD, "xml": ox.RdfFormat.RDF_XML}
_GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
_RESULTS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.5"
_NAMESPACES = {prefix: str(ns) for prefix, ns in PREFIXES.items()}
# Turtle output: prefixes whose local names need no escaping ("kgd:meeting/1a2b" would print as
# "kgd:meeting\/1a2b"; "span:DOC/120-264" likewise), so kgd: and span: are left out.
_TURTLE_PREFIXES = {p: ns for p, ns in _NAMESPACES.items()
                    if p in ("kg", "nif", "dcterms", "rdfs", "skos", "xsd", "rdf", "doc", "actor", "place", "role",
                             "meeting", "statement", "ceasefire", "graph")}
_XSD = _NAMESPACES["xsd"]
_XSD_STRING = _XSD + "string"
_KG_GRAPHS = _NAMESPACES["graph"]

_HEADER_LINE = re.compile(r"#\s?(title|answers|param|example):\s*(.*)$")
_CONTINUATION = re.compile(r"#\s{2,}(\S.*)$")
_PROLOGUE = re.compile(r"\s+|#[^\n]*|BASE\s*<[^>]*>|PREFIX\s+[^\s:]*:\s*<[^>]*>", re.IGNORECASE)
_VARIABLE = re.compile(r"[?$]([A-Za-z_][A-Za-z0-9_]*)")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}$")
_PREFIXED = re.compile(r"([A-Za-z][\w-]*):(\S*)$")
_ERROR_AT = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)
# Only consulted when rdflib cannot parse a query (so its parse tree cannot say): a SERVICE or
# LOAD keyword outside comments.
_REMOTE_WORD = re.compile(r"^[^#]*?\b(SERVICE|LOAD)\b", re.IGNORECASE | re.MULTILINE)


# --- the query library ----------------------------------------------------------------------------

def library() -> Path:
    """The folder of the query files shipped with kg: ``kg/queries`` in a wheel, ``queries/`` in a checkout."""
    from importlib import resources

    packaged = Path(str(resources.files("kg"))) / "queries"
    for folder in (packaged, Path(__file__).resolve().parents[1] / "queries"):
        if folder.is_dir() and any(folder.glob("*.rq")):
            return folder
    raise QueryError(f"kg's query library is missing (no .rq files in {packaged}): reinstall kg")


def _internal(name: str) -> str:
    """The text of one of kg's own queries (``kg/sparql/NAME``)."""
    from importlib import resources

    return (resources.files("kg") / "sparql" / name).read_text(encoding="utf-8")


def find_query(spec: str | Path) -> Path:
    """A query file: ``spec`` itself when it is a file, else the library's query of that name
    (``meetings``, ``meetings.rq`` or ``queries/meetings.rq`` from any folder)."""
    path = Path(spec)
    if path.is_file():
        return path
    stem = path.name[:-3] if path.name.endswith(".rq") else path.name
    if stem and not path.suffix or path.suffix == ".rq":
        candidate = library() / f"{stem}.rq"
        if candidate.is_file():
            return candidate
    names = sorted(p.stem for p in library().glob("*.rq"))
    close = difflib.get_close_matches(stem, names, n=3)
    hint = f" (close: {', '.join(close)})" if close else ""
    raise QueryError(f"no query file {spec}{hint}: `kg query --list` shows the queries shipped with kg; "
                     f"run one by name (kg query meetings) or give the path of your own .rq file")


# --- query files ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Param:
    """A parameter a query file documents: ``# param: NAME KIND description``."""

    name: str
    kind: str | None  # one of PARAM_KINDS, None when the header does not say
    doc: str


@dataclass(frozen=True)
class QueryFile:
    """A ``.rq`` file: its text and what its comment header says about it."""

    path: Path
    text: str
    title: str
    answers: str
    params: tuple[Param, ...]
    examples: tuple[str, ...]

    @property
    def form(self) -> str:
        """SELECT, CONSTRUCT, DESCRIBE, ASK, or UPDATE (for INSERT, DELETE, LOAD, CLEAR, DROP, ...)."""
        return query_form(self.text)

    @property
    def variables(self) -> frozenset[str]:
        body = "\n".join(line for line in self.text.splitlines() if not line.lstrip().startswith("#"))
        return frozenset(_VARIABLE.findall(body))

    def kind(self, name: str) -> str | None:
        return next((p.kind for p in self.params if p.name == name), None)


def read_query(path: Path) -> QueryFile:
    """Read a query file and its comment header."""
    path = Path(path)
    if not path.is_file():
        raise QueryError(f"no query file {path}: `kg query --list` shows the queries shipped with kg")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryError(f"cannot read {path}: {exc}") from None
    fields: dict[str, list[str]] = {"title": [], "answers": [], "param": [], "example": []}
    last: str | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        if m := _HEADER_LINE.match(stripped):
            last = m.group(1)
            fields[last].append(m.group(2).strip())
        elif (m := _CONTINUATION.match(line.rstrip())) and last in ("answers", "param", "title"):
            fields[last][-1] += " " + m.group(1).strip()
        else:
            last = None
    params = []
    for spec in fields["param"]:
        name, _, rest = spec.partition(" ")
        word, _, doc = rest.strip().partition(" ")
        kind: str | None = word
        if word not in PARAM_KINDS:
            kind, doc = None, rest.strip()
        params.append(Param(name, kind, doc.strip()))
    return QueryFile(path, text, " ".join(fields["title"]) or path.stem, " ".join(fields["answers"]),
                     tuple(params), tuple(fields["example"]))


def query_form(text: str) -> str:
    """The query's form, read past the prologue (comments, BASE, PREFIX): SELECT ... or UPDATE."""
    pos = 0
    while (m := _PROLOGUE.match(text, pos)) and m.end() > pos:
        pos = m.end()
    word = re.match(r"[A-Za-z]+", text[pos:])
    keyword = word.group(0).upper() if word else ""
    return "UPDATE" if keyword in UPDATE_WORDS else keyword


def list_queries(folder: Path | None = None) -> str:
    """A table of query files: kg's library (each with the name that runs it), or those in ``folder``."""
    shipped = folder is None
    folder = library() if folder is None else Path(folder)
    if folder.is_file():
        files = [folder]
    elif folder.is_dir():
        files = sorted(folder.glob("*.rq"))
    else:
        raise QueryError(f"no folder {folder}: `kg query --list` lists the queries shipped with kg")
    if not files:
        raise QueryError(f"no .rq files in {folder}")
    rows = []
    for path in files:
        q = read_query(path)
        params = ", ".join(f"{p.name} ({p.kind})" if p.kind else p.name for p in q.params) or "-"
        rows.append((path.stem if shipped else str(path), q.title, params))
    table = _render_table(("query", "title", "parameters"), rows, cut=False)
    if shipped:
        table = (f"queries shipped with kg, in {folder}: run one by name (kg query meetings), "
                 f"or copy its file and adapt it\n\n" + table)
    return table


# --- parameters ---------------------------------------------------------------------------------

Term = ox.NamedNode | ox.Literal


def parse_params(specs, query: QueryFile) -> dict[str, Term]:
    """``NAME=VALUE`` strings -> RDF terms, typed by the query's header or else by their look."""
    declared = {p.name: p for p in query.params}
    bindings: dict[str, Term] = {}
    for spec in specs:
        name, sep, value = spec.partition("=")
        name = name.strip().lstrip("?$")
        if not sep or not _NAME.match(name):
            raise QueryError(f"--param expects NAME=VALUE (e.g. actor=\"Antony Blinken\"), got {spec!r}")
        if name not in query.variables:
            documented = ", ".join(declared) or "none"
            raise QueryError(f"?{name} is not a variable of {query.path} (its parameters: {documented})")
        if name in bindings:
            raise QueryError(f"--param {name} is given twice")
        kind = declared[name].kind if name in declared else None
        bindings[name] = _term(name, value, kind)
    return bindings


def _term(name: str, value: str, kind: str | None) -> Term:
    if kind is None:
        if value.startswith("<") and value.endswith(">") or (m := _PREFIXED.match(value)) and m.group(1) in _NAMESPACES:
            kind = "iri"
        elif _DATE.match(value):
            kind = "date"
        else:
            kind = "literal"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise QueryError(f"--param {name}: {value!r} is not valid text (it holds a lone surrogate)") from None
    if kind in ("literal", "name"):
        return ox.Literal(value)
    if kind == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise QueryError(f"--param {name} expects a date YYYY-MM-DD, got {value!r}") from None
        return ox.Literal(value, datatype=ox.NamedNode(_XSD + "date"))
    if kind == "integer":
        if not re.fullmatch(r"[+-]?\d+", value):
            raise QueryError(f"--param {name} expects an integer, got {value!r}")
        return ox.Literal(value, datatype=ox.NamedNode(_XSD + "integer"))
    iri = value[1:-1] if value.startswith("<") and value.endswith(">") else value
    if (m := _PREFIXED.match(iri)) and m.group(1) in _NAMESPACES:
        iri = _NAMESPACES[m.group(1)] + m.group(2)
    elif not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:\S+$", iri):
        raise QueryError(f"--param {name} expects an IRI: <https://...>, or a prefixed name as the table "
                         f"shows it (kg:occurred, meeting:1a2b...), got {value!r}")
    try:
        return ox.NamedNode(iri)
    except ValueError as exc:
        raise QueryError(f"--param {name}: {value!r} is not a valid IRI ({exc})") from None


# --- what a run returns -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Limits:
    """Bounds on one query: seconds, rows (or triples) read, memory added, in MB (0: no bound)."""

    timeout: float = DEFAULT_TIMEOUT
    rows: int = DEFAULT_LIMIT
    memory_mb: int = DEFAULT_MEMORY_MB

    @classmethod
    def from_environment(cls, timeout: float = DEFAULT_TIMEOUT, rows: int = DEFAULT_LIMIT) -> Limits:
        raw = os.environ.get(MEMORY_ENV)
        try:
            memory = int(raw) if raw else DEFAULT_MEMORY_MB
        except ValueError:
            raise QueryError(f"${MEMORY_ENV} must be a number of megabytes, got {raw!r}") from None
        if timeout < 0 or rows < 0 or memory < 0:
            raise QueryError("the timeout, the row limit and the memory allowance cannot be negative (0: no bound)")
        return cls(timeout, rows, memory)


@dataclass(frozen=True)
class _Answer:
    """An evaluated query, ready to cross a process boundary: results as SPARQL JSON (SELECT, ASK)
    or N-Triples (CONSTRUCT, DESCRIBE), how many rows or triples, whether the limit cut them."""

    form: str
    data: bytes
    count: int
    truncated: bool
    notes: tuple[str, ...]


@dataclass(frozen=True)
class QueryOutput:
    """What `kg query` prints: the results as text, and notes for stderr (the caller prints them)."""

    text: str
    notes: tuple[str, ...]
    count: int | None  # rows or triples; None for ASK
    truncated: bool


# --- running --------------------------------------------------------------------------------------

def run_file(path, **kwargs) -> str:
    """Run the query in ``path`` and return the results as text (see :func:`execute`)."""
    return execute(path, **kwargs).text


def execute(path, *, graph_dir: Path = Path("exports"), endpoint: str | None = None, params=(),
            fmt: str = "table", allow_update: bool = False, allow_service: bool = False,
            engine: str = "oxigraph", timeout: float = DEFAULT_TIMEOUT, limit: int = DEFAULT_LIMIT) -> QueryOutput:
    """Run the query in ``path`` (a file, or the name of a query of the library) on the local build
    in ``graph_dir`` or on ``endpoint``; return it formatted as ``fmt``, with notes for the user."""
    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if engine not in ENGINES:
        raise QueryError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")
    limits = Limits.from_environment(timeout, limit)
    query = read_query(find_query(path))
    bindings = parse_params(params, query)
    form = query.form
    service = remote_service(query.text)
    if service and not allow_service:
        raise QueryError(f"{query.path} calls another endpoint (SERVICE {service}): refused, as the engine would "
                         f"send requests from here to that address; run it again with --allow-service if you trust it")
    if form == "UPDATE":
        if not allow_update:
            raise QueryError(f"{query.path} changes data (INSERT/DELETE/LOAD/CLEAR/DROP ...): refused; "
                             f"run it again with --allow-update if that is what you want")
        if bindings:
            raise QueryError("--param applies to queries, not to updates")
        return QueryOutput(_update(query, graph_dir, endpoint), (), None, False)
    if form not in QUERY_FORMS:
        _raise_syntax(query, _parse_error(query.text))
        raise QueryError(f"{query.path}: not a SPARQL query (it should start with SELECT, CONSTRUCT, "
                         f"DESCRIBE or ASK after its PREFIX lines)")
    if form in ("CONSTRUCT", "DESCRIBE") and fmt in ("csv", "tsv"):
        raise QueryError(f"{query.path} is a {form} query: it returns a graph, printed as Turtle "
                         f"(or JSON-LD with --format json, RDF/XML with --format xml), not {fmt}")
    if endpoint:
        answer = _evaluate(query, bindings, _Endpoint(endpoint, limits.timeout, query), limits)
    else:
        graph_dir = Path(graph_dir)
        if engine == "rdflib":
            _raise_syntax(query, _parse_error(query.text))  # the same message as with pyoxigraph
            source = _trig(graph_dir)
            answer = _isolated(query, limits, lambda ready: _evaluate(
                query, bindings, _Rdflib.load(source, ready), limits))
        else:
            _local_source(graph_dir)  # a missing build is reported before a process starts
            answer = _isolated(query, limits, lambda ready: _evaluate(
                query, bindings, _Oxigraph(open_local(graph_dir), ready), limits))
    try:
        text = render(_results(answer), fmt)
    except (OSError, RuntimeError, SyntaxError) as exc:
        raise QueryError(f"{query.path}: its results cannot be written as {fmt}: {exc}") from None
    return QueryOutput(text, answer.notes, None if answer.form == "ASK" else answer.count, answer.truncated)


def _results(answer: _Answer):
    """The answer as pyoxigraph results (what :func:`render` writes)."""
    if answer.form in ("CONSTRUCT", "DESCRIBE"):
        return list(ox.parse(answer.data, format=ox.RdfFormat.N_TRIPLES))
    return ox.parse_query_results(answer.data, format=ox.QueryResultsFormat.JSON)


def open_local(graph_dir: Path, *, writable: bool = False) -> ox.Store:
    """The build's graph in a pyoxigraph store: ``DIR/store/`` when there is one, else ``kg.trig``."""
    graph_dir = Path(graph_dir)
    on_disk = graph_dir / "store"
    if on_disk.is_dir():
        try:
            return ox.Store(str(on_disk)) if writable else ox.Store.read_only(str(on_disk))
        except OSError as exc:
            raise GraphNotFound(f"cannot open the store {on_disk}: {exc}") from None
    if writable:
        raise QueryError(f"updates change a store, and the build in {graph_dir} has none (its files are not "
                         f"changed by queries): `kg load --endpoint URL` it and run the update there with "
                         f"--endpoint, or build with `--store`")
    source = _trig(graph_dir)
    store = ox.Store()
    try:
        store.bulk_load(path=str(source), format=ox.RdfFormat.TRIG)
    except SyntaxError as exc:
        raise GraphNotFound(f"{source} cannot be read ({exc}): rebuild with `kg build ... --out {graph_dir}`") \
            from None
    return store


def _local_source(graph_dir: Path) -> Path:
    return graph_dir / "store" if (graph_dir / "store").is_dir() else _trig(graph_dir)


def _trig(graph_dir: Path) -> Path:
    """The build's ``kg.trig``: its named graphs are what the queries read."""
    trig = Path(graph_dir) / "kg.trig"
    if trig.is_file():
        return trig
    if (Path(graph_dir) / "store").is_dir():
        raise GraphNotFound(f"{graph_dir} holds an Oxigraph store but no kg.trig, which rdflib reads: "
                            f"use --engine oxigraph")
    if any((Path(graph_dir) / name).is_file() for name in ("kg.nt", "kg.ttl")):
        raise GraphNotFound(f"{graph_dir} has no kg.trig (the queries read its named graphs; kg.nt and kg.ttl "
                            f"hold only their union): rebuild with `kg build ARTICLES --out {graph_dir}`")
    raise GraphNotFound(f"no build in {graph_dir}: run `kg build ARTICLES --out {graph_dir}` first "
                        f"(or point --graph at a build folder)")


# --- engines: run a query text with bindings, give rows ---------------------------------------------

class _Engine:
    """One place queries run: ``run`` gives variables and rows (SELECT), a bool (ASK) or triples."""

    def __init__(self) -> None:
        self.names: list[tuple[str, str]] | None = None  # (label, name) of every actor, read once

    def run(self, text: str, bindings: dict[str, Term], form: str):
        raise NotImplementedError


class _Oxigraph(_Engine):
    def __init__(self, store: ox.Store, ready: Callable[[], None]):
        super().__init__()
        self.store = store
        ready()

    def run(self, text, bindings, form):
        result = self.store.query(text, use_default_graph_as_union=True,
                                  substitutions={ox.Variable(k): v for k, v in bindings.items()} or None)
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        if isinstance(result, ox.QueryTriples):
            return iter(result)
        names = [v.value for v in result.variables]
        return names, (tuple(solution[n] for n in names) for solution in result)


class _Rdflib(_Engine):
    def __init__(self, dataset) -> None:
        super().__init__()
        self.dataset = dataset

    @classmethod
    def load(cls, source: Path, ready: Callable[[], None]) -> _Rdflib:
        from rdflib import Dataset
        from rdflib.plugins import sparql

        sparql.SPARQL_LOAD_GRAPHS = False  # FROM <url> reads the dataset's graph, never the web
        dataset = Dataset(default_union=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            dataset.parse(source, format="trig")
        ready()
        return cls(dataset)

    def run(self, text, bindings, form):
        from rdflib import Literal, URIRef

        def to_rdflib(term):
            if isinstance(term, ox.NamedNode):
                return URIRef(term.value)
            if term.language:
                return Literal(term.value, lang=term.language)
            if term.datatype.value == _XSD_STRING:
                return Literal(term.value)
            return Literal(term.value, datatype=URIRef(term.datatype.value))

        with warnings.catch_warnings():  # rdflib 7.6 warns about its own use of deprecated Dataset parts
            warnings.simplefilter("ignore", DeprecationWarning)
            result = self.dataset.query(text, initBindings={k: to_rdflib(v) for k, v in bindings.items()})
        if result.type == "ASK":
            return bool(result.askAnswer)
        if result.type in ("CONSTRUCT", "DESCRIBE"):
            return (ox.Triple(_from_rdflib(s), _from_rdflib(p), _from_rdflib(o)) for s, p, o in result.graph)
        names = [str(v) for v in result.vars or ()]
        return names, (tuple(_from_rdflib(row[i]) for i in range(len(names))) for row in result)


def _from_rdflib(term):
    from rdflib import BNode, Literal, URIRef

    if term is None:
        return None
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(re.sub(r"[^A-Za-z0-9_]", "_", str(term)))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise QueryError(f"rdflib returned a term kg cannot show: {term!r}")


class _Endpoint(_Engine):
    def __init__(self, url: str, timeout: float, query: QueryFile):
        super().__init__()
        stores.services(url)  # an http(s) URL, or a one-line error
        self.url, self.timeout, self.query = url, timeout, query

    def run(self, text, bindings, form):
        if bindings:
            text = text.rstrip("\n") + "\n" + _values_block(bindings)
        graph = form in ("CONSTRUCT", "DESCRIBE")
        body = urllib.parse.urlencode({"query": text}).encode("utf-8")
        try:
            resp = stores.request("POST", self.url, body=body, content_type="application/x-www-form-urlencoded",
                                  accept=_GRAPH_ACCEPT if graph else _RESULTS_ACCEPT, timeout=self.timeout or None,
                                  what=f"the query {self.query.path.name}", refused=QueryError)
        except QueryError as exc:
            local = _parse_error(self.query.text)  # say where the error is, when it is a syntax error
            if local:
                _raise_syntax(self.query, local)
            raise exc from None
        where = self.url.split("?", 1)[0]
        try:
            if graph:
                fmt = ox.RdfFormat.from_media_type(resp.content_type)
                if fmt is None:
                    raise EndpointError(f"{where} answered with {resp.content_type}, not an RDF format; is it a "
                                        f"SPARQL endpoint (Oxigraph: http://HOST:7878/query)?")
                return iter(list(ox.parse(resp.body, format=fmt)))
            results_format = ox.QueryResultsFormat.from_media_type(resp.content_type)
            if results_format is None:
                raise EndpointError(f"{where} answered with {resp.content_type}, not SPARQL query results; "
                                    f"is it a SPARQL endpoint (Oxigraph: http://HOST:7878/query)?")
            result = ox.parse_query_results(resp.body, format=results_format)
            if isinstance(result, ox.QueryBoolean):
                return bool(result)
            names = [v.value for v in result.variables]
            rows = [tuple(solution[n] for n in names) for solution in result]  # parsed here, where errors are caught
            return names, iter(rows)
        except (SyntaxError, ValueError, UnicodeDecodeError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise EndpointError(f"{where} sent results that cannot be read ({first}); is it a SPARQL endpoint?") \
                from None


def _values_block(bindings) -> str:
    """``VALUES (?a ?b) { (term term) }``: the terms in their N-Triples form, which SPARQL reads as is."""
    names = " ".join(f"?{name}" for name in bindings)
    terms = " ".join(str(term) for term in bindings.values())
    return f"VALUES ({names}) {{ ({terms}) }}\n"


# --- evaluation: names, the query, the limit, notes ---------------------------------------------

def _evaluate(query: QueryFile, bindings: dict[str, Term], engine: _Engine, limits: Limits) -> _Answer:
    """Run ``query`` on ``engine``: match name parameters, read at most ``limits.rows``, note what matched nothing."""
    notes: list[str] = []
    bindings = dict(bindings)
    for name, term in bindings.items():
        if query.kind(name) == "name":
            bindings[name], note = _match_name(engine, name, term.value)
            if note:
                notes.append(note)
    form = query.form
    try:
        answer = _read(engine.run(query.text, bindings, form), form, limits.rows)
    except SyntaxError as exc:
        _raise_syntax(query, str(exc))
        raise QueryError(f"{query.path}: {exc}") from None
    except KgError:
        raise
    except (RuntimeError, OSError) as exc:  # e.g. a substituted variable that is not a result column
        raise QueryError(f"{query.path}: {_param_problem(exc)}") from None
    except Exception as exc:  # rdflib raises bare Exceptions from its evaluator
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise QueryError(f"{query.path} failed: {first}") from None
    if answer.count == 0 and bindings:
        named = {name for name in bindings if query.kind(name) == "name"}
        for name, term in bindings.items():
            if name not in named and not _in_graph(engine, term):
                notes.append(f"--param {name}={_shown(term)} matched nothing: that value is not in the graph")
    if answer.truncated:
        unit = "triples" if form in ("CONSTRUCT", "DESCRIBE") else "rows"
        notes.append(f"stopped at the first {limits.rows:,} {unit} (--limit {limits.rows}); "
                     f"--limit 0 gives all of them, a parameter fewer")
    return dataclasses.replace(answer, notes=tuple(notes))


def _read(result, form: str, limit: int) -> _Answer:
    """Up to ``limit`` rows (or triples) of an engine's result, serialised."""
    if isinstance(result, bool):
        return _Answer("ASK", json.dumps({"head": {}, "boolean": result}).encode(), int(result), False, ())
    if form in ("CONSTRUCT", "DESCRIBE"):
        triples: list[ox.Triple] = []
        truncated = False
        for triple in result:
            if limit and len(triples) == limit:
                truncated = True
                break
            triples.append(triple)
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        return _Answer(form, data, len(triples), truncated, ())
    names, rows = result
    kept: list[dict[str, dict]] = []
    truncated = False
    for row in rows:
        if limit and len(kept) == limit:
            truncated = True
            break
        kept.append({n: _json_term(t) for n, t in zip(names, row) if t is not None})
    text = json.dumps({"head": {"vars": names}, "results": {"bindings": kept}}, ensure_ascii=False)
    return _Answer("SELECT", text.encode("utf-8"), len(kept), truncated, ())


def _json_term(term) -> dict:
    """A term in the SPARQL 1.1 Query Results JSON Format."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        found = {"type": "literal", "value": term.value}
        if term.language:
            found["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            found["datatype"] = term.datatype.value
        return found
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": _json_term(term.subject),
                                            "predicate": _json_term(term.predicate),
                                            "object": _json_term(term.object)}}
    raise QueryError(f"the engine returned a term kg cannot show: {term!r}")


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _match_name(engine: _Engine, param: str, value: str) -> tuple[Term, str | None]:
    """The label of the actor that ``value`` names (its label or another name, in any case).

    Returns the term to bind and, when nothing matched, a note with the closest names.
    Several actors answering to the name is an error that lists them.
    """
    if engine.names is None:
        names_query = _internal("names.rq")
        _, rows = engine.run(names_query, {}, "SELECT")
        engine.names = sorted({(label.value, name.value) for label, name in rows if label is not None
                               and name is not None})
    wanted = _fold(value)
    labels = sorted({label for label, name in engine.names if _fold(name) == wanted})
    if value in labels:
        return ox.Literal(value), None
    if len(labels) > 1:
        exact = [label for label in labels if _fold(label) == wanted]
        if len(exact) != 1:
            shown = ", ".join(_quoted(label) for label in labels[:6]) + (" ..." if len(labels) > 6 else "")
            raise QueryError(f"--param {param}={_quoted(value)} is a name of {len(labels)} actors: {shown}; "
                             f"give the one you mean")
        labels = exact
    if labels:
        return ox.Literal(labels[0]), None
    by_name: dict[str, str] = {}
    for label, name in engine.names:
        by_name.setdefault(_fold(name), label)
    words = set(wanted.split())
    close = [by_name[n] for n in by_name if words and words <= set(n.split())]
    close += [by_name[n] for n in difflib.get_close_matches(wanted, list(by_name), n=3, cutoff=0.6)]
    close = list(dict.fromkeys(close))[:3]
    hint = ("close: " + ", ".join(_quoted(label) for label in close) if close
            else "`kg query actors` lists every actor and its other names")
    return ox.Literal(value), f"--param {param}={_quoted(value)} matched no name; {hint}"


def _in_graph(engine: _Engine, term: Term) -> bool:
    try:
        return bool(engine.run(_internal("value_in_graph.rq"), {"value": term}, "ASK"))
    except (SyntaxError, RuntimeError, OSError, KgError):
        return True  # unsure: say nothing rather than something wrong


def _shown(term: Term) -> str:
    return cell(term) if isinstance(term, ox.NamedNode) else _quoted(term.value)


def _quoted(text: str) -> str:
    """Text in double quotes on one line: quotes, backslashes and control characters escaped."""
    shown = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in json.dumps(text, ensure_ascii=False))
    return shown if len(shown) <= 80 else shown[:76] + '..."'


def _param_problem(exc: Exception) -> str:
    m = re.search(r"variable \?(\w+) in its SELECT projection", str(exc))
    if m:
        return f"?{m.group(1)} is not a result column, so it cannot be a parameter"
    return str(exc)


# --- a local query in a process of its own --------------------------------------------------------

_FORK = sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()
_POLL = 0.05  # seconds between checks of the child's time and memory


def _isolated(query: QueryFile, limits: Limits, work: Callable[[Callable[[], None]], _Answer]) -> _Answer:
    """Run ``work`` in a forked child that is killed when it outlives ``limits.timeout`` or grows
    by more than ``limits.memory_mb`` once its store is loaded (``work`` calls ``ready`` then).

    pyoxigraph and rdflib cannot be interrupted from Python, and a runaway query (a cartesian
    product) takes all the memory there is: a process can be stopped. Where fork is not
    available (not Linux), the query runs in this process, unbounded.
    """
    if not _FORK:
        return work(lambda: None)
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(work, writer), daemon=True)
    child.start()
    writer.close()
    try:
        return _supervise(query, limits, child, reader)
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        reader.close()


def _child(work, writer) -> None:
    try:
        answer = work(lambda: writer.send(("ready",)))
        writer.send(("done", answer))
    except KgError as exc:
        writer.send(("error", type(exc), str(exc)))
    except MemoryError:
        writer.send(("memory",))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent as one line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        writer.send(("failed", f"{type(exc).__name__}: {first}" if first else type(exc).__name__))
    finally:
        writer.close()


def _supervise(query: QueryFile, limits: Limits, child, reader) -> _Answer:
    deadline: float | None = None
    baseline: int | None = None
    allowance = limits.memory_mb * 1024 * 1024
    while True:
        if reader.poll(_POLL):
            try:
                message = reader.recv()
            except EOFError:  # the child died without a word: killed (out of memory) or crashed
                child.join(5)
                raise QueryError(f"{query.path}: the query engine stopped (exit status {child.exitcode}); the query "
                                 f"may have needed more memory than there is: narrow it") from None
            kind = message[0]
            if kind == "ready":
                deadline = time.monotonic() + limits.timeout if limits.timeout else None
                baseline = _resident(child.pid)
                continue
            if kind == "done":
                return message[1]
            if kind == "error":
                raise message[1](message[2])
            if kind == "memory":
                raise _too_big(query, limits)
            raise QueryError(f"{query.path} failed: {message[1]}")
        if deadline is not None and time.monotonic() > deadline:
            child.kill()
            raise QueryError(f"{query.path} ran longer than {limits.timeout:g} s and was stopped: narrow it (a "
                             f"parameter, a LIMIT, fewer unconnected patterns) or raise --timeout (0: no limit)")
        if allowance and baseline is not None:
            grown = _resident(child.pid) - baseline
            if grown > allowance:
                child.kill()
                raise _too_big(query, limits)


def _too_big(query: QueryFile, limits: Limits) -> QueryError:
    return QueryError(f"{query.path} used more than {limits.memory_mb:,} MB and was stopped: it probably "
                      f"multiplies rows (patterns that share no variable make every combination); narrow it, "
                      f"or raise ${MEMORY_ENV} (0: no limit)")


def _resident(pid: int) -> int:
    """Resident memory of a process in bytes (Linux /proc), 0 when it cannot be read."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


# --- updates -------------------------------------------------------------------------------------

def _update(query: QueryFile, graph_dir: Path, endpoint: str | None) -> str:
    if endpoint:
        target = stores.services(endpoint).update
        body = urllib.parse.urlencode({"update": query.text}).encode("utf-8")
        try:
            stores.request("POST", target, body=body, content_type="application/x-www-form-urlencoded",
                           what=f"the update {query.path.name}", service="update", refused=QueryError)
        except QueryError:
            local = _parse_error(query.text)
            if local:
                _raise_syntax(query, local)
            raise
        return f"update {query.path} applied at {target}\n"
    store = open_local(graph_dir, writable=True)
    try:
        store.update(query.text)
    except SyntaxError as exc:
        _raise_syntax(query, str(exc))
        raise QueryError(f"{query.path}: {exc}") from None
    except OSError as exc:
        raise QueryError(f"{query.path} failed: {exc}") from None
    store.flush()
    return f"update {query.path} applied to {Path(graph_dir) / 'store'}\n"


# --- SERVICE and syntax errors --------------------------------------------------------------------

@functools.lru_cache(maxsize=256)
def remote_service(text: str) -> str | None:
    """The first SERVICE endpoint a query or update calls (as written), None when it calls none.

    Read from rdflib's parse tree; for a text rdflib cannot parse, any SERVICE keyword outside
    comments counts (a query kg cannot read cannot be shown to be harmless).
    """
    from pyparsing.exceptions import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        tree = (parseUpdate if query_form(text) == "UPDATE" else parseQuery)(text)
    except ParseBaseException:
        m = _REMOTE_WORD.search(text)
        return "(a SERVICE clause)" if m and m.group(1).upper() == "SERVICE" else None
    except Exception:  # noqa: BLE001 - rdflib raises other errors on some malformed input
        m = _REMOTE_WORD.search(text)
        return "(a SERVICE clause)" if m and m.group(1).upper() == "SERVICE" else None
    found = _find_service(tree)
    return found


def _find_service(node) -> str | None:
    from rdflib.plugins.sparql.parserutils import CompValue

    children: list | tuple
    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            term = node.get("term")
            return f"<{term}>" if term is not None and not str(term).startswith("?") else str(term)
        children = list(node.values())
    elif isinstance(node, (list, tuple)):
        children = node
    elif hasattr(node, "asList") and not isinstance(node, str):
        children = node.asList()
    else:
        return None
    for child in children:
        found = _find_service(child)
        if found:
            return found
    return None


@functools.lru_cache(maxsize=256)
def _parse_error(text: str) -> str | None:
    """A parser's message for a malformed query or update ("error at L:C: ..."), None when it parses.

    rdflib's parser decides whether the text parses (it never runs anything); pyoxigraph, whose
    messages say what was expected, is only asked about a text rdflib rejects -- it parses by
    running the text on an empty store, and a text holding SERVICE or LOAD is not run.
    """
    from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    update = query_form(text) == "UPDATE"
    try:  # parsed, then translated to the algebra (which finds unknown prefixes)
        if update:
            translateUpdate(parseUpdate(text))
        else:
            translateQuery(parseQuery(text))
        return None
    except Exception:  # noqa: BLE001 - pyparsing's ParseException, rdflib's bare Exceptions
        pass
    if _REMOTE_WORD.search(text):
        position = _rdflib_position(text)
        return f"error at {position[0]}:{position[1]}: " if position else "the text does not parse"
    empty = ox.Store()
    try:
        if update:
            empty.update(text)
        else:
            empty.query(text)
    except SyntaxError as exc:
        return str(exc)
    except Exception:  # noqa: BLE001 - it parsed; evaluating on an empty store may still fail
        return None
    return None


def _rdflib_position(text: str) -> tuple[int, int] | None:
    """Where rdflib's parser stops on a malformed query: often nearer the mistake than pyoxigraph's."""
    from pyparsing.exceptions import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        (parseUpdate if query_form(text) == "UPDATE" else parseQuery)(text)
    except ParseBaseException as exc:
        return exc.lineno, exc.col
    except Exception:  # noqa: BLE001 - not a parse error
        return None
    return None


def _raise_syntax(query: QueryFile, message: str | None) -> None:
    """Raise a one-line QueryError: file, line, column, the offending text, what was expected.

    Two parsers read the query; the position reported is the earlier of theirs (the later one is
    often the end of the text), with pyoxigraph's list of what it expected when it is its position.
    """
    if not message:
        return
    m = _ERROR_AT.match(message)
    if not m:
        raise QueryError(f"{query.path}: syntax error: {message.splitlines()[0]}")
    position, expected = (int(m.group(1)), int(m.group(2))), " ".join(m.group(3).split())
    lines = query.text.splitlines()
    if "Prefix not found" in expected:
        source = lines[position[0] - 1] if 0 < position[0] <= len(lines) else ""
        prefix = re.findall(r"([A-Za-z][\w.-]*|):[^\s]*", source[: position[1] - 1])
        name = f"{prefix[-1]}:" if prefix else "a prefix"
        expected = f"unknown prefix {name!r}: declare it with PREFIX {name} <...>"
    else:
        other = _rdflib_position(query.text)
        if other and other < position:
            position, expected = other, ""
        elif len(expected) > 160:
            expected = expected[:157] + "..."
    line_no, col = position
    source = lines[line_no - 1] if 0 < line_no <= len(lines) else ""
    near = source[col - 1: col + 29].strip()
    if "unknown prefix" in expected:
        found = re.findall(r"\S*:\S*", source[: col - 1])
        if found:
            near, col = found[-1], source.rfind(found[-1], 0, col - 1) + 1
    if not near and all(not line.strip() or line.lstrip().startswith("#") for line in lines[line_no:]):
        where, expected = "at the end of the query (is a } or ) missing?)", ""
    else:
        where = f"at {near or 'the end of the line'!r} in line {line_no}: {source.strip()!r}"
    raise QueryError(f"{query.path}:{line_no}:{col}: syntax error {where}" + (f"; {expected}" if expected else ""))


# --- output ---------------------------------------------------------------------------------------

def render(result, fmt: str) -> str:
    """Results in one of FORMATS (graphs: Turtle, or JSON-LD / RDF/XML), ending with a newline."""
    if isinstance(result, list):  # CONSTRUCT / DESCRIBE: sorted, so each subject's triples are together
        triples = sorted(result, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
        out = ox.serialize(triples, format=_GRAPH_FORMATS[fmt], prefixes=_TURTLE_PREFIXES)
    elif isinstance(result, ox.QueryBoolean):
        out = (("true" if result else "false").encode() if fmt == "table"
               else result.serialize(format=_RESULT_FORMATS[fmt]))
    elif fmt == "table":
        return _solutions_table(result)
    else:
        out = result.serialize(format=_RESULT_FORMATS[fmt])
    assert out is not None  # no output file given: the bytes are returned
    text = out.decode("utf-8")
    return text if text.endswith("\n") else text + "\n"


def _solutions_table(solutions: ox.QuerySolutions) -> str:
    names = [v.value for v in solutions.variables]
    rows = [tuple(cell(solution[name]) for name in names) for solution in solutions]
    return _render_table(names, rows)


def cell(term) -> str:
    """A term as a researcher reads it: IRIs with kg's prefixes, literals as their text."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        best = max((ns for ns in _NAMESPACES.values() if term.value.startswith(ns)), key=len, default=None)
        if best is None:
            return term.value
        prefix = next(p for p, ns in _NAMESPACES.items() if ns == best)
        return f"{prefix}:{term.value[len(best):]}"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def _render_table(header, rows, cut: bool = True) -> str:
    def fit(text: str) -> str:
        text = " ".join(text.split())
        return text if not cut or len(text) <= CELL_MAX else text[: CELL_MAX - 1] + "…"

    body = [[fit(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in body]
    lines.append(f"({len(body)} row{'' if len(body) == 1 else 's'})")
    return "\n".join(lines) + "\n"


class _CallableModule(types.ModuleType):
    """``kg.query`` is this module and, called, the Python API's :func:`kg.api.query` (a DataFrame)."""

    def __call__(self, name_or_file, graph, **params):
        from kg.api import query as run_query

        return run_query(name_or_file, graph, **params)


sys.modules[__name__].__class__ = _CallableModule
