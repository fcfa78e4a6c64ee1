"""Parsed doc -> actor mentions, roles, and what each mention refers to within the document.

Order of work, because each step needs the one before:
1. named mentions (spaCy entities, the gazetteer of states and organisations) and
   common-noun actors ("the Israeli military", "U.S. officials", "a senior official");
2. one person per name: "Blinken" is "Antony Blinken" when the document names him in full
   (whatever label the entity recogniser gave the short form);
3. roles, from titles before names ("U.S. Secretary of State Antony Blinken") and from
   appositions ("his Israeli counterpart, Gabi Ashkenazi");
4. descriptions that name no one ("the head of US diplomacy", "the Secretary") resolve to the
   holder of a matching role in the document; pronouns to their antecedent.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from kg.models import unique
from kg.nlp.lexicon import KnownActor, Lexicon, norm

ENTITY_LABELS = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC"}
GENERIC_ORG_HEADS = {"group", "movement", "militia", "organization", "organisation", "faction", "party", "force",
                     "forces", "front", "alliance", "coalition", "network", "agency", "outfit"}
COLLECTIVE_HEADS = {"group", "delegation", "team", "number", "handful", "couple", "contingent", "panel"}
AGENT_DEPS = {"nsubj", "nsubjpass", "poss", "agent"}


@dataclass
class Mention:
    start: int  # token span [start, end)
    end: int
    key: str | None  # actor or place key once resolved
    kind: str  # Person / Organization / Country / Group / Place / Description / Pronoun
    surface: str
    adjective: bool = False  # a national adjective ("Israeli counterpart")
    title: str | None = None  # for descriptions: the normalised title
    affiliation: str | None = None  # for descriptions and collectives: the actor key of the modifier


@dataclass
class ActorInfo:
    key: str
    kind: str
    label: str
    names: set[str] = field(default_factory=set)
    described: bool = False
    named: bool = True  # found by the entity recogniser or gazetteer (kept even without facts)
    affiliation: str | None = None  # the state or organisation a collective or described person belongs to


@dataclass
class RoleHit:
    holder: str
    title: str
    affiliation: str | None
    sent: Span


class DocMentions:
    """Every actor mention of one document, indexed by token."""

    def __init__(self, doc: Doc, lex: Lexicon, skip_sents: set[int], noise_tokens: frozenset[int] = frozenset()):
        self.doc = doc
        self.lex = lex
        self.skip = skip_sents  # sentence start indices that are page noise
        self.noise = noise_tokens  # tokens inside noise regions (a dateline before a sentence)
        # token -> its sentence, computed once (spaCy's Token.sent walks the doc on every call)
        self.sents = list(doc.sents)
        self.sent_index = [0] * len(doc)
        for n, sent in enumerate(self.sents):
            for i in range(sent.start, sent.end):
                self.sent_index[i] = n
        self.mentions: list[Mention] = []
        self.by_token: dict[int, Mention] = {}
        self.actors: dict[str, ActorInfo] = {}
        self.places: dict[str, str] = {}
        self.roles: list[RoleHit] = []
        self.multi: dict[int, list[str]] = {}  # head token -> several states a collective stands for

    def sent_of(self, token: Token) -> Span:
        return self.sents[self.sent_index[token.i]]

    # ---- lookup used by the event extractor -------------------------------------------------
    def mention_at(self, token: Token) -> Mention | None:
        return self.by_token.get(token.i)

    def actor_at(self, token: Token) -> str | None:
        """The actor a noun-phrase head refers to (through its name, title, or pronoun)."""
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
        if low in GENERIC_ORG_HEADS | COLLECTIVE_HEADS:
            for child in token.children:
                m = self.by_token.get(child.i)
                if child.dep_ in {"compound", "nmod", "appos", "npadvmod"} and m and m.key and \
                        m.kind in {"Organization", "Country"}:
                    return m.key  # "the Hizbollah group", "a Hamas delegation"
        # "a group of Moroccan diplomats", "a delegation of ..."
        if low in COLLECTIVE_HEADS:
            for child in token.children:
                if child.dep_ == "prep" and child.lower_ == "of":
                    for p in child.children:
                        if p.dep_ == "pobj":
                            return self.actor_at(p)
        return None

    def actors_at(self, token: Token) -> list[str]:
        """The actors of a head and its conjuncts ("Israel and Hamas", "The US, Russia, and Switzerland")."""
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

    def _add(self, m: Mention) -> None:
        for i in range(m.start, m.end):
            if i in self.by_token and self.by_token[i].end - self.by_token[i].start >= m.end - m.start:
                return
        for i in range(m.start, m.end):
            old = self.by_token.get(i)
            if old is not None and old in self.mentions:
                self.mentions.remove(old)
                for j in range(old.start, old.end):
                    self.by_token.pop(j, None)
        self.mentions.append(m)
        for i in range(m.start, m.end):
            self.by_token[i] = m

    def _actor(self, key: str, kind: str, label: str, surface: str, described=False, named=True) -> None:
        info = self.actors.get(key)
        if info is None:
            info = self.actors[key] = ActorInfo(key, kind, label, described=described, named=named)
        if surface and surface != info.label:
            info.names.add(surface)


def _code_name(token: Token, dm: DocMentions) -> bool:
    """'M23', 'PKK', 'ELN': a code-like group name the recogniser took for a place."""
    m = dm.by_token.get(token.i)
    if m is not None and m.kind != "Place":
        return False
    return (any(ch.isdigit() for ch in token.text) or sum(ch.isupper() for ch in token.text) >= 2) and \
        _known(dm.lex, token.text) is None


def _clean_span(span: Span) -> Span:
    """Drop a leading article and a trailing possessive from an entity span."""
    start, end = span.start, span.end
    doc = span.doc
    while start < end and doc[start].lower_ in {"the", "a", "an"}:
        start += 1
    while end > start and doc[end - 1].tag_ == "POS" or (end > start and doc[end - 1].text in {"'s", "’s", "'"}):
        end -= 1
    while end > start and doc[end - 1].is_punct and doc[end - 1].text not in {"."}:
        end -= 1
    return doc[start:end]


def _surface(span: Span) -> str:
    return re.sub(r"\s+", " ", span.text).strip()


def find_mentions(doc: Doc, lex: Lexicon, skip_sents: set[int], noise_tokens: frozenset[int] = frozenset()) -> DocMentions:
    dm = DocMentions(doc, lex, skip_sents, noise_tokens)
    _named(dm)
    _generic_head_organisations(dm)
    _link_short_names(dm)
    _common_noun_actors(dm)
    _roles(dm)
    _descriptions(dm)
    _definite_organisations(dm)
    _pronouns(dm)
    _missed_places(dm)
    return dm


def _live(dm: DocMentions, token: Token) -> bool:
    return dm.sents[dm.sent_index[token.i]].start not in dm.skip and token.i not in dm.noise


# ---- 1. named mentions ------------------------------------------------------------------------
HONORIFICS = {"prince", "princess", "sheikh", "sheikha", "sir", "lord", "lady", "dr.", "dr", "mr.", "mr", "mrs.",
              "ms.", "dame"}
TITLE_WORDS_IN_NAMES = {"president", "general", "gen.", "sheikh", "ayatollah", "king", "queen", "emir", "prince",
                        "minister", "secretary", "senator", "governor", "mayor", "pope", "dr.", "mr.", "mrs.", "ms.",
                        "princess", "sheikha", "sir", "lord", "lady"}


def _entities(dm: DocMentions) -> list[tuple[Span, str]]:
    """The recogniser's entities, with split names joined: 'Jamal'(GPE) + 'Haddad'(PERSON)."""
    ents = [(e, e.label_) for e in dm.doc.ents if e.label_ in ENTITY_LABELS]
    out: list[tuple[Span, str]] = []
    for ent, label in ents:
        if label == "NORP" and len(ent) >= 2 and all(t.is_title for t in ent) and not _known(dm.lex, ent.text) \
                and not ent[-1].lower_.endswith("s") and _known(dm.lex, ent[-1].text) is None:
            label = "PERSON"  # the recogniser's NORP for an unfamiliar name
        if out and label == "PERSON" and out[-1][0].end == ent.start and len(out[-1][0]) == 1 and \
                out[-1][1] in {"GPE", "ORG", "NORP", "PERSON"} and dm.doc[out[-1][0].start].dep_ == "compound" and \
                not _known(dm.lex, out[-1][0].text):
            out[-1] = (dm.doc[out[-1][0].start:ent.end], "PERSON")
            continue
        out.append((ent, label))
    return out


