"""The sentence context every finder and reader shares: sentences, page noise, evidence, dates.

Built once per document before any mention or event is read; nothing in it changes afterwards.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from spacy.tokens import Doc, Span, Token

from kg.extract import dates
from kg.extract.grammar import Grammar
from kg.extract.noise import in_noise, noise_regions
from kg.models import DateRef, Document
from kg.models import Span as Evidence
from kg.nlp.lexicon import Lexicon
from kg.nlp.patterns import Arguments

R = TypeVar("R")


class DocContext:
    """One parsed document: its sentences (indexed by token), the page noise to skip, the
    sentence as evidence, the DATE entities of each sentence, the parse-tree questions and
    the arguments the patterns found."""

    def __init__(self, document: Document, doc: Doc, lex: Lexicon):
        self.document, self.doc = document, doc
        self.regions = regions = noise_regions(document.text, lex.noise)
        self.sents: list[Span] = list(doc.sents)
        # token -> its sentence, computed once (spaCy's Token.sent walks the doc on every call)
        self.sent_index = [0] * len(doc)
        for n, sent in enumerate(self.sents):
            for i in range(sent.start, sent.end):
                self.sent_index[i] = n
        # sentences that are page noise (or blank), by their first token
        self.skip = frozenset(s.start for s in self.sents
                              if in_noise(regions, s.start_char, s.end_char) or not s.text.strip())
        # tokens inside noise regions: a dateline before a sentence, parsed into it
        self.noise = frozenset(t.i for t in doc if any(r.begin <= t.idx < r.end for r in regions))
        self.grammar = Grammar(lex.grammar, self.noise)
        self.args = Arguments(doc, self.sents, self.sent_index)  # what the patterns of kg/nlp/patterns find
        # "MARENBURG, March 12 (Wire) -": the dateline's day is the story's day, for "on Tuesday"
        self.story_date = next((day for r in regions if r.reason.startswith("dateline")
                                and not document.text[:r.begin].strip()
                                and (day := dates.dateline_date(document.text[r.begin:r.end], document.published))),
                               document.published)
        self.dates_by_sent: dict[int, list[Span]] = {}
        for ent in doc.ents:
            if ent.label_ == "DATE":
                self.dates_by_sent.setdefault(self.sent_index[ent.start], []).append(ent)

    @property
    def text(self) -> str:
        return self.document.text

    def sentences(self) -> Iterator[Span]:
        """The sentences to read (page noise left out)."""
        return (s for s in self.sents if s.start not in self.skip)

    def sent_of(self, token: Token) -> Span:
        return self.sents[self.sent_index[token.i]]

    def live(self, token: Token) -> bool:
        """The token is in a sentence to read, and not in page noise."""
        return self.sent_of(token).start not in self.skip and token.i not in self.noise

    def evidence(self, sent: Span) -> Evidence:
        """The sentence as evidence, without a dateline before it and spaces around it."""
        text = self.document.text
        first = sent.start
        while first < sent.end - 1 and first in self.noise:
            first += 1
        begin, end = self.doc[first].idx, sent.end_char
        while end > begin and text[end - 1].isspace():
            end -= 1
        while begin < end and text[begin].isspace():
            begin += 1
        return Evidence(self.document.id, begin, end, text[begin:end])

    def date_of(self, head: Token, future: bool) -> DateRef | None:
        """A DATE entity attached to ``head`` (not inside a clause of its own); a resolvable
        day is preferred to a duration ("a four-day trip ... on Tuesday")."""
        found = list(self._dates(head, future))
        return next((d for d in found if d.value), found[0] if found else None)

    def _dates(self, head: Token, future: bool) -> Iterator[DateRef]:
        for ent in self.dates_by_sent.get(self.sent_index[head.i], ()):
            if ent.label_ != "DATE" or dates.is_duration(ent.text) or ent.root.i in self.noise:
                continue
            t = ent.root
            hops = 0
            while t.i != t.head.i and t.i != head.i and hops < 4:
                if t.pos_ in {"VERB", "AUX"} and t.i != head.i:
                    break
                t = t.head
                hops += 1
            if t.i == head.i:
                yield dates.resolve(ent.text, self.story_date, future)


@dataclass(frozen=True)
class Found(Generic[R]):
    """A record a reader produced, and where in the text it was read: the character offsets of
    an event's trigger words, or the [begin, end) of a statement's words."""

    record: R
    at: tuple[int, ...]


@dataclass(frozen=True)
class Reading(Generic[R]):
    """What one reader found in a document."""

    found: tuple[Found[R], ...]
    actors: frozenset[str]  # the actors its records rely on (also those of events it dropped)
    warnings: tuple[str, ...] = ()
