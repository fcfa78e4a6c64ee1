"""What a mention refers to within the document: one person per name ("Blinken" is "Antony
Blinken"), descriptions resolved to role holders ("the head of US diplomacy", "his Turkish
counterpart"), bare definite organisations ("the army"), pronouns to their antecedent."""
from __future__ import annotations

import re

from spacy.tokens import Span, Token

from kg import identity
from kg.extract.mentions.roles import add_role, split_affiliation, title_key, title_text
from kg.extract.mentions.table import Mention, MentionBuilder, known, surface
from kg.extract.mentions.voices import voice_at
from kg.nlp.lexicon import norm, words_pattern


def link_short_names(dm: MentionBuilder) -> None:
    full: dict[str, list[str]] = {}  # last name -> person keys with that last name
    given: dict[str, list[str]] = {}  # first name -> person keys with that first name
    for key, info in dm.actors.items():
        toks = identity.name_tokens(info.label)
        if info.kind == "Person" and len(toks) >= 2 and not info.described:
            full.setdefault(toks[-1], []).append(key)
            given.setdefault(toks[0], []).append(key)
    for m in list(dm.mentions):
        if m.end - m.start != 1 or m.kind == "Place" and m.key and not m.key.startswith("place:"):
            continue
        if m.kind not in {"Person", "Organization", "Place"}:
            continue
        if identity.is_acronym(m.surface):
            continue  # "UN" is no one's surname
        short = identity.person_key(m.surface)
        targets = full.get(short, [])
        if not targets and m.kind in {"Person", "Organization"}:
            targets = given.get(short, [])  # "Khaled said ..." after "Khaled Meshaal": the same man
        if len(targets) == 1 and targets[0] != m.key:
            old = m.key
            m.key, m.kind = targets[0], "Person"
            dm.actors[targets[0]].names.add(m.surface)
            if old and old not in {x.key for x in dm.mentions if x is not m}:
                dm.actors.pop(old, None)
                dm.places.pop(old, None)
    # a name coordinated with a person ("Benton and Fawzi discussed ...") is a person too
    for token in dm.doc:
        if token.pos_ != "PROPN" or not token.is_title or not dm.live(token):
            continue
        if token.i in dm.by_token and dm.by_token[token.i].kind != "Place":
            continue
        if token.dep_ == "conj" and dm.by_token.get(token.head.i) is not None and dm.by_token[token.head.i].kind == "Person" \
                and known(dm.lex, token.text) is None and token.ent_type_ in {"", "PERSON", "GPE", "ORG", "NORP"}:
            span = dm.doc[min(t.i for t in token.subtree if t.dep_ == "compound" or t.i == token.i):token.i + 1]
            while len(span) > 1 and (span[0].lower_ in dm.lex.title_words or span[0].lower_ in dm.lex.titles.name_titles
                                     or f"{span[0].lower_} {span[1].lower_}" in dm.lex.title_heads):
                span = span[1:]  # "Special Envoy Kellogg": the title is read by the roles finder
            key = "person:" + norm(span.text)
            targets = full.get(identity.person_key(span.text), []) if len(span) == 1 else []
            key = targets[0] if len(targets) == 1 else key
            for i in range(span.start, span.end):  # the recogniser's place reading gives way
                taken = dm.by_token.pop(i, None)
                if taken is not None and taken in dm.mentions:
                    dm.mentions.remove(taken)
            dm.add(Mention(span.start, span.end, key, "Person", surface(span)))
            dm.actor(key, "Person", surface(span) if key not in dm.actors else dm.actors[key].label, surface(span))
    # a surname the entity recogniser missed ("Price said ...") is still that person
    for token in dm.doc:
        if token.i in dm.by_token or not token.is_title or token.pos_ not in {"PROPN", "NOUN"} or not dm.live(token):
            continue
        targets = full.get(identity.person_key(token.text), [])
        if len(targets) == 1:
            dm.add(Mention(token.i, token.i + 1, targets[0], "Person", token.text))