def _known(lex: Lexicon, text: str) -> KnownActor | None:
    key = norm(text)
    return lex.names.get(key) or lex.demonyms.get(key) or lex.capitals.get(key)


def _named(dm: DocMentions) -> None:
    lex = dm.lex
    for ent, label in _entities(dm):
        live = [t.i for t in ent if t.i not in dm.noise]
        if not live or dm.sent_of(ent[0]).start in dm.skip:
            continue
        if len(live) < len(ent):
            ent = dm.doc[live[0]:live[-1] + 1]
            if label in {"ORG", "PERSON"} and not any(t.is_title or t.is_upper for t in ent):
                continue
        span = _clean_span(ent)
        if len(span) == 0:
            continue
        # "Bosnian Serbs", "Iraqi Kurds": a people qualified by a place is a group of its own
        if len(span) >= 2 and span[-1].lower_.endswith("s") and lex.demonyms.get(span[-1].lower_) is not None and \
                (lex.demonyms.get(span[-2].lower_) is not None or span[-2].ent_type_ in {"GPE", "LOC"}):
            text = _surface(span)
            key = "group:" + norm(text)
            dm._add(Mention(span.start, span.end, key, "Group", text))
            dm._actor(key, "Group", text, text)
            continue
        # "President Francois Mitterand", "Qatari Emir Hamad bin Nasser": titles and nationalities
        # written inside a name span are not part of the name
        while len(span) > 1 and label == "PERSON" and (
                span[0].lower_ in TITLE_WORDS_IN_NAMES or span[0].lower_ in lex.title_heads
                or (lex.demonyms.get(span[0].lower_) is not None and span[0].is_title)):
            first = span[0]
            if lex.demonyms.get(first.lower_) is not None:
                known = lex.demonyms[first.lower_]
                dm._add(Mention(first.i, first.i + 1, known.key, known.kind, first.text, adjective=True))
                dm._actor(known.key, known.kind, known.name, first.text)
            span = dm.doc[span.start + 1:span.end]
        if label == "PERSON" and all(t.lower_ in lex.title_heads or t.lower_ in TITLE_WORDS_IN_NAMES for t in span):
            continue  # "Jordanian King": a title, the name follows
        # "Secretary of State": "State" is part of a title, not an organisation
        if span.start >= 2 and dm.doc[span.start - 1].lower_ == "of" and \
                dm.doc[span.start - 2].lower_ in lex.title_heads and len(span) == 1:
            continue
        text = _surface(span)
        key_norm = norm(text)
        # the gazetteer outranks the recogniser's label ("Kyiv" tagged PERSON is still a capital)
        known = lex.names.get(key_norm)
        adjective = False
        if known is None and lex.demonyms.get(key_norm) is not None:
            known, adjective = lex.demonyms[key_norm], True
        if known is None and lex.capitals.get(key_norm) is not None:
            if _acts(span.root):
                known = lex.capitals[key_norm]
            else:
                _place(dm, span, text)
                continue
        if known is not None:
            dm._add(Mention(span.start, span.end, known.key, known.kind, text, adjective=adjective))
            dm._actor(known.key, known.kind, known.name, text)
            continue
        if label == "PERSON" and _names_a_place(span.root):
            label = "GPE"
        if label in {"GPE", "LOC", "FAC"}:
            _place(dm, span, text)
        elif label == "PERSON":
            key = "person:" + key_norm
            dm._add(Mention(span.start, span.end, key, "Person", text))
            dm._actor(key, "Person", text, text)
        elif label == "ORG":
            if _looks_like_title_phrase(span, lex):
                continue
            key = "org:" + key_norm
            dm._add(Mention(span.start, span.end, key, "Organization", text))
            dm._actor(key, "Organization", text, text)
        # NORP not in the gazetteer ("Arab", "Islamist") names no actor by itself
    _gazetteer_matches(dm)


