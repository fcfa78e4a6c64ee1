"""Quads -> files, through a table of formats; every file is written atomically.

The quads are first put in one fixed order, without duplicates (``sort_quads``): by graph,
then subject, predicate and object, compared as N-Quads text. The sort runs in bounded memory:
sorted runs of at most ``RUN_SIZE`` lines go to disk and are merged, so a corpus of any size
is written without holding its graph. The sorted quads are an N-Quads file, the union of the
graphs an N-Triples file (``kg.nt`` itself); pyoxigraph streams every other format from them,
so the same graph always gives the same bytes.

    with staging(out) as folder:
        graph = sort_quads(kg.rdf.quads(resolved), folder)
        write_exports(graph, out, {"build.json": ...})
        write_store(graph, out / "store")
"""
from __future__ import annotations

import contextlib
import heapq
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Literal, URIRef

from kg.errors import BuildError
from kg.vocab import PREFIXES

RUN_SIZE = 250_000  # lines sorted in memory at once (about 60 MB of N-Quads text)
GRAPH_FILE = "graph.nq"  # the sorted quads, in the staging folder (not published)


@dataclass(frozen=True)
class Format:
    file: str
    rdf_format: ox.RdfFormat
    quads: bool  # keep the named graphs


FORMATS = (
    Format("kg.ttl", ox.RdfFormat.TURTLE, quads=False),
    Format("kg.trig", ox.RdfFormat.TRIG, quads=True),
    Format("kg.nt", ox.RdfFormat.N_TRIPLES, quads=False),
    Format("kg.jsonld", ox.RdfFormat.JSON_LD, quads=False),
)


@dataclass(frozen=True)
class SortedGraph:
    """A graph written once in the fixed order: ``nquads`` (every quad) and ``ntriples`` (their union)."""

    nquads: Path
    ntriples: Path
    n_quads: int
    n_triples: int

    def __iter__(self) -> Iterator[ox.Quad]:
        return iter(ox.parse(path=str(self.nquads), format=ox.RdfFormat.N_QUADS))


@contextlib.contextmanager
def staging(out: Path):
    """A scratch folder inside ``out`` (same file system, so files move into place atomically)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# ---- sorting ---------------------------------------------------------------------------------------
class _ExternalSort:
    """Lines in, sorted unique lines out; runs of ``run_size`` lines are sorted in memory and spilled."""

    def __init__(self, folder: Path, name: str, run_size: int):
        self.folder, self.name, self.run_size = folder, name, run_size
        self.buffer: list[str] = []
        self.runs: list[Path] = []

    def add(self, line: str) -> None:
        self.buffer.append(line)
        if len(self.buffer) >= self.run_size:
            self._spill()

    def _spill(self) -> None:
        lines = sorted(set(self.buffer))
        self.buffer = []
        path = self.folder / f"{self.name}-{len(self.runs):04d}.run"
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.writelines(line + "\n" for line in lines)
        self.runs.append(path)

    def __iter__(self) -> Iterator[str]:
        if not self.runs:
            yield from sorted(set(self.buffer))
            self.buffer = []
            return
        if self.buffer:
            self._spill()
        files = [open(p, encoding="utf-8", newline="\n") for p in self.runs]
        try:
            last = None
            for line in heapq.merge(*files):
                if line != last:
                    yield line[:-1]
                    last = line
        finally:
            for fh in files:
                fh.close()
            for p in self.runs:
                p.unlink(missing_ok=True)


def sort_quads(quads: Iterable[ox.Quad], folder: Path, run_size: int = RUN_SIZE) -> SortedGraph:
    """Write ``quads`` sorted and deduplicated to ``folder/graph.nq``, and their union to ``folder/kg.nt``."""
    folder = Path(folder)
    by_graph = _ExternalSort(folder, "quads", run_size)
    union = _ExternalSort(folder, "triples", run_size)
    for q in quads:
        if not isinstance(q.graph_name, ox.NamedNode):
            raise ValueError(f"kg writes named graphs only: {q}")
        spo, graph = str(q).rsplit(" ", 1)  # "<s> <p> o <g>": the graph IRI holds no space
        by_graph.add(graph + " " + spo)
        union.add(spo)
    nquads, ntriples = folder / GRAPH_FILE, folder / "kg.nt"
    n_quads = n_triples = 0
    with open(nquads, "w", encoding="utf-8", newline="\n") as fh:
        for line in by_graph:
            graph, spo = line.split(" ", 1)
            fh.write(f"{spo} {graph} .\n")
            n_quads += 1
    with open(ntriples, "w", encoding="utf-8", newline="\n") as fh:
        for line in union:
            fh.write(line + " .\n")
            n_triples += 1
    return SortedGraph(nquads, ntriples, n_quads, n_triples)


# ---- rdflib input ------------------------------------------------------------------------------------
def to_ox(term):
    """An rdflib term as a pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def ox_quads(ds: Dataset) -> Iterator[ox.Quad]:
    """The quads of an rdflib Dataset's named graphs (the default graph is left out)."""
    for s, p, o, g in ds.quads((None, None, None, None)):
        if g is not None:
            yield ox.Quad(to_ox(s), to_ox(p), to_ox(o), to_ox(g.identifier if hasattr(g, "identifier") else g))


