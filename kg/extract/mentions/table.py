"""The mention table of one document: every actor and place mention, indexed by token.

The finders (``named``, ``common``, ``roles``, ``references``) fill a ``MentionBuilder``;
``find_mentions`` hands the readers the finished ``MentionTable``, whose lookups only read.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from spacy.tokens import Doc, Span, Token

from kg.extract.context import DocContext
from kg.nlp.lexicon import KnownActor, Lexicon, norm

MentionKind = Literal["Person", "Organization", "Country", "Group", "Place"]


@dataclass
class Mention:
    start: int  # token span [start, end)
    end: int
    key: str | None  # actor or place key once resolved
    kind: MentionKind
    surface: str
    adjective: bool = False  # a national adjective ("Israeli counterpart")
    affiliation: str | None = None  # for descriptions and collectives: the actor key of the modifier


@dataclass
class ActorInfo:
    key: str
    kind: MentionKind
    label: str
    names: set[str] = field(default_factory=set)
    described: bool = False
    named: bool = True  # found by the entity recogniser or gazetteer (kept even without facts)
    affiliation: str | None = None  # the state or organisation a collective or described person belongs to


@dataclass(frozen=True)
class RoleHit:
    holder: str
    title: str
    affiliation: str | None
    sent: Span
    rule: str


@dataclass(frozen=True)
class Voice:
    """A passage spoken by one actor: [begin, end) in the text, the speaker (None for a
    reporter's questions), and whether each claim in it is the speaker's statement (a
    transcript's turn, the paragraphs after "X said:") or only its "I" and "we" are."""

    begin: int
    end: int
    key: str | None
    whole: bool
    rule: str


class MentionTable:
    """Every actor mention of one document, indexed by token. Lookups never add a mention."""

    def __init__(self, ctx: DocContext, lex: Lexicon):
        self.ctx = ctx
        self.doc: Doc = ctx.doc
        self.lex = lex
        self.mentions: list[Mention] = []
        self.by_token: dict[int, Mention] = {}
        self.actors: dict[str, ActorInfo] = {}
        self.places: dict[str, str] = {}
        self.roles: list[RoleHit] = []
        self.multi: dict[int, list[str]] = {}  # head token -> several states a collective stands for
        self.voices: list[Voice] = []  # who speaks which passage (transcript turns, "X said:")

    def mention_at(self, token: Token) -> Mention | None:
        return self.by_token.get(token.i)

    def actor_at(self, token: Token | None) -> str | None:
        """The actor a noun-phrase head refers to (through its name, title, or pronoun)."""
        if token is None:
            return None
        m = self.by_token.get(token.i)
        if m and m.key and m.kind != "Place":
            return m.key
        # "the head of US diplomacy, Antony Blinken": the apposition names the head
        for child in token.children:
            if child.dep_ == "appos":
                m = self.by_token.get(child.i)
                if m and m.key and m.kind != "Place":
                    return m.key
        low = token.lemma_.lower()
        # "met with Syrian President Bashar Assad Tuesday": a date parsed as the head of the name
        if token.ent_type_ in {"DATE", "TIME"}:
            for child in token.children:
                m = self.by_token.get(child.i)
                if child.dep_ == "compound" and m and m.key and m.kind != "Place":
                    return m.key
        words = self.lex.actors
        if low in words.generic_org_heads or low in words.collective_heads:
            for child in token.children:
                m = self.by_token.get(child.i)
                if child.dep_ in {"compound", "nmod", "appos", "npadvmod"} and m and m.key and \
                        m.kind in {"Organization", "Country"}:
                    return m.key  # "the Hizbollah group", "a Hamas delegation"
        # "a group of Moroccan diplomats", "a delegation of ..."
        if low in words.collective_heads:
            for child in token.children:
                if child.dep_ == "prep" and child.lower_ in words.collective_preps:
                    for p in child.children:
                        if p.dep_ == "pobj":
                            return self.actor_at(p)
        return None

    def actors_at(self, token: Token | None) -> list[str]:
        """The actors of a head and its conjuncts ("Israel and Hamas", "The US, Russia, and Switzerland")."""
        if token is None:
            return []
        keys: list[str] = []
        heads = [token, *token.conjuncts]
        heads += [c for c in token.children if c.dep_ == "nmod" and any(x.dep_ == "cc" for x in c.children)
                  and self.by_token.get(c.i) is not None and self.by_token[c.i].kind == "Person"]
        for t in list(heads):
            # a list written as appositions: "The US, Russia, and Switzerland"
            for c in t.children:
                if c.dep_ == "appos" and self.by_token.get(c.i) is not None and \
                        self.by_token[c.i].kind in {"Country", "Organization"}:
                    heads += [c, *c.conjuncts]
        for t in heads:
            for key in self.multi.get(t.i, [self.actor_at(t)]):
                if key and key not in keys:
                    keys.append(key)
        return keys

    def with_states(self, keys: list[str]) -> list[str]:
        """Keys plus the state or organisation each unnamed collective or described person
        belongs to: "Moroccan diplomats" meet for Morocco, as event coders code them."""
        out = list(keys)
        for key in keys:
            info = self.actors.get(key)
            if info is not None and info.affiliation and (info.kind == "Group" or info.described) \
                    and info.affiliation not in out:
                out.append(info.affiliation)
        return out

    def place_at(self, token: Token) -> str | None:
        """A place or state that a noun phrase names as a location."""
        m = self.by_token.get(token.i)
        if m is None or m.key is None:
            return None
        if m.kind == "Place":
            return m.key
        if m.key.startswith("country:"):
            return m.key
        return None

    def is_person_like(self, token: Token) -> bool:
        m = self.by_token.get(token.i)
        return bool(m and m.kind in {"Person", "Group"})


class MentionBuilder(MentionTable):
    """The table while the finders fill it: the only place mentions and actors are added."""

    def add(self, m: Mention) -> None:
        """Add a mention unless a mention at least as long covers one of its tokens; shorter ones give way."""
        for i in range(m.start, m.end):
            if i in self.by_token and self.by_token[i].end - self.by_token[i].start >= m.end - m.start:
                return
        for i in range(m.start, m.end):
            old = self.by_token.get(i)
            if old is not None and old in self.mentions:
                self.remove(old)
        self.mentions.append(m)
        for i in range(m.start, m.end):
            self.by_token[i] = m

    def remove(self, m: Mention) -> None:
        self.mentions.remove(m)
        for j in range(m.start, m.end):
            self.by_token.pop(j, None)

    def actor(self, key: str, kind: MentionKind, label: str, surface: str, described=False, named=True) -> ActorInfo:
        """The actor of this key (created on first sight), with one more surface form."""
        info = self.actors.get(key)
        if info is None:
            info = self.actors[key] = ActorInfo(key, kind, label, described=described, named=named)
        if surface and surface != info.label:
            info.names.add(surface)
        return info

    def live(self, token: Token) -> bool:
        return self.ctx.live(token)

    def sent_of(self, token: Token) -> Span:
        return self.ctx.sent_of(token)

    def table(self) -> MentionTable:
        """The finished table, read-only from here on."""
        done = MentionTable(self.ctx, self.lex)
        done.mentions, done.by_token, done.actors = self.mentions, self.by_token, self.actors
        done.places, done.roles, done.multi = self.places, self.roles, self.multi
        done.voices = self.voices
        return done


def surface(span: Span) -> str:
    """A span's text with its spaces normalised."""
    return re.sub(r"\s+", " ", span.text).strip()


def known(lex: Lexicon, text: str) -> KnownActor | None:
    """The state or organisation of the gazetteer a name, demonym or capital stands for."""
    key = norm(text)
    return lex.names.get(key) or lex.demonyms.get(key) or lex.capitals.get(key)
