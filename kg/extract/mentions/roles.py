"""Roles from titles before names ("U.S. Secretary of State Antony Blinken") and from
appositions ("his Israeli counterpart, Gabi Ashkenazi"); titles in comparable form."""
from __future__ import annotations

import re

from spacy.tokens import Span, Token

from kg.extract.mentions.table import Mention, MentionBuilder, RoleHit
from kg.nlp.lexicon import Lexicon, norm, words_pattern


def title_text(tokens: list[Token], lex: Lexicon) -> tuple[str | None, list[Token]]:
    """The title in a run of tokens ("U.S. Secretary of State" -> "Secretary of State")."""
    words = [t for t in tokens if t.dep_ not in {"det", "case", "nummod"} and t.tag_ not in {"PRP$", "POS", "DT"}
             and (not t.is_punct or t.text == "-")]
    if not words:
        return None, []
    doc = words[0].doc
    text = doc[words[0].i:words[-1].i + 1].text if all(b.i == a.i + 1 for a, b in zip(words, words[1:])) \
        else " ".join(t.text for t in words)
    low = re.sub(r"\s*-\s*", "-", text.lower())
    head_part = re.split(rf" {words_pattern(lex.titles.field_preps)} ", low)[0]
    for head in sorted(lex.title_heads, key=len, reverse=True):
        if head_part == head or head_part.endswith(" " + head):
            return text, words
    return None, []


def find_roles(dm: MentionBuilder) -> None:
    lex = dm.lex
    doc = dm.doc
    tw = lex.titles
    for m in list(dm.mentions):
        if m.kind != "Person" or not m.key or not dm.live(doc[m.start]):
            continue
        head = doc[m.start:m.end].root
        sent = dm.sent_of(head)
        # a) title before the name, in the same noun phrase
        prefix: list[Token] = []
        i = m.start - 1
        while i >= sent.start and i >= head.left_edge.i and doc[i].pos_ not in {"VERB", "AUX"} and \
                (doc[i].pos_ != "ADP" or doc[i].lower_ in tw.field_preps) and \
                (doc[i].dep_ not in {"cc", "punct", "conj", "appos"} or doc[i].text == "-"
                 or (doc[i].dep_ == "conj" and dm.by_token.get(i) is not None
                     and dm.by_token[i].kind == "Country")) and \
                (dm.by_token.get(i) is None or dm.by_token[i].kind != "Person"):
            prefix.insert(0, doc[i])
            i -= 1
        if prefix:
            while prefix and prefix[0].lower_ in tw.field_preps:
                prefix = prefix[1:]
            # "Foreign Minister Prince Faisal": the title is Foreign Minister (but "Crown Prince" is a title)
            shorter = prefix
            while len(shorter) > 1 and shorter[-1].lower_ in tw.honorifics:
                shorter = shorter[:-1]
            if shorter is not prefix and title_text([t for t in shorter if dm.by_token.get(t.i) is None], lex)[0]:
                prefix = shorter
            for t in prefix:  # "SPLM Spokesperson X": an acronym no finder took is the organisation
                if t.is_upper and t.is_alpha and len(t) >= 2 and t.pos_ == "PROPN" and dm.by_token.get(t.i) is None \
                        and t.lower_ not in lex.title_words and t.lower_ not in tw.name_titles:
                    key = "org:" + norm(t.text)
                    dm.add(Mention(t.i, t.i + 1, key, "Organization", t.text))
                    dm.actor(key, "Organization", t.text, t.text)
            aff_tokens = [t for t in prefix if dm.by_token.get(t.i) is not None and
                          dm.by_token[t.i].kind in {"Country", "Organization", "Group", "Person"}]
            after_aff = [t for t in prefix if not aff_tokens or t.i > aff_tokens[-1].i]
            title, words = title_text(after_aff, lex)
            # a generic head ("chief", "official") is a title when it says whose ("NATO chief")
            if title and not (len(words) == 1 and words[0].lower_ in tw.weak_heads and not aff_tokens):
                aff = dm.by_token[aff_tokens[-1].i].key if aff_tokens else None
                if aff is None:  # "Foreign Minister Ahmed Attaf of Algeria"
                    for c in head.children:
                        if c.dep_ == "prep" and c.lower_ in tw.after_name_preps:
                            for p in c.children:
                                mm = dm.by_token.get(p.i)
                                if p.dep_ == "pobj" and mm is not None and mm.kind in {"Country", "Organization"}:
                                    aff = mm.key
                add_role(dm, m.key, title, aff, sent, "role.title_before_name")
        # c) "my Special Envoy for Yemen Tim Lenderking": the name ends the title's own 'for'/'of' phrase
        prep = head.head
        if head.dep_ == "pobj" and prep.lower_ in tw.field_preps | tw.affiliation_preps and \
                prep.head.lower_ in lex.title_words and prep.head.i < prep.i:
            t_head = prep.head
            pre = list(doc[t_head.left_edge.i:t_head.i + 1])
            affs = [t for t in pre if dm.by_token.get(t.i) is not None and dm.by_token[t.i].kind in {"Country", "Organization"}]
            field = [dm.by_token[t.i] for t in doc[prep.i + 1:m.start] if dm.by_token.get(t.i) is not None
                     and dm.by_token[t.i].kind in {"Country", "Organization"}]
            title, words = title_text([t for t in pre if t not in affs], lex)
            if title and not (len(words) == 1 and words[0].lower_ in tw.weak_heads and not affs and not field):
                aff = dm.by_token[affs[-1].i].key if affs else (field[-1].key if field else None)
                add_role(dm, m.key, title, aff, sent, "role.title_field_before_name")
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
            tokens = _trim_clause(tokens, other, tw.affiliation_preps)
            aff, core = split_affiliation(dm, tokens, other)
            # "the foreign minister of Y" / "a spokesman for Y": the affiliation follows
            for t in tokens:
                if t.dep_ == "pobj" and t.head.lower_ in tw.affiliation_preps and t.head.head.i == other.i:
                    mm = dm.by_token.get(t.i)
                    if mm is not None and mm.kind in {"Country", "Organization"}:
                        aff = aff or mm.key
                        core = [c for c in core if c.i < t.head.i]
            title, words = title_text(core, lex)
            if title:
                add_role(dm, m.key, title, aff, sent, "role.apposition")
                dm.actors[m.key].names.add(_description_name(tokens))


