"""Quads -> files, through a table of formats; a build's files appear together or not at all.

The quads are first put in one fixed order, without duplicates (``sort_quads``): by graph,
then subject, predicate and object, compared as N-Quads text. The sort runs in bounded memory:
sorted runs of at most ``RUN_SIZE`` lines go to disk and are merged, so a corpus of any size
is written without holding its graph. The sorted quads are an N-Quads file, the union of the
graphs an N-Triples file (``kg.nt`` itself); pyoxigraph streams every other format from them,
so the same graph always gives the same bytes.

A build folder (``BuildFolder``) keeps each build whole: the files are written into a staging
folder, which becomes a version (``OUT/.kg/versions/ID``, ID the hash of its files) and is
published by switching one symbolic link (``OUT/.kg/current``) with one rename; ``OUT/kg.ttl``
and the other names are links through it that never change. A build that is killed leaves the
previous version published, and its leftovers are removed by the next build. One build at a
time writes a folder (a lock), and a folder that holds something else is refused.

    with BuildFolder(out) as folder:
        staged = folder.stage()
        graph = sort_quads(kg.rdf.statements(resolved), staged)
        names = write_formats(graph, {"build.json": ...})
        folder.publish(staged, names)
"""
from __future__ import annotations

import dataclasses
import errno
import hashlib
import heapq
import itertools
import json
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pyoxigraph as ox
from rdflib import BNode, Dataset, Literal, URIRef

from kg.errors import BuildError, OutputError
from kg.vocab import PREFIXES

RUN_SIZE = 250_000  # lines sorted in memory at once (about 60 MB of N-Quads text)
STORE_SLICE = 300_000  # quads per bulk load into the store (~0.5 GB of loader memory)
GRAPH_FILE = "graph.nq"  # the sorted quads, in the staging folder (not published)
GRAPH_CACHE = "graphs.sqlite"  # in the extraction cache's folder: each document's graph, by digest (GraphCache)
STORE_MANIFEST = "kg-graphs.json"  # in a store kg wrote: the SHA-256 of each named graph's quads
KG_DIR = ".kg"  # in a build folder: versions, the current one, the lock
CACHE_DIR = ".kg-cache"  # in a build folder: the extraction cache (kg.cache)
STORE_DIR = "store"  # in a build folder: the on-disk Oxigraph store, when the build has one
# Every name a build publishes in its folder (a link into the current version, when the build has it).
SHARDS_DIR = "shards"  # in a build folder, with --split N: the quads in N files, for loading in parallel
PUBLISHED = ("kg.ttl", "kg.trig", "kg.nt", "kg.jsonld", "ontology.ttl", "build.json", "graph.html", STORE_DIR,
             SHARDS_DIR)
SHARD_FORMATS = {"nq": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}


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

    def extend(self, lines: Iterable[str]) -> None:
        self.buffer.extend(lines)
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
               run_size: int | None = None) -> SortedGraph:
    """Write the quads sorted and deduplicated to ``folder/graph.nq``, and their union to ``folder/kg.nt``.

    ``statements``: (graph, "subject predicate object") in canonical N-Quads text, as
    ``kg.rdf.statements`` yields them, or pyoxigraph quads. (GNU sort(1) was tried in place of
    the Python merge sort: 10 s less CPU here at 10,000 documents, the same wall time.)
    """
    folder = Path(folder)
    by_graph = _ExternalSort(folder, "quads", run_size or RUN_SIZE)
    union = _ExternalSort(folder, "triples", run_size or RUN_SIZE)
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


# ---- each document's graph, kept between builds ------------------------------------------------------
class GraphBlock(NamedTuple):
    """One named graph as written: its IRI (``<...>``) and its quads, sorted, unique, as N-Quads lines."""

    graph: str
    data: bytes


