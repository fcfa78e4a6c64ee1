"""kg's language data (data/*.yaml, data/*.tsv) as one frozen object, loaded once."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml


@dataclass(frozen=True)
class KnownActor:
    key: str  # "country:ISR", "org:UN"
    name: str
    kind: str  # Country / Organization


@dataclass(frozen=True)
class Lexicon:
    speech: dict
    titles: dict
    actors: dict
    meetings: dict
    ceasefires: dict
    # normalised surface form -> known actor (countries, their aliases, demonyms, governments; organisations)
    names: dict[str, KnownActor]
    demonyms: dict[str, KnownActor]  # "israeli" -> Israel
    capitals: dict[str, KnownActor]  # "washington" -> United States (metonymy, only when acting)
    title_heads: frozenset[str]
    title_synonyms: dict[str, str]
    surface_names: tuple[str, ...] = ()  # the names and aliases as written, for phrase matching
    surface_demonyms: tuple[str, ...] = ()
    title_words: frozenset[str] = frozenset()  # single heads and the last word of multiword heads


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


def _yaml(name: str) -> dict:
    return yaml.safe_load(resources.files("kg.nlp").joinpath(f"data/{name}").read_text(encoding="utf-8"))


def _tsv(name: str) -> list[dict[str, str]]:
    text = resources.files("kg.nlp").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines(), delimiter="\t"))


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
        actor = KnownActor(f"org:{row['key']}", row["name"], row.get("kind") or "Organization")
        for form in [row["name"], *_split(row.get("aliases"))]:
            names.setdefault(norm(form), actor)
            surface_names.add(form)
    titles = _yaml("titles.yaml")
    return Lexicon(
        speech=_yaml("speech.yaml"), titles=titles, actors=_yaml("actors.yaml"), meetings=_yaml("meetings.yaml"),
        ceasefires=_yaml("ceasefires.yaml"), names=names, demonyms=demonyms, capitals=capitals,
        title_heads=frozenset(h.lower() for h in titles["heads"]),
        title_words=frozenset(h.lower().split()[-1] for h in titles["heads"]),
        title_synonyms={k.lower(): v.lower() for k, v in titles["synonyms"].items()},
        surface_names=tuple(sorted(surface_names)), surface_demonyms=tuple(sorted(surface_demonyms)),
    )
