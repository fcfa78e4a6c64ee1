"""The ceasefires reader: which truce, between whom, brokered by whom, in which state.

Triggers: ceasefire nouns ("ceasefire", "truce", "armistice", "cease-fire").
Arguments: parties ("between A and B", the subject of "agreed", "accused X of violating")
and mediators ("brokered by X", "Egyptian-brokered", "mediators Qatar and Egypt", "X's
mediation efforts"). Status from the governing words (proposed ... collapsed; the later one
wins when mentions disagree) and date. Mentions of one truce within the document are merged;
mediators named in a sentence of their own join the nearest truce.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Span, Token

from kg.extract.context import DocContext, Found, Reading
from kg.extract.grammar import governing_verb
from kg.extract.mentions import MentionTable
from kg.models import CEASEFIRE_STATUSES, Ceasefire, CeasefireStatus, DateRef, status_rank, unique
from kg.models import Span as Evidence
from kg.nlp.lexicon import Lexicon, cue_pattern

# Checked in this order: the first status whose cue matches wins (the later stage first).
STATUS_ORDER: tuple[CeasefireStatus, ...] = tuple(reversed(CEASEFIRE_STATUSES))


@dataclass
class _Truce:
    """A ceasefire while the document is read (merged mentions update it)."""

    parties: list[str]
    mediators: list[str]
    status: CeasefireStatus | None
    date: DateRef | None
    evidence: list[Evidence]
    triggers: list[int]  # char offsets of trigger words
    sent_start: int
    breakers: list[str] = field(default_factory=list)  # agents of "broken by X"
    rules: list[str] = field(default_factory=list)
    scopes: set[str] = field(default_factory=set)  # "partial", "full": two truces of one text told apart


def read_ceasefires(ctx: DocContext, table: MentionTable, lex: Lexicon) -> Reading[Ceasefire]:
    """Every ceasefire of the document, mentions of one truce merged."""
    reader = _CeasefireReader(ctx, table, lex)
    for sent in ctx.sentences():
        reader.read(sent)
    return reader.finish()


class _CeasefireReader:
    def __init__(self, ctx: DocContext, table: MentionTable, lex: Lexicon):
        self.ctx, self.table, self.g = ctx, table, ctx.grammar
        self.words, self.motion = lex.ceasefires, lex.meetings.destination_required
        self.status_words = {w for ws in self.words.status_cues.values() for w in ws if " " not in w}
        self.truces: list[_Truce] = []
        self.aliases: set[str] = set()  # abbreviations of truces ("COHA")
        self.loose_mediators: list[tuple[int, str, Evidence, str]] = []  # (sentence start, actor, evidence, rule)
        self.loose_parties: list[tuple[int, str]] = []  # sides named with a mediation, not with the truce
        self.warnings: list[str] = []

    # ---- triggers -------------------------------------------------------------------------------
    def read(self, sent: Span) -> None:
        w = self.words
        span = self.ctx.evidence(sent)
        for token in sent:
            low = token.lower_
            if token.text in self.aliases or self._halted(token):
                # "the COHA", named so before; "agreed to eliminate the use of force", "halt hostilities"
                self._ceasefire(sent, token, token, span)
                continue
            if low not in w.nouns and token.lemma_.lower() not in w.nouns and not self._qualified(token):
                split = self._split_noun(token, sent)
                if split is None:
                    continue
                token = split
            if token.ent_type_ in {"ORG", "PERSON", "WORK_OF_ART", "LAW"} and not self._agreement_name(token):
                continue  # "Ceasefire Violations Committee": a name, not a truce
            if (token.tag_ == "NNS" and low not in w.modified_nouns) or \
                    any(c.lower_ in w.other_truce_modifiers for c in token.children):
                continue  # "previous ceasefires have been violated": other truces, spoken of in general
            if any(token.idx in t.triggers for t in self.truces):
                continue  # "the Cessation of Hostilities Agreement": read once
            head = token
            nxt = self.ctx.doc[token.i + 1] if token.i + 1 < sent.end else None
            if token.dep_ != "compound" and nxt is not None and nxt.lower_ in w.following_heads:
                head = nxt
            elif token.dep_ == "compound":
                # "ceasefire talks", "truce deal": the head noun carries the status
                if token.head.lemma_.lower() not in self.status_words and token.head.lower_ not in w.compound_heads:
                    continue
                head = token.head
            self._ceasefire(sent, token, head, span)
            self._alias(token)
        self._sentence_mediators(sent, span)

    def _alias(self, token: Token) -> None:
        """'the Cessation of Hostilities Agreement (COHA)': the abbreviation names the truce from here on."""
        doc = token.doc
        sent = self.ctx.sent_of(token)
        end = next((k for k in range(token.i + 1, min(token.i + 8, sent.end - 2)) if doc[k].text == "("), None)
        if end is not None and doc[end + 2].text == ")" and doc[end + 1].text.isupper() and len(doc[end + 1].text) >= 2 \
                and all(t.is_alpha or t.is_digit for t in doc[token.i + 1:end]):
            self.aliases.add(doc[end + 1].text)

    def _qualified(self, token: Token) -> bool:
        """'cessation of hostilities', 'pause in fighting', 'a humanitarian pause': a truce named by a
        noun that needs its complement or modifier."""
        w = self.words
        low = token.lower_
        if low in w.modified_nouns and any(c.lower_ in w.modified_nouns[low] for c in token.children
                                           if c.dep_ in {"amod", "compound", "nmod"}):
            return True
        wanted = w.qualified_nouns.get(low) or w.qualified_nouns.get(token.lemma_.lower())
        if not wanted:
            return False
        for prep in token.children:
            if prep.dep_ != "prep":
                continue
            for obj in prep.children:
                if obj.dep_ in {"pobj", "pcomp"} and any(
                        x.lower_ in wanted or x.lemma_.lower() in wanted
                        for x in [obj, *[c for c in obj.children if c.dep_ == "compound"]]):
                    return True
        return False

    def _halted(self, token: Token) -> bool:
        """The object of a verb that stops fighting: "eliminate the use of force", "halt hostilities"."""
        w = self.words
        if token.dep_ != "dobj" or token.head.lemma_.lower() not in w.halting_verbs:
            return False
        low = token.lemma_.lower()
        if low in w.halted_fighting or token.lower_ in w.halted_fighting:
            return True
        return low in w.force_nouns and any(
            c.dep_ == "prep" and c.lower_ == "of" and any(p.lower_ in w.halted_fighting for p in c.children)
            for c in token.children)

    def _agreement_name(self, token: Token) -> bool:
        """'the 2004 N'Djamena Ceasefire Agreement': an entity named as a truce agreement."""
        for ent in token.doc.ents:
            if ent.start <= token.i < ent.end:
                words = [t for t in ent if t.is_alpha]
                return bool(words) and words[-1].lower_ in self.words.agreement_names
        return False

    def _ceasefire(self, sent: Span, noun: Token, np_head: Token, span: Evidence) -> None:
        w = self.words
        status = self._status(noun, np_head)
        if self.g.negated(np_head) and status not in {"proposed", "under negotiation", "collapsed"}:
            return  # "No ceasefire has been agreed": there is none to record
        parties, mediators, rules = self._modifiers(sent, noun, np_head)
        breakers: list[str] = []
        verb = governing_verb(np_head)
        args = self.ctx.args
        if verb is not None:
            vlemma = verb.lemma_.lower()
            subj_actors = self._subject_actors(verb)
            agent_actors = [a for p in args.args("ceasefire.by_agent", verb) for a in self.table.actors_at(p)]
            cue_verb = vlemma in self.status_words
            sides = self._worked_with(verb)
            if sides:
                # "directed my team to work with Israel and Lebanon to forge a ceasefire": they are the
                # sides, whoever works with them mediates
                parties += sides
                mediators += [a for a in subj_actors if a not in sides]
                rules.append("ceasefire.worked_with")
            elif vlemma in w.mediation_verbs:
                thanked = self._thanked(verb)
                mediators += agent_actors if agent_actors else thanked if thanked is not None else subj_actors
                rules += ["ceasefire.by_agent"] if agent_actors else []
            elif cue_verb and status in {"agreed", "in force", "violated", "collapsed"} and \
                    vlemma not in w.non_binding_verbs and not (vlemma in w.announcing_verbs and parties):
                # "Israel and Hamas agreed to a ceasefire": they are bound by it
                parties += [a for a in self.table.with_states(subj_actors) if a in subj_actors or not parties]
            elif status in {"proposed", "under negotiation"} and subj_actors and vlemma in w.proposing_verbs:
                parties += subj_actors
            elif vlemma in w.binding_verbs or any(c.lemma_.lower() in w.binding_verbs for c in verb.conjuncts) or \
                    (verb.dep_ == "acl" and verb.head.lower_ in w.commitment_nouns):
                # "urged both leaders to implement and uphold a truce": who keeps it is bound by it
                if not subj_actors and not any(c.dep_ in {"nsubj", "nsubjpass"} for c in verb.children):
                    # "The signatories acknowledged much work remains to implement it"
                    subj_actors = self._climbing_subject(verb)
                parties += self.table.with_states(subj_actors)
                rules += ["ceasefire.bound"] if subj_actors else []
            # "rejected Saddam Hussein's proposal for a cease-fire": proposer and rejecter are the sides
            for proposal in args.args("ceasefire.proposal", noun) if np_head.i == noun.i else []:
                parties += [a for c in proposal.children if c.dep_ == "poss" for a in self.table.actors_at(c)]
                if proposal.head.lemma_.lower() in w.proposal_responses:
                    parties += self.table.actors_at(self._subject(proposal.head))
                rules.append("ceasefire.proposal")
            # "accused X of violating the ceasefire": X is bound by it
            for accusation in args.args("ceasefire.accused_of", verb):
                obj = [c for c in accusation.children if c.dep_ == "dobj"]
                if obj:
                    parties += self.table.actors_at(obj[0])
                parties += self.table.actors_at(self._subject(accusation))
                rules.append("ceasefire.accused_of")
            # the pursuit of a truce by someone not bound by it: a mediator
            mediators += self._pursuers(verb)
            # "broken by X": a violation by X, decided once the document's mediators are known
            for v in [verb, *verb.conjuncts, *[c for c in verb.children if c.dep_ in {"advcl", "conj", "acl"}]]:
                if v.lemma_.lower() in w.breach_verbs:
                    by = [a for p in args.args("ceasefire.by_agent", v) for a in self.table.actors_at(p)]
                    breakers += by
                    if by and v.i == verb.i and status == "violated":
                        status = None  # the breaker decides it (see _settle_breaks)
        if status == "violated" and verb is not None:
            targets = self._attack_targets(verb)
            parties += targets
            rules += ["ceasefire.attack_target"] if targets else []
            subj = self._subject(verb)
            if subj is not None and subj.pos_ == "PRON":
                subj = self._main_subject(verb)  # "X were denounced, as they were found in violation of ..."
            if not parties and subj is not None:
                # "the rebels' attacks were in violation of the truce": who violated it is bound by it
                violators = self._actors_deep(subj)
                parties += violators
                rules += ["ceasefire.violator"] if violators else []
        if not parties:
            parties = self._conflict_parties(sent)
            rules += ["ceasefire.sides"] if parties else []
        mediators = [m for m in unique(mediators) if m not in parties]
        if self.g.hypothetical(np_head) and status in {"agreed", "in force"}:
            status = "proposed"  # "If Israel agrees to a ceasefire ...": the sides are named, nothing is agreed
        # the day is read in the direction of the verb's tense ("discussed ... on Thursday" looks back)
        date = self.ctx.date_of(verb, self._tense(verb) == "planned") if verb is not None else None
        scopes = {c.lower_ for c in noun.children if c.dep_ in {"amod", "compound", "advmod"} and c.lower_ in w.scope_modifiers}
        widened = self._widened_to(verb) if verb is not None and np_head.dep_ == "dobj" and np_head.head.i == verb.i else None
        if widened is not None:
            # "broadening the ceasefire to the Black Sea": a truce of its own, between the same sides
            scopes.add(widened)
            if not parties and self.truces:
                parties = list(self.truces[-1].parties)
                rules.append("ceasefire.widened")
        self._add(_Truce(unique(parties), mediators, status, date, [span], [noun.idx], sent.start, unique(breakers),
                         unique(["ceasefire.noun", *rules]), scopes))

    # ---- arguments ------------------------------------------------------------------------------
    def _subject(self, verb: Token) -> Token | None:
        return self.g.subject(verb) or self.g.dateline_subject(verb)

    def _subject_actors(self, verb: Token) -> list[str]:
        """The subject of the verb governing a truce. A verb urged on others ("X urged that A and B
        agree to a truce") has their subject, never the urger's."""
        w = self.words
        first = verb
        while first.dep_ == "conj" and first.head.i != first.i:
            first = first.head  # "urged them to implement and uphold a truce"
        head = first.head
        if not any(c.dep_ in {"nsubj", "nsubjpass"} for c in verb.children) and head.i != first.i and \
                head.lemma_.lower() in w.urging_verbs:
            # object control ("urged both sides to agree") or a clause parsed beside the verb
            urger = tuple(self.table.actors_at(self._subject(head)))
            for c in head.children:
                if c.dep_ in {"dobj", "ccomp"} and c.i != first.i:
                    subj = c if c.dep_ == "dobj" else next((k for k in c.children if k.dep_ == "nsubj"), None)
                    found = (self._plural_reference(subj, urger) or self.table.actors_at(subj)) if subj is not None else []
                    found = [a for a in found if a not in urger]  # "X urged him to ...": never X himself
                    if found:
                        return found
            return []
        subj = self._subject(verb)
        if subj is None and first.dep_ == "acl" and first.head.lower_ in w.commitment_nouns:
            return self._committed(first.head)
        return (self._plural_reference(subj) if subj is not None else []) or self.table.actors_at(subj)

    def _widened_to(self, verb: Token) -> str | None:
        """'broaden the truce to the Black Sea': the place a truce is widened to."""
        if verb.lemma_.lower() not in self.words.widening_verbs:
            return None
        for prep in verb.children:
            if prep.dep_ == "prep" and prep.lower_ == "to":
                for p in prep.children:
                    if p.dep_ == "pobj" and (p.ent_type_ in {"GPE", "LOC", "FAC"} or self.table.place_at(p)):
                        return "to " + " ".join(t.lower_ for t in p.subtree)
        return None

    def _worked_with(self, verb: Token) -> list[str]:
        """The partners of a verb the truce verb is the purpose of ("work with A and B to forge a truce")."""
        t = verb
        for _ in range(2):
            if t.dep_ not in {"xcomp", "advcl"} or t.head.i == t.i or not self.g.infinitive(t):
                return []
            t = t.head
            found = [a for c in t.children if c.dep_ == "prep" and c.lower_ in self.words.partner_preps
                     for p in c.children if p.dep_ == "pobj" for a in self._actors_deep(p)]
            if found:
                return found
        return []

    def _climbing_subject(self, verb: Token) -> list[str]:
        """The first subject up the clauses above a verb that names actors (or the sides)."""
        t = verb
        for _ in range(4):
            if t.head.i == t.i:
                break
            t = t.head
            if t.lemma_.lower() in self.words.urging_verbs:
                return []  # "X urged him to cease hostilities": X is not bound
            subj = self._subject(t) if t.pos_ in {"VERB", "AUX"} else None
            found = (self._plural_reference(subj) or self.table.actors_at(subj)) \
                if subj is not None and subj.pos_ != "PRON" else []
            if found:
                return found
        return []

    def _main_subject(self, verb: Token) -> Token | None:
        """The subject of the main clause an adverbial clause hangs on, when it is no pronoun (what
        "they" in "X were denounced, as they were found ..." most often stands for)."""
        t = verb
        for _ in range(4):
            if t.dep_ == "advcl" and t.head.i != t.i:
                subj = self._subject(t.head)
                return subj if subj is not None and subj.pos_ != "PRON" else None
            if t.head.i == t.i:
                break
            t = t.head
        return None

    def _committed(self, noun: Token) -> list[str]:
        """'X and Y reaffirmed their countries' commitment to abide by the truce': who is committed
        (the possessor, else the subject of the nearest verb above with one)."""
        for c in noun.children:
            if c.dep_ == "poss" and (found := self.table.actors_at(c)):
                return found
        t = noun
        for _ in range(4):
            if t.head.i == t.i:
                break
            t = t.head
            if t.pos_ in {"VERB", "AUX"}:
                subj = self._subject(t)
                if subj is not None and subj.i != noun.i and (found := self.table.actors_at(subj)):
                    return found
        return []

    def _split_noun(self, token: Token, sent: Span) -> Token | None:
        """'cease fire', 'cease-fire' split by the tokenizer: the second word heads the phrase."""
        second = self.words.split_nouns.get(token.lower_)
        if second is None:
            return None
        doc = token.doc
        nxt = [doc[i] for i in range(token.i + 1, min(token.i + 3, sent.end))]
        words = [t.lower_ for t in nxt]
        if words[:1] == [second]:
            return nxt[0]
        if words[:2] == ["-", second]:
            return nxt[1]
        return None

    def _modifiers(self, sent: Span, noun: Token, np_head: Token) -> tuple[list[str], list[str], list[str]]:
        """Parties and mediators inside the noun phrase ("a truce between A and B", "the Gaza
        truce", "an Egyptian-brokered truce"), and the argument patterns that gave them."""
        doc = self.ctx.doc
        w = self.words
        parties = [a for p in self.ctx.args.args("ceasefire.parties", np_head) for a in self.table.actors_at(p)]
        rules = ["ceasefire.parties"] if parties else []
        mediators: list[str] = []
        for c in self._np_modifiers(noun, np_head):
            if c.dep_ == "poss" and self.table.mention_at(c) is None and (titled := self._titled_person(c)):
                parties.append(titled)  # "the cleric's cease-fire": the cleric named before
                continue
            m = self.table.mention_at(c)
            if m and m.key and m.kind != "Place" and not m.start <= noun.i < m.end:
                if c.i + 2 <= noun.i and doc[c.i + 1].text == "-" and doc[c.i + 2].lemma_.lower() in w.hyphen_mediation:
                    mediators.append(m.key)
                elif m.key not in parties:
                    parties.append(m.key)  # "the Gaza truce", "the Israel-Hamas truce", "Israel's truce"
        # "Egyptian-brokered truce": the broker stands before the hyphen
        for t in doc[max(sent.start, noun.i - 4):noun.i]:
            if t.lower_ in w.hyphen_mediators and t.i >= 2 and doc[t.i - 1].text == "-":
                m = self.table.mention_at(doc[t.i - 2])
                if m and m.key and m.kind != "Place" and m.key not in mediators:
                    mediators.append(m.key)
                    parties = [p for p in parties if p != m.key]
        return parties, mediators, rules

    def _titled_person(self, token: Token) -> str | None:
        """'the cleric': the one person the text has named with that word just before the name
        ("Shia cleric Muqtada al-Sadr"), if there is exactly one."""
        if not any(c.dep_ == "det" and c.lower_ in self.g.words.definite_articles for c in token.children):
            return None
        doc, lemma = token.doc, token.lemma_.lower()
        found = {m.key for m in self.table.mentions if m.key and m.kind == "Person" and m.start > 0
                 and m.start < token.i and doc[m.start - 1].lemma_.lower() == lemma}
        return found.pop() if len(found) == 1 else None

    def _np_modifiers(self, noun: Token, np_head: Token) -> list[Token]:
        """The words before the truce noun that modify it: its compounds, adjectives and possessor,
        and the words those are made of ("the six-month Israel-Hamas truce": Israel and Hamas)."""
        out: list[Token] = []
        todo = [c for c in np_head.children if c.dep_ in {"compound", "amod", "nmod", "poss", "npadvmod"} and c.i < noun.i]
        while todo:
            c = todo.pop(0)
            if c.i in {t.i for t in out}:
                continue
            out.append(c)
            todo += [k for k in c.children if k.dep_ in {"compound", "amod", "nmod", "npadvmod", "conj"} and k.i < noun.i]
        return sorted(out, key=lambda t: t.i)

    def _pursuers(self, verb: Token) -> list[str]:
        """'Washington intensifies its efforts to secure a ceasefire': who works for it. Only an
        aim counts (an infinitive or gerund); a truce 'reached' in a reported clause names no one."""
        pursuit, nouns = self.words.pursuit_verbs, self.words.pursuit_nouns
        out: list[str] = []
        if verb.tag_ not in {"VB", "VBG"}:
            return out
        t = verb
        hops = 0
        seen_pursuit = verb.lemma_.lower() in pursuit
        if seen_pursuit and verb.dep_ == "ccomp" and any(c.dep_ == "nsubj" and c.lower_ in nouns for c in verb.children):
            t = verb.head  # "will make another push with Egypt to achieve a truce", parsed as a clause
        while hops < 4 and t.dep_ not in {"ccomp", "ROOT", "conj", "parataxis"}:
            if seen_pursuit:
                for c in t.children:
                    if c.dep_ == "poss" or (c.dep_ in {"nsubj"} and t.pos_ == "VERB"):
                        out += self.table.actors_at(c)
            if t.i == t.head.i:
                break
            t = t.head
            hops += 1
            if t.lemma_.lower() in pursuit or t.lower_ in nouns or any(c.dep_ == "dobj" and c.lower_ in nouns
                                                                       for c in t.children):
                seen_pursuit = True  # "will make another push to achieve a ceasefire"
        if seen_pursuit and t.i != verb.i and t.pos_ in {"VERB", "AUX"} and t.dep_ in {"ROOT", "conj"}:
            out += [a for c in t.children if c.dep_ == "nsubj" for a in self.table.actors_at(c)]
        return out

    def _attack_targets(self, verb: Token) -> list[str]:
        """'broke the ceasefire by firing rockets at Israel': the state attacked is bound by it too."""
        args = self.ctx.args
        out: list[str] = []
        for t in verb.subtree:
            if t.i == verb.i:
                continue
            targets = [p for p in args.args("ceasefire.attacked", t) if self.table.actor_at(p)]
            targets += [*args.args("ceasefire.fired_at", t), *args.args("ceasefire.fired_object_at", t)]
            out += [a for p in targets for a in self.table.actors_at(p) if a.startswith("country:")]
        return out

    def _conflict_parties(self, sent: Span) -> list[str]:
        """'the conflict between A and B' in the sentence gives the parties when the truce has none;
        so does 'the Israeli assault', 'Russia's war' here or in the sentence before."""
        w = self.words
        for t in sent:
            if t.lemma_.lower() in w.conflict_nouns or t.lower_ in w.conflict_nouns:
                for p in self.ctx.args.args("ceasefire.sides", t):
                    found = self.table.actors_at(p)
                    if found:
                        return found
        n = self.ctx.sent_index[sent.start]
        for s in [sent, *([self.ctx.sents[n - 1]] if n > 0 and self.ctx.sents[n - 1].start not in self.ctx.skip else [])]:
            for t in s:
                if t.lemma_.lower() in w.waged_conflicts or t.lower_ in w.waged_conflicts:
                    found = [m.key for c in t.children if c.dep_ in {"amod", "compound", "poss", "nmod"}
                             and (m := self.table.mention_at(c)) and m.key and m.kind in {"Country", "Organization"}]
                    if found:
                        return unique(found)
        return []

    def _sentence_mediators(self, sent: Span, span: Evidence) -> None:
        """'along with mediators Qatar and Egypt', "Egypt's mediation efforts": mediators named
        in a sentence, attached to the ceasefire of this sentence or the nearest one."""
        w, args, actors_at = self.words, self.ctx.args, self.table.actors_at
        names: dict[str, str] = {}  # actor -> the rule that named it

        def add(found: list[str], rule: str) -> None:
            for a in found:
                names.setdefault(a, rule)

        for t in sent:
            low = t.lower_
            if low in w.role_nouns:  # "Oman played a central role in ...", "the roles played by X"
                add(self._role_players(t), "ceasefire.role_played")
            if t.pos_ == "VERB" and t.lemma_.lower() in w.thanking_verbs:  # "I thank X for helping ..."
                add(self._thanked(t) or [], "ceasefire.thanked")
            if low in w.effort_nouns and any(c.lower_ in w.diplomatic_modifiers for c in t.children):
                # "the diplomatic efforts of Qatar and Egypt", "Qatar's tireless diplomacy"
                owners = [c for c in t.children if c.dep_ == "poss"]
                owners += [p for c in t.children if c.dep_ == "prep" and c.lower_ == "of" for p in c.children
                           if p.dep_ == "pobj"]
                add([a for o in owners for a in self._actors_deep(o)], "ceasefire.mediation_of")
            if low in w.hyphen_mediators and t.i >= 2 and t.doc[t.i - 1].text == "-" and \
                    t.head.lemma_.lower() in w.mediated_processes:
                # "the African Union-led process", "Qatari-mediated talks": a mediator of the truce
                m = self.table.mention_at(t.doc[t.i - 2])
                if m and m.key and m.kind in {"Country", "Organization"}:
                    add([m.key], "ceasefire.led_process")
            if low in w.mediator_nouns and t.head.lower_ == "as" and t.head.dep_ == "prep":
                # "grateful for the role played by Sultan X as a mediator"
                add(self._actors_deep(t.head.head), "ceasefire.mediator_noun")
            if low in w.mediator_nouns:  # "mediators Qatar and Egypt", "guarantor Turkey"
                add([a for c in t.children if c.dep_ in {"appos", "compound", "pobj", "nmod"} for a in actors_at(c)],
                    "ceasefire.mediator_noun")
                add([a for p in args.args("ceasefire.mediators_including", t) for a in actors_at(p)],
                    "ceasefire.mediators_including")
                # "the United States, along with mediators Qatar and Egypt": the US mediates too
                add([a for p in args.args("ceasefire.along_with", t) for a in actors_at(p)], "ceasefire.along_with")
                m = self.table.mention_at(t.head)
                if t.dep_ == "appos" and m and m.key:
                    add([m.key], "ceasefire.mediator_noun")  # "Egypt, a mediator"
            if low in w.mediation_nouns:  # "Egypt's mediation efforts"
                owner = t.head if t.dep_ == "compound" else t
                add([a for c in owner.children if c.dep_ == "poss" for a in actors_at(c)], "ceasefire.mediation_of")
            if low in w.mediation_gerunds and t.pos_ != "VERB":  # "with Turkey mediating" parsed as a noun
                add([a for c in t.children if c.dep_ in {"compound", "nsubj", "nmod"} for a in actors_at(c)],
                    "ceasefire.mediation_of")
            if low in w.modified_mediation:  # "under Saudi and U.S. mediation"
                add([a for c in t.children if c.dep_ in {"amod", "nmod", "compound"} for a in actors_at(c)],
                    "ceasefire.mediation_of")
            if t.pos_ == "VERB" and t.lemma_.lower() in w.mediation_verbs:
                agents = [a for p in args.args("ceasefire.by_agent", t) for a in actors_at(p)]
                subj = self._subject(t) if any(c.dep_ == "nsubj" for c in t.children) else None
                if agents:
                    add(agents, "ceasefire.by_agent")  # "talks brokered by Qatar and Egypt"
                elif subj is not None:
                    add(actors_at(subj), "ceasefire.mediator_subject")  # "with Turkey mediating", "Egypt, which mediated"
                elif t.dep_ == "acl" and t.tag_ == "VBG":
                    add(actors_at(t.head), "ceasefire.mediator_subject")  # "with Qatar mediating" parsed as a modifier
                # "mediating between Israel and Hamas"
                sides = [a for p in args.args("ceasefire.sides", t) for a in actors_at(p)]
                self.loose_parties += [(sent.start, a) for a in sides]
        for actor, rule in names.items():
            self.loose_mediators.append((sent.start, actor, span, rule))

    def _actors_deep(self, token: Token) -> list[str]:
        """The actors a noun phrase names, or those of its "of" complement ("the governments of
        Qatar and Egypt"); a conjunct without a name of its own stands for the state or
        organisation that modifies it ("Qatar, Egypt and the US administrations")."""
        found = self.table.actors_at(token)
        for conj in [token, *token.conjuncts]:
            if self.table.actor_at(conj) is None:
                for c in conj.children:
                    m = self.table.mention_at(c)
                    if c.dep_ in {"compound", "nmod", "amod"} and m and m.key and m.kind in {"Country", "Organization"} \
                            and m.key not in found:
                        found.append(m.key)
        plural = self._plural_reference(token)
        if plural or found:
            return plural or found  # "both leaders": the two people, however the mention table read it
        found = [a for c in token.children if c.dep_ == "prep" and c.lower_ == "of"
                 for p in c.children if p.dep_ == "pobj" for a in self.table.actors_at(p)]
        return found

    def _plural_reference(self, token: Token, exclude: tuple[str, ...] = ()) -> list[str]:
        """'both military leaders', 'the two leaders': the two people the text has named most
        (the latest first when as often), leaving out ``exclude`` (the one who speaks to them)."""
        w = self.words
        pair = any(c.lower_ in w.pair_words for c in token.children)
        sides = token.lower_ in w.side_nouns and any(c.dep_ == "det" and c.lower_ in self.g.words.definite_articles
                                                    for c in token.children)
        if token.tag_ != "NNS" or not (pair or sides):
            return []  # "both leaders", "the two leaders", "the signatories"
        if sides and self.truces and self.truces[-1].parties:
            return list(self.truces[-1].parties)  # "the parties had agreed": the sides of the truce spoken of
        seen: dict[str, tuple[int, int]] = {}
        for m in self.table.mentions:
            if m.start < token.i and m.key and m.kind == "Person" and not m.adjective and m.key not in exclude:
                count, _ = seen.get(m.key, (0, 0))
                seen[m.key] = (count + 1, m.start)
        ranked = sorted(seen, key=lambda k: seen[k], reverse=True)
        return ranked[:2] if len(ranked) >= 2 else []

    def _about_truce(self, t: Token) -> bool:
        """A word of truces, their making or the fighting they end."""
        w = self.words
        low, lemma = t.lower_, t.lemma_.lower()
        return bool({low, lemma} & (w.nouns | w.conflict_nouns | w.mediation_verbs | w.mediation_nouns
                                     | w.following_heads)) or self._qualified(t)

    def _role_players(self, role: Token) -> list[str]:
        """'Oman played a central role in securing the truce', 'the roles played by Qatar',
        'its role in facilitating a truce': who played a role in it."""
        w = self.words
        near = [*role.children, *role.head.children, *[k for c in role.children if c.dep_ == "acl" for k in c.children]]
        if not any(c.dep_ == "prep" and c.lower_ == "in" for c in near):
            return []  # a role in something: "played a role in", not "its role as host"
        found: list[str] = []
        verb = role.head
        if role.dep_ == "dobj" and verb.lemma_.lower() in w.role_verbs:
            found += self._actors_deep(s) if (s := self._subject(verb)) is not None else []
        for c in role.children:
            if c.dep_ == "acl" and c.lemma_.lower() in w.role_verbs:
                found += [a for p in self.ctx.args.args("ceasefire.by_agent", c) for a in self._actors_deep(p)]
            if c.dep_ == "poss":
                found += self._actors_deep(c)
        return found

    def _thanked(self, verb: Token) -> list[str] | None:
        """'I thank X and Y for helping ...', 'spoke with X to thank the Malaysian government for its
        role in facilitating a ceasefire': those thanked (None when no thanking verb governs)."""
        w = self.words
        t = verb
        for _ in range(4):
            if t.lemma_.lower() in w.thanking_verbs:
                break
            if t.dep_ not in {"conj", "xcomp", "pcomp", "prep", "pobj", "advcl"} or t.head.i == t.i:
                return None
            t = t.head
        else:
            return None
        if t.lemma_.lower() not in w.thanking_verbs:
            return None
        reason = next((c for c in t.subtree if c.i > t.i and c.dep_ == "prep" and c.lower_ == "for"), None)
        objs = [c for c in t.children if c.dep_ == "dobj"]
        if reason is None or not objs or not any(self._about_truce(x) for x in reason.subtree):
            return []  # thanked for something else ("for his partnership")
        # everyone named between the verb and "for" ("I thank A and the officials who ... as well as B")
        found: list[str] = []
        for i in range(t.i + 1, reason.i):
            m = self.table.mention_at(t.doc[i])
            if m and m.key and m.kind != "Place" and m.key not in found and not m.adjective:
                found.append(m.key)
        return found or [a for o in objs for a in self._actors_deep(o)]

    # ---- status, date ---------------------------------------------------------------------------
    def _status(self, noun: Token, np_head: Token) -> CeasefireStatus | None:
        """The status the nearest cue word gives: modifiers, then the governing words upwards."""
        w = self.words
        cues = w.status_cues
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
            if t.pos_ == "VERB" and t.dep_ not in {"xcomp", "pcomp", "advcl", "acl", "ccomp", "conj"}:
                break
        chain = list(words)
        words += [c for c in noun.children if c.dep_ in {"amod", "compound"}]
        found = self._cue_status(words, chain)
        if found is not None:
            return found
        # multiword cues in the sentence around the noun ("in favor of a ceasefire", "took effect")
        sent = self.ctx.sent_of(noun)
        window = sent.text.lower() + " " + " ".join(t.lemma_.lower() for t in sent)
        for status in STATUS_ORDER:
            multi = tuple(c for c in cues[status] if " " in c)
            if multi and cue_pattern(multi).search(window):
                if status == "in force" and any(self.g.future(t) for t in chain):
                    return "agreed"  # "the truce will take effect on Monday": agreed, not yet in force
                return status
        # "the ceasefire agreed in Moscow", "the truce brokered in April": a participle on the noun
        found = self._cue_status([c for c in noun.children if c.dep_ == "acl" and c.tag_ == "VBN"], chain)
        if found is not None:
            return found
        # a ceasefire spoken of as existing ("after the ceasefire") is in force
        if any(c.dep_ == "det" and c.lower_ in self.g.words.definite_articles for c in noun.children) and \
                noun.head.lower_ in w.existing_preps:
            return "in force"
        # "the army's operational pause": a truce someone keeps is in force
        if any(c.dep_ == "poss" and self.table.actor_at(c) for c in noun.children):
            return "in force"
        return None

    def _cue_status(self, words: list[Token], chain: list[Token]) -> CeasefireStatus | None:
        """The status the first cue word among ``words`` gives (``chain``: the words governing the noun)."""
        w = self.words
        cues = w.status_cues
        for word in words:
            lemma = word.lemma_.lower()
            # particles: "call for", "push for", "break down"
            extras = [f"{lemma} {c.lower_}" for c in word.children if c.dep_ in {"prt", "prep"}]
            extras += [word.lower_] if word.lower_ != lemma else []
            for status in STATUS_ORDER:
                cue = cues[status]
                if lemma in cue or any(x in cue for x in extras):
                    if status in {"proposed", "under negotiation"}:
                        return status
                    if word.dep_ == "xcomp" and word.head.lemma_.lower() in w.intent_verbs:
                        return "proposed"  # "offered to broker a truce"
                    if self.g.infinitive(word) and (word.head.lower_ in w.pursuit_nouns or any(
                            c.dep_ in {"dobj", "nsubj"} and c.lower_ in w.pursuit_nouns
                            for c in [*word.head.children, *word.children])):
                        return "proposed"  # "its efforts to achieve a ceasefire", "make a push to achieve a truce"
                    above = chain[chain.index(word) + 1:] if word in chain else []
                    below = chain[:chain.index(word)] if word in chain else []
                    if any(b.lower_ in w.pursuit_nouns for b in below):
                        return "proposed"  # "agreed to continue the effort to make a ceasefire work"
                    if any(a.lemma_.lower() in w.urging_verbs for a in above):
                        return "proposed"  # "urged that both sides agree to a truce"
                    if status == "in force" and self.g.future(word):
                        return "agreed"  # "will be monitored": not yet in force
                    # "broke" is a violation only when nothing says otherwise (see _ceasefire)
                    return status
        return None

    def _tense(self, verb: Token) -> str | None:
        return self.g.status(verb, self.motion)

    # ---- within the document --------------------------------------------------------------------
    def _named_parties(self, parties: list[str]) -> set[str]:
        actors = self.table.actors
        return {p for p in parties if p in actors and not actors[p].described and actors[p].kind != "Group"}

    def _add(self, truce: _Truce) -> None:
        for other in reversed(self.truces):
            if truce.scopes and other.scopes and not truce.scopes & other.scopes:
                continue  # "a partial ceasefire" is not "a full ceasefire"
            mine, theirs = self._named_parties(truce.parties), self._named_parties(other.parties)
            distinct = len(mine) >= 2 and len(theirs) >= 2 and not mine & theirs
            if not distinct and (len(mine) < 2 or len(theirs) < 2 or mine & theirs):
                other.parties = unique(other.parties + truce.parties)
                other.mediators = unique(other.mediators + truce.mediators)
                if status_rank(truce.status) > status_rank(other.status):
                    other.status = truce.status
                other.date = other.date or truce.date
                if truce.evidence[0] not in other.evidence:
                    other.evidence.append(truce.evidence[0])
                other.triggers += truce.triggers
                other.breakers = unique(other.breakers + truce.breakers)
                other.rules = unique(other.rules + truce.rules)
                other.scopes |= truce.scopes
                return
        self.truces.append(truce)

    def finish(self) -> Reading[Ceasefire]:
        # loose mediators join the ceasefire nearest before them (else the first after them)
        for sent_start, actor, span, rule in self.loose_mediators:
            if not self.truces:
                break
            before = [t for t in self.truces if t.sent_start <= sent_start]
            truce = before[-1] if before else self.truces[0]
            if actor not in truce.parties and actor not in truce.mediators:
                truce.mediators.append(actor)
                truce.rules = unique([*truce.rules, rule])
                if span not in truce.evidence:
                    truce.evidence.append(span)
        sides: dict[int, list[str]] = {}
        for sent_start, actor in self.loose_parties:
            sides.setdefault(sent_start, []).append(actor)
        for sent_start, actors in sides.items():
            same = [t for t in self.truces if t.sent_start == sent_start and not t.parties]
            if same:
                same[0].parties.extend(a for a in unique(actors) if a not in same[0].mediators)
        used: set[str] = set()
        for truce in self.truces:
            self._settle_breaks(truce)
            # "the Israel Defense Forces' pause" and "the roles played by Israel, Qatar and Egypt": a
            # party's own state does not mediate
            states = {info.affiliation for p in truce.parties if (info := self.table.actors.get(p)) is not None}
            labels = [f" {info.label} " for p in truce.parties if (info := self.table.actors.get(p)) is not None]
            truce.mediators = [m for m in truce.mediators if m not in truce.parties and m not in states
                               and not ((info := self.table.actors.get(m)) is not None and info.kind == "Country"
                                        and any(f" {info.label} " in lab for lab in labels))]
            used.update(truce.parties + truce.mediators)
        found = tuple(Found(Ceasefire(tuple(t.parties), tuple(t.mediators), t.status, t.date,
                                      tuple(t.evidence), tuple(t.rules)), tuple(t.triggers)) for t in self.truces)
        return Reading(found, frozenset(used), tuple(self.warnings))

    def _settle_breaks(self, truce: _Truce) -> None:
        """'The truce was broken by X': X violated it and is bound by it. Unless the document
        names X as a mediator of this very truce: a mediator does not break its own truce, and
        machine translation renders "brokered by" as "broken by"; that reading is reported."""
        for actor in truce.breakers:
            if actor in truce.mediators:
                self.warnings.append(f"{self.ctx.document.id}: {actor} mediates this ceasefire; 'broken by' it "
                                     "is read as 'brokered by', not as a violation")
                continue
            if actor not in truce.parties:
                truce.parties.append(actor)
            if status_rank(truce.status) < status_rank("violated"):
                truce.status = "violated"
                truce.rules = unique([*truce.rules, "ceasefire.broken_by"])

