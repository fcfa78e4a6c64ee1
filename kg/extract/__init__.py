"""Parsed document -> Extraction: roles, meetings, statements and ceasefires with evidence.

Every record carries the sentence it was read from as a Span whose offsets slice the
document text exactly. The package follows the data flow:

    noise.py        page furniture -> regions to skip (the text is never changed)
    context.py      sentences, noise, evidence spans, dates of each sentence
    mentions/       the mention table (names, common-noun actors, roles, references),
                    complete before any event is read
    statements.py   \\
    meetings.py      > one reader per event kind, each owning its state
    ceasefires.py   /
    accusations.py  who violated a ceasefire, by whose account
    assemble.py     the readers' records -> one Extraction
    grammar.py      parse-tree questions the readers share (subject, negation, tense ...)
    explain.py      why a sentence fired (`kg explain`)

Words are data (kg/nlp/data/*.yaml, typed in kg/nlp/lexicon.py), argument shapes are
DependencyMatcher patterns (kg/nlp/patterns/*.yaml); this code holds only dependency labels
and part-of-speech tags.
"""
from __future__ import annotations

from spacy.tokens import Doc

from kg.extract.accusations import read_accusations
from kg.extract.assemble import assemble
from kg.extract.ceasefires import read_ceasefires
from kg.extract.context import DocContext
from kg.extract.meetings import read_meetings
from kg.extract.mentions import find_mentions
from kg.extract.statements import read_statements
from kg.models import Document, Extraction
from kg.nlp.lexicon import Lexicon, lexicon

__all__ = ["extract"]


def extract(document: Document, doc: Doc, lex: Lexicon | None = None) -> Extraction:
    """Read one parsed document."""
    lex = lex or lexicon()
    ctx = DocContext(document, doc, lex)
    table = find_mentions(ctx, lex)
    return assemble(ctx, table,
                    statements=read_statements(ctx, table, lex),
                    meetings=read_meetings(ctx, table, lex),
                    ceasefires=read_ceasefires(ctx, table, lex),
                    accusations=read_accusations(ctx, table, lex))
