"""Why a sentence fired: the mentions, argument patterns and records of each sentence of a text.

``explain(source)`` reads a text (or the documents of a file) as ``kg build`` does and reports,
sentence by sentence, the actors found, the argument patterns that matched (pattern id, the
word asked about, the argument) and the records read there with the ids of the rules that
produced them. ``Explanation.text()`` is the report; ``Explanation.html()`` a self-contained
displaCy page marking the mentions and the pattern arguments in the text.
"""
from __future__ import annotations

import datetime as dt
import html as html_lib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from spacy.tokens import Doc
from spacy.tokens import Span as SpacySpan

from kg.errors import InputError
from kg.extract import extract
from kg.extract.context import DocContext
from kg.extract.mentions import find_mentions
from kg.models import Accusation, Ceasefire, Document, Extraction, Meeting, Role, Span, Statement
from kg.nlp.lexicon import lexicon


@dataclass(frozen=True)
class SentenceReport:
    index: int
    begin: int
    end: int
    text: str
    skipped: bool  # page noise: not read
    mentions: tuple[tuple[str, str, str], ...]  # (as written, actor or place key, kind)
    patterns: tuple[tuple[str, str, str], ...]  # (pattern id, word asked about, argument)
    records: tuple[str, ...]  # one line per record first read in this sentence


@dataclass(frozen=True)
class DocumentReport:
    document: Document
    sentences: tuple[SentenceReport, ...]
    extraction: Extraction
    doc: Doc = field(compare=False, repr=False)
    marks: tuple[tuple[int, int, str], ...] = field(default=(), repr=False)  # token (start, end, label) for displaCy


@dataclass(frozen=True)
class Explanation:
    documents: tuple[DocumentReport, ...]

    def text(self) -> str:
        """The report, one block per sentence that has something to show."""
        out: list[str] = []
        for report in self.documents:
            d = report.document
            out.append(f"document {d.id}" + (f" (published {d.published.isoformat()})" if d.published else ""))
            for s in report.sentences:
                if s.skipped:
                    out.append(f"  [{s.index}] {s.begin}-{s.end} page noise, not read: {_short(s.text)}")
                    continue
                if not (s.mentions or s.patterns or s.records):
                    continue
                out.append(f"  [{s.index}] {s.begin}-{s.end} {s.text}")
                if s.mentions:
                    out.append("      mentions: " + "; ".join(f"{w} = {key} ({kind})" for w, key, kind in s.mentions))
                for pid, anchor, arg in s.patterns:
                    out.append(f"      pattern {pid}: {anchor} -> {arg}")
                for line in s.records:
                    out.append(f"      {line}")
            if report.extraction.warnings:
                out += [f"  warning: {w}" for w in report.extraction.warnings]
        return "\n".join(out) + "\n"

    def html(self) -> str:
        """A self-contained displaCy page: each document's text with its mentions and pattern
        arguments marked (everything escaped; nothing loaded from the network)."""
        from spacy import displacy

        parts = []
        for report in self.documents:
            doc = report.doc
            doc.spans["kg_explain"] = [SpacySpan(doc, b, e, label=label) for b, e, label in report.marks]
            parts.append(f"<h2>{html_lib.escape(report.document.id)}</h2>")
            parts.append(displacy.render(doc, style="span", options={"spans_key": "kg_explain"}, page=False))
        body = "\n".join(parts)
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>kg explain</title></head>"
                f"<body style=\"font-family: sans-serif\">\n{body}\n</body></html>\n")


def explain(source: str, published: dt.date | None = None, model: str | None = None, displacy: Path | None = None,
            warn: Callable[[str], None] = lambda msg: None) -> Explanation:
    """Explain ``source``: the path of a file kg reads (text, HTML, JSONL), else a text itself;
    with ``displacy``, also write the displaCy page there (atomically)."""
    from kg.nlp.model import load

    path = Path(source) if "\n" not in source else None
    if path is not None and _is_file(path):
        from kg.ingest import read_documents

        documents = list(read_documents([path], warn))
        if not documents:
            raise InputError(f"{path}: no document to explain")
    else:
        documents = [Document(id="text", text=source, text_is_source=False)]
    if published is not None:
        documents = [replace(d, published=published) for d in documents]
    nlp = load(model)
    found = Explanation(tuple(explain_document(d, nlp(d.text)) for d in documents))
    if displacy is not None:
        _write_atomically(Path(displacy), found.html())
    return found