def find_descriptions(dm: MentionBuilder) -> None:
    """'the head of US diplomacy', 'the Secretary', 'his Israeli counterpart' -> a role holder."""
    lex = dm.lex
    doc, grammar, titles = dm.doc, lex.grammar, lex.titles
    roles = [(title_key(r.title, lex), r) for r in dm.roles]
    for token in doc:
        if token.pos_ not in {"NOUN", "PROPN"} or token.i in dm.by_token or not dm.live(token):
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
            dm.add(Mention(token.left_edge.i, end, named.key, "Person", surface(doc[token.left_edge.i:end])))
            continue
        dets = [t for t in token.lefts if t.dep_ in {"det", "poss"}]
        if dets and dets[0].lower_ in grammar.nonspecific_determiners:
            continue
        if not dets and not any(t.dep_ in {"compound", "amod", "nmod"} for t in token.lefts):
            continue
        left = [t for t in token.lefts if t.dep_ in {"compound", "amod"}]
        start = min([token.i, *[t.left_edge.i for t in left]])
        of_part = [c for c in token.children if c.dep_ == "prep" and c.lower_ in titles.field_preps]
        if of_part and any(dm.by_token.get(p.i) is not None and dm.by_token[p.i].kind == "Person"
                           for p in of_part[0].children if p.dep_ == "pobj"):
            continue  # "Special Envoy for Yemen Tim Lenderking": a title before a name
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
        prefix_aff, core = split_affiliation(dm, words, token)
        aff = prefix_aff or aff
        if aff is None and of_part:
            for p in of_part[0].children:
                mm = dm.by_token.get(p.i)
                if p.dep_ == "pobj" and mm is not None and mm.kind in {"Country", "Organization"}:
                    aff = mm.key
        want = title_key(" ".join(t.text for t in core), lex)
        matches = {r.holder for key, r in roles if _title_matches(want, key, titles.field_preps)
                   and (aff is None or r.affiliation in {aff, None})}
        if not matches and aff is not None and (want in titles.counterpart_titles or want in titles.leader_descriptions):
            # "his Turkish counterpart": the person holding an office for that state; "the Turkish
            # leader": its head of state or government
            matches = {r.holder for key, r in roles if r.affiliation == aff
                       and (want in titles.counterpart_titles or key in titles.leader_titles)}
        if not matches and aff is not None and title_text(core, lex)[0]:
            # an office-holder the text does not name ("Taiwan's Vice Foreign Minister",
            # "the US leader"): a person of this document, known by the description
            written = surface(doc[start:end])
            label = re.sub(rf"^{words_pattern(grammar.description_determiners)}\s+", "", written, flags=re.I)
            key = f"person:{norm(label)}"
            dm.add(Mention(start, end, key, "Person", label, affiliation=aff))
            dm.actor(key, "Person", label, "", described=True, named=False)
            dm.actors[key].affiliation = aff
            title, _ = title_text([t for t in core if t.i <= token.i], lex)
            if title:
                add_role(dm, key, title, aff, dm.sent_of(token), "role.unnamed_office_holder")
            continue
        if not matches and aff is None and _bare_capitalised_title(token, dets, grammar.definite_articles, dm.sent_of(token),
                                                                grammar.quotes) and \
                title_text(core, lex)[0]:
            # "The Prime Minister spoke to ...": a readout's principal, known only by the office
            written = surface(doc[start:end])
            label = re.sub(rf"^{words_pattern(grammar.description_determiners)}\s+", "", written, flags=re.I)
            key = f"person:{norm(label)}"
            dm.add(Mention(start, end, key, "Person", label))
            dm.actor(key, "Person", label, written, described=True, named=False)
            continue
        if not matches and aff is None and dets and dets[0].lower_ in grammar.definite_articles and len(core) == 1:
            # "The official argued ..." after "a West Darfur security official": that person
            earlier = [m for m in dm.mentions if m.start < start and m.key and dm.actors.get(m.key) is not None
                       and dm.actors[m.key].described and dm.actors[m.key].kind == "Person"
                       and dm.actors[m.key].label.lower().split()[-1] == token.lower_]
            if earlier:
                key = max(earlier, key=lambda x: x.start).key or ""
                dm.add(Mention(start, end, key, "Person", surface(doc[start:end])))
                continue
        if len(matches) > 1 and aff is None and dets and dets[0].lower_ in grammar.definite_articles:
            # "the president said" where the text names several presidents: the one it is about
            counts = {h: sum(1 for m in dm.mentions if m.key == h and m.start < token.i) for h in matches}
            ranked = sorted(counts.values(), reverse=True)
            if ranked[0] > ranked[1]:
                matches = {max(counts, key=lambda h: counts[h])}
        if len(matches) == 1:
            holder = matches.pop()
            written = surface(doc[start:end])
            dm.add(Mention(start, end, holder, "Person", written))
            name = re.sub(rf"^{words_pattern(grammar.possessives)}\s+", "", written, flags=re.I)
            if name.lower() != dm.actors[holder].label.lower() and len(name.split()) > 1:
                definite = written.split()[0].lower() in grammar.definite_articles
                dm.actors[holder].names.add(written if definite else name)


