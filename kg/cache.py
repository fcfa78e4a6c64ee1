"""The extraction cache: what was read from each document, kept between builds.

A rebuild re-reads only the documents that are new or changed; every other extraction comes
from here. An entry's key is the SHA-256 of

* the document's content: id, text, title, publication date, source URL (not its path, so a
  moved file or a shifted JSONL line is still a hit; the current ``Document`` is put back into
  the cached extraction);
* the spaCy model: its name and its ``meta.json`` (name, version, components), read without
  loading the model;
* kg itself: its version and every file of the folders reading depends on (``FINGERPRINTED``:
  the extraction package, the language data and patterns, the records), so a change to the
  extraction rules re-reads everything.

The cache is one SQLite file, ``OUT/.kg-cache/extractions.sqlite`` (table ``extraction``:
key, document id, pickled ``Extraction`` without its ``Document``). Only successful
extractions are stored; entries the last build did not use are dropped at its end. A cache that
cannot be read is set aside and rebuilt, never trusted.
"""
from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import pickle
import sqlite3
import sys
from collections.abc import Iterable
from pathlib import Path

from kg import __version__
from kg.models import Document, Extraction

CACHE_DIR = ".kg-cache"
CACHE_FILE = "extractions.sqlite"
SCHEMA = 1
# What an extraction depends on besides the document and the model (relative to the kg package):
# whole folders, so a module or data file added to them is covered without being listed here.
FINGERPRINTED = ("extract/**/*", "nlp/**/*", "models.py")


def fingerprinted_files() -> list[Path]:
    """kg's files an extraction depends on (their bytes are part of every cache key)."""
    root = Path(__file__).resolve().parent
    found = {path for pattern in FINGERPRINTED for path in root.glob(pattern)
             if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"}
    return sorted(found)


def code_fingerprint() -> str:
    """A hash of kg's version and of every source and data file extraction depends on."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256(f"kg {__version__}; python {sys.version_info[:2]}; schema {SCHEMA}".encode())
    for path in fingerprinted_files():
        h.update(b"\0" + path.relative_to(root).as_posix().encode() + b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


def model_fingerprint(name: str) -> str:
    """'name' plus the model's meta.json (name, version, components), found without loading it."""
    meta = _model_meta(name)
    return hashlib.sha256(f"{name}\0".encode() + meta).hexdigest()


def _model_meta(name: str) -> bytes:
    path = Path(name)
    if path.is_dir():
        candidates = [path / "meta.json"]
    else:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        locations = list(spec.submodule_search_locations or []) if spec is not None else []
        candidates = [Path(loc) / "meta.json" for loc in locations]
    for meta in candidates:
        if meta.is_file():
            return meta.read_bytes()
    return b"(no meta.json: keyed by name only)"


def document_key(doc: Document, fingerprint: str) -> str:
    content = json.dumps([doc.id, doc.text, doc.title, doc.published.isoformat() if doc.published else None,
                          doc.source, doc.text_is_source], ensure_ascii=False)
    return hashlib.sha256(fingerprint.encode() + b"\0" + content.encode("utf-8")).hexdigest()


class ExtractionCache:
    """Extractions by document key, in ``folder/extractions.sqlite``."""

    def __init__(self, folder: Path, fingerprint: str, warn=lambda msg: None):
        self.folder = Path(folder)
        self.fingerprint = fingerprint
        self.path = self.folder / CACHE_FILE
        self.warn = warn
        self.db = self._open()

    @classmethod
    def for_build(cls, out: Path, model: str, warn=lambda msg: None) -> ExtractionCache:
        """The cache of the build in ``out`` for this model and this kg."""
        fingerprint = hashlib.sha256((code_fingerprint() + model_fingerprint(model)).encode()).hexdigest()
        return cls(Path(out) / CACHE_DIR, fingerprint, warn)

    def _open(self) -> sqlite3.Connection:
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            db = self._connect()
            db.execute("SELECT count(*) FROM extraction").fetchone()
            return db
        except sqlite3.DatabaseError as exc:
            self.warn(f"{self.path}: the extraction cache cannot be read ({exc}); starting a new one")
            for suffix in ("", "-wal", "-shm"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
            return self._connect()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS extraction (key TEXT PRIMARY KEY, doc_id TEXT NOT NULL, "
                   "data BLOB NOT NULL)")
        db.commit()
        return db

    def key(self, doc: Document) -> str:
        return document_key(doc, self.fingerprint)

    def get_many(self, docs: dict[str, Document]) -> dict[str, Extraction]:
        """The cached extraction of each document (by key) that has one, with the current Document in it."""
        found: dict[str, Extraction] = {}
        keys = list(docs)
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            rows = self.db.execute(f"SELECT key, data FROM extraction WHERE key IN ({','.join('?' * len(chunk))})",
                                   chunk).fetchall()
            for key, data in rows:
                try:
                    x = pickle.loads(data)
                except Exception:  # noqa: BLE001 - an unreadable entry is a miss, never an error
                    continue
                if isinstance(x, Extraction):
                    found[key] = dataclasses.replace(x, document=docs[key])
        return found

    def put_many(self, items: Iterable[tuple[str, Extraction]]) -> None:
        """Store successful extractions (the Document is left out: the key stands for it)."""
        rows = [(key, x.document.id, pickle.dumps(dataclasses.replace(x, document=None),  # type: ignore[arg-type]
                                                  protocol=pickle.HIGHEST_PROTOCOL)) for key, x in items]
        if rows:
            self.db.executemany("INSERT OR REPLACE INTO extraction (key, doc_id, data) VALUES (?, ?, ?)", rows)
            self.db.commit()

    def drop(self, keys: Iterable[str]) -> None:
        """Forget these entries."""
        self.db.executemany("DELETE FROM extraction WHERE key = ?", ((k,) for k in keys))
        self.db.commit()

    def prune(self, keep: Iterable[str]) -> int:
        """Drop every entry whose key is not in ``keep`` (documents removed or changed); how many went."""
        self.db.execute("CREATE TEMP TABLE IF NOT EXISTS keep (key TEXT PRIMARY KEY)")
        self.db.execute("DELETE FROM keep")
        self.db.executemany("INSERT OR IGNORE INTO keep (key) VALUES (?)", ((k,) for k in keep))
        dropped = self.db.execute("DELETE FROM extraction WHERE key NOT IN (SELECT key FROM keep)").rowcount
        self.db.commit()
        return dropped

    def __len__(self) -> int:
        return self.db.execute("SELECT count(*) FROM extraction").fetchone()[0]

    def close(self) -> None:
        self.db.close()
