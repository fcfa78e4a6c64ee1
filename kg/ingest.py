"""Paths, folders and JSONL corpora -> Documents (text the offsets count in, and metadata).

A bad document is reported through ``warn`` and skipped; it never stops the others.
"""
from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import re
import unicodedata
import warnings as pywarnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from kg.errors import InputError
from kg.models import Document

TEXT_SUFFIXES = {".txt", ".md", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
CORPUS_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | CORPUS_SUFFIXES
MAX_DOCUMENT_BYTES = 1_000_000  # an article is kilobytes; spaCy parses at most 1,000,000 characters at once
MANIFEST = "manifest.csv"
# A manifest's headers, lower-cased with "_" and "-" read as spaces -> the field they give.
MANIFEST_COLUMNS = {
    "file": "file", "filename": "file", "file name": "file", "path": "file", "document": "file",
    "title": "title", "headline": "title",
    "published": "published", "date": "published", "publication date": "published", "published date": "published",
    "date published": "published", "pub date": "published", "publish date": "published",
    "source": "source", "url": "source", "link": "source",
}
UNDATED_LISTED = 3  # more documents without a date than this: one line with the count, not a line each
LXML_MAX_DEPTH = 2048  # how deep lxml (libxml2) reads HTML with huge_tree; 256 without

Warn = Callable[[str], None]


@dataclass(frozen=True)
class Source:
    """Where documents come from: a file of one article, or a JSONL corpus."""

    path: Path
    kind: str  # "text", "html" or "corpus"
    root: Path | None = None  # the folder it was found in (manifests up to there apply); None: named itself


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
            sources.extend(Source(p, _kind(p), path) for p in found)
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
    without ``skipped``, both go to ``warn``. Documents left without a publication date are
    reported once all are read (one line each, or one line for many)."""
    skip = skipped or warn
    seen: dict[str, int] = {}
    manifests = _Manifests(warn)
    undated: list[str] = []
    for source in find_sources(paths, warn):
        if source.kind == "corpus":
            docs = _read_corpus(source.path, warn, skip)
        else:
            row = manifests.row_for(source)
            try:
                docs = iter([_read_file(source, row, warn)])
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
            if doc.published is None:
                undated.append(doc.path or doc.id)
            yield doc
    _report_undated(undated, warn)


def _report_undated(names: list[str], warn: Warn) -> None:
    what = "relative dates ('on Thursday', 'yesterday') in {} stay unresolved"
    how = "give dates in a manifest.csv (file,published) or a JSONL record's 'published'"
    if len(names) <= UNDATED_LISTED:
        for name in names:
            warn(f"{name}: no publication date; {what.format('it')} ({how})")
    else:
        warn(f"{len(names)} documents have no publication date ({', '.join(names[:UNDATED_LISTED])}, …); "
             f"{what.format('them')} ({how})")


@dataclass(frozen=True)
class ManifestRow:
    """What one manifest row says of one file."""

    title: str | None
    published: dt.date | None
    source: str | None
    where: str  # "folder/manifest.csv:3"


class _Manifests:
    """The manifests that apply to each file: the nearest manifest.csv at or above it (up to the
    folder it was found in) whose rows name it. Each manifest is read once; every row that cannot
    apply (no such file, a repeat, an unreadable date) is reported when it is read."""

    def __init__(self, warn: Warn):
        self.warn = warn
        self.read: dict[Path, dict[Path, ManifestRow]] = {}

    def row_for(self, source: Source) -> ManifestRow | None:
        target = _key(source.path)
        folder = source.path.parent
        while True:
            row = self._rows(folder).get(target)
            if row is not None:
                return row
            if source.root is None or _key(folder) == _key(source.root) or folder.parent == folder:
                return None
            folder = folder.parent

    def _rows(self, folder: Path) -> dict[Path, ManifestRow]:
        if folder not in self.read:
            path = folder / MANIFEST
            self.read[folder] = read_manifest(path, self.warn) if path.is_file() else {}
        return self.read[folder]


def _key(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()


def read_manifest(path: Path, warn: Warn) -> dict[Path, ManifestRow]:
    """A manifest's rows by the (resolved) file each names; what cannot be used is reported.

    Reads what spreadsheets write: UTF-8 with or without a byte-order mark, UTF-16, or Windows-1252;
    ``,``, ``;`` or tab between fields; headers in any case (``File``, ``Publication date``,
    ``URL``...); paths relative to the manifest's folder, subfolders included."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        warn(f"{path}: cannot read the manifest ({exc.strerror or exc}); documents there get no metadata")
        return {}
    text = _manifest_text(raw, path, warn)
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=header_line.count)  # a tie (a one-column manifest) gives ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        warn(f"{path}: cannot read the manifest ({exc}); documents there get no metadata")
        return {}
    rows = [(n, row) for n, row in rows if any(cell.strip() for cell in row)]
    if not rows:
        return {}
    (_, header), body = rows[0], rows[1:]
    fields: dict[str, int] = {}
    for i, name in enumerate(header):
        field = MANIFEST_COLUMNS.get(" ".join(name.replace("_", " ").replace("-", " ").lower().split()))
        if field is not None:
            fields.setdefault(field, i)
    if "file" not in fields:
        warn(f"{path}: no column names the files (a header 'file', 'filename' or 'path'; found "
             f"{', '.join(repr(h) for h in header[:6])}); the manifest is not used")
        return {}
    found: dict[Path, ManifestRow] = {}
    first_line: dict[Path, int] = {}
    for line, row in body:
        where = f"{path}:{line}"
        cell = {field: row[i].strip() if i < len(row) else "" for field, i in fields.items()}
        name = cell["file"].replace("\\", "/")
        if not name:
            warn(f"{where}: the row names no file; ignored")
            continue
        target = path.parent / name
        if not target.is_file():
            warn(f"{where}: {name!r}: no such file " + ("(it is a folder)" if target.is_dir() else
                 f"in {path.parent}") + "; the row is ignored")
            continue
        if target.suffix.lower() not in TEXT_SUFFIXES | HTML_SUFFIXES:
            warn(f"{where}: {name!r} is not a file kg reads (.txt, .md, .html); the row is ignored")
            continue
        key = _key(target)
        if key in found:
            warn(f"{where}: {name!r} is already given on line {first_line[key]}; this row is ignored")
            continue
        published = None
        if cell.get("published"):
            published, why = publication_date(cell["published"])
            if why:
                warn(f"{where}: publication date {cell['published']!r} {why}; {name} gets no date")
        found[key] = ManifestRow(title=cell.get("title") or None, published=published,
                                 source=cell.get("source") or None, where=where)
        first_line[key] = line
    return found


