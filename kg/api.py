"""kg from Python (Jupyter): build a graph, query it into pandas, draw it with pyvis.

    import kg
    ds = kg.build(["seeds"])                         # -> kg.Dataset (a build folder)
    kg.query("meetings", ds)                         # -> pandas.DataFrame
    kg.query("actor_meetings", ds, actor="Antony Blinken")
    kg.events(ds)                                    # the event table as a DataFrame
    net = kg.network(ds, focus="Antony Blinken")     # -> pyvis.network.Network
    net.toggle_physics(False); net.write_html("blinken.html")

The functions also take a build folder (a path) wherever they take a Dataset. The page that
``kg view`` writes is the same pyvis Network rendered the same way (kg.viz.KgNetwork).
pandas is an optional extra (``pip install 'kg[data]'``).
"""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.errors import KgError

if TYPE_CHECKING:  # pragma: no cover
    import pandas
    import pyoxigraph

    from kg.pipeline import BuildReport
    from kg.viz import KgNetwork

_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {_XSD + t for t in ("integer", "nonNegativeInteger", "positiveInteger", "int", "long")}
_NUMBERS = {_XSD + t for t in ("decimal", "double", "float")}


@dataclass(frozen=True)
class Dataset:
    """A build: the folder ``kg build`` wrote (``path``) and, when this session built it, its report."""

    path: Path
    report: BuildReport | None = None
    warnings: tuple[str, ...] = ()  # what the build warned about (when ``kg.build`` was given no ``warn``)

    def __fspath__(self) -> str:
        return str(self.path)

    def store(self) -> pyoxigraph.Store:
        """The graph in a pyoxigraph Store (named graphs kept): for SPARQL of your own."""
        from kg.query import open_local

        return open_local(self.path)

    def rdflib(self):
        """The graph as an rdflib Dataset (kg.trig parsed)."""
        from rdflib import Dataset as RdflibDataset

        from kg.viz import build_file

        ds = RdflibDataset()
        path = build_file(self.path)
        ds.parse(path, format={"kg.trig": "trig", "kg.nt": "nt", "kg.ttl": "turtle"}[path.name])
        return ds

    def files(self) -> dict[str, Path]:
        """The files of the build, by name (kg.ttl, kg.trig, kg.jsonld, build.json, graph.html...)."""
        return {p.name: p for p in sorted(self.path.iterdir()) if not p.name.startswith(".") and p.exists()}


def build(paths: str | os.PathLike | Iterable[str | os.PathLike], out: str | os.PathLike | None = None, *,
          model: str | None = None, jobs: int | None = None, cache: bool = True, html: bool = True,
          warn=None) -> Dataset:
    """Build the graph of ``paths`` (files, folders, .jsonl corpora) into ``out`` (default: a new
    temporary folder) as ``kg build`` does; warnings go to ``warn`` (default: ``Dataset.warnings``)."""
    from kg.pipeline import BuildSettings
    from kg.pipeline import build as run_build

    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    inputs = tuple(Path(p) for p in paths)
    if not inputs:
        raise KgError("kg.build needs at least one path (a file, a folder or a .jsonl corpus)")
    folder = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix="kg-build-"))
    settings = BuildSettings(inputs=inputs, out=folder, model=model or os.environ.get("KG_SPACY_MODEL"),
                             jobs=jobs, cache=cache, html=html, progress=False)
    held: list[str] = []
    report = run_build(settings, warn=warn or held.append)
    return Dataset(folder, report, tuple(held))


def open_build(path: str | os.PathLike) -> Dataset:
    """A build folder written before (``kg build --out PATH``) as a Dataset."""
    from kg.viz import build_file

    build_file(Path(path))  # a missing build is one clear error
    return Dataset(Path(path))


def _folder(graph) -> Path:
    if isinstance(graph, Dataset):
        return graph.path
    if isinstance(graph, str | os.PathLike):
        return Path(graph)
    raise KgError(f"expected a kg.Dataset or a build folder, not {type(graph).__name__}")


