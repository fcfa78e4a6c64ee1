"""Named mentions: the recogniser's entities and the gazetteer of states and organisations
(which outranks the recogniser's label), organisations named by a generic head's modifier
("the Hizbollah group"), and places the recogniser missed ("met ... in Tunis")."""
from __future__ import annotations

import re

from spacy.tokens import Span, Token

from kg.extract.mentions.table import Mention, MentionBuilder, known, surface
from kg.nlp.lexicon import Lexicon, PlaceWords, norm, words_pattern

# The recogniser's labels of names that may be actors or places.
ENTITY_LABELS = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC"}
AGENT_DEPS = {"nsubj", "nsubjpass", "poss", "agent"}


def _entities(dm: MentionBuilder) -> list[tuple[Span, str]]:
    """The recogniser's entities, with split names joined: 'Jamal'(GPE) + 'Haddad'(PERSON)."""
    ents = [(e, e.label_) for e in dm.doc.ents if e.label_ in ENTITY_LABELS]
    out: list[tuple[Span, str]] = []
    for ent, label in ents:
        if label == "NORP" and len(ent) >= 2 and all(t.is_title for t in ent) and not known(dm.lex, ent.text) \
                and not ent[-1].lower_.endswith("s") and known(dm.lex, ent[-1].text) is None and \
                not (ent.end < len(dm.doc) and dm.doc[ent.end].pos_ == "NOUN"):
            label = "PERSON"  # the recogniser's NORP for an unfamiliar name (not "South Ossetian leader")
        if label in {"ORG", "GPE", "NORP"}:
            ent, label = _person_after_title(dm, ent, label)
        if out and label == "PERSON" and out[-1][0].end == ent.start and len(out[-1][0]) == 1 and \
                out[-1][1] in {"GPE", "ORG", "NORP", "PERSON"} and dm.doc[out[-1][0].start].dep_ == "compound" and \
                not known(dm.lex, out[-1][0].text):
            out[-1] = (dm.doc[out[-1][0].start:ent.end], "PERSON")
            continue
        if label == "PERSON" and ent.start > 0 and _initial(ent[0]):
            # "Lloyd J. Austin": the given name before an initial the recogniser left out
            prev = dm.doc[ent.start - 1]
            if prev.is_title and prev.pos_ == "PROPN" and not prev.ent_type_ and \
                    prev.lower_ not in dm.lex.title_words and prev.lower_ not in dm.lex.titles.name_titles:
                ent = dm.doc[ent.start - 1:ent.end]
        out.append((ent, label))
    return out


def _person_after_title(dm: MentionBuilder, ent: Span, label: str) -> tuple[Span, str]:
    """'Retired U.S. diplomat Brooks Spector', 'Spokesperson Ned Price' taken for an
    organisation: two or three capitalised unknown words right after a title are a name."""
    lex = dm.lex
    doc = dm.doc
    start = ent.start
    while start < ent.end - 1 and doc[start].lower_ in lex.title_words:
        start += 1
    after_title = start > ent.start or (ent.start > 0 and doc[ent.start - 1].lower_ in lex.title_words)
    name = doc[start:ent.end]
    org_words = lex.actors.generic_org_heads | lex.actors.org_nouns
    if after_title and 2 <= len(name) <= 3 and all(t.is_title and t.is_alpha for t in name) and \
            known(lex, name.text) is None and not any(known(lex, t.text) or t.lower_ in org_words for t in name):
        return name, "PERSON"
    return ent, label


def _not_an_actor(dm: MentionBuilder, span: Span, label: str) -> bool:
    """Names that are no actors: an event ("the Annapolis Conference"), the acronym of an
    agreement or programme ("... Agreement (COHA)"), a common noun the recogniser took for a name
    at the start of a sentence ("Combat is reported ...")."""
    lex, doc = dm.lex, dm.doc
    if label != "ORG" or known(lex, span.text) is not None:
        return False
    if len(span) >= 2 and span[-1].lower_ in lex.meetings.nouns:
        return True
    if span.start >= 2 and doc[span.start - 1].text == "(" and doc[span.start - 2].lower_ in lex.actors.non_actor_heads:
        return True
    return len(span) == 1 and span[0].pos_ == "NOUN" and bool(span[0].is_sent_start)


