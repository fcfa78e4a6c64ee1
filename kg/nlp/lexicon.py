"""kg's language data (data/*.yaml, data/*.tsv) as one frozen object, loaded once.

Each YAML file is one typed section (a frozen dataclass below): every key of the file must be
a field of its section and every field must be in the file, with a value of the field's type,
or loading fails with a ``LexiconError`` that names the file and the key. Word lists are
frozensets (or tuples where order matters), tables are read-only mappings.
"""
from __future__ import annotations

import csv
import dataclasses
import re
import types
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Literal, TypeVar, get_args, get_origin, get_type_hints

import yaml

from kg.errors import LexiconError
from kg.models import ACTOR_KINDS, ActorKind, CeasefireStatus, MeetingKind, MeetingMode

Words = frozenset[str]
# libyaml's loader when PyYAML has it (several times faster), the pure-Python one otherwise.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class KnownActor:
    key: str  # "country:ISR", "org:UN"
    name: str
    kind: ActorKind


@dataclass(frozen=True)
class GrammarWords:
    """Function words the parse-tree questions depend on (data/grammar.yaml)."""

    articles: Words
    definite_articles: Words
    definite_determiners: Words
    described_person_determiners: Words
    nonspecific_determiners: Words
    anaphoric_determiners: Words
    negative_determiners: Words
    dropped_determiners: tuple[str, ...]
    possessives: tuple[str, ...]
    description_determiners: tuple[str, ...]
    possessive_marks: Words
    relative_pronouns: Words
    relative_place: Words
    infinitive_markers: Words
    complementizers: Words
    passive_speech_verbs: Words
    future_aux: Words
    denials: Words
    conditions: Words
    planned_verbs: Words
    planned_aux: Words
    readiness: Words
    cancelled_verbs: Words
    time_preps: Words
    completed_preps: Words
    past_preps: Words
    quotes: str
    opening_quotes: str
    closing_quotes: str


@dataclass(frozen=True)
class SpeechWords:
    """What makes a Statement (data/speech.yaml)."""

    reporting_verbs: Words
    readout_verbs: Words
    conversation_preps: Words
    object_required: Mapping[str, Words]
    clause_only: Words
    particle_required: Mapping[str, Words]
    particles_not_speech: Words
    clause_or_particle: Mapping[str, Words]
    content_preps: Words
    object_is_content: Words
    attribution_markers: Words
    voiced_min_words: int
    addressee_pronouns: Words


@dataclass(frozen=True)
class TitleWords:
    """Titles of office (data/titles.yaml)."""

    heads: tuple[str, ...]
    weak_heads: Words
    synonyms: Mapping[str, str]
    leader_titles: Words
    honorifics: Words
    name_titles: Words
    academic_titles: Words
    name_particles: Words
    name_suffixes: Words
    acronym_skip: Words
    counterpart_titles: Words
    leader_descriptions: Words
    affiliation_preps: Words
    field_preps: Words
    after_name_preps: Words


@dataclass(frozen=True)
class ActorWords:
    """Common nouns and pronouns that denote actors (data/actors.yaml)."""

    person_nouns: Words
    group_nouns: Words
    org_nouns: Words
    state_nouns: Words
    leader_org_nouns: Words
    generic_org_heads: Words
    collective_heads: Words
    collective_preps: Words
    member_preps: Words
    singular_pronouns: Words
    plural_pronouns: Words
    neuter_pronouns: Words
    joint_nouns: Words
    document_nouns: Words
    non_actor_heads: Words
    document_preps: Words
    joint_modifiers: Words
    object_pronouns: Words
    first_person_singular: Words
    first_person_plural: Words
    reporter_labels: Words


@dataclass(frozen=True)
class PlaceWords:
    """How a place is told from an actor (data/places.yaml)."""

    locative_preps: Words
    place_nouns: Words
    place_name_preps: Words
    place_object_verbs: Words
    source_heads: Words


@dataclass(frozen=True)
class MeetingWords:
    """What makes a Meeting (data/meetings.yaml)."""

    verbs: Mapping[str, MeetingKind]
    partner_required: Words
    destination_required: Words
    place_or_partner_required: Words
    control_verbs: Words
    object_required: Mapping[str, Words]
    nouns: Mapping[str, MeetingKind]
    objects_read_alone: Words
    planned_modifiers: Words
    mode_compounds: Mapping[str, MeetingMode]
    phone_verbs: Words
    phone_nouns: Words
    phone_cues: tuple[str, ...]
    video_cues: tuple[str, ...]
    call_phone_cues: tuple[str, ...]
    in_person_kinds: frozenset[MeetingKind]
    clause_place_preps: Words
    place_object_verbs: Words
    located_verbs: Words
    one_sided_kinds: frozenset[MeetingKind]
    partner_preps: Words
    planned_predicates: Words
    between_preps: Words
    guest_verbs: Words
    role_nouns: Words
    leadership_preps: Words
    leadership_nouns: Words
    present_aux: Words
    ongoing_modifiers: Words
    first_person: Words
    signatory_nouns: Words


