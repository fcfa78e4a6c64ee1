"""Who speaks a passage: the first person of a text that is someone's own words.

- a transcript's speaker labels ("THE PRESIDENT: ...", "Q ..."): each labelled turn is the
  labelled speaker's words, until the next label (a reporter's turns are no one's);
- "X said:" closing a line: the paragraphs after it are X's words, until the next speaker;
- an institution speaking in the present tense ("The UK welcomes ...", "The United States and
  Russia welcome ..."): its "we" and "our" after that are the institution.

A voice tells the pronoun finder who "I" and "we" are, and the statements reader that every
claim of a turn is its speaker's statement.
"""
from __future__ import annotations

import re

from kg.extract.mentions.table import Mention, MentionBuilder, Voice, surface
from kg.nlp.lexicon import norm

# "THE PRESIDENT:", "SECRETARY BLINKEN:", "MR. KIRBY:", "Q" at the start of a line
_LABEL = re.compile(r"^[ \t]*((?:[A-Z][A-Z.'’-]*)(?:[ \t]+[A-Z][A-Z.'’-]*){0,4})(?::[ \t]|[ \t]+(?=[A-Z“\"]))", re.M)


def find_voices(dm: MentionBuilder) -> None:
    _speaker_labels(dm)
    _said_colon(dm)
    _institution_voices(dm)
    dm.voices.sort(key=lambda v: (v.begin, v.end))


def voice_at(voices: list[Voice], char: int, whole: bool | None = None) -> Voice | None:
    """The innermost voice speaking at ``char`` (of the kind asked for)."""
    found = [v for v in voices if v.begin <= char < v.end and (whole is None or v.whole == whole)]
    return max(found, key=lambda v: v.begin) if found else None


def _speaker_labels(dm: MentionBuilder) -> None:
    text = dm.ctx.text
    words = dm.lex.actors
    labels = []
    for m in _LABEL.finditer(text):
        label = m.group(1).strip()
        low = label.lower()
        colon = text[m.end(1):m.end()].strip().startswith(":")
        if low in words.reporter_labels or (colon and any(ch.isalpha() for ch in label) and len(label) > 1):
            labels.append((m.start(1), m.end(1), m.end(), label))
    if len([x for x in labels if x[3].lower() not in words.reporter_labels]) < 2 and \
            not (labels and any(x[3].lower() in words.reporter_labels for x in labels)):
        return  # one capitalised "NOTE:" is no transcript
    for n, (begin, end, body, label) in enumerate(labels):
        stop = labels[n + 1][0] if n + 1 < len(labels) else len(text)
        if label.lower() in words.reporter_labels:
            dm.voices.append(Voice(body, stop, None, True, "voice.reporter_label"))
            continue
        tokens = [t for t in dm.doc if begin <= t.idx < end]
        if not tokens:
            continue
        name = re.sub(r"^(?:the|THE)\s+", "", label).title()
        key = "person:" + norm(name)
        span = dm.doc[tokens[0].i:tokens[-1].i + 1]
        for i in range(span.start, span.end):  # the label is one mention, whatever the recogniser made of it
            old = dm.by_token.get(i)
            if old is not None and old in dm.mentions:
                dm.remove(old)
        dm.add(Mention(span.start, span.end, key, "Person", surface(span)))
        dm.actor(key, "Person", name, surface(span), described=True, named=False)
        dm.voices.append(Voice(body, stop, key, True, "voice.speaker_label"))


def _said_colon(dm: MentionBuilder) -> None:
    """'Foreign Secretary David Lammy said:' at the end of a line: what follows is his."""
    text = dm.ctx.text
    speech = dm.lex.speech.reporting_verbs
    for sent in dm.ctx.sentences():
        end = sent.end_char
        while end > sent.start_char and text[end - 1].isspace():
            end -= 1
        if end == sent.start_char or text[end - 1] != ":" or "\n" not in text[end:end + 3]:
            continue
        root = sent.root
        if root.lemma_.lower() not in speech:
            continue
        subj = dm.ctx.grammar.subject(root)
        m = dm.by_token.get(subj.i) if subj is not None else None
        if m is None or not m.key or m.kind == "Place":
            continue
        begin = end + 1
        later = [v.begin for v in dm.voices if v.begin > begin]
        dm.voices.append(Voice(begin, min([len(text), *later]), m.key, True, "voice.said_colon"))


def _institution_voices(dm: MentionBuilder) -> None:
    """'The UK welcomes ...': a state or organisation speaking in the present tense is the 'we'
    of what follows (until another voice)."""
    speech = dm.lex.speech
    verbs = speech.reporting_verbs | speech.readout_verbs
    text = dm.ctx.text
    for sent in dm.ctx.sentences():
        if voice_at(dm.voices, sent.start_char) is not None:
            continue
        for token in sent:
            if token.tag_ not in {"VBZ", "VBP"} or token.lemma_.lower() not in verbs or token.dep_ != "ROOT":
                continue
            subj = dm.ctx.grammar.subject(token)
            m = dm.by_token.get(subj.i) if subj is not None else None
            if m is None or not m.key or m.kind not in {"Country", "Organization"} or m.adjective:
                continue
            later = [v.begin for v in dm.voices if v.begin > sent.start_char]
            dm.voices.append(Voice(sent.start_char, min([len(text), *later]), m.key, False, "voice.institution"))
            return