def _initial(token: Token) -> bool:
    """'J.', 'J': a middle initial."""
    return len(token.text.rstrip(".")) == 1 and token.text[:1].isupper()


def find_names(dm: MentionBuilder) -> None:
    lex = dm.lex
    for ent, label in _entities(dm):
        live = [t.i for t in ent if t.i not in dm.ctx.noise]
        if not live or dm.sent_of(ent[0]).start in dm.ctx.skip:
            continue
        if len(live) < len(ent):
            ent = dm.doc[live[0]:live[-1] + 1]
            if label in {"ORG", "PERSON"} and not any(t.is_title or t.is_upper for t in ent):
                continue
        span = _clean_span(ent, lex)
        if len(span) == 0 or _not_an_actor(dm, span, label):
            continue
        # "Bosnian Serbs", "Iraqi Kurds": a people qualified by a place is a group of its own
        if len(span) >= 2 and span[-1].lower_.endswith("s") and lex.demonyms.get(span[-1].lower_) is not None and \
                (lex.demonyms.get(span[-2].lower_) is not None or span[-2].ent_type_ in {"GPE", "LOC"}):
            text = surface(span)
            key = "group:" + norm(text)
            dm.add(Mention(span.start, span.end, key, "Group", text))
            dm.actor(key, "Group", text, text)
            continue
        # "President Francois Mitterand", "Qatari Emir Hamad bin Nasser": titles and nationalities
        # written inside a name span are not part of the name
        while len(span) > 1 and label == "PERSON" and (
                span[0].lower_ in lex.titles.name_titles or span[0].lower_ in lex.title_heads
                or (lex.demonyms.get(span[0].lower_) is not None and span[0].is_title)):
            first = span[0]
            if lex.demonyms.get(first.lower_) is not None:
                nation = lex.demonyms[first.lower_]
                dm.add(Mention(first.i, first.i + 1, nation.key, nation.kind, first.text, adjective=True))
                dm.actor(nation.key, nation.kind, nation.name, first.text)
            span = dm.doc[span.start + 1:span.end]
        if label == "PERSON" and all(t.lower_ in lex.title_heads or t.lower_ in lex.titles.name_titles for t in span):
            continue  # "Jordanian King": a title, the name follows
        if label == "PERSON":
            span = _name_after_title(dm, span)
        # "Secretary of State": "State" is part of a title, not an organisation
        if span.start >= 2 and dm.doc[span.start - 1].lower_ in lex.titles.field_preps and \
                dm.doc[span.start - 2].lower_ in lex.title_heads and len(span) == 1:
            continue
        text = surface(span)
        key_norm = norm(text)
        # the gazetteer outranks the recogniser's label ("Kyiv" tagged PERSON is still a capital)
        gaz = lex.names.get(key_norm)
        adjective = False
        if gaz is None and lex.demonyms.get(key_norm) is not None:
            gaz, adjective = lex.demonyms[key_norm], True
        if gaz is None and lex.capitals.get(key_norm) is not None:
            if _acts(span.root, lex.places):
                gaz = lex.capitals[key_norm]
            else:
                _place(dm, span, text)
                continue
        if gaz is not None:
            dm.add(Mention(span.start, span.end, gaz.key, gaz.kind, text, adjective=adjective))
            dm.actor(gaz.key, gaz.kind, gaz.name, text)
            continue
        if label == "PERSON" and _names_a_place(span.root, lex.places):
            label = "GPE"
        if label in {"GPE", "LOC", "FAC"}:
            _place(dm, span, text)
        elif label == "PERSON":
            key = "person:" + key_norm
            dm.add(Mention(span.start, span.end, key, "Person", text))
            dm.actor(key, "Person", text, text)
        elif label == "ORG":
            if _looks_like_title_phrase(span, lex) or _title_field(span, lex):
                continue
            key = "org:" + key_norm
            dm.add(Mention(span.start, span.end, key, "Organization", text))
            dm.actor(key, "Organization", text, text)
        # NORP not in the gazetteer ("Arab", "Islamist") names no actor by itself
    _gazetteer_matches(dm)