def _bare_capitalised_title(token: Token, dets: list[Token], definite: frozenset[str], sent: Span, quotes: str) -> bool:
    """'The Prime Minister' as the subject of a clause: a capitalised office standing for one person."""
    if not (dets and dets[0].lower_ in definite and token.is_title):
        return False
    subj = token.head if token.dep_ == "conj" else token
    if subj.dep_ not in {"nsubj", "nsubjpass"} or subj.head.dep_ != "ROOT":
        return False  # in the main clause only: "X said the Secretary ..." is X's account
    before = sent.doc.text[sent.start_char:token.idx]
    return not any(q in before for q in quotes)  # not inside a quote


def find_joint_references(dm: MentionBuilder) -> None:
    """'The leaders agreed ...', 'the two Presidents': a plural of persons standing for the people
    of the nearest sentence that names two or more ("X spoke with Y. The leaders agreed ...")."""
    words = dm.lex.actors
    for token in dm.doc:
        if token.lower_ not in words.joint_nouns or token.tag_ not in {"NNS", "NNPS"} or token.i in dm.by_token \
                or not dm.live(token):
            continue
        lefts = [t for t in token.lefts if t.dep_ not in {"det", "nummod", "predet", "amod"}]
        if lefts or any(c.dep_ == "prep" for c in token.children):
            continue  # "Russian leaders", "the leaders of both countries": said elsewhere
        people = _people_before(dm, token)
        if len(people) >= 2:
            start = min([token.i, *[t.i for t in token.lefts]])
            dm.add(Mention(start, token.i + 1, people[0], "Person", surface(dm.doc[start:token.i + 1])))
            dm.multi[token.i] = people


def find_document_sources(dm: MentionBuilder) -> None:
    """'a BBC report', 'the Kremlin's statement', 'a report by the UN': a document stands for
    whoever issued it; 'the joint statement' for the people named just before."""
    words = dm.lex.actors
    issued: dict[str, list[str]] = {}  # document noun -> who issued the last one named with its issuers
    for token in dm.doc:
        if token.lemma_.lower() not in words.document_nouns or token.pos_ != "NOUN" or token.i in dm.by_token \
                or not dm.live(token):
            continue
        keys: list[str] = []
        issuers = [c for c in token.children if c.dep_ in {"compound", "nmod", "poss", "amod"}]
        issuers += [x for c in token.children if c.dep_ == "prep" and c.lower_ in words.document_preps
                    for p in c.children if p.dep_ == "pobj" for x in (p, *p.conjuncts)]
        for c in issuers:
            m = dm.by_token.get(c.i)
            if m is not None and m.key and m.kind != "Place" and m.key not in keys:
                keys.append(m.key)
        lemma = token.lemma_.lower()
        if keys:
            issued[lemma] = keys
        elif any(c.dep_ == "det" and c.lower_ in dm.lex.grammar.definite_articles for c in token.children) and \
                lemma in issued:
            keys = issued[lemma]  # "a statement by X and Y ... the joint statement said": theirs
        if not keys and any(c.dep_ == "amod" and c.lower_ in words.joint_modifiers for c in token.children):
            keys = _people_before(dm, token)
        if keys:
            kind = dm.actors[keys[0]].kind if keys[0] in dm.actors else "Person"
            dm.add(Mention(token.i, token.i + 1, keys[0], kind, token.text))
            if len(keys) > 1:
                dm.multi[token.i] = keys


