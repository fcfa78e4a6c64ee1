"""Paths, folders and JSONL corpora -> Documents (text the offsets count in, and metadata).

A bad document is reported through ``warn`` and skipped; it never stops the others.
"""
from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kg.errors import InputError
from kg.models import Document

TEXT_SUFFIXES = {".txt", ".md", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
CORPUS_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | CORPUS_SUFFIXES
MAX_DOCUMENT_BYTES = 1_000_000  # an article is kilobytes; spaCy parses at most 1,000,000 characters at once
MANIFEST = "manifest.csv"

Warn = Callable[[str], None]


@dataclass(frozen=True)
class Source:
    """Where documents come from: a file of one article, or a JSONL corpus."""

    path: Path
    kind: str  # "text", "html" or "corpus"


def find_sources(paths: tuple[Path, ...] | list[Path], warn: Warn) -> list[Source]:
    """Expand files and folders into sources, in a stable order; missing paths are errors."""
    sources: list[Source] = []
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise InputError(f"{path}: no such file or folder; check the path (kg build takes files, "
                             "folders of .txt/.md/.html, or .jsonl corpora)")
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
            if not found:
                warn(f"{path}: no .txt, .md, .html or .jsonl files in this folder")
            sources.extend(Source(p, _kind(p)) for p in found)
        elif path.suffix.lower() in SUPPORTED:
            sources.append(Source(path, _kind(path)))
        else:
            # An explicitly named file of another suffix is read as text: the user asked for it.
            sources.append(Source(path, "text"))
    return sources


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    return "html" if suffix in HTML_SUFFIXES else "corpus" if suffix in CORPUS_SUFFIXES else "text"


def read_documents(paths, warn: Warn, skipped: Warn | None = None) -> Iterator[Document]:
    """Yield every readable document of ``paths``; report each unreadable one and go on.

    ``skipped`` hears of every document (or corpus line) left out, ``warn`` of everything else;
    without ``skipped``, both go to ``warn``."""
    skip = skipped or warn
    seen: dict[str, int] = {}
    manifests: dict[Path, dict[str, dict[str, str]]] = {}
    for source in find_sources(paths, warn):
        if source.kind == "corpus":
            docs = _read_corpus(source.path, warn, skip)
        else:
            meta = _manifest_for(source.path, manifests, warn).get(source.path.name, {})
            try:
                docs = iter([_read_file(source, meta, warn)])
            except InputError as exc:
                skip(str(exc))
                continue
        for doc in docs:
            if doc.id in seen:
                seen[doc.id] += 1
                new_id = f"{doc.id}-{seen[doc.id]}"
                warn(f"{doc.path or doc.id}: document id {doc.id!r} is used twice; this one is {new_id!r}")
                doc = Document(**{**doc.__dict__, "id": new_id})
            seen.setdefault(doc.id, 1)
            yield doc


def _manifest_for(path: Path, cache: dict, warn: Warn) -> dict[str, dict[str, str]]:
    folder = path.parent
    if folder not in cache:
        cache[folder] = {}
        manifest = folder / MANIFEST
        if manifest.is_file():
            try:
                with manifest.open(encoding="utf-8", newline="") as fh:
                    for row in csv.DictReader(fh):
                        if row.get("file"):
                            cache[folder][row["file"].strip()] = {k: (v or "").strip() for k, v in row.items() if k}
            except (OSError, UnicodeDecodeError, csv.Error) as exc:
                warn(f"{manifest}: cannot read the manifest ({exc}); documents there get no metadata")
    return cache[folder]


def _read_file(source: Source, meta: dict[str, str], warn: Warn) -> Document:
    path = source.path
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise InputError(f"{path}: {size / 1e6:.1f} MB is larger than the {MAX_DOCUMENT_BYTES / 1e6:.0f} MB "
                             "limit for one article; split it into articles (a .jsonl corpus has no such limit)")
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    text, is_source, warnings = decode(raw, str(path))
    page = {}
    if source.kind == "html":
        page = html_metadata(text)
        text = html_to_text(text, str(path))
        is_source = False
    if not text.strip():
        raise InputError(f"{path}: empty document; nothing to read")
    for w in warnings:
        warn(w)
    return Document(
        id=_doc_id(path.stem), text=text, title=meta.get("title") or page.get("title") or _html_title(raw, source) or None,
        published=parse_date(meta.get("published") or page.get("date"), f"{path} (manifest)", warn),
        source=meta.get("source") or meta.get("url") or page.get("url") or None, path=str(path), text_is_source=is_source,
        warnings=tuple(warnings),
    )


def decode(raw: bytes, where: str) -> tuple[str, bool, list[str]]:
    """Bytes -> text. UTF-8 when it is; else the most likely encoding, with a warning."""
    if b"\x00" in raw[:8192] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{where}: binary file (not text); kg reads .txt, .md, .html and .jsonl")
    try:
        text = raw.decode("utf-8")
        if text.startswith("\ufeff"):
            return text[1:], False, []
        return text, True, []
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise InputError(f"{where}: binary or undecodable file; save it as UTF-8 text")
    encoding = best.encoding
    text = str(best)
    # Short texts make the single-byte Latin code pages hard to tell apart; Windows-1252 (a
    # superset of Latin-1) is what legacy English-language news uses, so it wins those ties.
    if re.fullmatch(r"(cp125\d|iso8859_\d+|latin_1|mac_\w+)", encoding) and encoding != "cp1252":
        with contextlib.suppress(UnicodeDecodeError):
            text, encoding = raw.decode("cp1252"), "cp1252"
    if sum(ch.isprintable() or ch.isspace() for ch in text[:4000]) < 0.95 * len(text[:4000]):
        raise InputError(f"{where}: binary file (not text); kg reads .txt, .md, .html and .jsonl")
    return text, False, [f"{where}: not UTF-8; decoded as {encoding} (offsets count in the decoded text, "
                         "kept in the graph as nif:isString)"]


def html_to_text(html: str, where: str) -> str:
    """Main text of an HTML page (trafilatura); the page's plain text when that finds none."""
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_recall=True) or ""
    if not text.strip():
        from lxml import html as lxml_html
        from lxml.etree import ParserError

        try:
            tree = lxml_html.fromstring(html)
            for bad in tree.xpath("//script|//style|//noscript"):
                bad.drop_tree()
            text = "\n".join(line.strip() for line in tree.text_content().splitlines() if line.strip())
        except (ParserError, ValueError):
            text = ""
    return unicodedata.normalize("NFC", text)