def find_names_after_titles(dm: MentionBuilder) -> None:
    """'Minister of Defense Yoav Gallant': two or more capitalised proper nouns right after a
    title that the recogniser did not take are the title holder's name."""
    doc, lex = dm.doc, dm.lex
    i = 0
    while i < len(doc):
        t = doc[i]
        if i == 0 or not _name_word(dm, t) or not dm.live(t):
            i += 1
            continue
        j = i
        while j < len(doc) and _name_word(dm, doc[j]) and doc[j].lower_ not in lex.title_words:
            j += 1
        prev = doc[i - 1]
        start = i
        if i >= 2 and prev.lower_ in lex.titles.field_preps and doc[i - 2].lower_ in lex.title_words:
            start = i + 1  # "Minister of Defense Yoav Gallant": the first word is the title's field
        after_title = start > i or prev.lower_ in lex.title_words
        if j - start >= 2 and after_title:
            span = doc[start:j]
            key = "person:" + norm(span.text)
            dm.add(Mention(start, j, key, "Person", surface(span)))
            dm.actor(key, "Person", surface(span), surface(span))
        i = max(j, i + 1)


def _name_word(dm: MentionBuilder, t: Token) -> bool:
    return t.pos_ == "PROPN" and t.is_title and t.i not in dm.by_token and t.ent_type_ in {"", "PERSON"} and \
        known(dm.lex, t.text) is None


def _name_after_title(dm: MentionBuilder, span: Span) -> Span:
    """'TPLF Spokesperson Getachew Reda', 'Crown Prince Mohammed bin Salman': a title written
    inside a name span is not part of the name (the roles finder reads it before the name); an
    acronym before it is the organisation the title is held in."""
    lex = dm.lex
    cut = None
    for k in range(len(span) - 1):
        one = span[k].lower_
        two = f"{one} {span[k + 1].lower_}" if k + 2 < len(span) else ""
        if two in lex.title_heads:
            cut = k + 2
        elif one in lex.title_heads and (k > 0 or one in lex.titles.honorifics or one in lex.titles.name_titles):
            cut = k + 1
    if cut is None or cut >= len(span) or not span[cut].is_title:
        return span
    for t in span[:cut]:  # "TPLF Spokesperson": the acronym is an organisation
        if t.is_upper and len(t.text) >= 2 and t.i not in dm.by_token:
            key = "org:" + norm(t.text)
            gaz = known(lex, t.text)
            if gaz is not None:
                dm.add(Mention(t.i, t.i + 1, gaz.key, gaz.kind, t.text))
                dm.actor(gaz.key, gaz.kind, gaz.name, t.text)
            else:
                dm.add(Mention(t.i, t.i + 1, key, "Organization", t.text))
                dm.actor(key, "Organization", t.text, t.text)
    return span.doc[span.start + cut:span.end]


def _names_a_place(token: Token, places: PlaceWords) -> bool:
    """'the southern city of Kherson', 'the town Bakhmut': a name given to a place noun."""
    if token.dep_ == "pobj" and token.head.lower_ in places.place_name_preps and \
            token.head.head.lemma_.lower() in places.place_nouns:
        return True
    return token.dep_ in {"appos", "compound"} and token.head.lemma_.lower() in places.place_nouns


def _acts(token: Token, places: PlaceWords) -> bool:
    """A capital named as an actor ("Moscow said", "warned Beijing", "talks with Kyiv"), not as a place."""
    if token.dep_ == "pobj":
        head = token.head
        # "according to Moscow", "said by Beijing": a source acts
        return head.lower_ not in places.locative_preps or head.lower_ in places.source_heads or \
            f"{head.head.lower_} {head.lower_}" in places.source_heads
    if token.dep_ in {"compound", "nmod", "amod"}:
        return False  # "the Beijing Olympics", "a Moscow court"
    if token.dep_ == "dobj":
        return token.head.lemma_.lower() not in places.place_object_verbs
    return token.dep_ in AGENT_DEPS | {"appos", "conj", "dative"}


