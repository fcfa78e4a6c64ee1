"""The build: documents -> extractions -> resolution -> dataset -> exports, as one call.

    report = build(BuildSettings(inputs=(Path("seeds"),), out=Path("exports")))
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kg import __version__
from kg.errors import BuildError, KgError
from kg.models import Document, Extraction

Warn = Callable[[str], None]
PROGRESS_MIN_DOCS = 20  # smaller builds finish before a bar is worth drawing


@dataclass(frozen=True)
class BuildSettings:
    inputs: tuple[Path, ...]
    out: Path = Path("exports")
    model: str | None = None
    jobs: int | None = None
    cache: bool = True
    store: Path | None = None
    html: bool = True
    progress: bool = True
    batch_size: int = 32


@dataclass(frozen=True)
class BuildReport:
    out: Path
    documents: int
    failed: int
    counts: dict[str, int]
    files: tuple[Path, ...]
    warnings: tuple[str, ...]
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        lines = [f"built {self.out} from {self.documents} document(s)"
                 + (f" ({self.failed} could not be read)" if self.failed else "")]
        lines.append("  " + ", ".join(f"{k}: {v}" for k, v in self.counts.items()))
        lines.append("  files: " + ", ".join(p.name for p in self.files))
        if self.seconds:
            lines.append("  time: " + ", ".join(f"{k} {v:.2f}s" for k, v in self.seconds.items()))
        if self.warnings:
            lines.append(f"  warnings: {len(self.warnings)} (see above, and build.json)")
        return "\n".join(lines)


def extract_documents(docs: list[Document], settings: BuildSettings, warn: Warn) -> tuple[list[Extraction], int]:
    """Parse and read every document; a document that fails is reported and skipped."""
    from kg.extract import extract
    from kg.nlp import model

    nlp = model.load(settings.model)
    results: list[Extraction] = []
    failed = 0
    bar = _progress(len(docs), settings)
    texts = ((d.text, d) for d in docs)
    for parsed, doc in nlp.pipe(texts, as_tuples=True, batch_size=settings.batch_size):
        try:
            results.append(extract(doc, parsed))
        except Exception as exc:  # noqa: BLE001 - one bad document must not stop the others
            failed += 1
            warn(f"{doc.path or doc.id}: extraction failed ({type(exc).__name__}: {exc}); document skipped")
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return results, failed


def _progress(total: int, settings: BuildSettings):
    if not settings.progress or total < PROGRESS_MIN_DOCS:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="doc", desc="reading", file=sys.stderr, disable=not sys.stderr.isatty(),
                dynamic_ncols=True)


def build(settings: BuildSettings, warn: Warn = lambda msg: None) -> BuildReport:
    from kg.export import json_bytes, write_exports
    from kg.ingest import read_documents
    from kg.ontology import ontology_path
    from kg.rdf import to_dataset
    from kg.resolve import resolve

    warnings: list[str] = []

    def note(msg: str) -> None:
        warnings.append(msg)
        warn(msg)

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    docs = list(read_documents(settings.inputs, note))
    unread = sum(1 for w in warnings if "skipped" in w or "cannot read" in w or "empty" in w or "binary" in w
                 or "larger than" in w)
    if not docs:
        raise BuildError("nothing could be built: no readable document in "
                         + ", ".join(str(p) for p in settings.inputs) + (" (see the messages above)" if warnings else ""))
    timings["read"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    extractions, failed = extract_documents(docs, settings, note)
    for x in extractions:
        for w in x.warnings:
            warnings.append(w)
    if not extractions:
        raise BuildError("nothing could be built: every document failed (see the messages above)")
    timings["extract"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    resolved = resolve(extractions)
    dataset = to_dataset(resolved)
    timings["resolve"] = time.perf_counter() - t0
    counts = {
        "documents": len(resolved.documents), "actors": len(resolved.actors), "roles": len(resolved.roles),
        "meetings": len(resolved.meetings), "statements": len(resolved.statements),
        "ceasefires": len(resolved.ceasefires),
    }
    t0 = time.perf_counter()
    info = {
        "kg": __version__, "inputs": [str(p) for p in settings.inputs],
        "documents": [{"id": d.id, "path": d.path, "published": d.published} for d in resolved.documents],
        "counts": counts, "versions": _versions(settings), "warnings": warnings,
    }
    extra = {"ontology.ttl": ontology_path().read_bytes(), "build.json": json_bytes(info)}
    files = write_exports(dataset, settings.out, extra)
    if settings.html:
        try:
            from kg.viz import ViewSettings, write_page_from_graph

            write_page_from_graph(dataset, settings.out / "graph.html", ViewSettings())
            files.append(settings.out / "graph.html")
        except KgError as exc:
            note(f"graph.html not written: {exc}")
    timings["write"] = time.perf_counter() - t0
    return BuildReport(settings.out, len(extractions), failed + unread, counts, tuple(files), tuple(warnings), timings)


def _versions(settings: BuildSettings) -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    from kg.nlp.model import model_name

    out = {}
    for pkg in ("spacy", "rdflib", "pyoxigraph"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "?"
    name = model_name(settings.model)
    try:
        out["model"] = f"{name} {version(name.replace('_', '-'))}"
    except PackageNotFoundError:
        out["model"] = name
    return out
