"""The build: documents -> extractions -> resolution -> quads -> exports, as one call.

    report = build(BuildSettings(inputs=(Path("seeds"),), out=Path("exports")))

Stages, and what each keeps in memory:

* read: every input document (its text and metadata);
* cache: the extractions of unchanged documents come from ``OUT/.kg-cache/`` (``kg.cache``);
* extract: the others are parsed and read in batches, by ``jobs`` worker processes that each
  load the model once, under a budget of time and memory per document (``kg.parallel``); a
  parsed spaCy document lives only as long as its batch, and what is kept is its Extraction
  (records, no spaCy objects); or, with ``engine="dask"`` / ``scheduler``, by the workers of a Dask
  cluster, the batches consumed as they complete (``kg.distributed``);
* resolve: passes over the extractions in document id order, keeping one entry per actor, place,
  role and event (``kg.resolve.resolve_stream``); up to ``spill_after`` documents the records are
  in memory, beyond that each document and its records are on disk (``kg.spill``: the documents in
  a SQLite file beside the build, the records in the extraction cache) and each pass reads them back;
* rdf + write: quads are generated lazily, the entities and then each document's part
  (``kg.rdf.Writer``: a document's part is made as the last pass reads it), sorted on disk and streamed into
  every format (``kg.export``); no in-memory RDF graph is built;
* store: builds of ``STORE_THRESHOLD`` documents or more (or any build given ``store``) are
  also loaded into an on-disk Oxigraph store, which ``kg query`` opens; a rebuild replaces only
  the named graphs that changed (``kg.export.write_store``);
* html: the graph page (``kg.viz``);
* publish: the files, page and store were written into a new version of the build folder, which
  replaces the published one at once (``kg.export.BuildFolder``). The folder is locked for the
  whole build, and a failure anywhere leaves the previous build as it was.

The outputs depend only on the inputs: the same bytes with any number of jobs, and the same
bytes from an incremental build as from a clean one.
"""
from __future__ import annotations

import contextlib
import dataclasses
import errno
import functools
import gc
import hashlib
import itertools
import math
import os
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kg import __version__
from kg.errors import BuildError, KgError, OutputError
from kg.models import Document, Extraction

if TYPE_CHECKING:
    from kg.export import BuildFolder
    from kg.spill import Spill

Warn = Callable[[str], None]
PROGRESS_MIN_DOCS = 20  # smaller builds finish before a bar is worth drawing
# Builds of this many documents or more also write OUT/store/ (an Oxigraph store): from here
# on, loading kg.trig into memory for every `kg query` takes seconds (about 0.5 s per 1,000
# documents) while opening the store takes milliseconds.
STORE_THRESHOLD = 2000
STORE_DIR = "store"
ENGINES = ("local", "dask")
SPILL_AFTER = 20_000  # about 1 GB of extraction records
SUMMARY_WARNINGS = 20  # warnings listed in the summary; the rest are counted (all are in build.json)


@dataclass(frozen=True)
class BuildSettings:
    inputs: tuple[Path, ...]
    out: Path = Path("exports")
    model: str | None = None
    jobs: int | None = None  # None: the cores available
    cache: bool = True  # False: re-read every document (the cache is refreshed, not consulted), reload the store
    store: Path | None = None  # None: OUT/store/ when the build has STORE_THRESHOLD documents or more
    html: bool = True
    progress: bool = True
    batch_size: int = 32  # documents per batch handed to a worker
    doc_timeout: float | None = 120.0  # seconds one document may take to read; None or 0: no limit
    doc_memory: int | None = 2000  # MB a worker may grow by while reading one document; None or 0: no limit
    curation: Path | None = None  # None: the curation.yaml of each input folder, if any (kg.curation)
    engine: str = "local"  # "local": kg's worker processes (kg.parallel); "dask": a Dask cluster (kg.distributed)
    scheduler: str | None = None  # the Dask scheduler's address (implies engine "dask"); None: a LocalCluster of jobs workers
    # documents whose records a build keeps in memory (~46 KB each); beyond, they are spilled to disk
    # and resolution streams them (kg.spill); None: never spill
    spill_after: int | None = SPILL_AFTER
    split: int | None = None  # also write the quads as this many shards (OUT/shards/), for parallel bulk loads
    split_format: str = "nq"  # the shards' format: "nq" (N-Quads) or "trig"

    @property
    def dask(self) -> bool:
        return self.engine == "dask" or self.scheduler is not None


