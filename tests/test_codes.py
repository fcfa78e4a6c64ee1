"""Interop codes (kg.codes): the data files checked at load, the codes each record gets, and the
codes, country links and rule ids in a real build, through the shipped queries."""
from __future__ import annotations

import csv
import io
from importlib import resources

import pytest
from click.testing import CliRunner

from kg import codes
from kg.cli import main
from kg.errors import LexiconError

CODES_TEXT = resources.files("kg.nlp").joinpath("data/codes.yaml").read_text(encoding="utf-8")


def test_codes_data_file_loads_and_cites_both_specifications():
    table = codes.codes()
    assert "Schrodt" in table.sources["cameo"]["citation"] and "1.1b3" in table.sources["cameo"]["citation"]
    assert "PLOVER" in table.sources["plover"]["citation"] and "2021" in table.sources["plover"]["citation"]
    assert table.cameo["0871"].label == "Declare truce, ceasefire"
    assert (table.cameo["0871"].plover, table.cameo["0871"].plover_mode) == ("RETREAT", "ceasefire")
    for entry in table.cameo.values():
        assert entry.meaning and entry.category.startswith(entry.code[:2] + " ")


@pytest.mark.parametrize("record, values, expected", [
    ("meetings", {"kind": "call", "status": "occurred", "mode": "phone"}, "041"),
    ("meetings", {"kind": "meeting", "status": "occurred", "mode": "phone"}, "041"),
    ("meetings", {"kind": "visit", "status": "occurred", "mode": "in person"}, "042"),
    ("meetings", {"kind": "trip", "status": None, "mode": None}, "042"),
    ("meetings", {"kind": "talks", "status": "occurred", "mode": None}, "046"),
    ("meetings", {"kind": "summit", "status": None, "mode": None}, "040"),
    ("meetings", {"kind": "visit", "status": "planned", "mode": None}, "036"),
    ("meetings", {"kind": "call", "status": "cancelled", "mode": "phone"}, None),
    ("ceasefires", {"status": "proposed"}, "0356"),
    ("ceasefires", {"status": "under negotiation"}, "046"),
    ("ceasefires", {"status": "agreed"}, "0871"),
    ("ceasefires", {"status": "in force"}, "0871"),
    ("ceasefires", {"status": "violated"}, "196"),
    ("ceasefires", {"status": "collapsed"}, None),
    ("ceasefires", {"status": None}, None),
    ("statements", {}, "010"),
    ("accusations", {}, "112"),
])
def test_codes_event_code_of_each_record(record, values, expected):
    assert codes.event_code(record, **values) == expected


@pytest.mark.parametrize("about, expected", [
    ([], "010"),
    ([("meeting", "occurred")], "010"),
    ([("meeting", "planned")], "036"),  # a statement of intent to meet
    ([("ceasefire", "proposed")], "0356"),
    ([("ceasefire", "agreed"), ("meeting", "planned")], "036"),
    ([("ceasefire", "proposed"), ("meeting", "planned")], "036"),  # the first rule of the file wins
])
def test_codes_statement_code_by_what_it_is_about(about, expected):
    alternatives = [{"about": kind, "about_status": status} for kind, status in about]
    assert codes.first_code("statements", [*alternatives, {}]) == expected


@pytest.mark.parametrize("old, new, message", [
    ('  "041":\n    label: Discuss by telephone', '  "41":\n    label: Discuss by telephone', "not a CAMEO code"),
    ("    plover: RETREAT\n", "    plover: WITHDRAW\n", "PLOVER type 'WITHDRAW' is not under `plover`"),
    ('  - {status: violated, cameo: "196"}', '  - {status: violated, cameo: "999"}', "CAMEO code '999'"),
    ('  - {status: violated, cameo: "196"}', '  - {status: broken, cameo: "196"}', "status 'broken' is not one of"),
    ('  - {kind: [talks], cameo: "046"}', '  - {kind: [talks], cameo: "046", colour: red}', "unknown key 'colour'"),
    ('    category: "19 FIGHT"', '    category: "18 ASSAULT"', "is not the code's (19 ...)"),
    ("sources:", "sauces:", "unknown key 'sauces'"),
    ("meetings:\n", "meetings: [\n", "not valid YAML"),
])
def test_codes_bad_entry_is_one_clear_error(old, new, message):
    assert old in CODES_TEXT
    with pytest.raises(LexiconError) as err:
        codes.parse_codes(CODES_TEXT.replace(old, new, 1))
    assert message in str(err.value) and "codes.yaml" in str(err.value)