LOCATIVE_PREPS = {"in", "to", "at", "into", "from", "near", "across", "outside", "inside", "around", "for",
                  "toward", "towards", "through", "via", "over", "throughout", "within"}


PLACE_NOUNS = {"city", "town", "village", "region", "province", "port", "capital", "district", "area", "state",
               "county", "suburb", "neighbourhood", "neighborhood", "enclave", "island", "strip", "border", "camp"}


def _names_a_place(token: Token) -> bool:
    """'the southern city of Kherson', 'the town Bakhmut': a name given to a place noun."""
    if token.dep_ == "pobj" and token.head.lower_ == "of" and token.head.head.lemma_.lower() in PLACE_NOUNS:
        return True
    return token.dep_ in {"appos", "compound"} and token.head.lemma_.lower() in PLACE_NOUNS


def _acts(token: Token) -> bool:
    """A capital named as an actor ("Moscow said", "warned Beijing", "talks with Kyiv"), not as a place."""
    if token.dep_ == "pobj":
        return token.head.lower_ not in LOCATIVE_PREPS or _is_source_pobj(token)
    if token.dep_ in {"compound", "nmod", "amod"}:
        return False  # "the Beijing Olympics", "a Moscow court"
    if token.dep_ == "dobj":
        return token.head.lemma_.lower() not in {"visit", "tour", "leave", "reach", "enter", "bomb", "attack",
                                                 "strike", "hit", "shell", "capture", "seize"}
    return token.dep_ in AGENT_DEPS | {"appos", "conj", "dative"}


def _gazetteer_matches(dm: DocMentions) -> None:
    """States and organisations the entity recogniser missed ("The pro-Iranian Hizbollah group")."""
    from spacy.util import filter_spans

    matcher = _matcher(dm.doc.vocab, dm.lex)
    spans = [dm.doc[b:e] for _, b, e in matcher(dm.doc)]
    for span in filter_spans(spans):
        if any(i in dm.by_token for i in range(span.start, span.end)) or not _live(dm, span[0]):
            continue
        text = _surface(span)
        known = dm.lex.names.get(norm(text))
        adjective = False
        if known is None:
            known = dm.lex.demonyms.get(norm(text))
            adjective = known is not None
        if known is None:
            continue
        dm._add(Mention(span.start, span.end, known.key, known.kind, text, adjective=adjective))
        dm._actor(known.key, known.kind, known.name, text)


_MATCHERS: dict = {}


def _matcher(vocab, lex: Lexicon):
    """A case-sensitive phrase matcher of every gazetteer form (one per vocabulary)."""
    from spacy.matcher import PhraseMatcher
    from spacy.tokenizer import Tokenizer  # noqa: F401 - the vocab's tokenizer is used below

    key = id(vocab)
    if key not in _MATCHERS:
        from spacy.lang.en import English

        tokenizer = English(vocab=vocab).tokenizer
        matcher = PhraseMatcher(vocab, attr="ORTH")
        forms = set()
        for table in (lex.surface_names, lex.surface_demonyms):
            forms.update(f for f in table if f[:1].isupper() and len(f) > 2)
        matcher.add("KNOWN", [tokenizer(f) for f in sorted(forms)])
        _MATCHERS[key] = matcher
    return _MATCHERS[key]


def _looks_like_title_phrase(span: Span, lex: Lexicon) -> bool:
    return span[-1].lower_ in lex.title_heads and len(span) <= 3


def _place(dm: DocMentions, span: Span, text: str) -> None:
    key = "place:" + norm(text)
    dm._add(Mention(span.start, span.end, key, "Place", text))
    dm.places.setdefault(key, re.sub(r"^the\s+", "", text, flags=re.I))