def _people_before(dm: MentionBuilder, token: Token, sentences: int = 3) -> list[str]:
    """The persons of the nearest sentence (this one before ``token``, or one of the few before it)
    that names two or more."""
    sent = dm.sent_of(token)
    sents = [s for s in dm.ctx.sents if s.end <= sent.start and s.start not in dm.ctx.skip][-sentences:]
    for s, stop in [(sent, token.i), *[(x, x.end) for x in reversed(sents)]]:
        for i in range(s.start, stop):  # an earlier joint reference: the same people
            keys = [k for k in dm.multi.get(i, []) if dm.actors.get(k) is not None and dm.actors[k].kind == "Person"]
            if len(keys) >= 2:
                return keys
        keys = []
        for m in sorted(dm.mentions, key=lambda x: x.start):
            if s.start <= m.start < stop and m.key and m.kind == "Person" and m.key not in keys and \
                    _takes_part(dm.doc[m.start:m.end].root):
                keys.append(m.key)
        if len(keys) >= 2:
            return keys
    return []


def _takes_part(token: Token) -> bool:
    """A person who acts in the clause (its subject, object, or partner: "X spoke with Y"), not
    one named inside another noun phrase ("the work of their advisors, especially Z")."""
    while token.dep_ == "conj":
        token = token.head
    if token.dep_ in {"nsubj", "nsubjpass", "dobj", "dative", "agent"}:
        return True
    return token.dep_ == "pobj" and token.head.dep_ in {"prep", "agent"} and token.head.head.pos_ in {"VERB", "AUX"}


def _appositive_person(dm: MentionBuilder, token: Token) -> Mention | None:
    """The person named in apposition to a title phrase, also when the parser hung the
    apposition on the phrase's last noun ("the EU's envoy for the South Caucasus, Toivo Klaar")."""
    for t in token.subtree:
        if t.dep_ == "appos" and t.i > token.i and (t.head.i == token.i or t.head.dep_ == "pobj"):
            m = dm.by_token.get(t.i)
            if m is not None and m.kind == "Person":
                return m
    return None


def _title_matches(want: str, have: str, field_preps: frozenset[str]) -> bool:
    if not want:
        return False
    if want == have:
        return True
    want_words, have_words = want.split(), have.split()
    # "the Secretary" names the holder of "Secretary of State"
    field = re.compile(rf" {words_pattern(field_preps)} ")
    if not field.search(f" {want} ") and field.split(have)[0].endswith(want):
        return True
    return len(want_words) >= 2 and set(want_words) <= set(have_words)


def find_definite_organisations(dm: MentionBuilder) -> None:
    """'The army said ...' after 'Sudan's army': a bare definite organisation noun names the last
    organisation of the document whose name ends in that noun."""
    org_nouns = dm.lex.actors.org_nouns | dm.lex.actors.generic_org_heads
    for token in dm.doc:
        if token.i in dm.by_token or token.lower_ not in org_nouns or not dm.live(token) or token.tag_ != "NN":
            continue
        lefts = list(token.lefts)
        if len(lefts) != 1 or lefts[0].lower_ not in dm.lex.grammar.anaphoric_determiners:
            continue
        earlier = [m for m in dm.mentions if m.start < token.i and m.kind == "Organization" and m.key
                   and dm.actors.get(m.key) and dm.actors[m.key].label.lower().endswith(token.lower_)]
        if earlier:
            key = earlier[-1].key
            dm.add(Mention(lefts[0].i, token.i + 1, key, "Organization", surface(dm.doc[lefts[0].i:token.i + 1])))


