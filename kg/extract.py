"""Parsed document -> Extraction: roles, meetings, statements and ceasefires with evidence.

Every record carries the sentence it was read from as a Span whose offsets slice the
document text exactly. Mentions of one event within a document ("spoke with ... on
Thursday", "In the phone call, ...") become one record with several evidence spans.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from spacy.tokens import Doc, Token
from spacy.tokens import Span as SpacySpan

from kg import dates
from kg.clean import in_noise, noise_regions
from kg.mentions import DocMentions, find_mentions
from kg.models import (
    Actor,
    Ceasefire,
    DateRef,
    Document,
    Extraction,
    Meeting,
    Place,
    Role,
    Span,
    Statement,
    meeting_group,
    status_rank,
    unique,
)
from kg.nlp.lexicon import Lexicon, cue_pattern, lexicon

QUOTES = "\"“”„«»"
FUTURE_AUX = {"will", "would", "shall", "'ll", "wo"}


def extract(document: Document, doc: Doc, lex: Lexicon | None = None) -> Extraction:
    """Read one parsed document."""
    lex = lex or lexicon()
    regions = noise_regions(document.text)
    skip = {s.start for s in doc.sents if in_noise(regions, s.start_char, s.end_char) or not s.text.strip()}
    noise_tokens = frozenset(t.i for t in doc if any(r.begin <= t.idx < r.end for r in regions))
    doc.user_data["kg_noise"] = noise_tokens  # a dateline parsed as a subject is no subject
    dm = find_mentions(doc, lex, skip, noise_tokens)
    reader = _Reader(document, doc, lex, dm, skip)
    return reader.run()


@dataclass
class _Event:
    kind: str
    participants: list[str]
    status: str | None
    mode: str | None = None
    location: str | None = None
    date: DateRef | None = None
    evidence: list[Span] = field(default_factory=list)
    anaphoric: bool = False
    triggers: list[int] = field(default_factory=list)  # char offsets of trigger words


@dataclass
class _Truce:
    parties: list[str]
    mediators: list[str]
    status: str | None
    status_rank: int
    date: DateRef | None
    evidence: list[Span]
    triggers: list[int]
    sent_start: int
    breakers: list[str] = field(default_factory=list)  # agents of "broken by X"


class _Reader:
    def __init__(self, document: Document, doc: Doc, lex: Lexicon, dm: DocMentions, skip: set[int]):
        self.document, self.doc, self.lex, self.dm, self.skip = document, doc, lex, dm, skip
        self.meetings: list[_Event] = []
        self.truces: list[_Truce] = []
        self.loose_mediators: list[tuple[int, str, Span]] = []  # (sentence start, actor, evidence)
        self.loose_parties: list[tuple[int, str]] = []  # sides named with a mediation, not with the truce
        self.statements: list[tuple[Statement, tuple[int, int]]] = []
        self.used_actors: set[str] = set()
        self.warnings: list[str] = []
        self.mediator_nouns = frozenset(lex.ceasefires["mediator_nouns"])
        self.dates_by_sent: dict[int, list] = {}
        for ent in doc.ents:
            if ent.label_ == "DATE":
                self.dates_by_sent.setdefault(dm.sent_index[ent.start], []).append(ent)

    # ---- helpers ------------------------------------------------------------------------------
    def span(self, sent: SpacySpan) -> Span:
        """The sentence as evidence, without a dateline before it and spaces around it."""
        text = self.document.text
        first = sent.start
        while first < sent.end - 1 and first in self.dm.noise:
            first += 1
        begin, end = self.doc[first].idx, sent.end_char
        while end > begin and text[end - 1].isspace():
            end -= 1
        while begin < end and text[begin].isspace():
            begin += 1
        return Span(self.document.id, begin, end, text[begin:end])

    def date_of(self, head: Token, future: bool) -> DateRef | None:
        """A DATE entity attached to ``head`` (not inside a clause of its own); a resolvable
        day is preferred to a duration ("a four-day trip ... on Tuesday")."""
        found = [d for d in self._dates(head, future)]
        return next((d for d in found if d.value), found[0] if found else None)

    def _dates(self, head: Token, future: bool):
        for ent in self.dates_by_sent.get(self.dm.sent_index[head.i], ()):
            if ent.label_ != "DATE" or dates.is_duration(ent.text) or ent.root.i in self.dm.noise:
                continue
            t = ent.root
            hops = 0
            while t.i != t.head.i and t.i != head.i and hops < 4:
                if t.pos_ in {"VERB", "AUX"} and t.i != head.i:
                    break
                t = t.head
                hops += 1
            if t.i == head.i:
                yield dates.resolve(ent.text, self.document.published, future)

    # ---- main ---------------------------------------------------------------------------------
    def run(self) -> Extraction:
        for sent in self.doc.sents:
            if sent.start in self.skip:
                continue
            self.read_statements(sent)
            self.read_meetings(sent)
            self.read_ceasefires(sent)
        return self.assemble()

    # ---- statements ---------------------------------------------------------------------------
    def read_statements(self, sent: SpacySpan) -> None:
        speech = self.lex.speech
        verbs = set(speech["reporting_verbs"])
        needs_obj = speech["object_required"]
        clause_only = set(speech["clause_only"])
        quotes = _quote_spans(sent, self.document.text)
        if self._continued_quote(sent, quotes, verbs):
            return
        for token in sent:
            if token.lemma_.lower() == "accord" or token.lower_ == "according":
                self._according(sent, token, quotes)
                continue
            lemma = token.lemma_.lower()
            if token.pos_ not in {"VERB", "AUX"} or lemma not in verbs:
                continue
            if lemma in needs_obj:
                objs = [c for c in token.children if c.dep_ in {"dobj", "attr"}]
                if not objs or (needs_obj[lemma] and objs[0].lemma_.lower() not in needs_obj[lemma]
                                and objs[0].lower_ not in needs_obj[lemma]):
                    continue
            if lemma == "call" and not self._call_is_speech(token):
                continue
            if lemma in clause_only and not any(c.dep_ == "ccomp" for c in token.children) and \
                    not any(q[0] <= token.idx + 200 and abs(q[1] - token.idx) < 200 for q in quotes) and \
                    not (token.dep_ in {"advcl", "parataxis", "ccomp"} and any(c.lower_ == "as" for c in token.children)):
                continue  # "responded with force", "recalled its ambassador": no speech
            if token.dep_ == "amod" or token.tag_ == "VBN" and token.dep_ in {"acl"}:
                continue
            speaker = self._speaker(token)
            if speaker is None:
                continue
            content, is_quote = self._content(sent, token, quotes)
            if not content:
                continue
            text = content[0]
            span = self.span(sent)
            date = self.date_of(token, future=False)
            subj = _subject(token)
            speakers = unique([speaker, *(self.dm.actors_at(subj) if subj is not None else [])])
            for who in speakers:  # a joint statement is each signatory's statement
                self.used_actors.add(who)
                self.statements.append((Statement(who, text, is_quote, (), date, (span,)), content[1]))

    def _continued_quote(self, sent: SpacySpan, quotes, verbs) -> bool:
        """A sentence that is only a quote, right after a quoted statement, goes on with its speaker."""
        text = self.document.text
        body = text[sent.start_char:sent.end_char].strip()
        if not quotes or not body or body[0] not in QUOTES or body.rstrip(".")[-1] not in QUOTES + ".!?":
            return False
        if any(t.lemma_.lower() in verbs and t.pos_ == "VERB" and _subject(t) is not None
               and self.dm.actor_at(_subject(t)) for t in sent):
            return False  # it has an attribution of its own
        q0, q1 = quotes[0][0], quotes[-1][1]
        if q0 - sent.start_char > 2 or not self.statements:
            return False
        previous, _ = self.statements[-1]
        prev_span = previous.evidence[0]
        gap = text[prev_span.end:sent.start_char]
        if not previous.quote or gap.count("\n") > 1 or len(gap.strip()) > 0:
            return False
        words = _strip_quote(text[q0:q1])
        self.statements.append((Statement(previous.speaker, words, True, (), previous.date, (self.span(sent),)), (q0, q1)))
        return True

    def _speaker(self, verb: Token) -> str | None:
        subj = _subject(verb)
        if subj is None:
            return None
        for cand in [subj, *[c for c in subj.head.children if c.dep_ in {"nsubj"} and c.i != subj.i]]:
            key = self.dm.actor_at(cand)
            if key:
                return key
        return None

    def _call_is_speech(self, token: Token) -> bool:
        kids = list(token.children)
        if any(c.dep_ == "prt" and c.lower_ == "off" for c in kids):
            return False  # "called off the trip"
        for c in kids:
            # "called for a truce", "called on both sides to ..." (not "called ... on Thursday")
            if c.dep_ in {"prep", "prt"} and c.lower_ in self.lex.speech["call_for_particles"] and \
                    not any(p.ent_type_ in {"DATE", "TIME"} for p in c.children):
                return True
        return any(c.dep_ in {"oprd", "ccomp", "xcomp"} for c in kids) and any(c.dep_ == "dobj" for c in kids)

    def _content(self, sent: SpacySpan, verb: Token, quotes: list[tuple[int, int]]):
        """What was said: (text, (begin, end) char range), and whether it is a direct quote."""
        doc = self.doc
        text = self.document.text
        inside = [q for q in quotes if q[0] <= verb.idx < q[1]]
        outside = [q for q in quotes if not (q[0] <= verb.idx < q[1])]
        comp = [c for c in verb.children if c.dep_ in {"ccomp", "xcomp", "dobj", "oprd", "prep", "attr"}
                and not (c.dep_ == "prep" and c.lower_ not in {"for", "on", "about", "that"})]
        comp = [c for c in comp if c.dep_ != "dobj" or not self.dm.actor_at(c) or verb.lemma_ in {"express", "voice"}]
        if any(c.dep_ == "ccomp" for c in comp):
            comp = [c for c in comp if c.dep_ in {"ccomp", "xcomp"}]
        if outside and not inside:
            # '"...," X said.' / 'X said: "..."' / 'X called it a "..."'
            related = [q for q in outside if any(q[0] <= t.idx < q[1] for c in comp for t in c.subtree)] or \
                      ([outside[0]] if verb.dep_ in {"ROOT", "parataxis"} and self._quote_attached(verb, outside[0]) else [])
            if related:
                b, e = related[0][0], related[-1][1]
                toks = [t for c in comp for t in c.subtree if t.i != verb.i and t.i not in self.dm.noise]
                cb = min([b, *[t.idx for t in toks]])
                ce = max([e, *[t.idx + len(t.text) for t in toks]])
                if (e - b) * 2 >= ce - cb:
                    return (_strip_quote(text[b:e]), (b, e)), True
                # a quoted fragment inside a reported clause ('who "welcomed" the visit'): the clause is what was said
                return (_strip_quote(text[cb:ce].strip(" ,")), (cb, ce)), False
        if comp:
            toks = [t for c in comp for t in c.subtree if t.i != verb.i and t.i not in self.dm.noise]
            b = min(t.idx for t in toks)
            last = max(toks, key=lambda t: t.i)
            e = last.idx + len(last.text)
            words = text[b:e].strip(" ,")
            if words.lower().startswith("that "):
                words = words[5:]
            if len(words.split()) >= 2:
                return (_strip_quote(words), (b, e)), bool(quotes and any(q[0] <= b < q[1] for q in quotes))
        # "as X has detailed": the main clause is what was said
        if verb.dep_ == "advcl" and any(c.lower_ == "as" and c.dep_ == "mark" for c in verb.children):
            main = sent.root
            toks = [t for t in main.subtree if t.i not in {x.i for x in verb.subtree}]
            return self._range(toks, quotes)
        # "X said, I am convinced ...": what follows the verb
        if verb.dep_ in {"ROOT"} and verb.i + 2 < sent.end:
            toks = [t for t in doc[verb.i + 1:sent.end] if not t.is_punct or t.i < sent.end - 1]
            if len([t for t in toks if t.is_alpha]) >= 3:
                return self._range(toks, quotes)
        # '"...", he said' parsed with the quote as the root: the root clause is what was said
        if verb.dep_ in {"parataxis", "ccomp"} and verb.head.i != verb.i:
            main = verb.head
            toks = [t for t in main.subtree if t.i not in {x.i for x in verb.subtree}]
            return self._range(toks, quotes)
        return None, False

    def _quote_attached(self, verb: Token, quote: tuple[int, int]) -> bool:
        # the quote ends right before the attribution, or starts right after it
        sent = self.dm.sent_of(verb)
        before = self.document.text[quote[1]:verb.idx]
        after = self.document.text[verb.idx + len(verb.text):quote[0]]
        return len(before) < 60 and quote[1] <= verb.idx or len(after) < 20 and quote[0] >= verb.idx and sent

    def _range(self, toks: list[Token], quotes):
        toks = [t for t in toks if not (t.is_punct and t.text in ",") and t.i not in self.dm.noise]
        if not toks:
            return None, False
        b = min(t.idx for t in toks)
        last = max(toks, key=lambda t: t.i)
        e = last.idx + len(last.text)
        words = _strip_quote(self.document.text[b:e].strip(" ,"))
        if len(words.split()) < 2:
            return None, False
        return (words, (b, e)), any(q[0] <= b < q[1] for q in quotes)

    def _according(self, sent: SpacySpan, token: Token, quotes) -> None:
        to = next((c for c in token.children if c.lower_ == "to"), None)
        if to is None:
            return
        pobj = next((c for c in to.children if c.dep_ == "pobj"), None)
        if pobj is None:
            return
        speaker = self.dm.actor_at(pobj)
        if speaker is None:
            return
        phrase = {t.i for t in token.subtree}
        toks = [t for t in sent if t.i not in phrase and not (t.is_punct and t.i == sent.end - 1)]
        content, is_quote = self._range(toks, quotes)
        if content:
            self.used_actors.add(speaker)
            self.statements.append((Statement(speaker, content[0], is_quote, (), self.date_of(sent.root, False),
                                              (self.span(sent),)), content[1]))

    # ---- meetings -----------------------------------------------------------------------------
    def read_meetings(self, sent: SpacySpan) -> None:
        mt = self.lex.meetings
        verbs = mt["verbs"]
        for token in sent:
            lemma = token.lemma_.lower()
            # a "verb" in a noun's place ("Ceasefire talks ... resumed") is a noun
            nounlike = token.pos_ in {"NOUN", "PROPN"} or token.dep_ in {"nsubj", "nsubjpass", "dobj", "pobj"}
            if token.pos_ == "VERB" and lemma in verbs and not nounlike:
                self._meeting_verb(sent, token, lemma)
            elif nounlike and (token.lower_ in mt["nouns"] or lemma in mt["nouns"]):
                self._meeting_noun(sent, token)

    def _meeting_verb(self, sent: SpacySpan, verb: Token, lemma: str) -> None:
        mt = self.lex.meetings
        kind = mt["verbs"][lemma]
        if lemma == "call" and (self._call_is_speech(verb) or any(c.lower_ == "off" for c in verb.children)):
            return  # "called for a truce" is speech; "called off the trip" cancels a trip (read at the noun)
        objs = [c for c in verb.children if c.dep_ in {"dobj", "attr"}]
        meeting_obj = [o for o in objs if _meeting_kind(mt, o)]
        if lemma in mt["object_required"]:
            allowed = mt["object_required"][lemma]
            objs_ok = [o for o in objs if o.lemma_.lower() in allowed or o.lower_ in allowed]
            if allowed and not objs_ok:
                return
            if objs_ok:
                kind = _meeting_kind(mt, objs_ok[0]) or kind
        elif meeting_obj:
            kind = _meeting_kind(mt, meeting_obj[0]) or kind  # "hosted a summit"
        # object control ("advised X to travel"): advice is no plan
        if verb.dep_ == "xcomp" and verb.head.lemma_.lower() in {"advise", "urge", "ask", "encourage", "invite", "tell", "press", "call"}:
            return
        # purpose ("held a phone call to discuss Gaza", "travelled to Cairo to meet X"): part of that event
        if verb.dep_ in {"advcl", "xcomp", "acl", "relcl"} and any(c.dep_ == "aux" and c.lower_ == "to" for c in verb.children):
            host = next((ev for ev in self.meetings for h in (verb.head, verb.head.head) if h.idx in ev.triggers), None)
            if host is not None:
                partners = [a for c in verb.children if c.dep_ in {"dobj"} or (c.dep_ == "prep" and c.lower_ == "with")
                            for p in ([c] if c.dep_ == "dobj" else [x for x in c.children if x.dep_ == "pobj"])
                            for a in self.dm.actors_at(p)]
                _absorb(host, evidence=self.span(sent), trigger=verb.idx, participants=self.dm.with_states(partners))
                return
        subj_tok = _subject(verb)
        participants = self.dm.actors_at(subj_tok) if subj_tok is not None else []
        participants += self._leaders(subj_tok)
        # headlines: "Biden, Xi to hold virtual summit" (the names hang on the verb as 'dep')
        participants += [a for c in verb.children if c.dep_ == "dep" and c.i < verb.i for a in self.dm.actors_at(c)]
        partners: list[str] = []
        location = None
        locative = set(mt["location_preps"])
        for c in verb.children:
            if c.dep_ == "dobj" and lemma in mt["destination_required"]:
                continue  # "left 232 dead", "headed the delegation": no partner, no trip
            if c.dep_ == "dobj":
                place = self.dm.place_at(c)
                if lemma in {"visit", "tour"} and place and (place.startswith("place:") or not self._is_person_like(c)):
                    location = place
                else:
                    partners += self.dm.actors_at(c)
            elif c.dep_ == "prep" and c.lower_ in {"with", "to", "between"} | locative:
                for p in c.children:
                    if p.dep_ != "pobj":
                        continue
                    place = self.dm.place_at(p)
                    if c.lower_ in locative and place and (
                            lemma in mt["destination_required"] or lemma in {"visit", "meet", "host", "hold", "attend", "arrive"}
                            or place.startswith("place:")):
                        location = location or place
                    elif c.lower_ in {"with", "between"} or (c.lower_ == "to" and lemma in {"speak", "talk", "give", "pay"}):
                        partners += self.dm.actors_at(p)
        for o in objs:
            for c in o.children:
                if c.dep_ == "prep" and c.lower_ in {"with", "between"}:
                    partners += [a for p in c.children if p.dep_ == "pobj" for a in self.dm.actors_at(p)]
        # "met Tunisian President X in Tunis": the place may hang off the object or its apposition
        location = location or self._clause_place(verb)
        if location is None and verb.dep_ == "relcl" and any(c.lower_ == "where" for c in verb.children):
            location = self.dm.place_at(verb.head)  # "in Vienna, where he met ..."
        if lemma in mt["partner_required"] and not partners and not meeting_obj and len(participants) < 2:
            return  # "Benton and Fawzi discussed ...": two subjects are partners to each other
        if lemma in mt["destination_required"] and not location and not partners:
            return
        if lemma == "visit" and not location and not partners:
            return
        participants = unique(participants + partners)
        if not participants:
            return
        if _negated(verb) or _hypothetical(verb):
            return  # "did not meet", "refused to meet", "if they meet"
        status = self._meeting_status(verb)
        mode = self._mode(sent, verb, kind, location)
        self._add_meeting(_Event(kind, participants, status, mode, location, self.date_of(verb, status == "planned"),
                                 [self.span(sent)], triggers=[verb.idx]), sent)

    def _clause_place(self, verb: Token) -> str | None:
        """The first place after 'in'/'at' in the verb's own clause."""
        for t in verb.subtree:
            if t.dep_ != "pobj" or t.head.lower_ not in {"in", "at"}:
                continue
            h, inner = t.head, False
            while h.i != verb.i and h.i != h.head.i:
                if h.pos_ in {"VERB", "AUX"} and h.dep_ != "acl":
                    inner = True
                    break
                h = h.head
            place = None if inner else self.dm.place_at(t)
            if place and place.startswith("place:"):
                return place
        return None

    def _leaders(self, subj: Token | None) -> list[str]:
        """'A Hamas delegation led by Khalil Darwish': the leader takes part too."""
        if subj is None:
            return []
        out = []
        for c in subj.children:
            if c.dep_ == "acl" and c.lemma_.lower() in {"lead", "head"}:
                out += [a for ag in c.children if ag.dep_ == "agent" for p in ag.children if p.dep_ == "pobj"
                        for a in self.dm.actors_at(p)]
        return out

    def _is_person_like(self, token: Token) -> bool:
        m = self.dm.mention_at(token)
        return bool(m and m.kind in {"Person", "Group"})

    def _meeting_noun(self, sent: SpacySpan, noun: Token) -> None:
        mt = self.lex.meetings
        kind = _meeting_kind(mt, noun)
        head = noun.head
        # read by its verb ("held talks", "attended a summit", "hosted a summit")
        if noun.dep_ in {"dobj", "attr"} and head.pos_ == "VERB" and head.lemma_.lower() in mt["verbs"] and \
                head.lemma_.lower() not in {"call"}:
            return
        if noun.ent_type_ in {"ORG", "PERSON", "EVENT", "WORK_OF_ART"}:
            return
        participants: list[str] = []
        location = None
        poss = [c for c in noun.children if c.dep_ == "poss"]
        for p in poss:
            participants += self.dm.actors_at(p)
        compound_kind = None
        by_agent: list[str] = []
        for c in noun.children:
            if c.dep_ == "compound" and c.lower_ in {"phone", "telephone", "video"}:
                compound_kind = c.lower_
            if c.dep_ == "prep" and c.lower_ in {"with", "between"}:
                participants += [a for p in c.children if p.dep_ == "pobj" for a in self.dm.actors_at(p)]
            if c.dep_ == "prep" and c.lower_ == "by":  # "a visit by the Afghan foreign minister"
                by_agent += [a for p in c.children if p.dep_ == "pobj" for a in self.dm.actors_at(p)]
            if c.dep_ == "prep" and c.lower_ in {"to", "in", "at"}:
                for p in c.children:
                    if p.dep_ == "pobj":
                        location = location or self.dm.place_at(p)
            if c.dep_ == "acl":  # "a meeting ..., scheduled for Friday in Washington"
                for p in c.subtree:
                    if p.dep_ == "pobj" and p.head.lower_ in {"in", "at"}:
                        location = location or self.dm.place_at(p)
        participants += by_agent
        dets = [c for c in noun.children if c.dep_ == "det"]
        definite = bool(poss) or (dets and dets[0].lower_ in {"the", "this", "that", "these"}) or noun.dep_ == "compound"
        span = self.span(sent)
        mode = "phone" if compound_kind in {"phone", "telephone"} else "video" if compound_kind == "video" else None
        verb = _governing_verb(noun)
        # "will travel to Somalia for talks with X": the purpose of a trip is part of that trip
        if verb is not None:
            host = next((ev for ev in self.meetings if verb.idx in ev.triggers), None)
            if host is not None:
                _absorb(host, mode=mode, location=location, evidence=span, trigger=noun.idx,
                        participants=self.dm.with_states(participants))
                return
        if definite and not by_agent:
            ref = self._find_meeting(kind, participants, location, sent)
            if ref is not None:
                _absorb(ref, mode=mode, location=location, evidence=span, trigger=noun.idx)
                return
            if not participants:
                return
        # a new meeting named by a noun: its participants are its possessor, its "with"
        # partners, and the subject of the clause it stands in ("X arrived on a visit")
        if verb is not None and not poss:
            subj = _subject(verb)
            if subj is not None:
                found = self.dm.actors_at(subj)
                if by_agent:  # "Pakistan cancelled a visit by X": the subject is the host
                    location = location or next((a for a in found if a.startswith("country:")), None)
                else:
                    participants = found + participants
        participants = unique(participants)
        if not participants or _negated(noun) or _hypothetical(noun):
            return
        if location is None:
            location = self._clause_place(noun) or (self._clause_place(verb) if verb is not None else None)
        status = self._meeting_status(verb) if verb is not None else None
        if any(a.lower_ in {"planned", "upcoming", "scheduled", "proposed", "expected", "next", "forthcoming"} for a in noun.lefts):
            status = "planned"
        if verb is not None and (verb.lemma_.lower() in set(mt["cancelled_verbs"]) or
                                 (verb.lemma_.lower() == "call" and any(c.lower_ == "off" for c in verb.children))):
            status = "cancelled"
        mode = mode or self._mode(sent, noun, kind, location)
        self._add_meeting(_Event(kind, participants, status, mode, location,
                                 self.date_of(verb, status == "planned") if verb is not None and status != "cancelled" else None,
                                 [span], triggers=[noun.idx]), sent)

    def _meeting_status(self, verb: Token) -> str | None:
        mt = self.lex.meetings
        planned = set(mt["planned_verbs"])
        cancelled = {c for c in mt["cancelled_verbs"] if " " not in c}
        t = verb
        chain = [t]
        while t.dep_ in {"xcomp", "ccomp", "advcl", "conj", "acomp"} and t.head.i != t.i and len(chain) < 4:
            t = t.head
            chain.append(t)
        for v in chain:
            lemma = v.lemma_.lower()
            if lemma in cancelled or (lemma == "call" and any(c.lower_ == "off" for c in v.children)):
                return "cancelled"
        for v in chain:
            if any(c.lower_ in FUTURE_AUX for c in v.children if c.dep_ == "aux"):
                return "planned"
            if v.i != verb.i and (v.lemma_.lower() in planned):
                return "planned"
            if any(c.lemma_.lower() in {"plan", "schedule", "expect", "set", "due"} and c.dep_ in {"auxpass", "aux"}
                   for c in v.children):
                return "planned"
        # "is scheduled to arrive": the verb's own head is a planned-verb participle
        if verb.dep_ == "xcomp" and verb.head.lemma_.lower() in planned:
            return "planned"
        if any(a.lower_ in {"willing", "ready", "going"} for a in chain):
            return "planned"
        tag = verb.tag_
        if tag == "VBG" and verb.dep_ == "pcomp" and verb.head.lower_ in {"before", "after", "while", "since"}:
            main = verb.head.head
            if main.i != verb.i and main.pos_ in {"VERB", "AUX"}:
                if verb.head.lower_ == "after":
                    return "occurred"
                if main.lemma_.lower() in planned:
                    return "planned"  # "Before leaving for Beijing, Bush scheduled to ..."
                return self._meeting_status(main)
        if tag in {"VBD", "VBN"}:
            return "occurred"
        if tag == "VBG" and any(c.dep_ == "mark" or c.lower_ in {"after", "since"} for c in [*verb.children, verb.head]):
            return "occurred"
        if tag == "VBG" and verb.head.tag_ == "VBD":
            return "occurred"
        if tag in {"VBZ", "VBP"}:
            # headline present: "Blinken heads to Israel" (on the way), "X meets Y" (done)
            if verb.lemma_.lower() in set(mt["destination_required"]):
                return "planned"
            return "occurred"
        if tag == "VB" and any(c.dep_ == "aux" and c.lower_ == "to" for c in verb.children):
            return "planned"  # "X to visit Y", "hopes to meet": an infinitive is not yet done
        return None

    def _mode(self, sent: SpacySpan, trigger: Token, kind: str, location: str | None = None) -> str | None:
        mt = self.lex.meetings
        lemma = trigger.lemma_.lower()
        if lemma in {"telephone", "phone"} or (lemma == "call" and trigger.pos_ == "VERB"):
            return "phone"
        window = " ".join(t.lower_ for t in trigger.subtree)
        window_sent = sent.text.lower()
        if cue_pattern(tuple(mt["video_cues"])).search(window):
            return "video"
        if cue_pattern(tuple(c for c in mt["phone_cues"] if c != "called")).search(window):
            return "phone"
        if kind == "call" and cue_pattern(("by phone", "phone call", "telephone")).search(window_sent):
            return "phone"
        if kind == "call" and trigger.pos_ == "NOUN" and trigger.lower_ == "call":
            return "phone"  # "in a call with": a call is by telephone unless said otherwise
        if kind in set(mt["in_person_kinds"]) or (location and location.startswith("place:") and kind != "call"):
            return "in person"
        return None

    def _find_meeting(self, kind, participants, location, sent) -> _Event | None:
        """The meeting a definite mention ("the call", "his visit") refers back to."""
        group = meeting_group(kind)
        for same in (lambda ev: ev.kind == kind, lambda ev: meeting_group(ev.kind) == group):
            for ev in reversed(self.meetings):
                if same(ev) and (not participants or set(participants) & set(ev.participants)):
                    return ev
        return None

    def _add_meeting(self, ev: _Event, sent: SpacySpan) -> None:
        ev.participants = self.dm.with_states(ev.participants)
        self.used_actors.update(ev.participants)
        for other in self.meetings:
            same_sentence = ev.evidence[0] in other.evidence and bool(set(ev.participants) & set(other.participants)) \
                and (not ev.status or not other.status or ev.status == other.status)
            if same_sentence or _same_meeting(other, ev):
                _absorb(other, mode=ev.mode, location=ev.location, evidence=ev.evidence[0], trigger=ev.triggers[0],
                        date=ev.date, status=ev.status, participants=ev.participants)
                return
        self.meetings.append(ev)
        self.used_actors.update(ev.participants)

    # ---- ceasefires ---------------------------------------------------------------------------
    def read_ceasefires(self, sent: SpacySpan) -> None:
        cf = self.lex.ceasefires
        single = {n for n in cf["nouns"] if " " not in n}
        span = self.span(sent)
        found = False
        for token in sent:
            low = token.lower_
            if low not in single and token.lemma_.lower() not in single:
                if low != "cease" or not _cease_fire(token, sent):
                    continue
                token = _cease_fire(token, sent)
            if token.ent_type_ in {"ORG", "PERSON", "WORK_OF_ART", "LAW"}:
                continue  # "Ceasefire Violations Committee": a name, not a truce
            if token.tag_ == "NNS" or any(c.lower_ in {"previous", "earlier", "past", "former", "prior", "other"}
                                          for c in token.children):
                continue  # "previous ceasefires have been violated": other truces, spoken of in general
            head = token
            nxt = self.doc[token.i + 1] if token.i + 1 < sent.end else None
            if token.dep_ != "compound" and nxt is not None and nxt.lower_ in {"talks", "negotiations", "deal", "agreement", "proposal", "plan"}:
                head = nxt
            elif token.dep_ == "compound":
                # "ceasefire talks", "truce deal": the head noun carries the status
                if token.head.lemma_.lower() not in _status_words(self.lex) and token.head.lower_ not in {"agreement", "deal", "plan", "proposal", "talks", "negotiations", "violations"}:
                    continue
                head = token.head
            found = True
            self._ceasefire(sent, token, head, span)
        self._sentence_mediators(sent, span, found)

    def _ceasefire(self, sent: SpacySpan, noun: Token, np_head: Token, span: Span) -> None:
        status, chain = self._truce_status(noun, np_head)
        breakers: list[str] = []
        if _negated(np_head) and status not in {"proposed", "under negotiation", "collapsed"}:
            return  # "No ceasefire has been agreed": there is none to record

        parties: list[str] = []
        mediators: list[str] = []
        for c in np_head.children:
            if c.dep_ == "prep" and c.lower_ in {"between", "with", "among"}:
                for p in c.children:
                    if p.dep_ == "pobj":
                        parties += self.dm.actors_at(p)
            if c.dep_ in {"compound", "amod", "nmod", "poss"} and c.i < noun.i:
                m = self.dm.mention_at(c)
                if m and m.key and m.kind != "Place":
                    if c.i + 2 <= noun.i and self.doc[c.i + 1].text == "-" and self.doc[c.i + 2].lemma_.lower() in {"broker", "mediate", "brokered", "mediated"}:
                        mediators.append(m.key)
                    else:
                        parties.append(m.key)
        # "Egyptian-brokered truce": the broker stands before the hyphen
        for t in self.doc[max(sent.start, noun.i - 4):noun.i]:
            if t.lower_ in {"brokered", "mediated", "backed"} and t.i >= 2 and self.doc[t.i - 1].text == "-":
                m = self.dm.mention_at(self.doc[t.i - 2])
                if m and m.key and m.kind != "Place" and m.key not in mediators:
                    mediators.append(m.key)
                    parties = [p for p in parties if p != m.key]
        verb = _governing_verb(np_head)
        if verb is not None:
            vlemma = verb.lemma_.lower()
            subj = _subject(verb)
            subj_actors = self.dm.actors_at(subj) if subj is not None else []
            agent = [c for c in verb.children if c.dep_ == "agent"]
            agent_actors = [a for ag in agent for p in ag.children if p.dep_ == "pobj" for a in self.dm.actors_at(p)]
            cue_verb = vlemma in _status_words(self.lex)
            if vlemma in set(self.lex.ceasefires["mediation_verbs"]):
                mediators += agent_actors if agent_actors else subj_actors
            elif cue_verb and status in {"agreed", "in force", "violated", "collapsed"} and \
                    vlemma not in {"urge", "call", "demand", "propose", "oversee", "monitor", "enforce"} and \
                    not (vlemma == "announce" and parties):
                # "Israel and Hamas agreed to a ceasefire": they are bound by it
                parties += [a for a in self.dm.with_states(subj_actors) if a in subj_actors or not parties]
            elif status in {"proposed", "under negotiation"} and subj_actors and vlemma in {"demand", "seek", "want", "reject", "refuse", "accept", "declare", "arrange"}:
                parties += subj_actors
            # "rejected Saddam Hussein's proposal for a cease-fire": proposer and rejecter are the sides
            if np_head.i == noun.i and noun.dep_ == "pobj" and noun.head.head.lemma_.lower() in {"proposal", "offer", "plan", "call", "bid"}:
                proposal = noun.head.head
                parties += [a for c in proposal.children if c.dep_ == "poss" for a in self.dm.actors_at(c)]
                if proposal.head.lemma_.lower() in {"reject", "accept", "refuse", "welcome", "consider", "study"}:
                    s2 = _subject(proposal.head)
                    if s2 is not None:
                        parties += self.dm.actors_at(s2)
            # "accused X of violating the ceasefire": X is bound by it
            top = verb
            if verb.dep_ == "pcomp" and verb.head.dep_ == "prep":
                top = verb.head.head
                if top.lemma_.lower() in {"accuse", "blame", "charge"}:
                    obj = [c for c in top.children if c.dep_ == "dobj"]
                    if obj:
                        parties += self.dm.actors_at(obj[0])
                    s2 = _subject(top)
                    if s2 is not None:
                        parties += self.dm.actors_at(s2)
            # the pursuit of a truce by someone not bound by it: a mediator
            mediators += self._pursuers(verb)
            # "broken by X": a violation by X, decided once the document's mediators are known
            for v in [verb, *verb.conjuncts, *[c for c in verb.children if c.dep_ in {"advcl", "conj", "acl"}]]:
                if v.lemma_.lower() == "break":
                    by = [a for ag in v.children if ag.dep_ == "agent" for p in ag.children if p.dep_ == "pobj"
                          for a in self.dm.actors_at(p)]
                    breakers += by
                    if by and v.i == verb.i and status == "violated":
                        status = None  # the breaker decides it (see _settle_breaks)
        if status == "violated" and verb is not None:
            parties += self._attack_targets(verb)
        if not parties:
            parties = self._conflict_parties(sent)
        mediators = [m for m in unique(mediators) if m not in parties]
        if _hypothetical(np_head) and status in {"agreed", "in force"}:
            status = "proposed"  # "If Israel agrees to a ceasefire ...": the sides are named, nothing is agreed
        # the day is read in the direction of the verb's tense ("discussed ... on Thursday" looks back)
        date = self.date_of(verb, self._meeting_status(verb) == "planned") if verb is not None else None
        truce = _Truce(unique(parties), mediators, status, status_rank(status), date, [span], [noun.idx], sent.start,
                       unique(breakers))
        self._add_truce(truce)

    def _truce_status(self, noun: Token, np_head: Token) -> tuple[str | None, list[str]]:
        """The status the nearest cue word gives: modifiers, then the governing words upwards."""
        cues = self.lex.ceasefires["status_cues"]
        words: list[Token] = []
        if np_head.i != noun.i:
            words.append(np_head)
        t = np_head
        hops = 0
        while t.i != t.head.i and hops < 5:
            # "the ceasefire was enforced, broken by ...": a conjoined/adverbial verb of the same subject
            t = t.head
            words.append(t)
            hops += 1
            if t.pos_ == "VERB" and t.dep_ not in {"xcomp", "pcomp", "advcl", "acl", "ccomp"}:
                if t.dep_ not in {"xcomp", "conj"}:
                    break
        words += [c for c in noun.children if c.dep_ in {"amod", "compound"}]
        # particles: "call for", "push for", "break down"
        lemmas = []
        for w in words:
            lemma = w.lemma_.lower()
            parts = [c.lower_ for c in w.children if c.dep_ in {"prt", "prep"}]
            lemmas.append((lemma, [f"{lemma} {p}" for p in parts] + ([w.lower_] if w.lower_ != lemma else [])))
        intent = {"offer", "try", "attempt", "hope", "seek", "want", "aim", "push", "work", "plan", "propose",
                  "urge", "call", "press", "strive", "struggle", "fail"}
        for w, (lemma, extras) in zip(words, lemmas):
            for status in ("collapsed", "violated", "in force", "agreed", "under negotiation", "proposed"):
                cue = set(cues[status])
                if lemma in cue or any(x in cue for x in extras):
                    if w.dep_ == "xcomp" and w.head.lemma_.lower() in intent and \
                            status not in {"proposed", "under negotiation"}:
                        return "proposed", [lemma_ for lemma_, _ in lemmas]  # "offered to broker a truce"
                    if status == "in force" and any(c.dep_ in {"aux", "auxpass"} and c.lower_ in FUTURE_AUX
                                                    for c in w.children):
                        return "agreed", [lemma_ for lemma_, _ in lemmas]  # "will be monitored": not yet in force
                    # "broke" is a violation only when nothing says otherwise (see _ceasefire)
                    return status, [lemma_ for lemma_, _ in lemmas]
        # multiword cues in the sentence around the noun ("in favor of a ceasefire", "took effect")
        sent = self.dm.sent_of(noun)
        window = sent.text.lower() + " " + " ".join(t.lemma_.lower() for t in sent)
        for status in ("collapsed", "violated", "in force", "agreed", "under negotiation", "proposed"):
            multi = tuple(c for c in cues[status] if " " in c)
            if multi and cue_pattern(multi).search(window):
                return status, []
        # a ceasefire spoken of as existing ("after the ceasefire") is in force
        if any(c.dep_ == "det" and c.lower_ == "the" for c in noun.children) and noun.head.lower_ in {"after", "since", "during", "under"}:
            return "in force", []
        return None, [lemma_ for lemma_, _ in lemmas]

    def _pursuers(self, verb: Token) -> list[str]:
        """'Washington intensifies its efforts to secure a ceasefire': who works for it. Only an
        aim counts (an infinitive or gerund); a truce 'reached' in a reported clause names no one."""
        pursuit = set(self.lex.ceasefires["pursuit_verbs"])
        out: list[str] = []
        if verb.tag_ not in {"VB", "VBG"}:
            return out
        t = verb
        hops = 0
        seen_pursuit = verb.lemma_.lower() in pursuit
        while hops < 4 and t.dep_ not in {"ccomp", "ROOT", "conj", "parataxis"}:
            if seen_pursuit:
                for c in t.children:
                    if c.dep_ == "poss" or (c.dep_ in {"nsubj"} and t.pos_ == "VERB"):
                        out += self.dm.actors_at(c)
            if t.i == t.head.i:
                break
            t = t.head
            hops += 1
            if t.lemma_.lower() in pursuit or t.lower_ in {"efforts", "effort", "bid", "push", "drive"}:
                seen_pursuit = True
        return out

    def _attack_targets(self, verb: Token) -> list[str]:
        """'broke the ceasefire by firing rockets at Israel': the side attacked is bound by it too."""
        attacks = {"fire", "attack", "shell", "strike", "bomb", "launch", "target", "hit", "raid", "shoot"}
        out: list[str] = []
        for t in verb.subtree:
            if t.lemma_.lower() not in attacks or t.i == verb.i:
                continue
            for c in t.children:
                if c.dep_ == "dobj" and self.dm.actor_at(c) and t.lemma_.lower() not in {"fire", "launch"}:
                    out += [a for a in self.dm.actors_at(c) if a.startswith("country:")]
                if c.dep_ == "prep" and c.lower_ in {"at", "on", "into"}:
                    out += [a for p in c.children if p.dep_ == "pobj" for a in self.dm.actors_at(p)
                            if a.startswith("country:")]
            for o in [c for c in t.children if c.dep_ == "dobj"]:  # "firing rockets at X"
                for c in o.children:
                    if c.dep_ == "prep" and c.lower_ in {"at", "on", "into"}:
                        out += [a for p in c.children if p.dep_ == "pobj" for a in self.dm.actors_at(p)
                                if a.startswith("country:")]
        return out

    def _conflict_parties(self, sent: SpacySpan) -> list[str]:
        conflict = set(self.lex.ceasefires["conflict_nouns"])
        for t in sent:
            if t.lemma_.lower() in conflict or t.lower_ in conflict:
                for c in t.children:
                    if c.dep_ == "prep" and c.lower_ == "between":
                        for p in c.children:
                            if p.dep_ == "pobj":
                                found = self.dm.actors_at(p)
                                if found:
                                    return found
        return []

    def _sentence_mediators(self, sent: SpacySpan, span: Span, has_truce: bool) -> None:
        """'along with mediators Qatar and Egypt', "Egypt's mediation efforts": mediators named
        in a sentence, attached to the ceasefire of this sentence or the nearest one."""
        names: list[str] = []
        for t in sent:
            low = t.lower_
            if low in self.mediator_nouns:
                for c in t.children:
                    if c.dep_ in {"appos", "compound", "pobj", "nmod"}:
                        names += self.dm.actors_at(c)
                    if c.dep_ == "prep" and c.lower_ in {"like", "including"}:
                        names += [a for p in c.children for a in self.dm.actors_at(p)]
                # "the United States, along with mediators Qatar and Egypt": the US mediates too
                if t.head.lower_ in {"with"} and t.head.head.lower_ in {"along", "together"}:
                    along = t.head.head
                    if along.head.i != along.i:
                        names += self.dm.actors_at(along.head)
                m = self.dm.mention_at(t.head)
                if t.dep_ == "appos" and m and m.key:
                    names.append(m.key)
            if low in {"mediation", "mediating"}:
                owner = t.head if t.dep_ == "compound" else t
                for c in owner.children:
                    if c.dep_ == "poss":
                        names += self.dm.actors_at(c)
            if low in {"mediating", "brokering"} and t.pos_ != "VERB":  # "with Turkey mediating" parsed as a noun
                for c in t.children:
                    if c.dep_ in {"compound", "nsubj", "nmod"}:
                        names += self.dm.actors_at(c)
            if low == "mediation":  # "under Saudi and U.S. mediation"
                for c in t.children:
                    if c.dep_ in {"amod", "nmod", "compound"}:
                        names += self.dm.actors_at(c)
            lemma = t.lemma_.lower()
            if t.pos_ == "VERB" and lemma in set(self.lex.ceasefires["mediation_verbs"]):
                agents = [a for ag in t.children if ag.dep_ == "agent" for p in ag.children if p.dep_ == "pobj"
                          for a in self.dm.actors_at(p)]
                subj = _subject(t) if any(c.dep_ == "nsubj" for c in t.children) else None
                if agents:
                    names += agents  # "talks brokered by Qatar and Egypt"
                elif subj is not None:
                    names += self.dm.actors_at(subj)  # "with Turkey mediating", "Egypt, which mediated ..."
                elif t.dep_ == "acl" and t.tag_ == "VBG":
                    names += self.dm.actors_at(t.head)  # "with Qatar mediating" parsed as a modifier of Qatar
                for c in t.children:  # "mediating between Israel and Hamas"
                    if c.dep_ == "prep" and c.lower_ == "between":
                        sides = [a for p in c.children if p.dep_ == "pobj" for a in self.dm.actors_at(p)]
                        self.loose_parties += [(sent.start, a) for a in sides]
        if names:
            for a in unique(names):
                self.loose_mediators.append((sent.start, a, span))

    def _named_parties(self, parties: list[str]) -> set[str]:
        return {p for p in parties if p in self.dm.actors and not self.dm.actors[p].described
                and self.dm.actors[p].kind != "Group"}

    def _add_truce(self, truce: _Truce) -> None:
        for other in reversed(self.truces):
            mine, theirs = self._named_parties(truce.parties), self._named_parties(other.parties)
            distinct = len(mine) >= 2 and len(theirs) >= 2 and not mine & theirs
            if not distinct and (len(mine) < 2 or len(theirs) < 2 or mine & theirs):
                other.parties = unique(other.parties + truce.parties)
                other.mediators = unique(other.mediators + truce.mediators)
                if truce.status_rank > other.status_rank:
                    other.status, other.status_rank = truce.status, truce.status_rank
                other.date = other.date or truce.date
                if truce.evidence[0] not in other.evidence:
                    other.evidence.append(truce.evidence[0])
                other.triggers += truce.triggers
                other.breakers = unique(other.breakers + truce.breakers)
                return
        self.truces.append(truce)

    def _settle_breaks(self, truce: _Truce) -> None:
        """'The truce was broken by X': X violated it and is bound by it. Unless the document
        names X as a mediator of this very truce: a mediator does not break its own truce, and
        machine translation renders "brokered by" as "broken by"; that reading is reported."""
        for actor in truce.breakers:
            if actor in truce.mediators:
                self.warnings.append(f"{self.document.id}: {actor} mediates this ceasefire; 'broken by' it "
                                     "is read as 'brokered by', not as a violation")
                continue
            if actor not in truce.parties:
                truce.parties.append(actor)
            if truce.status_rank < status_rank("violated"):
                truce.status, truce.status_rank = "violated", status_rank("violated")

    # ---- assembly -----------------------------------------------------------------------------
    def assemble(self) -> Extraction:
        # loose mediators join the ceasefire nearest before them (else the first after them)
        for sent_start, actor, span in self.loose_mediators:
            if not self.truces:
                break
            before = [t for t in self.truces if t.sent_start <= sent_start]
            truce = before[-1] if before else self.truces[0]
            if actor not in truce.parties and actor not in truce.mediators:
                truce.mediators.append(actor)
                if span not in truce.evidence:
                    truce.evidence.append(span)
        sides: dict[int, list[str]] = {}
        for sent_start, actor in self.loose_parties:
            sides.setdefault(sent_start, []).append(actor)
        for sent_start, actors in sides.items():
            same = [t for t in self.truces if t.sent_start == sent_start and not t.parties]
            if same:
                same[0].parties.extend(a for a in unique(actors) if a not in same[0].mediators)
        for truce in self.truces:
            self._settle_breaks(truce)
            truce.mediators = [m for m in truce.mediators if m not in truce.parties]
            self.used_actors.update(truce.parties + truce.mediators)
        for ev in self.meetings:
            self.used_actors.update(ev.participants)
        # talks with one side and no place ("ready to resume talks") say too little to be a meeting
        self.meetings = [ev for ev in self.meetings if ev.kind not in {"talks", "call"} or ev.location
                         or len(ev.participants) >= 2]
        meetings = tuple(
            Meeting(ev.kind, tuple(ev.participants), ev.status, ev.mode, ev.location, ev.date, tuple(ev.evidence))
            for ev in self.meetings)
        ceasefires = tuple(
            Ceasefire(tuple(t.parties), tuple(t.mediators), t.status, t.date, tuple(t.evidence)) for t in self.truces)
        statements = []
        for st, (b, e) in self.statements:
            about = []
            for i, t in enumerate(self.truces):
                if any(b <= x < e for x in t.triggers):
                    about.append(f"ceasefire:{i}")
            for i, ev in enumerate(self.meetings):
                if any(b <= x < e for x in ev.triggers):
                    about.append(f"meeting:{i}")
            statements.append(Statement(st.speaker, st.text, st.quote, tuple(about), st.date, st.evidence))
        roles = []
        for r in self.dm.roles:
            role = Role(r.holder, r.title, r.affiliation, (self.span(r.sent),))
            if role not in roles:
                roles.append(role)
                self.used_actors.add(r.holder)
                if r.affiliation:
                    self.used_actors.add(r.affiliation)
        for m in meetings:
            if m.location and not m.location.startswith("place:"):
                self.used_actors.add(m.location)
        for key in list(self.used_actors):
            info = self.dm.actors.get(key)
            if info is not None and info.affiliation:
                self.used_actors.add(info.affiliation)  # "a senior U.S. official": the United States too
        # Actors are the ones the facts are about, plus those reliably named as actors when merely
        # mentioned: states and organisations of the gazetteer named by a noun, and full personal
        # names. An unverified name no fact uses ("he wrote on Telegram") is not an actor.
        mentioned = {m.key for m in self.dm.mentions if m.key and not m.adjective and m.kind != "Place"}
        acting = {m.key for m in self.dm.mentions if m.key and m.kind in {"Organization", "Person", "Country"}
                  and self.doc[m.start:m.end].root.dep_ in {"nsubj", "nsubjpass", "agent"}}
        actors = []
        for key, info in sorted(self.dm.actors.items()):
            reliable = key in mentioned and info.named and (
                key.startswith(("country:", "org:")) and key.split(":", 1)[1].isupper()
                or (info.kind == "Person" and len(info.label.split()) >= 2))
            if key not in self.used_actors and not reliable and not (info.named and key in acting):
                continue
            names = tuple(sorted(n for n in info.names if n and n != info.label))
            actors.append(Actor(key, info.label, info.kind, names, info.described))
        places = tuple(Place(k, v) for k, v in sorted(self.dm.places.items())
                       if any(m.location == k for m in meetings))
        return Extraction(self.document, tuple(actors), places, tuple(roles), meetings, tuple(statements), ceasefires,
                          tuple(self.warnings))


