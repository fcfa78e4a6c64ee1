"""The event table: one row per event (meeting, ceasefire, statement, accusation), as event-data researchers load it.

    rows = event_rows(store)                       # list of dicts, in a fixed order
    export_events(graph_dir, "events-csv", out)    # CSV (multi-valued cells joined)
    export_events(graph_dir, "events-parquet", out)  # Parquet (dates as dates, lists as lists)

Columns (``COLUMNS``): the event's IRI, class and label; its date (ISO day, when the text
resolves it) and the wording of the date; kind, status, mode, location; the statement's text;
its CAMEO code and label, PLOVER type and mode (kg/nlp/data/codes.yaml); its actors (participants,
parties, speaker, or accuser and accused), their CAMEO country codes, mediators; the documents it was read from, their
sources and publication dates; the evidence sentences; the ids of the rules that read it.

In CSV a list is one cell, its items joined by ``"; "`` (evidence sentences by ``" | "``,
as a sentence may hold a semicolon); in Parquet it is a list column. The queries are
``kg/sparql/events_*.rq``.
"""
from __future__ import annotations

import csv
import io
import os
import tempfile
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox

from kg.errors import KgError
from kg.vocab import CEASEFIRE_STATUS, MEETING_MODE, MEETING_STATUS

FORMATS = ("events-csv", "events-parquet")
SCALARS = ("event", "class", "label", "date", "date_text", "kind", "status", "mode", "location", "text",
           "cameo_code", "cameo_label", "plover_type", "plover_mode")
LISTS = ("actors", "actor_cameo_codes", "mediators", "documents", "sources", "published", "evidence", "rules")
COLUMNS = SCALARS + LISTS
JOINERS = {"evidence": " | "}  # CSV: every other list is joined by "; "
_CONCEPT = {str(iri): label for table in (MEETING_STATUS, MEETING_MODE, CEASEFIRE_STATUS) for label, iri in table.items()}
_CORE = {"event": "event", "class": "class", "label": "label", "date": "date", "dateText": "date_text",
         "kind": "kind", "status": "status", "mode": "mode", "location": "location", "text": "text",
         "cameo": "cameo_code", "cameoLabel": "cameo_label", "plover": "plover_type", "ploverMode": "plover_mode"}


def _select(store: ox.Store, name: str) -> list[dict[str, str]]:
    """A SELECT query of kg/sparql as rows of strings (unbound variables left out)."""
    from kg.query import _internal

    results = store.query(_internal(name))
    assert isinstance(results, ox.QuerySolutions)  # kg/sparql/events_*.rq are SELECT queries
    names = [v.value for v in results.variables]
    rows = []
    for solution in results:
        row = {}
        for n in names:
            term = solution[n]
            if term is not None:
                row[n] = term.value
        rows.append(row)
    return rows


def event_rows(store: ox.Store) -> list[dict]:
    """Every event of the graph in ``store`` as a row (``COLUMNS``; lists for ``LISTS``), sorted by
    date (undated last), class, label and IRI."""
    events: dict[str, dict] = {}
    for r in _select(store, "events_core.rq"):
        row = events.setdefault(r["event"], {c: None for c in SCALARS} | {c: [] for c in LISTS})
        for var, col in _CORE.items():
            if var in r and row[col] is None:
                row[col] = _CONCEPT.get(r[var], r[var]) if col in ("status", "mode") else r[var]
    parts: dict[str, list[tuple[str, str, str | None]]] = defaultdict(list)
    for r in _select(store, "events_actors.rq"):
        if r["event"] in events:
            parts[r["event"]].append((r["part"], r["name"], r.get("cameo")))
    found: dict[str, set] = defaultdict(set)
    for r in _select(store, "events_evidence.rq"):
        if r["event"] in events:
            found[r["event"]].add((r["docId"], int(r["begin"]), r["sentence"], r.get("source"), r.get("published")))
    rules: dict[str, set[str]] = defaultdict(set)
    for r in _select(store, "events_rules.rq"):
        rules[r["event"]].add(r["rule"])

    for iri, row in events.items():
        actors = sorted({(name, code) for part, name, code in parts[iri] if part != "mediator"})
        row["actors"] = [name for name, _ in actors]
        row["actor_cameo_codes"] = sorted({code for _, code in actors if code})
        row["mediators"] = sorted({name for part, name, _ in parts[iri] if part == "mediator"})
        evidence = sorted(found[iri], key=lambda e: (e[0], e[1]))
        docs = {e[0]: (e[3], e[4]) for e in evidence}
        row["documents"] = sorted(docs)
        row["sources"] = sorted({s for s, _ in docs.values() if s})
        row["published"] = sorted({p for _, p in docs.values() if p})
        row["evidence"] = [e[2] for e in evidence]
        row["rules"] = sorted(rules[iri])
    return sorted(events.values(), key=lambda r: (r["date"] is None, r["date"] or "", r["class"], r["label"], r["event"]))


def csv_text(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([JOINERS.get(c, "; ").join(row[c]) if c in LISTS else (row[c] or "") for c in COLUMNS])
    return out.getvalue()


def parquet_table(rows: list[dict]):
    """The rows as a pyarrow Table: dates as date32, lists as list<string>, the rest strings."""
    import datetime as dt

    pa = _pyarrow()
    fields, arrays = [], []
    for c in COLUMNS:
        values: list
        if c == "date":
            typ = pa.date32()
            values = [dt.date.fromisoformat(r[c]) if r[c] else None for r in rows]
        elif c in LISTS:
            typ = pa.list_(pa.string())
            values = [list(r[c]) for r in rows]
        else:
            typ = pa.string()
            values = [r[c] for r in rows]
        fields.append(pa.field(c, typ))
        arrays.append(pa.array(values, type=typ))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _pyarrow():
    try:
        import pyarrow
    except ImportError as exc:  # pragma: no cover - pinned in the `data` extra
        raise KgError("Parquet needs pyarrow: pip install 'kg[data]' (or use --format events-csv)") from exc
    return pyarrow


def _open(graph_dir: Path) -> ox.Store:
    from kg.query import open_local
    from kg.viz import build_file

    build_file(Path(graph_dir))  # a missing build is one clear message
    return open_local(Path(graph_dir))


def export_events(graph_dir: Path, fmt: str, out_path: Path) -> tuple[Path, int]:
    """Write the build's event table as CSV or Parquet, atomically; return the file and its row count."""
    if fmt not in FORMATS:
        raise KgError(f"unknown event table format {fmt!r}: choose {' or '.join(FORMATS)}")
    rows = event_rows(_open(graph_dir))
    out_path = Path(out_path)
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".tmp", dir=out_path.parent)
    except OSError as exc:
        raise KgError(f"cannot write {out_path}: {exc.strerror or exc}") from None
    try:
        if fmt == "events-csv":
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(csv_text(rows))
        else:
            os.close(fd)
            import pyarrow.parquet as pq

            pq.write_table(parquet_table(rows), tmp, compression="zstd")
        os.chmod(tmp, 0o644)
        os.replace(tmp, out_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out_path, len(rows)
