"""Dataset -> files, through a table of formats; every file is written atomically.

Serialisation goes through pyoxigraph (a strict, fast writer), from quads sorted in a
fixed order, so the same graph always gives the same bytes.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Literal, URIRef

from kg.vocab import PREFIXES


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


def ox_quads(ds: Dataset) -> list[ox.Quad]:
    """Every quad of the dataset in a fixed order (named graphs only; the default graph is empty)."""
    quads = {(str(g), s.n3(), p.n3(), o.n3()): (s, p, o, g) for s, p, o, g in ds.quads((None, None, None, None))
             if g is not None}
    return [ox.Quad(to_ox(s), to_ox(p), to_ox(o), to_ox(g)) for _, (s, p, o, g) in sorted(quads.items())]


def triples_of(quads: Iterable[ox.Quad]) -> list[ox.Triple]:
    seen = {}
    for q in quads:
        t = ox.Triple(q.subject, q.predicate, q.object)
        seen.setdefault(str(t), t)
    return [seen[k] for k in sorted(seen)]


def write_exports(ds: Dataset, out: Path, extra_files: dict[str, bytes]) -> list[Path]:
    """Write every format of ``ds`` plus ``extra_files`` into ``out``; files appear only when complete."""
    quads = ox_quads(ds)
    triples = triples_of(quads)
    prefixes = {k: str(v) for k, v in PREFIXES.items()}
    payloads: dict[str, bytes] = {}
    for fmt in FORMATS:
        data = ox.serialize(quads if fmt.quads else triples, format=fmt.rdf_format,
                            prefixes=None if fmt.rdf_format == ox.RdfFormat.N_TRIPLES else prefixes)
        payloads[fmt.file] = data
    payloads.update(extra_files)
    return write_atomically(out, payloads)


def write_atomically(out: Path, payloads: dict[str, bytes]) -> list[Path]:
    """Stage every file in a temporary folder inside ``out``, then move each into place."""
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    written = []
    try:
        for name, data in payloads.items():
            path = staging / name
            with open(path, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        for name in payloads:
            os.replace(staging / name, out / name)
            written.append(out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


def json_bytes(data) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n").encode("utf-8")