# ---- writing -----------------------------------------------------------------------------------------
def write_exports(graph: SortedGraph | Dataset, out: Path, extra_files: dict[str, bytes]) -> list[Path]:
    """Write every format of ``graph`` plus ``extra_files`` into ``out``; files appear only when complete."""
    if isinstance(graph, Dataset):
        with staging(out) as folder:
            return write_exports(sort_quads(ox_quads(graph), folder), out, extra_files)
    folder = graph.nquads.parent
    prefixes = {k: str(v) for k, v in PREFIXES.items()}
    staged: dict[str, Path] = {}
    for fmt in FORMATS:
        path = folder / fmt.file
        if path != graph.ntriples:
            source = graph.nquads if fmt.quads else graph.ntriples
            source_format = ox.RdfFormat.N_QUADS if fmt.quads else ox.RdfFormat.N_TRIPLES
            ox.serialize(ox.parse(path=str(source), format=source_format), str(path), fmt.rdf_format,
                         prefixes=None if fmt.rdf_format == ox.RdfFormat.N_TRIPLES else prefixes)
        staged[fmt.file] = path
    for name, data in extra_files.items():
        (folder / name).write_bytes(data)
        staged[name] = folder / name
    return publish(staged, out)


def publish(staged: dict[str, Path], out: Path) -> list[Path]:
    """Flush each staged file to disk, then move each into ``out`` (os.replace: atomic per file)."""
    for path in staged.values():
        with open(path, "rb+") as fh:
            os.fsync(fh.fileno())
    written = []
    for name, path in staged.items():
        os.replace(path, out / name)
        written.append(out / name)
    return written


def write_atomically(out: Path, payloads: dict[str, bytes]) -> list[Path]:
    """Stage every file in a temporary folder inside ``out``, then move each into place."""
    with staging(out) as folder:
        staged = {}
        for name, data in payloads.items():
            (folder / name).write_bytes(data)
            staged[name] = folder / name
        return publish(staged, Path(out))


# ---- the on-disk store -------------------------------------------------------------------------------
def is_store(path: Path) -> bool:
    """An Oxigraph (RocksDB) store folder."""
    return (Path(path) / "CURRENT").is_file() and any(Path(path).glob("MANIFEST-*"))


def write_store(graph: SortedGraph, target: Path) -> Path:
    """Load ``graph`` into a new Oxigraph store and put it at ``target`` (replacing a previous store).

    The store is built beside ``target`` and swapped in when complete. A ``target`` that exists
    and is neither empty nor an Oxigraph store is left alone (an error): it is not kg's.
    """
    target = Path(target)
    if target.exists() and not (target.is_dir() and (is_store(target) or not any(target.iterdir()))):
        raise BuildError(f"{target} exists and is not an Oxigraph store; choose an empty or new folder for --store")
    target.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-", dir=target.parent))
    try:
        store = ox.Store(str(building))
        store.bulk_load(path=str(graph.nquads), format=ox.RdfFormat.N_QUADS)
        store.flush()
        del store
        old = None
        if target.exists():
            old = target.parent / f".{target.name}.old-{os.getpid()}"
            os.replace(target, old)
        os.replace(building, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return target


def remove_store(target: Path) -> bool:
    """Remove a store a previous build left (it would no longer match the exports)."""
    target = Path(target)
    if target.is_dir() and is_store(target):
        shutil.rmtree(target)
        return True
    return False


def json_bytes(data) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n").encode("utf-8")