def _is_file(path: Path) -> bool:
    """Whether ``path`` names a file; a sentence too long to be a file name is not one (the limit
    is the file system's, in bytes, not characters)."""
    try:
        return path.is_file()
    except OSError:  # ENAMETOOLONG
        return False


def explain_document(document: Document, doc: Doc) -> DocumentReport:
    """The report of one parsed document."""
    lex = lexicon()
    extraction = extract(document, doc, lex)
    ctx = DocContext(document, doc, lex)
    table = find_mentions(ctx, lex)
    names = {a.key: a.label for a in extraction.actors} | {p.key: p.label for p in extraction.places}
    records: dict[int, list[str]] = {}
    found: list[Role | Meeting | Statement | Ceasefire | Accusation] = [
        *extraction.roles, *extraction.meetings, *extraction.statements, *extraction.ceasefires,
        *extraction.accusations]
    for record in found:
        first = _sentence_of(ctx, record.evidence[0])
        records.setdefault(first, []).append(_describe(record, names, ctx))
    sentences = []
    marks: list[tuple[int, int, str]] = []
    for n, sent in enumerate(ctx.sents):
        skipped = sent.start in ctx.skip
        mentions = tuple((m.surface, m.key or "", m.kind) for m in table.mentions if sent.start <= m.start < sent.end)
        fired = [] if skipped else ctx.args.fired(sent)
        patterns = tuple((pid, anchor.text, arg.text) for pid, anchor, arg in fired)
        marks += [(m.start, m.end, m.kind) for m in table.mentions if sent.start <= m.start < sent.end]
        marks += [(arg.i, arg.i + 1, pid) for pid, _, arg in fired]
        sentences.append(SentenceReport(n, sent.start_char, sent.end_char, sent.text.strip(), skipped, mentions, patterns,
                                        tuple(records.get(n, ()))))
    return DocumentReport(document, tuple(sentences), extraction, doc, tuple(marks))


def _sentence_of(ctx: DocContext, span: Span) -> int:
    for n, sent in enumerate(ctx.sents):
        if sent.start_char <= span.begin < sent.end_char:
            return n
    return len(ctx.sents) - 1


def _describe(record: Role | Meeting | Statement | Ceasefire | Accusation, names: dict[str, str], ctx: DocContext) -> str:
    """One line: the record's kind, its fields by name, the rules that produced it, the other sentences it was read in."""
    def name(key: str | None) -> str:
        return names.get(key, key) if key else "-"

    def who(keys: tuple[str, ...]) -> str:
        return ", ".join(name(k) for k in keys) or "-"

    if isinstance(record, Role):
        line = f"Role: {name(record.holder)} is {record.title}"
        line += f" of {name(record.affiliation)}" if record.affiliation else ""
    elif isinstance(record, Meeting):
        line = (f"Meeting ({record.kind}): {who(record.participants)}; status {record.status or '-'}, mode "
                f"{record.mode or '-'}, place {name(record.location)}, date {_date(record.date)}")
    elif isinstance(record, Statement):
        about = ", ".join(f"{ref.kind} {ref.index + 1}" for ref in record.about)
        line = (f"Statement by {name(record.speaker)} ({'quote' if record.quote else 'reported'}): "
                f"{_short(record.text)}" + (f" [about {about}]" if about else ""))
    elif isinstance(record, Accusation):
        concerns = f" [ceasefire {record.ceasefire.index + 1}]" if record.ceasefire else ""
        line = (f"Accusation: {name(record.accused)} violated a ceasefire, by the account of "
                f"{name(record.accuser) if record.accuser else 'the article'}; date {_date(record.date)}{concerns}")
    else:
        line = (f"Ceasefire: parties {who(record.parties)}; mediators {who(record.mediators)}; "
                f"status {record.status or '-'}, date {_date(record.date)}")
    others = sorted({_sentence_of(ctx, e) for e in record.evidence[1:]} - {_sentence_of(ctx, record.evidence[0])})
    also = f"; also read in sentence{'s' if len(others) > 1 else ''} {', '.join(map(str, others))}" if others else ""
    return f"{line}\n        rules: {', '.join(record.rules) or '-'}{also}"


def _date(date) -> str:
    if date is None:
        return "-"
    return f"{date.value.isoformat()} ({date.text!r})" if date.value else repr(date.text)


def _short(text: str, width: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"



def _write_atomically(path: Path, text: str) -> None:
    """Write a file whole or not at all: into a temporary file beside it, then renamed over it."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent if str(path.parent) else ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