@dataclass(frozen=True)
class CeasefireWords:
    """What makes a Ceasefire (data/ceasefires.yaml)."""

    nouns: Words
    split_nouns: Mapping[str, str]
    other_truce_modifiers: Words
    following_heads: Words
    compound_heads: Words
    status_cues: Mapping[CeasefireStatus, Words]
    intent_verbs: Words
    existing_preps: Words
    mediation_verbs: Words
    hyphen_mediation: Words
    hyphen_mediators: Words
    non_binding_verbs: Words
    announcing_verbs: Words
    proposing_verbs: Words
    breach_verbs: Words
    mediator_nouns: Words
    mediation_nouns: Words
    mediation_gerunds: Words
    conflict_nouns: Words
    pursuit_verbs: Words
    pursuit_nouns: Words
    proposal_responses: Words
    modified_mediation: Words
    qualified_nouns: Mapping[str, Words]
    modified_nouns: Mapping[str, Words]
    agreement_names: Words
    role_nouns: Words
    role_verbs: Words
    thanking_verbs: Words
    effort_nouns: Words
    diplomatic_modifiers: Words
    binding_verbs: Words
    commitment_nouns: Words
    scope_modifiers: Words
    urging_verbs: Words
    pair_words: Words
    widening_verbs: Words
    waged_conflicts: Words
    mediated_processes: Words
    side_nouns: Words
    halting_verbs: Words
    halted_fighting: Words
    force_nouns: Words
    partner_preps: Words


@dataclass(frozen=True)
class AccusationWords:
    """What makes an Accusation of violating a ceasefire (data/accusations.yaml)."""

    accusing_verbs: Words
    violation_verbs: Words
    violation_nouns: Words
    reciprocal_objects: Words
    mutual_verbs: Words
    mutual_nouns: Words
    denial_verbs: Words
    none_determiners: Words


@dataclass(frozen=True)
class NoiseWords:
    """Scraped-page noise (data/noise.yaml): regular expressions and thresholds."""

    tail_min_share: float
    tail_markers: tuple[str, ...]
    line_patterns: tuple[str, ...]
    closing_patterns: tuple[str, ...]
    prefix_patterns: tuple[str, ...]
    byline_time: str
    teaser_min_run: int
    teaser_lines_above: int
    label_line_max_words: int
    label_function_words: Words


@dataclass(frozen=True)
class DateWords:
    """Date expressions (data/dates.yaml)."""

    weekdays: tuple[str, ...]
    relative_days: Mapping[str, int]
    prefixes: tuple[str, ...]
    relative_markers: tuple[str, ...]
    articles: tuple[str, ...]
    months: tuple[str, ...]
    duration_articles: tuple[str, ...]
    duration_counts: tuple[str, ...]
    duration_units: tuple[str, ...]
    duration_suffixes: tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    grammar: GrammarWords
    speech: SpeechWords
    titles: TitleWords
    actors: ActorWords
    places: PlaceWords
    meetings: MeetingWords
    ceasefires: CeasefireWords
    noise: NoiseWords
    dates: DateWords
    accusations: AccusationWords
    # normalised surface form -> known actor (countries, their aliases, demonyms, governments; organisations)
    names: Mapping[str, KnownActor]
    demonyms: Mapping[str, KnownActor]  # "israeli" -> Israel
    capitals: Mapping[str, KnownActor]  # "washington" -> United States (metonymy, only when acting)
    title_heads: Words
    title_synonyms: Mapping[str, str]
    surface_names: tuple[str, ...] = ()  # the names and aliases as written, for phrase matching
    surface_demonyms: tuple[str, ...] = ()
    title_words: Words = frozenset()  # single heads and the last word of multiword heads


@lru_cache(maxsize=256)
def cue_pattern(cues: tuple[str, ...]) -> re.Pattern:
    """One compiled pattern matching any of the cue phrases as whole words."""
    return re.compile(r"\b(?:" + "|".join(re.escape(c) for c in sorted(cues, key=len, reverse=True)) + r")\b")


def norm(text: str) -> str:
    """Normalise a surface form for lookup: lower case, no leading 'the', no possessive, single spaces."""
    text = text.replace("\u2019", "'").strip().lower()
    text = re.sub(r"'s$|'$", "", text)
    text = re.sub(r"^the\s+", "", text)
    return re.sub(r"\s+", " ", text).strip(" .,;:")


def words_pattern(words: tuple[str, ...] | frozenset[str]) -> str:
    """A regular-expression alternation of literal words, longest first."""
    return "(?:" + "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w))) + ")"


# ---- loading and validation ------------------------------------------------------------------------
S = TypeVar("S")