# ---- small functions ------------------------------------------------------------------------------
def _status_words(lex: Lexicon) -> set[str]:
    return {w for ws in lex.ceasefires["status_cues"].values() for w in ws if " " not in w}


def _subject(verb: Token) -> Token | None:
    """The subject of a verb, inherited through xcomp/conj chains ("is scheduled to arrive")."""
    t = verb
    noise = verb.doc.user_data.get("kg_noise", ())
    for _ in range(4):
        for c in t.children:
            if c.dep_ in {"nsubj", "nsubjpass"} and c.i not in noise and \
                    not (c.dep_ == "nsubjpass" and t.i == verb.i and verb.lemma_ in {"say"}):
                if c.lower_ in {"who", "which", "that"} and t.dep_ == "relcl":
                    return t.head  # "Kishida, who arrived in Kyiv": Kishida arrived
                return c
        if t.dep_ in {"xcomp", "conj", "advcl", "acomp"} and t.head.i != t.i:
            t = t.head
            continue
        if t.dep_ == "pcomp" and t.head.dep_ == "prep" and t.head.head.i != t.head.i:
            t = t.head.head  # "after visiting the Arctic": the subject of the clause it modifies
            continue
        break
    return None


def _governing_verb(token: Token) -> Token | None:
    t = token
    for _ in range(4):
        if t.head.i == t.i:
            return t if t.pos_ in {"VERB", "AUX"} else None
        t = t.head
        if t.pos_ in {"VERB", "AUX"}:
            return t
    return None