def _generic_head_organisations(dm: DocMentions) -> None:
    """'the Hizbollah group', 'the M23 movement': an organisation the recogniser missed, named by
    the proper-noun modifier of a generic head (a code-like name it took for a place included)."""
    for token in dm.doc:
        if token.lemma_.lower() not in GENERIC_ORG_HEADS or not _live(dm, token):
            continue
        names = [c for c in token.children if c.dep_ == "compound" and c.pos_ == "PROPN" and (
            (not c.ent_type_ and c.i not in dm.by_token) or _code_name(c, dm))]
        if not names:
            continue
        span = dm.doc[names[0].left_edge.i:names[-1].i + 1]
        for i in range(span.start, span.end):  # the recogniser's place reading gives way
            old = dm.by_token.get(i)
            if old is not None and old.kind == "Place" and old in dm.mentions:
                dm.mentions.remove(old)
                for j in range(old.start, old.end):
                    dm.by_token.pop(j, None)
        key = "org:" + norm(span.text)
        dm._add(Mention(span.start, span.end, key, "Organization", _surface(span)))
        dm._actor(key, "Organization", _surface(span), "")


def _missed_places(dm: DocMentions) -> None:
    """'met ... in Tunis': a capitalised proper noun after a locative preposition that no other
    finder took is a place the recogniser missed."""
    for token in dm.doc:
        if token.i in dm.by_token or token.pos_ != "PROPN" or not token.is_title or token.dep_ != "pobj" or \
                token.head.lower_ not in LOCATIVE_PREPS or token.ent_type_ or not _live(dm, token):
            continue
        span = dm.doc[min(t.i for t in token.subtree if t.dep_ == "compound" or t.i == token.i):token.i + 1]
        _place(dm, span, _surface(span))


def _is_source_pobj(token: Token) -> bool:
    head = token.head
    return token.dep_ == "pobj" and head.lower_ in {"to", "by"} and (
        head.head.lower_ == "according" or head.lower_ == "by")


# ---- 2. one person per name -------------------------------------------------------------------
def _link_short_names(dm: DocMentions) -> None:
    full: dict[str, list[str]] = {}  # last name -> person keys with that last name
    for key, info in dm.actors.items():
        if info.kind == "Person" and " " in info.label:
            full.setdefault(norm(info.label.split()[-1]), []).append(key)
    for m in list(dm.mentions):
        if m.end - m.start != 1 or m.kind == "Place" and m.key and not m.key.startswith("place:"):
            continue
        if m.kind not in {"Person", "Organization", "Place"}:
            continue
        targets = full.get(norm(m.surface), [])
        if len(targets) == 1 and targets[0] != m.key:
            old = m.key
            m.key, m.kind = targets[0], "Person"
            dm.actors[targets[0]].names.add(m.surface)
            if old and old not in {x.key for x in dm.mentions if x is not m}:
                dm.actors.pop(old, None)
                dm.places.pop(old, None)
    # a name coordinated with a person ("Benton and Fawzi discussed ...") is a person too
    for token in dm.doc:
        if token.pos_ != "PROPN" or not token.is_title or not _live(dm, token):
            continue
        if token.i in dm.by_token and dm.by_token[token.i].kind != "Place":
            continue
        if token.dep_ == "conj" and dm.by_token.get(token.head.i) is not None and dm.by_token[token.head.i].kind == "Person" \
                and _known(dm.lex, token.text) is None and token.ent_type_ in {"", "PERSON", "GPE", "ORG", "NORP"}:
            span = dm.doc[min(t.i for t in token.subtree if t.dep_ == "compound" or t.i == token.i):token.i + 1]
            key = "person:" + norm(span.text)
            targets = full.get(norm(span.text.split()[-1]), []) if len(span) == 1 else []
            key = targets[0] if len(targets) == 1 else key
            for i in range(span.start, span.end):  # the recogniser's place reading gives way
                old = dm.by_token.pop(i, None)
                if old is not None and old in dm.mentions:
                    dm.mentions.remove(old)
            dm._add(Mention(span.start, span.end, key, "Person", _surface(span)))
            dm._actor(key, "Person", _surface(span) if key not in dm.actors else dm.actors[key].label, _surface(span))
    # a surname the entity recogniser missed ("Price said ...") is still that person
    for token in dm.doc:
        if token.i in dm.by_token or not token.is_title or token.pos_ not in {"PROPN", "NOUN"} or not _live(dm, token):
            continue
        targets = full.get(token.lower_, [])
        if len(targets) == 1:
            dm._add(Mention(token.i, token.i + 1, targets[0], "Person", token.text))