def test_codes_countries_have_iso_cameo_and_links():
    israel = codes.country("Israel")
    assert (israel.iso3, israel.cameo) == ("ISR", "ISR")
    assert israel.wikipedia == "https://en.wikipedia.org/wiki/Israel"
    assert israel.dbpedia == "http://dbpedia.org/resource/Israel"
    assert codes.country("Georgia").wikipedia.endswith("/Georgia_(country)")
    assert codes.country("Romania").cameo == "ROM"
    assert codes.country("São Tomé and Príncipe").dbpedia == "http://dbpedia.org/resource/S%C3%A3o_Tom%C3%A9_and_Pr%C3%ADncipe"
    gazetteer = resources.files("kg.nlp").joinpath("data/countries.tsv").read_text(encoding="utf-8")
    names = {row["name"] for row in csv.DictReader(io.StringIO(gazetteer), delimiter="\t")}
    assert set(codes.countries()) == names


@pytest.mark.parametrize("text, message", [
    ("iso3\tcameo\twikipedia\nISR\tISR\tIsrael\n", "no row for"),
    ("iso3\tcameo\twikipedia\nISR\tIS\tIsrael\n", "three upper-case letters"),
    ("iso3\tcameo\twikipedia\nZZZ\tZZZ\tNowhere\n", "not a country of countries.tsv"),
    ("iso3\tcameo\twikipedia\nISR\tISR\tState of Israel\n", "with _ for spaces"),
    ("iso\tcameo\twiki\n", "expected the columns"),
])
def test_codes_bad_country_row_is_one_clear_error(text, message):
    with pytest.raises(LexiconError, match=message):
        codes.parse_countries(text, {"ISR": "Israel", "EGY": "Egypt"})


def _query(graph, *args) -> list[dict[str, str]]:
    result = CliRunner().invoke(main, ["query", *args, "--graph", str(graph), "--format", "csv", "--limit", "0"])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_codes_build_holds_rules_codes_and_country_links(seed_build):
    rules = _query(seed_build, "facts_by_rule")
    assert {r["class"] for r in rules} >= {"Meeting", "Statement", "Ceasefire", "Role"}
    assert all(r["rule"] and r["sentence"] for r in rules)
    one = rules[0]["rule"]
    only = _query(seed_build, "facts_by_rule", "--param", f"rule={one}")
    assert only and {r["rule"] for r in only} == {one}

    events = _query(seed_build, "event_codes")
    assert {"010", "041"} <= {e["cameo"] for e in events}
    call = next(e for e in events if e["cameo"] == "041")
    assert (call["plover"], call["ploverMode"], call["cameoLabel"]) == ("CONSULT", "phone", "Discuss by telephone")
    assert {e["cameo"] for e in _query(seed_build, "event_codes", "--param", "cameo=041")} == {"041"}

    countries = {c["country"]: c for c in _query(seed_build, "country_codes")}
    assert countries["Israel"]["iso3"] == "ISR" and countries["Israel"]["dbpedia"] == "http://dbpedia.org/resource/Israel"
    assert countries["Egypt"]["wikipedia"] == "https://en.wikipedia.org/wiki/Egypt"


def _mutated(seed_build, tmp_path, change):
    from rdflib import Graph

    graph = Graph().parse(seed_build / "kg.ttl")
    change(graph)
    folder = tmp_path / "build"
    folder.mkdir(parents=True)
    graph.serialize(folder / "kg.ttl", format="turtle")
    return folder


def _change(kind):
    from rdflib import Literal, URIRef

    from kg.vocab import KG, KGD, SKOS

    israel, code = KGD["actor/israel"], KGD["code/cameo-041"]

    def change(graph):
        if kind == "iso":
            graph.set((israel, KG.isoCode, Literal("Israel")))
        elif kind == "two-codes":
            event = next(graph.subjects(KG.eventCode, code))
            graph.add((event, KG.eventCode, KGD["code/cameo-010"]))
        elif kind == "no-notation":
            graph.remove((code, SKOS.notation, None))
        elif kind == "plover-not-a-code":
            graph.set((code, KG.ploverType, URIRef("https://example.org/CONSULT")))
    return change


@pytest.mark.parametrize("kind, focus, path", [
    ("iso", "actor:israel", "kg:isoCode"),
    ("two-codes", None, "kg:eventCode"),
    ("no-notation", "code:cameo-041", "skos:notation"),
    ("plover-not-a-code", "code:cameo-041", "kg:ploverType"),
])
def test_codes_shapes_catch_bad_codes(seed_build, tmp_path, kind, focus, path):
    from kg import ontology

    assert ontology.validate(_mutated(seed_build, tmp_path / "ok", lambda g: None), reasoner=False).ok
    report = ontology.validate(_mutated(seed_build, tmp_path, _change(kind)), reasoner=False)
    assert not report.ok
    assert any(v.path == path and (focus is None or v.focus == focus) for v in report.errors), report.text()