@dataclass(frozen=True)
class BuildReport:
    out: Path
    documents: int
    failed: int
    counts: dict[str, int]
    files: tuple[Path, ...]
    warnings: tuple[str, ...]
    seconds: dict[str, float] = field(default_factory=dict)
    cached: int = 0  # documents whose extraction came from the cache
    jobs: int = 1  # processes that read documents (0: none was needed)
    store: Path | None = None
    quads: int = 0
    store_graphs: int = 0  # named graphs (re)loaded into the store: all, or those that changed
    graphs_reused: int = 0  # documents' named graphs taken from the cache as an earlier build wrote them

    def summary(self) -> str:
        lines = [f"built {self.out} from {self.documents} document(s)"
                 + (f" ({self.failed} could not be read)" if self.failed else "")]
        read = self.documents - self.cached
        lines.append(f"  read {read} document(s)" + (f" with {self.jobs} process(es)" if read else "")
                     + f", {self.cached} from the cache")
        lines.append("  " + ", ".join(f"{k}: {v}" for k, v in self.counts.items()) + f"; {self.quads} quads")
        lines.append("  files: " + ", ".join(p.name for p in self.files)
                     + (f"; store: {self.store} ({self.store_graphs} named graph(s) loaded)" if self.store else ""))
        if self.seconds:
            total = sum(self.seconds.values())
            lines.append("  time: " + ", ".join(f"{k} {v:.2f}s" for k, v in self.seconds.items())
                         + f" (total {total:.1f}s)")
        if self.warnings:
            lines.append(f"  warnings: {len(self.warnings)}")
            lines.extend(f"    {w}" for w in self.warnings[:SUMMARY_WARNINGS])
            if len(self.warnings) > SUMMARY_WARNINGS:
                lines.append(f"    … and {len(self.warnings) - SUMMARY_WARNINGS} more (see {self.out / 'build.json'})")
        return "\n".join(lines)