def find_pronouns(dm: MentionBuilder) -> None:
    lex = dm.lex
    singular, plural, neuter = lex.actors.singular_pronouns, lex.actors.plural_pronouns, lex.actors.neuter_pronouns
    doc = dm.doc
    first = lex.actors.first_person_singular | lex.actors.first_person_plural
    for token in doc:
        low = token.lower_
        if low in first and dm.voices and dm.live(token):
            # "I" and "we" of a transcript's turn or of an institution's statement
            v = voice_at(dm.voices, token.idx)
            if v is not None and v.key and (v.whole or low in lex.actors.first_person_plural):
                kind = dm.actors[v.key].kind if v.key in dm.actors else "Person"
                dm.add(Mention(token.i, token.i + 1, v.key, kind, token.text))
            continue
        if low not in singular | plural | neuter or not dm.live(token):
            continue
        want = "plural" if low in plural else "neuter" if low in neuter else "person"
        if want == "plural":
            people = _joint_antecedent(dm, token)
            if people:  # "X and Y spoke ... They agreed": both of them
                dm.add(Mention(token.i, token.i + 1, people[0], "Person", token.text))
                dm.multi[token.i] = people
                continue
        key = _antecedent(dm, token, want)
        if key:
            kind = dm.actors[key].kind if key in dm.actors else "Person"
            dm.add(Mention(token.i, token.i + 1, key, kind, token.text))


def _joint_antecedent(dm: MentionBuilder, token: Token) -> list[str]:
    """The persons a plural pronoun takes up when the subject before it is two or more persons
    ("The Secretary and the Minister met ...", "The leaders agreed ..."); nothing otherwise."""
    sent = dm.sent_of(token)
    sents = [s for s in dm.ctx.sents if s.end <= sent.start and s.start not in dm.ctx.skip]
    inside = [(sent, token.i)] if token.dep_ not in {"nsubj", "nsubjpass"} else []
    for s, stop in [*inside, *[(x, x.end) for x in reversed(sents[-3:])]]:
        for t in dm.doc[s.start:stop]:
            if t.dep_ not in {"nsubj", "nsubjpass"}:
                continue
            keys = [k for k in dm.multi.get(t.i, []) if dm.actors.get(k) is not None and dm.actors[k].kind == "Person"]
            if not keys:
                # "X and Y met", also when the parser hung the first name inside the second's phrase
                coordinated = [x for x in t.subtree if x.i != t.i and any(c.dep_ == "cc" for c in x.children)]
                for c in [t, *t.conjuncts, *coordinated]:
                    m = dm.by_token.get(c.i)
                    if m is not None and m.key and m.kind == "Person" and m.key not in keys:
                        keys.append(m.key)
            if len(keys) == 1:
                # "X briefed Y ... They agreed": a plural after one person takes in the other
                for o in t.head.children:
                    objs = [o] if o.dep_ in {"dobj", "dative"} else \
                        [p for p in o.children if p.dep_ == "pobj"] if o.dep_ == "prep" else []
                    for x in objs:
                        m = dm.by_token.get(x.i)
                        if m is not None and m.key and m.kind == "Person" and m.key not in keys:
                            keys.append(m.key)
            if len(keys) >= 2:
                return keys
            m = dm.by_token.get(t.i)
            if m is not None and m.key and m.kind not in {"Place", "Person"}:
                return []  # a state, group or organisation comes first: the usual rules decide
    return []


def _antecedent(dm: MentionBuilder, token: Token, want: str) -> str | None:
    doc = dm.doc

    def fits(m: Mention) -> bool:
        if not m.key or m.kind == "Place":
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
    sents = [s for s in dm.ctx.sents if s.end <= sent.start and s.start not in dm.ctx.skip]
    for s in reversed(sents[-3:]):
        subj = _main_subject(dm, s)
        if subj and fits(subj):
            return subj.key
        cands = [m for m in dm.mentions if s.start <= m.start < s.end and fits(m)]
        if cands:
            return cands[-1].key
    return None


def _main_subject(dm: MentionBuilder, sent: Span) -> Mention | None:
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

