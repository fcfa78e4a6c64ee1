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
SPARQL protocol's only way to send a binding). Left unbound, a parameter means "all".

Local queries see the default graph as the union of the build's named graphs, as an endpoint
loaded with ``kg load`` must (Oxigraph: ``oxigraph serve --union-default-graph``).
"""
from __future__ import annotations

import datetime as dt
import re
import urllib.parse
import warnings
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg import store as stores
from kg.errors import EndpointError, GraphNotFound, QueryError
from kg.vocab import PREFIXES

FORMATS = ("table", "csv", "tsv", "json", "xml")
ENGINES = ("oxigraph", "rdflib")
QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")
PARAM_KINDS = ("iri", "literal", "date", "integer")
CELL_MAX = 60  # a table cell longer than this is cut (the other formats keep everything)

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

_HEADER_LINE = re.compile(r"#\s?(title|answers|param|example):\s*(.*)$")
_CONTINUATION = re.compile(r"#\s{2,}(\S.*)$")
_PROLOGUE = re.compile(r"\s+|#[^\n]*|BASE\s*<[^>]*>|PREFIX\s+[^\s:]*:\s*<[^>]*>", re.IGNORECASE)
_VARIABLE = re.compile(r"[?$]([A-Za-z_][A-Za-z0-9_]*)")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}$")
_PREFIXED = re.compile(r"([A-Za-z][\w-]*):(\S*)$")
_ERROR_AT = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)


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


def read_query(path: Path) -> QueryFile:
    """Read a query file and its comment header."""
    path = Path(path)
    if not path.is_file():
        raise QueryError(f"no query file {path}: `kg query --list` shows the queries in queries/")
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


def list_queries(folder: Path) -> str:
    """A table of the query files in ``folder``: file, title, parameters."""
    folder = Path(folder)
    if folder.is_file():
        files = [folder]
    elif folder.is_dir():
        files = sorted(folder.glob("*.rq"))
    else:
        raise QueryError(f"no folder {folder}: run `kg query --list` where queries/ is, or give the folder")
    if not files:
        raise QueryError(f"no .rq files in {folder}")
    rows = []
    for path in files:
        q = read_query(path)
        params = ", ".join(f"{p.name} ({p.kind})" if p.kind else p.name for p in q.params) or "-"
        rows.append((str(path), q.title, params))
    return _render_table(("file", "title", "parameters"), rows, cut=False)


# --- parameters ---------------------------------------------------------------------------------

def parse_params(specs, query: QueryFile) -> dict[str, ox.NamedNode | ox.Literal]:
    """``NAME=VALUE`` strings -> RDF terms, typed by the query's header or else by their look."""
    declared = {p.name: p for p in query.params}
    bindings: dict[str, ox.NamedNode | ox.Literal] = {}
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


def _term(name: str, value: str, kind: str | None) -> ox.NamedNode | ox.Literal:
    if kind is None:
        if value.startswith("<") and value.endswith(">") or (m := _PREFIXED.match(value)) and m.group(1) in _NAMESPACES:
            kind = "iri"
        elif _DATE.match(value):
            kind = "date"
        else:
            kind = "literal"
    if kind == "literal":
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


# --- running --------------------------------------------------------------------------------------

def run_file(path: Path, *, graph_dir: Path = Path("exports"), endpoint: str | None = None,
             params=(), fmt: str = "table", allow_update: bool = False, engine: str = "oxigraph") -> str:
    """Run the query in ``path`` on the local build or on ``endpoint``; return it formatted as ``fmt``."""
    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if engine not in ENGINES:
        raise QueryError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")
    query = read_query(path)
    bindings = parse_params(params, query)
    form = query.form
    if form == "UPDATE":
        if not allow_update:
            raise QueryError(f"{query.path} changes data (INSERT/DELETE/LOAD/CLEAR/DROP ...): refused; "
                             f"run it again with --allow-update if that is what you want")
        if bindings:
            raise QueryError("--param applies to queries, not to updates")
        return _update(query, graph_dir, endpoint)
    if form not in QUERY_FORMS:
        _raise_syntax(query, _parse_error(query.text))
        raise QueryError(f"{query.path}: not a SPARQL query (it should start with SELECT, CONSTRUCT, "
                         f"DESCRIBE or ASK after its PREFIX lines)")
    if form in ("CONSTRUCT", "DESCRIBE") and fmt in ("csv", "tsv"):
        raise QueryError(f"{query.path} is a {form} query: it returns a graph, printed as Turtle "
                         f"(or JSON-LD with --format json, RDF/XML with --format xml), not {fmt}")
    if endpoint:
        result = _run_endpoint(query, bindings, endpoint)
    elif engine == "rdflib":
        result = _run_rdflib(query, bindings, Path(graph_dir))
    else:
        result = _run_oxigraph(query, bindings, Path(graph_dir))
    try:
        return render(result, fmt)
    except (OSError, RuntimeError) as exc:  # pyoxigraph evaluates lazily, while the results are read
        raise QueryError(f"{query.path} failed: {exc}") from None


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
    source = _build_file(graph_dir)
    store = ox.Store()
    try:
        store.bulk_load(path=str(source), format=ox.RdfFormat.from_extension(source.suffix[1:]))
    except SyntaxError as exc:
        raise GraphNotFound(f"{source} cannot be read ({exc}): rebuild with `kg build ... --out {graph_dir}`") \
            from None
    return store