def _quote_spans(sent: SpacySpan, text: str) -> list[tuple[int, int]]:
    """Char ranges of quoted passages in a sentence (the quotes included)."""
    spans = []
    i = sent.start_char
    open_at = None
    while i < sent.end_char:
        ch = text[i]
        if ch in QUOTES:
            if open_at is None and ch != "”":
                open_at = i
            elif open_at is not None and ch != "“":
                if i - open_at > 2:
                    spans.append((open_at, i + 1))
                open_at = None
        i += 1
    return spans


def _strip_quote(text: str) -> str:
    text = text.strip()
    text = text.strip(QUOTES + " ")
    return re.sub(r"[,]\s*$", "", text).strip()


DENIALS = {"refuse", "decline", "deny", "reject", "rule", "fail", "dismiss", "rebuff", "avoid", "boycott"}
CONDITIONS = {"if", "unless", "whether"}


def _chain(token: Token, hops: int = 5) -> list[Token]:
    """The trigger and the words that govern it, up to the first reporting clause."""
    out = [token]
    t = token
    while t.head.i != t.i and len(out) <= hops:
        if t.dep_ == "ccomp" and t.head.lemma_.lower() not in DENIALS:
            break  # "X said Y met Z": the meeting is reported, not governed by "said"
        t = t.head
        out.append(t)
    return out


