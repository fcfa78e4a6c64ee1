"""Quads -> files, through a table of formats; every file is written atomically.

The quads are first put in one fixed order, without duplicates (``sort_quads``): by graph,
then subject, predicate and object, compared as N-Quads text. The sort runs in bounded memory:
sorted runs of at most ``RUN_SIZE`` lines go to disk and are merged, so a corpus of any size
is written without holding its graph. The sorted quads are an N-Quads file, the union of the
graphs an N-Triples file (``kg.nt`` itself); pyoxigraph streams every other format from them,
so the same graph always gives the same bytes.

    with staging(out) as folder:
        graph = sort_quads(kg.rdf.statements(resolved), folder)
        write_exports(graph, out, {"build.json": ...})
        write_store(graph, out / "store")
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import heapq
import itertools
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
STORE_SLICE = 300_000  # quads per bulk load into the store (~0.5 GB of loader memory)
GRAPH_FILE = "graph.nq"  # the sorted quads, in the staging folder (not published)
STORE_MANIFEST = "kg-graphs.json"  # in a store kg wrote: the SHA-256 of each named graph's quads


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
    digests: dict[str, str] = dataclasses.field(default_factory=dict)  # graph IRI -> SHA-256 of its quads
    blocks: dict[str, tuple[int, int]] = dataclasses.field(default_factory=dict)  # graph IRI -> byte range in nquads

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
        files = [open(p, encoding="utf-8", newline="\n") for p in self.runs]  # noqa: SIM115 - closed below
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


def sort_quads(statements: Iterable[tuple[str, str]] | Iterable[ox.Quad], folder: Path,
               run_size: int = RUN_SIZE) -> SortedGraph:
    """Write the quads sorted and deduplicated to ``folder/graph.nq``, and their union to ``folder/kg.nt``.

    ``statements``: (graph, "subject predicate object") in canonical N-Quads text, as
    ``kg.rdf.statements`` yields them, or pyoxigraph quads. (GNU sort(1) was tried in place of
    the Python merge sort: 10 s less CPU here at 10,000 documents, the same wall time.)
    """
    folder = Path(folder)
    by_graph = _ExternalSort(folder, "quads", run_size)
    union = _ExternalSort(folder, "triples", run_size)
    add_quad, add_triple = by_graph.add, union.add
    for item in statements:
        if isinstance(item, ox.Quad):
            item = _statement(item)
        graph, spo = item
        add_quad(f"{graph} {spo}")
        add_triple(spo)
    return _write_sorted(by_graph, union, folder)


def _write_sorted(by_graph, union, folder: Path) -> SortedGraph:
    nquads, ntriples = folder / GRAPH_FILE, folder / "kg.nt"
    n_quads = n_triples = 0
    digests: dict[str, str] = {}
    blocks: dict[str, tuple[int, int]] = {}
    current, h, start, offset = None, None, 0, 0

    def close_block() -> None:
        if current is not None:
            digests[current[1:-1]] = h.hexdigest()
            blocks[current[1:-1]] = (start, offset)

    with open(nquads, "wb") as fh:
        for line in by_graph:
            graph, spo = line.split(" ", 1)  # the graph is an IRI: no space in it
            data = f"{spo} {graph} .\n".encode()
            if graph != current:
                close_block()
                current, h, start = graph, hashlib.sha256(), offset
            fh.write(data)
            h.update(data)  # type: ignore[union-attr]  # set with the first graph
            offset += len(data)
            n_quads += 1
        close_block()
    with open(ntriples, "w", encoding="utf-8", newline="\n") as out:
        for line in union:
            out.write(line + " .\n")
            n_triples += 1
    return SortedGraph(nquads, ntriples, n_quads, n_triples, digests, blocks)


def _statement(q: ox.Quad) -> tuple[str, str]:
    if not isinstance(q.graph_name, ox.NamedNode):
        raise ValueError(f"kg writes named graphs only: {q}")
    spo, graph = str(q).rsplit(" ", 1)  # "<s> <p> o <g>"
    return graph, spo


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
    """Write every format of ``graph`` plus ``extra_files`` into ``out``; files appear only when complete.

    (Writing the formats side by side, a process each, was measured at 10,000 documents: no
    faster, as the page and the store already keep the second core busy.)
    """
    if isinstance(graph, Dataset):
        with staging(out) as folder:
            return write_exports(sort_quads(ox_quads(graph), folder), out, extra_files)
    folder = graph.nquads.parent
    staged: dict[str, Path] = {}
    for fmt in FORMATS:
        path = folder / fmt.file
        if path != graph.ntriples:
            _serialize(str(graph.nquads if fmt.quads else graph.ntriples), fmt.quads, str(path), fmt.file)
        staged[fmt.file] = path
    for name, data in extra_files.items():
        (folder / name).write_bytes(data)
        staged[name] = folder / name
    return publish(staged, out)


def _serialize(source: str, quads: bool, target: str, name: str) -> None:
    """One export file from the sorted N-Quads (quad formats) or N-Triples (the others), streamed."""
    fmt = next(f for f in FORMATS if f.file == name)
    prefixes = None if fmt.rdf_format == ox.RdfFormat.N_TRIPLES else {k: str(v) for k, v in PREFIXES.items()}
    source_format = ox.RdfFormat.N_QUADS if quads else ox.RdfFormat.N_TRIPLES
    if fmt.rdf_format != ox.RdfFormat.JSON_LD:
        ox.serialize(ox.parse(path=source, format=source_format), target, fmt.rdf_format, prefixes=prefixes)
        return
    # pyoxigraph writes expanded JSON-LD (a list of node objects); it becomes the "@graph" of a
    # document whose "@context" declares kg's prefixes, streamed so memory stays flat.
    expanded = target + ".expanded"
    ox.serialize(ox.parse(path=source, format=source_format), expanded, fmt.rdf_format)
    context = json.dumps({"@context": dict(sorted((prefixes or {}).items()))}, ensure_ascii=False)[:-1]
    with open(expanded, "rb") as src, open(target, "wb") as dst:
        dst.write(context.encode("utf-8") + b', "@graph": ')
        shutil.copyfileobj(src, dst, 1 << 20)
        dst.write(b"}\n")
    os.remove(expanded)


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


def check_store_target(target: Path) -> None:
    """A store may go to ``target``: it is new, empty, or an Oxigraph store (replaced); else an error."""
    target = Path(target)
    if target.exists() and not (target.is_dir() and (is_store(target) or not any(target.iterdir()))):
        raise BuildError(f"{target} exists and is not an Oxigraph store; choose an empty or new folder for --store")


def write_store(graph: SortedGraph, target: Path, incremental: bool = True) -> int:
    """Put ``graph`` in an Oxigraph store at ``target`` (replacing a previous store).

    The new store is made beside ``target`` and swapped in when complete. When ``target`` is a
    store a previous build wrote (its ``STORE_MANIFEST`` lists a digest per named graph), the
    new one starts as a copy of it (a RocksDB checkpoint: hard links) and only the named graphs
    whose quads changed are replaced; otherwise every quad is bulk-loaded. A ``target`` that
    exists and is neither empty nor an Oxigraph store is left alone (an error): it is not kg's.
    Returns how many named graphs were loaded.
    """
    target = Path(target)
    check_store_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-", dir=target.parent))
    try:
        previous = _manifest(target) if incremental else None
        changed = None
        if previous is not None:
            changed = {g for g, d in graph.digests.items() if previous.get(g) != d} | (previous.keys() - graph.digests.keys())
            if len(changed) > len(graph.digests) // 2:
                changed = None  # most of it: loading everything is faster
        if changed is None:
            store = ox.Store(str(building))
            _load(store, graph, None)
            loaded = len(graph.digests)
        else:
            loaded = len(changed & graph.digests.keys())
            building.rmdir()
            ox.Store.read_only(str(target)).backup(str(building))
            store = ox.Store(str(building))
            for g in sorted(changed):
                store.remove_graph(ox.NamedNode(g))
            _load(store, graph, changed & graph.digests.keys())
        store.flush()
        del store
        (building / STORE_MANIFEST).write_text(json.dumps({"graphs": graph.digests}, sort_keys=True) + "\n")
        old = None
        if target.exists():
            old = target.parent / f".{target.name}.old-{os.getpid()}"
            os.replace(target, old)
        os.replace(building, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return loaded


def _manifest(target: Path) -> dict[str, str] | None:
    """The graph digests of the store a previous build wrote at ``target``, if it is one."""
    try:
        data = json.loads((Path(target) / STORE_MANIFEST).read_text(encoding="utf-8"))
        return dict(data["graphs"]) if is_store(target) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _load(store: ox.Store, graph: SortedGraph, graphs: set[str] | None) -> None:
    """Bulk-load the quads of ``graph`` (only those of the named graphs ``graphs``, when given), in slices."""
    with open(graph.nquads, "rb") as fh:  # one bulk load of everything peaks at ~0.6 KB a quad: slices
        if graphs is None:
            while chunk := list(itertools.islice(fh, STORE_SLICE)):
                store.bulk_load(b"".join(chunk), format=ox.RdfFormat.N_QUADS)
            return
        pending: list[bytes] = []
        size = 0
        for g in sorted(graphs):
            begin, end = graph.blocks[g]
            fh.seek(begin)
            pending.append(fh.read(end - begin))
            size += end - begin
            if size > STORE_SLICE * 200:  # ~200 bytes a quad
                store.bulk_load(b"".join(pending), format=ox.RdfFormat.N_QUADS)
                pending, size = [], 0
        if pending:
            store.bulk_load(b"".join(pending), format=ox.RdfFormat.N_QUADS)


def remove_store(target: Path) -> bool:
    """Remove a store a previous build left (it would no longer match the exports)."""
    target = Path(target)
    if target.is_dir() and is_store(target):
        shutil.rmtree(target)
        return True
    return False


def json_bytes(data) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n").encode("utf-8")