def _build_file(graph_dir: Path) -> Path:
    for name in ("kg.trig", "kg.nt", "kg.ttl"):
        if (graph_dir / name).is_file():
            return graph_dir / name
    raise GraphNotFound(f"no build in {graph_dir}: run `kg build ARTICLES --out {graph_dir}` first "
                        f"(or point --graph at a build folder)")


def _run_oxigraph(query: QueryFile, bindings, graph_dir: Path):
    store = open_local(graph_dir)
    try:
        result = store.query(query.text, use_default_graph_as_union=True,
                             substitutions={ox.Variable(k): v for k, v in bindings.items()} or None)
    except SyntaxError as exc:
        _raise_syntax(query, str(exc))
        raise QueryError(f"{query.path}: {exc}") from None
    except RuntimeError as exc:  # e.g. a substituted variable that is not a result column
        raise QueryError(f"{query.path}: {_param_problem(exc)}") from None
    except OSError as exc:
        raise QueryError(f"{query.path} failed: {exc}") from None
    return list(result) if isinstance(result, ox.QueryTriples) else result


def _param_problem(exc: Exception) -> str:
    m = re.search(r"variable \?(\w+) in its SELECT projection", str(exc))
    if m:
        return f"?{m.group(1)} is not a result column, so it cannot be a parameter"
    return str(exc)


def _run_rdflib(query: QueryFile, bindings, graph_dir: Path):
    from pyparsing.exceptions import ParseException
    from rdflib import Dataset, Literal, URIRef

    _raise_syntax(query, _parse_error(query.text))  # the same message as with pyoxigraph
    if (graph_dir / "store").is_dir() and not (graph_dir / "kg.trig").is_file():
        raise GraphNotFound(f"{graph_dir} holds an Oxigraph store but no kg.trig, which rdflib reads: "
                            f"use --engine oxigraph")
    source = _build_file(graph_dir)
    dataset = Dataset(default_union=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        dataset.parse(source, format={".trig": "trig", ".nt": "nt", ".ttl": "turtle"}[source.suffix])

    def to_rdflib(term):
        if isinstance(term, ox.NamedNode):
            return URIRef(term.value)
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD + "string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))

    try:
        with warnings.catch_warnings():  # rdflib 7.6 warns about its own use of deprecated Dataset parts
            warnings.simplefilter("ignore", DeprecationWarning)
            result = dataset.query(query.text, initBindings={k: to_rdflib(v) for k, v in bindings.items()})
            if result.type in ("CONSTRUCT", "DESCRIBE"):
                data = result.graph.serialize(format="nt", encoding="utf-8")  # type: ignore[union-attr]
                return list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
            data = result.serialize(format="json")  # rdflib evaluates lazily: here
    except ParseException:
        _raise_syntax(query, _parse_error(query.text))
        raise QueryError(f"{query.path}: rdflib cannot parse it; check its syntax") from None
    except Exception as exc:  # rdflib raises bare Exceptions from its evaluator
        raise QueryError(f"{query.path} failed on rdflib: {exc}") from None
    return ox.parse_query_results(data, ox.QueryResultsFormat.JSON)


def _run_endpoint(query: QueryFile, bindings, endpoint: str):
    stores.services(endpoint)  # an http(s) URL, or a one-line error
    text = query.text
    if bindings:
        text = text.rstrip("\n") + "\n" + _values_block(bindings)
    graph = query.form in ("CONSTRUCT", "DESCRIBE")
    body = urllib.parse.urlencode({"query": text}).encode("utf-8")
    try:
        resp = stores.request("POST", endpoint, body=body, content_type="application/x-www-form-urlencoded",
                              accept=_GRAPH_ACCEPT if graph else _RESULTS_ACCEPT,
                              what=f"the query {query.path.name}", refused=QueryError)
    except QueryError as exc:
        local = _parse_error(query.text)  # say where the error is, when it is a syntax error
        if local:
            _raise_syntax(query, local)
        raise exc from None
    try:
        if graph:
            fmt = ox.RdfFormat.from_media_type(resp.content_type)
            if fmt is None:
                raise EndpointError(f"{endpoint} answered with {resp.content_type}, not an RDF format")
            return list(ox.parse(resp.body, format=fmt))
        results_format = ox.QueryResultsFormat.from_media_type(resp.content_type)
        if results_format is None:
            raise EndpointError(f"{endpoint} answered with {resp.content_type}, not SPARQL query results; "
                                f"is it a SPARQL endpoint (Oxigraph: http://HOST:7878/query)?")
        return ox.parse_query_results(resp.body, format=results_format)
    except SyntaxError as exc:
        raise EndpointError(f"{endpoint} sent results that cannot be read: {exc}") from None


def _values_block(bindings) -> str:
    """``VALUES (?a ?b) { (term term) }``: the terms in their N-Triples form, which SPARQL reads as is."""
    names = " ".join(f"?{name}" for name in bindings)
    terms = " ".join(str(term) for term in bindings.values())
    return f"VALUES ({names}) {{ ({terms}) }}\n"


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


# --- syntax errors ------------------------------------------------------------------------------

def _parse_error(text: str) -> str | None:
    """pyoxigraph's message for a malformed query or update ("error at L:C: ..."), None when it parses."""
    empty = ox.Store()
    try:
        if query_form(text) == "UPDATE":
            empty.update(text)
        else:
            empty.query(text)
    except SyntaxError as exc:
        return str(exc)
    except Exception:  # noqa: BLE001 - it parsed; evaluating on an empty store may still fail (SERVICE)
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