def _gazetteer_matches(dm: MentionBuilder) -> None:
    """States and organisations the entity recogniser missed ("The pro-Iranian Hizbollah group")."""
    from spacy.util import filter_spans

    matcher = _matcher(dm.doc.vocab, dm.lex)
    spans = [dm.doc[b:e] for _, b, e in matcher(dm.doc)]
    for span in filter_spans(spans):
        if any(i in dm.by_token for i in range(span.start, span.end)) or not dm.live(span[0]):
            continue
        text = surface(span)
        known = dm.lex.names.get(norm(text))
        adjective = False
        if known is None:
            known = dm.lex.demonyms.get(norm(text))
            adjective = known is not None
        if known is None:
            continue
        dm.add(Mention(span.start, span.end, known.key, known.kind, text, adjective=adjective))
        dm.actor(known.key, known.kind, known.name, text)


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
        forms: set[str] = set()
        for table in (lex.surface_names, lex.surface_demonyms):
            forms.update(f for f in table if f[:1].isupper() and len(f) > 2)
        matcher.add("KNOWN", [tokenizer(f) for f in sorted(forms)])
        _MATCHERS[key] = matcher
    return _MATCHERS[key]


def _looks_like_title_phrase(span: Span, lex: Lexicon) -> bool:
    return span[-1].lower_ in lex.title_heads and len(span) <= 3


def _title_field(span: Span, lex: Lexicon) -> bool:
    """'Interior Minister', 'Defense Secretary': a short name right before a title head is the
    title's field, not an organisation."""
    doc = span.doc
    return len(span) <= 2 and span.end < len(doc) and doc[span.end].lower_ in lex.title_heads and doc[span.end].is_title and \
        all(t.is_title for t in span)


def _place(dm: MentionBuilder, span: Span, text: str) -> None:
    key = "place:" + norm(text)
    dm.add(Mention(span.start, span.end, key, "Place", text))
    the = words_pattern(dm.lex.grammar.definite_articles)
    dm.places.setdefault(key, re.sub(rf"^{the}\s+", "", text, flags=re.I))


def find_generic_head_organisations(dm: MentionBuilder) -> None:
    """'the Hizbollah group', 'the M23 movement': an organisation the recogniser missed, named by
    the proper-noun modifier of a generic head (a code-like name it took for a place included)."""
    for token in dm.doc:
        if token.lemma_.lower() not in dm.lex.actors.generic_org_heads or not dm.live(token):
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
        dm.add(Mention(span.start, span.end, key, "Organization", surface(span)))
        dm.actor(key, "Organization", surface(span), "")


def find_missed_places(dm: MentionBuilder) -> None:
    """'met ... in Tunis': a capitalised proper noun after a locative preposition that no other
    finder took is a place the recogniser missed."""
    for token in dm.doc:
        if token.i in dm.by_token or token.pos_ != "PROPN" or not token.is_title or token.dep_ != "pobj" or \
                token.head.lower_ not in dm.lex.places.locative_preps or token.ent_type_ or not dm.live(token):
            continue
        span = dm.doc[min(t.i for t in token.subtree if t.dep_ == "compound" or t.i == token.i):token.i + 1]
        _place(dm, span, surface(span))



def _code_name(token: Token, dm: MentionBuilder) -> bool:
    """'M23', 'PKK', 'ELN': a code-like group name the recogniser took for a place."""
    m = dm.by_token.get(token.i)
    if m is not None and m.kind != "Place":
        return False
    return (any(ch.isdigit() for ch in token.text) or sum(ch.isupper() for ch in token.text) >= 2) and \
        known(dm.lex, token.text) is None


def _clean_span(span: Span, lex: Lexicon) -> Span:
    """Drop a leading article and a trailing possessive from an entity span."""
    start, end = span.start, span.end
    doc = span.doc
    while start < end and doc[start].lower_ in lex.grammar.articles:
        start += 1
    while end > start and doc[end - 1].tag_ == "POS" or (end > start and doc[end - 1].text in lex.grammar.possessive_marks):
        end -= 1
    while end > start and doc[end - 1].is_punct and doc[end - 1].text not in {"."}:
        end -= 1
    if end - start >= 3 and doc[end - 2].text == "-" and doc[end - 1].is_lower and doc[end - 1].tag_ in {"VBN", "VBD"}:
        end -= 2  # "the European Union-brokered ceasefire": the name without "-brokered"
    return doc[start:end]


