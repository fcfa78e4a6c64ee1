"""The accusations reader: who violated a ceasefire, by whose account.

Triggers: accusing verbs ("accused", "blamed") whose act is a violation of a truce; violation
verbs whose object is a truce ("violated the ceasefire", "the truce was broken by X"); mutual
accusations ("traded accusations of violating the truce", "accused each other of ...").
Arguments: the accused (the object of the accusing verb, the subject or by-agent of the
violation), the accuser (the subject of the accusing verb, the speaker a violation is reported
by: "Y violated the truce, X said", "according to X"; none when the article itself reports it)
and the truce word, which links the accusation to the document's ceasefire. Date: a date of
the violation, else of the accusation. Within the document, one accusation per accuser,
accused and day; their sentences are its evidence.

Words are data (kg/nlp/data/accusations.yaml, and the truce nouns of ceasefires.yaml), argument
shapes are patterns (kg/nlp/patterns/accusations.yaml).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Span, Token

from kg.extract.context import DocContext, Found, Reading
from kg.extract.mentions import MentionTable
from kg.models import Accusation, DateRef, unique
from kg.models import Span as Evidence
from kg.nlp.lexicon import Lexicon


@dataclass
class _Charge:
    """An accusation while the document is read (later sentences of the same one join it)."""

    accuser: str | None
    accused: str
    date: DateRef | None
    evidence: list[Evidence]
    triggers: list[int]  # char offsets of the truce words
    rules: list[str] = field(default_factory=list)


def _or_none(actors: list[str]) -> list[str | None]:
    """The actors, or one None: a violation told without a source has no accuser."""
    return list(actors) if actors else [None]


def read_accusations(ctx: DocContext, table: MentionTable, lex: Lexicon) -> Reading[Accusation]:
    """Every accusation of violating a ceasefire in the document, one per accuser, accused and day."""
    reader = _AccusationReader(ctx, table, lex)
    for sent in ctx.sentences():
        reader.read(sent)
    return reader.finish()


class _AccusationReader:
    def __init__(self, ctx: DocContext, table: MentionTable, lex: Lexicon):
        self.ctx, self.table, self.g, self.args = ctx, table, ctx.grammar, ctx.args
        self.words, self.truce_words, self.reporting = lex.accusations, lex.ceasefires, lex.speech.reporting_verbs
        self.charges: list[_Charge] = []

    # ---- triggers -------------------------------------------------------------------------------
    def read(self, sent: Span) -> None:
        w = self.words
        for token in sent:
            if token.pos_ not in {"VERB", "AUX"} or not self.ctx.live(token):
                continue
            lemma = token.lemma_.lower()
            if lemma in w.accusing_verbs:
                self._accusing(sent, token)
            elif lemma in w.mutual_verbs:
                self._traded(sent, token)
            elif (lemma in w.violation_verbs or token.lower_ in w.violation_verbs) and not self._governed(token):
                self._violation(sent, token)
        for token in sent:
            if token.pos_ == "NOUN" and (token.lower_ in w.violation_nouns or token.lemma_.lower() in w.violation_nouns) \
                    and self.ctx.live(token) and not self._governed(token):
                self._violation_noun(sent, token)

    def _accusing(self, sent: Span, verb: Token) -> None:
        """'X accused Y of violating the truce', 'X accused each other of ceasefire violations'."""
        if self.g.negated(verb):
            return
        accusers = self.table.actors_at(self.g.subject(verb))
        objects = self.args.args("accusation.accused", verb)
        # "blamed the breach of the truce on X"
        for act in objects:
            truce = self._truce_of(act)
            if truce is not None:
                accused = [a for p in self.args.args("accusation.blamed_on", verb) for a in self.table.actors_at(p)]
                for who in accused:
                    for accuser in _or_none(accusers):
                        self._add(sent, accuser, who, truce, self._date(act, verb),
                                  ["accusation.verb", "accusation.accused", "accusation.blamed_on"])
        recip = self.words.reciprocal_objects
        for act in self.args.args("accusation.of_act", verb):
            truce = self._truce_of(act)
            if truce is None:
                continue
            if any(o.lower_ in recip or any(c.lower_ in recip for c in o.children) for o in objects):
                self._mutual(sent, accusers, act, truce, ["accusation.verb", "accusation.of_act", "accusation.mutual"])
                continue
            accused = [a for o in objects for a in self.table.actors_at(o)]
            rules = ["accusation.verb", "accusation.of_act", "accusation.accused"]
            for who in accused:
                for accuser in _or_none(accusers):
                    self._add(sent, accuser, who, truce, self._date(act, verb), rules)

    def _traded(self, sent: Span, verb: Token) -> None:
        """'X and Y traded accusations of violating the truce': each accuses the others."""
        for match in self.args.matches("accusation.traded", verb):
            if match["charge"].lemma_.lower() not in self.words.mutual_nouns and \
                    match["charge"].lower_ not in self.words.mutual_nouns:
                continue
            truce = self._truce_of(match["arg"])
            if truce is not None:
                self._mutual(sent, self.table.actors_at(self.g.subject(verb)), match["arg"], truce,
                             ["accusation.traded"])

    def _mutual(self, sent: Span, sides: list[str], act: Token, truce: Token, rules: list[str]) -> None:
        for accuser in sides:
            for accused in sides:
                if accused != accuser:
                    self._add(sent, accuser, accused, truce, self._date(act, act), rules)

    def _violation(self, sent: Span, verb: Token) -> None:
        """'Y violated the ceasefire (, X said)', 'the truce was broken by Y'."""
        if self.g.negated(verb) or self.g.hypothetical(verb) or self.g.future(verb):
            return
        truce = next((t for t in self.args.args("accusation.accused", verb) if self._is_truce(t)), None)
        passive = next((t for t in self.args.args("accusation.violated_passive", verb) if self._is_truce(t)), None)
        if truce is not None:
            accused, rules = self.table.actors_at(self.g.subject(verb)), ["accusation.violation", "accusation.accused"]
        elif passive is not None:
            truce = passive
            accused = [a for p in self.args.args("accusation.by", verb) for a in self.table.actors_at(p)]
            rules = ["accusation.violation", "accusation.violated_passive", "accusation.by"]
        else:
            return
        truce = self._word(truce)
        if not accused:
            return
        accusers, source_rules = self._sources(sent, verb)
        accusers = [a for a in accusers if a not in accused]
        for who in accused:
            for accuser in _or_none(accusers):
                self._add(sent, accuser, who, truce, self._date(verb, verb), rules + source_rules)

    def _violation_noun(self, sent: Span, noun: Token) -> None:
        """'X condemned ceasefire violations by Y', 'violations of the truce by Y, X said'."""
        truce = self._truce_of(noun)
        head = noun.head
        if truce is None or any(c.dep_ == "det" and c.lower_ in self.words.none_determiners for c in noun.children) \
                or self.g.negated(head):
            return  # "recorded no violations of the ceasefire"
        by = self.args.args("accusation.by", noun)
        if not by and noun.dep_ == "dobj" and head.pos_ == "VERB" and self.g.subject(head) is not None:
            by = self.args.args("accusation.by", head)  # "reported violations of the truce by Y"
        accused = [a for p in by for a in self.table.actors_at(p)]
        if not accused:
            return
        accusers, rules = [], []
        if head.pos_ == "VERB" and head.lemma_.lower() in self.reporting and not self.g.negated(head):
            accusers, rules = self.table.actors_at(self.g.subject(head)), ["accusation.reported_noun"]
        if not accusers:
            accusers, rules = self._sources(sent, head if head.pos_ == "VERB" else noun)
        accusers = [a for a in accusers if a not in accused]
        for who in accused:
            for accuser in _or_none(accusers):
                self._add(sent, accuser, who, truce, self._date(noun, head),
                          ["accusation.violation_noun", "accusation.by", *rules])

    # ---- arguments ------------------------------------------------------------------------------
    def _governed(self, verb: Token) -> bool:
        """A violation named by an accusation or a denial ('accused X of violating', 'denied
        violating'): read from the governing verb, or not at all."""
        w = self.words
        t, hops = verb, 0
        while t.i != t.head.i and hops < 3:
            t, hops = t.head, hops + 1
            lemma = t.lemma_.lower()
            if lemma in w.accusing_verbs or lemma in w.denial_verbs or t.lower_ in w.mutual_nouns:
                return True
            if t.pos_ == "VERB" and lemma not in w.mutual_verbs:
                return False
        return False

    def _is_truce(self, token: Token) -> bool:
        """A truce word: 'ceasefire', 'truce', 'cease-fire' split by the tokenizer, 'the ceasefire deal'."""
        w = self.truce_words
        if token.lower_ in w.nouns or token.lemma_.lower() in w.nouns:
            return True
        doc = token.doc
        if token.i >= 1 and token.lower_ in w.split_nouns.values():
            before = doc[token.i - 1] if doc[token.i - 1].text != "-" or token.i < 2 else doc[token.i - 2]
            if w.split_nouns.get(before.lower_) == token.lower_:
                return True
        return any(c.dep_ == "compound" and (c.lower_ in w.nouns or c.lemma_.lower() in w.nouns)
                   for c in token.children) and token.lower_ in w.following_heads

    def _word(self, token: Token) -> Token:
        """The truce noun itself of 'the ceasefire deal' (the word the ceasefires reader triggers on)."""
        w = self.truce_words
        return next((c for c in token.children if c.dep_ == "compound" and
                     (c.lower_ in w.nouns or c.lemma_.lower() in w.nouns)), token)

    def _truce_of(self, act: Token) -> Token | None:
        """The truce word of a violation: 'violating the truce', 'violations of the truce', 'ceasefire violations'."""
        w = self.words
        verb = act.pos_ in {"VERB", "AUX"}
        if verb and (act.lemma_.lower() in w.violation_verbs or act.lower_ in w.violation_verbs):
            found = [t for t in self.args.args("accusation.accused", act) if self._is_truce(t)]
            found += [t for t in self.args.args("accusation.violated_passive", act) if self._is_truce(t)]
            return self._word(found[0]) if found else None
        if not verb and (act.lemma_.lower() in w.violation_nouns or act.lower_ in w.violation_nouns):
            found = [t for t in self.args.args("accusation.truce_of", act) if self._is_truce(t)]
            found += [t for t in self.args.args("accusation.truce_compound", act) if self._is_truce(t)]
            return self._word(found[0]) if found else None
        return None

    def _sources(self, sent: Span, verb: Token) -> tuple[list[str], list[str]]:
        """By whose account a violation is told: the speaker of a verb of speech that reports it
        ('..., X said', 'X said that ...'), or 'according to X'."""
        for speech in self.args.args("accusation.speech_verb", verb):
            if speech.lemma_.lower() in self.reporting:
                found = self.table.actors_at(self.g.subject(speech))
                if found:
                    return found, ["accusation.speech_verb"]
        for token in sent:
            for source in self.args.args("statement.according_to", token):
                found = self.table.actors_at(source)
                if found:
                    return found, ["statement.according_to"]
        return [], []

    def _date(self, act: Token, verb: Token) -> DateRef | None:
        return self.ctx.date_of(act, False) or (self.ctx.date_of(verb, False) if verb.i != act.i else None)

    # ---- within the document --------------------------------------------------------------------
    def _add(self, sent: Span, accuser: str | None, accused: str, truce: Token, date: DateRef | None,
             rules: list[str]) -> None:
        span = self.ctx.evidence(sent)
        day = date.value if date else None
        for c in self.charges:
            same_day = c.date is None or date is None or c.date.value is None or day is None or c.date.value == day
            if c.accused == accused and same_day and (c.accuser == accuser or accuser is None or c.accuser is None):
                c.accuser = c.accuser or accuser  # a violation told without a source, then with one
                c.date = c.date or date
                if span not in c.evidence:
                    c.evidence.append(span)
                c.triggers.append(truce.idx)
                c.rules = unique(c.rules + rules)
                return
        self.charges.append(_Charge(accuser, accused, date, [span], [truce.idx], unique(rules)))

    def finish(self) -> Reading[Accusation]:
        found = tuple(Found(Accusation(c.accuser, c.accused, None, c.date, tuple(c.evidence), tuple(c.rules)),
                            tuple(c.triggers)) for c in self.charges)
        used = frozenset(a for c in self.charges for a in (c.accuser, c.accused) if a)
        return Reading(found, used)