def _negated(token: Token) -> bool:
    """'did not meet', 'refused to meet', 'no plans to visit', 'No ceasefire has been agreed',
    'denied that ... had met'."""
    for t in _chain(token):
        if any(c.dep_ == "neg" for c in t.children) or any(c.dep_ == "det" and c.lower_ == "no" for c in t.children):
            return True
        if t.i != token.i and t.lemma_.lower() in DENIALS and (t.dep_ != "amod"):
            return True
    return False


def _hypothetical(token: Token) -> bool:
    """'If Israel agrees to a ceasefire ...', 'unless he arranged a ceasefire'."""
    return any(c.dep_ == "mark" and c.lower_ in CONDITIONS for t in _chain(token) for c in t.children)


def _cease_fire(token: Token, sent: SpacySpan) -> Token | None:
    """'cease-fire' split by the tokenizer: the 'fire' token heads the phrase."""
    doc = token.doc
    nxt = [doc[i] for i in range(token.i + 1, min(token.i + 3, sent.end))]
    words = [t.lower_ for t in nxt]
    if words[:1] == ["fire"]:
        return nxt[0]
    if words[:2] == ["-", "fire"]:
        return nxt[1]
    return None


def _meeting_kind(mt: dict, noun: Token) -> str | None:
    nouns = mt["nouns"]
    return nouns.get(noun.lower_) or nouns.get(noun.lemma_.lower())


def _same_meeting(a: _Event, b: _Event) -> bool:
    if meeting_group(a.kind) != meeting_group(b.kind):
        return False
    if set(a.participants) != set(b.participants) and not (
            len(set(a.participants) & set(b.participants)) >= 2):
        if not (set(b.participants) <= set(a.participants) or set(a.participants) <= set(b.participants)):
            return False
        if meeting_group(a.kind) == "talk":
            return False
    if a.location and b.location and a.location != b.location:
        return False
    if a.status and b.status and a.status != b.status:
        return False
    if a.date and b.date and a.date.value and b.date.value and a.date.value != b.date.value:
        return False
    return True


def _absorb(ev: _Event, mode=None, location=None, evidence=None, trigger=None, date=None, status=None,
            participants=None) -> None:
    if mode and (ev.mode is None or (ev.mode == "in person" and mode in {"phone", "video"})):
        ev.mode = mode
    ev.location = ev.location or location
    ev.date = ev.date if ev.date and ev.date.value else (date or ev.date)
    ev.status = ev.status or status
    if participants:
        ev.participants = unique(ev.participants + list(participants))
    if evidence is not None and evidence not in ev.evidence:
        ev.evidence.append(evidence)
    if trigger is not None:
        ev.triggers.append(trigger)
