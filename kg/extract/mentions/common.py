"""Common-noun actors: "the Israeli military", "U.S. officials", "a senior Biden
administration official" (organisations, groups and described persons), "U.S. and Russian
negotiators" (the states themselves)."""
from __future__ import annotations

import re

from spacy.tokens import Token

from kg.extract.mentions.table import Mention, MentionBuilder, MentionKind, surface
from kg.models import unique
from kg.nlp.lexicon import norm, words_pattern


def find_common_noun_actors(dm: MentionBuilder) -> None:
    lex = dm.lex
    words, grammar = lex.actors, lex.grammar
    dropped = words_pattern(grammar.dropped_determiners)
    for token in dm.doc:
        if token.pos_ not in {"NOUN", "PROPN"} or not dm.live(token):
            continue
        lower = token.lower_
        existing = dm.by_token.get(token.i)
        if existing is not None and existing.kind not in {"Place"}:
            continue
        left = [t for t in token.lefts if t.dep_ in {"compound", "amod", "nmod", "poss", "npadvmod"}]
        left_tokens = _left_span_tokens(token, left)
        mods = _modifiers(dm, left_tokens)
        # "leaders of Romania's new government", "dissidents from military-ruled Myanmar"
        right = [p for c in token.children if c.dep_ == "prep" and c.lower_ in words.member_preps
                 for p in c.children if p.dep_ == "pobj"]
        right_mods = _modifiers(dm, [t for p in right for t in p.subtree])
        start = _np_start(token, left, grammar.definite_articles)
        while start < token.i and start in dm.ctx.noise:
            start += 1  # a dateline parsed into the phrase
        span = dm.doc[start:token.i + 1]
        text = surface(span)
        named_mods = [m for m in mods if m.kind != "Place"]
        # "the Israeli military", "Egyptian authorities", "the Biden administration"
        two = f"{dm.doc[token.i - 1].lower_} {lower}" if token.i > 0 else lower
        if lower in words.org_nouns or two in words.org_nouns:
            known = lex.names.get(norm(text))
            if known:
                dm.add(Mention(span.start, span.end, known.key, known.kind, text))
                dm.actor(known.key, known.kind, known.name, text)
                continue
            if lower in words.state_nouns and (named_mods or right_mods):
                state = (named_mods or right_mods)[-1].key or ""
                if state.startswith("country:"):
                    full = dm.doc[span.start:max([token.i, *[t.i for p in right for t in p.subtree]]) + 1]
                    dm.add(Mention(full.start, full.end, state, "Country", surface(full)))
                    dm.actor(state, "Country", dm.actors[state].label, surface(full))
                    continue
            if mods or _norp(left_tokens):
                mod = named_mods[-1] if named_mods else None
                if lower in words.leader_org_nouns and mod is not None and mod.kind == "Person":
                    label = f"{dm.doc[mod.start:mod.end].text.split()[-1]} {lower}"  # "the Biden administration"
                else:
                    label = text
                key = "org:" + norm(label)
                dm.add(Mention(span.start, span.end, key, "Organization", label, affiliation=mod.key if mod else None))
                dm.actor(key, "Organization", label, text, named=False)
                dm.actors[key].affiliation = mod.key if mod else None
            continue
        is_group = lower in words.group_nouns and token.tag_ in {"NNS", "NNPS"}
        is_person = lower in words.person_nouns and token.tag_ in {"NN", "NNP"}
        if not (is_group or is_person):
            continue
        all_mods = mods + right_mods
        if is_group and not all_mods and not _norp(left_tokens):
            continue  # "officials", "other foreign officials": no one in particular
        if is_person and not _described_person(token, grammar.described_person_determiners):
            continue
        if token.dep_ == "appos" and dm.by_token.get(token.head.i) is not None and dm.by_token[token.head.i].kind == "Person":
            continue  # "Wang Jun, a spokesman for ...": a role of the named person, read in _roles
        if any(c.dep_ == "appos" and dm.by_token.get(c.i) is not None and dm.by_token[c.i].kind == "Person"
               for c in token.children):
            continue  # "One U.S. lawmaker, Congressman X, ...": the named person
        states = unique(m.key for m in all_mods if m.kind == "Country")
        if is_group and len(states) >= 2 and all(m.kind == "Country" for m in mods):
            # "U.S. and Russian negotiators": the states themselves, as event coders code them
            for i, key in enumerate(states):
                dm.add(Mention(span.start if i == 0 else token.i, token.i + 1, key, "Country", text))
            dm.multi[token.i] = states
            continue
        if right:
            end = max(t.i for p in right for t in p.subtree) + 1
            span = dm.doc[span.start:end]
            text = surface(span)
        label = re.sub(rf"^{dropped}\s+", "", text, flags=re.I)
        kind: MentionKind = "Group" if is_group else "Person"
        aff = (named_mods or right_mods or [None])[-1]  # type: ignore[list-item]
        aff_key = aff.key if aff is not None and aff.kind != "Place" else None
        key = f"{kind.lower()}:{norm(label)}"
        dm.add(Mention(span.start, token.i + 1, key, kind, label, affiliation=aff_key))
        dm.actor(key, kind, label, "", described=is_person, named=False)
        dm.actors[key].affiliation = dm.actors[key].affiliation or aff_key


def _modifiers(dm: MentionBuilder, tokens: list[Token]) -> list[Mention]:
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
    out: list[Token] = []
    for t in left:
        out.extend(t.subtree)
    return out


def _np_start(token: Token, left: list[Token], articles: frozenset[str]) -> int:
    start = token.i
    for t in left:
        start = min(start, t.left_edge.i)
    doc = token.doc
    while start < token.i and doc[start].dep_ in {"det", "predet"} and doc[start].lower_ in articles:
        start += 1
    return start


def _described_person(token: Token, determiners: frozenset[str]) -> bool:
    """'a senior official', 'an Israeli official': an indefinite described person."""
    dets = [t for t in token.lefts if t.dep_ == "det"]
    return bool(dets) and dets[0].lower_ in determiners