# ---- common-noun actors -----------------------------------------------------------------------
def _common_noun_actors(dm: DocMentions) -> None:
    lex = dm.lex
    person_nouns = set(lex.actors["person_nouns"])
    group_nouns = set(lex.actors["group_nouns"])
    org_nouns = set(lex.actors["org_nouns"])
    state_nouns = set(lex.actors["state_nouns"])
    for token in dm.doc:
        if token.pos_ not in {"NOUN", "PROPN"} or not _live(dm, token):
            continue
        lower = token.lower_
        existing = dm.by_token.get(token.i)
        if existing is not None and existing.kind not in {"Place"}:
            continue
        left = [t for t in token.lefts if t.dep_ in {"compound", "amod", "nmod", "poss", "npadvmod"}]
        left_tokens = _left_span_tokens(token, left)
        mods = _modifiers(dm, left_tokens)
        # "leaders of Romania's new government", "dissidents from military-ruled Myanmar"
        right = [p for c in token.children if c.dep_ == "prep" and c.lower_ in {"of", "from"}
                 for p in c.children if p.dep_ == "pobj"]
        right_mods = _modifiers(dm, [t for p in right for t in p.subtree])
        start = _np_start(token, left)
        while start < token.i and start in dm.noise:
            start += 1  # a dateline parsed into the phrase
        span = dm.doc[start:token.i + 1]
        text = _surface(span)
        named_mods = [m for m in mods if m.kind != "Place"]
        # "the Israeli military", "Egyptian authorities", "the Biden administration"
        two = f"{dm.doc[token.i - 1].lower_} {lower}" if token.i > 0 else lower
        if lower in org_nouns or two in org_nouns:
            known = lex.names.get(norm(text))
            if known:
                dm._add(Mention(span.start, span.end, known.key, known.kind, text))
                dm._actor(known.key, known.kind, known.name, text)
                continue
            if lower in state_nouns and (named_mods or right_mods):
                mod = (named_mods or right_mods)[-1]
                if mod.key.startswith("country:"):
                    full = dm.doc[span.start:max([token.i, *[t.i for p in right for t in p.subtree]]) + 1]
                    dm._add(Mention(full.start, full.end, mod.key, "Country", _surface(full)))
                    dm._actor(mod.key, "Country", dm.actors[mod.key].label, _surface(full))
                    continue
            if mods or _norp(left_tokens):
                mod = named_mods[-1] if named_mods else None
                if lower == "administration" and mod is not None and mod.kind == "Person":
                    label = f"{dm.doc[mod.start:mod.end].text.split()[-1]} administration"
                else:
                    label = text
                key = "org:" + norm(label)
                dm._add(Mention(span.start, span.end, key, "Organization", label, affiliation=mod.key if mod else None))
                dm._actor(key, "Organization", label, text, named=False)
                dm.actors[key].affiliation = mod.key if mod else None
            continue
        is_group = lower in group_nouns and token.tag_ in {"NNS", "NNPS"}
        is_person = lower in person_nouns and token.tag_ in {"NN", "NNP"}
        if not (is_group or is_person):
            continue
        all_mods = mods + right_mods
        if is_group and not all_mods and not _norp(left_tokens):
            continue  # "officials", "other foreign officials": no one in particular
        if is_person and not _described_person(token, span):
            continue
        if token.dep_ == "appos" and dm.by_token.get(token.head.i) is not None and dm.by_token[token.head.i].kind == "Person":
            continue  # "Wang Jun, a spokesman for ...": a role of the named person, read in _roles
        states = unique(m.key for m in all_mods if m.kind == "Country")
        if is_group and len(states) >= 2 and all(m.kind == "Country" for m in mods):
            # "U.S. and Russian negotiators": the states themselves, as event coders code them
            for i, key in enumerate(states):
                dm._add(Mention(span.start if i == 0 else token.i, token.i + 1, key, "Country", text))
            dm.multi[token.i] = states
            continue
        if right:
            end = max(t.i for p in right for t in p.subtree) + 1
            span = dm.doc[span.start:end]
            text = _surface(span)
        label = re.sub(r"^(a|an|one|the|some|two|three|several|other|both)\s+", "", text, flags=re.I)
        kind = "Group" if is_group else "Person"
        aff = (named_mods or right_mods or [None])[-1]
        aff_key = aff.key if aff is not None and aff.kind != "Place" else None
        key = f"{kind.lower()}:{norm(label)}"
        dm._add(Mention(span.start, token.i + 1, key, kind, label, affiliation=aff_key))
        dm._actor(key, kind, label, "", described=is_person, named=False)
        dm.actors[key].affiliation = dm.actors[key].affiliation or aff_key


def _modifiers(dm: DocMentions, tokens: list[Token]) -> list[Mention]:
    out: list[Mention] = []
    for t in tokens:
        m = dm.by_token.get(t.i)
        if m is not None and m.key and m not in out:
            out.append(m)
    return out


def _norp(tokens: list[Token]) -> bool:
    """A national, regional or proper-name modifier ("Moslem forces", "Phillippines military")."""
    return any(t.ent_type_ in {"NORP", "GPE", "LOC"} or (t.pos_ == "PROPN" and t.dep_ == "compound" and t.text[:1].isupper())
               or (t.pos_ == "ADJ" and t.is_title and not t.is_sent_start) for t in tokens)


def _left_span_tokens(token: Token, left: list[Token]) -> list[Token]:
    out = []
    for t in left:
        out.extend(t.subtree)
    return out


def _np_start(token: Token, left: list[Token]) -> int:
    start = token.i
    for t in left:
        start = min(start, t.left_edge.i)
    doc = token.doc
    while start < token.i and doc[start].dep_ in {"det", "predet"} and doc[start].lower_ in {"the"}:
        start += 1
    return start


def _described_person(token: Token, span: Span) -> bool:
    """'a senior official', 'an Israeli official': an indefinite described person."""
    dets = [t for t in token.lefts if t.dep_ == "det"]
    return bool(dets) and dets[0].lower_ in {"a", "an", "one", "another"} and len(span) >= 1