def graph_block(graph: str, statements: Iterable[tuple[str, str]]) -> GraphBlock:
    """The block of ``graph`` from its statements ((graph, "s p o"), all in ``graph``)."""
    lines = set()
    for g, spo in statements:
        if g != graph:
            raise ValueError(f"a quad of {g} in the block of {graph}")
        lines.add(f"{spo} {g} .\n")
    return GraphBlock(graph, "".join(sorted(lines)).encode())


class GraphCache:
    """The block of each document's graph by the digest of what it was made of (``OUT/.kg-cache/graphs.sqlite``).

    A rebuild takes the graphs of unchanged documents from here instead of making and sorting
    their quads again; blocks the build did not use are dropped at its end (``prune``). A cache
    that cannot be read is started anew."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / GRAPH_CACHE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = self._connect()
            self.db.execute("SELECT count(*) FROM graph").fetchone()
        except sqlite3.DatabaseError:
            for suffix in ("", "-wal", "-shm"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
            self.db = self._connect()
        self.db.execute("CREATE TEMP TABLE used (digest TEXT PRIMARY KEY)")
        self._new: list[tuple[str, bytes]] = []
        self._used: list[tuple[str]] = []
        self.hits = 0

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS graph (digest TEXT PRIMARY KEY, data BLOB NOT NULL)")
        db.commit()
        return db

    def get(self, digest: str) -> bytes | None:
        self._use(digest)
        row = self.db.execute("SELECT data FROM graph WHERE digest = ?", (digest,)).fetchone()
        if row is not None:
            self.hits += 1
        return row[0] if row is not None else None

    def put(self, digest: str, data: bytes) -> None:
        self._new.append((digest, data))
        if len(self._new) >= 500:
            self.flush()

    def _use(self, digest: str) -> None:
        self._used.append((digest,))
        if len(self._used) >= 5000:
            self.flush()

    def flush(self) -> None:
        self.db.executemany("INSERT OR REPLACE INTO graph (digest, data) VALUES (?, ?)", self._new)
        self.db.executemany("INSERT OR IGNORE INTO used (digest) VALUES (?)", self._used)
        self.db.commit()
        self._new, self._used = [], []

    def prune(self) -> int:
        """Drop the blocks this build did not use; how many went."""
        self.flush()
        dropped = self.db.execute("DELETE FROM graph WHERE digest NOT IN (SELECT digest FROM used)").rowcount
        self.db.commit()
        return dropped

    def close(self) -> None:
        self.db.close()


def sort_graphs(items: Iterable[tuple[str, str] | GraphBlock], folder: Path, run_size: int | None = None) -> SortedGraph:
    """``sort_quads`` for statements and whole graph blocks mixed: the same files, the same bytes.

    The blocks (each document's graph, sorted already) are put side by side in the order of their
    graphs; only the other statements (the entities graph) and the union of the triples are sorted.
    """
    folder = Path(folder)
    rest = _ExternalSort(folder, "quads", run_size or RUN_SIZE)
    union = _ExternalSort(folder, "triples", run_size or RUN_SIZE)
    index: list[tuple[str, int, int]] = []  # graph, offset, length in the blocks file
    scratch = folder / "blocks.tmp"
    offset = 0
    with open(scratch, "wb") as fh:
        for item in items:
            if isinstance(item, GraphBlock):
                fh.write(item.data)
                index.append((item.graph, offset, len(item.data)))
                offset += len(item.data)
                cut = len(item.graph) + 3  # " <g> ." at the end of each line
                # split at "\n" only: a literal may hold U+0085, U+2028 ... (N-Triples escapes none of them)
                union.extend(line[:-cut] for line in item.data.decode().split("\n")[:-1])
            else:
                graph, spo = item
                rest.add(f"{graph} {spo}")
                union.add(spo)
    try:
        with open(scratch, "rb") as blocks:
            return _write_graphs(_graphs(rest, sorted(index), blocks), union, folder)
    finally:
        scratch.unlink(missing_ok=True)


def _graphs(rest: Iterable[str], index: list[tuple[str, int, int]], blocks) -> Iterator[tuple[str, bytes]]:
    """(graph, its N-Quads lines) in the order of the graphs: ``rest``'s sorted "graph s p o" lines grouped,
    and the blocks of ``index`` (graph, offset, length in ``blocks``), sorted by graph; merged."""
    def grouped() -> Iterator[tuple[str, int, bytes]]:
        for graph, lines in itertools.groupby(rest, key=lambda line: line.split(" ", 1)[0]):
            cut = len(graph) + 1
            yield graph, 0, "".join(f"{line[cut:]} {graph} .\n" for line in lines).encode()

    def read() -> Iterator[tuple[str, int, bytes]]:
        for graph, start, length in index:
            blocks.seek(start)
            yield graph, 1, blocks.read(length)

    for graph, parts in itertools.groupby(heapq.merge(grouped(), read(), key=lambda p: p[0]), key=lambda p: p[0]):
        data = [p[2] for p in parts]
        if len(data) == 1:
            yield graph, data[0]
        else:  # one graph from several sources: its lines merged again
            lines = {line + "\n" for d in data for line in d.decode().split("\n")[:-1]}
            yield graph, "".join(sorted(lines)).encode()


def _write_graphs(graphs: Iterable[tuple[str, bytes]], union, folder: Path) -> SortedGraph:
    """``_write_sorted`` for whole graphs, in order."""
    nquads, ntriples = folder / GRAPH_FILE, folder / "kg.nt"
    n_quads = n_triples = offset = 0
    digests: dict[str, str] = {}
    blocks: dict[str, tuple[int, int]] = {}
    with open(nquads, "wb") as fh:
        for graph, data in graphs:
            fh.write(data)
            digests[graph[1:-1]] = hashlib.sha256(data).hexdigest()
            blocks[graph[1:-1]] = (offset, offset + len(data))
            offset += len(data)
            n_quads += data.count(b"\n")
    with open(ntriples, "w", encoding="utf-8", newline="\n") as out:
        for line in union:
            out.write(line + " .\n")
            n_triples += 1
    return SortedGraph(nquads, ntriples, n_quads, n_triples, digests, blocks)


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
def write_formats(graph: SortedGraph, extra_files: dict[str, bytes]) -> list[str]:
    """Write every format of ``graph`` plus ``extra_files`` beside its sorted quads; the names written.

    (Writing the formats side by side, a process each, was measured at 10,000 documents: no
    faster, as the page and the store already keep the second core busy.)
    """
    folder = graph.nquads.parent
    for fmt in FORMATS:
        path = folder / fmt.file
        if path != graph.ntriples:
            _serialize(str(graph.nquads if fmt.quads else graph.ntriples), fmt.quads, str(path), fmt.file)
    for name, data in extra_files.items():
        (folder / name).write_bytes(data)
    return [fmt.file for fmt in FORMATS] + list(extra_files)


def write_shards(graph: SortedGraph, n: int, fmt: str = "nq") -> str:
    """The quads of ``graph`` in ``n`` files of about the same size (fewer when there are fewer named
    graphs), each named graph whole in one of them: ``shards/kg-001.nq`` ... in ``graph``'s folder, in
    the order of the graphs. A triple store loads them side by side (``oxigraph load --file`` each,
    QLever, Virtuoso ``ld_dir``). ``fmt``: "nq" (N-Quads, the sorted lines as they are) or "trig"
    (TriG with kg's prefixes). Returns the folder's name."""
    if fmt not in SHARD_FORMATS:
        raise BuildError(f"--split-format must be one of {', '.join(SHARD_FORMATS)} (got {fmt!r})")
    folder = graph.nquads.parent / SHARDS_DIR
    folder.mkdir()
    ranges = sorted(graph.blocks.values())
    total = ranges[-1][1] if ranges else 0
    n = max(1, min(n, len(ranges)))
    cuts: list[tuple[int, int]] = []  # byte ranges of graph.nquads, at graph boundaries
    start = 0
    for _, end in ranges:  # a shard ends once it holds its even share of what is left
        if len(cuts) < n - 1 and end - start >= (total - start) / (n - len(cuts)):
            cuts.append((start, end))
            start = end
    if start < total or not cuts:
        cuts.append((start, total))
    width = max(3, len(str(len(cuts))))
    prefixes = {k: str(v) for k, v in PREFIXES.items()}
    with open(graph.nquads, "rb") as src:
        for i, (begin, end) in enumerate(cuts, 1):
            target = folder / f"kg-{i:0{width}d}.{fmt}"
            src.seek(begin)
            data = src.read(end - begin)
            if fmt == "nq":
                target.write_bytes(data)
            else:
                ox.serialize(ox.parse(data, format=ox.RdfFormat.N_QUADS), str(target), SHARD_FORMATS[fmt],
                             prefixes=prefixes)
    return SHARDS_DIR


def write_exports(graph: Dataset, out: Path, extra_files: dict[str, bytes]) -> list[Path]:
    """Write every format of an rdflib Dataset's named graphs, plus ``extra_files``, as a new build in ``out``."""
    with BuildFolder(out) as folder:
        staged = folder.stage()
        names = write_formats(sort_quads(ox_quads(graph), staged), extra_files)
        return folder.publish(staged, names)


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


# ---- the build folder: versions, one switch, a lock ----------------------------------------------------
def pause_point(name: str) -> None:
    """A test hook: with ``KG_TEST_PAUSE=NAME:FILE`` in the environment, create FILE and wait at NAME.

    The tests kill a build waiting at each point of publishing and check what its folder holds."""
    spec = os.environ.get("KG_TEST_PAUSE", "")
    point, _, flag = spec.partition(":")
    if point == name and flag:
        Path(flag).write_text(str(os.getpid()))
        time.sleep(600)


def is_build(out: Path) -> bool:
    """Does ``out`` hold a kg build (or the cache of one)? Older kg wrote build.json and no ``.kg``."""
    out = Path(out)
    if (out / KG_DIR).is_dir() or (out / CACHE_DIR).is_dir():
        return True
    try:
        return "kg" in json.loads((out / "build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        return False


def check_out(out: Path) -> None:
    """``out`` may take a build: new, empty, or a kg build; never /, the home folder or a file."""
    out = Path(out)
    where = Path(os.path.realpath(out))
    if where == Path(where.anchor):
        raise OutputError(f"--out {out} is the root of the file system; give kg a folder of its own (e.g. --out my-graph)")
    if where == Path(os.path.realpath(Path.home())):
        raise OutputError(f"--out {out} is your home folder; give kg a folder of its own (e.g. --out my-graph)")
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out} is a file; give a folder (kg writes several files there)")
    if out.is_dir() and any(out.iterdir()) and not is_build(out):
        raise OutputError(f"--out {out} is not empty and holds no kg build; choose a new or empty folder "
                          "(kg replaces what it writes there)")


class BuildFolder:
    """``OUT`` as kg keeps it; see the module's docstring. A context manager: refuse, lock, clean up.

        OUT/kg.ttl, kg.trig, ...   -> .kg/current/kg.ttl, ...   (links that never change)
        OUT/.kg/current            -> versions/ID               (switched with one rename)
        OUT/.kg/versions/ID/       a complete build (its files, graph.html, store/)
        OUT/.kg/lock               held (flock) by the build writing OUT
        OUT/.kg-cache/             the extraction cache, shared by the versions
    """

    def __init__(self, out: Path):
        self.out = Path(out)
        self.kg = self.out / KG_DIR
        self.versions = self.kg / "versions"
        self._lock: int | None = None
        self._staged: list[Path] = []

    def __enter__(self) -> BuildFolder:
        check_out(self.out)
        self.versions.mkdir(parents=True, exist_ok=True)
        self._take_lock()
        self._clean()
        return self

    def __exit__(self, *exc) -> None:
        for folder in self._staged:
            shutil.rmtree(folder, ignore_errors=True)
        if self._lock is not None:
            os.close(self._lock)  # releases the lock
            self._lock = None

    def _take_lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock
            return
        fd = os.open(self.kg / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise OutputError(f"another kg build is writing to {self.out} (pid {holder}); wait for it to "
                                  "finish, or choose another --out") from None
            raise OutputError(f"cannot lock {self.out} ({exc.strerror}): its file system does not support locks; "
                              "choose another --out") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock = fd

    def current(self) -> Path | None:
        """The published version's folder, if there is one."""
        link = self.kg / "current"
        return link if link.is_dir() else None

    def _current_id(self) -> str | None:
        try:
            return Path(os.readlink(self.kg / "current")).name
        except OSError:
            return None

    def _clean(self) -> None:
        """Remove what killed builds left: staging folders, unpublished versions, half-made links."""
        keep = self._current_id()
        for entry in self.kg.iterdir():
            if entry.name.startswith(("staging-", "trash-")):
                shutil.rmtree(entry, ignore_errors=True)
            elif entry.name.startswith(("current.new-", "spill-")):  # spill-PID.sqlite: kg.spill's records
                entry.unlink(missing_ok=True)
        for version in self.versions.iterdir():
            if version.name != keep:
                shutil.rmtree(version, ignore_errors=True)
        for entry in self.out.iterdir():  # older kg staged here; old stores were swapped here
            if entry.name.startswith((".staging-", f".{STORE_DIR}.building-", f".{STORE_DIR}.old-")):
                shutil.rmtree(entry, ignore_errors=True)

    def stage(self) -> Path:
        """A new, empty folder for a build (removed when the build fails)."""
        folder = Path(tempfile.mkdtemp(prefix=f"staging-{os.getpid()}-", dir=self.kg))
        folder.chmod(0o755)  # mkdtemp's 0700 would keep the published build from other users
        self._staged.append(folder)
        return folder

    def publish(self, staged: Path, names: list[str]) -> list[Path]:
        """Make the build in ``staged`` (its ``names``; anything else there is scratch) the published one."""
        for entry in list(staged.iterdir()):
            if entry.name not in names:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        for name in names:
            files = sorted((staged / name).iterdir()) if name == SHARDS_DIR else [staged / name]
            for file in files:
                if file.is_file():
                    with open(file, "rb+") as fh:
                        os.fsync(fh.fileno())
        pause_point("staged")
        version_id = _content_id(staged, names)
        old = self._current_id()
        if version_id == old:  # the same bytes as the published build: nothing to switch
            shutil.rmtree(staged)
        else:
            os.rename(staged, self.versions / version_id)
            _fsync_dir(self.versions)
        self._staged.remove(staged)
        pause_point("versioned")
        for name in names:  # new names: links that show nothing until the switch
            if not os.path.lexists(self.out / name):
                os.symlink(Path(KG_DIR) / "current" / name, self.out / name)
        pause_point("linked")
        if version_id != old:
            switch = self.kg / f"current.new-{os.getpid()}"
            os.symlink(Path("versions") / version_id, switch)
            os.replace(switch, self.kg / "current")  # the switch: every name now shows the new build
            _fsync_dir(self.kg)
        pause_point("switched")
        for name in PUBLISHED:
            self._relink(name, name in names)
        _fsync_dir(self.out)
        pause_point("relinked")
        if old is not None and old != version_id:
            shutil.rmtree(self.versions / old, ignore_errors=True)
        return [self.out / name for name in names]

    def _relink(self, name: str, published: bool) -> None:
        """``OUT/name`` as a link into the current version when the build has it; else gone.

        Anything else kg once put there (a file of an older kg, a page `kg view` wrote) is replaced."""
        path, target = self.out / name, Path(KG_DIR) / "current" / name
        if path.is_symlink() and Path(os.readlink(path)) == target and published:
            return
        if os.path.lexists(path) and path.is_dir() and not path.is_symlink():
            trash = Path(tempfile.mkdtemp(prefix="trash-", dir=self.kg))
            os.rename(path, trash / name)  # a store an older kg wrote here
            shutil.rmtree(trash, ignore_errors=True)
        if published:
            new = self.out / f".{name}.link-{os.getpid()}"
            os.symlink(target, new)
            os.replace(new, path)
        elif os.path.lexists(path):
            path.unlink()


def _content_id(folder: Path, names: list[str]) -> str:
    """A version's id: the hash of its files (a store counts by its manifest of graph digests)."""
    h = hashlib.sha256()
    for name in sorted(names):
        path = folder / name
        h.update(name.encode() + b"\0")
        files = [path / STORE_MANIFEST] if path.is_dir() and name != SHARDS_DIR else \
            sorted(path.iterdir()) if path.is_dir() else [path]
        for file in files:
            h.update(file.name.encode() + b"\0")
            with open(file, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    h.update(chunk)
        h.update(b"\0")
    return h.hexdigest()[:16]


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a folder
    finally:
        os.close(fd)


# ---- the on-disk store -------------------------------------------------------------------------------
def is_store(path: Path) -> bool:
    """An Oxigraph (RocksDB) store folder."""
    return (Path(path) / "CURRENT").is_file() and any(Path(path).glob("MANIFEST-*"))


def check_store_target(target: Path) -> None:
    """A store may go to ``target``: it is new, empty, or an Oxigraph store (replaced); else an error."""
    target = Path(target)
    if target.exists() and not (target.is_dir() and (is_store(target) or not any(target.iterdir()))):
        raise BuildError(f"{target} exists and is not an Oxigraph store; choose an empty or new folder for --store")


def write_store(graph: SortedGraph, target: Path, incremental: bool = True, previous: Path | None = None) -> int:
    """Put ``graph`` in an Oxigraph store at ``target`` (replacing a previous store).

    The new store is made beside ``target`` and swapped in when complete. When the previous
    store (``previous``, else ``target`` itself) is one a build wrote (its ``STORE_MANIFEST``
    lists a digest per named graph), the new one starts as a copy of it (a RocksDB checkpoint:
    hard links) and only the named graphs whose quads changed are replaced; otherwise every
    quad is bulk-loaded. A ``target`` that exists and is neither empty nor an Oxigraph store is
    left alone (an error): it is not kg's. Returns how many named graphs were loaded.
    """
    target = Path(target)
    source = Path(previous) if previous is not None else target
    check_store_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    for kind in ("building", "old"):  # what a killed build left beside the store
        prefix = f".{target.name}.{kind}-"
        for stale in target.parent.glob(prefix + "*"):
            if not _running(stale.name[len(prefix):].split("-")[0]):
                shutil.rmtree(stale, ignore_errors=True)
    building = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-{os.getpid()}-", dir=target.parent))
    try:
        previous_digests = _manifest(source) if incremental else None
        changed = None
        if previous_digests is not None:
            changed = {g for g, d in graph.digests.items() if previous_digests.get(g) != d} \
                | (previous_digests.keys() - graph.digests.keys())
            if len(changed) > len(graph.digests) // 2:
                changed = None  # most of it: loading everything is faster
        if changed is None:
            store = ox.Store(str(building))
            _load(store, graph, None)
            loaded = len(graph.digests)
        else:
            loaded = len(changed & graph.digests.keys())
            building.rmdir()
            ox.Store.read_only(str(source)).backup(str(building))
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


def _running(pid: str) -> bool:
    """Is process ``pid`` running (a build still making its store)?"""
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


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


def json_bytes(data) -> bytes:
    # a file name's undecodable bytes (surrogate escapes) are written as JSON escapes, not as invalid UTF-8
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n").encode(
        "utf-8", "backslashreplace")
