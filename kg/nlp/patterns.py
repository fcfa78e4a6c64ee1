"""Argument patterns (patterns/*.yaml) for spaCy's DependencyMatcher, and the arguments they find.

Each pattern names a shape of the parse around a word: "met with X", "a truce between A and
B", "led by X", "accused X of violating". A pattern file is a list of entries:

    - id: meeting.with                   # unique; records name it in their ``rules``
      finds: the partners of a meeting   # what the argument is
      patterns:                          # one or more DependencyMatcher patterns
        - - {RIGHT_ID: anchor, RIGHT_ATTRS: {}}
          - {LEFT_ID: anchor, REL_OP: ">", RIGHT_ID: prep, RIGHT_ATTRS: {DEP: prep, LOWER: with}}
          - {LEFT_ID: prep, REL_OP: ">", RIGHT_ID: arg, RIGHT_ATTRS: {DEP: pobj}}
      example:                           # a sentence, its parse written out, what the pattern finds there
        text: Blinken met with Lavrov.
        parse:                           # word, lemma, part of speech, dependency, index of the head
          - [Blinken, Blinken, PROPN, nsubj, 1]
          ...
        finds: {met: [Lavrov]}           # anchor word -> argument words

Every pattern's first node is ``anchor`` (the word a reader asks about) and one node is ``arg``
(what it finds). The examples are tested on Docs built from their parse, without the parser.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from spacy.attrs import DEP, HEAD, LEMMA, POS, TAG
from spacy.matcher import DependencyMatcher
from spacy.tokens import Doc, Span, Token
from spacy.vocab import Vocab

from kg.errors import LexiconError
from kg.nlp.lexicon import YAML_LOADER

ENTRY_KEYS = ("id", "finds", "anchor", "arg", "patterns", "example")
# What a pattern may read of a token (a sentence is matched as a Doc of its own with these).
_ATTRS = [HEAD, DEP, POS, TAG, LEMMA]
EXAMPLE_KEYS = ("text", "parse", "finds")


@dataclass(frozen=True)
class Example:
    text: str
    parse: tuple[tuple[str, str, str, str, int], ...]  # word, lemma, POS, dependency, head index
    finds: Mapping[str, tuple[str, ...]]  # anchor word -> argument words

    def doc(self, vocab: Vocab) -> Doc:
        """The example as a parsed Doc, built by hand (no statistical parser)."""
        words, lemmas, pos, deps, heads = zip(*self.parse)
        return Doc(vocab, words=list(words), lemmas=list(lemmas), pos=list(pos), deps=list(deps), heads=list(heads))


@dataclass(frozen=True)
class ArgumentPattern:
    id: str
    finds: str
    anchor: str  # the node a reader asks about: "anchor", or "prep.head" (the head of node prep)
    arg: str  # the node found: "arg", or "along.head"
    patterns: tuple[Any, ...]  # DependencyMatcher patterns (lists of node dicts), as written
    example: Example
    file: str

    @property
    def nodes(self) -> list[str]:
        return [node["RIGHT_ID"] for node in self.patterns[0]]


def _entry(raw: Any, where: str) -> ArgumentPattern:
    if not isinstance(raw, dict) or set(raw) != set(ENTRY_KEYS):
        raise LexiconError(f"{where}: each pattern needs exactly the keys {', '.join(ENTRY_KEYS)}")
    pid = raw["id"]
    patterns, example = raw["patterns"], raw["example"]
    if not isinstance(patterns, list) or not patterns:
        raise LexiconError(f"{where}: {pid}: 'patterns' must be a list of DependencyMatcher patterns")
    names = [[node.get("RIGHT_ID") for node in p] if isinstance(p, list) else [] for p in patterns]
    if any(n != names[0] for n in names) or not names[0]:
        raise LexiconError(f"{where}: {pid}: alternative patterns of one id must name the same nodes in the same order")
    for key in ("anchor", "arg"):
        if str(raw[key]).removesuffix(".head") not in names[0]:
            raise LexiconError(f"{where}: {pid}: {key} {raw[key]!r} is not a node of the pattern (or a node's .head)")
    if not isinstance(example, dict) or set(example) != set(EXAMPLE_KEYS):
        raise LexiconError(f"{where}: {pid}: the example needs exactly the keys {', '.join(EXAMPLE_KEYS)}")
    rows = example["parse"]
    if not isinstance(rows, list) or not all(isinstance(r, list) and len(r) == 5 and isinstance(r[4], int)
                                             and all(isinstance(x, str) for x in r[:4]) for r in rows):
        raise LexiconError(f"{where}: {pid}: each parse row is [word, lemma, POS, dependency, head index]")
    finds = {str(k): tuple(str(x) for x in v) for k, v in example["finds"].items()}
    return ArgumentPattern(str(pid), str(raw["finds"]), str(raw["anchor"]), str(raw["arg"]), tuple(patterns),
                           Example(str(example["text"]), tuple(tuple(r) for r in rows), finds), where)


@lru_cache(maxsize=1)
def argument_patterns() -> dict[str, ArgumentPattern]:
    """Every argument pattern of kg/nlp/patterns/*.yaml, by id."""
    out: dict[str, ArgumentPattern] = {}
    folder = resources.files("kg.nlp").joinpath("patterns")
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if not item.name.endswith(".yaml"):
            continue
        where = f"kg/nlp/patterns/{item.name}"
        try:
            entries = yaml.load(item.read_text(encoding="utf-8"), Loader=YAML_LOADER)
        except yaml.YAMLError as exc:
            raise LexiconError(f"{where}: not valid YAML ({str(exc).splitlines()[0]})") from exc
        if not isinstance(entries, list):
            raise LexiconError(f"{where}: expected a list of patterns")
        for raw in entries:
            entry = _entry(raw, where)
            if entry.id in out:
                raise LexiconError(f"{where}: pattern id {entry.id!r} is also in {out[entry.id].file}")
            out[entry.id] = entry
    return out


_MATCHERS: dict[tuple[int, str], tuple[Vocab, DependencyMatcher]] = {}


def matcher(vocab: Vocab, file: str) -> DependencyMatcher:
    """A DependencyMatcher of the argument patterns of one file (one per vocabulary)."""
    key = (id(vocab), file)
    if key not in _MATCHERS or _MATCHERS[key][0] is not vocab:
        found = DependencyMatcher(vocab, validate=True)
        for pid, entry in argument_patterns().items():
            if entry.file == file:
                found.add(pid, [list(p) for p in entry.patterns])
        _MATCHERS[key] = (vocab, found)
    return _MATCHERS[key][1]


class Arguments:
    """What the argument patterns find in one Doc, by pattern id and anchor token.

    Matching is done on demand, one sentence and one pattern file at a time: a sentence no
    reader asks about costs nothing (spaCy's DependencyMatcher takes time in proportion to the
    words it reads times the nodes of its patterns)."""

    def __init__(self, doc: Doc, sents: list[Span], sent_index: list[int]):
        self.doc, self.sents, self.sent_index = doc, sents, sent_index
        self._done: set[tuple[str, int]] = set()
        self._matches: dict[tuple[str, int], list[dict[str, int]]] = {}
        self._attrs: Any = None  # the doc's parse as an array, made on first demand
        self._sent_docs: dict[int, Doc] = {}

    def _sent_doc(self, n: int) -> Doc:
        """Sentence n as a Doc of its own, with only what the patterns read (words, lemmas, parts of
        speech, the parse): cheaper than ``Span.as_doc``, which copies entities and vectors too."""
        if n not in self._sent_docs:
            if self._attrs is None:
                self._attrs = self.doc.to_array(_ATTRS)
            sent = self.sents[n]
            made = Doc(self.doc.vocab, words=[t.text for t in sent], spaces=[bool(t.whitespace_) for t in sent])
            made.from_array(_ATTRS, self._attrs[sent.start:sent.end])
            self._sent_docs[n] = made
        return self._sent_docs[n]

    def _match(self, file: str, n: int) -> None:
        self._done.add((file, n))
        start = self.sents[n].start
        patterns = argument_patterns()
        strings = self.doc.vocab.strings
        found: dict[tuple[str, int], set[tuple[int, ...]]] = {}
        for match_id, token_ids in matcher(self.doc.vocab, file)(self._sent_doc(n)):
            entry = patterns[strings[match_id]]
            ids = tuple(start + i for i in token_ids)
            anchor, arg = self._resolve(entry, entry.anchor, ids), self._resolve(entry, entry.arg, ids)
            if anchor is not None and arg is not None:
                found.setdefault((entry.id, anchor), set()).add((*ids, arg))
        # each anchor's matches in text order of their nodes (the order nested walks of the tree give)
        for (pid, anchor), matches in found.items():
            names = patterns[pid].nodes
            self._matches[(pid, anchor)] = [{**dict(zip(names, m[:-1])), "arg": m[-1]} for m in sorted(matches)]

    def _resolve(self, entry: ArgumentPattern, ref: str, ids: tuple[int, ...]) -> int | None:
        """The token a node reference names: the node, or its head (none when the node is a root)."""
        i = ids[entry.nodes.index(ref.removesuffix(".head"))]
        if not ref.endswith(".head"):
            return i
        head = self.doc[i].head.i
        return None if head == i else head

    def _at(self, pattern_id: str, anchor: Token) -> list[dict[str, int]]:
        entry = argument_patterns()[pattern_id]  # an unknown id is a KeyError: a typo in a reader
        n = self.sent_index[anchor.i]
        if (entry.file, n) not in self._done:
            self._match(entry.file, n)
        return self._matches.get((pattern_id, anchor.i), [])

    def matches(self, pattern_id: str, anchor: Token) -> list[dict[str, Token]]:
        """Each match of the pattern at ``anchor``, as node name -> token."""
        return [{name: self.doc[i] for name, i in m.items()} for m in self._at(pattern_id, anchor)]

    def args(self, pattern_id: str, anchor: Token) -> list[Token]:
        """The ``arg`` node of each match of the pattern at ``anchor``, in text order."""
        out: list[Token] = []
        for m in self._at(pattern_id, anchor):
            token = self.doc[m["arg"]]
            if token not in out:
                out.append(token)
        return out

    def fired(self, sent: Span) -> list[tuple[str, Token, Token]]:
        """(pattern id, anchor, argument) of every match in the sentence, every pattern file read."""
        n = self.sent_index[sent.start]
        for file in sorted({e.file for e in argument_patterns().values()}):
            if (file, n) not in self._done:
                self._match(file, n)
        return [(pid, self.doc[anchor], self.doc[m["arg"]]) for (pid, anchor), ms in
                sorted(self._matches.items(), key=lambda kv: (kv[0][1], kv[0][0]))
                if sent.start <= anchor < sent.end for m in ms]
