"""Interop codes: CAMEO and PLOVER codes for kg's events, ISO/CAMEO codes and linked-data pages for countries.

The data are files (``kg/nlp/data/codes.yaml``, ``kg/nlp/data/country_codes.tsv``), checked
when loaded: a bad entry is a :class:`~kg.errors.LexiconError` naming the file and the entry.

    event_code("meeting", kind="call")        -> "041"
    event_code("ceasefire", status="violated") -> "196"
    codes().cameo["041"].plover               -> "CONSULT"
    country("Israel")                          -> CountryCodes(iso3="ISR", cameo="ISR", ...)
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import quote

import yaml

from kg.errors import LexiconError
from kg.models import CEASEFIRE_STATUSES, MEETING_KINDS, MEETING_MODES, MEETING_STATUSES

CODES_FILE = "codes.yaml"
COUNTRIES_FILE = "country_codes.tsv"
WIKIPEDIA = "https://en.wikipedia.org/wiki/"
DBPEDIA = "http://dbpedia.org/resource/"

_CAMEO_CODE = re.compile(r"^[0-9]{3,4}$")
_PLOVER_TYPE = re.compile(r"^[A-Z]+$")
_ALPHA3 = re.compile(r"^[A-Z]{3}$")
RECORDS = ("meetings", "ceasefires", "statements", "accusations")
_CONDITIONS: dict[str, dict[str, tuple[str, ...]]] = {  # what a rule may test, per kind of record, and the values allowed
    "meetings": {"kind": MEETING_KINDS, "status": MEETING_STATUSES, "mode": MEETING_MODES},
    "ceasefires": {"status": CEASEFIRE_STATUSES},
    # a statement by what it is about: "about: meeting, about_status: planned" is a statement of intent
    "statements": {"about": ("meeting", "ceasefire"), "about_status": MEETING_STATUSES + CEASEFIRE_STATUSES},
    "accusations": {},
}


@dataclass(frozen=True)
class CameoCode:
    code: str
    label: str
    meaning: str
    category: str
    plover: str | None
    plover_mode: str | None


@dataclass(frozen=True)
class PloverType:
    name: str
    meaning: str


@dataclass(frozen=True)
class Rule:
    conditions: tuple[tuple[str, tuple[str, ...]], ...]
    cameo: str | None

    def matches(self, values: dict[str, str | None]) -> bool:
        return all(values.get(name) in allowed for name, allowed in self.conditions)


@dataclass(frozen=True)
class Codes:
    sources: dict[str, dict[str, str]]  # "cameo"/"plover" -> citation, url
    cameo: dict[str, CameoCode]
    plover: dict[str, PloverType]
    rules: dict[str, tuple[Rule, ...]]  # "meetings", "ceasefires", "statements"


@dataclass(frozen=True)
class CountryCodes:
    iso3: str
    cameo: str
    wikipedia: str  # the page's URL
    dbpedia: str  # the resource's IRI


def _fail(where: str, message: str) -> LexiconError:
    return LexiconError(f"kg/nlp/data/{where}: {message}")


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(CODES_FILE, f"{where}: expected a non-empty string, not {value!r}")
    return value.strip()


def _mapping(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise _fail(CODES_FILE, f"{where}: expected a mapping, not {type(value).__name__}")
    return value


def _keys(value: dict, allowed: set[str], required: set[str], where: str) -> None:
    for key in value:
        if key not in allowed:
            raise _fail(CODES_FILE, f"{where}: unknown key {key!r} (expected {', '.join(sorted(allowed))})")
    for key in sorted(required - set(value)):
        raise _fail(CODES_FILE, f"{where}: missing key {key!r}")


def parse_codes(text: str) -> Codes:
    """The codes of a codes.yaml text, every entry checked."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _fail(CODES_FILE, f"not valid YAML ({str(exc).splitlines()[0]})") from exc
    data = _mapping(data, "the file")
    _keys(data, {"sources", "cameo", "plover", *RECORDS}, {"sources", "cameo", "plover", *RECORDS}, "the file")

    sources = {}
    for name in ("cameo", "plover"):
        entry = _mapping(_mapping(data["sources"], "sources").get(name), f"sources: {name}")
        _keys(entry, {"citation", "url"}, {"citation", "url"}, f"sources: {name}")
        sources[name] = {"citation": " ".join(_text(entry["citation"], f"sources: {name}: citation").split()),
                         "url": _text(entry["url"], f"sources: {name}: url")}

    plover = {}
    for name, entry in _mapping(data["plover"], "plover").items():
        if not isinstance(name, str) or not _PLOVER_TYPE.match(name):
            raise _fail(CODES_FILE, f"plover: {name!r} is not a PLOVER event type (upper-case letters)")
        entry = _mapping(entry, f"plover: {name}")
        _keys(entry, {"meaning"}, {"meaning"}, f"plover: {name}")
        plover[name] = PloverType(name, _text(entry["meaning"], f"plover: {name}: meaning"))

    cameo = {}
    fields = {"label", "meaning", "category", "plover", "plover_mode"}
    for code, entry in _mapping(data["cameo"], "cameo").items():
        if not isinstance(code, str) or not _CAMEO_CODE.match(code):
            raise _fail(CODES_FILE, f"cameo: {code!r} is not a CAMEO code (3 or 4 digits, quoted)")
        entry = _mapping(entry, f"cameo: {code}")
        _keys(entry, fields, fields, f"cameo: {code}")
        category = _text(entry["category"], f"cameo: {code}: category")
        if not category.startswith(code[:2] + " "):
            raise _fail(CODES_FILE, f"cameo: {code}: category {category!r} is not the code's ({code[:2]} ...)")
        if entry["plover"] is not None and entry["plover"] not in plover:
            raise _fail(CODES_FILE, f"cameo: {code}: PLOVER type {entry['plover']!r} is not under `plover`")
        if entry["plover_mode"] is not None and entry["plover"] is None:
            raise _fail(CODES_FILE, f"cameo: {code}: a PLOVER mode without a PLOVER type")
        cameo[code] = CameoCode(code, _text(entry["label"], f"cameo: {code}: label"),
                                _text(entry["meaning"], f"cameo: {code}: meaning"), category, entry["plover"],
                                None if entry["plover_mode"] is None else _text(entry["plover_mode"],
                                                                               f"cameo: {code}: plover_mode"))

    rules = {}
    for record in RECORDS:
        items = data[record]
        if not isinstance(items, list) or not items:
            raise _fail(CODES_FILE, f"{record}: expected a list of rules")
        allowed = _CONDITIONS[record]
        parsed = []
        for i, item in enumerate(items):
            where = f"{record}[{i}]"
            item = _mapping(item, where)
            _keys(item, {"cameo", *allowed}, {"cameo"}, where)
            conditions = []
            for name in sorted(set(item) - {"cameo"}):
                values = item[name] if isinstance(item[name], list) else [item[name]]
                for v in values:
                    if v not in allowed[name]:
                        raise _fail(CODES_FILE, f"{where}: {name} {v!r} is not one of {', '.join(allowed[name])}")
                conditions.append((name, tuple(values)))
            code = item["cameo"]
            if code is not None and code not in cameo:
                raise _fail(CODES_FILE, f"{where}: CAMEO code {code!r} is not under `cameo`")
            parsed.append(Rule(tuple(conditions), code))
        rules[record] = tuple(parsed)
    return Codes(sources, cameo, plover, rules)


