"""Identity of actors across mentions and documents: which names are one real-world actor.

A name's *key* is what stays of it once spelling is set aside: letters without diacritics, lower
case, no dots or hyphens ("Al-Sisi" = "Al Sisi", "S. Jaishankar" = "S Jaishankar", "Chávez" =
"Chavez"); the Arabic article ("al-Maliki" = "Maliki"), honorifics and academic titles ("Prof
Jason Stearns" = "Jason Stearns"), generational suffixes ("III") and middle initials ("Donald J.
Trump" = "Donald Trump") left out; word endings that transliterations write differently
folded ("Sergei" = "Sergey", "Zelenskyy" = "Zelenskiy" = "Zelensky").

On top of equal keys, a short form joins a full name when the corpus (or the document) knows
exactly one person it can be: a surname alone ("Maliki" -> "Nouri al-Maliki"), a first name
alone within one document ("Khaled" -> "Khaled Meshaal"), an initial or a short form of the
given name with the same surname ("J. Blinken", "Tony Blinken" -> "Antony Blinken"); an
organisation's acronym joins the one organisation whose initials it is ("IAP" -> "Interim Arab
Parliament").
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from kg.models import Actor
from kg.nlp.lexicon import lexicon

_SPLIT = re.compile(r"[\s\-‐‑–_/]+")


@dataclass(frozen=True)
class NameWords:
    honorifics: frozenset[str]  # leading words that are titles, not names ("prof", "sheikh", "dr")
    particles: frozenset[str]  # articles inside names ("al", "el")
    suffixes: frozenset[str]  # generational suffixes ("jr", "iii")
    acronym_skip: frozenset[str]  # small words an acronym leaves out ("of", "for")


@lru_cache(maxsize=1)
def name_words() -> NameWords:
    t = lexicon().titles
    honor = {fold(w) for w in t.honorifics | t.academic_titles}
    return NameWords(frozenset(honor), frozenset(fold(w) for w in t.name_particles),
                     frozenset(fold(w) for w in t.name_suffixes), frozenset(t.acronym_skip))


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower case, no diacritics, no dots or apostrophes, hyphens as spaces, single spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[.'’`]", "", text)
    return " ".join(t for t in _SPLIT.split(text) if t)


def _translit(token: str) -> str:
    """Word endings that transliterations of one name write differently."""
    token = re.sub(r"(?<=[^aeiou])(?:yy|iy|ii|ij)$", "y", token)  # Zelenskyy, Zelenskiy -> Zelensky
    return re.sub(r"ey$", "ei", token)  # Sergey -> Sergei


def name_tokens(name: str, words: NameWords | None = None) -> list[str]:
    """The words of a person's name that identify them (see the module's docstring)."""
    w = words or name_words()
    toks = fold(name).split()
    while len(toks) > 1 and toks[0] in w.honorifics:
        toks = toks[1:]
    while len(toks) > 1 and toks[-1] in w.suffixes:
        toks = toks[:-1]
    toks = [t for t in toks if t not in w.particles] or toks
    if len([t for t in toks if len(t) > 1]) >= 2:
        toks = [t for t in toks if len(t) > 1]  # "donald j trump" -> "donald trump"
    return [_translit(t) for t in toks]


@lru_cache(maxsize=65536)
def person_key(name: str) -> str:
    return " ".join(name_tokens(name))


def _given_compatible(a: str, b: str) -> bool:
    """Two given names that may be one person's: an initial of the other, or one a short form
    inside the other ("tony"/"antony", "alex"/"alexander")."""
    if len(a) == 1 or len(b) == 1:
        return True  # an initial: the surname decides
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 3 and (long_.startswith(short) or long_.endswith(short))


def org_key(name: str) -> str:
    """An organisation's name with states and their adjectives as one word ("Kenya National
    Commission" = "Kenyan National Commission")."""
    lex = lexicon()
    out = []
    for tok in fold(name).split():
        state = lex.names.get(tok) or lex.demonyms.get(tok)
        out.append(state.key.lower() if state is not None and state.kind == "Country" else tok)
    return " ".join(out)


def group_key(name: str) -> str:
    """A group's name with its state as one word and the state's own nouns left out: "U.S.
    officials" = "United States Government officials"."""
    lex = lexicon()
    toks = fold(name).split()
    out: list[str] = []
    i = 0
    while i < len(toks):
        for n in range(min(4, len(toks) - i), 0, -1):  # the longest state name or adjective here
            phrase = " ".join(toks[i:i + n])
            state = lex.names.get(phrase) or lex.demonyms.get(phrase)
            if state is not None and state.kind == "Country":
                out.append(state.key.lower())
                i += n
                break
        else:
            if not (out and out[-1].startswith("country:") and toks[i] in lex.actors.state_nouns):
                out.append(toks[i])
            i += 1
    return " ".join(out)


def acronym(name: str, words: NameWords | None = None) -> str:
    """'Interim Arab Parliament' -> 'iap' (small words left out)."""
    w = words or name_words()
    toks = [t for t in fold(name).split() if t not in w.acronym_skip]
    return "".join(t[0] for t in toks) if len(toks) >= 2 else ""


