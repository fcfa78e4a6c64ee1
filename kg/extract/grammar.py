"""Questions about the parse tree that every reader asks: who is the subject, which verb
governs a word, is it negated or conditional, planned or done, where are the quotes.

No domain words here: the function words these questions depend on are the lexicon's
``grammar`` section (``kg/nlp/data/grammar.yaml``); word lists a reader owns are passed in.
"""
from __future__ import annotations

import re
from collections.abc import Collection

from spacy.tokens import Span, Token

from kg.models import MeetingStatus
from kg.nlp.lexicon import GrammarWords

# Dependency labels of the clauses an event's status is inherited through.
_STATUS_CHAIN = {"xcomp", "ccomp", "advcl", "conj", "acomp"}


class Grammar:
    """The parse-tree questions, with the function words of ``words`` and the tokens of page
    noise (a dateline parsed as a subject is no subject)."""

    def __init__(self, words: GrammarWords, noise: Collection[int] = ()):
        self.words, self.noise = words, noise

    def subject(self, verb: Token) -> Token | None:
        """The subject of a verb, inherited through xcomp/conj chains ("is scheduled to arrive")."""
        w = self.words
        t = verb
        for _ in range(4):
            for c in t.children:
                if c.dep_ in {"nsubj", "nsubjpass"} and c.i not in self.noise and \
                        not (c.dep_ == "nsubjpass" and t.i == verb.i and verb.lemma_ in w.passive_speech_verbs):
                    if c.lower_ in w.relative_pronouns and t.dep_ == "relcl":
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

    def dateline_subject(self, verb: Token) -> Token | None:
        """'OSLO (Reuters) - President A spoke ...': the parser makes the dateline the subject and
        the real one its apposition; the apposition after the dateline (None when there is none)."""
        t = verb
        for _ in range(4):
            for c in t.children:
                if c.dep_ in {"nsubj", "nsubjpass"} and c.i in self.noise:
                    return next((a for a in c.children if a.dep_ == "appos" and a.i not in self.noise), None)
            if t.dep_ in {"xcomp", "conj", "advcl"} and t.head.i != t.i:
                t = t.head
                continue
            break
        return None

    def chain(self, token: Token, hops: int = 5) -> list[Token]:
        """The word and the words that govern it, up to the first reporting clause."""
        out = [token]
        t = token
        while t.head.i != t.i and len(out) <= hops:
            if t.dep_ == "ccomp" and t.head.lemma_.lower() not in self.words.denials:
                break  # "X said Y met Z": the meeting is reported, not governed by "said"
            t = t.head
            out.append(t)
        return out

    def negated(self, token: Token) -> bool:
        """'did not meet', 'refused to meet', 'no plans to visit', 'No ceasefire has been agreed',
        'denied that ... had met'."""
        w = self.words
        for t in self.chain(token):
            if any(c.dep_ == "neg" or (c.dep_ == "det" and c.lower_ in w.negative_determiners) for c in t.children):
                return True
            if t.i != token.i and t.lemma_.lower() in w.denials and t.dep_ != "amod":
                return True
        return False

    def hypothetical(self, token: Token) -> bool:
        """'If Israel agrees to a ceasefire ...', 'unless he arranged a ceasefire'."""
        return any(c.dep_ == "mark" and c.lower_ in self.words.conditions for t in self.chain(token) for c in t.children)

    def future(self, token: Token) -> bool:
        """The word has a future auxiliary ("will be monitored")."""
        return any(c.dep_ in {"aux", "auxpass"} and c.lower_ in self.words.future_aux for c in token.children)

    def infinitive(self, verb: Token) -> bool:
        """'to meet': the verb has an infinitive marker."""
        return any(c.dep_ == "aux" and c.lower_ in self.words.infinitive_markers for c in verb.children)

    def phrasal(self, verb: Token, phrases: Collection[str]) -> bool:
        """The verb, or the verb with one of its particles or prepositions, is one of ``phrases``
        ("cancel", "call off")."""
        lemma = verb.lemma_.lower()
        return lemma in phrases or any(f"{lemma} {c.lower_}" in phrases for c in verb.children)

    def status(self, verb: Token, motion: Collection[str]) -> MeetingStatus | None:
        """'planned', 'occurred' or 'cancelled', from the verbs that govern an event's word and its
        tense; ``motion`` are the verbs of travel whose present tense in a headline is on the way,
        not done ("Blinken heads to Israel")."""
        w = self.words
        t = verb
        verbs = [t]
        while t.dep_ in _STATUS_CHAIN and t.head.i != t.i and len(verbs) < 4:
            t = t.head
            verbs.append(t)
        if any(self.phrasal(v, w.cancelled_verbs) for v in verbs):
            return "cancelled"
        for v in verbs:
            if any(c.lower_ in w.future_aux for c in v.children if c.dep_ == "aux"):
                return "planned"
            if v.i != verb.i and (v.lemma_.lower() in w.planned_verbs):
                return "planned"
            if any(c.lemma_.lower() in w.planned_aux and c.dep_ in {"auxpass", "aux"} for c in v.children):
                return "planned"
        # "is scheduled to arrive": the verb's own head is a planned-verb participle
        if verb.dep_ == "xcomp" and verb.head.lemma_.lower() in w.planned_verbs:
            return "planned"
        if any(a.lower_ in w.readiness for a in verbs):
            return "planned"
        tag = verb.tag_
        if tag == "VBG" and verb.dep_ == "pcomp" and verb.head.lower_ in w.time_preps:
            main = verb.head.head
            if main.i != verb.i and main.pos_ in {"VERB", "AUX"}:
                if verb.head.lower_ in w.completed_preps:
                    return "occurred"
                if main.lemma_.lower() in w.planned_verbs:
                    return "planned"  # "Before leaving for Beijing, Bush scheduled to ..."
                return self.status(main, motion)
        if tag in {"VBD", "VBN"}:
            return "occurred"
        if tag == "VBG" and any(c.dep_ == "mark" or c.lower_ in w.past_preps for c in [*verb.children, verb.head]):
            return "occurred"
        if tag == "VBG" and verb.head.tag_ == "VBD":
            return "occurred"
        if tag in {"VBZ", "VBP"}:
            # headline present: "Blinken heads to Israel" (on the way), "X meets Y" (done)
            return "planned" if verb.lemma_.lower() in motion else "occurred"
        if tag == "VB" and self.infinitive(verb):
            return "planned"  # "X to visit Y", "hopes to meet": an infinitive is not yet done
        return None

    def introduces_speech(self, verb: Token, particles: Collection[str], not_speech: Collection[str]) -> bool:
        """A verb of several senses used as speech: with one of ``particles`` ("called for a
        truce", "called on both sides to ...", not "called ... on Thursday"), or with an object and
        a predicate or clause ("called it a disgrace"); never with a particle of ``not_speech``."""
        kids = list(verb.children)
        if any(c.dep_ == "prt" and c.lower_ in not_speech for c in kids):
            return False
        for c in kids:
            if c.dep_ in {"prep", "prt"} and c.lower_ in particles and \
                    not any(p.ent_type_ in {"DATE", "TIME"} for p in c.children):
                return True
        return any(c.dep_ in {"oprd", "ccomp", "xcomp"} for c in kids) and any(c.dep_ == "dobj" for c in kids)

    def quote_spans(self, sent: Span, text: str) -> list[tuple[int, int]]:
        """Char ranges of quoted passages in a sentence (the quotes included)."""
        w = self.words
        spans = []
        open_at = None
        for i in range(sent.start_char, sent.end_char):
            ch = text[i]
            if ch in w.quotes:
                if open_at is None and ch not in w.closing_quotes:
                    open_at = i
                elif open_at is not None and ch not in w.opening_quotes:
                    if i - open_at > 2:
                        spans.append((open_at, i + 1))
                    open_at = None
        return spans

    def strip_quote(self, text: str) -> str:
        """The words of a quote, without its quotation marks and a trailing comma."""
        text = text.strip()
        text = text.strip(self.words.quotes + " ")
        return re.sub(r"[,]\s*$", "", text).strip()


def governing_verb(token: Token) -> Token | None:
    """The nearest verb above a word (at most four steps up), or the word itself when it is a root verb."""
    t = token
    for _ in range(4):
        if t.head.i == t.i:
            return t if t.pos_ in {"VERB", "AUX"} else None
        t = t.head
        if t.pos_ in {"VERB", "AUX"}:
            return t
    return None