# ---- 3. roles ---------------------------------------------------------------------------------
def _title_text(tokens: list[Token], lex: Lexicon) -> tuple[str | None, list[Token]]:
    """The title in a run of tokens ("U.S. Secretary of State" -> "Secretary of State")."""
    words = [t for t in tokens if t.dep_ not in {"det", "case"} and t.tag_ not in {"PRP$", "POS", "DT"}
             and (not t.is_punct or t.text == "-")]
    if not words:
        return None, []
    doc = words[0].doc
    text = doc[words[0].i:words[-1].i + 1].text if all(b.i == a.i + 1 for a, b in zip(words, words[1:])) \
        else " ".join(t.text for t in words)
    low = re.sub(r"\s*-\s*", "-", text.lower())
    head_part = low.split(" of ")[0]
    for head in sorted(lex.title_heads, key=len, reverse=True):
        if head_part == head or head_part.endswith(" " + head):
            return text, words
    return None, []


def _roles(dm: DocMentions) -> None:
    lex = dm.lex
    doc = dm.doc
    weak = set(lex.titles["weak_heads"])
    for m in list(dm.mentions):
        if m.kind != "Person" or not m.key or not _live(dm, doc[m.start]):
            continue
        head = doc[m.start:m.end].root
        sent = dm.sent_of(head)
        # a) title before the name, in the same noun phrase
        prefix = []
        i = m.start - 1
        while i >= sent.start and i >= head.left_edge.i and doc[i].pos_ not in {"VERB", "AUX"} and \
                (doc[i].pos_ != "ADP" or doc[i].lower_ == "of") and \
                (doc[i].dep_ not in {"cc", "punct", "conj", "appos"} or doc[i].text == "-"
                 or (doc[i].dep_ == "conj" and dm.by_token.get(i) is not None
                     and dm.by_token[i].kind == "Country")) and \
                (dm.by_token.get(i) is None or dm.by_token[i].kind != "Person"):
            prefix.insert(0, doc[i])
            i -= 1
        if prefix:
            while prefix and prefix[0].lower_ == "of":
                prefix = prefix[1:]
            # "Foreign Minister Prince Faisal": the title is Foreign Minister (but "Crown Prince" is a title)
            shorter = prefix
            while len(shorter) > 1 and shorter[-1].lower_ in HONORIFICS:
                shorter = shorter[:-1]
            if shorter is not prefix and _title_text([t for t in shorter if dm.by_token.get(t.i) is None], lex)[0]:
                prefix = shorter
            aff_tokens = [t for t in prefix if dm.by_token.get(t.i) is not None and
                          dm.by_token[t.i].kind in {"Country", "Organization", "Group", "Person"}]
            after_aff = [t for t in prefix if not aff_tokens or t.i > aff_tokens[-1].i]
            title, words = _title_text(after_aff, lex)
            # a generic head ("chief", "official") is a title when it says whose ("NATO chief")
            if title and not (len(words) == 1 and words[0].lower_ in weak and not aff_tokens):
                aff = dm.by_token[aff_tokens[-1].i].key if aff_tokens else None
                if aff is None:  # "Foreign Minister Ahmed Attaf of Algeria"
                    for c in head.children:
                        if c.dep_ == "prep" and c.lower_ == "of":
                            for p in c.children:
                                mm = dm.by_token.get(p.i)
                                if p.dep_ == "pobj" and mm is not None and mm.kind in {"Country", "Organization"}:
                                    aff = mm.key
                _add_role(dm, m.key, title, aff, sent, prefix_start=prefix[0].i)
        # b) apposition: "Antony Blinken, the U.S. secretary of state" / "the head of ..., Antony Blinken"
        title_head = head.head
        while head.dep_ == "appos" and title_head.dep_ == "pobj" and title_head.head.dep_ == "prep" and \
                title_head.lower_ not in lex.title_heads:
            title_head = title_head.head.head  # "the EU's envoy for the South Caucasus, Toivo Klaar"
        for other in [*[c for c in head.children if c.dep_ == "appos"], *([title_head] if head.dep_ == "appos" else [])]:
            if dm.by_token.get(other.i) is not None and dm.by_token[other.i].kind in {"Person", "Country", "Organization"}:
                continue
            tokens = [t for t in other.subtree if not (m.start <= t.i < m.end) and t.i not in
                      {x.i for c in head.children if c.dep_ == "appos" and c.i != other.i for x in c.subtree}]
            tokens = [t for t in tokens if t.dep_ not in {"relcl", "appos"} or t.i == other.i]
            tokens = _trim_clause(tokens, other)
            aff, core = _split_affiliation(dm, tokens, other)
            # "the foreign minister of Y" / "a spokesman for Y": the affiliation follows
            for t in tokens:
                if t.dep_ == "pobj" and t.head.lower_ in {"of", "for"} and t.head.head.i == other.i:
                    mm = dm.by_token.get(t.i)
                    if mm is not None and mm.kind in {"Country", "Organization"}:
                        aff = aff or mm.key
                        core = [c for c in core if c.i < t.head.i]
            title, words = _title_text(core, lex)
            if title:
                _add_role(dm, m.key, title, aff, sent)
                dm.actors[m.key].names.add(_description_name(tokens))


def _split_affiliation(dm: DocMentions, tokens: list[Token], head: Token) -> tuple[str | None, list[Token]]:
    """A title phrase's state or organisation before its head ("the Israeli foreign minister") and
    the remaining title words."""
    aff, core = None, []
    for t in tokens:
        mm = dm.by_token.get(t.i)
        if mm is not None and mm.kind in {"Country", "Organization"} and t.i < head.i:
            aff = mm.key
            continue
        core.append(t)
    return aff, core