def is_acronym(text: str) -> bool:
    letters = re.sub(r"[.\s]", "", text)
    return 2 <= len(letters) <= 6 and letters.isalpha() and letters.isupper()


def person_classes(names: Iterable[str]) -> dict[str, str]:
    """Each person's name -> the name that stands for its class (the fullest, then the first in
    order), for the names of one corpus or one document."""
    names = sorted(set(names))
    keyed: dict[str, list[str]] = defaultdict(list)
    for n in names:
        keyed[person_key(n)].append(n)
    # full keys by surname (last word): who a short form can be
    by_last: dict[str, list[str]] = defaultdict(list)
    for k in keyed:
        if len(k.split()) >= 2:
            by_last[k.split()[-1]].append(k)
    target: dict[str, str] = {}
    for k in keyed:  # "j blinken", "tony blinken" -> "antony blinken"
        toks = k.split()
        if len(toks) != 2:
            continue
        cands = [c for c in by_last.get(toks[-1], []) if c != k and len(c.split()[0]) > 1]
        if cands and all(_given_compatible(toks[0], c.split()[0]) for c in cands) and \
                all(_given_compatible(a.split()[0], b.split()[0]) for a in cands for b in cands):
            best = sorted(cands, key=lambda c: (-len(c), c))[0]
            if len(best) > len(k):
                target[k] = best

    def root(k: str) -> str:
        while k in target:
            k = target[k]
        return k

    for k in keyed:  # "maliki" -> "nouri maliki", when the corpus knows one such person
        toks = k.split()
        if len(toks) == 1:
            roots = {root(c) for c in by_last.get(toks[0], [])}
            if len(roots) == 1:
                target[k] = roots.pop()
    out: dict[str, str] = {}
    for k, members in keyed.items():
        head = sorted(keyed[root(k)], key=lambda n: (-len(n.split()), n))[0]
        for n in members:
            out[n] = head
    return out


def global_keys(actors: Iterable[tuple[str, Actor]]) -> dict[tuple[str, str], str]:
    """(document id, local key) -> the key of the one actor of the corpus it is. Described
    actors ("a senior official") stay their document's own; named persons and organisations
    whose names are one (as above) share the key of the fullest name."""
    actors = list(actors)
    identity = Identity()
    for doc, a in actors:
        identity.observe(doc, (a,))
    return {(doc, a.key): identity.key(doc, a) for doc, a in actors}


class Identity:
    """``global_keys`` in passes: ``observe`` every document's actors (holding one entry per name,
    never one per mention), then ``key`` each mention."""

    def __init__(self) -> None:
        self.people: dict[str, str] = {}  # a named person's label -> its key (the last seen)
        self.orgs: dict[str, str] = {}  # a named organisation's key -> its label (the last seen)
        # groups named by their state: one key whatever the state's spelling
        self.groups: dict[str, set[str]] = defaultdict(set)  # group_key -> the groups' keys
        self._ready = False

    def observe(self, doc_id: str, actors: Iterable[Actor]) -> None:
        for a in actors:
            if a.kind == "Person" and not a.described and not is_acronym(a.label):
                self.people[a.label] = a.key
            if a.kind == "Organization" and not a.described:
                self.orgs[a.key] = a.label
            if a.kind == "Group" and not a.described:
                self.groups[group_key(a.label)].add(a.key)
        self._ready = False

    def _prepare(self) -> None:
        self.by_name = person_classes(self.people)
        # an organisation's acronym joins the one organisation of the corpus with those initials
        self.initials: dict[str, set[str]] = defaultdict(set)
        for key, label in self.orgs.items():
            if not is_acronym(label):
                ac = acronym(label)
                if ac:
                    self.initials[ac].add(key)
        # "the Kenya National Commission" is the one "Kenyan National Commission on Human Rights"
        org_tokens = {key: org_key(label).split() for key, label in self.orgs.items() if not is_acronym(label)}
        fields = name_words().acronym_skip
        self.longer: dict[str, str] = {}
        for key, toks in org_tokens.items():
            if len(toks) < 3:
                continue
            cands = {k for k, t in org_tokens.items() if len(t) > len(toks) + 1 and t[:len(toks)] == toks
                     and t[len(toks)] in fields}
            if len(cands) == 1:
                self.longer[key] = cands.pop()
        self.group_of = {k: sorted(keys, key=lambda key: (-len(key), key))[0] for k, keys in self.groups.items()}
        self._ready = True

    def key(self, doc_id: str, a: Actor) -> str:
        """The corpus-wide key of a mention (after every document's actors were observed)."""
        if not self._ready:
            self._prepare()
        if a.described:
            return f"{a.key}@{doc_id}"
        if a.kind == "Person" and a.label in self.by_name:
            return self.people[self.by_name[a.label]]
        if a.kind == "Group":
            return self.group_of[group_key(a.label)]
        if a.kind == "Organization" and a.key in self.longer:
            return self.longer[a.key]
        if a.kind == "Organization" and is_acronym(a.label):
            full = self.initials.get(fold(a.label).replace(" ", ""), set())
            if len(full) == 1:
                return next(iter(full))
        return a.key
