"""The build: documents -> extractions -> resolution -> quads -> exports, as one call.

    report = build(BuildSettings(inputs=(Path("seeds"),), out=Path("exports")))

Stages, and what each keeps in memory:

* read: every input document (its text and metadata);
* cache: the extractions of unchanged documents come from ``OUT/.kg-cache/`` (``kg.cache``);
* extract: the others are parsed and read in batches, by ``jobs`` worker processes that each
  load the model once, under a budget of time and memory per document (``kg.parallel``); a
  parsed spaCy document lives only as long as its batch, and what is kept is its Extraction
  (records, no spaCy objects);
* resolve: all extractions at once, the entity table across documents (``kg.resolve``);
* rdf + write: quads are generated lazily (``kg.rdf.statements``), sorted on disk and streamed into
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
import gc
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

Warn = Callable[[str], None]
PROGRESS_MIN_DOCS = 20  # smaller builds finish before a bar is worth drawing
# Builds of this many documents or more also write OUT/store/ (an Oxigraph store): from here
# on, loading kg.trig into memory for every `kg query` takes seconds (about 0.5 s per 1,000
# documents) while opening the store takes milliseconds.
STORE_THRESHOLD = 2000
STORE_DIR = "store"
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
    with _writing(settings.out), BuildFolder(settings.out) as folder:
        return _build(settings, folder, warn, extractor)


def _build(settings: BuildSettings, folder: BuildFolder, warn: Warn, extractor) -> BuildReport:
    from kg.cache import ExtractionCache
    from kg.curation import curate
    from kg.export import check_store_target, json_bytes, sort_quads, write_formats, write_store
    from kg.ingest import read_documents
    from kg.nlp.model import model_name
    from kg.ontology import ontology_path
    from kg.parallel import Background, available_cores
    from kg.rdf import statements
    from kg.resolve import resolve

    warnings: list[str] = []

    def note(msg: str) -> None:
        warnings.append(msg)
        warn(msg)

    stages = _Stages()
    left_out: list[str] = []

    def left(msg: str) -> None:
        left_out.append(msg)
        note(msg)

    docs = list(read_documents(settings.inputs, note, skipped=left))
    unread = len(left_out)
    if not docs:
        raise BuildError("nothing could be built: no readable document in "
                         + ", ".join(str(p) for p in settings.inputs) + (" (see the messages above)" if warnings else ""))
    stages.done("read")

    model = model_name(settings.model)
    later = contextlib.ExitStack()
    # The store goes into the build (OUT/store) unless --store names a folder elsewhere.
    outside = settings.store if settings.store is not None and not _is_default_store(settings.store, settings.out) \
        else None
    versioned_store = outside is None and (settings.store is not None or len(docs) >= STORE_THRESHOLD)
    if outside is not None:
        check_store_target(outside)
    cache = ExtractionCache.for_build(settings.out, model, note)
    try:
        keys = {d.id: cache.key(d) for d in docs}
        with _gc_paused():
            cached = cache.get_many({keys[d.id]: d for d in docs}) if settings.cache else {}
        found = {d.id: cached[keys[d.id]] for d in docs if keys[d.id] in cached}
        stages.done("cache")

        todo = [d for d in docs if d.id not in found]
        jobs_allowed = settings.jobs or available_cores()
        jobs = min(jobs_allowed, len(todo))
        failures = _extract(todo, found, keys, cache, settings, model, jobs, len(docs), warn, extractor)
        stages.done("extract")

        for d in docs:  # in document order, whichever process read what first
            if d.id in failures:
                warnings.append(failures[d.id])
        extractions = [found[d.id] for d in docs if d.id in found]
        for x in extractions:
            for w in x.warnings:
                note(w)
        if not extractions:
            raise BuildError("nothing could be built: every document failed (see the messages above)")

        later.enter_context(_gc_paused())  # until the end of the build
        resolved = resolve(extractions)
        resolved, curated = curate(resolved, settings.inputs, settings.curation, note)
        counts = {
            "documents": len(resolved.documents), "actors": len(resolved.actors), "roles": len(resolved.roles),
            "meetings": len(resolved.meetings), "statements": len(resolved.statements),
            "ceasefires": len(resolved.ceasefires), "accusations": len(resolved.accusations),
            **({"curated changes": curated} if curated else {}),
        }
        stages.done("resolve")

        info = {
            "kg": __version__, "inputs": [str(p) for p in settings.inputs],
            "documents": [{"id": d.id, "path": d.path, "published": d.published} for d in resolved.documents],
            "counts": counts, "versions": _versions(model), "warnings": warnings,
        }
        extra = {"ontology.ttl": ontology_path().read_bytes(), "build.json": json_bytes(info)}
        n_extracted, n_cached = len(extractions), len(cached) if settings.cache else 0
        store_graphs = 0
        del docs, found, cached, extractions  # from here on, only the resolved records are needed
        staged = folder.stage()
        graph = sort_quads(statements(resolved), staged)
        del resolved
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
        cache.prune(keys.values())
        stages.done("write")
    finally:
        cache.close()
        later.close()
    return BuildReport(settings.out, n_extracted, len(failures) + unread, counts, tuple(files),
                       tuple(warnings), stages.seconds, cached=n_cached, jobs=jobs,
                       store=settings.out / STORE_DIR if versioned_store else outside,
                       quads=graph.n_quads, store_graphs=store_graphs)


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


def _extract(todo: list[Document], found: dict[str, Extraction], keys: dict[str, str], cache,
             settings: BuildSettings, model: str, jobs: int, total: int, warn: Warn, extractor) -> dict[str, str]:
    """Read ``todo`` into ``found`` (and the cache); the warning of each document that failed, by id."""
    from kg.parallel import Budget, read_batches

    failures: dict[str, str] = {}
    if not todo:
        return failures
    by_id = {d.id: d for d in todo}
    size = max(1, min(settings.batch_size, math.ceil(len(todo) / jobs)))
    batches = [todo[i:i + size] for i in range(0, len(todo), size)]
    bar = _progress(total, total - len(todo), settings, len(todo))
    try:
        budget = Budget(seconds=settings.doc_timeout or None, memory_mb=settings.doc_memory or None)
        for outcomes in read_batches(batches, model=model, jobs=jobs, extractor=extractor, budget=budget):
            fresh = []
            for o in outcomes:
                doc = by_id[o.doc_id]
                if o.extraction is None:
                    failures[doc.id] = _failed(doc, o.error or "unknown error", o.over_budget)
                    warn(failures[doc.id])
                    continue
                x = found[doc.id] = dataclasses.replace(o.extraction, document=doc)
                fresh.append((keys[doc.id], x))
            cache.put_many(fresh)  # at once: an interrupted build keeps what it read
            if bar is not None:
                bar.update(len(outcomes))
                if failures:
                    bar.set_postfix(failed=len(failures), refresh=False)
    finally:
        if bar is not None:
            bar.close()
    return failures


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