def split_affiliation(dm: MentionBuilder, tokens: list[Token], head: Token) -> tuple[str | None, list[Token]]:
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


def _trim_clause(tokens: list[Token], head: Token, preps: frozenset[str]) -> list[Token]:
    """The title phrase: what stands before its head, the head, and an 'of'/'for' phrase after it
    ("the foreign minister of Y", "a spokesman for Y"); not a place or clause after the name."""
    keep = {t.i for c in head.children if c.dep_ == "prep" and c.lower_ in preps and c.i > head.i
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


def add_role(dm: MentionBuilder, holder: str, title: str, aff: str | None, sent: Span, rule: str) -> None:
    title = re.sub(r"\s+", " ", title).strip(" ,")
    for r in dm.roles:
        if r.holder == holder and r.title.lower() == title.lower() and r.affiliation == aff and r.sent == sent:
            return
    dm.roles.append(RoleHit(holder, title, aff, sent, rule))


def title_key(title: str, lex: Lexicon) -> str:
    """A title in comparable form: lower case, synonyms merged ("chief of" = "head of")."""
    low = re.sub(r"\s+", " ", title.lower().replace("-", " ")).strip()
    for word, same in sorted(lex.title_synonyms.items(), key=lambda kv: -len(kv[0])):
        low = re.sub(rf"\b{re.escape(word.replace('-', ' '))}\b", same.replace("-", " "), low)
    return low