def _trim_clause(tokens: list[Token], head: Token) -> list[Token]:
    """The title phrase: what stands before its head, the head, and an 'of'/'for' phrase after it
    ("the foreign minister of Y", "a spokesman for Y"); not a place or clause after the name."""
    keep = {t.i for c in head.children if c.dep_ == "prep" and c.lower_ in {"of", "for"} and c.i > head.i
            for t in c.subtree}
    return [t for t in sorted(tokens, key=lambda x: x.i) if t.i <= head.i or t.i in keep]


def _description_name(tokens: list[Token]) -> str:
    toks = sorted(tokens, key=lambda x: x.i)
    while toks and (toks[0].tag_ in {"PRP$"} or toks[0].is_punct):
        toks = toks[1:]
    while toks and toks[-1].is_punct:
        toks = toks[:-1]
    if not toks:
        return ""
    return toks[0].doc[toks[0].i:toks[-1].i + 1].text


def _add_role(dm: DocMentions, holder: str, title: str, aff: str | None, sent: Span, prefix_start=None) -> None:
    title = re.sub(r"\s+", " ", title).strip(" ,")
    for r in dm.roles:
        if r.holder == holder and r.title.lower() == title.lower() and r.affiliation == aff and r.sent == sent:
            return
    dm.roles.append(RoleHit(holder, title, aff, sent))


def title_key(title: str, lex: Lexicon) -> str:
    """A title in comparable form: lower case, synonyms merged ("chief of" = "head of")."""
    low = re.sub(r"\s+", " ", title.lower().replace("-", " ")).strip()
    for word, same in sorted(lex.title_synonyms.items(), key=lambda kv: -len(kv[0])):
        low = re.sub(rf"\b{re.escape(word.replace('-', ' '))}\b", same.replace("-", " "), low)
    return low


# ---- 4. descriptions and pronouns -------------------------------------------------------------
def _descriptions(dm: DocMentions) -> None:
    """'the head of US diplomacy', 'the Secretary', 'his Israeli counterpart' -> a role holder."""
    lex = dm.lex
    doc = dm.doc
    roles = [(title_key(r.title, lex), r) for r in dm.roles]
    for token in doc:
        if token.pos_ not in {"NOUN", "PROPN"} or token.i in dm.by_token or not _live(dm, token):
            continue
        if token.lower_ not in lex.title_words:
            continue
        if token.tag_ in {"NNS", "NNPS"}:
            continue
        # a title before a name ("South African leader F.W. de Klerk") or in apposition to one
        # ("The US commander in Iraq, General David Petraeus") belongs to that name
        head_m = dm.by_token.get(token.head.i)
        if token.dep_ in {"compound", "nmod", "amod", "appos"} and head_m is not None and head_m.kind == "Person":
            continue
        named = _appositive_person(dm, token)
        if named is not None:
            end = max(t.i for t in token.subtree if t.i < named.start) + 1
            dm._add(Mention(token.left_edge.i, end, named.key, "Person", _surface(doc[token.left_edge.i:end])))
            continue
        dets = [t for t in token.lefts if t.dep_ in {"det", "poss"}]
        if dets and dets[0].lower_ in {"a", "an", "another", "any", "every", "some"}:
            continue
        if not dets and not any(t.dep_ in {"compound", "amod", "nmod"} for t in token.lefts):
            continue
        left = [t for t in token.lefts if t.dep_ in {"compound", "amod"}]
        start = min([token.i, *[t.left_edge.i for t in left]])
        of_part = [c for c in token.children if c.dep_ == "prep" and c.lower_ == "of"]
        end = token.i + 1
        if of_part:
            end = max(t.i for t in of_part[0].subtree) + 1
        words = [t for t in doc[start:end] if t.tag_ not in {"PRP$", "DT", "POS"}]
        aff = None
        for p in token.lefts:  # "Taiwan's Vice Foreign Minister"
            mm = dm.by_token.get(p.i)
            if p.dep_ == "poss" and mm is not None and mm.kind in {"Country", "Organization"}:
                aff = mm.key
                start = min(start, p.left_edge.i)
        prefix_aff, core = _split_affiliation(dm, words, token)
        aff = prefix_aff or aff
        if aff is None and of_part:
            for p in of_part[0].children:
                mm = dm.by_token.get(p.i)
                if p.dep_ == "pobj" and mm is not None and mm.kind in {"Country", "Organization"}:
                    aff = mm.key
        want = title_key(" ".join(t.text for t in core), lex)
        matches = {r.holder for key, r in roles if _title_matches(want, key) and (aff is None or r.affiliation in {aff, None})}
        if not matches and aff is not None and want in {"counterpart", "leader", "head of state", "head of government"}:
            # "his Turkish counterpart": the person holding an office for that state; "the Turkish
            # leader": its head of state or government
            leaders = set(lex.titles["leader_titles"])
            matches = {r.holder for key, r in roles if r.affiliation == aff
                       and (want == "counterpart" or key in leaders)}
        if not matches and aff is not None and _title_text(core, lex)[0]:
            # an office-holder the text does not name ("Taiwan's Vice Foreign Minister",
            # "the US leader"): a person of this document, known by the description
            surface = _surface(doc[start:end])
            label = re.sub(r"^(the|a|an)\s+", "", surface, flags=re.I)
            key = f"person:{norm(label)}"
            dm._add(Mention(start, end, key, "Person", label, affiliation=aff))
            dm._actor(key, "Person", label, "", described=True, named=False)
            dm.actors[key].affiliation = aff
            title, _ = _title_text([t for t in core if t.i <= token.i], lex)
            if title:
                _add_role(dm, key, title, aff, dm.sent_of(token))
            continue
        if len(matches) == 1:
            holder = matches.pop()
            surface = _surface(doc[start:end])
            dm._add(Mention(start, end, holder, "Person", surface))
            name = re.sub(r"^(the|his|her|their|its)\s+", "", surface, flags=re.I)
            if name.lower() != dm.actors[holder].label.lower() and len(name.split()) > 1:
                dm.actors[holder].names.add(surface if surface.lower().startswith("the ") else name)