def _manifest_text(raw: bytes, path: Path, warn: Warn) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        with contextlib.suppress(UnicodeDecodeError):
            return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        warn(f"{path}: not UTF-8; read as Windows-1252 (what spreadsheets write as 'CSV'); "
             "save it as 'CSV UTF-8' if titles look wrong")
        return raw.decode("cp1252", errors="replace")


def _read_file(source: Source, row: ManifestRow | None, warn: Warn) -> Document:
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
        text = html_to_text(text, str(path), warnings.append)
        is_source = False
    if not text.strip():
        raise InputError(f"{path}: empty document; nothing to read")
    for w in warnings:
        warn(w)
    published = row.published if row is not None and row.published else \
        parse_date(page.get("date"), f"{path} (the page's date)", warn)
    return Document(
        id=_doc_id(path.stem), text=text, title=(row.title if row else None) or page.get("title") or _html_title(raw, source)
        or None, published=published, source=(row.source if row else None) or page.get("url") or None, path=_shown(path),
        text_is_source=is_source, warnings=tuple(warnings),
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


def html_to_text(html: str, where: str, warn: Warn | None = None) -> str:
    """Main text of an HTML page (trafilatura); the page's plain text when that finds none.

    lxml, under trafilatura, stops at 256 levels of nesting: a deeper page is parsed again with
    ``huge_tree`` (2,048 levels); beyond that its whole text is read with the standard library's
    parser (which has no depth limit), and ``warn`` says so."""
    import trafilatura
    from lxml import html as lxml_html
    from lxml.etree import ParserError

    source: object = html
    if _too_deep(html):
        parser = lxml_html.HTMLParser(huge_tree=True, remove_comments=True, remove_pis=True, collect_ids=False)
        try:
            tree = lxml_html.fromstring(html, parser=parser)
        except (ParserError, ValueError):
            tree = None
        if tree is None or _depth_error(parser):
            depth, text = _plain_text(html)
            if warn is not None and text.strip():
                warn(f"{where}: HTML nested {depth:,} levels deep, more than the {LXML_MAX_DEPTH:,} lxml reads; "
                     "read the page's whole text (menus and all), not only its article")
            return unicodedata.normalize("NFC", text)
        source = tree
    text = trafilatura.extract(source, include_comments=False, include_tables=False, favor_recall=True) or ""
    if not text.strip():
        try:
            page = lxml_html.fromstring(html, parser=lxml_html.HTMLParser(huge_tree=True)) if source is not html \
                else lxml_html.fromstring(html)
            for bad in page.xpath("//script|//style|//noscript"):
                bad.drop_tree()
            text = "\n".join(line.strip() for line in page.text_content().splitlines() if line.strip())
        except (ParserError, ValueError):
            text = ""
    return unicodedata.normalize("NFC", text)


def _too_deep(html: str) -> bool:
    """Does lxml, as trafilatura calls it, give up on this page's nesting?"""
    from lxml import etree

    parser = etree.HTMLParser()
    try:
        etree.fromstring(html, parser)
    except (etree.ParserError, ValueError):
        return False
    return _depth_error(parser)


def _depth_error(parser) -> bool:
    return any("Excessive depth" in entry.message for entry in parser.error_log)


class _TextCollector(HTMLParser):
    """A page's text, one line per block element, and how deep its elements nest (no depth limit)."""

    SKIP = {"script", "style", "noscript", "template", "head"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    BLOCK = {"address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure",
             "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p",
             "pre", "section", "table", "td", "th", "tr", "ul"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.open: list[str] = []
        self.depth = 0
        self.skipping = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag in self.BLOCK:
            self.parts.append("\n")
        if tag in self.VOID:
            return
        self.open.append(tag)
        self.depth = max(self.depth, len(self.open))
        if tag in self.SKIP:
            self.skipping += 1

    def handle_endtag(self, tag) -> None:
        if tag in self.BLOCK:
            self.parts.append("\n")
        if tag in self.open:
            while self.open:
                closed = self.open.pop()
                if closed in self.SKIP:
                    self.skipping -= 1
                if closed == tag:
                    break

    def handle_data(self, data) -> None:
        if not self.skipping:
            self.parts.append(data)


def _plain_text(html: str) -> tuple[int, str]:
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    lines = (" ".join(line.split()) for line in "".join(collector.parts).splitlines())
    return collector.depth, "\n".join(line for line in lines if line)


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
            doc = _record_document(_unicode(record, where, warn), path, lineno, where, warn, skip)
            if doc is not None:
                yield doc
        if not any_line:
            warn(f"{path}: empty corpus; nothing to read")


_SURROGATE = re.compile("[\ud800-\udfff]")


def _unicode(record: dict, where: str, warn: Warn) -> dict:
    """The record with each unpaired surrogate (JSON's "\\ud800", not a character) as U+FFFD, one for one."""
    bad = [key for key, value in record.items() if isinstance(value, str) and _SURROGATE.search(value)]
    if not bad:
        return record
    warn(f"{where}: {', '.join(repr(k) for k in bad)}: escapes that are not characters (unpaired surrogates such as "
         "\\ud800), each replaced with U+FFFD")
    return {k: _SURROGATE.sub("\ufffd", v) if isinstance(v, str) else v for k, v in record.items()}


def _shown(path: Path) -> str:
    """A path as text that can be written anywhere (a file name's undecodable bytes become U+FFFD)."""
    return os.fsencode(path).decode("utf-8", "replace")


def _record_document(record: dict, path: Path, lineno: int, where: str, warn: Warn, skip: Warn) -> Document | None:
    rid = str(record.get("id") or f"{path.stem}-{lineno}")
    text, html = record.get("text"), record.get("html")
    if isinstance(text, str) and text.strip():
        body = unicodedata.normalize("NFC", text) if not unicodedata.is_normalized("NFC", text) else text
    elif isinstance(html, str) and html.strip():
        body = html_to_text(html, where, warn)
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
        source=_str(record.get("url") or record.get("source")), path=f"{_shown(path)}#{lineno}", text_is_source=False,
    )


def _str(value) -> str | None:
    return str(value).strip() or None if value is not None else None


def _doc_id(raw: str) -> str:
    """A document id that is safe in an IRI and a file name, and stable."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", raw.strip())
    return cleaned.strip("._") or "doc"


def parse_date(value: str | None, where: str, warn: Warn) -> dt.date | None:
    """A publication date (see ``publication_date``); one that cannot be read is reported."""
    if not value:
        return None
    date, why = publication_date(value)
    if why:
        warn(f"{where}: publication date {value!r} {why}; dates in it stay unresolved")
    return date


_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2}|UTC|GMT)?)?")
_YEAR_FIRST = re.compile(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})|(\d{4})(\d{2})(\d{2})")
_YEAR_LAST = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?)?")
_HOW = "; write it as YYYY-MM-DD"
PUBLISHED_YEARS = (1800, 2200)  # fixed, not "until next year": a rebuild must not depend on the day it runs


def publication_date(value: str) -> tuple[dt.date | None, str | None]:
    """See ``_publication_date``; a year outside PUBLISHED_YEARS is taken for a typo, not a date."""
    date, why = _publication_date(value)
    if date is not None and not PUBLISHED_YEARS[0] <= date.year <= PUBLISHED_YEARS[1]:
        return None, f"is not a plausible publication date (years {PUBLISHED_YEARS[0]} to {PUBLISHED_YEARS[1]})" + _HOW
    return date, why


def _publication_date(value: str) -> tuple[dt.date | None, str | None]:
    """A publication date as spreadsheets and feeds write it: ``(date, None)``, or ``(None, why not)``.

    Read: ISO dates and datetimes (the date as written, whatever the time zone), ``2024/03/12``,
    ``20240312``, day and month with a month name (``March 12, 2024``, ``12 Mar 2024``,
    ``12-Mar-2024``), ``12.03.2024`` (day first, the only order written with dots), and
    ``DD/MM/YYYY`` or ``MM/DD/YYYY`` when only one reading is a date (``25/12/2024``). Not read:
    ``03/04/2024`` (3 April or 4 March?), two-digit years, and anything without a day: no day is guessed.
    """
    text = " ".join(str(value).split())
    if not text:
        return None, None
    try:
        if m := _ISO.fullmatch(text):
            return dt.date(int(m[1]), int(m[2]), int(m[3])), None
        if m := _YEAR_FIRST.fullmatch(text):
            y, mo, d = (m[1], m[2], m[3]) if m[1] else (m[4], m[5], m[6])
            return dt.date(int(y), int(mo), int(d)), None
        if m := _YEAR_LAST.fullmatch(text):
            a, sep, b, year = int(m[1]), m[2], int(m[3]), m[4]
            if len(year) == 2:
                return None, "has a two-digit year" + _HOW
            if sep == ".":
                return dt.date(int(year), b, a), None
            if a > 12 >= b:
                return dt.date(int(year), b, a), None
            if b > 12 >= a or a == b:
                return dt.date(int(year), a, b), None
            return None, f"is ambiguous ({a} {_MONTHS[b]} or {b} {_MONTHS[a]}?)" + _HOW
    except ValueError:
        return None, "is not a valid date" + _HOW
    if re.search(r"[A-Za-z]{3}", text) and re.search(r"\d", text):
        return _named_month_date(text)
    return None, "is not a date kg can read" + _HOW


_MONTHS = ("", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def _named_month_date(text: str) -> tuple[dt.date | None, str | None]:
    """A date with a month name (dateutil); each of day, month and year must be in the text."""
    from dateutil import parser

    readings = []
    for default in (dt.datetime(2000, 1, 1), dt.datetime(2001, 2, 2)):  # what differs was not in the text
        try:
            with pywarnings.catch_warnings():
                pywarnings.simplefilter("ignore")  # unknown time zone names: the date is what is wanted
                readings.append(parser.parse(text, default=default))
        except (ValueError, OverflowError):
            return None, "is not a date kg can read" + _HOW
    first, second = readings
    missing = [name for name, a, b in (("day", first.day, second.day), ("month", first.month, second.month),
                                       ("year", first.year, second.year)) if a != b]
    if missing:
        return None, f"has no {' or '.join(missing)}" + _HOW
    return first.date(), None
