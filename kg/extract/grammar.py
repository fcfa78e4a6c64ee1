"""Questions about the parse tree that every reader asks: who is the subject, which verb
governs a word, is it negated or conditional, planned or done, where are the quotes.

No domain words here: the words these questions depend on come from the lexicon's
``grammar`` section (``kg/nlp/data/grammar.yaml``) and are passed in.
"""
from __future__ import annotations

import re
from collections.abc import Collection

from spacy.tokens import Span, Token

QUOTES = "\"“”„«»"
FUTURE_AUX = {"will", "would", "shall", "'ll", "wo"}
DENIALS = {"refuse", "decline", "deny", "reject", "rule", "fail", "dismiss", "rebuff", "avoid", "boycott"}
CONDITIONS = {"if", "unless", "whether"}


def subject(verb: Token, noise: Collection[int] = ()) -> Token | None:
    """The subject of a verb, inherited through xcomp/conj chains ("is scheduled to arrive")."""
    t = verb
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


def chain(token: Token, hops: int = 5) -> list[Token]:
    """The word and the words that govern it, up to the first reporting clause."""
    out = [token]
    t = token
    while t.head.i != t.i and len(out) <= hops:
        if t.dep_ == "ccomp" and t.head.lemma_.lower() not in DENIALS:
            break  # "X said Y met Z": the meeting is reported, not governed by "said"
        t = t.head
        out.append(t)
    return out


def negated(token: Token) -> bool:
    """'did not meet', 'refused to meet', 'no plans to visit', 'No ceasefire has been agreed',
    'denied that ... had met'."""
    for t in chain(token):
        if any(c.dep_ == "neg" for c in t.children) or any(c.dep_ == "det" and c.lower_ == "no" for c in t.children):
            return True
        if t.i != token.i and t.lemma_.lower() in DENIALS and (t.dep_ != "amod"):
            return True
    return False


def hypothetical(token: Token) -> bool:
    """'If Israel agrees to a ceasefire ...', 'unless he arranged a ceasefire'."""
    return any(c.dep_ == "mark" and c.lower_ in CONDITIONS for t in chain(token) for c in t.children)


def introduces_speech(verb: Token, particles: Collection[str]) -> bool:
    """A verb of several senses used as speech: with one of ``particles`` ("called for a truce",
    "called on both sides to ...", not "called ... on Thursday"), or with an object and a
    predicate or clause ("called it a disgrace"); never with "off" ("called off the trip")."""
    kids = list(verb.children)
    if any(c.dep_ == "prt" and c.lower_ == "off" for c in kids):
        return False
    for c in kids:
        if c.dep_ in {"prep", "prt"} and c.lower_ in particles and \
                not any(p.ent_type_ in {"DATE", "TIME"} for p in c.children):
            return True
    return any(c.dep_ in {"oprd", "ccomp", "xcomp"} for c in kids) and any(c.dep_ == "dobj" for c in kids)


def future(token: Token) -> bool:
    """The word has a future auxiliary ("will be monitored")."""
    return any(c.dep_ in {"aux", "auxpass"} and c.lower_ in FUTURE_AUX for c in token.children)


def event_status(verb: Token, planned: Collection[str], cancelled: Collection[str],
                 motion: Collection[str]) -> str | None:
    """'planned', 'occurred' or 'cancelled', from the verbs that govern an event's word and its
    tense. ``planned`` and ``cancelled`` are the lemmas that make an event planned or called off,
    ``motion`` the verbs of travel whose present tense in a headline is on the way, not done."""
    cancelled_words = {c for c in cancelled if " " not in c}
    t = verb
    verbs = [t]
    while t.dep_ in {"xcomp", "ccomp", "advcl", "conj", "acomp"} and t.head.i != t.i and len(verbs) < 4:
        t = t.head
        verbs.append(t)
    for v in verbs:
        lemma = v.lemma_.lower()
        if lemma in cancelled_words or (lemma == "call" and any(c.lower_ == "off" for c in v.children)):
            return "cancelled"
    for v in verbs:
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
    if any(a.lower_ in {"willing", "ready", "going"} for a in verbs):
        return "planned"
    tag = verb.tag_
    if tag == "VBG" and verb.dep_ == "pcomp" and verb.head.lower_ in {"before", "after", "while", "since"}:
        main = verb.head.head
        if main.i != verb.i and main.pos_ in {"VERB", "AUX"}:
            if verb.head.lower_ == "after":
                return "occurred"
            if main.lemma_.lower() in planned:
                return "planned"  # "Before leaving for Beijing, Bush scheduled to ..."
            return event_status(main, planned, cancelled, motion)
    if tag in {"VBD", "VBN"}:
        return "occurred"
    if tag == "VBG" and any(c.dep_ == "mark" or c.lower_ in {"after", "since"} for c in [*verb.children, verb.head]):
        return "occurred"
    if tag == "VBG" and verb.head.tag_ == "VBD":
        return "occurred"
    if tag in {"VBZ", "VBP"}:
        # headline present: "Blinken heads to Israel" (on the way), "X meets Y" (done)
        if verb.lemma_.lower() in motion:
            return "planned"
        return "occurred"
    if tag == "VB" and any(c.dep_ == "aux" and c.lower_ == "to" for c in verb.children):
        return "planned"  # "X to visit Y", "hopes to meet": an infinitive is not yet done
    return None


def quote_spans(sent: Span, text: str) -> list[tuple[int, int]]:
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


def strip_quote(text: str) -> str:
    """The words of a quote, without its quotation marks and a trailing comma."""
    text = text.strip()
    text = text.strip(QUOTES + " ")
    return re.sub(r"[,]\s*$", "", text).strip()