def html_metadata(html: str) -> dict[str, str]:
    """Title, publication date and URL a page declares (trafilatura reads its metadata and htmldate)."""
    import trafilatura

    try:
        meta = trafilatura.extract_metadata(html)
    except Exception:  # noqa: BLE001 - metadata is a bonus; broken markup must not stop the document
        return {}
    if meta is None:
        return {}
    return {k: v for k, v in {"title": meta.title, "date": meta.date, "url": meta.url}.items() if v}


def _html_title(raw: bytes, source: Source) -> str | None:
    if source.kind != "html":
        return None
    match = re.search(rb"<title[^>]*>(.*?)</title>", raw, re.I | re.S)
    if not match:
        return None
    import html

    return html.unescape(match.group(1).decode("utf-8", "replace")).strip() or None


def _read_corpus(path: Path, warn: Warn, skip: Warn) -> Iterator[Document]:
    try:
        fh = path.open("rb")
    except OSError as exc:
        skip(f"{path}: cannot read ({exc.strerror or exc})")
        return
    with fh:
        any_line = False
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            any_line = True
            where = f"{path}:{lineno}"
            try:
                record = json.loads(line.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                skip(f"{where}: not a JSON record ({exc}); line skipped")
                continue
            if not isinstance(record, dict):
                skip(f"{where}: a record must be a JSON object with 'id' and 'text' or 'html'; line skipped")
                continue
            doc = _record_document(record, path, lineno, where, warn, skip)
            if doc is not None:
                yield doc
        if not any_line:
            warn(f"{path}: empty corpus; nothing to read")


def _record_document(record: dict, path: Path, lineno: int, where: str, warn: Warn, skip: Warn) -> Document | None:
    rid = str(record.get("id") or f"{path.stem}-{lineno}")
    text, html = record.get("text"), record.get("html")
    if isinstance(text, str) and text.strip():
        body = unicodedata.normalize("NFC", text) if not unicodedata.is_normalized("NFC", text) else text
    elif isinstance(html, str) and html.strip():
        body = html_to_text(html, where)
    else:
        skip(f"{where}: record {rid!r} has no 'text' or 'html'; skipped")
        return None
    if not body.strip():
        skip(f"{where}: record {rid!r} is empty; skipped")
        return None
    if len(body.encode("utf-8")) > MAX_DOCUMENT_BYTES:
        skip(f"{where}: record {rid!r} is larger than {MAX_DOCUMENT_BYTES / 1e6:.0f} MB; skipped (split it)")
        return None
    return Document(
        id=_doc_id(rid), text=body, title=_str(record.get("title")),
        published=parse_date(_str(record.get("published") or record.get("date")), where, warn),
        source=_str(record.get("url") or record.get("source")), path=f"{path}#{lineno}", text_is_source=False,
    )


def _str(value) -> str | None:
    return str(value).strip() or None if value is not None else None


def _doc_id(raw: str) -> str:
    """A document id that is safe in an IRI and a file name, and stable."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", raw.strip())
    return cleaned.strip("._") or "doc"


def parse_date(value: str | None, where: str, warn: Warn) -> dt.date | None:
    """An ISO publication date (a datetime's date part is taken); a malformed one is reported."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        warn(f"{where}: publication date {value!r} is not YYYY-MM-DD; dates in it stay unresolved")
        return None
