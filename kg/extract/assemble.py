"""The readers' records -> one Extraction: roles from the mention table, statements linked to
the events they speak of, and the actors the facts are about.

The only module that sees what every reader found.
"""
from __future__ import annotations

import dataclasses

from kg.extract.context import DocContext, Reading
from kg.extract.mentions import MentionTable
from kg.models import Accusation, Actor, Ceasefire, EventRef, Extraction, Meeting, Place, Role, Statement, unique


def assemble(ctx: DocContext, table: MentionTable, statements: Reading[Statement], meetings: Reading[Meeting],
             ceasefires: Reading[Ceasefire], accusations: Reading[Accusation] | None = None) -> Extraction:
    accusations = accusations or Reading((), frozenset())
    used = set(statements.actors | meetings.actors | ceasefires.actors | accusations.actors)
    said = [_about(found.record, found.at, meetings, ceasefires) for found in statements.found]
    roles = _roles(ctx, table)
    for role in roles:
        used.add(role.holder)
        if role.affiliation:
            used.add(role.affiliation)
    held = _signatories(_first_person(tuple(f.record for f in meetings.found), said), ceasefires)
    for m in held:
        if m.location and not m.location.startswith("place:"):
            used.add(m.location)
    for key in list(used):
        info = table.actors.get(key)
        if info is not None and info.affiliation:
            used.add(info.affiliation)  # "a senior U.S. official": the United States too
    places = tuple(Place(k, v) for k, v in sorted(table.places.items()) if any(m.location == k for m in held))
    return Extraction(ctx.document, _actors(ctx, table, used), places, tuple(roles), held, tuple(said),
                      tuple(f.record for f in ceasefires.found),
                      statements.warnings + meetings.warnings + ceasefires.warnings + accusations.warnings,
                      _concerning(accusations, ceasefires))


def _about(statement: Statement, at: tuple[int, ...], meetings: Reading[Meeting],
           ceasefires: Reading[Ceasefire]) -> Statement:
    """The statement with the events whose trigger words stand inside what was said."""
    begin, end = at
    about = [EventRef("ceasefire", i) for i, f in enumerate(ceasefires.found) if any(begin <= x < end for x in f.at)]
    about += [EventRef("meeting", i) for i, f in enumerate(meetings.found) if any(begin <= x < end for x in f.at)]
    return dataclasses.replace(statement, about=tuple(about))


def _first_person(held: tuple[Meeting, ...], said: list[Statement]) -> tuple[Meeting, ...]:
    """'I just spoke with X', 'my visit to Y' inside what someone said: that speaker takes part."""
    out = []
    for i, meeting in enumerate(held):
        if "meeting.first_person" in meeting.rules:
            speaker = next((s.speaker for s in said if EventRef("meeting", i) in s.about), None)
            if speaker is not None and speaker not in meeting.participants:
                meeting = dataclasses.replace(meeting, participants=(speaker, *meeting.participants))
        out.append(meeting)
    return tuple(out)


def _signatories(held: tuple[Meeting, ...], ceasefires: Reading[Ceasefire]) -> tuple[Meeting, ...]:
    """'met with the signatories of the truce': the sides of the truce named in that sentence take part."""
    out = []
    for meeting in held:
        if "meeting.signatories" in meeting.rules:
            truce = next((f.record for f in ceasefires.found
                          if any(e.begin <= x < e.end for e in meeting.evidence[:1] for x in f.at)), None)
            if truce is not None:
                meeting = dataclasses.replace(meeting, participants=tuple(unique([*meeting.participants, *truce.parties])))
        out.append(meeting)
    return tuple(out)


def _concerning(accusations: Reading[Accusation], ceasefires: Reading[Ceasefire]) -> tuple[Accusation, ...]:
    """The accusations with the ceasefire whose truce word they name (the readers share the word's offset)."""
    out = []
    for found in accusations.found:
        index = next((i for i, f in enumerate(ceasefires.found) if set(found.at) & set(f.at)), None)
        ref = EventRef("ceasefire", index) if index is not None else None
        out.append(dataclasses.replace(found.record, ceasefire=ref))
    return tuple(out)


def _roles(ctx: DocContext, table: MentionTable) -> list[Role]:
    """One role per holder, title, affiliation and sentence; the rules that found it united."""
    roles: dict[tuple, Role] = {}
    for r in table.roles:
        role = Role(r.holder, r.title, r.affiliation, (ctx.evidence(r.sent),), (r.rule,))
        key = (role.holder, role.title, role.affiliation, role.evidence)
        if key in roles:
            role = dataclasses.replace(roles[key], rules=tuple(unique([*roles[key].rules, r.rule])))
        roles[key] = role
    return list(roles.values())


def _actors(ctx: DocContext, table: MentionTable, used: set[str]) -> tuple[Actor, ...]:
    """The actors the facts are about, plus those reliably named as actors when merely mentioned:
    states and organisations of the gazetteer named by a noun, and full personal names. An
    unverified name no fact uses ("he wrote on Telegram") is not an actor."""
    mentioned = {m.key for m in table.mentions if m.key and not m.adjective and m.kind != "Place"}
    acting = {m.key for m in table.mentions if m.key and m.kind in {"Organization", "Person", "Country"}
              and ctx.doc[m.start:m.end].root.dep_ in {"nsubj", "nsubjpass", "agent"}}
    actors = []
    for key, info in sorted(table.actors.items()):
        reliable = key in mentioned and info.named and (
            key.startswith(("country:", "org:")) and key.split(":", 1)[1].isupper()
            or (info.kind == "Person" and len(info.label.split()) >= 2))
        if key not in used and not reliable and not (info.named and key in acting):
            continue
        names = tuple(sorted(n for n in info.names if n and n != info.label))
        actors.append(Actor(key, info.label, info.kind, names, info.described))  # type: ignore[arg-type]
    return tuple(actors)