@lru_cache(maxsize=1)
def codes() -> Codes:
    return parse_codes(resources.files("kg.nlp").joinpath(f"data/{CODES_FILE}").read_text(encoding="utf-8"))


def event_code(record: str, **values: str | None) -> str | None:
    """The CAMEO code of a record ("meetings", "ceasefires", "statements") with these attributes."""
    return first_code(record, [values])


def first_code(record: str, alternatives: list[dict[str, str | None]]) -> str | None:
    """The code of the first rule that one of ``alternatives`` matches (a statement about several
    events: one set of attributes per event, and one without any)."""
    for rule in codes().rules[record]:
        if any(rule.matches(values) for values in alternatives):
            return rule.cameo
    return None


def parse_countries(text: str, names: dict[str, str]) -> dict[str, CountryCodes]:
    """Country codes by country name (``names``: ISO alpha-3 -> the gazetteer's name), every row checked."""
    rows = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    reader = csv.DictReader(rows, delimiter="\t")
    if reader.fieldnames != ["iso3", "cameo", "wikipedia"]:
        raise _fail(COUNTRIES_FILE, f"expected the columns iso3, cameo, wikipedia, not {reader.fieldnames}")
    out: dict[str, CountryCodes] = {}
    for n, row in enumerate(reader, start=2):
        iso3, cameo, title = (row.get(k) or "" for k in ("iso3", "cameo", "wikipedia"))
        if not _ALPHA3.match(iso3) or not _ALPHA3.match(cameo):
            raise _fail(COUNTRIES_FILE, f"row {n}: codes must be three upper-case letters ({iso3!r}, {cameo!r})")
        if iso3 not in names:
            raise _fail(COUNTRIES_FILE, f"row {n}: {iso3} is not a country of countries.tsv")
        if not title or " " in title:
            raise _fail(COUNTRIES_FILE, f"row {n}: the Wikipedia title {title!r} must be non-empty, with _ for spaces")
        page = quote(title, safe="_(),'-.")
        out[names[iso3]] = CountryCodes(iso3, cameo, WIKIPEDIA + page, DBPEDIA + page)
    missing = sorted(set(names) - {c.iso3 for c in out.values()})
    if missing:
        raise _fail(COUNTRIES_FILE, f"no row for {', '.join(missing)} (every country of countries.tsv needs one)")
    return out


@lru_cache(maxsize=1)
def countries() -> dict[str, CountryCodes]:
    """Country codes by the country's canonical name (a Country actor's label)."""
    data = resources.files("kg.nlp").joinpath("data")
    gazetteer = csv.DictReader(data.joinpath("countries.tsv").read_text(encoding="utf-8").splitlines(),
                               delimiter="\t")
    names = {row["key"]: row["name"] for row in gazetteer}
    return parse_countries(data.joinpath(COUNTRIES_FILE).read_text(encoding="utf-8"), names)


def country(label: str) -> CountryCodes | None:
    return countries().get(label)
