"""Actor and place mentions of one document, found before any event is read.

Order of work, because each step needs the one before:
1. named mentions (spaCy entities, the gazetteer of states and organisations, organisations
   named by a generic head's modifier);
2. one person per name: "Blinken" is "Antony Blinken" when the document names him in full
   (whatever label the entity recogniser gave the short form);
3. common-noun actors ("the Israeli military", "U.S. officials", "a senior official");
4. roles, from titles before names ("U.S. Secretary of State Antony Blinken") and from
   appositions ("his Israeli counterpart, Gabi Ashkenazi");
5. descriptions that name no one ("the head of US diplomacy", "the Secretary") resolve to the
   holder of a matching role in the document; plurals of persons ("the leaders") to the people
   named just before; bare definite organisations to their antecedent;
6. voices: who speaks a transcript's turn or the paragraphs after "X said:", and whose "we" an
   institution's statement is; then pronouns to their antecedent ("I" and "we" to the voice);
7. places the recogniser missed, where nothing else was found.
"""
from __future__ import annotations

from kg.extract.context import DocContext
from kg.extract.mentions import common, named, references, roles, voices
from kg.extract.mentions.table import ActorInfo, Mention, MentionBuilder, MentionTable, RoleHit, Voice
from kg.nlp.lexicon import Lexicon

__all__ = ["ActorInfo", "Mention", "MentionTable", "RoleHit", "Voice", "find_mentions"]


def find_mentions(ctx: DocContext, lex: Lexicon) -> MentionTable:
    """The document's complete mention table."""
    dm = MentionBuilder(ctx, lex)
    named.find_names(dm)
    named.find_generic_head_organisations(dm)
    named.find_names_after_titles(dm)
    references.link_short_names(dm)
    common.find_common_noun_actors(dm)
    roles.find_roles(dm)
    references.find_descriptions(dm)
    references.find_joint_references(dm)
    references.find_document_sources(dm)
    references.find_definite_organisations(dm)
    voices.find_voices(dm)
    references.find_pronouns(dm)
    named.find_missed_places(dm)
    return dm.table()
