"""The meetings reader: who met whom, where, when, how, and whether it happened.

Triggers: verbs of meeting and travel ("met", "spoke with", "visited", "held talks") and
nouns ("a phone call", "his visit", "the summit"). Arguments: participants (subject, object,
"with"/"between" partners, a possessor, "led by" leaders) and location. Then status (planned,
occurred, cancelled), mode (in person, phone, video) and date. Mentions of one meeting within
the document ("spoke with ... on Thursday", "In the phone call, ...") become one record.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Span, Token

from kg.extract.context import DocContext, Found, Reading
from kg.extract.grammar import governing_verb
from kg.extract.mentions import MentionTable
from kg.models import DateRef, Meeting, MeetingKind, MeetingMode, MeetingStatus, meeting_group, unique
from kg.models import Span as Evidence
from kg.nlp.lexicon import Lexicon, cue_pattern


@dataclass
class _Event:
    """A meeting while the document is read (merged mentions update it)."""

    kind: str
    participants: list[str]
    status: str | None
    mode: str | None = None
    location: str | None = None
    date: DateRef | None = None
    evidence: list[Evidence] = field(default_factory=list)
    triggers: list[int] = field(default_factory=list)  # char offsets of trigger words
    rules: list[str] = field(default_factory=list)

    def absorb(self, mode=None, location=None, evidence=None, trigger=None, date=None, status=None,
               participants=None, rules=()) -> None:
        """Take in what another mention of this meeting adds."""
        if mode and (self.mode is None or (self.mode == "in person" and mode in {"phone", "video"})):
            self.mode = mode
        self.location = self.location or location
        self.date = self.date if self.date and self.date.value else (date or self.date)
        self.status = self.status or status
        if participants:
            self.participants = unique(self.participants + list(participants))
        if evidence is not None and evidence not in self.evidence:
            self.evidence.append(evidence)
        if trigger is not None:
            self.triggers.append(trigger)
        self.rules = unique(self.rules + list(rules))


def read_meetings(ctx: DocContext, table: MentionTable, lex: Lexicon) -> Reading[Meeting]:
    """Every meeting of the document, mentions of one meeting merged."""
    reader = _MeetingReader(ctx, table, lex)
    for sent in ctx.sentences():
        reader.read(sent)
    # talks with one side and no place ("ready to resume talks") say too little to be a meeting
    events = [ev for ev in reader.meetings if ev.kind not in lex.meetings.one_sided_kinds or ev.location
              or len(ev.participants) + ("meeting.first_person" in ev.rules) >= 2
              or "meeting.with" in ev.rules]  # "negotiations with the prime minister"
    found = tuple(Found(Meeting(ev.kind, tuple(ev.participants), ev.status, ev.mode, ev.location,  # type: ignore[arg-type]
                                ev.date, tuple(ev.evidence), tuple(ev.rules)), tuple(ev.triggers))
                  for ev in events)
    # the actors of every meeting read, also of those left out
    return Reading(found, frozenset(a for ev in reader.meetings for a in ev.participants))


class _MeetingReader:
    def __init__(self, ctx: DocContext, table: MentionTable, lex: Lexicon):
        self.ctx, self.table, self.g = ctx, table, ctx.grammar
        self.words, self.speech, self.cancelled = lex.meetings, lex.speech, lex.grammar.cancelled_verbs
        self.meetings: list[_Event] = []

    # ---- triggers -------------------------------------------------------------------------------
    def read(self, sent: Span) -> None:
        verbs, nouns = self.words.verbs, self.words.nouns
        for token in sent:
            lemma = token.lemma_.lower()
            # a "verb" in a noun's place ("Ceasefire talks ... resumed") is a noun
            nounlike = token.pos_ in {"NOUN", "PROPN"} or token.dep_ in {"nsubj", "nsubjpass", "dobj", "pobj"}
            if token.pos_ == "VERB" and lemma in verbs and not nounlike:
                self._verb(sent, token, lemma)
            elif nounlike and (token.lower_ in nouns or lemma in nouns):
                self._noun(sent, token)

    def _verb(self, sent: Span, verb: Token, lemma: str) -> None:
        mt, speech = self.words, self.speech
        kind = mt.verbs[lemma]
        if lemma in speech.particle_required and not self._calls_someone(verb) and (
                self.g.introduces_speech(verb, speech.particle_required[lemma], speech.particles_not_speech)
                or self.g.phrasal(verb, self.cancelled)):
            return  # "called for a truce" is speech; "called off the trip" cancels a trip (read at the noun)
        objs = [c for c in verb.children if c.dep_ in {"dobj", "attr"}]
        if self._calls_someone(verb):  # "called Minister X today to discuss": X, however parsed
            objs += [c for c in verb.children if c.dep_ == "oprd"]
        meeting_obj = [o for o in objs if self._kind(o)]
        if lemma in mt.object_required:
            allowed = mt.object_required[lemma]
            objs_ok = [o for o in objs if o.lemma_.lower() in allowed or o.lower_ in allowed]
            if allowed and not objs_ok:
                return
            if objs_ok:
                kind = self._kind(objs_ok[0]) or kind
        elif meeting_obj:
            kind = self._kind(meeting_obj[0]) or kind  # "hosted a summit"
        # object control ("advised X to travel"): advice is no plan
        if verb.dep_ == "xcomp" and verb.head.lemma_.lower() in mt.control_verbs:
            return
        # purpose ("held a phone call to discuss Gaza", "travelled to Cairo to meet X"): part of that event
        if verb.dep_ in {"advcl", "xcomp", "acl", "relcl"} and self.g.infinitive(verb):
            host = next((ev for ev in self.meetings for h in (verb.head, verb.head.head) if h.idx in ev.triggers), None)
            if host is not None:
                slots = [(c.i, c.i) for c in verb.children if c.dep_ == "dobj"]
                slots += [(m["prep"].i, m["arg"].i) for m in self.ctx.args.matches("meeting.with", verb)]
                partners = [a for _, i in sorted(slots) for a in self.table.actors_at(self.ctx.doc[i])]
                host.absorb(evidence=self.ctx.evidence(sent), trigger=verb.idx,
                            participants=self.table.with_states(partners), rules=("meeting.purpose",))
                return
        participants, partners, location, rules = self._verb_arguments(verb, lemma, objs)
        first = self._first_person(self._subject(verb))  # "I spoke with X": the speaker takes part (see assemble)
        unnamed = first + ("meeting.signatories" in rules)  # taking part, named elsewhere
        if lemma in mt.partner_required and not partners and not meeting_obj and len(participants) + unnamed < 2:
            return  # "Benton and Fawzi discussed ...": two subjects are partners to each other
        if lemma in mt.guest_verbs and not partners and not meeting_obj:
            return  # "X and Y welcome the good offices of ...": a host needs a guest
        if (lemma in mt.destination_required or lemma in mt.place_or_partner_required) and not location and not partners:
            return
        participants = unique(participants + partners)
        if not participants:
            return
        if self.g.negated(verb) or self.g.hypothetical(verb):
            return  # "did not meet", "refused to meet", "if they meet"
        status = self._status(verb)
        mode = self._mode(sent, verb, kind, location)
        rules += ["meeting.first_person"] if first else []
        self._add(_Event(kind, participants, status, mode, location, self.ctx.date_of(verb, status == "planned"),
                         [self.ctx.evidence(sent)], triggers=[verb.idx], rules=[f"meeting.verb.{lemma}", *rules]))

    def _first_person(self, token: Token | None) -> bool:
        """'I', 'me', 'my': the one who speaks."""
        return token is not None and token.lower_ in self.words.first_person

    def _far_verb(self, noun: Token) -> Token | None:
        """The verb of a clause whose object carries the meeting noun deep in its prepositions
        ("is following up the meetings on X with talks on Monday")."""
        t = noun
        for _ in range(8):
            if t.head.i == t.i:
                return None
            t = t.head
            if t.pos_ in {"VERB", "AUX"}:
                return t
        return None

    def _calls_someone(self, verb: Token) -> bool:
        """'called X today to discuss ...': a person called, and the purpose in an infinitive (not
        "called X a liar", "called on X to ...")."""
        kids = list(verb.children)
        if verb.lemma_.lower() not in self.words.phone_verbs or any(c.dep_ in {"ccomp", "prt"} for c in kids):
            return False
        if any(c.dep_ == "prep" and c.lower_ in self.speech.particle_required.get(verb.lemma_.lower(), ())
               and not any(p.ent_type_ in {"DATE", "TIME"} for p in c.children) for c in kids):
            return False  # "called on X to ...", not "called X on Tuesday to ..."
        # the person called may be parsed as a predicate ("called [Minister X]" like "called him a liar")
        person = all(self.table.is_person_like(c) for c in kids if c.dep_ in {"dobj", "oprd"}) and \
            any(c.dep_ in {"dobj", "oprd"} for c in kids)
        return person and any(c.dep_ in {"xcomp", "advcl"} and self.g.infinitive(c) for c in kids)

    def _noun(self, sent: Span, noun: Token) -> None:
        mt = self.words
        kind = self._kind(noun)
        head = noun.head
        if kind is None:
            return
        # read by its verb ("held talks", "attended a summit", "hosted a summit")
        if noun.dep_ in {"dobj", "attr"} and head.pos_ == "VERB" and head.lemma_.lower() in mt.verbs and \
                head.lemma_.lower() not in mt.objects_read_alone:
            return
        if noun.ent_type_ in {"ORG", "PERSON", "EVENT", "WORK_OF_ART"}:
            return
        rule = f"meeting.noun.{noun.lower_}"
        participants, by_agent, location, poss, rules = self._noun_arguments(noun)
        verb0 = governing_verb(noun)
        first = any(self._first_person(p) for p in poss) or (
            not poss and verb0 is not None and self._first_person(self._subject(verb0)))
        rules = [*rules, "meeting.first_person"] if first else rules
        participants = participants + self._role_holders(noun)  # "Egypt's role in the talks"
        host_state = self._host(kind, location)  # "my visit to Saudi Arabia": the host state takes part
        participants += host_state
        modes = [mt.mode_compounds[c.lower_] for c in noun.children if c.dep_ == "compound" and c.lower_ in mt.mode_compounds]
        mode: MeetingMode | None = modes[-1] if modes else None  # "a phone call", "a video conference"
        dets = [c for c in noun.children if c.dep_ == "det"]
        definite = bool(poss) or (dets and dets[0].lower_ in self.g.words.definite_determiners) or noun.dep_ == "compound"
        span = self.ctx.evidence(sent)
        verb = governing_verb(noun) or self._far_verb(noun)
        if verb is not None and verb.dep_ == "prep" and verb.head.i != verb.i:
            # "helped advance the truce, including calls with X, and with Y": the clause's verb
            participants = participants + [a for c in verb.children if c.dep_ == "conj" and c.lower_ in self.words.partner_preps
                                            for p in c.children if p.dep_ == "pobj" for a in self.table.actors_at(p)]
            verb = governing_verb(verb)
        # "will travel to Somalia for talks with X": the purpose of a trip is part of that trip
        if verb is not None:
            host = next((ev for ev in self.meetings if verb.idx in ev.triggers), None)
            if host is not None:
                host.absorb(mode=mode, location=location, evidence=span, trigger=noun.idx,
                            participants=self.table.with_states(participants), rules=(rule, *rules))
                return
        if definite and not by_agent:
            ref = self._earlier(kind, participants)
            partners = {a for p in self.ctx.args.args("meeting.with", noun) for a in self._party(p)}
            if ref is not None and not partners <= set(self.table.with_states(ref.participants)):
                ref = None  # "his conversation with Putin" is not the call with Zelenskyy named before
            if ref is not None:
                ref.absorb(mode=mode, location=location, evidence=span, trigger=noun.idx, rules=(rule, *rules))
                return
            if not participants and not first:
                return
        # a new meeting named by a noun: its participants are its possessor, its "with"
        # partners, and the subject of the clause it stands in ("X arrived on a visit")
        between = [a for p in self.ctx.args.args("meeting.with", noun) if p.head.lower_ in mt.between_preps
                   for a in self.table.actors_at(p)]
        if verb is not None and not poss and len(between) < 2:
            # "the US facilitated discussions between A and B": the talks are A's and B's alone
            subj = self._subject(verb)
            if subj is not None:
                found = self._subject_actors(subj)
                if by_agent:  # "Pakistan cancelled a visit by X": the subject is the host
                    location = location or next((a for a in found if a.startswith("country:")), None)
                else:
                    participants = found + participants
        if not set(participants) - set(host_state) and verb is not None:
            participants = participants + self._main_clause_subject(noun)
        participants += self._led_under(noun, verb)
        participants = unique(participants)
        if (not participants and not first) or self.g.negated(noun) or self.g.hypothetical(noun):
            return
        if location is None:
            location = self._clause_place(noun) or (self._clause_place(verb) if verb is not None else None)
        status = self._status(verb) if verb is not None else None
        if status is None and verb is not None and verb.dep_ == "xcomp" and not self.g.infinitive(verb):
            status = self._status(verb.head)  # "has helped advance the talks, including calls with X"
        if verb is not None and verb.lemma_.lower() in self.g.words.planned_verbs:
            status = "planned"  # "are planning a meeting"
        if status is None and verb is not None and verb.tag_ == "VBG" and \
                any(c.dep_ == "aux" and c.lower_ in mt.present_aux for c in verb.children) and \
                (self.ctx.date_of(verb, True) or self.ctx.date_of(noun, True)) is not None:
            status = "planned"  # "is following up with talks on Monday": present progressive with a day ahead
        if any(a.lower_ in mt.planned_modifiers for a in noun.lefts):
            status = "planned"
        elif status is None and any(a.lower_ in mt.ongoing_modifiers for a in noun.lefts):
            status = "occurred"  # "the current talks", "ongoing negotiations": under way
        if verb is not None and any(c.dep_ in {"acomp", "advmod"} and c.lower_ in mt.planned_predicates for c in verb.children):
            status = "planned"  # "is due at a Security Council meeting"
        if verb is not None and self.g.phrasal(verb, self.cancelled):
            status = "cancelled"
        mode = mode or self._mode(sent, noun, kind, location)
        date = self.ctx.date_of(verb, status == "planned") if verb is not None and status != "cancelled" else None
        if date is None and status != "cancelled":
            date = self.ctx.date_of(noun, status == "planned")  # "talks on Monday"
        self._add(_Event(kind, participants, status, mode, location, date, [span], triggers=[noun.idx],
                         rules=[rule, *rules]))

    def _main_clause_subject(self, noun: Token) -> list[str]:
        """'After a three-day visit to Kenya, X warned ...': the visit is the subject's."""
        t = noun
        for _ in range(5):
            if t.head.i == t.i:
                return []
            if t.dep_ == "pobj" and t.head.lower_ in self.g.words.time_preps:
                main = t.head.head
                while main.head.i != main.i:
                    main = main.head  # the sentence's main verb ("remarks made after a visit, X warned")
                return self._subject_actors(self._subject(main)) if main.pos_ in {"VERB", "AUX"} else []
            t = t.head
        return []

    def _led_under(self, noun: Token, verb: Token | None) -> list[str]:
        """'a session under the leadership of X', 'talks under the chairmanship of X': X takes part."""
        out: list[str] = []
        for head in (noun, verb):
            for prep in head.children if head is not None else ():
                if prep.dep_ != "prep" or prep.lower_ not in self.words.leadership_preps:
                    continue
                for lead in prep.children:
                    if lead.dep_ == "pobj" and lead.lemma_.lower() in self.words.leadership_nouns:
                        for p in (p for of in lead.children if of.dep_ == "prep" and of.lower_ == "of"
                                  for p in of.children if p.dep_ == "pobj"):
                            out += self.table.actors_at(p)
                            # "African Union Commission Chairperson X": the organisation too
                            out += [m.key for t in p.subtree if (m := self.table.mention_at(t)) and m.key
                                    and m.kind == "Organization" and not m.adjective]
        return out

    def _party(self, token: Token) -> list[str]:
        """The actors a partner phrase names; "the Russian delegation" stands for Russia."""
        found = self.table.actors_at(token)
        if not found and token.lemma_.lower() in self.table.lex.actors.collective_heads:
            found = [m.key for c in token.children if c.dep_ == "amod" and (m := self.table.mention_at(c))
                     and m.key and m.kind == "Country"]
        return found

    def _role_holders(self, noun: Token) -> list[str]:
        """"Egypt's role in the talks": who has a role in a meeting takes part in it."""
        prep = noun.head
        role = prep.head
        if noun.dep_ != "pobj" or prep.lower_ != "in" or role.lemma_.lower() not in self.words.role_nouns:
            return []
        return [a for c in role.children if c.dep_ == "poss" for a in self.table.actors_at(c)]

    def _kind(self, noun: Token) -> MeetingKind | None:
        nouns = self.words.nouns
        return nouns.get(noun.lower_) or nouns.get(noun.lemma_.lower())

    # ---- arguments ------------------------------------------------------------------------------
    def _subject(self, verb: Token) -> Token | None:
        return self.g.subject(verb) or self.g.dateline_subject(verb)

    def _subject_actors(self, subj: Token | None) -> list[str]:
        """The actors of a subject; "Trump and Ukraine's President Zelenskyy", parsed as a possessor
        with a conjunct, names both people."""
        found = self.table.actors_at(subj)
        if subj is None:
            return found
        for c in subj.subtree:
            m = self.table.mention_at(c)
            if c.i < subj.i and c.dep_ == "poss" and m and m.kind == "Person" and m.key and m.key not in found and \
                    any(k.dep_ == "cc" for k in c.children) and any(k.dep_ == "conj" for k in c.children):
                found.append(m.key)
        return found

    def _verb_arguments(self, verb: Token, lemma: str,
                        objs: list[Token]) -> tuple[list[str], list[str], str | None, list[str]]:
        """The participants (subject side), partners (object side) and location of a meeting verb,
        and the argument patterns that gave them."""
        mt, args, doc = self.words, self.ctx.args, self.ctx.doc
        subj_tok = self._subject(verb)
        participants = self._subject_actors(subj_tok)
        rules: list[str] = []
        leaders = self._leaders(subj_tok)
        participants += leaders
        rules += ["meeting.led_by"] if leaders else []
        # headlines: "Biden, Xi to hold virtual summit" (the names hang on the verb as 'dep')
        participants += [a for c in verb.children if c.dep_ == "dep" and c.i < verb.i for a in self.table.actors_at(c)]
        partners: list[str] = []
        location = None
        # the verb's objects and prepositional arguments, in the order they are written
        slots: dict[tuple[int, int], set[str]] = {(c.i, c.i): {"dobj"} for c in objs if c.dep_ in {"dobj", "oprd"}}
        for pid in ("meeting.with", "meeting.to_partner", "meeting.location"):
            for m in args.matches(pid, verb):
                slots.setdefault((m["prep"].i, m["arg"].i), set()).add(pid)
        for (_, i), found in sorted(slots.items()):
            arg = doc[i]
            place = self.table.place_at(arg)
            if "dobj" in found:
                if lemma in mt.destination_required:
                    continue  # "left 232 dead", "headed the delegation": no partner, no trip
                if lemma in mt.place_object_verbs and place and (
                        place.startswith("place:") or not self.table.is_person_like(arg)):
                    location = place  # "visited Kyiv"
                    rules.append("meeting.place_object")
                else:
                    partners += self.table.actors_at(arg)
            elif "meeting.location" in found and place and (
                    lemma in mt.destination_required or lemma in mt.located_verbs or place.startswith("place:")):
                location = location or place
                rules.append("meeting.location")
            elif found & {"meeting.with", "meeting.to_partner"}:
                actors = self.table.actors_at(arg)
                partners += actors
                rules += sorted(found - {"meeting.location"}) if actors else []
                if not actors and arg.lower_ in mt.signatory_nouns:
                    rules.append("meeting.signatories")  # "met with the signatories of the truce" (see assemble)
        # "spoke with X, ..., and with Y": a second partner after a conjoined preposition
        for prep in verb.children:
            if prep.dep_ == "prep" and prep.lower_ in mt.partner_preps:
                for c in prep.conjuncts:
                    if c.lower_ in mt.partner_preps:
                        partners += [a for p in c.children if p.dep_ == "pobj" for a in self.table.actors_at(p)]
        for o in objs:  # "held talks with X"
            actors = [a for p in args.args("meeting.with", o) for a in self.table.actors_at(p)]
            partners += actors
            rules += ["meeting.with"] if actors else []
        # "met Tunisian President X in Tunis": the place may hang off the object or its apposition
        if location is None and (location := self._clause_place(verb)):
            rules.append("meeting.clause_place")
        if location is None and verb.dep_ == "relcl" and any(c.lower_ in self.g.words.relative_place for c in verb.children):
            location = self.table.place_at(verb.head)  # "in Vienna, where he met ..."
            rules += ["meeting.where"] if location else []
        return participants, partners, location, unique(rules)

    def _noun_arguments(self, noun: Token) -> tuple[list[str], list[str], str | None, list[Token], list[str]]:
        """A meeting noun's participants (possessor, "with" partners, "by" agents last), its "by"
        agents, its location, its possessors, and the argument patterns that gave them."""
        mt, args = self.words, self.ctx.args
        poss = [c for c in noun.children if c.dep_ == "poss"]
        participants = [a for p in poss for a in self.table.actors_at(p)]
        partners = [a for p in args.args("meeting.with", noun) for a in self._party(p)]
        by_agent = [a for p in args.args("meeting.by", noun) for a in self.table.actors_at(p)]  # "a visit by X"
        # the place after "to", "in", "at", or in a clause on the noun ("a meeting ..., scheduled
        # for Friday in Washington"): the first one written
        spots = [(m["prep"].i, m["arg"].i) for m in args.matches("meeting.noun_location", noun)]
        spots += [(c.i, p.i) for c in noun.children if c.dep_ == "acl" for p in c.subtree
                  if p.dep_ == "pobj" and p.head.lower_ in mt.clause_place_preps]
        location = next((place for _, i in sorted(spots) if (place := self.table.place_at(self.ctx.doc[i]))), None)
        rules = [pid for pid, found in (("meeting.with", partners), ("meeting.by", by_agent)) if found]
        rules += ["meeting.noun_location"] if location and any(
            self.table.place_at(p) == location for p in args.args("meeting.noun_location", noun)) else []
        return participants + partners + by_agent, by_agent, location, poss, rules

    def _clause_place(self, verb: Token) -> str | None:
        """The first place after 'in'/'at' in the verb's own clause."""
        for t in verb.subtree:
            if t.dep_ != "pobj" or t.head.lower_ not in self.words.clause_place_preps:
                continue
            h, inner = t.head, False
            while h.i != verb.i and h.i != h.head.i:
                if h.pos_ in {"VERB", "AUX"} and h.dep_ != "acl":
                    inner = True
                    break
                h = h.head
            place = None if inner else self.table.place_at(t)
            if place and place.startswith("place:"):
                return place
        return None

    def _leaders(self, subj: Token | None) -> list[str]:
        """'A Hamas delegation led by Khalil Darwish': the leader takes part too."""
        if subj is None:
            return []
        return [a for p in self.ctx.args.args("meeting.led_by", subj) for a in self.table.actors_at(p)]

    # ---- status, mode -----------------------------------------------------------------------------
    def _status(self, verb: Token) -> MeetingStatus | None:
        return self.g.status(verb, self.words.destination_required)

    def _mode(self, sent: Span, trigger: Token, kind: MeetingKind, location: str | None = None) -> MeetingMode | None:
        mt = self.words
        if trigger.pos_ == "VERB" and trigger.lemma_.lower() in mt.phone_verbs:
            return "phone"
        window = " ".join(t.lower_ for t in trigger.subtree)
        if cue_pattern(mt.video_cues).search(window):
            return "video"
        if cue_pattern(mt.phone_cues).search(window):
            return "phone"
        if kind == "call" and cue_pattern(mt.call_phone_cues).search(sent.text.lower()):
            return "phone"
        if kind == "call" and trigger.pos_ == "NOUN" and trigger.lower_ in mt.phone_nouns:
            return "phone"  # "in a call with": a call is by telephone unless said otherwise
        if kind in mt.in_person_kinds or (location and location.startswith("place:") and kind != "call"):
            return "in person"
        return None

    # ---- within the document ----------------------------------------------------------------------
    def _earlier(self, kind: str | None, participants: list[str]) -> _Event | None:
        """The meeting a definite mention ("the call", "his visit") refers back to."""
        group = meeting_group(kind or "")
        for same in (lambda ev: ev.kind == kind, lambda ev: meeting_group(ev.kind) == group):
            for ev in reversed(self.meetings):
                if same(ev) and (not participants or set(participants) & set(ev.participants)):
                    return ev
        return None

    def _host(self, kind: str, location: str | None) -> list[str]:
        """A visit or trip to a country: the host state takes part in it."""
        return [location] if location and location.startswith("country:") and meeting_group(kind) == "travel" else []

    def _add(self, ev: _Event) -> None:
        ev.participants = self.table.with_states(unique(ev.participants + self._host(ev.kind, ev.location)))
        for other in self.meetings:
            same_sentence = ev.evidence[0] in other.evidence and bool(set(ev.participants) & set(other.participants)) \
                and (not ev.status or not other.status or ev.status == other.status)
            if same_sentence or _same_meeting(other, ev):
                other.absorb(mode=ev.mode, location=ev.location, evidence=ev.evidence[0], trigger=ev.triggers[0],
                             date=ev.date, status=ev.status, participants=ev.participants, rules=ev.rules)
                return
        self.meetings.append(ev)


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
    return not (a.date and b.date and a.date.value and b.date.value and a.date.value != b.date.value)
