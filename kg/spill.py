"""A build's documents and extraction records on disk, read back in streaming passes.

Up to ``kg.pipeline.BuildSettings.spill_after`` documents, a build keeps every document and its
Extraction in memory (~46 KB a document). Beyond that, it keeps none: each document goes to a
SQLite file in the build's staging folder (``records.sqlite``, table ``doc``: input order, id,
cache key, the pickled Document) as it is read; its extraction goes to the extraction cache
(``kg.cache``), where it would go anyway; and resolution reads the two back joined, one
document at a time, in document id order (``Records``), once per pass (``kg.resolve.resolve_stream``).
What the client then holds grows with the distinct actors, roles and events, not with the documents.

    spill = Spill(staged / "records.sqlite", cache)
    for doc in documents:
        spill.add(doc, cache.key(doc))
    for doc in spill.todo():        # not in the cache yet, in input order
        ...                         # extract, cache.put_many(...)
    for x in Records(spill):        # every extraction, its Document in it, by document id
        ...
"""
from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from kg.cache import ExtractionCache
from kg.models import Document, Extraction

FETCH = 256  # rows read from SQLite at a time


def _id(doc_id: str) -> bytes:
    """A document id as SQLite sorts it like Python (code points; a file name's undecodable bytes kept)."""
    return doc_id.encode("utf-8", "surrogatepass")


class Spill:
    """The documents of a build in ``path`` (new), alongside the extraction cache ``cache``."""

    def __init__(self, path: Path, cache: ExtractionCache):
        self.path = Path(path)
        self.cache = cache
        self.path.unlink(missing_ok=True)
        self.db = sqlite3.connect(self.path)
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("CREATE TABLE doc (ord INTEGER PRIMARY KEY, id BLOB NOT NULL, key TEXT NOT NULL, "
                        "data BLOB NOT NULL)")
        self.db.execute("ATTACH DATABASE ? AS cache", (str(cache.path),))
        self._pending: list[tuple[int, bytes, str, bytes]] = []
        self.count = 0

    def add(self, doc: Document, key: str) -> None:
        self._pending.append((self.count, _id(doc.id), key, pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL)))
        self.count += 1
        if len(self._pending) >= 1000:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self.db.executemany("INSERT INTO doc (ord, id, key, data) VALUES (?, ?, ?, ?)", self._pending)
            self.db.commit()
            self._pending = []

    def index(self) -> None:
        """Done adding: index the documents by id (for the passes) and by key (for the cache)."""
        self.flush()
        self.db.execute("CREATE INDEX doc_id ON doc (id)")
        self.db.commit()

    def __len__(self) -> int:
        return self.count

    def _rows(self, sql: str, params: Iterable = ()) -> Iterator[tuple]:
        cursor = self.db.execute(sql, tuple(params))
        while rows := cursor.fetchmany(FETCH):
            yield from rows

    def todo(self, cached: bool = True) -> Iterator[tuple[int, Document]]:
        """(input order, document) of those without a cached extraction (all of them if not ``cached``)."""
        sql = "SELECT ord, data FROM doc" + (" WHERE key NOT IN (SELECT key FROM cache.extraction)" if cached else "") \
            + " ORDER BY ord"
        for order, data in self._rows(sql):
            yield order, pickle.loads(data)

    def count_todo(self, cached: bool = True) -> int:
        if not cached:
            return self.count
        return self.db.execute("SELECT count(*) FROM doc WHERE key NOT IN (SELECT key FROM cache.extraction)") \
            .fetchone()[0]

    def documents(self, ids: Iterable[str]) -> Iterator[Document]:
        """The documents of these ids."""
        wanted = [_id(i) for i in ids]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            for (data,) in self._rows(f"SELECT data FROM doc WHERE id IN ({','.join('?' * len(chunk))})", chunk):
                yield pickle.loads(data)

    def keys(self) -> Iterator[str]:
        for (key,) in self._rows("SELECT key FROM doc"):
            yield key

    def records(self) -> Iterator[tuple[int, Extraction]]:
        """(input order, extraction with its Document) of every document the cache has, by document id."""
        import dataclasses

        sql = "SELECT d.ord, d.data, e.data FROM doc d JOIN cache.extraction e ON e.key = d.key ORDER BY d.id"
        for order, doc, data in self._rows(sql):
            try:
                x = pickle.loads(data)
            except Exception:  # noqa: BLE001 - the cache's rule: an unreadable entry is a miss
                continue
            if isinstance(x, Extraction):
                yield order, dataclasses.replace(x, document=pickle.loads(doc))

    def close(self) -> None:
        self.db.close()
        self.path.unlink(missing_ok=True)


class Records:
    """Every extraction of a spilled build, by document id: iterable as many times as a pass needs.

    During the first pass only, ``on_first(input order, extraction)`` sees each record (for what
    must follow the input order: the warnings).
    """

    def __init__(self, spill: Spill, on_first=None):
        self.spill = spill
        self.on_first = on_first
        self.passes = 0

    def __iter__(self) -> Iterator[Extraction]:
        first = self.passes == 0
        self.passes += 1
        for order, x in self.spill.records():
            if first and self.on_first is not None:
                self.on_first(order, x)
            yield x
