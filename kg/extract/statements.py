"""The statements reader: who said what.

Triggers: reporting verbs ("said", "told", "warned"), "according to X", and a quote that goes
on from the previous one. Arguments: the speaker (the verb's subject, or X) and what was said
(the quote, the reported clause, or the rest of the sentence). Date: a DATE attached to the
verb. A joint statement is each signatory's statement.
"""
from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Span, Token

from kg.extract.context import DocContext, Found, Reading
from kg.extract.mentions import MentionTable
from kg.extract.mentions.voices import voice_at
from kg.models import Span as Evidence
from kg.models import Statement, unique
from kg.nlp.lexicon import Lexicon

Quotes = list[tuple[int, int]]


@dataclass(frozen=True)
class _Said:
    """What was said: its words, their [begin, end) in the text, and whether they are a direct quote."""

    text: str
    begin: int
    end: int
    quote: bool
    rule: str


def read_statements(ctx: DocContext, table: MentionTable, lex: Lexicon) -> Reading[Statement]:
    """Every statement of the document, in text order."""
    reader = _StatementReader(ctx, table, lex)
    for sent in ctx.sentences():
        reader.read(sent)
    return Reading(tuple(reader.found), frozenset(reader.actors))


class _StatementReader:
    def __init__(self, ctx: DocContext, table: MentionTable, lex: Lexicon):
        self.ctx, self.table, self.words, self.g = ctx, table, lex.speech, ctx.grammar
        # "agreed on a truce", "agreed on talks": an agreement on an event is that event, not speech
        self.event_nouns = frozenset(lex.ceasefires.nouns) | frozenset(lex.meetings.nouns)
        self.found: list[Found[Statement]] = []
        self.actors: set[str] = set()
        self.pronouns = lex.actors.singular_pronouns - lex.actors.object_pronouns
        self.joined: set[int] = set()  # sentences read as the end of the one before
        self.documents = lex.actors.document_nouns

    # ---- triggers -------------------------------------------------------------------------------
    def read(self, sent: Span) -> None:
        quotes = self.g.quote_spans(sent, self.ctx.text)
        if self._continued_quote(sent, quotes):
            return
        before = len(self.found)
        self._read_verbs(sent, quotes)
        self._voiced(sent, before)

    def _voiced(self, sent: Span, before: int) -> None:
        """A claim in a transcript's turn or after "X said:" is the speaker's statement (unless a
        verb of the sentence already gave it to them); questions and short phrases are not."""
        voice = voice_at(self.table.voices, sent.end_char - 1, whole=True)
        if sent.start in self.joined or voice is None or voice.key is None or \
                any(f.record.speaker == voice.key for f in self.found[before:]) or sent.text[:1].islower():
            return  # said by a verb of the sentence already, or the tail of a sentence cut in two
        text = self.ctx.text
        begin = max(sent.start_char, voice.begin)
        end = sent.end_char
        while end > begin and text[end - 1].isspace():
            end -= 1
        while begin < end and text[begin].isspace():
            begin += 1
        body = text[begin:end]
        toks = [t for t in sent if t.idx >= begin]
        if not body or body.rstrip(self.g.words.quotes)[-1:] == "?" or \
                len([t for t in toks if t.is_alpha]) < self.words.voiced_min_words or \
                not any(t.pos_ in {"VERB", "AUX"} for t in toks):
            return
        subjects = [c for c in toks if c.dep_ in {"nsubj", "nsubjpass", "expl", "csubj"}]
        if not subjects or any(c.lower_ in self.words.addressee_pronouns and c.head.i == sent.root.i
                               or c.head.dep_ == "advcl" for c in subjects if c.lower_ in self.words.addressee_pronouns):
            return  # "And sorry to keep you waiting.", "you shouldn't be reporting": no claim
        evidence = self.ctx.evidence(sent)
        n = self.ctx.sent_index[sent.start] + 1
        if n < len(self.ctx.sents) and self.ctx.sents[n].text[:1].islower() and \
                self.ctx.sents[n].start not in self.ctx.skip and "\n" not in text[end:self.ctx.sents[n].start_char]:
            # "... I see you" + "and I hear you.": a sentence the splitter cut in two is one claim
            nxt = self.ctx.sents[n]
            end = nxt.end_char
            while end > begin and text[end - 1].isspace():
                end -= 1
            body = text[begin:end]
            self.joined.add(nxt.start)
            evidence = Evidence(evidence.doc_id, evidence.begin, end, text[evidence.begin:end])
        said = _Said(self.g.strip_quote(body), begin, end, False, "statement." + voice.rule)
        self._add(Statement(voice.key, said.text, False, (), self.ctx.date_of(sent.root, future=False),
                            (evidence,), (said.rule,)), said)

    def _read_verbs(self, sent: Span, quotes: Quotes) -> None:
        w = self.words
        for token in sent:
            source = self.ctx.args.args("statement.according_to", token)
            if source:
                self._according(sent, token, source[0], quotes)
                continue
            lemma = token.lemma_.lower()
            if token.pos_ not in {"VERB", "AUX"} or lemma not in w.reporting_verbs and lemma not in w.readout_verbs:
                continue
            if lemma in w.readout_verbs and lemma not in w.reporting_verbs and self._readout_elsewhere(token):
                continue
            needs_obj = w.object_required
            if lemma in needs_obj:
                objs = [c for c in token.children if c.dep_ in {"dobj", "attr"}]
                if not objs or (needs_obj[lemma] and objs[0].lemma_.lower() not in needs_obj[lemma]
                                and objs[0].lower_ not in needs_obj[lemma]):
                    continue
            if lemma in w.particle_required and \
                    not self.g.introduces_speech(token, w.particle_required[lemma], w.particles_not_speech):
                continue
            if lemma in w.clause_or_particle and not any(
                    c.dep_ in {"ccomp", "xcomp"} or c.dep_ == "prep" and c.lower_ in w.clause_or_particle[lemma]
                    and not any(o.dep_ == "pobj" and o.lemma_.lower() in self.event_nouns for o in c.children)
                    for c in token.children):
                continue  # "agreed to a ceasefire": an act, not speech
            if lemma in w.clause_only and not any(c.dep_ == "ccomp" for c in token.children) and \
                    not any(q[0] <= token.idx + 200 and abs(q[1] - token.idx) < 200 for q in quotes) and \
                    not (token.dep_ in {"advcl", "parataxis", "ccomp"} and self._attributed(token)):
                continue  # "responded with force", "recalled its ambassador": no speech
            if token.dep_ == "amod" or token.tag_ == "VBN" and token.dep_ in {"acl"}:
                continue
            if any(q[0] < token.idx < q[1] for q in quotes) and any(
                    t.lemma_.lower() in w.reporting_verbs and t.pos_ == "VERB" and not any(q[0] <= t.idx < q[1] for q in quotes)
                    for t in sent):
                continue  # '"... what they say they want," he said': words of the quote, not speech of its own
            speaker = self._speaker(token)
            if speaker is None:
                continue
            said = self._content(sent, token, quotes)
            if said is None:
                continue
            subj = self._subject(token)
            speakers = [speaker] if subj is not None and subj.lower_ in self.pronouns else \
                unique([speaker, *self.table.actors_at(subj)])
            for who in speakers:  # a joint statement is each signatory's statement
                self._add(Statement(who, said.text, said.quote, (), self.ctx.date_of(token, future=False),
                                    (self.ctx.evidence(sent),), (f"statement.verb.{lemma}", said.rule)), said)

    def _readout_elsewhere(self, verb: Token) -> bool:
        """A readout verb inside what another verb reports ("Price said the Secretary welcomed ..."),
        or with a conversation partner ("spoke with X about Y"): not a statement of its own."""
        w = self.words
        if any(c.dep_ == "prep" and c.lower_ in w.conversation_preps and
               any(p.dep_ == "pobj" and self.table.actor_at(p) for p in c.children) for c in verb.children):
            return True
        head = verb
        while head.dep_ in {"ccomp", "xcomp", "conj", "advcl"} and head.head.i != head.i:
            head = head.head
            if head.lemma_.lower() in w.reporting_verbs and head.pos_ in {"VERB", "AUX"}:
                return True
        return False

    def _continued_quote(self, sent: Span, quotes: Quotes) -> bool:
        """A sentence that is only a quote, right after a quoted statement, goes on with its speaker."""
        text = self.ctx.text
        body = text[sent.start_char:sent.end_char].strip()
        marks = self.g.words.quotes
        if not quotes or not body or body[0] not in marks or body.rstrip(".")[-1] not in marks + ".!?":
            return False
        if any(t.lemma_.lower() in self.words.reporting_verbs and t.pos_ == "VERB" and self._subject(t) is not None
               and self.table.actor_at(self._subject(t)) for t in sent):
            return False  # it has an attribution of its own
        q0, q1 = quotes[0][0], quotes[-1][1]
        if q0 - sent.start_char > 2 or not self.found:
            return False
        previous = self.found[-1].record
        gap = text[previous.evidence[0].end:sent.start_char]
        if not previous.quote or gap.count("\n") > 1 or len(gap.strip()) > 0:
            return False
        said = _Said(self.g.strip_quote(text[q0:q1]), q0, q1, True, "statement.continued_quote")
        self._add(Statement(previous.speaker, said.text, True, (), previous.date, (self.ctx.evidence(sent),),
                            (said.rule,)), said)
        return True

    def _according(self, sent: Span, token: Token, source: Token, quotes: Quotes) -> None:
        """'..., according to X': X said the rest of the sentence."""
        speaker = self.table.actor_at(source)
        if speaker is None:
            return
        phrase = {t.i for t in token.subtree}
        toks = [t for t in sent if t.i not in phrase and not (t.is_punct and t.i == sent.end - 1)]
        said = self._range(toks, quotes, "statement.according_to")
        if said is not None:
            self._add(Statement(speaker, said.text, said.quote, (), self.ctx.date_of(sent.root, False),
                                (self.ctx.evidence(sent),), (said.rule,)), said)

    # ---- arguments ------------------------------------------------------------------------------
    def _current_speaker(self, verb: Token) -> str | None:
        """The person whose statement is the last one, in this sentence or the two before."""
        if not self.found:
            return None
        sents = self.ctx.sents
        n = self.ctx.sent_index[verb.i]
        since = sents[max(0, n - 2)].start_char
        last = self.found[-1].record
        info = self.table.actors.get(last.speaker)
        if last.evidence[0].end < since or info is None or info.kind != "Person":
            return None
        return last.speaker

    def _subject(self, verb: Token) -> Token | None:
        return self.g.subject(verb)

    def _attributed(self, verb: Token) -> bool:
        """'as X has detailed': the verb is marked as an attribution."""
        return any(c.lower_ in self.words.attribution_markers for c in verb.children)

    def _speaker(self, verb: Token) -> str | None:
        subj = self._subject(verb)
        doc_noun = verb.head
        for _ in range(4):  # "issued a statement (following the conference) saying ..."
            if verb.dep_ != "acl" or doc_noun.lemma_.lower() in self.documents or doc_noun.head.i == doc_noun.i:
                break
            doc_noun = doc_noun.head
        if subj is None and verb.dep_ == "acl" and doc_noun.lemma_.lower() in self.documents:
            # "Hamas issued a statement saying ...": the document's issuer, or who issued it
            issuer = self.table.actor_at(doc_noun)
            if issuer:
                return issuer
            subj = self._subject(doc_noun.head) if doc_noun.dep_ in {"dobj", "pobj"} else None
        if subj is None:
            return None
        if subj.dep_ == "nsubjpass" and subj.head.i == verb.i:
            # "the UN was denied access", "he was told": the one spoken to; the speaker is the agent
            agents = [p for c in verb.children if c.dep_ == "agent" for p in c.children if p.dep_ == "pobj"]
            return self.table.actor_at(agents[0]) if agents else None
        if subj.lower_ in self.pronouns:
            sent = self.ctx.sent_of(verb)
            resolved = self.table.actors.get(self.table.actor_at(subj) or "")
            opens = self.ctx.text[sent.start_char:sent.end_char].lstrip()[:1]
            if opens and opens in self.g.words.opening_quotes + '"' or resolved is None or resolved.kind != "Person":
                current = self._current_speaker(verb)
                if current is not None:
                    return current  # '"...," he added': the one who has been speaking
        for cand in [subj, *[c for c in subj.head.children if c.dep_ in {"nsubj"} and c.i != subj.i]]:
            key = self.table.actor_at(cand)
            if key:
                return key
        return None

    def _content(self, sent: Span, verb: Token, quotes: Quotes) -> _Said | None:
        """What was said."""
        text = self.ctx.text
        inside = [q for q in quotes if q[0] <= verb.idx < q[1]]
        outside = [q for q in quotes if not (q[0] <= verb.idx < q[1])]
        comp = [c for c in verb.children if c.dep_ in {"ccomp", "xcomp", "dobj", "oprd", "prep", "attr"}
                and not (c.dep_ == "prep" and c.lower_ not in self.words.content_preps)]
        comp = [c for c in comp if c.dep_ != "dobj" or not self.table.actor_at(c) or verb.lemma_ in self.words.object_is_content]
        if any(c.dep_ == "ccomp" for c in comp):
            comp = [c for c in comp if c.dep_ in {"ccomp", "xcomp"}]
        if outside and not inside:
            # '"...," X said.' / 'X said: "..."' / 'X called it a "..."'
            related = [q for q in outside if any(q[0] <= t.idx < q[1] for c in comp for t in c.subtree)] or \
                      ([outside[0]] if verb.dep_ in {"ROOT", "parataxis"} and self._quote_attached(verb, outside[0]) else [])
            if related:
                b, e = related[0][0], related[-1][1]
                toks = [t for c in comp for t in c.subtree if t.i != verb.i and t.i not in self.ctx.noise]
                cb = min([b, *[t.idx for t in toks]])
                ce = max([e, *[t.idx + len(t.text) for t in toks]])
                if (e - b) * 2 >= ce - cb:
                    return _Said(self.g.strip_quote(text[b:e]), b, e, True, "statement.content.quote")
                # a quoted fragment inside a reported clause ('who "welcomed" the visit'): the clause is what was said
                return _Said(self.g.strip_quote(text[cb:ce].strip(" ,")), cb, ce, False, "statement.content.clause")
        if comp:
            toks = [t for c in comp for t in c.subtree if t.i != verb.i and t.i not in self.ctx.noise]
            b = min(t.idx for t in toks)
            last = max(toks, key=lambda t: t.i)
            e = last.idx + len(last.text)
            words = text[b:e].strip(" ,")
            first = words.split(" ", 1)[0]
            if " " in words and first.lower() in self.g.words.complementizers:
                words = words[len(first) + 1:]  # "said that ...": what follows "that"
            if len(words.split()) >= 2:
                return _Said(self.g.strip_quote(words), b, e, bool(quotes and any(q[0] <= b < q[1] for q in quotes)),
                             "statement.content.clause")
        # "as X has detailed": the main clause is what was said
        if verb.dep_ == "advcl" and any(c.lower_ in self.words.attribution_markers and c.dep_ == "mark" for c in verb.children):
            main = sent.root
            toks = [t for t in main.subtree if t.i not in {x.i for x in verb.subtree}]
            return self._range(toks, quotes, "statement.content.as_said")
        # "X said, I am convinced ...": what follows the verb
        if verb.dep_ in {"ROOT"} and verb.i + 2 < sent.end:
            toks = [t for t in self.ctx.doc[verb.i + 1:sent.end] if not t.is_punct or t.i < sent.end - 1]
            if len([t for t in toks if t.is_alpha]) >= 3:
                return self._range(toks, quotes, "statement.content.after_verb")
        # '"...", he said' parsed with the quote as the root: the root clause is what was said
        if verb.dep_ in {"parataxis", "ccomp"} and verb.head.i != verb.i:
            main = verb.head
            toks = [t for t in main.subtree if t.i not in {x.i for x in verb.subtree}]
            return self._range(toks, quotes, "statement.content.main_clause")
        return None

    def _quote_attached(self, verb: Token, quote: tuple[int, int]) -> bool:
        """The quote ends right before the attribution, or starts right after it."""
        before = self.ctx.text[quote[1]:verb.idx]
        after = self.ctx.text[verb.idx + len(verb.text):quote[0]]
        return len(before) < 60 and quote[1] <= verb.idx or len(after) < 20 and quote[0] >= verb.idx

    def _range(self, toks: list[Token], quotes: Quotes, rule: str) -> _Said | None:
        toks = [t for t in toks if not (t.is_punct and t.text in ",") and t.i not in self.ctx.noise]
        if not toks:
            return None
        b = min(t.idx for t in toks)
        last = max(toks, key=lambda t: t.i)
        e = last.idx + len(last.text)
        words = self.g.strip_quote(self.ctx.text[b:e].strip(" ,"))
        if len(words.split()) < 2:
            return None
        return _Said(words, b, e, any(q[0] <= b < q[1] for q in quotes), rule)

    # ---- within the document --------------------------------------------------------------------
    def _add(self, statement: Statement, said: _Said) -> None:
        self.actors.add(statement.speaker)
        self.found.append(Found(statement, (said.begin, said.end)))