def _read(name: str) -> str:
    return resources.files("kg.nlp").joinpath(f"data/{name}").read_text(encoding="utf-8")


def load_section(cls: type[S], name: str, text: str | None = None) -> S:
    """The section ``cls`` from data/``name`` (or from ``text``), every key checked."""
    where = f"kg/nlp/data/{name}"
    try:
        data = yaml.load(_read(name) if text is None else text, Loader=YAML_LOADER)
    except yaml.YAMLError as exc:
        raise LexiconError(f"{where}: not valid YAML ({str(exc).splitlines()[0]})") from exc
    if not isinstance(data, dict):
        raise LexiconError(f"{where}: expected a mapping of keys to word lists")
    fields = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    for key in data:
        if key not in fields:
            raise LexiconError(f"{where}: unknown key {key!r} (the section has {', '.join(fields)})")
    for key in fields:
        if key not in data:
            raise LexiconError(f"{where}: missing key {key!r}")
    hints = get_type_hints(cls)
    return cls(**{key: _convert(data[key], hints[key], f"{where}: {key}") for key in fields})


def _convert(value: Any, hint: Any, where: str) -> Any:
    origin, args = get_origin(hint), get_args(hint)
    if hint is str:
        if not isinstance(value, str):
            raise LexiconError(f"{where}: expected a string, not {value!r}")
        return value
    if hint is int or hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float) or (hint is int and not isinstance(value, int)):
            raise LexiconError(f"{where}: expected a number, not {value!r}")
        return hint(value)
    if origin is Literal:
        if value not in args:
            raise LexiconError(f"{where}: {value!r} is not one of {', '.join(map(repr, args))}")
        return value
    if origin in (frozenset, tuple):
        if not isinstance(value, list):
            raise LexiconError(f"{where}: expected a list, not {value!r}")
        items = [_convert(v, args[0], f"{where}[{i}]") for i, v in enumerate(value)]
        return frozenset(items) if origin is frozenset else tuple(items)
    if origin is Mapping:
        if not isinstance(value, dict):
            raise LexiconError(f"{where}: expected a mapping, not {value!r}")
        return types.MappingProxyType({_convert(k, args[0], f"{where} (key)"): _convert(v, args[1], f"{where}.{k}")
                                       for k, v in value.items()})
    raise LexiconError(f"{where}: no reader for {hint!r}")  # a field type this loader does not know


def _tsv(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(_read(name).splitlines(), delimiter="\t"))


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split("|") if v.strip()]


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    names: dict[str, KnownActor] = {}
    demonyms: dict[str, KnownActor] = {}
    capitals: dict[str, KnownActor] = {}
    surface_names: set[str] = set()
    surface_demonyms: set[str] = set()
    for row in _tsv("countries.tsv"):
        actor = KnownActor(f"country:{row['key']}", row["name"], "Country")
        for form in [row["name"], *_split(row.get("aliases"))]:
            names.setdefault(norm(form), actor)
            surface_names.add(form)
        for form in _split(row.get("demonyms")):
            demonyms.setdefault(norm(form), actor)
            surface_demonyms.add(form)
            names.setdefault(norm(form) + " government", actor)
        for form in _split(row.get("capitals")):
            capitals.setdefault(norm(form), actor)
    for row in _tsv("organizations.tsv"):
        kind = row.get("kind") or "Organization"
        if kind not in ACTOR_KINDS:
            raise LexiconError(f"kg/nlp/data/organizations.tsv: {row['key']}: kind {kind!r} is not one of {ACTOR_KINDS}")
        actor = KnownActor(f"org:{row['key']}", row["name"], kind)
        for form in [row["name"], *_split(row.get("aliases"))]:
            names.setdefault(norm(form), actor)
            surface_names.add(form)
    titles = load_section(TitleWords, "titles.yaml")
    return Lexicon(
        grammar=load_section(GrammarWords, "grammar.yaml"), speech=load_section(SpeechWords, "speech.yaml"),
        titles=titles, actors=load_section(ActorWords, "actors.yaml"), places=load_section(PlaceWords, "places.yaml"),
        meetings=load_section(MeetingWords, "meetings.yaml"), ceasefires=load_section(CeasefireWords, "ceasefires.yaml"),
        noise=load_section(NoiseWords, "noise.yaml"), dates=load_section(DateWords, "dates.yaml"),
        accusations=load_section(AccusationWords, "accusations.yaml"),
        names=types.MappingProxyType(names), demonyms=types.MappingProxyType(demonyms),
        capitals=types.MappingProxyType(capitals),
        title_heads=frozenset(h.lower() for h in titles.heads),
        title_words=frozenset(h.lower().split()[-1] for h in titles.heads),
        title_synonyms=types.MappingProxyType({k.lower(): v.lower() for k, v in titles.synonyms.items()}),
        surface_names=tuple(sorted(surface_names)), surface_demonyms=tuple(sorted(surface_demonyms)),
    )