def _pandas():
    try:
        import pandas
    except ImportError as exc:  # pragma: no cover - pinned in the `data` extra
        raise KgError("kg.query and kg.events return pandas DataFrames: pip install 'kg[data]'") from exc
    return pandas


def query(name_or_file: str | os.PathLike, graph: Dataset | str | os.PathLike, *, timeout: float = 60,
          **params: Any) -> pandas.DataFrame:
    """Run a query (the name of one kg ships, ``kg query --list``, or a .rq file) on a build; one
    row per solution. Keyword arguments bind the query's parameters, typed as its header says
    (``actor="Antony Blinken"``, ``status="kg:occurred"``, ``date="2021-05-20"``). Integers and
    decimals become numbers, xsd:date values pandas dates; an ASK query gives one row (``result``),
    a CONSTRUCT or DESCRIBE query its triples (subject, predicate, object)."""
    import pyoxigraph as ox

    from kg.query import execute, find_query, read_query

    pd = _pandas()
    form = read_query(find_query(str(name_or_file))).form
    bindings = [f"{k}={v}" for k, v in params.items()]
    graph_form = form in ("CONSTRUCT", "DESCRIBE")
    out = execute(str(name_or_file), graph_dir=_folder(graph), params=bindings,
                  fmt="table" if graph_form else "json", timeout=timeout, limit=0)
    if graph_form:  # printed as Turtle
        found = list(ox.parse(out.text, format=ox.RdfFormat.TURTLE))
        return pd.DataFrame({"subject": [t.subject.value for t in found],
                             "predicate": [t.predicate.value for t in found],
                             "object": [t.object.value for t in found]}, columns=["subject", "predicate", "object"])
    data = json.loads(out.text)
    if "boolean" in data:
        return pd.DataFrame({"result": [bool(data["boolean"])]})
    names = data["head"].get("vars", [])
    rows = data["results"]["bindings"]
    return pd.DataFrame({name: _column(pd, [row.get(name) for row in rows]) for name in names}, columns=names)


def _column(pd, terms: list[dict | None]):
    """One result column: numbers and dates typed when every bound value is one, else text."""
    values = [t["value"] if t else None for t in terms]
    types = {t.get("datatype") for t in terms if t}
    if types and types <= _INTEGERS:
        return pd.array([int(v) if v is not None else None for v in values], dtype="Int64")
    if types and types <= _INTEGERS | _NUMBERS:
        return pd.array([float(v) if v is not None else None for v in values], dtype="Float64")
    if types == {_XSD + "date"}:
        return pd.to_datetime(pd.Series(values), format="%Y-%m-%d", errors="coerce")
    return pd.array(values, dtype="string")


def events(graph: Dataset | str | os.PathLike) -> pandas.DataFrame:
    """The event table (``kg export --format events-csv``): one row per event, lists as lists."""
    from kg.event_table import COLUMNS, event_rows
    from kg.viz import build_file

    pd = _pandas()
    folder = _folder(graph)
    build_file(folder)
    from kg.query import open_local

    rows = event_rows(open_local(folder))
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    table["date"] = pd.to_datetime(table["date"], format="%Y-%m-%d", errors="coerce")
    return table


def network(graph: Dataset | str | os.PathLike, *, focus: str | None = None, depth: int = 1, doc: str | None = None,
            classes: Iterable[str] = (), max_nodes: int | None = None, title: str | None = None) -> KgNetwork:
    """The graph (or the part that ``focus``, ``doc``, ``classes`` and ``max_nodes`` select, as for
    ``kg view``) as a pyvis Network. ``net.write_html("g.html")`` writes kg's offline page; in
    Jupyter, ``net.show("g.html", notebook=True)`` shows it."""
    from kg.viz import ViewSettings, read_network, select, to_pyvis

    settings = ViewSettings(focus=focus, depth=depth, doc=doc, classes=tuple(classes), max_nodes=max_nodes,
                            title=title)
    return to_pyvis(select(read_network(_folder(graph)), settings), settings)


__all__ = ["Dataset", "build", "open_build", "query", "events", "network"]