def _appositive_person(dm: DocMentions, token: Token) -> Mention | None:
    """The person named in apposition to a title phrase, also when the parser hung the
    apposition on the phrase's last noun ("the EU's envoy for the South Caucasus, Toivo Klaar")."""
    for t in token.subtree:
        if t.dep_ == "appos" and t.i > token.i and (t.head.i == token.i or t.head.dep_ == "pobj"):
            m = dm.by_token.get(t.i)
            if m is not None and m.kind == "Person":
                return m
    return None


def _title_matches(want: str, have: str) -> bool:
    if not want:
        return False
    if want == have:
        return True
    want_words, have_words = want.split(), have.split()
    # "the Secretary" names the holder of "Secretary of State"
    if " of " not in f" {want} " and have.split(" of ")[0].endswith(want):
        return True
    return len(want_words) >= 2 and set(want_words) <= set(have_words)


def _definite_organisations(dm: DocMentions) -> None:
    """'The army said ...' after 'Sudan's army': a bare definite organisation noun names the last
    organisation of the document whose name ends in that noun."""
    org_nouns = set(dm.lex.actors["org_nouns"]) | GENERIC_ORG_HEADS
    for token in dm.doc:
        if token.i in dm.by_token or token.lower_ not in org_nouns or not _live(dm, token) or token.tag_ != "NN":
            continue
        lefts = list(token.lefts)
        if len(lefts) != 1 or lefts[0].lower_ not in {"the", "this"}:
            continue
        earlier = [m for m in dm.mentions if m.start < token.i and m.kind == "Organization" and m.key
                   and dm.actors.get(m.key) and dm.actors[m.key].label.lower().endswith(token.lower_)]
        if earlier:
            key = earlier[-1].key
            dm._add(Mention(lefts[0].i, token.i + 1, key, "Organization", _surface(dm.doc[lefts[0].i:token.i + 1])))


def _pronouns(dm: DocMentions) -> None:
    lex = dm.lex
    singular = set(lex.actors["singular_pronouns"])
    plural = set(lex.actors["plural_pronouns"])
    neuter = set(lex.actors["neuter_pronouns"])
    doc = dm.doc
    for token in doc:
        low = token.lower_
        if low not in singular | plural | neuter or not _live(dm, token):
            continue
        want = "plural" if low in plural else "neuter" if low in neuter else "person"
        key = _antecedent(dm, token, want)
        if key:
            kind = dm.actors[key].kind if key in dm.actors else "Person"
            dm._add(Mention(token.i, token.i + 1, key, kind, token.text))


def _antecedent(dm: DocMentions, token: Token, want: str) -> str | None:
    doc = dm.doc

    def fits(m: Mention) -> bool:
        if not m.key or m.kind in {"Place", "Description"}:
            return False
        info = dm.actors.get(m.key)
        kind = info.kind if info else m.kind
        if want == "plural":
            return kind == "Group" or (kind in {"Country", "Organization"} and not m.adjective)
        if want == "neuter":
            return kind in {"Country", "Organization"} and not m.adjective
        return kind == "Person"

    sent = dm.sent_of(token)
    # same sentence: the subject of a clause that governs the pronoun ("Blinken said he ...")
    head = token.head
    while head is not None and head.i != head.head.i:
        head = head.head
        for child in head.children:
            if child.dep_ in {"nsubj", "nsubjpass"} and child.i < token.i:
                m = dm.by_token.get(child.i)
                if m and fits(m) and m.start != token.i:
                    return m.key
    # same sentence, earlier: a subject mention ("While U.S. officials ..., they ...")
    for m in sorted((m for m in dm.mentions if sent.start <= m.start < token.i), key=lambda x: -x.start):
        if fits(m) and doc[m.start:m.end].root.dep_ in {"nsubj", "nsubjpass"}:
            return m.key
    # previous sentences: the subject of the main clause, else the last fitting mention
    sents = [s for s in dm.sents if s.end <= sent.start and s.start not in dm.skip]
    for s in reversed(sents[-3:]):
        subj = _main_subject(dm, s)
        if subj and fits(subj):
            return subj.key
        cands = [m for m in dm.mentions if s.start <= m.start < s.end and fits(m)]
        if cands:
            return cands[-1].key
    return None


def _main_subject(dm: DocMentions, sent: Span) -> Mention | None:
    root = sent.root
    for child in root.children:
        if child.dep_ in {"nsubj", "nsubjpass"}:
            m = dm.by_token.get(child.i)
            if m is None:
                for a in child.children:
                    if a.dep_ == "appos" and a.i in dm.by_token:
                        return dm.by_token[a.i]
            return m
    return None