@contextlib.contextmanager
def _gc_paused():
    """No cyclic garbage collection while millions of long-lived, acyclic records are made.

    Each full collection walks every record alive; at 10,000 documents that is ~10 s of the
    cache load, resolution and quad sorting. Worker and page processes turn it back on.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Stages:
    """Wall time per stage, in the order the stages ran."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._start = time.perf_counter()

    def done(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = self.seconds.get(name, 0.0) + now - self._start
        self._start = now


def build(settings: BuildSettings, warn: Warn = lambda msg: None,
          extractor: Callable[[Document, object], Extraction] | None = None) -> BuildReport:
    """Build the graph of ``settings.inputs`` into ``settings.out``.

    ``extractor`` replaces ``kg.extract.extract`` (same signature; a module-level function, so
    worker processes can import it): a hook for tests and experiments. Its results are cached
    like the real extractor's, so give it its own output folder or ``cache=False``.
    """
    from kg.export import BuildFolder

    if settings.jobs is not None and settings.jobs < 1:
        raise BuildError(f"--jobs must be 1 or more (got {settings.jobs})")
    if settings.engine not in ENGINES:
        raise BuildError(f"--engine must be one of {', '.join(ENGINES)} (got {settings.engine!r})")
    with _writing(settings.out), BuildFolder(settings.out) as folder:
        return _build(settings, folder, warn, extractor)


def _build(settings: BuildSettings, folder: BuildFolder, warn: Warn, extractor) -> BuildReport:
    from kg.cache import ExtractionCache
    from kg.curation import curate_stream
    from kg.export import (
        CACHE_DIR,
        GraphBlock,
        GraphCache,
        check_store_target,
        graph_block,
        json_bytes,
        sort_graphs,
        write_formats,
        write_shards,
        write_store,
    )
    from kg.ingest import read_documents
    from kg.nlp.model import model_name
    from kg.ontology import ontology_path
    from kg.parallel import Background, available_cores
    from kg.rdf import Writer
    from kg.resolve import resolve_stream

    warnings: list[str] = []

    def note(msg: str) -> None:
        warnings.append(msg)
        warn(msg)

    stages = _Stages()
    left_out: list[str] = []

    def left(msg: str) -> None:
        left_out.append(msg)
        note(msg)

    model = model_name(settings.model)
    later = contextlib.ExitStack()
    cache = ExtractionCache.for_build(settings.out, model, note)
    staged = folder.stage()
    graphs = GraphCache(settings.out / CACHE_DIR)
    corpus = _Corpus(cache, settings.spill_after, folder.kg / f"spill-{os.getpid()}.sqlite")
    try:
        corpus.read(read_documents(settings.inputs, note, skipped=left))
        unread = len(left_out)
        if not len(corpus):
            raise BuildError("nothing could be built: no readable document in "
                             + ", ".join(str(p) for p in settings.inputs)
                             + (" (see the messages above)" if warnings else ""))
        stages.done("read")

        # The store goes into the build (OUT/store) unless --store names a folder elsewhere.
        outside = settings.store if settings.store is not None and \
            not _is_default_store(settings.store, settings.out) else None
        versioned_store = outside is None and (settings.store is not None or len(corpus) >= STORE_THRESHOLD)
        if outside is not None:
            check_store_target(outside)
        with _gc_paused():
            todo, n_todo = corpus.todo(settings.cache)
        n_cached = len(corpus) - n_todo if settings.cache else 0
        stages.done("cache")

        jobs_allowed = settings.jobs or available_cores()
        jobs = min(jobs_allowed, n_todo)
        failures, jobs = _extract(todo, n_todo, corpus, cache, settings, model, jobs, len(corpus), warn, extractor)
        stages.done("extract")

        for _, msg in sorted(failures.values()):  # in input order, whichever process read what first
            warnings.append(msg)
        if len(corpus) == len(failures):
            raise BuildError("nothing could be built: every document failed (see the messages above)")

        later.enter_context(_gc_paused())  # until the end of the build
        noted: list[tuple[int, tuple[str, ...]]] = []
        def seen(order: int, x: Extraction) -> None:
            if x.warnings:
                noted.append((order, x.warnings))

        records = corpus.records(failures, seen)
        entities, parts = resolve_stream(records)
        for _, said in sorted(noted):  # in input order
            for w in said:
                note(w)
        # curation after resolution (kg.curation): the entities and each document's part as corrected
        entities, parts, curated = curate_stream(entities, parts, settings.inputs, settings.curation, note)
        stages.done("resolve")

        writer = Writer()
        listed: list[dict] = []
        n_statements = n_accusations = 0

        salt = _writer_fingerprint()

        def quads():
            nonlocal n_statements, n_accusations
            yield from writer.entities(entities)
            for part in parts:
                d = part.document
                listed.append({"id": d.id, "path": d.path, "published": d.published})
                n_statements += len(part.statements)
                n_accusations += len(part.accusations)
                yield from writer.statements(part)
                # the document's graph: kept from an earlier build when made of the same records
                digest = _part_digest(salt, part)
                data = graphs.get(digest) if settings.cache else None
                if data is None:
                    block = graph_block(writer.graph_of(d.id), writer.document_graph(part))
                    graphs.put(digest, block.data)
                    yield block
                else:
                    yield GraphBlock(writer.graph_of(d.id), data)

        graph = sort_graphs(quads(), staged)
        n_extracted = len(listed)
        counts = {
            "documents": n_extracted, "actors": len(entities.actors), "roles": len(entities.roles),
            "meetings": len(entities.meetings), "statements": n_statements, "ceasefires": len(entities.ceasefires),
            "accusations": n_accusations, **({"curated changes": curated} if curated else {}),
        }
        info = {
            "kg": __version__, "inputs": [str(p) for p in settings.inputs], "documents": listed,
            "counts": counts, "versions": _versions(model), "warnings": warnings,
        }
        extra = {"ontology.ttl": ontology_path().read_bytes(), "build.json": json_bytes(info)}
        corpus.release()  # from here on, the sorted quads are what is needed
        store_graphs = 0
        stages.done("rdf")
        current = folder.current()
        store_dir = staged / STORE_DIR if versioned_store else outside
        previous = current / STORE_DIR if versioned_store and current is not None and (current / STORE_DIR).is_dir() \
            else None
        # With jobs, the page (a process) and the store (a thread: the bulk loader releases the
        # GIL) are made while the files are written; "store" and "html" are then the extra waits.
        side = jobs_allowed > 1
        page = Background(_write_page, graph.nquads, staged / "graph.html", process=True) \
            if side and settings.html else None
        loading = Background(write_store, graph, store_dir, settings.cache, previous) if side and store_dir else None
        try:
            names = write_formats(graph, extra)
            if settings.split:
                names.append(write_shards(graph, settings.split, settings.split_format))
            stages.done("write")
            if store_dir is not None:
                store_graphs = loading.result() if loading is not None else \
                    write_store(graph, store_dir, settings.cache, previous)
                stages.done("store")
            if settings.html:
                problem = page.result() if page is not None else _write_page(graph.nquads, staged / "graph.html")
                if problem:
                    note(f"graph.html not written: {problem}")
                else:
                    names.append("graph.html")
                stages.done("html")
        finally:
            for job in (page, loading):
                if job is not None:
                    job.cancel()
        if versioned_store:
            names.append(STORE_DIR)
        files = [path for path in folder.publish(staged, names) if path.name != STORE_DIR]
        cache.prune(corpus.keys())
        graphs.prune()
        stages.done("write")
    finally:
        corpus.close()
        graphs.close()
        cache.close()
        later.close()
    return BuildReport(settings.out, n_extracted, len(failures) + unread, counts, tuple(files),
                       tuple(warnings), stages.seconds, cached=n_cached, jobs=jobs,
                       store=settings.out / STORE_DIR if versioned_store else outside,
                       quads=graph.n_quads, store_graphs=store_graphs, graphs_reused=graphs.hits)


class _Corpus:
    """The documents of a build and their extractions: in memory up to ``spill_after`` documents,
    beyond that on disk (``kg.spill``), read back by resolution one document at a time."""

    def __init__(self, cache, spill_after: int | None, spill_path: Path):
        self.cache, self.spill_after, self.spill_path = cache, spill_after, spill_path
        self.docs: list[Document] = []
        self.found: dict[str, Extraction] = {}
        self.sorted: list[Extraction] = []  # the extractions by document id, for resolution
        self.kept: list[str] = []  # the cache keys of the documents, once they are released
        self.spill: Spill | None = None

    def read(self, documents) -> None:
        from kg.spill import Spill

        limit = self.spill_after if self.spill_after is not None else math.inf
        for doc in documents:
            if self.spill is None and len(self.docs) >= limit:
                self.spill = Spill(self.spill_path, self.cache)
                for d in self.docs:
                    self.spill.add(d, self.cache.key(d))
                self.docs = []
            if self.spill is None:
                self.docs.append(doc)
            else:
                self.spill.add(doc, self.cache.key(doc))
        if self.spill is not None:
            self.spill.index()

    def __len__(self) -> int:
        return len(self.spill) if self.spill is not None else len(self.docs)

    def todo(self, cached: bool):
        """The documents to read, as (input order, document), and how many."""
        if self.spill is not None:
            return self.spill.todo(cached), self.spill.count_todo(cached)
        if cached:
            keys = {d.id: self.cache.key(d) for d in self.docs}
            hits = self.cache.get_many({keys[d.id]: d for d in self.docs})
            self.found = {d.id: hits[keys[d.id]] for d in self.docs if keys[d.id] in hits}
        todo = [(i, d) for i, d in enumerate(self.docs) if d.id not in self.found]
        return iter(todo), len(todo)

    def extracted(self, x: Extraction) -> None:
        if self.spill is None:
            self.found[x.document.id] = x

    def records(self, failures: dict, on_first):
        """Every extraction, by document id, as many times as asked (``kg.resolve.resolve_stream``)."""
        if self.spill is not None:
            from kg.spill import Records

            if failures:  # a failed document's older entry (--no-cache) is not this build's
                self.cache.drop(self.cache.key(d) for d in self.spill.documents(failures))
            return Records(self.spill, on_first)
        order = {d.id: i for i, d in enumerate(self.docs)}
        self.sorted = sorted(self.found.values(), key=lambda x: x.document.id)
        self.found = {}
        for x in self.sorted:
            on_first(order[x.document.id], x)
        return _Passes(self)

    def release(self) -> None:
        """Resolution is done: the records are no longer needed."""
        self.kept = [self.cache.key(d) for d in self.docs]
        self.found, self.sorted, self.docs = {}, [], []

    def keys(self):
        if self.spill is not None:
            return self.spill.keys()
        return iter(self.kept)

    def close(self) -> None:
        if self.spill is not None:
            self.spill.close()
            self.spill = None


class _Passes:
    """The in-memory extractions of a corpus, for as many passes as resolution makes (until released)."""

    def __init__(self, corpus: _Corpus):
        self.corpus = corpus

    def __iter__(self):
        return iter(self.corpus.sorted)


@functools.lru_cache(maxsize=1)
def _writer_fingerprint() -> str:
    """What a document's graph depends on besides its records: kg's version and the code that writes RDF."""
    import kg.rdf
    import kg.vocab

    h = hashlib.sha256(f"kg {__version__}".encode())
    for module in (kg.rdf, kg.vocab):
        h.update(Path(module.__file__ or "").read_bytes())
    return h.hexdigest()


def _part_digest(salt: str, part) -> str:
    """The digest of what a document's graph is made of (``kg.rdf.Writer.document_graph``)."""
    d = part.document
    made_of = (d.id, d.title, d.published, d.source, d.text, part.actors, part.evidence,
               tuple((s.id, s.evidence) for s in part.statements), tuple((a.id, a.evidence) for a in part.accusations),
               tuple((c, o.evidence) for c, o in part.observations))
    return hashlib.sha256(salt.encode() + repr(made_of).encode("utf-8", "surrogatepass")).hexdigest()


def _is_default_store(store: Path, out: Path) -> bool:
    """Is ``store`` the build's own OUT/store (which a version holds), however it is written?"""
    return Path(store).name == STORE_DIR and os.path.realpath(Path(store).parent) == os.path.realpath(out)


@contextlib.contextmanager
def _writing(out: Path):
    """Errors of writing ``out`` (a full disk, a read-only file system, no permission) as one clear line."""
    try:
        yield
    except (OSError, sqlite3.OperationalError) as exc:
        error = _output_error(exc, Path(out))
        if error is None:
            raise
        raise error from exc


_OUTPUT_PROBLEMS = {
    errno.ENOSPC: ("no space left on the device", "free some space or choose another --out"),
    errno.EDQUOT: ("disk quota exceeded", "free some space or choose another --out"),
    errno.EROFS: ("read-only file system", "choose another --out"),
    errno.EACCES: ("permission denied", "check its permissions or choose another --out"),
    errno.EPERM: ("operation not permitted", "check its permissions or choose another --out"),
}


def _output_error(exc: BaseException, out: Path) -> OutputError | None:
    """The OutputError an error of writing ``out`` is, or None when it is not one."""
    if isinstance(exc, sqlite3.OperationalError):  # the extraction cache
        text = str(exc).lower()
        code = errno.ENOSPC if "full" in text else errno.EROFS if "readonly" in text else \
            errno.EACCES if "unable to open" in text else None
        filename: str | None = os.path.join(out, ".kg-cache")
    elif isinstance(exc, OSError):
        code, filename = exc.errno, exc.filename
    else:
        return None
    # a file in the folder, the folder itself, or a folder above it that had to be made
    named, folder = os.path.realpath(filename) if filename else "", os.path.realpath(out)
    related = bool(named) and (named == folder or named.startswith(folder + os.sep) or folder.startswith(named + os.sep))
    if code not in (errno.ENOSPC, errno.EDQUOT, errno.EROFS) and not related:
        return None
    from kg.export import is_build

    what, fix = _OUTPUT_PROBLEMS.get(code or 0, (getattr(exc, "strerror", None) or str(exc), "choose another --out"))
    return OutputError(f"cannot write the build to {out}: {what}" + (f" ({filename})" if filename else "")
                       + f"; {fix}" + (" (the previous build there is unchanged)" if is_build(out) else ""))


def _extract(todo, n_todo: int, corpus: _Corpus, cache, settings: BuildSettings, model: str, jobs: int, total: int,
             warn: Warn, extractor) -> tuple[dict[str, tuple[int, str]], int]:
    """Read ``todo`` ((input order, document), ``n_todo`` of them) into the cache (and ``corpus``): the
    input order and warning of each document that failed, by id, and how many processes read them
    (on Dask: the cluster's worker threads)."""
    from kg.parallel import Budget, read_batches

    failures: dict[str, tuple[int, str]] = {}
    if not n_todo:
        return failures, 0
    given: dict[str, tuple[int, Document]] = {}  # the documents out for reading

    def batches(size: int):
        while batch := list(itertools.islice(todo, size)):
            for order, doc in batch:
                given[doc.id] = (order, doc)
            yield [doc for _, doc in batch]

    with contextlib.ExitStack() as stack:
        if settings.dask:
            from kg import distributed

            client = stack.enter_context(distributed.connect(settings.scheduler, jobs))
            jobs = distributed.threads(client)
        # on Dask, a few batches per worker: a lost worker's share is rerun, and a late joiner gets work
        size = max(1, min(settings.batch_size, math.ceil(n_todo / (jobs * (4 if settings.dask else 1)))))
        bar = _progress(total, total - n_todo, settings, n_todo)
        if bar is not None:
            stack.callback(bar.close)
        if settings.dask:
            results = distributed.read_batches(batches(size), client, model=model, extractor=extractor)
        else:
            budget = Budget(seconds=settings.doc_timeout or None, memory_mb=settings.doc_memory or None)
            results = read_batches(batches(size), model=model, jobs=jobs, extractor=extractor, budget=budget)
        for outcomes in results:  # in the order of the batches (local) or as they complete (Dask)
            fresh = []
            for o in outcomes:
                order, doc = given.pop(o.doc_id)
                if o.extraction is None:
                    failures[doc.id] = (order, _failed(doc, o.error or "unknown error", o.over_budget))
                    warn(failures[doc.id][1])
                    continue
                x = dataclasses.replace(o.extraction, document=doc)
                corpus.extracted(x)
                fresh.append((cache.key(doc), x))
            cache.put_many(fresh)  # at once: an interrupted build keeps what it read
            if bar is not None:
                bar.update(len(outcomes))
                if failures:
                    bar.set_postfix(failed=len(failures), refresh=False)
    return failures, jobs


def _write_page(nquads: Path, target: Path) -> str | None:
    """Write the graph page from the sorted quads; what went wrong, if the page could not be made."""
    import pyoxigraph as ox

    from kg.viz import ViewSettings, write_page_from_graph

    try:
        write_page_from_graph(iter(ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS)), target, ViewSettings())
    except KgError as exc:
        return str(exc)
    return None


def _failed(doc: Document, error: str, over_budget: bool = False) -> str:
    where = doc.path if doc.path and doc.path.endswith(f"{doc.id}.txt") else \
        f"{doc.path} (document {doc.id!r})" if doc.path else doc.id
    if over_budget:
        return f"{where}: skipped: {error}"
    return f"{where}: extraction failed ({error}); document skipped"


def _progress(total: int, done: int, settings: BuildSettings, todo: int):
    """A progress bar on stderr (rate and time left), only when stderr is a terminal."""
    if not settings.progress or todo < PROGRESS_MIN_DOCS or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    class Bar(tqdm):
        monitor_interval = 0  # no monitor thread: worker processes are forked after the bar is drawn

    return Bar(total=total, initial=done, unit="doc", desc="reading", file=sys.stderr, dynamic_ncols=True,
               smoothing=0.05)


def _versions(name: str) -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("spacy", "rdflib", "pyoxigraph"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "?"
    try:
        out["model"] = f"{name} {version(name.replace('_', '-'))}"
    except (PackageNotFoundError, ValueError):
        out["model"] = name
    return out
